"""Grading on a Dask cluster (``outputsaving grade --scheduler``, classroom/cluster.py).

A ``LocalCluster`` of two worker processes (one thread each, on the loopback
interface, with ``allowed-failures`` = 1 as the README asks of a real
scheduler) grades a small class; the local pool grades the same class in
another copy: the scores must be the same, grade by grade. A worker process
killed while it grades loses nothing and commits nothing twice; a job that
kills its worker runs twice, then fails naming Dask's ``KilledWorker``.
Without Dask, ``--scheduler`` says how to install it.

The tests wait for events (a task running on a worker, a worker back), never
for a length of time.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import sqlite3
import sys
import threading
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from answer_catalogue import Q2
from answer_catalogue import QUIZ_CLASS as NORMAL_QUIZ
from answer_catalogue import QUIZ_RIGHT as RIGHT
from nbgrader_course import REPO, Course, with_answers
from waiting import LIFETIME, PATIENCE, wait_until

from outputsaving.classroom import engine
from outputsaving.classroom.course import STATE_DIR
from outputsaving.classroom.engine import grade_class
from outputsaving.classroom.markers import marker_path
from outputsaving.classroom.outcomes import GradingRefused
from outputsaving.classroom.pool import Failure, Job

pytestmark = [pytest.mark.linux, pytest.mark.nbgrader, pytest.mark.sandbox]

QUIZ = "quiz"
A1 = "activity1"
#: quiz submissions: student -> answers (None: the solution)
QUIZ_CLASS = {
    **NORMAL_QUIZ,
    # Hostile: stopped by the time budget and by the sandbox, on the worker.
    "endless_loop": {**RIGHT, Q2: "while True:\n    pass"},
    "os_exit": {**RIGHT, Q2: "import os\nos._exit(0)"},
}
A1_CLASS = ("a1_solution",)
#: The budget's floor (seconds), as in test_classroom_engine: honest notebooks
#: end far within it, also on a loaded machine.
TIME_FLOOR = 30.0
DASK_HINT = 'pip install -e ".[dask]"'


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="module")
def distributed():
    """Dask's distributed; skipped without it (failed in CI, where CI=true)."""
    try:
        import distributed
    except ImportError:
        message = f"Dask is not installed: {DASK_HINT} (the test extra has it)"
        if _in_ci():
            pytest.fail(f"CI needs Dask for the cluster tests. {message}")
        pytest.skip(message)
    return distributed


@pytest.fixture(scope="module")
def cluster(distributed):
    """Two worker processes with one thread each, on 127.0.0.1."""
    with _local_cluster(distributed) as made:
        yield made


@pytest.fixture
def own_cluster(distributed):
    """A cluster of the test's own, for a test whose jobs kill its workers: how
    soon Dask's nannies bring workers back is Dask's business, and no later
    test waits for it."""
    with _local_cluster(distributed) as made:
        yield made


@contextlib.contextmanager
def _local_cluster(distributed):
    import dask

    settings = {
        "distributed.scheduler.allowed-failures": 1,
        "distributed.scheduler.worker-saturation": 1.0,
    }
    with (
        dask.config.set(settings),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as local,
        distributed.Client(local, set_as_default=False) as client,
    ):
        client.wait_for_workers(2, timeout=PATIENCE)
        yield local, client


def _release(assignment: str) -> nbformat.NotebookNode:
    (path,) = (REPO / "notebooks" / assignment).glob("*.ipynb")
    return nbformat.read(path, as_version=4)


def _class(folder: Path, quiz=QUIZ_CLASS, a1=A1_CLASS, *, timed=True) -> Course:
    """A class to grade; ``timed`` False: no solution run times of earlier copies."""
    assignments = [QUIZ, A1] if a1 else [QUIZ]
    course = Course.copy_of_repo(folder, assignments=assignments, solution_times=timed)
    student = _release(QUIZ)
    for name, answers in quiz.items():
        notebook = (
            course.source_notebook(QUIZ)
            if answers is None
            else with_answers(student, answers)
        )
        course.submit(name, QUIZ, notebook)
    for name in a1:
        answers = course.solution_answers(A1)
        course.submit(name, A1, with_answers(_release(A1), answers))
    return course


