"""What a file is, before it is read: the checkers' first look at a learner's file.

:func:`preflight` says whether a learner's file is there, how big and in what
format; :func:`sniff_format` tells the format from the first bytes, never from
the file name (:data:`FORMAT_NAMES`: the learner's words for each format).
Pure Python, on every platform; the class grader's link-safe file handling is
:mod:`outputsaving.files`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from outputsaving.findings import CheckResult

__all__ = ["FORMAT_NAMES", "preflight", "sniff_format"]

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
        result.add("file.missing", path=path)
        return None
    if not path.is_file():
        result.add("file.not_a_file", path=path)
        return None
    size = path.stat().st_size
    if size == 0:
        result.add("file.empty")
        return None
    if size > max_bytes:
        result.add("file.too_large", size=size, limit=max_bytes)
        return None
    return sniff_format(path)
