"""The task type: what the class grader needs to know of an assignment's tasks.

Each assignment declares its tasks once, next to its grading helpers
(:mod:`~outputsaving.grading.activity1_tasks`,
:mod:`~outputsaving.grading.activity2_tasks`,
:mod:`~outputsaving.grading.quiz_tasks`,
:mod:`~outputsaving.grading.imagej_tasks`), as an :class:`Assignment` of
:class:`Task` values; :mod:`outputsaving.grading.assignments` lists them. The
class grader's audit, its evidence audit and its report read only these
declarations (:mod:`outputsaving.classroom.audit`,
:mod:`outputsaving.classroom.evidence_audit`,
:mod:`outputsaving.classroom.report`): they name no assignment themselves.

A task is named by the prefix its cells' ``grade_id`` share (``a1_task2``); a
task checked through several files (activity 2's three mask formats) is
declared once per file, under the same name. The ``grade_id`` strings are the
released notebooks' own: never change one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from outputsaving.findings import CheckResult, Finding

#: A check of one saved file: its path -> the checker's results.
FileCheckFunction = Callable[[Path], list[CheckResult]]
#: A judge of a test's evidence: ``(notes, root)`` -> results, where ``notes``
#: are the ``(path, note)`` pairs of the test's key, oldest first, and ``root``
#: the evidence folder (:mod:`outputsaving.grading.evidence_notes`).
Judge = Callable[[list[tuple[Path, dict]], Path], list[CheckResult]]

#: Formats, as :func:`outputsaving.sniff.sniff_format` names them, of images.
IMAGE_FORMATS = ("tiff", "png", "jpeg", "gif", "bmp", "npy")


@dataclass(frozen=True)
class FileCheck:
    """How the audit re-checks a task's saved files, found by content.

    The task passes when one file of ``formats`` passes ``check``; else its
    message is ``message`` (filled with ``what`` when given), with the closest
    file's findings. ``per_audit``: ``check`` is a factory, called once per
    audited notebook, that returns the check (for a check that counts, such
    as a re-run done at most a few times).
    """

    formats: tuple[str, ...]
    check: Callable
    message: str
    what: str = ""
    per_audit: bool = False


@dataclass(frozen=True)
class FolderCheck:
    """A task re-checked from the working copy as a whole (``check(workdir)``)."""

    check: Callable[[Path], list[CheckResult]]


@dataclass(frozen=True)
class Answer:
    """A literal answer the audit re-scores, never running the learner's code.

    ``variable`` is read from the learner's cells (the answer cell ``cell``
    and after) and scored with ``check``, the in-kernel test's own, for the
    graded cell ``grade_id``.
    """

    cell: str
    variable: str
    grade_id: str
    check: Callable[[object], CheckResult]


#: The output folder's messages (activity 1's words, shared by every task
#: that sets ``OUTPUT_DIR``).
OUTPUT_DIR_MESSAGES = MappingProxyType(
    {
        "not_path": "activity1.output_dir_not_path",
        "absolute": "activity1.output_dir_absolute",
        "is_notebook_folder": "activity1.output_dir_is_notebook_folder",
        "outside": "activity1.output_dir_outside",
        "missing": "activity1.output_dir_missing",
    }
)


@dataclass(frozen=True)
class OutputDir:
    """An ``OUTPUT_DIR`` set in answer cell ``cell``, read with :mod:`ast`.

    The task's first visible cell asks whether the folder exists, its first
    hidden cell whether it is a relative folder inside the notebook's folder.
    """

    cell: str
    messages: Mapping[str, str] = field(default_factory=lambda: OUTPUT_DIR_MESSAGES)


@dataclass(frozen=True)
class Unseen:
    """A hidden test's second call, on data the function has never seen.

    ``function``: the learner's function; the call's note is
    ``<key>_unseen``. ``params()``: what the note's ``"unseen"`` must say
    (the data made from the grader's seed). ``check(returned, folder, *,
    name, parameter)``: the saved file against those data, made here.
    ``same_file(first, second, *, name)``: whether the two calls saved the
    same bytes.
    """

    function: str
    params: Callable[[], object]
    check: Callable[..., list[CheckResult]]
    same_file: Callable[..., CheckResult]


@dataclass(frozen=True)
class Evidence:
    """A graded cell whose points follow the re-check of its test's evidence.

    ``key``: the test's notes (``<key>-*.json`` in the evidence folder).
    Either ``check(returned, folder)``, the test's own check of the file the
    learner's call returned (the folder's listing is checked too), or
    ``judge(notes, root)`` for any other evidence. ``written``: the test's
    folder holds the call's files with their listing (always so with
    ``check``). ``unseen``: the test's second call on unseen data. ``flag``:
    a finding, from the notes, for the instructor whatever the score, worded
    after ``flag_words``.
    """

    grade_id: str
    key: str
    check: Callable[..., list[CheckResult]] | None = None
    judge: Judge | None = None
    written: bool = False
    unseen: Unseen | None = None
    flag: Callable[[list[tuple[Path, dict]]], Finding | None] | None = None
    flag_words: str = ""

    @property
    def writes(self) -> bool:
        """Whether the test's folder holds the learner's call's files."""
        return self.written or self.check is not None


