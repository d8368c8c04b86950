"""Activity 1's hidden tests on data the learner's functions have never seen.

Each hidden function test of activity 1 (:mod:`outputsaving.grading.activity1`:
``grade_label_mask``, ``grade_table``, ``grade_rois``) calls the learner's
function once more, into a fresh folder of its own, on data made at grading
time from the seed of the unseen data (:func:`unseen_seed`): labels of a crop
of the input image with other size limits and another count of objects
(:func:`unseen_labels`), their measurements (:func:`unseen_table`), their ROIs.
The file must hold exactly what the function was given
(:func:`unseen_mask_result`, :func:`unseen_table_result`,
:func:`unseen_rois_result`), and not the same bytes as on the reference data
(:func:`same_file_result`).

Every check here takes the data from the seed, so that the class grader's
audit (:mod:`outputsaving.classroom.evidence_audit`) makes them again outside
the learner's kernel and judges the saved files with the same functions;
activity 2's unseen data (:mod:`outputsaving.grading.activity2_unseen`) start
from the same seed and labels.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import tifffile

from outputsaving import monitor
from outputsaving.analysis import measure_objects, segment_shapes
from outputsaving.datasets import data_path
from outputsaving.files import open_no_follow
from outputsaving.findings import CheckResult
from outputsaving.grading import evidence
from outputsaving.grading.common import (
    INPUT_NAME,
    _check_numbering,
    _reference,
    call_learner_function,
    saved_file,
    task_result,
)
from outputsaving.grading.environment import (
    DEFAULT_UNSEEN_SEED,
    UNSEEN_VARIABLE,
    unseen_seed,
)
from outputsaving.labels import check_label_mask
from outputsaving.rois import check_rois
from outputsaving.table import check_table

__all__ = [
    "DEFAULT_UNSEEN_SEED",
    "UNSEEN_VARIABLE",
    "notebook_variables",
    "same_file_result",
    "unseen_labels",
    "unseen_mask_result",
    "unseen_params",
    "unseen_rois_result",
    "unseen_seed",
    "unseen_table",
    "unseen_table_result",
]


# -- the unseen data: each hidden function test's second call -----------------------

#: What the unseen labels are made of: a crop of the input image, segmented
#: with other size limits (:func:`unseen_params`).
UNSEEN_KEYS = ("seed", "top", "left", "height", "width", "min_size", "max_size")
#: Each save function's data, its parameter's usual name and the test of what
#: a notebook variable of that data looks like (for :func:`notebook_variables`).
_UNSEEN_DATA = {
    "save_label_mask": ("labels", lambda value: isinstance(value, np.ndarray)),
    "save_table": ("table", lambda value: isinstance(value, pd.DataFrame)),
    "save_rois": (
        "rois",
        lambda value: (
            isinstance(value, list)
            and bool(value)
            and all(type(item).__name__ == "ImagejRoi" for item in value)
        ),
    ),
}


@functools.cache
def _unseen(seed: int, /) -> tuple[tuple[tuple[str, int], ...], np.ndarray]:
    image = tifffile.imread(data_path(INPUT_NAME))
    rows, cols = image.shape[:2]
    reference_count = int(_reference().max())
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        height = int(rng.integers(rows // 2, rows - 9))
        width = int(rng.integers(cols // 2, cols - 9))
        top = int(rng.integers(0, rows - height + 1))
        left = int(rng.integers(0, cols - width + 1))
        min_size = int(rng.integers(0, 80))
        max_size = int(rng.integers(300, 3000))
        crop = image[top : top + height, left : left + width]
        labels = segment_shapes(crop, min_size=min_size, max_size=max_size)
        if 2 <= int(labels.max()) != reference_count:
            labels.flags.writeable = False
            values = (seed, top, left, height, width, min_size, max_size)
            return tuple(zip(UNSEEN_KEYS, values, strict=True)), labels
    msg = f"no crop of {INPUT_NAME} holds another count of objects (seed {seed})"
    raise RuntimeError(msg)


def unseen_params() -> dict[str, int]:
    """What the unseen labels are made of, for the evidence note and the audit."""
    return dict(_unseen(unseen_seed())[0])


def unseen_labels() -> np.ndarray:
    """Labels no save function has seen before grading: a crop of the input
    image with other size limits, and another count of objects (a copy)."""
    return _unseen(unseen_seed())[1].copy()


def unseen_table() -> pd.DataFrame:
    """The measurements of :func:`unseen_labels`."""
    return measure_objects(_unseen(unseen_seed())[1])


def notebook_variables(function, name: str, /, looks_like=None) -> list[str]:
    """Global names ``function``'s code reads that hold data like its argument.

    ``name``: the save function's name (a key of ``_UNSEEN_DATA``), unless
    ``looks_like`` (value -> bool) says what its data look like. A function
    that saves the notebook's ``table`` instead of its parameter reads it here.
    """
    code = getattr(function, "__code__", None)
    namespace = getattr(function, "__globals__", None)
    if code is None or not isinstance(namespace, dict):
        return []
    if looks_like is None:
        _, looks_like = _UNSEEN_DATA[name]
    names: set[str] = set()
    stack = [code]
    while stack:
        each = stack.pop()
        names.update(each.co_names)
        stack.extend(c for c in each.co_consts if inspect.iscode(c))
    found = {n for n in names if n in namespace and looks_like(namespace[n])}
    # A function defined inside another reads the outer one's variables.
    cells = getattr(function, "__closure__", None) or ()
    for name_, cell in zip(code.co_freevars, cells, strict=False):
        with contextlib.suppress(ValueError):
            if looks_like(cell.cell_contents):
                found.add(name_)
    return sorted(found)


def _parameter(function, name: str, /) -> str:
    """The name of ``function``'s first parameter, for messages."""
    try:
        parameters = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        parameters = []
    return parameters[0] if parameters else _UNSEEN_DATA[name][0]


