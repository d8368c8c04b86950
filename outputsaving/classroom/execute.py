"""nbgrader's Execute with a time budget, and writing what it ran safely.

:class:`BudgetedExecute` takes the place of nbgrader's Execute preprocessor in
``Autograde.autograde_preprocessors``: a whole-notebook time budget, the
memory cap named in its message, a size cap on each cell's outputs. When the
budget is spent, or the memory cap is hit (a ``MemoryError``), or the
notebook's files pass the disk cap (:mod:`~outputsaving.classroom.diskwatch`),
or the kernel dies, the kernel is killed and every cell not run gets an
error output naming the reason (an ename of
:data:`~outputsaving.classroom.outcomes.STOP_ENAMES`), so its tests score 0.
:func:`no_follow` makes a converter write its notebooks with
:class:`NoFollowFilesWriter`, never through a link the learner's code made.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import stat
import time
from pathlib import Path
from typing import ClassVar

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert.writers import FilesWriter
from nbgrader.preprocessors import Execute
from traitlets import Dict, Float, Integer, Unicode

from outputsaving.classroom.diskwatch import DiskWatch
from outputsaving.classroom.limits import DEFAULT_MAX_OUTPUT_BYTES
from outputsaving.classroom.outcomes import STOP_ENAMES
from outputsaving.files import chmod_tree_no_follow
from outputsaving.messages import fill

__all__ = ["BudgetedExecute", "NoFollowFilesWriter", "no_follow", "not_run"]


class BudgetedExecute(Execute):
    """nbgrader's Execute with a whole-notebook time budget and a memory cap.

    Every code cell's timeout is the smaller of the configured per-cell
    ``timeout`` and what is left of the budget. When the budget is spent, a
    cell raises ``MemoryError`` (the kernel's memory cap), the files in
    ``disk_path`` grow by more than ``disk_bytes`` (watched while the kernel
    runs, from its first code cell) or the kernel dies, the kernel is killed
    and that cell and every later code cell get an error output naming the
    reason, without being run, so their tests score 0.
    Outputs beyond ``max_output_bytes`` per cell are dropped (errors are kept),
    with a note where they were cut (``classroom.output_cut``).
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
    disk_path = Unicode(
        "", help="The kernel's working folder, whose growth is capped ('': none)."
    ).tag(config=True)
    disk_bytes = Integer(
        0, help="Bytes the notebooks of disk_path may add to it (0: no cap)."
    ).tag(config=True)

    #: ``(notebook, code, message)`` of every stop in this process.
    stops: ClassVar[list[tuple[str, str, str]]] = []
    #: Bytes each ``disk_path`` grew by in this process's earlier runs: the
    #: notebooks of one submission share its cap.
    disk_written: ClassVar[dict[str, int]] = {}

    @classmethod
    def reset(cls) -> None:
        """Forget the stops and disk use of earlier submissions."""
        cls.stops.clear()
        cls.disk_written.clear()

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
        self._watch = None
        try:
            result = super().preprocess(nb, resources, km)
        finally:
            self._end_watch()
        return result

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
        self._start_watch()
        if self._stop is None and self._disk_over():
            self._halt("classroom.disk_quota")
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
            died = "classroom.disk_quota" if self._disk_over() else ""
            self._halt(died or "classroom.kernel_died")
            self._mark(cell, keep=True)
            return cell, resources
        except CellTimeoutError:
            self._halt("classroom.time_budget" if budget_bound else "")
            self._mark(cell, keep=True)
            return cell, resources
        if self._disk_over():  # killed as the cell ended
            self._halt("classroom.disk_quota")
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
                if used - size <= self.max_output_bytes:  # the first one cut
                    limit = _size(self.max_output_bytes)
                    text = fill("classroom.output_cut", limit=limit) + "\n"
                    note = nbformat.v4.new_output("stream", name="stderr", text=text)
                    outs.append(note)
                return None
        return super().output(outs, msg, display_id, cell_index)

    # the disk cap ---------------------------------------------------------------

    def _start_watch(self) -> None:
        """Watch ``disk_path`` from the first code cell (the kernel runs)."""
        if self._watch is not None or not (self.disk_bytes and self.disk_path):
            return
        already = type(self).disk_written.get(self.disk_path, 0)
        self._watch = DiskWatch(
            self.disk_path,
            max(0, self.disk_bytes - already),
            lambda _grown: _kill_now(self.km),
        ).start()

    def _disk_over(self) -> bool:
        return self._watch is not None and self._watch.over

    def _end_watch(self) -> None:
        """Stop the watch; a notebook that passed the cap as it ended is stopped too."""
        watch, self._watch = self._watch, None
        if watch is None:
            return
        grown = watch.stop()
        written = type(self).disk_written
        written[self.disk_path] = written.get(self.disk_path, 0) + grown
        if self._stop is None and (watch.over or grown > watch.limit):
            code = "classroom.disk_quota"
            self._stop = (code, self._message(code))
            type(self).stops.append((self._notebook_name, *self._stop))
            self.log.warning("The notebook passed the disk cap: %s", code)

    # stopping -----------------------------------------------------------------

    def _halt(self, code: str) -> None:
        """Kill the kernel and remember why; later cells are not run."""
        code = code or "classroom.time_budget"
        message = self._message(code)
        self._stop = (code, message)
        type(self).stops.append((self._notebook_name, code, message))
        self.log.warning("Stopping the notebook: %s", code)
        self._kill_kernel()

    def _message(self, code: str) -> str:
        if code == "classroom.time_budget":
            return fill(code, budget=f"{self._budget:.0f} s")
        if code == "classroom.memory_limit":
            return fill(code, limit=_size(self.memory_bytes))
        if code == "classroom.disk_quota":
            return fill(code, limit=_size(self.disk_bytes))
        return fill(code)

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


def _kill_now(km) -> None:
    """Kill ``km``'s kernel at once, from any thread (the disk watch's).

    nbclient then finds the kernel dead (within a second) and the running
    cell ends with ``DeadKernelError``. A forked kernel's whole pid namespace
    ends; a kernel started afresh is killed with its process group (with the
    sandbox, bubblewrap takes the namespace with it).
    """
    provisioner = getattr(km, "provisioner", None)
    server = getattr(provisioner, "server", None)
    reference = getattr(provisioner, "kernel_ref", None)
    with contextlib.suppress(Exception):
        if server is not None and reference is not None:
            server.kill(reference)
            return
        pgid = getattr(provisioner, "pgid", None)
        if pgid:
            with contextlib.suppress(OSError):
                os.killpg(pgid, signal.SIGKILL)
                return
        process = getattr(provisioner, "process", None)
        if process is not None:
            process.kill()


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"  # pragma: no cover


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


def no_follow(converter: type) -> type:
    """``converter`` writing its notebooks with :class:`NoFollowFilesWriter`,
    and setting its files' permissions without following links.

    nbgrader's converters make a new plain FilesWriter in ``start``, so the
    writer is swapped just before each write.
    """

    class NoFollow(converter):
        def write_single_notebook(self, output, resources):
            if not isinstance(self.writer, NoFollowFilesWriter):
                self.writer = NoFollowFilesWriter(parent=self, config=self.config)
            return super().write_single_notebook(output, resources)

        def set_permissions(self, assignment_id: str, student_id: str) -> None:
            # nbgrader's own step chmods through links (issue 25): a learner's
            # link to the gradebook left it read-only. Regular files only here.
            dest = os.path.normpath(self._format_dest(assignment_id, student_id))
            chmod_tree_no_follow(dest, int(str(self.permissions), 8))

    NoFollow.__name__ = converter.__name__
    return NoFollow


def not_run(notebook) -> set[str]:
    """grade_ids of the cells a stop left unrun (their error names the stop)."""
    stops = set(STOP_ENAMES.values())
    return {
        cell.metadata.get("nbgrader", {}).get("grade_id")
        for cell in notebook.cells
        if any(o.get("ename") in stops for o in cell.get("outputs", []))
    }
