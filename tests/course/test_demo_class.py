"""The demo class (scripts/make_demo_class.py): its layout, and a few graded.

One build of the whole class (nbgrader generates the student versions); then
one :func:`grade_class` run of a copy of it grades nine of its submissions:
five quiz ones (right ones, one saved by Colab and one renamed among them, a
partly wrong one and an endless loop) and four whose mistakes the report must
name in words (untouched notebooks, a patched grader, outputs saved to an
absolute folder).
"""

from __future__ import annotations

import importlib.util
import io
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from nbgrader_course import REPO, answer_cell

from outputsaving.classroom.engine import grade_class

pytestmark = [pytest.mark.linux, pytest.mark.nbgrader, pytest.mark.sandbox]

_spec = importlib.util.spec_from_file_location(
    "make_demo_class", REPO / "scripts" / "make_demo_class.py"
)
make_demo_class = importlib.util.module_from_spec(_spec)
sys.modules["make_demo_class"] = make_demo_class
_spec.loader.exec_module(make_demo_class)

NOTEBOOKS = {
    "activity1": "activity1_save_outputs.ipynb",
    "activity2": "activity2_customise_saving.ipynb",
    "quiz": "quiz_output_saving.ipynb",
}
#: quiz variant -> expected total out of 6
QUIZ_TOTALS = {
    "solution": 6,
    "tolerant": 6,
    "two_types_lossless": 4,
    "jpeg_true": 5,
    "one_type_and_wrong_tf": 3,
    "untouched": 0,
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo") / "demo_class"
    manifest = make_demo_class.build_demo_class(folder)
    return folder, manifest


def _student_with(manifest, assignment: str, variant: str) -> str:
    return next(
        student
        for student, row in manifest["students"].items()
        if row[assignment] == variant
    )


def test_the_class_has_every_student_and_assignment(demo):
    folder, manifest = demo
    assert set(manifest["students"]) == set(make_demo_class.STUDENTS)
    assert len(make_demo_class.STUDENTS) == 30
    assert (folder / "nbgrader_config.py").is_file()
    assert not (folder / "gradebook.db").exists()
    for assignment, name in NOTEBOOKS.items():
        assert (folder / "source" / assignment / name).is_file()
        assert (folder / "release" / assignment / name).is_file()
    submitted = sorted((folder / "submitted").glob("*/*/*.ipynb"))
    assert len(submitted) == 30 * 3
    renamed = {(s, a): name for s, a, name in manifest["renamed"]}
    for student in make_demo_class.STUDENTS:
        for assignment, released in NOTEBOOKS.items():
            name = renamed.get((student, assignment), released)
            sub = folder / "submitted" / student / assignment
            planted = manifest["students"][student][assignment] == "planted_summary"
            extra = (
                ["grades_summary.html", "quiz_output_saving.html"] if planted else []
            )
            assert sorted(p.name for p in sub.iterdir()) == sorted(
                [name, "timestamp.txt", *extra]
            )
            stamp = (sub / "timestamp.txt").read_text(encoding="utf-8")
            assert stamp == make_demo_class.TIMESTAMP
    assert json.loads((folder / make_demo_class.MANIFEST).read_text()) == manifest
    assert renamed == {("aiko", "quiz"): "quiz_output_saving (1).ipynb"}
    (elsewhere,) = manifest["saved_elsewhere"]
    saved = folder / "submitted" / elsewhere[0] / elsewhere[1] / NOTEBOOKS["quiz"]
    assert json.loads(saved.read_bytes())["nbformat_minor"] == 0


def test_the_class_holds_mistakes_correct_answers_and_hostile_ones(demo):
    _, manifest = demo
    for assignment, variants in make_demo_class.VARIANTS.items():
        used = Counter(row[assignment] for row in manifest["students"].values())
        assert set(variants) <= set(used), assignment  # every mistake appears
        assert set(make_demo_class.FAIRNESS[assignment]) <= set(used), assignment
        assert used["solution"] >= 10
        assert used["untouched"] >= 1
    hostile = {tuple(pair) for pair in manifest["hostile"]}
    assert len(hostile) == len(make_demo_class.HOSTILE_ANSWERS) == 4
    for student, assignment in hostile:
        assert manifest["students"][student][assignment] in (
            make_demo_class.HOSTILE_ANSWERS
        )


def test_the_class_is_deterministic(demo):
    _, manifest = demo
    assert make_demo_class.plan() == manifest["students"]
    assert list(manifest["students"]) == list(make_demo_class.STUDENTS)


def test_submissions_are_the_student_version_with_answers(demo):
    folder, manifest = demo
    student = _student_with(manifest, "quiz", "jpeg_true")
    notebook = nbformat.read(
        folder / "submitted" / student / "quiz" / NOTEBOOKS["quiz"], as_version=4
    )
    assert answer_cell(notebook, "quiz_q3_answer").source == (
        "Q3_JPEG_FOR_LABEL_MASKS = True"
    )
    assert "interoperable" in answer_cell(notebook, "quiz_q2_answer").source
    assert "BEGIN SOLUTION" not in answer_cell(notebook, "quiz_q2_answer").source
    # The hidden tests are not in the learner's notebook.
    assert "HIDDEN TESTS" not in json.dumps(notebook)


def test_building_refuses_to_replace_a_folder_that_is_not_a_demo_class(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not a demo class"):
        make_demo_class.build_demo_class(tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def _five_quiz_submissions(manifest) -> dict[str, str]:
    """Five quiz submissions: student -> variant.

    Two right notebooks as the world sends them (saved by Colab, renamed),
    one more right one, a partly wrong one and an endless loop.
    """
    (elsewhere,) = [s for s, a, _ in manifest["saved_elsewhere"] if a == "quiz"]
    (renamed,) = [s for s, a, _ in manifest["renamed"] if a == "quiz"]
    assert manifest["students"][elsewhere]["quiz"] == "solution"
    assert manifest["students"][renamed]["quiz"] == "solution"
    return {
        elsewhere: "solution",
        renamed: "solution",
        _student_with(manifest, "quiz", "solution"): "solution",
        _student_with(manifest, "quiz", "two_types_lossless"): "two_types_lossless",
        _student_with(manifest, "quiz", "endless_loop"): "endless_loop",
    }


def _report_submissions(manifest) -> set[tuple[str, str]]:
    """Untouched notebooks, a patched grader, outputs saved to an absolute folder."""
    return {
        (_student_with(manifest, "quiz", "untouched"), "quiz"),
        (_student_with(manifest, "activity2", "untouched"), "activity2"),
        (_student_with(manifest, "activity1", "patch_grader"), "activity1"),
        (_student_with(manifest, "activity1", "output_absolute_missing"), "activity1"),
    }


@pytest.fixture(scope="module")
def graded(demo, tmp_path_factory, unsafe):
    """A copy of the demo class with the submissions of the two tests below only,
    graded by one :func:`grade_class` run.

    Returns ``(folder, result, root_gradebook_mtime_before, after)``. The copy
    starts with the solution run times other copies of the course measured
    in this session (its ``source/`` is the repository's), so that the
    grading runs no solution again when they did.
    """
    from nbgrader_course import share_solution_times

    source, manifest = demo
    root_gradebook = REPO / "gradebook.db"
    before = root_gradebook.stat().st_mtime if root_gradebook.exists() else None
    folder = tmp_path_factory.mktemp("graded") / "class"
    shutil.copytree(source, folder)
    share_solution_times(folder)
    chosen = {(s, "quiz") for s in _five_quiz_submissions(manifest)}
    chosen |= _report_submissions(manifest)
    for path in list((folder / "submitted").glob("*/*")):
        if (path.parent.name, path.name) not in chosen:
            shutil.rmtree(path)
    result = grade_class(
        folder,
        workers=2,
        unsafe=unsafe,
        # The grader's default floor: the endless loop costs that much, and
        # the honest notebooks end far within it (or within three times their
        # solution's run time), also on a loaded machine.
        time_floor=30.0,
        time_factor=3.0,
        feedback=False,
        progress=False,
        stream=io.StringIO(),
    )
    assert {(o.student, o.assignment) for o in result.outcomes} == chosen
    after = root_gradebook.stat().st_mtime if root_gradebook.exists() else None
    return folder, result, before, after


def test_five_quiz_submissions_grade_as_expected(demo, graded):
    _, manifest = demo
    folder, result, before, after = graded
    chosen = _five_quiz_submissions(manifest)
    outcomes = {o.student: o for o in result.outcomes if o.assignment == "quiz"}
    untouched = _student_with(manifest, "quiz", "untouched")  # the report's
    assert set(outcomes) == set(chosen) | {untouched}
    for student, variant in chosen.items():
        outcome = outcomes[student]
        if variant == "endless_loop":
            assert outcome.outcome == "stopped"
            assert "classroom.time_budget" in outcome.mistakes
            assert outcome.score == 3  # question 1 ran before the loop
        else:
            assert outcome.outcome == "graded", outcome.log_line()
            assert outcome.score == QUIZ_TOTALS[variant], student
        assert outcome.max_score == 6
    assert (folder / "gradebook.db").is_file()
    assert result.exports["figure"].is_file()
    assert after == before  # the course's own gradebook is never touched


def test_the_report_names_the_demo_class_mistakes_in_words(demo, graded):
    """Untouched notebooks, audit overrides and outputs saved outside the folder.

    Before, the summary figure named these by a grade_id (``quiz_q1_one_type``)
    or a code (``quiz.types_count``); every label must now be words.
    """
    import re

    from outputsaving.classroom.report import mistake_counts

    _, manifest = demo
    _, result, _, _ = graded
    chosen = _report_submissions(manifest)
    mine = [o for o in result.outcomes if (o.student, o.assignment) in chosen]
    assert {(o.student, o.assignment) for o in mine} == chosen
    labels = mistake_counts(mine)
    code = re.compile(r"\b[a-z][a-z0-9]*\.[a-z_]+[a-z0-9_]*\b")
    grade_id = re.compile(r"\b(?:a\d+_task\d+|quiz_q\d+)")
    # The five quiz submissions' labels (the endless loop's) read as words too.
    for label in mistake_counts(result.outcomes):
        assert not code.search(label), label
        assert not grade_id.search(label), label
    assert any("not done yet" in label for label in labels)  # untouched
    assert any("audit" in label for label in labels)  # the patched grader

    # Outputs saved to an absolute folder: the audit's 0 says why, plainly
    # (the hidden tests give the functions a folder of their own: full marks).
    student = _student_with(manifest, "activity1", "output_absolute_missing")
    (outcome,) = [
        o
        for o in result.outcomes
        if (o.student, o.assignment) == (student, "activity1")
    ]
    assert outcome.grades["a1_task2_mask_fresh_folder_hidden"][0] == 3
    assert outcome.grades["a1_task2_mask_lossless_visible"][0] == 0
    assert outcome.grades["a1_task1_output_dir_hidden"][0] == 0  # not relative


def test_make_demo_runs_where_the_sandbox_does_not(tmp_path):
    """``make demo``'s two steps, bubblewrap absent: exit 0 and the skip line.

    The PATH holds only this environment's scripts (no ``bwrap``), as on a
    fresh machine without the package; the class is the quiz's (30 learners,
    one of them hostile), to keep the test short.
    """
    env = {"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)}
    demo = subprocess.run(
        [sys.executable, "-m", "outputsaving", "demo", "--output", "out"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr
    assert "All outputs pass." in demo.stdout
    graded = subprocess.run(
        [
            *(sys.executable, str(REPO / "scripts" / "demo_class.py")),
            *("--output", "class", "--assignment", "quiz", "--no-progress"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert graded.returncode == 0, graded.stdout + graded.stderr
    (skip,) = [line for line in graded.stdout.splitlines() if "skipped" in line]
    assert "sandbox unavailable (bubblewrap (bwrap) is not installed)" in skip
    assert "1 hostile submission(s)" in skip
    assert "apt-get install bubblewrap" in skip
    manifest = json.loads((tmp_path / "class" / make_demo_class.MANIFEST).read_text())
    assert manifest["hostile"] == []
    assert len(manifest["hostile_skipped"]) == 1
    graded_now = list((tmp_path / "class" / "feedback").glob("*/quiz/*.html"))
    assert len(graded_now) == 29
    assert "subs    mean" in graded.stdout  # the summary table
