"""Grading a whole class (outputsaving.classroom.engine) with the real nbgrader.

One class (quiz + activity 1, normal and hostile submissions) is graded by
:func:`grade_class` in parallel, and its normal submissions also by serial
``nbgrader autograde`` in another copy of the course: the scores must be the
same, grade by grade. Another copy is graded by ``outputsaving grade`` killed
with ``kill -9`` mid-run, then run again. A throwaway PostgreSQL server holds
the gradebook of a tiny class. What grade_class does around grading (the
recorder, markers, manual grades, replaced feedback, stuck workers) is tested
with canned results in ``test_classroom_engine_seam.py``, in seconds.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pytest
from answer_catalogue import ACTIVITY1, Q1, Q2, QUIZ_CLASS, QUIZ_IDS
from answer_catalogue import QUIZ_RIGHT as RIGHT
from nbgrader_course import REPO, Course, environment, with_answers
from waiting import PATIENCE, wait_until

from outputsaving.classroom import worker
from outputsaving.classroom.course import STATE_DIR
from outputsaving.classroom.engine import grade_class
from outputsaving.classroom.markers import marker_path
from outputsaving.classroom.outcomes import STOP_ENAMES
from outputsaving.classroom.report import failed_summary, summary_table
from outputsaving.messages import MESSAGES

pytestmark = [pytest.mark.linux, pytest.mark.nbgrader, pytest.mark.sandbox]

QUIZ = "quiz"
A1 = "activity1"
#: quiz submissions graded by both: student -> answers (None: the solution)
NORMAL_QUIZ = QUIZ_CLASS
#: hostile quiz submissions: student -> (answers, reason code); question 1 is
#: right and runs before the hostile cell, so it keeps its 3 points.
HOSTILE_QUIZ = {
    "endless_loop": ({**RIGHT, Q2: "while True:\n    pass"}, "classroom.time_budget"),
    "os_exit": ({**RIGHT, Q2: "import os\nos._exit(0)"}, "classroom.kernel_died"),
    "memory_bomb": (
        {**RIGHT, Q2: "hog = []\nwhile True:\n    hog.append(bytearray(2**30))"},
        "classroom.memory_limit",
    ),
}
NORMAL_A1 = ["a1_solution", "a1_mask_jpeg"]
Q1_POINTS = 3
#: The budget's floor (seconds): the grader's default. An endless loop costs
#: that much; every honest notebook ends far within it, also on a loaded machine.
TIME_FLOOR = 30.0
#: A budget no submission reaches here: a loop runs until something else stops it.
ENDLESS = 3600.0


def _release(assignment: str) -> nbformat.NotebookNode:
    """The student version shipped in the release folder (notebooks/)."""
    (path,) = (REPO / "notebooks" / assignment).glob("*.ipynb")
    return nbformat.read(path, as_version=4)


def _submit_normal(course: Course) -> None:
    student = _release(QUIZ)
    for name, answers in NORMAL_QUIZ.items():
        notebook = (
            course.source_notebook(QUIZ)
            if answers is None
            else with_answers(student, answers)
        )
        course.submit(name, QUIZ, notebook)


def _submit_a1(course: Course) -> None:
    student = _release(A1)
    for name in NORMAL_A1:
        kind = name.removeprefix("a1_")
        answers = (
            course.solution_answers(A1)
            if kind == "solution"
            else course.solution_answers_with(A1, ACTIVITY1[kind])
        )
        course.submit(name, A1, with_answers(student, answers))


def _scores(db_url: str, assignment: str) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(db_url, "output-saving") as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            out[submission.student.id] = {
                grade.name: grade.score
                for notebook in submission.notebooks
                for grade in notebook.grades
            }
    return out


def _db(course: Course) -> str:
    return f"sqlite:///{course.root / 'gradebook.db'}"


@pytest.fixture(scope="module")
def graded(tmp_path_factory, unsafe):
    """The class graded both ways; returns (parallel course, serial course, result)."""
    folder = tmp_path_factory.mktemp("engine")
    parallel = Course.copy_of_repo(folder / "parallel", assignments=[QUIZ, A1])
    serial = Course.copy_of_repo(folder / "serial", assignments=[QUIZ, A1])
    for course in (parallel, serial):
        _submit_normal(course)
        _submit_a1(course)
    student = _release(QUIZ)
    for name, (answers, _) in HOSTILE_QUIZ.items():
        parallel.submit(name, QUIZ, with_answers(student, answers))

    start = time.monotonic()
    for assignment in (QUIZ, A1):
        serial.generate(assignment)
        serial.autograde(assignment)
    serial_seconds = time.monotonic() - start

    log = io.StringIO()
    assert not (parallel.root / "gradebook.db").exists()  # a clean clone
    result = grade_class(
        parallel.root,
        workers=2,
        unsafe=unsafe,
        time_floor=TIME_FLOOR,
        time_factor=3,
        stream=log,
    )
    print(f"serial nbgrader {serial_seconds:.1f} s, grade_class {result.seconds:.1f} s")
    return parallel, serial, result, log.getvalue()


# -- the class graded in parallel ----------------------------------------------


def test_scores_are_identical_to_serial_nbgrader(graded):
    parallel, serial, _, _ = graded
    for assignment in (QUIZ, A1):
        ours = _scores(_db(parallel), assignment)
        theirs = _scores(_db(serial), assignment)
        assert set(theirs) <= set(ours)
        assert theirs, "serial nbgrader graded nothing"
        for student, grades in theirs.items():
            assert ours[student] == grades, student
    quiz = _scores(_db(serial), QUIZ)
    assert sum(quiz["solution"].values()) == 6
    assert sum(quiz["two_wrong"].values()) == 4
    a1 = _scores(_db(serial), A1)
    assert sum(a1["a1_solution"].values()) > sum(a1["a1_mask_jpeg"].values())


@pytest.mark.parametrize("student", list(HOSTILE_QUIZ))
def test_a_stopped_notebook_scores_zero_after_the_stop_with_the_reason(graded, student):
    parallel, _, result, _ = graded
    code = HOSTILE_QUIZ[student][1]
    (outcome,) = [o for o in result.outcomes if o.student == student]
    assert outcome.outcome == "stopped"
    assert code in outcome.mistakes
    words = MESSAGES[code][1].split("{")[0][:30]
    assert any(words in reason for reason in outcome.reasons)
    scores = _scores(_db(parallel), QUIZ)[student]
    q1 = {k: v for k, v in scores.items() if k.startswith("quiz_q1")}
    rest = {k: v for k, v in scores.items() if not k.startswith("quiz_q1")}
    assert sum(q1.values()) == Q1_POINTS
    assert set(rest.values()) == {0}
    notebook = parallel.autograded_notebook(student, QUIZ)
    enames = {
        output.get("ename")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    }
    assert STOP_ENAMES[code] in enames


def test_the_endless_loop_is_stopped_by_its_time_budget(graded):
    """The reason names the budget the loop was given: at least the floor."""
    _, _, result, _ = graded
    (outcome,) = [o for o in result.outcomes if o.student == "endless_loop"]
    assert outcome.outcome == "stopped"
    before, after = MESSAGES["classroom.time_budget"][1].split("{budget}")
    pattern = re.escape(before) + r"(\d+) s" + re.escape(after[:20])
    (budget,) = {m[1] for r in outcome.reasons if (m := re.search(pattern, r))}
    assert int(budget) >= TIME_FLOOR


def test_a_stopped_notebook_claims_no_audit_scores_for_cells_not_run(tmp_path, unsafe):
    """The loop in question 1 leaves every test unrun: the audit must not re-score them.

    Questions 2-4 hold right literals, which the audit would pass: before, the
    flags read "quiz_q2_format: in-kernel 0/1, audit 1/1" although those
    cells never ran (and still scored 0).
    """
    import pandas as pd

    course = Course.copy_of_repo(tmp_path, assignments=[QUIZ])
    answers = {**RIGHT, Q1: "while True:\n    pass"}
    course.submit("loops_early", QUIZ, with_answers(_release(QUIZ), answers))
    log = io.StringIO()
    result = grade_class(
        course.root,
        workers=1,
        unsafe=unsafe,
        time_budget=4,
        feedback=False,
        progress=False,
        stream=log,
    )
    (outcome,) = result.outcomes
    assert outcome.outcome == "stopped"
    assert outcome.score == 0
    assert set(outcome.grades) == set(QUIZ_IDS)
    line = outcome.log_line()
    assert line in log.getvalue()
    exported = pd.read_csv(result.exports["grades_tsv"], sep="\t")
    texts = [line, *outcome.flags, str(exported.loc[0, "flags"])]
    for text in texts:
        assert "audit" not in text, text
        assert not any(grade_id in text for grade_id in QUIZ_IDS), text
    assert "ran for longer than" in line  # the reason is still given


RECHECK = MESSAGES["classroom.audit_recheck"][1].split("{")[0]


def _notes(notebook) -> dict[str, str]:
    """grade_id -> the text of the audit notes under that cell."""
    return {
        cell.metadata.get("nbgrader", {}).get("grade_id"): "".join(
            output.get("text", "")
            for output in cell.get("outputs", [])
            if output.get("output_type") == "stream" and RECHECK in output.get("text")
        )
        for cell in notebook.cells
        if any(RECHECK in output.get("text", "") for output in cell.get("outputs", []))
    }


@pytest.fixture(scope="module")
def rechecked(tmp_path_factory, unsafe):
    """A class whose audit overrides passes faked in the kernel, with feedback.

    "computed" computes question 2's answer (passes in the kernel, not a
    literal); "patch_grader" patches activity 1's mask checker and saves a
    JPEG. "right" is normal; "loops_early" loops in question 1, so the audit
    would pass its right literals 2-4, but those cells never ran.
    """
    from answer_catalogue import HOSTILE

    course = Course.copy_of_repo(
        tmp_path_factory.mktemp("recheck"), assignments=[QUIZ, A1]
    )
    quiz = {
        "computed": {
            **RIGHT,
            Q2: 'Q2_FORMAT_PROPERTY = "".join(["inter", "operable"])',
        },
        "right": RIGHT,
        "loops_early": {**RIGHT, Q1: "while True:\n    pass"},
    }
    for name, answers in quiz.items():
        course.submit(name, QUIZ, with_answers(_release(QUIZ), answers))
    answers = {**course.solution_answers(A1), **HOSTILE["patch_grader"]}
    course.submit("patch_grader", A1, with_answers(_release(A1), answers))
    result = grade_class(
        course.root,
        workers=2,
        unsafe=unsafe,
        time_floor=TIME_FLOOR,
        time_factor=3,
        report=False,
        progress=False,
        stream=io.StringIO(),
    )
    return course, result


@pytest.mark.parametrize(
    ("student", "assignment", "grade_id", "words"),
    [
        ("computed", QUIZ, "quiz_q2_format", "a function call"),
        ("patch_grader", A1, "a1_task2_mask_fresh_folder_hidden", "JPEG"),
        ("patch_grader", A1, "a1_task2_mask_lossless_visible", "JPEG"),
    ],
)
def test_feedback_says_why_the_audit_changed_a_score(
    rechecked, student, assignment, grade_id, words
):
    """The cell passed in the kernel; the feedback shows 0 and the audit's reason."""
    import html

    from outputsaving.classroom.audit import audit_notebook
    from outputsaving.classroom.secret import course_seed, seed_in_environment

    course, result = rechecked
    (outcome,) = [o for o in result.outcomes if o.student == student]
    assert outcome.grades[grade_id][0] == 0
    notebook = course.autograded_notebook(student, assignment)
    workdir = course.root / "autograded" / student / assignment
    # The audit judges the unseen data of the course's own seed, as in the run.
    with seed_in_environment(course_seed(course.root)):
        audit = audit_notebook(assignment, notebook, workdir)
    reason = audit.messages[grade_id]
    note = MESSAGES["classroom.audit_recheck"][1].format(reason=reason.strip())
    assert words in note
    assert _notes(notebook)[grade_id] == f"{note}\n"
    feedback = html.unescape(course.feedback(assignment, student))
    assert note in feedback
    if assignment == QUIZ:
        assert "grade_format_property(" not in feedback  # hidden tests stay hidden


