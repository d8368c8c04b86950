"""Activity 1's tasks, declared once for the class grader.

:data:`ASSIGNMENT` names each task's graded cells and how the class grader
re-checks them outside the learner's kernel (see
:mod:`outputsaving.grading.tasks`): the files the notebook saved, the hidden
tests' evidence (with their calls on unseen data), the output folder read
with :mod:`ast`, and which tasks a learner's use of the course's code costs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from outputsaving.findings import CheckResult
from outputsaving.grading import activity1, activity1_unseen
from outputsaving.grading.common import task_result
from outputsaving.grading.evidence_notes import (
    folder_of,
    load_array,
    no_evidence,
    notes,
    returned_file,
    written_results,
)
from outputsaving.grading.tasks import (
    IMAGE_FORMATS,
    Assignment,
    Evidence,
    FileCheck,
    Task,
    Unseen,
    Use,
    file_task,
    output_dir_task,
)
from outputsaving.messages import fill

__all__ = ["ASSIGNMENT", "TASKS"]

#: Settings files re-run, at most, per notebook audited.
MAX_RERUNS = 3


def _settings_check():
    """Task 5's check of a saved file, plus the re-run in this process (at
    most :data:`MAX_RERUNS` per notebook)."""
    reruns = [0]

    def check(path: Path) -> list[CheckResult]:
        results = activity1.settings_result(path)
        if not all(result.passed for result in results) or reruns[0] >= MAX_RERUNS:
            return results
        reruns[0] += 1
        rerun = task_result("settings", path)
        labels, reason = activity1.rerun_in_process(path)
        reference = activity1.reference_labels()
        if labels is None:
            rerun.add("activity1.settings_rerun_failed", reason=reason)
        elif not np.array_equal(labels, reference):
            rerun.add(
                "activity1.settings_rerun_differs",
                found=int(labels.max()),
                expected=int(reference.max()),
            )
        return [*results, rerun]

    return check


def _settings_judge(found, root: Path) -> list[CheckResult]:
    """Task 5's evidence: the saved settings, and ``rerun_from_settings`` on
    each case."""
    if not found:
        return [no_evidence()]
    results: list[CheckResult] = []
    saved_files = []
    for note_path, note in found:
        folder = folder_of(note_path)
        limits = note.get("limits")
        valid = (
            isinstance(limits, list)
            and len(limits) == 2
            and all(
                isinstance(x, int | float) and not isinstance(x, bool) for x in limits
            )
        )
        if folder is None or not valid:
            results.append(no_evidence())
            continue
        results.extend(written_results(note, folder))
        returned = returned_file(note, folder)
        checked = activity1.settings_result(returned, folder, limits=tuple(limits))
        results.extend(checked)
        if all(r.passed for r in checked):
            results.append(
                activity1.settings_rerun_result(
                    returned, tuple(limits), rerun=activity1.rerun_in_process
                )
            )
            saved_files.append(Path(returned))
    reruns = notes(root, "a1_rerun")
    if not reruns or len(reruns) != len(saved_files):
        results.append(no_evidence())
        return results
    for (note_path, note), saved in zip(reruns, saved_files, strict=True):
        cases = note.get("cases")
        names = [c.get("case") for c in cases] if isinstance(cases, list) else []
        if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
            results.append(no_evidence())
            continue
        if names[: len(activity1.RERUN_CASES)] != list(activity1.RERUN_CASES):
            results.append(no_evidence())
            continue
        for case in cases:
            kept = case.get("returned")
            if isinstance(kept, str) and kept.startswith("raised "):
                returned = activity1.Raised(kept.removeprefix("raised "))
            else:
                returned = load_array(note_path, kept)
            results.append(activity1.rerun_case_result(case["case"], saved, returned))
    return results


def _unseen(function: str, check, expected) -> Unseen:
    """A hidden test's call on unseen data, judged against ``expected()``."""

    def judged(returned, folder, *, name, parameter):
        return check(returned, expected(), folder, name=name, parameter=parameter)

    return Unseen(
        function=function,
        params=activity1_unseen.unseen_params,
        check=judged,
        same_file=activity1_unseen.same_file_result,
    )


def _title(task: int) -> str:
    return fill("classroom.mistake_activity_task", activity=1, task=task)


TASKS = (
    output_dir_task("a1", _title(1)),
    file_task(
        "a1_task2",
        _title(2),
        visible="a1_task2_mask_lossless_visible",
        hidden="a1_task2_mask_fresh_folder_hidden",
        formats=IMAGE_FORMATS,
        check=activity1.label_mask_result,
        message="classroom.audit_label_mask",
        key="a1_mask",
        unseen=_unseen(
            "save_label_mask",
            activity1_unseen.unseen_mask_result,
            activity1_unseen.unseen_labels,
        ),
        visible_key="a1_mask_visible",
    ),
    file_task(
        "a1_task3",
        _title(3),
        visible="a1_task3_table_tab_visible",
        hidden="a1_task3_table_fresh_folder_hidden",
        formats=("text",),
        check=activity1.table_result,
        message="classroom.audit_table",
        key="a1_table",
        unseen=_unseen(
            "save_table",
            activity1_unseen.unseen_table_result,
            activity1_unseen.unseen_table,
        ),
        visible_key="a1_table_visible",
    ),
    file_task(
        "a1_task4",
        _title(4),
        visible="a1_task4_rois_zip_visible",
        hidden="a1_task4_rois_rerun_hidden",
        formats=("zip", "imagej_roi"),
        check=activity1.rois_result,
        message="classroom.audit_rois",
        key="a1_rois",
        unseen=_unseen(
            "save_rois",
            activity1_unseen.unseen_rois_result,
            activity1_unseen.unseen_labels,
        ),
        visible_key="a1_rois_visible",
    ),
    Task(
        "a1_task5",
        _title(5),
        visible=("a1_task5_settings_visible",),
        hidden=("a1_task5_settings_rerun_hidden",),
        files=FileCheck(
            ("text",), _settings_check, "classroom.audit_settings", per_audit=True
        ),
        evidence=(
            Evidence(
                "a1_task5_settings_rerun_hidden",
                "a1_settings",
                judge=_settings_judge,
                written=True,
            ),
        ),
        visible_keys=("a1_settings_visible",),
    ),
)

#: Activity 1's tasks by words in the name of its grading code a learner used.
_USES = (
    Use(("settings", "rerun", "other_limits", "raised", "labels_for"), ("a1_task5",)),
    Use(("output_dir",), ("a1_task1",)),
    Use(("rois",), ("a1_task4",)),
    Use(("table",), ("a1_task3",)),
    Use(("mask", "reference"), ("a1_task2",)),
)

ASSIGNMENT = Assignment(
    "activity1",
    TASKS,
    uses={
        ".activity1": _USES,
        ".activity1_unseen": _USES,
        # The demo and the settings module solve tasks 2-5 and 5.
        "outputsaving.demo": (
            Use((), ("a1_task2", "a1_task3", "a1_task4", "a1_task5")),
        ),
        "outputsaving.settings": (Use((), ("a1_task5",)),),
        ".rerun": (Use((), ("a1_task5",)),),
    },
    placeholders=frozenset({"activity1.output_dir_not_set"}),
    # Given values (grading.common's INPUT_NAME, MIN_SIZE, MAX_SIZE).
    harmless=frozenset({"input_name", "min_size", "max_size"}),
)
