"""Faults stop nothing and lose nothing (issue 24, faults 4, 5, 6, 7 and 8).

Most tests are at a seam, in milliseconds: the course lock with toy
processes (:mod:`outputsaving.classroom.runlock`), the feedback count with a
toy feedback job, the command line's error paths on a course folder that
never reaches a kernel. One small class graded by :func:`grade_class` shows
what only a whole run can: learners refused inside an LMS zip are graded 0,
logged, reported and told why, and ``reports/intake.tsv`` says what became
of every entry of the zip.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import nbformat
import pytest
from answer_catalogue import QUIZ_RIGHT as RIGHT
from nbgrader_course import REPO, Course, environment, with_answers
from waiting import PATIENCE

from outputsaving import cli
from outputsaving.classroom import feedback
from outputsaving.classroom.course import STATE_DIR
from outputsaving.classroom.outcomes import ClassResult
from outputsaving.classroom.runlock import CourseBusy, hold_course, lock_path
from outputsaving.classroom.tasks import FeedbackResult
from outputsaving.messages import fill

pytestmark = pytest.mark.linux

QUIZ = "quiz"

# -- fault 4: one run per course at a time ----------------------------------------

#: A toy grading run: holds the course as ``outputsaving grade`` does, says
#: so with its work folder, forks a child like the pool's workers (it keeps
#: the lock file open), then works until it is killed ("hold") or ends ("end").
TOY_RUN = """
import os, sys, time
from outputsaving.classroom.runlock import one_run_per_course, work_folder

@one_run_per_course
def grade(course, mode):
    folder = work_folder(course)
    (folder / "scratch.txt").write_text("a learner's scratch file")
    child = os.fork() if mode == "hold" else 1
    if child == 0:
        time.sleep(600)
        os._exit(0)
    print(f"holding {folder} {child}", flush=True)
    if mode == "hold":
        time.sleep(600)

grade(sys.argv[1], sys.argv[2])
"""


def _course(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    (course / "source").mkdir(parents=True)
    return course


def _toy_run(course: Path, mode: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", TOY_RUN, str(course), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _holding(run: subprocess.Popen) -> tuple[Path, int]:
    """Wait for a toy run to say it holds the course: its work folder, its child."""
    line = run.stdout.readline()  # an event, not a delay
    assert line.startswith("holding "), line + run.stderr.read()
    _, folder, child = line.split()
    return Path(folder), int(child)


@pytest.fixture
def holder(tmp_path):
    """A toy run holding a course, and its forked child; both killed after."""
    course = _course(tmp_path)
    run = _toy_run(course, "hold")
    folder, child = _holding(run)
    yield course, run, folder, child
    for pid in (run.pid, child):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    run.wait()
    run.stdout.close()
    run.stderr.close()


@pytest.mark.slow  # toy runs: a Python each
def test_a_second_run_is_refused_and_told_who_holds_the_course(holder):
    course, run, _, _ = holder
    with pytest.raises(CourseBusy) as refused, hold_course(course):
        pass
    message = str(refused.value)
    assert f"process {run.pid} on {socket.gethostname()} since 20" in message
    assert str(lock_path(course)) in message
    assert message == fill(
        "classroom.run_locked",
        lock=str(lock_path(course)),
        holder=refused.value.holder.describe(),
    )


@pytest.mark.slow  # toy runs: a Python each
def test_the_command_line_refuses_a_second_run_with_exit_2(holder, capsys):
    course, run, _, _ = holder
    status = cli.main(["grade", "--course", str(course), "--no-progress"])
    err = capsys.readouterr().err
    assert status == cli.USAGE_ERROR
    assert f"held by process {run.pid}" in err
    assert "Traceback" not in err


@pytest.mark.slow  # toy runs: a Python each
def test_kill_9_then_the_same_command_runs_without_a_stale_lock(holder):
    course, run, killed_folder, child = holder
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    # Its forked child (a pool worker outliving the grader) still has the lock
    # file open: a POSIX record lock is not inherited, so nothing holds it.
    os.kill(child, 0)
    again = _toy_run(course, "end")
    out, err = again.communicate(timeout=PATIENCE)
    assert again.returncode == 0, err
    assert err == ""
    assert out.startswith("holding ")
    assert "stale" not in out + err
    # The killed run's work folder is gone; the next run worked in its own.
    assert not killed_folder.exists()
    assert Path(out.split()[1]) != killed_folder
    assert not (course / STATE_DIR / "work").exists()


def test_one_process_cannot_hold_a_course_twice(tmp_path):
    course = _course(tmp_path)
    with hold_course(course) as folder:
        assert folder.is_dir()
        busy = pytest.raises(CourseBusy, match=f"process {os.getpid()}")
        with busy, hold_course(course):
            pass
        assert folder.is_dir()  # the refused attempt took nothing away
    assert not folder.exists()
    with hold_course(course):  # released: the next run takes it
        pass


def test_each_run_works_in_a_folder_of_its_own(tmp_path):
    course = _course(tmp_path)
    with hold_course(course) as first:
        pass
    with hold_course(course) as second:
        assert second.parent == course.resolve() / STATE_DIR / "work"
        assert second.name.startswith(f"run-{os.getpid()}-")
    assert first != second


# -- fault 5: feedback that could not be written ------------------------------------

#: What nbgrader's generate_feedback gives when feedback/ is read-only: its log
#: holds the cause, its error only its own wrapper.
READ_ONLY_LOG = """[GenerateFeedback | ERROR] There was an error processing assignment: x
[GenerateFeedback | ERROR] Traceback (most recent call last):
  File ".../nbgrader/converters/base.py", line 425, in convert_notebooks
    self.init_destination(assignment_id, student_id)
  File ".../nbgrader/converters/base.py", line 312, in init_destination
    os.makedirs(dest)
