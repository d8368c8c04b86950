"""Run learners' code in a bubblewrap sandbox, with resource limits.

A sandboxed process sees a read-only system (``/usr``, ``/etc``, the Python
environment and the installed ``outputsaving`` package), its own working copy
read-write, the extra paths it is given, a private ``/tmp``, and nothing else:
no other file of the course directory (no ``source/``, no gradebook, no other
student's folder), no network, no process of the machine. It runs in its own
pid namespace, so every process it starts (detached or daemonised ones too)
ends when the sandbox ends or when the process that started it dies.

Resource limits (memory, processes, file size, no core dumps) are applied by the
tiny launcher :mod:`outputsaving.classroom.launcher` inside the sandbox. When the
grader runs as root, the launcher also switches to a spare uid with no other
processes: the kernel never applies the process cap to root, and the working copy
is handed over to that uid.

This module builds the commands (:func:`sandbox_command`, and
:func:`zygote_command` for a fork server) and checks that bubblewrap works
here (:func:`probe_sandbox`); :mod:`outputsaving.classroom.kernels` starts
Jupyter kernels with them.

``unsafe=True`` keeps the memory and file size limits but skips bubblewrap: only
for a machine where bubblewrap cannot run and the code is trusted.

Notes
-----
bubblewrap's ``--die-with-parent`` ties the sandbox to the *thread* that started
it: start sandboxes (and kernels) from a thread that outlives them, such as the
main thread of a worker process.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import shutil
import site
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from outputsaving.classroom import launcher
from outputsaving.classroom.limits import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_PROCESSES,
    DEFAULT_MEMORY_BYTES,
    DEFAULT_TMP_BYTES,
)

__all__ = [
    "STAGE",
    "SandboxStatus",
    "is_root",
    "probe_sandbox",
    "read_only_paths",
    "sandbox_command",
    "sandbox_environment",
    "spare_id",
    "zygote_command",
]

#: The empty mount point a fork server's zygote sets up each kernel's
#: namespaces on (:mod:`outputsaving.classroom.forkserver`).
STAGE = "/.osk"

_LAUNCHER = Path(launcher.__file__).resolve()
_PACKAGE = Path(launcher.__file__).resolve().parents[1]
_SANDBOX_TMP = Path("/tmp")
# Top-level system directories: bound read-only, or recreated as symlinks
# (merged-/usr systems have /bin -> usr/bin).
_SYSTEM_DIRS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)
_uid_counter = itertools.count()

_FIX_INSTALL = (
    "Install bubblewrap (Debian/Ubuntu: 'sudo apt-get install bubblewrap', "
    "Fedora: 'sudo dnf install bubblewrap'), or grade with --unsafe only if you "
    "trust every submission."
)
_FIX_USERNS = (
    "Allow unprivileged user namespaces for bubblewrap. On Ubuntu 23.10 and later "
    "AppArmor blocks them: run 'sudo sysctl -w "
    "kernel.apparmor_restrict_unprivileged_userns=0' (keep it with a file in "
    "/etc/sysctl.d/), or install an AppArmor profile for /usr/bin/bwrap that allows "
    "'userns,'. Elsewhere check 'sysctl kernel.unprivileged_userns_clone' (must be 1) "
    "and 'sysctl user.max_user_namespaces' (must be above 0). In a Docker container, "
    "run bubblewrap on the host or start the container with a seccomp profile that "
    "allows namespaces. Without root (these fixes need sudo), --unsafe grades "
    "without the sandbox: learners' code then runs as you and can read and write "
    "all you can (solutions, gradebook, other students' work) and reach the "
    "network; use it only if you trust every submission."
)


@dataclass(frozen=True)
class SandboxStatus:
    """Whether learners' code can run sandboxed on this machine.

    Attributes
    ----------
    ok : bool
        True when a sandboxed process started and was isolated as expected.
    detail : str
        What was found (the error printed by bubblewrap, when it failed).
    fix : str
        What to do about it (empty when ``ok``).
    """

    ok: bool
    detail: str
    fix: str = ""


def is_root() -> bool:
    return os.geteuid() == 0


def _mapped_id_top(map_file: str) -> int:
    """Return the highest id mapped in this user namespace."""
    try:
        lines = Path(map_file).read_text(encoding="ascii").splitlines()
    except OSError:
        return 2**32 - 2
    tops = [int(inside) + int(count) - 1 for inside, _, count in map(str.split, lines)]
    return min(max(tops, default=65535), 2**32 - 2)


def spare_id() -> int:
    """Return a uid/gid no account uses, distinct for concurrent sandboxes.

    Built from this process's pid and a counter; taken from a high range
    (from 2,000,000,000, or the top of a smaller user namespace mapping).
    """
    top = min(
        _mapped_id_top("/proc/self/uid_map"), _mapped_id_top("/proc/self/gid_map")
    )
    low = 2_000_000_000 if top > 2_100_000_000 else max(1000, top - 2**16)
    span = min(top - low, 2**28)
    return low + (os.getpid() * 64 + next(_uid_counter) % 64) % span


@functools.cache
def _python_paths() -> tuple[Path, ...]:
    """Directories of the running Python environment to expose read-only."""
    paths = {
        Path(sys.prefix),
        Path(sys.exec_prefix),
        Path(sys.base_prefix),
        Path(sys.base_exec_prefix),
        Path(os.path.realpath(sys.executable)).parent,
    }
    for directory in site.getsitepackages():
        paths.add(Path(directory))
    user_site = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    if user_site and Path(user_site).is_dir():
        paths.add(Path(user_site))
    # The course package itself: with an editable install it lives in the
    # course directory, of which it is the only part shown.
    paths.add(_PACKAGE)
    return tuple(sorted(path for path in paths if path.exists()))


def _outermost(paths: Sequence[Path]) -> list[Path]:
    """Drop the paths that lie inside another path of the list."""
    kept: list[Path] = []
    for path in sorted(set(paths), key=lambda p: len(p.parts)):
        if not any(path.is_relative_to(parent) for parent in kept):
            kept.append(path)
    return kept


def read_only_paths(readable: Sequence[Path] = ()) -> list[Path]:
    """The paths a sandbox shows read-only besides the system directories.

    The Python environment and the course package (outside ``/usr``...), then
    ``readable``.
    """
    system = [Path(name) for name in _SYSTEM_DIRS]
    python = [
        p for p in _python_paths() if not any(p.is_relative_to(s) for s in system)
    ]
    return [*_outermost(python), *readable]


def _mount_arguments(readable: Sequence[Path], writable: Sequence[Path]) -> list[str]:
    """bubblewrap options for the system, Python, ``readable`` and ``writable``."""
    arguments: list[str] = []
    for name in _SYSTEM_DIRS:
        path = Path(name)
        if path.is_symlink():
            arguments += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            arguments += ["--ro-bind", name, name]
    system = [Path(name) for name in _SYSTEM_DIRS]
    binds = [("--ro-bind", p) for p in read_only_paths(readable)]
    binds += [("--bind", p) for p in writable]
    # bubblewrap would create the missing parents of a mount point with the
    # host's modes (such as /root's 0700): make them traversable first.
    parents = {
        parent
        for _, path in binds
        for parent in path.parents
        if parent != Path("/") and not any(parent.is_relative_to(s) for s in system)
    }
    for parent in sorted(parents, key=lambda p: len(p.parts)):
        if parent != _SANDBOX_TMP:
            arguments += ["--perms", "0755", "--dir", str(parent)]
    for option, path in binds:
        arguments += [option, str(path), str(path)]
    return arguments


def sandbox_environment(
    *,
    scratch: str | os.PathLike = _SANDBOX_TMP,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Return the whole environment of a sandboxed process.

    Nothing of the grader's environment is passed on (it may hold a database
    password). Home, temporary and cache directories point into ``scratch``; the
    numerical libraries use one thread.

    Parameters
    ----------
    scratch : path-like
        A writable directory (inside the sandbox: its private ``/tmp``).
    extra : mapping, optional
        Variables to add or override.

    Returns
    -------
    dict of str to str
    """
    scratch = os.fspath(scratch)
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": scratch,
        "USER": "learner",
        "LOGNAME": "learner",
        "LANG": "C.UTF-8",
        "TMPDIR": scratch,
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{scratch}/matplotlib",
        "IPYTHONDIR": f"{scratch}/ipython",
        "JUPYTER_CONFIG_DIR": f"{scratch}/jupyter/config",
        "JUPYTER_DATA_DIR": f"{scratch}/jupyter/data",
        "JUPYTER_RUNTIME_DIR": f"{scratch}/jupyter/runtime",
        "XDG_CACHE_HOME": f"{scratch}/.cache",
        "XDG_CONFIG_HOME": f"{scratch}/.config",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    env.update(dict.fromkeys(_THREAD_VARIABLES, "1"))
    env.update(extra or {})
    return env


