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
``{"event": "exited", ...}``. :class:`ForkServer` is the worker's side and
:class:`ForkProvisioner` the jupyter_client kernel provisioner built on it,
used by :class:`outputsaving.classroom.kernels.SandboxedKernelManager` when its
``fork_server`` trait names a running server.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import resource
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

from outputsaving.classroom import sandbox
from outputsaving.classroom.launcher import apply_limits
from outputsaving.classroom.sandbox import STAGE

__all__ = [
    "PRELOAD",
    "ForkProvisioner",
    "ForkServer",
    "ForkServerError",
    "get_server",
]

#: Modules the zygote imports before it forks kernels: what the course's
#: notebooks import, and the kernel itself.
PRELOAD = (
    "numpy",
    "scipy.ndimage",
    "pandas",
    "PIL.Image",
    "matplotlib",
    "matplotlib.pyplot",
    "matplotlib_inline.backend_inline",
    "skimage",
    "skimage.filters",
    "skimage.measure",
    "skimage.morphology",
    "skimage.segmentation",
    "tifffile",
    "roifile",
    "outputsaving",
    "outputsaving.analysis",
    "outputsaving.datasets",
    "outputsaving.grading",
    "outputsaving.grading.activity1",
    "outputsaving.grading.activity2",
    "outputsaving.grading.quiz",
    "IPython",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
)

_START_TIMEOUT = 120.0

# Linux constants (include/uapi/linux/sched.h, mount.h, prctl.h, capability.h).
_CLONE_NEWNS = 0x00020000
_CLONE_NEWPID = 0x20000000
_MS_RDONLY = 1
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_NOEXEC = 8
_MS_REMOUNT = 32
_MS_BIND = 4096
_MS_MOVE = 8192
_MS_REC = 16384
_MS_PRIVATE = 1 << 18
_MNT_DETACH = 2
_PR_SET_PDEATHSIG = 1
_PR_CAPBSET_DROP = 24
_PR_SET_NO_NEW_PRIVS = 38
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_CLEAR_ALL = 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


class ForkServerError(RuntimeError):
    """The fork server could not start, or could not start a kernel."""


# -- the zygote's side (inside the sandbox) ------------------------------------


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _mount(source, target, fstype, flags: int, data: str | None = None) -> None:
    def encode(value):
        return None if value is None else os.fsencode(value)

    _check(
        _libc().mount(
            encode(source),
            encode(target),
            encode(fstype),
            ctypes.c_ulong(flags),
            encode(data),
        ),
        f"mount {target}",
    )


def _isolate(
    *,
    carry: Sequence[str],
    hide: Sequence[str],
    fresh: Mapping[str, int],
    keep: Sequence[str] = (),
) -> None:
    """Set up a kernel's view, in its new mount namespace (as its pid 1).

    Parameters
    ----------
    carry : sequence of str
        Directories kept visible at their path (the working copy, the socket
        folder), even where they lie under ``hide`` or ``fresh``.
    keep : sequence of str
        Like ``carry``, but read-only (the Python environment, when it lies
        under ``/tmp``).
    hide : sequence of str
        Directories covered by an empty read-only tmpfs.
    fresh : mapping of str to int
        Directories covered by a new writable tmpfs of that many bytes.
    """
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    _mount("tmpfs", STAGE, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=64k,mode=0700")
    held = []
    for index, path in enumerate([*carry, *keep]):
        holder = f"{STAGE}/{index}"
        os.mkdir(holder)
        _mount(path, holder, None, _MS_BIND | _MS_REC)
        held.append((holder, path))
    flags = _MS_NOSUID | _MS_NODEV
    # Fresh mounts first: a hidden or carried path may lie under one.
    for path, size in fresh.items():
        if os.path.isdir(path):
            _mount("tmpfs", path, "tmpfs", flags, f"size={int(size)},mode=1777")
    for path in hide:
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount("tmpfs", path, "tmpfs", flags, "size=64k,mode=0755")
    for holder, path in held:
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount(holder, path, None, _MS_MOVE)
    for path in [*hide, *keep]:
        _mount(None, path, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | flags)
    _check(_libc().umount2(os.fsencode(STAGE), _MNT_DETACH), f"umount {STAGE}")
    _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)


