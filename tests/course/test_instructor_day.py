"""The instructor's whole day, end to end, with the real commands (issue 19).

One class of the quiz (the assignment that grades fastest), in a fresh copy
of the course, driven as the README's instructor quick start says:

1. the roster: ``nbgrader db student import roster.csv`` (ada, grace, Kim Lee
   and ned, who hands nothing in);
2. ``nbgrader generate_assignment`` and ``release_assignment``;
3. ada and grace fetch, answer and submit through the course's exchange
   (grace gets question 3 wrong); Kim Lee hands in through Moodle: a
   "Download all submissions" zip (``Kim Lee_111_assignsubmission_file/...``)
   and the assignment's grading worksheet (participant 111, her email);
4. ``nbgrader collect``, then ``outputsaving grade`` with the zip;
5. a manual grade in the gradebook (grace's question 3, as Formgrader saves
   it), then ``outputsaving grade --force``, which keeps it;
6. ``outputsaving release-feedback``, then ``nbgrader fetch_feedback`` by
   both exchange learners;
7. the files for the LMS: ``canvas_grades.csv`` and ``moodle_grades.csv``
   with a row for each of the four (ned's 0), ``feedback_quiz.zip`` with each
   page, Kim Lee's named as Moodle's feedback upload matches it, and
   ``intake.tsv``.

Every assertion is on a real file or the real command's output.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from answer_catalogue import Q3, QUIZ_RIGHT
from nbgrader_course import Course, environment, with_answers
from test_exchange_flow import COURSE_ID, Learner

QUIZ = "quiz"
NOTEBOOK = "quiz_output_saving.ipynb"
PAGE = "quiz_output_saving.html"
Q3_CELL = "quiz_q3_jpeg"  # the graded cell of question 3
MOODLE_FOLDER = "Kim Lee_111_assignsubmission_file"
ROSTER = (
    "id,first_name,last_name,email,lms_user_id\n"
    "ada,Ada,Lovelace,ada@uni.example,1001\n"
    "grace,Grace,Hopper,grace@uni.example,1002\n"
    "klee,Kim,Lee,kim.lee@uni.example,1003\n"
    "ned,Ned,Absent,ned@uni.example,1004\n"
)
WORKSHEET = (
    "\ufeffIdentifier,Full name,Email address,Status,Grade,Maximum Grade\r\n"
    "Participant 111,Kim Lee,kim.lee@uni.example,Submitted for grading,,10.00\r\n"
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.nbgrader,
    pytest.mark.sandbox,
    pytest.mark.linux,
    pytest.mark.skipif(
        sys.platform == "win32", reason="nbgrader's exchange does not work on Windows"
    ),
]


def outputsaving(course: Course, *args: str) -> subprocess.CompletedProcess:
    """``outputsaving <args> --course <course>``; fail with its output if it fails."""
    completed = subprocess.run(
        [sys.executable, "-m", "outputsaving", *args, "--course", str(course.root)],
        capture_output=True,
        text=True,
        check=False,
        env=environment(),
        timeout=1200,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, f"outputsaving {' '.join(args)}:\n{output}"
    return completed


def rows(path: Path) -> dict[str, dict[str, str]]:
    """A CSV's rows by their student id column (nbgrader's id)."""
    with path.open(encoding="utf-8", newline="") as stream:
        table = list(csv.DictReader(stream))
    key = "SIS User ID" if "SIS User ID" in table[0] else "Username"
    return {row[key]: row for row in table}


@pytest.fixture(scope="module")
def day(tmp_path_factory, unsafe):
    """The whole day, run once; returns the course, the learners and the logs."""
    folder = tmp_path_factory.mktemp("instructor_day")
    course = Course.copy_of_repo(folder, assignments=[QUIZ])
    logs = {}

    (course.root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    course.nbgrader("db", "student", "import", "roster.csv")
    course.generate(QUIZ)
    course.nbgrader("release_assignment", QUIZ)

    learners = {
        name: Learner(
            name, folder / "learners" / name, course, assignment=QUIZ, notebook=NOTEBOOK
        )
        for name in ("ada", "grace")
    }
    wrong_q3 = {**QUIZ_RIGHT, Q3: "Q3_JPEG_FOR_LABEL_MASKS = True"}
    for learner, answers in zip(learners.values(), (QUIZ_RIGHT, wrong_q3), strict=True):
        learner.nbgrader("fetch_assignment", QUIZ)
        learner.answer(answers)
        learner.nbgrader("submit", QUIZ, f"--student={learner.name}")
    # One OS user plays every learner here: nbgrader's owner check would warn.
    course.nbgrader("collect", QUIZ, "--CollectApp.check_owner=False")

    # Kim Lee's notebook, as Moodle's "Download all submissions" gives it.
    released = course.student_notebook(QUIZ)
    download = folder / "moodle_download.zip"
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr(
            f"{MOODLE_FOLDER}/{NOTEBOOK}",
            nbformat.writes(with_answers(released, QUIZ_RIGHT)),
        )
    worksheet = folder / "grading_worksheet.csv"
    worksheet.write_text(WORKSHEET, encoding="utf-8")

    options = ["--assignment", QUIZ, "--workers", "2", "--no-progress"]
    options += ["--unsafe"] if unsafe else []
    logs["grade"] = outputsaving(
        course,
        "grade",
        *options,
        "--zip",
        str(download),
        "--zip-assignment",
        QUIZ,
        "--moodle-worksheet",
        str(worksheet),
    )
    logs["totals"] = course.totals(QUIZ)

    # The instructor gives grace question 3's point by hand, as Formgrader does.
    from nbgrader.api import Gradebook

    url = f"sqlite:///{course.root / 'gradebook.db'}"
    with Gradebook(url, COURSE_ID) as gradebook:
        grade = gradebook.find_grade(Q3_CELL, Path(NOTEBOOK).stem, QUIZ, "grace")
        grade.manual_score = grade.max_score
        grade.needs_manual_grade = False
        gradebook.db.commit()
    logs["force"] = outputsaving(course, "grade", *options, "--force")
    logs["release"] = outputsaving(course, "release-feedback", QUIZ)
    for learner in learners.values():
        learner.nbgrader("fetch_feedback", QUIZ, f"--student={learner.name}")
    return course, learners, logs


def test_the_roster_and_both_routes_are_graded(day):
    course, _, logs = day
    totals = logs["totals"]
    assert set(totals) == {"ada", "grace", "klee"}  # ned handed nothing in
    full = totals["ada"][1]
    assert totals["ada"] == totals["klee"] == (full, full)
    assert totals["grace"][0] < full
    intake = (course.root / "reports" / "intake.tsv").read_text(encoding="utf-8")
    (entry,) = [line for line in intake.splitlines() if line.startswith(MOODLE_FOLDER)]
    assert entry.split("\t")[1:3] == ["imported", "klee"]


def test_force_regrades_and_keeps_the_manual_grade(day):
    course, _, logs = day
    output = logs["force"].stdout + logs["force"].stderr
    assert "grace/quiz: kept the manual grades of 1 cell(s)" in output
    totals = course.totals(QUIZ)
    assert course.scores(QUIZ)["grace"][Q3_CELL].full
    # The gradebook's total counts the manual grade; the autograder's did not.
    from nbgrader.api import Gradebook

    url = f"sqlite:///{course.root / 'gradebook.db'}"
    with Gradebook(url, COURSE_ID) as gradebook:
        submission = gradebook.find_submission(QUIZ, "grace")
        assert submission.score == totals["ada"][1]


def test_exchange_learners_fetch_their_feedback_and_kim_lee_is_left_to_the_lms(day):
    _, learners, logs = day
    stdout = logs["release"].stdout
    assert "released for 2 learners (ada, grace)" in stdout
    (skipped,) = [line for line in stdout.splitlines() if "not released" in line]
    assert skipped.startswith(f"klee/{QUIZ}: ")
    for learner in learners.values():
        fetched = sorted((learner.assignment_folder / "feedback").glob(f"*/{PAGE}"))
        assert fetched, f"{learner.name} fetched no feedback"
        text = fetched[-1].read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in text
        assert "Q3_JPEG_FOR_LABEL_MASKS" in text


def test_the_grade_files_have_a_row_for_everyone_on_the_roster(day):
    course, _, logs = day
    reports = course.root / "reports"
    full = f"{logs['totals']['ada'][1]:g}"
    canvas = rows(reports / "canvas_grades.csv")
    moodle = rows(reports / "moodle_grades.csv")
    for table in (canvas, moodle):
        assert sorted(table) == ["ada", "grace", "klee", "ned"]
        # grace's manual grade counts; ned, who handed nothing in, has 0.
        assert [table[s][QUIZ] for s in ("ada", "grace", "klee", "ned")] == [
            full,
            full,
            full,
            "0",
        ]
    assert canvas["klee"]["Student"] == "Lee, Kim"
    assert canvas["klee"]["ID"] == "1003"
    assert moodle["klee"]["Email address"] == "kim.lee@uni.example"
    grades = (reports / "grades.tsv").read_text(encoding="utf-8")
    (ned,) = [line for line in grades.splitlines() if line.startswith("ned\t")]
    assert "no submission" in ned


def test_the_feedback_zip_holds_every_page_kim_lees_as_moodle_matches_it(day):
    """Kim Lee's page in the folder Moodle's feedback upload matches her by:
    her participant id of the quiz, from the download's folder name."""
    course, _, _ = day
    moodle = f"Kim Lee_111_assignfeedback_file/{PAGE}"
    with zipfile.ZipFile(course.root / "reports" / f"feedback_{QUIZ}.zip") as archive:
        names = sorted(archive.namelist())
        assert names == [moodle, f"ada/{PAGE}", f"grace/{PAGE}"]
        assert "BEGIN HIDDEN TESTS" not in archive.read(moodle).decode()


