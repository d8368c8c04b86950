"""Repairing the damage honest learners do to nbgrader's cell metadata.

On the quiz's real source and released notebooks, without running anything:
each accident of the fairness catalogue is repaired as the issue defines it.
"""

from __future__ import annotations

import copy

import nbformat
import pytest
from fairness_catalogue import BY_NAME, build_case
from nbgrader_course import REPO, Course

from outputsaving.classroom.repair import repair_notebook

QUIZ = "quiz"


def _read(folder: str, assignment: str):
    (path,) = (REPO / folder / assignment).glob("*.ipynb")
    return nbformat.read(path, as_version=4)


@pytest.fixture(scope="module")
def answers():
    return {
        a: Course(REPO).solution_answers(a) for a in ("quiz", "activity1", "activity2")
    }


def _ids(notebook) -> list[str | None]:
    return [
        cell.metadata.get("nbgrader", {}).get("grade_id") for cell in notebook.cells
    ]


def _case(name: str, answers):
    case = BY_NAME[name]
    notebook, _ = build_case(
        case, _read("notebooks", case.assignment), answers[case.assignment]
    )
    reference = _read("source", case.assignment)
    return notebook, reference


def _graded_ids(notebook) -> list[str]:
    return [i for i in _ids(notebook) if i is not None]


def test_an_untouched_notebook_is_left_as_it_is():
    released = _read("notebooks", QUIZ)
    repaired, repairs = repair_notebook(released, _read("source", QUIZ))
    assert repairs == []
    assert [c.source for c in repaired.cells] == [c.source for c in released.cells]
    assert _ids(repaired) == _ids(released)


def test_a_duplicated_answer_cell_runs_twice_and_the_later_copy_is_graded(answers):
    notebook, reference = _case("dup_answer_later_right", answers)
    repaired, repairs = repair_notebook(notebook, reference)
    sources = [c.source for c in repaired.cells]
    upper = sources.index("Q3_JPEG_FOR_LABEL_MASKS = True\n")
    graded = _ids(repaired).index("quiz_q3_answer")
    assert upper < graded  # both copies stay, in the learner's order
    assert "nbgrader" not in repaired.cells[upper].metadata
    assert "False" in repaired.cells[graded].source
    assert _graded_ids(repaired) == _graded_ids(reference)
    assert [r.message for r in repairs] == [
        "Cell quiz_q3_answer appears twice in your notebook. Every copy ran, in "
        "your order, and the last one was graded, as in your own Run All."
    ]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("points_edited", "classroom.repair_test_settings"),
        ("grade_flag_edited", "classroom.repair_test_settings"),
        ("test_deleted", "classroom.repair_test_missing"),
        ("tests_moved_up", "classroom.repair_test_moved"),
        ("test_to_markdown", "classroom.repair_test_retyped"),
        ("dup_test_cell", "classroom.repair_test_duplicate"),
        ("solution_flag_edited", "classroom.repair_test_settings"),
    ],
)
def test_test_cells_come_back_once_as_released_in_their_place(name, code, answers):
    notebook, reference = _case(name, answers)
    repaired, repairs = repair_notebook(notebook, reference)
    assert code in [r.code for r in repairs]
    assert _graded_ids(repaired) == _graded_ids(reference)
    assert "BEGIN HIDDEN TESTS" not in nbformat.writes(repaired)
    released = {
        cell.metadata["nbgrader"]["grade_id"]: cell
        for cell in reference.cells
        if "grade_id" in cell.metadata.get("nbgrader", {})
    }
    for cell in repaired.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is None or released[grade_id].metadata["nbgrader"]["solution"]:
            continue
        assert cell.cell_type == released[grade_id].cell_type
        for key in ("grade", "solution", "locked", "points"):
            assert cell.metadata["nbgrader"].get(key) == released[grade_id].metadata[
                "nbgrader"
            ].get(key)
    # Each test comes after the answer cell it follows as released.
    ids = _graded_ids(repaired)
    answer = None
    for grade_id in _graded_ids(reference):
        if released[grade_id].metadata["nbgrader"]["solution"]:
            answer = grade_id
        elif answer is not None:
            assert ids.index(answer) < ids.index(grade_id), grade_id
    nbformat.validate(repaired)


def test_a_moved_block_keeps_the_learners_order(answers):
    notebook, reference = _case("block_moved", answers)
    repaired, repairs = repair_notebook(notebook, reference)
    ids = _graded_ids(repaired)
    assert ids.index("quiz_q4_answer") < ids.index("quiz_q3_answer")
    assert ids.index("quiz_q4_answer") < ids.index("quiz_q4_tab")
    assert ids.index("quiz_q3_answer") < ids.index("quiz_q3_jpeg")
    assert "classroom.repair_test_moved" not in [r.code for r in repairs]


def test_another_kernel_is_replaced_by_the_courses(answers):
    notebook, reference = _case("foreign_kernel", answers)
    repaired, repairs = repair_notebook(notebook, reference)
    assert repaired.metadata["kernelspec"] == reference.metadata["kernelspec"]
    assert [r.code for r in repairs] == ["classroom.repair_kernel"]
    assert "conda-env-bioimage-py" in repairs[0].message


def test_unknown_and_damaged_metadata_run_as_the_learners_own_cells():
    released = _read("notebooks", QUIZ)
    notebook = copy.deepcopy(released)
    notebook.cells.append(
        nbformat.v4.new_code_cell(
            "x = 1", metadata={"nbgrader": {"grade_id": "cell-3f9a", "solution": True}}
        )
    )
    notebook.cells.append(
        nbformat.v4.new_code_cell("y = 2", metadata={"nbgrader": "?"})
    )
    repaired, repairs = repair_notebook(notebook, _read("source", QUIZ))
    assert [c.source for c in repaired.cells[-2:]] == ["x = 1", "y = 2"]
    assert all("nbgrader" not in c.metadata for c in repaired.cells[-2:])
    assert {r.code for r in repairs} == {
        "classroom.repair_unknown_id",
        "classroom.repair_damaged_metadata",
    }


def test_the_submitted_notebook_is_not_changed(answers):
    notebook, reference = _case("dup_test_cell", answers)
    before = copy.deepcopy(notebook)
    repair_notebook(notebook, reference)
    assert notebook == before
