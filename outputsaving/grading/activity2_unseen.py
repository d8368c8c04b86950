"""Activity 2's hidden tests on data the learner's functions have never seen.

Each hidden function test of activity 2 (:mod:`outputsaving.grading.activity2`)
calls the learner's function once more, into a fresh folder of its own, on
data made at grading time from the seed of the unseen data
(:func:`outputsaving.grading.activity1_unseen.unseen_seed`), and the file must hold
exactly what it was given (issue 26 §1):

- ``save_table_csv``: the measurements of activity 1's unseen labels (a crop
  of the input image with other size limits and another count of objects),
  comma-separated;
- ``save_mask_png16``, ``save_mask_jpeg``, ``save_mask_colour_png``: those
  labels, as a 16-bit PNG holding them, a JPEG of their size, a colour PNG of
  their size;
- ``save_nuclei_mask``: the labels of a crop of the many-nuclei image, with
  another count of nuclei, still more than 255 (:func:`unseen_nuclei`);
- ``compare_labels``: after the example cases shipped with the course, one
  case of each of their kinds made at grading time
  (:func:`unseen_compare_cases`), whose expected counts are computed only
  after the learner's function returned (:func:`expected_counts`).

Every check here takes the data from the seed, so that the class grader's
audit (:mod:`outputsaving.classroom.evidence_audit`) makes them again outside
the learner's kernel and judges the saved files with the same functions.
"""

from __future__ import annotations

import copy
import functools
import inspect

import numpy as np
import pandas as pd
import tifffile
from PIL import Image
from skimage import filters, measure

from outputsaving import monitor
from outputsaving.datasets import MANY_NUCLEI, data_path
from outputsaving.findings import CheckResult
from outputsaving.grading import activity1_unseen, evidence
from outputsaving.grading.common import (
    call_learner_function,
    expect_format,
    mode_words,
    saved_file,
    task_result,
)

__all__ = [
    "SAVE_FUNCTIONS",
    "UNSEEN_WORDS",
    "expected_counts",
    "nuclei_params",
    "unseen_call",
    "unseen_compare_cases",
    "unseen_file_result",
    "unseen_nuclei",
    "unseen_params",
]

#: The words every unseen compare_labels case is described with.
UNSEEN_WORDS = "made at grading time"
#: Activity 2's save functions: name -> (the key of its hidden test, the data
#: it is given as a notebook variable of that data looks).
SAVE_FUNCTIONS = {
    "save_table_csv": ("a2_table_csv", lambda v: isinstance(v, pd.DataFrame)),
    "save_mask_png16": ("a2_png16", lambda v: isinstance(v, np.ndarray)),
    "save_mask_jpeg": ("a2_jpeg", lambda v: isinstance(v, np.ndarray)),
    "save_mask_colour_png": ("a2_colour_png", lambda v: isinstance(v, np.ndarray)),
    "save_nuclei_mask": ("a2_nuclei", lambda v: isinstance(v, np.ndarray)),
}
_NUCLEI_KEYS = ("seed", "top", "left", "height", "width")


# -- the unseen data ------------------------------------------------------------------


