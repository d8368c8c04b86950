"""What plain nbgrader 0.9.6 does with the honest accidents that grading repairs.

The catalogue's ``repair`` cases are graded by ``nbgrader autograde`` itself,
in a copy of the course: this shows what ``outputsaving grade`` fixes
(:mod:`test_fairness` grades the same submissions with it). Plain nbgrader
refuses a notebook with a duplicated ``grade_id`` (its ``DeduplicateIds``
empties the earlier cell's metadata, then calls it "an old version of the
nbgrader metadata format") or with a test cell's ``grade``/``solution`` flag
changed ("Inconsistent checksums"); it gives 0 for a deleted test cell; it
repairs edited points, a test cell turned into markdown and moved blocks.
"""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from fairness_catalogue import BY_NAME, CASES, build_case, deserved_scores
from nbgrader_course import REPO, Course, environment

pytestmark = [pytest.mark.linux, pytest.mark.nbgrader]

REPAIRS = [case for case in CASES if case.principle == "repair"]


def _release(assignment: str):
    (path,) = (REPO / "notebooks" / assignment).glob("*.ipynb")
    return nbformat.read(path, as_version=4)


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """The repair cases autograded by plain nbgrader; ``(course, logs)``."""
    course = Course.copy_of_repo(tmp_path_factory.mktemp("plain"))
    assignments = sorted({case.assignment for case in REPAIRS})
    for assignment in assignments:
        course.generate(assignment)
    answers = {a: course.solution_answers(a) for a in assignments}
    for case in REPAIRS:
        notebook, files = build_case(
            case, _release(case.assignment), answers[case.assignment]
        )
        course.submit(case.name, case.assignment, notebook, files=files)
    logs = {}
    for case in REPAIRS:
        # One student at a time, so that each one's log is its own.
        done = subprocess.run(
            [
                *(sys.executable, "-m", "nbgrader", "autograde", case.assignment),
                *("--student", case.name, "--force"),
            ],
            cwd=course.root,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        logs[case.name] = done.stdout + done.stderr
    return course, logs


def _graded(course: Course, case) -> dict[str, float] | None:
    scores = course.scores(case.assignment).get(case.name)
    return None if scores is None else {k: v.score for k, v in scores.items()}


@pytest.mark.parametrize(
    "name",
    [
        "dup_answer_later_right",
        "dup_answer_later_wrong",
        "dup_test_cell",
        "dup_answer_table",
    ],
)
def test_plain_nbgrader_refuses_a_duplicated_grade_id(plain, name):
    course, logs = plain
    assert "old version of the nbgrader metadata format" in " ".join(logs[name].split())
    scores = _graded(course, BY_NAME[name]) or {}
    assert not any(scores.values())  # an honest notebook: 0 or no grade at all


@pytest.mark.parametrize("name", ["grade_flag_edited", "solution_flag_edited"])
def test_plain_nbgrader_fails_on_a_changed_grade_or_solution_flag(plain, name):
    _, logs = plain
    assert "Inconsistent checksums" in logs[name]


def test_plain_nbgrader_gives_0_for_a_deleted_test_cell(plain):
    course, _ = plain
    scores = _graded(course, BY_NAME["test_deleted"])
    assert scores["quiz_q3_jpeg"] == 0
    assert deserved_scores(BY_NAME["test_deleted"])["quiz_q3_jpeg"] == 1


@pytest.mark.parametrize("name", ["points_edited", "test_to_markdown", "block_moved"])
def test_plain_nbgrader_already_repairs_points_cell_type_and_moved_blocks(plain, name):
    course, _ = plain
    case = BY_NAME[name]
    assert _graded(course, case) == deserved_scores(case)


def test_outputsaving_grade_fixes_what_plain_nbgrader_gets_wrong(plain):
    """The summary: every repair case plain nbgrader does not grade as deserved."""
    course, _ = plain
    wrong = {
        case.name for case in REPAIRS if _graded(course, case) != deserved_scores(case)
    }
    assert {
        "dup_answer_later_right",
        "dup_answer_later_wrong",
        "dup_test_cell",
        "dup_answer_table",
        "grade_flag_edited",
        "solution_flag_edited",
        "test_deleted",
    } <= wrong
