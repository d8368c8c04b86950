"""Grade a whole class with nbgrader's own autograder: parallel, budgeted, resumable.

:func:`grade_class` grades every submission of nbgrader's ``submitted/`` layout
with nbgrader's :class:`~nbgrader.converters.Autograde` converter, run
in-process by a pool of worker processes (one per core by default, one kernel
per submission, no nbgrader start-up per submission).

Design
------
Gradebook writes
    Workers never write the course's gradebook. Each submission is autograded
    against a *scratch* SQLite gradebook (a copy of a template holding the
    assignments' structure, read from the course gradebook), so nbgrader's
    converter runs unchanged. The worker returns the grades; the parent process
    alone copies them into the course gradebook (any SQLAlchemy URL), then
    writes the submission's *marker*. There is no SQLite lock contention
    between workers by construction; the parent retries a write that meets a
    lock held by another program (``database is locked``).
Exactly once
    A submission counts as graded only when its marker exists: a small JSON
    file, written atomically (temporary file, fsync, rename) *after* the
    gradebook commit, in ``.outputsaving/graded/<assignment>/<student>.json``
    of the course (outside the folder the learner's code may write). It holds
    the submission's time stamp and the outcome. On start, every submission
    without a marker (or with ``force``, or whose time stamp differs from the
    marker's) has its marker removed, its ``autograded/`` folder wiped and is
    graded again; grades are written with nbgrader's update-or-create calls, so
    a regrade replaces, never duplicates. A kill at any moment therefore loses
    nothing (no marker: graded again) and duplicates nothing.
Budget
    :class:`BudgetedExecute`, nbgrader's Execute preprocessor with a
    whole-notebook time budget, is configured in place of Execute in
    ``Autograde.autograde_preprocessors``. The budget is ``max(time_floor,
    time_factor x the solution's own run time)``, measured once per source
    notebook (cached by content). When the budget is spent, or the memory cap
    is hit (a ``MemoryError``), or the kernel dies, the kernel is killed and
    every cell not run gets an error output naming the reason, so its tests
    score 0; the reason is recorded for the report.
Kernels
    In the sandbox of :mod:`outputsaving.classroom.sandbox` (bubblewrap, memory
    cap, dies with its parent). With ``unsafe=True`` (no sandbox), kernels get
    the memory cap (``RLIMIT_AS``) and a parent-death signal from a tiny
    launcher, so a killed grader leaves no kernel behind.
Worker processes
    Forked from the grader, which has imported nbgrader already; each worker
    asks Linux for ``SIGKILL`` when the grader dies (``PR_SET_PDEATHSIG``), and
    its kernels die with it (bubblewrap's ``--die-with-parent``; without the
    sandbox, the same parent-death signal set by the kernel's launcher).
Stuck or dead workers
    A worker notes which task it runs and since when. A task that gives no
    result long after its notebooks' budgets (:data:`STUCK_MARGIN`) has its
    worker killed (after it wrote its threads' stack, for the report). That
    task, or the one a dead worker was running, is tried once more, alone,
    then reported as failed (no marker: the next run grades it again). The
    pool is started again and the other tasks go on.
"""

from __future__ import annotations

import contextlib
import copy
import ctypes
import datetime as dt
import faulthandler
import hashlib
import json
import math
import multiprocessing
import multiprocessing.util
import os
import shutil
import signal
import stat
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    CancelledError,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TextIO

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert.writers import FilesWriter
from nbgrader.preprocessors import Execute
from traitlets import Dict, Float, Integer

from outputsaving.classroom.platform import grading_platform_problem
from outputsaving.grading.activity1 import GRADER_VARIABLE
from outputsaving.grading.evidence import EVIDENCE_FOLDER, EVIDENCE_VARIABLE
from outputsaving.messages import fill

__all__ = [
    "STATE_DIR",
    "BudgetedExecute",
    "ClassResult",
    "GradingRefused",
    "NoFollowFilesWriter",
    "Progress",
    "SubmissionOutcome",
    "course_settings",
    "grade_class",
    "marker_path",
    "prepare_gradebook",
    "put_scripts_on_path",
    "write_refusal_feedback",
]

#: Folder of the course holding the grader's own state (markers, scratch).
STATE_DIR = ".outputsaving"
#: The files nbgrader itself keeps beside a submitted notebook (collect and
#: release_feedback need the secret), copied with the notebooks.
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")
#: ename of the error outputs that replace the cells a stop left unrun.
STOP_ENAMES = {
    "classroom.time_budget": "TimeBudgetExceeded",
    "classroom.memory_limit": "MemoryLimitExceeded",
    "classroom.kernel_died": "KernelDied",
}
DEFAULT_MEMORY_BYTES = 3 * 2**30
DEFAULT_TIME_FLOOR = 30.0
DEFAULT_TIME_FACTOR = 5.0
#: Largest output kept per cell (streams, displays); errors are always kept.
DEFAULT_MAX_OUTPUT_BYTES = 4 * 2**20
#: Seconds a submission may take beyond the sum of its notebooks' budgets
#: (kernel starts, nbgrader's own work) before its worker counts as stuck.
STUCK_MARGIN = 300.0
#: Seconds after which a task without a budget (running a solution, writing
#: feedback) counts as stuck.
STUCK_WITHOUT_BUDGET = 1800.0
#: How often (seconds) the parent looks for stuck workers.
_WATCH_EVERY = 2.0
_PR_SET_PDEATHSIG = 1


class GradingRefused(RuntimeError):
    """Grading cannot start (no sandbox, no submissions, bad options)."""


# -- outcomes ------------------------------------------------------------------


@dataclass
class SubmissionOutcome:
    """What grading one submission gave.

    ``outcome`` is ``"graded"`` (every cell ran), ``"stopped"`` (a time budget,
    the memory cap or a dead kernel stopped the notebook; the cells not run
    scored 0), ``"refused"`` (intake refused it: not run, every test 0) or
    ``"failed"`` (nbgrader could not grade it: nothing recorded, graded again
    on the next run). ``fresh`` is False for a submission graded by an earlier
    run (read back from its marker).
    """

    student: str
    assignment: str
    outcome: str
    seconds: float = 0.0
    score: float = 0.0
    max_score: float = 0.0
    timestamp: str | None = None
    reasons: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    mistakes: list[str] = field(default_factory=list)
    grades: dict[str, list[float]] = field(default_factory=dict)
    fresh: bool = True
    error: str = ""

    def log_line(self) -> str:
        """One line for the log: student, assignment, seconds, score, outcome."""
        score = f"{_number(self.score)}/{_number(self.max_score)}"
        line = (
            f"{self.student:<20} {self.assignment:<12} {self.seconds:6.1f} s "
            f"{score:>9}  {self.outcome}"
        )
        details = [*self.reasons, *self.flags]
        if self.error:
            details.append(self.error.strip().splitlines()[-1])
        if details:
            line += ": " + "; ".join(_one_line(d) for d in details)
        return line


@dataclass
class ClassResult:
    """The whole class: one outcome per submission (this run's and earlier)."""

    course_dir: Path
    outcomes: list[SubmissionOutcome]
    seconds: float = 0.0
    workers: int = 1
    exports: dict[str, Path] = field(default_factory=dict)
    feedback: list[Path] = field(default_factory=list)

    @property
    def graded_now(self) -> list[SubmissionOutcome]:
        """The submissions graded (or refused) by this run."""
        return [o for o in self.outcomes if o.fresh]

    @property
    def failed(self) -> list[SubmissionOutcome]:
        """The submissions nbgrader could not grade (graded again next run)."""
        return [o for o in self.outcomes if o.outcome == "failed"]


def _number(value: float) -> str:
    return f"{value:g}"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# -- environment ---------------------------------------------------------------


def put_scripts_on_path() -> None:
    """Put this Python's scripts folder first on PATH (nbgrader runs ``alembic``).

    Needed when the environment is not activated (for example
    ``.venv/bin/outputsaving grade``); inherited by the worker processes.
    """
    scripts = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[:1] != [scripts]:
        os.environ["PATH"] = os.pathsep.join([scripts, *parts])


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def course_settings(course_dir: Path, *, db_url: str | None = None):
    """Return ``(config, coursedir)`` as ``nbgrader`` run in the course would.

    Loads the course's ``nbgrader_config.py`` (and the Jupyter config paths)
    with nbgrader's own application class.
    """
    from nbgrader.apps.baseapp import NbGrader

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
    from nbgrader.coursedir import CourseDirectory

    return config, CourseDirectory(config=config)


# -- the budgeted Execute preprocessor -----------------------------------------


