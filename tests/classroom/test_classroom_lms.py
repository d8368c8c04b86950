"""Grades and feedback for the LMS (outputsaving.classroom.lms; issue 19, section 4).

Each file's layout as the LMS's own importer reads it (Canvas:
``lib/gradebook_importer.rb``; Moodle: ``grade/import/csv/classes/load_data.php``),
one row per roster student, with the score that counts. The gradebook is a
small one made through nbgrader's API; no kernel runs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from outputsaving.classroom.lms import (
    CANVAS_STUDENT_COLUMNS,
    MOODLE_STUDENT_COLUMNS,
    RosterStudent,
    canvas_grades,
    feedback_zip,
    moodle_grades,
)

ROSTER = [
    RosterStudent("ana", "Ana", "Silva", "ana@uni.example", "1001"),
    RosterStudent("ben", "Ben", "Okafor", "ben@uni.example", "lti-9f2"),
    RosterStudent("cleo"),  # on the roster with nothing but an id
]


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _submissions(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["student", "assignment", "score"])


SUBMISSIONS = _submissions(
    [
        ("ana", "activity1", 17.5),
        ("ana", "quiz", 0.0),
        ("ben", "activity1", 20.0),
        ("ben", "quiz", 5.0),
        ("cleo", "activity1", 0.0),
        ("cleo", "quiz", 0.0),
    ]
)


def test_canvas_header_is_read_as_its_importer_reads_it():
    header, *rows = _rows(canvas_grades(SUBMISSIONS, ROSTER))
    # row_has_student_headers?, update_column_count, header?: Student, ID,
    # SIS User ID, SIS Login ID, and Section closing the student columns.
    assert "Student" in header[0]
    assert "ID" in header[1]
    assert tuple(header[:5]) == CANVAS_STUDENT_COLUMNS
    assert header[5:] == ["activity1", "quiz"]
    assert len(rows) == len(ROSTER)
    assert all(len(row) == len(header) for row in rows)


def test_canvas_rows_map_each_student_by_the_roster_fields():
    _, *rows = _rows(canvas_grades(SUBMISSIONS, ROSTER))
    by_sis = {row[2]: row for row in rows}
    assert by_sis["ana"] == [
        "Silva, Ana",
        "1001",
        "ana",
        "ana@uni.example",
        "",
        "17.5",
        "0",
    ]
    # An lms_user_id that is not a Canvas user id (a number) is left out.
    assert by_sis["ben"][:4] == ["Okafor, Ben", "", "ben", "ben@uni.example"]
    assert by_sis["ben"][5:] == ["20", "5"]
    assert by_sis["cleo"][:2] == ["cleo", ""]


def test_moodle_file_has_a_column_per_identifier_and_per_assignment():
    header, *rows = _rows(moodle_grades(SUBMISSIONS, ROSTER))
    assert tuple(header[:5]) == MOODLE_STUDENT_COLUMNS
    assert header[5:] == ["activity1", "quiz"]
    by_username = {row[2]: row for row in rows}
    assert set(by_username) == {"ana", "ben", "cleo"}
    assert by_username["ben"] == [
        "Ben",
        "Okafor",
        "ben",
        "lti-9f2",
        "ben@uni.example",
        "20",
        "5",
    ]


def test_a_student_graded_but_not_on_the_roster_still_has_a_row():
    submissions = _submissions([("dan", "quiz", 3.0)])
    _, *rows = _rows(canvas_grades(submissions, []))
    assert rows == [["dan", "", "dan", "", "", "3"]]


def test_the_feedback_zip_holds_each_students_pages_and_no_link(tmp_path: Path):
    feedback = tmp_path / "feedback"
    for student in ("ana", "ben"):
        folder = feedback / student / "quiz"
        folder.mkdir(parents=True)
        (folder / "quiz.html").write_text(f"<p>{student}</p>")
        (folder / "timestamp.txt").write_text("2026-11-24 10:00:00 UTC")
        (folder / "submission_secret.txt").write_text("secret")
    (feedback / "ben" / "quiz" / "other.html").symlink_to(tmp_path / "elsewhere")
    path = feedback_zip(feedback, "quiz", tmp_path / "reports" / "feedback_quiz.zip")
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["ana/quiz.html", "ben/quiz.html"]
        assert archive.read("ana/quiz.html") == b"<p>ana</p>"
    assert feedback_zip(feedback, "activity1", tmp_path / "none.zip") is None
    assert not (tmp_path / "none.zip").exists()
    assert [p.name for p in path.parent.iterdir()] == ["feedback_quiz.zip"]


@pytest.mark.slow  # nbgrader's gradebook: alembic, SQLAlchemy
def test_the_lms_files_hold_the_score_that_counts_for_everyone_on_the_roster(tmp_path):
    """Through write_report, from a gradebook: a late penalty taken off, a
    manual grade counting, 0 for a roster student who handed nothing in."""
    from nbgrader.api import Gradebook

    from outputsaving.classroom.report import write_report

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url, "course") as gb:
        for assignment in ("quiz", "activity1"):
            gb.add_assignment(assignment, duedate=dt.datetime(2026, 11, 20))
            gb.add_notebook(assignment, assignment)
            gb.add_grade_cell(
                "q", assignment, assignment, max_score=6, cell_type="code"
            )
        gb.add_student("ana", first_name="Ana", last_name="Silva", lms_user_id="1001")
        gb.add_student("ben", email="ben@uni.example")
        gb.add_student("cleo")
        for student, auto, manual, penalty in (
            ("ana", 6, None, 6.0),  # late, with penalty_method = "zero"
            ("ben", 2, 5, 0.0),  # a manual grade in Formgrader
        ):
            gb.add_submission("quiz", student)
            grade = gb.find_grade("q", "quiz", "quiz", student)
            grade.auto_score, grade.manual_score = auto, manual
            gb.find_submission_notebook(
                "quiz", "quiz", student
            ).late_submission_penalty = penalty
        gb.db.commit()
    page = tmp_path / "feedback" / "ben" / "quiz" / "quiz.html"
    page.parent.mkdir(parents=True)
    page.write_text("<p>ben</p>")
    paths = write_report(
        tmp_path,
        [],
        db_url=url,
        course_id="course",
        assignments=["quiz"],
        folder=tmp_path / "reports",
    )
    canvas = pd.read_csv(paths["canvas_csv"], dtype=str, keep_default_na=False)
    assert list(canvas.columns) == [*CANVAS_STUDENT_COLUMNS, "activity1", "quiz"]
    canvas = canvas.set_index("SIS User ID")
    assert list(canvas.index) == ["ana", "ben", "cleo"]
    assert canvas.loc["ana", "Student"] == "Silva, Ana"
    assert canvas.loc["ana", "ID"] == "1001"
    assert canvas.loc["ben", "SIS Login ID"] == "ben@uni.example"
    assert canvas["quiz"].to_dict() == {"ana": "0", "ben": "5", "cleo": "0"}
    assert canvas["activity1"].to_dict() == {"ana": "0", "ben": "0", "cleo": "0"}
    moodle = pd.read_csv(paths["moodle_csv"], dtype=str, keep_default_na=False)
    assert list(moodle.columns) == [*MOODLE_STUDENT_COLUMNS, "activity1", "quiz"]
    assert moodle.set_index("Username")["quiz"].to_dict() == canvas["quiz"].to_dict()
    with zipfile.ZipFile(paths["feedback_zip_quiz"]) as archive:
        assert archive.namelist() == ["ben/quiz.html"]
    assert "feedback_zip_activity1" not in paths


# -- Moodle's feedback upload: the participant ids of the download (§2) -------


def moodle_import_match(path: str, participants: set[int]) -> tuple[int, str] | None:
    """What Moodle's feedback upload makes of a zip entry: (participant, file).

    ``assignfeedback_file_zip_importer::is_valid_filename_for_import``
    (moodle/moodle ``mod/assign/feedback/file/importziplib.php``, 3769c65a),
    line for line: each path part split at ``_`` into at most 5; at least 4
    parts; a numeric participant id of the assignment; a plugin it has
    (``assignsubmission_file`` or ``assignfeedback_file`` here); the rest of
    the part and the path after it is the file's name. Hidden files (``.``,
    ``~``) are ignored.
    """
    plugins = {("assignsubmission", "file"), ("assignfeedback", "file")}
    parts = path.split("/")
    if parts[-1].startswith((".", "~")):
        return None
    while parts:
        info = parts.pop(0).split("_", 4)
        if len(info) < 4 or not info[1].isdigit() or int(info[1]) not in participants:
            continue
        if (info[2], info[3]) not in plugins:
            continue
        rest = info[4] if len(info) == 5 else ""
        return int(info[1]), "/".join([rest, *parts])
    return None


def test_the_moodle_importer_replica_reads_moodles_own_test_names():
    """The replica agrees with Moodle's importziplib_test.php cases."""
    ok = "Student Name_7_assignsubmission_file_"
    assert moodle_import_match(f"{ok}My_cool_filename.txt", {7}) == (
        7,
        "My_cool_filename.txt",
    )
    assert moodle_import_match(f"some_path_here/{ok}/some_path/My File.txt", {7}) == (
        7,
        "/some_path/My File.txt",
    )
    for bad in (
        "Student Name_StringID_assignsubmission_file_x.txt",
        "Student Name_107_assignsubmission_file_x.txt",  # not a participant
        "Student Name_7_assignsubmission_noplugin_x.txt",
        "some_path_here/RandomFile.txt",
        f"{ok}/.hiddenfile",
    ):
        assert moodle_import_match(bad, {7}) is None


