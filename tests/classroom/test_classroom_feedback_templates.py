"""Feedback pages: nbconvert's templates compiled once per process, not per page.

nbgrader makes a new HTML exporter for each submission's feedback; the
course's exporter (:func:`~outputsaving.classroom.feedback.feedback_exporter`)
keeps Jinja's compiled templates (:func:`compiled_templates`), with the same
pages as nbconvert's own exporter.
"""

from __future__ import annotations

import re

import nbformat
import nbgrader.utils
from nbconvert.exporters import HTMLExporter
from traitlets.config import Config

from outputsaving.classroom.feedback import (
    compiled_templates,
    feedback_exporter,
    generate_feedback,
)
from outputsaving.classroom.tasks import FeedbackTask

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _notebook() -> nbformat.NotebookNode:
    """A small notebook, with fixed cell ids (nbformat draws new ones each time)."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Task 1\nSave the **label mask**."),
        nbformat.v4.new_code_cell(
            "print('saved')",
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="saved\n")],
        ),
    ]
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number}"
    return notebook


def _page(exporter_class, **options) -> str:
    html, _ = exporter_class(**options).from_notebook_node(_notebook())
    return _UUID.sub("UUID", html)


def test_a_second_exporter_compiles_no_template_and_writes_the_same_page():
    cache = compiled_templates()
    first = _page(feedback_exporter())
    compiled = cache.compiled
    assert compiled > 0
    second = _page(feedback_exporter())
    assert cache.compiled == compiled, "the second page compiled templates again"
    assert first == second == _page(HTMLExporter)


def test_a_changed_template_is_compiled_again(tmp_path):
    template = tmp_path / "page.html.j2"
    options = {"extra_template_paths": [str(tmp_path)], "template_file": template.name}
    template.write_text("one: {{ nb.cells | length }} cells", encoding="utf-8")
    assert _page(feedback_exporter(), **options) == "one: 2 cells"
    compiled = compiled_templates().compiled
    template.write_text("two: {{ nb.cells | length }} cells", encoding="utf-8")
    assert _page(feedback_exporter(), **options) == "two: 2 cells"
    assert compiled_templates().compiled == compiled + 1


def test_generate_feedback_runs_nbgrader_with_the_template_keeping_exporter(
    monkeypatch, tmp_path
):
    seen = {}

    def run(app):
        seen["exporter"] = app.exporter_class
        return {"success": False, "error": "not run (test)", "log": ""}

    monkeypatch.setattr(nbgrader.utils, "capture_log", run)
    result = generate_feedback(FeedbackTask("ana", "quiz", str(tmp_path), Config()))
    assert not result.success
    assert seen["exporter"] is feedback_exporter()