class BudgetedExecute(Execute):
    """nbgrader's Execute with a whole-notebook time budget and a memory cap.

    Every code cell's timeout is the smaller of the configured per-cell
    ``timeout`` and what is left of the budget. When the budget is spent, a
    cell raises ``MemoryError`` (the kernel's memory cap) or the kernel dies,
    the kernel is killed and that cell and every later code cell get an error
    output naming the reason, without being run, so their tests score 0.
    Outputs beyond ``max_output_bytes`` per cell are dropped (errors are kept).
    The stops of the process are appended to :attr:`stops`.
    """

    budgets = Dict(
        {}, help="Time budget in seconds per notebook name (without .ipynb)."
    ).tag(config=True)
    budget_seconds = Float(
        None, allow_none=True, help="Time budget of notebooks not in budgets."
    ).tag(config=True)
    memory_bytes = Integer(
        0, help="The kernel's memory cap in bytes, for the messages (0: none)."
    ).tag(config=True)
    max_output_bytes = Integer(DEFAULT_MAX_OUTPUT_BYTES).tag(config=True)

    #: ``(notebook, code, message)`` of every stop in this process.
    stops: ClassVar[list[tuple[str, str, str]]] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # nbgrader's Execute passes its own kernel manager class as an argument,
        # which outranks the config: apply the configured one (the sandbox's).
        configured = self.config.get("BudgetedExecute", {}).get("kernel_manager_class")
        if configured is not None and "kernel_manager_class" not in kwargs:
            self.kernel_manager_class = configured

    def preprocess(self, nb, resources=None, km=None):
        notebook = (resources or {}).get("nbgrader", {}).get("notebook", "")
        self._notebook_name = notebook
        budget = self.budgets.get(notebook, self.budget_seconds)
        self._budget = float(budget) if budget else None
        self._deadline = None
        self._stop = None
        self._output_bytes = {}
        return super().preprocess(nb, resources, km)

    # per cell -----------------------------------------------------------------

    def execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        # Test cells stay out of the kernel's input history (In, _ih,
        # %history), so that a learner's cell printing it shows no hidden test.
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            store_history = False
        return super().execute_cell(cell, cell_index, execution_count, store_history)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        if self._deadline is None and self._budget is not None:
            self._deadline = time.monotonic() + self._budget
        if (
            self._stop is None
            and self._deadline is not None
            and time.monotonic() >= self._deadline
        ):
            self._halt("classroom.time_budget")
        if self._stop is not None:
            self._mark(cell)
            return cell, resources
        remaining = None
        if self._deadline is not None:
            remaining = max(1, math.ceil(self._deadline - time.monotonic()))
        per_cell = self.timeout if self.timeout and self.timeout > 0 else None
        limit = min(x for x in (remaining, per_cell, 10**9) if x is not None)
        budget_bound = remaining is not None and (
            per_cell is None or remaining <= per_cell
        )
        self.timeout_func = lambda _cell: limit
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._halt("classroom.kernel_died")
            self._mark(cell, keep=True)
            return cell, resources
        except CellTimeoutError:
            self._halt("classroom.time_budget" if budget_bound else "")
            self._mark(cell, keep=True)
            return cell, resources
        enames = {
            o.get("ename") for o in cell.get("outputs", []) if o.output_type == "error"
        }
        if budget_bound and "CellTimeoutError" in enames:
            self._halt("classroom.time_budget")
            cell.outputs = [
                o for o in cell.outputs if o.get("ename") != "CellTimeoutError"
            ]
            self._mark(cell, keep=True)
        elif "MemoryError" in enames and self.memory_bytes:
            self._halt("classroom.memory_limit")
            self._mark(cell, keep=True)
        return cell, resources

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] in {"stream", "display_data", "execute_result"}:
            size = len(json.dumps(msg.get("content", {}), default=str))
            used = self._output_bytes.get(cell_index, 0) + size
            self._output_bytes[cell_index] = used
            if used > self.max_output_bytes:
                return None
        return super().output(outs, msg, display_id, cell_index)

    # stopping -----------------------------------------------------------------

    def _halt(self, code: str) -> None:
        """Kill the kernel and remember why; later cells are not run."""
        code = code or "classroom.time_budget"
        if code == "classroom.time_budget":
            message = _message(code, budget=f"{self._budget:.0f} s")
        elif code == "classroom.memory_limit":
            message = _message(code, limit=_size(self.memory_bytes))
        else:
            message = _message(code)
        self._stop = (code, message)
        type(self).stops.append((self._notebook_name, code, message))
        self.log.warning("Stopping the notebook: %s", code)
        self._kill_kernel()

    def _kill_kernel(self) -> None:
        if self.km is None:
            return
        from jupyter_core.utils import ensure_async, run_sync

        km = self.km

        async def kill() -> None:
            with contextlib.suppress(Exception):
                await ensure_async(km.shutdown_kernel(now=True))

        with contextlib.suppress(Exception):
            run_sync(kill)()

    def _mark(self, cell, *, keep: bool = False) -> None:
        code, message = self._stop
        error = nbformat.v4.new_output(
            "error", ename=STOP_ENAMES[code], evalue=message, traceback=[message]
        )
        cell.outputs = [*cell.get("outputs", []), error] if keep else [error]


def _message(code: str, **values) -> str:
    return fill(code, **values)


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"  # pragma: no cover


# -- writing the executed notebook ---------------------------------------------


class NoFollowFilesWriter(FilesWriter):
    """nbconvert's FilesWriter that never writes through a link.

    nbgrader writes the executed notebook back into the folder the learner's
    code ran in, with a plain ``open(path, "w")``. Code that replaced its own
    notebook by a link (to the gradebook or a solution in ``source/``, say)
    would have that write land on the link's target. Whatever is at the
    notebook's path that is not a regular file is removed first, and the file
    is opened with ``O_NOFOLLOW``.
    """

    def write(self, output, resources, notebook_name=None):
        extension = resources.get("output_extension") or ""
        path = Path(self.build_directory) / f"{notebook_name}{extension}"
        with contextlib.suppress(FileNotFoundError):
            if stat.S_ISDIR(path.lstat().st_mode):
                shutil.rmtree(path)
            elif not stat.S_ISREG(path.lstat().st_mode):
                path.unlink()
        if resources.get("outputs") or self.files:
            return super().write(output, resources, notebook_name=notebook_name)
        Path(self.build_directory).mkdir(parents=True, exist_ok=True)
        data = output.encode("utf-8") if isinstance(output, str) else output
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
        with os.fdopen(os.open(path, flags, 0o644), "wb") as handle:
            handle.write(data)
        return path


def _no_follow(converter: type) -> type:
    """``converter`` writing its notebooks with :class:`NoFollowFilesWriter`.

    nbgrader's converters make a new plain FilesWriter in ``start``, so the
    writer is swapped just before each write.
    """

    class NoFollow(converter):
        def write_single_notebook(self, output, resources):
            if not isinstance(self.writer, NoFollowFilesWriter):
                self.writer = NoFollowFilesWriter(parent=self, config=self.config)
            return super().write_single_notebook(output, resources)

    NoFollow.__name__ = converter.__name__
    return NoFollow


# -- kernels -------------------------------------------------------------------


def _sandbox_module():
    """helper 6's sandbox module, or None while it is not there."""
    try:
        from outputsaving.classroom import sandbox
    except ImportError:
        return None
    return sandbox


_LIMITS_LAUNCHER = (
    "import ctypes,os,resource,signal,sys\n"
    "ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)\n"
    "n=int(sys.argv[1])\n"
    "n and resource.setrlimit(resource.RLIMIT_AS,(n,n))\n"
    "resource.setrlimit(resource.RLIMIT_CORE,(0,0))\n"
    "os.getppid()==int(sys.argv[2]) or os._exit(1)\n"
    "os.execvp(sys.argv[3],sys.argv[3:])\n"
)


