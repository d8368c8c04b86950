"""A catalogue of submissions graded as one class: what the fairness tests share.

Each catalogue (``fairness_catalogue``, ``world_catalogue``,
``writers_catalogue``, ``unseen_catalogue``, ``renamed_catalogue``) writes each
case's deserved score per test cell in a table before the grader is changed.
Its test hands the cases in to one copy of the course (:func:`submit_cases`),
grades them once with :func:`~outputsaving.classroom.engine.grade_class` in
the real sandbox (:func:`grade_catalogue`), and reads the
:class:`GradedClass`: scores per cell, outcomes, feedback pages, the log.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import nbformat
from fairness_catalogue import build_case
from nbgrader_course import REPO, Course

from outputsaving.classroom.engine import grade_class

__all__ = [
    "GradedClass",
    "grade_catalogue",
    "release",
    "submit_cases",
]


def release(assignment: str) -> nbformat.NotebookNode:
    """The released student notebook of ``assignment``, as learners get it."""
    (path,) = (REPO / "notebooks" / assignment).glob("*.ipynb")
    return nbformat.read(path, as_version=4)


def submit_cases(course: Course, cases: Iterable) -> None:
    """Hand in each case (a ``fairness_catalogue.Case``) as its own student.

    Each is the released notebook with the solution's answers, then changed
    the way the case's learner did.
    """
    answers: dict[str, dict[str, str]] = {}
    for case in cases:
        if case.assignment not in answers:
            answers[case.assignment] = course.solution_answers(case.assignment)
        notebook, files = build_case(
            case, release(case.assignment), answers[case.assignment]
        )
        course.submit(case.name, case.assignment, notebook, files=files)


@dataclass
class GradedClass:
    """A class graded once: what each test of a catalogue reads."""

    course: Course
    #: student -> SubmissionOutcome
    outcomes: dict
    #: What the grader logged.
    log: str

    @property
    def given(self) -> dict[str, dict[str, float]]:
        """student -> grade_id -> the score given."""
        return {
            name: {grade_id: score for grade_id, (score, _) in o.grades.items()}
            for name, o in self.outcomes.items()
        }

    def feedback(self, student: str, assignment: str) -> str:
        """The text of the student's feedback pages (HTML, entities decoded)."""
        folder = self.course.root / "feedback" / student / assignment
        pages = sorted(folder.glob("*.html"))
        assert pages, f"no feedback for {student}"
        return "\n".join(html.unescape(p.read_text(encoding="utf-8")) for p in pages)

    def wrong_cells(self, student: str, deserved: Mapping[str, float]) -> dict:
        """grade_id -> (given, deserved) of each cell not given its deserved score."""
        given = self.given.get(student, {})
        return {
            grade_id: (given.get(grade_id), points)
            for grade_id, points in deserved.items()
            if given.get(grade_id) != points
        }


def grade_catalogue(
    course: Course, *, unsafe: bool, deserved: Mapping[str, float], **options
) -> GradedClass:
    """Grade everything handed in to ``course`` once; print deserved vs given.

    ``deserved``: student -> the total the case deserves (for the printed
    table); ``options`` go to :func:`grade_class` (a zip to import, say).
    """
    log = io.StringIO()
    result = grade_class(
        course.root, workers=2, unsafe=unsafe, progress=False, stream=log, **options
    )
    graded = GradedClass(course, {o.student: o for o in result.outcomes}, "")
    graded.log = log.getvalue()
    given = graded.given
    table = [f"{'case':35} deserved  given  outcome"]
    for name, total in deserved.items():
        got = sum(given.get(name, {}).values())
        outcome = graded.outcomes[name].outcome if name in graded.outcomes else "-"
        table.append(f"{name:35} {total:8g} {got:6g}  {outcome}")
    print("\n".join(table))
    return graded
