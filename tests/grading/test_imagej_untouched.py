"""The ImageJ track's re-run of the released template handed in untouched.

Its hidden tests score 0 (``imagej_deserved.tsv``), and say that the macro is
not written yet, rather than what the template's run did not save (or that the
test left nothing to check). A macro that is written, but wrong, keeps its own
message. Without ImageJ: the re-run's notes are made here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from imagej_catalogue import MACRO
from nbgrader_course import REPO

from outputsaving.grading import imagej
from outputsaving.grading.evidence import EVIDENCE_FOLDER
from outputsaving.grading.imagej_tasks import TASKS

A1, A2 = "activity1_imagej", "activity2_imagej"
#: The notes of a run of the template: it finished and wrote nothing.
TEMPLATE_RUN = {"outcome": "finished", "written": [], "stray": [], "windows": []}


def _template(assignment: str) -> str:
    return (REPO / "source" / assignment / MACRO[assignment]).read_text()


def _written(assignment: str) -> str:
    """The template with a saving step written (a wrong one: a JPEG)."""
    return _template(assignment).replace(
        "// SAVE 1:", 'saveAs("Jpeg", outputDir + "labels.jpg");\n// SAVE 1:', 1
    )


def _codes(results) -> set[str]:
    return {code for result in results for code in result.codes}


def _text(results) -> str:
    return "\n".join(f.message for r in results for f in r.findings)


@pytest.mark.parametrize(("assignment", "activity"), [(A1, 1), (A2, 2)])
def test_the_released_template_is_known_and_a_written_macro_is_not(
    tmp_path, assignment, activity
):
    macro = tmp_path / MACRO[assignment]
    macro.write_text(_template(assignment).replace("\n", "  \r\n"))
    assert imagej.macro_is_template(macro, activity=activity)
    assert not imagej.macro_is_template(macro, activity=3 - activity)
    macro.write_text(_written(assignment))
    assert not imagej.macro_is_template(macro, activity=activity)
    assert not imagej.macro_is_template(tmp_path / "missing.ijm", activity=activity)


def test_a_link_or_a_fifo_in_place_of_the_macro_is_never_read(tmp_path):
    """The grader reads the macro without following links or opening a FIFO."""
    import os

    template = tmp_path / "template.ijm"
    template.write_text(_template(A1))
    assert imagej.macro_is_template(template, activity=1)
    link = tmp_path / MACRO[A1]
    link.symlink_to(template)
    assert not imagej.macro_is_template(link, activity=1)
    fifo = tmp_path / "fifo.ijm"
    os.mkfifo(fifo)  # opened for reading, a FIFO without a writer would block
    assert not imagej.macro_is_template(fifo, activity=1)


@pytest.mark.parametrize("task", ["output_folder", "mask", "table", "rois", "nuclei"])
def test_the_rerun_of_the_untouched_template_says_it_is_not_written_yet(tmp_path, task):
    results = imagej.rerun_task_result(
        task, TEMPLATE_RUN, tmp_path, untouched="activity1_template.ijm"
    )
    assert not all(r.passed for r in results)
    assert _codes(results) == {"imagej.rerun_untouched"}
    text = _text(results)
    assert "activity1_template.ijm is still the template as released" in text
    assert "not written yet" in text
    assert "run this notebook's cells again" in text
    assert "saveAs" not in text  # never the code of the solution
    # Whatever the template's run did (a dialog left open, say), the same words.
    stopped = {**TEMPLATE_RUN, "outcome": "timeout", "windows": ["Results"]}
    again = imagej.rerun_task_result(task, stopped, tmp_path, untouched="t.ijm")
    assert _codes(again) == {"imagej.rerun_untouched"}


@pytest.mark.parametrize("task", ["output_folder", "mask"])
def test_a_written_macro_keeps_its_own_message(tmp_path, task):
    results = imagej.rerun_task_result(task, TEMPLATE_RUN, tmp_path)
    assert "imagej.rerun_untouched" not in _codes(results)
    assert _codes(results) & {"imagej.no_file_written", "imagej.rerun_none"}


@pytest.mark.parametrize("outcome", ["no_imagej", "failed"])
def test_imagej_not_running_is_said_as_it_is_even_for_the_template(tmp_path, outcome):
    note = {**TEMPLATE_RUN, "outcome": outcome, "reason": "no display"}
    results = imagej.rerun_task_result("mask", note, tmp_path, untouched="t.ijm")
    assert "imagej.rerun_untouched" not in _codes(results)


def _audit_judge(assignment: str, grade_id: str):
    (evidence,) = (
        e for task in TASKS[assignment] for e in task.evidence if e.grade_id == grade_id
    )
    return evidence.judge


def _workdir(tmp_path: Path, assignment: str, macro_text: str, *, folder: bool):
    """A graded working copy: the macro, and one re-run's note (and folder)."""
    (tmp_path / MACRO[assignment]).write_text(macro_text)
    root = tmp_path / EVIDENCE_FOLDER
    root.mkdir()
    activity = 2 if assignment == A2 else 1
    run = root / f"ij{activity}_run-abc"
    if folder:
        run.mkdir()
    note = {"key": f"ij{activity}_run", "folder": str(run), **TEMPLATE_RUN}
    note_path = root / f"{run.name}.json"
    note_path.write_text(json.dumps(note))
    return [(note_path, note)], root


@pytest.mark.parametrize("folder", [True, False])
@pytest.mark.parametrize(
    ("assignment", "grade_id"),
    [(A1, "ij1_task2_mask_rerun_hidden"), (A2, "ij2_task1_rerun_hidden")],
)
def test_the_audit_says_the_template_is_not_written_yet(
    tmp_path, assignment, grade_id, folder
):
    found, root = _workdir(tmp_path, assignment, _template(assignment), folder=folder)
    results = _audit_judge(assignment, grade_id)(found, root)
    assert not all(r.passed for r in results)
    assert _codes(results) == {"imagej.rerun_untouched"}
    assert "left nothing the grader could check" not in _text(results)


@pytest.mark.parametrize(
    ("folder", "expected"),
    [(True, {"imagej.rerun_none"}), (False, {"classroom.audit_no_evidence"})],
)
def test_the_audit_keeps_a_written_macros_own_message(tmp_path, folder, expected):
    found, root = _workdir(tmp_path, A1, _written(A1), folder=folder)
    results = _audit_judge(A1, "ij1_task2_mask_rerun_hidden")(found, root)
    assert not all(r.passed for r in results)
    assert _codes(results) == expected


@pytest.mark.parametrize(
    ("macro_text", "says"),
    [
        (_template(A1), "is not written yet, so there is nothing of yours to run"),
        (_written(A1), "saved no label mask (an image) that could be checked"),
    ],
    ids=["template", "written"],
)
def test_the_hidden_test_in_the_kernel_says_what_the_macro_is(
    tmp_path, monkeypatch, macro_text, says
):
    """The kernel's hidden test (its feedback), with the re-run made here."""
    macro = tmp_path / MACRO[A1]
    macro.write_text(macro_text)
    made = imagej.MacroRun(outcome="finished", folder=tmp_path / "run")
    monkeypatch.setattr(imagej, "rerun", lambda _macro, *, activity: made)
    with pytest.raises(AssertionError) as failed:
        imagej.grade_rerun_label_mask(macro)
    assert says in str(failed.value)
