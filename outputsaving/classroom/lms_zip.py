"""Importing an LMS download of submissions (Moodle, Canvas) into ``submitted/``.

:func:`import_lms_zip` follows nbgrader's ``zip_collect`` conventions: the
download may hold the notebooks or one zip per student, and each file's path
goes through nbgrader's collector (:data:`DEFAULT_NAMED_REGEXP`) to find its
student and notebook. Every member is checked by the package's zip reader
(:mod:`outputsaving.safezip`) before anything is unpacked; a refused member
or per-student zip refuses that student's submission with a
:class:`~outputsaving.findings.Finding`. Whose an entry is (Moodle's
participant ids) is :mod:`outputsaving.classroom.lms_owners`; what a
submission folder may hold, and which notebook is graded, is
:mod:`outputsaving.classroom.intake`. :func:`with_zip_refusals` merges the
learners refused inside the zip into the submissions of ``submitted/``.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from nbgrader.plugins import FileNameCollectorPlugin
from nbgrader.utils import parse_utc

from outputsaving.classroom.intake import (
    MAX_FILE_BYTES,
    MAX_FILES,
    MAX_TOTAL_BYTES,
    Submission,
    _size,
    _valid_component,
    _write_timestamp,
    expected_notebooks,
    inspect_submission,
    read_timestamp,
)
from outputsaving.classroom.lms_owners import MoodleParticipants, _Owners
from outputsaving.files import write_new
from outputsaving.findings import Finding
from outputsaving.safezip import (
    ZipLimits,
    ZipMember,
    ZipProblem,
    ZipReadError,
    list_members,
    open_zip,
    read_member,
)

__all__ = [
    "DEFAULT_NAMED_REGEXP",
    "EntryFate",
    "import_lms_zip",
    "with_zip_refusals",
]

#: The intake's one log, for submission folders and LMS downloads alike.
log = logging.getLogger("outputsaving.classroom.intake")

#: nbgrader's ``FileNameCollectorPlugin.named_regexp`` used by default for an
#: LMS download. It is matched against each file's path inside the download
#: (``/`` separated; a per-student zip ``alice.zip`` unpacks to ``alice/``)
#: and accepts ``<student>_<anything>_<notebook>.ipynb``,
#: ``<student>/<notebook>.ipynb`` and ``<student>_<anything>/<notebook>.ipynb``
#: (any folders below the student's). The student id is the first path
#: component up to its first ``_``, so ids cannot contain ``_`` or ``/``.
#: The notebook name is the rest, trimmed to the longest expected notebook
#: name it ends with (``12_34_activity1_save_outputs.ipynb`` becomes
#: ``activity1_save_outputs.ipynb``). For other LMS naming schemes pass your
#: own ``named_regexp`` with the groups ``student_id`` and ``file_id`` (and
#: optionally ``timestamp``), exactly as for ``nbgrader zip_collect``.
DEFAULT_NAMED_REGEXP = (
    r"^(?P<student_id>[^/_]+)"
    r"(?:_|_[^/]*/(?:[^/]+/)*|/(?:[^/]+/)*)"
    r"(?P<file_id>[^/]+\.ipynb)$"
)

#: What tools add to a notebook's name when they save a copy of it: a
#: browser's `` (1)`` (Moodle's file picker too: ``file_storage::
#: get_unused_filename`` in ``lib/filestorage/file_storage.php``), Jupyter's
#: *Duplicate* ``-Copy1``, and Canvas's ``-1`` for a file uploaded again under
#: a name its submissions folder holds (``Attachment.make_unique_filename``,
#: called by ``handle_duplicates`` in ``app/models/attachment.rb``; from the
#: eighth try on, ``-<a random UUID>``). Used only to trim an LMS's prefix
#: from a copy's name; which notebook is graded is decided by its cells
#: (:func:`inspect_submission`).
_COPY_MARKS = (
    r"(?: \(\d+\)|-Copy\d+|-[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}|-\d+)*"
)


class _Refused(Exception):
    """A per-student zip (or a member) that must not be unpacked."""

    def __init__(self, code: str, **values) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass
class _Entry:
    """One file of the download, with where it unpacks to."""

    path: str
    archive: zipfile.ZipFile
    info: zipfile.ZipInfo
    zip_label: str


@dataclass
class _Refusal:
    """A refused member or per-student zip and the path that names its owner."""

    owner_path: str
    problem: Finding
    entry: str = ""  # the download's entry (a per-student zip: the zip)


@dataclass
class EntryFate:
    """What became of one entry of an LMS download (``reports/intake.tsv``).

    ``fate``: ``"imported"`` (into ``submitted/<student>/<assignment>/`` as
    ``notebook``), ``"refused"`` (its student's submission is refused with
    ``reason``), ``"kept_existing"`` (a newer submission was already there)
    or ``"skipped"`` (no learner's file, with ``reason``).
    """

    entry: str
    fate: str
    student: str = ""
    notebook: str = ""
    reason: str = ""


@dataclass(frozen=True)
class _Limits:
    members: int
    member_bytes: int
    student_bytes: int
    archive_bytes: int
    ratio: float
    depth: int

    def download(self) -> ZipLimits:
        """The zip reader's limits for the whole download (the class's files)."""
        return ZipLimits(
            max_members=self.members * 10,
            max_member_bytes=self.member_bytes,
            max_total_bytes=self.archive_bytes,
            max_ratio=self.ratio,
        )

    def student(self) -> ZipLimits:
        """The zip reader's limits for one student's zip."""
        return ZipLimits(
            max_members=self.members,
            max_member_bytes=self.member_bytes,
            max_total_bytes=self.student_bytes,
            max_ratio=self.ratio,
        )


#: Problems of the download itself that refuse all of it (``ValueError``);
#: the others refuse one member, for the student it belongs to.
_WHOLE_DOWNLOAD = ("too_many_members", "unsafe_name", "total_too_large", "duplicate")


def _is_work(path: str) -> bool:
    """False for macOS resource forks (``__MACOSX/``, ``._name``) and hidden
    files, which are never a learner's work: they are not unpacked."""
    return not any(p.startswith(".") or p == "__MACOSX" for p in path.split("/"))


