"""The one catalogue of message templates, and the one way to fill them.

Each entry maps a stable finding code to ``(severity, template)``. The
catalogue is built from one submodule per audience: :mod:`.checks` (what the
checkers tell a learner about a saved file), :mod:`.grading` (the graders'
test-cell verdicts), :mod:`.selfcheck` (the notebook's self-check cells) and
:mod:`.classroom` (the class grader: notes in a learner's feedback, and the
instructor's command line); no code is in two of them. The
templates are filled by :func:`fill`, the one way to fill them (never
``str.format`` on a template): ``str.format`` fields, where a field
``{count:object/objects}`` gives the word that agrees with the number
``count`` (singular for 1). House rules for the wording: second
person, at most two sentences, found versus expected, one next step, and never
the code of the solution.
"""

import numbers
import string

from outputsaving.messages import checks, classroom, grading, selfcheck

# The severities, importable from here as before the split.
from outputsaving.messages.severity import E as E
from outputsaving.messages.severity import N as N

__all__ = ["MESSAGES", "fill"]


def _catalogue(*parts: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """The parts' entries in one dict; a code defined twice is an error."""
    catalogue: dict[str, tuple[str, str]] = {}
    for part in parts:
        twice = sorted(catalogue.keys() & part.keys())
        if twice:
            raise ValueError(f"message codes defined twice: {twice}")
        catalogue.update(part)
    return catalogue


#: Every template, in the order of the parts (checks, grading, self-checks,
#: class grading).
MESSAGES: dict[str, tuple[str, str]] = _catalogue(
    checks.MESSAGES, grading.MESSAGES, selfcheck.MESSAGES, classroom.MESSAGES
)


class _Wording(string.Formatter):
    """``str.format`` with ``{n:singular/plural}`` fields for agreement."""

    def format_field(self, value, format_spec: str):
        if "/" in format_spec:
            singular, _, plural = format_spec.partition("/")
            return singular if _count(value) == 1 else plural
        return super().format_field(value, format_spec)


def _count(value) -> int | None:
    """A count given as a number or as its text (``"1,234"``)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    text = str(value).replace(",", "")
    return int(text) if text.isdigit() else None


_WORDING = _Wording()


def fill(code: str, /, **values) -> str:
    """The text of message ``code`` with its fields filled from ``values``."""
    return _WORDING.format(MESSAGES[code][1], **values)
