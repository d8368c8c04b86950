"""The notebook's cells as the audit reads them, never running them.

By grade_id, as text, as :mod:`ast` trees (IPython's magics rewritten first);
which cells a learner can edit, and which are graded. Shared by the other
parts of :mod:`outputsaving.classroom.audit`.
"""

from __future__ import annotations

import ast

import nbformat

from outputsaving.grading.literals import MAX_ANSWER_CHARS


def _cells_by_grade_id(notebook) -> dict[str, nbformat.NotebookNode]:
    cells = {}
    for cell in notebook.get("cells", []):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id is not None and cell.get("cell_type") == "code":
            cells.setdefault(grade_id, cell)
    return cells


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _transformed(source: str) -> str:
    """The cell as plain Python (IPython's magics and ``!`` lines rewritten)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython comes with nbgrader
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # unreadable cells are not tampering
        return source


def _parse(source: str) -> ast.Module | None:
    if len(source) > 10 * MAX_ANSWER_CHARS:
        return None
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _is_learner_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    restored = meta.get("locked", False) or (
        meta.get("grade", False) and not meta.get("solution", False)
    )
    return cell.get("cell_type") == "code" and not restored


def _graded_ids(notebook) -> list[str]:
    ids = []
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade", False) and "grade_id" in meta:
            ids.append(meta["grade_id"])
    return ids