def _unsandboxed_kernel_manager_class():
    """The fallback kernel manager: a memory cap and death with the worker."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import Dict as DictTrait
    from traitlets import Integer as IntegerTrait

    class LimitedKernelManager(AsyncKernelManager):
        """jupyter_client's kernel manager, its kernel under RLIMIT_AS.

        The kernel is started through a tiny Python launcher that sets the
        memory cap and a parent-death signal, then executes the kernel.
        """

        memory_bytes = IntegerTrait(0).tag(config=True)
        sandbox_env = DictTrait({}).tag(config=True)
        _ipc_dir = None

        async def _async_pre_start_kernel(self, **kw):
            kw["env"] = {**(kw.get("env") or os.environ), **self.sandbox_env}
            # Local sockets, as in the sandbox: no TCP port, and no warning
            # from ipykernel about unencrypted TCP on every kernel start.
            if self._ipc_dir is None:
                self._ipc_dir = tempfile.mkdtemp(prefix="osk-")
                self.connection_file = str(Path(self._ipc_dir) / "kernel.json")
                self.ip = str(Path(self._ipc_dir) / "ipc")
            self.transport = "ipc"
            return await super()._async_pre_start_kernel(**kw)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart and self._ipc_dir is not None:
                shutil.rmtree(self._ipc_dir, ignore_errors=True)
                self._ipc_dir = None

        def format_kernel_cmd(self, extra_arguments=None):
            command = super().format_kernel_cmd(extra_arguments)
            launcher = [sys.executable, "-I", "-S", "-c", _LIMITS_LAUNCHER]
            return [*launcher, str(self.memory_bytes), str(os.getpid()), *command]

    return LimitedKernelManager


def _kernel_config(
    workdir: Path, *, unsafe: bool, memory_bytes: int, fork_server: str = ""
) -> tuple[Any, dict[str, dict[str, Any]]]:
    """The kernel manager class for Execute and its config sections.

    ``fork_server``: the key of this worker's fork server, to fork kernels
    from (empty: each kernel starts a new Python).
    """
    sandbox = None if unsafe else _sandbox_module()
    if sandbox is not None:
        manager = sandbox.SandboxedKernelManager
        traits = manager.class_trait_names(config=True)
        wanted = {
            "workdir": str(workdir),
            "memory_bytes": memory_bytes,
            "unsafe": False,
            "fork_server": fork_server,
            "sandbox_env": _kernel_env(workdir),
        }
        settings = {key: value for key, value in wanted.items() if key in traits}
        return manager, {manager.__name__: settings}
    if not unsafe:
        msg = "no sandbox module: grading needs unsafe=True"
        raise GradingRefused(msg)
    manager = _unsandboxed_kernel_manager_class()
    settings = {"memory_bytes": memory_bytes, "sandbox_env": _kernel_env(workdir)}
    return manager, {manager.__name__: settings}


def _kernel_env(workdir: Path) -> dict[str, str]:
    """What the grading code in a kernel needs to know (see its modules)."""
    return {
        # The audit re-runs activity 1's settings: the kernel need not.
        GRADER_VARIABLE: "1",
        # Where the tests leave their evidence for the audit.
        EVIDENCE_VARIABLE: str(Path(workdir) / EVIDENCE_FOLDER),
    }


def check_sandbox(*, unsafe: bool) -> str:
    """Refuse to grade without a working sandbox unless ``unsafe``.

    Returns a line for the log describing how kernels are isolated.
    """
    if unsafe:
        return "sandbox: off (--unsafe): learners' code runs as you, with limits only"
    sandbox = _sandbox_module()
    if sandbox is None:
        msg = (
            "the sandbox (outputsaving.classroom.sandbox) is not available; "
            "grade with --unsafe only if you trust every submission"
        )
        raise GradingRefused(msg)
    status = sandbox.probe_sandbox()
    if not status.ok:
        msg = f"the sandbox does not work here: {status.detail}. Fix: {status.fix}"
        raise GradingRefused(msg)
    return f"sandbox: on ({status.detail})" if status.detail else "sandbox: on"


# -- intake (helper 7), with fallbacks until it lands --------------------------


@dataclass
class _FallbackSubmission:
    student: str
    assignment: str
    folder: Path
    timestamp: dt.datetime | None
    problems: list[str] = field(default_factory=list)


def _intake_module():
    try:
        from outputsaving.classroom import intake
    except ImportError:
        return None
    return intake


def _collect_submissions(course_dir: Path, assignments: Sequence[str] | None):
    """The submissions, each with ``problems`` (why intake refuses it)."""
    intake = _intake_module()
    if intake is not None:
        return intake.collect_submissions(course_dir, assignments=assignments)
    found = _fallback_collect_submissions(course_dir, assignments)
    for submission in found:
        expected = _notebook_names(course_dir, submission.assignment)
        submission.problems = _fallback_inspect(submission.folder, expected)
    return found


def _fallback_collect_submissions(course_dir: Path, assignments):
    """nbgrader's submitted/<student>/<assignment>/ layout (until intake lands)."""
    from nbgrader.utils import parse_utc

    found = []
    root = course_dir / "submitted"
    for student in sorted(p for p in root.glob("*") if p.is_dir()):
        for folder in sorted(p for p in student.glob("*") if p.is_dir()):
            if assignments and folder.name not in assignments:
                continue
            stamp = folder / "timestamp.txt"
            timestamp = None
            if stamp.is_file() and not stamp.is_symlink():
                with contextlib.suppress(ValueError, OSError):
                    timestamp = parse_utc(stamp.read_text().strip())
            found.append(
                _FallbackSubmission(student.name, folder.name, folder, timestamp)
            )
    return found


def _fallback_inspect(folder: Path, expected: list[str]) -> list[str]:
    """Refuse links, special files and missing notebooks (until intake lands)."""
    problems = []
    for path in sorted(_walk_no_follow(folder)):
        relative = path.relative_to(folder)
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            target = os.readlink(path)
            problems.append(_message("classroom.link", path=relative, target=target))
        elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            problems.append(
                _message("classroom.special_file", path=relative, kind="a special file")
            )
    for name in expected:
        if not (folder / name).is_file():
            problems.append(_message("classroom.notebook_missing", expected=name))
    return problems


def _walk_no_follow(folder: Path) -> Iterable[Path]:
    for entry in os.scandir(folder):
        path = Path(entry.path)
        yield path
        if entry.is_dir(follow_symlinks=False):
            yield from _walk_no_follow(path)


def _copy_submission(source: Path, destination: Path, keep: set[str]) -> None:
    """Copy the notebooks and time stamp of a submission, regular files only.

    Uses intake's ``safe_copy`` when it is there, then keeps only ``keep``:
    files a submission hands in next to its notebooks are not copied, so the
    notebook's outputs are only what its code writes while graded.
    """
    destination.mkdir(parents=True, exist_ok=True)
    intake = _intake_module()
    if intake is not None:
        intake.safe_copy(source, destination)
        for entry in list(destination.iterdir()):
            if entry.name not in keep:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
        return
    for name in keep:
        _copy_regular(source / name, destination / name)


def _handed_in(assignment: str) -> tuple[str, ...]:
    """What an assignment hands in besides its notebooks (the ImageJ track's macro
    and its output folder), kept for grading."""
    from outputsaving.grading import imagej

    return imagej.HANDED_IN.get(assignment, ())


def _imagej_problem(assignments: Iterable[str]) -> str | None:
    """Why the ImageJ track cannot be graded here, when it is to be graded."""
    from outputsaving.grading import imagej

    if not set(assignments) & set(imagej.ASSIGNMENTS) or imagej.find_imagej():
        return None
    return imagej.imagej_missing_message()


def _extra_seconds(assignment: str) -> float:
    """Budget beyond the solution's run: the ImageJ track's macro time limit."""
    from outputsaving.grading import imagej

    return imagej.MACRO_TIMEOUT + 10.0 if assignment in imagej.ASSIGNMENTS else 0.0


def _copy_regular(source: Path, destination: Path) -> None:
    """Copy one regular file without following a link (fallback of safe_copy)."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return
        with open(destination, "wb") as out:
            shutil.copyfileobj(handle, out)


# -- audit (helper 8), optional ------------------------------------------------


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


# -- the gradebook -------------------------------------------------------------


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


def _structure(coursedir, assignments: Sequence[str]) -> list[dict]:
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


def _build_template(path: Path, course_id: str, structure: list[dict]) -> None:
    """A SQLite gradebook with the assignments' structure and no submissions."""
    from nbgrader.api import Gradebook

    path.unlink(missing_ok=True)
    with Gradebook(f"sqlite:///{path}", course_id) as gb:
        for assignment in structure:
            name = assignment["name"]
            gb.update_or_create_assignment(name, duedate=assignment["duedate"])
            for notebook in assignment["notebooks"]:
                nb = notebook["name"]
                gb.update_or_create_notebook(nb, name)
                for cell in notebook["grade_cells"]:
                    gb.update_or_create_grade_cell(
                        cell["name"],
                        nb,
                        name,
                        max_score=cell["max_score"],
                        cell_type=cell["cell_type"],
                    )
                for cell in notebook["solution_cells"]:
                    gb.update_or_create_solution_cell(cell, nb, name)
                for cell in notebook["task_cells"]:
                    gb.update_or_create_task_cell(
                        cell["name"],
                        nb,
                        name,
                        max_score=cell["max_score"],
                        cell_type=cell["cell_type"],
                    )
                for cell in notebook["source_cells"]:
                    gb.update_or_create_source_cell(
                        cell["name"],
                        nb,
                        name,
                        **{k: v for k, v in cell.items() if k != "name"},
                    )


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