def _db(course: Course) -> str:
    return f"sqlite:///{course.root / 'gradebook.db'}"


def _scores(course: Course, assignment: str) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(_db(course), "output-saving") as gradebook:
        return {
            submission.student.id: {
                grade.name: grade.score
                for notebook in submission.notebooks
                for grade in notebook.grades
            }
            for submission in gradebook.assignment_submissions(assignment)
        }


def _grade(course: Course, unsafe: bool, **options):
    log = io.StringIO()
    result = grade_class(
        course.root,
        unsafe=unsafe,
        progress=False,
        time_floor=TIME_FLOOR,
        time_factor=3,
        stream=log,
        **options,
    )
    return result, log.getvalue()


def _outcomes(result) -> dict[tuple[str, str], tuple[str, float]]:
    return {(o.student, o.assignment): (o.outcome, o.score) for o in result.outcomes}


@pytest.fixture(scope="module")
def graded(cluster, tmp_path_factory, unsafe):
    """The same class graded by the local pool and by the cluster."""
    local, _ = cluster
    folder = tmp_path_factory.mktemp("dask")
    pool_course = _class(folder / "pool")
    dask_course = _class(folder / "dask", timed=False)  # its workers time them
    by_pool, _ = _grade(pool_course, unsafe, workers=2)
    by_dask, log = _grade(dask_course, unsafe, scheduler=local.scheduler_address)
    return pool_course, by_pool, dask_course, by_dask, log


# -- the class graded on the cluster ----------------------------------------------


@pytest.mark.slow
@pytest.mark.sandbox
@pytest.mark.nbgrader
def test_the_cluster_gives_the_scores_of_the_local_pool(graded):
    pool_course, by_pool, dask_course, by_dask, log = graded
    assert "2 Dask worker(s) of the scheduler at tcp://127.0.0.1:" in log
    for assignment in (QUIZ, A1):
        assert _scores(dask_course, assignment) == _scores(pool_course, assignment)
    assert _outcomes(by_dask) == _outcomes(by_pool)
    assert len(by_dask.outcomes) == len(QUIZ_CLASS) + len(A1_CLASS)


@pytest.mark.slow
@pytest.mark.sandbox
@pytest.mark.nbgrader
def test_the_sandbox_and_budgets_hold_on_the_workers(graded, unsafe):
    _, _, _, by_dask, log = graded
    outcomes = {o.student: o for o in by_dask.outcomes if o.assignment == QUIZ}
    assert outcomes["endless_loop"].outcome == "stopped"
    assert "classroom.time_budget" in outcomes["endless_loop"].mistakes
    assert outcomes["os_exit"].outcome == "stopped"
    assert "classroom.kernel_died" in outcomes["os_exit"].mistakes
    assert "solution run time of quiz" in log  # measured on the workers
    if not unsafe:
        assert "sandbox: on" in log
        assert "checked on every Dask worker" in log
        # Daemonic Dask workers run the fork server: no fallback was needed.
        assert "kernels forked from the course's imported packages" in log
        assert "starts each kernel afresh" not in log


@pytest.mark.slow
@pytest.mark.sandbox
@pytest.mark.nbgrader
def test_dask_workers_are_daemonic_and_grade_anyway(graded, cluster):
    """What the issue checked: a Dask worker may not start multiprocessing children."""
    _, client = cluster

    def daemonic() -> bool:
        import multiprocessing

        return multiprocessing.current_process().daemon

    assert set(client.run(daemonic).values()) == {True}
    _, _, _, by_dask, _ = graded
    assert {o.outcome for o in by_dask.outcomes} <= {"graded", "stopped"}


@pytest.mark.slow
@pytest.mark.sandbox
@pytest.mark.nbgrader
def test_only_the_coordinator_writes_the_course(graded):
    """Markers, autograded files, feedback and reports are written here."""
    _, _, dask_course, by_dask, _ = graded
    root = dask_course.root
    for o in by_dask.outcomes:
        assert marker_path(root, o.student, o.assignment).is_file()
        graded_folder = root / "autograded" / o.student / o.assignment
        assert list(graded_folder.glob("*.ipynb")), graded_folder
        assert list((root / "feedback" / o.student / o.assignment).glob("*.html"))
    assert (root / "reports" / "grades.tsv").is_file()
    assert not (root / STATE_DIR / "work").exists()