def test_only_the_cells_the_audit_changed_get_a_note(rechecked):
    course, _ = rechecked
    assert set(_notes(course.autograded_notebook("computed", QUIZ))) == {
        "quiz_q2_format"
    }
    patched = set(_notes(course.autograded_notebook("patch_grader", A1)))
    assert "a1_task2_mask_lossless_visible" in patched
    assert "a1_task1_output_dir_visible" not in patched  # kept by the audit


@pytest.mark.parametrize("student", ["right", "loops_early"])
def test_feedback_without_audit_changes_has_no_note(rechecked, student):
    course, result = rechecked
    (outcome,) = [o for o in result.outcomes if o.student == student]
    assert outcome.outcome == ("stopped" if student == "loops_early" else "graded")
    assert not _notes(course.autograded_notebook(student, QUIZ))
    assert RECHECK not in course.feedback(QUIZ, student)


def test_each_submission_is_logged_with_time_score_and_outcome(graded):
    _, _, result, log = graded
    for outcome in result.outcomes:
        lines = [
            line
            for line in log.splitlines()
            if line.split()[:2] == [outcome.student, outcome.assignment]
        ]
        assert len(lines) == 1, outcome.student
        words = lines[0].split()
        assert words[3] == "s"
        assert float(words[2]) == pytest.approx(outcome.seconds, abs=0.1)
        assert words[4] == f"{outcome.score:g}/{outcome.max_score:g}"
        assert words[5].rstrip(":") == outcome.outcome
    assert f"{len(result.outcomes)}/{len(result.outcomes)}" in log
    assert "ETA" in log


