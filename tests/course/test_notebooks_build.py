"""The generated notebooks: up to date, free of solutions, graded cells well made.

``scripts/build_notebooks.py`` regenerates ``notebooks/`` (student versions,
by the real ``nbgrader generate_assignment``) and ``solutions/`` from
``source/``. A fresh build must match the committed files on cell sources and
metadata (outputs differ from run to run, so they are not compared).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader_course import REPO

_spec = importlib.util.spec_from_file_location(
    "build_notebooks", REPO / "scripts" / "build_notebooks.py"
)
build_notebooks = importlib.util.module_from_spec(_spec)
sys.modules["build_notebooks"] = build_notebooks
_spec.loader.exec_module(build_notebooks)

ASSIGNMENTS = build_notebooks.assignments(REPO)
SOURCES = sorted((REPO / "source").glob("*/*.ipynb"))
SOURCE_IDS = [f"{path.parent.name}/{path.name}" for path in SOURCES]

_BEGIN = re.compile(r"^\s*#+\s*BEGIN (SOLUTION|HIDDEN TESTS)\s*$")
_END = re.compile(r"^\s*#+\s*END (SOLUTION|HIDDEN TESTS)\s*$")
_GRADE_ID = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)+")
_POINTS = re.compile(r"\((\d+(?:\.\d+)?) points?\)")


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _shape(notebook: nbformat.NotebookNode) -> dict:
    """What must match between a fresh build and the committed file."""
    return {
        "metadata": notebook.metadata,
        "cells": [
            (cell.get("id"), cell.cell_type, cell.source, cell.metadata)
            for cell in notebook.cells
        ],
    }


def _regions(notebook: nbformat.NotebookNode, kind: str) -> tuple[set, set]:
    """Lines inside ``kind`` regions ("SOLUTION", "HIDDEN TESTS"), and the others.

    A solution cell without markers is a solution as a whole.
    """
    inside, outside = set(), set()
    for cell in notebook.cells:
        lines = cell.source.splitlines()
        marked = any(_BEGIN.match(line) for line in lines)
        whole = kind == "SOLUTION" and _nbgrader(cell).get("solution") and not marked
        current = whole
        for line in lines:
            begin, end = _BEGIN.match(line), _END.match(line)
            if begin or end:
                if (begin or end).group(1) == kind:
                    current = bool(begin)
                continue
            if line.strip():
                (inside if current else outside).add(line.strip())
    return inside, outside


@pytest.fixture(scope="module")
def fresh_build(tmp_path_factory) -> Path:
    """All notebooks regenerated into a temporary folder (solutions not run)."""
    output = tmp_path_factory.mktemp("build")
    build_notebooks.build(output, root=REPO, run=False)
    return output


def test_there_are_assignments():
    assert "activity1" in ASSIGNMENTS
    assert SOURCES


@pytest.mark.nbgrader
@pytest.mark.parametrize("folder", ["notebooks", "solutions"])
def test_committed_notebooks_are_up_to_date(fresh_build, folder):
    fresh = sorted(
        p.relative_to(fresh_build) for p in (fresh_build / folder).rglob("*")
    )
    committed = sorted(p.relative_to(REPO) for p in (REPO / folder).rglob("*"))
    committed = [p for p in committed if ".ipynb_checkpoints" not in p.parts]
    assert committed == fresh, "run `make notebooks` and commit the result"
    for relative in fresh:
        if relative.suffix != ".ipynb":
            continue
        assert _shape(_read(REPO / relative)) == _shape(
            _read(fresh_build / relative)
        ), f"{relative} is out of date: run `make notebooks`"


@pytest.mark.nbgrader
def test_the_released_lines_are_up_to_date(fresh_build):
    relative = build_notebooks.RELEASED_LINES
    committed = (REPO / relative).read_text(encoding="utf-8")
    assert committed == (fresh_build / relative).read_text(encoding="utf-8"), (
        "run `make notebooks` and commit the result"
    )


def test_committed_solutions_are_executed():
    for path in sorted((REPO / "solutions").glob("*/*.ipynb")):
        code = [cell for cell in _read(path).cells if cell.cell_type == "code"]
        assert code
        assert all(cell.execution_count is not None for cell in code), path
        errors = [
            output
            for cell in code
            for output in cell.outputs
            if output.output_type == "error"
        ]
        assert not errors, f"{path} has cells that failed"


@pytest.mark.parametrize("source", SOURCES, ids=SOURCE_IDS)
def test_student_version_holds_no_solution_or_hidden_test(source):
    student_path = REPO / "notebooks" / source.parent.name / source.name
    source_nb = _read(source)
    student_text = student_path.read_text(encoding="utf-8")
    student_lines = {
        line.strip()
        for cell in _read(student_path).cells
        for line in cell.source.splitlines()
    }
    assert "BEGIN SOLUTION" not in student_text
    assert "BEGIN HIDDEN TESTS" not in student_text
    for kind in ("SOLUTION", "HIDDEN TESTS"):
        inside, outside = _regions(source_nb, kind)
        assert inside or kind == "HIDDEN TESTS"
        leaked = sorted(line for line in inside - outside if line in student_lines)
        assert not leaked, f"{kind} lines in the student version: {leaked}"


@pytest.mark.parametrize("source", SOURCES, ids=SOURCE_IDS)
def test_solution_version_has_no_markers_or_hidden_tests(source):
    solution = REPO / "solutions" / source.parent.name / f"{source.stem}_solution.ipynb"
    text = solution.read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS"):
        assert marker not in text
    hidden, outside = _regions(_read(source), "HIDDEN TESTS")
    lines = {
        line.strip()
        for cell in _read(solution).cells
        for line in cell.source.splitlines()
    }
    assert not sorted((hidden - outside) & lines)


@pytest.mark.parametrize("source", SOURCES, ids=SOURCE_IDS)
def test_grade_ids_are_meaningful_and_unique(source):
    ids = [
        _nbgrader(cell)["grade_id"] for cell in _read(source).cells if _nbgrader(cell)
    ]
    assert ids
    assert len(ids) == len(set(ids))
    for grade_id in ids:
        assert _GRADE_ID.fullmatch(grade_id), grade_id
        assert not grade_id.startswith("cell"), grade_id
        assert not re.search(r"[0-9a-f]{6,}", grade_id), grade_id


@pytest.mark.parametrize("source", SOURCES, ids=SOURCE_IDS)
def test_every_graded_part_has_a_heading_with_its_points(source):
    notebook = _read(source)
    heading, sections = None, {}
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            titles = [line for line in cell.source.splitlines() if line.startswith("#")]
            if titles:
                heading = titles[-1]
        meta = _nbgrader(cell)
        if meta.get("grade") and meta.get("points"):
            assert heading is not None, f"{meta['grade_id']} has no heading above"
            sections.setdefault(heading, 0)
            sections[heading] += meta["points"]
    assert sections
    for heading, points in sections.items():
        found = _POINTS.search(heading)
        assert found, f"heading {heading!r} does not give its points"
        assert float(found.group(1)) == points, heading


@pytest.mark.parametrize("source", SOURCES, ids=SOURCE_IDS)
def test_test_cells_start_with_a_comment_saying_what_they_check(source):
    for cell in _read(source).cells:
        meta = _nbgrader(cell)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            first = cell.source.splitlines()[0]
            assert first.startswith("# Test"), meta["grade_id"]
            assert len(first) > 30, meta["grade_id"]


def test_solutions_have_names_of_their_own():
    """A student and a solution version open as two tabs that say which is which."""
    students = {p.name for p in (REPO / "notebooks").glob("*/*.ipynb")}
    solutions = {p.name for p in (REPO / "solutions").glob("*/*.ipynb")}
    assert solutions == {name.replace(".ipynb", "_solution.ipynb") for name in students}


def test_the_release_folder_is_generated_not_the_one_lab_opens():
    """Formgrader's Release copies nbgrader's release directory: never notebooks/."""
    config = (REPO / "nbgrader_config.py").read_text(encoding="utf-8")
    assert 'release_directory = "release"' in config
    assert "/release/" in (REPO / ".gitignore").read_text(encoding="utf-8")


def test_solution_markers_are_removed_from_solution_version(tmp_path):
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        "x = 1\n### BEGIN SOLUTION\ny = 2\n### END SOLUTION\nz = 3"
    )
    notebook.cells = [cell]
    path = tmp_path / "n.ipynb"
    nbformat.write(notebook, path)
    solution = build_notebooks.solution_version(path)
    assert solution.cells[1].source == "x = 1\ny = 2\nz = 3"


def test_a_solution_is_dressed_as_one(tmp_path):
    """Banner, title, no student-only paragraphs or placeholders (issue 21 §4)."""
    notebook = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_code_cell(
        "# OUTPUT_DIR: the folder.\nOUTPUT_DIR = None\n### BEGIN SOLUTION\n"
        'OUTPUT_DIR = None  # not a placeholder\nOUTPUT_DIR = Path("out")\n'
        "### END SOLUTION"
    )
    answer.metadata["nbgrader"] = {"solution": True, "grade_id": "a", "grade": False}
    notebook.cells = [
        nbformat.v4.new_markdown_cell(
            "# Activity 9: things\n\nWhat to do.\n\n**How this notebook works.** "
            "Write your code where it says # YOUR CODE HERE."
        ),
        answer,
        nbformat.v4.new_markdown_cell("## Done\n\nSave the notebook and hand it in."),
    ]
    path = tmp_path / "activity9.ipynb"
    nbformat.write(notebook, path)
    solution = build_notebooks.solution_version(path)
    banner, title, code = solution.cells
    assert banner.source.startswith("> **Solution.** This is the solution of")
    assert "`activity9.ipynb`" in banner.source
    assert title.source == "# Activity 9: things (solution)\n\nWhat to do."
    assert code.source == (
        "# OUTPUT_DIR: the folder.\nOUTPUT_DIR = None  # not a placeholder\n"
        'OUTPUT_DIR = Path("out")'
    )
    again = build_notebooks.dressed_as_solution(solution, "activity9.ipynb")
    assert [c.source for c in again.cells] == [banner.source, title.source, code.source]


@pytest.mark.parametrize("source", SOURCES, ids=SOURCE_IDS)
def test_each_committed_solution_says_it_is_one(source):
    solution = REPO / "solutions" / source.parent.name / f"{source.stem}_solution.ipynb"
    cells = _read(solution).cells
    assert cells[0].source.startswith("> **Solution.**")
    assert cells[1].source.splitlines()[0].endswith("(solution)")
    text = "\n".join(cell.source for cell in cells)
    for student_only in ("YOUR CODE HERE", "How this notebook works", "How to answer"):
        assert student_only not in text


def test_normalise_drops_timing_and_kernel_details():
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1")
    cell.metadata["execution"] = {"iopub.status.busy": "2026-11-24T10:00:00"}
    notebook.cells = [cell]
    notebook.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    result = build_notebooks.normalise(notebook)
    assert "execution" not in result.cells[0].metadata
    assert result.metadata["language_info"] == {"name": "python"}


@pytest.mark.parametrize("source", SOURCES, ids=SOURCE_IDS)
def test_a_failing_test_cell_does_not_stop_run_all(source):
    """JupyterLab's Run All goes on past a cell tagged ``raises-exception``."""
    for cell in _read(source).cells:
        meta = _nbgrader(cell)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            assert "raises-exception" in cell.metadata.get("tags", []), meta["grade_id"]
