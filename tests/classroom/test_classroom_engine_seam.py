"""Everything :func:`grade_class` does around grading, with canned results.

Each submission is graded by :class:`Canned` (``grade_class(grade_one=...)``),
which runs no notebook and gives the scores a test chooses. The rest is the
real engine: intake, the worker pool (its stuck and dead workers), the
recorder, the course gradebook, the markers (exactly once), manual grades,
feedback, the log. That nbgrader's autograder, the sandbox and the audit give
the right scores is tested end to end in ``test_classroom_engine.py``.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from answer_catalogue import Q3, QUIZ_IDS
from answer_catalogue import QUIZ_RIGHT as RIGHT
from nbgrader_course import REPO, Course, with_answers

from outputsaving.classroom import engine, kernels, limits, worker
from outputsaving.classroom.course import course_settings
from outputsaving.classroom.engine import grade_class
from outputsaving.classroom.gradebook import prepare_gradebook
from outputsaving.classroom.markers import marker_path
from outputsaving.classroom.outcomes import GradingRefused
from outputsaving.classroom.report import failed_summary
from outputsaving.classroom.tasks import GradeResult, GradeTask, NotebookGrades

pytestmark = pytest.mark.linux

QUIZ = "quiz"
NOTEBOOK = "quiz_output_saving"
WRONG_Q3 = {**RIGHT, Q3: "Q3_JPEG_FOR_LABEL_MASKS = True"}


@dataclass(frozen=True)
class Canned:
    """Grades a submission without running it: full marks, but ``wrong`` cells 0.

    ``wrong``: student -> grade_ids scored 0; ``outcome``: student -> the
    outcome (default ``"graded"``), ``reasons`` its reasons and ``mistakes``
    their codes; ``trouble``:
    student -> what happens in the worker instead (``"die"``, ``"hang"``,
    ``"hang_once"``: hang the first time, with ``once`` the file that says it
    did); ``fork_error`` and ``dropped`` as a worker reports them. The graded
    folder is the submitted notebook itself, and the ``planted`` files (what
    a learner's code wrote there).
    """

    wrong: dict[str, set[str]] = field(default_factory=dict)
    outcome: dict[str, str] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()
    mistakes: tuple[str, ...] = ()
    trouble: dict[str, str] = field(default_factory=dict)
    once: str = ""
    fork_error: str = ""
    dropped: tuple[str, ...] = ()
    planted: tuple[tuple[str, bytes], ...] = ()

    def __call__(self, task: GradeTask) -> GradeResult:
        student = task.student
        trouble = self.trouble.get(student)
        if trouble == "die":
            os._exit(3)
        if trouble == "hang" or (
            trouble == "hang_once" and not Path(self.once).exists()
        ):
            Path(self.once or os.devnull).touch()
            time.sleep(3600)
        notebooks, files = {}, {}
        for name in task.assignment.notebooks:
            data = task.submission[name]
            grades = {}
            for cell in nbformat.reads(data.decode(), as_version=4).cells:
                meta = cell.metadata.get("nbgrader", {})
                if meta.get("grade"):
                    points = float(meta.get("points", 0))
                    lost = meta["grade_id"] in self.wrong.get(student, ())
                    grades[meta["grade_id"]] = [0.0 if lost else points, points]
            notebooks[Path(name).stem] = NotebookGrades(grades)
            files[name] = data
        files.update(self.planted)
        return GradeResult(
            student,
            task.assignment.name,
            outcome=self.outcome.get(student, "graded"),
            seconds=0.5,
            timestamp=task.timestamp,
            notebooks=notebooks,
            reasons=list(self.reasons) if student in self.outcome else [],
            mistakes=list(self.mistakes) if student in self.outcome else [],
            files=files,
            dropped=list(self.dropped),
            fork_error=self.fork_error,
        )


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """A copy of the course (the quiz) whose gradebook already knows the quiz."""
    course = Course.copy_of_repo(tmp_path_factory.mktemp("seam"), assignments=[QUIZ])
    config, coursedir = course_settings(course.root)
    prepare_gradebook(config, coursedir, [QUIZ])
    return course.root


@pytest.fixture
def course(prepared, tmp_path, monkeypatch) -> Course:
    """A fresh copy of ``prepared``.

    The scratch gradebook that real workers autograde against is not made:
    :class:`Canned` never reads it, and nbgrader starts ``alembic`` (a new
    Python) to make one, a second or more each run.
    """
    monkeypatch.setattr(engine, "template_gradebook", lambda *_: b"")
    shutil.copytree(prepared, tmp_path / "course", symlinks=True)
    return Course(tmp_path / "course")


def _release() -> nbformat.NotebookNode:
    return nbformat.read(REPO / "notebooks" / QUIZ / f"{NOTEBOOK}.ipynb", as_version=4)


def _submit(course: Course, *students: str, answers=RIGHT) -> None:
    for student in students:
        course.submit(student, QUIZ, with_answers(_release(), answers))


def _grade(course: Course, grader: Canned, **options):
    """``grade_class`` with ``grader``; a fixed budget, no bar, feedback or report."""
    options = {
        "workers": 2,
        "unsafe": True,  # runs no learner code: the stub runs nothing
        "time_budget": 60,
        "progress": False,
        "feedback": False,
        "report": False,
        "stream": io.StringIO(),
        **options,
    }
    return grade_class(course.root, grade_one=grader, **options)


def _totals(course: Course) -> dict[str, float]:
    return {
        s: sum(g.score for g in grades.values())
        for s, grades in course.scores(QUIZ).items()
    }


def _autograded(course: Course) -> set[str]:
    """The students whose quiz has an autograded score in every cell."""
    with sqlite3.connect(course.root / "gradebook.db") as db:
        rows = db.execute(
            "SELECT student.id, grade.auto_score FROM grade"
            " JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id"
            " JOIN submitted_assignment"
            " ON submitted_notebook.assignment_id = submitted_assignment.id"
            " JOIN student ON submitted_assignment.student_id = student.id"
        ).fetchall()
    waiting = {student for student, score in rows if score is None}
    return {student for student, _ in rows} - waiting


def _wrong(student: str, *grade_ids: str) -> dict[str, set[str]]:
    return {student: set(grade_ids)}


# -- refusals -------------------------------------------------------------------


def test_grading_refuses_without_a_working_sandbox(monkeypatch, tmp_path):
    def broken():
        from outputsaving.classroom.sandbox import SandboxStatus

        return SandboxStatus(
            False,
            "bwrap: setting up uid map: Permission denied",
            "sysctl kernel.apparmor_restrict_unprivileged_userns=0",
        )

    monkeypatch.setattr(kernels, "probe_sandbox", broken)
    course = Course.copy_of_repo(tmp_path, assignments=[QUIZ])
    with pytest.raises(GradingRefused, match="apparmor_restrict_unprivileged_userns"):
        grade_class(course.root, stream=io.StringIO())
    assert not (course.root / "gradebook.db").exists()


# -- the recorder: gradebook, markers, log ---------------------------------------


def test_each_result_is_committed_marked_and_logged_once(course):
    _submit(course, "ana", "ben")
    log = io.StringIO()
    result = _grade(course, Canned(_wrong("ben", "quiz_q3_jpeg")), stream=log)
    assert sorted((o.student, o.outcome, o.score) for o in result.outcomes) == [
        ("ana", "graded", 6),
        ("ben", "graded", 5),
    ]
    assert _totals(course) == {"ana": 6, "ben": 5}
    assert set(course.scores(QUIZ)["ben"]) == set(QUIZ_IDS)
    for outcome in result.outcomes:
        assert marker_path(course.root, outcome.student, QUIZ).is_file()
        assert log.getvalue().count(outcome.log_line()) == 1
        graded = course.root / "autograded" / outcome.student / QUIZ
        assert (graded / f"{NOTEBOOK}.ipynb").is_file()
    assert "2 submission(s) of quiz" in log.getvalue()


def test_a_second_run_grades_nothing_and_force_replaces_without_duplicates(course):
    _submit(course, "ana", "ben")
    _grade(course, Canned())
    again = _grade(course, Canned(_wrong("ana", "quiz_q1_two_types")))
    assert again.graded_now == []
    assert len(again.outcomes) == 2
    assert _totals(course) == {"ana": 6, "ben": 6}

    forced = _grade(course, Canned(_wrong("ana", "quiz_q3_jpeg")), force=True)
    assert sorted(o.student for o in forced.graded_now) == ["ana", "ben"]
    assert _totals(course) == {"ana": 5, "ben": 6}
    with sqlite3.connect(course.root / "gradebook.db") as db:
        (rows,) = db.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone()
        (grades,) = db.execute("SELECT COUNT(*) FROM grade").fetchone()
    assert rows == 2
    assert grades == 2 * len(QUIZ_IDS)


def test_a_submission_handed_in_again_is_graded_again(course):
    _submit(course, "ana")
    _grade(course, Canned())
    _submit(course, "ana", answers=WRONG_Q3)
    folder = course.root / "submitted" / "ana" / QUIZ
    (folder / "timestamp.txt").write_text("2026-11-25 09:00:00.000000 UTC\n")
    (outcome,) = _grade(course, Canned(_wrong("ana", "quiz_q3_jpeg"))).graded_now
    assert outcome.score == 5
    assert _totals(course) == {"ana": 5}


def test_a_manual_grade_survives_a_regrade(course):
    """Formgrader's manual score counts, also after ``grade --force``."""
    from nbgrader.api import Gradebook

    _submit(course, "ana", answers=WRONG_Q3)
    lost_q3 = Canned(_wrong("ana", "quiz_q3_jpeg"))
    _grade(course, lost_q3)
    db = f"sqlite:///{course.root / 'gradebook.db'}"
    with Gradebook(db, "output-saving") as gradebook:
        grade = gradebook.find_grade("quiz_q3_jpeg", NOTEBOOK, QUIZ, "ana")
        assert grade.score == 0
        grade.manual_score = 1.0  # as Formgrader saves an instructor's grade
        grade.needs_manual_grade = False
        gradebook.db.commit()
    log = io.StringIO()
    result = _grade(course, lost_q3, force=True, stream=log)
    with Gradebook(db, "output-saving") as gradebook:
        grade = gradebook.find_grade("quiz_q3_jpeg", NOTEBOOK, QUIZ, "ana")
        assert (grade.auto_score, grade.manual_score, grade.score) == (0, 1, 1)
        assert not grade.needs_manual_grade
    assert "ana/quiz: kept the manual grades of 1 cell(s)" in log.getvalue()
    # the log line shows the score that counts, the manual grade's (issue 24)
    (outcome,) = result.outcomes
    assert outcome.score == 6
    assert outcome.log_line() in log.getvalue()
    assert course.scores(QUIZ)["ana"]["quiz_q3_jpeg"].score == 1


def test_an_unreadable_submission_is_refused_with_every_cell_zero(course):
    _submit(course, "ana", "ben")
    reason = "quiz_output_saving.ipynb is not a notebook (test)"
    code = "classroom.notebook_unreadable"
    grader = Canned(outcome={"ben": "unreadable"}, reasons=(reason,), mistakes=(code,))
    result = _grade(course, grader, feedback=True)
    outcomes = {o.student: o for o in result.outcomes}
    assert outcomes["ben"].outcome == "refused"
    assert outcomes["ben"].reasons == [reason]
    assert outcomes["ben"].mistakes == [code]
    assert outcomes["ben"].score == 0
    assert outcomes["ben"].max_score == 6
    assert _totals(course)["ben"] == 0
    assert marker_path(course.root, "ben", QUIZ).is_file()
    page = course.root / "feedback" / "ben" / QUIZ / f"{NOTEBOOK}.html"
    text = page.read_text(encoding="utf-8")
    assert "was not graded" in text
    assert reason in text


def test_a_fork_server_failure_is_told_once(course):
    _submit(course, "ana", "ben", "cem")
    log = io.StringIO()
    _grade(course, Canned(fork_error="no zygote here (test)"), stream=log)
    told = "a worker starts each kernel afresh (slower): no zygote here (test)"
    assert log.getvalue().count(told) == 1


def test_files_not_kept_from_the_graded_folder_are_logged(course):
    _submit(course, "ana")
    log = io.StringIO()
    _grade(course, Canned(dropped=("link_out", "huge.bin")), stream=log)
    assert "ana/quiz: not kept from the graded folder: link_out, huge.bin" in (
        log.getvalue()
    )


# -- feedback --------------------------------------------------------------------


@pytest.mark.slow  # nbgrader's generate_feedback, three times
def test_feedback_of_an_earlier_grading_is_replaced(course):
    """A regraded or refused submission never keeps feedback from before."""
    _submit(course, "ana")
    folder = course.root / "submitted" / "ana" / QUIZ
    planted = (("grades_summary.html", b"<p>Score: 6.0 / 6.0</p>"),)
    _grade(course, Canned(planted=planted), workers=1, feedback=True)
    page = course.root / "feedback" / "ana" / QUIZ / f"{NOTEBOOK}.html"
    assert "Score: 6.0 / 6.0" in page.read_text(encoding="utf-8")
    # what the learner's code wrote beside the notebook is no feedback
    assert (course.root / "autograded" / "ana" / QUIZ / "grades_summary.html").exists()
    assert not page.with_name("grades_summary.html").exists()
    stray = page.with_name("old_notes.html")
    stray.write_text("from an earlier version", encoding="utf-8")

    _submit(course, "ana", answers=WRONG_Q3)
    (folder / "timestamp.txt").write_text("2026-11-25 09:00:00.000000 UTC\n")
    _grade(course, Canned(_wrong("ana", "quiz_q3_jpeg")), workers=1, feedback=True)
    assert "Score: 5.0 / 6.0" in page.read_text(encoding="utf-8")
    assert not stray.exists()

    (folder / "timestamp.txt").write_text("2026-11-26 09:00:00.000000 UTC\n")
    (folder / "extra.txt").symlink_to("/etc/hostname")
    (outcome,) = _grade(course, Canned(), workers=1, feedback=True).outcomes
    assert outcome.outcome == "refused"
    assert sorted(p.name for p in page.parent.iterdir()) == [
        page.name,
        "timestamp.txt",
    ]
    text = page.read_text(encoding="utf-8")
    assert "was not graded" in text
    assert "Score: 5.0" not in text


# -- stuck and dead workers --------------------------------------------------------


@pytest.mark.slow  # nbgrader's generate_feedback, and the report's figure
def test_a_worker_that_dies_fails_only_its_own_submission(course):
    """A grader fault is on record: a gradebook row waiting for a grade, an
    export row, feedback saying it will be graded again, the summary; the
    next run grades exactly that submission."""
    from nbgrader.api import Gradebook

    _submit(course, "crashes", "a_right", "b_right", "c_right")
    result = _grade(
        course, Canned(trouble={"crashes": "die"}), feedback=True, report=True
    )
    outcomes = {o.student: o for o in result.outcomes}
    assert outcomes["crashes"].outcome == "failed"
    assert "its worker died (exit code 3)" in outcomes["crashes"].error
    assert "on a second try too" in outcomes["crashes"].error
    assert "the next run grades it again" in outcomes["crashes"].error
    assert {outcomes[n].outcome for n in set(outcomes) - {"crashes"}} == {"graded"}
    assert not marker_path(course.root, "crashes", QUIZ).exists()
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}", "output-saving") as gb:
        submission = gb.find_submission(QUIZ, "crashes")
        grades = [g for nb in submission.notebooks for g in nb.grades]
        assert {g.auto_score for g in grades} == {None}
        assert all(g.needs_manual_grade for g in grades)
    page = course.root / "feedback" / "crashes" / QUIZ / f"{NOTEBOOK}.html"
    assert "graded again" in page.read_text(encoding="utf-8")
    tsv = (course.root / "reports" / "grades.tsv").read_text(encoding="utf-8")
    assert any(
        line.startswith("crashes\tquiz") and "failed" in line
        for line in tsv.splitlines()
    )
    assert "crashes/quiz" in failed_summary(result.outcomes)

    again = _grade(course, Canned())
    assert [(o.student, o.outcome) for o in again.graded_now] == [("crashes", "graded")]
    assert _totals(course)["crashes"] == 6


