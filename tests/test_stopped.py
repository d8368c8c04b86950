"""A given cell's course line for a learner's function that raised (issue 21 §2).

The function is compiled as IPython compiles a cell: under a file name of its
own, with its source in ``linecache``, so the learner's line can be named.
"""

from __future__ import annotations

import linecache

from outputsaving import selfcheck
from outputsaving.stopped import WIDTH, wrapped

CELL = "/tmp/ipykernel_0/cell-21.py"
SOURCE = (
    "def save_rois(rois, output_dir):\n"
    '    path = output_dir / "rois.zip"  # the ROI set\n'
    "    return open(path, 'rb').read()\n"
)


def _learner_function():
    linecache.cache[CELL] = (len(SOURCE), None, SOURCE.splitlines(True), CELL)
    namespace = {}
    exec(compile(SOURCE, CELL, "exec"), namespace)
    return namespace["save_rois"]


def _raised(function, *args):
    try:
        function(*args)
    except Exception as error:
        return error
    raise AssertionError("no error")


def test_the_line_names_the_function_the_error_and_the_learners_line(capsys, tmp_path):
    function = _learner_function()
    error = _raised(function, [], tmp_path / "missing")
    assert selfcheck.stopped(function, error) is None  # for the result variable
    printed = capsys.readouterr().out
    words = " ".join(printed.split())
    assert words.startswith("save_rois stopped with FileNotFoundError: [Errno 2]")
    assert "in its line 3: return open(path, 'rb').read()." in words
    assert "the self-check below" in words
    assert "Traceback" not in printed


def test_a_comment_on_the_line_is_left_out(capsys, tmp_path):
    function = _learner_function()
    error = _raised(function, [], "not a folder")  # TypeError on line 2
    selfcheck.stopped(function, error)
    words = " ".join(capsys.readouterr().out.split())
    assert 'in its line 2: path = output_dir / "rois.zip".' in words
    assert "the ROI set" not in words


def test_an_error_outside_the_learners_cell_names_the_function_only(capsys):
    error = _raised(int, "seven")
    selfcheck.stopped(int, error)
    words = " ".join(capsys.readouterr().out.split())
    assert words.startswith("int stopped with ValueError: invalid literal")
    assert "in its line" not in words


def test_lines_are_wrapped_at_word_boundaries():
    text = "word " * 40 + "a_very_long_path/" * 8
    lines = wrapped(text).splitlines()
    assert all(len(line) <= WIDTH for line in lines[:-1])
    assert " ".join(" ".join(lines).split()) == " ".join(text.split())
    assert all(line.startswith("  ") for line in lines[1:])


def test_a_name_the_call_needs_is_not_defined(capsys):
    try:
        save_table(table, OUTPUT_DIR)  # noqa: F821 (the names are missing)
    except Exception as error:
        label = selfcheck.stopped("save_table", error)
    assert label is None
    words = " ".join(capsys.readouterr().out.split())
    assert words.startswith("save_table is not defined: run the cell that defines it")
    assert "then this one again" in words


def test_a_name_the_function_needs_is_not_defined(capsys):
    def save_table(table, output_dir):
        return table, output_dir

    try:
        save_table(table, "output")  # noqa: F821 (the table is missing)
    except Exception as error:
        selfcheck.stopped(save_table, error)
    words = " ".join(capsys.readouterr().out.split())
    assert words.startswith("table is not defined, so save_table could not run.")
    assert "Run All Above Selected Cell" in words


# -- the task's test and self-check after a call that stopped (issue 21 §2) --------


def _forget_stops(monkeypatch):
    from outputsaving import stopped

    monkeypatch.setattr(stopped, "_STOPS", {})
    monkeypatch.setattr(stopped, "_cell", None)
    return stopped


def test_the_self_check_says_the_call_stopped_not_that_it_is_not_done(
    capsys, monkeypatch, tmp_path
):
    """The result variable is None because the call raised: say that, and where."""
    _forget_stops(monkeypatch)
    function = _learner_function()
    rois_path = selfcheck.stopped(function, _raised(function, [], tmp_path / "none"))
    capsys.readouterr()
    selfcheck.rois(rois_path, tmp_path)
    words = " ".join(capsys.readouterr().out.split())
    assert "not done yet" not in words
    assert "Your save_rois stopped with FileNotFoundError: [Errno 2]" in words
    assert "in its line 3: return open(path, 'rb').read(). It returned no path" in words


def test_the_visible_test_says_the_call_stopped(monkeypatch, tmp_path):
    import pytest

    from outputsaving.grading import activity1

    _forget_stops(monkeypatch)
    function = _learner_function()
    selfcheck.stopped(function, _raised(function, [], tmp_path / "none"))
    with pytest.raises(AssertionError) as raised:
        activity1.grade_saved_rois(None, tmp_path)
    words = " ".join(str(raised.value).split())
    assert "Your save_rois stopped with FileNotFoundError" in words
    assert "not done yet" not in words


def test_a_function_never_called_is_still_not_done(capsys, monkeypatch, tmp_path):
    _forget_stops(monkeypatch)
    selfcheck.rois(None, tmp_path)
    assert "not done yet" in capsys.readouterr().out


def test_running_the_calling_cell_again_forgets_the_stop(monkeypatch, tmp_path):
    """IPython's pre_run_cell: the same cell again (it may now succeed)."""
    from types import SimpleNamespace

    stopped = _forget_stops(monkeypatch)
    cell = "rois_path = save_rois(rois, OUTPUT_DIR)"
    stopped._cell_starts(SimpleNamespace(raw_cell=cell))
    function = _learner_function()
    selfcheck.stopped(function, _raised(function, [], tmp_path / "none"))
    stopped._cell_starts(SimpleNamespace(raw_cell="selfcheck.rois(rois_path)"))
    assert stopped.last_stop("save_rois") is not None  # another cell: kept
    stopped._cell_starts(SimpleNamespace(raw_cell=cell))
    assert stopped.last_stop("save_rois") is None


def test_a_name_the_call_needs_undefined_is_no_stop_of_the_function(monkeypatch):
    stopped = _forget_stops(monkeypatch)
    cell = (  # as the given cell is: the try in the cell's own frame
        "try:\n"
        "    rois_path = save_rois(rois_not_made, OUTPUT_DIR)\n"
        "except Exception as error:\n"
        "    rois_path = selfcheck.stopped('save_rois', error)\n"
    )
    exec(cell, {"save_rois": print, "selfcheck": selfcheck})
    assert stopped.last_stop("save_rois") is None


def test_a_path_in_the_notebooks_folder_is_shown_from_there(
    capsys, monkeypatch, tmp_path
):
    """An absolute path would make a line no word boundary can wrap (issue 21 §3)."""
    _forget_stops(monkeypatch)
    monkeypatch.chdir(tmp_path)
    function = _learner_function()
    error = _raised(function, [], tmp_path / "not_made_yet")
    selfcheck.stopped(function, error)
    printed = capsys.readouterr().out
    assert "'not_made_yet/rois.zip'" in printed
    assert str(tmp_path) not in printed
    selfcheck.rois(None, tmp_path)
    lines = capsys.readouterr().out.splitlines()
    assert "'not_made_yet/rois.zip'" in " ".join(lines)
    assert max(len(line) for line in lines) <= WIDTH, lines
