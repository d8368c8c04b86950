"""The fork server's zygote: the process, inside the sandbox, that forks each kernel.

:class:`outputsaving.classroom.forkserver.ForkServer` runs it as
``python -m outputsaving.classroom.forkserver_zygote MODULE ...`` in its
bubblewrap sandbox (:func:`outputsaving.classroom.sandbox.zygote_command`): it
imports the modules named (:data:`PRELOAD` when none is), says it is ready, then
reads one JSON request a line on its standard input and forks, signals and kills
kernels (:func:`serve`). How each kernel is isolated, and the processes of one
kernel: see :mod:`outputsaving.classroom.forkserver`. It imports nothing of the
worker's side.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import selectors
import signal
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence

from outputsaving.classroom.launcher import apply_limits
from outputsaving.classroom.sandbox import STAGE

__all__ = ["PRELOAD", "serve"]

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
    # Every declared assignment's grading modules (their declarations import them).
    "outputsaving.grading.assignments",
    "IPython",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
)

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


if __name__ == "__main__":
    serve(sys.argv[1:] or PRELOAD)
    os._exit(0)
