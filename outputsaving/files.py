"""Link-safe file handling, for the class grader.

A submission, and every folder a learner's code ran in, is untrusted: it may
hold links to the instructor's files (the solutions, the gradebook), named pipes
that block a reader, device files, or files swapped for a link between a check
and its use. The helpers below never follow a link:

- :func:`open_no_follow` and :func:`read_regular` open an existing regular
  file with ``O_NOFOLLOW`` (and ``O_NONBLOCK``, so a FIFO cannot block) and
  check it with ``fstat`` on the open descriptor;
- :func:`walk_no_follow` lists a folder tree through folder descriptors opened
  with ``O_NOFOLLOW``, and :func:`links_in` names its links and special files;
- :func:`copy_regular` copies one regular file and :func:`copy_tree_no_follow`
  a whole folder, regular files and folders only;
- :func:`write_new`, :func:`write_no_follow` and :func:`write_atomically`
  write without writing through a link, and :func:`remove_no_follow` removes
  a tree (made read-only or not) without following one.

They rely on POSIX ``O_NOFOLLOW`` and descriptor-relative calls, as the class
grader does (Linux only); this module still imports everywhere. What a file is
before it is read (the checkers' part, on every platform) is
:mod:`outputsaving.sniff`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import IO, NamedTuple

__all__ = [
    "FolderEntry",
    "chmod_tree_no_follow",
    "copy_regular",
    "copy_tree_no_follow",
    "links_in",
    "open_no_follow",
    "read_regular",
    "remove_no_follow",
    "walk_no_follow",
    "write_atomically",
    "write_new",
    "write_no_follow",
    "write_tree",
]

# -- link-safe file handling ----------------------------------------------------

# Flags that Windows lacks are 0 there; the class grader runs on Linux only.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_DIR_FLAGS = os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC
_CHUNK = 1 << 20
_MODES = {"r": False, "rb": False, "rt": False, "r+": True, "r+b": True, "rb+": True}


class FolderEntry(NamedTuple):
    """One entry of a folder tree, as :func:`walk_no_follow` finds it."""

    #: Its path inside the folder walked, ``/`` separated.
    relative: str
    #: Its full path (the walked folder joined with :attr:`relative`).
    path: Path
    #: Its own ``lstat``: a link is a link here, never its target.
    info: os.stat_result
    #: 0 for the entries directly in the folder walked, 1 one level down, ...
    depth: int


def _open_regular(path, flags: int, dir_fd: int | None) -> tuple[int, os.stat_result]:
    """A descriptor on the regular file at ``path``, opened without following."""
    fd = os.open(path, flags | _NOFOLLOW | _NONBLOCK | _CLOEXEC, dir_fd=dir_fd)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def open_no_follow(
    path: str | os.PathLike,
    mode: str = "rb",
    *,
    encoding: str | None = None,
    dir_fd: int | None = None,
) -> IO:
    """Open an existing regular file, never through a link, never blocking.

    Parameters
    ----------
    path : str or path-like
        The file; with ``dir_fd``, its name in that open folder.
    mode : str
        ``"rb"`` (default) or ``"r"`` to read, ``"r+b"`` or ``"r+"`` to read
        and write in place (nothing is created or truncated).
    encoding : str, optional
        For the text modes.
    dir_fd : int, optional
        An open folder that ``path`` is relative to.

    Returns
    -------
    file object
        Closing it closes the descriptor.

    Raises
    ------
    OSError
        ``ELOOP`` when ``path`` is a link (its target is never opened),
        ``EINVAL`` when it is a FIFO, socket or device (opened with
        ``O_NONBLOCK``, so a FIFO cannot block), and the usual errors for a
        missing file or a folder.
    """
    if mode not in _MODES:
        msg = f"mode must be one of {', '.join(_MODES)}, not {mode!r}"
        raise ValueError(msg)
    flags = os.O_RDWR if _MODES[mode] else os.O_RDONLY
    fd, _ = _open_regular(path, flags, dir_fd)
    try:
        return os.fdopen(fd, mode, encoding=encoding)
    except BaseException:
        os.close(fd)
        raise


def read_regular(
    path: str | os.PathLike, limit: int, *, dir_fd: int | None = None
) -> bytes:
    """Read at most ``limit`` bytes of a regular file, never through a link.

    Raises
    ------
    OSError
        As :func:`open_no_follow`, and ``EFBIG`` when the file holds more
        than ``limit`` bytes.
    """
    with open_no_follow(path, dir_fd=dir_fd) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, "file too large", os.fspath(path))
    return data


def _same(opened: os.stat_result, seen: os.stat_result) -> bool:
    """True when an open descriptor is the entry ``lstat`` saw, same type."""
    return (
        opened.st_ino == seen.st_ino
        and opened.st_dev == seen.st_dev
        and stat.S_IFMT(opened.st_mode) == stat.S_IFMT(seen.st_mode)
    )


def _listing(fd: int) -> list[tuple[str, os.stat_result]]:
    """The entries of an open folder with their own ``lstat``, by name."""
    found = []
    try:
        with os.scandir(fd) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):  # vanished meanwhile
                    found.append((entry.name, entry.stat(follow_symlinks=False)))
    except OSError:
        return []
    return sorted(found, key=lambda item: item[0])


def _open_folder(name: str, seen: os.stat_result, parent_fd: int) -> int | None:
    """The folder ``name`` of an open folder, if it is still the one listed."""
    try:
        fd = os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
    except OSError:
        return None
    if not _same(os.fstat(fd), seen):
        os.close(fd)
        return None
    return fd


def chmod_tree_no_follow(folder: str | os.PathLike, mode: int, /) -> None:
    """Set the mode of every regular file under ``folder``; never through a link.

    nbgrader's own permission step (``os.walk``, then ``os.chmod`` of every
    name) follows links: a learner's link to the course's gradebook made it
    read-only. Here each file is opened without following and changed through
    its descriptor; links and special files are left as they are.
    """
    for entry in walk_no_follow(folder):
        if not stat.S_ISREG(entry.info.st_mode):
            continue
        try:
            fd, _ = _open_regular(entry.path, os.O_RDONLY, None)
        except OSError:
            continue  # vanished or swapped for something else: left alone
        try:
            os.fchmod(fd, mode)
        finally:
            os.close(fd)


def walk_no_follow(
    folder: str | os.PathLike,
    *,
    enter: Callable[[FolderEntry], bool] | None = None,
) -> Iterator[FolderEntry]:
    """Every entry under ``folder`` (links, special files, folders, files).

    No link is ever followed: each folder is opened with ``O_NOFOLLOW``
    relative to its parent's open descriptor and entered only when it is the
    folder that was listed (same inode), so a folder swapped for a link
    meanwhile is not entered. Links are yielded, never entered. The entries of
    a folder come in name order, all of them before the entries of its
    sub-folders, which are then walked one after the other in name order (the
    order of :func:`os.walk`); so a caller may stop at any entry, for instance
    at a folder nested too deep, before anything under it is listed. An entry
    that vanishes, or a sub-folder that cannot be opened, is passed over.

    Not :func:`os.fwalk`, which does not serve here: it checks a sub-folder
    against an ``lstat`` taken just before it opens it, not against the
    listing, so a folder swapped for another folder after the listing is
    entered; and Python 3.11 and 3.12 open it with a plain ``O_RDONLY``, so a
    named pipe swapped in blocks the walk for good (3.13 raises ENOTDIR out
    of the walk, ending it).

    Parameters
    ----------
    folder : str or path-like
        The folder to walk; it must not be a link itself.
    enter : callable, optional
        Called with each sub-folder's entry: the sub-folder is walked only
        when it returns True (by default, every sub-folder is).

    Yields
    ------
    FolderEntry

    Raises
    ------
    OSError
        When ``folder`` cannot be opened as a folder without following a link
        (``ELOOP`` or ``ENOTDIR`` for a link, ``ENOENT`` when it is missing).
    """
    root = Path(folder)
    # Per open folder: its descriptor, relative path, depth, and its
    # sub-folders still to walk (None until it has been listed).
    stack: list[tuple[int, str, int, list | None]] = [
        (os.open(root, _DIR_FLAGS), "", 0, None)
    ]
    try:
        while stack:
            fd, relative, depth, pending = stack[-1]
            if pending is None:
                pending = []
                stack[-1] = (fd, relative, depth, pending)
                for name, info in _listing(fd):
                    path = f"{relative}/{name}" if relative else name
                    entry = FolderEntry(path, root / path, info, depth)
                    yield entry
                    if stat.S_ISDIR(info.st_mode) and (enter is None or enter(entry)):
                        pending.append((name, info))
                pending.reverse()  # taken from the end: first name first
            elif pending:
                name, info = pending.pop()
                child = _open_folder(name, info, fd)
                if child is not None:
                    path = f"{relative}/{name}" if relative else name
                    stack.append((child, path, depth + 1, None))
            else:
                stack.pop()
                os.close(fd)
    finally:
        for fd, *_ in stack:
            os.close(fd)


def links_in(folder: str | os.PathLike) -> list[Path]:
    """The links and special files in a folder tree, none of them followed.

    ``folder`` itself is listed when it is a link; a missing folder, or a
    regular file, gives ``[]``.
    """
    try:
        info = os.lstat(folder)
    except OSError:
        return []
    if stat.S_ISLNK(info.st_mode):
        return [Path(folder)]
    if not stat.S_ISDIR(info.st_mode):
        return []
    try:
        return [
            entry.path
            for entry in walk_no_follow(folder)
            if stat.S_IFMT(entry.info.st_mode) not in (stat.S_IFREG, stat.S_IFDIR)
        ]
    except OSError:  # swapped for a link since the lstat
        return [Path(folder)]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _copy_data(source_fd: int, target_fd: int, limit: int | None) -> int | None:
    """Copy a descriptor's data; the byte count, None once past ``limit``."""
    written = 0
    while chunk := os.read(source_fd, _CHUNK):
        written += len(chunk)
        if limit is not None and written > limit:
            return None
        _write_all(target_fd, chunk)
    return written


