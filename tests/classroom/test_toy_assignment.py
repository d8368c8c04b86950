"""A toy assignment, declared in one place, graded by the class grader.

The class grader (:mod:`outputsaving.classroom`) names no assignment: its
audit, evidence audit and report read each assignment's declaration
(:mod:`outputsaving.grading.assignments`). Here a toy assignment with one task
is added to that table, and only there, and its notebook is audited, its
evidence judged, its scores re-scored (:func:`apply_audit`) and its cells
named in the report.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from outputsaving.classroom.audit import apply_audit, audit_notebook
from outputsaving.classroom.report import mistake_label, task_name, task_of
from outputsaving.findings import CheckResult
from outputsaving.grading import assignments
from outputsaving.grading.evidence import EVIDENCE_FOLDER
from outputsaving.grading.tasks import (
    Answer,
    Assignment,
    Evidence,
    FileCheck,
    Task,
    Use,
)
from outputsaving.monitor import EVENTS_FILE

VISIBLE, HIDDEN = "toy_step1_file_visible", "toy_step1_file_hidden"
WORD = "toy_step1_word"


def _greeting_file(path: Path) -> list[CheckResult]:
    """The toy's file check: a text file saying hello."""
    result = CheckResult(kind="greeting", path=str(path))
    if path.read_text(encoding="utf-8").strip() != "hello":
        result.add("task.not_done", name="save_greeting")
    return [result]


def _greeting_returned(notes, _root) -> list[CheckResult]:
    """The toy's hidden test: what its function returned, as each note says."""
    results = []
    for _, note in notes:
        result = CheckResult(kind="greeting", path="")
        if note.get("returned") != "hello":
            result.add("task.not_done", name="greet")
        results.append(result)
    return results


def _said_hello(answer) -> CheckResult:
    result = CheckResult(kind="word", path="")
    if answer != "hello":
        result.add("task.not_done", name="GREETING")
    return result


#: The toy assignment, declared once: one task, with a saved file (its visible
#: cell), its hidden test's evidence and a literal answer.
TOY = Assignment(
    "toy",
    (
        Task(
            "toy_step1",
            "the toy's only step",
            visible=(VISIBLE,),
            hidden=(HIDDEN,),
            files=FileCheck(("text",), _greeting_file, "classroom.audit_table"),
            evidence=(Evidence(HIDDEN, "toy_greet", judge=_greeting_returned),),
            answers=(Answer("toy_step1_answer", "GREETING", WORD, _said_hello),),
        ),
    ),
    uses={".toy_grading": (Use(("greet",), ("toy_step1",)),)},
    harmless=frozenset({"greeting_words"}),  # given words: no answer in them
)


@pytest.fixture(autouse=True)
def _toy(monkeypatch):
    """The toy assignment in the table of assignments, for one test."""
    monkeypatch.setitem(assignments.ASSIGNMENTS, "toy", TOY)


def _cell(grade_id: str, source: str, *, graded: bool, points: int = 0):
    meta = {"grade_id": grade_id, "grade": graded, "solution": not graded}
    meta["schema_version"] = 3  # nbgrader's current cell metadata
    meta.update({"points": points, "locked": True} if graded else {"locked": False})
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = meta
    return cell


def _notebook(answer: str = 'GREETING = "hello"\n'):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        _cell("toy_step1_answer", answer, graded=False),
        _cell(VISIBLE, "grade_greeting_file(save_greeting)", graded=True, points=1),
        _cell(HIDDEN, "grade_greeting(greet)", graded=True, points=2),
        _cell(WORD, "grade_word(GREETING)", graded=True, points=1),
    ]
    return notebook


def _workdir(tmp_path: Path, *, saved: str = "hello\n", returned: str = "hello"):
    """A working copy as the toy's notebook left it: its file and evidence."""
    workdir = tmp_path / "toy"
    (workdir / "out").mkdir(parents=True)
    (workdir / "out" / "greeting.txt").write_text(saved, encoding="utf-8")
    evidence = workdir / EVIDENCE_FOLDER
    evidence.mkdir()
    note = {"key": "toy_greet", "returned": returned}
    (evidence / "toy_greet-1.json").write_text(json.dumps(note), encoding="utf-8")
    return workdir


#: The toy's cells as the kernel scored them: the hidden test and the answer
#: failed there.
KERNEL = {VISIBLE: (1.0, 1.0), HIDDEN: (0.0, 2.0), WORD: (0.0, 1.0)}


def test_the_toy_is_audited_from_its_declaration_alone(tmp_path):
    audit = audit_notebook("toy", _notebook(), _workdir(tmp_path))
    # The file (its visible cell), the evidence and the literal answer.
    assert audit.verdicts == {WORD: True, VISIBLE: True, HIDDEN: True}
    assert audit.exact == {HIDDEN, WORD}
    scores, flags = apply_audit(KERNEL, audit)
    assert scores == {VISIBLE: (1.0, 1.0), HIDDEN: (2.0, 2.0), WORD: (1.0, 1.0)}
    assert {flag.split(":")[0] for flag in flags} == {HIDDEN, WORD}


