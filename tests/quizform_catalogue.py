"""The quiz-form catalogue: answer cells that hold code besides the answer.

The quiz's answers are graded from their cells' source (the class grader's
audit never trusts the kernel's value), and each self-check says beforehand
whether its answer can be graded. Issue 26 §2 found the two disagreeing: an
answer cell with its own self-check call merged in ("can be graded", then 0
for "a function call"), ``%whos`` and ``!echo done`` after an answer (0 for
"code Python cannot read", where the self-check had said "a function call"),
and "it is still None" said of answers that were not None.

Each case's **deserved** score per test cell is in ``quizform_deserved.tsv``
(same columns as ``fairness_deserved.tsv``), committed before the grader
change it judges. Principles:

- ``legit``: lines that only show something (a self-check call, ``print``,
  ``display``, ``%whos``, ``!echo``) beside a plain answer, or the plain
  answer typed into a cell of the learner's own below the answer cell, never
  cost a point.
- ``form``: an answer the quiz's rule ("one line, a plain value") does not
  hold (a function call, a class of one's own, an answer built over several
  cells) loses its question's points, unflagged; the self-check and the
  grader name the same code in the same words.
- ``message``: an answer that is not None is never called None.

Instructor material (the quiz's answers): it lives beside the tests, never in
the installed package.
"""

from __future__ import annotations

from pathlib import Path

import fairness_catalogue
from fairness_catalogue import (
    QUIZ,
    Case,
    _append,
    _cell_with,
    _insert_after,
    _insert_before,
    _set,
    build_case,
    deserved_from,
)

__all__ = [
    "BY_NAME",
    "CASES",
    "DESERVED_TABLE",
    "LOSES",
    "NEVER_SAYS",
    "build_case",
    "deserved_scores",
]

DESERVED_TABLE = Path(__file__).with_name("quizform_deserved.tsv")

Q1_IDS = ("quiz_q1_one_type", "quiz_q1_two_types", "quiz_q1_three_types")
Q2_ID = "quiz_q2_format"

#: Words no case's feedback may hold: none of these answers is None.
NEVER_SAYS = "it is still None"
#: The quiz rule's words, the same in the self-check and the grader.
PLAIN_VALUES = "plain values"


# -- legit: lines that only show something, beside a plain answer -------------------


def _merged_selfcheck(notebook, answers):
    """Question 1's self-check call moved into its answer cell (cells merged)."""
    call = 'selfcheck.quiz_answer(Q1_OUTPUT_TYPES, question="q1")'
    del notebook.cells[_cell_with(notebook, call)]
    _append(notebook, "quiz_q1_answer", call)
    return {}


def _magics_after_answers(notebook, answers):
    _append(notebook, "quiz_q2_answer", "%whos")
    _append(notebook, "quiz_q3_answer", "!echo done")
    return {}


def _shows_after_answers(notebook, answers):
    _append(notebook, "quiz_q1_answer", "display(Q1_OUTPUT_TYPES)")
    _append(notebook, "quiz_q2_answer", 'print("saved:", Q2_FORMAT_PROPERTY)')
    _append(
        notebook,
        "quiz_q4_answer",
        'selfcheck.quiz_answer(Q4_TAB_DELIMITED_FOR_TABLES, question="q4")\n'
        "%whos\n"
        "!echo done",
    )
    return {}


def _answer_in_own_cell(notebook, answers):
    """Question 3's answer cell kept as released; the answer in a new cell below."""
    released = "Q3_JPEG_FOR_LABEL_MASKS = None\n# YOUR CODE HERE\n"
    _set(notebook, "quiz_q3_answer", released)
    _insert_after(notebook, "quiz_q3_answer", answers["quiz_q3_answer"])
    return {}


# -- form: the rule "one line, a plain value" broken ---------------------------------


def _built_over_cells(notebook, answers):
    """Question 1 started as an empty list, filled in a cell of its own."""
    _set(notebook, "quiz_q1_answer", "Q1_OUTPUT_TYPES = []\n")
    _insert_after(
        notebook,
        "quiz_q1_answer",
        'Q1_OUTPUT_TYPES.append("results tables")\n'
        'Q1_OUTPUT_TYPES.append("ROI sets")\n'
        'Q1_OUTPUT_TYPES.append("label masks")\n',
    )
    return {}