def _capabilities() -> dict[str, int]:
    """This process's capability sets, from /proc/self/status."""
    sets = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")):
                name, value = line.split(":")
                sets[name] = int(value, 16)
    return sets


def _give_up_privileges(uid: int | None) -> None:
    """Drop every capability for good (as root: switch to ``uid`` first).

    Raises
    ------
    PermissionError
        If a capability is left (the kernel must then not start).
    """
    libc = _libc()
    with open("/proc/sys/kernel/cap_last_cap", encoding="ascii") as last:
        top = int(last.read())
    for capability in range(top + 1):
        libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0)
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(libc.capset(header, data), "capset")
    _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    left = {name: value for name, value in _capabilities().items() if value}
    if left or (uid is not None and os.getresuid() != (uid, uid, uid)):
        msg = f"capabilities left: {left}"
        raise PermissionError(msg)


def _log_fd(path: str) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)


def _redirect_stdio(log: str) -> None:
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    fd = _log_fd(log)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _close_fds_above_stdio() -> None:
    os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def _forwarding(child: int) -> None:
    """Forward SIGINT and SIGTERM to ``child`` (SIGTERM as SIGKILL)."""

    def forward(signum, _frame) -> None:
        with contextlib.suppress(OSError):
            os.kill(child, signum)

    def kill(_signum, _frame) -> None:
        with contextlib.suppress(OSError):
            os.kill(child, signal.SIGKILL)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, kill)


def _wait_for(child: int) -> int:
    """Reap every child until ``child`` ends; return its exit code."""
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 1
        if pid == child:
            return os.waitstatus_to_exitcode(status)


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _monitor(request: dict) -> None:
    """The zygote's child: new namespaces, then wait for the kernel's init."""
    _redirect_stdio(request["log"])
    _close_fds_above_stdio()
    _check(_libc().unshare(_CLONE_NEWNS | _CLONE_NEWPID), "unshare")
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    init = os.fork()
    if init == 0:
        _init(request)
    _forwarding(init)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    os._exit(_wait_for(init))


def _init(request: dict) -> None:
    """pid 1 of the kernel's namespace: its view, then the kernel, then reaping."""
    code = 71
    try:
        for signum in _STOP_SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        _isolate(
            carry=[request["workdir"], request["ipc_dir"]],
            hide=request["hide"],
            fresh={"/tmp": request["tmp_bytes"], "/dev/shm": request["tmp_bytes"]},
            keep=request["keep"],
        )
        kernel = os.fork()
        if kernel == 0:
            _kernel(request)
        _forwarding(kernel)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        _give_up_privileges(request.get("uid"))
        code = _wait_for(kernel)
    except BaseException as error:
        with contextlib.suppress(Exception):
            os.write(2, f"kernel init failed: {error!r}\n".encode())
    os._exit(code)


