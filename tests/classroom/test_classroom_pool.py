"""The worker pool (outputsaving.classroom.pool), with toy jobs.

Jobs that return, raise, hang, hang once, or end their worker with
``os._exit``; initializers that fail or hang; fifty worker replacements while
other jobs run. Each test takes seconds, not minutes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from waiting import PATIENCE, wait_until_gone

from outputsaving.classroom.pool import Failure, Job, run_jobs

pytestmark = [pytest.mark.linux, pytest.mark.slow]


# -- toy jobs (module-level: workers find them by name) --------------------------


def double(n):
    return 2 * n


def hang(_):
    time.sleep(3600)


def exit_worker(_):
    os._exit(9)


def fails(_):
    raise ValueError("a bug in the job")


def hang_once(marker):
    if not Path(marker).exists():
        Path(marker).touch()
        time.sleep(3600)
    return "second try"


def broken_initializer():
    raise RuntimeError("cannot start")


def counting_initializer(path):
    with open(path, "a", encoding="utf-8") as out:
        out.write("start\n")
    raise RuntimeError("cannot start")


def hanging_initializer():
    time.sleep(3600)


#: A lock of the grader's that a job also takes (as a kernel start takes
#: SQLite's, an import its module's): held by the grader's main thread in
#: ``on_done`` while a replacement worker is forked.
SHARED = threading.Lock()


def exit_when_told(flag: str):
    while not Path(flag).exists():
        time.sleep(0.01)
    os._exit(9)


def take_the_shared_lock(_):
    if not SHARED.acquire(timeout=PATIENCE):
        return "held forever"
    SHARED.release()
    return "free"


#: A child each worker starts, as a worker starts its kernels' fork server.
CHILD_MARKER = "outputsaving-pool-test-child"


def start_child(marker: str) -> None:
    # The child asks to die with its parent, as the kernels' fork server does,
    # and ends at once if its parent died before it asked.
    code = (
        "import ctypes, os, signal, sys, time; "
        "ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0); "
        "os.getppid() == int(sys.argv[2]) or sys.exit(); time.sleep(600)"
    )
    subprocess.Popen([sys.executable, "-c", code, marker, str(os.getpid())])


def _run(jobs, **options):
    results = {}
    run_jobs(jobs, lambda job, result: results.__setitem__(job.key, result), **options)
    return results


# -- tests -----------------------------------------------------------------------


def test_every_job_returns_its_value():
    jobs = [Job(str(n), double, n) for n in range(10)]
    assert _run(jobs, workers=2) == {str(n): 2 * n for n in range(10)}


def test_a_stuck_job_is_stopped_tried_once_more_alone_and_fails_with_its_stack():
    jobs = [
        Job("stuck", hang, None, timeout=0.5),
        *(Job(str(n), double, n) for n in range(4)),
    ]
    results = _run(jobs, workers=2)
    assert [results[str(n)] for n in range(4)] == [0, 2, 4, 6]
    failure = results["stuck"]
    assert isinstance(failure, Failure)
    assert (failure.kind, failure.tries) == ("stuck", 2)
    assert failure.reason == "its worker was stuck: no result after 0.5 s"
    assert "in hang" in failure.stack  # where it was: the stopped worker's threads


def test_a_job_stuck_once_succeeds_on_its_second_try(tmp_path):
    marker = tmp_path / "hung"
    results = _run([Job("once", hang_once, str(marker), timeout=0.5)], workers=1)
    assert results == {"once": "second try"}


def test_a_dead_worker_fails_only_its_own_job():
    jobs = [Job("dies", exit_worker, None), *(Job(str(n), double, n) for n in range(4))]
    results = _run(jobs, workers=2)
    assert [results[str(n)] for n in range(4)] == [0, 2, 4, 6]
    assert results["dies"].reason == "its worker died (exit code 9)"
    assert (results["dies"].kind, results["dies"].tries) == ("died", 2)


def test_a_job_that_raises_is_not_tried_again():
    results = _run([Job("bug", fails, None)], workers=1)
    assert isinstance(results["bug"], Failure)
    assert "ValueError: a bug in the job" in results["bug"].reason
    assert (results["bug"].kind, results["bug"].tries) == ("raised", 1)


def test_a_failing_initializer_fails_every_job_with_its_error_and_no_busy_loop(
    tmp_path,
):
    starts = tmp_path / "starts.txt"
    jobs = [Job(str(n), double, n) for n in range(6)]
    results = _run(
        jobs, workers=2, initializer=counting_initializer, initargs=(str(starts),)
    )
    assert all(isinstance(result, Failure) for result in results.values())
    assert all("its worker could not start" in r.reason for r in results.values())
    assert all("RuntimeError: cannot start" in r.reason for r in results.values())
    # Each worker started once: the pool was not broken, nor restarted in a loop.
    assert starts.read_text().count("start") == 2


def test_workers_that_never_start_a_job_fail_the_jobs_after_a_while():
    jobs = [Job(str(n), double, n) for n in range(3)]
    results = _run(jobs, workers=2, initializer=hanging_initializer, start_timeout=2)
    assert all(isinstance(result, Failure) for result in results.values())
    assert all("no worker started it" in r.reason for r in results.values())


def test_fifty_worker_replacements_while_other_jobs_run(tmp_path):
    marker = f"{CHILD_MARKER}-{os.getpid()}-{tmp_path.name}"
    jobs = []
    for n in range(50):
        jobs.append(Job(f"dies{n}", exit_worker, None))
        jobs.append(Job(f"ok{n}", double, n))
    results = _run(jobs, workers=2, initializer=start_child, initargs=(marker,))
    assert {k: v for k, v in results.items() if k.startswith("ok")} == {
        f"ok{n}": 2 * n for n in range(50)
    }
    assert all(isinstance(results[f"dies{n}"], Failure) for n in range(50))
    # Every worker's child died with its worker: nothing is left behind.
    assert wait_until_gone(marker) == []


def test_an_interrupted_run_stops_its_workers_at_once(tmp_path):
    marker = f"{CHILD_MARKER}-{os.getpid()}-{tmp_path.name}"

    def interrupt(job, result):
        raise KeyboardInterrupt

    jobs = [Job("first", double, 1), *(Job(str(n), hang, None) for n in range(3))]
    with pytest.raises(KeyboardInterrupt):
        run_jobs(
            jobs, interrupt, workers=2, initializer=start_child, initargs=(marker,)
        )
    assert wait_until_gone(marker) == []


def test_a_worker_forked_while_the_grader_works_inherits_no_held_lock(tmp_path):
    """Workers are forked only while the grader waits, never mid-``on_done``.

    A fork copies every lock another thread holds at that moment into the new
    worker, held forever there. pebble forks a replacement worker from its
    manager thread as soon as a worker dies; here one dies while the grader's
    main thread, in ``on_done``, holds a lock the next job takes.
    """
    flag = tmp_path / "in_on_done"
    forked = threading.Event()
    os.register_at_fork(after_in_parent=forked.set)
    results = {}

    def on_done(job, result):
        results[job.key] = result
        if job.key == "first":
            with SHARED:
                forked.clear()
                flag.touch()  # the next job ends its worker now
                # Without the gate the replacement is forked at once, while the
                # lock is held; with it, not before on_done returns.
                forked.wait(10)

    jobs = [
        Job("first", double, 1),
        Job("dies", exit_when_told, str(flag)),
        Job("after", take_the_shared_lock, None),
    ]
    run_jobs(jobs, on_done, workers=1)
    assert results["first"] == 2
    assert results["dies"].kind == "died"
    assert results["after"] == "free"
