"""The independent audit of graded notebooks (outputsaving.classroom.audit).

Unit tests build the saved files with code and use the instructor's notebooks
as "executed" notebooks; the last part autogrades real submissions (honest and
cheating) with the real nbgrader, in one run, and audits what it produced.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import matplotlib as mpl
import nbformat
import numpy as np
import pytest
import roifile
import tifffile
from answer_catalogue import A1_OUTPUT, ACTIVITY1, QUIZ_IDS
from nbgrader_course import REPO, Course, answer_cell, grade_ids, with_answers
from PIL import Image

from outputsaving.analysis import measure_objects
from outputsaving.classroom import audit as audit_module
from outputsaving.classroom.audit import (
    AuditResult,
    apply_audit,
    audit_notebook,
    literal_answers,
    saved_files,
    tampering_evidence,
)
from outputsaving.datasets import MANY_NUCLEI, RANDOM_SHAPES, data_path
from outputsaving.grading import activity1, activity2
from outputsaving.grading import rerun as rerun_module
from outputsaving.grading.evidence import EVIDENCE_FOLDER, EVIDENCE_VARIABLE
from outputsaving.messages import MESSAGES
from outputsaving.monitor import EVENTS_FILE
from outputsaving.rois import rois_from_labels

mpl.use("Agg")

NOTEBOOKS = {
    "activity1": "activity1/activity1_save_outputs.ipynb",
    "activity2": "activity2/activity2_customise_saving.ipynb",
    "quiz": "quiz/quiz_output_saving.ipynb",
}


def source_notebook(assignment: str) -> nbformat.NotebookNode:
    """The instructor's notebook: its answer cells hold the solution."""
    return nbformat.read(REPO / "source" / NOTEBOOKS[assignment], as_version=4)


def with_cell(notebook, grade_id: str, source: str) -> nbformat.NotebookNode:
    notebook = copy.deepcopy(notebook)
    answer_cell(notebook, grade_id).source = source
    return notebook


def with_new_cell(notebook, source: str) -> nbformat.NotebookNode:
    """A learner's own cell added at the end."""
    notebook = copy.deepcopy(notebook)
    notebook.cells.append(nbformat.v4.new_code_cell(source))
    return notebook


# -- files as the solution saves them ------------------------------------------------


def settings_text(**changes) -> str:
    path = data_path(RANDOM_SHAPES)
    settings = {
        "input_file": path.name,
        "input_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "min_size": 0,
        "max_size": 1000,
        "packages": {"numpy": np.__version__},
        "date": "2026-11-24T10:00:00+00:00",
    }
    settings.update(changes)
    return json.dumps(settings, indent=2)


def save_activity1(folder, *, skip=()) -> None:
    """Write activity 1's four files as the solution does (names unusual)."""
    folder.mkdir(parents=True, exist_ok=True)
    labels = activity1.reference_labels()
    if "mask" not in skip:
        tifffile.imwrite(folder / "my mask.tiff", labels.astype(np.uint16))
    if "table" not in skip:
        measure_objects(labels).to_csv(folder / "areas.dat", sep="\t", index=False)
    if "rois" not in skip:
        roifile.roiwrite(folder / "outlines.zip", rois_from_labels(labels), mode="w")
    if "settings" not in skip:
        (folder / "run.json").write_text(settings_text(), encoding="utf-8")


def save_activity2(folder, *, skip=()) -> None:
    """Write activity 2's files as the solution does, with the 8-bit nuclei PNG."""
    folder.mkdir(parents=True, exist_ok=True)
    labels = activity2.shapes_labels()
    nuclei = activity2.nuclei_labels()
    if "table_csv" not in skip:
        measure_objects(labels).to_csv(folder / "table.csv", index=False)
    if "png16" not in skip:
        Image.fromarray(labels.astype(np.uint16)).save(folder / "a.png")
    if "jpeg" not in skip:
        Image.fromarray(labels.astype(np.uint8)).save(folder / "b.jpg")
    if "colour_png" not in skip:
        import matplotlib.pyplot as plt

        plt.imsave(folder / "c.png", labels, cmap="okabe_ito", vmin=0, vmax=7)
    Image.fromarray(nuclei.astype(np.uint8)).save(folder / "nuclei_8bit.png")
    if "nuclei" not in skip:
        tifffile.imwrite(folder / "nuclei.tif", nuclei.astype(np.uint16))


ACTIVITY1_TASKS = {
    "mask": ("a1_task2_mask_lossless_visible", "a1_task2_mask_fresh_folder_hidden"),
    "table": ("a1_task3_table_tab_visible", "a1_task3_table_fresh_folder_hidden"),
    "rois": ("a1_task4_rois_zip_visible", "a1_task4_rois_rerun_hidden"),
    "settings": ("a1_task5_settings_visible", "a1_task5_settings_rerun_hidden"),
}
ACTIVITY2_TASKS = {
    "table_csv": ("a2_task2_table_csv_visible", "a2_task2_table_csv_hidden"),
    "png16": ("a2_task3_mask_formats_visible", "a2_task3_png16_hidden"),
    "jpeg": ("a2_task3_mask_formats_visible", "a2_task3_jpeg_hidden"),
    "colour_png": ("a2_task3_mask_formats_visible", "a2_task3_colour_png_hidden"),
    "nuclei": ("a2_task6_nuclei_mask_visible", "a2_task6_nuclei_mask_hidden"),
}


@contextlib.contextmanager
def evidence_in(workdir: Path):
    """Run the tests as the class grader does: their evidence goes to ``workdir``."""
    previous = os.environ.get(EVIDENCE_VARIABLE)
    os.environ[EVIDENCE_VARIABLE] = str(Path(workdir) / EVIDENCE_FOLDER)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(EVIDENCE_VARIABLE, None)
        else:
            os.environ[EVIDENCE_VARIABLE] = previous


def _jpeg(labels, output_dir):
    path = Path(output_dir) / "label_mask.jpg"
    Image.fromarray(np.asarray(labels).astype(np.uint8)).save(path)
    return path


