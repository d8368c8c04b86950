"""Feedback back to the learners (issue 19, section 1).

The grader's feedback folders keep the submission's ``timestamp.txt`` and
``submission_secret.txt`` (what nbgrader's release_feedback reads), and
``outputsaving release-feedback`` releases through the exchange the learners
who submitted through it, skipping with a line each the others (an LMS zip,
a folder copied in by hand). The seam tests run in milliseconds; one test
drives the real exchange: two learners submit through it, a third
submission is copied in by hand, ``outputsaving grade``, the course's release
step, and both exchange learners fetch their page.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from nbgrader_course import Course, environment, with_answers

from outputsaving.classroom.feedback import copy_release_files
from outputsaving.classroom.release import feedback_to_release

ASSIGNMENT = "activity1"
SECRET = "submission_secret.txt"


def _submission(folder: Path, *, secret: bool) -> Path:
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text("2026-11-24 10:00:00.000000 UTC")
    if secret:
        (folder / SECRET).write_text("ab" * 64)
    return folder


def _feedback(course: Path, student: str, *, secret: bool) -> Path:
    folder = course / "feedback" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / "page.html").write_text("<html></html>")
    submitted = _submission(course / "submitted" / student / ASSIGNMENT, secret=secret)
    copy_release_files(submitted, folder)
    return folder


def test_the_secret_is_copied_beside_the_page_for_the_instructor_alone(tmp_path):
    folder = _feedback(tmp_path, "ada", secret=True)
    assert (folder / SECRET).read_text() == "ab" * 64
    assert (folder / "timestamp.txt").is_file()
    assert (folder / SECRET).stat().st_mode & 0o077 == 0


def test_a_submission_without_a_secret_leaves_none_and_removes_an_old_one(tmp_path):
    folder = tmp_path / "feedback"
    folder.mkdir()
    (folder / SECRET).write_text("from an earlier submission")
    copy_release_files(_submission(tmp_path / "submitted", secret=False), folder)
    assert not (folder / SECRET).exists()
    assert (folder / "timestamp.txt").is_file()


def test_the_release_plan_skips_folders_without_the_secret(tmp_path):
    _feedback(tmp_path, "ada", secret=True)
    _feedback(tmp_path, "hal", secret=False)
    (tmp_path / "feedback" / "empty" / ASSIGNMENT).mkdir(parents=True)  # no page
    plan = feedback_to_release(tmp_path, ASSIGNMENT)
    assert plan.released == ["ada"]
    assert plan.skipped == {"hal": SECRET}


def _release(course: Path, assignment: str = ASSIGNMENT):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "outputsaving",
            "release-feedback",
            assignment,
            "--course",
            str(course),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=environment(),
        timeout=600,
    )


def test_no_feedback_at_all_is_one_line_and_exit_2(tmp_path, capsys):
    from outputsaving.cli import main

    status = main(["release-feedback", ASSIGNMENT, "--course", str(tmp_path)])
    error = capsys.readouterr().err
    assert status == 2
    assert "run outputsaving grade first" in error
    assert len(error.strip().splitlines()) == 1


@pytest.mark.nbgrader
@pytest.mark.slow  # nbgrader's release_feedback, run for real
def test_a_failed_nbgrader_release_is_one_line_and_exit_1(tmp_path, capsys):
    """A folder without nbgrader_config.py: nbgrader's default exchange."""
    from outputsaving.cli import main

    _feedback(tmp_path, "ada", secret=True)
    status = main(["release-feedback", ASSIGNMENT, "--course", str(tmp_path)])
    error = capsys.readouterr().err
    assert status == 1
    assert "nbgrader release_feedback activity1 failed" in error
    assert "Unwritable directory" in error or "course id" in error
    assert len(error.strip().splitlines()) == 1


@pytest.mark.nbgrader
@pytest.mark.linux
@pytest.mark.slow
@pytest.mark.skipif(
    sys.platform == "win32", reason="nbgrader's exchange does not work on Windows"
)
def test_exchange_learners_fetch_their_feedback_and_a_hand_copy_is_skipped(
    tmp_path,
):
    from test_exchange_flow import NOTEBOOK, Learner, grade_collected

    course = Course.copy_of_repo(tmp_path, assignments=[ASSIGNMENT])
    course.generate(ASSIGNMENT)
    course.nbgrader("release_assignment", ASSIGNMENT)
    answers = course.solution_answers(ASSIGNMENT)
    learners = [
        Learner(name, tmp_path / "learners" / name, course) for name in ("ada", "grace")
    ]
    for learner in learners:
        learner.nbgrader("fetch_assignment", ASSIGNMENT)
        learner.answer(answers)
        learner.nbgrader("submit", ASSIGNMENT, f"--student={learner.name}")
    course.nbgrader("collect", ASSIGNMENT, "--CollectApp.check_owner=False")
    # A third learner's notebook, copied into submitted/ by hand: no secret.
    course.submit(
        "hal", ASSIGNMENT, with_answers(course.student_notebook(ASSIGNMENT), answers)
    )

    totals = grade_collected(course, ASSIGNMENT)
    assert set(totals) == {"ada", "grace", "hal"}
    feedback = course.root / "feedback"
    for learner in learners:
        assert (feedback / learner.name / ASSIGNMENT / SECRET).is_file()
    assert not (feedback / "hal" / ASSIGNMENT / SECRET).exists()

    completed = _release(course.root)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    skipped = [line for line in completed.stdout.splitlines() if "not released" in line]
    assert len(skipped) == 1, output
    assert skipped[0].startswith(f"hal/{ASSIGNMENT}: ")
    assert SECRET in skipped[0]
    assert "LMS" in skipped[0]
    assert "released for 2 learners (ada, grace)" in completed.stdout
    # hal's page is in the zip for the LMS that the line names.
    lms_zip = course.root / "reports" / f"feedback_{ASSIGNMENT}.zip"
    assert str(lms_zip) in skipped[0]
    with zipfile.ZipFile(lms_zip) as archive:
        assert f"hal/{Path(NOTEBOOK).stem}.html" in archive.namelist()

    page = Path(NOTEBOOK).with_suffix(".html").name
    for learner in learners:
        learner.nbgrader("fetch_feedback", ASSIGNMENT, f"--student={learner.name}")
        fetched = sorted((learner.assignment_folder / "feedback").glob(f"*/{page}"))
        assert fetched, f"{learner.name} fetched no feedback"
        assert "BEGIN HIDDEN TESTS" not in fetched[-1].read_text(encoding="utf-8")
