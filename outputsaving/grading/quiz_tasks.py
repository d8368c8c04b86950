"""The quiz's questions, declared once for the class grader.

Every question is a literal answer, re-scored outside the learner's kernel
with the in-kernel tests' own checks (see :mod:`outputsaving.grading.tasks`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from outputsaving.findings import CheckResult
from outputsaving.grading import quiz
from outputsaving.grading.tasks import Answer, Assignment, Task, Use
from outputsaving.messages import fill

__all__ = ["ASSIGNMENT", "TASKS"]


def _q1(at_least: int) -> Callable[[object], CheckResult]:
    """Question 1's cell for ``at_least`` output types (3: the check's own)."""

    def check(answer) -> CheckResult:
        result = quiz.check_output_types(answer)
        if at_least < 3 and result.content >= at_least:
            return CheckResult(kind="quiz", path=result.path)
        return result

    return check


def _question(number: int, *answers: Answer) -> Task:
    return Task(
        f"quiz_q{number}",
        fill("classroom.mistake_quiz_question", question=number),
        answers=answers,
    )


TASKS = (
    _question(
        1,
        Answer("quiz_q1_answer", "Q1_OUTPUT_TYPES", "quiz_q1_one_type", _q1(1)),
        Answer("quiz_q1_answer", "Q1_OUTPUT_TYPES", "quiz_q1_two_types", _q1(2)),
        Answer("quiz_q1_answer", "Q1_OUTPUT_TYPES", "quiz_q1_three_types", _q1(3)),
    ),
    _question(
        2,
        Answer(
            "quiz_q2_answer",
            "Q2_FORMAT_PROPERTY",
            "quiz_q2_format",
            quiz.check_format_property,
        ),
    ),
    _question(
        3,
        Answer(
            "quiz_q3_answer",
            "Q3_JPEG_FOR_LABEL_MASKS",
            "quiz_q3_jpeg",
            partial(quiz.check_true_false, question="q3"),
        ),
    ),
    _question(
        4,
        Answer(
            "quiz_q4_answer",
            "Q4_TAB_DELIMITED_FOR_TABLES",
            "quiz_q4_tab",
            partial(quiz.check_true_false, question="q4"),
        ),
    ),
)


def _named_question(line: str) -> tuple[str, ...] | None:
    """The question a call names (``question="q3"``), if it names one."""
    question = re.search(r"question\s*=\s*['\"](q\d)['\"]", line)
    return (f"quiz_{question.group(1)}",) if question else None


ASSIGNMENT = Assignment(
    "quiz",
    TASKS,
    uses={
        ".quiz": (
            Use((), _named_question),
            Use(("output_types", "split_items"), ("quiz_q1",)),
            Use(("format_property",), ("quiz_q2",)),
            Use(("true_false", "true_words", "false_words"), ("quiz_q3", "quiz_q4")),
            Use((), ("quiz_q",)),  # any other name: every question
        )
    },
    placeholders=frozenset({"quiz.not_answered", "quiz.empty"}),
    harmless=frozenset(
        {
            "answer_form_result",
            "question_names",
            "item_separators",
            "normalise_answer",
            "parse_true_false",
        }
    ),
)