OSError: [Errno 30] Read-only file system: '/course/feedback/ann/quiz'
Traceback (most recent call last):
  File ".../nbgrader/utils.py", line 542, in capture_log
    app.start()
nbgrader.converters.base.NbGraderException: Please see the the above traceback for details on the specific errors on the above failures.
"""  # noqa: E501


def test_the_cause_of_a_feedback_failure_is_its_first_real_line():
    cause = feedback.failure_cause(READ_ONLY_LOG)
    assert cause == "Read-only file system: '/course/feedback/ann/quiz'"
    assert feedback.failure_cause("PermissionError: denied\n") == (
        "PermissionError: denied"
    )
    assert feedback.failure_cause("worker died (signal 9)\nstack") == (
        "worker died (signal 9)"
    )


def _toy_feedback(task):
    """generate_feedback that works for ``ann`` only (run in the pool's worker)."""
    if task.student == "ann":
        folder = Path(task.course_dir) / "feedback" / "ann" / task.assignment
        folder.mkdir(parents=True)
        (folder / "quiz.html").write_text("<p>feedback</p>")
        return FeedbackResult(True)
    return FeedbackResult(False, READ_ONLY_LOG)


def test_feedback_that_failed_is_counted_as_failed(tmp_path, monkeypatch):
    from outputsaving.classroom.outcomes import SubmissionOutcome

    monkeypatch.setattr(feedback, "generate_feedback", _toy_feedback)
    outcomes = [SubmissionOutcome(s, QUIZ, "graded") for s in ("ann", "bob", "cy")]
    lines: list[str] = []
    made = feedback.feedback_for_class(
        tmp_path, None, outcomes, lines.append, workers=1
    )
    assert [p.name for p in made.written] == ["quiz.html"]
    cause = "Read-only file system: '/course/feedback/ann/quiz'"
    assert sorted(made.failed) == [f"bob/quiz: {cause}", f"cy/quiz: {cause}"]
    assert f"feedback failed for bob/quiz: {cause}" in lines
    assert lines[-1] == f"feedback written for 1 submission(s), failed for 2 ({cause})"


def _fake_class(monkeypatch, result: ClassResult | Exception) -> None:
    from outputsaving.classroom import engine

    def grade_class(*args, **kwargs):
        if isinstance(result, Exception):
            raise result
        return result

    monkeypatch.setattr(engine, "grade_class", grade_class)


def test_the_run_exits_1_when_any_feedback_failed(tmp_path, monkeypatch, capsys):
    result = ClassResult(tmp_path, [], feedback=[tmp_path / "ann" / "quiz.html"])
    result.feedback_failed = ["bob/quiz: Read-only file system: '/x'"]
    _fake_class(monkeypatch, result)
    status = cli.main(["grade", "--course", str(tmp_path), "--no-progress"])
    out = capsys.readouterr().out
    assert status == 1
    assert (
        "feedback written for 1 submission(s), failed for 1 "
        "(Read-only file system: '/x')" in out
    )


# -- fault 6: a full disk on the grader's side ----------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        "sqlite",
    ],
    ids=["write", "gradebook"],
)
def test_a_full_disk_says_nothing_graded_was_lost(tmp_path, monkeypatch, capsys, error):
    if error == "sqlite":
        from sqlalchemy.exc import OperationalError

        error = OperationalError("INSERT", {}, Exception("database or disk is full"))
    _fake_class(monkeypatch, error)
    status = cli.main(["grade", "--course", str(tmp_path), "--no-progress"])
    err = capsys.readouterr().err
    assert status == cli.GRADER_FAULT
    assert "the grader's disk is full" in err
    assert "Nothing graded was lost" in err
    assert "graded again by the next run" in err
    assert "Traceback" not in err


