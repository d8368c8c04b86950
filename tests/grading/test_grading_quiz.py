"""Tests of outputsaving.grading.quiz: tolerant matching of typed quiz answers.

The accepted answers appear here in plain text (this file is the instructor's,
not part of the installed package); the package holds only their digests.
"""

from __future__ import annotations

import ast
from importlib import resources

import numpy as np
import pytest

from outputsaving.grading import quiz

#: Some accepted terms, in plain text, for the check that the package hides them.
ACCEPTED_TERMS = [
    "results tables",
    "measurement tables",
    "ROI sets",
    "ROIs",
    "regions of interest",
    "label masks",
    "label images",
    "interoperable",
    "open standard",
]

RIGHT_OUTPUT_TYPES = [
    "results tables, ROI sets, label masks",
    "Results tables, ROI sets and label masks",
    "label masks; ROI sets; results tables",
    "ROIs, label images and measurement tables",
    "regions of interest, masks, tables",
    "Tables & ROIs & Masks",
    "1) results table 2) ROI set 3) label mask",
    "label-masks, roi-sets, results-tables.",
    "the results tables, the ROI sets, and the label masks",
    "LabelMasks, ROISets, ResultsTables",
    "measurements tables, regions-of-interest, labelled images",
    "  results   tables ,ROI   sets,label masks  ",
    "result table / ROI zip / label image",
    "results table, ROI's, label mask (TIFF)",
    "label masks\nROI sets\nresults tables",
    "measurements, outlines, labels",
    ["results tables", "ROI sets", "label masks"],
    ("label image", "ROIs", "table"),
]

PARTIAL_OUTPUT_TYPES = [
    # answer, right types named, expected codes (besides quiz.types_count)
    ("results tables, ROI sets", 2, []),
    ("label masks, ROIs, images", 2, ["quiz.types_input"]),
    ("tables, tables, masks", 2, ["quiz.types_repeated"]),
    ("TIFF, CSV, ZIP", 0, ["quiz.types_format"] * 3),
    ("label masks, pictures, graphs", 1, ["quiz.types_unknown"] * 2),
    ("results tables and label masks and the pictures", 2, ["quiz.types_unknown"]),
]


@pytest.mark.parametrize("answer", RIGHT_OUTPUT_TYPES)
def test_output_types_accepts_tolerant_answers(answer):
    result = quiz.check_output_types(answer)
    assert result.passed, result.report()
    assert result.content == 3
    for at_least in (1, 2, 3):
        quiz.grade_output_types(answer, at_least=at_least)


@pytest.mark.parametrize(("answer", "named", "codes"), PARTIAL_OUTPUT_TYPES)
def test_output_types_partial_answers(answer, named, codes):
    result = quiz.check_output_types(answer)
    assert result.content == named
    assert result.codes == [*codes, "quiz.types_count"]
    count = next(f for f in result.findings if f.code == "quiz.types_count")
    assert count.message.startswith(f"You named {named} of the 3 output types.")
    for at_least in (1, 2, 3):
        if at_least <= named:
            quiz.grade_output_types(answer, at_least=at_least)
        else:
            with pytest.raises(AssertionError, match=f"You named {named} of the 3"):
                quiz.grade_output_types(answer, at_least=at_least)


def test_all_three_types_but_an_extra_item_misses_only_the_last_point():
    answer = "results tables, ROI sets, label masks, images"
    quiz.grade_output_types(answer, at_least=2)
    with pytest.raises(AssertionError, match="'images' is what the analysis starts"):
        quiz.grade_output_types(answer, at_least=3)


def test_feedback_names_the_learners_item_but_not_the_answer():
    result = quiz.check_output_types("ROI sets, pictures")
    messages = " ".join(f.message for f in result.findings)
    assert "'pictures'" in messages
    assert "You named 1 of the 3 output types." in messages
    for hidden in ("table", "mask", "label"):
        assert hidden not in messages.lower()


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ("", "quiz.empty"),
        ("   ", "quiz.empty"),
        ([], "quiz.empty"),
        (None, "quiz.not_answered"),
        (..., "quiz.empty"),
        (3, "quiz.not_text"),
        (True, "quiz.not_text"),
        (["tables", 2], "quiz.not_text"),
    ],
)
def test_output_types_unusable_answers(answer, code):
    result = quiz.check_output_types(answer)
    assert result.codes == [code]
    assert "Q1_OUTPUT_TYPES" in result.findings[0].message


@pytest.mark.parametrize(
    "answer",
    [
        "interoperable",
        "Interoperable",
        " INTEROPERABLE. ",
        "an interoperable",
        "interoperable file format",
        "inter-operable",
        "interoperatable",
        "open",
        "an open standard",
        "non-proprietary",
        "nonproprietary",
        "open-source",
        "cross platform",
    ],
)
def test_format_property_accepts_tolerant_answers(answer):
    assert quiz.check_format_property(answer).passed
    quiz.grade_format_property(answer)


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ("lossless", "quiz.format_lossless"),
        ("uncompressed", "quiz.format_lossless"),
        ("TIFF", "quiz.format_named_format"),
        ("csv", "quiz.format_named_format"),
        ("proprietary", "quiz.format_wrong"),
        ("closed", "quiz.format_wrong"),
        ("interoperable, lossless", "quiz.format_wrong"),
        ("", "quiz.empty"),
        (["interoperable"], "quiz.not_text"),
    ],
)
def test_format_property_rejects_wrong_answers(answer, code):
    result = quiz.check_format_property(answer)
    assert result.codes == [code]
    if "interoperab" not in str(answer):
        assert "interoperab" not in result.findings[0].message.lower()
    with pytest.raises(AssertionError):
        quiz.grade_format_property(answer)


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        (True, True),
        (False, False),
        (np.bool_(True), True),
        (1, True),
        (0, False),
        ("True", True),
        ("true", True),
        (" T ", True),
        ("yes", True),
        ("Y", True),
        ("false", False),
        ("False.", False),
        ("F", False),
        ("no", False),
        ("N", False),
    ],
)
def test_parse_true_false(answer, value):
    assert quiz.parse_true_false(answer) is value