def _activity1_functions(broken) -> dict:
    def save_mask(labels, output_dir):
        if "mask" in broken:
            return _jpeg(labels, output_dir)
        path = Path(output_dir) / "mask.tif"
        tifffile.imwrite(path, np.asarray(labels).astype(np.uint16))
        return path

    def save_table(table, output_dir):
        path = Path(output_dir) / "table.txt"
        table.to_csv(path, sep="," if "table" in broken else "\t", index=False)
        return path

    def save_rois(rois, output_dir):
        path = Path(output_dir) / "rois.zip"
        roifile.roiwrite(path, rois, mode="a" if "rois" in broken else "w")
        return path

    def save_settings(output_dir):
        path = Path(output_dir) / "run.json"
        changes = {"max_size": 10} if "settings" in broken else {}
        path.write_text(settings_text(**changes), encoding="utf-8")
        return path

    return {
        "mask": lambda: activity1.grade_label_mask(save_mask),
        "table": lambda: activity1.grade_table(save_table),
        "rois": lambda: activity1.grade_rois(save_rois),
        "settings": lambda: activity1.grade_settings(
            save_settings, rerun_module.rerun_from_settings
        ),
    }


def _activity2_functions(broken) -> dict:
    import matplotlib.pyplot as plt

    def save_csv(table, output_dir):
        path = Path(output_dir) / "t.csv"
        table.to_csv(path, sep="\t" if "table_csv" in broken else ",", index=False)
        return path

    def save_png16(labels, output_dir):
        if "png16" in broken:
            return _jpeg(labels, output_dir)
        path = Path(output_dir) / "a.png"
        Image.fromarray(np.asarray(labels).astype(np.uint16)).save(path)
        return path

    def save_jpeg(labels, output_dir):
        if "jpeg" in broken:
            return None
        return _jpeg(labels, output_dir)

    def save_colour(labels, output_dir):
        path = Path(output_dir) / "c.png"
        if "colour_png" in broken:
            return None
        plt.imsave(path, labels, cmap="okabe_ito", vmin=0, vmax=7)
        return path

    def save_nuclei(labels, output_dir):
        path = Path(output_dir) / "n.tif"
        kind = np.uint8 if "nuclei" in broken else np.uint16
        tifffile.imwrite(path, np.asarray(labels).astype(kind))
        return path

    def compare(original, reread):
        original, reread = np.asarray(original), np.asarray(reread)
        changed = [
            label
            for label in np.unique(original)
            if label != 0 and np.any(reread[original == label] != label)
        ]
        return {
            "values_before": len(np.unique(original)),
            "values_after": len(np.unique(reread)),
            "objects_changed": 0 if "compare" in broken else len(changed),
        }

    return {
        "table_csv": lambda: activity2.grade_table_csv(save_csv),
        "png16": lambda: activity2.grade_mask_format(save_png16, fmt="png16"),
        "jpeg": lambda: activity2.grade_mask_format(save_jpeg, fmt="jpeg"),
        "colour_png": lambda: activity2.grade_mask_format(
            save_colour, fmt="colour_png"
        ),
        "nuclei": lambda: activity2.grade_nuclei_mask(save_nuclei),
        "compare_visible": lambda: activity2.grade_compare_labels(compare, cases=3),
        "compare": lambda: activity2.grade_compare_labels(compare),
    }


def hidden_evidence(workdir: Path, assignment: str, *, broken=()) -> None:
    """Run the assignment's real hidden tests with working (or ``broken``) functions.

    They leave their evidence in ``workdir``, as they do under the class
    grader; a broken function's test fails, as it would in the kernel.
    """
    functions = (
        _activity1_functions(set(broken))
        if assignment == "activity1"
        else _activity2_functions(set(broken))
    )
    with evidence_in(workdir):
        for run in functions.values():
            with contextlib.suppress(AssertionError):
                run()
    # This module calls the graders as the test cells do; the kernel's monitor
    # would see the test cells' own lines, not this file's.
    (Path(workdir) / EVIDENCE_FOLDER / EVENTS_FILE).unlink(missing_ok=True)


# -- finding the saved files ---------------------------------------------------------


