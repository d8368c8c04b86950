"""What each assignment's cells test, for :mod:`outputsaving.classroom.audit`.

The tables the audit reads per assignment: the file tasks' visible and hidden
cells, the output-folder task's cells, and the literal answers with the
in-kernel tests' own checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from outputsaving.findings import CheckResult
from outputsaving.grading import activity2, imagej, quiz

#: Assignments the audit knows.
ASSIGNMENTS = ("activity1", "activity2", "quiz", *imagej.ASSIGNMENTS)


@dataclass(frozen=True)
class _FileTask:
    """A task checked through saved files: visible and hidden test cells."""

    key: str
    visible: tuple[str, ...]
    hidden: tuple[str, ...]


_FILE_TASKS = {
    "activity1": (
        _FileTask(
            "mask",
            ("a1_task2_mask_lossless_visible",),
            ("a1_task2_mask_fresh_folder_hidden",),
        ),
        _FileTask(
            "table",
            ("a1_task3_table_tab_visible",),
            ("a1_task3_table_fresh_folder_hidden",),
        ),
        _FileTask(
            "rois", ("a1_task4_rois_zip_visible",), ("a1_task4_rois_rerun_hidden",)
        ),
        _FileTask(
            "settings",
            ("a1_task5_settings_visible",),
            ("a1_task5_settings_rerun_hidden",),
        ),
    ),
    "activity2": (
        _FileTask(
            "table_csv",
            ("a2_task2_table_csv_visible",),
            ("a2_task2_table_csv_hidden",),
        ),
        _FileTask(
            "png16", ("a2_task3_mask_formats_visible",), ("a2_task3_png16_hidden",)
        ),
        _FileTask(
            "jpeg", ("a2_task3_mask_formats_visible",), ("a2_task3_jpeg_hidden",)
        ),
        _FileTask(
            "colour_png",
            ("a2_task3_mask_formats_visible",),
            ("a2_task3_colour_png_hidden",),
        ),
        _FileTask(
            "nuclei",
            ("a2_task6_nuclei_mask_visible",),
            ("a2_task6_nuclei_mask_hidden",),
        ),
    ),
    "quiz": (),
    "activity1_imagej": (
        _FileTask("upload", ("ij1_task1_upload_visible",), ("ij1_task1_rerun_hidden",)),
        _FileTask(
            "mask", ("ij1_task2_mask_visible",), ("ij1_task2_mask_rerun_hidden",)
        ),
        _FileTask(
            "table", ("ij1_task3_table_visible",), ("ij1_task3_table_rerun_hidden",)
        ),
        _FileTask(
            "rois", ("ij1_task4_rois_visible",), ("ij1_task4_rois_rerun_hidden",)
        ),
    ),
    "activity2_imagej": (
        _FileTask("upload", ("ij2_task1_upload_visible",), ("ij2_task1_rerun_hidden",)),
        _FileTask(
            "table_csv",
            ("ij2_task2_table_csv_visible",),
            ("ij2_task2_table_csv_rerun_hidden",),
        ),
        _FileTask(
            "png16",
            ("ij2_task3_mask_formats_visible",),
            ("ij2_task3_png16_rerun_hidden",),
        ),
        _FileTask(
            "jpeg",
            ("ij2_task3_mask_formats_visible",),
            ("ij2_task3_jpeg_rerun_hidden",),
        ),
        _FileTask(
            "colour_png",
            ("ij2_task3_mask_formats_visible",),
            ("ij2_task3_colour_png_rerun_hidden",),
        ),
        _FileTask(
            "nuclei",
            ("ij2_task5_nuclei_mask_visible",),
            ("ij2_task5_nuclei_mask_rerun_hidden",),
        ),
    ),
}

#: Output-folder task: (answer cell, visible cell, hidden cell).
_OUTPUT_DIR_TASKS = {
    "activity1": (
        "a1_task1_output_dir",
        "a1_task1_output_dir_visible",
        "a1_task1_output_dir_hidden",
    ),
    "activity2": (
        "a2_task1_output_dir",
        "a2_task1_output_dir_visible",
        "a2_task1_output_dir_hidden",
    ),
}


def _q1(at_least: int) -> Callable[[object], CheckResult]:
    def check(answer) -> CheckResult:
        result = quiz.check_output_types(answer)
        if at_least < 3 and result.content >= at_least:
            return CheckResult(kind="quiz", path=result.path)
        return result

    return check


#: Literal answers: answer cell -> [(variable, graded cell, check)]. The checks
#: are the in-kernel tests' own, so a literal scores as it would in the kernel.
def _format_choices(task: str) -> list[tuple[str, str, Callable]]:
    """Activity 2's three "good format for labels?" literals (both tracks)."""
    return [
        (
            f"{prefix}_GOOD_FOR_LABELS",
            f"{task}_{fmt}_choice",
            lambda answer, fmt=fmt: activity2.check_format_choice(answer, fmt=fmt),
        )
        for prefix, fmt in (
            ("PNG16", "png16"),
            ("JPEG", "jpeg"),
            ("COLOUR_PNG", "colour_png"),
        )
    ]


_LITERAL_TASKS: dict[str, dict[str, list[tuple[str, str, Callable]]]] = {
    "quiz": {
        "quiz_q1_answer": [
            ("Q1_OUTPUT_TYPES", "quiz_q1_one_type", _q1(1)),
            ("Q1_OUTPUT_TYPES", "quiz_q1_two_types", _q1(2)),
            ("Q1_OUTPUT_TYPES", "quiz_q1_three_types", _q1(3)),
        ],
        "quiz_q2_answer": [
            ("Q2_FORMAT_PROPERTY", "quiz_q2_format", quiz.check_format_property),
        ],
        "quiz_q3_answer": [
            (
                "Q3_JPEG_FOR_LABEL_MASKS",
                "quiz_q3_jpeg",
                lambda answer: quiz.check_true_false(answer, question="q3"),
            ),
        ],
        "quiz_q4_answer": [
            (
                "Q4_TAB_DELIMITED_FOR_TABLES",
                "quiz_q4_tab",
                lambda answer: quiz.check_true_false(answer, question="q4"),
            ),
        ],
    },
    "activity2": {
        "a2_task5_format_choices": _format_choices("a2_task5"),
    },
    "activity1": {},
    "activity1_imagej": {},
    "activity2_imagej": {
        "ij2_task4_format_choices": _format_choices("ij2_task4"),
    },
}
