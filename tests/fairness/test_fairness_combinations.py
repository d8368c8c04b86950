"""Each task's points depend on that task alone, over combinations of tasks.

A seeded draw of :mod:`combinations_catalogue`'s rows, pairs and triples of
rows of distinct tasks (every row at least once), is submitted as one class
and graded in ONE run of :func:`~outputsaving.classroom.engine.grade_class`
in the real sandbox. Each test cell must get its full points minus the costs
of the combination's defects.

Each combination is a test of its own, whose id names its rows: running one
id (``pytest
'tests/fairness/test_fairness_combinations.py::test_...[a1_dir_str+a1_mask_jpeg]'``)
grades only that notebook. ``scripts/grade_every_pair.py`` grades every pair.
"""

from __future__ import annotations

import io

import pytest
from combinations_catalogue import (
    combination_id,
    draw_combinations,
    grade_combinations,
    rows_of,
)

pytestmark = [pytest.mark.linux, pytest.mark.nbgrader, pytest.mark.sandbox]

#: The draw's seed: the same combinations on every run.
SEED = 18

COMBINATIONS = [combination_id(rows) for rows in draw_combinations(SEED)]


def _selected(request) -> list[str]:
    """The combinations of this module's tests that this session runs."""
    chosen = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if item.module.__name__ == __name__ and callspec is not None:
            combination = callspec.params.get("combination")
            if combination is not None and combination not in chosen:
                chosen.append(combination)
    return chosen


@pytest.fixture(scope="module")
def graded(request, tmp_path_factory, unsafe):
    """The selected combinations, submitted as one class and graded once."""
    combinations = [rows_of(name) for name in _selected(request)]
    log = io.StringIO()
    _, graded = grade_combinations(
        combinations, tmp_path_factory.mktemp("combinations"), unsafe=unsafe, stream=log
    )
    held = sum(1 for one in graded.values() if not one.wrong)
    print(f"{held} of {len(graded)} combinations got their deserved score")
    return graded


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_score_is_full_minus_the_costs_of_its_defects(graded, combination):
    one = graded[combination]
    assert one.outcome is not None, f"{combination}: not graded"
    assert one.outcome.outcome in {"graded", "stopped"}, one.outcome.log_line()
    assert not one.wrong, (
        f"{combination} ({one.student}): given vs deserved {one.wrong}\n"
        f"{one.outcome.log_line()}"
    )


def test_the_draw_tries_every_row_within_the_budget():
    from combinations_catalogue import ROWS

    drawn = {name for combination in COMBINATIONS for name in combination.split("+")}
    assert drawn == {row.name for row in ROWS}
    assert len(COMBINATIONS) <= 100
    assert len(set(COMBINATIONS)) == len(COMBINATIONS)
