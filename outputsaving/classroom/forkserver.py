"""Start sandboxed kernels by forking a parent that has imported the course's packages.

Starting a fresh kernel costs about 1.3 s of CPU: Python, ipykernel, then numpy,
pandas, scikit-image, matplotlib ... imported again by every notebook. A *fork
server* pays that once per grading worker: a long-lived Python process (the
*zygote*) in its own bubblewrap sandbox imports those packages and then, for each
kernel, forks a child that becomes the kernel. The zygote runs no learner code and
keeps no learner state: every kernel is forked from the same freshly imported
parent, and nothing a kernel does reaches the zygote or the next kernel.

Each kernel is isolated like a kernel of :mod:`outputsaving.classroom.sandbox`:

* the zygote's sandbox shows a read-only system, the Python environment and the
  package, the course's ``autograded/`` folder and a folder for the kernels'
  sockets (both read-write), no network, its own pid namespace;
* the forked child enters a new mount and pid namespace of its own; there it
  hides ``autograded/`` behind an empty read-only tmpfs except this submission's
  working copy, gets a fresh ``/tmp`` and ``/dev/shm`` and a ``/proc`` showing
  only its own processes;
* the kernel then gives up every capability (as root it also switches to a
  spare uid), sets ``no_new_privs`` and the resource limits, and starts
  ipykernel in the same process: its imports are already done.

Killing a kernel kills its whole pid namespace: detached and daemonised
processes included. The zygote itself ends with the worker that started it
(bubblewrap's ``--die-with-parent``).

Processes of one kernel, from the zygote down::

    zygote (sandbox pid 2)
     └─ monitor: enters the new namespaces, forwards signals, reports the exit
         └─ init (pid 1 of the kernel's pid namespace): mounts, reaps orphans
             └─ kernel: no capabilities, resource limits, runs ipykernel

The zygote and each kernel's monitor keep the few capabilities needed to set
up namespaces and mounts (and, as root, to switch uid and signal the kernel);
they run only this module's code and lie outside the kernel's pid namespace, so
the kernel cannot name them. The kernel's init gives up its capabilities once
its mounts are done (signalling it only ends the kernel). What a fork does
share: the imported modules as they were after import (each kernel then changes
only its own copy), and the string hash seed (``PYTHONHASHSEED``: the order of a
set of strings is the same in every kernel of a worker). Python's and numpy's
random generators are seeded afresh in each kernel.

The worker talks to the zygote over its standard input and output, one JSON
object per line: ``{"op": "start", ...}``, ``{"op": "signal", ...}``,
``{"op": "kill", ...}``; the zygote answers ``{"event": "started", ...}`` and
``{"event": "exited", ...}``. One module per process: the zygote's side is
:mod:`outputsaving.classroom.forkserver_zygote` (run with ``-m`` inside the
sandbox), :class:`ForkServer` here is the worker's side, and
:class:`~outputsaving.classroom.forkserver_provisioner.ForkProvisioner` the
jupyter_client kernel provisioner built on it, used by
:class:`outputsaving.classroom.kernels.SandboxedKernelManager` when its
``fork_server`` trait names a running server.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from outputsaving.classroom import forkserver_zygote, sandbox
from outputsaving.classroom.forkserver_zygote import PRELOAD

__all__ = [
    "PRELOAD",
    "ForkServer",
    "ForkServerError",
    "get_server",
]

_START_TIMEOUT = 120.0


class ForkServerError(RuntimeError):
    """The fork server could not start, or could not start a kernel."""


# -- the worker's side ---------------------------------------------------------


_SERVERS: dict[str, ForkServer] = {}


def get_server(key: str) -> ForkServer | None:
    """The running fork server registered under ``key`` in this process."""
    server = _SERVERS.get(key)
    return server if server is not None and server.running else None


class _Kernel:
    def __init__(self) -> None:
        self.started = threading.Event()
        self.exited = threading.Event()
        self.status: int | None = None
        self.error = ""


class ForkServer:
    """The worker's handle on a zygote: start, signal and kill forked kernels.

    Parameters
    ----------
    shared : sequence of path-like
        Folders holding the kernels' working copies (the course's
        ``autograded/``): read-write for the zygote, hidden from each kernel
        except its own working copy.
    readable : sequence of path-like
        Extra paths shown read-only.
    sandbox_env : mapping, optional
        Extra environment of the zygote and its kernels.
    preload : sequence of str
        Modules the zygote imports.
    bwrap : str
        The bubblewrap executable.

    Start it from a thread that outlives it (the zygote ends with that thread).
    """

    def __init__(
        self,
        *,
        shared: Sequence[str | os.PathLike],
        readable: Sequence[str | os.PathLike] = (),
        sandbox_env: Mapping[str, str] | None = None,
        preload: Sequence[str] = PRELOAD,
        bwrap: str = "bwrap",
    ) -> None:
        self.shared = [Path(p).resolve() for p in shared]
        self.readable = [Path(p).resolve() for p in readable]
        self.sandbox_env = dict(sandbox_env or {})
        self.preload = tuple(preload)
        self.bwrap = bwrap
        self.key = f"{os.getpid()}-{id(self)}"
        self.ready: dict[str, Any] = {}
        self._process: subprocess.Popen | None = None
        self._ipc_base: Path | None = None
        self._kernels: dict[str, _Kernel] = {}
        self._lock = threading.Lock()
        self._count = 0

    @property
    def running(self) -> bool:
        """True while the zygote is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def ipc_base(self) -> Path:
        """The folder (shared with the zygote) holding each kernel's sockets."""
        if self._ipc_base is None:
            msg = "the fork server is not started"
            raise ForkServerError(msg)
        return self._ipc_base

    def start(self, *, timeout: float = _START_TIMEOUT) -> ForkServer:
        """Start the zygote and wait until it has imported ``preload``.

        Raises
        ------
        ForkServerError
            If it did not start, or a module could not be imported.
        """
        self._ipc_base = Path(tempfile.mkdtemp(prefix="osk-z"))
        # As root, each kernel runs as a spare uid that must reach its folder.
        self._ipc_base.chmod(0o711)
        command = sandbox.zygote_command(
            [sys.executable, "-B", "-m", forkserver_zygote.__name__, *self.preload],
            shared=self.shared,
            ipc_base=self._ipc_base,
            readable=self.readable,
            env=self.sandbox_env,
            bwrap=self.bwrap,
        )
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - open while it runs
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd="/",
        )
        first: list[dict] = []
        got = threading.Event()

        def read() -> None:
            for line in self._process.stdout:
                message = json.loads(line)
                if message.get("event") == "ready":
                    first.append(message)
                    got.set()
                else:
                    self._dispatch(message)
            got.set()
            for kernel in list(self._kernels.values()):
                if kernel.status is None:
                    kernel.status = -signal.SIGKILL
                kernel.started.set()
                kernel.exited.set()

        threading.Thread(target=read, name="fork-server", daemon=True).start()
        if not got.wait(timeout) or not first:
            self.close()
            msg = f"the fork server did not start: {self._errors()}"
            raise ForkServerError(msg)
        self.ready = first[0]
        if self.ready["failed"] or self.ready["threads"] != 1:
            self.close()
            msg = (
                f"the fork server could not prepare: imports failed "
                f"{self.ready['failed']}, {self.ready['threads']} threads"
            )
            raise ForkServerError(msg)
        _SERVERS[self.key] = self
        return self

    @property
    def _keep(self) -> list[str]:
        """Read-only paths a kernel's fresh /tmp or /dev/shm would cover."""
        fresh = (Path("/tmp"), Path("/dev/shm"))
        return [
            str(path)
            for path in sandbox.read_only_paths(self.readable)
            if any(path.is_relative_to(root) for root in fresh)
        ]

    def _errors(self) -> str:
        with contextlib.suppress(Exception):
            self._stderr.seek(0)
            return self._stderr.read()[-2000:].decode(errors="replace").strip()
        return ""

    def _dispatch(self, message: dict) -> None:
        kernel = self._kernels.get(message.get("id"))
        if kernel is None:
            return
        if message["event"] == "started":
            kernel.started.set()
        elif message["event"] == "failed":
            kernel.error = message.get("error", "")
            kernel.status = -1
            kernel.started.set()
            kernel.exited.set()
        elif message["event"] == "exited":
            kernel.status = message["status"]
            kernel.started.set()
            kernel.exited.set()

    def _send(self, message: dict) -> None:
        if not self.running:
            msg = f"the fork server has stopped: {self._errors()}"
            raise ForkServerError(msg)
        with self._lock:
            self._process.stdin.write(json.dumps(message).encode() + b"\n")
            self._process.stdin.flush()

    def new_ipc_dir(self) -> Path:
        """A new folder for one kernel's connection file and sockets."""
        self._count += 1
        path = self.ipc_base / f"k{self._count}"
        path.mkdir(mode=0o700)
        return path

    def start_kernel(
        self,
        *,
        connection_file: str | os.PathLike,
        workdir: str | os.PathLike,
        cwd: str | os.PathLike,
        env: Mapping[str, str],
        memory_bytes: int,
        max_processes: int,
        max_file_bytes: int,
        tmp_bytes: int,
        uid: int | None = None,
        timeout: float = 30,
    ) -> str:
        """Fork a kernel; return its id once its process exists.

        ``workdir`` must lie in one of the ``shared`` folders; the kernel sees
        it, read-write, and nothing else of them. ``uid`` (as root) is the
        spare uid it runs as; the caller hands it the working copy first.
        """
        workdir = Path(workdir).resolve()
        hide = [str(p) for p in self.shared if workdir.is_relative_to(p)]
        if not hide:
            msg = f"the working copy {workdir} is not in a shared folder"
            raise ForkServerError(msg)
        ipc_dir = Path(connection_file).parent
        kernel_id = ipc_dir.name
        kernel = self._kernels[kernel_id] = _Kernel()
        self._send(
            {
                "op": "start",
                "id": kernel_id,
                "connection_file": str(connection_file),
                "workdir": str(workdir),
                "ipc_dir": str(ipc_dir),
                "log": str(ipc_dir / "kernel.log"),
                "cwd": str(Path(cwd).resolve()),
                "hide": hide,
                "keep": self._keep,
                "env": dict(env),
                "memory_bytes": int(memory_bytes),
                "max_processes": int(max_processes),
                "max_file_bytes": int(max_file_bytes),
                "tmp_bytes": int(tmp_bytes),
                "uid": uid,
            }
        )
        if not kernel.started.wait(timeout) or kernel.error:
            msg = f"the fork server did not start the kernel: {kernel.error}"
            raise ForkServerError(msg)
        return kernel_id

    def poll(self, kernel_id: str) -> int | None:
        """The kernel's exit code, or None while it runs."""
        kernel = self._kernels.get(kernel_id)
        if kernel is None or kernel.exited.is_set():
            return 0 if kernel is None or kernel.status is None else kernel.status
        return None

    def signal(self, kernel_id: str, signum: int) -> None:
        """Send ``signum`` to the kernel (SIGTERM and SIGKILL end its namespace)."""
        if self.poll(kernel_id) is None:
            self._send({"op": "signal", "id": kernel_id, "signum": int(signum)})

    def kill(self, kernel_id: str) -> None:
        """Kill the kernel and every process of its namespace."""
        if self.poll(kernel_id) is None:
            self._send({"op": "kill", "id": kernel_id})

    def forget(self, kernel_id: str) -> None:
        """Drop a finished kernel's record."""
        kernel = self._kernels.get(kernel_id)
        if kernel is not None and kernel.exited.is_set():
            del self._kernels[kernel_id]

    def close(self) -> None:
        """Stop the zygote and every kernel it started."""
        _SERVERS.pop(self.key, None)
        process, self._process = self._process, None
        if process is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._ipc_base is not None:
            import shutil

            shutil.rmtree(self._ipc_base, ignore_errors=True)

    def __enter__(self) -> ForkServer:
        return self.start() if self._process is None else self

    def __exit__(self, *exc) -> None:
        self.close()
