"""What a worker process does: autograde one submission, or time a solution.

Each job gets a task (:mod:`outputsaving.classroom.tasks`) and gives back a
result, both values: a worker reads no folder of the course. It lays the task
out in a folder of its own (its *scratch*: nbgrader's ``source/``,
``submitted/``, ``autograded/`` and a scratch gradebook), runs nbgrader's
Autograde converter there with :class:`~outputsaving.classroom.execute.BudgetedExecute`
and the sandboxed kernels of :mod:`outputsaving.classroom.kernels`, applies
the repairs before the run and the audit after it, and sends back the scores
and the graded folder's files.

A worker's kernels are forked from its fork server
(:mod:`outputsaving.classroom.forkserver`), started by :func:`start_worker`,
unless that fails (each kernel then starts a new Python; the reason comes
back with every result) or kernels run without the sandbox.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import multiprocessing.util
import os
import shutil
import stat
import tempfile
import time
import traceback
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nbformat

from outputsaving.classroom.course import NBGRADER_FILES
from outputsaving.classroom.diskwatch import grader_disk_full
from outputsaving.classroom.execute import BudgetedExecute, no_follow, not_run
from outputsaving.classroom.kernels import kernel_config
from outputsaving.classroom.limits import DEFAULT_MAX_FILE_BYTES, MAX_RESULT_BYTES
from outputsaving.classroom.outcomes import one_line
from outputsaving.classroom.secret import seed_in_environment
from outputsaving.classroom.tasks import GradeResult, GradeTask, SolutionTask
from outputsaving.files import remove_no_follow, write_atomically, write_tree
from outputsaving.findings import Finding
from outputsaving.grading.environment import GRADER_VARIABLE
from outputsaving.messages import fill

__all__ = ["after_run", "grade_submission", "measure_solution", "start_worker"]

#: This worker's state: its scratch folder and fork server.
_STATE: dict[str, Any] = {}


def start_worker(scratch_base: str | None, fork: bool) -> None:
    """Prepare a worker process (the pool's initializer).

    ``scratch_base``: where the worker makes its scratch folder (None: the
    system's temporary folder); ``fork``: start a fork server for its kernels.
    """
    # nbgrader's own autoflush warnings (serial nbgrader prints them too).
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    # A worker is a fork of the grader: the thread pool of the grader's event
    # loop, if it ever ran one, is copied without its threads, and work sent to
    # it would wait forever (a kernel start, for one). Give the loop a new pool.
    from jupyter_core.utils import ensure_event_loop

    ensure_event_loop().set_default_executor(ThreadPoolExecutor())
    if scratch_base is not None:
        Path(scratch_base).mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="worker-", dir=scratch_base))
    (scratch / "autograded").mkdir()
    _STATE.update(scratch=scratch, fork_server=None, fork_error="")
    multiprocessing.util.Finalize(
        None, remove_no_follow, args=(scratch,), exitpriority=0
    )
    if fork:
        _start_fork_server(scratch / "autograded")


def _start_fork_server(shared: Path) -> None:
    """This worker's fork server (kernels forked from pre-imported packages).

    Without it (it failed to start) each kernel starts a new Python: slower,
    as safe; the reason is reported with every result of this worker.
    """
    from outputsaving.classroom.forkserver import ForkServer, ForkServerError

    server = ForkServer(shared=[shared], sandbox_env={GRADER_VARIABLE: "1"})
    try:
        _STATE["fork_server"] = server.start()
    except (ForkServerError, OSError, ValueError) as error:
        _STATE["fork_error"] = str(error)
    else:
        multiprocessing.util.Finalize(server, server.close, exitpriority=10)


def _scratch() -> Path:
    """This worker's scratch folder (made on first use outside a pool)."""
    if "scratch" not in _STATE:
        start_worker(None, fork=False)
    return _STATE["scratch"]


# -- autograding one submission --------------------------------------------------


def grade_submission(task: GradeTask) -> GradeResult:
    """Autograde one submission; return its scores, notes and graded folder.

    Its kernel and the audit make the unseen data from the course's seed.
    """
    with seed_in_environment(task.course.unseen_seed):
        return _grade_submission(task)


def _grade_submission(task: GradeTask) -> GradeResult:
    from nbgrader.api import Gradebook
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    start = time.monotonic()
    student, name = task.student, task.assignment.name
    result = GradeResult(student, name, fork_error=_STATE.get("fork_error", ""))
    root = _scratch()
    staging = root / "submitted" / student / name
    workdir = root / "autograded" / student / name
    db_path = root / "gradebook.db"
    try:
        write_tree(root / "source" / name, task.assignment.files)
        write_tree(staging, task.submission)
        repairs, unreadable = _repair_staged(staging, task)
        if unreadable:
            # A notebook fault: graded 0 with the reason, never retried.
            result.outcome = "unreadable"
            result.reasons = [problem.message for problem in unreadable]
            result.mistakes = [problem.code for problem in unreadable]
            return result
        _note_intake(staging, task)
        db_path.write_bytes(task.course.template)
        if task.extension_seconds:
            with Gradebook(f"sqlite:///{db_path}", task.course.course_id) as gb:
                gb.update_or_create_student(student)
                gb.update_or_create_submission(
                    name,
                    student,
                    extension=dt.timedelta(seconds=task.extension_seconds),
                )
        config = _autograde_config(task, root, db_path)
        BudgetedExecute.reset()
        app = no_follow(Autograde)(
            coursedir=CourseDirectory(config=config), config=config
        )
        app.force = True
        app.create_student = True
        outcome = capture_log(app)
        result.log = outcome.get("log", "")
        if not outcome["success"]:
            result.error = outcome.get("error", "") + result.log[-4000:]
            return result
        from outputsaving.classroom.gradebook import read_grades

        result.notebooks, saved = read_grades(
            db_path, task.course.course_id, student, name
        )
        result.timestamp = task.timestamp or saved
        result.reasons = [*task.notes, *repairs]
        if full := _disk_full(task, workdir):
            # The grader's fault, not the learner's: graded again next run.
            result.outcome, result.error = "failed", full
            return result
        after_run(task, result, workdir)
        result.files, result.dropped = _graded_files(workdir, task.assignment.notebooks)
    except Exception:
        result.outcome = "failed"
        result.error = traceback.format_exc()
    finally:
        result.seconds = time.monotonic() - start
        with contextlib.suppress(OSError):
            for path in (root / "submitted", root / "source", workdir.parent, db_path):
                remove_no_follow(path)
    return result


def _autograde_config(task: GradeTask, root: Path, db_path: Path):
    """nbgrader's configuration for one submission, laid out in ``root``."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    config = copy.deepcopy(task.course.config)
    configured = config.Autograde.get("autograde_preprocessors")
    if configured is None:
        configured = Autograde.class_traits()["autograde_preprocessors"].default()
    config.Autograde.autograde_preprocessors = [
        BudgetedExecute
        if isinstance(p, type)
        and issubclass(p, Execute)
        and not issubclass(p, BudgetedExecute)
        else p
        for p in configured
    ]
    config.CourseDirectory.root = str(root)
    for folder in ("source", "submitted", "autograded"):
        config.CourseDirectory[f"{folder}_directory"] = folder
    config.CourseDirectory.db_url = f"sqlite:///{db_path}"
    config.CourseDirectory.assignment_id = task.assignment.name
    config.CourseDirectory.student_id = task.student
    workdir = root / "autograded" / task.student / task.assignment.name
    server = _STATE.get("fork_server")
    manager, sections = kernel_config(
        workdir,
        unsafe=task.unsafe,
        memory_bytes=task.memory_bytes,
        fork_server=server.key if server is not None and server.running else "",
    )
    config.BudgetedExecute.kernel_manager_class = manager
    config.BudgetedExecute.budgets = task.budgets
    config.BudgetedExecute.memory_bytes = task.memory_bytes
    config.BudgetedExecute.disk_path = str(workdir)
    config.BudgetedExecute.disk_bytes = task.disk_bytes
    for section, values in sections.items():
        for key, value in values.items():
            config[section][key] = value
    return config


def _note_intake(staging: Path, task: GradeTask) -> None:
    """Put intake's notes (which notebook was graded) at the top of each staged
    notebook, in a markdown cell, for the feedback.

    The notes name the learner's files: written as text, never as markup.
    """
    if not task.notes:
        return
    lines = [f"- {_as_text(note)}" for note in task.notes]
    text = "\n".join([f"**{fill('classroom.notebooks_header')}**", "", *lines])
    for name in task.assignment.notebooks:
        path = staging / name
        notebook = nbformat.read(path, as_version=4)
        notebook.cells.insert(0, nbformat.v4.new_markdown_cell(text))
        nbformat.write(notebook, path)


def _as_text(text: str) -> str:
    """``text`` as markdown that shows it as it is (no markup, no HTML)."""
    import html
    import re

    return re.sub(r"([\\`*_\[\]#!|~])", r"\\\1", html.escape(text, quote=False))


def _repair_staged(staging: Path, task: GradeTask) -> tuple[list[str], list[Finding]]:
    """Repair each staged notebook's cell metadata from the released version.

    Returns ``(repairs, unreadable)``: the repairs' learner messages (each
    repaired notebook also gets them in a note cell at its top, for the
    feedback), and why a notebook cannot be read at all (a notebook fault).
    """
    from outputsaving.classroom.repair import read_submitted, repair_notebook

    repairs: list[str] = []
    unreadable: list[Finding] = []
    for name in task.assignment.notebooks:
        path = staging / name
        reference = nbformat.reads(
            task.assignment.files[name].decode("utf-8"), as_version=4
        )
        try:
            submitted, upgraded = read_submitted(path)
        except Exception as error:  # a damaged notebook: the learner's to fix
            detail = one_line(f"{type(error).__name__}: {error}")[:300]
            unreadable.append(
                Finding.make("classroom.notebook_unreadable", name=name, error=detail)
            )
            continue
        # A fault of the repair itself is the grader's: it is raised, so that
        # the submission fails (not the learner's fault) and the next run
        # grades it again.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            repaired, done = repair_notebook(submitted, reference)
        if not done:
            if upgraded:  # saved by another tool: nothing to tell the learner
                nbformat.write(repaired, path)
            continue
        lines = [f"- {repair.message}" for repair in done]
        note = nbformat.v4.new_markdown_cell(
            "\n".join([f"**{fill('classroom.repair_header')}**", "", *lines])
        )
        repaired.cells.insert(0, note)
        nbformat.write(repaired, path)
        repairs.extend(repair.message for repair in done)
    return repairs, unreadable


def _disk_full(task: GradeTask, workdir: Path) -> str:
    """The grader's message when a cell failed because the grader's disk was
    full (:func:`~outputsaving.classroom.diskwatch.grader_disk_full`), or ""."""
    if any(code == "classroom.disk_quota" for _, code, _ in BudgetedExecute.stops):
        return ""  # the learner passed their share
    notebooks = [_read_notebook(workdir / name) for name in task.assignment.notebooks]
    error = grader_disk_full(
        [nb for nb in notebooks if nb is not None],
        workdir,
        task.disk_bytes or DEFAULT_MAX_FILE_BYTES,
    )
    return fill("classroom.disk_full_run", error=error) if error else ""


def after_run(task: GradeTask, result: GradeResult, workdir: Path) -> None:
    """Stops, the audit and the failing tests' messages of a graded submission."""
    from outputsaving.classroom.report import mistakes_of

    stops = list(BudgetedExecute.stops)
    result.reasons = [*result.reasons, *(m for _, _, m in stops)]
    result.outcome = "stopped" if stops else "graded"
    mistakes: list[str] = [code for _, code, _ in stops]
    before = [*task.assignment.notebooks, *NBGRADER_FILES]
    for name, record in result.notebooks.items():
        path = workdir / f"{name}.ipynb"
        executed = _read_notebook(path)
        if executed is None:
            continue
        # What a stop left unrun scores 0 and is not audited (nor flagged).
        unrun = not_run(executed)
        ran = {k: v for k, v in record.grades.items() if k not in unrun}
        audited, flags, reasons, notes = _audit(
            task.assignment.name, executed, workdir, ran, before
        )
        changed: dict[str, tuple[str, bool]] = {}
        for key, value in record.grades.items():
            if key in unrun:
                value[0] = 0.0
            elif key in audited:
                old, new = value[0], audited[key][0]
                if new != old:
                    raised = new is not None and new > (old or 0)
                    changed[key] = (reasons.get(key, ""), raised)
                value[0] = new
        result.flags.extend(flags)
        scores = {key: value[0] for key, value in record.grades.items()}
        mistakes.extend(mistakes_of(executed, scores))
        _note_audit_changes(path, changed, notes)
    result.mistakes = mistakes


def _audit(assignment: str, notebook, workdir: Path, grades: dict[str, list], exclude):
    """Apply the independent audit; returns ``(grades, flags, messages, notes)``.

    ``exclude``: the files of ``workdir`` that were there before the run.
    ``messages``: grade_id -> the audit's learner message (AuditResult.messages);
    ``notes``: its learner findings about the whole notebook.
    """
    from outputsaving.classroom import audit

    if assignment not in audit.ASSIGNMENTS:
        return grades, [], {}, []
    result = audit.audit_notebook(assignment, notebook, workdir, exclude=exclude)
    scores = {key: (value[0], value[1]) for key, value in grades.items()}
    scores, flags = audit.apply_audit(scores, result)
    new = {key: [value[0], value[1]] for key, value in scores.items()}
    return new, list(flags), dict(result.messages), list(result.notes)


def _read_notebook(path: Path):
    """The notebook at ``path``, or None if it is missing, a link or not a file.

    The folder is the one the learner's code ran in.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, encoding="utf-8") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return nbformat.read(handle, as_version=4)


def _note_audit_changes(
    path: Path, changed: dict[str, tuple[str, bool]], notes: Sequence[str] = ()
) -> None:
    """Say under each test cell whose score the audit changed why, for the feedback.

    ``changed``: grade_id -> (the audit's learner message, whether the score
    went up). Each such code cell of the autograded notebook at ``path`` gets a
    stream output on stderr, which the feedback shows (HideHiddenTests shortens
    error outputs only); ``notes`` go in a markdown cell at the top. The file
    is in the folder the learner's code ran in: it is opened without following
    a link, and anything but a regular file is left alone.
    """
    if not changed and not notes:
        return
    # Read-only: nbgrader leaves the file at mode 444, and an instructor who
    # is not root may not open it for writing. The new version replaces it.
    notebook = _read_notebook(path)
    if notebook is None:
        return
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.cell_type != "code" or grade_id not in changed:
            continue
        reason, raised = changed.pop(grade_id)
        if reason:
            text = fill("classroom.audit_recheck", reason=reason.strip())
        elif raised:
            text = fill("classroom.audit_recheck_passed")
        else:
            text = fill("classroom.audit_recheck_failed")
        note = nbformat.v4.new_output("stream", name="stderr", text=f"{text}\n")
        cell.outputs = [*cell.get("outputs", []), note]
    if notes:
        # Shown as written: "__dict__" is no bold "dict" (issue 26 §3).
        lines = "\n".join(f"- {_as_text(note)}" for note in notes)
        header = fill("classroom.audit_header")
        notebook.cells.insert(
            0, nbformat.v4.new_markdown_cell(f"**{header}**\n\n{lines}")
        )
    write_atomically(path, nbformat.writes(notebook))


def _graded_files(
    workdir: Path, notebooks: Sequence[str]
) -> tuple[dict[str, bytes], list[str]]:
    """The graded folder as values, and the entries left out.

    Regular files only, never read through a link (the learner's code wrote
    there), at most :data:`MAX_RESULT_BYTES` in all; the notebooks always.
    """
    from outputsaving.classroom.intake import safe_copy

    with tempfile.TemporaryDirectory(dir=_scratch()) as folder:
        copy_dir = Path(folder) / "graded"
        dropped = safe_copy(
            workdir,
            copy_dir,
            max_file_bytes=max(DEFAULT_MAX_FILE_BYTES, MAX_RESULT_BYTES),
            max_total_bytes=MAX_RESULT_BYTES,
        )
        files = {
            path.relative_to(copy_dir).as_posix(): path.read_bytes()
            for path in sorted(copy_dir.rglob("*"))
            if path.is_file()
        }
    for name in notebooks:
        if name in dropped:  # over the limit: the notebook comes back anyway
            with contextlib.suppress(OSError, ValueError):
                files[name] = nbformat.writes(_read_notebook(workdir / name)).encode()
                dropped.remove(name)
    return files, dropped


# -- timing a solution -------------------------------------------------------------


def measure_solution(task: SolutionTask) -> dict[str, float]:
    """Run the source notebooks (solutions) once; seconds per notebook."""
    with seed_in_environment(task.course.unseen_seed):
        return _measure_solution(task)


def _measure_solution(task: SolutionTask) -> dict[str, float]:
    from nbgrader.preprocessors import Execute

    out = {}
    work = _scratch() / "solution" / task.assignment.name
    try:
        for name in task.assignment.notebooks:
            write_tree(work, task.assignment.files)
            notebook = nbformat.read(work / name, as_version=4)
            manager, sections = kernel_config(
                work, unsafe=task.unsafe, memory_bytes=task.memory_bytes
            )
            config = copy.deepcopy(task.course.config)
            for section, values in sections.items():
                for key, value in values.items():
                    config[section][key] = value
            executor = Execute(config=config, kernel_manager_class=manager)
            resources = {"metadata": {"path": str(work)}, "nbgrader": {}}
            start = time.monotonic()
            executor.preprocess(notebook, resources)
            out[Path(name).stem] = time.monotonic() - start
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out