@pytest.mark.nbgrader
@pytest.mark.sandbox
def test_a_full_disk_in_a_run_loses_nothing_and_the_next_run_grades_it(
    tmp_path, monkeypatch, unsafe
):
    from outputsaving.classroom import engine
    from outputsaving.classroom.markers import marker_path

    course = Course.copy_of_repo(tmp_path, assignments=[QUIZ])
    (released,) = (REPO / "notebooks" / QUIZ).glob("*.ipynb")
    course.submit(
        "ann", QUIZ, with_answers(nbformat.read(released, as_version=4), RIGHT)
    )

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    options = {"workers": 1, "unsafe": unsafe, "progress": False, "feedback": False}
    with monkeypatch.context() as patch:
        patch.setattr(engine, "write_marker", disk_full)  # after the commit
        with pytest.raises(OSError) as stopped:
            engine.grade_class(course.root, stream=io.StringIO(), **options)
    message, status = cli.grade_error(stopped.value)
    assert status == cli.GRADER_FAULT
    assert "Nothing graded was lost" in message
    assert not marker_path(course.root, "ann", QUIZ).exists()
    with hold_course(course.root):  # the stopped run released the course
        pass
    again = engine.grade_class(course.root, stream=io.StringIO(), **options)
    assert [(o.student, o.outcome) for o in again.graded_now] == [("ann", "graded")]
    assert marker_path(course.root, "ann", QUIZ).exists()


# -- fault 6: a learner's share of the disk is capped ---------------------------------


def _mib(folder: Path, name: str, count: int = 1) -> Path:
    """A file of ``count`` MiB of real blocks (not sparse)."""
    path = folder / name
    path.write_bytes(b"x" * (count * 2**20))
    return path


def test_disk_usage_counts_blocks_on_disk_once_and_follows_no_link(tmp_path):
    from outputsaving.classroom.diskwatch import ENTRY_BYTES, disk_usage

    work, outside = tmp_path / "work", tmp_path / "outside"
    work.mkdir()
    outside.mkdir()
    empty = disk_usage(work)
    assert empty >= ENTRY_BYTES
    big = _mib(outside, "big.bin", 4)
    (work / "link").symlink_to(big)  # a link costs its entry, not its target
    assert disk_usage(work) - empty < 2**20
    (work / "sub").mkdir()
    two = _mib(work, "two.bin", 2)
    os.link(two, work / "sub" / "same.bin")  # one file, two names: counted once
    grown = disk_usage(work) - empty
    assert 2 * 2**20 <= grown < 3 * 2**20
    with (work / "sparse.bin").open("wb") as sparse:  # 1 GiB long, holds nothing
        sparse.truncate(2**30)
    assert disk_usage(work) - empty < 3 * 2**20
    many = work / "many"
    many.mkdir()
    for n in range(1000):
        (many / str(n)).touch()
    assert disk_usage(work) - empty >= 2 * 2**20 + 1000 * ENTRY_BYTES


