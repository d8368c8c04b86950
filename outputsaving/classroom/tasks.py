"""The work the engine hands to its workers, and what they hand back: values.

A task carries everything its worker needs (the course's settings, the
assignment's source files, the gradebook's structure, the submission's files,
as bytes) and a result everything the grader keeps (the scores, the graded
folder's files), so that a worker needs no folder of the course: a process of
this machine's pool or of another machine can run it. Each is a picklable
dataclass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from outputsaving.classroom.limits import DEFAULT_DISK_BYTES
from outputsaving.classroom.outcomes import SubmissionOutcome

__all__ = [
    "AssignmentFiles",
    "CourseFiles",
    "FeedbackResult",
    "FeedbackTask",
    "GradeResult",
    "GradeTask",
    "NotebookGrades",
    "SolutionTask",
]


@dataclass(frozen=True)
class CourseFiles:
    """What every task needs of the course.

    ``config``: nbgrader's configuration of the course (its
    ``nbgrader_config.py``, loaded); ``template``: a SQLite gradebook holding
    the assignments' structure and no submission, as bytes; ``unseen_seed``:
    the seed the kernels and the audit make the unseen data from.
    """

    course_id: str
    config: Any
    template: bytes
    #: The seed of the hidden tests' unseen data (from the course's secret,
    #: :mod:`outputsaving.classroom.secret`); None: the worker's own.
    unseen_seed: int | None = None


@dataclass(frozen=True)
class AssignmentFiles:
    """An assignment's ``source/`` folder: its notebooks and the files beside.

    ``files``: relative ``/`` path -> bytes.
    """

    name: str
    notebooks: tuple[str, ...]
    files: dict[str, bytes]


@dataclass(frozen=True)
class GradeTask:
    """Autograde one submission.

    ``submission``: relative ``/`` path -> bytes of the files handed in that
    grading uses (the notebooks, nbgrader's time stamp and secret, the ImageJ
    track's macro and output folder). ``budgets``: seconds per notebook name
    (without ``.ipynb``).
    """

    student: str
    assignment: AssignmentFiles
    course: CourseFiles
    submission: dict[str, bytes]
    budgets: dict[str, float]
    memory_bytes: int
    unsafe: bool
    timestamp: str | None = None
    extension_seconds: float | None = None
    #: Bytes the notebooks may add to the working folder (0: no cap).
    disk_bytes: int = DEFAULT_DISK_BYTES
    #: Intake's notes for the learner (which notebook was graded), shown at
    #: the top of each graded notebook.
    notes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment.name}"


@dataclass(frozen=True)
class SolutionTask:
    """Run an assignment's solution notebooks once, to time them."""

    assignment: AssignmentFiles
    course: CourseFiles
    memory_bytes: int
    unsafe: bool

    @property
    def key(self) -> str:
        return f"solution/{self.assignment.name}"


@dataclass(frozen=True)
class FeedbackTask:
    """nbgrader's generate_feedback for one graded submission.

    It reads the course's gradebook and ``autograded/`` folder, so it runs
    where the course is (``course_dir``).
    """

    student: str
    assignment: str
    course_dir: str
    config: Any

    @property
    def key(self) -> str:
        return f"feedback/{self.student}/{self.assignment}"


@dataclass
class FeedbackResult:
    """Whether generate_feedback succeeded, and its error if not."""

    success: bool
    error: str = ""


@dataclass
class NotebookGrades:
    """The scores nbgrader gave one notebook.

    ``grades``: grade_id -> ``[auto_score, max_score]`` (``auto_score`` None:
    the cell waits for a manual grade).
    """

    grades: dict[str, list] = field(default_factory=dict)
    comments: dict[str, str | None] = field(default_factory=dict)
    late_penalty: float | None = None


@dataclass
class GradeResult:
    """What grading one submission gave.

    ``outcome``: ``"graded"``, ``"stopped"`` (a stop left cells unrun),
    ``"unreadable"`` (a notebook could not be read: the learner's fault, not
    run), ``"refused"`` (intake refused it, made by the grader) or
    ``"failed"`` (the grader's fault: graded again on the next run).
    ``files``: the graded folder (relative ``/`` path -> bytes); ``dropped``:
    its entries not sent back (links, special files, over the size limit).
    """

    student: str
    assignment: str
    outcome: str = "failed"
    seconds: float = 0.0
    timestamp: str | None = None
    notebooks: dict[str, NotebookGrades] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    mistakes: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    log: str = ""
    error: str = ""
    fork_error: str = ""

    def outcome_record(self) -> SubmissionOutcome:
        """The submission's outcome, as the report and the markers keep it."""
        grades = {
            key: [auto or 0.0, points]
            for record in self.notebooks.values()
            for key, (auto, points) in record.grades.items()
        }
        return SubmissionOutcome(
            student=self.student,
            assignment=self.assignment,
            outcome=self.outcome,
            seconds=round(self.seconds, 2),
            score=sum(v[0] for v in grades.values()),
            max_score=sum(v[1] for v in grades.values()),
            timestamp=self.timestamp,
            reasons=list(self.reasons),
            flags=list(self.flags),
            mistakes=list(self.mistakes),
            grades=grades,
            error=self.error if self.outcome == "failed" else "",
        )
