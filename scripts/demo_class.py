"""The second half of ``make demo``: build the sample class and grade it.

Builds the 30-student demo class of :mod:`make_demo_class` (default
``build/demo_class``) and grades it with ``outputsaving grade``'s engine:

- where the sandbox works (Linux with bubblewrap and unprivileged user
  namespaces), every submission, the hostile ones included, in the sandbox;
- on Linux without a working sandbox, only the submissions that are safe to
  run unsandboxed (``--unsafe``): the hostile ones are left out, and one line
  says why and how to enable the sandbox;
- on macOS and Windows, where the grading engine does not run, nothing: one
  line says how to grade in a Linux container or WSL.

It exits 0 in all three cases (the demo is not a test of the machine), and 1
only when a submission could not be graded. Usage::

    python scripts/demo_class.py [--output build/demo_class] [--workers N]
                                 [--assignment A ...] [--no-progress]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_demo_class import build_demo_class  # noqa: E402

from outputsaving.classroom.platform import grading_platform_problem  # noqa: E402

__all__ = ["main"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output", type=Path, default=REPO / "build" / "demo_class", metavar="DIR"
    )
    parser.add_argument("--workers", type=int, metavar="N", help="default: 1 per core")
    parser.add_argument(
        "--assignment", action="append", metavar="A", help="only this (repeatable)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    problem = grading_platform_problem()
    if problem is not None:
        print(f"demo class not graded: {problem}")
        return 0

    from outputsaving.classroom.engine import grade_class
    from outputsaving.classroom.report import failed_summary, summary_table
    from outputsaving.classroom.sandbox import probe_sandbox

    status = probe_sandbox()
    manifest = build_demo_class(
        args.output, assignments=args.assignment, hostile=status.ok
    )
    count = sum(len(row) for row in manifest["students"].values())
    print(
        f"demo class: {len(manifest['students'])} students, {count} submissions "
        f"in {args.output}"
    )
    if not status.ok:
        skipped = len(manifest["hostile_skipped"])
        print(
            f"sandbox unavailable ({status.detail.rstrip('.')}): skipped the "
            f"demo class's {skipped} hostile submission(s), graded the others "
            f"without it (--unsafe). To grade them all: {status.fix}"
        )
    result = grade_class(
        args.output,
        workers=args.workers,
        unsafe=not status.ok,
        progress=not args.no_progress,
    )
    print(summary_table(result.outcomes))
    if failed := failed_summary(result.outcomes):
        print(failed)
    print(
        f"demo class graded in {result.seconds:.0f} s: gradebook "
        f"{args.output}/gradebook.db, feedback in {args.output}/feedback/, grades "
        f"and summary.png in {args.output}/reports/"
    )
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