def _commit(coursedir, result: dict) -> int:
    """Write one submission's grades into the course gradebook (parent only).

    Manual grades (given in Formgrader) are kept: a cell's score is its manual
    score when it has one, whatever the autograder gives now. Returns how many
    cells have one.
    """
    kept = []
    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc
    from sqlalchemy.exc import SAWarning

    def write() -> None:
        with (
            warnings.catch_warnings(),
            Gradebook(coursedir.db_url, coursedir.course_id) as gb,
        ):
            warnings.filterwarnings("ignore", category=SAWarning)
            try:
                gb.update_or_create_student(result["student"])
                kwargs = {}
                if result.get("timestamp"):
                    kwargs["timestamp"] = parse_utc(result["timestamp"])
                submission = gb.update_or_create_submission(
                    result["assignment"], result["student"], **kwargs
                )
                notebooks = result.get("notebooks", {})
                for notebook in submission.notebooks:
                    record = notebooks.get(notebook.name, {})
                    grades = record.get("grades", {})
                    for grade in notebook.grades:
                        auto = grades.get(grade.name, {"auto_score": 0.0})["auto_score"]
                        grade.auto_score = auto
                        if grade.manual_score is not None:
                            kept.append(grade.name)
                        else:
                            grade.needs_manual_grade = auto is None
                    comments = record.get("comments", {})
                    for comment in notebook.comments:
                        if comment.name in comments:
                            comment.auto_comment = comments[comment.name]
                    if "late_penalty" in record:
                        notebook.late_submission_penalty = record["late_penalty"]
                    if result.get("flags"):
                        notebook.flagged = True
                gb.db.commit()
            except Exception:
                gb.db.rollback()
                raise

    def attempt() -> None:
        kept.clear()
        write()

    _retrying(attempt)
    return len(kept)


def _commit_pending(coursedir, result: dict) -> None:
    """Record a submission the grader failed on: no scores yet, to be reviewed.

    Its cells get no autograded score (an earlier grading's are removed) and
    need a grade in Formgrader, until the next run grades it; manual grades
    are kept.
    """
    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc

    def write() -> None:
        with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
            try:
                gb.update_or_create_student(result["student"])
                kwargs = {}
                if result.get("timestamp"):
                    kwargs["timestamp"] = parse_utc(result["timestamp"])
                submission = gb.update_or_create_submission(
                    result["assignment"], result["student"], **kwargs
                )
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        grade.auto_score = None
                        grade.needs_manual_grade = grade.manual_score is None
                gb.db.commit()
            except Exception:
                gb.db.rollback()
                raise

    _retrying(write)


def _read_scratch(db_path: Path, course_id: str, student: str, assignment: str) -> dict:
    """The grades nbgrader saved into a scratch gradebook, per notebook."""
    from nbgrader.api import Gradebook, MissingEntry

    notebooks = {}
    timestamp = None
    with Gradebook(f"sqlite:///{db_path}", course_id) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return {"notebooks": {}, "timestamp": None}
        if submission.timestamp is not None:
            timestamp = submission.timestamp.isoformat()
        for notebook in submission.notebooks:
            notebooks[notebook.name] = {
                "grades": {
                    grade.name: {
                        "auto_score": grade.auto_score,
                        "max_score": grade.max_score,
                    }
                    for grade in notebook.grades
                },
                "comments": {c.name: c.auto_comment for c in notebook.comments},
                "late_penalty": notebook.late_submission_penalty,
            }
    return {"notebooks": notebooks, "timestamp": timestamp}


# -- markers -------------------------------------------------------------------


def marker_path(course_dir: Path, student: str, assignment: str) -> Path:
    """Where the marker of a graded submission lives."""
    return Path(course_dir) / STATE_DIR / "graded" / assignment / f"{student}.json"


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _read_marker(path: Path) -> SubmissionOutcome | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("graded_at", None)
        outcome = SubmissionOutcome(**data)
    except (OSError, ValueError, TypeError):
        return None
    outcome.fresh = False
    return outcome


def _timestamp_text(timestamp) -> str | None:
    if timestamp is None:
        return None
    if isinstance(timestamp, dt.datetime):
        if timestamp.tzinfo is not None:
            timestamp = timestamp.astimezone(dt.UTC).replace(tzinfo=None)
        return timestamp.isoformat()
    return str(timestamp)


def _wipe(folder: Path) -> None:
    """Remove a folder nbgrader made read-only, never following links."""
    if not folder.exists() and not folder.is_symlink():
        return
    if folder.is_symlink() or not folder.is_dir():
        folder.unlink()
        return

    def make_writable(function, path, _info):
        with contextlib.suppress(OSError):
            os.chmod(Path(path).parent, 0o700)
            os.chmod(path, 0o700, follow_symlinks=False)
        function(path)

    shutil.rmtree(folder, onerror=make_writable)


# -- progress ------------------------------------------------------------------


class Progress:
    """A plain-text progress bar with counts and an ETA, on standard error.

    On a terminal the bar is redrawn in place; otherwise (a log file, CI) one
    bar line is printed per finished submission. Log lines go above the bar.
    """

    def __init__(
        self,
        total: int,
        *,
        stream: TextIO | None = None,
        bar: bool = True,
        width: int = 30,
    ) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.bar = bar
        self.width = width
        self.start = time.monotonic()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def line(self) -> str:
        """The bar: ``[#####-----] 5/10  50%  elapsed 0:12  ETA 0:12``."""
        fraction = self.done / self.total if self.total else 1.0
        filled = round(self.width * fraction)
        elapsed = time.monotonic() - self.start
        if self.done and self.done < self.total:
            eta = _clock(elapsed / self.done * (self.total - self.done))
        elif self.done >= self.total:
            eta = "0:00"
        else:
            eta = "?"
        return (
            f"[{'#' * filled}{'-' * (self.width - filled)}] {self.done}/{self.total} "
            f"{fraction:4.0%}  elapsed {_clock(elapsed)}  ETA {eta}"
        )

    def log(self, text: str) -> None:
        """Print a log line (above the bar on a terminal)."""
        if self.tty and self.bar:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        if self.tty and self.bar:
            self.stream.write(self.line())
        self.stream.flush()

    def advance(self, text: str | None = None) -> None:
        """One more submission finished; log its line and redraw the bar."""
        self.done += 1
        if text is not None:
            self.log(text)
        if not self.bar:
            return
        if self.tty:
            self.stream.write("\r\033[K" + self.line())
            if self.done >= self.total:
                self.stream.write("\n")
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return (
        f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    )


# -- the worker processes ------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _scratch_of(course_dir: Path, pid: int) -> Path:
    """The folder of worker ``pid`` (scratch gradebook, copies, its stack)."""
    return course_dir / STATE_DIR / "scratch" / str(pid)


def _worker_init(
    course_dir: str, db_url: str | None, template: str, parent: int, fork: bool
) -> None:
    _die_with_parent()
    if os.getppid() != parent:  # the grader died before prctl
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
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
    config, coursedir = course_settings(Path(course_dir), db_url=db_url)
    scratch = _scratch_of(Path(course_dir), os.getpid())
    _wipe(scratch)
    scratch.mkdir(parents=True)
    # Where this worker's threads are, on SIGUSR1 (the parent asks a stuck one);
    # faulthandler keeps the file open.
    stacks = (scratch / "stack.txt").open("w", encoding="utf-8")
    faulthandler.register(signal.SIGUSR1, file=stacks, all_threads=True)
    _WORKER.update(
        config=config,
        coursedir=coursedir,
        scratch=scratch,
        template=Path(template),
        fork_server=None,
        fork_error="",
    )
    if fork:
        _start_fork_server(Path(course_dir))


def _start_fork_server(course_dir: Path) -> None:
    """This worker's fork server (kernels forked from pre-imported packages).

    Without it (it failed to start) each kernel starts a new Python: slower,
    as safe; the reason is reported with every result of this worker.
    """
    from outputsaving.classroom.forkserver import ForkServer, ForkServerError

    autograded = course_dir / "autograded"
    autograded.mkdir(exist_ok=True)
    server = ForkServer(shared=[autograded], sandbox_env={"OUTPUTSAVING_GRADER": "1"})
    try:
        _WORKER["fork_server"] = server.start()
    except (ForkServerError, OSError, ValueError) as error:
        _WORKER["fork_error"] = str(error)
    else:
        multiprocessing.util.Finalize(server, server.close, exitpriority=10)