def copy_regular(
    source: str | os.PathLike,
    destination: str | os.PathLike,
    *,
    limit: int | None = None,
    mode: int = 0o644,
) -> int | None:
    """Copy one regular file, never reading or writing through a link.

    ``source`` is opened as by :func:`open_no_follow`: a link, a special file
    or a missing file is not copied. ``destination`` is created or truncated
    with ``O_NOFOLLOW``, so a link there is never written through.

    Parameters
    ----------
    source, destination : str or path-like
    limit : int, optional
        Largest size copied; a larger source is not copied (what was written
        of it is removed again).
    mode : int
        Permission bits of a destination that is created.

    Returns
    -------
    int or None
        The number of bytes copied, or None when nothing was copied.

    Raises
    ------
    OSError
        When ``destination`` cannot be written (``ELOOP`` for a link).
    """
    try:
        fd, _ = _open_regular(source, os.O_RDONLY, None)
    except OSError:
        return None
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW | _CLOEXEC
        out = os.open(destination, flags, mode)
        try:
            written = _copy_data(fd, out, limit)
        finally:
            os.close(out)
        if written is None:
            os.unlink(destination)
        return written
    finally:
        os.close(fd)


def copy_tree_no_follow(
    src: str | os.PathLike,
    dst: str | os.PathLike,
    *,
    max_file_bytes: int | None = None,
    max_total_bytes: int | None = None,
    max_files: int | None = None,
    max_depth: int | None = None,
) -> list[str]:
    """Copy a folder tree, regular files and folders only.

    Nothing is ever opened through a link: every entry is checked with
    ``lstat``, opened relative to its already-open parent folder with
    ``O_NOFOLLOW`` (and ``O_NONBLOCK``, so a FIFO swapped in cannot block),
    and checked again with ``fstat`` on the open descriptor, which must be the
    same file or folder (inode) that ``lstat`` saw. Links, special files,
    hard-linked files (their content is shared with a file elsewhere) and
    files over the limits are skipped; the relative layout, permission bits
    (without set-id bits, and always readable and writable by the owner) and
    modification times are kept.

    Parameters
    ----------
    src : str or path-like
        The folder to copy; it must be a real folder, not a link.
    dst : str or path-like
        The copy; it must not exist, or be an empty folder. Its parent is
        created when missing.
    max_file_bytes, max_total_bytes, max_files, max_depth : int, optional
        Limits (none by default): bytes of one file, bytes in total, entries,
        and folder nesting. A file that grows past them while it is copied is
        removed again.

    Returns
    -------
    list of str
        The entries not copied (relative ``/`` paths), sorted.

    Raises
    ------
    ValueError
        When ``src`` is not a real folder or ``dst`` is not empty.
    """
    unlimited = sys.maxsize
    try:
        src_fd = os.open(src, _DIR_FLAGS)
    except OSError as error:
        msg = f"{src} is not a folder that can be copied ({error.strerror})"
        raise ValueError(msg) from error
    dst = Path(dst)
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkdir(dst, 0o755)
        dst_fd = os.open(dst, _DIR_FLAGS)
        if os.listdir(dst_fd):
            os.close(dst_fd)
            msg = f"{dst} is not empty"
            raise ValueError(msg)
    except BaseException:
        os.close(src_fd)
        raise
    copy = _TreeCopy(
        files=unlimited if max_files is None else max_files,
        total=unlimited if max_total_bytes is None else max_total_bytes,
        file_bytes=unlimited if max_file_bytes is None else max_file_bytes,
        depth=unlimited if max_depth is None else max_depth,
    )
    try:
        copy.folder(src_fd, dst_fd, "", 0)
    finally:
        os.close(src_fd)
        os.close(dst_fd)
    return sorted(copy.skipped)


