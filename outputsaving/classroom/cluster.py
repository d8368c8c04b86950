"""Grading on a Dask ``distributed`` cluster: the same jobs, on other machines.

``outputsaving grade --scheduler ADDRESS`` runs the per-submission jobs of the
engine (:func:`outputsaving.classroom.worker.grade_submission`, and the
solutions' timing) on the workers of a `Dask <https://distributed.dask.org>`_
cluster instead of the local pool (:mod:`outputsaving.classroom.pool`).
:meth:`Cluster.run_jobs` keeps the pool's contract: ``on_done(job, result)``
is called in this process, as results arrive, with what the job returned or
a :class:`~outputsaving.classroom.pool.Failure`.

- *No shared folder*: a task carries what it needs (values and bytes, see
  :mod:`~outputsaving.classroom.tasks`) and returns the scores and the graded
  folder's files; only this process writes the gradebook, the markers, ``autograded/``,
  the feedback and the reports. Dask may run a task twice (its worker died);
  its result reaches ``on_done`` once, so nothing is committed twice.
- *The worker's setup* (:func:`~outputsaving.classroom.worker.start_worker`:
  its scratch folder, its fork server) runs in a worker plugin, on a thread of
  its own that lives as long as the plugin: bubblewrap's ``--die-with-parent``
  ties the fork server to the thread that started it. Dask workers are
  daemonic processes, which may not start :mod:`multiprocessing` children; the
  sandbox, the fork server and the kernels are ``subprocess`` children, which
  they may. If the fork server cannot start, kernels start afresh, in the same
  sandbox, and the engine says so once in the log.
- *Time budgets*: the notebooks' budgets stop an over-budget notebook on the
  worker as locally. Dask has no time limit of its own: a task still running
  ``job.timeout`` seconds after it started (a grader bug, not a notebook) ends
  its worker process, which Dask treats as a dead worker.
- *A dead worker*: Dask runs its task again on another worker, and gives up
  after ``distributed.scheduler.allowed-failures`` + 1 deaths (set it to 1 on
  the scheduler: at most two runs); the job then fails (``"died"``, naming
  Dask's ``KilledWorker``) and is graded as failed with the reason, like a
  dead worker of the local pool.
- *One submission at a time per worker process* (``--nthreads 1``): grading
  keeps per-process state (the scratch folder, the budget's stops); a worker
  with more threads is refused.

Dask is an optional extra (``pip install -e ".[dask]"``), imported only here
and only when a scheduler is given.
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import os
import queue
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from outputsaving.classroom.outcomes import GradingRefused, one_line
from outputsaving.classroom.pool import Failure, Job

try:  # the dask extra; without it connect() says how to install it
    from distributed import WorkerPlugin
except ImportError:  # pragma: no cover - depends on the environment
    WorkerPlugin = object

__all__ = ["INSTALL_HINT", "Cluster", "connect"]

#: What to run when Dask is missing.
INSTALL_HINT = 'pip install -e ".[dask]"'
#: How often the cluster's progress is looked at (seconds).
_POLL = 1.0
#: Exit status of a worker process ended by its stuck task.
_STUCK_EXIT = 70
#: How long to wait for the scheduler to answer (seconds).
CONNECT_TIMEOUT = 30.0
#: How long to wait for its first worker (seconds): a cluster manager may be
#: starting them.
WORKERS_TIMEOUT = 120.0


def connect(
    scheduler,
    *,
    unsafe: bool,
    timeout: float = CONNECT_TIMEOUT,
    workers_timeout: float = WORKERS_TIMEOUT,
) -> Cluster:
    """Connect to the Dask scheduler at ``scheduler`` (an address or a Client).

    Checks that workers are there, each with one thread, and (unless
    ``unsafe``) that the sandbox works on every one of them.

    Raises
    ------
    GradingRefused
        Dask is not installed, the scheduler cannot be reached, it has no
        worker, a worker runs several threads, or a worker has no sandbox.
    """
    try:
        import distributed
    except ImportError as error:
        msg = (
            "grading on a Dask cluster (--scheduler) needs Dask, which is not "
            f"installed here: run  {INSTALL_HINT}  in the course's repository "
            "(and on every worker machine), then the same command again"
        )
        raise GradingRefused(msg) from error
    if isinstance(scheduler, distributed.Client):
        client, own = scheduler, False
    else:
        try:
            client = distributed.Client(
                scheduler, timeout=timeout, set_as_default=False
            )
        except (OSError, TimeoutError, ValueError) as error:
            msg = (
                f"cannot reach the Dask scheduler at {scheduler}: "
                f"{one_line(str(error))[:300]}. Is `dask scheduler` running "
                "there, and is its port open from here?"
            )
            raise GradingRefused(msg) from error
        own = True
    try:
        return Cluster(client, own=own, unsafe=unsafe, timeout=workers_timeout)
    except BaseException:
        if own:
            client.close()
        raise


class Cluster:
    """A connected Dask cluster that runs the engine's jobs (see :func:`connect`)."""

    def __init__(self, client, *, own: bool, unsafe: bool, timeout: float) -> None:
        self.client = client
        self._own = own
        address = client.scheduler.address
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError as error:
            msg = (
                f"no Dask worker joined the scheduler at {address} in "
                f"{timeout:g} s: start some with  dask worker {address} --nthreads 1"
            )
            raise GradingRefused(msg) from error
        workers = client.scheduler_info(n_workers=-1)["workers"]
        threaded = sorted(a for a, w in workers.items() if w.get("nthreads") != 1)
        if threaded:
            msg = (
                f"Dask worker(s) {', '.join(threaded)} run several threads; "
                "grading needs one submission at a time per worker process: "
                "start them with --nthreads 1 (and --nworkers N for N at once)"
            )
            raise GradingRefused(msg)
        sandboxes = client.run(_check_sandbox, unsafe)
        broken = {a: s for a, s in sandboxes.items() if s.startswith("refused: ")}
        if broken:
            address_, reason = next(iter(sorted(broken.items())))
            msg = (
                f"the sandbox does not work on {len(broken)} Dask worker(s), "
                f"for one on {address_}: {reason.removeprefix('refused: ')}"
            )
            raise GradingRefused(msg)
        self.workers = len(workers)
        self.allowed_failures = _allowed_failures(client)
        first = next(iter(sorted(sandboxes.values())))
        self.isolation = f"{first}; checked on every Dask worker"
        self.description = (
            f"{self.workers} Dask worker(s) of the scheduler at {address}"
        )
        if self.allowed_failures is not None and self.allowed_failures != 1:
            self.description += (
                f" (its allowed-failures is {self.allowed_failures}, not 1: a "
                "submission that kills its worker can run "
                f"{self.allowed_failures + 1} times)"
            )

    def imagej_problem(self, assignments) -> str | None:
        """Why a worker cannot grade the ImageJ track, when it is to be graded."""
        from outputsaving.classroom.course import imagej_problem

        problems = self.client.run(imagej_problem, sorted(assignments))
        for address, problem in sorted(problems.items()):
            if problem is not None:
                return f"on the Dask worker {address}: {problem}"
        return None

    def close(self) -> None:
        """Disconnect (the cluster goes on; a Client given to connect stays open)."""
        if self._own:
            self.client.close()

    def run_jobs(
        self,
        jobs: Iterable[Job],
        on_done: Callable[[Job, Any], None],
        *,
        workers: int | None = None,
        initializer: Callable | None = None,
        initargs: tuple = (),
        start_timeout: float = 600.0,
    ) -> None:
        """Run every job on the cluster's workers; report each as it ends.

        The contract of :func:`outputsaving.classroom.pool.run_jobs`:
        ``on_done(job, result)`` is called in this process, once per job, with
        what ``job.function`` returned or a :class:`Failure` (it raised:
        ``"raised"``; its worker could not start: ``"not_started"``; its
        workers died: ``"died"``; no worker took it for ``start_timeout``
        seconds: ``"never_started"``). ``initializer(*initargs)`` prepares
        each worker (in a plugin, for these jobs only); ``workers`` is the
        cluster's business and ignored. Interrupted, the jobs left are
        cancelled.
        """
        del workers
        jobs = list(jobs)
        if not jobs:
            return
        name = f"outputsaving-{uuid.uuid4().hex[:12]}"
        self.client.register_plugin(_Grader(name, initializer, initargs), name=name)
        pending: dict[Any, Job] = {}
        try:
            for number, job in enumerate(jobs):
                future = self.client.submit(
                    _run_on_worker,
                    name,
                    job.function,
                    job.payload,
                    job.timeout,
                    key=f"{name}-{number}-{job.key}",
                    pure=False,
                )
                pending[future] = job
            finished: queue.SimpleQueue = queue.SimpleQueue()
            for future in pending:
                future.add_done_callback(finished.put)
            moved = time.monotonic()
            while pending:
                done = set()
                with contextlib.suppress(queue.Empty):
                    done.add(finished.get(timeout=_POLL))
                    while True:
                        done.add(finished.get_nowait())
                done &= set(pending)
                now = time.monotonic()
                if done or self._any_taken(pending):
                    moved = now
                for future in done:
                    job = pending.pop(future)
                    on_done(job, self._outcome(job, future))
                if pending and now - moved > start_timeout:
                    reason = f"no Dask worker started it for {start_timeout:g} s"
                    for job in list(pending.values()):
                        on_done(job, Failure(job.key, "never_started", reason))
                    break
        finally:
            if pending:
                with contextlib.suppress(Exception):
                    self.client.cancel(list(pending), force=True)
            with contextlib.suppress(Exception):
                self.client.unregister_worker_plugin(name)

    def _any_taken(self, pending) -> bool:
        """Whether a worker holds one of the pending jobs now."""
        keys = {future.key for future in pending}
        with contextlib.suppress(Exception):
            processing = self.client.processing()
            return any(keys.intersection(held) for held in processing.values())
        return False

    def _outcome(self, job: Job, future):
        """What a finished future gives: the result, or a Failure saying why."""
        from distributed import KilledWorker

        runs = (self.allowed_failures or 0) + 1
        try:
            result = future.result()
        except KilledWorker as error:
            reason = "its Dask worker died while grading it (Dask's KilledWorker)"
            if job.timeout:
                reason += f"; grading past {job.timeout:g} s ends a worker too"
            return Failure(job.key, "died", reason, one_line(str(error)), runs)
        except Exception:  # the function raised: a bug, not tried again
            reason = traceback.format_exc()[-4000:]
            return Failure(job.key, "raised", reason)
        if isinstance(result, _NotStarted):
            reason = f"its Dask worker could not start:\n{result.error}"
            return Failure(job.key, "not_started", reason)
        return result


