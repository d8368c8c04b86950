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


# -- JupyterLab's Validate: the course's server extension (issue 21 §3, §5) --------
# labsettings/outputsaving_lab.py, installed into the environment with the
# course: its Validator is nbgrader's, with a summary line first; a spare
# kernel, started ahead, runs the next Validate.


def test_the_summary_line_names_the_failing_tasks():
    from outputsaving_lab import summary_line

    assert summary_line(5, 2, [4, 2]) == (
        "2 of 5 checks fail: tasks 2 and 4. Each is shown below, with its message."
    )
    assert summary_line(5, 1, [3]) == (
        "1 of 5 checks fails: task 3. It is shown below, with its message."
    )
    assert summary_line(5, 3, [1, 2, 4]).startswith(
        "3 of 5 checks fail: tasks 1, 2 and 4."
    )
    assert (
        summary_line(0, 1, [])
        == "1 of 1 checks fails. It is shown below, with its message."
    )


def _write(course: Course, notebook, name: str):
    folder = course.root / "learners" / name
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / NOTEBOOK)
    return folder / NOTEBOOK


def test_the_course_validator_puts_the_summary_first_and_is_nbgraders_otherwise(
    course,
):
    """The server's answer: the summary, then nbgrader's own entries, unchanged."""
    from nbgrader.validator import Validator
    from outputsaving_lab import SUMMARY_CLASS, CourseValidator

    answers = {
        **course.solution_answers(ASSIGNMENT),
        "a1_task3_save_table": TABLE_COMMA,
    }
    notebook = with_answers(course.student_notebook(ASSIGNMENT), answers)
    path = _write(course, notebook, "server-comma")
    ours = CourseValidator().validate(str(path))
    theirs = Validator().validate(str(path))
    summary, *failed = ours["failed"]
    assert summary["raw_error"] == (
        "1 of 5 checks fails: task 3. It is shown below, with its message."
    )
    assert summary["source"] == ""  # nbgrader's code box: hidden by the style sheet
    assert f'class="{SUMMARY_CLASS}"' in summary["error"]
    assert failed == theirs["failed"]
    assert set(ours) == {"failed"}  # never "passed" (the labextension's bug)


def test_a_passing_notebook_gets_nbgraders_answer(course):
    from outputsaving_lab import CourseValidator

    notebook = with_answers(
        course.student_notebook(ASSIGNMENT), course.solution_answers(ASSIGNMENT)
    )
    assert CourseValidator().validate(str(_write(course, notebook, "server-ok"))) == {}


def _cwd_notebook(folder) -> nbformat.NotebookNode:
    """One test: the kernel runs in the notebook's folder, with nbgrader's variable."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    test = nbformat.v4.new_code_cell(
        "import os\n"
        f"assert os.getcwd() == {str(folder)!r}, os.getcwd()\n"
        'assert os.environ["NBGRADER_EXECUTION"] == "validate"\n'
        "import sys\n"
        'assert "pandas" in sys.modules  # the spare kernel imported it ahead'
    )
    test.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "task1_where",
        "points": 1,
        "solution": False,
        "locked": False,
        "schema_version": 3,
    }
    notebook.cells = [test]
    return notebook


def test_the_spare_kernel_runs_the_next_validate_in_the_notebooks_folder(tmp_path):
    import outputsaving_lab

    folder = (tmp_path / "learner").resolve()
    folder.mkdir()
    nbformat.write(_cwd_notebook(folder), folder / "where.ipynb")
    spare = outputsaving_lab.SPARE
    spare.start()
    assert spare.km is not None
    result = outputsaving_lab.CourseValidator().validate(str(folder / "where.ipynb"))
    assert spare.km is None  # taken by that Validate, its kernel shut down
    assert result == {}, result


def test_a_hub_can_turn_the_spare_kernel_off():
    import outputsaving_lab
    from traitlets.config import Config

    config = Config()
    assert outputsaving_lab.spare_kernel_enabled(config)
    config.OutputSavingLab.spare_kernel = False
    assert not outputsaving_lab.spare_kernel_enabled(config)
    spare = outputsaving_lab.SpareKernel()
    spare.enabled = outputsaving_lab.spare_kernel_enabled(config)
    spare.start()
    assert spare.km is None  # no kernel was started


def test_the_course_route_goes_ahead_of_nbgraders():
    import outputsaving_lab
    from tornado import web

    class Nbgrader(web.RequestHandler):
        pass

    app = web.Application([(r"/tree", web.RequestHandler)])
    app.add_handlers(".*$", [(r"/assignments/validate", Nbgrader)])
    app.add_handlers(
        ".*$", [(r"/assignments/validate", outputsaving_lab.CourseValidateHandler)]
    )
    outputsaving_lab.put_first(app, outputsaving_lab.CourseValidateHandler)
    router = app.default_router.rules[0].target
    assert router.rules[0].target is outputsaving_lab.CourseValidateHandler
    assert len(app.default_router.rules) == 3  # nothing lost
