"""Independent audit of an autograded notebook, in the grading process.

A learner's code runs in the same kernel as the notebook's tests, so it can
replace the checkers or fake a pass. After nbgrader has executed a notebook,
:func:`audit_notebook` re-checks its work from the outside, without running any
of the learner's code:

Files (activity 1 tasks 2-5, activity 2 tasks 2, 3 and 6)
    Every regular file under the working copy ``workdir`` (where the notebook
    ran), except notebooks, ``timestamp.txt`` and ``.ipynb_checkpoints``, is
    taken as written by the notebook's code: the working copy holds only the
    submitted notebooks when the run starts (its output folders were emptied).
    Files are found by content (:func:`~outputsaving.files.sniff_format`), not
    by the names learners chose, and each task passes when at least one file
    passes the task's check, made with the graders' own ``*_result`` functions
    (:mod:`outputsaving.grading.activity1`, :mod:`~outputsaving.grading.activity2`)
    against references computed in this process from the shipped images. For
    activity 1's settings, the analysis is re-run from the file in this
    process (it holds no learner state), with the same reasons as the hidden
    test's re-run in a fresh process.
Output folder (task 1 of both activities)
    Read from the answer cell with :mod:`ast`: only when ``OUTPUT_DIR`` is set
    there to a literal ``Path("...")`` (also ``Path("a", "b")`` or
    ``Path("a") / "b"``) and set nowhere else. The visible cell's verdict is
    whether that folder exists in ``workdir``; the hidden cell's whether it is
    relative and inside ``workdir`` without being ``workdir`` itself. Anything
    else: no opinion (None).
Literal answers (the quiz, activity 2's task 5)
    The learner's cells are parsed, never executed, by the reading the
    self-checks use too (:func:`outputsaving.grading.literals.read_answer`):
    the last cell that sets an answer may hold only comments, assignments of
    literals (text, True/False, None, numbers, lists, tuples or sets of them)
    to plain names, and lines that only show something (``print``,
    ``display``, a self-check call, ``%whos``, ``!echo``); a ``raise`` ends
    it, as it would end the run. Anything else (calls, names, imports,
    f-strings, attributes, loops...), or a later cell that changes the
    answer, scores 0, unflagged, with the self-check's own words. The literal
    is then scored with the in-kernel tests' own matching
    (:mod:`outputsaving.grading.quiz`,
    :func:`outputsaving.grading.activity2.check_format_choice`).
Tampering
    The cells learners can edit (every code cell except the test cells, which
    nbgrader restores from the instructor's version) are scanned with
    :mod:`ast` for code that reaches into the grader: importing
    ``outputsaving.grading``, ``builtins``, ``importlib`` (but for its
    ``metadata`` and ``resources``), ``ctypes`` or ``gc``;
    ``sys.modules``; assigning to or deleting an attribute of an imported
    module; ``exec``, ``eval``, ``compile``, ``__import__``, ``setattr``,
    ``delattr``, ``globals``, ``vars``; dunder attributes such as ``__dict__``
    or ``__globals__``; IPython's ``run_cell`` or ``%run``-like magics. This is
    a heuristic (a determined attacker can hide code from any static scan);
    its findings are flagged, and by default every graded cell the audit
    cannot re-check itself (hidden tests of functions) gets verdict False.

What the audit cannot see: whether the learner's functions work in *another*
folder (the hidden tests' fresh folders live in the kernel's private
temporary folder), so a passing file audit gives the hidden cells no opinion.
A correct output copied rather than computed (written from a hard-coded blob,
say) passes the file audit: it is a correct file, and the hidden tests, which
call the function, still decide those cells unless the grader was tampered
with.
Copying a shipped input image in place of a label mask fails: it holds
intensities, not the reference's labels.
Files saved outside the working copy (an absolute ``OUTPUT_DIR``, the
kernel's private temporary folder) are not seen either, by design: their file
tasks score 0 even where the hidden tests passed in the kernel (serial
``nbgrader autograde`` would give those points), and the change is flagged.
When ``OUTPUT_DIR`` is such a literal, the message names it and says to save
into a folder next to the notebook, given as a relative path.

:func:`apply_audit` combines the audit with nbgrader's scores; see it for the
exact rule.
"""

from __future__ import annotations

import ast
import json
import re
import stat
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

import nbformat
import numpy as np

from outputsaving.classroom.evidence_audit import (
    audit_evidence,
    compare_findings,
    unseen_findings,
    visible_paths,
    writer_findings,
)
from outputsaving.files import sniff_format, walk_no_follow
from outputsaving.findings import CheckResult
from outputsaving.grading import activity1, activity2, imagej, quiz
from outputsaving.grading.common import failure_message, task_result
from outputsaving.grading.evidence import EVIDENCE_FOLDER
from outputsaving.grading.literals import (
    MAX_ANSWER_CHARS,
    AnswerSource,
    form_result,
    literal_answers,
    read_answer,
)
from outputsaving.messages import fill

__all__ = [
    "ASSIGNMENTS",
    "AuditResult",
    "apply_audit",
    "audit_notebook",
    "literal_answers",
    "saved_files",
    "tampering_evidence",
]

#: Assignments the audit knows.
ASSIGNMENTS = ("activity1", "activity2", "quiz", *imagej.ASSIGNMENTS)

#: Files looked at, at most, per working copy.
MAX_FILES = 200
#: Files larger than this are not opened (the checkers refuse them anyway).
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Settings files re-run, at most, per notebook.
MAX_RERUNS = 3

_IMAGE_FORMATS = frozenset({"tiff", "png", "jpeg", "gif", "bmp", "npy"})
#: Folders of the working copy that hold no output of the notebook's own: the
#: tests' evidence (audited on its own) and JupyterLab's checkpoints.
_NOT_OUTPUTS = frozenset({".ipynb_checkpoints", EVIDENCE_FOLDER})


