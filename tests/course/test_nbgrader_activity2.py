"""Activity 2 graded by the real nbgrader: solution, untouched and typical mistakes.

Every submission of the catalogue is graded in one ``nbgrader autograde`` run.
The small, fast tests of :mod:`outputsaving.grading.activity2` itself are in
``test_grading_activity2.py``.
"""

from __future__ import annotations

import re

import pytest
from answer_catalogue import ACTIVITY2
from nbgrader_course import Course, answer_cell, grade_ids, with_answers

pytestmark = [pytest.mark.nbgrader]

ASSIGNMENT = "activity2"
FULL_MARKS = 17

_SOLUTION_LINE = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")

#: Mistakes: student -> {grade_id of the answer cell: new source}.
MISTAKES = ACTIVITY2

#: Per mistake: the graded cells expected to fail (all others get full marks),
#: and words the feedback must show.
EXPECTED = {
    "nuclei_8bit": (
        {"a2_task6_nuclei_mask_visible", "a2_task6_nuclei_mask_hidden"},
        "labels above 255 wrapped around",
    ),
    "table_tab": (
        {"a2_task2_table_csv_visible", "a2_task2_table_csv_hidden"},
        "separated by tabs, but commas were expected",
    ),
    "jpeg_good": (
        {"a2_task5_jpeg_choice"},
        "is not the expected judgement of a JPEG",
    ),
    # Counting changed pixels, not objects: the self-check's and the visible
    # test's 8-bit example shows it (2 objects changed, 4 pixels).
    "compare_pixels": (
        {"a2_task4_compare_visible", "a2_task4_compare_hidden"},
        "re-read as 8-bit",
    ),
}


def solution_answers(course: Course) -> dict[str, str]:
    """The source's answer cells, without the solution marker lines."""
    source = course.source_notebook(ASSIGNMENT)
    answers = {}
    for grade_id in grade_ids(source, kind="solution"):
        lines = answer_cell(source, grade_id).source.splitlines()
        answers[grade_id] = "\n".join(
            line for line in lines if not _SOLUTION_LINE.match(line)
        )
    return answers


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The course copy after one autograde of every submission, with feedback."""
    course = Course.copy_of_repo(
        tmp_path_factory.mktemp("activity2"), assignments=[ASSIGNMENT]
    )
    course.generate(ASSIGNMENT)
    student = course.student_notebook(ASSIGNMENT)
    solution = solution_answers(course)
    course.submit("solution", ASSIGNMENT, with_answers(student, solution))
    course.submit("untouched", ASSIGNMENT, student)
    for name, changes in MISTAKES.items():
        answers = {**solution, **{key: code.strip() for key, code in changes.items()}}
        course.submit(name, ASSIGNMENT, with_answers(student, answers))
    course.autograde(ASSIGNMENT)
    course.generate_feedback(ASSIGNMENT)
    return course


def test_the_solution_gets_full_marks(graded):
    assert graded.totals(ASSIGNMENT)["solution"] == (FULL_MARKS, FULL_MARKS)


def test_the_untouched_notebook_gets_zero_without_errors(graded):
    # autograde would have failed (RuntimeError) on a grading error.
    assert graded.totals(ASSIGNMENT)["untouched"] == (0, FULL_MARKS)


@pytest.mark.parametrize("student", sorted(MISTAKES))
def test_each_mistake_costs_exactly_its_tests(graded, student):
    failing, _ = EXPECTED[student]
    scores = graded.scores(ASSIGNMENT)[student]
    assert {grade_id for grade_id, grade in scores.items() if not grade.full} == failing
    assert all(scores[grade_id].score == 0 for grade_id in failing)


@pytest.mark.parametrize("student", sorted(MISTAKES))
def test_feedback_names_the_problem(graded, student):
    _, words = EXPECTED[student]
    html = graded.feedback(ASSIGNMENT, student)
    assert words in html


@pytest.mark.parametrize("student", ["solution", "untouched", *sorted(MISTAKES)])
def test_feedback_does_not_show_hidden_tests(graded, student):
    html = graded.feedback(ASSIGNMENT, student)
    assert "HIDDEN TESTS" not in html
    for call in ("grade_mask_format", "grade_format_choice", "grade_nuclei_mask("):
        assert call not in html


def test_the_student_version_hides_solutions_and_hidden_tests(graded):
    text = (
        (graded.root / "release" / ASSIGNMENT)
        .joinpath("activity2_customise_saving.ipynb")
        .read_text(encoding="utf-8")
    )
    for secret in (
        "BEGIN SOLUTION",
        "HIDDEN TESTS",
        "grade_format_choice",
        "np.uint16",
        "GOOD_FOR_LABELS = True",
        "GOOD_FOR_LABELS = False",
    ):
        assert secret not in text
