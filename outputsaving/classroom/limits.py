"""Every default limit of class grading, in one place.

The engine, intake (what a submission may hold), the sandbox, the fork
server and the command line (``outputsaving grade``) read them from here.
Constants only: importing this module imports nothing else, on any platform.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_DISK_BYTES",
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_MAX_OUTPUT_BYTES",
    "DEFAULT_MAX_PROCESSES",
    "DEFAULT_MEMORY_BYTES",
    "DEFAULT_TIME_FACTOR",
    "DEFAULT_TIME_FLOOR",
    "DEFAULT_TMP_BYTES",
    "MAX_RESULT_BYTES",
    "STUCK_MARGIN",
    "STUCK_WITHOUT_BUDGET",
    "SUBMISSION_MAX_DEPTH",
    "SUBMISSION_MAX_FILES",
    "SUBMISSION_MAX_FILE_BYTES",
    "SUBMISSION_MAX_TIMESTAMP_BYTES",
    "SUBMISSION_MAX_TOTAL_BYTES",
]

#: Largest file a handed-in submission may hold (bytes).
SUBMISSION_MAX_FILE_BYTES = 20_000_000
#: Largest total size of a submission (bytes).
SUBMISSION_MAX_TOTAL_BYTES = 100_000_000
#: Most files and folders a submission may hold.
SUBMISSION_MAX_FILES = 1000
#: Deepest folder nesting inside a submission.
SUBMISSION_MAX_DEPTH = 20
#: Largest ``timestamp.txt`` read (bytes).
SUBMISSION_MAX_TIMESTAMP_BYTES = 1000

#: Address space of each learner process (a kernel with numpy, pandas,
#: scikit-image and matplotlib imported reserves about 0.95 GiB of it; the
#: ImageJ track's JVM, started from the kernel, needs the rest).
DEFAULT_MEMORY_BYTES = 3 * 2**30
#: Processes and threads of one sandbox (a kernel uses about 10, ImageJ with
#: its virtual screen about 20).
DEFAULT_MAX_PROCESSES = 64
#: Largest file a learner process may write.
DEFAULT_MAX_FILE_BYTES = 64 * 2**20
#: Size of a sandbox's private ``/tmp`` (it lives in memory).
DEFAULT_TMP_BYTES = 256 * 2**20
#: What a submission's notebooks may add to their working folder, on the
#: grader's disk (``outputsaving grade --disk-mb``; see
#: :mod:`outputsaving.classroom.diskwatch`).
DEFAULT_DISK_BYTES = 512 * 2**20

#: Smallest time budget of a notebook, in seconds.
DEFAULT_TIME_FLOOR = 30.0
#: A notebook's time budget is this many times its solution's run time
#: (at least :data:`DEFAULT_TIME_FLOOR`).
DEFAULT_TIME_FACTOR = 5.0
#: Largest output kept per cell (streams, displays); errors are always kept.
DEFAULT_MAX_OUTPUT_BYTES = 4 * 2**20

#: Most bytes of the graded folder (the notebooks, the files their code
#: wrote) a worker sends back; the notebooks always come back.
MAX_RESULT_BYTES = 256 * 2**20

#: Seconds a submission may take beyond the sum of its notebooks' budgets
#: (kernel starts, nbgrader's own work) before its worker counts as stuck.
STUCK_MARGIN = 300.0
#: Seconds after which a job without a budget (running a solution, writing
#: feedback) counts as stuck.
STUCK_WITHOUT_BUDGET = 1800.0