def _unseen_call(key: str, function, data, first_path, name: str, /) -> list:
    """Call ``function`` on unseen ``data`` in a fresh folder; judge its file.

    ``first_path``: what it returned on the reference data (the same bytes
    both times is told as such).
    """
    __tracebackhide__ = True
    folder = evidence.test_folder(f"{key}_unseen")
    given = copy.deepcopy(data) if name == "save_rois" else data
    with evidence.call_writes(folder, name) as written:
        path = call_learner_function(function, given, folder, name=name)
    parameter = _parameter(function, name)
    reads = notebook_variables(function, name)
    evidence.record(
        f"{key}_unseen",
        folder,
        returned=path,
        written=written,
        unseen=unseen_params(),
        parameter=parameter,
        reads=reads,
    )
    judge = {
        "save_label_mask": unseen_mask_result,
        "save_table": unseen_table_result,
        "save_rois": unseen_rois_result,
    }[name]
    expected = data if name == "save_table" else unseen_labels()
    return [
        evidence.written_result(written, returned=path),
        same_file_result(first_path, path, name=name, reads=reads),
        *judge(path, expected, folder, name=name, parameter=parameter),
    ]


#: Bytes of a saved file compared with the other call's, at most.
MAX_COMPARED_BYTES = 64 * 1024 * 1024


def _file_bytes(path) -> bytes | None:
    try:
        with open_no_follow(Path(path)) as stream:
            data = stream.read(MAX_COMPARED_BYTES + 1)
    except (OSError, TypeError, ValueError):
        return None
    return data if len(data) <= MAX_COMPARED_BYTES else None


def same_file_result(first, second, /, *, name: str, reads=()) -> CheckResult:
    """Fail when a save function saved the same bytes for different data.

    ``first``, ``second``: the files it returned for the reference and the
    unseen data. A function that reads a notebook variable of that data
    (``reads``, from :func:`notebook_variables`) is told about its parameter
    by the unseen check instead: an honest mistake, not a copy kept aside.
    """
    result = task_result("unseen data", second if second is not None else "")
    if reads or first is None or second is None:
        return result
    data = _file_bytes(first)
    if data is not None and data == _file_bytes(second):
        result.add("activity1.unseen_same_file", name=name, size=len(data))
    return result