def _checked_dir(path: str | os.PathLike, what: str) -> Path:
    resolved = Path(path).resolve()
    if not resolved.is_dir():
        msg = f"{what} must be an existing directory: {path}"
        raise ValueError(msg)
    return resolved


_NAMESPACE_OPTIONS = (
    "--die-with-parent",
    "--new-session",
    "--unshare-pid",
    "--unshare-net",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--hostname",
    "sandbox",
)


def _filesystem_options(
    readable: Sequence[Path], writable: Sequence[Path], tmp_bytes: int
) -> list[str]:
    """bubblewrap options for /proc, /dev, a private /tmp and the mounts."""
    options = ["--proc", "/proc", "--dev", "/dev"]
    options += ["--perms", "1777", "--size", str(int(tmp_bytes))]
    options += ["--tmpfs", str(_SANDBOX_TMP)]
    options += _mount_arguments(readable, writable)
    # The skeleton holding the mount points becomes read-only too.
    return [*options, "--remount-ro", "/"]


def zygote_command(
    argv: Sequence[str],
    *,
    shared: Sequence[str | os.PathLike],
    ipc_base: str | os.PathLike,
    readable: Sequence[str | os.PathLike] = (),
    env: Mapping[str, str] | None = None,
    tmp_bytes: int = DEFAULT_TMP_BYTES,
    bwrap: str = "bwrap",
) -> list[str]:
    """Wrap a fork server's zygote (:mod:`outputsaving.classroom.forkserver`).

    Its sandbox is a kernel's (same system view, no network, own pid
    namespace) with ``shared`` and ``ipc_base`` read-write and an empty
    mount point for the kernels' set-up; it keeps the few capabilities the
    zygote needs to give each kernel namespaces of its own (in its own user
    namespace when the grader is not root). Each kernel drops them all.

    Parameters
    ----------
    argv : sequence of str
        The zygote's command.
    shared : sequence of path-like
        Folders holding the kernels' working copies.
    ipc_base : path-like
        Folder of the kernels' connection files and sockets.
    readable : sequence of path-like
        Extra paths shown read-only.
    env : mapping, optional
        Variables added to :func:`sandbox_environment`'s.
    tmp_bytes : int
        Size of the zygote's private ``/tmp``.
    bwrap : str
        The bubblewrap executable.

    Returns
    -------
    list of str
    """
    writable = [_checked_dir(path, "a shared folder") for path in shared]
    writable.append(_checked_dir(ipc_base, "ipc_base"))
    readable = [Path(path).resolve() for path in readable]
    command = [bwrap, *_NAMESPACE_OPTIONS]
    if is_root():
        # Namespaces and mounts; the switch to a spare uid; the bounding set;
        # its log files in the kernels' folders; signals to the kernels.
        capabilities = (
            "CAP_SYS_ADMIN",
            "CAP_SETUID",
            "CAP_SETGID",
            "CAP_SETPCAP",
            "CAP_DAC_OVERRIDE",
            "CAP_KILL",
        )
        command += ["--cap-drop", "ALL"]
        for capability in capabilities:
            command += ["--cap-add", capability]
    else:
        command += ["--unshare-user", "--disable-userns"]
        for capability in ("CAP_SYS_ADMIN", "CAP_SETPCAP"):
            command += ["--cap-add", capability]
    command += ["--dir", STAGE]
    command += _filesystem_options(readable, writable, tmp_bytes)
    command += ["--chdir", "/", "--clearenv"]
    for name, value in sandbox_environment(extra=env).items():
        command += ["--setenv", name, value]
    return [*command, "--", *argv]


