"""Grades and feedback for the LMS: the files Canvas and Moodle import.

Written into ``reports/`` by :func:`write_lms_exports`, from the gradebook's
score that counts (:func:`~outputsaving.classroom.report.grade_tables`: manual
grades, less the late penalty; 0 for a student on the roster who handed
nothing in), one row per student of nbgrader's roster, mapped by its fields
(``nbgrader db student import`` reads ``id, first_name, last_name, email,
lms_user_id``):

- ``canvas_grades.csv``, Canvas's gradebook import (Grades > Import). As
  Canvas's importer reads it (``lib/gradebook_importer.rb`` of
  instructure/canvas-lms): the header starts ``Student, ID`` then ``SIS User
  ID, SIS Login ID`` and ends the student columns with ``Section``; every
  later column is an assignment, matched by its title (or ``Title (id)``). A
  row's student is found by ``ID`` (Canvas's user id), else its ``SIS User
  ID``, else its ``SIS Login ID``, else its name (``Student``, as "Last,
  First" or the full name). Here: ``Student`` "Last, First" (the id when the
  roster has no name), ``ID`` the roster's ``lms_user_id`` when it is a
  number (Canvas's ids are), ``SIS User ID`` the nbgrader id, ``SIS Login
  ID`` the email, ``Section`` empty.
- ``moodle_grades.csv``, Moodle's gradebook import (Grades > Import > CSV
  file). Moodle's importer (``grade/import/csv/classes/load_data.php``) finds
  each row's user from one column the teacher picks ("Map from"), as the
  user's id, username, ID number or email ("Map to"), and each other column
  is mapped to a grade item. Here: ``First name``, ``Last name``,
  ``Username`` (the nbgrader id), ``ID number`` (``lms_user_id``), ``Email
  address``, then a column per assignment. Moodle stops the whole import at a
  row whose user it cannot find, so map from a column every row fills.
- ``feedback_<assignment>.zip``: the feedback pages of an assignment, to hand
  back through the LMS to the learners who did not submit through nbgrader's
  exchange: ``<student>/<page>.html``, or, for a learner whose Moodle
  participant id of that assignment is known (``moodle_folders_<A>.tsv``,
  written when a Moodle download is imported), in the folder Moodle's
  "Upload multiple feedback files in a zip" matches them by.

Moodle's upload (``assignfeedback_file_zip_importer::is_valid_filename_for_
import`` in ``mod/assign/feedback/file/importziplib.php`` of moodle/moodle,
commit 3769c65a) splits each folder of a file's path at ``_`` into at most
five parts, ``<full name>_<participant id>_<plugin type>_<plugin name>[_rest]``,
and takes the first part list with a numeric participant id of this
assignment (``get_uniqueid_for_user``) and a plugin the assignment has; the
rest of the path is the feedback file's name. Its test
(``tests/importziplib_test.php``) imports ``Student Name_<id>_assignsubmission
_file_/some_path/My File.txt``. Here every page goes into
``<full name>_<participant id>_assignfeedback_file/<page>.html``: the file
feedback plugin, which an assignment that takes feedback files always has,
and the full name without ``_`` (Moodle's download writes it so).
"""

from __future__ import annotations

import csv
import io
import os
import stat
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from outputsaving.classroom.lms_owners import MOODLE_ENTRY
from outputsaving.files import write_atomically

__all__ = [
    "CANVAS_STUDENT_COLUMNS",
    "MOODLE_STUDENT_COLUMNS",
    "RosterStudent",
    "canvas_grades",
    "feedback_zip",
    "moodle_folders",
    "moodle_grades",
    "read_moodle_folders",
    "read_roster",
    "remember_moodle_folders",
    "write_lms_exports",
]

#: The student columns of Canvas's gradebook import, in its order.
CANVAS_STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: The student columns of the Moodle file (any may be the "Map from" column).
MOODLE_STUDENT_COLUMNS = (
    "First name",
    "Last name",
    "Username",
    "ID number",
    "Email address",
)


@dataclass(frozen=True)
class RosterStudent:
    """A student of nbgrader's roster, with the fields the LMS maps by."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""


def read_roster(db_url: str, course_id: str) -> list[RosterStudent]:
    """Every student of the gradebook, sorted by id."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gradebook:
        return sorted(
            (
                RosterStudent(
                    str(s.id),
                    s.first_name or "",
                    s.last_name or "",
                    s.email or "",
                    s.lms_user_id or "",
                )
                for s in gradebook.students
            ),
            key=lambda student: student.id,
        )