def test_saved_files_skips_notebooks_links_and_checkpoints(tmp_path):
    (tmp_path / "work.ipynb").write_text("{}")
    (tmp_path / "timestamp.txt").write_text("2026-11-24 10:00:00 UTC")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "mask.tif").write_bytes(b"II*\x00")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "table.txt").write_text("a\tb\n")
    (tmp_path / "link.txt").symlink_to(tmp_path / "deep" / "er" / "table.txt")
    (tmp_path / "linked_folder").symlink_to(tmp_path / "deep")
    os.mkfifo(tmp_path / "pipe")
    files, truncated = saved_files(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["deep/er/table.txt"]
    assert not truncated


def test_saved_files_stops_at_max_files(tmp_path):
    for index in range(5):
        (tmp_path / f"{index}.txt").write_text("x")
    files, truncated = saved_files(tmp_path, max_files=3)
    assert len(files) == 3
    assert truncated


# -- activity 1's files --------------------------------------------------------------


def test_activity1_solution_files_pass_whatever_their_names(tmp_path):
    save_activity1(tmp_path / "output")
    hidden_evidence(tmp_path, "activity1")
    result = audit_notebook("activity1", source_notebook("activity1"), tmp_path)
    for visible, hidden in ACTIVITY1_TASKS.values():
        assert result.verdicts[visible] is True
        assert result.verdicts[hidden] is True  # the hidden test's evidence
    assert result.messages == {}
    assert result.flags == []
    # The hidden tests' points follow the audit of their evidence.
    assert result.exact == {hidden for _, hidden in ACTIVITY1_TASKS.values()}


def test_hidden_tests_are_judged_on_their_own_evidence(tmp_path):
    """Not on the notebook's files: a broken function fails its hidden test only."""
    save_activity1(tmp_path / "output")
    hidden_evidence(tmp_path, "activity1", broken={"mask", "settings"})
    result = audit_notebook("activity1", source_notebook("activity1"), tmp_path)
    for task, (visible, hidden) in ACTIVITY1_TASKS.items():
        assert result.verdicts[visible] is True
        assert result.verdicts[hidden] is (task not in {"mask", "settings"}), task
    assert "JPEG" in result.messages["a1_task2_mask_fresh_folder_hidden"]
    assert "max_size 10" in result.messages["a1_task5_settings_rerun_hidden"]


def test_a_hidden_test_that_left_no_evidence_scores_zero(tmp_path):
    save_activity1(tmp_path / "output")
    result = audit_notebook("activity1", source_notebook("activity1"), tmp_path)
    hidden = "a1_task4_rois_rerun_hidden"
    assert result.verdicts[hidden] is False
    assert "left nothing the grader could check" in result.messages[hidden]


def test_activity1_jpeg_mask_fails_and_names_the_file(tmp_path):
    save_activity1(tmp_path / "output", skip={"mask"})
    labels = activity1.reference_labels().astype(np.uint8)
    Image.fromarray(labels).save(tmp_path / "output" / "label_mask.jpg")
    result = audit_notebook("activity1", source_notebook("activity1"), tmp_path)
    visible, hidden = ACTIVITY1_TASKS["mask"]
    assert result.verdicts[visible] is False
    assert result.verdicts[hidden] is False
    text = result.messages[visible]
    assert "lossless TIFF label mask" in text
    assert "output/label_mask.jpg comes closest" in text
    assert "JPEG" in text
    assert str(tmp_path) not in text  # paths relative to the notebook's folder
    assert result.verdicts["a1_task3_table_tab_visible"] is True


@pytest.mark.parametrize(
    ("task", "changes", "words"),
    [
        ("settings", {"max_size": 10}, "activity's analysis uses 0 and 1000"),
        ("settings", {"input_sha256": "0" * 64}, "checksum"),
        ("table", None, "tab-delimited results table"),
    ],
)
def test_activity1_wrong_file_fails(tmp_path, task, changes, words):
    folder = tmp_path / "output"
    save_activity1(folder, skip={task})
    if task == "settings":
        (folder / "run.json").write_text(settings_text(**changes), encoding="utf-8")
    else:
        labels = activity1.reference_labels()
        measure_objects(labels).to_csv(folder / "areas.csv", index=False)
    result = audit_notebook("activity1", source_notebook("activity1"), tmp_path)
    visible, hidden = ACTIVITY1_TASKS[task]
    assert (result.verdicts[visible], result.verdicts[hidden]) == (False, False)
    assert words in result.messages[visible]
    others = [v for key, (v, _) in ACTIVITY1_TASKS.items() if key != task]
    assert all(result.verdicts[v] is True for v in others)


def test_activity1_settings_that_do_not_rerun_fail(tmp_path, monkeypatch):
    """The re-run decides, not only the file's content."""
    save_activity1(tmp_path / "output")
    monkeypatch.setattr(
        activity1,
        "rerun_in_process",
        lambda path: (np.zeros((200, 200), np.int32), ""),
    )
    result = audit_notebook("activity1", source_notebook("activity1"), tmp_path)
    visible, hidden = ACTIVITY1_TASKS["settings"]
    assert (result.verdicts[visible], result.verdicts[hidden]) == (False, False)
    assert "0 objects" in result.messages[visible]


def test_activity1_settings_rerun_in_the_grading_process(tmp_path, monkeypatch):
    """The audit re-runs the settings without starting a Python process."""
    import subprocess

    def no_process(*args, **kwargs):
        pytest.fail("the audit started a process")

    save_activity1(tmp_path / "output")
    monkeypatch.setattr(subprocess, "run", no_process)
    monkeypatch.setattr(subprocess, "Popen", no_process)
    result = audit_notebook("activity1", source_notebook("activity1"), tmp_path)
    visible, _ = ACTIVITY1_TASKS["settings"]
    assert result.verdicts[visible] is True
    # The analysis this process re-runs decides the verdict.
    monkeypatch.setattr(
        rerun_module, "segment_shapes", lambda image, **_: np.zeros_like(image)
    )
    result = audit_notebook("activity1", source_notebook("activity1"), tmp_path)
    assert result.verdicts[visible] is False
    assert "gave 0 objects" in result.messages[visible]


@pytest.mark.parametrize(
    ("assignment", "name", "grade_id"),
    [
        ("activity1", RANDOM_SHAPES, "a1_task2_mask_lossless_visible"),
        ("activity2", MANY_NUCLEI, "a2_task6_nuclei_mask_visible"),
    ],
)
def test_a_copy_of_the_shipped_input_is_not_a_mask(
    tmp_path, assignment, name, grade_id
):
    """Copying a file instead of computing the labels: the input image fails."""
    (tmp_path / "output").mkdir()
    shutil.copyfile(data_path(name), tmp_path / "output" / "labels.tif")
    result = audit_notebook(assignment, source_notebook(assignment), tmp_path)
    assert result.verdicts[grade_id] is False
    assert "output/labels.tif comes closest" in result.messages[grade_id]


@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")
def test_activity1_duplicated_rois_fail(tmp_path):
    folder = tmp_path / "output"
    save_activity1(folder, skip={"rois"})
    rois = rois_from_labels(activity1.reference_labels())
    roifile.roiwrite(folder / "rois.zip", rois + rois, mode="w")
    result = audit_notebook("activity1", source_notebook("activity1"), tmp_path)
    assert result.verdicts["a1_task4_rois_zip_visible"] is False
    assert "rois.zip" in result.messages["a1_task4_rois_zip_visible"]


def test_no_files_at_all_says_so(tmp_path):
    result = audit_notebook("activity1", source_notebook("activity1"), tmp_path)
    for visible, hidden in ACTIVITY1_TASKS.values():
        assert result.verdicts[visible] is result.verdicts[hidden] is False
    assert "found no file saved" in result.messages["a1_task2_mask_lossless_visible"]


@pytest.mark.parametrize(
    ("assignment", "answer", "folder"),
    [
        # The catalogue's output_absolute_missing (A1_OUTPUT is its answer cell).
        ("activity1", ACTIVITY1["output_absolute_missing"][A1_OUTPUT], None),
        ("activity1", 'OUTPUT_DIR = Path("../results")', "../results"),
        ("activity2", 'OUTPUT_DIR = Path("/tmp/results")', "/tmp/results"),
    ],
)
def test_outputs_saved_outside_the_submission_say_so(
    tmp_path, assignment, answer, folder
):
    """The visible tests pass in the kernel there, but the audit sees no file.

    (The hidden tests give the functions a folder of their own: they are
    judged on their evidence, wherever the notebook saves its outputs.)
    """
    work = tmp_path / "work"
    work.mkdir()
    answer_id = {"activity1": A1_OUTPUT, "activity2": "a2_task1_output_dir"}
    notebook = with_cell(source_notebook(assignment), answer_id[assignment], answer)
    hidden_evidence(work, assignment)
    result = audit_notebook(assignment, notebook, work)
    tasks = ACTIVITY1_TASKS if assignment == "activity1" else ACTIVITY2_TASKS
    folder = folder or "/Users/ana/output"
    for visible, hidden in tasks.values():
        assert result.verdicts[hidden] is True
        text = result.messages[visible]
        assert f"Your output folder {folder} is outside your submission's folder" in (
            text
        )
        assert "could not find" in text
        assert "folder next to the notebook" in text
        assert "relative path" in text
        assert not any(token in text for token in ("Path(", "=", "`"))
    visible = next(iter(tasks.values()))[0]
    _, flags = apply_audit({visible: (1.0, 1.0)}, result)
    (flag,) = flags
    assert flag.startswith(f"{visible}: in-kernel 1/1, audit 0/1")
    assert "outside your submission's folder" in flag


def test_no_files_with_a_relative_output_dir_names_where_the_grader_looks(tmp_path):
    # A Windows drive is a plain folder name where the notebook ran (POSIX).
    notebook = with_cell(
        source_notebook("activity1"), A1_OUTPUT, 'OUTPUT_DIR = Path("C:/results")'
    )
    text = audit_notebook("activity1", notebook, tmp_path).messages[
        "a1_task2_mask_lossless_visible"
    ]
    assert "found no file saved in its folder" in text
    assert "absolute path" in text
    assert "relative path" in text
    assert "outside your submission" not in text


def test_files_listed_in_exclude_do_not_count(tmp_path):
    save_activity1(tmp_path / "handed_in")
    notebook = source_notebook("activity1")
    assert audit_notebook("activity1", notebook, tmp_path).verdicts[
        "a1_task2_mask_lossless_visible"
    ]
    handed_in = [p.relative_to(tmp_path).as_posix() for p in saved_files(tmp_path)[0]]
    result = audit_notebook("activity1", notebook, tmp_path, exclude=handed_in)
    assert result.verdicts["a1_task2_mask_lossless_visible"] is False


# -- activity 2's files --------------------------------------------------------------


def test_activity2_solution_files_pass(tmp_path):
    save_activity2(tmp_path / "output_activity2")
    hidden_evidence(tmp_path, "activity2")
    result = audit_notebook("activity2", source_notebook("activity2"), tmp_path)
    for visible, hidden in ACTIVITY2_TASKS.values():
        assert result.verdicts[visible] is True
        assert result.verdicts[hidden] is True
    assert result.verdicts["a2_task4_compare_visible"] is True
    assert result.verdicts["a2_task4_compare_hidden"] is True
    assert result.messages == {}
    assert result.flags == []


def test_compare_labels_is_judged_on_what_it_returned(tmp_path):
    hidden_evidence(tmp_path, "activity2", broken={"compare"})
    result = audit_notebook("activity2", source_notebook("activity2"), tmp_path)
    assert result.verdicts["a2_task4_compare_visible"] is False
    assert result.verdicts["a2_task4_compare_hidden"] is False
    assert (
        "a copy with one pixel of object 2"
        in result.messages["a2_task4_compare_visible"]
    )
    assert "objects_changed" in result.messages["a2_task4_compare_hidden"]


@pytest.mark.parametrize(
    ("task", "words"),
    [
        ("nuclei", "every nucleus"),
        ("png16", "16-bit PNG"),
        ("jpeg", "a JPEG"),
        ("colour_png", "colour PNG"),
        ("table_csv", "comma-separated"),
    ],
)
def test_activity2_missing_file_fails_its_task_only(tmp_path, task, words):
    save_activity2(tmp_path / "output_activity2", skip={task})
    hidden_evidence(tmp_path, "activity2", broken={task})
    result = audit_notebook("activity2", source_notebook("activity2"), tmp_path)
    visible, hidden = ACTIVITY2_TASKS[task]
    assert (result.verdicts[visible], result.verdicts[hidden]) == (False, False)
    assert words in result.messages[visible]
    for key, (_, other_hidden) in ACTIVITY2_TASKS.items():
        if key != task:
            assert result.verdicts[other_hidden] is True


def test_activity2_8bit_nuclei_mask_is_the_closest_and_is_explained(tmp_path):
    save_activity2(tmp_path / "out", skip={"nuclei"})
    result = audit_notebook("activity2", source_notebook("activity2"), tmp_path)
    text = result.messages["a2_task6_nuclei_mask_visible"]
    assert re.search(r"out/\S+\.png comes closest", text)


# -- the output folder ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "make", "visible", "hidden", "words"),
    [
        ('OUTPUT_DIR = Path("results")', True, True, True, None),
        ('OUTPUT_DIR = Path("results") / "run1"', True, True, True, None),
        ('OUTPUT_DIR = Path("results", "run1")', False, False, True, "does not exist"),
        ('OUTPUT_DIR = Path("/tmp/results")', False, None, False, "absolute"),
        ('OUTPUT_DIR = Path("C:/results")', False, None, False, "absolute"),
        ('OUTPUT_DIR = Path(".")', False, True, False, "notebook"),
        ('OUTPUT_DIR = Path("../results")', False, None, False, "outside"),
        ('OUTPUT_DIR = "results"', True, False, True, "pathlib Path"),
        ('OUTPUT_DIR = "/tmp/results"', False, False, False, "absolute"),
        ('OUTPUT_DIR = Path.cwd() / "results"', True, None, None, None),
        ('name = "results"\nOUTPUT_DIR = Path(name)', True, None, None, None),
        ("raise NotImplementedError()", False, None, None, None),
    ],
)
def test_output_dir_is_read_from_a_literal_only(
    tmp_path, answer, make, visible, hidden, words
):
    work = tmp_path / "work"
    work.mkdir()
    if make:
        (work / "results" / "run1").mkdir(parents=True)
    notebook = with_cell(source_notebook("activity1"), "a1_task1_output_dir", answer)
    result = audit_notebook("activity1", notebook, work)
    assert result.verdicts.get("a1_task1_output_dir_visible") is visible
    assert result.verdicts.get("a1_task1_output_dir_hidden") is hidden
    if words:
        assert words in " ".join(result.messages.values())