def test_disk_usage_opens_a_folder_the_learner_locked(tmp_path):
    """``chmod 000`` does not hide files from the watch (the grader owns them)."""
    from outputsaving.classroom.diskwatch import disk_usage

    locked = tmp_path / "locked"
    locked.mkdir()
    _mib(locked, "hidden.bin", 3)
    locked.chmod(0)
    assert disk_usage(tmp_path) >= 3 * 2**20


def test_a_disk_watch_counts_growth_only_and_calls_back_once_past_the_limit(tmp_path):
    import threading

    from outputsaving.classroom.diskwatch import DiskWatch

    _mib(tmp_path, "handed_in.bin", 5)  # there before: not the learner's writing
    calls: list[int] = []
    called = threading.Event()

    def over(grown: int) -> None:
        calls.append(grown)
        called.set()

    with DiskWatch(tmp_path, 2 * 2**20, over, interval=0.01) as watch:
        assert watch.measure() == 0
        _mib(tmp_path, "one.bin")
        assert 2**20 <= watch.measure() <= 2 * 2**20
        assert not watch.over
        _mib(tmp_path, "two.bin", 2)
        assert called.wait(PATIENCE), "the watch never called back"
    assert watch.over
    assert len(calls) == 1
    assert calls[0] > 2 * 2**20


def _failed_on(evalue: str) -> nbformat.NotebookNode:
    error = nbformat.v4.new_output("error", ename="OSError", evalue=evalue)
    cell = nbformat.v4.new_code_cell("save()", outputs=[error])
    return nbformat.v4.new_notebook(cells=[cell])


def test_a_cell_failed_on_the_grader_s_full_disk_is_the_grader_s_fault(
    tmp_path, monkeypatch
):
    from outputsaving.classroom import diskwatch

    full = _failed_on("[Errno 28] No space left on device: 'out.png'")
    quota = _failed_on("[Errno 122] Disk quota exceeded")
    other = _failed_on("[Errno 2] No such file or directory: 'out/x.png'")
    share = 512 * 2**20
    monkeypatch.setattr(diskwatch, "free_bytes", lambda _folder: 3 * 2**20)
    said = diskwatch.grader_disk_full([other, full], tmp_path, share)
    assert said == "OSError: [Errno 28] No space left on device: 'out.png' (3 MiB free)"
    assert diskwatch.grader_disk_full([quota], tmp_path, share)
    assert diskwatch.grader_disk_full([other], tmp_path, share) == ""
    # With its share free, a full disk is the learner's own (their /tmp).
    monkeypatch.setattr(diskwatch, "free_bytes", lambda _folder: share)
    assert diskwatch.grader_disk_full([full], tmp_path, share) == ""


def test_the_disk_cap_is_a_grade_option(tmp_path, monkeypatch):
    from outputsaving.classroom import engine
    from outputsaving.classroom.limits import DEFAULT_DISK_BYTES

    seen = {}

    def grade_class(*args, **kwargs):
        seen.update(kwargs)
        return ClassResult(tmp_path, [])

    monkeypatch.setattr(engine, "grade_class", grade_class)
    assert cli.main(["grade", "--course", str(tmp_path), "--no-progress"]) == 0
    assert seen["disk_bytes"] == DEFAULT_DISK_BYTES == 512 * 2**20
    cli.main(["grade", "--course", str(tmp_path), "--no-progress", "--disk-mb", "64"])
    assert seen["disk_bytes"] == 64 * 2**20
    with pytest.raises(SystemExit):
        cli.main(["grade", "--course", str(tmp_path), "--disk-mb", "0"])


