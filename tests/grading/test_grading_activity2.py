"""Activity 2's grading helpers, directly (outputsaving.grading.activity2).

Activity 2 graded by the real nbgrader: ``test_nbgrader_activity2.py``.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from outputsaving.grading import activity2


def reference_compare(original, reread):
    original, reread = np.asarray(original), np.asarray(reread)
    changed = [
        label
        for label in np.unique(original)
        if label and np.any(reread[original == label] != label)
    ]
    return {
        "values_before": len(np.unique(original)),
        "values_after": len(np.unique(reread)),
        "objects_changed": len(changed),
    }


@pytest.mark.parametrize("case", activity2.compare_cases(), ids=lambda case: case[0])
def test_compare_cases_expect_what_the_definition_gives(case):
    _, original, reread, expected = case
    assert reference_compare(original, reread) == expected


@pytest.mark.parametrize(
    ("function", "code", "words"),
    [
        (lambda a, b: [1, 2, 3], "activity2.compare_not_dict", "a list"),
        (
            lambda a, b: {"values_before": 3},
            "activity2.compare_missing_key",
            "values_after",
        ),
        (
            lambda a, b: {**reference_compare(a, b), "values_before": 2},
            "activity2.compare_wrong",
            "an image and its identical copy",
        ),
        (lambda a, b: 1 / 0, "task.function_failed", "ZeroDivisionError"),
        ("compare", "task.not_callable", "str"),
    ],
)
def test_compare_labels_result_names_the_problem(function, code, words):
    result = activity2.compare_labels_result(function)
    assert result.codes == [code]
    assert words in result.findings[0].message
    with pytest.raises(AssertionError, match=re.escape(words)):
        activity2.grade_compare_labels(function)


def test_compare_labels_result_passes_the_reference():
    assert activity2.compare_labels_result(reference_compare).passed


@pytest.mark.parametrize(
    ("answer", "fmt", "codes"),
    [
        (True, "png16", []),
        (np.bool_(False), "jpeg", []),
        (False, "colour_png", []),
        (False, "png16", ["activity2.choice_wrong"]),
        (True, "jpeg", ["activity2.choice_wrong"]),
        ("False", "jpeg", []),  # as the quiz reads it
        ("maybe", "jpeg", ["activity2.choice_not_bool"]),
        (None, "colour_png", ["activity2.choice_missing"]),
    ],
)
def test_format_choices(answer, fmt, codes):
    assert activity2.check_format_choice(answer, fmt=fmt).codes == codes


def test_format_choices_result_checks_only_the_form():
    assert activity2.format_choices_result(True, True, True).passed
    result = activity2.format_choices_result("maybe", None, False)
    assert result.codes == ["activity2.choice_not_bool", "activity2.choice_missing"]
    assert activity2.format_choices_result("yes", 0, "False").passed


def test_mask_format_result_names_a_wrong_format(tmp_path):
    from PIL import Image

    path = tmp_path / "mask.png"
    Image.fromarray(activity2.shapes_labels().astype(np.uint8)).save(path, "JPEG")
    (task,) = activity2.mask_format_result(path, tmp_path, fmt="png16")
    assert task.codes == ["activity2.wrong_format"]
    assert "a JPEG image, but a PNG image" in task.findings[0].message