def _autograde_config(task: dict, staging_root: Path, db_path: Path):
    from nbgrader.converters import Autograde

    config = copy.deepcopy(_WORKER["config"])
    configured = config.Autograde.get("autograde_preprocessors")
    if configured is None:
        configured = Autograde.class_traits()["autograde_preprocessors"].default()
    preprocessors = [
        BudgetedExecute
        if isinstance(p, type)
        and issubclass(p, Execute)
        and not issubclass(p, BudgetedExecute)
        else p
        for p in configured
    ]
    config.Autograde.autograde_preprocessors = preprocessors
    config.CourseDirectory.submitted_directory = str(staging_root)
    config.CourseDirectory.db_url = f"sqlite:///{db_path}"
    config.CourseDirectory.assignment_id = task["assignment"]
    config.CourseDirectory.student_id = task["student"]
    workdir = (
        Path(task["course_dir"]) / "autograded" / task["student"] / task["assignment"]
    )
    server = _WORKER.get("fork_server")
    manager, sections = _kernel_config(
        workdir,
        unsafe=task["unsafe"],
        memory_bytes=task["memory_bytes"],
        fork_server=server.key if server is not None and server.running else "",
    )
    config.BudgetedExecute.kernel_manager_class = manager
    config.BudgetedExecute.budgets = task["budgets"]
    config.BudgetedExecute.memory_bytes = task["memory_bytes"]
    for section, values in sections.items():
        for key, value in values.items():
            config[section][key] = value
    return config


def _grade_submission(task: dict) -> dict:
    """Autograde one submission (in a worker); return its grades and notes."""
    from nbgrader.api import Gradebook
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    start = time.monotonic()
    student, assignment = task["student"], task["assignment"]
    result = {"student": student, "assignment": assignment, "outcome": "failed"}
    if _WORKER.get("fork_error"):
        result["fork_error"] = _WORKER["fork_error"]
    scratch: Path = _WORKER["scratch"]
    staging_root = scratch / "submitted"
    db_path = scratch / "gradebook.db"
    try:
        _wipe(staging_root)
        staging = staging_root / student / assignment
        _copy_submission(
            Path(task["folder"]),
            staging,
            {*task["notebooks"], *NBGRADER_FILES, *_handed_in(assignment)},
        )
        repairs, unreadable = _repair_staged(staging, task)
        if unreadable:
            # A notebook fault: graded 0 with the reason, never retried.
            result.update(outcome="unreadable", reasons=unreadable)
            return result
        result["repairs"] = repairs
        shutil.copyfile(_WORKER["template"], db_path)
        if task.get("extension_seconds"):
            with Gradebook(
                f"sqlite:///{db_path}", _WORKER["coursedir"].course_id
            ) as gb:
                gb.update_or_create_student(student)
                gb.update_or_create_submission(
                    assignment,
                    student,
                    extension=dt.timedelta(seconds=task["extension_seconds"]),
                )
        config = _autograde_config(task, staging_root, db_path)
        BudgetedExecute.stops.clear()
        app = _no_follow(Autograde)(
            coursedir=CourseDirectory(config=config), config=config
        )
        app.force = True
        app.create_student = True
        outcome = capture_log(app)
        result["log"] = outcome.get("log", "")
        if not outcome["success"]:
            result["error"] = outcome.get("error", "") + result["log"][-4000:]
            return result
        saved = _read_scratch(
            db_path, _WORKER["coursedir"].course_id, student, assignment
        )
        result.update(saved)
        result["timestamp"] = task.get("timestamp") or saved["timestamp"]
        _after_run(task, result)
    except Exception:
        result["outcome"] = "failed"
        result["error"] = traceback.format_exc()
    finally:
        result["seconds"] = time.monotonic() - start
        with contextlib.suppress(OSError):
            _wipe(staging_root)
            db_path.unlink(missing_ok=True)
    return result


def _repair_staged(staging: Path, task: dict) -> tuple[list[str], list[str]]:
    """Repair each staged notebook's cell metadata from the released version.

    Returns ``(repairs, unreadable)``: the repairs' learner messages (each
    repaired notebook also gets them in a note cell at its top, for the
    feedback), and why a notebook cannot be read at all (a notebook fault).
    """
    from outputsaving.classroom.intake import Problem
    from outputsaving.classroom.repair import repair_notebook

    repairs: list[str] = []
    unreadable: list[str] = []
    source = Path(task["course_dir"]) / "source" / task["assignment"]
    for name in task["notebooks"]:
        path = staging / name
        reference = nbformat.read(source / name, as_version=4)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                submitted = nbformat.read(path, as_version=4)
                repaired, done = repair_notebook(submitted, reference)
        except Exception as error:  # a damaged notebook: the learner's to fix
            detail = _one_line(f"{type(error).__name__}: {error}")[:300]
            unreadable.append(
                Problem.make("classroom.notebook_unreadable", name=name, error=detail)
            )
            continue
        if not done:
            continue
        lines = [f"- {repair.message}" for repair in done]
        note = nbformat.v4.new_markdown_cell(
            "\n".join([f"**{_message('classroom.repair_header')}**", "", *lines])
        )
        repaired.cells.insert(0, note)
        nbformat.write(repaired, path)
        repairs.extend(repair.message for repair in done)
    return repairs, unreadable


def _after_run(task: dict, result: dict) -> None:
    """Stops, the audit and the failing tests' messages of a graded submission."""
    from outputsaving.classroom.report import mistakes_of

    workdir = (
        Path(task["course_dir"]) / "autograded" / task["student"] / task["assignment"]
    )
    stops = list(BudgetedExecute.stops)
    result["reasons"] = [*result.get("repairs", []), *(m for _, _, m in stops)]
    result["stop_codes"] = [code for _, code, _ in stops]
    result["outcome"] = "stopped" if stops else "graded"
    flags: list[str] = []
    mistakes: list[str] = [code for _, code, _ in stops]
    before = [*task["notebooks"], *NBGRADER_FILES]
    for name, record in result["notebooks"].items():
        path = workdir / f"{name}.ipynb"
        executed = _read_no_follow(path)
        grades = {
            key: [value["auto_score"], value["max_score"]]
            for key, value in record["grades"].items()
        }
        if executed is not None:
            # What a stop left unrun scores 0 and is not audited (nor flagged).
            not_run = _not_run(executed)
            ran = {key: value for key, value in grades.items() if key not in not_run}
            audited, notebook_flags, reasons, notes = _audit(
                task["assignment"], executed, workdir, ran, before
            )
            changed: dict[str, tuple[str, bool]] = {}
            for key, value in record["grades"].items():
                if key in not_run:
                    value["auto_score"] = 0.0
                elif key in audited:
                    old, new = value["auto_score"], audited[key][0]
                    if new != old:
                        raised = new is not None and new > (old or 0)
                        changed[key] = (reasons.get(key, ""), raised)
                    value["auto_score"] = new
            flags.extend(notebook_flags)
            scores = {k: v["auto_score"] for k, v in record["grades"].items()}
            mistakes.extend(mistakes_of(executed, scores))
            _note_audit_changes(path, changed, notes)
    result["flags"] = flags
    result["mistakes"] = mistakes


def _read_no_follow(path: Path):
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
    error outputs only). nbgrader wrote the file into the folder the learner's
    code ran in: it is opened without following a link, and anything but a
    regular file is left alone.
    """
    if not changed and not notes:
        return
    flags = os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    with os.fdopen(fd, "r+", encoding="utf-8") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return
        notebook = nbformat.read(handle, as_version=4)
        for cell in notebook.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if cell.cell_type != "code" or grade_id not in changed:
                continue
            reason, raised = changed.pop(grade_id)
            if reason:
                text = _message("classroom.audit_recheck", reason=reason.strip())
            else:
                text = _message(
                    "classroom.audit_recheck_passed"
                    if raised
                    else "classroom.audit_recheck_failed"
                )
            note = nbformat.v4.new_output("stream", name="stderr", text=f"{text}\n")
            cell.outputs = [*cell.get("outputs", []), note]
        if notes:
            lines = "\n".join(f"- {note}" for note in notes)
            header = _message("classroom.audit_header")
            notebook.cells.insert(
                0, nbformat.v4.new_markdown_cell(f"**{header}**\n\n{lines}")
            )
        handle.seek(0)
        handle.truncate()
        nbformat.write(notebook, handle)


def _not_run(notebook) -> set[str]:
    """grade_ids of the cells a stop left unrun (their error names the stop)."""
    stops = set(STOP_ENAMES.values())
    return {
        cell.metadata.get("nbgrader", {}).get("grade_id")
        for cell in notebook.cells
        if any(o.get("ename") in stops for o in cell.get("outputs", []))
    }


def _measure_solution(task: dict) -> dict[str, float]:
    """Run the source notebooks (solutions) once; seconds per notebook."""
    from jupyter_core.utils import run_sync  # noqa: F401 (imported for nbclient)

    out = {}
    course_dir = Path(task["course_dir"])
    source = course_dir / "source" / task["assignment"]
    work = _WORKER["scratch"] / "solution" / task["assignment"]
    for name in task["notebooks"]:
        _wipe(work)
        shutil.copytree(source, work, symlinks=False)
        notebook = nbformat.read(work / name, as_version=4)
        manager, sections = _kernel_config(
            work, unsafe=task["unsafe"], memory_bytes=task["memory_bytes"]
        )
        config = copy.deepcopy(_WORKER["config"])
        for section, values in sections.items():
            for key, value in values.items():
                config[section][key] = value
        executor = Execute(config=config, kernel_manager_class=manager)
        resources = {"metadata": {"path": str(work)}, "nbgrader": {}}
        start = time.monotonic()
        executor.preprocess(notebook, resources)
        out[Path(name).stem] = time.monotonic() - start
    _wipe(work)
    return out


def _generate_feedback(task: dict) -> dict:
    """nbgrader's generate_feedback for one submission (in a worker)."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    config = copy.deepcopy(_WORKER["config"])
    config.HTMLExporter.template_name = "feedback"
    config.CourseDirectory.assignment_id = task["assignment"]
    config.CourseDirectory.student_id = task["student"]
    app = GenerateFeedback(coursedir=CourseDirectory(config=config), config=config)
    app.force = True
    outcome = capture_log(app)
    if outcome["success"]:
        course = Path(config.CourseDirectory.root)
        _only_feedback(
            course / "feedback" / task["student"] / task["assignment"],
            course / "submitted" / task["student"] / task["assignment"],
            [Path(name).stem for name in _notebook_names(course, task["assignment"])],
        )
    return {
        "student": task["student"],
        "assignment": task["assignment"],
        "success": outcome["success"],
        "error": outcome.get("error", ""),
    }