@dataclass
class AuditResult:
    """What the audit found, per graded cell.

    Attributes
    ----------
    verdicts : dict
        ``grade_id`` -> True (the audit re-checked what the cell tests and it
        holds), False (it does not hold: the cell scores 0) or None (no
        opinion: the in-kernel score stands).
    messages : dict
        ``grade_id`` -> learner-facing text saying why a verdict is False.
    flags : list of str
        Instructor-facing reasons to review the submission that do not
        depend on the scores (tampering, too many files); :func:`apply_audit`
        adds the disagreements with the in-kernel scores.
    exact : frozenset of str
        The grade_ids re-scored exactly (literal answers, the hidden tests'
        evidence): their verdict gives full marks or 0, whatever the kernel
        said.
    notes : list of str
        Learner-facing findings about the whole notebook (grading code used
        or replaced), for the top of the feedback.
    events : list of dict
        What the kernel's monitor noted (:mod:`outputsaving.grading.monitor`).
    unflagged : frozenset of str
        grade_ids whose change needs no review: an answer written in a form
        that is not graded (its message says so; it is not tampering).
    """

    verdicts: dict[str, bool | None]
    messages: dict[str, str]
    flags: list[str]
    exact: frozenset[str] = field(default_factory=frozenset)
    notes: list[str] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    unflagged: frozenset[str] = field(default_factory=frozenset)


# -- finding the saved files ---------------------------------------------------------


def saved_files(
    workdir, /, *, exclude: Collection[str] = (), max_files: int = MAX_FILES
) -> tuple[list[Path], bool]:
    """Return the regular files the notebook's run left in ``workdir``.

    Parameters
    ----------
    workdir : str or Path
        The working copy where the notebook ran.
    exclude : collection of str, optional
        More paths, relative to ``workdir`` in POSIX form, to leave out.
    max_files : int, optional
        Stop after this many files.

    Returns
    -------
    files : list of Path
        Sorted (each folder's files by name, then its sub-folders');
        symbolic links, special files, notebooks, ``timestamp.txt`` at the
        top and anything in ``.ipynb_checkpoints`` are left out, and no link
        is followed (:func:`outputsaving.files.walk_no_follow`).
    truncated : bool
        True when there were more than ``max_files`` files.
    """
    excluded = {"timestamp.txt", *exclude}
    files: list[Path] = []
    walk = walk_no_follow(
        workdir, enter=lambda folder: folder.path.name not in _NOT_OUTPUTS
    )
    try:
        for entry in walk:
            if (
                not stat.S_ISREG(entry.info.st_mode)
                or entry.relative.endswith(".ipynb")
                or entry.relative in excluded
            ):
                continue
            if len(files) == max_files:
                return files, True
            files.append(entry.path)
    except OSError:  # no working copy to look in
        pass
    return files, False


@dataclass
class _Files:
    """The saved files of one working copy, with their formats.

    ``unread``: how many more files there were than the audit reads.
    """

    root: Path
    formats: dict[Path, str]
    unread: int = 0

    @classmethod
    def scan(
        cls, workdir: Path, *, exclude: Collection[str], first: Sequence[Path] = ()
    ) -> _Files:
        """The files ``first`` (those the tests judged), then the others."""
        paths, truncated = saved_files(workdir, exclude=exclude, max_files=10**6)
        chosen = list(dict.fromkeys([*first, *paths]))
        unread = max(0, len(chosen) - max(MAX_FILES, len(first)))
        chosen = chosen[: max(MAX_FILES, len(first))]
        formats = {}
        for path in chosen:
            try:
                if path.stat().st_size > MAX_FILE_BYTES:
                    continue
                formats[path] = sniff_format(path)
            except OSError:
                continue
        return cls(Path(workdir), formats, unread + int(truncated))

    def of(self, *kinds: str) -> list[Path]:
        return [path for path, fmt in self.formats.items() if fmt in kinds]

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def _audit_files(
    files: _Files,
    candidates: list[Path],
    check: Callable[[Path], list[CheckResult]],
    *,
    code: str,
    what: str = "",
) -> tuple[bool, str]:
    """Pass when one candidate passes ``check``; else say what came closest."""
    closest: tuple[tuple[bool, int], str, list[CheckResult]] | None = None
    for path in candidates:
        results = check(path)
        if all(result.passed for result in results):
            return True, ""
        # Closest: a file the checker could read, then the fewest errors.
        unreadable = all(result.content is None for result in results)
        rank = (unreadable, sum(len(result.errors) for result in results))
        if closest is None or rank < closest[0]:
            closest = (rank, files.relative(path), results)
    if not files.formats:
        if what:
            return False, fill(code, what=what)
        return False, fill("classroom.audit_no_files")
    text = fill(code, what=what) if what else fill(code)
    if files.unread:
        # Say what was not read, rather than claim that no file passes.
        text = fill(
            "classroom.audit_unread", read=len(files.formats), unread=files.unread
        )
    if closest is not None:
        details = "\n".join(
            failure_message(result) for result in closest[2] if not result.passed
        )
        text += "\n" + fill("classroom.audit_closest", file=closest[1])
        text += "\n" + details
    return False, text


# -- activity 1 ----------------------------------------------------------------------


def _settings_check(reruns: list[int]) -> Callable[[Path], list[CheckResult]]:
    """Activity 1's settings check, plus the re-run (in this process)."""

    def check(path: Path) -> list[CheckResult]:
        results = activity1.settings_result(path)
        if not all(result.passed for result in results) or reruns[0] >= MAX_RERUNS:
            return results
        reruns[0] += 1
        rerun = task_result("settings", path)
        labels, reason = activity1.rerun_in_process(path)
        reference = activity1.reference_labels()
        if labels is None:
            rerun.add("activity1.settings_rerun_failed", reason=reason)
        elif not np.array_equal(labels, reference):
            rerun.add(
                "activity1.settings_rerun_differs",
                found=int(labels.max()),
                expected=int(reference.max()),
            )
        return [*results, rerun]

    return check


