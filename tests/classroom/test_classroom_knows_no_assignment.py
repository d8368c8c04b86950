"""The class grader names no assignment: each declares its tasks once (issue 22 §1).

``outputsaving.classroom`` reads what it needs of an assignment from the
declarations (:mod:`outputsaving.grading.assignments`), so adding a task or an
assignment never means editing the grader. Read with ``ast``: docstrings and
comments may give examples.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import outputsaving.classroom
from outputsaving.grading.assignments import ASSIGNMENTS

CLASSROOM = Path(outputsaving.classroom.__file__).parent
#: The grading modules that know no assignment: the declarations' registry and
#: types, and what every assignment shares.
SHARED = {
    "assignments",
    "common",
    "environment",
    "evidence",
    "evidence_notes",
    "feedback",
    "literals",
    "tasks",
}


def _modules():
    return sorted(CLASSROOM.rglob("*.py"))


def _docstrings(tree) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _grade_id_prefixes() -> set[str]:
    prefixes = set()
    for declared in ASSIGNMENTS.values():
        for task in declared.tasks:
            for grade_id in (*task.visible, *task.hidden, task.name):
                prefixes.add(grade_id.split("_", 1)[0] + "_")
    return prefixes


def what_names_an_assignment(source: str) -> list[str]:
    """The grading modules imported and strings that name an assignment."""
    tree = ast.parse(source)
    names = set(ASSIGNMENTS)
    prefixes = _grade_id_prefixes()
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[:2] == ["outputsaving", "grading"]:
                imported = parts[2:3] or [alias.name for alias in node.names]
                found += [f"imports grading.{m}" for m in imported if m not in SHARED]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in docstrings:
                continue
            text = node.value
            if text in names or any(text.startswith(p) for p in prefixes):
                found.append(repr(text))
            elif text.startswith("outputsaving.grading."):
                module = text.split(".")[2]
                if module not in SHARED:
                    found.append(repr(text))
    return found


@pytest.mark.parametrize("module", _modules(), ids=lambda p: p.name)
def test_the_classroom_module_names_no_assignment(module):
    assert what_names_an_assignment(module.read_text(encoding="utf-8")) == []


def test_the_check_sees_an_assignment_named_or_imported():
    source = (
        '"""Docstrings may say activity1."""\n'
        "from outputsaving.grading import activity1\n"
        "from outputsaving.grading.quiz_tasks import TASKS\n"
        "from outputsaving.grading.tasks import Task\n"
        'ACTIVITY = "activity2_imagej"\n'
        'CELL = "a1_task2_mask_lossless_visible"\n'
    )
    assert what_names_an_assignment(source) == [
        "imports grading.activity1",
        "imports grading.quiz_tasks",
        "'activity2_imagej'",
        "'a1_task2_mask_lossless_visible'",
    ]
