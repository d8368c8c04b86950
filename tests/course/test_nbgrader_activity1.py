"""Activity 1 graded by the real nbgrader: full marks, zero, and typical mistakes.

One throwaway course copy; every submission is built from the generated
student version with answer cells replaced (found by their grade_id); ONE
``nbgrader autograde`` grades them all, then ``nbgrader generate_feedback``.
Each mistake must get exactly the expected grade per graded cell, and its
feedback must name the problem in a learner's words.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from answer_catalogue import ACTIVITY1
from nbgrader_course import Course, answer_cell, grade_ids, with_answers

pytestmark = [pytest.mark.nbgrader]

ASSIGNMENT = "activity1"
T5 = "a1_task5_save_settings"

POINTS = {
    "a1_task1_output_dir_visible": 1,
    "a1_task1_output_dir_hidden": 1,
    "a1_task2_mask_lossless_visible": 2,
    "a1_task2_mask_fresh_folder_hidden": 3,
    "a1_task3_table_tab_visible": 2,
    "a1_task3_table_fresh_folder_hidden": 2,
    "a1_task4_rois_zip_visible": 2,
    "a1_task4_rois_rerun_hidden": 2,
    "a1_task5_settings_visible": 2,
    "a1_task5_settings_rerun_hidden": 3,
}
TASK2 = {"a1_task2_mask_lossless_visible", "a1_task2_mask_fresh_folder_hidden"}
TASK3 = {"a1_task3_table_tab_visible", "a1_task3_table_fresh_folder_hidden"}
TASK4 = {"a1_task4_rois_zip_visible", "a1_task4_rois_rerun_hidden"}
TASK5 = {"a1_task5_settings_visible", "a1_task5_settings_rerun_hidden"}
VISIBLE_SAVES = {
    "a1_task2_mask_lossless_visible",
    "a1_task3_table_tab_visible",
    "a1_task4_rois_zip_visible",
    "a1_task5_settings_visible",
}

# name: (answers replaced (tests/answer_catalogue.py), or a function of the
#        solution's answers giving them; grade_ids expected to fail; key words
#        of the feedback)
MISTAKES = {
    "mask_jpeg": (ACTIVITY1["mask_jpeg"], TASK2, ["JPEG", "lossless"]),
    "mask_int64": (
        ACTIVITY1["mask_int64"],
        TASK2,
        ["64-bit", "ImageJ cannot open", "16-bit"],
    ),
    "mask_float64": (ACTIVITY1["mask_float64"], TASK2, ["float", "ImageJ cannot open"]),
    "mask_binary": (ACTIVITY1["mask_binary"], TASK2, ["binary mask", "its own number"]),
    "mask_rgb_colour_map": (
        ACTIVITY1["mask_rgb_colour_map"],
        TASK2,
        ["colour", "lookup table"],
    ),
    "table_comma": (ACTIVITY1["table_comma"], TASK3, ["separated by", "tab"]),
    "table_index": (ACTIVITY1["table_index"], TASK3, ["index", "row numbers"]),
    "table_decimal_comma": (
        ACTIVITY1["table_decimal_comma"],
        TASK3,
        ["decimal comma", "point"],
    ),
    "rois_appended": (
        ACTIVITY1["rois_appended"],
        # Run once by the grader's notebook run, the zip is right; run twice,
        # it holds every ROI twice.
        {"a1_task4_rois_rerun_hidden"},
        ["repeat", "appended", "replaces the old file"],
    ),
    "rois_xy_swapped": (
        ACTIVITY1["rois_xy_swapped"],
        TASK4,
        ["x and y", "(row, column)"],
    ),
    "output_in_data_folder": (
        ACTIVITY1["output_in_data_folder"],
        {"a1_task1_output_dir_hidden"},
        ["input images", "separate folder"],
    ),
    "output_absolute_windows": (
        ACTIVITY1["output_absolute_windows"],
        {"a1_task1_output_dir_hidden"},
        ["absolute path", "another computer", "relative"],
    ),
    "output_absolute_missing": (
        ACTIVITY1["output_absolute_missing"],
        {"a1_task1_output_dir_visible", "a1_task1_output_dir_hidden"} | VISIBLE_SAVES,
        ["does not exist", "absolute path"],
    ),
    "settings_absolute_input": (
        # The solution's save_settings, storing the input's absolute path.
        lambda answers: {
            T5: answers[T5].replace(
                '"input_file": INPUT_PATH.name',
                '"input_file": str(INPUT_PATH.resolve())',
            )
        },
        TASK5,
        ["absolute path", "another computer"],
    ),
}


def _answers(course: Course, name: str) -> dict[str, str]:
    """The solution's answers, or a mistake's answers written over them."""
    if name == "solution":
        return course.solution_answers(ASSIGNMENT)
    return course.solution_answers_with(ASSIGNMENT, MISTAKES[name][0])


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Course:
    """Every submission autograded in one run, with feedback generated."""
    assert not Path("/Users/ana").exists()
    course = Course.copy_of_repo(
        tmp_path_factory.mktemp("a1"), assignments=[ASSIGNMENT]
    )
    course.generate(ASSIGNMENT)
    student = course.student_notebook(ASSIGNMENT)
    course.submit("untouched", ASSIGNMENT, student)
    for name in ["solution", *MISTAKES]:
        course.submit(name, ASSIGNMENT, with_answers(student, _answers(course, name)))
    course.autograde(ASSIGNMENT)
    course.generate_feedback(ASSIGNMENT)
    assert not Path("/Users/ana").exists()
    return course


def _feedback_text(course: Course, student: str) -> str:
    raw = course.feedback(ASSIGNMENT, student)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


def _feedback_errors(course: Course, student: str) -> str:
    """The error outputs of the feedback: what the tests told the learner."""
    raw = course.feedback(ASSIGNMENT, student)
    blocks = re.findall(
        r'class="[^"]*output_error[^"]*">\s*<pre>(.*?)</pre>', raw, re.S
    )
    return "\n".join(html.unescape(re.sub(r"<[^>]+>", "", block)) for block in blocks)


def test_points_add_up_to_twenty():
    assert sum(POINTS.values()) == 20


def test_graded_cells_are_the_expected_ones(graded):
    source = graded.source_notebook(ASSIGNMENT)
    assert grade_ids(source, kind="grade") == list(POINTS)
    for grade_id, points in POINTS.items():
        assert answer_cell(source, grade_id).metadata["nbgrader"]["points"] == points


def test_solution_gets_full_marks(graded):
    scores = graded.scores(ASSIGNMENT)["solution"]
    assert {k: v.score for k, v in scores.items()} == POINTS


def test_untouched_student_version_gets_zero_and_grades_without_errors(graded):
    scores = graded.scores(ASSIGNMENT)["untouched"]
    assert set(scores) == set(POINTS)
    assert all(outcome.score == 0 for outcome in scores.values())
    text = _feedback_errors(graded, "untouched")
    assert "Your save_label_mask returned None: this task is not done yet." in text
    assert "OUTPUT_DIR is still None" in text
    assert "NameError" not in text


@pytest.mark.parametrize("name", list(MISTAKES))
def test_mistake_gets_expected_partial_score(graded, name):
    failing = MISTAKES[name][1]
    scores = graded.scores(ASSIGNMENT)[name]
    expected = {k: (0 if k in failing else v) for k, v in POINTS.items()}
    assert {k: v.score for k, v in scores.items()} == expected


@pytest.mark.parametrize("name", list(MISTAKES))
def test_mistake_feedback_names_the_problem(graded, name):
    text = _feedback_errors(graded, name)
    for words in MISTAKES[name][2]:
        assert words in text, f"{name}: {words!r} not in the feedback"


@pytest.mark.parametrize("name", ["solution", "untouched", *MISTAKES])
def test_feedback_does_not_show_hidden_tests(graded, name):
    raw = graded.feedback(ASSIGNMENT, name)
    assert "HIDDEN TESTS" not in raw
    source = graded.source_notebook(ASSIGNMENT)
    hidden_calls = [
        line.strip()
        for cell in source.cells
        if "BEGIN HIDDEN TESTS" in cell.source
        for line in cell.source.split("### BEGIN HIDDEN TESTS")[1].splitlines()
        if line.strip().startswith("activity1.")
    ]
    assert len(hidden_calls) == 5
    text = _feedback_text(graded, name)
    for call in hidden_calls:
        assert call not in text
        assert call.split("(")[0] + "(" not in text


def test_feedback_shows_a_message_not_the_graders_internals(graded):
    text = _feedback_errors(graded, "mask_int64")
    assert "64-bit" in text
    assert "outputsaving/grading" not in text
    assert "assert_passes" not in text
    assert "Traceback" not in text
