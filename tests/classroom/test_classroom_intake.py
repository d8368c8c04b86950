"""Tests for outputsaving.classroom.intake: taking in a class's submissions.

Every hostile layout (links to the solutions or the gradebook, special files,
huge sparse files, broken notebooks) and every hostile zip (path traversal,
link entries, bombs) is built here, in code.

LMS downloads as Moodle makes them never lose a learner (issue 19 §3). The
deserved outcome of each case, written before the change (``Kim Lee_111`` is
``Kim Lee_111_assignsubmission_file/<notebook>``, Moodle's entry for the
participant 111 of this assignment; roster: klee1 kim.lee@uni.example, klee2
klee2@uni.example, dsmith dan@uni.example):

=====================================  ==========================================
case                                   deserved
=====================================  ==========================================
``Kim Lee_111``, ``Kim Lee_222``, no   both listed (log, intake.tsv) as skipped:
worksheet                              the name is no id, pass --moodle-worksheet;
                                       nobody imported as "Kim Lee"
``kimlee_111``, ``kimlee_222`` (or     both listed as skipped, naming the two
Canvas ``leekim_98765``/``_98766``)    entries and the one id; neither imported,
                                       neither graded as the other
``Kim Lee_111``, ``Kim Lee_222`` with  klee1 and klee2, each their own notebook
the worksheet (emails)                 (mapped by email, case ignored)
``Dan Smith_333``, worksheet Username  dsmith (mapped through the worksheet's
dsmith, another email                  identity column)
``Ann Other_444``, in the worksheet,   skipped: on no roster student, add them
email on no roster student             with 'nbgrader db student import'
``Zed Unknown_555``, not in the        skipped: not in the worksheet, download
worksheet                              the worksheet of this same assignment
``Participant_111`` (blind marking),   skipped: no student id, pass the worksheet
no worksheet
=====================================  ==========================================
"""

from __future__ import annotations

import io
import json
import logging
import os
import pickle
import re
import socket
import stat
import struct
import zipfile
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import parse_utc

from outputsaving.classroom import intake, lms_zip
from outputsaving.classroom.intake import (
    Submission,
    collect_submissions,
    expected_notebooks,
    inspect_submission,
    read_timestamp,
    safe_copy,
)
from outputsaving.classroom.lms_owners import map_participants, read_worksheet
from outputsaving.classroom.lms_zip import import_lms_zip
from outputsaving.findings import ERROR, NOTE, Finding
from outputsaving.messages import MESSAGES

NOTEBOOK = "a1_save_outputs.ipynb"
SECRET = "SOLUTION-SECRET-4242"
STAMP = "2026-11-24 10:00:00.000000 UTC"


def notebook_text(marker: str = "print('hello')") -> str:
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(marker))
    return nbformat.writes(notebook)


#: The grade_ids of the released notebook of ``a1``: an answer and its test.
GRADE_IDS = ("a1_task1_answer", "a1_task1_test")


