"""Taking in a class's submissions safely, before any of them is graded.

Submissions come in nbgrader's ``submitted/<student>/<assignment>/`` layout
(:func:`collect_submissions`) or as the zip of submissions an LMS download
gives (:func:`import_lms_zip`, following nbgrader's ``zip_collect``
conventions). A submission is learners' material: it may hold links to the
instructor's files, special files, huge files or broken notebooks.
:func:`inspect_submission` finds all of them without following a single
link, and :func:`safe_copy` makes the working copy that grading runs on,
copying regular files only.

Every reason a submission is refused is a :class:`Problem`: a learner-facing
message (the feedback shows it) that also carries its code from
:data:`outputsaving.messages.MESSAGES` (prefix ``classroom.``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import nbformat
from nbgrader.plugins import FileNameCollectorPlugin
from nbgrader.utils import find_all_notebooks, parse_utc

from outputsaving.classroom import limits
from outputsaving.classroom.lms_owners import (
    MOODLE_ENTRY,
    MoodleParticipants,
    entry_owner,
)
from outputsaving.files import (
    copy_tree_no_follow,
    read_regular,
    walk_no_follow,
    write_new,
)
from outputsaving.messages import fill
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
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "MAX_TOTAL_BYTES",
    "EntryFate",
    "Problem",
    "Submission",
    "as_released",
    "cell_grade_ids",
    "collect_submissions",
    "expected_notebooks",
    "import_lms_zip",
    "inspect_submission",
    "read_timestamp",
    "released_grade_ids",
    "safe_copy",
    "with_zip_refusals",
]

log = logging.getLogger(__name__)

# What a submission may hold (defined with every other limit).
MAX_FILE_BYTES = limits.SUBMISSION_MAX_FILE_BYTES
MAX_TOTAL_BYTES = limits.SUBMISSION_MAX_TOTAL_BYTES
MAX_FILES = limits.SUBMISSION_MAX_FILES
MAX_DEPTH = limits.SUBMISSION_MAX_DEPTH
MAX_TIMESTAMP_BYTES = limits.SUBMISSION_MAX_TIMESTAMP_BYTES

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

_TIMESTAMP_NAME = "timestamp.txt"
_SPECIAL_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a device file",
    stat.S_IFBLK: "a device file",
}


class Problem(str):
    """A learner-facing reason a submission is refused, with its code.

    A :class:`Problem` is the message itself (a ``str``), so it can go
    straight into feedback; :attr:`code` names it for graders and tests.

    Parameters
    ----------
    message : str
        The filled message.
    code : str
        Its key in :data:`outputsaving.messages.MESSAGES`.
    """

    code: str

    def __new__(cls, message: str, code: str) -> Problem:
        self = super().__new__(cls, message)
        self.code = code
        return self

    def __getnewargs__(self) -> tuple[str, str]:
        return (str(self), self.code)

    @classmethod
    def make(cls, code: str, /, **values) -> Problem:
        """Fill the message ``code`` of :data:`MESSAGES` with ``values``."""
        return cls(fill(code, **values), code)


@dataclass
class Submission:
    """One student's submission of one assignment.

    Attributes
    ----------
    student : str
        nbgrader student id.
    assignment : str
        nbgrader assignment id.
    folder : Path
        ``<course>/submitted/<student>/<assignment>``.
    timestamp : datetime or None
        Submission time as nbgrader reads it (naive, UTC), None when unknown.
    problems : list of str
        Learner-facing reasons the submission, or a notebook of it, is
        refused (:class:`Problem` instances); empty when it can be graded.
    notes : list of str
        Learner-facing notes that refuse nothing (:class:`Problem` instances
        of severity note): a notebook graded in place of a released one, the
        notebooks not graded. The grader shows them at the top of the graded
        notebook's feedback.
    renamed : dict of str to str
        Released notebook name -> the notebook of the folder graded as it
        (see :func:`inspect_submission`); the folder itself is left as the
        learner handed it in.
    """

    student: str
    assignment: str
    folder: Path
    timestamp: datetime | None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        """The codes of :attr:`problems`, for graders and tests."""
        return [getattr(p, "code", "") for p in self.problems]


# -- small helpers --------------------------------------------------------------


def _size(n: int) -> str:
    """Byte count in words, in decimal units (``"25.0 MB"``)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def _valid_component(name: str) -> bool:
    """True for a file or folder name that is safe to create as it is."""
    return (
        0 < len(name) <= 255
        and not name.startswith(".")
        and not any(c in name for c in "/\\\0")
        and name.isprintable()
    )