@pytest.mark.parametrize("answer", ["maybe", "", 2, None, 0.5, [True]])
def test_parse_true_false_unclear(answer):
    assert quiz.parse_true_false(answer) is None


@pytest.mark.parametrize(
    ("question", "right", "wrong"),
    [
        ("q3", [False, "false", "F", "no"], [True, "true", "yes"]),
        ("q4", [True, "True", "t", "yes"], [False, "no", "f"]),
    ],
)
def test_true_false_questions(question, right, wrong):
    for answer in right:
        assert quiz.check_true_false(answer, question=question).passed
        quiz.grade_true_false(answer, question=question)
    for answer in wrong:
        result = quiz.check_true_false(answer, question=question)
        assert result.codes == ["quiz.statement_wrong"]
        with pytest.raises(AssertionError, match="is not the expected one"):
            quiz.grade_true_false(answer, question=question)


@pytest.mark.parametrize(
    ("answer", "code"),
    [("maybe", "quiz.not_true_false"), (None, "quiz.not_answered")],
)
def test_true_false_unusable_answers(answer, code):
    result = quiz.check_true_false(answer, question="q3")
    assert result.codes == [code]
    assert "Q3_JPEG_FOR_LABEL_MASKS" in result.findings[0].message


def test_digests_depend_on_the_question_and_ignore_spelling():
    digest = quiz.answer_digest("Label Masks", question="q1")
    assert digest == quiz.answer_digest("label-mask", question="q1")
    assert digest != quiz.answer_digest("label masks", question="q2")
    with pytest.raises(ValueError, match="q5"):
        quiz.answer_digest("x", question="q5")


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("The Pear-Trees (old)", "peartree"),
        ("ROI's", "roi"),
        ("Régions d'intérêt", "regiondinteret"),
        ("a table of data", "table"),
        ("the", "the"),
        ("LabelMasks", "labelmask"),
        ("ROISets", "roiset"),
    ],
)
def test_normalise_answer(text, normalised):
    assert quiz.normalise_answer(text) == normalised


@pytest.mark.parametrize(
    ("answer", "question", "codes"),
    [
        ("results tables, ROI sets", "q1", ["quiz.items_count"]),
        ("a, b, c", "q1", []),
        ("anything", "q2", []),
        ("", "q2", ["quiz.empty"]),
        ("maybe", "q3", ["quiz.not_true_false"]),
        ("no", "q4", []),
    ],
)
def test_answer_form_result_checks_only_the_form(answer, question, codes):
    assert quiz.answer_form_result(answer, question=question).codes == codes


def test_accepted_answers_are_not_plain_text_in_the_package():
    source = resources.files("outputsaving").joinpath("grading/quiz.py").read_text()
    literals = [
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    accepted = {quiz.normalise_answer(item) for item in ACCEPTED_TERMS}
    found = {quiz.normalise_answer(text) for text in literals} & accepted
    assert not found
    assert "interoperab" not in source.lower()


@pytest.mark.parametrize("fourth", ["the settings", "parameters", "the script"])
def test_naming_the_settings_beside_the_three_costs_nothing(fourth):
    """The course teaches the settings as a fourth output: a note, no error."""
    result = quiz.check_output_types(f"results tables, label masks, ROIs and {fourth}")
    assert result.passed
    assert result.content == 3
    assert [f.code for f in result.findings] == ["quiz.types_settings"]
    quiz.grade_output_types(f"tables, masks, ROIs, {fourth}", at_least=3)


def test_images_are_the_input_and_the_feedback_says_so():
    result = quiz.check_output_types("images, results tables, ROIs")
    assert result.codes[0] == "quiz.types_input"
    assert "the image is its input" in result.errors[0].message
    assert "label mask" in result.errors[0].message


class _Answer(str):
    """A learner's own str subclass, whose methods say something else."""

    def __str__(self) -> str:
        return ""

    def strip(self, chars=None) -> str:
        return ""


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ("", 'is the text ""'),
        ([], "is list []"),
        (..., "is the placeholder ..."),
        (_Answer(""), 'is the text "" of type _Answer'),
    ],
)
def test_still_none_is_said_only_of_none(answer, words):
    """An answer that is not None is named as it is (issue 26 §2)."""
    for result in (
        quiz.check_output_types(answer),
        quiz.answer_form_result(answer, question="q1"),
    ):
        message = " ".join(f.message for f in result.findings)
        assert "still None" not in message
        assert words in message
    assert "still None" in quiz.check_output_types(None).findings[0].message


def test_a_str_subclass_is_read_by_its_own_text():
    """A str subclass is graded by the text it holds, not by its methods."""
    assert quiz.check_format_property(_Answer("interoperable")).passed
    assert quiz.check_output_types(_Answer("results tables, ROI sets, label masks"))
