"""Grade activity 2, "customise output saving".

The learner adapts activity 1: one output folder set at the top, the results
table saved comma-separated, the label mask of the random shapes saved as a
16-bit PNG, as a JPEG and as a colour-mapped PNG, a function that measures what
each format did to the labels, a judgement of each format, and a mask of more
than 255 nuclei saved without losing any.

Every ``grade_*`` function computes its own reference from the shipped input
images, calls the learner's function with an output folder (a fresh, empty one
unless told otherwise, so files merely handed in do not count), checks what it
saved, and raises :class:`AssertionError` with learner-facing findings when the
work does not pass. Test cells only call these functions, so reading a test
cell gives no answer away.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import tifffile
from PIL import Image
from skimage import filters, measure

from outputsaving import monitor
from outputsaving.analysis import measure_objects, segment_shapes
from outputsaving.datasets import MANY_NUCLEI, RANDOM_SHAPES, data_path
from outputsaving.findings import CheckResult
from outputsaving.grading import (
    activity1,
    activity1_unseen,
    activity2_unseen,
    evidence,
)
from outputsaving.grading.common import (
    assert_each_passes,
    assert_passes,
    call_learner_function,
    expect_format,
    mode_words,
    saved_file,
    task_result,
)
from outputsaving.grading.quiz import parse_true_false
from outputsaving.labels import check_label_mask
from outputsaving.table import check_table

__all__ = [
    "CHOICE_NAMES",
    "COMPARE_KEYS",
    "check_format_choice",
    "compare_cases",
    "compare_labels_result",
    "format_choices_result",
    "grade_compare_labels",
    "grade_format_choice",
    "grade_mask_format",
    "grade_nuclei_mask",
    "grade_output_dir",
    "grade_output_dir_exists",
    "grade_saved_masks",
    "grade_saved_nuclei_mask",
    "grade_saved_table_csv",
    "grade_table_csv",
    "mask_format_result",
    "nuclei_labels",
    "nuclei_mask_result",
    "shapes_labels",
    "table_csv_result",
]

#: The keys the learner's ``compare_labels`` returns.
COMPARE_KEYS = ("values_before", "values_after", "objects_changed")

#: The learner's answer variables of the format judgements.
CHOICE_NAMES = {
    "png16": "PNG16_GOOD_FOR_LABELS",
    "jpeg": "JPEG_GOOD_FOR_LABELS",
    "colour_png": "COLOUR_PNG_GOOD_FOR_LABELS",
}
_CHOICE_FORMATS = {
    "png16": "a 16-bit PNG",
    "jpeg": "a JPEG",
    "colour_png": "a colour-mapped PNG",
}
#: Salted digests of the expected judgements, so that they are not plain text
#: in the installed package (a best effort only: there are two choices).
_CHOICE_DIGESTS = {
    "png16": "709ebf09905d2904",
    "jpeg": "b9b2dca1467191ea",
    "colour_png": "f2e6278c57bf67e6",
}
_CHOICE_SALT = "outputsaving-activity2:"
_FORMAT_WORDS = {
    "png16": "16-bit PNG",
    "jpeg": "JPEG",
    "colour_png": "colour-mapped PNG",
}


@functools.cache
def _shapes() -> np.ndarray:
    image = tifffile.imread(data_path(RANDOM_SHAPES))
    labels = segment_shapes(image, min_size=0, max_size=1000)
    labels.flags.writeable = False
    return labels


@functools.cache
def _nuclei() -> np.ndarray:
    image = tifffile.imread(data_path(MANY_NUCLEI))
    labels = measure.label(image > filters.threshold_otsu(image))
    labels.flags.writeable = False
    return labels


def shapes_labels() -> np.ndarray:
    """Return the reference labels of the random shapes (objects of 0-1000 px).

    Returns
    -------
    (200, 200) ndarray of int32
        A copy; label 0 is background; 6 objects, as activity 1's analysis
        gives.
    """
    return _shapes().copy()


def nuclei_labels() -> np.ndarray:
    """Return the reference labels of the many-nuclei image.

    Returns
    -------
    (512, 512) ndarray of int
        Otsu threshold, then connected components: 320 nuclei, label 0 is
        background. A copy.
    """
    return _nuclei().copy()


# -- task 1: the output folder (as in activity 1) -----------------------------------


def grade_output_dir_exists(output_dir, /) -> None:
    """Visible test of task 1: ``OUTPUT_DIR`` is a pathlib Path to a folder."""
    __tracebackhide__ = True
    assert_passes(activity1.output_dir_result(output_dir, strict=False))


def grade_output_dir(output_dir, /) -> None:
    """Hidden test of task 1: the folder is relative, portable and separate."""
    __tracebackhide__ = True
    assert_passes(activity1.output_dir_result(output_dir, existence=False))


# -- tasks 2, 3 and 6: the saved files -----------------------------------------------


def table_csv_result(
    path, /, output_dir=None, *, name="save_table_csv", reference=None
):
    """Check a saved table: comma-separated, no index, the reference's areas.

    Parameters
    ----------
    path : str or Path
        What the learner's save function returned.
    output_dir : str or Path, optional
        The folder it was given; the file must be inside it.
    name : str, optional
        The function's name, for messages.

    Returns
    -------
    list of CheckResult
        The task-level result, then the checker's (when there is a file).
    """
    task = task_result("comma-separated table", path)
    path = saved_file(task, path, output_dir, name=name)
    if path is None:
        return [task]
    labels = _shapes() if reference is None else reference
    return [task, check_table(path, sep="comma", labels=labels)]


def mask_format_result(
    path, /, output_dir=None, *, fmt: str, name=None, reference=None
):
    """Check the label mask saved in one of task 3's formats.

    Parameters
    ----------
    path : str or Path
        What the learner's save function returned.
    output_dir : str or Path, optional
        The folder it was given; the file must be inside it.
    fmt : {"png16", "jpeg", "colour_png"}
        The format asked for: a 16-bit greyscale PNG holding the reference's
        labels; any JPEG of the labels' size; a colour PNG (RGB, RGBA or
        indexed) of the labels' size in which objects have several colours.
    name : str, optional
        The function's name, for messages; ``save_mask_<fmt>`` by default.

    Returns
    -------
    list of CheckResult
        The task-level result, then the label mask checker's for the 16-bit PNG.
    """
    if fmt not in _FORMAT_WORDS:
        msg = f"expected one of {', '.join(_FORMAT_WORDS)} but got {fmt!r}"
        raise ValueError(msg)
    task = task_result(_FORMAT_WORDS[fmt], path)
    path = saved_file(task, path, output_dir, name=name or f"save_mask_{fmt}")
    expected = "jpeg" if fmt == "jpeg" else "png"
    if path is None or not expect_format(task, path, expected):
        return [task]
    labels = _shapes() if reference is None else reference
    if fmt == "png16":
        check = check_label_mask(path, reference=labels)
        with Image.open(path) as image:
            mode = image.mode
        if check.passed and not (mode.startswith("I;16") or mode == "I"):
            task.add("activity2.png_not_16bit", mode=mode_words(mode))
        return [task, check]
    if not _expect_shape(task, path, labels.shape) or fmt == "jpeg":
        return [task]
    with Image.open(path) as image:
        mode = image.mode
        rgb = np.asarray(image.convert("RGB"))
    if mode not in ("RGB", "RGBA", "P", "PA"):
        task.add("activity2.png_not_colour", mode=mode_words(mode))
    elif len(np.unique(rgb[labels > 0], axis=0)) < 2:
        task.add("activity2.png_one_colour")
    return [task]


def nuclei_mask_result(path, /, output_dir=None, *, name="save_nuclei_mask"):
    """Check the saved mask of the nuclei against their reference labels.

    Returns
    -------
    list of CheckResult
        The task-level result, then the label mask checker's (when there is a
        file): an 8-bit file names the labels that wrapped around.
    """
    task = task_result("nuclei mask", path)
    path = saved_file(task, path, output_dir, name=name)
    if path is None:
        return [task]
    return [task, check_label_mask(path, reference=_nuclei())]


def _expect_shape(result: CheckResult, path: Path, shape) -> bool:
    """Add a finding and return False when the image's size is not ``shape``."""
    with Image.open(path) as image:
        width, height = image.size
    if (height, width) == tuple(shape):
        return True
    result.add(
        "activity2.image_size",
        found=f"{height} x {width}",
        expected=f"{shape[0]} x {shape[1]}",
    )
    return False