def _kernel(request: dict) -> None:
    """The kernel: no privileges, limits, then ipykernel in this process."""
    code = 72
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        os.setsid()
        _give_up_privileges(request.get("uid"))
        apply_limits(
            memory_bytes=request["memory_bytes"],
            max_processes=request["max_processes"],
            max_file_bytes=request["max_file_bytes"],
        )
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        for name in ("MPLCONFIGDIR", "IPYTHONDIR", "JUPYTER_RUNTIME_DIR"):
            if name in os.environ:
                os.makedirs(os.environ[name], exist_ok=True)
        tempfile.tempdir = None
        sys.path[0] = request["cwd"]
        # The course's failure messages, installed by IPython once the kernel's
        # shell exists (the grading modules were imported before it did).
        sys.argv = [
            "ipykernel_launcher",
            "-f",
            request["connection_file"],
            "--IPKernelApp.extensions=outputsaving.grading.common",
        ]
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            numpy.random.seed()
        from ipykernel.kernelapp import IPKernelApp

        code = 0
        IPKernelApp.launch_instance(argv=sys.argv[1:])
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException as error:
        with contextlib.suppress(Exception):
            os.write(2, f"kernel failed: {error!r}\n".encode())
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def serve(preload: Sequence[str] = PRELOAD) -> None:
    """The zygote: import ``preload``, then start kernels on request (stdin/stdout)."""
    # The JSON channel keeps its own descriptors; stray prints go to stderr.
    channel_in = os.fdopen(os.dup(0), "rb", buffering=0)
    channel_out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    started = time.monotonic()
    failed = {}
    for name in preload:
        try:
            __import__(name)
        except Exception as error:
            failed[name] = repr(error)
    threads = _threads()

    def send(message: dict) -> None:
        channel_out.write(json.dumps(message) + "\n")

    send(
        {
            "event": "ready",
            "seconds": time.monotonic() - started,
            "failed": failed,
            "threads": threads,
        }
    )
    if threads != 1:
        # Forking a process with other threads could copy a held lock.
        return
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    kernels: dict[int, str] = {}  # monitor pid -> kernel id
    monitors: dict[str, int] = {}
    selector = selectors.DefaultSelector()
    selector.register(channel_in, selectors.EVENT_READ)
    selector.register(wake_read, selectors.EVENT_READ)
    buffer = b""
    while True:
        for key, _ in selector.select():
            if key.fileobj is channel_in:
                chunk = channel_in.read(65536)
                if not chunk:  # the worker is gone
                    for pid in kernels:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGTERM)
                    return
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    request = json.loads(line)
                    _handle(request, kernels, monitors, send)
            else:
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_read, 4096)
        while kernels:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            kernel_id = kernels.pop(pid, None)
            if kernel_id is not None:
                monitors.pop(kernel_id, None)
                code = os.waitstatus_to_exitcode(status)
                send({"event": "exited", "id": kernel_id, "status": code})


def _handle(request: dict, kernels: dict, monitors: dict, send) -> None:
    kernel_id = request["id"]
    if request["op"] == "start":
        try:
            pid = os.fork()
        except OSError as error:
            send({"event": "failed", "id": kernel_id, "error": repr(error)})
            return
        if pid == 0:
            try:
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _monitor(request)
            finally:
                os._exit(70)
        kernels[pid] = kernel_id
        monitors[kernel_id] = pid
        send({"event": "started", "id": kernel_id})
        return
    pid = monitors.get(kernel_id)
    if pid is None:
        return
    signum = int(request.get("signum", signal.SIGTERM))
    if request["op"] == "kill" or signum == signal.SIGKILL:
        signum = signal.SIGTERM  # the monitor kills the kernel's namespace
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


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
            [sys.executable, "-B", "-m", __name__, *self.preload],
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


class ForkProvisioner(LocalProvisioner):
    """A jupyter_client kernel provisioner whose kernels a :class:`ForkServer` forks.

    The kernel manager sets :attr:`server` and :attr:`spec` (the keyword
    arguments of :meth:`ForkServer.start_kernel` but the connection file)
    before the launch; see
    :class:`outputsaving.classroom.kernels.SandboxedKernelManager`.
    """

    server: ForkServer | None = None
    spec: dict | None = None
    kernel_ref: str | None = None

    @property
    def has_process(self) -> bool:
        return self.kernel_ref is not None

    async def poll(self) -> int | None:
        if self.kernel_ref is None or self.server is None:
            return 0
        return self.server.poll(self.kernel_ref)

    async def wait(self) -> int | None:
        while (status := await self.poll()) is None:
            await asyncio.sleep(0.05)
        if self.kernel_ref is not None and self.server is not None:
            self.server.forget(self.kernel_ref)
        self.kernel_ref = None
        return status

    async def send_signal(self, signum: int) -> None:
        if self.kernel_ref is not None and self.server is not None:
            self.server.signal(self.kernel_ref, signum)

    async def kill(self, restart: bool = False) -> None:
        if self.kernel_ref is not None and self.server is not None:
            self.server.kill(self.kernel_ref)

    async def terminate(self, restart: bool = False) -> None:
        await self.kill(restart=restart)

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        if self.server is None or self.spec is None:
            msg = "no fork server for this kernel"
            raise ForkServerError(msg)
        self.kernel_ref = await asyncio.to_thread(
            self.server.start_kernel,
            connection_file=self.parent.connection_file,
            **self.spec,
        )
        self.pid = None
        self.pgid = None
        self.connection_info = self.parent.get_connection_info()
        return self.connection_info


if __name__ == "__main__":
    serve(sys.argv[1:] or PRELOAD)
    os._exit(0)