class _TreeCopy:
    """One run of :func:`copy_tree_no_follow`: its budgets and what it skipped."""

    def __init__(self, *, files: int, total: int, file_bytes: int, depth: int):
        self.files = files
        self.total = total
        self.file_bytes = file_bytes
        self.depth = depth
        self.skipped: list[str] = []

    def folder(self, src_fd: int, dst_fd: int, relative: str, depth: int) -> None:
        """Copy the open folder ``src_fd`` into the open folder ``dst_fd``."""
        for name in sorted(os.listdir(src_fd)):
            path = f"{relative}/{name}" if relative else name
            self.files -= 1
            try:
                info = os.stat(name, dir_fd=src_fd, follow_symlinks=False)
            except OSError:
                self.skipped.append(path)
                continue
            if self.files < 0:
                self.skipped.append(path)
            elif stat.S_ISDIR(info.st_mode):
                if depth + 1 >= self.depth or not self.subfolder(
                    src_fd, dst_fd, name, info, path, depth
                ):
                    self.skipped.append(path)
            elif not (
                stat.S_ISREG(info.st_mode)
                and info.st_nlink == 1
                and info.st_size <= min(self.file_bytes, self.total)
                and self.file(src_fd, dst_fd, name, info)
            ):
                self.skipped.append(path)

    def subfolder(
        self,
        src_fd: int,
        dst_fd: int,
        name: str,
        info: os.stat_result,
        path: str,
        depth: int,
    ) -> bool:
        """Copy one sub-folder; False when it was swapped or cannot be opened."""
        child = _open_folder(name, info, src_fd)
        if child is None:
            return False
        try:
            os.mkdir(name, 0o700, dir_fd=dst_fd)
            out = os.open(name, _DIR_FLAGS, dir_fd=dst_fd)
            try:
                self.folder(child, out, path, depth + 1)
                os.chmod(out, (info.st_mode & 0o777) | 0o700)
                os.utime(out, ns=(info.st_atime_ns, info.st_mtime_ns))
            finally:
                os.close(out)
        finally:
            os.close(child)
        return True

    def file(self, src_fd: int, dst_fd: int, name: str, info: os.stat_result) -> bool:
        """Copy one regular file between open folders; False when refused."""
        try:
            fd, opened = _open_regular(name, os.O_RDONLY, src_fd)
        except OSError:
            return False
        try:
            if not _same(opened, info) or opened.st_nlink != 1:
                return False
            mode = (info.st_mode & 0o777) | 0o600
            out = _create(name, mode, dst_fd)
            try:
                written = _copy_data(fd, out, min(self.file_bytes, self.total))
                os.fchmod(out, mode)
                os.utime(out, ns=(info.st_atime_ns, info.st_mtime_ns))
            finally:
                os.close(out)
            if written is None:  # it grew while being copied
                os.unlink(name, dir_fd=dst_fd)
                return False
            self.total -= written
            return True
        finally:
            os.close(fd)