# -- visible tests: the files the notebook saved -----------------------------------


def grade_saved_table_csv(path, output_dir, /) -> None:
    """Visible test of task 2: the saved table passes, inside ``OUTPUT_DIR``."""
    __tracebackhide__ = True
    evidence.record("a2_table_csv_visible", path=path)
    assert_passes(*table_csv_result(path, output_dir))


def grade_saved_masks(png16_path, jpeg_path, colour_png_path, output_dir, /) -> None:
    """Visible test of task 3: the three saved files, inside ``OUTPUT_DIR``."""
    __tracebackhide__ = True
    evidence.record("a2_masks_visible", paths=[png16_path, jpeg_path, colour_png_path])
    paths = {"png16": png16_path, "jpeg": jpeg_path, "colour_png": colour_png_path}
    assert_each_passes(
        {
            _FORMAT_WORDS[fmt]: mask_format_result(path, output_dir, fmt=fmt)
            for fmt, path in paths.items()
        }
    )


def grade_saved_nuclei_mask(path, output_dir, /) -> None:
    """Visible test of task 6: the saved nuclei mask passes, inside ``OUTPUT_DIR``."""
    __tracebackhide__ = True
    evidence.record("a2_nuclei_visible", path=path)
    assert_passes(*nuclei_mask_result(path, output_dir))