def _allowed_failures(client) -> int | None:
    """The scheduler's ``allowed-failures``, if it lets us read it."""
    try:
        return int(
            client.run_on_scheduler(
                lambda dask_scheduler: dask_scheduler.allowed_failures
            )
        )
    except Exception:
        return None


# -- on the workers --------------------------------------------------------------


def _check_sandbox(unsafe: bool) -> str:
    """The sandbox's line for the log, or ``"refused: <why>"`` (on a worker)."""
    from outputsaving.classroom.kernels import check_sandbox

    try:
        return check_sandbox(unsafe=unsafe)
    except GradingRefused as error:
        return f"refused: {error}"


@dataclass(frozen=True)
class _NotStarted:
    """What a job returns on a worker whose setup failed."""

    error: str


class _Grader(WorkerPlugin):
    """Prepares a worker for one run of jobs; undone when the run ends.

    ``initializer(*initargs)`` (:func:`~outputsaving.classroom.worker.start_worker`)
    runs on a thread of its own that waits until teardown, so that what it
    starts (the fork server) lives as long as the plugin; the worker module's
    state it leaves is kept here and given back to each job.
    """

    def __init__(self, name: str, initializer, initargs: tuple) -> None:
        self.name = name
        self.initializer = initializer
        self.initargs = tuple(initargs)
        self.state: dict[str, Any] = {}
        self.error: str | None = None

    async def setup(self, worker) -> None:
        del worker
        self._stop = threading.Event()
        ready = threading.Event()
        threading.Thread(
            target=self._hold, args=(ready,), name=self.name, daemon=True
        ).start()
        while not ready.is_set():
            await asyncio.sleep(0.05)

    def teardown(self, worker) -> None:
        del worker
        stop = getattr(self, "_stop", None)
        if stop is not None:
            stop.set()

    def _hold(self, ready: threading.Event) -> None:
        from outputsaving.classroom import worker as grading

        try:
            grading._STATE.clear()
            if self.initializer is not None:
                self.initializer(*self.initargs)
            self.state = dict(grading._STATE)
        except BaseException:
            self.error = traceback.format_exc()
        finally:
            ready.set()
        self._stop.wait()
        server = self.state.get("fork_server")
        if server is not None:
            server.close()
        if self.state.get("scratch") is not None:
            from outputsaving.files import remove_no_follow

            with contextlib.suppress(OSError):
                remove_no_follow(self.state["scratch"])