#: Budget and margin of the stuck-worker tests: a worker counts as stuck
#: STUCK_BUDGET + STUCK_MARGIN seconds after its task started; a canned result
#: comes back in milliseconds, also on a loaded machine.
STUCK_BUDGET = 2
STUCK_MARGIN = 8.0


@pytest.mark.slow  # waits twice for a worker to count as stuck
@pytest.mark.timeout(600)
def test_a_stuck_worker_is_stopped_and_the_rest_of_the_class_graded(
    course, monkeypatch
):
    """A worker hung outside the kernel's budget: its submission fails, alone."""
    _submit(course, "hangs", "right", "two_wrong")
    monkeypatch.setattr(limits, "STUCK_MARGIN", STUCK_MARGIN)
    grader = Canned(_wrong("two_wrong", "quiz_q1_two_types"), trouble={"hangs": "hang"})
    result = _grade(course, grader, time_budget=STUCK_BUDGET)
    outcomes = {o.student: o for o in result.outcomes}
    assert outcomes["hangs"].outcome == "failed"
    stuck_after = f"{STUCK_BUDGET + STUCK_MARGIN:g} s"
    assert f"no result after {stuck_after}" in outcomes["hangs"].error
    assert "on a second try too" in outcomes["hangs"].error
    assert "the next run grades it again" in outcomes["hangs"].error
    # Where it hung, for the maintainers: the stack of the worker's threads.
    assert "its threads when it was stopped" in outcomes["hangs"].error
    assert f'{Path(__file__).name}", line' in outcomes["hangs"].error
    assert {outcomes[n].outcome for n in ("right", "two_wrong")} == {"graded"}
    assert not marker_path(course.root, "hangs", QUIZ).exists()
    totals = _totals(course)
    assert (totals["right"], totals["two_wrong"]) == (6, 5)

    again = _grade(course, Canned())
    assert [(o.student, o.outcome) for o in again.graded_now] == [("hangs", "graded")]
    assert _totals(course)["hangs"] == 6