def _activity1_files(files: _Files) -> dict[str, tuple[bool, str]]:
    images = files.of(*_IMAGE_FORMATS)
    texts = files.of("text")
    return {
        "mask": _audit_files(
            files,
            images,
            activity1.label_mask_result,
            code="classroom.audit_label_mask",
        ),
        "table": _audit_files(
            files, texts, activity1.table_result, code="classroom.audit_table"
        ),
        "rois": _audit_files(
            files,
            files.of("zip", "imagej_roi"),
            activity1.rois_result,
            code="classroom.audit_rois",
        ),
        "settings": _audit_files(
            files, texts, _settings_check([0]), code="classroom.audit_settings"
        ),
    }


# -- activity 2 ----------------------------------------------------------------------


def _activity2_files(files: _Files) -> dict[str, tuple[bool, str]]:
    images = files.of(*_IMAGE_FORMATS)

    def mask_format(fmt: str) -> Callable[[Path], list[CheckResult]]:
        return lambda path: activity2.mask_format_result(path, fmt=fmt)

    return {
        "table_csv": _audit_files(
            files,
            files.of("text"),
            activity2.table_csv_result,
            code="classroom.audit_table_csv",
        ),
        "png16": _audit_files(
            files, images, mask_format("png16"), code="classroom.audit_png16"
        ),
        "jpeg": _audit_files(
            files, images, mask_format("jpeg"), code="classroom.audit_jpeg"
        ),
        "colour_png": _audit_files(
            files,
            images,
            mask_format("colour_png"),
            code="classroom.audit_colour_png",
        ),
        "nuclei": _audit_files(
            files,
            images,
            activity2.nuclei_mask_result,
            code="classroom.audit_nuclei_mask",
        ),
    }


# -- the ImageJ track -----------------------------------------------------------------


def _imagej_files(assignment: str, workdir: Path) -> dict[str, tuple[bool, str]]:
    """The files handed in, in ``output/``, and the edited macro (task 1)."""
    folder = workdir / imagej.OUTPUT_FOLDER
    if folder.is_dir() and not folder.is_symlink():
        files = _Files.scan(folder, exclude=())
    else:
        files = _Files(folder, {})
    activity = 2 if assignment == "activity2_imagej" else 1
    macro = workdir / imagej.MACRO_NAMES[assignment]
    upload = imagej.upload_result(macro, folder, activity=activity)
    audits = {
        "upload": (
            all(r.passed for r in upload),
            "\n".join(failure_message(r) for r in upload if not r.passed),
        )
    }
    for task in _IMAGEJ_TASKS[assignment]:
        audits[task] = _audit_files(
            files,
            files.of(*imagej.CANDIDATE_FORMATS[task]),
            lambda path, task=task: imagej.file_result(task, path),
            code="classroom.audit_imagej_files",
            what=imagej.TASK_WORDS[task],
        )
    return audits


_IMAGEJ_TASKS = {
    "activity1_imagej": ("mask", "table", "rois"),
    "activity2_imagej": ("table_csv", "png16", "jpeg", "colour_png", "nuclei"),
}


def _imagej_flags(assignment: str, workdir: Path, result: AuditResult) -> None:
    """Flag handed-in files that are not the macro's own (see :mod:`.imagej_review`)."""
    from outputsaving.classroom.imagej_review import review_reasons

    for reason in review_reasons(assignment, workdir):
        result.flags.append(f"handed-in files: {reason}")


# -- what each assignment's cells test -----------------------------------------------


@dataclass(frozen=True)
class _FileTask:
    """A task checked through saved files: visible and hidden test cells."""

    key: str
    visible: tuple[str, ...]
    hidden: tuple[str, ...]


_FILE_TASKS = {
    "activity1": (
        _FileTask(
            "mask",
            ("a1_task2_mask_lossless_visible",),
            ("a1_task2_mask_fresh_folder_hidden",),
        ),
        _FileTask(
            "table",
            ("a1_task3_table_tab_visible",),
            ("a1_task3_table_fresh_folder_hidden",),
        ),
        _FileTask(
            "rois", ("a1_task4_rois_zip_visible",), ("a1_task4_rois_rerun_hidden",)
        ),
        _FileTask(
            "settings",
            ("a1_task5_settings_visible",),
            ("a1_task5_settings_rerun_hidden",),
        ),
    ),
    "activity2": (
        _FileTask(
            "table_csv",
            ("a2_task2_table_csv_visible",),
            ("a2_task2_table_csv_hidden",),
        ),
        _FileTask(
            "png16", ("a2_task3_mask_formats_visible",), ("a2_task3_png16_hidden",)
        ),
        _FileTask(
            "jpeg", ("a2_task3_mask_formats_visible",), ("a2_task3_jpeg_hidden",)
        ),
        _FileTask(
            "colour_png",
            ("a2_task3_mask_formats_visible",),
            ("a2_task3_colour_png_hidden",),
        ),
        _FileTask(
            "nuclei",
            ("a2_task6_nuclei_mask_visible",),
            ("a2_task6_nuclei_mask_hidden",),
        ),
    ),
    "quiz": (),
    "activity1_imagej": (
        _FileTask("upload", ("ij1_task1_upload_visible",), ("ij1_task1_rerun_hidden",)),
        _FileTask(
            "mask", ("ij1_task2_mask_visible",), ("ij1_task2_mask_rerun_hidden",)
        ),
        _FileTask(
            "table", ("ij1_task3_table_visible",), ("ij1_task3_table_rerun_hidden",)
        ),
        _FileTask(
            "rois", ("ij1_task4_rois_visible",), ("ij1_task4_rois_rerun_hidden",)
        ),
    ),
    "activity2_imagej": (
        _FileTask("upload", ("ij2_task1_upload_visible",), ("ij2_task1_rerun_hidden",)),
        _FileTask(
            "table_csv",
            ("ij2_task2_table_csv_visible",),
            ("ij2_task2_table_csv_rerun_hidden",),
        ),
        _FileTask(
            "png16",
            ("ij2_task3_mask_formats_visible",),
            ("ij2_task3_png16_rerun_hidden",),
        ),
        _FileTask(
            "jpeg",
            ("ij2_task3_mask_formats_visible",),
            ("ij2_task3_jpeg_rerun_hidden",),
        ),
        _FileTask(
            "colour_png",
            ("ij2_task3_mask_formats_visible",),
            ("ij2_task3_colour_png_rerun_hidden",),
        ),
        _FileTask(
            "nuclei",
            ("ij2_task5_nuclei_mask_visible",),
            ("ij2_task5_nuclei_mask_rerun_hidden",),
        ),
    ),
}

