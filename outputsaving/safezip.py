"""The package's one hardened zip reader, for zips that come from outside.

Two kinds of zip come from learners: an ImageJ ROI set
(:func:`outputsaving.rois.check_rois`) and an LMS download of a class's
submissions, with a zip per student inside
(:func:`outputsaving.classroom.lms_zip.import_lms_zip`). Both are read here, by
the same rules, each with its own :class:`ZipLimits`:

1. :func:`open_zip` opens a zip from a path, bytes or a binary file with the
   standard library's :mod:`zipfile`; a file that is not a zip, or whose
   directory is damaged, raises :class:`ZipReadError`.
2. :func:`list_members` judges the zip from its central directory alone,
   before a single byte is decompressed, and returns every member with its
   safe name and every :class:`ZipProblem` found, in archive order, so that a
   caller can report them all (a checker) or stop at the first (an unpacker).
   The rules, named by :attr:`ZipProblem.rule` (see :data:`RULES`):

   - ``too_many_members``: more members (folders included) than
     :attr:`ZipLimits.max_members`;
   - ``unsafe_name``: a name that is absolute (``/x``), has a drive letter
     (``C:x``), a ``..`` component, a backslash (the zip format's separator is
     ``/``: a backslash is a separator on Windows only) or a NUL byte, or that
     names no file at all (``.``);
   - ``link``: a symbolic link or a special file (FIFO, device, socket), told
     by the Unix mode that zip tools store in the member's attributes;
   - ``encrypted``: a password-protected member;
   - ``unsupported_compression``: a compression method :mod:`zipfile`
     cannot decompress here;
   - ``member_too_large``: a member declaring more than
     :attr:`ZipLimits.max_member_bytes` once unpacked;
   - ``compression_ratio``: a member over :attr:`ZipLimits.ratio_min_bytes`
     that unpacks to more than :attr:`ZipLimits.max_ratio` times its packed
     size (a zip bomb);
   - ``total_too_large``: all members together declaring more than
     :attr:`ZipLimits.max_total_bytes` (reported at the member that goes
     over);
   - ``duplicate``: two members with the same name once normalised
     (``a/./b`` is ``a/b``), or a file whose name is also a folder of another
     member's name; only when :attr:`ZipLimits.unique_names` is set, since
     a ROI zip written twice in append mode repeats its names and the ROI
     check reports that as a mistake of its own.

3. :func:`read_member` reads one member into memory, never more than the
   size it declares (which the limits have judged); :mod:`zipfile` stops
   there and checks the CRC, so a member lying about its size reads as
   damaged. Errors raise :class:`ZipReadError`.

Nothing is ever extracted to disk here: a caller that unpacks writes the bytes
itself, with :mod:`outputsaving.files`.
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

__all__ = [
    "RULES",
    "UnsafeName",
    "ZipLimits",
    "ZipListing",
    "ZipMember",
    "ZipProblem",
    "ZipReadError",
    "list_members",
    "member_kind",
    "open_zip",
    "read_member",
    "safe_name",
]

#: Every rule of :func:`list_members`, in the order each member is judged
#: (``too_many_members`` is judged once, first).
RULES = (
    "too_many_members",
    "unsafe_name",
    "link",
    "encrypted",
    "unsupported_compression",
    "member_too_large",
    "compression_ratio",
    "total_too_large",
    "duplicate",
)

#: Default: members smaller than this are never refused for their ratio.
RATIO_MIN_BYTES = 64 * 1024
#: Default: the largest unpacked / packed size of a member.
MAX_RATIO = 200.0

_DRIVE = re.compile(r"^[A-Za-z]:")
#: zip's "encrypted" flag bit (general purpose bit 0).
_ENCRYPTED = 0x1


def _methods() -> frozenset[int]:
    """The compression methods zipfile can decompress in this Python."""
    methods = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
    for method, module in ((zipfile.ZIP_BZIP2, "bz2"), (zipfile.ZIP_LZMA, "lzma")):
        try:
            __import__(module)
        except ImportError:  # pragma: no cover - a Python built without it
            continue
        methods.add(method)
    return frozenset(methods)


_METHODS = _methods()


class ZipReadError(Exception):
    """A zip, or a member of it, that cannot be read.

    Attributes
    ----------
    reason : str
        ``"not_a_zip"``, ``"damaged"``, ``"encrypted"`` or
        ``"unsupported_compression"``.
    words : str
        What went wrong in a few words, for a message (never longer than 80
        characters: a damaged zip's own error text can be anything).
    """

    def __init__(self, reason: str, words: str) -> None:
        super().__init__(words)
        self.reason = reason
        self.words = words


class UnsafeName(ValueError):
    """A member name that points outside the folder a zip unpacks to."""


@dataclass(frozen=True)
class ZipLimits:
    """What a caller accepts of a zip; see :func:`list_members` for the rules."""

    #: Most members (folders included).
    max_members: int
    #: Largest declared unpacked size of one member, in bytes.
    max_member_bytes: int
    #: Largest declared unpacked size of all members together, in bytes.
    max_total_bytes: int
    #: Largest unpacked / packed size of a member over :attr:`ratio_min_bytes`.
    max_ratio: float = MAX_RATIO
    #: Members smaller than this (unpacked) are never refused for their ratio.
    ratio_min_bytes: int = RATIO_MIN_BYTES
    #: Refuse two members with the same normalised name (``duplicate``).
    unique_names: bool = True


@dataclass(frozen=True)
class ZipMember:
    """One member of a zip, as its central directory declares it."""

    #: zipfile's entry: pass it (or this member) to :func:`read_member`.
    info: zipfile.ZipInfo
    #: The normalised ``/`` path it unpacks to, None when its name is unsafe.
    path: str | None
    #: ``"file"``, ``"dir"``, ``"link"`` or ``"special"``: see :func:`member_kind`.
    kind: str

    @property
    def name(self) -> str:
        """The name as stored in the zip."""
        return self.info.filename

    @property
    def size(self) -> int:
        """The declared unpacked size, in bytes."""
        return self.info.file_size

    @property
    def packed(self) -> int:
        """The declared packed size, in bytes."""
        return self.info.compress_size

    @property
    def ratio(self) -> float:
        """Unpacked / packed size (packed counts as 1 byte at least)."""
        return self.size / max(self.packed, 1)

    @property
    def is_dir(self) -> bool:
        return self.kind == "dir"


@dataclass(frozen=True)
class ZipProblem:
    """One reason a zip, or a member of it, must not be read or unpacked."""

    #: One of :data:`RULES`.
    rule: str
    #: The member concerned; None for ``too_many_members``.
    member: ZipMember | None = None
    #: The number the rule judged: the member count (``too_many_members``),
    #: the total declared so far (``total_too_large``), else the member's
    #: declared size.
    size: int = 0
    #: The limit it went over (0 for rules without one).
    limit: float = 0


@dataclass
class ZipListing:
    """What :func:`list_members` found: every member and every problem."""

    #: Every member, folders included, in archive order.
    members: list[ZipMember]
    #: Every problem, in the order of :data:`RULES` within each member and of
    #: the members in the archive; empty when the zip may be read.
    problems: list[ZipProblem] = field(default_factory=list)
    #: The declared unpacked size of all members but folders, in bytes.
    total: int = 0

    @property
    def files(self) -> list[ZipMember]:
        """The members that are not folders."""
        return [member for member in self.members if not member.is_dir]

    def of(self, *rules: str) -> list[ZipProblem]:
        """The problems of the given rules, in order."""
        return [problem for problem in self.problems if problem.rule in rules]

    def first(self, member: ZipMember) -> ZipProblem | None:
        """The first problem of ``member``, or None."""
        for problem in self.problems:
            if problem.member is member:
                return problem
        return None


def _error_words(error: BaseException) -> str:
    text = str(error).strip().rstrip(".")
    return text if text and len(text) < 80 else type(error).__name__


def open_zip(source: str | os.PathLike | bytes | BinaryIO) -> zipfile.ZipFile:
    """Open a zip for reading (close it, or use it in a ``with``).

    Parameters
    ----------
    source : str, path-like, bytes or binary file
        The zip file, or its content.

    Raises
    ------
    ZipReadError
        ``reason`` ``"not_a_zip"`` when no zip directory is found (not a zip,
        or one cut short before its end), ``"damaged"`` when the directory is
        unreadable, or the file cannot be read at all.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        source = io.BytesIO(bytes(source))
    try:
        return zipfile.ZipFile(source)
    except zipfile.BadZipFile as error:
        reason = "not_a_zip" if str(error) == "File is not a zip file" else "damaged"
        raise ZipReadError(reason, _error_words(error)) from None
    except Exception as error:  # OSError, EOFError, ValueError, struct.error, ...
        raise ZipReadError("damaged", _error_words(error)) from None


def safe_name(name: str) -> str:
    """The normalised ``/`` path a member name unpacks to (``""`` for ``./``).

    Empty and ``.`` components are dropped (``a//./b/`` is ``a/b``).

    Raises
    ------
    UnsafeName
        For a name that is absolute, has a drive letter, a ``..`` component,
        a backslash or a NUL byte.
    """
    if (
        "\0" in name
        or "\\" in name
        or name.startswith("/")
        or _DRIVE.match(name)
        or ".." in name.split("/")
    ):
        raise UnsafeName(name)
    return "/".join(part for part in name.split("/") if part not in ("", "."))


def member_kind(info: zipfile.ZipInfo) -> str:
    """``"file"``, ``"dir"``, ``"link"`` or ``"special"``, from the Unix mode.

    Zips made on Unix store the file's mode in the top 16 bits of
    ``external_attr``; zips from elsewhere store 0 there (a file).
    """
    if info.is_dir():
        return "dir"
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind in (0, stat.S_IFREG):
        return "file"
    if kind == stat.S_IFDIR:
        return "dir"
    if kind == stat.S_IFLNK:
        return "link"
    return "special"


def _folders(path: str) -> Iterable[str]:
    """The folders a ``/`` path lies in: ``a/b/c`` gives ``a`` and ``a/b``."""
    parts = path.split("/")
    return ("/".join(parts[:end]) for end in range(1, len(parts)))


def list_members(
    archive: zipfile.ZipFile | Iterable[zipfile.ZipInfo], limits: ZipLimits
) -> ZipListing:
    """Judge every member of a zip from its directory, before any is read.

    Parameters
    ----------
    archive : zipfile.ZipFile or iterable of zipfile.ZipInfo
        An open zip (see :func:`open_zip`), or its entries.
    limits : ZipLimits

    Returns
    -------
    ZipListing
        Every member and every problem (see the module's documentation for
        the rules); nothing was decompressed.
    """
    infos = archive.infolist() if isinstance(archive, zipfile.ZipFile) else archive
    listing = ZipListing([])
    problems = listing.problems
    for info in infos:
        try:
            path = safe_name(info.filename)
        except UnsafeName:
            path = None
        kind = member_kind(info)
        if kind != "dir" and not path:
            path = None  # "." or "": a file with no name of its own
        listing.members.append(ZipMember(info, path, kind))
    if len(listing.members) > limits.max_members:
        problems.append(
            ZipProblem(
                "too_many_members", size=len(listing.members), limit=limits.max_members
            )
        )
    files: set[str] = set()
    folders: set[str] = set()
    over_total = False
    for member in listing.members:
        if member.path is None:
            problems.append(ZipProblem("unsafe_name", member))
        if member.is_dir:
            if member.path:
                folders.add(member.path)
            continue
        problems.extend(_member_problems(member, limits))
        listing.total += member.size
        if listing.total > limits.max_total_bytes and not over_total:
            over_total = True
            problems.append(
                ZipProblem(
                    "total_too_large",
                    member,
                    size=listing.total,
                    limit=limits.max_total_bytes,
                )
            )
        if limits.unique_names and member.path is not None:
            above = set(_folders(member.path))
            if member.path in files or member.path in folders or above & files:
                problems.append(ZipProblem("duplicate", member, size=member.size))
            files.add(member.path)
            folders |= above
    return listing


def _member_problems(member: ZipMember, limits: ZipLimits) -> list[ZipProblem]:
    """The problems of one member that is not a folder, by its own entry."""
    found = []
    info = member.info
    if member.kind in ("link", "special"):
        found.append(ZipProblem("link", member, size=member.size))
    if info.flag_bits & _ENCRYPTED:
        found.append(ZipProblem("encrypted", member, size=member.size))
    if info.compress_type not in _METHODS:
        found.append(ZipProblem("unsupported_compression", member, size=member.size))
    if member.size > limits.max_member_bytes:
        found.append(
            ZipProblem(
                "member_too_large",
                member,
                size=member.size,
                limit=limits.max_member_bytes,
            )
        )
    if member.size > limits.ratio_min_bytes and member.size > limits.max_ratio * max(
        member.packed, 1
    ):
        found.append(
            ZipProblem(
                "compression_ratio", member, size=member.size, limit=limits.max_ratio
            )
        )
    return found


def read_member(archive: zipfile.ZipFile, member: ZipMember | zipfile.ZipInfo) -> bytes:
    """Read one member into memory, never more than its declared size.

    Judge the member with :func:`list_members` first: its declared size is
    what this reads at most. zipfile stops at the declared size and checks
    the CRC, so a member that holds more than it declares reads as damaged.

    Raises
    ------
    ZipReadError
        ``reason`` ``"encrypted"`` or ``"unsupported_compression"`` (nothing is
        read), or ``"damaged"`` when the data cannot be decompressed, fails its
        CRC check or holds more than declared.
    """
    info = member.info if isinstance(member, ZipMember) else member
    if info.flag_bits & _ENCRYPTED:
        raise ZipReadError("encrypted", f"{info.filename} needs a password")
    if info.compress_type not in _METHODS:
        words = f"{info.filename} uses compression method {info.compress_type}"
        raise ZipReadError("unsupported_compression", words)
    try:
        with archive.open(info) as stream:
            data = stream.read(info.file_size + 1)
    except Exception as error:  # zipfile, zlib, bz2, lzma: many kinds of damage
        raise ZipReadError("damaged", _error_words(error)) from None
    if len(data) > info.file_size:
        raise ZipReadError("damaged", f"{info.filename} holds more than it declares")
    return data
