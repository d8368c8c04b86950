"""outputsaving.grading.literals: one reading of "one line, a plain value".

The class grader's audit (on the notebook's cells) and the self-checks (on the
kernel's input history) both call :func:`read_answer` and
:func:`form_result`, so that they say the same (issue 26 §2).
"""

from __future__ import annotations

import pytest

from outputsaving.grading.literals import form_result, python_source, read_answer


@pytest.mark.parametrize(
    ("cells", "value"),
    [
        (['Q = "a"'], "a"),
        (['Q = "a"', 'Q = "b"'], "b"),  # the last cell that sets it wins
        (["Q = None\n# YOUR CODE HERE\n", "Q = False"], False),
        (['Q = "a"\nselfcheck.quiz_answer(Q, question="q2")'], "a"),
        (['Q = "a"\n%whos', "!echo done", "print(Q)", "Q.upper()"], "a"),
        (['Q = "a"', "import numpy as np\nx = np.zeros(3)"], "a"),
    ],
)
def test_the_answer_is_the_value_the_last_cell_setting_it_types_in(cells, value):
    answer = read_answer("Q", cells)
    assert (answer.is_set, answer.value) == (True, value)
    assert form_result(answer).passed


@pytest.mark.parametrize(
    ("cells", "code", "words"),
    [
        (["Q = []", 'Q.append("a")'], 'Q.append("a")', "Another cell changes Q"),
        (['Q = ["a"]', 'Q[0] = "b"'], 'Q[0] = "b"', "Another cell changes Q"),
        (['Q = "a"', "del Q"], "del Q", "Another cell changes Q"),
        (['Q = "a"', 'Q += "b"'], 'Q += "b"', "holds a calculation"),
        (['Q = "x".join(["a"])'], 'Q = "x".join(["a"])', "holds a function call"),
        (["%time Q = 1"], "%time Q = 1", "holds the magic %time"),
        (["Q = (\n  1"], "Q = (", "holds code Python cannot read"),
    ],
)
def test_a_broken_rule_is_named_with_the_line_as_typed(cells, code, words):
    message = form_result(read_answer("Q", cells)).findings[0].message
    assert words in message
    assert f"(in the line {code})" in message
    assert "plain values" in message


def test_a_cell_before_the_answer_changes_nothing():
    answer = read_answer("Q", ["Q = []\nQ.append(1)", 'Q = "a"'])
    assert (answer.value, answer.changed) == ("a", False)


def test_when_no_cell_sets_it_the_answer_cell_is_judged():
    assert read_answer(
        "Q", ["x = 1", "while True:\n    pass"], answer_cell=1
    ).found == ("a loop")
    missing = form_result(read_answer("Q", ["x = 1"]))
    assert missing.codes == ["literals.not_set"]
    assert "still None" not in missing.findings[0].message


def test_the_transformer_only_rewrites_text(tmp_path):
    marker = tmp_path / "ran"
    python = python_source(f"!touch {marker}\n%time x = 1")
    assert "get_ipython().system" in python
    assert "run_line_magic('time'" in python
    assert not marker.exists()