def released_text(marker: str = "print('hello')") -> str:
    """A notebook with ``a1``'s nbgrader cells (the answer holds ``marker``)."""
    notebook = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_code_cell(marker)
    answer.metadata["nbgrader"] = {
        "grade_id": GRADE_IDS[0],
        "solution": True,
        "grade": False,
        "locked": False,
        "schema_version": 3,
    }
    test = nbformat.v4.new_code_cell("assert True")
    test.metadata["nbgrader"] = {
        "grade_id": GRADE_IDS[1],
        "solution": False,
        "grade": True,
        "points": 1,
        "locked": True,
        "schema_version": 3,
    }
    notebook.cells.extend([answer, test])
    return nbformat.writes(notebook)


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course with one assignment ``a1``, its solution and a gradebook."""
    root = tmp_path / "course"
    (root / "source" / "a1").mkdir(parents=True)
    (root / "source" / "a1" / NOTEBOOK).write_text(released_text(SECRET))
    (root / "source" / "a1" / ".ipynb_checkpoints").mkdir()
    (root / "source" / "a1" / ".ipynb_checkpoints" / "x-checkpoint.ipynb").write_text(
        "{}"
    )
    (root / "gradebook.db").write_text(SECRET)
    (root / "submitted").mkdir()
    return root


def submit(
    course: Path,
    student: str,
    *,
    assignment: str = "a1",
    stamp: str | None = STAMP,
    name: str = NOTEBOOK,
    text: str | None = None,
) -> Path:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    (folder / name).write_text(text if text is not None else notebook_text(student))
    if stamp is not None:
        (folder / "timestamp.txt").write_text(stamp + "\n")
    return folder


def inspect(course: Path, folder: Path, **limits) -> list[Finding]:
    submission = Submission(folder.parent.name, folder.name, folder, None)
    return inspect_submission(submission, expected_notebooks=[NOTEBOOK], **limits)


def codes(problems) -> list[str]:
    return [problem.code for problem in problems]


def tree_bytes(folder: Path) -> bytes:
    """All bytes of all regular files under ``folder`` (links not followed)."""
    data = b""
    for root, _, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                data += path.read_bytes()
    return data


# -- expected notebooks, timestamps, collecting ---


def test_expected_notebooks_come_from_source_without_checkpoints(course):
    assert expected_notebooks(course, "a1") == [NOTEBOOK]
    assert expected_notebooks(course, "nope") == []


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-24 10:00:00.000000 UTC",  # nbgrader exchange format
        "2026-11-24 10:00:00",  # nbgrader zip_collect: isoformat(" ")
        "2026-11-24 11:00:00.000000 CET",  # another time zone, converted
    ],
)
def test_timestamp_is_read_like_nbgrader(tmp_path, text):
    (tmp_path / "timestamp.txt").write_text(text + "\n")
    assert read_timestamp(tmp_path) == datetime(2026, 11, 24, 10, 0)
    assert read_timestamp(tmp_path) == parse_utc(text)


def test_timestamp_missing_empty_link_and_garbage(course, tmp_path):
    assert read_timestamp(tmp_path) is None
    (tmp_path / "timestamp.txt").write_text("  \n")
    assert read_timestamp(tmp_path) is None
    (tmp_path / "timestamp.txt").write_text("not a time")
    with pytest.raises(ValueError, match="not a time"):
        read_timestamp(tmp_path)
    (tmp_path / "timestamp.txt").unlink()
    (tmp_path / "timestamp.txt").symlink_to(course / "gradebook.db")
    with pytest.raises(ValueError, match="regular file"):
        read_timestamp(tmp_path)


def test_collect_reads_nbgrader_layout(course):
    submit(course, "bob")
    submit(course, "alice", stamp="2026-11-25 09:30:00.000000 UTC")
    submit(course, "alice", assignment="quiz", stamp=None, name="quiz.ipynb")
    (course / "submitted" / ".ipynb_checkpoints").mkdir()
    (course / "submitted" / "alice" / "notes.txt").write_text("not a folder")
    found = collect_submissions(course, assignments=["a1"])
    assert [(s.student, s.assignment) for s in found] == [
        ("alice", "a1"),
        ("bob", "a1"),
    ]
    assert found[0].timestamp == datetime(2026, 11, 25, 9, 30)
    assert found[0].folder == course / "submitted" / "alice" / "a1"
    assert all(s.problems == [] for s in found)
    everything = collect_submissions(course, inspect=False)
    assert [(s.student, s.assignment, s.timestamp) for s in everything][-1] == (
        "alice",
        "quiz",
        None,
    )


def test_collect_reports_an_unreadable_timestamp(course):
    submit(course, "alice", stamp="yesterday-ish")
    (found,) = collect_submissions(course)
    assert found.codes == ["classroom.timestamp_unreadable"]
    assert "yesterday-ish" in found.problems[0].message


def test_collect_refuses_linked_student_and_assignment_folders(course):
    submit(course, "alice")
    (course / "submitted" / "bob").symlink_to(course / "submitted" / "alice")
    (course / "submitted" / "carol").mkdir()
    (course / "submitted" / "carol" / "a1").symlink_to(course / "source" / "a1")
    found = {s.student: s for s in collect_submissions(course, assignments=["a1"])}
    assert found["alice"].problems == []
    assert found["bob"].codes == ["classroom.link_to_course"]
    assert found["carol"].codes == ["classroom.link_to_course"]
    assert "source/a1" in found["carol"].problems[0].message
    assert found["carol"].timestamp is None


# -- inspection: links and special files ---


def test_normal_submission_with_extras_passes(course):
    folder = submit(course, "alice")
    (folder / "output").mkdir()
    (folder / "output" / "labels.tif").write_bytes(b"II*\0" + bytes(100))
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "a1-checkpoint.ipynb").write_text("{broken")
    assert inspect(course, folder) == []


def test_link_to_a_solution_notebook_is_refused_with_its_target(course):
    folder = submit(course, "alice")
    (folder / "answers.ipynb").symlink_to(course / "source" / "a1" / NOTEBOOK)
    (problem,) = inspect(course, folder)
    assert problem.code == "classroom.link_to_course"
    assert "answers.ipynb" in problem.message
    assert f"source/a1/{NOTEBOOK}" in problem.message


def test_expected_notebook_that_is_a_link_is_refused_once(course):
    folder = submit(course, "alice")
    (folder / NOTEBOOK).unlink()
    relative = os.path.relpath(course / "source" / "a1" / NOTEBOOK, folder)
    (folder / NOTEBOOK).symlink_to(relative)  # relative links count too
    assert codes(inspect(course, folder)) == ["classroom.link_to_course"]


def test_link_to_the_gradebook_is_refused(course):
    folder = submit(course, "alice")
    (folder / "data").mkdir()
    (folder / "data" / "db").symlink_to(course / "gradebook.db")
    (problem,) = inspect(course, folder)
    assert problem.code == "classroom.link_to_course"
    assert "data/db" in problem.message
    assert "gradebook.db" in problem.message


@pytest.mark.parametrize(
    ("target", "shown"),
    [("/etc/passwd", "/etc/passwd"), ("does/not/exist", "does/not/exist")],
)
def test_links_outside_the_course_and_broken_links_are_refused(course, target, shown):
    folder = submit(course, "alice")
    (folder / "link").symlink_to(target)
    (problem,) = inspect(course, folder)
    assert problem.code == "classroom.link"
    assert shown in problem.message


def test_link_to_another_students_folder_is_refused(course):
    submit(course, "bob")
    folder = submit(course, "alice")
    (folder / "bob").symlink_to(course / "submitted" / "bob" / "a1")
    (problem,) = inspect(course, folder)
    assert problem.code == "classroom.link_to_course"
    assert "submitted/bob/a1" in problem.message


def test_linked_folder_is_not_walked_into(course):
    folder = submit(course, "alice")
    (folder / "src").symlink_to(course / "source", target_is_directory=True)
    # Were the link followed, the solution notebook would be inspected too.
    assert codes(inspect(course, folder)) == ["classroom.link_to_course"]


def test_submission_folder_that_is_a_link_is_refused(course):
    (course / "submitted" / "alice").mkdir()
    folder = course / "submitted" / "alice" / "a1"
    folder.symlink_to(course / "source" / "a1")
    assert codes(inspect(course, folder)) == ["classroom.link_to_course"]


def test_fifo_is_refused_without_blocking(course):
    folder = submit(course, "alice")
    os.mkfifo(folder / "pipe")
    (problem,) = inspect(course, folder)
    assert problem.code == "classroom.special_file"
    assert "pipe" in problem.message
    assert "named pipe" in problem.message


def test_fifo_named_like_the_notebook_is_refused_without_blocking(course):
    folder = submit(course, "alice")
    (folder / NOTEBOOK).unlink()
    os.mkfifo(folder / NOTEBOOK)
    assert codes(inspect(course, folder)) == ["classroom.special_file"]


def test_socket_is_refused(course, monkeypatch):
    folder = submit(course, "alice")
    monkeypatch.chdir(folder)  # AF_UNIX paths are short: bind a relative name
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("sock")
        (problem,) = inspect(course, folder)
    assert problem.code == "classroom.special_file"
    assert "a socket" in problem.message


@pytest.mark.root
def test_device_file_is_refused(course):
    folder = submit(course, "alice")
    try:
        os.mknod(folder / "null", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device file needs root")
    (problem,) = inspect(course, folder)
    assert problem.code == "classroom.special_file"
    assert "device file" in problem.message


def test_hard_link_is_refused(course):
    folder = submit(course, "alice")
    os.link(course / "gradebook.db", folder / "copy.db")
    (problem,) = inspect(course, folder)
    assert problem.code == "classroom.hard_link"
    assert "copy.db" in problem.message


# -- inspection: sizes and counts ---


def test_sparse_huge_file_is_refused_without_reading_it(course):
    folder = submit(course, "alice")
    with open(folder / "big.bin", "wb") as stream:
        stream.truncate(30_000_000)  # sparse: no disk space used
    (problem,) = inspect(course, folder)
    assert problem.code == "classroom.file_too_large"
    assert "30.0 MB" in problem.message
    assert "20.0 MB" in problem.message


def test_huge_notebook_is_refused_once(course):
    folder = submit(course, "alice")
    with open(folder / NOTEBOOK, "r+b") as stream:
        stream.truncate(25_000_000)
    assert codes(inspect(course, folder)) == ["classroom.file_too_large"]


def test_total_size_limit(course):
    folder = submit(course, "alice")
    for index in range(3):
        (folder / f"part{index}.bin").write_bytes(bytes(4000))
    problems = inspect(course, folder, max_file_bytes=5000, max_total_bytes=10_000)
    assert codes(problems) == ["classroom.too_large_total"]
    assert "10.0 kB" in problems[0].message


def test_too_many_files(course):
    folder = submit(course, "alice")
    for index in range(10):
        (folder / f"f{index}.txt").write_text("x")
    problems = inspect(course, folder, max_files=5)
    assert codes(problems) == ["classroom.too_many_files"]
    assert "more than 5" in problems[0].message


def test_too_deep(course):
    folder = submit(course, "alice")
    deep = folder.joinpath(*["d"] * 25)
    deep.mkdir(parents=True)
    problems = inspect(course, folder)
    assert codes(problems) == ["classroom.too_deep"]
    assert "20 levels" in problems[0].message


def test_depth_limit_counts_folders_below_the_submission(course):
    folder = submit(course, "alice")
    (folder / "a" / "b").mkdir(parents=True)
    (folder / "a" / "b" / "t.txt").write_text("fine")
    assert inspect(course, folder, max_depth=3) == []
    (folder / "a" / "b" / "c").mkdir()
    assert codes(inspect(course, folder, max_depth=3)) == ["classroom.too_deep"]


def test_problems_deep_in_nested_folders_are_all_found(course):
    folder = submit(course, "alice")
    nested = folder / "a" / "b" / "c"
    nested.mkdir(parents=True)
    (nested / "solution.ipynb").symlink_to(course / "source" / "a1" / NOTEBOOK)
    os.mkfifo(folder / "a" / "pipe")
    with open(nested / "big.bin", "wb") as stream:
        stream.truncate(21_000_000)
    problems = inspect(course, folder)
    assert sorted(codes(problems)) == [
        "classroom.file_too_large",
        "classroom.link_to_course",
        "classroom.special_file",
    ]
    joined = " ".join(problem.message for problem in problems)
    assert "a/b/c/solution.ipynb" in joined
    assert "a/pipe" in joined
    assert "a/b/c/big.bin" in joined


# -- inspection: notebooks ---


def test_notebook_that_is_not_json(course):
    folder = submit(course, "alice", text='{"cells": [\n  {"oops"\n')
    (problem,) = inspect(course, folder)
    assert problem.code == "classroom.notebook_not_json"
    assert NOTEBOOK in problem.message
    assert "line 3" in problem.message


def test_notebook_that_is_not_utf8(course):
    folder = submit(course, "alice")
    (folder / NOTEBOOK).write_bytes(b"\xff\xfe\x00garbage")
    (problem,) = inspect(course, folder)
    assert problem.code == "classroom.notebook_not_json"
    assert "UTF-8" in problem.message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[1, 2, 3]", "JSON list"),
        ('{"nbformat": 4, "nbformat_minor": 5, "cells": []}', "metadata"),
        (
            '{"nbformat": 4, "nbformat_minor": 5, "metadata": {},'
            ' "cells": [{"cell_type": "bogus", "source": ""}]}',
            "",
        ),
    ],
)
def test_json_that_is_not_a_valid_notebook(course, text, words):
    folder = submit(course, "alice", text=text)
    (problem,) = inspect(course, folder)
    assert problem.code == "classroom.notebook_invalid"
    assert NOTEBOOK in problem.message
    assert words in problem.message


def test_missing_notebook(course):
    folder = submit(course, "alice")
    (folder / NOTEBOOK).unlink()
    (problem,) = inspect(course, folder)
    assert problem.code == "classroom.notebook_missing"
    assert NOTEBOOK in problem.message


def test_missing_notebook_with_two_others_is_not_guessed(course):
    folder = submit(course, "alice", name="one.ipynb")
    (folder / "two.ipynb").write_text(notebook_text())
    assert codes(inspect(course, folder)) == ["classroom.notebook_missing"]


def test_folder_in_place_of_the_notebook(course):
    folder = submit(course, "alice")
    (folder / NOTEBOOK).unlink()
    (folder / NOTEBOOK).mkdir()
    assert codes(inspect(course, folder)) == ["classroom.notebook_not_a_file"]


def test_absent_submission_folder_misses_every_notebook(course):
    missing = course / "submitted" / "ghost" / "a1"
    assert codes(inspect(course, missing)) == ["classroom.notebook_missing"]


def test_notebook_in_a_subfolder_is_expected_there(course):
    folder = submit(course, "alice", name="x.txt")
    (folder / "part").mkdir()
    (folder / "part" / "nb.ipynb").write_text(notebook_text())
    submission = Submission("alice", "a1", folder, None)
    assert inspect_submission(submission, expected_notebooks=["part/nb.ipynb"]) == []


# -- inspection: notebooks under other names ---

#: The intake codes that are notes (they refuse nothing).
NOTE_CODES = {"classroom.notebook_graded_as", "classroom.notebooks_ignored"}


def inspected(course: Path, folder: Path) -> tuple[Submission, list[Finding]]:
    """The submission of ``folder`` and its problems (with the course's source)."""
    submission = Submission(folder.parent.name, folder.name, folder, None)
    problems = inspect_submission(
        submission, expected_notebooks=[NOTEBOOK], course_dir=course
    )
    return submission, problems


@pytest.mark.parametrize(
    "name",
    [
        "a1_save_outputs (1).ipynb",  # a browser's second download (Moodle too)
        "a1_save_outputs-Copy1.ipynb",  # Jupyter's Duplicate
        "a1_save_outputs-1.ipynb",  # Canvas's resubmission
        "my work.ipynb",  # any name: the cells decide
    ],
)
def test_the_only_notebook_holding_the_cells_is_graded_in_place(course, name):
    folder = submit(course, "alice", name=name, text=released_text("alice"))
    before = sorted(p.name for p in folder.iterdir())
    submission, problems = inspected(course, folder)
    assert problems == []
    assert submission.renamed == {NOTEBOOK: name}
    assert codes(submission.notes) == ["classroom.notebook_graded_as"]
    (note,) = submission.notes
    assert name in note.message
    assert NOTEBOOK in note.message
    # the learner's file stays as it was handed in
    assert sorted(p.name for p in folder.iterdir()) == before


def test_the_note_is_logged(course, caplog):
    caplog.set_level("INFO", logger="outputsaving.classroom.intake")
    folder = submit(course, "alice", name="a1 (1).ipynb", text=released_text())
    inspected(course, folder)
    assert "alice/a1: a1 (1).ipynb graded as a1_save_outputs.ipynb" in caplog.text


def test_released_name_is_graded_and_the_others_named_in_a_note(course):
    folder = submit(course, "alice", text=released_text("released"))
    (folder / "a1_save_outputs (1).ipynb").write_text(released_text("copy"))
    (folder / "scratch.ipynb").write_text(notebook_text())
    submission, problems = inspected(course, folder)
    assert problems == []
    assert submission.renamed == {}
    assert codes(submission.notes) == ["classroom.notebooks_ignored"]
    (note,) = submission.notes
    assert "a1_save_outputs (1).ipynb and scratch.ipynb, which were not" in note.message
    assert f"only {NOTEBOOK} was" in note.message


def test_a_single_ignored_notebook_agrees_in_number(course):
    folder = submit(course, "alice", text=released_text())
    (folder / "scratch.ipynb").write_text(notebook_text())
    submission, _ = inspected(course, folder)
    assert "scratch.ipynb, which was not graded" in submission.notes[0].message


def test_released_name_alone_has_no_note(course):
    folder = submit(course, "alice", text=released_text())
    submission, problems = inspected(course, folder)
    assert (problems, submission.notes, submission.renamed) == ([], [], {})


def test_one_copy_with_the_cells_among_others_is_graded_and_the_rest_named(course):
    folder = submit(course, "alice", name="a1 (2).ipynb", text=released_text())
    (folder / "scratch.ipynb").write_text(notebook_text())
    submission, problems = inspected(course, folder)
    assert problems == []
    assert submission.renamed == {NOTEBOOK: "a1 (2).ipynb"}
    assert codes(submission.notes) == [
        "classroom.notebook_graded_as",
        "classroom.notebooks_ignored",
    ]
    assert "scratch.ipynb" in submission.notes[1].message
    assert "a1 (2).ipynb" not in submission.notes[1].message


def test_several_copies_with_the_cells_are_refused_naming_them(course):
    folder = submit(course, "alice", name="a1_save_outputs (1).ipynb")
    (folder / "a1_save_outputs (1).ipynb").write_text(released_text("one"))
    (folder / "a1_save_outputs-Copy1.ipynb").write_text(released_text("two"))
    (folder / "scratch.ipynb").write_text(notebook_text())
    submission, problems = inspected(course, folder)
    assert codes(problems) == ["classroom.notebook_ambiguous"]
    (problem,) = problems
    assert (
        "a1_save_outputs (1).ipynb and a1_save_outputs-Copy1.ipynb all hold"
        in problem.message
    )
    assert NOTEBOOK in problem.message
    assert "scratch.ipynb" not in problem.message
    assert submission.renamed == {}


def test_one_graded_cell_is_enough_to_qualify(course):
    """A copy whose test cells were deleted still holds the answer's grade_id."""
    notebook = nbformat.reads(released_text(), as_version=4)
    del notebook.cells[1]
    folder = submit(course, "alice", name="copy.ipynb", text=nbformat.writes(notebook))
    submission, problems = inspected(course, folder)
    assert problems == []
    assert submission.renamed == {NOTEBOOK: "copy.ipynb"}


def test_another_name_without_the_cells_is_missing_as_before(course):
    folder = submit(course, "alice", name="a1_save_outputs (1).ipynb")
    submission, problems = inspected(course, folder)
    assert codes(problems) == ["classroom.notebook_missing"]
    assert submission.renamed == {}


def test_another_assignments_notebook_does_not_qualify(course):
    other = released_text().replace("a1_task1_", "a2_task1_")
    folder = submit(course, "alice", name="a2_customise.ipynb", text=other)
    _, problems = inspected(course, folder)
    assert codes(problems) == ["classroom.notebook_missing"]


def test_a_missing_notebook_and_an_unreadable_copy_say_both(course):
    folder = submit(course, "alice", name="a1 (1).ipynb", text='{"cells": [')
    _, problems = inspected(course, folder)
    assert codes(problems) == [
        "classroom.notebook_missing",
        "classroom.notebook_not_json",
    ]
    assert "a1 (1).ipynb" in problems[1].message


def test_the_copy_graded_in_place_must_be_a_valid_notebook(course):
    broken = json.loads(released_text())
    broken["nbformat"] = "four"
    folder = submit(course, "alice", name="a1 (1).ipynb", text=json.dumps(broken))
    submission, problems = inspected(course, folder)
    assert codes(problems) == ["classroom.notebook_invalid"]
    assert "a1 (1).ipynb" in problems[0].message
    assert submission.renamed == {}


def test_a_copy_in_a_subfolder_is_not_graded_in_place(course):
    folder = submit(course, "alice", name="x.txt")
    (folder / "old").mkdir()
    (folder / "old" / NOTEBOOK).write_text(released_text())
    submission, problems = inspected(course, folder)
    assert codes(problems) == ["classroom.notebook_missing"]
    assert submission.renamed == {}


def test_the_released_grade_ids_can_be_given(course):
    folder = submit(course, "alice", name="copy.ipynb", text=released_text())
    submission = Submission("alice", "a1", folder, None)
    problems = inspect_submission(
        submission, expected_notebooks=[NOTEBOOK], released={NOTEBOOK: {"other"}}
    )
    assert codes(problems) == ["classroom.notebook_missing"]
    problems = inspect_submission(
        submission, expected_notebooks=[NOTEBOOK], released={NOTEBOOK: GRADE_IDS}
    )
    assert (problems, submission.renamed) == ([], {NOTEBOOK: "copy.ipynb"})


def test_released_grade_ids_come_from_the_source(course):
    assert intake.released_grade_ids(course, "a1", [NOTEBOOK, "gone.ipynb"]) == {
        NOTEBOOK: frozenset(GRADE_IDS),
        "gone.ipynb": frozenset(),
    }


@pytest.mark.parametrize(
    "content",
    [
        None,
        [1, 2],
        {"cells": "not a list"},
        {"cells": [1, {"metadata": []}, {"metadata": {"nbgrader": "x"}}]},
        {"cells": [{"metadata": {"nbgrader": {"grade_id": 7}}}]},
    ],
)
def test_cell_grade_ids_of_a_notebook_not_as_nbformat_writes_it_are_none(content):
    assert intake.cell_grade_ids(content) == frozenset()


def test_collect_submissions_grades_a_copy_in_place(course):
    submit(course, "alice", name="a1_save_outputs-Copy1.ipynb", text=released_text())
    (found,) = collect_submissions(course)
    assert found.problems == []
    assert found.renamed == {NOTEBOOK: "a1_save_outputs-Copy1.ipynb"}
    assert codes(found.notes) == ["classroom.notebook_graded_as"]


def test_as_released_gives_the_copy_the_released_name():
    submission = Submission("alice", "a1", Path("x"), None)
    submission.renamed = {NOTEBOOK: "a1 (1).ipynb"}
    files = {"a1 (1).ipynb": b"nb", "timestamp.txt": b"t", "scratch.ipynb": b"s"}
    assert intake.as_released(submission, files) == {
        NOTEBOOK: b"nb",
        "timestamp.txt": b"t",
        "scratch.ipynb": b"s",
    }
    assert files["a1 (1).ipynb"] == b"nb"  # the learner's files are not changed


def test_notes_reach_the_top_of_the_graded_notebook(tmp_path):
    """The worker writes intake's notes in a markdown cell above every cell,
    where nbgrader's feedback shows it; a file name is shown, never markup."""
    from outputsaving.classroom.tasks import AssignmentFiles, CourseFiles, GradeTask
    from outputsaving.classroom.worker import _note_intake

    (tmp_path / NOTEBOOK).write_text(released_text())
    note = Finding.make(
        "classroom.notebook_graded_as", expected=NOTEBOOK, found="<b>a1</b>_x (1).ipynb"
    )
    task = GradeTask(
        student="alice",
        assignment=AssignmentFiles("a1", (NOTEBOOK,), {}),
        course=CourseFiles("course", None, b""),
        submission={},
        budgets={},
        memory_bytes=0,
        unsafe=True,
        notes=(note.message,),
    )
    _note_intake(tmp_path, task)
    notebook = nbformat.read(tmp_path / NOTEBOOK, as_version=4)
    top = notebook.cells[0]
    assert top.cell_type == "markdown"
    assert MESSAGES["classroom.notebooks_header"][1] in top.source
    assert r"&lt;b&gt;a1&lt;/b&gt;\_x (1).ipynb" in top.source
    assert len(notebook.cells) == 3


@pytest.mark.parametrize(
    ("file_id", "name"),
    [
        (NOTEBOOK, NOTEBOOK),
        (f"98765_43210_{NOTEBOOK}", NOTEBOOK),
        ("98765_43210_a1_save_outputs-1.ipynb", "a1_save_outputs-1.ipynb"),
        ("LATE_98765_43210_a1_save_outputs-2.ipynb", "a1_save_outputs-2.ipynb"),
        (  # Canvas's eighth try on: a random UUID
            "98765_43210_a1_save_outputs-0f8fad5b-d9cb-469f-a165-70867728950e.ipynb",
            "a1_save_outputs-0f8fad5b-d9cb-469f-a165-70867728950e.ipynb",
        ),
        (
            "112233_assignsubmission_file_a1_save_outputs (1).ipynb",
            "a1_save_outputs (1).ipynb",
        ),
        ("3_a1_save_outputs-Copy1 (2).ipynb", "a1_save_outputs-Copy1 (2).ipynb"),
        ("3_my a1_save_outputs-1.ipynb", "3_my a1_save_outputs-1.ipynb"),
        ("3_other.ipynb", "3_other.ipynb"),
    ],
)
def test_an_lms_prefix_is_trimmed_from_copies_too(file_id, name):
    assert lms_zip._resolve_notebook(file_id, [NOTEBOOK]) == name


# -- problems and messages ---


def test_a_problem_is_a_finding_that_survives_pickling():
    problem = Finding.make("classroom.notebook_missing", expected=NOTEBOOK)
    assert (problem.code, problem.severity) == ("classroom.notebook_missing", ERROR)
    assert problem.message == MESSAGES["classroom.notebook_missing"][1].format(
        expected=NOTEBOOK
    )
    assert pickle.loads(pickle.dumps(problem)) == problem
    submission = Submission("a", "a1", Path("x"), None, [problem])
    assert pickle.loads(pickle.dumps(submission)).codes == [
        "classroom.notebook_missing"
    ]


def test_the_notes_are_findings_of_severity_note(course):
    folder = submit(course, "alice", name="a1 (2).ipynb", text=released_text())
    (folder / "scratch.ipynb").write_text(notebook_text())
    submission, _ = inspected(course, folder)
    assert [note.severity for note in submission.notes] == [NOTE, NOTE]


def test_every_code_used_has_a_learner_facing_message():
    source = Path(intake.__file__).read_text() + Path(lms_zip.__file__).read_text()
    used = set(re.findall(r'"(classroom\.[a-z_]+)"', source))
    assert used <= set(MESSAGES)
    assert len(used) >= 20
    for code in used:
        severity, template = MESSAGES[code]
        assert severity == ("note" if code in NOTE_CODES else "error"), code
        assert template.startswith(("Your", "The time stamp of your"))
        assert template.count(". ") <= 2  # at most two sentences
        assert not any(token in template for token in ("`", "=", "os.", "import"))


# -- safe_copy ---


def test_safe_copy_keeps_regular_files_and_layout(course, tmp_path):
    folder = submit(course, "alice")
    (folder / "output" / "deep").mkdir(parents=True)
    (folder / "output" / "deep" / "t.tsv").write_text("a\tb\n")
    (folder / "empty").mkdir()
    os.utime(folder / NOTEBOOK, ns=(1_000_000_000, 1_500_000_000_000_000_000))
    dst = tmp_path / "work" / "alice"
    assert safe_copy(folder, dst) == []
    copied = sorted(str(p.relative_to(dst)) for p in dst.rglob("*"))
    original = sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
    assert copied == original
    assert (dst / NOTEBOOK).read_text() == (folder / NOTEBOOK).read_text()
    assert (dst / NOTEBOOK).stat().st_mtime_ns == 1_500_000_000_000_000_000


def test_safe_copy_never_copies_a_link_target_or_special_file(course, tmp_path):
    submit(course, "bob")
    folder = submit(course, "alice")
    (folder / "solution.ipynb").symlink_to(course / "source" / "a1" / NOTEBOOK)
    (folder / "db").symlink_to(course / "gradebook.db")
    (folder / "bob").symlink_to(course / "submitted" / "bob")
    (folder / "src").symlink_to(course / "source", target_is_directory=True)
    (folder / "broken").symlink_to("nowhere")
    (folder / "sub").mkdir()
    (folder / "sub" / "deep.ipynb").symlink_to(course / "source" / "a1" / NOTEBOOK)
    os.link(course / "gradebook.db", folder / "hard.db")
    os.mkfifo(folder / "pipe")
    with open(folder / "big.bin", "wb") as stream:
        stream.truncate(30_000_000)
    dst = tmp_path / "work"
    skipped = safe_copy(folder, dst)
    assert skipped == [
        "big.bin",
        "bob",
        "broken",
        "db",
        "hard.db",
        "pipe",
        "solution.ipynb",
        "src",
        "sub/deep.ipynb",
    ]
    assert sorted(p.name for p in dst.iterdir()) == [NOTEBOOK, "sub", "timestamp.txt"]
    assert not any(p.is_symlink() for p in dst.rglob("*"))
    assert SECRET.encode() not in tree_bytes(dst)
    assert b"bob" not in tree_bytes(dst)


def test_safe_copy_refuses_a_linked_source_and_a_full_destination(course, tmp_path):
    folder = submit(course, "alice")
    link = tmp_path / "link"
    link.symlink_to(course / "source" / "a1")
    with pytest.raises(ValueError, match="not a folder"):
        safe_copy(link, tmp_path / "out")
    full = tmp_path / "full"
    full.mkdir()
    (full / "x").write_text("x")
    with pytest.raises(ValueError, match="not empty"):
        safe_copy(folder, full)
    (tmp_path / "empty").mkdir()
    assert safe_copy(folder, tmp_path / "empty") == []


def test_safe_copy_refuses_a_file_swapped_for_a_link_after_lstat(
    course, tmp_path, monkeypatch
):
    """The entry is a regular file when listed and a link when opened."""
    folder = submit(course, "alice")
    real_open = os.open

    def swapping_open(path, flags, *args, **kwargs):
        if (
            path == NOTEBOOK
            and kwargs.get("dir_fd") is not None
            and not (flags & os.O_WRONLY)
        ):
            (folder / NOTEBOOK).unlink()
            (folder / NOTEBOOK).symlink_to(course / "source" / "a1" / NOTEBOOK)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", swapping_open)
    skipped = safe_copy(folder, tmp_path / "work")
    monkeypatch.undo()
    assert skipped == [NOTEBOOK]
    assert SECRET.encode() not in tree_bytes(tmp_path / "work")


def test_safe_copy_refuses_a_file_that_grows_while_copied(
    course, tmp_path, monkeypatch
):
    folder = submit(course, "alice")
    real_open = os.open

    def growing_open(path, flags, *args, **kwargs):
        if (
            path == NOTEBOOK
            and kwargs.get("dir_fd") is not None
            and not (flags & os.O_WRONLY)
        ):
            with open(folder / NOTEBOOK, "ab") as stream:
                stream.write(bytes(5000))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", growing_open)
    skipped = safe_copy(folder, tmp_path / "work", max_file_bytes=4000)
    monkeypatch.undo()
    assert skipped == [NOTEBOOK]
    assert not (tmp_path / "work" / NOTEBOOK).exists()


def test_safe_copy_stops_at_the_total_budget(course, tmp_path):
    folder = submit(course, "alice", text="x" * 100)
    (folder / "a.bin").write_bytes(bytes(600))
    (folder / "b.bin").write_bytes(bytes(600))
    skipped = safe_copy(folder, tmp_path / "work", max_total_bytes=1000)
    assert skipped == ["b.bin"]


# -- LMS zips ---


def make_zip(members, path: Path | None = None) -> bytes:
    """A zip of ``(name or ZipInfo, bytes)`` members; written to ``path`` too."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    if path is not None:
        path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def member(name: str, *, when=(2026, 11, 24, 10, 0, 0), mode: int | None = None):
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = zipfile.ZIP_DEFLATED
    if mode is not None:
        info.create_system = 3
        info.external_attr = mode << 16
    return info


def nb(marker: str) -> bytes:
    return notebook_text(marker).encode()


def nb_of(marker: str) -> bytes:
    """A learner's copy of the released notebook, ``marker`` in the answer."""
    return released_text(marker).encode()


def run_import(course, members, **options):
    zip_path = course.parent / "download.zip"
    make_zip(members, zip_path)
    return {
        s.student: s
        for s in import_lms_zip(course, zip_path, assignment="a1", **options)
    }


def submitted(course, student) -> Path:
    return course / "submitted" / student / "a1"


def test_lms_zip_with_flat_names_is_collected(course):
    found = run_import(
        course,
        [
            (member(f"alice_{NOTEBOOK}"), nb("alice")),
            (member(f"bob_1234_5678_{NOTEBOOK}"), nb("bob")),
            (member(f"carol/{NOTEBOOK}"), nb("carol")),
            (member(f"dave_attempt1/sub/{NOTEBOOK}"), nb("dave")),
            (member("readme.txt"), b"instructions"),
            (member(f"__MACOSX/._alice_{NOTEBOOK}"), b"\0\5\26\7"),
        ],
    )
    assert sorted(found) == ["alice", "bob", "carol", "dave"]
    for student, submission in found.items():
        assert submission.problems == []
        assert submission.folder == submitted(course, student)
        assert student in (submission.folder / NOTEBOOK).read_text()
        assert submission.timestamp == datetime(2026, 11, 24, 10, 0)
    stamp = (submitted(course, "alice") / "timestamp.txt").read_text()
    assert parse_utc(stamp.strip()) == datetime(2026, 11, 24, 10, 0)
    # what nbgrader's layout now holds is what collect_submissions sees
    collected = collect_submissions(course)
    assert [s.student for s in collected] == ["alice", "bob", "carol", "dave"]
    assert all(s.problems == [] for s in collected)


def test_lms_zip_with_per_student_zips(course):
    found = run_import(
        course,
        [
            (member("alice.zip"), make_zip([(member(NOTEBOOK), nb("alice"))])),
            (
                member("bob_a1_upload.zip"),
                make_zip([(member(f"a1/{NOTEBOOK}"), nb("bob"))]),
            ),
        ],
    )
    assert sorted(found) == ["alice", "bob"]
    assert "bob" in (submitted(course, "bob") / NOTEBOOK).read_text()
    assert all(s.problems == [] for s in found.values())


def test_lms_zip_with_a_custom_regexp_and_timestamps_keeps_the_newest(course):
    regexp = (
        r".*?_(?P<student_id>[a-z]+)_attempt_(?P<timestamp>[0-9\-]+)_"
        r"(?P<file_id>.+)\.ipynb$"
    )
    found = run_import(
        course,
        [
            (member(f"a1_ben_attempt_2016-01-30-15-00-00_{NOTEBOOK}"), nb("late")),
            (member(f"a1_ben_attempt_2016-01-29-15-00-00_{NOTEBOOK}"), nb("early")),
        ],
        named_regexp=regexp,
    )
    assert found["ben"].timestamp == datetime(2016, 1, 30, 15, 0)
    assert "late" in (submitted(course, "ben") / NOTEBOOK).read_text()
    assert read_timestamp(submitted(course, "ben")) == datetime(2016, 1, 30, 15, 0)


def test_lms_zip_notebook_of_another_name_without_the_cells_is_missing(course):
    found = run_import(course, [(member("alice_my copy.ipynb"), nb("alice"))])
    assert found["alice"].codes == ["classroom.notebook_missing"]
    assert (submitted(course, "alice") / "my copy.ipynb").is_file()


def test_lms_zip_canvas_resubmission_is_graded_in_place(course):
    """Canvas names a download's file ``<name>[_LATE]_<user id>_<file id>_<its
    name>`` and a resubmitted file ``<base>-1<ext>`` (lib/content_zipper.rb,
    Attachment.make_unique_filename in app/models/attachment.rb)."""
    found = run_import(
        course,
        [
            (member("leekim_98765_43210_a1_save_outputs-1.ipynb"), nb_of("lee")),
            (member("parkjo_LATE_98766_43211_a1_save_outputs-2.ipynb"), nb_of("jo")),
        ],
    )
    for student, name in [
        ("leekim", "a1_save_outputs-1.ipynb"),
        ("parkjo", "a1_save_outputs-2.ipynb"),
    ]:
        submission = found[student]
        assert submission.problems == []
        assert sorted(p.name for p in submission.folder.iterdir()) == [
            name,
            "timestamp.txt",
        ]
        assert submission.renamed == {NOTEBOOK: name}
        assert codes(submission.notes) == ["classroom.notebook_graded_as"]
    (collected,) = collect_submissions(course, assignments=["a1"])[:1]
    assert collected.renamed == {NOTEBOOK: "a1_save_outputs-1.ipynb"}


@pytest.mark.parametrize(
    "folder",
    [
        "kimlee_112233_assignsubmission_file_",  # one folder for all (before 3.1)
        "kimlee_112233_assignsubmission_file/",  # a folder each (the default since)
    ],
)
def test_lms_zip_moodle_copy_is_graded_in_place(course, folder):
    """Moodle keeps a second file of the same name as ``name (1).ext``
    (file_storage::get_unused_filename); its download names it
    ``<full name>_<participant id>_assignsubmission_file_<name>``, or puts it
    in a folder ``<full name>_<participant id>_assignsubmission_file``
    (mod/assign/classes/downloader.php, the preference downloadasfolders)."""
    name = f"{folder}{NOTEBOOK[:-6]} (1).ipynb"
    found = run_import(course, [(member(name), nb_of("kim"))])
    assert found["kimlee"].problems == []
    assert found["kimlee"].renamed == {NOTEBOOK: "a1_save_outputs (1).ipynb"}


def test_lms_zip_with_the_released_name_and_a_copy_grades_the_released_one(course):
    found = run_import(
        course,
        [
            (member(f"leekim_98765_43210_{NOTEBOOK}"), nb_of("first")),
            (member("leekim_98765_43212_a1_save_outputs-1.ipynb"), nb_of("second")),
        ],
    )
    submission = found["leekim"]
    assert (submission.problems, submission.renamed) == ([], {})
    assert codes(submission.notes) == ["classroom.notebooks_ignored"]
    assert "a1_save_outputs-1.ipynb" in submission.notes[0].message
    assert "first" in (submission.folder / NOTEBOOK).read_text()


def test_lms_zip_with_two_copies_is_refused_naming_them(course):
    found = run_import(
        course,
        [
            (member("leekim_98765_43210_a1_save_outputs-1.ipynb"), nb_of("one")),
            (member("leekim_98765_43212_a1_save_outputs-2.ipynb"), nb_of("two")),
        ],
    )
    assert found["leekim"].codes == ["classroom.notebook_ambiguous"]
    problem = found["leekim"].problems[0]
    assert "a1_save_outputs-1.ipynb and a1_save_outputs-2.ipynb" in problem.message


@pytest.mark.parametrize(
    "name",
    [
        f"../../alice_{NOTEBOOK}",
        f"alice/../../../{NOTEBOOK}",
        f"/tmp/alice_{NOTEBOOK}",
        f"..\\..\\alice_{NOTEBOOK}",
        f"C:\\alice_{NOTEBOOK}",
    ],
)
def test_lms_zip_with_a_traversal_name_is_refused_whole(course, tmp_path, name):
    with pytest.raises(ValueError, match="outside"):
        run_import(course, [(member(f"bob_{NOTEBOOK}"), nb("bob")), (name, nb("x"))])
    assert list((course / "submitted").iterdir()) == []
    assert list(tmp_path.rglob(f"*alice_{NOTEBOOK}")) == []


def test_traversal_inside_a_per_student_zip_refuses_that_student(course, tmp_path):
    evil = make_zip([(member(f"../../../{NOTEBOOK}"), nb("evil"))])
    found = run_import(
        course,
        [
            (member("mallory.zip"), evil),
            (member("alice.zip"), make_zip([(member(NOTEBOOK), nb("a"))])),
        ],
    )
    assert "classroom.zip_unsafe_name" in found["mallory"].codes
    assert "mallory.zip" in found["mallory"].problems[0].message
    assert not submitted(course, "mallory").exists()
    assert found["alice"].problems == []
    assert not any(
        p.name == NOTEBOOK and "evil" in p.read_text()
        for p in tmp_path.rglob("*.ipynb")
    )


def test_symlink_entries_are_never_created(course, tmp_path):
    link = member(f"mallory_{NOTEBOOK}", mode=stat.S_IFLNK | 0o777)
    inner_link = member(NOTEBOOK, mode=stat.S_IFLNK | 0o777)
    found = run_import(
        course,
        [
            (link, b"../../source/a1/" + NOTEBOOK.encode()),
            (member("eve.zip"), make_zip([(inner_link, b"/etc/passwd")])),
            (member(f"alice_{NOTEBOOK}", mode=stat.S_IFREG | 0o644), nb("alice")),
        ],
    )
    assert found["mallory"].codes[0] == "classroom.zip_link"
    assert found["eve"].codes[0] == "classroom.zip_link"
    assert found["alice"].problems == []
    assert not any(p.is_symlink() for p in tmp_path.rglob("*"))


def test_fifo_entry_is_refused(course):
    fifo = member(f"mallory_{NOTEBOOK}", mode=stat.S_IFIFO | 0o644)
    found = run_import(course, [(fifo, b"")])
    assert found["mallory"].codes[0] == "classroom.zip_link"


def test_zip_bomb_is_not_unpacked(course):
    bomb = bytes(5_000_000)  # deflates about 1000:1
    found = run_import(
        course,
        [
            (member(f"mallory_{NOTEBOOK}"), bomb),
            (member("eve.zip"), make_zip([(member(NOTEBOOK), bomb)])),
        ],
    )
    assert found["mallory"].codes[0] == "classroom.zip_bomb"
    assert found["eve"].codes[0] == "classroom.zip_bomb"
    assert not submitted(course, "mallory").exists()
    assert re.search(r"\d{3,} times", found["eve"].problems[0].message)


def test_oversized_member_is_refused_by_its_declared_size(course):
    found = run_import(
        course,
        [(member(f"mallory_{NOTEBOOK}"), os.urandom(30_000))],
        max_file_bytes=20_000,
    )
    (problem, *_) = found["mallory"].problems
    assert problem.code == "classroom.zip_too_large"
    assert "30.0 kB" in problem.message


def test_member_lying_about_its_size_is_read_only_to_the_declared_size(
    course, tmp_path
):
    """A header declaring 100 bytes for 50 kB of data: reading stops, CRC fails."""
    data = make_zip([(member(f"mallory_{NOTEBOOK}"), bytes(50_000))])
    blob = bytearray(data)
    local = blob.index(b"PK\x03\x04")
    central = blob.index(b"PK\x01\x02")
    struct.pack_into("<I", blob, local + 22, 100)
    struct.pack_into("<I", blob, central + 24, 100)
    zip_path = tmp_path / "lying.zip"
    zip_path.write_bytes(bytes(blob))
    (sub,) = import_lms_zip(course, zip_path, assignment="a1")
    assert sub.codes[0] == "classroom.zip_unreadable"
    assert not (submitted(course, "mallory") / NOTEBOOK).exists()


@pytest.mark.parametrize(
    "inner",
    [
        [(member(f"a1\\{NOTEBOOK}"), b"{}")],  # a backslash is no zip separator
        [(member("a1"), b"x"), (member(f"a1/{NOTEBOOK}"), b"{}")],  # file and folder
        [(member("._a1"), b"x"), (member(f"._a1/{NOTEBOOK}"), b"{}")],  # junk too
    ],
)
def test_per_student_zip_with_clashing_names_is_refused(course, inner):
    found = run_import(course, [(member("mallory.zip"), make_zip(inner))])
    assert found["mallory"].codes[0] == "classroom.zip_unsafe_name"
    assert not submitted(course, "mallory").exists()


def test_zip_bomb_under_one_megabyte_is_refused(course):
    found = run_import(
        course, [(member("eve.zip"), make_zip([(member(NOTEBOOK), bytes(500_000))]))]
    )
    assert found["eve"].codes[0] == "classroom.zip_bomb"


def test_link_among_macos_resource_forks_refuses_the_student_zip(course):
    link = member(f"__MACOSX/._{NOTEBOOK}", mode=stat.S_IFLNK | 0o777)
    inner = make_zip([(member(NOTEBOOK), nb("eve")), (link, b"/etc/passwd")])
    found = run_import(course, [(member("eve.zip"), inner)])
    assert found["eve"].codes[0] == "classroom.zip_link"


def test_macos_resource_forks_are_never_unpacked(course, caplog):
    inner = make_zip(
        [
            (member(NOTEBOOK), nb("eve")),
            (member(f"__MACOSX/._{NOTEBOOK}"), b"\0\5"),
            (member("__MACOSX/extra.ipynb"), nb("junk")),
        ]
    )
    with caplog.at_level(logging.INFO, logger=intake.__name__):
        found = run_import(
            course,
            [
                (member(f"alice_{NOTEBOOK}"), nb("alice")),
                (member(f"__MACOSX/._alice_{NOTEBOOK}"), b"\0\5\26\7"),
                (member(f"__MACOSX/._bob_{NOTEBOOK}"), bytes(5_000_000)),  # a bomb
                (member("eve.zip"), inner),
            ],
        )
    assert sorted(found) == ["alice", "eve"]
    assert all(submission.problems == [] for submission in found.values())
    assert sorted(p.name for p in submitted(course, "eve").iterdir()) == [
        NOTEBOOK,
        "timestamp.txt",
    ]
    assert "skipped __MACOSX" not in caplog.text
    assert f"refused __MACOSX/._bob_{NOTEBOOK}" in caplog.text


def test_unknown_compression_method_is_refused_before_unpacking(course, tmp_path):
    blob = bytearray(make_zip([(member(f"mallory_{NOTEBOOK}"), nb("x"))]))
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        struct.pack_into("<H", blob, blob.index(signature) + offset, 99)
    zip_path = tmp_path / "aes.zip"
    zip_path.write_bytes(bytes(blob))
    (sub,) = import_lms_zip(course, zip_path, assignment="a1")
    assert sub.codes[0] == "classroom.zip_unreadable"
    assert "compressed with a method" in sub.problems[0].message
    assert not (submitted(course, "mallory") / NOTEBOOK).exists()


def test_per_student_zip_with_too_many_members(course):
    many = make_zip([(member(f"f{i}.txt"), b"x") for i in range(30)])
    found = run_import(course, [(member("mallory.zip"), many)], max_members=10)
    assert found["mallory"].codes[0] == "classroom.zip_too_many"


def test_encrypted_member_is_refused(course, tmp_path):
    blob = bytearray(make_zip([(member(f"mallory_{NOTEBOOK}"), nb("x"))]))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = blob.index(signature) + offset
        struct.pack_into("<H", blob, at, struct.unpack_from("<H", blob, at)[0] | 1)
    zip_path = tmp_path / "encrypted.zip"
    zip_path.write_bytes(bytes(blob))
    (sub,) = import_lms_zip(course, zip_path, assignment="a1")
    assert sub.codes[0] == "classroom.zip_unreadable"
    assert "password" in sub.problems[0].message


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_download_declaring_too_much_or_repeating_names_is_refused(course):
    with pytest.raises(ValueError, match="declares more than"):
        run_import(
            course,
            [(member(f"s{i}_{NOTEBOOK}"), bytes(600)) for i in range(3)],
            max_archive_bytes=1000,
        )
    with pytest.raises(ValueError, match="twice"):
        run_import(
            course,
            [
                (member(f"alice_{NOTEBOOK}"), nb("1")),
                (member(f"alice_{NOTEBOOK}"), nb("2")),
            ],
        )
    assert list((course / "submitted").iterdir()) == []


def test_not_a_zip(course, tmp_path):
    (tmp_path / "x.zip").write_text("hello")
    with pytest.raises(ValueError, match="not a readable zip"):
        import_lms_zip(course, tmp_path / "x.zip", assignment="a1")


def test_unsafe_student_ids_from_a_custom_regexp_are_skipped(course):
    regexp = r"(?P<student_id>[^/]+)/(?P<file_id>[^/]+\.ipynb)$"
    found = run_import(
        course,
        [
            (member(f"x/.hidden/{NOTEBOOK}"), nb("x")),
            (member(f"alice/{NOTEBOOK}"), nb("a")),
        ],
        named_regexp=r"^(?:x/)?" + regexp,
    )
    assert sorted(found) == ["alice"]
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["alice"]


# -- LMS zips and existing submissions ---


def import_one(course, marker, when, **options):
    return run_import(
        course, [(member(f"alice_{NOTEBOOK}", when=when), nb(marker))], **options
    )["alice"]


def test_newer_download_replaces_an_older_submission(course):
    submit(
        course, "alice", stamp="2026-11-20 10:00:00.000000 UTC", text=nb("old").decode()
    )
    (submitted(course, "alice") / "stale.txt").write_text("from the old one")
    sub = import_one(course, "new", (2026, 11, 24, 10, 0, 0))
    assert sub.timestamp == datetime(2026, 11, 24, 10, 0)
    assert "new" in (submitted(course, "alice") / NOTEBOOK).read_text()
    assert not (submitted(course, "alice") / "stale.txt").exists()
    assert read_timestamp(submitted(course, "alice")) == datetime(2026, 11, 24, 10, 0)
    leftovers = [
        p.name for p in (course / "submitted").iterdir() if p.name.startswith(".")
    ]
    assert leftovers == []


def test_older_download_never_replaces_a_newer_submission(course, caplog):
    submit(
        course,
        "alice",
        stamp="2026-11-30 10:00:00.000000 UTC",
        text=nb("newest").decode(),
    )
    with caplog.at_level(logging.WARNING, logger=intake.__name__):
        sub = import_one(course, "older", (2026, 11, 24, 10, 0, 0))
    assert "newest" in (submitted(course, "alice") / NOTEBOOK).read_text()
    assert sub.timestamp == datetime(2026, 11, 30, 10, 0)
    assert "kept the existing submission of alice/a1" in caplog.text


def test_existing_submission_without_timestamp_is_kept_unless_forced(course, caplog):
    submit(course, "alice", stamp=None, text=nb("unknown").decode())
    with caplog.at_level(logging.WARNING, logger=intake.__name__):
        import_one(course, "download", (2026, 11, 24, 10, 0, 0))
    assert "unknown" in (submitted(course, "alice") / NOTEBOOK).read_text()
    assert "no readable timestamp" in caplog.text
    import_one(course, "download", (2026, 11, 24, 10, 0, 0), force=True)
    assert "download" in (submitted(course, "alice") / NOTEBOOK).read_text()


def test_reimporting_the_same_download_is_idempotent(course):
    first = import_one(course, "same", (2026, 11, 24, 10, 0, 0))
    second = import_one(course, "same", (2026, 11, 24, 10, 0, 0))
    assert first == second
    assert [p.name for p in (course / "submitted").iterdir()] == ["alice"]


def test_explicit_timestamp_argument_wins(course):
    sub = import_one(
        course, "x", (2026, 11, 24, 10, 0, 0), timestamp=datetime(2027, 1, 1, 8, 0)
    )
    assert sub.timestamp == datetime(2027, 1, 1, 8, 0)
    assert read_timestamp(sub.folder) == datetime(2027, 1, 1, 8, 0)


def test_entries_that_match_no_student_are_skipped_notebooks_with_a_warning(
    course, caplog
):
    caplog.set_level("INFO", logger="outputsaving.classroom.intake")
    found = run_import(
        course,
        [
            (member(f"alice_{NOTEBOOK}"), nb("a")),
            (member("_instructions.ipynb"), nb("x")),
            (member("alice_output/labels.tif"), b"II*\x00"),
        ],
    )
    assert sorted(found) == ["alice"]
    ours = [r for r in caplog.records if r.name == "outputsaving.classroom.intake"]
    warnings = [r.getMessage() for r in ours if r.levelname == "WARNING"]
    assert warnings == [
        "skipped _instructions.ipynb: no student and notebook in its name"
    ]
    infos = [r.getMessage() for r in ours if r.levelname == "INFO"]
    assert any("alice_output/labels.tif" in text for text in infos)


# -- Moodle's downloads: nobody lost (the table of the module docstring) ---


def moodle(name: str, participant: int) -> str:
    """Moodle's entry (a folder each, the default since 3.1)."""
    return f"{name}_{participant}_assignsubmission_file/{NOTEBOOK}"


def write_worksheet(path: Path, rows, *, username: bool = False) -> Path:
    """Moodle's grading worksheet: Identifier, Full name, identity, grade columns."""
    header = ["Identifier", "Full name", "Email address"]
    header += ["Username"] if username else []
    header += ["Status", "Grade", "Maximum Grade", "Last modified (grade)"]
    lines = [",".join(header)]
    for row in rows:
        values = [f"Participant {row[0]}", *row[1:]]
        lines.append(",".join([*values, "Submitted for grading", "", "10.00", "-"]))
    path.write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


@pytest.fixture
def roster_url(tmp_path) -> str:
    """A gradebook made with nbgrader's API whose roster has two Kim Lees, a Dan."""
    from nbgrader.api import Gradebook

    url = f"sqlite:///{tmp_path / 'roster.db'}"
    with Gradebook(url, "course") as gradebook:
        for student, email in [
            ("klee1", "kim.lee@uni.example"),
            ("klee2", "klee2@uni.example"),
        ]:
            gradebook.add_student(
                student, first_name="Kim", last_name="Lee", email=email
            )
        gradebook.add_student(
            "dsmith", first_name="Dan", last_name="Smith", email="dan@uni.example"
        )
    return url


@pytest.fixture
def roster(roster_url):
    from outputsaving.classroom.lms import read_roster

    return read_roster(roster_url, "course")


def import_with_ledger(course, members, **options):
    ledger: list[lms_zip.EntryFate] = []
    found = run_import(course, members, ledger=ledger, **options)
    return found, {fate.entry: fate for fate in ledger}


@pytest.mark.parametrize("names", [("Kim Lee", "Kim Lee"), ("Participant",) * 2])
def test_moodle_full_names_without_a_worksheet_are_listed_not_merged(
    course, names, caplog
):
    entries = [moodle(names[0], 111), moodle(names[1], 222)]
    found, fates = import_with_ledger(
        course, [(member(e), nb_of(str(i))) for i, e in enumerate(entries)]
    )
    assert found == {}
    assert not (course / "submitted" / names[0]).exists()
    for entry, participant in zip(entries, ("111", "222"), strict=True):
        assert fates[entry].fate == "skipped"
        assert fates[entry].student == ""
        assert f"participant {participant}" in fates[entry].reason
        assert "--moodle-worksheet FILE" in fates[entry].reason
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert all(entry in logged for entry in entries)


@pytest.mark.parametrize(
    "entries",
    [
        (moodle("kimlee", 111), moodle("kimlee", 222)),
        (f"leekim_98765_1_{NOTEBOOK}", f"leekim_98766_2_{NOTEBOOK}"),
    ],
)
def test_two_learners_mapping_to_one_id_are_listed_and_neither_graded(
    course, entries, caplog
):
    student = entries[0].split("_")[0]
    found, fates = import_with_ledger(
        course, [(member(e), nb_of(str(i))) for i, e in enumerate(entries)]
    )
    assert found == {}
    assert not (course / "submitted" / student).exists()
    for entry in entries:
        assert (fates[entry].fate, fates[entry].student) == ("skipped", "")
        reason = fates[entry].reason
        assert f"2 learners of the download map to the one student id '{student}'" in (
            reason
        )
        assert all(e in reason for e in entries)
        assert "give each their own id" in reason
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(all(e in w for e in entries) for w in warnings)


def test_one_learners_two_files_are_still_one_submission(course):
    """Same Canvas user id (or Moodle participant), two files: one learner."""
    found, _ = import_with_ledger(
        course,
        [
            (member(f"leekim_98765_1_{NOTEBOOK}"), nb_of("lee")),
            (member(f"leekim_98765_2_{NOTEBOOK[:-6]}-1.ipynb"), nb_of("lee again")),
        ],
    )
    assert sorted(found) == ["leekim"]


def test_moodle_ids_are_mapped_through_the_worksheet_and_roster(course, roster, caplog):
    sheet = write_worksheet(
        course.parent / "worksheet.csv",
        [
            ("111", "Kim Lee", "Kim.Lee@uni.example", "kimlee"),
            ("222", "Kim Lee", "klee2@uni.example", "kimlee2"),
            ("333", "Dan Smith", "dan.smith@elsewhere.example", "dsmith"),
            ("444", "Ann Other", "ann@uni.example", "aother"),
        ],
        username=True,
    )
    participants = map_participants(
        read_worksheet(sheet), roster, source="the worksheet worksheet.csv"
    )
    entries = {
        moodle("Kim Lee", 111): "first kim",
        moodle("Kim Lee", 222): "second kim",
        moodle("Dan Smith", 333): "dan",
        moodle("Ann Other", 444): "ann",
        moodle("Zed Unknown", 555): "zed",
    }
    found, fates = import_with_ledger(
        course,
        [(member(e), nb_of(marker)) for e, marker in entries.items()],
        participants=participants,
        roster=[s.id for s in roster],
    )
    assert sorted(found) == ["dsmith", "klee1", "klee2"]
    for student, marker in [
        ("klee1", "first kim"),
        ("klee2", "second kim"),
        ("dsmith", "dan"),
    ]:
        assert found[student].problems == []
        assert marker in (submitted(course, student) / NOTEBOOK).read_text()
    assert participants.students == {
        "111": ("klee1", "by email Kim.Lee@uni.example"),
        "222": ("klee2", "by email klee2@uni.example"),
        "333": ("dsmith", "by dsmith in the worksheet worksheet.csv"),
    }
    assert [fates[e].student for e in list(entries)[:3]] == ["klee1", "klee2", "dsmith"]
    ann = fates[moodle("Ann Other", 444)]
    assert (ann.fate, ann.student) == ("skipped", "")
    assert "on no roster student" in ann.reason
    assert "nbgrader db student import" in ann.reason
    zed = fates[moodle("Zed Unknown", 555)]
    assert (zed.fate, zed.student) == ("skipped", "")
    assert "not in the worksheet worksheet.csv" in zed.reason
    assert "worksheet of this same assignment" in zed.reason
    assert not (course / "submitted" / "Kim Lee").exists()


def test_a_file_that_is_not_a_moodle_worksheet_is_refused_saying_what_it_has(
    tmp_path,
):
    canvas = tmp_path / "grades.csv"
    canvas.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n")
    with pytest.raises(ValueError, match="expected Moodle's grading worksheet") as e:
        read_worksheet(canvas)
    assert "Student, ID, SIS User ID" in str(e.value)


def test_the_intake_table_lists_every_moodle_entry_with_its_fate(
    course, roster_url, tmp_path
):
    """The engine's import: the gradebook's roster and the worksheet in,
    ``intake.tsv`` out."""
    from outputsaving.classroom.engine import _import_zip

    zip_path = tmp_path / "moodle.zip"
    make_zip(
        [
            (member(moodle("Kim Lee", 111)), nb_of("first kim")),
            (member(moodle("Kim Lee", 222)), nb_of("second kim")),
            (member(moodle("Ann Other", 444)), nb_of("ann")),
        ],
        zip_path,
    )
    sheet = write_worksheet(
        tmp_path / "ws.csv",
        [
            ("111", "Kim Lee", "kim.lee@uni.example"),
            ("222", "Kim Lee", "klee2@uni.example"),
        ],
    )
    reports = tmp_path / "reports"
    imported, _ = _import_zip(
        course, zip_path, "a1", reports, worksheet=sheet, db_url=roster_url
    )
    assert sorted(s.student for s in imported) == ["klee1", "klee2"]
    rows = [
        line.split("\t") for line in (reports / "intake.tsv").read_text().splitlines()
    ]
    by_entry = {row[0]: row for row in rows[1:]}
    assert by_entry[moodle("Kim Lee", 111)][1:3] == ["imported", "klee1"]
    assert by_entry[moodle("Kim Lee", 222)][1:3] == ["imported", "klee2"]
    ann = by_entry[moodle("Ann Other", 444)]
    assert ann[1:3] == ["skipped", ""]
    assert "not in the worksheet ws.csv" in ann[4]
    # Each Kim Lee's participant id of a1, kept for Moodle's feedback upload.
    from outputsaving.classroom.lms import read_moodle_folders

    assert read_moodle_folders(reports, "a1") == {
        "klee1": ("111", "Kim Lee"),
        "klee2": ("222", "Kim Lee"),
    }


def test_grade_refuses_a_worksheet_without_a_zip_and_an_unreadable_one(
    course, tmp_path, capsys
):
    from outputsaving import cli

    sheet = tmp_path / "ws.csv"
    sheet.write_text("Student,ID\n")
    args = ["grade", "--course", str(course), "--no-progress"]
    assert cli.main([*args, "--moodle-worksheet", str(sheet)]) == cli.USAGE_ERROR
    assert "--moodle-worksheet needs --zip" in capsys.readouterr().err
    zip_path = tmp_path / "moodle.zip"
    make_zip([(member(moodle("Kim Lee", 111)), nb_of("kim"))], zip_path)
    status = cli.main(
        [
            *args,
            *("--zip", str(zip_path), "--zip-assignment", "a1"),
            *("--moodle-worksheet", str(sheet)),
        ]
    )
    err = capsys.readouterr().err
    assert status != 0
    assert "Traceback" not in err
    assert f"the Moodle worksheet {sheet} was not read" in err
    assert "expected Moodle's grading worksheet" in err
    assert not (course / "submitted" / "Kim Lee").exists()


def test_a_moodle_zip_graded_without_its_worksheet_says_to_pass_it(
    course, tmp_path, capsys
):
    """Nothing maps: the run stops naming --moodle-worksheet, not 'not a download'."""
    from outputsaving import cli

    zip_path = tmp_path / "moodle.zip"
    entries = [moodle("Kim Lee", 111), moodle("Dan Smith", 222)]
    make_zip([(member(e), nb_of(e)) for e in entries], zip_path)
    status = cli.main(
        [
            *("grade", "--course", str(course), "--no-progress"),
            *("--zip", str(zip_path), "--zip-assignment", "a1"),
        ]
    )
    err = capsys.readouterr().err
    assert status == cli.USAGE_ERROR
    assert "Traceback" not in err
    assert "holds 2 entries named by Moodle" in err
    assert "--moodle-worksheet FILE" in err
    table = (course / "reports" / "intake.tsv").read_text()
    assert all(f"{e}\tskipped\t" in table for e in entries)


@pytest.mark.nbgrader
@pytest.mark.sandbox
def test_a_class_run_grades_two_moodle_namesakes_as_their_own_students(
    tmp_path, unsafe
):
    """The one end-to-end run: each Kim Lee gets their own grade, and
    ``intake.tsv`` says how each entry ended."""
    from answer_catalogue import QUIZ_RIGHT
    from nbgrader.api import Gradebook
    from nbgrader_course import REPO, Course, with_answers

    from outputsaving.classroom.engine import grade_class

    quiz = "quiz"
    course = Course.copy_of_repo(tmp_path, assignments=[quiz])
    (released,) = (REPO / "notebooks" / quiz).glob("*.ipynb")
    answered = with_answers(nbformat.read(released, as_version=4), QUIZ_RIGHT)
    url = f"sqlite:///{course.root / 'gradebook.db'}"
    with Gradebook(url, "output-saving") as gradebook:
        gradebook.add_student("klee1", email="kim.lee@uni.example")
        gradebook.add_student("klee2", email="klee2@uni.example")
    first = f"Kim Lee_111_assignsubmission_file/{released.name}"
    second = f"Kim Lee_222_assignsubmission_file/{released.name}"
    zip_path = tmp_path / "moodle.zip"
    make_zip(
        [
            (member(first), nbformat.writes(answered).encode()),
            (member(second), released.read_bytes()),
        ],
        zip_path,
    )
    sheet = write_worksheet(
        tmp_path / "worksheet.csv",
        [
            ("111", "Kim Lee", "kim.lee@uni.example"),
            ("222", "Kim Lee", "klee2@uni.example"),
        ],
    )
    result = grade_class(
        course.root,
        zip_path=zip_path,
        zip_assignment=quiz,
        moodle_worksheet=sheet,
        workers=1,
        unsafe=unsafe,
        progress=False,
        stream=io.StringIO(),
    )
    ended = {o.student: o for o in result.outcomes}
    assert sorted(ended) == ["klee1", "klee2"]
    assert ended["klee1"].score == ended["klee1"].max_score > 0
    assert ended["klee2"].score < ended["klee1"].score
    table = (course.root / "reports" / "intake.tsv").read_text().splitlines()
    rows = {line.split("\t")[0]: line.split("\t") for line in table[1:]}
    assert rows[first][1:3] == ["imported", "klee1"]
    assert rows[second][1:3] == ["imported", "klee2"]
    assert rows[first][5] == rows[second][5] == "graded"