# -- a worker killed mid-class ------------------------------------------------------


def _executing(dask_worker) -> tuple[int, list[str]]:
    """On a worker: its pid and the keys of the tasks it is running."""
    return os.getpid(), [str(ts.key) for ts in dask_worker.state.executing]


@pytest.mark.slow
@pytest.mark.sandbox
@pytest.mark.nbgrader
@pytest.mark.timeout(900)
def test_a_worker_killed_mid_class_loses_and_commits_nothing_twice(
    graded, cluster, tmp_path, monkeypatch, unsafe
):
    local, client = cluster
    pool_course, *_ = graded
    quiz = {k: v for k, v in QUIZ_CLASS.items() if k not in {"endless_loop"}}
    course = _class(tmp_path, quiz=quiz, a1=())

    calls: Counter[str] = Counter()
    recorded = engine._Recorder.graded

    def counted(self, job, res):
        calls[job.key] += 1
        recorded(self, job, res)

    monkeypatch.setattr(engine._Recorder, "graded", counted)
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["result"] = _grade(
                course,
                unsafe,
                scheduler=local.scheduler_address,
                time_budget=TIME_FLOOR,  # no solution run: every task grades
                feedback=False,
            )[0]
        except BaseException as error:  # the test fails with it below
            outcome["error"] = error

    grader = threading.Thread(target=run)
    grader.start()

    def grading_worker():
        for pid, keys in client.run(_executing).values():
            if any(f"/{QUIZ}" in key for key in keys):
                return pid, keys
        return None

    pid, keys = wait_until(grading_worker, what="a worker grading a submission")
    os.kill(pid, signal.SIGKILL)
    grader.join(PATIENCE * 5)
    assert not grader.is_alive(), "grading did not end after the kill"
    assert "error" not in outcome, outcome.get("error")
    result = outcome["result"]

    killed = next(key for key in keys if f"/{QUIZ}" in key)
    student = killed.rsplit("-", 1)[-1].split("/")[0]
    assert student in quiz
    # Nothing lost: every submission graded, with its marker and the pool's scores.
    assert sorted(o.student for o in result.outcomes) == sorted(quiz)
    assert {o.outcome for o in result.outcomes} <= {"graded", "stopped"}
    for name in quiz:
        assert marker_path(course.root, name, QUIZ).is_file()
    expected = _scores(pool_course, QUIZ)
    assert _scores(course, QUIZ) == {name: expected[name] for name in quiz}
    # Nothing committed twice: one result per submission, one gradebook row.
    assert set(calls.values()) == {1}
    assert len(calls) == len(quiz)
    with sqlite3.connect(course.root / "gradebook.db") as db:
        (rows,) = db.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone()
        (grades,) = db.execute("SELECT COUNT(*) FROM grade").fetchone()
    assert rows == len(quiz)
    assert grades == len(quiz) * 6
    # The nanny started another worker process in place of the killed one.
    client.wait_for_workers(2, timeout=PATIENCE)
    assert pid not in client.run(os.getpid).values()
    graded_by = {o.student: o.outcome for o in result.outcomes}
    print(f"killed worker pid {pid} while it graded {student}: {graded_by[student]}")


# -- what the cluster executor does with dead and stuck workers ---------------------


def _count_and_die(path: str) -> None:
    """A job that kills its worker process, every time (after counting)."""
    with open(path, "a", encoding="utf-8") as runs:
        runs.write("run\n")
    os._exit(3)


def _hang(path: str) -> None:
    with open(path, "a", encoding="utf-8") as runs:
        runs.write("run\n")
    import time

    time.sleep(LIFETIME)


def _double(value: int) -> int:
    return 2 * value