#: Output-folder task: (answer cell, visible cell, hidden cell).
_OUTPUT_DIR_TASKS = {
    "activity1": (
        "a1_task1_output_dir",
        "a1_task1_output_dir_visible",
        "a1_task1_output_dir_hidden",
    ),
    "activity2": (
        "a2_task1_output_dir",
        "a2_task1_output_dir_visible",
        "a2_task1_output_dir_hidden",
    ),
}


def _q1(at_least: int) -> Callable[[object], CheckResult]:
    def check(answer) -> CheckResult:
        result = quiz.check_output_types(answer)
        if at_least < 3 and result.content >= at_least:
            return CheckResult(kind="quiz", path=result.path)
        return result

    return check


#: Literal answers: answer cell -> [(variable, graded cell, check)]. The checks
#: are the in-kernel tests' own, so a literal scores as it would in the kernel.
def _format_choices(task: str) -> list[tuple[str, str, Callable]]:
    """Activity 2's three "good format for labels?" literals (both tracks)."""
    return [
        (
            f"{prefix}_GOOD_FOR_LABELS",
            f"{task}_{fmt}_choice",
            lambda answer, fmt=fmt: activity2.check_format_choice(answer, fmt=fmt),
        )
        for prefix, fmt in (
            ("PNG16", "png16"),
            ("JPEG", "jpeg"),
            ("COLOUR_PNG", "colour_png"),
        )
    ]


_LITERAL_TASKS: dict[str, dict[str, list[tuple[str, str, Callable]]]] = {
    "quiz": {
        "quiz_q1_answer": [
            ("Q1_OUTPUT_TYPES", "quiz_q1_one_type", _q1(1)),
            ("Q1_OUTPUT_TYPES", "quiz_q1_two_types", _q1(2)),
            ("Q1_OUTPUT_TYPES", "quiz_q1_three_types", _q1(3)),
        ],
        "quiz_q2_answer": [
            ("Q2_FORMAT_PROPERTY", "quiz_q2_format", quiz.check_format_property),
        ],
        "quiz_q3_answer": [
            (
                "Q3_JPEG_FOR_LABEL_MASKS",
                "quiz_q3_jpeg",
                lambda answer: quiz.check_true_false(answer, question="q3"),
            ),
        ],
        "quiz_q4_answer": [
            (
                "Q4_TAB_DELIMITED_FOR_TABLES",
                "quiz_q4_tab",
                lambda answer: quiz.check_true_false(answer, question="q4"),
            ),
        ],
    },
    "activity2": {
        "a2_task5_format_choices": _format_choices("a2_task5"),
    },
    "activity1": {},
    "activity1_imagej": {},
    "activity2_imagej": {
        "ij2_task4_format_choices": _format_choices("ij2_task4"),
    },
}

# -- reading literal answers ---------------------------------------------------------


def _cells_by_grade_id(notebook) -> dict[str, nbformat.NotebookNode]:
    cells = {}
    for cell in notebook.get("cells", []):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id is not None and cell.get("cell_type") == "code":
            cells.setdefault(grade_id, cell)
    return cells


def _audit_literals(assignment: str, notebook, cells, result: AuditResult) -> None:
    """Re-score literal answers from the cells that set them, as the self-checks
    read them (:func:`~outputsaving.grading.literals.read_answer`): the
    learner's cells in notebook order; a form the rule refuses scores 0,
    unflagged, with the self-check's own words."""
    exact = set(result.exact)
    learner = [c for c in notebook.get("cells", []) if _is_learner_cell(c)]
    sources = [_source(c) for c in learner]
    read: dict[str, AnswerSource] = {}
    for answer_id, questions in _LITERAL_TASKS[assignment].items():
        cell = cells.get(answer_id)
        index = next((i for i, c in enumerate(learner) if c is cell), None)
        for variable, grade_id, check in questions:
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
                checked = check(answer.value)
                passed = checked.passed
                text = failure_message(checked)
            result.verdicts[grade_id] = passed
            if not passed:
                result.messages[grade_id] = text
    result.exact = frozenset(exact)


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


# -- the output folder ---------------------------------------------------------------