def _refused(problem: ZipProblem, label: str) -> _Refused:
    """The learner's reason for a problem of their zip, or of their member."""
    member = problem.member
    path = (member.path or member.name) if member is not None else ""
    rule = problem.rule
    if rule == "too_many_members":
        return _Refused("classroom.zip_too_many", zip=label, limit=int(problem.limit))
    if rule in ("unsafe_name", "duplicate"):  # which one wins is a trap
        return _Refused("classroom.zip_unsafe_name", zip=label, member=path)
    if rule == "link":
        return _Refused("classroom.zip_link", zip=label, member=path)
    if rule == "encrypted":
        error = f"{path} needs a password"
        return _Refused("classroom.zip_unreadable", zip=label, error=error)
    if rule == "unsupported_compression":
        error = f"{path} is compressed with a method that cannot be unpacked"
        return _Refused("classroom.zip_unreadable", zip=label, error=error)
    if rule == "compression_ratio":
        ratio = f"{member.ratio:.0f}"
        return _Refused("classroom.zip_bomb", zip=label, member=path, ratio=ratio)
    return _Refused(  # member_too_large, total_too_large
        "classroom.zip_too_large",
        zip=label,
        member=path if rule == "member_too_large" else "its files",
        size=_size(problem.size),
        limit=_size(int(problem.limit)),
    )


