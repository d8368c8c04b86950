"""What the world sends, graded by ``outputsaving grade`` (issue 18, sections 1 and 5).

One class: the provenance matrix (each assignment's solution and untouched
notebook, saved by other tools: :mod:`provenance`) and the feedback cases of
:mod:`world_catalogue`, graded once with
:func:`~outputsaving.classroom.engine.grade_class` in the real sandbox. Each
test cell must get the score written down before the grader was changed, and
no feedback may show the grader's machine or a repair the learner did not make.
"""

from __future__ import annotations

import pytest
from catalogue_class import grade_catalogue, release, submit_cases
from nbgrader_course import Course, with_answers
from provenance import in_form
from world_catalogue import (
    BY_NAME,
    CASES,
    MACHINE_WORDS,
    NOT_SAYS,
    deserved_scores,
    provenance_cases,
)

from outputsaving.messages import fill

pytestmark = [pytest.mark.linux, pytest.mark.nbgrader, pytest.mark.sandbox]

MATRIX = {case.student: case for case in provenance_cases()}


def _submit_bytes(course: Course, student: str, assignment: str, data: bytes):
    (name,) = course.notebook_names(assignment)
    folder = course.root / "submitted" / student / assignment
    folder.mkdir(parents=True)
    (folder / name).write_bytes(data)
    (folder / "timestamp.txt").write_text("2026-11-24 10:00:00.000000 UTC\n")


@pytest.fixture(scope="module")
def world(tmp_path_factory, unsafe):
    """The matrix and the feedback cases submitted as one class, graded once."""
    course = Course.copy_of_repo(tmp_path_factory.mktemp("world"))
    for case in MATRIX.values():
        notebook = release(case.assignment)
        if case.answers == "solution":
            answers = course.solution_answers(case.assignment)
            notebook = with_answers(notebook, answers)
        data = in_form(notebook, case.form)
        _submit_bytes(course, case.student, case.assignment, data)
    submit_cases(course, CASES)
    deserved = {student: case.deserved for student, case in MATRIX.items()}
    for case in CASES:
        deserved[case.name] = sum(deserved_scores(case).values())
    return grade_catalogue(course, unsafe=unsafe, deserved=deserved)


def _wrong_cells(world, student: str, deserved: dict[str, float]) -> dict:
    outcome = world.outcomes[student]
    assert outcome.outcome == "graded", outcome.log_line()
    return world.wrong_cells(student, deserved)


@pytest.mark.parametrize("student", list(MATRIX))
def test_every_tool_s_notebook_gets_its_deserved_score(world, student):
    case = MATRIX[student]
    wrong = _wrong_cells(world, student, case.deserved_per_cell())
    assert not wrong, f"{student}: given vs deserved {wrong}"


@pytest.mark.parametrize("student", list(MATRIX))
def test_no_repair_is_reported_that_the_learner_did_not_make(world, student):
    case = MATRIX[student]
    text = world.feedback(student, case.assignment)
    assert fill("classroom.repair_header") not in text
    # (the notebook's own given cells may say "could not be read back")
    assert "could not be read as a Jupyter notebook" not in text
    assert not world.outcomes[student].flags


@pytest.mark.parametrize("name", list(BY_NAME))
def test_every_feedback_case_gets_its_deserved_score(world, name):
    wrong = _wrong_cells(world, name, deserved_scores(BY_NAME[name]))
    assert not wrong, f"{name}: given vs deserved {wrong}"


@pytest.mark.parametrize("name", list(BY_NAME))
def test_feedback_says_what_to_do_and_nothing_untrue(world, name):
    case = BY_NAME[name]
    text = world.feedback(name, case.assignment)
    for words in case.says:
        assert words in text, f"{name}: {words!r} not in its feedback"
    for words in NOT_SAYS.get(name, ()):
        assert words not in text, f"{name}: {words!r} in its feedback"
    assert bool(world.outcomes[name].flags) == case.flagged


@pytest.mark.parametrize("student", [*MATRIX, *BY_NAME])
def test_feedback_shows_nothing_of_the_grader_s_machine(world, student):
    case = MATRIX.get(student) or BY_NAME[student]
    text = world.feedback(student, case.assignment)
    found = [words for words in MACHINE_WORDS if words in text]
    assert not found, f"{student}: {found} in its feedback"
