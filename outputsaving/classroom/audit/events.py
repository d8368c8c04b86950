"""The kernel monitor's events, for :mod:`outputsaving.classroom.audit`.

How the notebook used the course's code, as :mod:`outputsaving.monitor`
noted it in the tests' evidence folder: the tasks whose grading or saving code
a learner used score 0. Which tasks a name concerns, each assignment declares
(:attr:`outputsaving.grading.tasks.Assignment.uses`).
"""

from __future__ import annotations

import json
from pathlib import Path

from outputsaving.classroom.audit.tampering import READS_FRAMES
from outputsaving.grading.assignments import ASSIGNMENTS
from outputsaving.grading.evidence import EVIDENCE_FOLDER
from outputsaving.messages import fill

#: Largest events file read.
MAX_EVENTS_BYTES = 1_000_000


def read_events(workdir, /) -> list[dict]:
    """The monitor's events (:mod:`outputsaving.monitor`) of a run."""
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


def _event_tasks(event: dict) -> tuple[str, ...]:
    """The tasks (grade_id prefixes) whose points an event of use concerns."""
    module, _, name = event["target"].rpartition(".")
    name = name.lower()
    harmless = (declared.harmless for declared in ASSIGNMENTS.values())
    if event["kind"] == "uses" and name in frozenset().union(*harmless):
        return ()
    line = event["line"]
    for declared in ASSIGNMENTS.values():
        for owner, uses in declared.uses.items():
            if module == owner or (owner.startswith(".") and module.endswith(owner)):
                return _used_tasks(uses, name, line)
    return ()


def _used_tasks(uses, name: str, line: str) -> tuple[str, ...]:
    """The tasks of the first rule matching ``name`` (and the ``line`` using it)."""
    for use in uses:
        if use.words and not any(word in name for word in use.words):
            continue
        tasks = use.tasks(line) if callable(use.tasks) else use.tasks
        if tasks is not None:
            return tuple(tasks)
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
