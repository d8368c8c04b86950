"""The kernel monitor's events, for :mod:`outputsaving.classroom.audit`.

How the notebook used the course's code, as :mod:`outputsaving.grading.monitor`
noted it in the tests' evidence folder: the tasks whose grading or saving code
a learner used score 0.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from outputsaving.classroom.audit.tampering import READS_FRAMES
from outputsaving.grading.evidence import EVIDENCE_FOLDER
from outputsaving.messages import fill

#: Largest events file read.
MAX_EVENTS_BYTES = 1_000_000


def read_events(workdir, /) -> list[dict]:
    """The monitor's events (:mod:`outputsaving.grading.monitor`) of a run."""
    from outputsaving.classroom.evidence_audit import _read_regular
    from outputsaving.monitor import EVENTS_FILE

    data = _read_regular(
        Path(workdir) / EVIDENCE_FOLDER / EVENTS_FILE, MAX_EVENTS_BYTES
    )
    events = []
    for line in (data or b"").decode("utf-8", "replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and all(
            isinstance(event.get(k), str) for k in ("kind", "target", "line")
        ):
            events.append(event)
    return events


#: Activity 1's tasks by words in the name a learner's code used.
_A1_WORDS = (
    (("settings", "rerun", "other_limits", "raised", "labels_for"), "a1_task5"),
    (("output_dir",), "a1_task1"),
    (("rois",), "a1_task4"),
    (("table",), "a1_task3"),
    (("mask", "reference"), "a1_task2"),
)
_A2_WORDS = (
    (("compare", "counts"), "a2_task4"),
    (("table_csv",), "a2_task2"),
    (("nuclei",), "a2_task6"),
    (("mask_format", "shapes", "saved_masks"), "a2_task3"),
    (("output_dir",), "a2_task1"),
)
_IJ_WORDS = (
    (("upload", "output_folder"), ("ij1_task1", "ij2_task1")),
    (("table_csv",), ("ij2_task2",)),
    (("format_choice",), ("ij2_task4",)),
    (("nuclei",), ("ij2_task5",)),
    (("masks", "mask_format", "png", "jpeg", "colour"), ("ij2_task3",)),
    (("label_mask", "mask"), ("ij1_task2",)),
    (("table",), ("ij1_task3",)),
    (("rois",), ("ij1_task4",)),
)
_QUIZ_WORDS = (
    (("output_types", "split_items"), ("quiz_q1",)),
    (("format_property",), ("quiz_q2",)),
    (("true_false", "true_words", "false_words"), ("quiz_q3", "quiz_q4")),
)


#: Names that reveal nothing about any answer (forms, given values): using
#: them is flagged, but costs no points.
_HARMLESS = frozenset(
    {
        "answer_form_result",
        "question_names",
        "item_separators",
        "normalise_answer",
        "parse_true_false",
        "format_choices_result",
        "choice_names",
        "compare_keys",
        "input_name",
        "min_size",
        "max_size",
    }
)


def _event_tasks(event: dict) -> tuple[str, ...]:
    """The tasks (grade_id prefixes) whose points an event of use concerns."""
    module, _, name = event["target"].rpartition(".")
    name = name.lower()
    if event["kind"] == "uses" and name in _HARMLESS:
        return ()
    line = event["line"]
    if module == "outputsaving.demo":
        return ("a1_task2", "a1_task3", "a1_task4", "a1_task5")
    if module == "outputsaving.settings":
        return ("a1_task5",)
    if module.endswith(".rerun"):
        return ("a1_task5",)
    if module.endswith(".quiz"):
        question = re.search(r"question\s*=\s*['\"](q\d)['\"]", line)
        if question:
            return (f"quiz_{question.group(1)}",)
        for words, tasks in _QUIZ_WORDS:
            if any(word in name for word in words):
                return tasks
        return ("quiz_q",)
    if module.endswith((".activity2", ".activity2_unseen")):
        if "choice" in name:
            fmt = re.search(r"fmt\s*=\s*['\"](\w+)['\"]", line)
            return (f"a2_task5_{fmt.group(1)}_",) if fmt else ("a2_task5",)
        return tuple(
            task for words, task in _A2_WORDS if any(w in name for w in words)
        )[:1]
    if module.endswith(".imagej"):
        for words, tasks in _IJ_WORDS:
            if any(word in name for word in words):
                return tasks
        return ()
    if module.endswith((".activity1", ".activity1_unseen")):
        return tuple(
            task for words, task in _A1_WORDS if any(w in name for w in words)
        )[:1]
    return ()


def _audit_events(events: list[dict], graded_ids: list[str], result) -> None:
    """Give 0 to the tasks whose grading code or saving code a learner used."""
    result.events = events
    for kind, code, flag in (
        ("uses", "classroom.audit_grading_use", "uses the course's code"),
        ("saves_with", "classroom.audit_course_saving", "saves with the course's code"),
        (
            "reads_frames",
            "classroom.audit_reads_frames",
            READS_FRAMES.removeprefix("it "),
        ),
    ):
        chosen = [e for e in events if e["kind"] == kind]
        if not chosen:
            continue
        names = sorted({e["target"].removeprefix("outputsaving.") for e in chosen})
        detail = ", ".join(names[:3])
        text = fill(code, detail=detail)
        result.notes.append(text)
        result.flags.append(f"{flag}: {detail}")
        for event in chosen:
            for task in _event_tasks(event):
                for grade_id in graded_ids:
                    if grade_id.startswith(task):
                        result.verdicts[grade_id] = False
                        result.messages[grade_id] = text
                        result.exact = frozenset({*result.exact} - {grade_id})