@functools.cache
def _nuclei(seed: int, /) -> tuple[tuple[tuple[str, int], ...], np.ndarray]:
    image = tifffile.imread(data_path(MANY_NUCLEI))
    threshold = filters.threshold_otsu(image)
    reference = int(measure.label(image > threshold).max())
    rows, cols = image.shape[:2]
    rng = np.random.default_rng([seed, 2])
    for _ in range(1000):
        height = int(rng.integers(rows * 3 // 4, rows - 8))
        width = int(rng.integers(cols * 3 // 4, cols - 8))
        top = int(rng.integers(0, rows - height + 1))
        left = int(rng.integers(0, cols - width + 1))
        crop = image[top : top + height, left : left + width]
        labels = measure.label(crop > threshold)
        if 255 < int(labels.max()) != reference:
            labels.flags.writeable = False
            values = (seed, top, left, height, width)
            return tuple(zip(_NUCLEI_KEYS, values, strict=True)), labels
    msg = f"no crop of {MANY_NUCLEI} holds more than 255 other nuclei (seed {seed})"
    raise RuntimeError(msg)


def nuclei_params() -> dict[str, int]:
    """What the unseen nuclei are made of, for the evidence note and the audit."""
    return dict(_nuclei(activity1_unseen.unseen_seed())[0])


def unseen_nuclei() -> np.ndarray:
    """Labels of nuclei no function has seen: a crop of the many-nuclei image,
    with another count of nuclei, more than 255 (a copy)."""
    return _nuclei(activity1_unseen.unseen_seed())[1].copy()


def unseen_params(name: str, /) -> dict[str, int]:
    """What the unseen data of save function ``name`` are made of."""
    if name == "save_nuclei_mask":
        return nuclei_params()
    return activity1_unseen.unseen_params()


def _unseen_data(name: str, /):
    if name == "save_nuclei_mask":
        return unseen_nuclei()
    if name == "save_table_csv":
        return activity1_unseen.unseen_table()
    return activity1_unseen.unseen_labels()


def expected_counts(original, reread, /) -> dict[str, int]:
    """What ``compare_labels(original, reread)`` must return (the task's rule).

    Values are counted with the background included; an object (a non-zero
    value of ``original``) is changed when any of its pixels does not keep its
    value in ``reread``.
    """
    original = np.asarray(original)
    reread = np.asarray(reread)
    changed = sum(
        1
        for value in np.unique(original)
        if value != 0 and np.any(reread[original == value] != value)
    )
    return {
        "values_before": int(np.unique(original).size),
        "values_after": int(np.unique(reread).size),
        "objects_changed": int(changed),
    }


@functools.cache
def _compare_cases(seed: int, /) -> tuple[tuple[str, np.ndarray, np.ndarray], ...]:
    rng = np.random.default_rng([seed, 4])

    def image(count: int, values=None) -> np.ndarray:
        height, width = int(rng.integers(4, 9)), int(rng.integers(5, 10))
        values = np.arange(1, count + 1) if values is None else np.asarray(values)
        labels = np.where(
            rng.random((height, width)) < 0.45,
            0,
            rng.choice(values, size=(height, width)),
        )
        # Every value at least once, the background too.
        spots = rng.choice(height * width, size=len(values) + 1, replace=False)
        labels.flat[spots] = [0, *values]
        return labels.astype(np.int32)

    def size(labels: np.ndarray) -> str:
        count = int(np.unique(labels[labels != 0]).size)
        rows, cols = labels.shape
        article = "an" if rows in (8, 11, 18) else "a"
        return f"{article} {rows} x {cols} image {UNSEEN_WORDS} ({count} objects)"

    def pixel_of(labels: np.ndarray, value: int) -> tuple[int, ...]:
        where = np.argwhere(labels == value)
        return tuple(int(i) for i in where[int(rng.integers(len(where)))])

    cases = []
    same = image(int(rng.integers(2, 6)))
    cases.append((f"{size(same)} and its identical copy", same, same.copy()))

    one = image(int(rng.integers(2, 6)))
    target = int(rng.integers(1, one.max() + 1))
    new = int(one.max()) + int(rng.integers(1, 9))
    changed = one.copy()
    changed[pixel_of(one, target)] = new
    cases.append(
        (
            f"{size(one)}, with one pixel of object {target} changed to {new}",
            one,
            changed,
        )
    )

    small = rng.choice(np.arange(1, 256), size=2, replace=False)
    large = rng.choice(np.arange(256, 1024), size=2, replace=False)
    values = sorted(int(v) for v in (*small, *large))
    wide = image(4, values)
    wrapped = (wide % 256).astype(np.uint8)
    listed = ", ".join(str(v) for v in values)
    cases.append(
        (f"{size(wide)} with labels 0, {listed} re-read as 8-bit", wide, wrapped)
    )

    background = image(int(rng.integers(2, 6)))
    new = int(background.max()) + int(rng.integers(1, 9))
    moved = background.copy()
    moved[pixel_of(background, 0)] = new
    cases.append(
        (
            f"{size(background)}, with one background pixel changed to {new}",
            background,
            moved,
        )
    )

    noisy = image(int(rng.integers(2, 6)))
    offset = float(rng.choice([0.25, 0.5, 0.75]))
    shifted = noisy.astype(np.float64) + offset
    shifted[noisy == 0] = 0
    cases.append(
        (
            f"{size(noisy)}, whose object pixels are all {offset:g} too high",
            noisy,
            shifted,
        )
    )

    swap = image(int(rng.integers(3, 6)))
    first, second = (
        int(v) for v in rng.choice(np.arange(1, swap.max() + 1), 2, replace=False)
    )
    swapped = swap.copy()
    swapped[swap == first], swapped[swap == second] = second, first
    cases.append(
        (f"{size(swap)}, with labels {first} and {second} swapped", swap, swapped)
    )
    for _, original, reread in cases:
        original.flags.writeable = False
        reread.flags.writeable = False
    return tuple(cases)


def unseen_compare_cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """One case of each kind of the shipped examples, made from the seed:
    ``(description, original, reread)``, copies; no expected counts (see
    :func:`expected_counts`)."""
    return [
        (description, original.copy(), reread.copy())
        for description, original, reread in _compare_cases(
            activity1_unseen.unseen_seed()
        )
    ]


# -- the unseen call and its checks ---------------------------------------------------


def _parameter(function, fallback: str, /) -> str:
    """The name of ``function``'s first parameter, for messages."""
    try:
        parameters = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        parameters = []
    return parameters[0] if parameters else fallback


def unseen_call(function, first_path, name: str, /) -> list[CheckResult]:
    """Call save function ``name`` on its unseen data into a fresh folder.

    ``first_path``: what it returned for the reference data (the same bytes
    both times is told as such, unless it reads a notebook variable of that
    data: an honest mistake, told about its parameter).
    """
    __tracebackhide__ = True
    key, looks_like = SAVE_FUNCTIONS[name]
    folder = evidence.test_folder(f"{key}_unseen")
    data = _unseen_data(name)
    with evidence.call_writes(folder, name) as written:
        path = call_learner_function(function, copy.copy(data), folder, name=name)
    parameter = _parameter(function, "labels" if name != "save_table_csv" else "table")
    reads = activity1_unseen.notebook_variables(function, name, looks_like)
    evidence.record(
        f"{key}_unseen",
        folder,
        returned=path,
        written=written,
        unseen=unseen_params(name),
        parameter=parameter,
        reads=reads,
    )
    return [
        evidence.written_result(written, returned=path),
        activity1_unseen.same_file_result(first_path, path, name=name, reads=reads),
        *unseen_file_result(path, folder, name=name, parameter=parameter),
    ]


def unseen_file_result(
    path, output_dir=None, /, *, name: str, parameter: str = "labels"
) -> list[CheckResult]:
    """Judge the file save function ``name`` saved of its unseen data.

    The data are made here again from the seed, so that the audit judges the
    file the same way outside the kernel.
    """
    if name == "save_table_csv":
        return activity1_unseen.unseen_table_result(
            path,
            activity1_unseen.unseen_table(),
            output_dir,
            name=name,
            parameter=parameter,
            sep="comma",
        )
    if name == "save_nuclei_mask":
        return activity1_unseen.unseen_mask_result(
            path, unseen_nuclei(), output_dir, name=name, parameter=parameter
        )
    return _unseen_image_result(path, output_dir, name=name, parameter=parameter)


_FORMATS = {
    "save_mask_png16": ("png16", "16-bit PNG"),
    "save_mask_jpeg": ("jpeg", "JPEG"),
    "save_mask_colour_png": ("colour_png", "colour-mapped PNG"),
}


def _unseen_image_result(path, output_dir, /, *, name: str, parameter: str):
    """A 16-bit PNG holding the unseen labels; a JPEG or colour PNG of their
    size (the colour PNG with objects of several colours)."""
    fmt, words = _FORMATS[name]
    labels = activity1_unseen.unseen_labels()
    task = task_result(words, path)
    path = saved_file(task, path, output_dir, name=name)
    expected = "jpeg" if fmt == "jpeg" else "png"
    if path is None or not expect_format(task, path, expected):
        return [task]
    with Image.open(path) as image:
        width, height = image.size
        mode = image.mode
    if (height, width) != labels.shape:
        task.add(
            "activity2.unseen_image_differs",
            name=name,
            parameter=parameter,
            found=f"{height} x {width} pixels",
            expected=f"{labels.shape[0]} x {labels.shape[1]}",
        )
        return [task]
    if fmt == "png16":
        checked = activity1_unseen.unseen_mask_result(
            path, labels, output_dir, name=name, parameter=parameter
        )
        if all(r.passed for r in checked) and not (
            mode.startswith("I;16") or mode == "I"
        ):
            task.add("activity2.png_not_16bit", mode=mode_words(mode))
        return [task, *checked]
    if fmt == "colour_png":
        with Image.open(path) as image:
            rgb = np.asarray(image.convert("RGB"))
        if mode not in ("RGB", "RGBA", "P", "PA"):
            task.add("activity2.png_not_colour", mode=mode_words(mode))
        elif len(np.unique(rgb[labels > 0], axis=0)) < 2:
            task.add("activity2.png_one_colour")
    return [task]


monitor.watch(__name__)
