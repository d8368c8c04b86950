"""The course folder as the grader reads it: nbgrader's settings, the sources.

Everything here runs in the grading process, where the course is.
"""

from __future__ import annotations

import copy
import hashlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from outputsaving.classroom import intake
from outputsaving.classroom.tasks import AssignmentFiles

__all__ = [
    "NBGRADER_FILES",
    "STATE_DIR",
    "assignment_files",
    "course_settings",
    "extra_seconds",
    "handed_in",
    "handed_in_files",
    "imagej_problem",
    "notebook_names",
    "put_scripts_on_path",
    "readable_by_others",
    "source_hash",
]

#: Folder of the course holding the grader's own state (markers, caches).
STATE_DIR = ".outputsaving"
#: The files nbgrader itself keeps beside a submitted notebook (collect and
#: release_feedback need the secret), handed to the worker with the notebooks.
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")


#: What other users of the machine must not read: solutions and hidden tests,
#: every learner's feedback, the grades.
PRIVATE = ("source", "feedback", "gradebook.db", "autograded", "submitted")


def readable_by_others(course_dir: Path) -> list[str]:
    """The private parts of the course that other users of the machine can read.

    Empty when they cannot reach the course folder at all (a folder above it,
    or the course folder, lets no other user through), as with a home folder
    of mode 700.
    """
    course = Path(course_dir).resolve()
    for folder in (course, *course.parents):
        try:
            if not folder.stat().st_mode & stat.S_IXOTH:
                return []
        except OSError:
            return []
    found = []
    for name in PRIVATE:
        try:
            mode = (course / name).stat().st_mode
        except OSError:
            continue
        if mode & stat.S_IROTH:
            found.append(name)
    return found


def put_scripts_on_path() -> None:
    """Put this Python's scripts folder first on PATH (nbgrader runs ``alembic``).

    Needed when the environment is not activated (for example
    ``.venv/bin/outputsaving grade``); inherited by the worker processes.
    """
    scripts = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[:1] != [scripts]:
        os.environ["PATH"] = os.pathsep.join([scripts, *parts])


def course_settings(course_dir: Path, *, db_url: str | None = None):
    """Return ``(config, coursedir)`` as ``nbgrader`` run in the course would.

    Loads the course's ``nbgrader_config.py`` (and the Jupyter config paths)
    with nbgrader's own application class.
    """
    from nbgrader.apps.baseapp import NbGrader
    from nbgrader.coursedir import CourseDirectory

    course_dir = Path(course_dir).resolve()
    previous = os.getcwd()
    os.chdir(course_dir)
    try:
        app = NbGrader()
        app.initialize([], root=str(course_dir))
    finally:
        os.chdir(previous)
    config = copy.deepcopy(app.config)
    config.CourseDirectory.root = str(course_dir)
    if db_url:
        config.CourseDirectory.db_url = db_url
    return config, CourseDirectory(config=config)


def notebook_names(course_dir: Path, assignment: str) -> list[str]:
    """The notebooks of an assignment's ``source/`` folder."""
    return sorted(p.name for p in (course_dir / "source" / assignment).glob("*.ipynb"))


def source_hash(course_dir: Path, assignment: str) -> str:
    """A digest of an assignment's source notebooks (keys the solution times)."""
    digest = hashlib.sha256()
    for name in notebook_names(course_dir, assignment):
        digest.update(name.encode())
        digest.update((course_dir / "source" / assignment / name).read_bytes())
    return digest.hexdigest()


def assignment_files(course_dir: Path, assignment: str) -> AssignmentFiles:
    """An assignment's ``source/`` folder as values (the instructor's files)."""
    folder = course_dir / "source" / assignment
    files = {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and not path.is_symlink()
        and ".ipynb_checkpoints" not in path.relative_to(folder).parts
    }
    return AssignmentFiles(
        assignment, tuple(notebook_names(course_dir, assignment)), files
    )


def _declared(assignment: str):
    from outputsaving.grading.assignments import assignment as declaration

    return declaration(assignment)


def handed_in(assignment: str) -> tuple[str, ...]:
    """What an assignment hands in besides its notebooks (its declaration's
    ``handed_in``: the ImageJ track's macro and output folder), kept for grading."""
    declared = _declared(assignment)
    return declared.handed_in if declared is not None else ()


def imagej_problem(assignments: Iterable[str]) -> str | None:
    """Why ImageJ cannot be used here, when an assignment to grade needs it."""
    from outputsaving import imagej_run

    needs = any(getattr(_declared(a), "needs_imagej", False) for a in assignments)
    if not needs or imagej_run.find_imagej():
        return None
    return imagej_run.imagej_missing_message()


def extra_seconds(assignment: str) -> float:
    """Budget beyond the solution's run (its declaration's ``extra_seconds``)."""
    declared = _declared(assignment)
    return declared.extra_seconds if declared is not None else 0.0


def handed_in_files(submission, notebooks: Sequence[str]) -> dict[str, bytes]:
    """The files of a submission grading uses, as values (never through a link)."""
    keep = {*notebooks, *NBGRADER_FILES, *handed_in(submission.assignment)}
    with tempfile.TemporaryDirectory(prefix="outputsaving-submission-") as folder:
        copy = Path(folder) / "copy"
        intake.safe_copy(submission.folder, copy)
        return {
            path.relative_to(copy).as_posix(): path.read_bytes()
            for path in sorted(copy.rglob("*"))
            if path.is_file() and path.relative_to(copy).parts[0] in keep
        }
