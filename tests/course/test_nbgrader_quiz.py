"""The quiz graded by the real nbgrader: solution, untouched, partly right answers.

Every submission is graded in one ``nbgrader autograde`` run.
"""

from __future__ import annotations

import pytest
from answer_catalogue import QUIZ
from answer_catalogue import QUIZ_RIGHT as RIGHT
from nbgrader_course import Course, with_answers

pytestmark = [pytest.mark.nbgrader]

ASSIGNMENT = "quiz"
FULL_MARKS = 6

#: student -> (answers changed from RIGHT (tests/answer_catalogue.py), expected
#: score, words in the feedback)
SUBMISSIONS = {
    "tolerant": (QUIZ["tolerant"], 6, []),
    "two_types_lossless": (
        QUIZ["two_types_lossless"],
        4,
        ["You named 2 of the 3 output types.", "'lossless' is about keeping"],
    ),
    "jpeg_true": (QUIZ["jpeg_true"], 5, ["is not the expected one"]),
    "one_type_and_wrong_tf": (
        QUIZ["one_type_and_wrong_tf"],
        3,
        ["You named 1 of the 3 output types.", "is what the analysis starts from"],
    ),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course.copy_of_repo(
        tmp_path_factory.mktemp("quiz"), assignments=[ASSIGNMENT]
    )
    course.generate(ASSIGNMENT)
    student = course.student_notebook(ASSIGNMENT)
    course.submit("solution", ASSIGNMENT, course.source_notebook(ASSIGNMENT))
    course.submit("untouched", ASSIGNMENT, student)
    for name, (changes, _, _) in SUBMISSIONS.items():
        course.submit(name, ASSIGNMENT, with_answers(student, {**RIGHT, **changes}))
    course.autograde(ASSIGNMENT)
    course.generate_feedback(ASSIGNMENT)
    return course


def test_the_solution_gets_full_marks(graded):
    assert graded.totals(ASSIGNMENT)["solution"] == (FULL_MARKS, FULL_MARKS)


def test_the_untouched_notebook_gets_zero_without_errors(graded):
    assert graded.totals(ASSIGNMENT)["untouched"] == (0, FULL_MARKS)


@pytest.mark.parametrize("student", sorted(SUBMISSIONS))
def test_partly_right_answers_get_partial_scores(graded, student):
    _, expected, _ = SUBMISSIONS[student]
    assert graded.totals(ASSIGNMENT)[student] == (expected, FULL_MARKS)


def test_question_1_gives_a_point_per_type(graded):
    scores = graded.scores(ASSIGNMENT)["two_types_lossless"]
    assert scores["quiz_q1_one_type"].full
    assert scores["quiz_q1_two_types"].full
    assert scores["quiz_q1_three_types"].score == 0
    assert scores["quiz_q2_format"].score == 0


@pytest.mark.parametrize("student", sorted(SUBMISSIONS))
def test_feedback_says_what_is_wrong_without_the_answer(graded, student):
    _, _, words = SUBMISSIONS[student]
    html = graded.feedback(ASSIGNMENT, student)
    for word in words:
        assert word in html
    assert "HIDDEN TESTS" not in html
    answers = "\n".join({**RIGHT, **SUBMISSIONS[student][0]}.values())
    for secret in ("interoperable", "ROI sets, label masks"):
        if secret not in answers:  # a learner sees their own answer, not others
            assert secret not in html


def test_the_student_version_hides_answers_and_explanations(graded):
    text = (
        graded.root / "release" / ASSIGNMENT / "quiz_output_saving.ipynb"
    ).read_text(encoding="utf-8")
    for secret in (
        "interoperable",
        "BEGIN SOLUTION",
        "HIDDEN TESTS",
        "= False",
        "grade_true_false",
    ):
        assert secret not in text