def read_timestamp(folder: Path | str) -> datetime | None:
    """Read ``timestamp.txt`` of a submission folder the way nbgrader does.

    nbgrader writes ``"%Y-%m-%d %H:%M:%S.%f %Z"`` (exchange) or
    ``isoformat(" ")`` (zip collect) and reads both with
    :func:`nbgrader.utils.parse_utc`, which gives a naive UTC datetime. The
    file is never read through a link and at most 1000 bytes are read.

    Returns
    -------
    datetime or None
        None when there is no ``timestamp.txt`` or it is empty.

    Raises
    ------
    ValueError
        When the file is a link, not a regular file, too long or not a
        timestamp; the message quotes what was found.
    """
    path = Path(folder) / _TIMESTAMP_NAME
    try:
        data = read_regular(path, MAX_TIMESTAMP_BYTES)
    except FileNotFoundError:
        return None
    except OSError as error:
        msg = f"{_TIMESTAMP_NAME} is not a short regular file ({error.strerror})"
        raise ValueError(msg) from error
    text = data.decode("utf-8", errors="replace").strip()
    if not text:
        return None
    try:
        return parse_utc(text)
    except (ValueError, OverflowError) as error:
        msg = repr(text[:60])
        raise ValueError(msg) from error


def _write_timestamp(folder: Path, timestamp: datetime) -> None:
    """Write ``timestamp.txt`` in nbgrader's exchange format, in UTC."""
    if timestamp.tzinfo is not None:
        timestamp = timestamp.astimezone(UTC).replace(tzinfo=None)
    text = timestamp.strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC\n"
    write_new(folder / _TIMESTAMP_NAME, text)


def expected_notebooks(
    course_dir: Path | str, assignment: str, *, source_directory: str = "source"
) -> list[str]:
    """The notebook names an assignment expects, from the instructor's sources.

    nbgrader's release keeps the source notebooks' names, so the notebooks of
    ``<course>/<source_directory>/<assignment>/`` (relative paths, sorted,
    hidden folders such as ``.ipynb_checkpoints`` left out) are what each
    submission must hold. Empty when the folder does not exist.
    """
    folder = Path(course_dir) / source_directory / assignment
    if not folder.is_dir():
        return []
    return [
        name
        for name in find_all_notebooks(str(folder))
        if not any(part.startswith(".") for part in PurePosixPath(name).parts)
    ]