def _run(cluster, jobs: list[Job], unsafe: bool) -> dict[str, object]:
    from outputsaving.classroom.cluster import connect

    _, client = cluster
    results: dict[str, object] = {}

    def done(job: Job, result) -> None:
        assert job.key not in results, f"{job.key} reported twice"
        results[job.key] = result

    connected = connect(client, unsafe=unsafe)
    try:
        connected.run_jobs(jobs, done, start_timeout=PATIENCE)
    finally:
        connected.close()
    return results


@pytest.mark.slow
@pytest.mark.sandbox
@pytest.mark.timeout(600)
def test_a_job_that_kills_its_worker_runs_twice_then_fails(
    own_cluster, tmp_path, unsafe
):
    runs = tmp_path / "runs.txt"
    jobs = [
        Job("kills/quiz", _count_and_die, str(runs), None),
        Job("fine/quiz", _double, 21, None),
    ]
    results = _run(own_cluster, jobs, unsafe)
    assert results["fine/quiz"] == 42
    failure = results["kills/quiz"]
    assert isinstance(failure, Failure)
    assert failure.kind == "died"
    assert "KilledWorker" in failure.reason
    assert failure.tries == 2
    assert runs.read_text(encoding="utf-8").splitlines() == ["run", "run"]


@pytest.mark.slow
@pytest.mark.sandbox
@pytest.mark.timeout(600)
def test_a_job_past_its_time_ends_its_worker_twice_then_fails(
    own_cluster, tmp_path, unsafe
):
    """Dask has no time limit: the job's own watchdog ends its worker."""
    runs = tmp_path / "runs.txt"
    results = _run(own_cluster, [Job("hangs/quiz", _hang, str(runs), 2.0)], unsafe)
    failure = results["hangs/quiz"]
    assert isinstance(failure, Failure)
    assert failure.kind == "died"
    assert "KilledWorker" in failure.reason
    assert "grading past 2 s ends a worker too" in failure.reason
    assert runs.read_text(encoding="utf-8").splitlines() == ["run", "run"]


# -- refusals -------------------------------------------------------------------------


def test_without_dask_the_scheduler_option_says_how_to_install_it(
    tmp_path, monkeypatch, capsys
):
    import outputsaving.classroom
    import outputsaving.classroom.cluster as imported
    from outputsaving.cli import USAGE_ERROR, main

    course = Course.copy_of_repo(tmp_path, assignments=[QUIZ])
    # As if Dask were not installed: importing it fails, and the cluster
    # module is imported afresh (both are put back afterwards).
    monkeypatch.setitem(sys.modules, "distributed", None)
    monkeypatch.delitem(sys.modules, imported.__name__)
    monkeypatch.setattr(outputsaving.classroom, "cluster", imported)
    with pytest.raises(GradingRefused, match=r'pip install -e "\.\[dask\]"'):
        grade_class(course.root, scheduler="tcp://127.0.0.1:8786")
    argv = ["grade", "--course", str(course.root), "--scheduler", "tcp://x:8786"]
    assert main(argv) == USAGE_ERROR == 2
    error = capsys.readouterr().err
    assert "needs Dask, which is not installed here" in error
    assert DASK_HINT in error
    assert not (course.root / "gradebook.db").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_an_unreachable_scheduler_is_refused(distributed):
    from outputsaving.classroom.cluster import connect

    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(GradingRefused, match="cannot reach the Dask scheduler"):
        connect(address, unsafe=True, timeout=2)


@pytest.mark.slow
def test_workers_with_several_threads_are_refused(distributed):
    from outputsaving.classroom.cluster import connect

    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=False,  # in this process, over inproc://
            dashboard_address=":0",  # any free port: the other cluster has 8787
        ) as local,
        distributed.Client(local, set_as_default=False) as client,
        pytest.raises(GradingRefused, match="--nthreads 1"),
    ):
        connect(client, unsafe=True)


@pytest.mark.slow
def test_a_scheduler_without_workers_is_refused(distributed):
    from outputsaving.classroom.cluster import connect

    with (
        distributed.LocalCluster(
            n_workers=0, processes=False, dashboard_address=":0"
        ) as local,
        distributed.Client(local, set_as_default=False) as client,
        pytest.raises(GradingRefused, match="no Dask worker joined the scheduler"),
    ):
        connect(client, unsafe=True, workers_timeout=1)
