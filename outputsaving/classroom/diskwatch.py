"""Cap what a learner's code writes to its working folder.

A sandboxed kernel's ``/tmp`` and ``/dev/shm`` are size-limited tmpfs, and
each file it writes is capped (``RLIMIT_FSIZE``); its working folder (the
copy of the submission it runs in, on the grader's disk) is watched here
instead: :class:`DiskWatch` measures, in a thread, what the folder takes on
disk beyond what it took when the watch started, and calls back once that
passes the limit (the caller then kills the kernel). The same watch runs
with ``--unsafe``, where nothing else caps the folder.

What is counted (:func:`disk_usage`): the blocks of every file and folder
under the folder, links never followed, a hard-linked file once, and at
least :data:`ENTRY_BYTES` per entry (an empty file still costs an inode and
its name), so a million empty files count too. A watch measures again every
:data:`INTERVAL` seconds (or twice as long as the last measure took): what
the learner's code writes between two measures goes past the limit before
the kernel is killed. It is a watch, not a wall: at the default per-file cap
(64 MiB) and the speed of the page cache, some hundred MiB at most.

The other side of it, :func:`grader_disk_full`: a cell that failed because
the grader's disk was full, with the learner within their share, is the
grader's fault (the submission is graded again by the next run).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = [
    "ENTRY_BYTES",
    "INTERVAL",
    "DiskWatch",
    "disk_usage",
    "free_bytes",
    "grader_disk_full",
]

#: Least bytes charged for one file or folder (a block: its inode and name).
ENTRY_BYTES = 4096
#: Seconds between two measures (at least; see :class:`DiskWatch`).
INTERVAL = 0.05


def _scan(folder: str) -> list[os.DirEntry]:
    """The entries of ``folder``; one the learner's code made unreadable
    (``chmod 000``; its owner is the grader's user) is opened up first."""
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except PermissionError:
        with contextlib.suppress(OSError):
            mode = os.lstat(folder).st_mode
            if stat.S_ISDIR(mode):
                os.chmod(folder, stat.S_IMODE(mode) | stat.S_IRWXU)
                with os.scandir(folder) as entries:
                    return list(entries)
    except OSError:  # removed meanwhile
        pass
    return []


def disk_usage(path: str | os.PathLike) -> int:
    """Bytes ``path`` and everything under it take on disk.

    The blocks of each file and folder (a sparse file counts what it holds,
    not its size), at least :data:`ENTRY_BYTES` each; links are not
    followed, and a file hard-linked twice counts once. A missing ``path``
    takes 0.
    """
    try:
        top = os.lstat(path)
    except OSError:
        return 0
    seen = {(top.st_dev, top.st_ino)}
    total = max(top.st_blocks * 512, ENTRY_BYTES)
    folders = [os.fspath(path)] if stat.S_ISDIR(top.st_mode) else []
    while folders:
        for entry in _scan(folders.pop()):
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            key = (info.st_dev, info.st_ino)
            if key in seen:
                continue
            seen.add(key)
            total += max(info.st_blocks * 512, ENTRY_BYTES)
            if stat.S_ISDIR(info.st_mode):
                folders.append(entry.path)
    return total


class DiskWatch:
    """Call ``on_over`` once ``path`` has grown by more than ``limit`` bytes.

    Parameters
    ----------
    path : path-like
        The folder watched.
    limit : int
        Bytes it may grow by, from what it takes when the watch is made.
    on_over : callable
        Called once, from the watch's thread, with the growth measured.
    interval : float
        Least seconds between two measures (twice the last measure's time,
        when that is longer).

    Use it as a context manager, or :meth:`start` then :meth:`stop`.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        limit: int,
        on_over: Callable[[int], None],
        *,
        interval: float = INTERVAL,
    ) -> None:
        self.path = Path(path)
        self.limit = int(limit)
        self.on_over = on_over
        self.interval = float(interval)
        self.baseline = disk_usage(self.path)
        #: The growth measured last (bytes; never below 0).
        self.grown = 0
        #: True once the limit was passed (and ``on_over`` called).
        self.over = False
        self._done = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="disk-watch", daemon=True
        )

    def measure(self) -> int:
        """Measure now: the growth since the watch was made (bytes, at least 0)."""
        self.grown = max(0, disk_usage(self.path) - self.baseline)
        return self.grown

    def _run(self) -> None:
        pause = self.interval
        while not self._done.wait(pause):
            started = time.monotonic()
            if self.measure() > self.limit:
                self.over = True
                self.on_over(self.grown)
                return
            pause = max(self.interval, 2 * (time.monotonic() - started))

    def start(self) -> DiskWatch:
        self._thread.start()
        return self

    def stop(self) -> int:
        """Stop watching; measure once more; return the growth."""
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()
        return self.measure()

    def __enter__(self) -> DiskWatch:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


#: What the error of a write to a full disk says (errno 28, 122).
_FULL_WORDS = tuple(
    word
    for number in (errno.ENOSPC, errno.EDQUOT)
    for word in (f"[Errno {number}]", os.strerror(number))
)


def free_bytes(folder: str | os.PathLike) -> int | None:
    """Bytes this user may still write on the disk of ``folder`` (None: unknown)."""
    try:
        info = os.statvfs(folder)
    except OSError:
        return None
    return info.f_bavail * info.f_frsize


def grader_disk_full(notebooks: Iterable, folder: str | os.PathLike, share: int) -> str:
    """Why a run's failing cells are the grader's fault: its disk was full.

    A cell that failed with "No space left on device" (or "Disk quota
    exceeded") while the disk of ``folder`` has less than ``share`` bytes free
    (the learner's share, ``--disk-mb``) did not fail because of the learner:
    returns the error and the space left, for the grader's log (the
    submission is then graded again by the next run). Returns "" otherwise,
    such as for a learner who filled their own ``/tmp``, with the disk free.
    """
    errors = [
        f"{output.get('ename', '')}: {output.get('evalue', '')}"
        for notebook in notebooks
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
        and any(word in str(output.get("evalue", "")) for word in _FULL_WORDS)
    ]
    if not errors:
        return ""
    free = free_bytes(folder)
    if free is None or free >= share:
        return ""
    return f"{errors[0]} ({free // 2**20} MiB free)"
