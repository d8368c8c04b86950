"""Command line: ``outputsaving check ...``, ``outputsaving demo``,
``outputsaving grade`` and ``outputsaving release-feedback``.

Exit status: 0 when the file passes, 1 when it does not (the findings are on
standard output), 2 for a usage error (including an unusable reference).
``grade``: 0 when everything was graded and its feedback written, 1 when a
submission or its feedback failed (the next run retries them), 2 when grading
could not start (another run holds the course, a damaged gradebook, a refused
or empty ``--zip``), 3 when the grader's side stopped the run (a full disk,
an unexpected error): every failure it can name is a course message, and
``--debug`` shows the traceback. Never a traceback otherwise.
"""

from __future__ import annotations

import argparse
import errno
import sys
import warnings
from pathlib import Path

from outputsaving.classroom import limits
from outputsaving.messages import fill

__all__ = ["main"]

USAGE_ERROR = 2
#: ``grade``: the grader's side stopped the run (nothing graded was lost).
GRADER_FAULT = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="outputsaving",
        description="Check the outputs of an image analysis: label mask, results "
        "table, ROI set and settings.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="check one saved file")
    kinds = check.add_subparsers(dest="kind", required=True)

    labels = kinds.add_parser("labels", help="a label mask (TIFF, PNG, ...)")
    labels.add_argument("file", type=Path)
    labels.add_argument(
        "--reference", type=Path, metavar="LABELS", help="reference label image"
    )

    table = kinds.add_parser("table", help="a results table (text)")
    table.add_argument("file", type=Path)
    table.add_argument(
        "--sep", choices=("tab", "comma"), default="tab", help="expected delimiter"
    )
    table.add_argument(
        "--labels", type=Path, metavar="LABELS", help="label image the table measures"
    )

    rois = kinds.add_parser("rois", help="an ImageJ ROI set (zip)")
    rois.add_argument("file", type=Path)
    rois.add_argument(
        "--labels", type=Path, metavar="LABELS", help="label image the ROIs outline"
    )

    settings = kinds.add_parser("settings", help="a settings file (JSON)")
    settings.add_argument("file", type=Path)

    demo = commands.add_parser(
        "demo", help="run activity 1 on the shipped image and check its outputs"
    )
    demo.add_argument(
        "--output", type=Path, default=Path("demo_output"), help="output folder"
    )
    _add_grade_parser(commands)
    release = commands.add_parser(
        "release-feedback",
        help="release the feedback of an assignment through nbgrader's exchange",
        description="nbgrader release_feedback for every learner who submitted "
        "through the exchange; one line for each learner left out, and why (they "
        "get their feedback through the LMS: reports/feedback_<assignment>.zip).",
    )
    release.add_argument("assignment", metavar="ASSIGNMENT")
    release.add_argument("--course", type=Path, default=Path("."), metavar="DIR")
    return parser


def _add_grade_parser(commands) -> None:
    grade = commands.add_parser(
        "grade",
        help="grade every submission of an nbgrader course, in parallel",
        description="Autograde nbgrader's submitted/ folder with nbgrader itself: "
        "sandboxed, in parallel, resumable; then feedback and a grade report.",
    )
    grade.add_argument("--course", type=Path, default=Path("."), metavar="DIR")
    grade.add_argument(
        "--assignment",
        action="extend",
        nargs="+",
        metavar="A",
        help="only these (--assignment A B, or repeated)",
    )
    grade.add_argument("--workers", type=int, metavar="N", help="default: one per core")
    grade.add_argument("--force", action="store_true", help="grade graded ones again")
    grade.add_argument(
        "--unsafe", action="store_true", help="run learners' code without the sandbox"
    )
    grade.add_argument(
        "--fresh-kernels",
        action="store_true",
        help="start each kernel as a new Python instead of forking it from a "
        "process with the course's packages imported (slower)",
    )
    grade.add_argument("--db", metavar="URL", help="gradebook URL (SQLAlchemy)")
    grade.add_argument("--zip", type=Path, metavar="FILE", help="an LMS download")
    grade.add_argument("--zip-assignment", metavar="A", help="the zip's assignment")
    grade.add_argument(
        "--moodle-worksheet",
        type=Path,
        metavar="FILE",
        help="the grading worksheet (CSV) of the zip's Moodle assignment: maps "
        "its participant ids to roster students by email",
    )
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")
    grade.add_argument(
        "--debug",
        action="store_true",
        help="show the traceback of an error, and libraries' warnings",
    )
    grade.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="grade on the workers of this Dask cluster (tcp://host:8786) "
        'instead of this machine; needs pip install -e ".[dask]"',
    )
    floor = limits.DEFAULT_TIME_FLOOR
    grade.add_argument(
        "--time-floor",
        type=float,
        default=floor,
        metavar="S",
        help=f"smallest time budget per notebook (default {floor:g} s)",
    )
    memory_gb = limits.DEFAULT_MEMORY_BYTES / 2**30
    grade.add_argument(
        "--memory-gb",
        type=float,
        default=memory_gb,
        metavar="GB",
        help=f"memory cap per kernel (default {memory_gb:g})",
    )
    disk_mb = limits.DEFAULT_DISK_BYTES // 2**20
    grade.add_argument(
        "--disk-mb",
        type=_positive_int,
        default=disk_mb,
        metavar="MB",
        help="what a submission's notebooks may save in their working folder, in "
        f"MiB (default {disk_mb}); past it the notebook is stopped",
    )


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        msg = f"must be a whole number above 0, not {text}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _grade(args) -> int:
    from outputsaving.classroom.platform import grading_platform_problem

    problem = grading_platform_problem()
    if problem is not None:
        print(f"outputsaving: error: {problem}", file=sys.stderr)
        return USAGE_ERROR
    from outputsaving.classroom.engine import grade_class
    from outputsaving.classroom.report import failed_summary, summary_table

    if args.zip is not None and not args.zip_assignment:
        print("outputsaving: error: --zip needs --zip-assignment", file=sys.stderr)
        return USAGE_ERROR
    if args.moodle_worksheet is not None and args.zip is None:
        print("outputsaving: error: --moodle-worksheet needs --zip", file=sys.stderr)
        return USAGE_ERROR
    if not args.debug:
        _quiet_libraries()
    try:
        result = grade_class(
            args.course,
            assignments=args.assignment,
            workers=args.workers,
            force=args.force,
            unsafe=args.unsafe,
            db_url=args.db,
            zip_path=args.zip,
            zip_assignment=args.zip_assignment,
            moodle_worksheet=args.moodle_worksheet,
            progress=not args.no_progress,
            time_floor=args.time_floor,
            memory_bytes=int(args.memory_gb * 2**30),
            disk_bytes=args.disk_mb * 2**20,
            fork_kernels=not args.fresh_kernels,
            scheduler=args.scheduler,
        )
    except KeyboardInterrupt:
        # With --force the same command would grade everything again.
        again = (
            "run the same command without --force to grade the rest (with "
            "--force it grades every submission again)"
            if args.force
            else "run the same command again to grade the rest"
        )
        print(
            f"\noutputsaving: interrupted. The grades committed so far are kept; "
            f"{again}.",
            file=sys.stderr,
        )
        return 130
    except Exception as error:
        if args.debug:
            raise
        message, status = grade_error(error)
        print(f"outputsaving: error: {message}", file=sys.stderr)
        return status
    print(summary_table(result.outcomes))
    if failed := failed_summary(result.outcomes):
        print(failed)
    if result.feedback_failed:
        from outputsaving.classroom.feedback import feedback_count

        written = len({p.parent for p in result.feedback})
        print(feedback_count(written, result.feedback_failed))
    for name, path in result.exports.items():
        print(f"{name}: {path}")
    print(f"{len(result.graded_now)} graded now in {result.seconds:.1f} s")
    return 1 if result.failed or result.feedback_failed else 0