def test_markers_are_written_for_every_graded_submission(graded):
    parallel, _, result, _ = graded
    assert len(result.outcomes) == len(NORMAL_QUIZ) + len(HOSTILE_QUIZ) + len(NORMAL_A1)
    for outcome in result.outcomes:
        assert marker_path(parallel.root, outcome.student, outcome.assignment).is_file()
    assert not result.failed


def test_feedback_shows_results_but_not_hidden_tests(graded):
    parallel, _, result, _ = graded
    assert len(result.feedback) == len(result.outcomes)
    html = parallel.feedback(QUIZ, "two_wrong")
    assert "grade_format_property(" not in html  # a hidden test's source
    assert "lossless" in html
    stopped = parallel.feedback(QUIZ, "endless_loop")
    assert "ran for longer than" in stopped


def test_grades_are_exported_as_tsv_and_csv(graded):
    import pandas as pd

    _parallel, _, result, _ = graded
    tsv = pd.read_csv(result.exports["grades_tsv"], sep="\t")
    csv = pd.read_csv(result.exports["grades_csv"])
    assert tsv.equals(csv)
    # a row per submission, and one per student of the roster who handed
    # nothing in for an assignment (issue 19): 0, "no submission"
    handed_in = tsv[tsv.outcome != "no submission"]
    assert len(handed_in) == len(result.outcomes)
    missing = tsv[tsv.outcome == "no submission"]
    assert len(missing) == len(set(tsv.student)) * 2 - len(result.outcomes)
    assert set(missing.score) <= {0}
    row = tsv[(tsv.student == "two_wrong") & (tsv.assignment == QUIZ)].iloc[0]
    assert (row.score, row.max_score) == (4, 6)
    by_submission = tsv.set_index(["student", "assignment"])
    assert by_submission.loc[("endless_loop", QUIZ), "outcome"] == "stopped"
    per_grade = pd.read_csv(result.exports["grade_ids_tsv"], sep="\t")
    assert set(per_grade.columns) >= {
        "student",
        "grade_id",
        "task",
        "score",
        "max_score",
    }
    assert len(per_grade[per_grade.student == "solution"]) == 6
    figure = result.exports["figure"].read_bytes()
    assert figure.startswith(b"\x89PNG")
    assert len(figure) > 10_000


