"""Run the real nbgrader on a throwaway copy of the course.

Used by the notebook tests (``from nbgrader_course import Course, with_answers``)::

    course = Course.copy_of_repo(tmp_path)
    course.generate("activity1")
    student = course.student_notebook("activity1")
    course.submit("jpeg", "activity1", with_answers(student, {"a1_task2_...": code}))
    course.autograde("activity1")            # one run grades every student
    scores = course.scores("activity1")      # {student: {grade_id: score}}
    html = course.feedback("activity1", "jpeg")

Every command is the real ``nbgrader`` of the running Python environment
(``sys.executable -m nbgrader``), run in the course copy, with its own
gradebook; the repository's gradebook and folders are never touched.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

__all__ = [
    "REPO",
    "Course",
    "GradeOutcome",
    "answer_cell",
    "environment",
    "grade_ids",
    "share_solution_times",
    "with_answers",
]

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class GradeOutcome:
    """The autograder's result for one graded cell of one student."""

    score: float
    max_score: float

    @property
    def full(self) -> bool:
        return self.score == self.max_score


def grade_ids(notebook: nbformat.NotebookNode, *, kind: str | None = None) -> list[str]:
    """Return the grade_ids of a notebook's nbgrader cells, in order.

    ``kind`` keeps only ``"solution"``, ``"grade"`` (graded test or answer
    cells) or ``"locked"`` cells.
    """
    ids = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if "grade_id" not in meta:
            continue
        if kind is None or meta.get(kind, False):
            ids.append(meta["grade_id"])
    return ids


def answer_cell(
    notebook: nbformat.NotebookNode, grade_id: str, /
) -> nbformat.NotebookNode:
    """Return the cell whose nbgrader ``grade_id`` is ``grade_id``."""
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    msg = f"no cell has grade_id {grade_id!r}; the ids are {grade_ids(notebook)}"
    raise KeyError(msg)


def with_answers(
    notebook: nbformat.NotebookNode, answers: dict[str, str], /
) -> nbformat.NotebookNode:
    """Return a copy of ``notebook`` with some answer cells' code replaced.

    Parameters
    ----------
    notebook : NotebookNode
        Usually the student version.
    answers : dict
        ``grade_id`` -> the new source of that cell.
    """
    notebook = copy.deepcopy(notebook)
    for grade_id, source in answers.items():
        cell = answer_cell(notebook, grade_id)
        if not cell.metadata["nbgrader"].get("solution", False):
            msg = f"cell {grade_id!r} is not an answer (solution) cell"
            raise ValueError(msg)
        cell.source = source
    return notebook


def environment() -> dict[str, str]:
    """The environment for nbgrader: this Python's scripts first on PATH.

    nbgrader runs the ``alembic`` command of its environment by name, so the
    virtual environment's ``bin`` folder must be on PATH even when it is not
    activated.
    """
    env = dict(os.environ)
    scripts = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([scripts, env.get("PATH", "")])
    return env


#: Every copy of the course made in this test session.
_COPIES: list[Path] = []
#: Solution run times (``.outputsaving/solution_times.json``) measured by the
#: grading of those copies, by digest of an assignment's source notebooks.
_SOLUTION_TIMES: dict[str, dict[str, float]] = {}
#: The same times, in a file every process of the test session shares
#: (pytest-xdist's workers): set by ``conftest.py``; None: this process only.
SHARED_TIMES: Path | None = None


