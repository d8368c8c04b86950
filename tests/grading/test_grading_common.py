"""The graders' shared pieces: learner-facing assertions, fresh folders, feedback."""

from __future__ import annotations

from types import SimpleNamespace

import nbformat
import pytest

from outputsaving.findings import CheckResult
from outputsaving.grading.common import (
    as_learner_path,
    assert_passes,
    call_learner_function,
    is_inside,
    task_result,
)
from outputsaving.grading.feedback import HideHiddenTests


def test_assert_passes_is_silent_for_passing_results():
    assert_passes(CheckResult("labels", "x"), task_result("table"))


def test_assert_passes_message_is_the_findings_errors_first():
    result = CheckResult("settings", "s.json")
    result.add("settings.missing", key="date", what="the date of the run")
    other = task_result("table")
    other.add("task.not_a_path", name="save_table", found="None")
    with pytest.raises(AssertionError) as caught:
        assert_passes(result, other)
    text = str(caught.value)
    assert text.splitlines()[0].startswith("Your settings have no 'date' entry")
    assert "Your save_table returned None" in text
    assert "Traceback" not in text
    assert caught.value.__cause__ is None


def test_call_learner_function_returns_the_result():
    assert call_learner_function(lambda a, b: a + b, 1, 2) == 3


def test_untouched_function_gets_not_implemented_message():
    def save_table(table, output_dir):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="You have not written save_table yet"):
        call_learner_function(save_table, None, None)


def test_failing_function_message_names_the_error():
    def save_rois(rois, output_dir):
        return rois[5]

    with pytest.raises(AssertionError) as caught:
        call_learner_function(save_rois, [], "x")
    assert "Your save_rois stopped with IndexError: list index out of range" in str(
        caught.value
    )


def test_an_excel_workbook_is_told_it_is_not_text_not_a_missing_package():
    """pandas' to_excel without openpyxl (issue 26 §3): a workbook is not text."""

    def save_table(table, output_dir):
        msg = "No module named 'openpyxl'"
        raise ModuleNotFoundError(msg, name="openpyxl")

    with pytest.raises(AssertionError) as caught:
        call_learner_function(save_table, None, "x")
    text = str(caught.value)
    assert "tried to write an Excel workbook, which is not a text" in text
    assert "ModuleNotFoundError" not in text


def test_another_missing_module_is_named_as_it_is():
    def save_table(table, output_dir):
        import outputsaving_no_such_module  # noqa: F401

    with pytest.raises(AssertionError, match="ModuleNotFoundError: No module named"):
        call_learner_function(save_table, None, "x")


def test_not_callable_is_reported():
    with pytest.raises(AssertionError, match="is a int, not a function"):
        call_learner_function(3, name="save_label_mask")


def test_none_is_a_task_not_done_yet():
    result = task_result("label mask")
    assert as_learner_path(result, None, name="save_label_mask") is None
    assert result.codes == ["task.not_done"]
    assert "returned None: this task is not done yet" in result.errors[0].message


@pytest.mark.parametrize(("value", "found"), [(3, "a int"), ("", "a str")])
def test_as_learner_path_refuses_non_paths(value, found):
    result = task_result("label mask")
    assert as_learner_path(result, value, name="save_label_mask") is None
    assert result.codes == ["task.not_a_path"]
    assert f"returned {found}" in result.errors[0].message


def test_as_learner_path_accepts_str_and_path(tmp_path):
    result = task_result("label mask")
    assert as_learner_path(result, str(tmp_path), name="f") == tmp_path
    assert as_learner_path(result, tmp_path, name="f") == tmp_path
    assert result.passed


def test_is_inside(tmp_path):
    assert is_inside(tmp_path / "a" / "b.tif", tmp_path)
    assert not is_inside(tmp_path.parent, tmp_path)
    assert not is_inside(tmp_path / ".." / "x", tmp_path)


def _graded_cell(source: str, error: dict) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "a1_x",
        "locked": True,
        "points": 1,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    cell.outputs = [nbformat.v4.new_output("error", **error)]
    return cell


def test_feedback_preprocessor_hides_hidden_tests_and_their_tracebacks():
    source = (
        "# Test (1 point, runs when graded): the mask.\n"
        "### BEGIN HIDDEN TESTS\nactivity1.grade_label_mask(f, labels)\n"
        "### END HIDDEN TESTS"
    )
    error = {
        "ename": "ValueError",
        "evalue": "bad",
        "traceback": ["----> 3 activity1.grade_label_mask(f, labels)", "x"],
    }
    notebook = nbformat.v4.new_notebook(cells=[_graded_cell(source, error)])
    notebook, _ = HideHiddenTests().preprocess(notebook, {})
    cell = notebook.cells[0]
    assert cell.source == "# Test (1 point, runs when graded): the mask."
    assert cell.outputs[0]["traceback"] == ["ValueError: bad"]