def test_summary_table_counts_the_stops(graded):
    _, _, result, _ = graded
    table = summary_table(result.outcomes)
    (quiz_line,) = [line for line in table.splitlines() if line.startswith(QUIZ)]
    assert quiz_line.split()[1] == str(len(NORMAL_QUIZ) + len(HOSTILE_QUIZ))
    assert quiz_line.split()[5] == str(len(HOSTILE_QUIZ))


def test_a_second_run_grades_nothing_again(graded, unsafe):
    parallel, _, _, _ = graded
    before = _scores(_db(parallel), QUIZ)
    result = grade_class(parallel.root, unsafe=unsafe, stream=io.StringIO())
    assert result.graded_now == []
    assert len(result.outcomes) == len(NORMAL_QUIZ) + len(HOSTILE_QUIZ) + len(NORMAL_A1)
    assert _scores(_db(parallel), QUIZ) == before


# -- kernels: forked, or started afresh ------------------------------------------


FEW = ("right", "two_wrong")


def _few(tmp_path: Path) -> Course:
    course = Course.copy_of_repo(tmp_path, assignments=[QUIZ])
    for name in FEW:
        course.submit(name, QUIZ, with_answers(_release(QUIZ), NORMAL_QUIZ[name]))
    return course


def test_fresh_kernels_give_the_same_grades(graded, tmp_path, unsafe):
    """``outputsaving grade --fresh-kernels``: no fork server, the same scores."""
    parallel, _, _, log = graded
    if not unsafe:
        assert "kernels forked from the course's imported packages" in log
    course = _few(tmp_path)
    command = [*_grade_command(course, _db(course), unsafe=unsafe), "--fresh-kernels"]
    done = subprocess.run(
        command, capture_output=True, text=True, env=environment(), check=False
    )
    assert done.returncode == 0, done.stderr
    assert "each kernel starts a new Python" in done.stderr
    forked = _scores(_db(parallel), QUIZ)
    assert _scores(_db(course), QUIZ) == {name: forked[name] for name in FEW}