def _run_on_worker(name: str, function, payload, timeout: float | None):
    """Run one job on a Dask worker, with its plugin's state and a time limit."""
    from distributed import get_worker

    from outputsaving.classroom import worker as grading

    here = get_worker()
    plugin = here.plugins.get(name)
    if plugin is None:
        return _NotStarted(f"this worker has no plugin {name}")
    if plugin.error is not None:
        return _NotStarted(plugin.error)
    if here.state.nthreads != 1:
        msg = (
            f"this Dask worker runs {here.state.nthreads} threads; grading needs "
            "one per worker process (dask worker --nthreads 1)"
        )
        raise RuntimeError(msg)
    grading._STATE.clear()
    grading._STATE.update(plugin.state)
    watchdog = None
    if timeout is not None:
        watchdog = threading.Timer(timeout, _stuck, args=(timeout,))
        watchdog.daemon = True
        watchdog.start()
    try:
        return function(payload)
    finally:
        if watchdog is not None:
            watchdog.cancel()


def _stuck(timeout: float) -> None:
    """A job ran past its time: write the threads' stacks, end this worker."""
    sys.stderr.write(
        f"outputsaving: a grading job ran past {timeout:g} s; ending this "
        "worker process (Dask starts another)\n"
    )
    with contextlib.suppress(Exception):
        faulthandler.dump_traceback(all_threads=True)
    sys.stderr.flush()
    os._exit(_STUCK_EXIT)