def _fate(entry: str, student: str = "", fate: str = "imported"):
    from outputsaving.classroom.lms_zip import EntryFate

    return EntryFate(entry, fate, student)


def test_moodle_folders_come_from_the_downloads_entries():
    from outputsaving.classroom.lms import moodle_folders

    ledger = [
        _fate("Kim Lee_111_assignsubmission_file/quiz.ipynb", "klee1"),
        _fate("Kim Lee_111_assignsubmission_file/output/x.tif", "klee1"),
        _fate("Kim Lee_222_assignsubmission_file_quiz.ipynb", "klee2"),  # flat
        _fate("Zed Unknown_555_assignsubmission_file/quiz.ipynb", fate="skipped"),
        _fate("ana_quiz.ipynb", "ana"),  # not Moodle's name
    ]
    assert moodle_folders(ledger) == {
        "klee1": ("111", "Kim Lee"),
        "klee2": ("222", "Kim Lee"),
    }


def test_moodle_folders_from_the_worksheet_for_learners_not_in_the_download():
    from outputsaving.classroom.lms import moodle_folders
    from outputsaving.classroom.lms_owners import MoodleParticipants, WorksheetRow

    participants = MoodleParticipants("ws.csv")
    participants.students = {
        "111": ("klee1", "by email"),
        "333": ("dsmith", "by email"),
        "444": ("twice", "by email"),
        "445": ("twice", "by email"),  # two ids for one student: neither
    }
    worksheet = {
        "111": WorksheetRow("111", "Kim Lee"),
        "333": WorksheetRow("333", "Dan_Smith  Jr"),  # '_' would split the id off
    }
    ledger = [_fate("Kim Lee_999_assignsubmission_file/quiz.ipynb", "klee1")]
    assert moodle_folders(ledger, participants, worksheet) == {
        "klee1": ("999", "Kim Lee"),  # the download's own id first
        "dsmith": ("333", "Dan Smith Jr"),
    }


