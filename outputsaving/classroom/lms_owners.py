"""Whose is an entry of an LMS download: Moodle's participant ids, mapped.

What Moodle writes (checked in moodle/moodle: ``mod/assign/classes/
downloader.php`` at da5455238d1a (not ``locallib.php``'s
``get_uniqueid_for_user``, which the search did not reach), ``db/install.xml`` at
e3ead07ccc16, ``feedback/offline/importgradeslib.php`` at 452e36fcf584, and
``gradingtable.php`` in stored copies at no pinned commit):

- Each entry of "Download all submissions" starts with a prefix
  ``<full name>_<participant id>`` (``get_student_prefix``: the full name with
  every ``_`` made a space, ``Participant`` under blind marking), then
  ``_assignsubmission_file`` and ``/<file>`` (a folder each, the default
  since 3.1) or ``_<file>``. Two learners named alike differ only by the id.
- The participant id is ``get_uniqueid_for_user``: the row id of
  ``assign_user_mapping`` ("Map an assignment specific id number to a user",
  columns ``assignment``, ``userid``). It is given per assignment: the same
  learner has another id in the next assignment, so no roster can hold it.
- The assignment's grading worksheet (Grading action > Download grading
  worksheet, the offline feedback plugin) is ``gradingtable.php`` downloaded:
  its ``Identifier`` column (``recordid``) holds ``Participant <id>``
  (``hiddenuser`` and the id), then ``Full name`` and the identity fields the
  site shows (``Email address`` by default). Moodle's own import strips the
  ``Participant `` prefix to find the id again; so does :func:`read_worksheet`.

Canvas names an entry ``<login name>[_LATE]_<user id>_<file id>_<file>``
(``lib/content_zipper.rb``): its user id is Canvas's, the same in every
assignment.

``_Owners`` gives each entry of a download its student
(:func:`outputsaving.classroom.lms_zip.import_lms_zip` asks it) and finds the
student ids that entries of two learners map to.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "MOODLE_ENTRY",
    "MoodleParticipants",
    "WorksheetRow",
    "entry_owner",
    "map_participants",
    "read_worksheet",
]

#: A Moodle download's entry:
#: ``<full name>_<participant id>_assignsubmission_<plugin>``.
MOODLE_ENTRY = re.compile(
    r"^(?P<name>[^/_]+)_(?P<participant>[0-9]+)_assignsubmission_[a-z]+(?:[_/]|$)"
)
#: A Canvas download's entry: ``<login>[_LATE]_<user id>_<file id>_<file>``.
CANVAS_ENTRY = re.compile(r"^(?P<name>[^/_]+)(?:_LATE)?_(?P<user>[0-9]+)_[0-9]+_[^/]+$")

#: Column names of Moodle's grading worksheet (English language pack).
IDENTIFIER, FULL_NAME, EMAIL = "Identifier", "Full name", "Email address"
_IDENTITY_COLUMNS = ("Username", "ID number")

#: The most bytes of a worksheet read (a class of thousands is under 1 MB).
MAX_WORKSHEET_BYTES = 20_000_000


def entry_owner(path: str) -> str | None:
    """Who an entry's LMS says it belongs to, or None when its name cannot say.

    ``"moodle:<participant id>"`` or ``"canvas:<user id>"``: two entries with
    different owners are different learners, whatever student id their names
    give.
    """
    found = MOODLE_ENTRY.match(path)
    if found:
        return f"moodle:{found['participant']}"
    found = CANVAS_ENTRY.match(path)
    if found:
        return f"canvas:{found['user']}"
    return None


@dataclass(frozen=True)
class WorksheetRow:
    """One participant of a Moodle grading worksheet."""

    participant: str
    full_name: str = ""
    email: str = ""
    identities: tuple[str, ...] = ()


def read_worksheet(path: Path | str) -> dict[str, WorksheetRow]:
    """Participant id -> its row, from a Moodle grading worksheet (CSV).

    Raises
    ------
    ValueError
        When the file is not such a worksheet (no ``Identifier`` column of
        ``Participant <id>`` values), saying what was found.
    """
    path = Path(path)
    with path.open("rb") as stream:
        data = stream.read(MAX_WORKSHEET_BYTES + 1)
    if len(data) > MAX_WORKSHEET_BYTES:
        msg = f"{path} is over {MAX_WORKSHEET_BYTES} bytes: expected a worksheet"
        raise ValueError(msg)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        msg = f"{path} is not UTF-8 text ({error.reason}): expected Moodle's CSV"
        raise ValueError(msg) from error
    rows = list(csv.reader(io.StringIO(text)))
    header = [name.strip() for name in rows[0]] if rows else []
    if IDENTIFIER not in header:
        msg = (
            f"expected Moodle's grading worksheet (a CSV with an '{IDENTIFIER}' "
            f"column of 'Participant <id>'), but {path} has the columns "
            f"{', '.join(header[:8]) or 'none'}; download it from the assignment's "
            "Submissions page: Grading action > Download grading worksheet"
        )
        raise ValueError(msg)

    def column(row: list[str], name: str) -> str:
        return row[header.index(name)].strip() if name in header else ""

    found: dict[str, WorksheetRow] = {}
    for row in rows[1:]:
        row = row + [""] * (len(header) - len(row))
        number = re.search(r"([0-9]+)\s*$", column(row, IDENTIFIER))
        if number is None:
            continue
        found[number[1]] = WorksheetRow(
            number[1],
            column(row, FULL_NAME),
            column(row, EMAIL),
            tuple(v for v in (column(row, c) for c in _IDENTITY_COLUMNS) if v),
        )
    return found


@dataclass
class MoodleParticipants:
    """Moodle's participant ids of one assignment and the roster ids they map to.

    ``students``: participant id -> nbgrader id and how it was found;
    ``unmatched``: participant id -> why none was found.
    """

    source: str
    students: dict[str, tuple[str, str]] = field(default_factory=dict)
    unmatched: dict[str, str] = field(default_factory=dict)


def map_participants(
    worksheet: dict[str, WorksheetRow], roster: Sequence, *, source: str
) -> MoodleParticipants:
    """Map each worksheet row to one roster student.

    By the email (Moodle's ``Email address`` = the roster's ``email``, case
    ignored), else by an identity column the site shows (``Username`` or ``ID
    number``) equal to the roster's ``id`` or ``lms_user_id``. A row that
    matches no student, or two, is unmatched with the reason.
    """
    by_email: dict[str, list[str]] = {}
    by_identity: dict[str, list[str]] = {}
    for student in roster:
        if student.email:
            by_email.setdefault(student.email.strip().lower(), []).append(student.id)
        for value in {student.id, student.lms_user_id} - {""}:
            by_identity.setdefault(value, []).append(student.id)
    result = MoodleParticipants(source)
    for participant, row in sorted(worksheet.items()):
        candidates = []
        if row.email:
            ids = sorted(set(by_email.get(row.email.lower(), [])))
            candidates.append((ids, f"email {row.email}"))
        for value in row.identities:
            ids = sorted(set(by_identity.get(value, [])))
            candidates.append((ids, f"{value} in {source}"))
        found = next(((ids, how) for ids, how in candidates if ids), None)
        if found is None:
            shown = row.email or ", ".join(row.identities) or "no email"
            result.unmatched[participant] = (
                f"Moodle participant {participant} ({row.full_name or 'no name'}, "
                f"{shown} in {source}) is on no roster student: add them with "
                "'nbgrader db student import' (columns id, first_name, last_name, "
                "email, lms_user_id), then grade again"
            )
        elif len(found[0]) > 1:
            result.unmatched[participant] = (
                f"Moodle participant {participant} ({row.full_name}) matches the "
                f"roster students {', '.join(found[0])} by {found[1]}: give each "
                "student their own email in the roster, then grade again"
            )
        else:
            result.students[participant] = (found[0][0], f"by {found[1]}")
    return result


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