def test_a_worker_whose_fork_server_fails_grades_with_fresh_kernels(
    graded, monkeypatch, tmp_path, unsafe
):
    if unsafe:
        pytest.skip("without the sandbox there is no fork server")
    from outputsaving.classroom import forkserver

    def broken(self, **_):
        raise forkserver.ForkServerError("no zygote here (test)")

    # The pool's workers are forked from this process: they inherit the patch.
    monkeypatch.setattr(forkserver.ForkServer, "start", broken)
    course = _few(tmp_path)
    log = io.StringIO()
    result = grade_class(
        course.root, workers=1, progress=False, feedback=False, stream=log
    )
    assert {o.outcome for o in result.outcomes} == {"graded"}
    assert "starts each kernel afresh (slower): no zygote here (test)" in log.getvalue()
    forked = _scores(_db(graded[0]), QUIZ)
    assert _scores(_db(course), QUIZ) == {name: forked[name] for name in FEW}


@pytest.mark.timeout(600)
def test_workers_forked_after_the_grader_used_its_event_loop_still_grade(
    tmp_path, unsafe
):
    """Workers are forks of the grader: its event loop's thread pool is not theirs.

    The pool's threads are not copied by a fork; a worker that sent a kernel
    start to the copied pool waited forever.
    """
    from jupyter_core.utils import run_sync

    async def in_a_thread() -> int:
        return await asyncio.to_thread(threading.get_native_id)

    assert run_sync(in_a_thread)() != threading.get_native_id()
    course = _few(tmp_path)
    result = grade_class(
        course.root, workers=1, progress=False, feedback=False, stream=io.StringIO()
    )
    assert [o.outcome for o in result.outcomes] == ["graded"] * len(FEW)


