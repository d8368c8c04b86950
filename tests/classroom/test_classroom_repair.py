"""Repairing the damage honest learners do to nbgrader's cell metadata.

On the quiz's real source and released notebooks, without running anything:
each accident of the fairness catalogue is repaired as the issue defines it.
"""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace

import nbformat
import pytest
from fairness_catalogue import BY_NAME, build_case
from nbgrader_course import REPO, Course, with_answers
from provenance import FORMS, in_form
from world_catalogue import BY_NAME as WORLD

from outputsaving.classroom.repair import read_submitted, repair_notebook

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
    cells = notebook.cells if hasattr(notebook, "cells") else notebook
    return [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in cells]


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


# -- notebooks saved by other tools (issue 18, section 1) ---------------------------


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("assignment", ["quiz", "activity1"])
def test_a_notebook_another_tool_saved_is_graded_as_it_is(
    tmp_path, form, assignment, answers
):
    """Upgraded to 4.5 where it was older, and no repair told to the learner."""
    released = with_answers(_read("notebooks", assignment), answers[assignment])
    path = tmp_path / "saved.ipynb"
    path.write_bytes(in_form(released, form))
    notebook, upgraded = read_submitted(path)
    assert upgraded == (json.loads(path.read_bytes())["nbformat_minor"] < 5)
    assert notebook.nbformat_minor == 5
    repaired, repairs = repair_notebook(notebook, _read("source", assignment))
    assert repairs == []
    nbformat.validate(repaired)
    assert [c.source for c in repaired.cells] == [c.source for c in released.cells]
    assert _ids(repaired) == _ids(released)


def test_a_file_that_is_no_notebook_is_refused_by_reading(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [], "nbformat": 4}', encoding="utf-8")
    with pytest.raises(nbformat.ValidationError, match="metadata"):
        read_submitted(path)


def test_cells_of_the_learner_s_own_before_a_test_are_no_move(answers):
    """Found in a held-out class: a cell inserted between a self-check and a
    test was reported as the test cell 'moved'."""
    case = WORLD["inserted_cells"]
    notebook, _ = build_case(
        case, _read("notebooks", case.assignment), answers[case.assignment]
    )
    repaired, repairs = repair_notebook(notebook, _read("source", case.assignment))
    assert repairs == []
    sources = [cell.source for cell in repaired.cells]
    mine = sources.index('print("Settings saved.")')
    assert _ids(repaired)[mine + 1] == "a1_task5_settings_visible"


def test_a_test_above_the_cell_it_follows_is_still_moved(answers):
    notebook = _read("notebooks", QUIZ)
    test = notebook.cells.pop(_ids(notebook).index("quiz_q4_tab"))
    notebook.cells.insert(_ids(notebook).index("quiz_q4_answer"), test)
    _, repairs = repair_notebook(notebook, _read("source", QUIZ))
    assert [r.code for r in repairs] == ["classroom.repair_test_moved"]


def test_a_fault_of_the_repair_is_the_grader_s_and_is_raised(tmp_path, monkeypatch):
    """A notebook that cannot be read is the learner's (graded 0 with the
    reason); an exception of the repair is the grader's: it reaches the worker,
    which reports the submission as failed, to be graded by the next run."""
    from outputsaving.classroom import repair, worker

    (source,) = (REPO / "source" / QUIZ).glob("*.ipynb")
    task = SimpleNamespace(
        assignment=SimpleNamespace(
            notebooks=[source.name], files={source.name: source.read_bytes()}
        )
    )
    (tmp_path / source.name).write_text("{not json", encoding="utf-8")
    repairs, unreadable = worker._repair_staged(tmp_path, task)
    assert repairs == []
    assert [p.code for p in unreadable] == ["classroom.notebook_unreadable"]

    (tmp_path / source.name).write_bytes(
        in_form(_read("notebooks", QUIZ), "nbformat_4_4")
    )

    def broken(submitted, reference, /):
        raise KeyError("a bug of the grader")

    monkeypatch.setattr(repair, "repair_notebook", broken)
    with pytest.raises(KeyError, match="a bug of the grader"):
        worker._repair_staged(tmp_path, task)


def test_the_audit_s_notes_reach_a_notebook_nbgrader_left_read_only(tmp_path):
    """Issue 25: nbgrader leaves the autograded notebook at mode 444; an
    instructor who is not root could not open it for writing, and the audit's
    explanations were dropped without a word. (As root, the old code passed
    too: run the suite as an ordinary user to see it fail before the fix.)"""
    from outputsaving.classroom import worker

    notebook = _read("notebooks", QUIZ)
    path = tmp_path / "quiz_output_saving.ipynb"
    nbformat.write(notebook, path)
    path.chmod(0o444)
    worker._note_audit_changes(
        path, {"quiz_q2_format": ("Your answer is text.", False)}, ["A note."]
    )
    written = nbformat.read(path, as_version=4)
    assert "A note." in written.cells[0].source
    (cell,) = [c for c in written.cells if _ids([c]) == ["quiz_q2_format"]]
    assert "Your answer is text." in cell.outputs[-1]["text"]


def test_the_audit_s_notes_show_as_written_not_as_markup(tmp_path):
    """Issue 26 §3: a reason naming ``__dict__`` is no bold "dict" in the feedback."""
    from outputsaving.classroom import worker

    path = tmp_path / "quiz_output_saving.ipynb"
    nbformat.write(_read("notebooks", QUIZ), path)
    note = "it replaces outputsaving.grading.activity2.__dict__ <b>*x*</b>"
    worker._note_audit_changes(path, {}, [note])
    source = nbformat.read(path, as_version=4).cells[0].source
    assert r"activity2.\_\_dict\_\_ &lt;b&gt;\*x\*&lt;/b&gt;" in source
