"""What a check found, as findings a learner can act on.

A check is a plain function over a path that returns a :class:`CheckResult`
holding every finding at once. Checks never print and never raise for a bad
file: an unexpected problem becomes a finding too (see :func:`checker`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from outputsaving.messages import MESSAGES, fill

__all__ = ["ERROR", "NOTE", "CheckResult", "Finding", "checker"]

ERROR = "error"
NOTE = "note"


@dataclass(frozen=True)
class Finding:
    """One thing a check found.

    Attributes
    ----------
    code : str
        Stable identifier, such as ``"labels.lossy_jpeg"``; graders and tests
        match on it, learners read :attr:`message`.
    severity : {"error", "note"}
        An error makes the check fail; a note is advice only.
    message : str
        Learner-facing text: found versus expected, and one next step.
    """

    code: str
    severity: str
    message: str

    @classmethod
    def make(cls, code: str, /, **values) -> Finding:
        """The finding ``code``: its severity and message filled from ``values``."""
        return cls(code, MESSAGES[code][0], fill(code, **values))

    def __str__(self) -> str:
        mark = "x" if self.severity == ERROR else "i"
        return f"[{mark}] {self.message}"


@dataclass
class CheckResult:
    """All findings of one check of one file.

    Attributes
    ----------
    kind : str
        What was checked: ``"labels"``, ``"table"``, ``"rois"`` or ``"settings"``.
    path : str
        The file that was checked.
    findings : list of Finding
        Every finding, errors and notes, in the order they were found.
    content : object or None
        What was read from the file when it could be read (an ndarray, a
        DataFrame, a list of ROIs, a dict), so callers need not read it again.
    """

    kind: str
    path: str
    findings: list[Finding] = field(default_factory=list)
    content: object = None

    @property
    def passed(self) -> bool:
        """True when no finding is an error."""
        return not self.errors

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == NOTE]

    @property
    def codes(self) -> list[str]:
        """The codes of all findings, for graders and tests."""
        return [f.code for f in self.findings]

    def add(self, code: str, /, **values) -> Finding:
        """Add the finding ``code`` with its message filled from ``values``."""
        found = Finding.make(code, **values)
        self.findings.append(found)
        return found

    def report(self) -> str:
        """A short text report: a verdict line, then one line per finding."""
        name = Path(self.path).name
        verdict = "passed" if self.passed else "did not pass"
        lines = [f"{self.kind} check of {name}: {verdict}"]
        lines += [f"  {finding}" for finding in self.findings]
        return "\n".join(lines)


def checker(kind: str):
    """Make a check function safe: any unexpected exception becomes a finding.

    The decorated function takes ``(result, path, ...)`` and fills ``result``;
    the caller gets the filled :class:`CheckResult` back, whatever happens.
    """

    def decorate(function):
        @functools.wraps(function)
        def check(path, /, *args, **kwargs) -> CheckResult:
            result = CheckResult(kind=kind, path=str(path))
            try:
                function(result, Path(path), *args, **kwargs)
            except MemoryError:
                result.add("file.too_large_to_check")
            except Exception as error:
                result.add("file.unexpected", error=type(error).__name__)
            return result

        return check

    return decorate