#: What the README tells a JupyterHub whose servers run as one shared user
#: (not ``jovyan``) to put in the learners' nbgrader config.
HUB_CONFIG = (
    "import os\n"
    'if os.environ.get("JUPYTERHUB_USER"):\n'
    '    c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]\n'
)


class HubLearner(Learner):
    """A learner on a JupyterHub server that runs as a shared OS user."""

    def __init__(self, hub_user: str, *args, config: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.hub_user = hub_user
        path = self.home / ".jupyter" / "nbgrader_config.py"
        path.write_text(path.read_text(encoding="utf-8") + config, encoding="utf-8")

    def environment(self) -> dict[str, str]:
        return {**super().environment(), "JUPYTERHUB_USER": self.hub_user}


def test_a_jupyterhub_learner_submits_as_the_hub_user_with_the_readmes_config(
    day, tmp_path
):
    """nbgrader names a submission after the OS user unless that user is
    ``jovyan``: on a hub whose servers run as another shared user, the
    README's config lines make it the hub user."""
    import getpass

    course, _, _ = day
    inbound = course.root / "exchange" / COURSE_ID / "inbound"
    os_user = getpass.getuser()
    if os_user == "jovyan":
        pytest.skip("nbgrader takes JupyterHub's user for jovyan itself")
    for name, config in (("plain", ""), ("configured", HUB_CONFIG)):
        learner = HubLearner(
            f"hub-{name}",
            name,
            tmp_path / name,
            course,
            assignment=QUIZ,
            notebook=NOTEBOOK,
            config=config,
        )
        learner.nbgrader("fetch_assignment", QUIZ)
        learner.nbgrader("submit", QUIZ)
    # Without the lines, the submission is the shared OS user's.
    assert not list(inbound.glob(f"hub-plain+{QUIZ}+*"))
    assert list(inbound.glob(f"{os_user}+{QUIZ}+*"))
    assert list(inbound.glob(f"hub-configured+{QUIZ}+*"))