def test_output_dir_set_again_elsewhere_gives_no_opinion(tmp_path):
    notebook = with_new_cell(source_notebook("activity2"), 'OUTPUT_DIR = Path("/x")')
    result = audit_notebook("activity2", notebook, tmp_path)
    assert "a2_task1_output_dir_hidden" not in result.verdicts


# -- literal answers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "values"),
    [
        ('# a comment\nQ = "tables, ROIs"', {"Q": "tables, ROIs"}),
        ('Q = ("tables, "\n     "ROIs")', {"Q": "tables, ROIs"}),
        ('Q = ["tables", "ROIs", "masks"]', {"Q": ["tables", "ROIs", "masks"]}),
        ("Q: bool = False\nR = None", {"Q": False, "R": None}),
        ('Q = "a"\nQ = "b"', {"Q": "b"}),
        ("Q = A = 1", {"Q": 1, "A": 1}),
        ('"""Notes."""\npass\nQ = -1', {"Q": -1}),
        ("Q = True\nraise NotImplementedError()\nR = compute()", {"Q": True}),
        ("# YOUR CODE HERE\nraise NotImplementedError()", {}),
        # Lines that only show something (issue 26 §2).
        ('Q = "a"\nselfcheck.quiz_answer(Q, question="q1")', {"Q": "a"}),
        ('Q = "a"\n%whos\n!echo done\nQ?', {"Q": "a"}),
        ('Q = "a"\nprint(Q)\ndisplay(Q)\npprint(Q)\nQ', {"Q": "a"}),
    ],
)
def test_literal_answers_reads_plain_values(source, values):
    assert literal_answers(source) == (values, None)


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("Q = compute()", "a function call"),
        ('Q = "".join(["inter", "operable"])', "a function call"),
        ("Q = ANSWER", "the name ANSWER"),
        ('Q = f"{True}"', "an f-string"),
        ("Q = not True", "a calculation"),
        ('Q = "a" + "b"', "a calculation"),
        ("import os\nQ = True", "an import"),
        ("quiz.assert_passes = print\nQ = True", "an attribute"),
        ('def f():\n    return "x"\n\n\nQ = f()', "a function definition"),
        ("for i in range(3):\n    Q = i", "a loop"),
        ("Q = [i for i in range(3)]", "code other than a plain value"),
        ("Q = b'bytes'", "a bytes value"),
        ("Q, R = 1, 2", "code other than a plain value"),
        ("%time Q = 1", "the magic %time"),
        ("%%capture\nQ = 1", "the cell magic %%capture"),
        ("Q = !ls", "a shell command"),
        ("Q = []\nQ.append(1)", "a function call"),
        ("Q += 1", "a calculation"),
        ("class A(str):\n    pass\n\n\nQ = A()", "a class definition"),
        ("Q = (", "code Python cannot read"),
    ],
)
def test_literal_answers_refuses_anything_computed(source, found):
    assert literal_answers(source) == ({}, found)


