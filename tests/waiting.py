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
from pathlib import Path
from typing import TypeVar

__all__ = ["LIFETIME", "PATIENCE", "processes_with", "wait_until", "wait_until_gone"]

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


def processes_with(marker: str) -> list[int]:
    """Host pids of the processes whose command line contains ``marker``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            pids.append(int(entry.name))
    return pids


def wait_until_gone(marker: str) -> list[int]:
    """Wait for the marked processes to end; return those still running.

    Mark processes that never end on their own (sleeps of :data:`LIFETIME`):
    gone within :data:`PATIENCE` means they were killed.
    """
    deadline = time.monotonic() + PATIENCE
    while (left := processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left