def test_moodle_folders_are_remembered_per_assignment_and_merged(tmp_path):
    from outputsaving.classroom.lms import (
        read_moodle_folders,
        remember_moodle_folders,
    )

    assert remember_moodle_folders(tmp_path, "quiz", {}) is None
    remember_moodle_folders(tmp_path, "quiz", {"ana": ("1", "Ana Silva")})
    remember_moodle_folders(
        tmp_path, "quiz", {"ben": ("2", "Ben Okafor"), "ana": ("3", "Ana Silva")}
    )
    assert read_moodle_folders(tmp_path, "quiz") == {
        "ana": ("3", "Ana Silva"),
        "ben": ("2", "Ben Okafor"),
    }
    assert read_moodle_folders(tmp_path, "activity1") == {}


def test_the_feedback_zip_names_moodle_learners_as_its_upload_matches_them(tmp_path):
    from outputsaving.classroom.lms import remember_moodle_folders, write_lms_exports

    feedback = tmp_path / "feedback"
    for student in ("klee1", "klee2", "ana"):
        folder = feedback / student / "quiz"
        folder.mkdir(parents=True)
        (folder / "quiz_output_saving.html").write_text(f"<p>{student}</p>")
    reports = tmp_path / "reports"
    remember_moodle_folders(
        reports, "quiz", {"klee1": ("111", "Kim Lee"), "klee2": ("222", "Kim Lee")}
    )
    submissions = _submissions([(s, "quiz", 1.0) for s in ("klee1", "klee2", "ana")])
    paths = write_lms_exports(reports, submissions, [], feedback_dir=feedback)
    with zipfile.ZipFile(paths["feedback_zip_quiz"]) as archive:
        names = sorted(archive.namelist())
        assert names == [
            "Kim Lee_111_assignfeedback_file/quiz_output_saving.html",
            "Kim Lee_222_assignfeedback_file/quiz_output_saving.html",
            "ana/quiz_output_saving.html",
        ]
        # Moodle gives each Kim Lee her own page, and leaves ana's alone.
        matched = {name: moodle_import_match(name, {111, 222}) for name in names}
        assert matched == {
            names[0]: (111, "/quiz_output_saving.html"),
            names[1]: (222, "/quiz_output_saving.html"),
            names[2]: None,
        }
        assert archive.read(names[1]) == b"<p>klee2</p>"