#: A learner's answer that saves 1 MiB files, far more than the test's cap,
#: then says how many it saved (it must never get there).
DISK_HOG = """import os
os.makedirs("copies/deeper", exist_ok=True)
for n in range({count}):
    with open(f"copies/deeper/copy_{{n}}.bin", "wb") as copy:
        copy.write(b"x" * 2**20)
print("saved", {count}, "copies")
"""
HOG_COPIES = 200


@pytest.mark.slow
@pytest.mark.nbgrader
@pytest.mark.sandbox
@pytest.mark.parametrize("kernels", ["forked", "fresh", "unsafe"])
def test_a_notebook_saving_past_the_disk_cap_is_stopped_as_the_learner_s_fault(
    tmp_path, unsafe, kernels
):
    """The hog is stopped inside its cell, long before its loop ends; its
    question 1 (run before) keeps its points; another learner is graded as
    ever; the run's work folder is gone. Kernels forked from the fork
    server, started afresh in the sandbox, or run without it (--unsafe)."""
    from answer_catalogue import Q2

    from outputsaving.classroom.engine import grade_class
    from outputsaving.classroom.outcomes import STOP_ENAMES
    from outputsaving.messages import MESSAGES

    course = Course.copy_of_repo(tmp_path, assignments=[QUIZ])
    (released,) = (REPO / "notebooks" / QUIZ).glob("*.ipynb")
    student = nbformat.read(released, as_version=4)
    course.submit("ann", QUIZ, with_answers(student, RIGHT))
    hog = {**RIGHT, Q2: DISK_HOG.format(count=HOG_COPIES)}
    course.submit("hog", QUIZ, with_answers(student, hog))
    cap_mib = 8
    result = grade_class(
        course.root,
        workers=2,
        unsafe=unsafe or kernels == "unsafe",
        fork_kernels=kernels == "forked",
        disk_bytes=cap_mib * 2**20,
        feedback=False,
        progress=False,
        stream=io.StringIO(),
    )
    outcomes = {o.student: o for o in result.outcomes}
    assert outcomes["ann"].outcome == "graded"
    assert outcomes["ann"].score == outcomes["ann"].max_score == 6
    stopped = outcomes["hog"]
    assert stopped.outcome == "stopped"
    assert "classroom.disk_quota" in stopped.mistakes
    message = fill("classroom.disk_quota", limit=f"{cap_mib:.1f} MiB")
    assert message in stopped.reasons
    assert "8.0 MiB of files" in message
    assert MESSAGES["classroom.disk_quota"][0] == "error"
    assert stopped.score == 3  # question 1 ran before the hog's cell
    notebook = course.autograded_notebook("hog", QUIZ)
    outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    assert STOP_ENAMES["classroom.disk_quota"] in {o.get("ename") for o in outputs}
    assert not any("saved" in o.get("text", "") for o in outputs)  # stopped in time
    saved = list((course.root / "autograded" / "hog" / QUIZ).rglob("copy_*.bin"))
    print(f"the hog saved {len(saved)} MiB past a cap of {cap_mib} MiB")
    assert cap_mib < len(saved) < HOG_COPIES
    work = course.root / STATE_DIR / "work"
    assert not work.exists() or not any(work.iterdir())


#: A learner's answer whose save fails as on a full disk.
NO_SPACE = """import errno
raise OSError(errno.ENOSPC, "No space left on device", "out.png")
"""


