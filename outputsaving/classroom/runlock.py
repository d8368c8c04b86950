"""One grading run per course at a time, and a work folder of the run's own.

A run holds ``.outputsaving/run.lock`` of the course for its whole length, as
apt holds ``/var/lib/dpkg/lock-frontend``: a second run is refused with who
holds it (process, host, since when) and the lock's path. The lock is a POSIX
record lock (``fcntl``, as :func:`fcntl.lockf` takes it), owned by the
grader's process alone: the kernel releases it when that process ends in any
way (``kill -9`` too), and it is *not* inherited by the pool's forked
workers (``flock`` locks are: a worker that outlives a killed grader for a
moment would keep the course locked). The lock file stays; what it holds
(who took it last) is only read by a run that is refused, so a lock left by a
killed run is no lock at all and is never reported as stale.

POSIX record locks belong to a process, not to a file descriptor: the holder
never opens the lock file a second time (closing that would release the
lock); a second run in the same process is refused from a table of the
locks this process holds.

While the lock is held, the run works in ``.outputsaving/work/run-<pid>-…``
of its own (:func:`work_folder`); work folders left by killed runs are
removed when the next run takes the lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import json
import os
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from outputsaving.classroom.course import STATE_DIR
from outputsaving.classroom.outcomes import GradingRefused
from outputsaving.files import remove_no_follow
from outputsaving.messages import fill

__all__ = [
    "CourseBusy",
    "Holder",
    "hold_course",
    "lock_path",
    "one_run_per_course",
    "work_folder",
]

#: Name of the lock file in the course's state folder.
LOCK_NAME = "run.lock"
#: Prefix of a run's own work folder in ``<state>/work``.
WORK_PREFIX = "run-"


@dataclass(frozen=True)
class Holder:
    """Who holds a course's lock, as the holder wrote it."""

    pid: int | None
    host: str
    since: str

    def describe(self) -> str:
        who = f"process {self.pid}" if self.pid else "another process"
        where = f" on {self.host}" if self.host else ""
        when = f" since {self.since}" if self.since else ""
        return f"{who}{where}{when}"


class CourseBusy(GradingRefused):
    """Another run holds the course's lock."""

    def __init__(self, path: Path, holder: Holder) -> None:
        self.path = path
        self.holder = holder
        super().__init__(
            fill("classroom.run_locked", lock=str(path), holder=holder.describe())
        )


_held: dict[Path, Path] = {}  # lock path -> this run's work folder
_held_guard = threading.Lock()


def lock_path(course_dir: Path | str) -> Path:
    """The lock file of a course."""
    return Path(course_dir).resolve() / STATE_DIR / LOCK_NAME


def _read_holder(path: Path) -> Holder:
    """What a holder wrote into the lock file (blank when it is unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Holder(int(data["pid"]), str(data["host"]), str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return Holder(None, "", "")


@contextlib.contextmanager
def hold_course(course_dir: Path | str) -> Iterator[Path]:
    """Hold the course's lock; yield this run's own work folder.

    Raises
    ------
    CourseBusy
        When another run (another process, or this one) holds the lock.
    """
    import fcntl  # POSIX only: grading runs on Linux (importable anywhere)

    path = lock_path(course_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _held_guard:
        if path in _held:
            raise CourseBusy(path, Holder(os.getpid(), socket.gethostname(), ""))
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(fd)
            if error.errno in {errno.EACCES, errno.EAGAIN}:
                raise CourseBusy(path, _read_holder(path)) from None
            raise
        _held[path] = Path()
    try:
        since = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "since": since}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode("utf-8") + b"\n", 0)
        work = path.parent / "work"
        for left in work.glob(f"{WORK_PREFIX}*"):  # by runs that were killed
            with contextlib.suppress(OSError):
                remove_no_follow(left)
        work.mkdir(exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-", dir=work))
        _held[path] = folder
        yield folder
    finally:
        folder = _held.pop(path, None)
        if folder is not None and folder != Path():
            with contextlib.suppress(OSError):
                remove_no_follow(folder)
                folder.parent.rmdir()  # when no other folder is left there
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # releases the lock


def work_folder(course_dir: Path | str) -> Path:
    """This run's own work folder (while :func:`hold_course` holds the course)."""
    folder = _held.get(lock_path(course_dir))
    if folder is None or folder == Path():
        msg = f"no run holds {course_dir} in this process"
        raise RuntimeError(msg)
    return folder


def one_run_per_course(grade: Callable) -> Callable:
    """Run ``grade(course_dir, ...)`` holding the course's lock.

    A folder that is no nbgrader course (no ``source/``) is passed through
    untouched: ``grade`` refuses it, and no state folder is made there.
    """

    @functools.wraps(grade)
    def locked(course_dir: Path | str = ".", *args, **kwargs):
        if not (Path(course_dir) / "source").is_dir():
            return grade(course_dir, *args, **kwargs)
        with hold_course(course_dir):
            return grade(course_dir, *args, **kwargs)

    return locked
