"""The assignments the class grader knows, each declared once.

:data:`ASSIGNMENTS` maps an assignment's name to its declaration
(:class:`outputsaving.grading.tasks.Assignment`), from the modules that
declare them next to their grading helpers. The class grader reads only this
table (at each call, so that a test may add an assignment to it).
"""

from __future__ import annotations

from outputsaving.grading import (
    activity1_tasks,
    activity2_tasks,
    imagej_tasks,
    quiz_tasks,
)
from outputsaving.grading.tasks import Assignment, Task

__all__ = ["ASSIGNMENTS", "assignment", "task_named"]

#: Assignment name -> its declaration.
ASSIGNMENTS: dict[str, Assignment] = {
    declared.name: declared
    for declared in (
        activity1_tasks.ASSIGNMENT,
        activity2_tasks.ASSIGNMENT,
        quiz_tasks.ASSIGNMENT,
        *imagej_tasks.ASSIGNMENTS,
    )
}


def assignment(name: str, /) -> Assignment | None:
    """The declaration of assignment ``name``; None when it is not known."""
    return ASSIGNMENTS.get(name)


def task_named(name: str, /) -> Task | None:
    """The first declared task called ``name`` (a ``grade_id`` prefix)."""
    for declared in ASSIGNMENTS.values():
        for task in declared.tasks:
            if task.name == name:
                return task
    return None