@pytest.mark.slow
@pytest.mark.nbgrader
@pytest.mark.sandbox
def test_a_cell_failed_on_the_grader_s_full_disk_is_graded_again_by_the_next_run(
    tmp_path, monkeypatch, unsafe
):
    """The disk of the run's folder is full (1 MiB left): the learner's save
    failing with ENOSPC is not their fault: not graded, no marker, no grade
    recorded. With the disk freed, the next run grades it (the same error is
    then the learner's own: question 2 scores 0)."""
    from answer_catalogue import Q2

    from outputsaving.classroom import diskwatch
    from outputsaving.classroom.engine import grade_class
    from outputsaving.classroom.markers import marker_path

    course = Course.copy_of_repo(tmp_path, assignments=[QUIZ])
    (released,) = (REPO / "notebooks" / QUIZ).glob("*.ipynb")
    student = nbformat.read(released, as_version=4)
    course.submit("ann", QUIZ, with_answers(student, {**RIGHT, Q2: NO_SPACE}))
    options = {"workers": 1, "unsafe": unsafe, "progress": False, "feedback": False}
    with monkeypatch.context() as patch:
        patch.setattr(diskwatch, "free_bytes", lambda _folder: 2**20)
        first = grade_class(course.root, stream=io.StringIO(), **options)
    (outcome,) = first.outcomes
    assert outcome.outcome == "failed"
    assert "the grader's disk was full" in outcome.log_line()
    assert "No space left on device" in outcome.log_line()
    assert not marker_path(course.root, "ann", QUIZ).exists()
    again = grade_class(course.root, stream=io.StringIO(), **options)
    (outcome,) = again.graded_now
    assert (outcome.student, outcome.outcome) == ("ann", "graded")
    assert outcome.score < outcome.max_score
    assert marker_path(course.root, "ann", QUIZ).exists()


# -- fault 7: course messages, not tracebacks ------------------------------------


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(
    tmp_path, monkeypatch, capsys
):
    _fake_class(monkeypatch, KeyError("gradebook row"))
    status = cli.main(["grade", "--course", str(tmp_path), "--no-progress"])
    err = capsys.readouterr().err
    assert status == cli.GRADER_FAULT
    assert "KeyError: 'gradebook row'" in err
    assert "--debug" in err
    with pytest.raises(KeyError):
        cli.main(["grade", "--course", str(tmp_path), "--no-progress", "--debug"])


def test_library_noise_is_silenced_but_not_with_debug():
    from nbformat.warnings import MissingIDFieldWarning
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        cli._quiet_libraries()
        warnings.warn("autoflush", SAWarning, stacklevel=1)
        warnings.warn("cell id", MissingIDFieldWarning, stacklevel=1)
        warnings.warn("a warning of ours", UserWarning, stacklevel=1)
    assert [str(w.message) for w in seen] == ["a warning of ours"]


def test_output_cut_from_a_cell_is_noted_once_where_it_was_cut():
    from outputsaving.classroom.execute import BudgetedExecute

    executor = BudgetedExecute(max_output_bytes=1000)
    executor.reset_execution_trackers()
    executor.clear_before_next_output = False
    executor._output_bytes = {}
    outs: list = []
    for _ in range(60):  # about 3,000 bytes printed
        message = {
            "msg_type": "stream",
            "header": {"msg_type": "stream"},
            "parent_header": {"msg_id": "cell"},
            "content": {"name": "stdout", "text": "x" * 40},
        }
        executor.output(outs, message, None, 0)
    kept = [o for o in outs if o.name == "stdout"]
    notes = [o for o in outs if o.name == "stderr"]
    assert 0 < len(kept) < 60
    assert [n.text for n in notes] == [
        fill("classroom.output_cut", limit="1000 bytes") + "\n"
    ]
    assert outs[-1] is notes[0]
    assert "output was cut after 4.0 MiB" in fill(
        "classroom.output_cut", limit="4.0 MiB"
    )


@pytest.fixture(scope="module")
def quiz_course(tmp_path_factory) -> Course:
    """A copy of the course with the quiz only; nothing submitted, no gradebook."""
    return Course.copy_of_repo(tmp_path_factory.mktemp("faults"), assignments=[QUIZ])


def _grade_cli(course: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "outputsaving", "grade", "--course", str(course)]
    return subprocess.run(
        [*command, "--no-progress", *args],
        capture_output=True,
        text=True,
        env=environment(),
        timeout=10 * PATIENCE,
        check=False,
    )


