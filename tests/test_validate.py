"""``nbgrader validate``, as a learner (or JupyterLab's Validate button) runs it.

A failed test shows the course's message whole and first: nbgrader's
Validator cuts every line at 87 characters and JupyterLab's dialog does not
wrap, so the message comes wrapped, with no frame of the grading code. An
untouched notebook runs to its end and lists each task's message, never a
``NameError``.
"""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pytest
from nbgrader_course import REPO, Course, environment, with_answers

pytestmark = [pytest.mark.linux, pytest.mark.nbgrader]

ASSIGNMENT = "activity1"
NOTEBOOK = "activity1_save_outputs.ipynb"
TABLE_COMMA = (
    "def save_table(table, output_dir):\n"
    '    path = Path(output_dir) / "results.csv"\n'
    "    table.to_csv(path, index=False)\n"
    "    return path\n"
)


def _validate(course: Course, notebook, name: str) -> str:
    folder = course.root / "learners" / name
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / NOTEBOOK)
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", "validate", str(folder / NOTEBOOK)],
        cwd=folder,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = Course.copy_of_repo(
        tmp_path_factory.mktemp("validate"), assignments=[ASSIGNMENT]
    )
    course.generate(ASSIGNMENT)
    return course


def test_an_untouched_notebook_lists_each_tasks_message(course):
    output = _validate(course, course.student_notebook(ASSIGNMENT), "untouched")
    assert "NameError" not in output
    assert "Traceback" not in output
    assert "OUTPUT_DIR is still None" in output
    for function in ("save_label_mask", "save_table", "save_rois", "save_settings"):
        assert f"Your {function} returned None: this task is not done yet." in output


def test_a_failed_test_shows_its_message_whole_and_no_grading_code(course):
    answers = {
        **course.solution_answers(ASSIGNMENT),
        "a1_task3_save_table": TABLE_COMMA,
    }
    notebook = with_answers(course.student_notebook(ASSIGNMENT), answers)
    output = _validate(course, notebook, "comma")
    lines = output.splitlines()
    assert not [line for line in lines if line.endswith("...")], output
    assert "outputsaving/" not in output
    text = " ".join(" ".join(lines).split())
    # The whole message, its next step included.
    assert re.search(
        r"Your table's columns are separated by commas, but tabs were expected\. "
        r"Save the table again as \S+ text\.",
        text,
    ), text


def test_the_solution_validates(course):
    notebook = with_answers(
        course.student_notebook(ASSIGNMENT), course.solution_answers(ASSIGNMENT)
    )
    assert "Success! Your notebook passes all the tests." in _validate(
        course, notebook, "solution"
    )


def test_test_cell_lines_fit_the_validator(course):
    """The source of a failed test cell is shown too: no line is cut."""
    for path in (REPO / "source").glob("*/*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                for line in cell.source.splitlines():
                    assert len(line) <= 83, (path.name, line)