def _download_refused(problem: ZipProblem, label: str, limits: _Limits) -> str:
    """Why a whole download is refused, for the instructor."""
    if problem.rule == "too_many_members":
        return f"{label} has {problem.size} members, more than {limits.members * 10}"
    if problem.rule == "unsafe_name":
        return (
            f"{label} has a member named {problem.member.name!r}, which points "
            "outside the folder it unpacks to; an LMS download never does. "
            "Nothing was imported."
        )
    if problem.rule == "total_too_large":
        return (
            f"{label} declares more than {_size(limits.archive_bytes)} of "
            "files. Nothing was imported."
        )
    return f"{label} holds {problem.member.path!r} twice. Nothing was imported."


def _read(archive: zipfile.ZipFile, member: ZipMember, label: str) -> bytes:
    """One member's bytes (at most its declared size), or the refusal."""
    try:
        return read_member(archive, member)
    except ZipReadError as error:
        raise _Refused(
            "classroom.zip_unreadable", zip=label, error=error.words
        ) from None


def _placeholder(stem: str, expected: Sequence[str]) -> str:
    """A path that names the owner of a per-student zip to the collector."""
    return f"{stem}/{expected[0] if expected else 'notebook.ipynb'}"


def _scan_nested(
    data: bytes,
    *,
    prefix: str,
    label: str,
    limits: _Limits,
    depth: int,
    entries: list[_Entry],
) -> None:
    """Check every member of a per-student zip; add its files to ``entries``.

    Raises
    ------
    _Refused
        For the first problem the zip reader finds in it: the whole zip is
        refused, nothing of it is added.
    """
    try:
        archive = open_zip(data)
    except ZipReadError as error:
        raise _Refused(
            "classroom.zip_unreadable", zip=label, error=error.words
        ) from None
    listing = list_members(archive, limits.student())
    if listing.problems:
        raise _refused(listing.problems[0], label)
    found: list[_Entry] = []
    for member in listing.files:
        path = member.path
        if not _is_work(path):
            continue
        if path.lower().endswith(".zip") and depth + 1 < limits.depth:
            _scan_nested(
                _read(archive, member, label),
                prefix=f"{prefix}/{path[:-4]}",
                label=f"{label}/{path}",
                limits=limits,
                depth=depth + 1,
                entries=found,
            )
        else:
            found.append(_Entry(f"{prefix}/{path}", archive, member.info, label))
    entries.extend(found)


def _scan_download(
    archive: zipfile.ZipFile,
    *,
    label: str,
    limits: _Limits,
    expected: Sequence[str],
    ledger: list[EntryFate] | None = None,
) -> tuple[list[_Entry], list[_Refusal]]:
    """Check every member of the download before anything is unpacked.

    Raises
    ------
    ValueError
        When the download itself is not a plausible LMS download: too many
        members, too much declared data, a member name pointing outside, or
        the same name twice.
    """
    listing = list_members(archive, limits.download())
    whole = listing.of(*_WHOLE_DOWNLOAD)
    if whole:
        raise ValueError(_download_refused(whole[0], label, limits))
    entries: list[_Entry] = []
    refusals: list[_Refusal] = []
    for member in listing.files:
        path = member.path
        if not _is_work(path) and ledger is not None:
            ledger.append(
                EntryFate(path, "skipped", reason="macOS metadata or a hidden file")
            )
        is_zip = _is_work(path) and path.lower().endswith(".zip") and limits.depth > 1
        owner = _placeholder(path[:-4], expected) if is_zip else path
        problem = listing.first(member)
        try:
            if problem is not None:
                raise _refused(problem, label)
            if is_zip:
                _scan_nested(
                    _read(archive, member, path),
                    prefix=path[:-4],
                    label=PurePosixPath(path).name,
                    limits=limits,
                    depth=1,
                    entries=entries,
                )
            elif _is_work(path):
                entries.append(_Entry(path, archive, member.info, label))
        except _Refused as refused:
            problem = Finding.make(refused.code, **refused.values)
            refusals.append(_Refusal(owner, problem, path))
    return entries, refusals