def _create(path, mode: int, dir_fd: int | None) -> int:
    """A new file, opened for writing; never an existing file or a link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    return os.open(path, flags, mode, dir_fd=dir_fd)


def write_new(
    path: str | os.PathLike,
    data: bytes | str,
    *,
    mode: int = 0o644,
    dir_fd: int | None = None,
) -> None:
    """Write a new file; an existing file or a link at ``path`` is an error.

    Raises
    ------
    FileExistsError
        When anything, a link included, is already at ``path``.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd = _create(path, mode, dir_fd)
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def write_no_follow(
    path: str | os.PathLike, data: bytes | str, *, mode: int = 0o644
) -> Path:
    """Write a file in place of whatever is at ``path``, never through a link.

    Whatever is at ``path`` that is not a regular file of its own is removed
    first: a link, a FIFO or a device, a folder (with all in it), and a
    hard-linked file (its content is shared with another file); the file is
    then opened with ``O_NOFOLLOW``, so a link put there meanwhile makes the
    write fail rather than land on its target. Text is written as UTF-8.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OSError
        When the file cannot be written (``ELOOP`` for a link put back).
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with contextlib.suppress(FileNotFoundError):
        info = path.lstat()
        if stat.S_ISDIR(info.st_mode):
            remove_no_follow(path)
        elif not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
            path.unlink()
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW | _CLOEXEC
    fd = os.open(path, flags, mode)
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)
    return path


#: Bytes of a file name a temporary name keeps: with its dots and the 8
#: random characters of :func:`tempfile.mkstemp` it stays far below the 255
#: bytes a name may have, whatever the name it stands for.
_TEMPORARY_NAME_BYTES = 64


def _temporary_prefix(path: Path) -> str:
    """``.<name>.``, the name cut to fit any file system (never mid-character)."""
    name = path.name.encode("utf-8", "surrogateescape")[:_TEMPORARY_NAME_BYTES]
    return f".{name.decode('utf-8', 'ignore')}."


def write_atomically(
    path: str | os.PathLike, data: bytes | str, *, encoding: str = "utf-8"
) -> None:
    """Replace ``path`` with ``data`` at once: readers see the old or the new.

    The data goes to a new temporary file beside ``path`` (made with
    ``O_EXCL``, so never through a link), is synced to disk and renamed over
    ``path``; a link at ``path`` is replaced, never written through. The
    parent folder is created when missing and synced after the rename.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode(encoding)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=_temporary_prefix(path))
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def remove_no_follow(path: str | os.PathLike) -> None:
    """Remove a file, link or folder tree, never following a link.

    A link is removed itself, never its target. A folder is removed with all
    in it, also when it or its sub-folders were made read-only (as nbgrader
    makes its outputs): those are made writable by their owner on the way. A
    missing ``path`` is fine.
    """
    path = Path(path)
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        path.unlink()
        return

    def make_writable(function, failed, *_):
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(failed), 0o700)
            if stat.S_ISDIR(os.lstat(failed).st_mode):  # never chmod a link
                os.chmod(failed, 0o700)
        function(failed)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=make_writable)
    else:  # Python 3.11
        shutil.rmtree(path, onerror=make_writable)


def write_tree(folder: str | os.PathLike, files: Mapping[str, bytes]) -> None:
    """Write ``files`` (relative ``/`` path -> bytes) into a new, empty ``folder``.

    Whatever is at ``folder`` is removed first (:func:`remove_no_follow`); each
    file is new (:func:`write_new`). A path that would leave the folder
    (absolute, or with ``..``) raises ValueError.
    """
    folder = Path(folder)
    remove_no_follow(folder)
    folder.mkdir(parents=True)
    for name, data in files.items():
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            msg = f"not a path inside the folder: {name!r}"
            raise ValueError(msg)
        path = folder.joinpath(*relative.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_new(path, data)
