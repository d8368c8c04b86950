"""Which submissions are graded: a marker per submission, written last.

A submission counts as graded only when its marker exists: a small JSON file,
written atomically *after* the gradebook commit, in
``.outputsaving/graded/<assignment>/<student>.json`` of the course (outside the
folders a learner's code may write). It holds the submission's time stamp and
its outcome. A kill at any moment therefore loses nothing (no marker: graded
again) and duplicates nothing (grades are written with nbgrader's
update-or-create calls: a regrade replaces).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from outputsaving.classroom.course import STATE_DIR
from outputsaving.classroom.outcomes import SubmissionOutcome
from outputsaving.files import remove_no_follow, write_atomically

__all__ = ["marker_path", "pending", "read_marker", "timestamp_text", "write_marker"]


#: The longest file name most file systems take (bytes).
NAME_MAX = 255


def marker_path(course_dir: Path, student: str, assignment: str) -> Path:
    """Where the marker of a graded submission lives.

    ``<student>.json``; a student id too long for that (a folder name may have
    255 bytes, the marker's name 5 more) keeps its start and a hash of the
    whole id, so that two long ids never share a marker.
    """
    name = f"{student}.json"
    if len(name.encode("utf-8", "surrogateescape")) > NAME_MAX:
        digest = hashlib.sha256(student.encode("utf-8", "surrogateescape"))
        start = student.encode("utf-8", "surrogateescape")[:200]
        name = f"{start.decode('utf-8', 'ignore')}-{digest.hexdigest()[:16]}.json"
    return Path(course_dir) / STATE_DIR / "graded" / assignment / name


def read_marker(path: Path) -> SubmissionOutcome | None:
    """The outcome a marker holds (``fresh`` False), or None without a valid one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("graded_at", None)
        outcome = SubmissionOutcome(**data)
    except (OSError, ValueError, TypeError):
        return None
    outcome.fresh = False
    return outcome


def write_marker(course_dir: Path, outcome: SubmissionOutcome) -> None:
    """Mark a submission graded (after its grades are committed)."""
    data = asdict(outcome)
    data.pop("fresh")
    data["graded_at"] = dt.datetime.now(dt.UTC).isoformat()
    path = marker_path(course_dir, outcome.student, outcome.assignment)
    write_atomically(path, json.dumps(data, indent=1))


def timestamp_text(timestamp) -> str | None:
    """A submission's time stamp as markers and tasks keep it (naive UTC, ISO)."""
    if timestamp is None:
        return None
    if isinstance(timestamp, dt.datetime):
        if timestamp.tzinfo is not None:
            timestamp = timestamp.astimezone(dt.UTC).replace(tzinfo=None)
        return timestamp.isoformat()
    return str(timestamp)


def pending(course_dir: Path, submissions, *, force: bool, in_gradebook=None):
    """``(outcomes, to_grade, lost)``: what earlier runs graded, what is left,
    and which of those left were marked graded but are not in the gradebook.

    A submission is graded again without a marker, with ``force``, when its
    time stamp is not its marker's, or when the gradebook this run writes to
    does not hold its grades (``in_gradebook``: a set of ``(student,
    assignment)``, see :func:`~outputsaving.classroom.gradebook.graded_in_gradebook`;
    None trusts the markers): the gradebook is the truth, a marker only
    saves work. Its earlier autograded folder and feedback (of another
    version) are removed first.
    """
    outcomes: list[SubmissionOutcome] = []
    to_grade, lost = [], []
    for submission in submissions:
        marker = marker_path(course_dir, submission.student, submission.assignment)
        previous = read_marker(marker) if marker.exists() else None
        stamp = timestamp_text(submission.timestamp)
        known = in_gradebook is None or (
            (submission.student, submission.assignment) in in_gradebook
        )
        if previous is not None and not force and previous.timestamp == stamp and known:
            outcomes.append(previous)
            continue
        if previous is not None and not known:
            lost.append(submission)
        marker.unlink(missing_ok=True)
        for folder in ("autograded", "feedback"):
            remove_no_follow(
                course_dir / folder / submission.student / submission.assignment
            )
        to_grade.append(submission)
    return outcomes, to_grade, lost