def sandbox_command(
    argv: Sequence[str],
    *,
    workdir: str | os.PathLike,
    readable: Sequence[str | os.PathLike] = (),
    writable: Sequence[str | os.PathLike] = (),
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
    max_processes: int = DEFAULT_MAX_PROCESSES,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    unsafe: bool = False,
    cwd: str | os.PathLike | None = None,
    env: Mapping[str, str] | None = None,
    tmp_bytes: int = DEFAULT_TMP_BYTES,
    sandbox_uid: int | None = None,
    bwrap: str = "bwrap",
) -> list[str]:
    """Wrap ``argv`` so that it runs sandboxed and with resource limits.

    Parameters
    ----------
    argv : sequence of str
        The command (its first item an absolute path or a name on the sandbox's
        ``PATH``: the environment's ``bin``, ``/usr/bin``, ``/bin``).
    workdir : path-like
        The submission's working copy: the only part of the course shown, read-write.
    readable : sequence of path-like
        Extra paths shown read-only (at the same path).
    writable : sequence of path-like
        Extra directories shown read-write (at the same path), such as a kernel's
        connection directory.
    memory_bytes : int
        Address-space limit of each process.
    max_processes : int
        Limit on the sandbox's processes and threads.
    max_file_bytes : int
        Largest file a process may write.
    unsafe : bool
        Skip bubblewrap and apply the memory and file size limits only (no
        isolation at all, no process cap); the command dies with this process.
    cwd : path-like, optional
        Working directory of the command (default ``workdir``); must be shown.
    env : mapping, optional
        Variables added to :func:`sandbox_environment`'s.
    tmp_bytes : int
        Size of the private in-memory ``/tmp``.
    sandbox_uid : int, optional
        As root: the uid and gid to run as (default: a spare one). Ignored
        otherwise.
    bwrap : str
        The bubblewrap executable.

    Returns
    -------
    list of str
        The command to start (with :class:`subprocess.Popen`, for example).

    Raises
    ------
    ValueError
        If ``argv`` is empty or a directory does not exist.
    """
    if not argv:
        msg = "argv must name a command"
        raise ValueError(msg)
    workdir = _checked_dir(workdir, "workdir")
    writable = [_checked_dir(path, "a writable path") for path in writable]
    readable = [Path(path).resolve() for path in readable]
    for path in readable:
        if not path.exists():
            msg = f"a readable path does not exist: {path}"
            raise ValueError(msg)
    cwd = workdir if cwd is None else Path(cwd).resolve()
    if not any(cwd.is_relative_to(p) for p in [workdir, *writable, *readable]):
        msg = f"cwd must be inside the directories shown to the sandbox: {cwd}"
        raise ValueError(msg)
    python = [sys.executable, "-I", "-S", "-B", str(_LAUNCHER)]
    limit_options = {
        "memory_bytes": memory_bytes,
        "max_processes": max_processes,
        "max_file_bytes": max_file_bytes,
    }
    if unsafe:
        # Without a user namespace of its own, the process cap would count
        # every process of the grader's user: it is not applied. The command
        # ends when the process that starts it (this one) dies.
        scratch = Path(tempfile.gettempdir())
        limit_options["max_processes"] = None
        return python + launcher.launcher_arguments(
            argv,
            **limit_options,
            env=sandbox_environment(scratch=scratch, extra=env),
            parent=os.getpid(),
        )

    drop: dict = {}
    command = [bwrap, *_NAMESPACE_OPTIONS]
    if is_root():
        # Root keeps no namespace-wide privilege: the launcher switches to a
        # spare uid (which also makes the process cap count). It needs these
        # three capabilities until then; bubblewrap drops all others.
        uid = spare_id() if sandbox_uid is None else int(sandbox_uid)
        drop = {"uid": uid, "gid": uid, "own": [workdir, *writable]}
        for capability in ("CAP_SETUID", "CAP_SETGID", "CAP_CHOWN"):
            command += ["--cap-add", capability]
    else:
        # A user namespace of its own: the process cap then counts only the
        # sandbox's processes; no further namespaces inside.
        command += ["--unshare-user", "--disable-userns"]
    command += _filesystem_options(readable, [*writable, workdir], tmp_bytes)
    command += ["--chdir", str(cwd), "--"]
    return (
        command
        + python
        + launcher.launcher_arguments(
            argv, **limit_options, **drop, env=sandbox_environment(extra=env)
        )
    )