# -- a worker dead outside the learner's kernel ---------------------------------
#
# Stuck workers, and what is recorded of a submission whose worker failed, are
# tested with canned results in test_classroom_engine_seam.py (and the pool's
# retries in test_classroom_pool.py); here, the workers that replace a dead
# one grade real submissions in real kernels.


def _trouble_for(student: str, monkeypatch, trouble) -> None:
    """``trouble()`` in the worker, after ``student``'s notebook ran."""
    after_run = worker.after_run

    def patched(task, result, workdir):
        if task.student == student:
            trouble()
        after_run(task, result, workdir)

    # The pool's workers are forked from this process: they inherit the patch.
    monkeypatch.setattr(worker, "after_run", patched)


def _stuck_or_dead(tmp_path: Path, student: str) -> Course:
    course = _few(tmp_path)
    course.submit(student, QUIZ, with_answers(_release(QUIZ), RIGHT))
    return course


def _grade_quietly(course: Course, unsafe: bool, **options):
    """Grade ``course`` with two workers; no bar (by default no feedback, no report)."""
    options.setdefault("workers", 2)
    options.setdefault("feedback", False)
    options.setdefault("report", False)
    return grade_class(
        course.root, unsafe=unsafe, progress=False, stream=io.StringIO(), **options
    )


#: A budget every honest quiz submission ends far within, also on a loaded
#: machine.
STUCK_BUDGET = 30.0


@pytest.mark.timeout(600)
def test_a_worker_that_dies_fails_only_its_own_submission(
    graded, tmp_path, monkeypatch, unsafe
):
    """A dead worker breaks the whole pool: the others are graded by new workers."""
    course = _stuck_or_dead(tmp_path, "crashes")
    for name in ("a_right", "b_right", "c_right"):
        course.submit(name, QUIZ, with_answers(_release(QUIZ), RIGHT))
    with monkeypatch.context() as patch:
        _trouble_for("crashes", patch, lambda: os._exit(3))
        result = _grade_quietly(
            course, unsafe, time_budget=STUCK_BUDGET, feedback=True, report=True
        )
    outcomes = {o.student: o for o in result.outcomes}
    assert outcomes["crashes"].outcome == "failed"
    assert "its worker died (exit code 3)" in outcomes["crashes"].error
    others = set(outcomes) - {"crashes"}
    assert {outcomes[name].outcome for name in others} == {"graded"}
    expected = _scores(_db(graded[0]), QUIZ)
    scores = _scores(_db(course), QUIZ)
    assert {name: scores[name] for name in FEW} == {n: expected[n] for n in FEW}
    for name in ("a_right", "b_right", "c_right"):
        assert scores[name] == expected["right"]
    # A grader fault is on record: a gradebook row waiting for a grade, an
    # export row, feedback saying it will be graded again, and the summary.
    from nbgrader.api import Gradebook

    with Gradebook(_db(course), "output-saving") as gradebook:
        submission = gradebook.find_submission(QUIZ, "crashes")
        grades = [g for nb in submission.notebooks for g in nb.grades]
        assert {g.auto_score for g in grades} == {None}
        assert all(g.needs_manual_grade for g in grades)
    page = course.root / "feedback" / "crashes" / QUIZ / "quiz_output_saving.html"
    assert "graded again" in page.read_text(encoding="utf-8")
    tsv = (course.root / "reports" / "grades.tsv").read_text(encoding="utf-8")
    assert any(
        line.startswith("crashes\tquiz") and "failed" in line
        for line in tsv.splitlines()
    )
    assert "crashes/quiz" in failed_summary(result.outcomes)


# -- kill -9 in the middle, then run again ---------------------------------------


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _grade_command(
    course: Course, db_url: str, *, unsafe: bool, time_floor: float = TIME_FLOOR
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "outputsaving",
        "grade",
        "--course",
        str(course.root),
    ]
    command += ["--workers", "2", "--no-progress", "--db", db_url]
    command += ["--time-floor", str(time_floor)]
    return command + (["--unsafe"] if unsafe else [])


