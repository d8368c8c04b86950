"""Grade a whole class with nbgrader's own autograder: parallel, budgeted, resumable.

:func:`grade_class` grades every submission of nbgrader's ``submitted/``
layout with nbgrader's Autograde converter, run in-process by a pool of worker
processes (one per core by default, one kernel per submission, no nbgrader
start-up per submission). This module only orchestrates; each part has a
module of its own:

===================  ==========================================================
runlock              one run per course at a time, in a work folder of its own
intake               finds the submissions, refuses unsafe ones
course               nbgrader's settings and the sources, read where the course is
gradebook            the course's gradebook: structure, commits (only here)
tasks                what a worker gets and gives back: values, no shared folder
pool                 pebble's process pool: stuck and dead workers, retries
cluster              or a Dask cluster's workers (--scheduler), same contract
worker               what a worker does: autograde one submission, time a solution
execute              nbgrader's Execute with a time budget
kernels              sandboxed (or limited) kernels, forked from a fork server
markers              which submissions are graded: exactly once, resumable
feedback             nbgrader's feedback made safe, or the grader's own page
progress             the bar and the log
report               the exports and the summary figure
===================  ==========================================================

Exactly once: a submission's grades are committed by this process, then its
marker is written (:mod:`~outputsaving.classroom.markers`); a killed run
grades again exactly the submissions without a marker, and a regrade replaces
grades, never duplicates them. Stuck or dead workers: a job past its time
(its notebooks' budgets plus :data:`~outputsaving.classroom.limits.STUCK_MARGIN`)
has its worker stopped; it is tried once more, alone, then recorded as
failed (a gradebook row waiting for a grade; the next run grades it again).
"""

from __future__ import annotations

import os
import shlex
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from outputsaving.classroom import intake, limits, lms_zip, worker
from outputsaving.classroom.budgets import notebook_budgets
from outputsaving.classroom.course import (
    assignment_files,
    course_settings,
    handed_in_files,
    imagej_problem,
    put_scripts_on_path,
    readable_by_others,
)
from outputsaving.classroom.feedback import (
    failure_cause,
    feedback_for_class,
    write_refusal_feedback,
)
from outputsaving.classroom.gradebook import (
    commit,
    commit_pending,
    extensions,
    graded_in_gradebook,
    max_scores,
    prepare_gradebook,
    structure,
    template_gradebook,
)
from outputsaving.classroom.kernels import check_sandbox
from outputsaving.classroom.limits import (
    DEFAULT_DISK_BYTES,
    DEFAULT_MEMORY_BYTES,
    DEFAULT_TIME_FACTOR,
    DEFAULT_TIME_FLOOR,
)
from outputsaving.classroom.lms import (
    RosterStudent,
    moodle_folders,
    read_roster,
    remember_moodle_folders,
)
from outputsaving.classroom.lms_owners import (
    MOODLE_ENTRY,
    map_participants,
    read_worksheet,
)
from outputsaving.classroom.markers import pending, timestamp_text, write_marker
from outputsaving.classroom.outcomes import ClassResult, GradingRefused, one_line
from outputsaving.classroom.platform import grading_platform_problem
from outputsaving.classroom.pool import Failure, Job, run_jobs
from outputsaving.classroom.progress import Progress
from outputsaving.classroom.report import write_intake_table, write_report
from outputsaving.classroom.runlock import one_run_per_course, work_folder
from outputsaving.classroom.secret import course_seed
from outputsaving.classroom.tasks import (
    CourseFiles,
    GradeResult,
    GradeTask,
    NotebookGrades,
)
from outputsaving.files import remove_no_follow, write_tree
from outputsaving.messages import fill

__all__ = ["grade_class"]