_PROBE_CODE = """
import importlib.util, json, os, resource, socket, sys
with open("probe.txt", "w") as f:
    f.write("written")
print(json.dumps({
    "missing": [m for m in sys.argv[1:] if importlib.util.find_spec(m) is None],
    "interfaces": sorted(name for _, name in socket.if_nameindex()),
    "pid": os.getpid(),
    "uid": os.getuid(),
    "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0],
}))
"""


def _userns_restricted() -> bool:
    try:
        flag = Path("/proc/sys/kernel/apparmor_restrict_unprivileged_userns")
        return flag.read_text(encoding="ascii").strip() == "1"
    except OSError:
        return False


def probe_sandbox(
    *,
    bwrap: str = "bwrap",
    modules: Sequence[str] = ("ipykernel", "outputsaving"),
    timeout: float = 60,
) -> SandboxStatus:
    """Start a tiny Python process in the sandbox grading uses, and check it.

    It must start, write to its working directory, see no network interface but
    loopback, run in its own pid namespace with the process cap applied (under a
    spare uid when the grader is root), and find ``modules``.

    Parameters
    ----------
    bwrap : str
        The bubblewrap executable.
    modules : sequence of str
        Modules the sandboxed Python must be able to import.
    timeout : float
        Seconds to wait for the probe.

    Returns
    -------
    SandboxStatus
        With the fix to apply when the sandbox does not work (install
        bubblewrap; allow unprivileged user namespaces, e.g. Ubuntu's AppArmor
        restriction).
    """
    if shutil.which(bwrap) is None:
        return SandboxStatus(
            False, f"bubblewrap ({bwrap}) is not installed.", _FIX_INSTALL
        )
    max_processes = 32
    with tempfile.TemporaryDirectory(prefix="osk-probe-") as tmp:
        workdir = Path(tmp)
        command = sandbox_command(
            [sys.executable, "-I", "-c", _PROBE_CODE, *modules],
            workdir=workdir,
            memory_bytes=DEFAULT_MEMORY_BYTES,
            max_processes=max_processes,
            max_file_bytes=2**20,
            bwrap=bwrap,
        )
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            return SandboxStatus(
                False, f"The sandbox did not answer in {timeout:g} s.", ""
            )
        except OSError as error:
            return SandboxStatus(
                False, f"bubblewrap could not start: {error}", _FIX_INSTALL
            )
        written = (workdir / "probe.txt").is_file()
    error = done.stderr.strip()
    if done.returncode != 0:
        detail = f"bubblewrap failed (exit {done.returncode}): {error or 'no message'}"
        namespace_words = (
            "namespace",
            "uid map",
            "Operation not permitted",
            "RTM_NEWADDR",
        )
        if _userns_restricted() or any(word in error for word in namespace_words):
            if _userns_restricted():
                detail += " (kernel.apparmor_restrict_unprivileged_userns is 1)"
            return SandboxStatus(False, detail, _FIX_USERNS)
        return SandboxStatus(False, detail, "")
    try:
        report = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return SandboxStatus(
            False, f"The probe printed no report: {done.stdout!r} {error}"
        )
    problems = []
    if report["missing"]:
        problems.append(f"cannot import {', '.join(report['missing'])} in the sandbox")
    if report["interfaces"] != ["lo"]:
        problems.append(f"network interfaces visible: {report['interfaces']}")
    if report["pid"] > 10:
        problems.append(f"no own pid namespace (pid {report['pid']})")
    if report["nproc"] != max_processes:
        problems.append(f"the process cap is {report['nproc']}, not {max_processes}")
    if report["uid"] == 0:
        problems.append("the sandboxed process runs as root")
    if not written:
        problems.append("the working directory is not writable")
    if problems:
        return SandboxStatus(
            False, "The sandbox is not as expected: " + "; ".join(problems)
        )
    user = "a spare uid" if is_root() else "your user"
    return SandboxStatus(
        True,
        f"bubblewrap sandbox works (no network, own pid namespace, runs as {user}).",
    )