def _until_first_marker(grader: subprocess.Popen, markers: Path) -> set[int]:
    """Wait until one submission is graded; the grader's processes seen so far."""
    family: set[int] = set()

    def one_graded() -> bool:
        family.update(_descendants(grader.pid))
        assert grader.poll() is None, grader.stderr.read().decode()
        return markers.is_dir() and any(markers.glob("*.json"))

    # The solutions' run comes first: the safety net covers it too.
    wait_until(one_graded, what="a first submission graded", timeout=5 * PATIENCE)
    family |= _descendants(grader.pid)
    return family


def _no_survivors(family: set[int]) -> list[int]:
    """The processes of ``family`` still alive (waiting, up to PATIENCE, for them)."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline and any(_alive(p) for p in family):
        time.sleep(0.1)
    return [p for p in family if _alive(p)]


def test_kill_9_mid_run_loses_and_duplicates_nothing(graded, tmp_path, unsafe):
    parallel, _, _, _ = graded
    course = Course.copy_of_repo(tmp_path, assignments=[QUIZ])
    _submit_normal(course)
    db_url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    env = {k: v for k, v in environment().items() if k != "PATH"}
    env["PATH"] = "/usr/bin:/bin"  # not activated: alembic must still be found
    grader = subprocess.Popen(
        _grade_command(course, db_url, unsafe=unsafe),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    markers = course.root / STATE_DIR / "graded" / QUIZ
    family = _until_first_marker(grader, markers)
    graded_before_kill = len(list(markers.glob("*.json")))
    assert graded_before_kill < len(NORMAL_QUIZ), "killed too late to test anything"
    os.kill(grader.pid, signal.SIGKILL)
    grader.wait()
    grader.stderr.close()
    assert _no_survivors(family) == [], "processes outlived the killed grader"

    again = subprocess.run(
        _grade_command(course, db_url, unsafe=unsafe),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    assert f"{graded_before_kill} already graded" in again.stderr

    expected = {
        s: g for s, g in _scores(_db(parallel), QUIZ).items() if s in NORMAL_QUIZ
    }
    assert _scores(db_url, QUIZ) == expected
    with sqlite3.connect(tmp_path / "elsewhere.db") as db:
        (submissions,) = db.execute(
            "SELECT COUNT(*) FROM submitted_assignment"
        ).fetchone()
        (grades,) = db.execute("SELECT COUNT(*) FROM grade").fetchone()
    assert submissions == len(NORMAL_QUIZ)
    assert grades == len(NORMAL_QUIZ) * 6
    assert not (course.root / "gradebook.db").exists()

    # A newer submission is graded again (only it), replacing its grades.
    course.submit("two_wrong", QUIZ, with_answers(_release(QUIZ), RIGHT))
    (course.root / "submitted/two_wrong/quiz/timestamp.txt").write_text(
        "2026-11-25 09:00:00.000000 UTC\n"
    )
    newer = grade_class(course.root, db_url=db_url, unsafe=unsafe, stream=io.StringIO())
    assert [o.student for o in newer.graded_now] == ["two_wrong"]
    assert sum(_scores(db_url, QUIZ)["two_wrong"].values()) == 6

    # --force grades everything again, with the same scores.
    before = _scores(db_url, QUIZ)
    forced = grade_class(
        course.root,
        db_url=db_url,
        unsafe=unsafe,
        force=True,
        feedback=False,
        stream=io.StringIO(),
    )
    assert len(forced.graded_now) == len(NORMAL_QUIZ)
    assert _scores(db_url, QUIZ) == before


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_at_once_and_the_next_run_finishes(graded, tmp_path, unsafe):
    """Ctrl-C does not wait for the running submissions, let alone the queued ones."""
    parallel, _, _, _ = graded
    course = Course.copy_of_repo(tmp_path, assignments=[QUIZ])
    _submit_normal(course)
    # First in line, so a worker is inside its endless loop when Ctrl-C comes.
    loop_answers = HOSTILE_QUIZ["endless_loop"][0]
    course.submit("a_loop", QUIZ, with_answers(_release(QUIZ), loop_answers))
    db_url = f"sqlite:///{tmp_path / 'interrupted.db'}"
    # An endless budget: whenever the first marker comes, the loop still runs.
    grader = subprocess.Popen(
        _grade_command(course, db_url, unsafe=unsafe, time_floor=ENDLESS),
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        # Python keeps SIGINT ignored if its parent ignored it (as a shell
        # script's background job does): Ctrl-C must reach the grader here.
        preexec_fn=_default_sigint,
    )
    markers = course.root / STATE_DIR / "graded" / QUIZ
    family = _until_first_marker(grader, markers)
    os.killpg(grader.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
    # Waiting for the loop would take an hour: the grader must end without it.
    assert grader.wait(timeout=PATIENCE) == 130
    told = grader.stderr.read().decode()
    grader.stderr.close()
    assert "interrupted" in told
    assert "run the same command again" in told
    assert not (markers / "a_loop.json").exists(), "Ctrl-C waited for the loop"
    # Each submission run gets a working copy in autograded/: the queued ones
    # must not have run after Ctrl-C.
    started = list((course.root / "autograded").iterdir())
    assert len(started) < len(NORMAL_QUIZ) + 1, "queued submissions ran after Ctrl-C"
    assert _no_survivors(family) == [], "processes outlived Ctrl-C"

    again = subprocess.run(
        _grade_command(course, db_url, unsafe=unsafe),
        env=environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    scores = _scores(db_url, QUIZ)
    expected = _scores(_db(parallel), QUIZ)
    assert {s: scores[s] for s in NORMAL_QUIZ} == {s: expected[s] for s in NORMAL_QUIZ}
    assert scores["a_loop"] == expected["endless_loop"]


# -- PostgreSQL gradebook ------------------------------------------------------------


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@pytest.fixture
def postgres_url():
    """A throwaway PostgreSQL server on a unix socket; yields its SQLAlchemy URL."""
    pytest.importorskip("psycopg")
    bin_dir = _postgres_bin()
    if bin_dir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is missing (apt-get install postgresql)")
        pytest.skip("PostgreSQL server is not installed (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="outputsaving-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as nobody
        import pwd  # Linux and macOS only; this module is skipped elsewhere

        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
        as_user = [
            "setpriv",
            f"--reuid={nobody.pw_uid}",
            f"--regid={nobody.pw_gid}",
            "--clear-groups",
            "--",
        ]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = folder / "data"

    def run(*argv: str) -> None:
        subprocess.run(
            [*as_user, *argv], check=True, capture_output=True, timeout=2 * PATIENCE
        )

    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "grader")
    options = f"-k {folder} -c listen_addresses='' -p {port}"
    run(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(folder / "log"),
        "-w",
        # pg_ctl's own wait for the server (60 s by default): a safety net.
        "-t",
        str(int(PATIENCE)),
        "start",
    )
    try:
        # The URL as the README writes it: SQLAlchemy's default driver for it.
        yield f"postgresql://grader@/postgres?host={folder}&port={port}"
    finally:
        subprocess.run(
            [
                *as_user,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


def test_gradebook_on_a_postgresql_server(postgres_url, tmp_path, unsafe):
    course = Course.copy_of_repo(tmp_path, assignments=[QUIZ])
    course.submit("solution", QUIZ, course.source_notebook(QUIZ))
    course.submit("untouched", QUIZ, _release(QUIZ))
    result = grade_class(
        course.root,
        db_url=postgres_url,
        unsafe=unsafe,
        time_budget=60,
        report=True,
        stream=io.StringIO(),
    )
    assert not result.failed
    totals = {s: sum(g.values()) for s, g in _scores(postgres_url, QUIZ).items()}
    assert totals == {"solution": 6, "untouched": 0}
    assert not (course.root / "gradebook.db").exists()
    text = result.exports["grades_tsv"].read_text()
    assert "solution\tquiz\t6.0\t0.0\t6.0\t6.0" in text  # raw, late penalty, score
