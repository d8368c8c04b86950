"""What the world sends, graded by ``outputsaving grade`` (issue 18, sections 1 and 5).

One class: the provenance matrix (each assignment's solution and untouched
notebook, saved by other tools: :mod:`provenance`) and the feedback cases of
:mod:`world_catalogue`, graded once with
:func:`~outputsaving.classroom.engine.grade_class` in the real sandbox. Each
test cell must get the score written down before the grader was changed, and
no feedback may show the grader's machine or a repair the learner did not make.
"""

from __future__ import annotations

import html
import io

import nbformat
import pytest
from fairness_catalogue import build_case
from nbgrader_course import REPO, Course, with_answers
from provenance import in_form
from world_catalogue import (
    BY_NAME,
    CASES,
    MACHINE_WORDS,
    NOT_SAYS,
    deserved_scores,
    provenance_cases,
)

from outputsaving.classroom.engine import grade_class
from outputsaving.messages import fill

pytestmark = [pytest.mark.linux, pytest.mark.nbgrader, pytest.mark.sandbox]

MATRIX = {case.student: case for case in provenance_cases()}


def _release(assignment: str) -> tuple[str, nbformat.NotebookNode]:
    (path,) = (REPO / "notebooks" / assignment).glob("*.ipynb")
    return path.name, nbformat.read(path, as_version=4)


def _submit_bytes(course: Course, student: str, assignment: str, name: str, data):
    folder = course.root / "submitted" / student / assignment
    folder.mkdir(parents=True)
    (folder / name).write_bytes(data)
    (folder / "timestamp.txt").write_text("2026-11-24 10:00:00.000000 UTC\n")


@pytest.fixture(scope="module")
def world(tmp_path_factory, unsafe):
    """The matrix and the feedback cases submitted as one class, graded once."""
    course = Course.copy_of_repo(tmp_path_factory.mktemp("world"))
    answers = {
        a: course.solution_answers(a) for a in ("activity1", "activity2", "quiz")
    }
    for case in MATRIX.values():
        name, release = _release(case.assignment)
        if case.answers == "solution":
            notebook = with_answers(release, answers[case.assignment])
        else:
            notebook = release
        data = in_form(notebook, case.form)
        _submit_bytes(course, case.student, case.assignment, name, data)
    for case in CASES:
        notebook, files = build_case(
            case, _release(case.assignment)[1], answers[case.assignment]
        )
        course.submit(case.name, case.assignment, notebook, files=files)
    log = io.StringIO()
    result = grade_class(
        course.root, workers=2, unsafe=unsafe, progress=False, stream=log
    )
    outcomes = {o.student: o for o in result.outcomes}
    given = {
        name: {grade_id: score for grade_id, (score, _) in o.grades.items()}
        for name, o in outcomes.items()
    }
    table = ["case                                deserved  given"]
    for student, case in MATRIX.items():
        got = sum(given.get(student, {}).values())
        table.append(f"{student:35} {case.deserved:8g} {got:6g}")
    for case in CASES:
        deserved = sum(deserved_scores(case).values())
        got = sum(given.get(case.name, {}).values())
        table.append(f"{case.name:35} {deserved:8g} {got:6g}")
    print("\n".join(table))
    return {"course": course, "outcomes": outcomes, "given": given, "log": log}


def _feedback(world, student: str, assignment: str) -> str:
    folder = world["course"].root / "feedback" / student / assignment
    pages = sorted(folder.glob("*.html"))
    assert pages, f"no feedback for {student}"
    return "\n".join(html.unescape(p.read_text(encoding="utf-8")) for p in pages)


def _wrong_cells(world, student: str, deserved: dict[str, float]) -> dict:
    outcome = world["outcomes"][student]
    assert outcome.outcome == "graded", outcome.log_line()
    given = world["given"][student]
    return {
        grade_id: (given.get(grade_id), points)
        for grade_id, points in deserved.items()
        if given.get(grade_id) != points
    }


@pytest.mark.parametrize("student", list(MATRIX))
def test_every_tool_s_notebook_gets_its_deserved_score(world, student):
    case = MATRIX[student]
    wrong = _wrong_cells(world, student, case.deserved_per_cell())
    assert not wrong, f"{student}: given vs deserved {wrong}"


@pytest.mark.parametrize("student", list(MATRIX))
def test_no_repair_is_reported_that_the_learner_did_not_make(world, student):
    case = MATRIX[student]
    text = _feedback(world, student, case.assignment)
    assert fill("classroom.repair_header") not in text
    assert "could not be read" not in text
    assert not world["outcomes"][student].flags


@pytest.mark.parametrize("name", list(BY_NAME))
def test_every_feedback_case_gets_its_deserved_score(world, name):
    wrong = _wrong_cells(world, name, deserved_scores(BY_NAME[name]))
    assert not wrong, f"{name}: given vs deserved {wrong}"


@pytest.mark.parametrize("name", list(BY_NAME))
def test_feedback_says_what_to_do_and_nothing_untrue(world, name):
    case = BY_NAME[name]
    text = _feedback(world, name, case.assignment)
    for words in case.says:
        assert words in text, f"{name}: {words!r} not in its feedback"
    for words in NOT_SAYS.get(name, ()):
        assert words not in text, f"{name}: {words!r} in its feedback"
    assert bool(world["outcomes"][name].flags) == case.flagged


@pytest.mark.parametrize("student", [*MATRIX, *BY_NAME])
def test_feedback_shows_nothing_of_the_grader_s_machine(world, student):
    case = MATRIX.get(student) or BY_NAME[student]
    text = _feedback(world, student, case.assignment)
    found = [words for words in MACHINE_WORDS if words in text]
    assert not found, f"{student}: {found} in its feedback"