def _merge_shared_times() -> None:
    """Add the other processes' times to ours, and ours to theirs (a lock held)."""
    import fcntl

    from outputsaving.files import write_atomically

    assert SHARED_TIMES is not None
    with open(SHARED_TIMES.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with contextlib.suppress(OSError, ValueError):
            theirs = json.loads(SHARED_TIMES.read_text(encoding="utf-8"))
            _SOLUTION_TIMES.update({**theirs, **_SOLUTION_TIMES})
        if _SOLUTION_TIMES:
            write_atomically(SHARED_TIMES, json.dumps(_SOLUTION_TIMES, indent=1))


def _shared_solution_times(root: Path) -> None:
    """Give a new copy the solution run times earlier copies measured.

    ``outputsaving grade`` runs an assignment's solution notebooks to time
    them (its budgets), once per version of the sources, and keeps the times
    in the course folder; every copy would run them again. The times are
    keyed by a digest of the source notebooks, so a copy whose sources a test
    changed measures its own. With :data:`SHARED_TIMES`, the copies of the
    session's other processes count too.
    """
    from outputsaving.classroom.course import STATE_DIR

    for copy_root in _COPIES:
        with contextlib.suppress(OSError, ValueError):
            cache = copy_root / STATE_DIR / "solution_times.json"
            _SOLUTION_TIMES.update(json.loads(cache.read_text(encoding="utf-8")))
    if SHARED_TIMES is not None:
        _merge_shared_times()
    if _SOLUTION_TIMES:
        state = root / STATE_DIR
        state.mkdir(exist_ok=True)
        text = json.dumps(_SOLUTION_TIMES, indent=1)
        (state / "solution_times.json").write_text(text, encoding="utf-8")


def share_solution_times(root: Path) -> None:
    """Let a course folder that is not a :class:`Course` copy share solution times.

    ``root`` (a copy of ``source/`` made otherwise, e.g. the demo class) starts
    with the times earlier copies measured (:func:`_shared_solution_times`),
    and the times its own grading measures go to later copies.
    """
    root = Path(root)
    _shared_solution_times(root)
    _COPIES.append(root)


class Course:
    """A copy of the course (config, ``source/``, ``data/``) in a folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @classmethod
    def copy_of_repo(
        cls,
        folder: Path,
        *,
        assignments: list[str] | None = None,
        solution_times: bool = True,
    ) -> Course:
        """Copy ``nbgrader_config.py``, ``source/`` (some assignments) and ``data/``.

        ``data/`` comes along so that a submission writing into ``../../data``
        (the repository's data folder, seen from a notebook) writes into the
        copy, never into the repository. ``solution_times``: the copy starts
        with the solution run times earlier copies measured in this session
        (:func:`_shared_solution_times`), so that grading it runs no solution
        again; False: it measures its own.
        """
        root = Path(folder) / "course"
        root.mkdir(parents=True)
        shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
        names = assignments or sorted(
            p.name for p in (REPO / "source").iterdir() if p.is_dir()
        )
        for name in names:
            shutil.copytree(REPO / "source" / name, root / "source" / name)
        shutil.copytree(REPO / "data", root / "data")
        if solution_times:
            _shared_solution_times(root)
        _COPIES.append(root)
        return cls(root)

    # -- running nbgrader ------------------------------------------------------

    def nbgrader(
        self, *args: str, timeout: float = 1800, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        """Run ``nbgrader <args>`` in the course; fail with its output if it fails.

        ``env``: more environment variables (the kernels inherit them).
        """
        command = [sys.executable, "-m", "nbgrader", *args]
        completed = subprocess.run(
            command,
            cwd=self.root,
            env={**environment(), **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if completed.returncode != 0:
            msg = (
                f"{' '.join(args)} failed ({completed.returncode}):\n"
                f"{completed.stdout}\n{completed.stderr}"
            )
            raise RuntimeError(msg)
        return completed

    def generate(self, assignment: str) -> subprocess.CompletedProcess:
        """``nbgrader generate_assignment``; records the assignment in the gradebook."""
        return self.nbgrader("generate_assignment", assignment, "--force")

    def autograde(self, assignment: str) -> subprocess.CompletedProcess:
        """``nbgrader autograde`` of every submitted student, in one run."""
        return self.nbgrader("autograde", assignment, "--force")

    def generate_feedback(self, assignment: str) -> subprocess.CompletedProcess:
        """``nbgrader generate_feedback`` for every autograded student."""
        return self.nbgrader("generate_feedback", assignment, "--force")

    # -- notebooks -------------------------------------------------------------

    def notebook_names(self, assignment: str) -> list[str]:
        """The notebook file names of an assignment's source folder."""
        return sorted(
            p.name for p in (self.root / "source" / assignment).glob("*.ipynb")
        )

    def _only_notebook(self, assignment: str, notebook: str | None) -> str:
        if notebook is not None:
            return notebook if notebook.endswith(".ipynb") else f"{notebook}.ipynb"
        names = self.notebook_names(assignment)
        if len(names) != 1:
            msg = f"{assignment} has notebooks {names}: name one"
            raise ValueError(msg)
        return names[0]

    def source_notebook(
        self, assignment: str, notebook: str | None = None
    ) -> nbformat.NotebookNode:
        """The instructor's version (with solutions and hidden tests)."""
        name = self._only_notebook(assignment, notebook)
        return nbformat.read(self.root / "source" / assignment / name, as_version=4)

    def solution_answers(self, assignment: str) -> dict[str, str]:
        """The source's answer cells by grade_id, without the solution markers."""
        marker = re.compile(r"^\s*#+\s*(BEGIN|END) SOLUTION\s*$")
        source = self.source_notebook(assignment)
        return {
            grade_id: "\n".join(
                line
                for line in answer_cell(source, grade_id).source.splitlines()
                if not marker.match(line)
            )
            for grade_id in grade_ids(source, kind="solution")
        }

    def solution_answers_with(
        self, assignment: str, changes: dict[str, str] | Callable[[dict], dict], /
    ) -> dict[str, str]:
        """The solution's answers with a mistake's answers written over them.

        ``changes`` maps grade_ids to the mistaken sources, or is a function of
        the solution's answers that gives them; each must differ from the
        solution's answer (a change that changes nothing tests nothing).
        """
        answers = self.solution_answers(assignment)
        changes = changes(answers) if callable(changes) else changes
        same = [key for key, code in changes.items() if answers[key] == code]
        if same:
            msg = f"these changes are the solution's own answers: {same}"
            raise ValueError(msg)
        return {**answers, **changes}

    def student_notebook(
        self, assignment: str, notebook: str | None = None
    ) -> nbformat.NotebookNode:
        """The generated student version (run :meth:`generate` first)."""
        name = self._only_notebook(assignment, notebook)
        return nbformat.read(self.root / "release" / assignment / name, as_version=4)

    def submit(
        self,
        student: str,
        assignment: str,
        notebook: nbformat.NotebookNode,
        *,
        name: str | None = None,
        files: dict[str, bytes] | None = None,
    ) -> Path:
        """Put a notebook (and optional extra files) under ``submitted/<student>/``.

        Returns the submission folder.
        """
        folder = self.root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        filename = self._only_notebook(assignment, name)
        nbformat.write(notebook, folder / filename)
        for relative, content in (files or {}).items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        (folder / "timestamp.txt").write_text("2026-11-24 10:00:00.000000 UTC\n")
        return folder

    # -- results ---------------------------------------------------------------

    def scores(self, assignment: str) -> dict[str, dict[str, GradeOutcome]]:
        """Per student, per graded cell's grade_id: the autograder's outcome."""
        from nbgrader.api import Gradebook

        outcomes: dict[str, dict[str, GradeOutcome]] = {}
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            for submission in gradebook.assignment_submissions(assignment):
                grades = {}
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        grades[grade.name] = GradeOutcome(
                            score=float(grade.score), max_score=float(grade.max_score)
                        )
                outcomes[submission.student.id] = grades
        return outcomes

    def totals(self, assignment: str) -> dict[str, tuple[float, float]]:
        """Per student: ``(score, max_score)`` of the assignment."""
        return {
            student: (
                sum(g.score for g in grades.values()),
                sum(g.max_score for g in grades.values()),
            )
            for student, grades in self.scores(assignment).items()
        }

    def autograded_notebook(
        self, student: str, assignment: str, notebook: str | None = None
    ) -> nbformat.NotebookNode:
        """The executed notebook nbgrader autograded for a student."""
        name = self._only_notebook(assignment, notebook)
        path = self.root / "autograded" / student / assignment / name
        return nbformat.read(path, as_version=4)

    def feedback(
        self, assignment: str, student: str, notebook: str | None = None
    ) -> str:
        """The feedback HTML a student receives (run :meth:`generate_feedback`)."""
        name = Path(self._only_notebook(assignment, notebook)).with_suffix(".html")
        path = self.root / "feedback" / student / assignment / name
        return path.read_text(encoding="utf-8")
