"""The unseen-data catalogue graded by ``outputsaving grade``: functions judged on
data they have never seen.

Every case of :mod:`unseen_catalogue` is submitted to one class and graded
once with :func:`~outputsaving.classroom.engine.grade_class` in the real
sandbox. Each test cell must get the score written in ``unseen_deserved.tsv``
before the grader was changed; a save function that ignores its argument
loses its hidden test, told why; a cheat that saves the same bytes whatever
it is given is flagged on that test; the honest mistakes and the control are
not flagged.
"""

from __future__ import annotations

import html
import io

import nbformat
import pytest
from nbgrader_course import REPO, Course
from unseen_catalogue import BY_NAME, CASES, LOSES, build_case, deserved_scores

from outputsaving.classroom.engine import grade_class

pytestmark = [pytest.mark.linux, pytest.mark.nbgrader, pytest.mark.sandbox]

#: How the flag of a function that saved the same bytes begins.
SAME_FILE_FLAG = ": the same file whatever it was given"


def _release(assignment: str) -> nbformat.NotebookNode:
    (path,) = (REPO / "notebooks" / assignment).glob("*.ipynb")
    return nbformat.read(path, as_version=4)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory, unsafe):
    """The catalogue submitted as one class and graded once."""
    course = Course.copy_of_repo(tmp_path_factory.mktemp("unseen"))
    answers = {"activity1": course.solution_answers("activity1")}
    for case in CASES:
        notebook, files = build_case(
            case, _release(case.assignment), answers[case.assignment]
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
    table = ["case                       deserved  given"]
    for case in CASES:
        deserved = sum(deserved_scores(case).values())
        got = sum(given.get(case.name, {}).values())
        table.append(f"{case.name:26} {deserved:8g} {got:6g}")
    print("\n".join(table))
    return {"course": course, "outcomes": outcomes, "given": given}


def _feedback(catalogue, case) -> str:
    folder = catalogue["course"].root / "feedback" / case.name / case.assignment
    pages = sorted(folder.glob("*.html"))
    assert pages, f"no feedback for {case.name}"
    return "\n".join(html.unescape(p.read_text(encoding="utf-8")) for p in pages)


@pytest.mark.parametrize("name", list(BY_NAME))
def test_every_case_gets_its_deserved_score_per_test_cell(catalogue, name):
    outcome = catalogue["outcomes"][name]
    assert outcome.outcome == "graded", outcome.log_line()
    given = catalogue["given"][name]
    deserved = deserved_scores(BY_NAME[name])
    wrong = {
        grade_id: (given.get(grade_id), points)
        for grade_id, points in deserved.items()
        if given.get(grade_id) != points
    }
    assert not wrong, f"{name}: given vs deserved {wrong}\n{outcome.log_line()}"


@pytest.mark.parametrize("name", list(BY_NAME))
def test_only_the_same_bytes_whatever_given_are_flagged(catalogue, name):
    case = BY_NAME[name]
    flags = catalogue["outcomes"][name].flags
    assert bool(flags) == case.flagged, flags
    named = {
        grade_id
        for grade_id in deserved_scores(case)
        if any(f.startswith(grade_id + SAME_FILE_FLAG) for f in flags)
    }
    assert named == (set(LOSES[name]) if case.flagged else set()), flags


@pytest.mark.parametrize("name", [c.name for c in CASES if c.says])
def test_feedback_names_the_reason(catalogue, name):
    case = BY_NAME[name]
    text = _feedback(catalogue, case)
    for words in case.says:
        assert words in text, f"{name}: {words!r} not in its feedback"
