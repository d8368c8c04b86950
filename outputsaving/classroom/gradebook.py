"""The course's gradebook: what grading reads from it and writes into it.

Only the grading process writes the course's gradebook (any SQLAlchemy URL
nbgrader takes); a worker autogrades against a scratch SQLite copy of
:func:`template_gradebook` and sends back the scores it read with
:func:`read_grades`.
"""

from __future__ import annotations

import copy
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

from outputsaving.classroom.outcomes import GradingRefused
from outputsaving.classroom.tasks import GradeResult, NotebookGrades

__all__ = [
    "commit",
    "commit_pending",
    "extensions",
    "max_scores",
    "prepare_gradebook",
    "read_grades",
    "structure",
    "template_gradebook",
]


def prepare_gradebook(config, coursedir, assignments: Sequence[str]) -> list[str]:
    """Create the gradebook and the assignments missing from it, from ``source/``.

    Runs nbgrader's GenerateAssignment converter (the API behind ``nbgrader
    generate_assignment``) for each assignment that the gradebook does not
    know, or knows without notebooks, with the release folder in a temporary
    folder (the course's release folder is not touched). Returns the names of
    the assignments created.
    """
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.converters import GenerateAssignment
    from nbgrader.utils import capture_log

    missing = []
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        for name in assignments:
            try:
                known = gradebook.find_assignment(name)
            except MissingEntry:
                missing.append(name)
            else:
                if not known.notebooks:
                    missing.append(name)
    for name in missing:
        with tempfile.TemporaryDirectory(prefix="outputsaving-release-") as release:
            settings = copy.deepcopy(config)
            settings.CourseDirectory.release_directory = release
            settings.CourseDirectory.assignment_id = name
            from nbgrader.coursedir import CourseDirectory

            directory = CourseDirectory(config=settings)
            app = GenerateAssignment(coursedir=directory, config=settings)
            app.force = True
            app.create_assignment = True
            result = capture_log(app)
        if not result["success"]:
            msg = f"could not add {name} to the gradebook:\n{result.get('log', '')}"
            raise GradingRefused(msg)
    return missing


def structure(coursedir, assignments: Sequence[str]) -> list[dict]:
    """The assignments as the gradebook knows them (for the scratch gradebooks)."""
    from nbgrader.api import Gradebook

    out = []
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        for name in assignments:
            assignment = gradebook.find_assignment(name)
            notebooks = []
            for notebook in assignment.notebooks:
                notebooks.append(
                    {
                        "name": notebook.name,
                        "grade_cells": [
                            {
                                "name": c.name,
                                "max_score": c.max_score,
                                "cell_type": c.cell_type,
                            }
                            for c in notebook.grade_cells
                        ],
                        "solution_cells": [c.name for c in notebook.solution_cells],
                        "task_cells": [
                            {
                                "name": c.name,
                                "max_score": c.max_score,
                                "cell_type": c.cell_type,
                            }
                            for c in notebook.task_cells
                        ],
                        "source_cells": [
                            {
                                "name": c.name,
                                "cell_type": c.cell_type,
                                "locked": c.locked,
                                "source": c.source,
                                "checksum": c.checksum,
                            }
                            for c in notebook.source_cells
                        ],
                    }
                )
            out.append(
                {
                    "name": assignment.name,
                    "duedate": assignment.duedate,
                    "notebooks": notebooks,
                }
            )
    return out


def max_scores(structure: list[dict]) -> dict[str, dict[str, dict[str, float]]]:
    """Assignment -> notebook -> grade_id -> points, from :func:`structure`."""
    return {
        a["name"]: {
            nb["name"]: {c["name"]: c["max_score"] for c in nb["grade_cells"]}
            for nb in a["notebooks"]
        }
        for a in structure
    }


def _submission(gb, result: GradeResult):
    """The gradebook's submission of ``result`` (its student and time stamp)."""
    from nbgrader.utils import parse_utc

    gb.update_or_create_student(result.student)
    kwargs = {}
    if result.timestamp:
        kwargs["timestamp"] = parse_utc(result.timestamp)
    return gb.update_or_create_submission(result.assignment, result.student, **kwargs)


def template_gradebook(course_id: str, structure: list[dict]) -> bytes:
    """A SQLite gradebook with the assignments' structure and no submissions."""
    from nbgrader.api import Gradebook

    with tempfile.TemporaryDirectory(prefix="outputsaving-template-") as folder:
        path = Path(folder) / "template.db"
        with Gradebook(f"sqlite:///{path}", course_id) as gb:
            for assignment in structure:
                name = assignment["name"]
                gb.update_or_create_assignment(name, duedate=assignment["duedate"])
                for notebook in assignment["notebooks"]:
                    nb = notebook["name"]
                    gb.update_or_create_notebook(nb, name)
                    scored = (
                        (notebook["grade_cells"], gb.update_or_create_grade_cell),
                        (notebook["task_cells"], gb.update_or_create_task_cell),
                    )
                    for cells, create in scored:
                        for cell in cells:
                            create(
                                cell["name"],
                                nb,
                                name,
                                max_score=cell["max_score"],
                                cell_type=cell["cell_type"],
                            )
                    for cell in notebook["solution_cells"]:
                        gb.update_or_create_solution_cell(cell, nb, name)
                    for cell in notebook["source_cells"]:
                        gb.update_or_create_source_cell(
                            cell["name"],
                            nb,
                            name,
                            **{k: v for k, v in cell.items() if k != "name"},
                        )
        return path.read_bytes()


