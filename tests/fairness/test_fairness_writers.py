"""The writers catalogue graded by ``outputsaving grade``: the call's own files only.

Every case of :mod:`writers_catalogue` is submitted to one class and graded
once with :func:`~outputsaving.classroom.engine.grade_class` in the real
sandbox. Each test cell must get the score written in ``writers_deserved.tsv``
before the grader was changed; each cheat is flagged for review on the hidden
tests whose folder held a file the call did not write (or that changed after
it returned), and its feedback says why; the honest controls keep full marks,
unflagged.
"""

from __future__ import annotations

import pytest
from catalogue_class import grade_catalogue, submit_cases
from nbgrader_course import Course
from writers_catalogue import BY_NAME, CASES, LOSES, deserved_scores

pytestmark = [pytest.mark.linux, pytest.mark.nbgrader, pytest.mark.sandbox]


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory, unsafe):
    """The catalogue submitted as one class and graded once."""
    course = Course.copy_of_repo(tmp_path_factory.mktemp("writers"))
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
def test_cheats_are_flagged_on_the_tests_they_did_not_write(catalogue, name):
    case = BY_NAME[name]
    flags = catalogue.outcomes[name].flags
    assert bool(flags) == case.flagged, flags
    named = {
        grade_id
        for grade_id in deserved_scores(case)
        if any(f.startswith(f"{grade_id}: not the call's own files") for f in flags)
    }
    assert named == set(LOSES[name]), flags


@pytest.mark.parametrize("name", [c.name for c in CASES if c.says])
def test_feedback_names_the_reason(catalogue, name):
    case = BY_NAME[name]
    text = _feedback(catalogue, case)
    for words in case.says:
        assert words in text, f"{name}: {words!r} not in its feedback"