def _only_feedback(folder: Path, submitted: Path, notebooks: Sequence[str]) -> None:
    """Keep in a feedback folder only what the grader made.

    nbgrader's generate_feedback copies every file of the autograded folder
    (the notebook's outputs, files its code wrote) next to the feedback, so a
    learner's planted ``grades_summary.html`` would look like the grader's.
    What stays: ``<notebook>.html`` for each notebook, and ``timestamp.txt``
    (nbgrader's release_feedback needs it) copied from the submission, not
    from the folder the learner's code could write.
    """
    keep = {f"{name}.html" for name in notebooks}
    for entry in list(folder.iterdir()):
        if entry.name in keep and entry.is_file() and not entry.is_symlink():
            continue
        _wipe(entry)
    stamp = folder / "timestamp.txt"
    stamp.unlink(missing_ok=True)
    _copy_regular(submitted / "timestamp.txt", stamp)


# -- the parent ----------------------------------------------------------------


def _notebook_names(course_dir: Path, assignment: str) -> list[str]:
    return sorted(p.name for p in (course_dir / "source" / assignment).glob("*.ipynb"))


def _source_hash(course_dir: Path, assignment: str) -> str:
    digest = hashlib.sha256()
    for name in _notebook_names(course_dir, assignment):
        digest.update(name.encode())
        digest.update((course_dir / "source" / assignment / name).read_bytes())
    return digest.hexdigest()


def _links_in(folder: Path) -> list[Path]:
    """Links and special files under a folder (never followed)."""
    if not folder.is_dir():
        return []
    bad = []
    for path in _walk_no_follow(folder):
        mode = path.lstat().st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            bad.append(path)
    return bad


class _Workers:
    """The worker processes, started again after one is stuck or dies."""

    def __init__(
        self, course_dir: Path, db_url, template: Path, workers: int, *, fork: bool
    ) -> None:
        self.course_dir = course_dir
        self.notes = course_dir / STATE_DIR / "running"
        self._initargs = (str(course_dir), db_url, str(template), os.getpid(), fork)
        self._workers = workers
        self._others = set(multiprocessing.active_children())
        self.pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # Forked from this process (nbgrader already imported, no thread of
        # the pool running yet: it starts every worker before its manager
        # thread), so that each worker is a child of the grader and dies with it.
        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_worker_init,
            initargs=self._initargs,
        )

    def _children(self) -> set:
        return set(multiprocessing.active_children()) - self._others

    def pids(self) -> set[int]:
        """The worker processes alive now."""
        return {p.pid for p in self._children()}

    def stop(self, *, now: bool) -> None:
        """Shut the pool down; ``now``: kill the workers instead of waiting."""
        if now:
            for worker in self._children():
                worker.kill()
        self.pool.shutdown(wait=True, cancel_futures=now)

    def restart(self) -> None:
        """Kill every worker and start new ones."""
        self.stop(now=True)
        self.pool = self._start()


@contextlib.contextmanager
def _pool(
    course_dir: Path, db_url, template: Path, workers: int, *, fork: bool
) -> Iterator[_Workers]:
    """The workers; interrupted (Ctrl-C, an error), they are killed at once.

    A killed worker's submission has no committed grades: the next run grades
    it again.
    """
    pool = _Workers(course_dir, db_url, template, workers, fork=fork)
    try:
        yield pool
    except BaseException:
        # Waiting for the running submissions could take their whole budgets,
        # or forever if a worker hangs.
        pool.stop(now=True)
        raise
    pool.stop(now=False)


def _tracked(function, task: dict, note: str):
    """Run ``function(task)`` in a worker, noting its pid and start meanwhile."""
    path = Path(note)
    # No fsync: the note matters only while this grader runs; a half-written
    # one reads as not started yet.
    path.write_text(json.dumps({"pid": os.getpid(), "started": time.time()}))
    try:
        return function(task)
    finally:
        path.unlink(missing_ok=True)


def _started(note: Path) -> dict | None:
    try:
        return json.loads(note.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _stuck_after(task: dict) -> float:
    """Seconds after which ``task``'s worker counts as stuck."""
    budgets = task.get("budgets")
    if not budgets:
        return STUCK_WITHOUT_BUDGET
    return sum(budgets.values()) + STUCK_MARGIN


def _failure(task: dict, error: str) -> dict:
    return {
        "student": task.get("student", ""),
        "assignment": task.get("assignment", ""),
        "outcome": "failed",
        "error": error,
    }


def _run_all(workers: _Workers, function, tasks: list[dict], on_done) -> None:
    """Run ``function`` on every task; call ``on_done(task, result)`` as each ends.

    A task that gives no result in :func:`_stuck_after` seconds has its
    worker killed; so does a worker that dies otherwise. The tasks that were
    running then are run again, one at a time, so that only a task that fails
    its worker twice fails; the other tasks are run again by new workers.
    When no worker starts or ends a task for that long, the tasks left fail.
    """
    _wipe(workers.notes)
    workers.notes.mkdir(parents=True)
    queue = list(enumerate(tasks))
    suspects: list[tuple[int, dict]] = []
    tried: set[int] = set()
    while queue or suspects:
        alone = bool(suspects)
        batch, queue = ([suspects.pop(0)], queue) if alone else (queue, [])
        pending = {
            workers.pool.submit(
                _tracked, function, task, str(workers.notes / f"{n}.json")
            ): (n, task)
            for n, task in batch
        }
        stuck: dict[int, str] = {}
        broken = idle = False
        watched = moved = time.monotonic()
        while pending:
            done, _ = wait(pending, timeout=_WATCH_EVERY, return_when=FIRST_COMPLETED)
            for future in done:
                n, task = pending.pop(future)
                note = workers.notes / f"{n}.json"
                try:
                    result = future.result()
                except (BrokenProcessPool, CancelledError):
                    broken = True
                    # Its worker failed while running it (stuck or dead)?
                    failed = n in stuck or (note.exists() and not stuck)
                    note.unlink(missing_ok=True)
                    if failed and (idle or n in tried):
                        why = stuck.get(n) or "the worker process grading it died"
                        again = "" if idle else ", on a second try too"
                        result = _failure(
                            task, f"{why}{again}; the next run grades it again"
                        )
                    elif failed:
                        tried.add(n)
                        suspects.append((n, task))
                        continue
                    else:
                        queue.append((n, task))
                        continue
                except Exception as error:  # reported; the rest go on
                    result = _failure(task, f"{type(error).__name__}: {error}")
                on_done(task, result)
            now = time.monotonic()
            if done:
                moved = now
            if not pending or stuck or now < watched + _WATCH_EVERY:
                continue
            watched = now
            _stop_stuck(workers, pending.values(), stuck)
            if stuck or any(workers.notes.iterdir()):
                moved = now
            elif now - moved > max(_stuck_after(t) for _, t in pending.values()):
                _stop_idle(workers, pending, stuck)
                idle = True
        if broken:
            workers.restart()


def _stop_stuck(workers: _Workers, running, stuck: dict[int, str]) -> None:
    """Kill the worker of each task of ``running`` past its time; note why."""
    alive = workers.pids()
    now = time.time()
    for n, task in running:
        info = _started(workers.notes / f"{n}.json")
        limit = _stuck_after(task)
        if (
            n in stuck
            or info is None
            or info.get("pid") not in alive
            or now - info.get("started", now) <= limit
        ):
            continue
        stuck[n] = (
            f"{_stack_of(workers, info['pid'])}\nno result after {limit:.0f} s: "
            "its worker was stuck and was stopped"
        )
        with contextlib.suppress(OSError):
            os.kill(info["pid"], signal.SIGKILL)


def _stack_of(workers: _Workers, pid: int) -> str:
    """Where the threads of worker ``pid`` are (for the maintainers)."""
    path = _scratch_of(workers.course_dir, pid) / "stack.txt"
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGUSR1)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and not path.stat().st_size:
            time.sleep(0.05)
        time.sleep(0.2)  # the other threads
        return "the worker's threads when stopped:\n" + path.read_text()[-4000:]
    return ""


