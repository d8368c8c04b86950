"""Feedback back to the learners through nbgrader's exchange.

nbgrader's ``release_feedback`` names each released page after the
submission's secret (``submission_secret.txt``, written by ``nbgrader
submit``), and opens that file for every feedback folder of the assignment:
one folder without it (a submission from an LMS zip, or copied into
``submitted/`` by hand) stops the release for the whole class.
:func:`release_feedback` releases, with nbgrader's own command, the folders
that have what it reads, and leaves the others out (its
``CourseDirectory.student_id_exclude``), each with the reason: those learners
did not submit through the exchange, so ``fetch_feedback`` could not find
their page anyway; they get it through the LMS (``reports/``'s feedback zip).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from outputsaving.classroom.feedback import RELEASE_FILES, failure_cause

__all__ = [
    "FeedbackRelease",
    "feedback_to_release",
    "release_error",
    "release_feedback",
]

# A line of nbgrader's log: ``[ReleaseFeedbackApp | CRITICAL] Unwritable ...``.
_LOGGED = re.compile(r"^\[\w+ \| (?:CRITICAL|ERROR)\] (.+)$")


@dataclass
class FeedbackRelease:
    """What a release did: the students released, and those skipped, and why.

    ``skipped``: student -> the file missing from their feedback folder.
    ``log``: nbgrader's log; ``success``: whether nbgrader's release worked.
    """

    assignment: str
    released: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    success: bool = True
    log: str = ""


def feedback_to_release(course_dir: Path, assignment: str) -> FeedbackRelease:
    """Sort the feedback folders of ``assignment``: releasable, or skipped and why.

    A folder with at least one ``.html`` page is released when it holds every
    file of :data:`~outputsaving.classroom.feedback.RELEASE_FILES`; otherwise
    it is skipped, naming the first file missing.
    """
    plan = FeedbackRelease(assignment)
    for folder in sorted((Path(course_dir) / "feedback").glob(f"*/{assignment}")):
        if not folder.is_dir() or not any(folder.glob("*.html")):
            continue
        student = folder.parent.name
        missing = [name for name in RELEASE_FILES if not (folder / name).is_file()]
        if missing:
            plan.skipped[student] = missing[-1]  # the secret, when both are missing
        else:
            plan.released.append(student)
    return plan


def release_feedback(
    course_dir: Path, assignment: str, *, timeout: float = 600
) -> FeedbackRelease:
    """Run ``nbgrader release_feedback`` for the folders it can release.

    nbgrader runs in the course folder (its ``nbgrader_config.py`` names the
    course and the exchange), with the skipped students excluded. Nothing
    runs when no folder can be released.
    """
    course_dir = Path(course_dir).resolve()
    plan = feedback_to_release(course_dir, assignment)
    if not plan.released:
        return plan
    command = [sys.executable, "-m", "nbgrader", "release_feedback", assignment]
    if plan.skipped:
        excluded = ",".join(sorted(plan.skipped))
        command.append(f"--CourseDirectory.student_id_exclude={excluded}")
    # This Python's scripts first on PATH, as nbgrader's apps expect.
    scripts = str(Path(sys.executable).parent)
    path = os.pathsep.join(filter(None, [scripts, os.environ.get("PATH")]))
    completed = subprocess.run(
        command,
        cwd=course_dir,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    plan.success = completed.returncode == 0
    plan.log = completed.stdout + completed.stderr
    return plan


def release_error(log: str) -> str:
    """The cause of a failed release, on one line, from nbgrader's log.

    nbgrader logs the cause (``[ReleaseFeedbackApp | CRITICAL] Unwritable
    directory ...``), then that the command failed: the first such line that
    is not the latter, else :func:`~outputsaving.classroom.feedback.failure_cause`.
    """
    for line in str(log).splitlines():
        found = _LOGGED.match(line.strip())
        if found and not found.group(1).endswith(" failed"):
            return found.group(1)
    return failure_cause(log)