def test_literal_answers_refuses_a_huge_cell():
    assert literal_answers("Q = 1\n" * 10_000)[1] == "a very long cell"


def quiz_notebook(answers: dict[str, str]) -> nbformat.NotebookNode:
    notebook = source_notebook("quiz")
    for grade_id, source in answers.items():
        notebook = with_cell(notebook, grade_id, source)
    return notebook


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, [True] * 6),
        (
            {"quiz_q1_answer": 'Q1_OUTPUT_TYPES = "tables, label masks, cats"'},
            [True, True, False, True, True, True],
        ),
        (
            {
                "quiz_q1_answer": 'Q1_OUTPUT_TYPES = ("ROIs",)',
                "quiz_q3_answer": 'Q3_JPEG_FOR_LABEL_MASKS = "yes"',
            },
            [True, False, False, True, False, True],
        ),
        (
            {"quiz_q2_answer": 'Q2_FORMAT_PROPERTY = "lossless"'},
            [True] * 3 + [False] + [True] * 2,
        ),
        ({"quiz_q4_answer": "Q4_TAB_DELIMITED_FOR_TABLES = 1"}, [True] * 6),
    ],
)
def test_quiz_is_rescored_from_literals_as_the_kernel_would(
    tmp_path, answers, expected
):
    result = audit_notebook("quiz", quiz_notebook(answers), tmp_path)
    assert [result.verdicts[grade_id] for grade_id in QUIZ_IDS] == expected
    assert result.exact == frozenset(QUIZ_IDS)
    assert set(result.messages) == {
        g for g, ok in zip(QUIZ_IDS, expected, strict=True) if not ok
    }


def test_quiz_messages_say_why(tmp_path):
    answers = {
        "quiz_q1_answer": "Q1_OUTPUT_TYPES = compute()",
        "quiz_q2_answer": "# YOUR CODE HERE\nraise NotImplementedError()",
        "quiz_q4_answer": "OTHER = True",
    }
    result = audit_notebook("quiz", quiz_notebook(answers), tmp_path)
    assert (
        "Q1_OUTPUT_TYPES holds a function call" in result.messages["quiz_q1_two_types"]
    )
    assert "Q2_FORMAT_PROPERTY" in result.messages["quiz_q2_format"]
    assert "not answered" in result.messages["quiz_q2_format"]
    assert "Q4_TAB_DELIMITED_FOR_TABLES" in result.messages["quiz_q4_tab"]
    assert result.verdicts["quiz_q3_jpeg"] is True