@pytest.mark.nbgrader
@pytest.mark.sandbox
def test_a_damaged_gradebook_is_named_left_untouched_and_never_a_traceback(
    quiz_course, tmp_path, unsafe
):
    damaged = tmp_path / "gradebook.db"
    damaged.write_bytes(b"last week's gradebook, half copied\x00" * 100)
    before = damaged.read_bytes()
    done = _grade_cli(
        quiz_course.root,
        "--db",
        f"sqlite:///{damaged}",
        *(["--unsafe"] if unsafe else []),
    )
    assert done.returncode == cli.USAGE_ERROR, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    message = done.stderr.strip()
    assert message.startswith(f"outputsaving: error: the gradebook {damaged} ")
    assert "file is not a database" in message
    assert "left untouched" in message
    assert "Restore it from a backup" in message
    assert "--db sqlite:///" in message
    assert len(message.splitlines()) == 1
    assert damaged.read_bytes() == before


@pytest.mark.nbgrader
@pytest.mark.sandbox
@pytest.mark.parametrize(
    "url",
    ["not a url", "sqlite:////no/such/folder/gradebook.db"],
    ids=["unparsable", "no_folder"],
)
def test_a_gradebook_that_cannot_be_opened_is_one_message(quiz_course, unsafe, url):
    done = _grade_cli(quiz_course.root, "--db", url, *(["--unsafe"] if unsafe else []))
    assert done.returncode == cli.USAGE_ERROR, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "cannot be opened" in done.stderr
    assert "nothing was graded" in done.stderr
    assert "Check the URL given with --db" in done.stderr


def _zip_cli(course: Course, zip_path: Path, unsafe: bool):
    return _grade_cli(
        course.root,
        "--zip",
        str(zip_path),
        "--zip-assignment",
        QUIZ,
        "--db",
        f"sqlite:///{zip_path.parent / 'gradebook.db'}",
        *(["--unsafe"] if unsafe else []),
    )