def _score(value: float) -> str:
    """A score as the LMS reads it: ``17.5``, ``20``, two decimals at most."""
    return f"{round(float(value), 2):g}"


def _scores(submissions) -> tuple[list[str], dict[tuple[str, str], str]]:
    """The assignments, and ``(student, assignment)`` -> the score that counts."""
    assignments = sorted({str(a) for a in submissions["assignment"]})
    scores = {
        (str(row.student), str(row.assignment)): _score(row.score)
        for row in submissions.itertuples(index=False)
    }
    return assignments, scores


def _csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _students(submissions, roster: Sequence[RosterStudent]) -> list[RosterStudent]:
    """The roster, and anyone graded who is not on it (by id alone)."""
    known = {student.id for student in roster}
    graded = sorted({str(s) for s in submissions["student"]} - known)
    return [*roster, *(RosterStudent(name) for name in graded)]


def canvas_grades(submissions, roster: Sequence[RosterStudent]) -> str:
    """Canvas's gradebook import: a row per student, a column per assignment.

    ``submissions``: the per-submission table of
    :func:`~outputsaving.classroom.report.grade_tables` (``student``,
    ``assignment``, ``score``).
    """
    assignments, scores = _scores(submissions)
    rows = []
    for student in _students(submissions, roster):
        names = ", ".join(filter(None, [student.last_name, student.first_name]))
        canvas_id = student.lms_user_id if student.lms_user_id.isdigit() else ""
        rows.append(
            [
                names or student.id,
                canvas_id,
                student.id,
                student.email,
                "",
                *(scores.get((student.id, a), "") for a in assignments),
            ]
        )
    return _csv([*CANVAS_STUDENT_COLUMNS, *assignments], rows)


def moodle_grades(submissions, roster: Sequence[RosterStudent]) -> str:
    """Moodle's gradebook CSV import: a row per student, a column per assignment."""
    assignments, scores = _scores(submissions)
    rows = [
        [
            student.first_name,
            student.last_name,
            student.id,
            student.lms_user_id,
            student.email,
            *(scores.get((student.id, a), "") for a in assignments),
        ]
        for student in _students(submissions, roster)
    ]
    return _csv([*MOODLE_STUDENT_COLUMNS, *assignments], rows)


# -- Moodle's participant ids, for its feedback upload ---------------------------

#: The feedback upload's plugin part: Moodle's file feedback plugin.
MOODLE_FEEDBACK_PLUGIN = "assignfeedback_file"


def _moodle_name(name: str) -> str:
    """A full name as a part of Moodle's folder: no ``_`` (nor ``/``), one space."""
    return " ".join(name.replace("_", " ").replace("/", " ").split()) or "Participant"


def moodle_folders(
    ledger: Sequence, participants=None, worksheet: dict | None = None
) -> dict[str, tuple[str, str]]:
    """Student -> ``(participant id, full name)`` of one assignment in Moodle.

    From the entries of a Moodle download (``ledger``: the
    :class:`~outputsaving.classroom.lms_zip.EntryFate` of each entry; an entry
    named ``<full name>_<participant id>_assignsubmission_...`` that went to a
    student), else from the grading worksheet (``participants``: its ids
    mapped to roster students by
    :func:`~outputsaving.classroom.lms_owners.map_participants`;
    ``worksheet``: its rows, for the full names). A student with two
    participant ids is left out: Moodle could give the page to the wrong one.
    """
    found: dict[str, set[tuple[str, str]]] = {}
    for fate in ledger:
        named = MOODLE_ENTRY.match(fate.entry)
        if named is not None and fate.student:
            found.setdefault(fate.student, set()).add(
                (named["participant"], _moodle_name(named["name"]))
            )
    downloaded = set(found)
    if participants is not None:
        for participant, (student, _) in participants.students.items():
            if student in downloaded:
                continue  # the download's own name
            row = (worksheet or {}).get(participant)
            name = _moodle_name(getattr(row, "full_name", "") or "")
            found.setdefault(student, set()).add((participant, name))
    return {s: next(iter(ids)) for s, ids in sorted(found.items()) if len(ids) == 1}


