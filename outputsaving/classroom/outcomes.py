"""What grading a class gives: one outcome per submission, and the whole class.

Shared by the engine, which makes them, and the report, which reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "STOP_ENAMES",
    "ClassResult",
    "GradingRefused",
    "SubmissionOutcome",
]

#: ename of the error outputs that replace the cells a stop left unrun, by
#: the stop's message code.
STOP_ENAMES = {
    "classroom.time_budget": "TimeBudgetExceeded",
    "classroom.memory_limit": "MemoryLimitExceeded",
    "classroom.kernel_died": "KernelDied",
    "classroom.disk_quota": "DiskQuotaExceeded",
}


class GradingRefused(RuntimeError):
    """Grading cannot start (no sandbox, no submissions, bad options)."""


@dataclass
class SubmissionOutcome:
    """What grading one submission gave.

    ``outcome`` is ``"graded"`` (every cell ran), ``"stopped"`` (a time budget,
    the memory cap, the disk cap or a dead kernel stopped the notebook; the
    cells not run scored 0), ``"refused"`` (intake refused it: not run, every test 0) or
    ``"failed"`` (nbgrader could not grade it: nothing recorded, graded again
    on the next run). ``fresh`` is False for a submission graded by an earlier
    run (read back from its marker).
    """

    student: str
    assignment: str
    outcome: str
    seconds: float = 0.0
    score: float = 0.0
    max_score: float = 0.0
    timestamp: str | None = None
    reasons: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    mistakes: list[str] = field(default_factory=list)
    grades: dict[str, list[float]] = field(default_factory=dict)
    fresh: bool = True
    error: str = ""

    def log_line(self) -> str:
        """One line for the log: student, assignment, seconds, score, outcome."""
        score = f"{self.score:g}/{self.max_score:g}"
        line = (
            f"{self.student:<20} {self.assignment:<12} {self.seconds:6.1f} s "
            f"{score:>9}  {self.outcome}"
        )
        details = [*self.reasons, *self.flags]
        if self.error:
            details.append(self.error.strip().splitlines()[-1])
        if details:
            line += ": " + "; ".join(one_line(d) for d in details)
        return line


@dataclass
class ClassResult:
    """The whole class: one outcome per submission (this run's and earlier)."""

    course_dir: Path
    outcomes: list[SubmissionOutcome]
    seconds: float = 0.0
    workers: int = 1
    exports: dict[str, Path] = field(default_factory=dict)
    feedback: list[Path] = field(default_factory=list)
    #: ``"<student>/<assignment>: <cause>"`` for each feedback not written.
    feedback_failed: list[str] = field(default_factory=list)

    @property
    def graded_now(self) -> list[SubmissionOutcome]:
        """The submissions graded (or refused) by this run."""
        return [o for o in self.outcomes if o.fresh]

    @property
    def failed(self) -> list[SubmissionOutcome]:
        """The submissions nbgrader could not grade (graded again next run)."""
        return [o for o in self.outcomes if o.outcome == "failed"]


def one_line(text: str) -> str:
    """``text`` with its runs of white space (new lines too) made single spaces."""
    return " ".join(str(text).split())