@pytest.mark.nbgrader
@pytest.mark.sandbox
@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "refused, so nothing of it was imported and nothing was graded"),
        ("truncated", "refused, so nothing of it was imported and nothing was graded"),
        ("no entries", "holds no submission of quiz (0 entries"),
        ("no student", "holds no submission of quiz (1 entry"),
    ],
    ids=["zero_bytes", "truncated", "no_entries", "no_student"],
)
def test_a_zip_that_gives_nothing_to_grade_says_so(
    quiz_course, tmp_path, unsafe, content, words
):
    zip_path = tmp_path / "download.zip"
    if content == "truncated":
        whole = _zip([("ann_quiz.ipynb", b"{}" * 5000)])
        zip_path.write_bytes(whole[: len(whole) // 2])
    elif content == "no entries":
        zip_path.write_bytes(_zip([]))
    elif content == "no student":
        zip_path.write_bytes(_zip([("readme.txt", b"hello")]))
    else:
        zip_path.write_bytes(content)
    done = _zip_cli(quiz_course, zip_path, unsafe)
    assert done.returncode == cli.USAGE_ERROR, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert words in done.stderr
    assert "nothing was graded" in done.stderr
    assert not (tmp_path / "gradebook.db").exists()


# -- fault 8: learners refused inside an LMS zip do not vanish ------------------------


def _zip(members) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _member(name: str, mode: int | None = None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2026, 11, 24, 10, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    if mode is not None:
        info.create_system = 3
        info.external_attr = mode << 16
    return info


@pytest.fixture(scope="module")
def zip_graded(tmp_path_factory, unsafe):
    """One class run from an LMS zip: ann handed in, mallory a link, eve a bomb."""
    from outputsaving.classroom.engine import grade_class

    folder = tmp_path_factory.mktemp("zip_class")
    course = Course.copy_of_repo(folder, assignments=[QUIZ])
    (released,) = (REPO / "notebooks" / QUIZ).glob("*.ipynb")
    notebook = released.name
    answered = nbformat.writes(
        with_answers(nbformat.read(released, as_version=4), RIGHT)
    ).encode()
    zip_path = folder / "download.zip"
    zip_path.write_bytes(
        _zip(
            [
                (_member(f"ann_1_{notebook}"), answered),
                (_member(f"mallory_1_{notebook}", stat.S_IFLNK | 0o777), b"/etc"),
                (_member("eve.zip"), _zip([(_member(notebook), bytes(5_000_000))])),
                (_member("__MACOSX/._eve.zip"), b"resource fork"),
                (_member("notes.txt"), b"the class's notes"),
            ]
        )
    )
    log = io.StringIO()
    result = grade_class(
        course.root,
        zip_path=zip_path,
        zip_assignment=QUIZ,
        workers=1,
        unsafe=unsafe,
        progress=False,
        stream=log,
    )
    return course, result, log.getvalue(), notebook


@pytest.mark.nbgrader
@pytest.mark.sandbox
def test_learners_refused_in_the_zip_are_graded_zero_and_told_why(zip_graded):
    course, result, log, notebook = zip_graded
    ended = {o.student: o for o in result.outcomes}
    assert ended["ann"].outcome == "graded"
    assert ended["ann"].score == ended["ann"].max_score > 0
    for student, code in (("mallory", "zip_link"), ("eve", "zip_bomb")):
        assert ended[student].outcome == "refused", ended[student]
        assert f"classroom.{code}" in ended[student].mistakes
        line = next(x for x in log.splitlines() if x.startswith(f"{student} "))
        assert "refused" in line
        page = (
            course.root
            / "feedback"
            / student
            / QUIZ
            / notebook.replace(".ipynb", ".html")
        )
        assert fill("classroom.refused_feedback") in page.read_text()
    grades = (course.root / "reports" / "grades.tsv").read_text().splitlines()
    rows = {line.split("\t")[0]: line for line in grades[1:]}
    assert {"ann", "mallory", "eve"} <= set(rows)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}", "output-saving") as gb:
        for student in ("mallory", "eve"):
            assert gb.find_submission(QUIZ, student).score == 0


@pytest.mark.nbgrader
@pytest.mark.sandbox
def test_the_intake_table_says_what_became_of_every_entry(zip_graded):
    course, _, _, notebook = zip_graded
    table = (course.root / "reports" / "intake.tsv").read_text().splitlines()
    assert table[0].split("\t") == [
        "entry",
        "fate",
        "student",
        "notebook",
        "reason",
        "outcome",
    ]
    rows = {line.split("\t")[0]: line.split("\t") for line in table[1:]}
    assert rows[f"ann_1_{notebook}"][1:4] == ["imported", "ann", notebook]
    assert rows[f"ann_1_{notebook}"][5] == "graded"
    assert rows[f"mallory_1_{notebook}"][1:3] == ["refused", "mallory"]
    assert "link" in rows[f"mallory_1_{notebook}"][4]
    assert rows[f"mallory_1_{notebook}"][5] == "refused"
    assert rows["eve.zip"][1:3] == ["refused", "eve"]
    assert "times its packed size" in rows["eve.zip"][4]
    assert rows["__MACOSX/._eve.zip"][1] == "skipped"
    assert rows["notes.txt"][1] == "skipped"
    assert len(rows) == 5


@pytest.mark.slow  # toy runs: a Python each
def test_the_run_lock_is_json_a_refused_run_can_read(holder):
    course, run, _, _ = holder
    data = json.loads(lock_path(course).read_text())
    assert data["pid"] == run.pid
    assert data["host"] == socket.gethostname()


@pytest.mark.nbgrader
@pytest.mark.sandbox
def test_nbgrader_s_real_feedback_failure_is_told_by_its_cause(zip_graded, tmp_path):
    """generate_feedback where the feedback folder cannot be made (a file is in
    its place: as root, a read-only folder would not stop the write)."""
    from outputsaving.classroom.course import course_settings
    from outputsaving.classroom.tasks import FeedbackTask

    course = zip_graded[0].root
    config, _ = course_settings(course)
    blocked = course / "feedback" / "ann"
    moved = tmp_path / "ann"
    blocked.rename(moved)
    blocked.write_text("a file where the folder should be")
    try:
        failed = feedback.generate_feedback(
            FeedbackTask("ann", QUIZ, str(course), config)
        )
    finally:
        blocked.unlink()
        moved.rename(blocked)
    assert not failed.success
    cause = feedback.failure_cause(failed.error)
    assert "NbGraderException" not in cause
    assert "above traceback" not in cause
    assert str(blocked) in cause, cause
    print(cause)
