"""Where the grading engine runs: Linux only, and what to do elsewhere.

The engine relies on Linux: bubblewrap's namespaces for the sandbox, and
``prctl``, ``resource`` limits and ``fork`` for its workers and kernels. This
module imports nothing Linux-only, so that the command line can say so
clearly on macOS and Windows, where learners' notebooks, self-checks and
``outputsaving check`` work natively.
"""

from __future__ import annotations

import sys

__all__ = ["UNSUPPORTED_PLATFORM", "grading_platform_problem"]

#: What to do on a platform the grading engine does not run on.
UNSUPPORTED_PLATFORM = (
    "grading a class runs learners' notebooks on Linux only (it needs Linux's "
    "namespaces and process limits), and this is {platform}. Grade in WSL 2 on "
    "Windows or in a Linux container or virtual machine on macOS (README: "
    "'Grading on macOS and Windows'); notebooks, self-checks and 'outputsaving "
    "check' work here as they are."
)


def grading_platform_problem(platform: str | None = None) -> str | None:
    """Return why the grading engine cannot run here, or None on Linux.

    Parameters
    ----------
    platform : str, optional
        A ``sys.platform`` value (default: this machine's).
    """
    platform = sys.platform if platform is None else platform
    if platform.startswith("linux"):
        return None
    names = {"darwin": "macOS", "win32": "Windows", "cygwin": "Windows (Cygwin)"}
    return UNSUPPORTED_PLATFORM.format(platform=names.get(platform, platform))