def _retrying(action, *, attempts: int = 20, pause: float = 0.25):
    """Run ``action()``, again while SQLite says another program holds the lock."""
    from sqlalchemy.exc import OperationalError

    for attempt in range(attempts):
        try:
            return action()
        except OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(pause)
    return None  # pragma: no cover


def commit(coursedir, result: GradeResult) -> tuple[int, float]:
    """Write one submission's grades into the course gradebook (parent only).

    Manual grades (given in Formgrader) are kept: a cell's score is its manual
    score when it has one, whatever the autograder gives now. Returns how many
    cells have one, and the score that counts, as nbgrader's export gives it:
    manual grades instead of automatic ones, less the late penalty.
    """
    kept = []
    counted = [0.0]
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    def write() -> None:
        with (
            warnings.catch_warnings(),
            Gradebook(coursedir.db_url, coursedir.course_id) as gb,
        ):
            warnings.filterwarnings("ignore", category=SAWarning)
            try:
                submission = _submission(gb, result)
                for notebook in submission.notebooks:
                    record = result.notebooks.get(notebook.name, NotebookGrades())
                    for grade in notebook.grades:
                        auto = record.grades.get(grade.name, [0.0, 0.0])[0]
                        grade.auto_score = auto
                        if grade.manual_score is not None:
                            kept.append(grade.name)
                        else:
                            grade.needs_manual_grade = auto is None
                    for comment in notebook.comments:
                        if comment.name in record.comments:
                            comment.auto_comment = record.comments[comment.name]
                    if record.late_penalty is not None:
                        notebook.late_submission_penalty = record.late_penalty
                    if result.flags:
                        notebook.flagged = True
                gb.db.commit()
                counted[0] = max(
                    0.0,
                    float(submission.score or 0.0)
                    - float(submission.late_submission_penalty or 0.0),
                )
            except Exception:
                gb.db.rollback()
                raise

    def attempt() -> None:
        kept.clear()
        write()

    _retrying(attempt)
    return len(kept), counted[0]


def commit_pending(coursedir, result: GradeResult) -> None:
    """Record a submission the grader failed on: no scores yet, to be reviewed.

    Its cells get no autograded score (an earlier grading's are removed) and
    need a grade in Formgrader, until the next run grades it; manual grades
    are kept.
    """
    from nbgrader.api import Gradebook

    def write() -> None:
        with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
            try:
                submission = _submission(gb, result)
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        grade.auto_score = None
                        grade.needs_manual_grade = grade.manual_score is None
                gb.db.commit()
            except Exception:
                gb.db.rollback()
                raise

    _retrying(write)


def read_grades(
    db_path: Path, course_id: str, student: str, assignment: str
) -> tuple[dict[str, NotebookGrades], str | None]:
    """The grades nbgrader saved into a scratch gradebook, per notebook."""
    from nbgrader.api import Gradebook, MissingEntry

    notebooks = {}
    timestamp = None
    with Gradebook(f"sqlite:///{db_path}", course_id) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return {}, None
        if submission.timestamp is not None:
            timestamp = submission.timestamp.isoformat()
        for notebook in submission.notebooks:
            notebooks[notebook.name] = NotebookGrades(
                grades={
                    grade.name: [grade.auto_score, grade.max_score]
                    for grade in notebook.grades
                },
                comments={c.name: c.auto_comment for c in notebook.comments},
                late_penalty=notebook.late_submission_penalty,
            )
    return notebooks, timestamp


def _in_gradebook(coursedir, submissions):
    """Yield ``(submission, its gradebook record)`` of those the gradebook has."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        for s in submissions:
            try:
                yield s, gb.find_submission(s.assignment, s.student)
            except MissingEntry:
                continue


def graded_in_gradebook(coursedir, submissions) -> set[tuple[str, str]]:
    """``(student, assignment)`` of the submissions the gradebook holds grades of.

    A submission counts when the gradebook has it and every one of its cells
    has a score (automatic or manual): one that is missing (a gradebook lost,
    emptied, or restored from a backup; another ``--db``) or waiting for the
    grader (:func:`commit_pending`) does not.
    """
    out = set()
    for s, found in _in_gradebook(coursedir, submissions):
        grades = [g for notebook in found.notebooks for g in notebook.grades]
        if grades and all(
            g.auto_score is not None or g.manual_score is not None for g in grades
        ):
            out.add((s.student, s.assignment))
    return out


def extensions(coursedir, submissions) -> dict[tuple[str, str], float]:
    """Extensions granted in the course gradebook (for late penalties)."""
    return {
        (s.student, s.assignment): found.extension.total_seconds()
        for s, found in _in_gradebook(coursedir, submissions)
        if found.extension
    }
