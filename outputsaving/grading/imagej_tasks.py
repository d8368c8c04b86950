"""The ImageJ track's tasks, declared once for the class grader.

Both ImageJ-track assignments hand in their macro's files in ``output/``; the
class grader re-checks those files and what the macro wrote when the kernel
re-ran it (see :mod:`outputsaving.grading.tasks`), and reviews whether the
files handed in are the macro's own.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from outputsaving.findings import CheckResult
from outputsaving.grading import imagej
from outputsaving.grading.activity2_tasks import format_choices
from outputsaving.grading.evidence_notes import no_evidence, per_folder
from outputsaving.grading.tasks import (
    Assignment,
    Evidence,
    FileCheck,
    FolderCheck,
    Task,
    Use,
)
from outputsaving.messages import fill

__all__ = ["ASSIGNMENTS", "TASKS"]


def _rerun(task: str, activity: int):
    """A task's evidence: what the macro wrote when the kernel re-ran it.

    The note of each run (``ij<activity>_run-*.json``) says how it ended; the
    folder beside it holds the files the macro wrote into its output folder.
    When the macro handed in is still the released template, a failure (no
    evidence included) says so (:func:`~outputsaving.grading.imagej.untouched_result`).
    """
    name = imagej.MACRO_NAMES[f"activity{activity}_imagej"]

    def judge(found, root) -> list[CheckResult]:
        macro = Path(root).parent / name
        untouched = name if imagej.macro_is_template(macro, activity=activity) else ""
        results = per_folder(
            found,
            lambda note, folder: imagej.rerun_task_result(
                task, note, folder, untouched=untouched
            ),
        ) or [no_evidence()]
        if untouched and any("classroom.audit_no_evidence" in r.codes for r in results):
            # Nothing of the learner's to check: the macro is not written yet.
            said = {"classroom.audit_no_evidence", "imagej.rerun_untouched"}
            kept = [r for r in results if not said & set(r.codes)]
            results = [imagej.untouched_result(untouched), *kept]
        return results

    return judge


def _upload(assignment: str, activity: int, workdir: Path) -> list[CheckResult]:
    """Task 1: the edited macro and the output folder handed in."""
    macro = workdir / imagej.MACRO_NAMES[assignment]
    folder = workdir / imagej.OUTPUT_FOLDER
    return imagej.upload_result(macro, folder, activity=activity)


def _files(task: str) -> FileCheck:
    """The check of the handed-in files for one of the re-run's tasks."""
    return FileCheck(
        imagej.CANDIDATE_FORMATS[task],
        partial(imagej.file_result, task),
        "classroom.audit_imagej_files",
        what=imagej.TASK_WORDS[task],
    )


def _task(activity: int, number: int, task: str, visible: str, hidden: str) -> Task:
    """A task checked on the files handed in and on the kernel's re-run."""
    return Task(
        f"ij{activity}_task{number}",
        fill("classroom.mistake_imagej_task", activity=activity, task=number),
        visible=(visible,),
        hidden=(hidden,),
        files=_files(task),
        evidence=(Evidence(hidden, f"ij{activity}_run", judge=_rerun(task, activity)),),
    )


def _upload_task(assignment: str, activity: int) -> Task:
    hidden = f"ij{activity}_task1_rerun_hidden"
    return Task(
        f"ij{activity}_task1",
        fill("classroom.mistake_imagej_task", activity=activity, task=1),
        visible=(f"ij{activity}_task1_upload_visible",),
        hidden=(hidden,),
        files=FolderCheck(partial(_upload, assignment, activity)),
        evidence=(
            Evidence(
                hidden, f"ij{activity}_run", judge=_rerun("output_folder", activity)
            ),
        ),
    )


#: The tasks by words in the name of the track's grading code a learner used
#: (one table for both activities).
_USES = {
    ".imagej": (
        Use(("upload", "output_folder"), ("ij1_task1", "ij2_task1")),
        Use(("table_csv",), ("ij2_task2",)),
        Use(("format_choice",), ("ij2_task4",)),
        Use(("nuclei",), ("ij2_task5",)),
        Use(("masks", "mask_format", "png", "jpeg", "colour"), ("ij2_task3",)),
        Use(("label_mask", "mask"), ("ij1_task2",)),
        Use(("table",), ("ij1_task3",)),
        Use(("rois",), ("ij1_task4",)),
    )
}


def _track(name: str, activity: int) -> dict:
    """What the grader needs of an ImageJ-track assignment as a whole."""
    return {
        "files_folder": imagej.OUTPUT_FOLDER,
        "review_handed_in": True,
        "handed_in": imagej.HANDED_IN[name],
        "program": imagej.MACRO_NAMES[name],
        "rerun_notes": f"ij{activity}_run",
        "extra_seconds": imagej.MACRO_TIMEOUT + 10.0,
        "needs_imagej": True,
    }


TASKS = {
    "activity1_imagej": (
        _upload_task("activity1_imagej", 1),
        _task(1, 2, "mask", "ij1_task2_mask_visible", "ij1_task2_mask_rerun_hidden"),
        _task(1, 3, "table", "ij1_task3_table_visible", "ij1_task3_table_rerun_hidden"),
        _task(1, 4, "rois", "ij1_task4_rois_visible", "ij1_task4_rois_rerun_hidden"),
    ),
    "activity2_imagej": (
        _upload_task("activity2_imagej", 2),
        _task(
            2,
            2,
            "table_csv",
            "ij2_task2_table_csv_visible",
            "ij2_task2_table_csv_rerun_hidden",
        ),
        *(
            _task(
                2,
                3,
                fmt,
                "ij2_task3_mask_formats_visible",
                f"ij2_task3_{fmt}_rerun_hidden",
            )
            for fmt in ("png16", "jpeg", "colour_png")
        ),
        Task(
            "ij2_task4",
            fill("classroom.mistake_imagej_task", activity=2, task=4),
            answers=format_choices("ij2_task4"),
        ),
        _task(
            2,
            5,
            "nuclei",
            "ij2_task5_nuclei_mask_visible",
            "ij2_task5_nuclei_mask_rerun_hidden",
        ),
    ),
}

#: The track's two assignments.
ASSIGNMENTS = (
    Assignment(
        "activity1_imagej",
        TASKS["activity1_imagej"],
        uses=_USES,
        **_track("activity1_imagej", 1),
    ),
    Assignment(
        "activity2_imagej",
        TASKS["activity2_imagej"],
        uses=_USES,
        placeholders=frozenset({"activity2.choice_missing"}),
        **_track("activity2_imagej", 2),
    ),
)
