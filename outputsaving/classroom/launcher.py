"""Start a command with resource limits, a clean environment and, as root, a spare uid.

This is the tiny launcher that :mod:`outputsaving.classroom.sandbox` puts in front
of every learner process. It uses only the standard library and is run as a
script (``python -I -S launcher.py ...``) inside the bubblewrap sandbox (or, with
``--unsafe``, without it), so that it starts fast and imports nothing from the
course. It

0. optionally asks Linux to end it when the process that started it dies
   (``--parent PID``: without the sandbox, whose bubblewrap does that);

1. optionally gives a few paths (the writable working copy) to the uid the command
   will run as (only when started as root);
2. lowers the resource limits (address space, processes, file size, no core dumps);
3. as root, drops to that uid and gid, which have no other processes, so the
   process cap counts only the sandbox's own processes (the kernel never applies
   the process cap to root);
4. replaces itself with the command, in an environment made only of the given
   variables.

Command line::

    python -I -S launcher.py [--parent PID] [--memory BYTES] [--processes N]
        [--file-size BYTES] [--uid UID --gid GID [--own PATH ...]]
        [--env NAME=VALUE ...] -- COMMAND ...
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import sys
from collections.abc import Mapping, Sequence

__all__ = [
    "apply_limits",
    "die_with",
    "drop_privileges",
    "give",
    "launcher_arguments",
    "main",
]

_PR_SET_PDEATHSIG = 1


def launcher_arguments(
    argv: Sequence[str],
    *,
    memory_bytes: int | None = None,
    max_processes: int | None = None,
    max_file_bytes: int | None = None,
    uid: int | None = None,
    gid: int | None = None,
    own: Sequence[str | os.PathLike] = (),
    env: Mapping[str, str] | None = None,
    parent: int | None = None,
) -> list[str]:
    """Build the launcher's arguments (everything after ``launcher.py``).

    Parameters
    ----------
    argv : sequence of str
        The command to start.
    memory_bytes, max_processes, max_file_bytes : int, optional
        Limits on the address space of each process, on the number of processes
        (threads included) of the uid, and on the size of each file written.
    uid, gid : int, optional
        Identity to switch to (the launcher must then run as root).
    own : sequence of path-like
        Directories handed over (recursively) to ``uid``/``gid`` before the switch.
    env : mapping, optional
        The command's whole environment.
    parent : int, optional
        The pid of the process that starts the launcher: the command is killed
        when that process dies (and does not start if it died already).

    Returns
    -------
    list of str
    """
    if not argv:
        msg = "argv must name a command"
        raise ValueError(msg)
    if (uid is None) != (gid is None):
        msg = "give both uid and gid, or neither"
        raise ValueError(msg)
    if own and uid is None:
        msg = "own needs uid and gid"
        raise ValueError(msg)
    arguments: list[str] = []
    for flag, value in (
        ("--parent", parent),
        ("--memory", memory_bytes),
        ("--processes", max_processes),
        ("--file-size", max_file_bytes),
        ("--uid", uid),
        ("--gid", gid),
    ):
        if value is not None:
            if int(value) < 0:
                msg = f"{flag[2:]} must not be negative, got {value}"
                raise ValueError(msg)
            arguments += [flag, str(int(value))]
    for path in own:
        arguments += ["--own", os.fspath(path)]
    for name, value in (env or {}).items():
        if "=" in name or not name:
            msg = f"bad environment variable name: {name!r}"
            raise ValueError(msg)
        arguments += ["--env", f"{name}={value}"]
    return [*arguments, "--", *map(str, argv)]


def die_with(parent: int) -> None:
    """Ask Linux to SIGKILL this process when ``parent`` dies; exit if it has."""
    import signal

    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it died before the request
        os._exit(1)


def _lower(limit: int, value: int) -> None:
    """Set both soft and hard ``limit`` to ``value`` (never above the hard limit)."""
    _, hard = resource.getrlimit(limit)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(limit, (value, value))


def apply_limits(
    *,
    memory_bytes: int | None = None,
    max_processes: int | None = None,
    max_file_bytes: int | None = None,
) -> None:
    """Lower this process's resource limits (inherited by everything it starts).

    Core dumps are always switched off.

    Parameters
    ----------
    memory_bytes : int, optional
        ``RLIMIT_AS``: the virtual memory of each process.
    max_processes : int, optional
        ``RLIMIT_NPROC``: processes and threads of the (real) uid.
    max_file_bytes : int, optional
        ``RLIMIT_FSIZE``: the largest file a process may write (Python then gets
        ``OSError: File too large``).
    """
    _lower(resource.RLIMIT_CORE, 0)
    if memory_bytes is not None:
        _lower(resource.RLIMIT_AS, memory_bytes)
    if max_processes is not None:
        _lower(resource.RLIMIT_NPROC, max_processes)
    if max_file_bytes is not None:
        _lower(resource.RLIMIT_FSIZE, max_file_bytes)


def give(path: str | os.PathLike, uid: int, gid: int) -> None:
    """Give ``path`` and all under it to ``uid``/``gid``, never following links."""
    os.lchown(path, uid, gid)
    for root, dirs, files in os.walk(path, followlinks=False):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)


def drop_privileges(
    uid: int, gid: int, *, own: Sequence[str | os.PathLike] = ()
) -> None:
    """Switch from root to ``uid``/``gid`` for good, after handing over ``own``.

    Raises
    ------
    PermissionError
        If the switch did not happen (the command must then not run).
    """
    for path in own:
        give(path, uid, gid)
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
        msg = f"could not switch to uid {uid}"
        raise PermissionError(msg)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="launcher.py", description="Run a command with resource limits."
    )
    parser.add_argument("--parent", type=int)
    parser.add_argument("--memory", type=int)
    parser.add_argument("--processes", type=int)
    parser.add_argument("--file-size", type=int)
    parser.add_argument("--uid", type=int)
    parser.add_argument("--gid", type=int)
    parser.add_argument("--own", action="append", default=[])
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("command", nargs=argparse.REMAINDER)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Apply the limits given on the command line, then exec the command."""
    args = _parser().parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        _parser().error("no command given after --")
    if args.parent is not None:
        die_with(args.parent)
    # Privileged steps first: lowering limits never needs privileges, but
    # chown does and the process cap must not block the switch.
    if args.uid is not None:
        drop_privileges(args.uid, args.gid, own=args.own)
    apply_limits(
        memory_bytes=args.memory,
        max_processes=args.processes,
        max_file_bytes=args.file_size,
    )
    env = dict(item.split("=", 1) for item in args.env)
    try:
        os.execvpe(command[0], command, env)
    except OSError as error:
        sys.stderr.write(f"launcher.py: cannot start {command[0]}: {error}\n")
        sys.exit(127)


if __name__ == "__main__":
    main()