def _static_path(node: ast.AST) -> tuple[str, bool] | None:
    """``(text, is_path)`` of a literal path expression, or None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, False
    if isinstance(node, ast.Call) and not node.keywords:
        func = node.func
        named = (isinstance(func, ast.Name) and func.id == "Path") or (
            isinstance(func, ast.Attribute)
            and func.attr == "Path"
            and isinstance(func.value, ast.Name)
            and func.value.id == "pathlib"
        )
        parts = [
            arg.value
            for arg in node.args
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        ]
        if named and node.args and len(parts) == len(node.args):
            return str(PurePosixPath(*parts)), True
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left = _static_path(node.left)
        right = node.right
        if (
            left is not None
            and left[1]
            and isinstance(right, ast.Constant)
            and isinstance(right.value, str)
        ):
            return str(PurePosixPath(left[0], right.value)), True
    return None


def _assigned_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
    return names


def _static_output_dir(assignment: str, notebook) -> tuple[str, bool] | None:
    """``(text, is_path)`` of a literal ``OUTPUT_DIR`` set only in its answer cell."""
    answer = _cells_by_grade_id(notebook).get(_OUTPUT_DIR_TASKS[assignment][0])
    if answer is None:
        return None
    tree = _parse(_source(answer))
    if tree is None:
        return None
    value = None
    for statement in tree.body:
        if isinstance(statement, ast.Raise):
            break
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and statement.targets[0].id == "OUTPUT_DIR"
        ):
            value = _static_path(statement.value)
        elif "OUTPUT_DIR" in _assigned_names(statement):
            value = None
    if value is None:
        return None
    for cell in notebook.get("cells", []):
        if cell is answer or cell.get("cell_type") != "code":
            continue
        other = _parse(_transformed(_source(cell)))
        if other is not None and "OUTPUT_DIR" in _assigned_names(other):
            return None  # set again elsewhere: no opinion
    return value


def _is_absolute(text: str) -> bool:
    return text.startswith(("/", "~", "\\")) or PureWindowsPath(text).drive != ""


def _output_dir_outside(assignment: str, notebook, workdir: Path) -> str | None:
    """The literal ``OUTPUT_DIR`` when files saved there land outside ``workdir``.

    Judged where the notebook ran: ``~`` is not expanded by pathlib and a
    Windows drive is a plain folder name on POSIX, so only a POSIX absolute
    path or one climbing out with ``..`` is outside.
    """
    if assignment not in _OUTPUT_DIR_TASKS:
        return None
    value = _static_output_dir(assignment, notebook)
    if value is None:
        return None
    root = workdir.resolve()
    return None if (root / value[0]).resolve().is_relative_to(root) else value[0]


def _audit_output_dir(assignment: str, notebook, workdir: Path, result) -> None:
    _, visible_id, hidden_id = _OUTPUT_DIR_TASKS[assignment]
    value = _static_output_dir(assignment, notebook)
    if value is None:
        return
    text, is_path = value
    if not is_path:
        # The visible test asks for a Path; the hidden test judges where it is.
        result.verdicts[visible_id] = False
        result.messages[visible_id] = fill(
            "activity1.output_dir_not_path", found=f"the text {text!r}"
        )
    if _is_absolute(text):
        result.verdicts[hidden_id] = False
        result.messages[hidden_id] = fill("activity1.output_dir_absolute", path=text)
        return
    root = workdir.resolve()
    folder = (root / text).resolve()
    inside = folder != root and folder.is_relative_to(root)
    if folder == root:
        result.verdicts[hidden_id] = False
        result.messages[hidden_id] = fill("activity1.output_dir_is_notebook_folder")
    elif not inside:
        result.verdicts[hidden_id] = False
        result.messages[hidden_id] = fill("activity1.output_dir_outside", path=text)
    else:
        result.verdicts[hidden_id] = True
    if not is_path or not folder.is_relative_to(root):
        # A text already failed the visible test; outside the working copy
        # the audit cannot see whether the folder exists.
        return
    result.verdicts[visible_id] = folder.is_dir()
    if not folder.is_dir():
        result.messages[visible_id] = fill("activity1.output_dir_missing", path=text)


# -- tampering -----------------------------------------------------------------------

_FORBIDDEN_MODULES = ("builtins", "importlib", "ctypes", "gc")
#: Harmless parts of the forbidden modules (package versions, data files).
_ALLOWED_SUBMODULES = ("importlib.metadata", "importlib.resources")
_FORBIDDEN_CALLS = frozenset(
    {"exec", "eval", "compile", "__import__", "setattr", "delattr", "globals", "vars"}
)
_ALLOWED_DUNDERS = frozenset({"__name__", "__doc__", "__version__", "__file__"})
_RISKY_MAGICS = frozenset(
    {"run", "load", "load_ext", "reload_ext", "autoreload", "aimport", "rerun"}
)
_SAFE_IPYTHON = frozenset({"run_line_magic", "run_cell_magic", "system", "getoutput"})


def _transformed(source: str) -> str:
    """The cell as plain Python (IPython's magics and ``!`` lines rewritten)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython comes with nbgrader
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # unreadable cells are not tampering
        return source


def _parse(source: str) -> ast.Module | None:
    if len(source) > 10 * MAX_ANSWER_CHARS:
        return None
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.AST) -> str:
    try:
        return ast.unparse(node)[:60]
    except (ValueError, RecursionError):  # pragma: no cover - defensive
        return "an attribute"


def _is_learner_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    restored = meta.get("locked", False) or (
        meta.get("grade", False) and not meta.get("solution", False)
    )
    return cell.get("cell_type") == "code" and not restored


def tampering_evidence(notebook, /) -> list[str]:
    """Scan the cells a learner can edit for code that reaches into the grader.

    Parameters
    ----------
    notebook : NotebookNode
        The executed notebook.

    Returns
    -------
    list of str
        Learner-facing descriptions, such as ``"it uses sys.modules"`` or
        ``"it replaces activity1.grade_label_mask"``, one per finding and at
        most one per kind of finding and name; empty when nothing was found.
        Cells nbgrader restores from the instructor's version (locked and
        test cells) are not scanned, but the names they import count as
        modules.
    """
    trees = []
    modules: set[str] = set()
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        tree = _parse(_transformed(_source(cell)))
        if tree is None:
            continue
        for node in ast.walk(tree):
            # Names bound to the course's modules: replacing their attributes
            # is tampering (other libraries' settings are the learner's own).
            if isinstance(node, ast.Import):
                modules.update(
                    (alias.asname or alias.name).split(".")[0]
                    for alias in node.names
                    if alias.name.startswith("outputsaving")
                )
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "outputsaving"
            ):
                modules.update(alias.asname or alias.name for alias in node.names)
        if _is_learner_cell(cell):
            trees.append(tree)
    modules.discard("*")
    found: list[str] = []

    def add(text: str, *, kind: str = "") -> None:
        # One finding per text; one in all for a kind (a chain of frame reads).
        if text not in found and not (kind and any(f.startswith(kind) for f in found)):
            found.append(text)

    builtins_names = {"__builtins__"}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                builtins_names.update(
                    alias.asname or alias.name
                    for alias in node.names
                    if alias.name == "builtins"
                )
    for tree in trees:
        for node in ast.walk(tree):
            _scan_node(node, modules, add)
            _scan_runtime(node, builtins_names, add)
    if any(text.startswith(PATCHES_BUILTINS) for text in found):
        # Named for what it does, not for the import it needed.
        found = [text for text in found if text != "it imports builtins"]
    return found