def _stop_idle(workers: _Workers, pending: dict, stuck: dict[int, str]) -> None:
    """Stop every worker: none started or ended a task for too long."""
    stacks = "\n".join(_stack_of(workers, pid) for pid in sorted(workers.pids()))
    for n, _task in pending.values():
        stuck[n] = (
            f"{stacks}\nno worker started or ended a task for too long (they "
            "were stopped)"
        )
    workers.stop(now=True)


def _outcome_from(result: dict) -> SubmissionOutcome:
    grades = {}
    for record in result.get("notebooks", {}).values():
        for key, value in record["grades"].items():
            grades[key] = [value["auto_score"] or 0.0, value["max_score"]]
    return SubmissionOutcome(
        student=result["student"],
        assignment=result["assignment"],
        outcome=result["outcome"],
        seconds=round(result.get("seconds", 0.0), 2),
        score=sum(v[0] for v in grades.values()),
        max_score=sum(v[1] for v in grades.values()),
        timestamp=result.get("timestamp"),
        reasons=list(result.get("reasons", [])),
        flags=list(result.get("flags", [])),
        mistakes=list(result.get("mistakes", [])),
        grades=grades,
        error=result.get("error", "") if result["outcome"] == "failed" else "",
    )


def _refused_result(submission, problems: list[str], max_scores: dict) -> dict:
    grades = {
        notebook: {
            "grades": {
                grade_id: {"auto_score": 0.0, "max_score": points}
                for grade_id, points in cells.items()
            },
            "comments": {},
        }
        for notebook, cells in max_scores.items()
    }
    return {
        "student": submission.student,
        "assignment": submission.assignment,
        "outcome": "refused",
        "timestamp": _timestamp_text(submission.timestamp),
        "notebooks": grades,
        "reasons": problems,
        "mistakes": [getattr(p, "code", "classroom.refused") for p in problems],
        "seconds": 0.0,
    }


def grade_class(
    course_dir: Path | str = ".",
    *,
    assignments: Sequence[str] | None = None,
    workers: int | None = None,
    force: bool = False,
    unsafe: bool = False,
    db_url: str | None = None,
    zip_path: Path | str | None = None,
    zip_assignment: str | None = None,
    progress: bool = True,
    feedback: bool = True,
    report: bool = True,
    report_dir: Path | str | None = None,
    time_budget: float | None = None,
    time_floor: float = DEFAULT_TIME_FLOOR,
    time_factor: float = DEFAULT_TIME_FACTOR,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
    fork_kernels: bool = True,
    stream: TextIO | None = None,
) -> ClassResult:
    """Grade every submission of a course; resumable, in parallel.

    Parameters
    ----------
    course_dir : Path or str
        The nbgrader course folder (``nbgrader_config.py``, ``source/``,
        ``submitted/<student>/<assignment>/``).
    assignments : sequence of str, optional
        Only these assignments (default: every assignment of ``source/``).
    workers : int, optional
        Worker processes (default ``os.cpu_count()``).
    force : bool
        Grade again submissions already graded.
    unsafe : bool
        Run learners' code without the sandbox (memory cap only).
    db_url : str, optional
        The gradebook's SQLAlchemy URL (default: the course's, usually
        ``sqlite:///<course>/gradebook.db``).
    zip_path, zip_assignment : optional
        First import an LMS download (nbgrader's zip-collect conventions) of
        the submissions of ``zip_assignment`` into ``submitted/``.
    progress : bool
        Show the progress bar (log lines are always written).
    feedback, report : bool
        Generate feedback (nbgrader's generate_feedback) / the grade exports
        and summary figure after grading.
    report_dir : Path, optional
        Where the exports go (default ``<course>/reports``).
    time_budget : float, optional
        Seconds per notebook; default ``max(time_floor, time_factor x the
        solution's run time)``.
    memory_bytes : int
        The memory cap of each kernel.
    fork_kernels : bool
        Fork each sandboxed kernel from a per-worker process that has already
        imported the course's packages (:mod:`outputsaving.classroom.forkserver`)
        instead of starting a new Python; ignored with ``unsafe``.
    stream : file, optional
        Where the log and the bar go (default standard error).

    Returns
    -------
    ClassResult

    Raises
    ------
    GradingRefused
        When the sandbox does not work (and not ``unsafe``), or nothing can
        be graded.
    """
    started = time.monotonic()
    problem = grading_platform_problem()
    if problem is not None:
        raise GradingRefused(problem)
    course_dir = Path(course_dir).resolve()
    stream = stream or sys.stderr
    put_scripts_on_path()
    if not (course_dir / "source").is_dir():
        msg = f"{course_dir} is not an nbgrader course folder (no source/)"
        raise GradingRefused(msg)
    isolation = check_sandbox(unsafe=unsafe)
    if fork_kernels and not unsafe:
        isolation += "; kernels forked from the course's imported packages"
    else:
        isolation += "; each kernel starts a new Python"
    workers = max(1, workers or os.cpu_count() or 1)

    if zip_path is not None:
        intake = _intake_module()
        if intake is None or not zip_assignment:
            msg = "importing a zip needs --zip-assignment (and the intake module)"
            raise GradingRefused(msg)
        intake.import_lms_zip(course_dir, Path(zip_path), assignment=zip_assignment)

    names = (
        list(assignments)
        if assignments
        else sorted(p.name for p in (course_dir / "source").iterdir() if p.is_dir())
    )
    unknown = [n for n in names if not (course_dir / "source" / n).is_dir()]
    if unknown:
        msg = f"no source/ folder for {', '.join(unknown)}"
        raise GradingRefused(msg)
    config, coursedir = course_settings(course_dir, db_url=db_url)
    created = prepare_gradebook(config, coursedir, names)
    structure = _structure(coursedir, names)
    max_scores = {
        a["name"]: {
            nb["name"]: {c["name"]: c["max_score"] for c in nb["grade_cells"]}
            for nb in a["notebooks"]
        }
        for a in structure
    }

    state = course_dir / STATE_DIR
    state.mkdir(exist_ok=True)
    template = state / "template.db"
    _build_template(template, coursedir.course_id, structure)

    submissions = list(_collect_submissions(course_dir, names))
    pending = [
        s.assignment
        for s in submissions
        if force
        or (previous := _read_marker(marker_path(course_dir, s.student, s.assignment)))
        is None
        or previous.timestamp != _timestamp_text(s.timestamp)
    ]
    problem = _imagej_problem(pending)
    if problem is not None:
        raise GradingRefused(problem)
    outcomes: list[SubmissionOutcome] = []
    to_grade = []
    for submission in submissions:
        marker = marker_path(course_dir, submission.student, submission.assignment)
        previous = _read_marker(marker) if marker.exists() else None
        stamp = _timestamp_text(submission.timestamp)
        if previous is not None and not force and previous.timestamp == stamp:
            outcomes.append(previous)
            continue
        marker.unlink(missing_ok=True)
        _wipe(course_dir / "autograded" / submission.student / submission.assignment)
        # Feedback of an earlier grading would tell of another version.
        _wipe(course_dir / "feedback" / submission.student / submission.assignment)
        to_grade.append(submission)

    bar = Progress(len(to_grade), stream=stream, bar=progress)
    bar.log(
        f"grading {len(to_grade)} submission(s) of {', '.join(names)} with "
        f"{workers} worker(s); {len(outcomes)} already graded; {isolation}"
    )
    if created:
        bar.log(f"added to the gradebook from source/: {', '.join(created)}")
    result = ClassResult(course_dir=course_dir, outcomes=outcomes, workers=workers)

    told: set[str] = set()

    by_name = {(s.student, s.assignment): s for s in to_grade}

    def record(res: dict) -> SubmissionOutcome:
        if res.get("outcome") == "unreadable":
            submission = by_name[(res["student"], res["assignment"])]
            reasons = res["reasons"]
            points = max_scores[submission.assignment]
            res = _refused_result(submission, reasons, points)
            if feedback:
                result.feedback.extend(
                    write_refusal_feedback(
                        course_dir / "feedback" / submission.student,
                        submission.assignment,
                        list(max_scores[submission.assignment]),
                        reasons,
                        submitted=submission.folder,
                    )
                )
        trouble = res.get("fork_error")
        if trouble and trouble not in told:
            told.add(trouble)
            bar.log(f"a worker starts each kernel afresh (slower): {trouble}")
        outcome = _outcome_from(res)
        if outcome.outcome == "failed":
            # A grader fault: on record as not graded yet, graded again next run.
            submission = by_name.get((outcome.student, outcome.assignment))
            if submission is not None:
                _commit_pending(coursedir, res)
                if feedback:
                    result.feedback.extend(
                        write_refusal_feedback(
                            course_dir / "feedback" / outcome.student,
                            outcome.assignment,
                            list(max_scores[outcome.assignment]),
                            [],
                            submitted=submission.folder,
                            code="classroom.failed_feedback",
                        )
                    )
        else:
            manual = _commit(coursedir, res)
            if manual:
                bar.log(
                    f"{outcome.student}/{outcome.assignment}: kept the manual "
                    f"grades of {manual} cell(s) given in Formgrader (they count "
                    "instead of the autograder's scores)"
                )
            data = asdict(outcome)
            data.pop("fresh")
            data["graded_at"] = dt.datetime.now(dt.UTC).isoformat()
            _write_atomically(
                marker_path(course_dir, outcome.student, outcome.assignment),
                json.dumps(data, indent=1),
            )
        outcomes.append(outcome)
        bar.advance(outcome.log_line())
        return outcome

    runnable = []
    for submission in to_grade:
        problems = list(submission.problems or [])
        if problems:
            record(
                _refused_result(submission, problems, max_scores[submission.assignment])
            )
            if feedback:
                result.feedback.extend(
                    write_refusal_feedback(
                        course_dir / "feedback" / submission.student,
                        submission.assignment,
                        list(max_scores[submission.assignment]),
                        problems,
                        submitted=submission.folder,
                    )
                )
        else:
            runnable.append(submission)

    budgets: dict[str, dict[str, float]] = {}
    with contextlib.ExitStack() as stack:
        pool = None
        if runnable or feedback:
            pool = stack.enter_context(
                _pool(
                    course_dir,
                    db_url,
                    template,
                    min(workers, max(1, len(runnable))),
                    fork=fork_kernels and not unsafe,
                )
            )
        if runnable:
            budgets = _budgets(
                pool,
                course_dir,
                {s.assignment for s in runnable},
                time_budget=time_budget,
                time_floor=time_floor,
                time_factor=time_factor,
                unsafe=unsafe,
                memory_bytes=memory_bytes,
                log=bar.log,
            )
            extensions = _extensions(coursedir, runnable)
            tasks = [
                {
                    "course_dir": str(course_dir),
                    "student": s.student,
                    "assignment": s.assignment,
                    "folder": str(s.folder),
                    "timestamp": _timestamp_text(s.timestamp),
                    "notebooks": _notebook_names(course_dir, s.assignment),
                    "budgets": budgets[s.assignment],
                    "memory_bytes": memory_bytes,
                    "unsafe": unsafe,
                    "extension_seconds": extensions.get((s.student, s.assignment)),
                }
                for s in runnable
            ]
            _run_all(pool, _grade_submission, tasks, lambda _task, res: record(res))
        if feedback and pool is not None:
            result.feedback.extend(_feedback(pool, course_dir, outcomes, bar.log))
    if report:
        from outputsaving.classroom.report import write_report

        result.exports = write_report(
            course_dir,
            outcomes,
            db_url=coursedir.db_url,
            course_id=coursedir.course_id,
            assignments=names,
            folder=Path(report_dir) if report_dir else course_dir / "reports",
        )
    result.seconds = time.monotonic() - started
    return result