def test_feedback_preprocessor_shortens_assertions_of_visible_tests_only():
    visible = _graded_cell(
        "# Test: x\ncheck(x)",
        {"ename": "AssertionError", "evalue": "Your mask.", "traceback": ["a", "b"]},
    )
    name_error = _graded_cell(
        "# Test: y\ncheck(y)",
        {"ename": "NameError", "evalue": "y", "traceback": ["c", "d"]},
    )
    notebook = nbformat.v4.new_notebook(cells=[visible, name_error])
    notebook, _ = HideHiddenTests().preprocess(notebook, {})
    assert notebook.cells[0].outputs[0]["traceback"] == ["AssertionError: Your mask."]
    assert notebook.cells[1].outputs[0]["traceback"] == ["c", "d"]


def test_feedback_shows_no_path_of_the_grader_s_machine():
    """Paths become the learner's own: relative to the submission, a hidden
    test's folder named as such, a library's file by its name."""
    root = "/home/teacher/My Course"
    ran_in = f"{root}/.outputsaving/work/worker-ab12/autograded/Kim Lee/activity1"
    elsewhere = "/tmp/dask-worker-9/worker-x1/autograded/Kim Lee/activity1"
    text = (
        f"No file was found at {ran_in}/.outputsaving-evidence/a1_rois-o4md/rois.\n"
        f"Saved {elsewhere}/output/label_mask.tif\n"
        "/root/.pyenv/versions/3.11.7/lib/python3.11/zipfile.py:1550: UserWarning\n"
        "/usr/lib/python3/dist-packages/numpy/core.py:3: RuntimeWarning\n"
        "3/4 of the files, and /data/images stay as they are."
    )
    cell = nbformat.v4.new_code_cell("print(1)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    preprocessor = HideHiddenTests()
    preprocessor.config.CourseDirectory.root = root
    resources = {"nbgrader": {"student": "Kim Lee", "assignment": "activity1"}}
    notebook, _ = preprocessor.preprocess(notebook, resources)
    assert notebook.cells[0].outputs[0]["text"].splitlines() == [
        "No file was found at [test folder]/rois.",
        "Saved output/label_mask.tif",
        "zipfile.py:1550: UserWarning",
        "numpy/core.py:3: RuntimeWarning",
        "3/4 of the files, and /data/images stay as they are.",
    ]


def test_a_folder_where_a_file_was_expected_is_named_with_what_it_holds(tmp_path):
    from outputsaving.grading.common import saved_file

    rois = tmp_path / "rois"
    rois.mkdir()
    for name in ("1.roi", "2.roi"):
        (rois / name).write_bytes(b"Iout")
    result = task_result("ROIs", rois)
    assert saved_file(result, rois, tmp_path, name="save_rois") is None
    assert result.codes == ["file.folder_of_rois"]
    assert "folder holding 2 .roi files," in result.findings[0].message
    assert ".zip" in result.findings[0].message
    (rois / "2.roi").unlink()
    result = task_result("ROIs", rois)
    saved_file(result, rois, tmp_path, name="save_rois")
    assert "folder holding 1 .roi file," in result.findings[0].message
    empty = tmp_path / "empty"
    empty.mkdir()
    result = task_result("mask", empty)
    saved_file(result, empty, tmp_path, name="save_label_mask")
    assert result.codes == ["file.is_folder"]
    assert "holding nothing" in result.findings[0].message


def test_a_library_warning_during_a_learner_call_is_not_shown(recwarn):
    import warnings

    def save(path):
        warnings.warn("Duplicate name: '1.roi'", UserWarning, stacklevel=1)
        return path

    assert call_learner_function(save, "rois.zip") == "rois.zip"
    assert not [w for w in recwarn if "Duplicate name" in str(w.message)]


#: Stands for the grading module in a cell's namespace.
_GRADERS = SimpleNamespace(grade_saved_table=print)


def _name_error_of(source: str):
    """Run ``source`` as a notebook cell would; return its NameError and traceback."""
    import linecache

    filename = f"<cell-under-test-{hash(source)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        exec(compile(source, filename, "exec"), {"activity1": _GRADERS})
    except NameError as error:
        return error, error.__traceback__.tb_next
    msg = "no NameError"
    raise AssertionError(msg)


def test_a_course_line_that_needs_an_unset_variable_says_what_to_fix_first():
    """Found in a held-out class: a bare 'NameError: table_path' in a test."""
    from outputsaving.grading.common import _unset_name

    released = "activity1.grade_saved_table(table_path, OUTPUT_DIR)\n"
    assert _unset_name(*_name_error_of(released)) == "table_path"
    own = "print(my_table)\n"
    assert _unset_name(*_name_error_of(own)) is None
    inside = "def f():\n    return table_path\n\n\nf()\n"
    assert _unset_name(*_name_error_of(inside)) is None