def _moodle_table(reports: Path, assignment: str) -> Path:
    return Path(reports) / f"moodle_folders_{assignment}.tsv"


def read_moodle_folders(reports: Path, assignment: str) -> dict[str, tuple[str, str]]:
    """The table :func:`remember_moodle_folders` wrote ({} when there is none).

    A row whose participant id is not a number is ignored.
    """
    path = _moodle_table(reports, assignment)
    if not path.is_file():
        return {}
    found = {}
    with path.open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream, delimiter="\t"):
            participant = (row.get("participant") or "").strip()
            student = (row.get("student") or "").strip()
            if student and participant.isdigit():
                found[student] = (participant, _moodle_name(row.get("full_name") or ""))
    return found


def remember_moodle_folders(
    reports: Path, assignment: str, folders: dict[str, tuple[str, str]]
) -> Path | None:
    """Add ``folders`` (:func:`moodle_folders`) to ``moodle_folders_<A>.tsv``.

    Moodle's participant ids stay the same within an assignment, so a later
    download (some learners again, or others) updates the rows of its
    students and keeps the rest. Nothing is written when there is nothing to
    add. Columns: ``student``, ``participant``, ``full_name``.
    """
    if not folders:
        return None
    table = {**read_moodle_folders(reports, assignment), **folders}
    rows = [[s, p, name] for s, (p, name) in sorted(table.items())]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(["student", "participant", "full_name"])
    writer.writerows(rows)
    path = _moodle_table(reports, assignment)
    write_atomically(path, buffer.getvalue())
    return path


def feedback_zip(
    feedback_dir: Path,
    assignment: str,
    path: Path,
    moodle: dict[str, tuple[str, str]] | None = None,
) -> Path | None:
    """Zip the pages of every feedback folder of ``assignment``.

    Each page is ``<student>/<page>.html``, or for a student of ``moodle``
    (student -> ``(participant id, full name)``, :func:`moodle_folders`)
    ``<full name>_<participant id>_assignfeedback_file/<page>.html``, as
    Moodle's feedback upload matches it. Only regular files (never through
    a link) named ``*.html`` go in. Written beside ``path`` under a hidden
    name, then renamed over it; None (and no file) when the assignment has
    no feedback page.
    """
    pages = []
    for folder in sorted(Path(feedback_dir).glob(f"*/{assignment}")):
        if folder.is_symlink() or not folder.is_dir():
            continue
        student = folder.parent.name
        if student in (moodle or {}):
            participant, name = moodle[student]
            top = f"{_moodle_name(name)}_{participant}_{MOODLE_FEEDBACK_PLUGIN}"
        else:
            top = student
        for page in sorted(folder.glob("*.html")):
            if stat.S_ISREG(page.lstat().st_mode):
                pages.append((f"{top}/{page.name}", page))
    if not pages:
        return None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with (
            os.fdopen(handle, "wb") as raw,
            zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive,
        ):
            for name, page in pages:
                fd = os.open(page, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
                with os.fdopen(fd, "rb") as source:
                    archive.writestr(name, source.read())
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return path


def write_lms_exports(
    folder: Path,
    submissions,
    roster: Sequence[RosterStudent],
    *,
    feedback_dir: Path | None = None,
) -> dict[str, Path]:
    """Write the Canvas and Moodle grade files, and a feedback zip per assignment.

    A feedback zip names the pages of the learners in ``folder``'s
    ``moodle_folders_<assignment>.tsv`` as Moodle's feedback upload matches
    them (:func:`feedback_zip`). Returns their paths: ``canvas_csv``, ``moodle_csv`` and
    ``feedback_zip_<assignment>``.
    """
    folder = Path(folder)
    paths = {}
    for key, name, text in (
        ("canvas_csv", "canvas_grades.csv", canvas_grades(submissions, roster)),
        ("moodle_csv", "moodle_grades.csv", moodle_grades(submissions, roster)),
    ):
        write_atomically(folder / name, text)
        paths[key] = folder / name
    if feedback_dir is not None:
        for assignment in sorted({str(a) for a in submissions["assignment"]}):
            target = folder / f"feedback_{assignment}.zip"
            moodle = read_moodle_folders(folder, assignment)
            if feedback_zip(feedback_dir, assignment, target, moodle) is not None:
                paths[f"feedback_zip_{assignment}"] = target
    return paths