def write_refusal_feedback(
    folder: Path,
    assignment: str,
    notebooks: Sequence[str],
    reasons: Sequence[str],
    *,
    submitted: Path | None = None,
    code: str = "classroom.refused_feedback",
) -> list[Path]:
    """Feedback for a submission refused before grading: why, and what to do.

    ``code``: the message at the top (a grader's own fault uses
    ``classroom.failed_feedback``).

    Writes ``<folder>/<assignment>/<notebook>.html`` for each notebook name
    (without ``.ipynb``), where nbgrader's feedback would be, replacing any
    earlier feedback there. ``reasons`` are the intake's learner messages.
    With ``submitted`` (the submission's folder), its ``timestamp.txt`` is
    copied beside, for nbgrader's release_feedback.
    """
    import html

    target = folder / assignment
    _wipe(target)
    target.mkdir(parents=True)
    items = "\n".join(f"<li>{html.escape(str(reason))}</li>" for reason in reasons)
    written = []
    for name in notebooks:
        title = html.escape(f"{assignment}: {name}")
        page = (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{title}</title></head><body>\n<h1>{title}</h1>\n"
            f"<p>{html.escape(_message(code))}</p>\n"
            f"<ul>\n{items}\n</ul>\n</body></html>\n"
        )
        path = target / f"{name}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
    if submitted is not None:
        _copy_regular(submitted / "timestamp.txt", target / "timestamp.txt")
    return written


def _extensions(coursedir, submissions) -> dict[tuple[str, str], float]:
    """Extensions granted in the course gradebook (for late penalties)."""
    from nbgrader.api import Gradebook, MissingEntry

    out = {}
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        for s in submissions:
            try:
                found = gb.find_submission(s.assignment, s.student)
            except MissingEntry:
                continue
            if found.extension:
                out[(s.student, s.assignment)] = found.extension.total_seconds()
    return out


def _budgets(
    pool,
    course_dir: Path,
    assignments: set[str],
    *,
    time_budget,
    time_floor,
    time_factor,
    unsafe,
    memory_bytes,
    log,
) -> dict[str, dict[str, float]]:
    """Seconds per notebook, per assignment: fixed, or from the solution's run."""
    names = {a: _notebook_names(course_dir, a) for a in assignments}
    if time_budget is not None:
        return {
            a: {Path(n).stem: float(time_budget) for n in names[a]} for a in assignments
        }
    cache_path = course_dir / STATE_DIR / "solution_times.json"
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    wanted = [
        a for a in sorted(assignments) if _source_hash(course_dir, a) not in cache
    ]
    tasks = [
        {
            "course_dir": str(course_dir),
            "assignment": a,
            "notebooks": names[a],
            "unsafe": unsafe,
            "memory_bytes": memory_bytes,
        }
        for a in wanted
    ]

    def measured(task, res) -> None:
        if "outcome" in res:  # the solution did not run
            msg = (
                f"the solution of {task['assignment']} did not run: {res.get('error')}"
            )
            raise GradingRefused(msg)
        cache[_source_hash(course_dir, task["assignment"])] = res
        seconds = ", ".join(f"{k} {v:.1f} s" for k, v in res.items())
        log(f"solution run time of {task['assignment']}: {seconds}")

    _run_all(pool, _measure_solution, tasks, measured)
    if wanted:
        _write_atomically(cache_path, json.dumps(cache, indent=1))
    out = {}
    for a in assignments:
        times = cache[_source_hash(course_dir, a)]
        out[a] = {
            k: max(time_floor, time_factor * v) + _extra_seconds(a)
            for k, v in times.items()
        }
    return out


def _feedback(pool, course_dir: Path, outcomes, log) -> list[Path]:
    """Feedback for every graded submission whose feedback is missing or older."""
    tasks = []
    for o in outcomes:
        if o.outcome not in {"graded", "stopped"}:
            continue
        autograded = course_dir / "autograded" / o.student / o.assignment
        bad = _links_in(autograded)
        if bad:
            names = ", ".join(str(p.relative_to(autograded)) for p in bad)
            log(
                f"no feedback for {o.student}/{o.assignment}: "
                f"links left by the run ({names})"
            )
            continue
        marker = marker_path(course_dir, o.student, o.assignment)
        folder = course_dir / "feedback" / o.student / o.assignment
        htmls = list(folder.glob("*.html"))
        if (
            not o.fresh
            and htmls
            and marker.exists()
            and min(p.stat().st_mtime for p in htmls) >= marker.stat().st_mtime
        ):
            continue
        tasks.append({"student": o.student, "assignment": o.assignment})
    written: list[Path] = []

    def done(task, res) -> None:
        folder = course_dir / "feedback" / task["student"] / task["assignment"]
        if res.get("success"):
            written.extend(sorted(folder.glob("*.html")))
        else:
            log(
                f"feedback failed for {task['student']}/{task['assignment']}: "
                f"{_one_line(res.get('error', ''))[-300:]}"
            )

    _run_all(pool, _generate_feedback, tasks, done)
    if tasks:
        log(f"feedback written for {len(tasks)} submission(s)")
    return written