def test_quiz_cell_missing_scores_zero(tmp_path):
    notebook = source_notebook("quiz")
    del notebook.cells[notebook.cells.index(answer_cell(notebook, "quiz_q3_answer"))]
    result = audit_notebook("quiz", notebook, tmp_path)
    assert result.verdicts["quiz_q3_jpeg"] is False
    assert "missing" in result.messages["quiz_q3_jpeg"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            "PNG16_GOOD_FOR_LABELS = True\nJPEG_GOOD_FOR_LABELS = False\n"
            "COLOUR_PNG_GOOD_FOR_LABELS = False",
            (True, True, True),
        ),
        (
            "PNG16_GOOD_FOR_LABELS = True\nJPEG_GOOD_FOR_LABELS = True\n"
            "COLOUR_PNG_GOOD_FOR_LABELS = 0",
            (True, False, True),  # 0 reads as False, as in the quiz
        ),
        (
            "PNG16_GOOD_FOR_LABELS = JPEG_GOOD_FOR_LABELS = "
            "COLOUR_PNG_GOOD_FOR_LABELS = not True",
            (False, False, False),
        ),
    ],
)
def test_activity2_choices_are_rescored_from_literals(tmp_path, answer, expected):
    notebook = with_cell(
        source_notebook("activity2"), "a2_task5_format_choices", answer
    )
    result = audit_notebook("activity2", notebook, tmp_path)
    ids = (
        "a2_task5_png16_choice",
        "a2_task5_jpeg_choice",
        "a2_task5_colour_png_choice",
    )
    assert tuple(result.verdicts[g] for g in ids) == expected
    assert set(ids) <= result.exact


# -- tampering -----------------------------------------------------------------------


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_the_course_notebooks_show_no_tampering(assignment):
    assert tampering_evidence(source_notebook(assignment)) == []


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("import sys\nsys.modules['x'].y = 1", "it uses sys.modules"),
        (
            "activity1.label_mask_result = print",
            "it replaces activity1.label_mask_result",
        ),
        (
            "outputsaving.grading.common.assert_passes = print",
            "it replaces outputsaving",
        ),
        ("del activity1.grade_rois", "it replaces activity1.grade_rois"),
        ("setattr(activity1, 'x', 1)", "it calls setattr"),
        ("exec(bytes.fromhex('00').decode())", "it calls exec"),
        ("__import__('os')", "it calls __import__"),
        ("f = (lambda: 0).__globals__", "it uses __globals__"),
        ("import importlib\nimportlib.reload(activity1)", "it imports importlib"),
        ("import builtins", "it imports builtins"),
        ("%run other.py", "it runs the magic %run"),
        ("get_ipython().run_cell('x = 1')", "get_ipython().run_cell"),
    ],
)
def test_tampering_evidence_names_what_it_found(source, words):
    notebook = with_new_cell(source_notebook("activity1"), source)
    evidence = tampering_evidence(notebook)
    assert any(words in item for item in evidence), evidence


@pytest.mark.parametrize(
    "source",
    [
        "%matplotlib inline\nplt.rcParams['figure.dpi'] = 100",
        "from importlib import metadata\nprint(metadata.version('numpy'))",
        "labels.flags.writeable = False",
        "print(np.__version__, __name__)",
        "pd.options.display.max_rows = 10",
        # Re-running a visible test's call is never tampering.
        "from outputsaving.grading import activity1\n"
        "activity1.grade_saved_label_mask(label_mask_path, OUTPUT_DIR)",
    ],
)
def test_ordinary_code_is_not_tampering(source):
    notebook = with_new_cell(source_notebook("activity1"), source)
    assert tampering_evidence(notebook) == []


def test_test_cells_are_not_scanned_but_their_imports_count():
    notebook = source_notebook("activity1")
    assert "from outputsaving.grading import activity1" in "".join(
        cell.source for cell in notebook.cells
    )
    patched = with_new_cell(notebook, "activity1.grade_rois = print")
    assert tampering_evidence(patched) == ["it replaces activity1.grade_rois"]


def test_tampering_zeroes_what_the_audit_cannot_check(tmp_path):
    """Re-checked cells keep the audit's verdict; cells it cannot check get 0."""
    save_activity2(tmp_path / "output_activity2")
    hidden_evidence(tmp_path, "activity2")
    notebook = with_cell(
        source_notebook("activity2"),
        "a2_task1_output_dir",
        'name = "output_activity2"\nOUTPUT_DIR = Path(name)',
    )
    notebook = with_new_cell(notebook, "activity2.compare_labels_result = print")
    result = audit_notebook("activity2", notebook, tmp_path)
    assert result.flags == [
        "possible tampering with the grader: it replaces "
        "activity2.compare_labels_result"
    ]
    for grade_id in ("a2_task1_output_dir_visible", "a2_task1_output_dir_hidden"):
        assert result.verdicts[grade_id] is False  # not a literal: no audit
        assert "grading code" in result.messages[grade_id]
    assert result.verdicts["a2_task4_compare_hidden"] is True  # its evidence
    assert result.verdicts["a2_task3_mask_formats_visible"] is True  # re-checked
    assert result.verdicts["a2_task5_jpeg_choice"] is True  # re-scored
    only_flag = audit_notebook(
        "activity2", notebook, tmp_path, distrust_on_tampering=False
    )
    assert only_flag.flags == result.flags
    assert "a2_task1_output_dir_hidden" not in only_flag.verdicts


def test_bad_arguments_raise(tmp_path):
    with pytest.raises(ValueError, match="activity3"):
        audit_notebook("activity3", source_notebook("quiz"), tmp_path)
    with pytest.raises(ValueError, match="not a folder"):
        audit_notebook("quiz", source_notebook("quiz"), tmp_path / "missing")


# -- apply_audit ---------------------------------------------------------------------


def one_cell_audit(verdict, *, exact=False, text="It is wrong.") -> AuditResult:
    return AuditResult(
        verdicts={"cell": verdict},
        messages={} if verdict else {"cell": text},
        flags=[],
        exact=frozenset({"cell"} if exact else ()),
    )


@pytest.mark.parametrize(
    ("in_kernel", "verdict", "exact", "audited", "flag"),
    [
        (0.0, True, True, 2.0, "re-scored from the literal answer"),
        (2.0, False, True, 0.0, "re-scored from the literal answer: It is wrong."),
        (2.0, True, True, 2.0, None),
        (0.0, False, True, 0.0, None),
        (2.0, False, False, 0.0, "the audit failed: It is wrong."),
        (1.0, False, False, 0.0, "in-kernel 1/2, audit 0/2"),
        (0.0, False, False, 0.0, None),
        (0.0, True, False, 0.0, None),  # the kernel's test judged more than files
        (2.0, True, False, 2.0, None),
        (0.0, None, False, 0.0, None),
        (2.0, None, False, 2.0, None),
    ],
)
def test_apply_audit_rule(in_kernel, verdict, exact, audited, flag):
    scores = {"cell": (in_kernel, 2.0), "other": (1.0, 1.0)}
    original = dict(scores)
    new, flags = apply_audit(scores, one_cell_audit(verdict, exact=exact))
    assert new == {"cell": (audited, 2.0), "other": (1.0, 1.0)}
    assert scores == original
    if flag is None:
        assert flags == []
    else:
        assert len(flags) == 1
        assert flags[0].startswith("cell: ")
        assert flag in flags[0]


