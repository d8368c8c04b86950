"""Grading of activity 1, "Save file outputs".

The notebook's test cells call the ``grade_*`` functions; the self-check cells
call :mod:`outputsaving.selfcheck`, which prints the results of the ``*_result``
functions. Both compare the learner's files with a reference computed here,
independently of the notebook, from the shipped input image.

Visible tests (``grade_saved_*``) check the files the notebook saved into
``OUTPUT_DIR``. Hidden tests (``grade_label_mask`` ...) call the learner's
save function with a fresh empty folder, so that only what the function writes
counts, and check the file strictly: for the ROIs the function runs twice into
the same folder; for the settings the analysis is re-run from the saved file in
a fresh Python process, so that nothing of the learner's session helps. The
hidden tests of the save functions then call them once more on data they have
never seen (:mod:`outputsaving.grading.activity1_unseen`).

Under the class grader (``outputsaving grade``, which sets the environment
variable ``OUTPUTSAVING_GRADER=1`` in the kernel's sandbox) the settings are
re-run in the kernel's own process instead: the grader's audit re-runs them
again outside the learner's kernel, and its verdict wins, so the fresh process
would only add about a second of start-up per submission.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path, PurePath, PureWindowsPath

import numpy as np
import tifffile

from outputsaving import monitor
from outputsaving.analysis import measure_objects, segment_shapes
from outputsaving.datasets import MANY_NUCLEI, RANDOM_SHAPES, data_path
from outputsaving.findings import CheckResult
from outputsaving.grading import evidence
from outputsaving.grading.activity1_unseen import (
    _unseen_call,
    unseen_labels,
    unseen_table,
)
from outputsaving.grading.common import (
    INPUT_NAME,
    MAX_SIZE,
    MIN_SIZE,
    _check_numbering,
    _reference,
    assert_passes,
    call_learner_function,
    is_inside,
    saved_file,
    task_result,
)
from outputsaving.grading.environment import GRADER_VARIABLE
from outputsaving.grading.rerun import BAD_SETTINGS, UNEXPECTED_ERROR, rerun_outcome
from outputsaving.labels import check_label_mask
from outputsaving.rois import check_rois, rois_from_labels
from outputsaving.settings import check_settings, file_sha256
from outputsaving.sniff import FORMAT_NAMES, sniff_format
from outputsaving.table import check_table

__all__ = [
    "INPUT_NAME",
    "MAX_SIZE",
    "MIN_SIZE",
    "grade_label_mask",
    "grade_output_dir",
    "grade_output_dir_exists",
    "grade_rois",
    "grade_saved_label_mask",
    "grade_saved_rois",
    "grade_saved_settings",
    "grade_saved_table",
    "grade_settings",
    "grade_table",
    "label_mask_result",
    "output_dir_result",
    "reference_labels",
    "rerun_in_fresh_process",
    "rerun_in_process",
    "rois_result",
    "settings_result",
    "table_result",
]

#: Seconds the fresh-process re-run may take.
RERUN_TIMEOUT = 120

_INPUT_NAMES = (RANDOM_SHAPES, MANY_NUCLEI)


def reference_labels() -> np.ndarray:
    """Return the reference labels, computed from the shipped input image.

    Returns
    -------
    labels : (200, 200) ndarray of int32
        A copy; label 0 is background.
    """
    return _reference().copy()


# -- task 1: the output folder ----------------------------------------------------


def output_dir_result(
    output_dir, /, *, strict: bool = True, existence: bool = True
) -> CheckResult:
    """Check the learner's ``OUTPUT_DIR``.

    Parameters
    ----------
    output_dir : Path
        The learner's output folder, as set in the notebook.
    strict : bool, optional
        Check that the folder is relative, portable and separate from the
        input images, the course package and the notebook's own files (the
        notebook's folder is the current working directory).
    existence : bool, optional
        Check that the folder is a pathlib Path and exists. Each test cell
        judges one of the two (the visible test: a Path to a folder that
        exists; the hidden test: where it is, whatever its type); the
        self-check reports both.

    A text path is located like a Path: only ``existence`` asks for the type.
    """
    result = task_result("output folder", output_dir)
    if output_dir is None:  # the placeholder: task 1 not done yet
        result.add("activity1.output_dir_not_set")
        return result
    if not isinstance(output_dir, (str, PurePath)) or not str(output_dir):
        result.add("activity1.output_dir_not_path", found=_describe(output_dir))
        return result
    if existence and not isinstance(output_dir, PurePath):
        result.add("activity1.output_dir_not_path", found=_describe(output_dir))
    text = str(output_dir)
    folder = Path(output_dir)
    absolute = (
        folder.is_absolute()
        or PureWindowsPath(text).drive != ""
        or text.startswith(("~", "\\"))
    )
    if existence and not folder.exists():
        result.add("activity1.output_dir_missing", path=text)
    elif existence and not folder.is_dir():
        result.add("activity1.output_dir_not_folder", path=text)
    if not strict:
        return result
    if absolute:
        result.add("activity1.output_dir_absolute", path=text)
    elif "\\" in text and os.sep == "/":
        # Path("output\\run1") on Windows is a subfolder; elsewhere one name.
        result.add("activity1.output_dir_backslash", path=text)
    notebook_folder = Path.cwd().resolve()
    resolved = folder.expanduser().resolve()
    if _in_input_folder(resolved, notebook_folder):
        result.add("activity1.output_dir_in_data", path=text)
    elif is_inside(resolved, Path(str(resources.files("outputsaving")))):
        result.add("activity1.output_dir_in_package", path=text)
    elif resolved == notebook_folder:
        result.add("activity1.output_dir_is_notebook_folder")
    elif not absolute and not is_inside(resolved, notebook_folder):
        result.add("activity1.output_dir_outside", path=text)
    return result


def _describe(value) -> str:
    if isinstance(value, str):
        return f"the text {value!r}" if value else "an empty text"
    return "None" if value is None else f"a {type(value).__name__}"


def _in_input_folder(folder: Path, notebook_folder: Path) -> bool:
    """True when ``folder`` is, or is inside, a folder holding the input images.

    Folders that also hold the notebook are not counted: a learner may keep
    the image next to a standalone copy of the notebook.
    """
    if is_inside(folder, data_path(INPUT_NAME).parent):
        return True
    for candidate in (folder, *folder.parents):
        if is_inside(notebook_folder, candidate):
            return False
        if any((candidate / name).is_file() for name in _INPUT_NAMES):
            return True
    return False


def grade_output_dir_exists(output_dir, /) -> None:
    """Visible test of task 1: ``OUTPUT_DIR`` is a pathlib Path to a folder."""
    __tracebackhide__ = True
    assert_passes(output_dir_result(output_dir, strict=False))


def grade_output_dir(output_dir, /) -> None:
    """Hidden test of task 1: the folder is relative, portable and separate."""
    __tracebackhide__ = True
    assert_passes(output_dir_result(output_dir, existence=False))


# -- tasks 2 to 5: the saved files ----------------------------------------------------


def label_mask_result(
    path, /, output_dir=None, *, name="save_label_mask", reference=None
):
    """Check a saved label mask: lossless TIFF, the reference's objects.

    Parameters
    ----------
    path : str or Path
        What the learner's save function returned.
    output_dir : str or Path, optional
        The folder it was given; the file must be inside it.
    name : str, optional
        The function's name, for messages.
    reference : ndarray, optional
        The objects to compare with (default the analysis's reference labels).

    Returns
    -------
    list of CheckResult
        The task-level result, then the checker's (when there is a file).
    """
    reference = _reference() if reference is None else reference
    task = task_result("label mask", path)
    path = saved_file(task, path, output_dir, name=name)
    if path is None:
        return [task]
    check = check_label_mask(path, reference=reference)
    if check.passed:
        fmt = sniff_format(path)
        if fmt != "tiff":
            task.add("activity1.mask_not_tiff", found=FORMAT_NAMES.get(fmt, fmt))
        _check_numbering(task, check.content, reference)
    return [task, check]


def table_result(path, /, output_dir=None, *, name="save_table", reference=None):
    """Check a saved table: tab-delimited, no index, the reference's areas."""
    reference = _reference() if reference is None else reference
    task = task_result("table", path)
    path = saved_file(task, path, output_dir, name=name)
    if path is None:
        return [task]
    return [task, check_table(path, sep="tab", labels=reference)]


def rois_result(path, /, output_dir=None, *, name="save_rois", reference=None):
    """Check a saved ROI set: an ImageJ ROI zip with one ROI per object."""
    reference = _reference() if reference is None else reference
    task = task_result("ROI set", path)
    path = saved_file(task, path, output_dir, name=name)
    if path is None:
        return [task]
    check = check_rois(path, labels=reference)
    expected = len(np.unique(reference[reference > 0]))
    content = check.content
    if check.passed and isinstance(content, list) and len(content) != expected:
        task.add("activity1.rois_count", found=len(content), expected=expected)
    return [task, check]


def settings_result(path, /, output_dir=None, *, name="save_settings", limits=None):
    """Check a saved settings file: valid, the activity's input and the limits.

    ``limits``: the ``(min_size, max_size)`` the file must hold; default the
    activity's given limits (a notebook's own saved file); the hidden test
    passes the notebook's parameters (what the run used).
    """
    task = task_result("settings", path)
    path = saved_file(task, path, output_dir, name=name)
    if path is None:
        return [task]
    check = check_settings(path)
    settings = check.content
    if isinstance(settings, dict):
        _compare_settings(task, settings, limits)
    return [task, check]


def _compare_settings(result: CheckResult, settings: dict, limits) -> None:
    name = settings.get("input_file")
    # A name with folders is the settings checker's finding, not repeated here.
    plain = isinstance(name, str) and name == PureWindowsPath(name).name
    if plain and name != INPUT_NAME:
        found = repr(name)[:80]
        result.add("activity1.settings_input_file", found=found, expected=INPUT_NAME)
    elif name == INPUT_NAME and "input_sha256" in settings:
        checksum = settings["input_sha256"]
        expected = file_sha256(data_path(INPUT_NAME))
        if not isinstance(checksum, str) or checksum.lower() != expected:
            result.add("activity1.settings_checksum")
    found = (settings.get("min_size"), settings.get("max_size"))
    expected = (MIN_SIZE, MAX_SIZE) if limits is None else tuple(limits)
    numbers = all(
        isinstance(value, (int, float)) and not isinstance(value, bool)
        for value in found
    )  # other values are told by the settings check (text, say, not numbers)
    if numbers and found != expected:
        result.add(
            "activity1.settings_sizes_run" if limits else "activity1.settings_sizes",
            min_found=found[0],
            max_found=found[1],
            min_expected=expected[0],
            max_expected=expected[1],
        )


# -- visible tests: the files the notebook saved -----------------------------------


def grade_saved_label_mask(path, output_dir, /) -> None:
    """Visible test of task 2: the saved mask passes, inside ``OUTPUT_DIR``."""
    __tracebackhide__ = True
    evidence.record("a1_mask_visible", path=path)
    assert_passes(*label_mask_result(path, output_dir))


def grade_saved_table(path, output_dir, /) -> None:
    """Visible test of task 3: the saved table passes, inside ``OUTPUT_DIR``."""
    __tracebackhide__ = True
    evidence.record("a1_table_visible", path=path)
    assert_passes(*table_result(path, output_dir))


def grade_saved_rois(path, output_dir, /) -> None:
    """Visible test of task 4: the saved ROI set passes, inside ``OUTPUT_DIR``."""
    __tracebackhide__ = True
    evidence.record("a1_rois_visible", path=path)
    assert_passes(*rois_result(path, output_dir))


def grade_saved_settings(path, output_dir, /) -> None:
    """Visible test of task 5: the saved settings pass, inside ``OUTPUT_DIR``."""
    __tracebackhide__ = True
    evidence.record("a1_settings_visible", path=path)
    assert_passes(*settings_result(path, output_dir))


# -- hidden tests: the learner's functions, on reference data, in a fresh folder ----


def reference_table():
    """The reference measurements: the notebook's table, from the reference labels."""
    return measure_objects(_reference())


def grade_label_mask(save_label_mask, /) -> None:
    """Hidden test of task 2: ``save_label_mask`` of the reference labels.

    The labels are the activity's, computed here from the input image and the
    given size limits, so that a notebook whose own ``labels`` differ (a
    changed parameter, an earlier mistake) is judged on this task alone. Then
    the function saves labels it has never seen (:func:`unseen_labels`) into
    another fresh folder, and the file must hold exactly those.
    """
    __tracebackhide__ = True
    folder = evidence.test_folder("a1_mask")
    labels = reference_labels()
    with evidence.call_writes(folder, "save_label_mask") as written:
        path = call_learner_function(
            save_label_mask, labels, folder, name="save_label_mask"
        )
    evidence.record("a1_mask", folder, returned=path, written=written)
    assert_passes(
        evidence.written_result(written, returned=path),
        *label_mask_result(path, folder),
    )
    assert_passes(
        *_unseen_call(
            "a1_mask", save_label_mask, unseen_labels(), path, "save_label_mask"
        )
    )


def grade_table(save_table, /) -> None:
    """Hidden test of task 3: ``save_table`` of the reference measurements,
    then of a table it has never seen (:func:`unseen_table`)."""
    __tracebackhide__ = True
    folder = evidence.test_folder("a1_table")
    table = reference_table()
    with evidence.call_writes(folder, "save_table") as written:
        path = call_learner_function(save_table, table, folder, name="save_table")
    evidence.record("a1_table", folder, returned=path, written=written)
    assert_passes(
        evidence.written_result(written, returned=path), *table_result(path, folder)
    )
    assert_passes(
        *_unseen_call("a1_table", save_table, unseen_table(), path, "save_table")
    )


def grade_rois(save_rois, /) -> None:
    """Hidden test of task 4: ``save_rois`` of the reference ROIs, twice, then
    once the ROIs of labels it has never seen (:func:`unseen_labels`)."""
    __tracebackhide__ = True
    folder = evidence.test_folder("a1_rois")
    rois = rois_from_labels(_reference())
    copies = [copy.deepcopy(rois) for _ in range(2)]
    with evidence.call_writes(folder, "save_rois") as written:
        for each in copies:
            path = call_learner_function(save_rois, each, folder, name="save_rois")
    evidence.record("a1_rois", folder, returned=path, written=written)
    assert_passes(
        evidence.written_result(written, returned=path), *rois_result(path, folder)
    )
    unseen = rois_from_labels(unseen_labels())
    assert_passes(*_unseen_call("a1_rois", save_rois, unseen, path, "save_rois"))


#: Size limits of the settings the re-run is tried with, besides the learner's.
OTHER_LIMITS = (600, 2000)


def grade_settings(
    save_settings,
    rerun_from_settings,
    /,
    *,
    min_size: int = MIN_SIZE,
    max_size: int = MAX_SIZE,
) -> None:
    """Hidden test of task 5: the settings saved, and the re-run from settings.

    ``save_settings`` saves into a fresh folder; the file must pass and hold
    this run's size limits (``min_size``, ``max_size``: the notebook's
    parameters); the analysis re-run from it in a new Python process (in this
    process under the class grader, see :func:`_rerun`) must give the labels
    of those limits. Then ``rerun_from_settings`` must give the right labels
    for that file and for a file with other size limits, and must refuse
    (raise) a file whose input checksum does not match the input image.
    """
    __tracebackhide__ = True
    limits = (min_size, max_size)
    folder = evidence.test_folder("a1_settings")
    with evidence.call_writes(folder, "save_settings") as written:
        path = call_learner_function(save_settings, folder, name="save_settings")
    evidence.record(
        "a1_settings", folder, returned=path, limits=list(limits), written=written
    )
    assert_passes(
        evidence.written_result(written, returned=path),
        *settings_result(path, folder, limits=limits),
    )
    assert_passes(settings_rerun_result(path, limits))
    assert_passes(_rerun_function_result(rerun_from_settings, Path(path)))


def settings_rerun_result(path, limits, /, *, rerun=None) -> CheckResult:
    """The reference analysis re-run from a settings file gives ``limits``' labels.

    ``rerun``: how to re-run (default :func:`_rerun`; the audit re-runs in
    its own process with :func:`rerun_in_process`).
    """
    result = task_result("settings", path)
    labels, reason = (rerun or _rerun)(path)
    expected = reference_labels_for(*limits)
    if labels is None:
        result.add("activity1.settings_rerun_failed", reason=reason)
    elif not np.array_equal(labels, expected):
        result.add(
            "activity1.settings_rerun_differs",
            found=int(labels.max()),
            expected=int(expected.max()),
        )
    return result


def reference_labels_for(min_size: int, max_size: int, /) -> np.ndarray:
    """The analysis' labels for other size limits (the given image)."""
    if (min_size, max_size) == (MIN_SIZE, MAX_SIZE):
        return _reference()
    image = tifffile.imread(data_path(INPUT_NAME))
    return segment_shapes(image, min_size=min_size, max_size=max_size)


#: The cases ``rerun_from_settings`` is tried with, in order (:func:`rerun_cases`).
RERUN_CASES = ("saved", "other", "bad_checksum")


class Raised(Exception):
    """A learner's function raised ``name`` (as the audit reads it back)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def rerun_cases(settings_path: Path, folder: Path, /) -> list[tuple[str, Path]]:
    """The settings files ``rerun_from_settings`` is tried with, written to ``folder``.

    ``"saved"`` is the learner's own file; ``"other"`` the same with the size
    limits :data:`OTHER_LIMITS`; ``"bad_checksum"`` the same with an input
    checksum that does not match the input image (it must be refused).
    """
    saved = json.loads(Path(settings_path).read_text(encoding="utf-8"))
    other = {**saved, "min_size": OTHER_LIMITS[0], "max_size": OTHER_LIMITS[1]}
    bad = {**saved, "input_sha256": "0" * 64}
    cases = [("saved", Path(settings_path))]
    for name, content in (("other", other), ("bad_checksum", bad)):
        path = Path(folder) / f"settings_{name}.json"
        path.write_text(json.dumps(content, indent=1), encoding="utf-8")
        cases.append((name, path))
    return cases


def rerun_case_result(name: str, saved_settings, returned, /) -> CheckResult:
    """Judge what ``rerun_from_settings`` gave for one case of :func:`rerun_cases`.

    ``saved_settings`` is the learner's settings file (its limits are the
    ``"saved"`` case's); ``returned`` the labels it returned, or the
    exception it raised (a :class:`Raised` when read back from evidence).
    """
    result = task_result("re-run", "")
    raised = isinstance(returned, BaseException)
    if name == "bad_checksum":
        if not raised:
            result.add("activity1.rerun_checksum_not_checked")
        return result
    if raised:
        error = getattr(returned, "name", type(returned).__name__)
        text = "" if isinstance(returned, Raised) else str(returned).strip()
        result.add(
            "task.function_failed",
            name="rerun_from_settings",
            error=error,
            detail=f": {text.splitlines()[0][:200]}" if text else "",
        )
        return result
    if name == "other":
        limits = OTHER_LIMITS
    else:
        saved = json.loads(Path(saved_settings).read_text(encoding="utf-8"))
        limits = (saved["min_size"], saved["max_size"])
    expected = reference_labels_for(*limits)
    comparable = isinstance(returned, np.ndarray) and returned.shape == expected.shape
    if name == "other" and comparable:
        if not np.array_equal(returned, expected):
            result.add(
                "activity1.rerun_ignores_settings",
                low=limits[0],
                high=limits[1],
                found=int(np.unique(returned[returned > 0]).size),
                expected=int(expected.max()),
            )
        return result
    return _rerun_result(returned, expected)


def _rerun_function_result(rerun_from_settings, settings_path: Path) -> CheckResult:
    """Try ``rerun_from_settings`` on every case; record and judge what it gave."""
    folder = evidence.test_folder("a1_rerun")
    cases = rerun_cases(settings_path, folder)
    if not callable(rerun_from_settings):
        result = task_result("re-run", "")
        found = type(rerun_from_settings).__name__
        result.add("task.not_callable", name="rerun_from_settings", found=found)
        return result
    notes = []
    results = []
    for name, path in cases:
        try:
            returned = rerun_from_settings(Path(path))
        except NotImplementedError:
            result = task_result("re-run", "")
            result.add("task.not_implemented", name="rerun_from_settings")
            return result
        except Exception as error:
            returned = error
        if isinstance(returned, BaseException):
            kept = f"raised {type(returned).__name__}"
        else:
            kept = evidence.record_array(folder, name, returned)
        notes.append({"case": name, "settings": Path(path).name, "returned": kept})
        results.append(rerun_case_result(name, settings_path, returned))
    evidence.record("a1_rerun", folder, cases=notes)
    failed = [result for result in results if not result.passed]
    return failed[0] if failed else results[0]


def _rerun_result(rerun, reference: np.ndarray) -> CheckResult:
    result = task_result("re-run", "")
    if rerun is None:
        result.add("task.not_done", name="rerun_from_settings")
    elif not isinstance(rerun, np.ndarray) or rerun.ndim != 2:
        shape = getattr(rerun, "shape", None)
        found = _describe(rerun) if shape is None else f"an array of shape {shape}"
        result.add("activity1.rerun_not_labels", found=found)
    elif rerun.shape != reference.shape:
        result.add("activity1.rerun_differs", found=f"shape {rerun.shape}")
    elif not np.array_equal(rerun, reference):
        count = int(np.count_nonzero(rerun != reference))
        result.add("activity1.rerun_differs", found=f"{count} pixels differ")
    return result


def _rerun(settings_path, /) -> tuple[np.ndarray | None, str]:
    """The hidden test's re-run: in this process only under the class grader.

    In a learner's own kernel the re-run needs a fresh process, so that
    nothing of the session helps. The class grader sets ``OUTPUTSAVING_GRADER``
    to "1" in the kernel's environment; its audit re-runs the settings again,
    outside the learner's kernel, and wins, so the hidden test may save the
    fresh process's start-up.
    """
    if os.environ.get(GRADER_VARIABLE) == "1":
        return rerun_in_process(settings_path)
    return rerun_in_fresh_process(settings_path)


def rerun_in_process(settings_path, /) -> tuple[np.ndarray | None, str]:
    """Re-run the reference analysis from a settings file in this process.

    Only for a process that holds no learner state (the class grader's audit)
    or whose verdict is repeated by one. The same result and reasons as
    :func:`rerun_in_fresh_process` (both come from
    :func:`outputsaving.grading.rerun.rerun_outcome`), at no start-up cost.

    Returns
    -------
    labels : (M, N) ndarray or None
        None when the re-run failed.
    reason : str
        Why it failed, in a learner's words; empty on success.
    """
    return rerun_outcome(settings_path)


def rerun_in_fresh_process(settings_path, /) -> tuple[np.ndarray | None, str]:
    """Re-run the reference analysis from a settings file in a new process.

    Returns
    -------
    labels : (M, N) ndarray or None
        None when the re-run failed.
    reason : str
        Why it failed, in a learner's words; empty on success.
    """
    with tempfile.TemporaryDirectory(prefix="outputsaving-rerun-") as tmp:
        output = Path(tmp) / "labels.npy"
        command = [sys.executable, "-m", "outputsaving.grading.rerun"]
        command += [str(Path(settings_path).resolve()), str(output)]
        try:
            completed = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=RERUN_TIMEOUT,
                check=False,
                cwd=tmp,
            )
        except subprocess.TimeoutExpired:
            return None, f"it took more than {RERUN_TIMEOUT} s"
        lines = completed.stderr.strip().splitlines()
        if completed.returncode == BAD_SETTINGS and lines:
            return None, lines[-1]
        if completed.returncode != 0 or not output.is_file():
            return None, UNEXPECTED_ERROR
        return np.load(output), ""


monitor.watch(__name__)
