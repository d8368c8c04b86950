"""Where the grading engine runs: Linux only, and what to do elsewhere.

The engine relies on Linux: bubblewrap's namespaces for the sandbox, and
``prctl``, ``resource`` limits and ``fork`` for its workers and kernels. This
module imports nothing Linux-only, so that the command line can say so
clearly on macOS and Windows, where learners' notebooks, self-checks and
``outputsaving check`` work natively.
"""

from __future__ import annotations

import sys

from outputsaving.messages import fill

__all__ = ["grading_platform_problem"]


def grading_platform_problem(platform: str | None = None) -> str | None:
    """Return why the grading engine cannot run here, or None on Linux.

    Parameters
    ----------
    platform : str, optional
        A ``sys.platform`` value (default: this machine's).

    Returns
    -------
    str or None
        What to do instead (message ``classroom.unsupported_platform``).
    """
    platform = sys.platform if platform is None else platform
    if platform.startswith("linux"):
        return None
    names = {"darwin": "macOS", "win32": "Windows", "cygwin": "Windows (Cygwin)"}
    return fill(
        "classroom.unsupported_platform", platform=names.get(platform, platform)
    )