def _names(names: Sequence[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def cell_grade_ids(content) -> frozenset[str]:
    """The ``grade_id`` of every nbgrader cell (answer, test, locked) of a
    notebook's JSON content (a dict or a ``NotebookNode``; anything else,
    or cells that are not as nbformat writes them, give none)."""
    cells = content.get("cells") if isinstance(content, dict) else None
    found = set()
    for cell in cells if isinstance(cells, list) else ():
        metadata = cell.get("metadata") if isinstance(cell, dict) else None
        nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
        grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
        if isinstance(grade_id, str):
            found.add(grade_id)
    return frozenset(found)


def released_grade_ids(
    course_dir: Path | str,
    assignment: str,
    notebooks: Sequence[str],
    *,
    source_directory: str = "source",
) -> dict[str, frozenset[str]]:
    """Each released notebook's grade_ids, read from the instructor's source.

    A notebook of ``<course>/<source_directory>/<assignment>/`` that is
    missing or unreadable has none (no learner's notebook can then be graded
    in its place).
    """
    folder = Path(course_dir) / source_directory / assignment
    found = {}
    for name in notebooks:
        try:
            content = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            content = None
        found[name] = cell_grade_ids(content)
    return found


# -- inspection -----------------------------------------------------------------


@dataclass
class _Walk:
    """What one walk of a submission folder found."""

    problems: list[Problem] = field(default_factory=list)
    notebooks: dict[str, os.stat_result] = field(default_factory=dict)
    entries: dict[str, os.stat_result] = field(default_factory=dict)
    total: int = 0
    aborted: bool = False


def _link_problem(path: str, full: str, folder: Path, course_dir: Path | None):
    """The problem for the link ``full`` (shown as ``path``), target not followed."""
    try:
        target = os.readlink(full)
    except OSError:
        target = "?"
    # Where the link points, worked out on its text only (nothing is opened).
    where = os.path.normpath(os.path.join(os.path.dirname(full), target))
    inside = os.path.commonpath([where, str(folder)]) == str(folder)
    in_course = course_dir is not None and os.path.commonpath(
        [where, str(course_dir)]
    ) == str(course_dir)
    if in_course and not inside:
        shown = os.path.relpath(where, course_dir)
        return Problem.make("classroom.link_to_course", path=path, target=shown)
    return Problem.make("classroom.link", path=path, target=target)


def _walk(
    folder: Path,
    *,
    max_file_bytes: int,
    max_total_bytes: int,
    max_files: int,
    max_depth: int,
    course_dir: Path | None,
) -> _Walk:
    """Walk ``folder`` without following links and list what is refused."""
    found = _Walk()
    try:
        for count, entry in enumerate(walk_no_follow(folder), start=1):
            path, info = entry.relative, entry.info
            if count > max_files:
                found.problems.append(
                    Problem.make("classroom.too_many_files", limit=max_files)
                )
                found.aborted = True
                return found
            found.entries[path] = info
            mode = info.st_mode
            if stat.S_ISLNK(mode):
                found.problems.append(
                    _link_problem(path, str(entry.path), folder, course_dir)
                )
            elif stat.S_ISDIR(mode):
                if entry.depth + 1 >= max_depth:
                    found.problems.append(
                        Problem.make("classroom.too_deep", limit=max_depth)
                    )
                    found.aborted = True
                    return found
            elif not stat.S_ISREG(mode):
                kind = _SPECIAL_KINDS.get(stat.S_IFMT(mode), "a special file")
                found.problems.append(
                    Problem.make("classroom.special_file", path=path, kind=kind)
                )
            elif info.st_nlink > 1:
                found.problems.append(Problem.make("classroom.hard_link", path=path))
            elif info.st_size > max_file_bytes:
                found.problems.append(
                    Problem.make(
                        "classroom.file_too_large",
                        path=path,
                        size=_size(info.st_size),
                        limit=_size(max_file_bytes),
                    )
                )
            else:
                found.total += info.st_size
                if path.endswith(".ipynb") and not any(
                    part.startswith(".") for part in path.split("/")
                ):
                    found.notebooks[path] = info
    except OSError:  # the folder itself cannot be listed: nothing found in it
        pass
    if found.total > max_total_bytes:
        found.problems.append(
            Problem.make("classroom.too_large_total", limit=_size(max_total_bytes))
        )
    return found


def _notebook_problem(path: Path, name: str, max_file_bytes: int) -> Problem | None:
    """Why the notebook at ``path`` cannot be graded, or None when it can."""
    try:
        data = read_regular(path, max_file_bytes)
    except OSError:  # swapped for something else since the walk
        return Problem.make(
            "classroom.notebook_invalid",
            name=name,
            error="it could not be read as a regular file",
        )
    try:
        content = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return Problem.make(
            "classroom.notebook_not_json", name=name, error="it is not UTF-8 text"
        )
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}: {error.msg}"
        return Problem.make("classroom.notebook_not_json", name=name, error=where)
    except (ValueError, RecursionError):
        return Problem.make(
            "classroom.notebook_not_json", name=name, error="it is nested too deeply"
        )
    if not isinstance(content, dict):
        what = type(content).__name__
        return Problem.make(
            "classroom.notebook_invalid",
            name=name,
            error=f"it holds a JSON {what} instead of a notebook",
        )
    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # nbformat raises many kinds for bad notebooks
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        reason = reason[:120] or type(error).__name__
        return Problem.make("classroom.notebook_invalid", name=name, error=reason)
    return None


def inspect_submission(
    submission: Submission,
    *,
    expected_notebooks: Sequence[str],
    max_file_bytes: int = MAX_FILE_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_files: int = MAX_FILES,
    max_depth: int = MAX_DEPTH,
    course_dir: Path | str | None = None,
    released: Mapping[str, Collection[str]] | None = None,
) -> list[Problem]:
    """List every reason a submission must not be graded as it is.

    The folder is walked with :func:`os.scandir` and ``lstat`` only: no link
    is ever followed, no special file opened. Refused anywhere in the folder:
    links (broken ones too; a link into the course's own files, such as
    ``source/`` or the gradebook, gets its own code), hard-linked files,
    named pipes, sockets and device files, files over ``max_file_bytes``,
    more than ``max_total_bytes`` in total, more than ``max_files`` entries,
    folders nested ``max_depth`` deep. Then each expected notebook must be a
    regular file holding a valid notebook (JSON, then
    :func:`nbformat.validate`).

    Notebooks under other names (``activity1 (1).ipynb`` from a browser,
    ``-Copy1`` from Jupyter's *Duplicate*, ``-1`` from a Canvas
    resubmission) follow one rule:

    - the expected name present: it is graded, the others are not, and a
      note (``classroom.notebooks_ignored``) names them;
    - the expected name absent and exactly one notebook of its folder holding
      any of its grade_ids (``released``): that notebook is graded in its
      place (valid, as above), recorded in ``submission.renamed`` with a note
      (``classroom.notebook_graded_as``) and a log line;
    - several such notebooks: refused (``classroom.notebook_ambiguous``,
      naming them); none: ``classroom.notebook_missing``, with the reason
      each other notebook of the folder could not be read, if any.

    The notes are set on ``submission.notes`` (they refuse nothing); the
    folder is never changed.

    Parameters
    ----------
    submission : Submission
        The submission; its :attr:`~Submission.folder` is inspected.
    expected_notebooks : sequence of str
        Notebook paths relative to the folder (see :func:`expected_notebooks`).
    max_file_bytes, max_total_bytes, max_files, max_depth : int
        Limits.
    course_dir : path, optional
        The course directory, to name links into it; by default the folder
        three levels up (``<course>/submitted/<student>/<assignment>``).
    released : mapping of str to collection of str, optional
        The grade_ids of each expected notebook as released; by default read
        from the course's ``source/<assignment>/`` (:func:`released_grade_ids`).

    Returns
    -------
    list of Problem
        Learner-facing messages with codes ``classroom.*``; empty when the
        submission can be graded.
    """
    folder = Path(os.path.abspath(submission.folder))
    if course_dir is None:
        course_dir = folder.parents[2] if len(folder.parents) > 2 else folder
    course = Path(os.path.abspath(course_dir))
    try:
        info = folder.lstat()
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISLNK(info.st_mode):
        return [_link_problem(submission.assignment, str(folder), folder, course)]
    if info is None or not stat.S_ISDIR(info.st_mode):
        return [
            Problem.make("classroom.notebook_missing", expected=name)
            for name in expected_notebooks
        ]

    found = _walk(
        folder,
        max_file_bytes=max_file_bytes,
        max_total_bytes=max_total_bytes,
        max_files=max_files,
        max_depth=max_depth,
        course_dir=course,
    )
    problems = list(found.problems)
    if found.aborted:  # the listing is incomplete: notebooks cannot be judged
        return problems
    expected = [str(PurePosixPath(name)) for name in expected_notebooks]
    others = sorted(set(found.notebooks) - set(expected))
    renamed: dict[str, str] = {}
    for name in expected:
        entry = found.entries.get(name)
        if entry is None:
            if released is None:  # read only when a notebook is missing
                released = released_grade_ids(course, submission.assignment, expected)
            problems += _graded_in_place(
                folder,
                name,
                [o for o in others if o not in renamed.values()],
                released.get(name, ()),
                renamed,
                max_file_bytes,
            )
        elif stat.S_ISDIR(entry.st_mode):
            problems.append(
                Problem.make("classroom.notebook_not_a_file", expected=name)
            )
        elif name in found.notebooks:
            problem = _notebook_problem(folder / name, name, max_file_bytes)
            if problem is not None:
                problems.append(problem)
        # else: a link, special or oversized file, already refused by the walk
    notes = []
    for name, other in renamed.items():
        log.info(
            "%s/%s: %s graded as %s",
            submission.student,
            submission.assignment,
            other,
            name,
        )
        notes.append(
            Problem.make("classroom.notebook_graded_as", expected=name, found=other)
        )
    ignored = [name for name in others if name not in renamed.values()]
    if ignored:
        notes.append(
            Problem.make(
                "classroom.notebooks_ignored",
                found=_names(ignored),
                count=len(ignored),
                expected=_names(expected),
            )
        )
    submission.renamed, submission.notes = renamed, notes
    return problems


def _graded_in_place(
    folder: Path,
    name: str,
    others: Sequence[str],
    grade_ids: Collection[str],
    renamed: dict[str, str],
    max_file_bytes: int,
) -> list[Problem]:
    """The problems of the missing notebook ``name``, or none when exactly one
    other notebook of its folder holds its cells (added to ``renamed``)."""
    place = PurePosixPath(name).parent
    holding, unreadable = [], []
    for other in others:
        if PurePosixPath(other).parent != place:
            continue
        try:
            content = json.loads(read_regular(folder / other, max_file_bytes))
        except (OSError, ValueError, RecursionError):
            unreadable.append(other)
            continue
        if cell_grade_ids(content) & set(grade_ids):
            holding.append(other)
    if len(holding) > 1:
        found = _names(holding)
        return [
            Problem.make("classroom.notebook_ambiguous", expected=name, found=found)
        ]
    if holding:
        problem = _notebook_problem(folder / holding[0], holding[0], max_file_bytes)
        if problem is None:
            renamed[name] = holding[0]
            return []
        return [problem]
    problems = [Problem.make("classroom.notebook_missing", expected=name)]
    for other in unreadable:
        problem = _notebook_problem(folder / other, other, max_file_bytes)
        problems += [problem] if problem is not None else []
    return problems


# -- collecting from submitted/ -------------------------------------------------


def _submission(
    course: Path,
    student: str,
    assignment: str,
    *,
    inspect: bool,
    expected: Mapping[str, Sequence[str]] | None,
    limits: Mapping[str, int],
) -> Submission:
    """Build and (optionally) inspect the submission of one folder."""
    folder = course / "submitted" / student / assignment
    problems: list[str] = []
    timestamp = None
    if not folder.is_symlink():
        try:
            timestamp = read_timestamp(folder)
        except ValueError as error:
            problems.append(
                Problem.make("classroom.timestamp_unreadable", found=str(error))
            )
    submission = Submission(student, assignment, folder, timestamp, problems)
    if inspect:
        names = (
            expected[assignment]
            if expected is not None and assignment in expected
            else expected_notebooks(course, assignment)
        )
        submission.problems += inspect_submission(
            submission, expected_notebooks=names, course_dir=course, **limits
        )
    return submission


def collect_submissions(
    course_dir: Path | str,
    *,
    assignments: Iterable[str] | None = None,
    inspect: bool = True,
    expected: Mapping[str, Sequence[str]] | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_files: int = MAX_FILES,
) -> list[Submission]:
    """Every submission in nbgrader's ``submitted/<student>/<assignment>/``.

    Names starting with ``.`` are skipped and plain files beside the folders
    are ignored; a student or assignment folder that is a link is never
    followed (it is listed, refused by :func:`inspect_submission`). The
    timestamp comes from ``timestamp.txt`` (:func:`read_timestamp`); an
    unreadable one is a problem (``classroom.timestamp_unreadable``).

    Parameters
    ----------
    course_dir : path
        The nbgrader course directory.
    assignments : iterable of str, optional
        Only these assignments; by default all found.
    inspect : bool
        Run :func:`inspect_submission` on each submission (default True).
    expected : mapping of str to sequence of str, optional
        Notebooks expected per assignment; by default from ``source/``
        (:func:`expected_notebooks`).
    max_file_bytes, max_total_bytes, max_files : int
        Limits passed to :func:`inspect_submission`.

    Returns
    -------
    list of Submission
        Sorted by assignment, then student.
    """
    course = Path(os.path.abspath(course_dir))
    wanted = None if assignments is None else set(assignments)
    limits = {
        "max_file_bytes": max_file_bytes,
        "max_total_bytes": max_total_bytes,
        "max_files": max_files,
    }
    found = []
    root = course / "submitted"
    if not root.is_dir() or root.is_symlink():
        return []
    with os.scandir(root) as students:
        student_entries = sorted(students, key=lambda e: e.name)
    for student in student_entries:
        if student.name.startswith("."):
            continue
        if student.is_symlink():
            # Never list through a linked student folder: refuse it as a link.
            if wanted is None:
                log.warning("skipped %s: a link, not a folder", student.path)
            for assignment in sorted(wanted or ()):
                sub = Submission(student.name, assignment, Path(student.path), None)
                sub.problems.append(
                    _link_problem(
                        student.name, student.path, Path(student.path), course
                    )
                )
                found.append(sub)
            continue
        if not student.is_dir(follow_symlinks=False):
            continue
        with os.scandir(student.path) as items:
            assignment_entries = sorted(items, key=lambda e: e.name)
        for entry in assignment_entries:
            if entry.name.startswith(".") or (
                wanted is not None and entry.name not in wanted
            ):
                continue
            if not (entry.is_symlink() or entry.is_dir(follow_symlinks=False)):
                continue
            found.append(
                _submission(
                    course,
                    student.name,
                    entry.name,
                    inspect=inspect,
                    expected=expected,
                    limits=limits,
                )
            )
    found.sort(key=lambda s: (s.assignment, s.student))
    return found


# -- copying --------------------------------------------------------------------


def safe_copy(
    src: Path | str,
    dst: Path | str,
    *,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_files: int = MAX_FILES,
    max_depth: int = MAX_DEPTH,
) -> list[str]:
    """Copy a submission folder, regular files and folders only.

    This is :func:`outputsaving.files.copy_tree_no_follow` (which see, for
    what it returns and raises) with a submission's limits: nothing is ever
    opened through a link; links, special files, hard-linked files and files
    over the limits are skipped, and the names of what was skipped returned;
    the relative layout, permission bits (without set-id bits) and
    modification times are kept. ``src`` must be a real folder, ``dst`` a new
    or empty one.
    """
    return copy_tree_no_follow(
        src,
        dst,
        max_file_bytes=max_file_bytes,
        max_total_bytes=max_total_bytes,
        max_files=max_files,
        max_depth=max_depth,
    )


def as_released(submission: Submission, files: Mapping[str, bytes]) -> dict[str, bytes]:
    """A submission's files with each renamed notebook under its released name.

    ``files``: relative ``/`` path -> bytes, as handed in (the learner's own
    names); each notebook of :attr:`Submission.renamed` is given the released
    name it is graded as (nbgrader grades only the released file name). The
    submission's folder keeps the learner's file as it was.
    """
    out = dict(files)
    for name, other in submission.renamed.items():
        if other in out:
            out[name] = out.pop(other)
    return out


# -- LMS zip --------------------------------------------------------------------


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
    problem: Problem
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
            problem = Problem.make(refused.code, **refused.values)
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
                        fate.fate, fate.reason = "refused", submission.problems[0]
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
) -> tuple[dict[str, dict[str, tuple[_Entry, datetime]]], dict[str, list[Problem]]]:
    """Match each file to a student and notebook with nbgrader's collector.

    ``ledger`` gets what became of each entry (``"imported"`` for those
    matched, until their installation says otherwise). ``owners`` maps
    Moodle's names to roster ids and keeps two learners from being merged.
    """
    owners = owners or _Owners(None, frozenset())
    files: dict[str, dict[str, tuple[_Entry, datetime]]] = {}
    problems: dict[str, list[Problem]] = {}
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


