"""The quiz-form catalogue graded: the self-check and the grader agree.

Every case of :mod:`quizform_catalogue` is submitted to one class and graded
once with :func:`~outputsaving.classroom.engine.grade_class` in the real
sandbox: each test cell gets the score written in ``quizform_deserved.tsv``
before the grader was changed, nothing is flagged, and the feedback names
what was found (never "still None" for an answer that is not None). Plain
``nbgrader autograde`` gives the cases that keep their points the same scores.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from catalogue_class import grade_catalogue, release, submit_cases
from nbgrader_course import Course, environment
from quizform_catalogue import BY_NAME, CASES, NEVER_SAYS, build_case, deserved_scores

pytestmark = [pytest.mark.linux, pytest.mark.nbgrader, pytest.mark.sandbox]

#: The cases whose answers the kernel and the source agree on.
SAME_IN_THE_KERNEL = [c for c in CASES if c.principle in ("legit", "message")]


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory, unsafe):
    """The catalogue submitted as one class and graded once."""
    course = Course.copy_of_repo(tmp_path_factory.mktemp("quizform"))
    submit_cases(course, CASES)
    deserved = {case.name: sum(deserved_scores(case).values()) for case in CASES}
    return grade_catalogue(course, unsafe=unsafe, deserved=deserved)


@pytest.mark.parametrize("name", list(BY_NAME))
def test_every_case_gets_its_deserved_score_per_test_cell(catalogue, name):
    outcome = catalogue.outcomes[name]
    assert outcome.outcome == "graded", outcome.log_line()
    wrong = catalogue.wrong_cells(name, deserved_scores(BY_NAME[name]))
    assert not wrong, f"{name}: given vs deserved {wrong}\n{outcome.log_line()}"


@pytest.mark.parametrize("name", list(BY_NAME))
def test_no_case_is_flagged(catalogue, name):
    assert catalogue.outcomes[name].flags == []


@pytest.mark.parametrize("name", list(BY_NAME))
def test_feedback_names_what_was_found_and_never_says_none(catalogue, name):
    case = BY_NAME[name]
    text = catalogue.feedback(case.name, case.assignment)
    for words in case.says:
        assert words in text, f"{name}: {words!r} not in its feedback"
    assert NEVER_SAYS not in text


def test_plain_nbgrader_gives_the_same_scores_where_the_kernel_agrees(
    tmp_path_factory,
):
    """The parity run: plain nbgrader reads the kernel's values, the same here."""
    course = Course.copy_of_repo(tmp_path_factory.mktemp("quizform_plain"))
    course.generate("quiz")
    answers = course.solution_answers("quiz")
    for case in SAME_IN_THE_KERNEL:
        notebook, files = build_case(case, release("quiz"), answers)
        course.submit(case.name, "quiz", notebook, files=files)
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", "autograde", "quiz", "--force"],
        cwd=course.root,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    scores = course.scores("quiz")
    wrong = {
        case.name: {k: v.score for k, v in scores.get(case.name, {}).items()}
        for case in SAME_IN_THE_KERNEL
        if {k: v.score for k, v in scores.get(case.name, {}).items()}
        != deserved_scores(case)
    }
    assert not wrong, f"{wrong}\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
