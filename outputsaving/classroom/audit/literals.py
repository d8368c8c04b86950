"""Literal answers re-scored, for :mod:`outputsaving.classroom.audit`.

The learner's cells are parsed, never executed, by the reading the
self-checks use (:func:`outputsaving.grading.literals.read_answer`), and each
literal is scored with the in-kernel tests' own check
(:class:`outputsaving.grading.tasks.Answer`, as each assignment declares it).
"""

from __future__ import annotations

from outputsaving.classroom.audit.cells import _is_learner_cell, _source
from outputsaving.grading.common import failure_message
from outputsaving.grading.literals import AnswerSource, form_result, read_answer
from outputsaving.grading.tasks import Assignment
from outputsaving.messages import fill


def _audit_literals(assignment: Assignment, notebook, cells, result) -> None:
    """Re-score literal answers from the cells that set them, as the self-checks
    read them (:func:`~outputsaving.grading.literals.read_answer`): the
    learner's cells in notebook order; a form the rule refuses scores 0,
    unflagged, with the self-check's own words."""
    exact = set(result.exact)
    learner = [c for c in notebook.get("cells", []) if _is_learner_cell(c)]
    sources = [_source(c) for c in learner]
    read: dict[str, AnswerSource] = {}
    for declared in (a for task in assignment.tasks for a in task.answers):
        variable, grade_id = declared.variable, declared.grade_id
        cell = cells.get(declared.cell)
        index = next((i for i, c in enumerate(learner) if c is cell), None)
        exact.add(grade_id)
        if variable not in read:
            read[variable] = read_answer(variable, sources, answer_cell=index)
        answer = read[variable]
        form = form_result(answer)
        if cell is None:
            text = fill("classroom.audit_cell_missing", name=variable)
            passed = False
        elif not form.passed:
            text = failure_message(form)
            passed = False
            result.unflagged = result.unflagged | {grade_id}
        else:
            checked = declared.check(answer.value)
            passed = checked.passed
            text = failure_message(checked)
        result.verdicts[grade_id] = passed
        if not passed:
            result.messages[grade_id] = text
    result.exact = frozenset(exact)
