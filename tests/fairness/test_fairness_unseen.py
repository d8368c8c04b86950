"""The unseen-data catalogue graded by ``outputsaving grade``: functions judged on
data they have never seen.

Every case of :mod:`unseen_catalogue` is submitted to one class and graded
once with :func:`~outputsaving.classroom.engine.grade_class` in the real
sandbox. Each test cell must get the score written in ``unseen_deserved.tsv``
before the grader was changed; a save function that ignores its argument
loses its hidden test, told why; a cheat that saves the same bytes whatever
it is given is flagged on that test; the honest mistakes and the control are
not flagged. A cheat of issue 26 §3 (the grader's call frames read,
``builtins.open`` patched) is flagged with what it did, in the flag and in
the feedback, not as a replaced module's ``__dict__`` or an import.
"""

from __future__ import annotations

import json
import stat

import pytest
from catalogue_class import grade_catalogue, submit_cases
from nbgrader_course import Course
from unseen_catalogue import (
    BY_NAME,
    CASES,
    LOSES,
    PATCHES_BUILTINS,
    READS_FRAMES,
    SAME_BYTES,
    deserved_scores,
)

from outputsaving.classroom.secret import SECRET_FILE, course_seed

pytestmark = [pytest.mark.linux, pytest.mark.nbgrader, pytest.mark.sandbox]

#: How the flag of a function that saved the same bytes begins.
SAME_FILE_FLAG = ": the same file whatever it was given"


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory, unsafe):
    """The catalogue submitted as one class and graded once."""
    course = Course.copy_of_repo(tmp_path_factory.mktemp("unseen"))
    submit_cases(course, CASES)
    deserved = {case.name: sum(deserved_scores(case).values()) for case in CASES}
    return grade_catalogue(course, unsafe=unsafe, deserved=deserved)


def _feedback(catalogue, case) -> str:
    return catalogue.feedback(case.name, case.assignment)


@pytest.mark.parametrize("name", list(BY_NAME))
def test_every_case_gets_its_deserved_score_per_test_cell(catalogue, name):
    outcome = catalogue.outcomes[name]
    assert outcome.outcome == "graded", outcome.log_line()
    wrong = catalogue.wrong_cells(name, deserved_scores(BY_NAME[name]))
    assert not wrong, f"{name}: given vs deserved {wrong}\n{outcome.log_line()}"


@pytest.mark.parametrize("name", list(BY_NAME))
def test_only_the_same_bytes_whatever_given_are_flagged(catalogue, name):
    case = BY_NAME[name]
    flags = catalogue.outcomes[name].flags
    assert bool(flags) == case.flagged, flags
    named = {
        grade_id
        for grade_id in deserved_scores(case)
        if any(f.startswith(grade_id + SAME_FILE_FLAG) for f in flags)
    }
    same_bytes = case.flagged and SAME_BYTES in case.says
    assert named == (set(LOSES[name]) if same_bytes else set()), flags


@pytest.mark.parametrize(
    "name", [c.name for c in CASES if c.flagged and SAME_BYTES not in c.says]
)
def test_other_flags_say_what_was_done(catalogue, name):
    flags = "\n".join(catalogue.outcomes[name].flags)
    for words in BY_NAME[name].says:
        assert words in flags, flags
    # Not what the monitor saw of it: inspect reading a module's __dict__.
    assert "__dict__" not in flags, flags
    if PATCHES_BUILTINS in BY_NAME[name].says:
        assert "imports builtins" not in flags, flags
        assert "grading code" not in _feedback(catalogue, BY_NAME[name]), flags
    if READS_FRAMES in BY_NAME[name].says:
        assert "replaces" not in flags, flags


@pytest.mark.parametrize("name", [c.name for c in CASES if c.says])
def test_feedback_names_the_reason(catalogue, name):
    case = BY_NAME[name]
    text = _feedback(catalogue, case)
    for words in case.says:
        assert words in text, f"{name}: {words!r} not in its feedback"


def test_the_unseen_data_come_from_the_courses_private_secret(catalogue):
    """The first grade made the secret (mode 600); every kernel made its unseen
    data from the seed derived from it, not from the package's fixed seed."""
    root = catalogue.course.root
    assert stat.S_IMODE((root / SECRET_FILE).stat().st_mode) == 0o600
    seed = course_seed(root)
    assert seed != 26
    notes = sorted(
        (root / "autograded").rglob(".outputsaving-evidence/*_unseen-*.json")
    )
    assert {n.name.split("_unseen")[0] for n in notes} >= {"a1_mask", "a2_nuclei"}
    for note in notes:
        assert json.loads(note.read_text(encoding="utf-8"))["unseen"]["seed"] == seed
    # The secret never reaches a graded folder or a feedback page.
    secret = (root / SECRET_FILE).read_text(encoding="ascii").strip()
    for folder in ("autograded", "feedback"):
        for path in (root / folder).rglob("*"):
            if path.is_file() and path.stat().st_size < 5_000_000:
                assert secret.encode() not in path.read_bytes(), path