def _resolve_notebook(file_id: str, expected: Sequence[str]) -> str:
    """The expected notebook name ``file_id`` ends with (longest), or itself.

    A copy of an expected notebook (``…_activity1_save_outputs-1.ipynb``, a
    Canvas resubmission; see :data:`_COPY_MARKS`) keeps its own name, without
    the LMS's prefix: :func:`inspect_submission` decides whether it is graded.
    """
    if file_id in expected:
        return file_id
    ends = [name for name in expected if file_id.endswith(("_" + name, "/" + name))]
    if ends:
        return max(ends, key=len)
    for name in sorted(expected, key=len, reverse=True):
        stem, ext = os.path.splitext(PurePosixPath(name).name)
        copy = re.search(
            rf"(?:^|[_/])({re.escape(stem)}{_COPY_MARKS}{re.escape(ext)})$", file_id
        )
        if copy:
            return copy.group(1)
    return file_id


def _entry_time(info: zipfile.ZipInfo) -> datetime:
    """A member's modification time (zip stores no time zone: taken as UTC)."""
    try:
        return datetime(*info.date_time)
    except ValueError:
        return datetime(1980, 1, 1)


def import_lms_zip(
    course_dir: Path | str,
    zip_path: Path | str,
    *,
    assignment: str,
    named_regexp: str = DEFAULT_NAMED_REGEXP,
    valid_ext: Sequence[str] = (".ipynb",),
    expected: Sequence[str] | None = None,
    timestamp: datetime | None = None,
    force: bool = False,
    inspect: bool = True,
    max_members: int = MAX_FILES,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_archive_bytes: int = 4_000_000_000,
    max_ratio: float = 200.0,
    max_depth: int = 2,
    ledger: list[EntryFate] | None = None,
    participants: MoodleParticipants | None = None,
    roster: Collection[str] | None = None,
) -> list[Submission]:
    """Import an LMS download of submissions into ``submitted/``.

    This follows ``nbgrader zip_collect``: the download may hold the
    notebooks directly or one zip per student (unpacked into a folder named
    after the zip, as nbgrader's extractor does); each file's path inside the
    download goes through nbgrader's
    :class:`~nbgrader.plugins.zipcollect.FileNameCollectorPlugin` with
    ``named_regexp`` (default :data:`DEFAULT_NAMED_REGEXP`, which documents
    the accepted names) to find its student and notebook. Unlike nbgrader's
    extractor, nothing is unpacked before every member has been checked by
    the package's zip reader (:mod:`outputsaving.safezip`):

    - a member name that is absolute, has a drive letter, a ``..`` component
      or a backslash makes the whole download refused (``ValueError``), as
      does a download with more than ``10 * max_members`` members (folders
      included), more than ``max_archive_bytes`` declared, or the same name
      twice (also a file named like another member's folder);
    - a link or special-file entry (Unix mode in ``external_attr``), a
      password-protected member or one compressed with a method zipfile
      cannot unpack, a member declaring more than ``max_file_bytes``, or one
      over 64 KiB that unpacks to more than ``max_ratio`` times its packed
      size (zip bomb) is refused, and so is the whole per-student zip holding
      it (also for more than ``max_members`` members, more than
      ``max_total_bytes`` declared, unsafe or repeated names); the student
      gets the reason as a problem. macOS resource forks (``__MACOSX/``,
      ``._name``) and hidden files are checked too, but never unpacked;
    - unpacking reads at most the declared size (zipfile checks the CRC), and
      writes each file new (``O_EXCL``, ``O_NOFOLLOW``).

    A student's files are written to a fresh folder that then replaces
    ``submitted/<student>/<assignment>/`` only when the new submission is at
    least as new as the existing one (``force`` replaces anyway); otherwise
    the existing one is kept and a warning logged. ``timestamp.txt`` is
    written in nbgrader's format: the ``timestamp`` argument, else the
    ``timestamp`` group of the regex, else the newest member time (zip
    times carry no time zone and are taken as UTC).

    Parameters
    ----------
    course_dir : path
        The nbgrader course directory.
    zip_path : path
        The downloaded zip.
    assignment : str
        The nbgrader assignment id the download belongs to.
    named_regexp : str
        nbgrader ``FileNameCollectorPlugin.named_regexp``, applied to each
        file's ``/`` path inside the download.
    valid_ext : sequence of str
        File extensions collected (nbgrader's ``valid_ext``).
    expected : sequence of str, optional
        The assignment's notebooks; by default from ``source/``.
    timestamp : datetime, optional
        The submission time of every file of the download.
    force : bool
        Replace existing submissions whatever their timestamps.
    inspect : bool
        Run :func:`inspect_submission` on each imported submission.
    max_members, max_file_bytes, max_total_bytes, max_archive_bytes : int
        Limits per student (members, bytes per file, bytes in total) and for
        the whole download (declared bytes).
    max_ratio : float
        Largest unpacked / packed size of a member over 64 KiB.
    max_depth : int
        Archive levels unpacked: 2 unpacks per-student zips inside the
        download, 1 none (deeper zips are kept as plain files).
    ledger : list, optional
        Gets an :class:`EntryFate` for every entry of the download (a refused
        per-student zip is one entry).
    participants : MoodleParticipants, optional
        Moodle's participant ids of this assignment mapped to roster ids
        (:func:`~outputsaving.classroom.lms_owners.map_participants`, from the
        grading worksheet). An entry named by Moodle
        (``<full name>_<participant id>_assignsubmission_file``) goes to the
        student its participant id maps to; one that maps to none is skipped
        with the reason and what to do. Without it, the full name is the id
        only when it is one (no space; on the ``roster`` when there is one).
    roster : collection of str, optional
        The roster's student ids.

    Two entries that map to one student id but whose names show two learners
    (two Moodle participant ids, two Canvas user ids) are never merged: both
    are skipped, named in the log and in ``ledger``, with what to do.

    Returns
    -------
    list of Submission
        One per student found in the download, sorted by student, with the
        problems of the import and of the inspection.

    Raises
    ------
    ValueError
        When the download is not a zip or is refused as a whole (see above).
    """
    course = Path(os.path.abspath(course_dir))
    names = (
        list(expected)
        if expected is not None
        else expected_notebooks(course, assignment)
    )
    if not _valid_component(assignment):
        msg = f"assignment id {assignment!r} is not a safe folder name"
        raise ValueError(msg)
    limits = _Limits(
        members=max_members,
        member_bytes=max_file_bytes,
        student_bytes=max_total_bytes,
        archive_bytes=max_archive_bytes,
        ratio=max_ratio,
        depth=max_depth,
    )
    label = Path(zip_path).name
    try:
        archive = open_zip(zip_path)
    except ZipReadError as error:
        msg = f"{zip_path} is not a readable zip file ({error.words})"
        raise ValueError(msg) from error
    with archive:
        entries, refusals = _scan_download(
            archive, label=label, limits=limits, expected=names, ledger=ledger
        )
        collector = FileNameCollectorPlugin(
            named_regexp=named_regexp, valid_ext=list(valid_ext)
        )
        fates: list[EntryFate] = []
        owners = _Owners(participants, frozenset(roster or ()))
        files, problems = _collect(
            entries, refusals, collector, names, timestamp, ledger=fates, owners=owners
        )
        submissions = []
        for student in sorted(set(files) | set(problems)):
            submission = _install(
                course,
                student,
                assignment,
                files.get(student, {}),
                problems.get(student, []),
                force=force,
            )
            submissions.append(submission)
            for fate in fates:
                if fate.student == student and fate.fate == "imported":
                    if submission.problems:
                        fate.fate = "refused"
                        fate.reason = submission.problems[0].message
                    elif files.get(student) and submission.timestamp != max(
                        when for _, when in files[student].values()
                    ):
                        fate.fate = "kept_existing"
                        fate.reason = "a newer submission is in submitted/"
        if ledger is not None:
            ledger.extend(fates)
    if inspect:
        for submission in submissions:
            submission.problems += inspect_submission(
                submission,
                expected_notebooks=names,
                course_dir=course,
                max_file_bytes=max_file_bytes,
                max_total_bytes=max_total_bytes,
                max_files=max_members,
            )
    return submissions