class _Owners:
    """Which student an LMS entry goes to, and which ids two learners share."""

    def __init__(
        self, participants: MoodleParticipants | None, roster: frozenset[str]
    ) -> None:
        self.participants = participants
        self.roster = roster
        self.seen: dict[str, dict[str, str]] = {}  # student -> owner -> an entry

    def student(self, path: str, named: str) -> tuple[str | None, str]:
        """``(student id, "")``, or ``(None, why and what to do)``."""
        found = MOODLE_ENTRY.match(path)
        student, why = named, ""
        if found is not None:
            student, why = self._moodle(found["name"], found["participant"], named)
        if student is not None:
            owner = entry_owner(path)
            if owner is not None:
                self.seen.setdefault(student, {}).setdefault(owner, path)
        return student, why

    def _moodle(self, name: str, participant: str, named: str):
        known = self.participants
        if known is not None:
            if participant in known.students:
                return known.students[participant][0], ""
            if participant in known.unmatched:
                return None, known.unmatched[participant]
            return None, (
                f"Moodle participant {participant} ({name}) is not in "
                f"{known.source}: download the grading worksheet of this same "
                "assignment (Moodle's participant ids differ from one assignment "
                "to the next), then grade again"
            )
        advice = (
            "pass the assignment's grading worksheet (Grading action > Download "
            "grading worksheet) with --moodle-worksheet FILE, then grade again"
        )
        blind = name == "Participant"  # blind marking hides the name
        if blind or any(c.isspace() for c in named):
            return None, (
                f"Moodle names this entry by the full name '{name}' and participant "
                f"{participant}, an id of this assignment only, so it is no "
                f"student id: {advice}"
            )
        if self.roster and named not in self.roster:
            note = f"'{named}', a Moodle full name, is on no roster: {advice}"
            return named, note
        return named, ""

    def shared(self) -> list[str]:
        """Student ids that entries of two learners map to."""
        return sorted(s for s, owners in self.seen.items() if len(owners) > 1)

    def shared_reason(self, student: str) -> str:
        owners = self.seen[student]
        entries = ", ".join(sorted(owners.values()))
        return (
            f"{len(owners)} learners of the download map to the one student id "
            f"'{student}' ({entries}), so none of them was imported or graded as "
            "the other: give each their own id (for Moodle, pass the assignment's "
            "grading worksheet with --moodle-worksheet FILE and a roster with "
            "their emails), then grade again"
        )


def _install(
    course: Path,
    student: str,
    assignment: str,
    files: dict[str, tuple[_Entry, datetime]],
    problems: list[Problem],
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
                    Problem.make(
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
