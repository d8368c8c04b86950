"""The worker processes: pebble's process pool, and what grading adds to it.

`pebble <https://pypi.org/project/Pebble/>`_'s :class:`~pebble.ProcessPool`
runs each job in a worker process with a time limit: a job past its limit has
its worker stopped (``SIGTERM``, then ``SIGKILL``) and replaced, and gets a
:class:`TimeoutError`; a worker that dies gives its job a
:class:`~pebble.ProcessExpired`; the other jobs go on. On top of it,
:func:`run_jobs` adds:

- *tried once more, alone*: a job whose worker was stuck or died runs again
  after the others, on its own, and fails only if that happens twice;
- *where it was stuck*: a worker stopped for its time limit writes its
  threads' stacks (:mod:`faulthandler`, on ``SIGTERM``) for the failure's
  report;
- *a worker that cannot start* (its initializer raised) does not break the
  pool: the error is kept, and each job it is given fails with it, at once;
- *workers that never start a job* (an initializer that hangs) fail the jobs
  left after ``start_timeout`` seconds;
- *forks only while the grader waits*: a fork copies into the new process
  every lock another thread holds at that moment (an import's, SQLite's, a
  stream's), held forever there. pebble forks replacement workers from its
  manager thread at any time, so the grader's main thread holds a gate
  (:data:`FORK_GATE`) while it works, and opens it only while it waits for
  results: a worker is never forked mid-``on_done``;
- *death with the grader*: each worker asks Linux for ``SIGKILL`` when the
  grader dies (``PR_SET_PDEATHSIG``; pebble forks replacement workers from its
  manager thread, which lives as long as the pool), so a killed grader leaves
  no worker, and the workers' own children (kernels, their fork server) die
  with them in turn.

Jobs and results are values (picklable dataclasses), so that another executor
can run the same functions.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from pebble import ProcessExpired, ProcessPool

__all__ = ["Failure", "Job", "run_jobs"]

_PR_SET_PDEATHSIG = 1
#: How often the pool's progress is looked at (seconds).
_POLL = 0.5


@dataclass(frozen=True)
class Job:
    """One piece of work: ``function(payload)`` in a worker.

    ``function`` is a module-level function (sent by name); ``timeout`` is
    the seconds after which its worker counts as stuck (None: never).
    """

    key: str
    function: Callable[[Any], Any]
    payload: Any
    timeout: float | None = None


@dataclass(frozen=True)
class Failure:
    """A job that gave no result: what happened, why, and where its worker was.

    ``kind``: ``"stuck"`` (no result in ``job.timeout``: its worker was
    stopped), ``"died"`` (its worker ended while running it), ``"raised"``
    (the function raised: a bug, not tried again), ``"not_started"`` (its
    worker's initializer failed) or ``"never_started"`` (no worker took it).
    """

    key: str
    kind: str
    reason: str
    stack: str = ""
    tries: int = 1

    #: The kinds of failure a job is tried once more for, alone.
    RETRIED: ClassVar[frozenset[str]] = frozenset({"stuck", "died"})

    def __str__(self) -> str:
        return f"{self.reason}\n{self.stack}".strip()


class _ForkGate:
    """Forks from other threads wait while the thread holding the gate works.

    Every fork of this process (``os.register_at_fork``) passes the gate: a
    fork from the thread holding it goes on (the lock is re-entrant), one from
    another thread waits until the holder opens it. A new process starts with
    the gate free.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def _before_fork(self) -> None:
        self._lock.acquire()

    def _after_fork_in_parent(self) -> None:
        self._lock.release()

    def _after_fork_in_child(self) -> None:
        self._lock = threading.RLock()

    @contextlib.contextmanager
    def closed(self) -> Iterator[None]:
        """No other thread forks while this block runs (except in ``opened``)."""
        with self._lock:
            yield

    @contextlib.contextmanager
    def opened(self) -> Iterator[None]:
        """Inside ``closed``: let the forks that wait happen while this runs."""
        self._lock.release()
        try:
            yield
        finally:
            self._lock.acquire()


#: The grader's gate for worker forks (see the module's docstring).
FORK_GATE = _ForkGate()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=FORK_GATE._before_fork,
        after_in_parent=FORK_GATE._after_fork_in_parent,
        after_in_child=FORK_GATE._after_fork_in_child,
    )


# -- in the worker ---------------------------------------------------------------

_WORKER: dict[str, Any] = {"error": None}


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the thread that made it ends."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(
            _PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0
        )


def _start_worker(grader: int, initializer, initargs) -> None:
    """Every worker's initializer: never raises (pebble's pool would break)."""
    _die_with_parent()
    if os.getppid() != grader:
        os._exit(1)  # pragma: no cover - the grader died before prctl
    try:
        if initializer is not None:
            initializer(*initargs)
    except BaseException:
        _WORKER["error"] = traceback.format_exc()