# -- hidden tests: the learner's functions, run into a fresh folder ------------------


def grade_table_csv(save_table_csv, /) -> None:
    """Hidden test of task 2: ``save_table_csv(table, folder)`` into a fresh folder.

    The table is the reference's measurements, computed here.
    """
    __tracebackhide__ = True
    folder = evidence.test_folder("a2_table_csv")
    table = measure_objects(_shapes())
    with evidence.call_writes(folder, "save_table_csv") as written:
        path = call_learner_function(
            save_table_csv, table, folder, name="save_table_csv"
        )
    evidence.record("a2_table_csv", folder, returned=path, written=written)
    assert_passes(
        evidence.written_result(written, returned=path), *table_csv_result(path, folder)
    )
    assert_passes(*activity2_unseen.unseen_call(save_table_csv, path, "save_table_csv"))


def grade_mask_format(save_function, /, *, fmt: str) -> None:
    """Hidden test of task 3: ``save_mask_<fmt>`` into a fresh folder."""
    __tracebackhide__ = True
    key = f"a2_{fmt}"
    folder = evidence.test_folder(key)
    name = f"save_mask_{fmt}"
    labels = _shapes().copy()
    with evidence.call_writes(folder, name) as written:
        path = call_learner_function(save_function, labels, folder, name=name)
    evidence.record(key, folder, returned=path, written=written)
    assert_passes(
        evidence.written_result(written, returned=path),
        *mask_format_result(path, folder, fmt=fmt, name=name),
    )
    assert_passes(*activity2_unseen.unseen_call(save_function, path, name))


def grade_nuclei_mask(save_nuclei_mask, /) -> None:
    """Hidden test of task 6: ``save_nuclei_mask`` into a fresh folder."""
    __tracebackhide__ = True
    folder = evidence.test_folder("a2_nuclei")
    labels = _nuclei().copy()
    with evidence.call_writes(folder, "save_nuclei_mask") as written:
        path = call_learner_function(
            save_nuclei_mask, labels, folder, name="save_nuclei_mask"
        )
    evidence.record("a2_nuclei", folder, returned=path, written=written)
    assert_passes(
        evidence.written_result(written, returned=path),
        *nuclei_mask_result(path, folder),
    )
    assert_passes(
        *activity2_unseen.unseen_call(save_nuclei_mask, path, "save_nuclei_mask")
    )


# -- task 4: what each format did to the labels ----------------------------------------


def compare_cases() -> list[tuple[str, np.ndarray, np.ndarray, dict[str, int]]]:
    """Return small cases for ``compare_labels``: description, images, expected.

    Values are counted with the background (0) included; an object is changed
    when any of its pixels does not keep its label value in the re-read image.

    Returns
    -------
    list of (str, (M, N) ndarray, (M, N) ndarray, dict)
        A description for learners, the original labels, the re-read image,
        and the expected dictionary.
    """
    original = np.array(
        [
            [0, 0, 0, 0, 0],
            [0, 1, 1, 0, 0],
            [0, 1, 1, 0, 2],
            [0, 0, 0, 0, 2],
        ],
        dtype=np.int32,
    )
    one_pixel = original.copy()
    one_pixel[2, 4] = 5
    background = original.copy()
    background[0, 0] = 7
    wide = np.array([[0, 1, 256, 257], [0, 1, 256, 257]], dtype=np.int64)
    wrapped = (wide % 256).astype(np.uint8)
    noisy = original.astype(np.float64) + 0.25
    noisy[original == 0] = 0
    renumbered = np.where(original > 0, 3 - original, 0).astype(np.uint16)
    return [
        (
            "an image and its identical copy",
            original,
            original.copy(),
            _counts(3, 3, 0),
        ),
        (
            "a copy with one pixel of object 2 changed to 5",
            original,
            one_pixel,
            _counts(3, 4, 1),
        ),
        (
            "labels 0, 1, 256 and 257 re-read as 8-bit (256 became 0, 257 became 1)",
            wide,
            wrapped,
            _counts(4, 2, 2),
        ),
        (
            "a copy with one background pixel changed to 7",
            original,
            background,
            _counts(3, 4, 0),
        ),
        (
            "a copy whose object pixels are all 0.25 too high",
            original,
            noisy,
            _counts(3, 3, 2),
        ),
        ("a copy with labels 1 and 2 swapped", original, renumbered, _counts(3, 3, 2)),
    ]