def _built_with_plus(notebook, answers):
    _set(notebook, "quiz_q2_answer", 'Q2_FORMAT_PROPERTY = "inter"\n')
    _insert_after(notebook, "quiz_q2_answer", 'Q2_FORMAT_PROPERTY += "operable"\n')
    return {}


def _str_subclass(notebook, answers):
    """Question 2 answered with a str subclass of the learner's own."""
    _insert_before(
        notebook,
        "quiz_q2_answer",
        "class Answer(str):\n"
        '    """An answer I can add notes to."""\n'
        "\n"
        "    note = ''\n",
    )
    _set(notebook, "quiz_q2_answer", 'Q2_FORMAT_PROPERTY = Answer("interoperable")\n')
    return {}


def _computed_call(notebook, answers):
    _set(
        notebook,
        "quiz_q1_answer",
        'Q1_OUTPUT_TYPES = ", ".join(["results tables", "ROI sets", "label masks"])\n',
    )
    return {}


# -- message: an empty answer is not None ----------------------------------------------


def _empty_answer(notebook, answers):
    _set(notebook, "quiz_q2_answer", 'Q2_FORMAT_PROPERTY = ""\n')
    return {}


CASES: tuple[Case, ...] = (
    Case(
        "merged_selfcheck",
        QUIZ,
        "legit",
        "merged question 1's self-check cell into its answer cell",
        _merged_selfcheck,
    ),
    Case(
        "magics_after_answers",
        QUIZ,
        "legit",
        "ran %whos after question 2's answer and !echo done after question 3's",
        _magics_after_answers,
    ),
    Case(
        "shows_after_answers",
        QUIZ,
        "legit",
        "displayed, printed and self-checked answers in their cells, with %whos "
        "and !echo",
        _shows_after_answers,
    ),
    Case(
        "answer_in_own_cell",
        QUIZ,
        "legit",
        "typed question 3's answer into a new cell below its answer cell",
        _answer_in_own_cell,
    ),
    Case(
        "built_over_cells",
        QUIZ,
        "form",
        "set question 1 to [] and appended the three types in the next cell",
        _built_over_cells,
        says=('Q1_OUTPUT_TYPES.append("results tables")', PLAIN_VALUES),
    ),
    Case(
        "built_with_plus",
        QUIZ,
        "form",
        "set question 2 to the text inter, then added operable in the next cell",
        _built_with_plus,
        says=('Q2_FORMAT_PROPERTY += "operable"', PLAIN_VALUES),
    ),
    Case(
        "str_subclass",
        QUIZ,
        "form",
        "answered question 2 with a str subclass of their own",
        _str_subclass,
        says=('Answer("interoperable")', "a function call", PLAIN_VALUES),
    ),
    Case(
        "computed_call",
        QUIZ,
        "form",
        "wrote question 1 as a join of the three types' texts",
        _computed_call,
        says=('", ".join(["results tables", "ROI sets", "label masks"])', PLAIN_VALUES),
    ),
    Case(
        "empty_answer",
        QUIZ,
        "message",
        "left question 2 as empty text",
        _empty_answer,
        says=('Q2_FORMAT_PROPERTY is the text ""',),
    ),
)

BY_NAME = {case.name: case for case in CASES}

#: What each case loses: case -> the test cells it deserves 0 for.
LOSES = {
    "merged_selfcheck": (),
    "magics_after_answers": (),
    "shows_after_answers": (),
    "answer_in_own_cell": (),
    "built_over_cells": Q1_IDS,
    "built_with_plus": (Q2_ID,),
    "str_subclass": (Q2_ID,),
    "computed_call": Q1_IDS,
    "empty_answer": (Q2_ID,),
}


def deserved_scores(case: Case) -> dict[str, float]:
    """grade_id -> the points ``case`` deserves, from ``quizform_deserved.tsv``."""
    return deserved_from(DESERVED_TABLE, case.name)


def write_deserved_table() -> None:
    """Write ``quizform_deserved.tsv`` from :data:`LOSES` (run once, by hand)."""
    fairness_catalogue.write_deserved_table(DESERVED_TABLE, CASES, LOSES)


if __name__ == "__main__":
    write_deserved_table()