def _quiet_libraries() -> None:
    """Silence library warnings an instructor cannot act on (``--debug`` shows them).

    SQLAlchemy's SAWarning (nbgrader's autoflush), nbformat's
    MissingIDFieldWarning (notebooks saved without cell ids, upgraded as read).
    Workers are forked from this process and inherit the filters.
    """
    from nbformat.warnings import MissingIDFieldWarning
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)
    warnings.filterwarnings("ignore", category=MissingIDFieldWarning)


_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


def grade_error(error: BaseException) -> tuple[str, int]:
    """The course message and exit status for an error that stopped ``grade``."""
    from sqlalchemy.exc import OperationalError

    from outputsaving.classroom.outcomes import GradingRefused

    if isinstance(error, GradingRefused):
        return str(error), USAGE_ERROR
    first = _first_line(error)
    full = (isinstance(error, OSError) and error.errno in _DISK_FULL) or (
        isinstance(error, OperationalError) and "disk is full" in first
    )
    if full:
        return fill("classroom.disk_full", error=first), GRADER_FAULT
    return fill("classroom.unexpected_error", error=first), GRADER_FAULT


def _first_line(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error  # SQLAlchemy's wrapped error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}".rstrip(": ")


def _release_feedback(args) -> int:
    """``outputsaving release-feedback``: 0 when released (skips included)."""
    from outputsaving.classroom.release import release_error, release_feedback

    name = args.assignment
    release = release_feedback(args.course, name)
    if not release.released and not release.skipped:
        folder = args.course / "feedback"
        message = fill("classroom.feedback_none", assignment=name, folder=folder)
        print(f"outputsaving: error: {message}", file=sys.stderr)
        return USAGE_ERROR
    for student, missing in release.skipped.items():
        lms_zip = args.course / "reports" / f"feedback_{name}.zip"
        print(
            fill(
                "classroom.feedback_not_released",
                student=student,
                assignment=name,
                missing=missing,
                zip=lms_zip,
            )
        )
    if not release.success:
        cause = release_error(release.log)
        message = fill(
            "classroom.feedback_release_failed", assignment=name, error=cause
        )
        print(f"outputsaving: error: {message}", file=sys.stderr)
        return 1
    if release.released:
        students = ", ".join(release.released)
        count = len(release.released)
        print(
            fill(
                "classroom.feedback_released",
                assignment=name,
                count=count,
                students=students,
            )
        )
    return 0


def _check(args) -> int:
    from outputsaving import labels, rois, settings, table
    from outputsaving.reference import as_reference_labels

    reference = getattr(args, "reference", None) or getattr(args, "labels", None)
    if reference is not None:
        try:
            reference = as_reference_labels(reference)
        except ValueError as error:
            print(f"outputsaving: error: {error}", file=sys.stderr)
            return USAGE_ERROR
    if args.kind == "labels":
        result = labels.check_label_mask(args.file, reference=reference)
    elif args.kind == "table":
        result = table.check_table(args.file, sep=args.sep, labels=reference)
    elif args.kind == "rois":
        result = rois.check_rois(args.file, labels=reference)
    else:
        result = settings.check_settings(args.file)
    print(result.report())
    return 0 if result.passed else 1


def main(argv=None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "grade":
            return _grade(args)
        if args.command == "release-feedback":
            return _release_feedback(args)
        from outputsaving.demo import run_demo

        return run_demo(args.output)
    except KeyboardInterrupt:
        return 130
    except OSError as error:
        print(f"outputsaving: error: {error}", file=sys.stderr)
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