def test_a_form_that_is_not_graded_changes_the_score_without_a_flag():
    audit = one_cell_audit(False, exact=True, text="It is a calculation.")
    audit.unflagged = frozenset({"cell"})
    new, flags = apply_audit({"cell": (2.0, 2.0)}, audit)
    assert new == {"cell": (0.0, 2.0)}
    assert flags == []


def test_apply_audit_keeps_the_audit_flags_and_ignores_unknown_cells():
    audit = AuditResult(
        verdicts={"gone": False}, messages={}, flags=["possible tampering"]
    )
    new, flags = apply_audit({"cell": (1.0, 1.0)}, audit)
    assert new == {"cell": (1.0, 1.0)}
    assert flags == ["possible tampering"]


# -- real nbgrader: honest and cheating submissions ----------------------------------

A1_MASK = "a1_task2_save_label_mask"
A1_TABLE = "a1_task3_save_table"

ACTIVITY1_STUDENTS = {
    "solution": {},
    # An honest mistake: the in-kernel tests and the audit agree.
    "jpeg_mask": {
        A1_MASK: "from PIL import Image\n\n\n"
        "def save_label_mask(labels, output_dir):\n"
        '    path = Path(output_dir) / "label_mask.jpg"\n'
        "    Image.fromarray(np.asarray(labels).astype(np.uint8)).save(path)\n"
        "    return path\n",
    },
    # Saves a JPEG and a comma-separated table, and makes the grader pass them
    # (on the reference data and on unseen data): by attribute patching, and
    # through sys.modules.
    "patcher": {
        A1_MASK: "import outputsaving.grading.activity1 as _grader\n"
        "import outputsaving.grading.activity1_unseen as _unseen\n"
        "from PIL import Image\n\n"
        "_grader.label_mask_result = lambda *args, **kwargs: []\n"
        "_unseen.unseen_mask_result = lambda *args, **kwargs: []\n\n\n"
        "def save_label_mask(labels, output_dir):\n"
        '    path = Path(output_dir) / "label_mask.jpg"\n'
        "    Image.fromarray(np.asarray(labels).astype(np.uint8)).save(path)\n"
        "    return path\n",
        A1_TABLE: "import sys\n\n"
        'sys.modules["outputsaving.grading.activity1"].table_result = (\n'
        "    lambda *args, **kwargs: []\n"
        ")\n"
        'sys.modules["outputsaving.grading.activity1_unseen"].unseen_table_result = (\n'
        "    lambda *args, **kwargs: []\n"
        ")\n\n\n"
        "def save_table(table, output_dir):\n"
        '    path = Path(output_dir) / "results.csv"\n'
        '    table.to_csv(path, sep=",", index=False)\n'
        "    return path\n",
    },
}

QUIZ_STUDENTS = {
    "solution": {},
    # Honest: other accepted forms, and one wrong answer.
    "variants": {
        "quiz_q1_answer": (
            'Q1_OUTPUT_TYPES = ["label images", "ROIs", "measurement tables"]'
        ),
        "quiz_q2_answer": 'Q2_FORMAT_PROPERTY = "lossless"',
        "quiz_q3_answer": 'Q3_JPEG_FOR_LABEL_MASKS = "no"',
        "quiz_q4_answer": "Q4_TAB_DELIMITED_FOR_TABLES = 1",
    },
    # Right answers, but computed: they pass in the kernel, not in the audit.
    "computed": {
        "quiz_q1_answer": "def _answer():\n"
        '    return "results tables, ROI sets, label masks"\n\n\n'
        "Q1_OUTPUT_TYPES = _answer()",
        "quiz_q2_answer": 'Q2_FORMAT_PROPERTY = "".join(["inter", "operable"])',
        "quiz_q3_answer": "Q3_JPEG_FOR_LABEL_MASKS = not True",
        "quiz_q4_answer": 'Q4_TAB_DELIMITED_FOR_TABLES = f"{True}"',
    },
    # Wrong literal answers, and a grader patched to pass them.
    "quiz_patcher": {
        "quiz_q1_answer": "from outputsaving.grading import quiz as _quiz\n\n"
        "_quiz.assert_passes = lambda *results: None\n"
        'Q1_OUTPUT_TYPES = "cats, dogs, mice"',
        "quiz_q2_answer": 'Q2_FORMAT_PROPERTY = "proprietary"',
        "quiz_q3_answer": "Q3_JPEG_FOR_LABEL_MASKS = True",
        "quiz_q4_answer": "Q4_TAB_DELIMITED_FOR_TABLES = False",
    },
}


def _strip_markers(source: str) -> str:
    marker = re.compile(r"^\s*#+\s*(BEGIN|END) SOLUTION\s*$")
    return "\n".join(line for line in source.splitlines() if not marker.match(line))