def _shown_url(url: str) -> str:
    """A gradebook URL to show: without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads: nbgrader says so later
        return "(the configured gradebook)"


@one_run_per_course
def grade_class(
    course_dir: Path | str = ".",
    *,
    assignments: Sequence[str] | None = None,
    workers: int | None = None,
    force: bool = False,
    unsafe: bool = False,
    db_url: str | None = None,
    zip_path: Path | str | None = None,
    zip_assignment: str | None = None,
    progress: bool = True,
    feedback: bool = True,
    report: bool = True,
    report_dir: Path | str | None = None,
    time_budget: float | None = None,
    time_floor: float = DEFAULT_TIME_FLOOR,
    time_factor: float = DEFAULT_TIME_FACTOR,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
    disk_bytes: int = DEFAULT_DISK_BYTES,
    fork_kernels: bool = True,
    scheduler=None,
    stream: TextIO | None = None,
    moodle_worksheet: Path | str | None = None,
    grade_one: Callable[[GradeTask], GradeResult] | None = None,
) -> ClassResult:
    """Grade every submission of a course; resumable, in parallel.

    Parameters
    ----------
    course_dir : Path or str
        The nbgrader course folder (``nbgrader_config.py``, ``source/``,
        ``submitted/<student>/<assignment>/``).
    assignments : sequence of str, optional
        Only these assignments (default: every assignment of ``source/``).
    workers : int, optional
        Worker processes (default ``os.cpu_count()``).
    force : bool
        Grade again submissions already graded.
    unsafe : bool
        Run learners' code without the sandbox (memory and file size caps only).
    db_url : str, optional
        The gradebook's SQLAlchemy URL (default: the course's, usually
        ``sqlite:///<course>/gradebook.db``).
    zip_path, zip_assignment : optional
        First import an LMS download (nbgrader's zip-collect conventions) of
        the submissions of ``zip_assignment`` into ``submitted/``; learners
        refused inside it are refused in the run too, and ``intake.tsv`` in
        the reports' folder says what became of each entry.
    progress : bool
        Show the progress bar (log lines are always written).
    feedback, report : bool
        Generate feedback (nbgrader's generate_feedback) / the grade exports
        and summary figure after grading.
    report_dir : Path, optional
        Where the exports go (default ``<course>/reports``).
    time_budget : float, optional
        Seconds per notebook; default ``max(time_floor, time_factor x the
        solution's run time)``.
    memory_bytes : int
        The memory cap of each kernel.
    disk_bytes : int
        What a submission's notebooks may add to their working folder (the
        learner's share of the grader's disk; 0: no cap).
    fork_kernels : bool
        Fork each sandboxed kernel from a per-worker process that has already
        imported the course's packages (:mod:`outputsaving.classroom.forkserver`)
        instead of starting a new Python; ignored with ``unsafe``.
    scheduler : str or distributed.Client, optional
        Grade on the workers of this Dask cluster (its scheduler's address)
        instead of a local pool (:mod:`outputsaving.classroom.cluster`);
        feedback and reports are still made here.
    stream : file, optional
        Where the log and the bar go (default standard error).
    moodle_worksheet : path, optional
        The grading worksheet of the zip's Moodle assignment: its participant
        ids are mapped to roster students by email (or username / ID number);
        without it a Moodle entry whose full name has a space is skipped and
        listed (:func:`~outputsaving.classroom.lms_zip.import_lms_zip`).
    grade_one : callable, optional
        What grades one submission in a worker: a :class:`GradeTask` in, a
        :class:`GradeResult` out (default
        :func:`~outputsaving.classroom.worker.grade_submission`, nbgrader's
        autograder). Sent to the workers by pickle: a module-level function
        or an instance of a module-level class. Tests give canned results
        here to check everything around grading (intake, gradebook, markers,
        feedback, reports) without running a notebook.

    Returns
    -------
    ClassResult

    Raises
    ------
    GradingRefused
        When the sandbox does not work (and not ``unsafe``), ImageJ is missing
        for the ImageJ track, or nothing can be graded;
        :class:`~outputsaving.classroom.runlock.CourseBusy` when another run
        grades the course.
    """
    started = time.monotonic()
    problem = grading_platform_problem()
    if problem is not None:
        raise GradingRefused(problem)
    course_dir = Path(course_dir).resolve()
    put_scripts_on_path()
    if not (course_dir / "source").is_dir():
        msg = f"{course_dir} is not an nbgrader course folder (no source/)"
        raise GradingRefused(msg)
    cluster = None
    if scheduler is not None:
        from outputsaving.classroom.cluster import connect

        cluster = connect(scheduler, unsafe=unsafe)
    run = run_jobs if cluster is None else cluster.run_jobs
    isolation = check_sandbox(unsafe=unsafe) if cluster is None else cluster.isolation
    fork = fork_kernels and not unsafe
    isolation += (
        "; kernels forked from the course's imported packages"
        if fork
        else "; each kernel starts a new Python"
    )
    workers = max(1, workers or os.cpu_count() or 1)
    grade_one = grade_one or worker.grade_submission
    reports = Path(report_dir) if report_dir else course_dir / "reports"
    imported, ledger = [], []
    if zip_path is not None:
        if not zip_assignment:
            msg = "importing a zip needs --zip-assignment"
            raise GradingRefused(msg)
        imported, ledger = _import_zip(
            course_dir,
            Path(zip_path),
            zip_assignment,
            reports,
            worksheet=moodle_worksheet,
            db_url=db_url,
        )
    names = _assignment_names(course_dir, assignments)
    config, coursedir = course_settings(course_dir, db_url=db_url)
    created = _prepared_gradebook(config, coursedir, names)
    layout = structure(coursedir, names)
    course = CourseFiles(
        coursedir.course_id,
        config,
        template_gradebook(coursedir.course_id, layout),
        # From the course's secret, which stays here: kernels get the seed.
        unseen_seed=course_seed(course_dir),
    )

    # Learners refused inside the zip are refused here too, never left out.
    submissions = lms_zip.with_zip_refusals(
        intake.collect_submissions(course_dir, assignments=names),
        [s for s in imported if s.assignment in names],
    )
    outcomes, to_grade, lost = pending(
        course_dir,
        submissions,
        force=force,
        in_gradebook=graded_in_gradebook(coursedir, submissions),
    )
    check = imagej_problem if cluster is None else cluster.imagej_problem
    problem = check({s.assignment for s in to_grade})
    if problem is not None:
        raise GradingRefused(problem)
    bar = Progress(len(to_grade), stream=stream, bar=progress)
    bar.log(
        f"grading {len(to_grade)} submission(s) of {', '.join(names)} with "
        f"{f'{workers} worker(s)' if cluster is None else cluster.description}; "
        f"{len(outcomes)} already graded; {isolation}"
    )
    if created:
        bar.log(f"added to the gradebook from source/: {', '.join(created)}")
    exposed = readable_by_others(course_dir)
    if exposed:
        bar.log(
            f"warning: other users of this machine can read {', '.join(exposed)} "
            f"(solutions, hidden tests, grades, feedback): close the course folder "
            f"with 'chmod o-rwx {shlex.quote(str(course_dir))}' (README: What "
            "grading needs)"
        )
    if lost:
        bar.log(
            f"{len(lost)} submission(s) graded by an earlier run are not in the "
            f"gradebook {_shown_url(coursedir.db_url)} (a new, emptied or "
            "restored one): "
            "graded again"
        )
    result = ClassResult(course_dir=course_dir, outcomes=outcomes, workers=workers)
    recorder = _Recorder(
        course_dir, coursedir, max_scores(layout), result, bar, feedback=feedback
    )
    runnable = [s for s in to_grade if not recorder.refuse(s)]

    scratch = work_folder(course_dir)  # this run's own
    pool = {
        "workers": workers,
        "initializer": worker.start_worker,
        # A Dask worker makes its scratch folder in its machine's temporary folder.
        "initargs": (str(scratch) if cluster is None else None, fork),
    }
    try:
        if runnable:
            budgets = notebook_budgets(
                course_dir,
                course,
                {s.assignment for s in runnable},
                time_budget=time_budget,
                time_floor=time_floor,
                time_factor=time_factor,
                unsafe=unsafe,
                memory_bytes=memory_bytes,
                log=bar.log,
                pool={**pool, "initargs": (pool["initargs"][0], False)},
                run=run,
            )
            granted = extensions(coursedir, runnable)
            files = {a: assignment_files(course_dir, a) for a in budgets}
            jobs = []
            for s in runnable:
                task = GradeTask(
                    student=s.student,
                    assignment=files[s.assignment],
                    course=course,
                    # A renamed notebook goes in under its released name.
                    submission=intake.as_released(
                        s,
                        handed_in_files(
                            s, [*files[s.assignment].notebooks, *s.renamed.values()]
                        ),
                    ),
                    budgets=budgets[s.assignment],
                    memory_bytes=memory_bytes,
                    disk_bytes=disk_bytes,
                    unsafe=unsafe,
                    timestamp=timestamp_text(s.timestamp),
                    extension_seconds=granted.get((s.student, s.assignment)),
                    notes=tuple(note.message for note in s.notes),
                )
                timeout = sum(task.budgets.values()) + limits.STUCK_MARGIN
                jobs.append(Job(task.key, grade_one, task, timeout))
            run(
                jobs,
                recorder.graded,
                start_timeout=max(job.timeout for job in jobs),
                **pool,
            )
        bar.close()
        if feedback:
            made = feedback_for_class(
                course_dir, config, outcomes, bar.log, workers=workers
            )
            result.feedback.extend(made.written)
            result.feedback_failed.extend(made.failed)
    finally:
        remove_no_follow(scratch)
        if cluster is not None:
            cluster.close()
    if report:
        result.exports = write_report(
            course_dir,
            outcomes,
            db_url=coursedir.db_url,
            course_id=coursedir.course_id,
            assignments=names,
            folder=reports,
        )
        if ledger:
            ours = [o for o in outcomes if o.assignment == zip_assignment]
            write_intake_table(reports, ledger, ours)
    result.seconds = time.monotonic() - started
    return result


def _import_zip(
    course_dir: Path,
    zip_path: Path,
    assignment: str,
    reports: Path,
    *,
    worksheet: Path | str | None = None,
    db_url: str | None = None,
    roster: Sequence[RosterStudent] | None = None,
):
    """An LMS download imported: ``(submissions, what became of each entry)``.

    What became of each entry goes to ``reports/intake.tsv`` at once; a zip
    refused as a whole, or one that holds no submission, stops the run, and
    so does a Moodle ``worksheet`` that cannot be read. With a worksheet the
    roster is read from the gradebook (``roster`` overrides it); without,
    the gradebook is left alone, so that a refused zip leaves none behind.
    """
    ledger: list[lms_zip.EntryFate] = []
    participants, rows = None, None
    if worksheet is not None:
        try:
            rows = read_worksheet(worksheet)
        except (ValueError, OSError) as e:
            words = one_line(e.strerror if isinstance(e, OSError) else str(e))
            msg = f"the Moodle worksheet {worksheet} was not read: {words}"
            raise GradingRefused(msg) from e
        if roster is None:
            _, coursedir = course_settings(course_dir, db_url=db_url)
            roster = read_roster(coursedir.db_url, coursedir.course_id)
        participants = map_participants(
            rows, roster, source=f"the worksheet {Path(worksheet).name}"
        )
    try:
        imported = lms_zip.import_lms_zip(
            course_dir,
            zip_path,
            assignment=assignment,
            ledger=ledger,
            participants=participants,
            roster=[student.id for student in roster or ()],
        )
    except (ValueError, FileNotFoundError, IsADirectoryError, PermissionError) as e:
        words = one_line(e.strerror if isinstance(e, OSError) else str(e))
        refused = fill("classroom.zip_refused", zip=str(zip_path), error=words)
        raise GradingRefused(refused) from e
    table = write_intake_table(reports, ledger)
    # Moodle's participant ids of this assignment, for its feedback upload.
    remember_moodle_folders(
        reports, assignment, moodle_folders(ledger, participants, rows)
    )
    moodle = [f for f in ledger if MOODLE_ENTRY.match(f.entry)]
    if not imported and moodle and worksheet is None:
        unmapped = fill(
            "classroom.zip_moodle_unmapped",
            zip=str(zip_path),
            count=len(moodle),
            assignment=assignment,
            table=str(table),
        )
        raise GradingRefused(unmapped)
    if not imported:
        empty = fill(
            "classroom.zip_empty",
            zip=str(zip_path),
            assignment=assignment,
            count=len(ledger),
            table=str(table),
        )
        raise GradingRefused(empty)
    return imported, ledger


def _prepared_gradebook(config, coursedir, names) -> list[str]:
    """:func:`prepare_gradebook`; a gradebook that is damaged (left untouched)
    or cannot be opened is refused with what to do."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

    try:
        return prepare_gradebook(config, coursedir, names)
    except (ArgumentError, DatabaseError) as error:
        words = str(getattr(error, "orig", None) or error).strip()
        full = "disk is full" in words  # the grader's disk: told by the CLI
        if any(w in words for w in ("not a database", "malformed")):
            code = "classroom.gradebook_damaged"
        elif isinstance(error, (ArgumentError, OperationalError)) and not full:
            code = "classroom.gradebook_unreachable"
        else:
            raise
        try:
            url = make_url(coursedir.db_url)
            shown = url.database if url.drivername.startswith("sqlite") else None
        except Exception:  # shown as the configured gradebook
            shown = None
        refused = fill(
            code,
            gradebook=shown or _shown_url(coursedir.db_url),
            error=one_line(words.splitlines()[0] if words else "unreadable"),
        )
        raise GradingRefused(refused) from error


def _assignment_names(course_dir: Path, assignments) -> list[str]:
    names = (
        list(assignments)
        if assignments
        else sorted(p.name for p in (course_dir / "source").iterdir() if p.is_dir())
    )
    unknown = [n for n in names if not (course_dir / "source" / n).is_dir()]
    if unknown:
        msg = f"no source/ folder for {', '.join(unknown)}"
        raise GradingRefused(msg)
    return names


class _Recorder:
    """Records each submission's result: files, gradebook, marker, feedback, log."""

    def __init__(self, course_dir, coursedir, points, result, bar, *, feedback):
        self.course_dir = course_dir
        self.coursedir = coursedir
        self.points = points
        self.result = result
        self.bar = bar
        self.feedback = feedback
        self.told: set[str] = set()

    def refuse(self, submission) -> bool:
        """Record a submission intake refused (not run, every test 0)."""
        problems = list(submission.problems or [])
        if problems:
            stamp = timestamp_text(submission.timestamp)
            student, name = submission.student, submission.assignment
            reasons = [problem.message for problem in problems]
            codes = [problem.code for problem in problems]
            self._record(self._refused(student, name, reasons, codes, stamp))
        return bool(problems)

    def graded(self, job: Job, res: GradeResult | Failure) -> None:
        """A grading job ended (``on_done`` of :func:`run_jobs`)."""
        task: GradeTask = job.payload
        if isinstance(res, Failure):
            again = ", on a second try too" if res.tries > 1 else ""
            error = f"{res.reason}{again}; the next run grades it again"
            res = GradeResult(
                task.student,
                task.assignment.name,
                timestamp=task.timestamp,
                error=f"{error}\n{res.stack}".strip(),
            )
        if res.outcome == "unreadable":
            res = self._refused(
                task.student,
                task.assignment.name,
                res.reasons,
                res.mistakes,
                task.timestamp,
            )
        if res.fork_error and res.fork_error not in self.told:
            self.told.add(res.fork_error)
            self.bar.log(
                f"a worker starts each kernel afresh (slower): {res.fork_error}"
            )
        self._record(res)

    def _refused(self, student, name, reasons, codes, timestamp) -> GradeResult:
        """Every cell 0, with the learner's ``reasons`` and their ``codes``."""
        points = self.points[name]
        return GradeResult(
            student,
            name,
            outcome="refused",
            timestamp=timestamp,
            notebooks={
                notebook: NotebookGrades({g: [0.0, p] for g, p in cells.items()})
                for notebook, cells in points.items()
            },
            reasons=list(reasons),
            mistakes=list(codes) or ["classroom.refused"],
        )

    def _record(self, res: GradeResult) -> None:
        outcome = res.outcome_record()
        student, name = outcome.student, outcome.assignment
        code = None
        if outcome.outcome == "failed":
            # A grader fault: on record as not graded yet, graded again next run.
            commit_pending(self.coursedir, res)
            code = "classroom.failed_feedback"
        else:
            if res.files:
                write_tree(self.course_dir / "autograded" / student / name, res.files)
            if res.dropped:
                left = ", ".join(res.dropped[:5])
                self.bar.log(
                    f"{student}/{name}: not kept from the graded folder: {left}"
                )
            kept, counted = commit(self.coursedir, res)
            # The score that counts (manual grades, late penalty), for the log
            # line, the marker and the summary, as in reports/ (issue 24).
            outcome.score = counted
            if kept:
                self.bar.log(
                    f"{student}/{name}: kept the manual grades of {kept} cell(s) "
                    "given in Formgrader (they count instead of the autograder's "
                    "scores)"
                )
            write_marker(self.course_dir, outcome)
            if outcome.outcome == "refused":
                code = "classroom.refused_feedback"
        if code is not None and self.feedback:
            try:
                self.result.feedback.extend(
                    write_refusal_feedback(
                        self.course_dir / "feedback" / student,
                        name,
                        list(self.points[name]),
                        res.reasons if code != "classroom.failed_feedback" else [],
                        submitted=self.course_dir / "submitted" / student / name,
                        code=code,
                    )
                )
            except OSError as error:  # counted as what it is; grading goes on
                cause = failure_cause(f"{type(error).__name__}: {error}")
                self.result.feedback_failed.append(f"{student}/{name}: {cause}")
                self.bar.log(f"feedback failed for {student}/{name}: {cause}")
        self.result.outcomes.append(outcome)
        self.bar.advance(outcome.log_line())
