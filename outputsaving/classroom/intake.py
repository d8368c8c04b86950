"""Taking in a class's submission folders safely, before any of them is graded.

Submissions come in nbgrader's ``submitted/<student>/<assignment>/`` layout
(:func:`collect_submissions`); an LMS download is unpacked into that layout
first (:mod:`outputsaving.classroom.lms_zip`). A submission is learners'
material: it may hold links to the instructor's files, special files, huge
files or broken notebooks. :func:`inspect_submission` finds all of them
without following a single link, and :func:`safe_copy` makes the working
copy that grading runs on, copying regular files only. A notebook handed in
under another name is graded in place of the released one when it alone
holds its cells (:func:`inspect_submission`, :func:`as_released`).

Every reason a submission is refused, and every note on it, is a
:class:`~outputsaving.findings.Finding`: its code from
:data:`outputsaving.messages.MESSAGES` (prefix ``classroom.``), its severity,
and the learner-facing message that the feedback shows.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import nbformat
from nbgrader.utils import find_all_notebooks, parse_utc

from outputsaving.classroom import limits
from outputsaving.files import (
    copy_tree_no_follow,
    read_regular,
    walk_no_follow,
    write_new,
)
from outputsaving.findings import Finding

__all__ = [
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "MAX_TOTAL_BYTES",
    "Submission",
    "as_released",
    "cell_grade_ids",
    "collect_submissions",
    "expected_notebooks",
    "inspect_submission",
    "read_timestamp",
    "released_grade_ids",
    "safe_copy",
]

log = logging.getLogger(__name__)

# What a submission may hold (defined with every other limit).
MAX_FILE_BYTES = limits.SUBMISSION_MAX_FILE_BYTES
MAX_TOTAL_BYTES = limits.SUBMISSION_MAX_TOTAL_BYTES
MAX_FILES = limits.SUBMISSION_MAX_FILES
MAX_DEPTH = limits.SUBMISSION_MAX_DEPTH
MAX_TIMESTAMP_BYTES = limits.SUBMISSION_MAX_TIMESTAMP_BYTES

_TIMESTAMP_NAME = "timestamp.txt"
_SPECIAL_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a device file",
    stat.S_IFBLK: "a device file",
}


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
    problems : list of Finding
        Why the submission, or a notebook of it, is refused (errors); empty
        when it can be graded.
    notes : list of Finding
        Notes that refuse nothing (of severity note): a notebook graded in
        place of a released one, the notebooks not graded. The grader shows
        them at the top of the graded notebook's feedback.
    renamed : dict of str to str
        Released notebook name -> the notebook of the folder graded as it
        (see :func:`inspect_submission`); the folder itself is left as the
        learner handed it in.
    """

    student: str
    assignment: str
    folder: Path
    timestamp: datetime | None
    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        """The codes of :attr:`problems`, for graders and tests."""
        return [p.code for p in self.problems]


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

    problems: list[Finding] = field(default_factory=list)
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
        return Finding.make("classroom.link_to_course", path=path, target=shown)
    return Finding.make("classroom.link", path=path, target=target)


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
                    Finding.make("classroom.too_many_files", limit=max_files)
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
                        Finding.make("classroom.too_deep", limit=max_depth)
                    )
                    found.aborted = True
                    return found
            elif not stat.S_ISREG(mode):
                kind = _SPECIAL_KINDS.get(stat.S_IFMT(mode), "a special file")
                found.problems.append(
                    Finding.make("classroom.special_file", path=path, kind=kind)
                )
            elif info.st_nlink > 1:
                found.problems.append(Finding.make("classroom.hard_link", path=path))
            elif info.st_size > max_file_bytes:
                found.problems.append(
                    Finding.make(
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
            Finding.make("classroom.too_large_total", limit=_size(max_total_bytes))
        )
    return found


def _notebook_problem(path: Path, name: str, max_file_bytes: int) -> Finding | None:
    """Why the notebook at ``path`` cannot be graded, or None when it can."""
    try:
        data = read_regular(path, max_file_bytes)
    except OSError:  # swapped for something else since the walk
        return Finding.make(
            "classroom.notebook_invalid",
            name=name,
            error="it could not be read as a regular file",
        )
    try:
        content = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return Finding.make(
            "classroom.notebook_not_json", name=name, error="it is not UTF-8 text"
        )
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}: {error.msg}"
        return Finding.make("classroom.notebook_not_json", name=name, error=where)
    except (ValueError, RecursionError):
        return Finding.make(
            "classroom.notebook_not_json", name=name, error="it is nested too deeply"
        )
    if not isinstance(content, dict):
        what = type(content).__name__
        return Finding.make(
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
        return Finding.make("classroom.notebook_invalid", name=name, error=reason)
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
) -> list[Finding]:
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
    list of Finding
        Why it is refused, with codes ``classroom.*``; empty when the
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
            Finding.make("classroom.notebook_missing", expected=name)
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
                Finding.make("classroom.notebook_not_a_file", expected=name)
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
            Finding.make("classroom.notebook_graded_as", expected=name, found=other)
        )
    ignored = [name for name in others if name not in renamed.values()]
    if ignored:
        notes.append(
            Finding.make(
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
) -> list[Finding]:
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
            Finding.make("classroom.notebook_ambiguous", expected=name, found=found)
        ]
    if holding:
        problem = _notebook_problem(folder / holding[0], holding[0], max_file_bytes)
        if problem is None:
            renamed[name] = holding[0]
            return []
        return [problem]
    problems = [Finding.make("classroom.notebook_missing", expected=name)]
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
    problems: list[Finding] = []
    timestamp = None
    if not folder.is_symlink():
        try:
            timestamp = read_timestamp(folder)
        except ValueError as error:
            problems.append(
                Finding.make("classroom.timestamp_unreadable", found=str(error))
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