def _labels_words(labels: np.ndarray) -> str:
    count = int(np.unique(labels[labels > 0]).size)
    shape = labels.shape
    size = f"{shape[1]} x {shape[0]} pixels" if labels.ndim == 2 else f"{shape}"
    return f"{size}, {count} object{'s' if count != 1 else ''}"


def unseen_mask_result(
    path, labels, output_dir=None, /, *, name="save_label_mask", parameter="labels"
) -> list[CheckResult]:
    """The saved mask holds exactly ``labels``, the unseen labels it was given."""
    task = task_result("label mask", path)
    path = saved_file(task, path, output_dir, name=name)
    if path is None:
        return [task]
    check = check_label_mask(path, reference=labels)
    content = check.content
    if isinstance(content, np.ndarray) and content.ndim == 2:
        count = np.unique(content[content > 0]).size
        if content.shape != labels.shape or count != int(labels.max()):
            task.add(
                "activity1.unseen_mask_differs",
                name=name,
                parameter=parameter,
                found=_labels_words(content),
                expected=_labels_words(labels),
            )
            return [task]
    if check.passed:
        _check_numbering(task, content, labels)
    return [task, check]


def _table_difference(found: pd.DataFrame, given: pd.DataFrame):
    """``(found, expected)`` words of how ``found`` differs from ``given``."""
    if len(found) != len(given):
        return f"{len(found)} rows", f"{len(given)}"
    found_columns = [str(c) for c in found.columns]
    given_columns = [str(c) for c in given.columns]
    if found_columns != given_columns:
        return (
            f"the columns {', '.join(found_columns[:8])}",
            ", ".join(given_columns[:8]),
        )
    for column in given_columns:
        values = pd.to_numeric(found[column], errors="coerce").to_numpy(float)
        expected = given[column].to_numpy(float)
        # Written with fewer decimals (float_format="%.3f") is the same table.
        if not np.allclose(values, expected, rtol=1e-3, atol=0.01):
            return f"other values in its column {column}", "the same rows and columns"
    return None


def unseen_table_result(
    path,
    table,
    output_dir=None,
    /,
    *,
    name="save_table",
    parameter="table",
    sep="tab",
) -> list[CheckResult]:
    """The saved table holds ``table``'s columns and values, delimited by
    ``sep`` (as :func:`~outputsaving.table.check_table` takes it)."""
    task = task_result("table", path)
    path = saved_file(task, path, output_dir, name=name)
    if path is None:
        return [task]
    check = check_table(path, sep=sep)
    content = check.content
    if check.passed and isinstance(content, pd.DataFrame):
        differs = _table_difference(content, table)
        if differs is not None:
            task.add(
                "activity1.unseen_table_differs",
                name=name,
                parameter=parameter,
                found=differs[0],
                expected=differs[1],
            )
    return [task, check]


#: The ROI checker's findings that say the ROIs outline other objects.
_OTHER_ROIS = frozenset(
    {
        "rois.outside_image",
        "rois.count_mismatch",
        "rois.missing_objects",
        "rois.extra_rois",
        "rois.poor_match",
        "rois.empty",
    }
)


def unseen_rois_result(
    path, labels, output_dir=None, /, *, name="save_rois", parameter="rois"
) -> list[CheckResult]:
    """The saved ROIs outline ``labels``' objects, one each (areas matched)."""
    task = task_result("ROI set", path)
    path = saved_file(task, path, output_dir, name=name)
    if path is None:
        return [task]
    check = check_rois(path, labels=labels)
    content = check.content
    expected = int(labels.max())
    codes = {finding.code for finding in check.errors}
    other = isinstance(content, list) and (
        (check.passed and len(content) != expected) or codes & _OTHER_ROIS
    )
    if other:
        task.add(
            "activity1.unseen_rois_differs",
            name=name,
            parameter=parameter,
            found=f"{len(content)} ROI{'s' if len(content) != 1 else ''}",
            expected=f"{expected}",
        )
        return [task]
    return [task, check]


monitor.watch(__name__)