#: How a finding of :func:`tampering_evidence` begins for a patch of Python's
#: built-ins, and for code that reads call frames.
PATCHES_BUILTINS = "it patches Python's built-ins"
READS_FRAMES = "it reads the grader's call frames"
#: Attributes that give code the frames of its callers (the grader's, in a test).
_FRAME_ATTRIBUTES = frozenset(
    {"_getframe", "_current_frames", "f_back", "f_locals", "f_globals", "tb_frame"}
)
#: Functions of inspect and traceback that walk the live stack.
_FRAME_FUNCTIONS = {
    "inspect": frozenset(
        {"stack", "currentframe", "getouterframes", "getinnerframes", "trace"}
    ),
    "traceback": frozenset({"walk_stack", "extract_stack", "print_stack"}),
    "sys": frozenset({"_getframe", "_current_frames"}),
}


def _scan_runtime(
    node: ast.AST, builtins_names: set[str], add: Callable[..., None]
) -> None:
    """Findings about Python itself: patched built-ins, call frames read."""
    patched = None
    if isinstance(node, ast.Attribute | ast.Subscript) and isinstance(
        node.ctx, ast.Store | ast.Del
    ):
        patched = node.value
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("setattr", "delattr")
        and node.args
    ):
        patched = node.args[0]
    if isinstance(patched, ast.Name) and patched.id in builtins_names:
        add(f"{PATCHES_BUILTINS} ({_dotted(node)})")
    if isinstance(node, ast.Attribute):
        owner = node.value.id if isinstance(node.value, ast.Name) else None
        if node.attr in _FRAME_ATTRIBUTES or node.attr in _FRAME_FUNCTIONS.get(
            owner or "", ()
        ):
            add(f"{READS_FRAMES} ({_dotted(node)})", kind=READS_FRAMES)
    elif isinstance(node, ast.ImportFrom) and node.module in _FRAME_FUNCTIONS:
        for alias in node.names:
            if alias.name in _FRAME_FUNCTIONS[node.module]:
                add(f"{READS_FRAMES} ({node.module}.{alias.name})", kind=READS_FRAMES)


def _scan_node(node: ast.AST, modules: set[str], add: Callable[[str], None]) -> None:
    if isinstance(node, ast.Import | ast.ImportFrom):
        names = (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [f"{node.module or ''}.{alias.name}" for alias in node.names]
        )
        for name in names:
            top = name.split(".")[0]
            allowed = name.startswith(_ALLOWED_SUBMODULES)
            if top in _FORBIDDEN_MODULES and not allowed:
                add(f"it imports {name}")
    elif isinstance(node, ast.Attribute):
        if node.attr == "modules" and _root_name(node) == "sys":
            add("it uses sys.modules")
        elif (
            node.attr.startswith("__")
            and node.attr.endswith("__")
            and node.attr not in _ALLOWED_DUNDERS
        ):
            add(f"it uses {node.attr}")
        if isinstance(node.ctx, ast.Store | ast.Del) and _root_name(node) in modules:
            add(f"it replaces {_dotted(node)}")
    elif isinstance(node, ast.Name):
        if node.id in ("__builtins__", "__loader__", "__spec__"):
            add(f"it uses {node.id}")
    elif isinstance(node, ast.Call):
        _scan_call(node, modules, add)


def _scan_call(node: ast.Call, modules: set[str], add: Callable[[str], None]) -> None:
    func = node.func
    if isinstance(func, ast.Name) and func.id in _FORBIDDEN_CALLS:
        add(f"it calls {func.id}")
        return
    if not isinstance(func, ast.Attribute):
        return
    if _root_name(func) == "get_ipython" and isinstance(func.value, ast.Call):
        if func.attr not in _SAFE_IPYTHON:
            add(f"it calls get_ipython().{func.attr}")
        elif func.attr.startswith("run_") and node.args:
            first = node.args[0]
            name = first.value if isinstance(first, ast.Constant) else None
            if not isinstance(name, str) or name.lstrip("%") in _RISKY_MAGICS:
                add(f"it runs the magic %{str(name).lstrip('%')}")


# -- the audit -----------------------------------------------------------------------


