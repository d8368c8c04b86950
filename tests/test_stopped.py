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
