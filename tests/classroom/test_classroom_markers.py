"""Which submissions are graded: markers save work, the gradebook is the truth.

Issue 24, fault 1: a lost, emptied or restored gradebook was never filled
again, because a marker alone said "graded". Tested at the seam, with real
markers and a real nbgrader gradebook, without grading anything.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from outputsaving.classroom.gradebook import graded_in_gradebook
from outputsaving.classroom.markers import marker_path, pending, write_marker
from outputsaving.classroom.outcomes import SubmissionOutcome

STAMP = "2026-11-24T10:00:00"


def _submission(student: str, assignment: str = "quiz"):
    return SimpleNamespace(
        student=student, assignment=assignment, timestamp=STAMP, problems=[]
    )


def _graded(course, student: str, assignment: str = "quiz") -> None:
    write_marker(
        course,
        SubmissionOutcome(student, assignment, "graded", score=6, timestamp=STAMP),
    )


def test_a_marked_submission_that_the_gradebook_holds_is_not_graded_again(tmp_path):
    _graded(tmp_path, "ana")
    done, to_grade, lost = pending(
        tmp_path, [_submission("ana")], force=False, in_gradebook={("ana", "quiz")}
    )
    assert [o.student for o in done] == ["ana"]
    assert to_grade == lost == []


def test_a_marked_submission_missing_from_the_gradebook_is_graded_again(tmp_path):
    _graded(tmp_path, "ana")
    _graded(tmp_path, "ben")
    submissions = [_submission("ana"), _submission("ben")]
    done, to_grade, lost = pending(
        tmp_path, submissions, force=False, in_gradebook={("ben", "quiz")}
    )
    assert [o.student for o in done] == ["ben"]
    assert [s.student for s in to_grade] == [s.student for s in lost] == ["ana"]
    assert not marker_path(tmp_path, "ana", "quiz").exists()


def _gradebook(tmp_path):
    from nbgrader.api import Gradebook

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url, "course") as gb:
        gb.add_assignment("quiz")
        gb.add_notebook("quiz_output_saving", "quiz")
        for name in ("q1", "q2"):
            gb.add_grade_cell(
                name, "quiz_output_saving", "quiz", max_score=1, cell_type="code"
            )
    return SimpleNamespace(db_url=url, course_id="course")


@pytest.mark.slow  # nbgrader's gradebook: alembic, SQLAlchemy
def test_the_gradebook_says_which_submissions_it_holds_grades_of(tmp_path):
    from nbgrader.api import Gradebook

    coursedir = _gradebook(tmp_path)
    submissions = [_submission(s) for s in ("ana", "ben", "cleo", "dan")]
    assert graded_in_gradebook(coursedir, submissions) == set()
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        for student in ("ana", "ben", "cleo"):
            gb.update_or_create_student(student)
            gb.add_submission("quiz", student)
        for student, scores in {"ana": (1, 0), "ben": (1, None)}.items():
            for name, score in zip(("q1", "q2"), scores, strict=True):
                grade = gb.find_grade(name, "quiz_output_saving", "quiz", student)
                grade.auto_score = score
        grade = gb.find_grade("q2", "quiz_output_saving", "quiz", "ben")
        grade.manual_score = 1  # a manual grade counts as a grade
        gb.db.commit()
    # cleo's submission waits for grades; dan's is not in the gradebook at all
    assert graded_in_gradebook(coursedir, submissions) == {
        ("ana", "quiz"),
        ("ben", "quiz"),
    }


@pytest.mark.parametrize(
    "student",
    [
        "L" * 241,
        "L" * 250,
        "L" * 255,
        "学" * 85,  # 255 bytes in UTF-8
        "学" * 80 + "L" * 15,
    ],
)
def test_a_student_id_as_long_as_a_file_name_can_be_marked(tmp_path, student):
    """Issue 24, fault 3: a 250-byte student folder stopped the class."""
    assert len(student.encode()) <= 255
    _graded(tmp_path, student)
    _graded(tmp_path, student[:-1] + "M")
    done, to_grade, _ = pending(
        tmp_path, [_submission(student)], force=False, in_gradebook=None
    )
    assert [o.student for o in done] == [student]
    assert to_grade == []
    names = [p.name for p in marker_path(tmp_path, student, "quiz").parent.iterdir()]
    assert len(names) == 2
    assert all(len(name.encode()) <= 255 for name in names)
    assert not [name for name in names if name.startswith(".")]
