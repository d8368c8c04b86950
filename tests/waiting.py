"""Waiting in tests for an event, never for a length of time.

A test that needs something to happen (a process to start or end, a file to
appear, a kernel to answer) waits for that very thing, polling
:func:`wait_until`. The bound, :data:`PATIENCE`, is only a safety net against a
hang: on a loaded machine a test gets slower, never red. No test asserts how
long something took.

Processes a test expects to be *killed* must live far longer than
:data:`PATIENCE` on their own (``sleep 3600``, an endless loop), so that their
ending within the bound proves the kill, not a natural end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["LIFETIME", "PATIENCE", "wait_until"]

#: Seconds to wait for an event before calling it missing (a safety net only).
PATIENCE = 120.0
#: Seconds a process meant to be killed would live on its own (>> PATIENCE).
LIFETIME = 3600

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T],
    *,
    what: str,
    timeout: float = PATIENCE,
    every: float = 0.05,
) -> T:
    """Poll ``condition()`` until it is true; return its value.

    Raises AssertionError naming ``what`` if it is still false after
    ``timeout`` seconds (a safety net: something that never happens).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            msg = f"{what}: still not so after {timeout:.0f} s"
            raise AssertionError(msg)
        time.sleep(every)