def audit_notebook(
    assignment: str,
    executed_notebook,
    workdir,
    /,
    *,
    exclude: Collection[str] = (),
    distrust_on_tampering: bool = True,
) -> AuditResult:
    """Re-check an executed notebook's work outside the learner's kernel.

    Parameters
    ----------
    assignment : {"activity1", "activity2", "quiz"}
        The assignment the notebook belongs to.
    executed_notebook : NotebookNode
        The notebook as nbgrader executed it (its answer cells are read, its
        outputs are not trusted).
    workdir : str or Path
        The working copy where it ran, holding the files its code wrote.
    exclude : collection of str, optional
        Files of ``workdir`` (POSIX paths relative to it) that were there
        before the run, such as data files handed out with the assignment.
    distrust_on_tampering : bool, optional
        When the tampering scan finds something, give verdict False to every
        graded cell the audit cannot re-check itself (default). When False,
        only flag it.

    Returns
    -------
    AuditResult
        See the module's docstring for what each kind of cell gets.

    Raises
    ------
    ValueError
        For an unknown assignment or a ``workdir`` that is not a folder.
    """
    if assignment not in ASSIGNMENTS:
        msg = f"expected one of {', '.join(ASSIGNMENTS)} but got {assignment!r}"
        raise ValueError(msg)
    workdir = Path(workdir)
    if not workdir.is_dir():
        msg = f"workdir {workdir} is not a folder"
        raise ValueError(msg)
    result = AuditResult(verdicts={}, messages={}, flags=[])
    cells = _cells_by_grade_id(executed_notebook)
    _audit_literals(assignment, executed_notebook, cells, result)
    if assignment in _OUTPUT_DIR_TASKS:
        _audit_output_dir(assignment, executed_notebook, workdir, result)
    if _FILE_TASKS[assignment]:
        outside = _output_dir_outside(assignment, executed_notebook, workdir)
        if assignment in imagej.ASSIGNMENTS:
            audits = _imagej_files(assignment, workdir)
        else:
            files = _Files.scan(
                workdir, exclude=exclude, first=visible_paths(assignment, workdir)
            )
            audits = (
                _activity1_files(files)
                if assignment == "activity1"
                else _activity2_files(files)
            )
        for task in _FILE_TASKS[assignment]:
            passed, text = audits[task.key]
            if not passed and outside is not None:
                # The files went where the grader cannot see: say so plainly.
                text = fill("classroom.audit_files_outside", path=outside)
            for grade_id in task.visible:
                if result.verdicts.get(grade_id) is False:
                    continue  # a cell shared by several files: any failure wins
                result.verdicts[grade_id] = passed
                if not passed:
                    result.messages[grade_id] = text
    exact = set(result.exact)
    for grade_id, (passed, text) in audit_evidence(assignment, workdir).items():
        # The hidden tests' points follow the re-check of what they left.
        result.verdicts[grade_id] = passed
        exact.add(grade_id)
        if not passed:
            result.messages[grade_id] = text
    result.exact = frozenset(exact)
    for grade_id, finding in writer_findings(assignment, workdir).items():
        # Files the learner's call did not write: a flag; a change after the
        # call, which the kernel's test could not see, is told on top too.
        result.flags.append(f"{grade_id}: not the call's own files: {finding.message}")
        if finding.code == "task.changed_after_call":
            result.notes.append(finding.message)
    for grade_id, finding in unseen_findings(assignment, workdir).items():
        # The same bytes for the notebook's data and for unseen data.
        result.flags.append(
            f"{grade_id}: the same file whatever it was given: {finding.message}"
        )
    for grade_id, finding in compare_findings(assignment, workdir).items():
        # Right for the shipped example cases only: answers kept for them.
        result.flags.append(
            f"{grade_id}: right for the example cases shipped with the course, "
            f"not for one made at grading time: {finding.message}"
        )
    if assignment in imagej.ASSIGNMENTS:
        _imagej_flags(assignment, workdir, result)
    _audit_events(read_events(workdir), _graded_ids(executed_notebook), result)
    evidence = tampering_evidence(executed_notebook)
    replaced = [e["target"] for e in result.events if e["kind"] == "replaces"]
    evidence += [f"it replaces {target}" for target in replaced]
    if evidence:
        detail = "; ".join(dict.fromkeys(evidence[:3]))
        result.flags.append(f"possible tampering with the grader: {detail}")
        text = _tampering_text(evidence)
        result.notes.append(text)
        if distrust_on_tampering:
            for grade_id in _graded_ids(executed_notebook):
                if result.verdicts.get(grade_id) is None:
                    result.verdicts[grade_id] = False
                    result.messages[grade_id] = text
    return result


def _tampering_text(evidence: list[str]) -> str:
    """The learner's note for the tampering scan's findings, named for what
    they are: a patch of Python's built-ins, call frames read, or the course's
    grading code reached into."""
    for kind, code in (
        (PATCHES_BUILTINS, "classroom.audit_builtins"),
        (READS_FRAMES, "classroom.audit_frames"),
    ):
        if all(text.startswith(kind) for text in evidence):
            parts = [text.removeprefix(kind).strip(" ()") for text in evidence]
            return fill(code, detail=", ".join(dict.fromkeys(parts[:3])))
    return fill(
        "classroom.audit_tampering", detail="; ".join(dict.fromkeys(evidence[:3]))
    )


# -- how the notebook used the course's code (the kernel's monitor) -----------------

#: Largest events file read.
MAX_EVENTS_BYTES = 1_000_000


def read_events(workdir, /) -> list[dict]:
    """The monitor's events (:mod:`outputsaving.grading.monitor`) of a run."""
    from outputsaving.classroom.evidence_audit import _read_regular
    from outputsaving.grading.monitor import EVENTS_FILE

    data = _read_regular(
        Path(workdir) / EVIDENCE_FOLDER / EVENTS_FILE, MAX_EVENTS_BYTES
    )
    events = []
    for line in (data or b"").decode("utf-8", "replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and all(
            isinstance(event.get(k), str) for k in ("kind", "target", "line")
        ):
            events.append(event)
    return events


#: Activity 1's tasks by words in the name a learner's code used.
_A1_WORDS = (
    (("settings", "rerun", "other_limits", "raised", "labels_for"), "a1_task5"),
    (("output_dir",), "a1_task1"),
    (("rois",), "a1_task4"),
    (("table",), "a1_task3"),
    (("mask", "reference"), "a1_task2"),
)
_A2_WORDS = (
    (("compare", "counts"), "a2_task4"),
    (("table_csv",), "a2_task2"),
    (("nuclei",), "a2_task6"),
    (("mask_format", "shapes", "saved_masks"), "a2_task3"),
    (("output_dir",), "a2_task1"),
)
_IJ_WORDS = (
    (("upload", "output_folder"), ("ij1_task1", "ij2_task1")),
    (("table_csv",), ("ij2_task2",)),
    (("format_choice",), ("ij2_task4",)),
    (("nuclei",), ("ij2_task5",)),
    (("masks", "mask_format", "png", "jpeg", "colour"), ("ij2_task3",)),
    (("label_mask", "mask"), ("ij1_task2",)),
    (("table",), ("ij1_task3",)),
    (("rois",), ("ij1_task4",)),
)
_QUIZ_WORDS = (
    (("output_types", "split_items"), ("quiz_q1",)),
    (("format_property",), ("quiz_q2",)),
    (("true_false", "true_words", "false_words"), ("quiz_q3", "quiz_q4")),
)