def _counts(before: int, after: int, changed: int) -> dict[str, int]:
    return dict(zip(COMPARE_KEYS, (before, after, changed), strict=True))


def compare_labels_result(compare_labels, /, *, cases: int | None = None):
    """Check the learner's ``compare_labels(original, reread) -> dict``.

    Parameters
    ----------
    compare_labels : callable
        The learner's function.
    cases : int, optional
        Use only the first ``cases`` of :func:`compare_cases` (the visible test
        and the self-check use the first three, one of them re-read as 8-bit);
        by default all of them, then one case of each of their kinds made at
        grading time (:mod:`~outputsaving.grading.activity2_unseen`).

    Returns
    -------
    CheckResult
        Names the first case, in words, where a count is not the expected
        one; never raises for a failing function. Its ``content`` is what the
        function returned for each case tried (:func:`compare_returns_result`
        judges it again, for the class grader's audit). The expected counts
        are worked out only after the function returned.
    """
    result = task_result("compare_labels")
    if not callable(compare_labels):
        found = type(compare_labels).__name__
        result.add("task.not_callable", name="compare_labels", found=found)
        return result
    returns: list = []
    unseen = cases is None
    for original, reread in _compare_arrays(cases):
        try:
            found = compare_labels(original.copy(), reread.copy())
        except NotImplementedError:
            result.add("task.not_implemented", name="compare_labels")
            return result
        except Exception as error:
            detail = str(error).strip().splitlines()[0][:200] if str(error) else ""
            returns.append(["raised", type(error).__name__, detail])
            break
        returns.append(_returned(found))
        last = len(returns) - 1
        if not compare_returns_result(returns[-1:], first=last, unseen=unseen).passed:
            break
    judged = compare_returns_result(returns, unseen=unseen)
    judged.content = returns
    return judged


def _compare_arrays(cases: int | None) -> list[tuple[np.ndarray, np.ndarray]]:
    """The ``(original, reread)`` arrays ``compare_labels`` is given, in order."""
    arrays = [(original, reread) for _, original, reread, _ in compare_cases()[:cases]]
    if cases is None:
        arrays += [(o, r) for _, o, r in activity2_unseen.unseen_compare_cases()]
    return arrays


def compare_case_count(cases: int | None = None, /) -> int:
    """How many cases :func:`compare_labels_result` tries with ``cases``."""
    return len(_compare_arrays(cases))


def _compare_expected(unseen: bool) -> list[tuple[str, dict[str, int]]]:
    """``(description, expected counts)`` of the shipped cases, then of the
    unseen ones when ``unseen``."""
    expected = [(d, e) for d, _, _, e in compare_cases()]
    if unseen:
        expected += [
            (description, activity2_unseen.expected_counts(original, reread))
            for description, original, reread in activity2_unseen.unseen_compare_cases()
        ]
    return expected


def compare_returns_result(
    returns: list, /, *, first: int = 0, unseen: bool = False
) -> CheckResult:
    """Judge what ``compare_labels`` returned for the cases, from case ``first`` on.

    ``returns`` holds, per case of :func:`compare_cases` (then, when
    ``unseen``, of the unseen cases), plain data: ``["dict", {key: value}]``
    for a returned mapping, ``["raised", name, detail]`` for an exception,
    ``["other", value]`` for anything else.
    """
    result = task_result("compare_labels")
    for (description, expected), found in zip(
        _compare_expected(unseen)[first:], returns, strict=False
    ):
        kind = found[0] if isinstance(found, list) and found else "other"
        if kind == "raised":
            detail = found[2] if len(found) > 2 else ""
            result.add(
                "task.function_failed",
                name="compare_labels",
                error=str(found[1]),
                detail=f": {detail}" if detail else "",
            )
            break
        if kind == "other" and isinstance(found, list) and found[1:] == [None]:
            result.add("task.not_done", name="compare_labels")
            break
        if kind != "dict" or not isinstance(found[1], Mapping):
            value = found[1] if isinstance(found, list) and len(found) > 1 else None
            result.add(
                "activity2.compare_not_dict",
                found=_value_words(value),
                keys=_keys_words(),
            )
            break
        counts = found[1]
        missing = [key for key in COMPARE_KEYS if key not in counts]
        if missing:
            result.add(
                "activity2.compare_missing_key", key=missing[0], keys=_keys_words()
            )
            break
        wrong = [
            key for key in COMPARE_KEYS if not _same_count(counts[key], expected[key])
        ]
        if wrong:
            key = wrong[0]
            result.add(
                "activity2.compare_wrong",
                case=description,
                key=key,
                found=_value_words(counts[key]),
                expected=expected[key],
            )
            break
    return result


