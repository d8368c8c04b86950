"""The kernel's monitor (:mod:`outputsaving.monitor`), without a kernel."""

from pathlib import Path

import nbformat

from outputsaving import monitor

REPO = Path(__file__).resolve().parent.parent


def test_the_released_test_lines_are_allowed():
    """Re-running a visible test's call in a learner's cell is not ``uses``."""
    lines = [
        line.strip()
        for notebook in sorted((REPO / "notebooks").glob("*/*.ipynb"))
        for cell in nbformat.read(notebook, as_version=4).cells
        if cell.cell_type == "code"
        and cell.metadata.get("nbgrader", {}).get("grade")
        and not cell.metadata["nbgrader"].get("solution")
        for line in cell.source.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert len(lines) > 10
    assert {monitor.line_key(line) for line in lines} <= monitor.RELEASED_LINES


def test_the_course_is_the_package_folder():
    """The course's own frames are the package's, wherever the monitor lives."""
    package = Path(monitor.__file__).resolve().parent
    assert monitor._is_course(str(package / "grading" / "activity1.py"))
    assert monitor._is_course(str(package / "settings.py"))
    assert not monitor._is_course(str(REPO / "tests" / "test_monitor.py"))
