"""The class flow through nbgrader's exchange, on one machine, with real nbgrader.

One instructor and two learners share a machine: the instructor releases
activity 1 into the course's ``exchange/`` folder (``nbgrader_config.py`` puts
the exchange there, since nbgrader's default folder needs root); each learner,
with a home and a working folder of their own, fetches it, writes answers and
submits; the instructor collects the submissions into ``submitted/`` and grades
them with :func:`grade_collected`; feedback goes back the same way.

The learners are the same operating-system user as the instructor here, so
they name themselves with ``--student`` (on a shared server each learner is a
user of their own and nbgrader takes the user name).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader_course import Course, environment, with_answers

ASSIGNMENT = "activity1"
COURSE_ID = "output-saving"
NOTEBOOK = "activity1_save_outputs.ipynb"
TABLE_CELL = "a1_task3_save_table"
TABLE_COMMA = (
    "def save_table(table, output_dir):\n"
    '    path = Path(output_dir) / "results.csv"\n'
    "    table.to_csv(path, index=False)\n"
    "    return path\n"
)
TABLE_CELLS = {"a1_task3_table_tab_visible", "a1_task3_table_fresh_folder_hidden"}

pytestmark = [
    pytest.mark.nbgrader,
    pytest.mark.linux,
    pytest.mark.skipif(
        sys.platform == "win32", reason="nbgrader's exchange does not work on Windows"
    ),
]


def grade_collected(course: Course, assignment: str) -> dict[str, tuple[float, float]]:
    """Grade every collected submission of ``assignment``; return the totals.

    The class-grading step of the flow: ``outputsaving grade`` grades what
    ``nbgrader collect``
    put into ``submitted/`` and returns, per student, ``(score, max_score)``.
    """
    command = [sys.executable, "-m", "outputsaving", "grade"]
    options = ["--course", str(course.root), "--assignment", assignment]
    completed = subprocess.run(
        [*command, *options, "--no-progress"],
        capture_output=True,
        text=True,
        check=False,
        env=environment(),
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return course.totals(assignment)


class Learner:
    """A learner on the instructor's machine: a home and a working folder."""

    def __init__(
        self,
        name: str,
        folder: Path,
        course: Course,
        *,
        assignment: str = ASSIGNMENT,
        notebook: str = NOTEBOOK,
    ) -> None:
        self.name = name
        self.assignment, self.notebook = assignment, notebook
        self.home = folder / "home"
        self.workdir = folder / "work"
        self.workdir.mkdir(parents=True)
        config = self.home / ".jupyter" / "nbgrader_config.py"
        config.parent.mkdir(parents=True)
        # What a learner's machine-wide or user config says (on a JupyterHub:
        # /etc/jupyter/nbgrader_config.py): the course and its exchange.
        config.write_text(
            "c = get_config()  # noqa: F821\n"
            f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
            f"c.Exchange.root = {str(course.root / 'exchange')!r}\n"
            "c.Exchange.path_includes_course = True\n",
            encoding="utf-8",
        )

    def environment(self) -> dict[str, str]:
        env = environment()
        env["HOME"] = str(self.home)
        for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
            env.pop(name, None)
        return env

    def nbgrader(self, *args: str) -> str:
        """Run ``nbgrader <args>`` as this learner; return what it logged."""
        completed = subprocess.run(
            [sys.executable, "-m", "nbgrader", *args],
            cwd=self.workdir,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        output = completed.stdout + completed.stderr
        assert completed.returncode == 0, f"{' '.join(args)} failed:\n{output}"
        return output

    @property
    def assignment_folder(self) -> Path:
        return self.workdir / COURSE_ID / self.assignment

    def answer(self, answers: dict[str, str]) -> None:
        """Write answers into the fetched notebook, as the learner would."""
        path = self.assignment_folder / self.notebook
        notebook = nbformat.read(path, as_version=4)
        nbformat.write(with_answers(notebook, answers), path)


@pytest.fixture(scope="module")
def class_flow(tmp_path_factory):
    """Release, fetch, answer, submit, collect and grade; return the pieces."""
    folder = tmp_path_factory.mktemp("exchange_flow")
    course = Course.copy_of_repo(folder, assignments=[ASSIGNMENT])
    course.generate(ASSIGNMENT)
    logs = {"release": course.nbgrader("release_assignment", ASSIGNMENT).stderr}

    answers = course.solution_answers(ASSIGNMENT)
    learners = {
        name: Learner(name, folder / "learners" / name, course)
        for name in ("ada", "grace")
    }
    for learner in learners.values():
        logs[f"list {learner.name}"] = learner.nbgrader("list")
        learner.nbgrader("fetch_assignment", ASSIGNMENT)
    learners["ada"].answer(answers)
    learners["grace"].answer({**answers, TABLE_CELL: TABLE_COMMA})
    for learner in learners.values():
        learner.nbgrader("submit", ASSIGNMENT, f"--student={learner.name}")

    # One OS user plays every learner here: nbgrader's owner check would warn.
    logs["collect"] = course.nbgrader(
        "collect", ASSIGNMENT, "--CollectApp.check_owner=False"
    ).stderr
    totals = grade_collected(course, ASSIGNMENT)
    return course, learners, totals, logs


def test_exchange_is_a_folder_of_the_course(class_flow):
    course, _, _, logs = class_flow
    released = course.root / "exchange" / COURSE_ID / "outbound" / ASSIGNMENT
    assert (released / NOTEBOOK).is_file()
    assert "/usr/local/share/nbgrader" not in logs["release"]


def test_learners_see_the_released_assignment(class_flow):
    _, learners, _, logs = class_flow
    for learner in learners.values():
        assert f"{COURSE_ID} {ASSIGNMENT}" in logs[f"list {learner.name}"]


def test_fetch_gives_each_learner_the_student_version(class_flow):
    course, learners, _, _ = class_flow
    released = course.student_notebook(ASSIGNMENT)
    for learner in learners.values():
        fetched = learner.assignment_folder / NOTEBOOK
        assert fetched.is_file()
        # No solution or hidden test travelled to the learner.
        text = fetched.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text
        assert "BEGIN HIDDEN TESTS" not in text
        assert len(nbformat.read(fetched, as_version=4).cells) == len(released.cells)


def test_collect_puts_each_submission_in_submitted(class_flow):
    course, learners, _, logs = class_flow
    for name in learners:
        submitted = course.root / "submitted" / name / ASSIGNMENT
        assert (submitted / NOTEBOOK).is_file()
        assert (submitted / "timestamp.txt").is_file()
        assert f"Collecting submission: {name} {ASSIGNMENT}" in logs["collect"]


def test_grading_scores_the_collected_submissions(class_flow):
    course, _, totals, _ = class_flow
    assert set(totals) == {"ada", "grace"}
    assert totals["ada"] == (20.0, 20.0)
    scores = course.scores(ASSIGNMENT)
    lost = {grade for grade, outcome in scores["grace"].items() if not outcome.full}
    assert lost == TABLE_CELLS


def test_feedback_goes_back_through_the_exchange(class_flow):
    course, learners, _, _ = class_flow
    course.generate_feedback(ASSIGNMENT)
    course.nbgrader("release_feedback", ASSIGNMENT)
    grace = learners["grace"]
    grace.nbgrader("fetch_feedback", ASSIGNMENT, f"--student={grace.name}")
    feedback = sorted((grace.assignment_folder / "feedback").glob("*/*.html"))
    assert feedback, "no feedback fetched"
    text = feedback[-1].read_text(encoding="utf-8")
    assert "separated by commas" in text
    assert "BEGIN HIDDEN TESTS" not in text
    assert os.path.commonpath([feedback[-1], grace.workdir]) == str(grace.workdir)