def with_zip_refusals(
    collected: Sequence[Submission], imported: Sequence[Submission]
) -> list[Submission]:
    """The submissions of ``submitted/`` and those refused inside an LMS zip.

    A learner whose upload was refused in the zip (a link entry, a zip bomb)
    has no folder in ``submitted/`` (or only the files that were not
    refused): ``collected`` alone would leave them out. Each of them is added
    with the zip's reasons, so that they are refused with a gradebook row
    (0), a log line, a report row and feedback that says why.
    """
    merged = {(s.student, s.assignment): s for s in collected}
    for submission in imported:
        if not submission.problems:
            continue
        key = (submission.student, submission.assignment)
        known = merged.get(key)
        if known is None:
            merged[key] = submission
            continue
        known.problems.extend(p for p in submission.problems if p not in known.problems)
    return sorted(merged.values(), key=lambda s: (s.assignment, s.student))


def _collect(
    entries: list[_Entry],
    refusals: list[_Refusal],
    collector: FileNameCollectorPlugin,
    expected: Sequence[str],
    timestamp: datetime | None,
    *,
    ledger: list[EntryFate],
    owners: _Owners | None = None,
) -> tuple[dict[str, dict[str, tuple[_Entry, datetime]]], dict[str, list[Finding]]]:
    """Match each file to a student and notebook with nbgrader's collector.

    ``ledger`` gets what became of each entry (``"imported"`` for those
    matched, until their installation says otherwise). ``owners`` maps
    Moodle's names to roster ids and keeps two learners from being merged.
    """
    owners = owners or _Owners(None, frozenset())
    files: dict[str, dict[str, tuple[_Entry, datetime]]] = {}
    problems: dict[str, list[Finding]] = {}
    for refusal in refusals:
        info = collector.collect(refusal.owner_path)
        student = (info or {}).get("student_id")
        if isinstance(student, str):
            student, why = owners.student(refusal.owner_path, student)
            if student is None and why:
                log.warning("skipped %s: %s", refusal.owner_path, why)
                ledger.append(
                    EntryFate(
                        refusal.entry or refusal.owner_path,
                        "skipped",
                        reason=f"{why}; {refusal.problem}",
                    )
                )
                continue
        if not isinstance(student, str) or not _valid_component(student):
            log.warning("refused %s: %s", refusal.owner_path, refusal.problem)
            ledger.append(
                EntryFate(
                    refusal.entry or refusal.owner_path,
                    "skipped",
                    reason=f"no student in its name; {refusal.problem}",
                )
            )
            continue
        problems.setdefault(student, []).append(refusal.problem)
        ledger.append(
            EntryFate(
                refusal.entry or refusal.owner_path,
                "refused",
                student,
                reason=refusal.problem,
            )
        )
    for entry in sorted(entries, key=lambda e: e.path):
        info = collector.collect(entry.path)
        if not info:
            # Other files (outputs, data) are expected; a notebook is not.
            report = log.warning if entry.path.endswith(".ipynb") else log.info
            report("skipped %s: no student and notebook in its name", entry.path)
            ledger.append(
                EntryFate(
                    entry.path, "skipped", reason="no student and notebook in its name"
                )
            )
            continue
        student, file_id = info.get("student_id"), info.get("file_id")
        if not (isinstance(student, str) and isinstance(file_id, str)):
            msg = "named_regexp must give the groups student_id and file_id"
            raise ValueError(msg)
        student, note = owners.student(entry.path, student)
        if student is None:
            log.warning("skipped %s: %s", entry.path, note)
            ledger.append(EntryFate(entry.path, "skipped", reason=note))
            continue
        if note:
            log.warning("%s: %s", entry.path, note)
        ext = os.path.splitext(entry.path)[1]
        name = _resolve_notebook(os.path.splitext(file_id)[0] + ext, expected)
        parts = name.replace("\\", "/").split("/")
        if not _valid_component(student) or not all(map(_valid_component, parts)):
            log.warning("skipped %s: unsafe student or file name", entry.path)
            ledger.append(
                EntryFate(entry.path, "skipped", reason="unsafe student or file name")
            )
            continue
        name = "/".join(parts)
        when = timestamp
        if when is None and info.get("timestamp"):
            try:
                when = parse_utc(info["timestamp"])
            except (ValueError, OverflowError):
                log.warning(
                    "%s: timestamp %r unreadable", entry.path, info["timestamp"]
                )
        if when is None:
            when = _entry_time(entry.info)
        elif when.tzinfo is not None:
            when = when.astimezone(UTC).replace(tzinfo=None)
        mine = files.setdefault(student, {})
        if name in mine and mine[name][1] > when:
            log.warning("%s: kept a newer file for %s/%s", entry.path, student, name)
            ledger.append(
                EntryFate(
                    entry.path, "skipped", student, name, "a newer copy was imported"
                )
            )
            continue
        if name in mine:
            older = mine[name][0].path
            for fate in ledger:
                if fate.entry == older and fate.fate == "imported":
                    fate.fate, fate.reason = "skipped", "a newer copy was imported"
        mine[name] = (entry, when)
        ledger.append(EntryFate(entry.path, "imported", student, name, note))
    for student in owners.shared():
        why = owners.shared_reason(student)
        log.warning("%s", why)
        files.pop(student, None)
        problems.pop(student, None)
        for fate in ledger:
            if fate.student == student:
                fate.fate, fate.student, fate.reason = "skipped", "", why
    return files, problems