@pytest.mark.slow  # waits once for a worker to count as stuck
@pytest.mark.timeout(600)
def test_a_worker_stuck_once_is_replaced_and_the_submission_graded(
    course, monkeypatch, tmp_path
):
    _submit(course, "hangs_once", "right")
    first = tmp_path / "hung"
    monkeypatch.setattr(limits, "STUCK_MARGIN", STUCK_MARGIN)
    grader = Canned(trouble={"hangs_once": "hang_once"}, once=str(first))
    result = _grade(course, grader, time_budget=STUCK_BUDGET)
    assert first.exists()
    assert {o.outcome for o in result.outcomes} == {"graded"}
    assert _totals(course) == {"hangs_once": 6, "right": 6}


def _never_starts(*_) -> None:
    time.sleep(3600)


@pytest.mark.slow  # waits for the workers to count as never started
@pytest.mark.timeout(600)
def test_workers_that_never_start_a_task_are_stopped(course, monkeypatch):
    """Workers hung before their first task: grading ends, nothing is committed."""
    _submit(course, "ana", "ben")
    with monkeypatch.context() as patch:
        patch.setattr(worker, "start_worker", _never_starts)
        patch.setattr(limits, "STUCK_MARGIN", STUCK_MARGIN)
        result = _grade(course, Canned(), time_budget=STUCK_BUDGET)
    assert [o.outcome for o in result.outcomes] == ["failed"] * 2
    for outcome in result.outcomes:
        assert f"no worker started it for {STUCK_BUDGET + STUCK_MARGIN:g} s" in (
            outcome.error
        )
    assert _autograded(course) == set()  # rows wait for a grade: none has one
    again = _grade(course, Canned())
    assert [o.outcome for o in again.graded_now] == ["graded"] * 2
