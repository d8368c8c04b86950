"""The fairness catalogue graded by ``outputsaving grade``: every score deserved.

Every case of :mod:`fairness_catalogue` is submitted to one class and graded
with :func:`~outputsaving.classroom.engine.grade_class` in the real sandbox;
each test cell must get the score written in ``fairness_deserved.tsv`` before
the grader was changed, and the learner's feedback must name the reason.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from catalogue_class import grade_catalogue, submit_cases
from fairness_catalogue import BY_NAME, CASES, deserved_scores
from nbgrader_course import REPO, Course

pytestmark = [pytest.mark.linux, pytest.mark.nbgrader, pytest.mark.sandbox]

#: Text of the hidden tests that must never reach a learner.
HIDDEN_WORDS = ("BEGIN HIDDEN TESTS", "grade_true_false(", "grade_label_mask(")


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory, unsafe):
    """The catalogue submitted as one class and graded once."""
    course = Course.copy_of_repo(tmp_path_factory.mktemp("fairness"))
    submit_cases(course, CASES)
    deserved = {case.name: sum(deserved_scores(case).values()) for case in CASES}
    return grade_catalogue(course, unsafe=unsafe, deserved=deserved)


def _feedback(catalogue, case) -> str:
    return catalogue.feedback(case.name, case.assignment)


@pytest.mark.parametrize("name", list(BY_NAME))
def test_every_case_gets_its_deserved_score_per_test_cell(catalogue, name):
    case = BY_NAME[name]
    outcome = catalogue.outcomes[name]
    assert outcome.outcome in {"graded", "stopped"}, outcome.log_line()
    wrong = catalogue.wrong_cells(name, deserved_scores(case))
    assert not wrong, f"{name}: given vs deserved {wrong}\n{outcome.log_line()}"


@pytest.mark.parametrize("name", [c.name for c in CASES if c.says])
def test_feedback_names_the_reason(catalogue, name):
    case = BY_NAME[name]
    text = _feedback(catalogue, case)
    for words in case.says:
        assert words in text, f"{name}: {words!r} not in its feedback"


@pytest.mark.parametrize("name", list(BY_NAME))
def test_only_cheats_are_flagged_for_review(catalogue, name):
    case = BY_NAME[name]
    flags = catalogue.outcomes[name].flags
    assert bool(flags) == case.flagged, flags


@pytest.mark.parametrize("name", list(BY_NAME))
def test_feedback_holds_no_hidden_test_and_no_planted_file(catalogue, name):
    case = BY_NAME[name]
    folder = catalogue.course.root / "feedback" / name / case.assignment
    notebooks = {p.stem for p in (REPO / "source" / case.assignment).glob("*.ipynb")}
    assert {p.name for p in folder.iterdir()} == {
        *(f"{name}.html" for name in notebooks),
        "timestamp.txt",
    }
    text = _feedback(catalogue, case)
    for words in HIDDEN_WORDS:
        assert words not in text, f"{name}: {words!r} in its feedback"
    assert "Score: 6 / 6" not in text or name != "planted_summary"


def test_repairs_are_recorded_with_the_accident(catalogue):
    outcome = catalogue.outcomes["dup_answer_later_right"]
    assert any("quiz_q3_answer appears twice" in r for r in outcome.reasons)


def test_the_form_of_an_answer_is_told_first_by_its_self_check(catalogue):
    """A form that loses points: the self-check printed the same message first."""
    course = catalogue.course
    path = course.root / "autograded" / "computed_quiz_answer" / "quiz"
    notebook = nbformat.read(next(path.glob("*.ipynb")), as_version=4)
    selfchecks = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code"
        and re.search(r"selfcheck\.quiz_answer\(Q2_", cell.source)
    ]
    (cell,) = selfchecks
    text = "".join(o.get("text", "") for o in cell.outputs)
    # The first finding: its item line and the lines it wraps onto.
    items = re.split(r"^\s*- ", text.strip(), flags=re.MULTILINE)[1:]
    first = " ".join(items[0].split()).lower()
    assert "only answers typed in as plain values" in first, text


def test_a_jpeg_tiff_gets_only_the_jpeg_message(catalogue):
    text = _feedback(catalogue, BY_NAME["jpeg_in_tiff"])
    assert "JPEG compression" in text
    assert "split into several labels" not in text
    assert "after filtering objects by size" not in text


def test_no_grammar_slips_in_feedback(catalogue):
    for case in CASES:
        text = _feedback(catalogue, case)
        assert not re.search(r"\b1 \w+ objects\b", text), case.name
        assert "Your answers does" not in text, case.name
        assert not re.search(r"\b1 of the \d+ \w+ objects are\b", text), case.name


def test_the_grading_log_names_every_case(catalogue):
    log = catalogue.log
    for case in CASES:
        assert re.search(rf"^{case.name}\s", log, re.MULTILINE), case.name
