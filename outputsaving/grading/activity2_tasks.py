"""Activity 2's tasks, declared once for the class grader.

:data:`ASSIGNMENT` names each task's graded cells and how the class grader
re-checks them outside the learner's kernel (see
:mod:`outputsaving.grading.tasks`). :func:`format_choices` declares the three
"good format for labels?" answers, which the ImageJ track asks too.
"""

from __future__ import annotations

import re
from functools import partial

from outputsaving.findings import CheckResult, Finding
from outputsaving.grading import activity1_unseen, activity2, activity2_unseen
from outputsaving.grading.evidence_notes import no_evidence
from outputsaving.grading.tasks import (
    IMAGE_FORMATS,
    Answer,
    Assignment,
    Evidence,
    Task,
    Unseen,
    Use,
    file_task,
    output_dir_task,
)
from outputsaving.messages import fill

__all__ = ["ASSIGNMENT", "TASKS", "format_choices"]

#: Evidence key -> the learner's save function its hidden test calls.
_FUNCTIONS = {key: name for name, (key, _) in activity2_unseen.SAVE_FUNCTIONS.items()}


def format_choices(task: str) -> tuple[Answer, ...]:
    """The three "good format for labels?" literals of answer cell
    ``<task>_format_choices`` (both tracks), scored by the in-kernel check."""
    return tuple(
        Answer(
            f"{task}_format_choices",
            f"{prefix}_GOOD_FOR_LABELS",
            f"{task}_{fmt}_choice",
            partial(activity2.check_format_choice, fmt=fmt),
        )
        for prefix, fmt in (
            ("PNG16", "png16"),
            ("JPEG", "jpeg"),
            ("COLOUR_PNG", "colour_png"),
        )
    )


def _unseen(key: str) -> Unseen:
    """The hidden test's call of its save function on unseen data."""
    function = _FUNCTIONS[key]
    return Unseen(
        function=function,
        params=partial(activity2_unseen.unseen_params, function),
        check=activity2_unseen.unseen_file_result,
        same_file=activity1_unseen.same_file_result,
    )


def _compare_judge(cases: int | None):
    """``compare_labels``' test: the counts it returned, case by case (the
    shipped cases, then with ``cases`` None those made from the seed)."""
    unseen = cases is None

    def judge(found, _root) -> list[CheckResult]:
        if not found:
            return [no_evidence()]
        expected = activity2.compare_case_count(cases)
        results = []
        for _, note in found:
            returns = note.get("returns")
            made = note.get("unseen") == activity1_unseen.unseen_params() or not unseen
            if not isinstance(returns, list) or not made:
                results.append(no_evidence())
                continue
            judged = activity2.compare_returns_result(returns, unseen=unseen)
            if judged.passed and len(returns) < expected:
                judged = no_evidence()
            results.append(judged)
        return results

    return judge


def _compare_kept(found) -> Finding | None:
    """``compare_labels`` right for every shipped case but not for one made at
    grading time: answers kept for the shipped cases."""
    shipped = len(activity2.compare_cases())
    for _, note in found:
        returns = note.get("returns")
        if not isinstance(returns, list) or len(returns) <= shipped:
            continue
        if note.get("unseen") != activity1_unseen.unseen_params():
            continue
        if not activity2.compare_returns_result(returns[:shipped]).passed:
            continue
        judged = activity2.compare_returns_result(returns, unseen=True)
        if judged.errors:
            return judged.errors[0]
    return None


def _title(task: int) -> str:
    return fill("classroom.mistake_activity_task", activity=2, task=task)


def _mask_format(fmt: str) -> Task:
    """Task 3's check of one of the three formats."""
    key = f"a2_{fmt}"
    return file_task(
        "a2_task3",
        _title(3),
        visible="a2_task3_mask_formats_visible",
        hidden=f"a2_task3_{fmt}_hidden",
        formats=IMAGE_FORMATS,
        check=partial(activity2.mask_format_result, fmt=fmt),
        message=f"classroom.audit_{fmt}",
        key=key,
        unseen=_unseen(key),
        visible_key="a2_masks_visible",
    )


TASKS = (
    output_dir_task("a2", _title(1)),
    file_task(
        "a2_task2",
        _title(2),
        visible="a2_task2_table_csv_visible",
        hidden="a2_task2_table_csv_hidden",
        formats=("text",),
        check=activity2.table_csv_result,
        message="classroom.audit_table_csv",
        key="a2_table_csv",
        unseen=_unseen("a2_table_csv"),
        visible_key="a2_table_csv_visible",
    ),
    # The three formats' grade_ids (a2_task3_png16_hidden, a2_task3_jpeg_hidden,
    # a2_task3_colour_png_hidden) and evidence keys (a2_png16, ...).
    _mask_format("png16"),
    _mask_format("jpeg"),
    _mask_format("colour_png"),
    Task(
        "a2_task4",
        _title(4),
        visible=("a2_task4_compare_visible",),
        hidden=("a2_task4_compare_hidden",),
        evidence=(
            Evidence(
                "a2_task4_compare_visible",
                "a2_compare_visible",
                judge=_compare_judge(3),
            ),
            Evidence(
                "a2_task4_compare_hidden",
                "a2_compare",
                judge=_compare_judge(None),
                flag=_compare_kept,
                flag_words=(
                    "right for the example cases shipped with the course, "
                    "not for one made at grading time"
                ),
            ),
        ),
    ),
    Task("a2_task5", _title(5), answers=format_choices("a2_task5")),
    file_task(
        "a2_task6",
        _title(6),
        visible="a2_task6_nuclei_mask_visible",
        hidden="a2_task6_nuclei_mask_hidden",
        formats=IMAGE_FORMATS,
        check=activity2.nuclei_mask_result,
        message="classroom.audit_nuclei_mask",
        key="a2_nuclei",
        unseen=_unseen("a2_nuclei"),
        visible_key="a2_nuclei_visible",
    ),
)


def _choice_tasks(line: str) -> tuple[str, ...]:
    """A format-choice name: the format's question when the line names it."""
    fmt = re.search(r"fmt\s*=\s*['\"](\w+)['\"]", line)
    return (f"a2_task5_{fmt.group(1)}_",) if fmt else ("a2_task5",)


#: Activity 2's tasks by words in the name of its grading code a learner used.
_USES = (
    Use(("choice",), _choice_tasks),
    Use(("compare", "counts"), ("a2_task4",)),
    Use(("table_csv",), ("a2_task2",)),
    Use(("nuclei",), ("a2_task6",)),
    Use(("mask_format", "shapes", "saved_masks"), ("a2_task3",)),
    Use(("output_dir",), ("a2_task1",)),
)

ASSIGNMENT = Assignment(
    "activity2",
    TASKS,
    uses={".activity2": _USES, ".activity2_unseen": _USES},
    placeholders=frozenset(
        {"activity1.output_dir_not_set", "activity2.choice_missing"}
    ),
    harmless=frozenset({"format_choices_result", "choice_names", "compare_keys"}),
)