#: Names that reveal nothing about any answer (forms, given values): using
#: them is flagged, but costs no points.
_HARMLESS = frozenset(
    {
        "answer_form_result",
        "question_names",
        "item_separators",
        "normalise_answer",
        "parse_true_false",
        "format_choices_result",
        "choice_names",
        "compare_keys",
        "input_name",
        "min_size",
        "max_size",
    }
)


def _event_tasks(event: dict) -> tuple[str, ...]:
    """The tasks (grade_id prefixes) whose points an event of use concerns."""
    module, _, name = event["target"].rpartition(".")
    name = name.lower()
    if event["kind"] == "uses" and name in _HARMLESS:
        return ()
    line = event["line"]
    if module == "outputsaving.demo":
        return ("a1_task2", "a1_task3", "a1_task4", "a1_task5")
    if module == "outputsaving.settings":
        return ("a1_task5",)
    if module.endswith(".rerun"):
        return ("a1_task5",)
    if module.endswith(".quiz"):
        question = re.search(r"question\s*=\s*['\"](q\d)['\"]", line)
        if question:
            return (f"quiz_{question.group(1)}",)
        for words, tasks in _QUIZ_WORDS:
            if any(word in name for word in words):
                return tasks
        return ("quiz_q",)
    if module.endswith((".activity2", ".activity2_unseen")):
        if "choice" in name:
            fmt = re.search(r"fmt\s*=\s*['\"](\w+)['\"]", line)
            return (f"a2_task5_{fmt.group(1)}_",) if fmt else ("a2_task5",)
        return tuple(
            task for words, task in _A2_WORDS if any(w in name for w in words)
        )[:1]
    if module.endswith(".imagej"):
        for words, tasks in _IJ_WORDS:
            if any(word in name for word in words):
                return tasks
        return ()
    if module.endswith(".activity1"):
        return tuple(
            task for words, task in _A1_WORDS if any(w in name for w in words)
        )[:1]
    return ()


def _audit_events(events: list[dict], graded_ids: list[str], result) -> None:
    """Give 0 to the tasks whose grading code or saving code a learner used."""
    result.events = events
    for kind, code, flag in (
        ("uses", "classroom.audit_grading_use", "uses the course's code"),
        ("saves_with", "classroom.audit_course_saving", "saves with the course's code"),
        (
            "reads_frames",
            "classroom.audit_reads_frames",
            READS_FRAMES.removeprefix("it "),
        ),
    ):
        chosen = [e for e in events if e["kind"] == kind]
        if not chosen:
            continue
        names = sorted({e["target"].removeprefix("outputsaving.") for e in chosen})
        detail = ", ".join(names[:3])
        text = fill(code, detail=detail)
        result.notes.append(text)
        result.flags.append(f"{flag}: {detail}")
        for event in chosen:
            for task in _event_tasks(event):
                for grade_id in graded_ids:
                    if grade_id.startswith(task):
                        result.verdicts[grade_id] = False
                        result.messages[grade_id] = text
                        result.exact = frozenset({*result.exact} - {grade_id})


def _graded_ids(notebook) -> list[str]:
    ids = []
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade", False) and "grade_id" in meta:
            ids.append(meta["grade_id"])
    return ids


# -- combining with the in-kernel scores ------------------------------------------


def apply_audit(
    scores: Mapping[str, tuple[float, float]], audit: AuditResult, /
) -> tuple[dict[str, tuple[float, float]], list[str]]:
    """Let the audit win where it disagrees with the in-kernel scores.

    The rule, per graded cell (``grade_id``) with in-kernel ``(score, max)``:

    - exact re-scores (``audit.exact``: literal answers): verdict True gives
      ``max``, False gives 0, whatever the kernel said;
    - any other cell with verdict False (the files, the literal output folder
      or tampering): 0;
    - any other cell with verdict True or None: the in-kernel score stands.
      The audit never adds points to a file task, because a correct file does
      not show that the test's other conditions held (the returned path, the
      run finishing within its budget);
    - cells the audit has no verdict for, or that are missing from ``scores``,
      are left as they are.

    Every cell whose score changes is flagged, and so is a visible file cell
    the audit passed but the kernel failed (verdict True, score below max),
    which should not happen with an honest notebook. A hidden cell failing in
    the kernel while the files pass is normal (the function fails in another
    folder) and is not flagged.

    Parameters
    ----------
    scores : mapping
        ``grade_id`` -> ``(score, max_score)`` from the gradebook; ``score``
        is None for a cell nbgrader did not grade (its test cell was deleted),
        which an exact or failing verdict then sets.
    audit : AuditResult
        From :func:`audit_notebook`.

    Returns
    -------
    scores : dict
        A new mapping with the audited scores.
    flags : list of str
        For the instructor: ``audit.flags``, then one line per disagreement,
        "grade_id: in-kernel a/m, audit b/m: reason".
    """
    new = dict(scores)
    flags = list(audit.flags)
    for grade_id, verdict in audit.verdicts.items():
        if grade_id not in scores or verdict is None:
            continue
        score, maximum = scores[grade_id]
        # None: nbgrader did not grade the cell (its test cell was deleted).
        kernel = "not graded" if score is None else f"{score:g}/{maximum:g}"
        reason = _first_line(audit.messages.get(grade_id, ""))
        if grade_id in audit.exact:
            audited = maximum if verdict else 0.0
            why = f"re-scored from the literal answer{': ' + reason if reason else ''}"
        elif verdict is False:
            audited = 0.0
            why = f"the audit failed: {reason}" if reason else "the audit failed"
        else:
            continue  # a file that passes shows no more than the kernel's test
        if audited != score:
            new[grade_id] = (float(audited), maximum)
            if grade_id not in audit.unflagged:
                flags.append(
                    f"{grade_id}: in-kernel {kernel}, audit {audited:g}/{maximum:g}: "
                    f"{why}"
                )
    return new, flags


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
