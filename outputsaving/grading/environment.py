"""What the class grader tells a learner's kernel through its environment.

The class grader (:mod:`outputsaving.classroom`) sets these variables in the
kernels it starts; the grading helpers read them. Elsewhere (plain nbgrader,
a learner's own kernel) they are not set, and the defaults hold.
"""

from __future__ import annotations

import os

__all__ = [
    "DEFAULT_UNSEEN_SEED",
    "GRADER_VARIABLE",
    "UNSEEN_VARIABLE",
    "unseen_seed",
]

#: Set to "1" in the kernel's environment by the class grader, whose audit
#: repeats the settings re-run outside the kernel.
GRADER_VARIABLE = "OUTPUTSAVING_GRADER"

#: Environment variable holding the seed of the unseen data. Elsewhere than
#: under the class grader (plain nbgrader, a learner's kernel) the seed is
#: :data:`DEFAULT_UNSEEN_SEED`, so the unseen data are fixed there.
UNSEEN_VARIABLE = "OUTPUTSAVING_UNSEEN_SEED"
DEFAULT_UNSEEN_SEED = 26


def unseen_seed() -> int:
    """The seed of the unseen data: :data:`UNSEEN_VARIABLE`, else the default."""
    value = os.environ.get(UNSEEN_VARIABLE, "").strip()
    if not value:
        return DEFAULT_UNSEEN_SEED
    try:
        return int(value)
    except ValueError:
        msg = f"{UNSEEN_VARIABLE} must be a whole number, not {value!r}"
        raise ValueError(msg) from None