def _install(
    course: Path,
    student: str,
    assignment: str,
    files: dict[str, tuple[_Entry, datetime]],
    problems: list[Finding],
    *,
    force: bool,
) -> Submission:
    """Write one student's files into ``submitted/`` unless a newer one is there."""
    root = course / "submitted"
    folder = root / student / assignment
    if not files:
        return Submission(student, assignment, folder, None, list(problems))
    incoming = max(when for _, when in files.values())
    for path in (root, root / student):
        if path.is_symlink():
            msg = f"{path} is a link; refusing to write submissions through it"
            raise ValueError(msg)
    exists = folder.is_symlink() or folder.exists()
    if exists and not force:
        try:
            existing = read_timestamp(folder) if not folder.is_symlink() else None
        except ValueError:
            existing = None
        if existing is None or existing > incoming:
            log.warning(
                "kept the existing submission of %s/%s (%s), not the download's (%s)",
                student,
                assignment,
                existing or "no readable timestamp",
                incoming,
            )
            return Submission(student, assignment, folder, existing, [])
    (root / student).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".intake-", dir=root))
    try:
        for name, (entry, _) in sorted(files.items()):
            try:
                data = read_member(entry.archive, entry.info)
            except ZipReadError as error:
                problems.append(
                    Finding.make(
                        "classroom.zip_unreadable",
                        zip=entry.zip_label,
                        error=error.words,
                    )
                )
                continue
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            write_new(target, data)
        _write_timestamp(staging, incoming)
        staging.chmod(0o755)  # mkdtemp made it private
        if exists:
            trash = Path(tempfile.mkdtemp(prefix=".replaced-", dir=root))
            os.rename(folder, trash / "old")
            os.rename(staging, folder)
            shutil.rmtree(trash)
        else:
            os.rename(staging, folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return Submission(student, assignment, folder, incoming, list(problems))
