"""The course's secret, from which the hidden tests' unseen data are made.

The hidden tests call learners' functions on data made at grading time from
a seed (:func:`outputsaving.grading.environment.unseen_seed`). Under
``outputsaving grade`` the seed is derived from a secret of the course,
``.outputsaving/unseen_secret`` in the course folder: random bytes, written
with mode 600 by the first run and kept (so that a re-grade makes the same
data), never released (nbgrader releases ``release/``, made from
``source/``; ``.outputsaving/`` is ignored by git) and never shown to a
sandboxed kernel, which gets the derived seed only. The environment variable
``OUTPUTSAVING_UNSEEN_SEED`` of the grader's shell, when set, is used
instead. Plain nbgrader reads neither: its kernels use the package's fixed
seed.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from outputsaving.grading.environment import UNSEEN_VARIABLE, unseen_seed

__all__ = ["SECRET_FILE", "course_seed", "seed_in_environment"]

#: The secret's file, relative to the course folder.
SECRET_FILE = Path(".outputsaving") / "unseen_secret"
_SECRET_BYTES = 32


def _secret(course_dir: Path) -> bytes:
    """The course's secret, written (mode 600) when it does not exist yet."""
    path = Path(course_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(
            path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600
        )
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w", encoding="ascii") as stream:
            stream.write(secrets.token_hex(_SECRET_BYTES) + "\n")
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(descriptor, "rb") as stream:
        data = stream.read(4096).strip()
    if len(data) < 16:
        msg = f"{path} holds no secret: delete it, and the next grade makes a new one"
        raise ValueError(msg)
    return data


def course_seed(course_dir: Path | str, /) -> int:
    """The seed of the unseen data for the course in ``course_dir``.

    ``OUTPUTSAVING_UNSEEN_SEED`` when set, else derived from the course's
    secret (made on first use).
    """
    if os.environ.get(UNSEEN_VARIABLE, "").strip():
        return unseen_seed()
    digest = hmac.new(
        _secret(Path(course_dir)), b"outputsaving unseen data", hashlib.sha256
    ).digest()
    return int.from_bytes(digest[:4], "big")


@contextlib.contextmanager
def seed_in_environment(seed: int | None, /) -> Iterator[None]:
    """Set ``OUTPUTSAVING_UNSEEN_SEED`` to ``seed`` for the block (the kernels
    started in it and the audit read it); None leaves it as it is."""
    if seed is None:
        yield
        return
    previous = os.environ.get(UNSEEN_VARIABLE)
    os.environ[UNSEEN_VARIABLE] = str(int(seed))
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(UNSEEN_VARIABLE, None)
        else:
            os.environ[UNSEEN_VARIABLE] = previous
