"""Files, handled with care: look before reading, never follow a link.

Formats are told from the first bytes, never from the file name
(:func:`sniff_format`, :func:`preflight`). Folders a learner's code could
write are read and removed without following links (:func:`copy_regular`,
:func:`remove_tree`, :func:`write_tree`); state is written atomically
(:func:`write_atomically`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from outputsaving.findings import CheckResult

__all__ = [
    "FORMAT_NAMES",
    "copy_regular",
    "preflight",
    "remove_tree",
    "sniff_format",
    "write_atomically",
    "write_tree",
]

_SIGNATURES = (
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),  # BigTIFF
    (b"MM\x00+", "tiff"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # empty zip
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"\x93NUMPY", "npy"),
    (b"%PDF", "pdf"),
    (b"Iout", "imagej_roi"),
)

#: Words for learners, one per format that :func:`sniff_format` returns.
FORMAT_NAMES = {
    "tiff": "a TIFF image",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "zip": "a zip archive",
    "gif": "a GIF image",
    "bmp": "a BMP image",
    "npy": "a NumPy .npy file",
    "pdf": "a PDF document",
    "imagej_roi": "a single ImageJ ROI (.roi)",
    "text": "a text file",
    "binary": "a binary file of unknown type",
    "empty": "an empty file",
}


def sniff_format(path: str | Path, /) -> str:
    """Return the format of a file, judged by its content.

    Parameters
    ----------
    path : str or Path
        The file to look at; only its first bytes are read.

    Returns
    -------
    str
        One of the keys of :data:`FORMAT_NAMES`: ``"tiff"``, ``"png"``,
        ``"jpeg"``, ``"zip"``, ..., ``"text"`` for UTF-8 text without NUL
        bytes, ``"binary"`` for anything else and ``"empty"`` for 0 bytes.
    """
    with open(path, "rb") as file:
        head = file.read(4096)
    if not head:
        return "empty"
    for signature, name in _SIGNATURES:
        if head.startswith(signature):
            return name
    if b"\x00" in head:
        return "binary"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        if error.start < len(head) - 3:
            try:
                head.decode("latin-1")
            except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes all
                return "binary"
            return "text" if _looks_printable(head) else "binary"
    return "text"


def _looks_printable(head: bytes) -> bool:
    control = sum(1 for byte in head if byte < 32 and byte not in b"\t\r\n\x0c")
    return control == 0


def preflight(result: CheckResult, path: Path, /, *, max_bytes: int) -> str | None:
    """Check that ``path`` is a readable, non-empty regular file of sane size.

    Adds a finding to ``result`` and returns None when it is not; otherwise
    returns the sniffed format (see :func:`sniff_format`). Symbolic links are
    followed: a learner may save through one.
    """
    if not path.exists():
        result.add("file.missing", path=path.name)
        return None
    if not path.is_file():
        result.add("file.not_a_file", path=path.name)
        return None
    size = path.stat().st_size
    if size == 0:
        result.add("file.empty")
        return None
    if size > max_bytes:
        result.add("file.too_large", size=size, limit=max_bytes)
        return None
    return sniff_format(path)


# -- link-safe writing and removing ----------------------------------------------


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file, renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def remove_tree(path: Path) -> None:
    """Remove a file or folder (even one made read-only), never following links."""
    if not path.exists() and not path.is_symlink():
        return
    if path.is_symlink() or not path.is_dir():
        path.unlink()
        return

    def make_writable(function, name, _info):
        with contextlib.suppress(OSError):
            os.chmod(Path(name).parent, 0o700)
            os.chmod(name, 0o700, follow_symlinks=False)
        function(name)

    shutil.rmtree(path, onerror=make_writable)


def copy_regular(source: Path, destination: Path) -> bool:
    """Copy one regular file without following a link; False if it is not one."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return False
        with open(destination, "wb") as out:
            shutil.copyfileobj(handle, out)
    return True


def write_tree(folder: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` (relative ``/`` path -> bytes) into a new, empty ``folder``.

    Whatever is at ``folder`` is removed first. A path that would leave the
    folder (absolute, or with ``..``) raises ValueError.
    """
    remove_tree(folder)
    folder.mkdir(parents=True)
    for name, data in files.items():
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            msg = f"not a path inside the folder: {name!r}"
            raise ValueError(msg)
        path = folder.joinpath(*relative.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        with os.fdopen(os.open(path, flags, 0o644), "wb") as handle:
            handle.write(data)