def _returned(value) -> list:
    """What ``compare_labels`` returned, as JSON-able data that judges the same."""
    if isinstance(value, Mapping):
        items = list(value.items())[:20]
        return ["dict", {str(key): _scalar(item) for key, item in items}]
    return ["other", _scalar(value)]


def _scalar(value):
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    if value is None:
        return None
    return {"type": type(value).__name__}


def grade_compare_labels(compare_labels, /, *, cases: int | None = None) -> None:
    """Test of task 4: raise :class:`AssertionError` unless every case is right.

    The visible test passes ``cases=3``, the hidden test checks all cases.
    """
    __tracebackhide__ = True
    result = compare_labels_result(compare_labels, cases=cases)
    key = "a2_compare" if cases is None else "a2_compare_visible"
    unseen = activity1_unseen.unseen_params() if cases is None else None
    evidence.record(key, cases=cases, returns=result.content or [], unseen=unseen)
    assert_passes(result)


def _same_count(found, expected: int) -> bool:
    if isinstance(found, bool | np.bool_):
        return False
    if isinstance(found, int | np.integer):
        return int(found) == expected
    if isinstance(found, float | np.floating):
        return float(found) == expected
    return False


def _value_words(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, dict) and set(value) == {"type"}:
        return f"a {value['type']}"
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    ):
        return f"{value:g}" if isinstance(value, float | np.floating) else str(value)
    return f"a {type(value).__name__}"


def _keys_words() -> str:
    return ", ".join(f"'{key}'" for key in COMPARE_KEYS)


def _choice_digest(fmt: str, value: bool) -> str:
    text = f"{_CHOICE_SALT}{fmt}:{value}".encode()
    return hashlib.sha256(text).hexdigest()[:16]


def check_format_choice(answer, /, *, fmt: str) -> CheckResult:
    """Check a judgement "is this format good for label images?".

    Parameters
    ----------
    answer : bool
        The learner's ``PNG16_GOOD_FOR_LABELS``, ``JPEG_GOOD_FOR_LABELS`` or
        ``COLOUR_PNG_GOOD_FOR_LABELS``: True or False, or what the quiz
        accepts for them too (:func:`~outputsaving.grading.quiz.parse_true_false`:
        "yes"/"no", "true"/"false" in quotes, 1/0).
    fmt : {"png16", "jpeg", "colour_png"}
        Which format the answer judges.

    Returns
    -------
    CheckResult
        Passes when the answer is the expected boolean.
    """
    if fmt not in CHOICE_NAMES:
        msg = f"expected one of {', '.join(CHOICE_NAMES)} but got {fmt!r}"
        raise ValueError(msg)
    name = CHOICE_NAMES[fmt]
    result = task_result("format choice", name)
    value = parse_true_false(answer)
    if answer is None or answer is Ellipsis:
        result.add("activity2.choice_missing", name=name)
    elif value is None:
        result.add("activity2.choice_not_bool", name=name, found=_value_words(answer))
    elif _choice_digest(fmt, value) != _CHOICE_DIGESTS[fmt]:
        result.add("activity2.choice_wrong", name=name, format=_CHOICE_FORMATS[fmt])
    return result


def format_choices_result(png16, jpeg, colour_png, /) -> CheckResult:
    """Check only the form of task 5's answers: each is True or False.

    For the self-check: it says nothing about whether the answers are right.
    """
    result = task_result("format choices")
    for fmt, answer in zip(CHOICE_NAMES, (png16, jpeg, colour_png), strict=True):
        name = CHOICE_NAMES[fmt]
        if answer is None or answer is Ellipsis:
            result.add("activity2.choice_missing", name=name)
        elif parse_true_false(answer) is None:
            found = _value_words(answer)
            result.add("activity2.choice_not_bool", name=name, found=found)
    return result


def grade_format_choice(answer, /, *, fmt: str) -> None:
    """Grade task 5: raise :class:`AssertionError` unless the judgement is right."""
    __tracebackhide__ = True
    assert_passes(check_format_choice(answer, fmt=fmt))


monitor.watch(__name__)
