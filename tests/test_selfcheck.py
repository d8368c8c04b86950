"""The self-check cells' printed verdicts: friendly, specific, no solution."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from outputsaving import selfcheck
from outputsaving.findings import CheckResult
from outputsaving.grading import activity1
from outputsaving.messages import fill


def test_show_prints_a_pass_with_notes(capsys):
    result = CheckResult("table", "t.txt")
    result.add("table.latin1")
    assert selfcheck.show(result, what="results table") is True
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Your results table passes."
    assert lines[1].startswith("  Note: Your table is not UTF-8 text")


def test_show_lists_each_error(capsys):
    result = CheckResult("settings", "s.json")
    result.add("settings.missing", key="date", what="the date of the run")
    result.add("settings.missing", key="packages", what="the versions")
    assert selfcheck.show(result, what="settings file") is False
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Your settings file does not pass yet:"
    items = [line for line in lines if line.startswith("  - ")]
    assert items[0].startswith("  - Your settings have no 'date' entry")
    assert items[1].startswith("  - Your settings have no 'packages' entry")


def test_show_wraps_its_lines_at_word_boundaries(capsys):
    """JupyterLab breaks a long line mid-word (issue 21 §3): each finding is
    wrapped to 88 characters, its lines after the first indented under it."""
    result = CheckResult("settings", "s.json")
    result.add("settings.missing", key="date", what="the date of the run")
    result.add("table.latin1")
    selfcheck.show(result, what="settings file")
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 88
    assert len(lines) > 3  # the messages are longer than one line each
    for line in lines[1:]:
        assert line.startswith(("  - ", "    ", "  Note: ")), line
    words = " ".join(out.split())
    assert fill("settings.missing", key="date", what="the date of the run") in words


def test_good_mask_passes(tmp_path, capsys):
    path = tmp_path / "label_mask.tif"
    tifffile.imwrite(path, activity1.reference_labels().astype(np.uint16))
    selfcheck.label_mask(path, tmp_path)
    assert capsys.readouterr().out == "Your label mask passes.\n"


def test_int32_mask_passes_with_a_note(tmp_path, capsys):
    path = tmp_path / "label_mask.tif"
    tifffile.imwrite(path, activity1.reference_labels())
    selfcheck.label_mask(path, tmp_path)
    out = capsys.readouterr().out
    assert out.startswith("Your label mask passes.\n  Note:")
    assert "32-bit" in out


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda tmp: selfcheck.output_folder("output"), "a pathlib Path"),
        (lambda tmp: selfcheck.label_mask(None, tmp), "returned None"),
        (lambda tmp: selfcheck.table(tmp / "missing.txt", tmp), "No file was found"),
        (lambda tmp: selfcheck.rois(tmp / "missing.zip", tmp), "No file was found"),
        (lambda tmp: selfcheck.settings(tmp / "s.json", tmp), "No file was found"),
    ],
)
def test_problems_are_printed_not_raised(tmp_path, monkeypatch, capsys, call, words):
    monkeypatch.chdir(tmp_path)
    call(tmp_path)
    out = capsys.readouterr().out
    assert "does not pass yet" in out
    assert words in out
    for code in ("imwrite", "astype", "to_csv", "sep=", "roiwrite", "mode="):
        assert code not in out


def test_self_checks_take_every_sentence_from_the_message_catalogue():
    """``outputsaving.messages`` holds the wording; selfcheck.py only picks it."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(selfcheck))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    sentences = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and " " in node.value.strip()
    ]
    assert sentences == []


# -- the quiz's self-checks and the class grader agree (issue 26 §2) -----------------

_QUIZ_FIRST_TEST = {
    "q1": "quiz_q1_one_type",
    "q2": "quiz_q2_format",
    "q3": "quiz_q3_jpeg",
    "q4": "quiz_q4_tab",
}


def _selfcheck_outputs(notebook, tmp_path, monkeypatch, capsys) -> dict[str, str]:
    """Run the notebook's code cells in one IPython shell, top to bottom, as a
    learner does; question -> what its self-check printed."""
    import re

    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.chdir(tmp_path)
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    outputs = {}
    try:
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            capsys.readouterr()
            shell.run_cell(cell.source, store_history=True)
            printed = capsys.readouterr().out
            for question in re.findall(r'question="(q\d)"', cell.source):
                outputs[question] = printed
    finally:
        InteractiveShell.clear_instance()
    return outputs


def _quiz_case(name: str):
    from catalogue_class import release
    from nbgrader_course import REPO, Course
    from quizform_catalogue import BY_NAME, build_case

    answers = Course(REPO).solution_answers("quiz")
    return build_case(BY_NAME[name], release("quiz"), answers)[0]


def _quizform_names() -> list[str]:
    from quizform_catalogue import BY_NAME

    return list(BY_NAME)


@pytest.mark.parametrize("name", _quizform_names())
def test_quiz_selfcheck_says_what_the_grader_says(name, tmp_path, monkeypatch, capsys):
    """Each self-check prints the grader's own words for its answer, or "can be
    graded" where the grader gives full marks (every answer here is right
    but for its form)."""
    from outputsaving.classroom.audit import audit_notebook

    notebook = _quiz_case(name)
    printed = _selfcheck_outputs(notebook, tmp_path, monkeypatch, capsys)
    audit = audit_notebook("quiz", notebook, tmp_path)
    assert sorted(printed) == ["q1", "q2", "q3", "q4"]
    for question, grade_id in _QUIZ_FIRST_TEST.items():
        out = printed[question]
        if audit.verdicts[grade_id]:
            assert "can be graded" in out, (question, out)
        else:
            message = audit.messages[grade_id]
            assert "does not pass yet" in out, (question, out)
            # The self-check wraps its lines at word boundaries (issue 21 §3).
            words = " ".join(out.split())
            assert " ".join(message.split()) in words, (question, message, out)
        assert "still None" not in out + " ".join(audit.messages.values())


@pytest.mark.slow
def test_a_zip_appended_to_gets_one_message_not_zipfiles_warnings(tmp_path):
    """Issue 21 §3: no raw 'Duplicate name' lines, no second point on the count.

    In a Python of its own, as in a kernel: pytest's own warning filters
    would show the warnings whatever the course's filter says.
    """
    import subprocess
    import sys

    code = (
        "import roifile\n"
        "from outputsaving import selfcheck\n"
        "from outputsaving.grading import activity1\n"
        "from outputsaving.rois import rois_from_labels\n"
        "rois = rois_from_labels(activity1.reference_labels())\n"
        "roifile.roiwrite('rois.zip', rois)\n"
        "roifile.roiwrite('rois.zip', rois)  # appends: roifile's default\n"
        "selfcheck.rois('rois.zip', '.')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert "Duplicate name" not in done.stderr
    assert done.stdout.count("  - ") == 1, done.stdout
    assert "appended" in done.stdout
