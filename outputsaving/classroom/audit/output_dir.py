"""The output folder's static analysis, for :mod:`outputsaving.classroom.audit`.

``OUTPUT_DIR`` is read from its answer cell with :mod:`ast` only when it is
set there to a literal path and nowhere else; anything else gets no opinion.
"""

from __future__ import annotations

import ast
from pathlib import Path, PurePosixPath, PureWindowsPath

from outputsaving.classroom.audit.cells import (
    _cells_by_grade_id,
    _parse,
    _source,
    _transformed,
)
from outputsaving.grading.tasks import Assignment, Task
from outputsaving.messages import fill


def _static_path(node: ast.AST) -> tuple[str, bool] | None:
    """``(text, is_path)`` of a literal path expression, or None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, False
    if isinstance(node, ast.Call) and not node.keywords:
        func = node.func
        named = (isinstance(func, ast.Name) and func.id == "Path") or (
            isinstance(func, ast.Attribute)
            and func.attr == "Path"
            and isinstance(func.value, ast.Name)
            and func.value.id == "pathlib"
        )
        parts = [
            arg.value
            for arg in node.args
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        ]
        if named and node.args and len(parts) == len(node.args):
            return str(PurePosixPath(*parts)), True
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left = _static_path(node.left)
        right = node.right
        if (
            left is not None
            and left[1]
            and isinstance(right, ast.Constant)
            and isinstance(right.value, str)
        ):
            return str(PurePosixPath(left[0], right.value)), True
    return None


def _assigned_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
    return names


def _output_dir_task(assignment: Assignment) -> Task | None:
    """The task whose answer sets the output folder, if the assignment has one."""
    return next((t for t in assignment.tasks if t.output_dir is not None), None)


def _static_output_dir(task: Task, notebook) -> tuple[str, bool] | None:
    """``(text, is_path)`` of a literal ``OUTPUT_DIR`` set only in its answer cell."""
    answer = _cells_by_grade_id(notebook).get(task.output_dir.cell)
    if answer is None:
        return None
    tree = _parse(_source(answer))
    if tree is None:
        return None
    value = None
    for statement in tree.body:
        if isinstance(statement, ast.Raise):
            break
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and statement.targets[0].id == "OUTPUT_DIR"
        ):
            value = _static_path(statement.value)
        elif "OUTPUT_DIR" in _assigned_names(statement):
            value = None
    if value is None:
        return None
    for cell in notebook.get("cells", []):
        if cell is answer or cell.get("cell_type") != "code":
            continue
        other = _parse(_transformed(_source(cell)))
        if other is not None and "OUTPUT_DIR" in _assigned_names(other):
            return None  # set again elsewhere: no opinion
    return value


def _is_absolute(text: str) -> bool:
    return text.startswith(("/", "~", "\\")) or PureWindowsPath(text).drive != ""


def _output_dir_outside(assignment: Assignment, notebook, workdir: Path) -> str | None:
    """The literal ``OUTPUT_DIR`` when files saved there land outside ``workdir``.

    Judged where the notebook ran: ``~`` is not expanded by pathlib and a
    Windows drive is a plain folder name on POSIX, so only a POSIX absolute
    path or one climbing out with ``..`` is outside.
    """
    task = _output_dir_task(assignment)
    value = None if task is None else _static_output_dir(task, notebook)
    if value is None:
        return None
    root = workdir.resolve()
    return None if (root / value[0]).resolve().is_relative_to(root) else value[0]


def _audit_output_dir(assignment: Assignment, notebook, workdir: Path, result) -> None:
    """The output folder task's cells, when ``OUTPUT_DIR`` is a literal."""
    task = _output_dir_task(assignment)
    if task is None:
        return
    visible_id, hidden_id = task.visible[0], task.hidden[0]
    words = task.output_dir.messages
    value = _static_output_dir(task, notebook)
    if value is None:
        return
    text, is_path = value
    if not is_path:
        # The visible test asks for a Path; the hidden test judges where it is.
        result.verdicts[visible_id] = False
        result.messages[visible_id] = fill(
            words["not_path"], found=f"the text {text!r}"
        )
    if _is_absolute(text):
        result.verdicts[hidden_id] = False
        result.messages[hidden_id] = fill(words["absolute"], path=text)
        return
    root = workdir.resolve()
    folder = (root / text).resolve()
    inside = folder != root and folder.is_relative_to(root)
    if folder == root:
        result.verdicts[hidden_id] = False
        result.messages[hidden_id] = fill(words["is_notebook_folder"])
    elif not inside:
        result.verdicts[hidden_id] = False
        result.messages[hidden_id] = fill(words["outside"], path=text)
    else:
        result.verdicts[hidden_id] = True
    if not is_path or not folder.is_relative_to(root):
        # A text already failed the visible test; outside the working copy
        # the audit cannot see whether the folder exists.
        return
    result.verdicts[visible_id] = folder.is_dir()
    if not folder.is_dir():
        result.messages[visible_id] = fill(words["missing"], path=text)