def test_the_toy_fails_where_its_checks_fail(tmp_path):
    workdir = _workdir(tmp_path, saved="goodbye\n", returned="goodbye")
    audit = audit_notebook("toy", _notebook('GREETING = "bye"\n'), workdir)
    assert audit.verdicts == {WORD: False, VISIBLE: False, HIDDEN: False}
    assert "out/greeting.txt" in audit.messages[VISIBLE]  # the closest file
    assert "greet returned None" in audit.messages[HIDDEN]
    scores, _ = apply_audit({**KERNEL, HIDDEN: (2.0, 2.0)}, audit)
    assert scores == {VISIBLE: (0.0, 1.0), HIDDEN: (0.0, 2.0), WORD: (0.0, 1.0)}


def test_using_the_toys_grading_code_costs_its_task(tmp_path):
    workdir = _workdir(tmp_path)
    target = "outputsaving.grading.toy_grading.greet"
    event = {"kind": "uses", "target": target, "line": "greet()"}
    (workdir / EVIDENCE_FOLDER / EVENTS_FILE).write_text(json.dumps(event) + "\n")
    audit = audit_notebook("toy", _notebook(), workdir)
    assert audit.verdicts == {WORD: False, VISIBLE: False, HIDDEN: False}
    scores, _ = apply_audit(KERNEL, audit)
    assert all(score == 0 for score, _ in scores.values())


def test_using_a_harmless_name_of_the_toy_costs_nothing(tmp_path):
    workdir = _workdir(tmp_path)
    target = "outputsaving.grading.toy_grading.greeting_words"
    event = {"kind": "uses", "target": target, "line": "print(greeting_words)"}
    (workdir / EVIDENCE_FOLDER / EVENTS_FILE).write_text(json.dumps(event) + "\n")
    audit = audit_notebook("toy", _notebook(), workdir)
    assert audit.verdicts == {WORD: True, VISIBLE: True, HIDDEN: True}
    assert any("uses the course's code" in flag for flag in audit.flags)


def test_the_report_names_the_toys_cells_by_its_task():
    assert {task_of(g) for g in (VISIBLE, HIDDEN)} == {"toy_step1"}
    assert task_name("toy_step1") == "the toy's only step"
    assert "the toy's only step" in mistake_label(HIDDEN)


def test_without_its_declaration_the_toy_is_unknown(monkeypatch, tmp_path):
    monkeypatch.delitem(assignments.ASSIGNMENTS, "toy")
    with pytest.raises(ValueError, match="toy"):
        audit_notebook("toy", _notebook(), _workdir(tmp_path))
    assert task_of(HIDDEN) == HIDDEN


# -- through grade_class, with a stub for the notebook's run ---------------------------


def _graded_toy(task):
    """``grade_one`` for the toy: the kernel's scores (:data:`KERNEL`), then the
    class grader's audit of the folder the run left, as the real worker does."""
    import tempfile

    from outputsaving.classroom.tasks import GradeResult, NotebookGrades

    (name,) = task.assignment.notebooks
    notebook = nbformat.reads(task.submission[name].decode(), as_version=4)
    with tempfile.TemporaryDirectory() as folder:
        audit = audit_notebook("toy", notebook, _workdir(Path(folder)))
    scores, flags = apply_audit(KERNEL, audit)
    grades = {key: list(value) for key, value in scores.items()}
    return GradeResult(
        task.student,
        task.assignment.name,
        outcome="graded",
        seconds=0.1,
        timestamp=task.timestamp,
        notebooks={Path(name).stem: NotebookGrades(grades)},
        flags=flags,
        mistakes=[HIDDEN],
        files={name: task.submission[name]},
    )


@pytest.mark.linux
def test_grade_class_grades_the_toy_and_reports_it_by_its_task(tmp_path, monkeypatch):
    import io

    import pandas as pd
    from nbgrader_course import Course

    from outputsaving.classroom import engine
    from outputsaving.classroom.course import course_settings
    from outputsaving.classroom.engine import grade_class
    from outputsaving.classroom.gradebook import prepare_gradebook

    course = Course.copy_of_repo(tmp_path, assignments=["quiz"])
    source = course.root / "source" / "toy"
    source.mkdir()
    nbformat.write(_notebook(), source / "toy.ipynb")
    config, coursedir = course_settings(course.root)
    prepare_gradebook(config, coursedir, ["toy"])
    monkeypatch.setattr(engine, "template_gradebook", lambda *_: b"")
    course.submit("ada", "toy", _notebook())
    grade_class(
        course.root,
        assignments=["toy"],
        grade_one=_graded_toy,
        workers=1,
        unsafe=True,  # the stub runs no learner code
        time_budget=60,
        progress=False,
        feedback=False,
        report_dir=tmp_path / "report",
        stream=io.StringIO(),
    )
    totals = {
        s: sum(g.score for g in cells.values())
        for s, cells in course.scores("toy").items()
    }
    assert totals == {"ada": 4.0}  # the audit's re-scores, in the gradebook
    rows = pd.read_csv(tmp_path / "report" / "grade_ids.tsv", sep="\t")
    assert set(rows["task"]) == {"toy_step1"}