@dataclass(frozen=True)
class _NotStarted:
    """What a job returns in a worker whose initializer failed."""

    error: str


def _run(function, payload, stack_file: str):
    """Run one job; on SIGTERM (its time is up), write the threads' stacks."""
    if _WORKER["error"] is not None:
        return _NotStarted(_WORKER["error"])
    with open(stack_file, "w", encoding="utf-8") as stacks:
        faulthandler.register(signal.SIGTERM, file=stacks, all_threads=True, chain=True)
        try:
            return function(payload)
        finally:
            faulthandler.unregister(signal.SIGTERM)


# -- in the grader ---------------------------------------------------------------


def _stack_of(path: Path) -> str:
    """The stacks a stopped worker wrote (after pebble's SIGTERM), if any."""
    deadline = time.monotonic() + 2
    text = ""
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            text = path.read_text(encoding="utf-8", errors="replace")
        if text:
            break
        time.sleep(0.05)
    return f"its threads when it was stopped:\n{text[:8000]}" if text else ""


def run_jobs(
    jobs: Iterable[Job],
    on_done: Callable[[Job, Any], None],
    *,
    workers: int,
    initializer: Callable | None = None,
    initargs: tuple = (),
    start_timeout: float = 600.0,
    context=None,
) -> None:
    """Run every job in a pool of ``workers`` processes; report each as it ends.

    ``on_done(job, result)`` is called in this process with what
    ``job.function`` returned, or a :class:`Failure`: the function raised
    (not tried again), its worker could not start, or its worker was stuck or
    died twice (tried once more, alone, after the others). Interrupted (Ctrl-C,
    an error in ``on_done``), the workers are stopped at once.
    """
    jobs = list(jobs)
    if not jobs:
        return
    context = context or multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="outputsaving-stacks-") as folder:
        stacks = Path(folder)
        pool = ProcessPool(
            max_workers=max(1, min(workers, len(jobs))),
            initializer=_start_worker,
            initargs=(os.getpid(), initializer, initargs),
            context=context,
        )
        try:
            again, gave_up = _run_batch(pool, jobs, on_done, stacks, start_timeout, 1)
            for job in again:  # once more, alone
                _, stopped = _run_batch(pool, [job], on_done, stacks, start_timeout, 2)
                gave_up = gave_up or stopped
        except BaseException:
            pool.stop()
            pool.join()
            raise
        if gave_up:  # jobs no worker took are still queued: do not wait for them
            pool.stop()
        else:
            pool.close()
        pool.join()


def _run_batch(pool, jobs, on_done, stacks: Path, start_timeout: float, tries: int):
    """Run ``jobs`` at once; return those to try again, and whether it gave up.

    It gives up when no job started or ended for ``start_timeout`` seconds:
    the jobs left fail (``never_started``).
    """
    with FORK_GATE.closed():
        return _run_batch_gated(pool, jobs, on_done, stacks, start_timeout, tries)


def _run_batch_gated(pool, jobs, on_done, stacks, start_timeout, tries):
    pending = {}
    for number, job in enumerate(jobs):
        stack_file = stacks / f"{tries}-{number}.txt"
        future = pool.schedule(
            _run, args=(job.function, job.payload, str(stack_file)), timeout=job.timeout
        )
        pending[future] = (job, stack_file)
    again = []
    moved = time.monotonic()
    while pending:
        with FORK_GATE.opened():  # replacement workers are forked now
            done, _ = wait(pending, timeout=_POLL, return_when=FIRST_COMPLETED)
        if done or any(future.running() for future in pending):
            moved = time.monotonic()
        for future in done:
            job, stack_file = pending.pop(future)
            result = _outcome(job, future, stack_file, tries)
            retried = isinstance(result, Failure) and result.kind in Failure.RETRIED
            if retried and tries < 2:
                again.append(job)
                continue
            on_done(job, result)
        if pending and time.monotonic() - moved > start_timeout:
            for future, (job, _) in list(pending.items()):
                future.cancel()
                reason = f"no worker started it for {start_timeout:g} s"
                on_done(job, Failure(job.key, "never_started", reason, tries=tries))
            return again, True
    return again, False


def _outcome(job: Job, future, stack_file: Path, tries: int):
    """What a finished future gives: the result, or a Failure saying why."""
    try:
        result = future.result()
    except TimeoutError:
        reason = f"its worker was stuck: no result after {job.timeout:g} s"
        return Failure(job.key, "stuck", reason, _stack_of(stack_file), tries)
    except ProcessExpired as error:
        reason = f"its worker died (exit code {error.exitcode})"
        return Failure(job.key, "died", reason, tries=tries)
    except Exception:  # the function raised: a bug, not a stuck worker
        reason = traceback.format_exc()[-4000:]
        return Failure(job.key, "raised", reason, tries=tries)
    if isinstance(result, _NotStarted):
        reason = f"its worker could not start:\n{result.error}"
        return Failure(job.key, "not_started", reason, tries=tries)
    return result
