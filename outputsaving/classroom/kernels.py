"""Jupyter kernels for grading: sandboxed, limited, forked or started afresh.

:class:`SandboxedKernelManager` starts each kernel through
:func:`~outputsaving.classroom.sandbox.sandbox_command` (bubblewrap, resource
limits), or forks it from a worker's fork server
(:mod:`outputsaving.classroom.forkserver`) when its ``fork_server`` trait names
one; nbclient and nbgrader accept it as their kernel manager class. Because
the sandbox has no network, the kernel talks to the grader over unix sockets
(ZeroMQ's ``ipc`` transport) in a per-kernel directory bound into the sandbox
at the same path. With ``unsafe`` (no bubblewrap), the kernel keeps its memory
and file size limits and dies with the process that started it.

:func:`kernel_config` is what the engine gives nbgrader's Execute for one
notebook; :func:`check_sandbox` refuses to grade without a working sandbox.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from jupyter_client import AsyncKernelManager, KernelManager
from jupyter_core.utils import run_sync
from nbgrader.preprocessors import Execute
from traitlets import Bool, Dict, HasTraits, Integer, List, Unicode

from outputsaving.classroom.forkserver import get_server
from outputsaving.classroom.forkserver_provisioner import ForkProvisioner
from outputsaving.classroom.launcher import give
from outputsaving.classroom.limits import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_PROCESSES,
    DEFAULT_MEMORY_BYTES,
    DEFAULT_TMP_BYTES,
)
from outputsaving.classroom.outcomes import GradingRefused
from outputsaving.classroom.sandbox import (
    is_root,
    probe_sandbox,
    sandbox_command,
    sandbox_environment,
    spare_id,
)
from outputsaving.grading.environment import (
    GRADER_VARIABLE,
    UNSEEN_VARIABLE,
    unseen_seed,
)
from outputsaving.grading.evidence import EVIDENCE_FOLDER, EVIDENCE_VARIABLE

__all__ = [
    "BlockingSandboxedKernelManager",
    "SandboxedExecute",
    "SandboxedKernelManager",
    "check_sandbox",
    "kernel_config",
    "kernel_env",
    "sandboxed_autograde_preprocessors",
]


class _SandboxMixin(HasTraits):
    """Start the kernel through :func:`sandbox_command`, talking over unix sockets."""

    workdir = Unicode(
        "",
        config=True,
        help="The only directory of the course the kernel sees, read-write "
        "(default: the directory the kernel starts in).",
    )
    readable = List(Unicode(), config=True, help="Extra paths shown read-only.")
    memory_bytes = Integer(
        DEFAULT_MEMORY_BYTES, config=True, help="Memory cap per process."
    )
    max_processes = Integer(
        DEFAULT_MAX_PROCESSES, config=True, help="Process/thread cap."
    )
    max_file_bytes = Integer(
        DEFAULT_MAX_FILE_BYTES, config=True, help="Largest file written."
    )
    tmp_bytes = Integer(
        DEFAULT_TMP_BYTES, config=True, help="Size of the private /tmp."
    )
    unsafe = Bool(False, config=True, help="No bubblewrap, resource limits only.")
    bwrap = Unicode("bwrap", config=True, help="The bubblewrap executable.")
    sandbox_env = Dict(Unicode(), config=True, help="Extra environment of the kernel.")
    fork_server = Unicode(
        "",
        config=True,
        help="The key of a running fork server of this process "
        "(outputsaving.classroom.forkserver) to fork the kernel from; "
        "empty: start a new Python in a new sandbox.",
    )

    _sandbox_dir: Path | None = None

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        # A signal would reach bubblewrap, not the kernel in its own session:
        # interrupt through the control channel instead. A forked kernel's
        # monitor passes signals on.
        if spec is not None:
            spec.interrupt_mode = "signal" if self._server() else "message"
        return spec

    def _server(self):
        if not self.fork_server or self.unsafe:
            return None
        return get_server(self.fork_server)

    @property
    def sandbox_dir(self) -> Path | None:
        """The per-kernel directory holding the connection file and sockets."""
        return self._sandbox_dir

    async def _async_pre_start_kernel(self, **kw):
        server = self._server()
        if self._sandbox_dir is None:
            # Short path: unix socket paths are limited to about 100 bytes.
            if server is not None:
                self._sandbox_dir = server.new_ipc_dir()
            else:
                self._sandbox_dir = Path(tempfile.mkdtemp(prefix="osk-"))
            self.connection_file = str(self._sandbox_dir / "kernel.json")
            self.ip = str(self._sandbox_dir / "ipc")
        self.transport = "ipc"
        if server is not None and self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", None)
            self.kernel_id = self.kernel_id or str(uuid.uuid4())
            self.provisioner = ForkProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
            self.provisioner.server = server
        return await super()._async_pre_start_kernel(**kw)

    def _directories(self) -> tuple[Path, Path]:
        """The working copy and the kernel's working directory."""
        start_dir = (self._launch_args or {}).get("cwd") or os.getcwd()
        workdir = Path(self.workdir or start_dir).resolve()
        cwd = Path(start_dir).resolve()
        return workdir, cwd if cwd.is_relative_to(workdir) else workdir

    def _fork_spec(self, workdir: Path, cwd: Path) -> dict:
        """What the fork server needs to start this kernel (see ForkServer)."""
        uid = None
        if is_root():
            uid = spare_id()
            for path in (workdir, self._sandbox_dir):
                give(path, uid, uid)
        env = sandbox_environment(extra={"JPY_PARENT_PID": "1", **self.sandbox_env})
        return {
            "workdir": workdir,
            "cwd": cwd,
            "env": env,
            "memory_bytes": self.memory_bytes,
            "max_processes": self.max_processes,
            "max_file_bytes": self.max_file_bytes,
            "tmp_bytes": self.tmp_bytes,
            "uid": uid,
        }

    def format_kernel_cmd(self, extra_arguments=None):
        argv = super().format_kernel_cmd(extra_arguments=extra_arguments)
        workdir, cwd = self._directories()
        provisioner = self.provisioner
        if getattr(provisioner, "server", None) is not None:
            provisioner.spec = self._fork_spec(workdir, cwd)
            return argv
        return sandbox_command(
            argv,
            workdir=workdir,
            readable=self.readable,
            writable=[self._sandbox_dir],
            memory_bytes=self.memory_bytes,
            max_processes=self.max_processes,
            max_file_bytes=self.max_file_bytes,
            unsafe=self.unsafe,
            cwd=cwd,
            # ipykernel: no "standalone kernel" banner, and no polling of its
            # parent (in its own pid namespace, its parent is pid 1).
            env={"JPY_PARENT_PID": "1", **self.sandbox_env},
            tmp_bytes=self.tmp_bytes,
            bwrap=self.bwrap,
        )

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._sandbox_dir is not None:
            shutil.rmtree(self._sandbox_dir, ignore_errors=True)
            self._sandbox_dir = None