@dataclass(frozen=True)
class Use:
    """Which tasks a learner's use of a grading name concerns.

    Matches a name holding one of ``words`` (any name when empty). ``tasks``:
    the task names (``grade_id`` prefixes) that then score 0, or a function
    of the line that used the name returning them (None: no match, look on).
    """

    words: tuple[str, ...]
    tasks: tuple[str, ...] | Callable[[str], tuple[str, ...] | None]


@dataclass(frozen=True)
class Task:
    """One task of an assignment, as the class grader re-checks it.

    Attributes
    ----------
    name : str
        The prefix of its cells' ``grade_id`` (``a1_task2``).
    title : str
        Its name in the instructor's report ("activity 1, task 2").
    visible, hidden : tuple of str
        Its visible and hidden graded cells.
    files : FileCheck or FolderCheck, optional
        The re-check of its saved files, whose verdict the visible cells get.
    output_dir : OutputDir, optional
        Its answer sets the output folder.
    answers : tuple of Answer
        Its literal answers.
    evidence : tuple of Evidence
        Its cells judged on the tests' evidence.
    visible_keys : tuple of str
        Evidence keys of the paths its visible tests judged (looked at first).
    """

    name: str
    title: str
    visible: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    files: FileCheck | FolderCheck | None = None
    output_dir: OutputDir | None = None
    answers: tuple[Answer, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    visible_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assignment:
    """An assignment's tasks and what the grader needs of it as a whole.

    Attributes
    ----------
    name : str
        The assignment's name (its folder in the course).
    tasks : tuple of Task
    files_folder : str
        Where its handed-in files are, relative to the notebook's folder; ""
        (default): the notebook's folder, whatever its files are called.
    review_handed_in : bool
        Whether the files handed in are reviewed as a program's own output
        (:mod:`outputsaving.classroom.imagej_review`).
    handed_in : tuple of str
        What is handed in besides the notebooks (a macro, its output folder),
        kept for grading.
    program : str
        The handed-in program the hidden tests run again (a macro's file
        name); "" when there is none.
    rerun_notes : str
        The name the hidden tests' re-run of ``program`` gives its evidence
        notes (``ij1_run``).
    extra_seconds : float
        Time allowed beyond the solution's run (the re-run's own time limit).
    needs_imagej : bool
        Whether grading it needs ImageJ on the grading machine.
    uses : mapping
        Grading module (its full name, or the end of it from a dot) -> the
        :class:`Use` rules, in order, naming the tasks whose points a
        learner's use of that module's names costs.
    placeholders : frozenset of str
        Message codes meaning an answer is not written yet.
    harmless : frozenset of str
        Names of its grading code (lower case) that reveal nothing about any
        answer (forms, given values): a learner's use of them is flagged but
        costs no points.
    """

    name: str
    tasks: tuple[Task, ...]
    files_folder: str = ""
    review_handed_in: bool = False
    handed_in: tuple[str, ...] = ()
    program: str = ""
    rerun_notes: str = ""
    extra_seconds: float = 0.0
    needs_imagej: bool = False
    uses: Mapping[str, tuple[Use, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    placeholders: frozenset[str] = frozenset()
    harmless: frozenset[str] = frozenset()

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        """Every cell of it judged on its tests' evidence, in task order."""
        return tuple(e for task in self.tasks for e in task.evidence)


def output_dir_task(prefix: str, title: str) -> Task:
    """Task 1 of a Python activity: its output folder (``<prefix>_task1_...``)."""
    task = f"{prefix}_task1"
    return Task(
        task,
        title,
        visible=(f"{task}_output_dir_visible",),
        hidden=(f"{task}_output_dir_hidden",),
        output_dir=OutputDir(f"{task}_output_dir"),
    )


def file_task(
    name: str,
    title: str,
    *,
    visible: str,
    hidden: str,
    formats: tuple[str, ...],
    check: Callable,
    message: str,
    key: str,
    unseen: Unseen,
    visible_key: str,
) -> Task:
    """A task checked through one saved file: its visible test checks the file,
    its hidden test's evidence (``key``) is checked the same way and on unseen
    data."""
    return Task(
        name,
        title,
        visible=(visible,),
        hidden=(hidden,),
        files=FileCheck(formats, check, message),
        evidence=(Evidence(hidden, key, check=check, unseen=unseen),),
        visible_keys=(visible_key,),
    )
