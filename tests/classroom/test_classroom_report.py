"""Naming mistakes for the instructor's report (outputsaving.classroom.report).

Executed notebooks are built by code from the released (student) notebooks:
the error outputs nbgrader records are added to the cells, as the autograder
leaves them for an untouched notebook, a failed earlier cell or a pass the
audit overrode. No kernel runs here.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from nbgrader_course import REPO, answer_cell, grade_ids

from outputsaving.classroom.outcomes import STOP_ENAMES
from outputsaving.classroom.report import (
    MAX_LABEL,
    mistake_codes,
    mistake_counts,
    mistake_label,
    mistakes_of,
    summary_figure,
    task_name,
    task_of,
)
from outputsaving.messages import MESSAGES

ASSIGNMENTS = ("activity1", "activity2", "quiz")
#: A finding code (``labels.lossy_jpeg``), as the report must never show one.
CODE = re.compile(
    r"\b(?:file|labels|table|rois|settings|task|activity\d|quiz|classroom)\.[a-z_0-9]+"
)
#: A graded cell's id or task (``a1_task2_...``, ``quiz_q1_...``).
GRADE_ID = re.compile(r"\b(?:a\d+_task\d+|quiz_q\d+)")


def _release(assignment: str) -> nbformat.NotebookNode:
    (path,) = (REPO / "notebooks" / assignment).glob("*.ipynb")
    return nbformat.read(path, as_version=4)


@cache
def _all_grade_ids() -> tuple[str, ...]:
    return tuple(
        grade_id
        for assignment in ASSIGNMENTS
        for grade_id in grade_ids(_release(assignment), kind="grade")
    )


def _error(ename: str, evalue: str = "") -> nbformat.NotebookNode:
    return nbformat.v4.new_output(
        "error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]
    )


def _tests(notebook) -> list[nbformat.NotebookNode]:
    return [
        cell
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
        and not cell.metadata["nbgrader"].get("solution")
    ]


def _points(notebook) -> dict[str, float]:
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell.metadata["nbgrader"]["points"]
        for cell in _tests(notebook)
    }


def _untouched(assignment: str) -> nbformat.NotebookNode:
    """As nbgrader leaves an untouched notebook: its answers raise, tests fail."""
    notebook = _release(assignment)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if meta.get("solution"):
            cell.outputs = [_error("NotImplementedError")]
        elif meta.get("grade"):
            cell.outputs = [_error("NameError", "name 'ANSWER' is not defined")]
    return notebook


def _is_words(label: str) -> bool:
    return bool(
        label
        and len(label) <= MAX_LABEL
        and not CODE.search(label)
        and not GRADE_ID.search(label)
        and not any(grade_id in label for grade_id in _all_grade_ids())
        and "{" not in label
    )


# -- every name the grader gives reads as words -----------------------------------


def _every_mistake_name() -> list[str]:
    codes = [code for code, (severity, _) in MESSAGES.items() if severity == "error"]
    codes += [code for code in MESSAGES if code.startswith("classroom.mistake_")]
    engine_names = [*STOP_ENAMES, "classroom.refused", "someone.elses_code"]
    return sorted({*codes, *engine_names, *_all_grade_ids()})


@pytest.mark.parametrize("name", _every_mistake_name())
def test_every_mistake_name_has_a_label_in_words(name):
    label = mistake_label(name)
    assert _is_words(label), (name, label)


def test_labels_leave_values_out_and_keep_the_finding():
    assert mistake_label("labels.lossy_jpeg").startswith(
        "Your mask is saved with JPEG compression"
    )
    assert mistake_label("table.row_count") == (
        "Your table has \N{HORIZONTAL ELLIPSIS} rows, but the image has "
        "\N{HORIZONTAL ELLIPSIS} objects"
    )
    assert mistake_label("classroom.time_budget") == (
        "Your notebook ran for longer than the \N{HORIZONTAL ELLIPSIS} it is given "
        "when graded"
    )


@pytest.mark.parametrize(
    ("grade_id", "words"),
    [
        ("a1_task2_mask_lossless_visible", "activity 1, task 2"),
        ("a2_task5_jpeg_choice", "activity 2, task 5"),
        ("quiz_q3_jpeg", "quiz question 3"),
    ],
)
def test_a_failure_with_an_unknown_message_is_named_by_its_task(grade_id, words):
    assert task_name(task_of(grade_id)) == words
    assert words in mistake_label(grade_id)


# -- what mistakes_of names -----------------------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_an_untouched_notebook_is_named_not_answered(assignment):
    notebook = _untouched(assignment)
    scores = dict.fromkeys(_points(notebook), 0.0)
    names = mistakes_of(notebook, scores)
    assert set(names) == {"classroom.mistake_unanswered"}
    assert "not done yet" in mistake_label(names[0])


def test_a_name_error_after_a_failed_cell_is_named_as_such():
    notebook = _release("quiz")
    test = answer_cell(notebook, "quiz_q2_format")
    test.outputs = [_error("NameError", "name 'Q2_FORMAT_PROPERTY' is not defined")]
    scores = dict.fromkeys(_points(notebook), 1.0) | {"quiz_q2_format": 0.0}
    assert mistakes_of(notebook, scores) == ["classroom.mistake_earlier_cell"]


def test_a_pass_the_audit_overrode_is_named_by_the_audit():
    notebook = _release("activity1")  # no outputs: every test passed in the kernel
    points = _points(notebook)
    scores = dict(points) | {"a1_task2_mask_lossless_visible": 0.0}
    assert mistakes_of(notebook, scores) == ["classroom.mistake_audit"]
    assert "audit" in mistake_label("classroom.mistake_audit")


def test_a_known_message_is_named_by_its_finding_and_a_stop_is_left_out():
    notebook = _release("quiz")
    found = MESSAGES["quiz.types_count"][1].format(found=1, expected=3)
    answer_cell(notebook, "quiz_q1_two_types").outputs = [
        _error("AssertionError", found)
    ]
    answer_cell(notebook, "quiz_q4_tab").outputs = [
        _error(STOP_ENAMES["classroom.time_budget"], "stopped")
    ]
    scores = dict.fromkeys(_points(notebook), 1.0)
    scores |= {"quiz_q1_two_types": 0.0, "quiz_q4_tab": 0.0}
    assert mistakes_of(notebook, scores) == ["quiz.types_count"]


# -- counting and drawing ----------------------------------------------------------


def _outcome(*mistakes: str) -> SimpleNamespace:
    return SimpleNamespace(mistakes=list(mistakes))


def test_mistake_counts_counts_each_submission_once_per_label():
    counts = mistake_counts(
        [
            _outcome("labels.shape_mismatch", "labels.shape_transposed"),
            _outcome(
                "classroom.mistake_unanswered",
                "classroom.mistake_unanswered",
                "task.not_implemented",  # the hidden tests' words for it
                "quiz_q1_one_type",
            ),
            _outcome("task.not_implemented"),
        ]
    )
    assert counts[mistake_label("classroom.mistake_unanswered")] == 2
    assert counts[mistake_label("labels.shape_mismatch")] == 1  # same words, once
    assert counts[mistake_label("quiz_q1_one_type")] == 1
    assert all(_is_words(label) for label in counts)


def test_the_figure_draws_the_labels(tmp_path: Path):
    import pandas as pd

    grades = pd.DataFrame(
        {
            "assignment": ["quiz"] * 2,
            "student": ["a", "b"],
            "task": ["quiz_q1"] * 2,
            "score": [1.0, 0.0],
            "max_score": [1.0, 1.0],
        }
    )
    counts = mistake_counts([_outcome("classroom.time_budget", "quiz.types_count")])
    path = summary_figure(grades, counts, tmp_path / "summary.png")
    assert path.read_bytes().startswith(b"\x89PNG")


# -- the grades that count (issue 24, fault 2; issue 19, section 2) -----------------


@pytest.mark.slow  # nbgrader's gradebook: alembic, SQLAlchemy
def test_the_reports_hold_the_score_that_counts_for_everyone_on_the_roster(tmp_path):
    """The late penalty is taken off as nbgrader's export takes it off; a
    manual grade counts; a student on the roster who handed nothing in has a
    row with 0; every assignment of the gradebook is reported, whatever this
    run graded."""
    import datetime as dt

    from nbgrader.api import Gradebook

    from outputsaving.classroom.report import NO_SUBMISSION, write_report

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url, "course") as gb:
        for assignment in ("quiz", "activity1"):
            gb.add_assignment(assignment, duedate=dt.datetime(2026, 11, 20))
            gb.add_notebook(assignment, assignment)
            gb.add_grade_cell(
                "q", assignment, assignment, max_score=6, cell_type="code"
            )
        for student in ("ana", "ben", "cleo"):
            gb.add_student(student)
        for student, auto, manual, penalty in (
            ("ana", 6, None, 6.0),  # late, with penalty_method = "zero"
            ("ben", 2, 5, 0.0),  # a manual grade in Formgrader
        ):
            gb.add_submission("quiz", student)
            grade = gb.find_grade("q", "quiz", "quiz", student)
            grade.auto_score, grade.manual_score = auto, manual
            gb.find_submission_notebook(
                "quiz", "quiz", student
            ).late_submission_penalty = penalty
        gb.db.commit()
    paths = write_report(
        tmp_path,
        [],
        db_url=url,
        course_id="course",
        assignments=["quiz"],
        folder=tmp_path / "reports",
    )
    import pandas as pd

    table = pd.read_csv(paths["grades_tsv"], sep="\t").set_index(
        ["student", "assignment"]
    )
    assert table.loc[("ana", "quiz"), "raw_score"] == 6
    assert table.loc[("ana", "quiz"), "late_penalty"] == 6
    assert table.loc[("ana", "quiz"), "score"] == 0
    assert table.loc[("ben", "quiz"), "score"] == 5
    assert table.loc[("cleo", "quiz"), "outcome"] == NO_SUBMISSION
    assert table.loc[("cleo", "quiz"), "score"] == 0
    assert table.loc[("cleo", "quiz"), "max_score"] == 6
    # activity1 was not graded by this run: its rows are there all the same
    assert {s for s, a in table.index if a == "activity1"} == {"ana", "ben", "cleo"}
    assert not [p for p in (tmp_path / "reports").iterdir() if p.name.startswith(".")]


def test_mistake_codes_name_the_findings_of_a_message():
    budget = MESSAGES["classroom.time_budget"][1].format(budget="30 s")
    memory = MESSAGES["classroom.memory_limit"][1].format(limit="3.0 GiB")
    text = f"{budget}\nNote: {memory}\nsomething else entirely"
    assert mistake_codes(text) == ["classroom.time_budget"]
    assert mistake_codes(memory) == ["classroom.memory_limit"]
    assert mistake_codes("NameError: name 'x' is not defined") == []


@pytest.mark.parametrize(
    ("grade_id", "task"),
    [
        ("a1_task2_mask_lossless_visible", "a1_task2"),
        ("quiz_q1_two_types", "quiz_q1"),
        ("something", "something"),
    ],
)
def test_task_of_groups_grade_ids(grade_id, task):
    assert task_of(grade_id) == task