class SandboxedKernelManager(_SandboxMixin, AsyncKernelManager):
    """A Jupyter kernel manager whose kernels run in the sandbox.

    It is asynchronous (a :class:`jupyter_client.AsyncKernelManager`, itself a
    :class:`jupyter_client.KernelManager`), as nbclient needs for its cell
    timeouts. Configure it like any traitlets class, e.g. for nbgrader::

        c.Execute.kernel_manager_class = (
            "outputsaving.classroom.kernels.SandboxedKernelManager"
        )
        c.SandboxedKernelManager.memory_bytes = 2 * 2**30

    Traits: ``workdir`` (default: the ``cwd`` the kernel is started in),
    ``readable``, ``memory_bytes``, ``max_processes``, ``max_file_bytes``,
    ``tmp_bytes``, ``unsafe``, ``bwrap``, ``sandbox_env``. Shutting the kernel
    down or killing it ends every process of its sandbox. Interrupts go through
    the control channel (a signal would stop at bubblewrap).
    """

    # The base class binds these public names to its own coroutines.
    pre_start_kernel = _SandboxMixin._async_pre_start_kernel
    cleanup_resources = _SandboxMixin._async_cleanup_resources


class BlockingSandboxedKernelManager(_SandboxMixin, KernelManager):
    """The synchronous :class:`SandboxedKernelManager`, for scripts.

    Not for nbclient or nbgrader: with a blocking client, nbclient's cell
    timeouts never fire.
    """

    pre_start_kernel = run_sync(_SandboxMixin._async_pre_start_kernel)
    cleanup_resources = run_sync(_SandboxMixin._async_cleanup_resources)


class SandboxedExecute(Execute):
    """nbgrader's Execute preprocessor, running notebooks in the sandbox.

    nbgrader 0.9's ``Execute`` passes its kernel manager class as an argument,
    which overrides ``c.Execute.kernel_manager_class``: use this preprocessor
    instead (see :func:`sandboxed_autograde_preprocessors`). It reads the
    ``c.Execute`` options (timeout, interrupt_on_timeout ...) like ``Execute``;
    the sandbox's options are ``c.SandboxedKernelManager.*``.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)


def sandboxed_autograde_preprocessors() -> list:
    """nbgrader's autograde preprocessors, with :class:`SandboxedExecute`.

    For ``nbgrader_config.py``::

        c.Autograde.autograde_preprocessors = sandboxed_autograde_preprocessors()

    Returns
    -------
    list
        ``Autograde.autograde_preprocessors``' default with ``Execute`` replaced.
    """
    from nbgrader.converters import Autograde

    defaults = Autograde.class_traits()["autograde_preprocessors"].default()
    return [SandboxedExecute if item is Execute else item for item in defaults]


def kernel_env(workdir: Path) -> dict[str, str]:
    """What the grading code in a kernel needs to know (see its modules)."""
    return {
        # The audit re-runs activity 1's settings: the kernel need not.
        GRADER_VARIABLE: "1",
        # Where the tests leave their evidence for the audit.
        EVIDENCE_VARIABLE: str(Path(workdir) / EVIDENCE_FOLDER),
        # The seed of the hidden tests' unseen data: the grader's own (the
        # audit makes the same data again from it, outside the kernel).
        UNSEEN_VARIABLE: str(unseen_seed()),
    }


def kernel_config(
    workdir: Path, *, unsafe: bool, memory_bytes: int, fork_server: str = ""
) -> tuple[type, dict[str, dict[str, Any]]]:
    """The kernel manager class for Execute and its config section.

    ``fork_server``: the key of this worker's fork server, to fork kernels
    from (empty: each kernel starts a new Python). ``unsafe``: no sandbox.
    """
    settings = {
        "workdir": str(workdir),
        "memory_bytes": memory_bytes,
        "unsafe": unsafe,
        "fork_server": "" if unsafe else fork_server,
        "sandbox_env": kernel_env(workdir),
    }
    return SandboxedKernelManager, {SandboxedKernelManager.__name__: settings}


def check_sandbox(*, unsafe: bool) -> str:
    """Refuse to grade without a working sandbox unless ``unsafe``.

    Returns a line for the log describing how kernels are isolated.
    """
    if unsafe:
        return "sandbox: off (--unsafe): learners' code runs as you, with limits only"
    status = probe_sandbox()
    if not status.ok:
        msg = f"the sandbox does not work here: {status.detail}. Fix: {status.fix}"
        raise GradingRefused(msg)
    return f"sandbox: on ({status.detail})" if status.detail else "sandbox: on"