def _submission(course: Course, assignment: str, changes: dict[str, str]):
    source = course.source_notebook(assignment)
    answers = {
        grade_id: _strip_markers(answer_cell(source, grade_id).source)
        for grade_id in grade_ids(source, kind="solution")
    }
    answers.update(changes)
    return with_answers(course.student_notebook(assignment), answers)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Both assignments' submissions, autograded in one nbgrader run, audited.

    Returns ``{(assignment, student): (in-kernel scores, audit, new scores,
    flags)}``.
    """
    course = Course.copy_of_repo(
        tmp_path_factory.mktemp("audit"), assignments=["activity1", "quiz"]
    )
    students = {"activity1": ACTIVITY1_STUDENTS, "quiz": QUIZ_STUDENTS}
    for assignment, submissions in students.items():
        course.generate(assignment)
        for student, changes in submissions.items():
            notebook = _submission(course, assignment, changes)
            course.submit(student, assignment, notebook)
    # As the class grader runs them: each test leaves its evidence next to its
    # notebook, and activity 1's settings re-run in the kernel.
    env = {EVIDENCE_VARIABLE: EVIDENCE_FOLDER, "OUTPUTSAVING_GRADER": "1"}
    course.nbgrader("autograde", "*", "--force", env=env)
    outcomes = {}
    for assignment, submissions in students.items():
        all_scores = course.scores(assignment)
        for student in submissions:
            scores = {
                grade_id: (grade.score, grade.max_score)
                for grade_id, grade in all_scores[student].items()
            }
            workdir = course.root / "autograded" / student / assignment
            executed = course.autograded_notebook(student, assignment)
            audit = audit_notebook(assignment, executed, workdir)
            outcomes[assignment, student] = (scores, audit, *apply_audit(scores, audit))
    return outcomes


@pytest.mark.parametrize(
    ("assignment", "student"),
    [
        ("activity1", "solution"),
        ("activity1", "jpeg_mask"),
        ("quiz", "solution"),
        ("quiz", "variants"),
    ],
)
@pytest.mark.nbgrader
def test_honest_submissions_are_unchanged_and_not_flagged(graded, assignment, student):
    scores, audit, new, flags = graded[assignment, student]
    assert new == scores
    assert flags == []
    assert audit.flags == []


@pytest.mark.nbgrader
def test_solutions_get_full_marks_in_kernel_and_in_the_audit(graded):
    for assignment in ("activity1", "quiz"):
        scores, audit, _, _ = graded[assignment, "solution"]
        assert all(score == maximum for score, maximum in scores.values())
        assert False not in audit.verdicts.values()


@pytest.mark.nbgrader
def test_honest_jpeg_mask_loses_the_mask_task_in_both(graded):
    scores, audit, _, _ = graded["activity1", "jpeg_mask"]
    for grade_id in ACTIVITY1_TASKS["mask"]:
        assert scores[grade_id][0] == 0
        assert audit.verdicts[grade_id] is False


@pytest.mark.nbgrader
def test_patcher_fakes_passes_in_the_kernel(graded):
    """The cheat works in the kernel: the audit is what catches it."""
    scores, _, _, _ = graded["activity1", "patcher"]
    assert all(score == maximum for score, maximum in scores.values())


@pytest.mark.nbgrader
def test_patcher_loses_the_faked_tasks_and_is_flagged(graded):
    scores, audit, new, flags = graded["activity1", "patcher"]
    for task in ("mask", "table"):
        for grade_id in ACTIVITY1_TASKS[task]:
            assert new[grade_id][0] == 0
            assert any(flag.startswith(f"{grade_id}: in-kernel") for flag in flags)
    assert "JPEG" in audit.messages["a1_task2_mask_lossless_visible"]
    assert "comes closest" in audit.messages["a1_task3_table_tab_visible"]
    assert any("sys.modules" in flag for flag in audit.flags)
    assert any("label_mask_result" in flag for flag in audit.flags)
    # The other tasks are re-checked from their files and evidence: kept.
    for task in ("rois", "settings"):
        for grade_id in ACTIVITY1_TASKS[task]:
            assert new[grade_id] == scores[grade_id]
    assert new["a1_task1_output_dir_visible"] == scores["a1_task1_output_dir_visible"]
    total = sum(score for score, _ in new.values())
    assert total == 20 - 5 - 4  # all but the faked mask and table tasks


@pytest.mark.nbgrader
def test_computed_quiz_answers_score_zero(graded):
    scores, audit, new, flags = graded["quiz", "computed"]
    assert all(score == maximum for score, maximum in scores.values())
    assert all(score == 0 for score, _ in new.values())
    assert flags == []  # the form of an answer, not tampering: no review
    assert "function definition" in audit.messages["quiz_q1_three_types"]
    assert "a function call" in audit.messages["quiz_q2_format"]
    assert "a calculation" in audit.messages["quiz_q3_jpeg"]
    assert "an f-string" in audit.messages["quiz_q4_tab"]


@pytest.mark.nbgrader
def test_quiz_patcher_scores_its_literals_and_is_flagged(graded):
    scores, audit, new, flags = graded["quiz", "quiz_patcher"]
    assert all(score == maximum for score, maximum in scores.values())
    assert all(score == 0 for score, _ in new.values())
    assert "an import" in audit.messages["quiz_q1_one_type"]
    assert "proprietary" in audit.messages["quiz_q2_format"]
    assert flags[0].startswith("possible tampering with the grader")
    assert "_quiz.assert_passes" in flags[0]
    # Question 1's cell is not plain values (an import): no review for its
    # form; questions 2 to 4 were faked in the kernel: one flag each.
    assert len(flags) == 1 + 3


def test_audit_module_lists_its_public_names():
    assert set(audit_module.__all__) >= {"audit_notebook", "apply_audit", "AuditResult"}


def test_every_audit_message_exists_and_follows_the_house_rules():
    package = Path(audit_module.__file__).parent
    # The audit's own messages, and those its tasks' declarations name.
    grading = package.parents[1] / "grading"
    paths = [*package.glob("*.py"), *grading.glob("*tasks.py")]
    source = "".join(p.read_text(encoding="utf-8") for p in paths)
    used = set(re.findall(r'"(classroom\.audit_[a-z_0-9]+)"', source))
    assert len(used) >= 14
    assert used <= set(MESSAGES)
    for code in used:
        severity, template = MESSAGES[code]
        assert severity in ("error", "note")
        assert template.count(". ") <= 1  # at most two sentences
        assert not any(token in template for token in ("`", "=", "(...)", "import "))


def test_hidden_test_notes_are_read_where_the_graded_folder_was_copied(tmp_path):
    """A worker grades in its own scratch; the notes are read again in the course."""
    from outputsaving.classroom import evidence_audit

    folder = tmp_path / "autograded" / "a1_mask-x1"
    folder.mkdir(parents=True)
    (folder / "labels.tif").write_bytes(b"II*\x00")
    seen = "/scratch/worker-1/autograded/alice/activity1/.evidence/a1_mask-x1"
    note = {"folder": seen, "returned": f"{seen}/labels.tif"}
    assert evidence_audit._returned_file(note, folder) == folder / "labels.tif"
    # Paths that leave the folder stay text, for the checks to name them.
    for returned in (f"{seen}/../../secret.txt", "/elsewhere/labels.tif"):
        note = {"folder": seen, "returned": returned}
        assert evidence_audit._returned_file(note, folder) == returned
