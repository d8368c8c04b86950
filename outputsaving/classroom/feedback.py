"""Feedback for learners: nbgrader's, made safe, or the grader's own page.

:func:`generate_feedback` runs nbgrader's generate_feedback for one graded
submission (in a worker, where the course is) and keeps in the feedback
folder only what the grader made. :func:`write_refusal_feedback` writes the
page of a submission that could not be graded (refused, or a grader fault),
where nbgrader's feedback would be.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from outputsaving.classroom import limits
from outputsaving.classroom.markers import marker_path
from outputsaving.classroom.outcomes import one_line
from outputsaving.classroom.pool import Failure, Job, run_jobs
from outputsaving.classroom.tasks import FeedbackResult, FeedbackTask
from outputsaving.files import copy_regular, remove_no_follow
from outputsaving.messages import fill

__all__ = [
    "RELEASE_FILES",
    "ClassFeedback",
    "copy_release_files",
    "failure_cause",
    "feedback_count",
    "feedback_for_class",
    "generate_feedback",
    "write_refusal_feedback",
]

# An exception's line of a traceback or log: ``OSError: [Errno 30] ...``.
_EXCEPTION_LINE = re.compile(
    r"^(?:[A-Za-z_][\w.]*\.)?([A-Z]\w*(?:Error|Exception|Exit)): (.+)$"
)
# nbgrader's own wrapper, which says only "see the traceback above".
_WRAPPERS = {"NbGraderException"}


@dataclass
class ClassFeedback:
    """Feedback of a class: the pages written, and the submissions it failed for.

    ``failed``: one ``"<student>/<assignment>: <cause>"`` per submission.
    """

    written: list[Path] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def failure_cause(text: str) -> str:
    """The real cause of a failure, on one line, from its traceback and log.

    nbgrader logs the error it met (``OSError: [Errno 30] Read-only file
    system: '…'``) and raises its own ``NbGraderException`` ("see the above
    traceback"): the last exception line that is not nbgrader's wrapper is the
    cause, told as ``Read-only file system: '…'``. Without one, nbgrader's
    first logged error, else the text's first line.
    """
    causes = []
    for line in str(text).splitlines():
        found = _EXCEPTION_LINE.match(line.strip())
        if found and found.group(1) not in _WRAPPERS:
            causes.append(found)
    if not causes:
        lines = [line.strip() for line in str(text).splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("[ERROR] ")]
        if errors:  # nbgrader's log: its first error
            return one_line(errors[0].removeprefix("[ERROR] "))
        return one_line(lines[0]) if lines else "no reason given"
    kind, words = causes[-1].groups()
    errno_words = re.match(r"\[Errno \d+\] (.+)$", words)
    return one_line(errno_words.group(1) if errno_words else f"{kind}: {words}")


def feedback_count(written: int, failed: Sequence[str]) -> str:
    """``feedback written for N submission(s)[, failed for M (cause)]``."""
    line = f"feedback written for {written} submission(s)"
    if failed:
        cause = failed[0].split(": ", 1)[-1]
        line += f", failed for {len(failed)} ({cause})"
    return line


@functools.cache
def compiled_templates():
    """This process's compiled feedback templates: a Jinja bytecode cache.

    nbgrader makes a new HTML exporter, so a new Jinja environment, for each
    submission, and Jinja compiled nbconvert's templates again for each: about
    a quarter of a feedback page's time. Jinja checks a template's source
    against the checksum it was compiled from: a changed template is compiled
    again. ``compiled``: how many templates were compiled, not found here.
    """
    from jinja2.bccache import BytecodeCache

    class CompiledTemplates(BytecodeCache):
        def __init__(self) -> None:
            self.code: dict[str, bytes] = {}
            self.compiled = 0

        def load_bytecode(self, bucket) -> None:
            if bucket.key in self.code:
                bucket.bytecode_from_string(self.code[bucket.key])

        def dump_bytecode(self, bucket) -> None:
            self.compiled += 1
            self.code[bucket.key] = bucket.bytecode_to_string()

    return CompiledTemplates()


@functools.cache
def feedback_exporter() -> type:
    """nbconvert's HTMLExporter, its templates kept by :func:`compiled_templates`."""
    from nbconvert.exporters import HTMLExporter

    class FeedbackExporter(HTMLExporter):
        def _create_environment(self):
            environment = super()._create_environment()
            environment.bytecode_cache = compiled_templates()
            return environment

    return FeedbackExporter


def generate_feedback(task: FeedbackTask) -> FeedbackResult:
    """nbgrader's generate_feedback for one submission (in a worker)."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    config = copy.deepcopy(task.config)
    config.CourseDirectory.root = task.course_dir
    config.HTMLExporter.template_name = "feedback"
    config.GenerateFeedback.exporter_class = feedback_exporter()
    config.CourseDirectory.assignment_id = task.assignment
    config.CourseDirectory.student_id = task.student
    app = GenerateFeedback(coursedir=CourseDirectory(config=config), config=config)
    app.force = True
    outcome = capture_log(app)
    if outcome["success"]:
        course = Path(task.course_dir)
        source = course / "source" / task.assignment
        _only_feedback(
            course / "feedback" / task.student / task.assignment,
            course / "submitted" / task.student / task.assignment,
            sorted(p.stem for p in source.glob("*.ipynb")),
        )
    # nbgrader's error is its wrapper; the cause is in its log.
    error = "\n".join(filter(None, [outcome.get("log"), outcome.get("error")]))
    return FeedbackResult(outcome["success"], error if not outcome["success"] else "")


def _only_feedback(folder: Path, submitted: Path, notebooks: Sequence[str]) -> None:
    """Keep in a feedback folder only what the grader made.

    nbgrader's generate_feedback copies every file of the autograded folder
    (the notebook's outputs, files its code wrote) next to the feedback, so a
    learner's planted ``grades_summary.html`` would look like the grader's.
    What stays: ``<notebook>.html`` for each notebook, and nbgrader's own
    files of the submission (:func:`copy_release_files`), copied from the
    submission, not from the folder the learner's code could write.
    """
    keep = {f"{name}.html" for name in notebooks}
    for entry in list(folder.iterdir()):
        if entry.name in keep and entry.is_file() and not entry.is_symlink():
            continue
        remove_no_follow(entry)
    copy_release_files(submitted, folder)


#: What nbgrader's release_feedback reads beside each feedback page
#: (``nbgrader/exchange/default/release_feedback.py``): the submission's
#: ``timestamp.txt``, and its ``submission_secret.txt``, which ``nbgrader
#: submit`` writes and from which the released page's name is made
#: (``notebook_hash(secret, notebook_id)``, what ``fetch_feedback`` looks for).
RELEASE_FILES = ("timestamp.txt", "submission_secret.txt")


def copy_release_files(submitted: Path, folder: Path) -> None:
    """Copy the submission's :data:`RELEASE_FILES` into its feedback folder.

    A file the submission does not have (one from an LMS zip, or copied in by
    hand, has no secret) is not copied, and an older copy of it is removed:
    ``outputsaving release-feedback`` skips such a feedback folder and says why.
    The secret is readable by the instructor alone.
    """
    for name in RELEASE_FILES:
        target = folder / name
        target.unlink(missing_ok=True)
        mode = 0o600 if name == "submission_secret.txt" else 0o644
        copy_regular(submitted / name, target, mode=mode)


def write_refusal_feedback(
    folder: Path,
    assignment: str,
    notebooks: Sequence[str],
    reasons: Sequence[str],
    *,
    submitted: Path | None = None,
    code: str = "classroom.refused_feedback",
) -> list[Path]:
    """Feedback for a submission refused before grading: why, and what to do.

    ``code``: the message at the top (a grader's own fault uses
    ``classroom.failed_feedback``).

    Writes ``<folder>/<assignment>/<notebook>.html`` for each notebook name
    (without ``.ipynb``), where nbgrader's feedback would be, replacing any
    earlier feedback there. ``reasons`` are the intake's learner messages.
    With ``submitted`` (the submission's folder), its ``timestamp.txt`` and
    secret are copied beside, for nbgrader's release_feedback.
    """
    import html

    target = folder / assignment
    remove_no_follow(target)
    target.mkdir(parents=True)
    items = "\n".join(f"<li>{html.escape(str(reason))}</li>" for reason in reasons)
    written = []
    for name in notebooks:
        title = html.escape(f"{assignment}: {name}")
        page = (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{title}</title></head><body>\n<h1>{title}</h1>\n"
            f"<p>{html.escape(fill(code))}</p>\n"
            f"<ul>\n{items}\n</ul>\n</body></html>\n"
        )
        path = target / f"{name}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
    if submitted is not None:
        copy_release_files(submitted, target)
    return written


def feedback_for_class(
    course_dir: Path, config, outcomes, log, *, workers
) -> ClassFeedback:
    """Feedback for every graded submission whose feedback is missing or older.

    Each failure is logged with its cause (:func:`failure_cause`), and the
    count says how many were written and how many failed.
    """
    jobs = []
    for o in outcomes:
        if o.outcome not in {"graded", "stopped"}:
            continue
        marker = marker_path(course_dir, o.student, o.assignment)
        htmls = list(
            (course_dir / "feedback" / o.student / o.assignment).glob("*.html")
        )
        if (
            not o.fresh
            and htmls
            and marker.exists()
            and min(p.stat().st_mtime for p in htmls) >= marker.stat().st_mtime
        ):
            continue
        task = FeedbackTask(o.student, o.assignment, str(course_dir), config)
        jobs.append(Job(task.key, generate_feedback, task, limits.STUCK_WITHOUT_BUDGET))
    made = ClassFeedback()

    def done(job: Job, res) -> None:
        task = job.payload
        folder = course_dir / "feedback" / task.student / task.assignment
        if not isinstance(res, Failure) and res.success:
            made.written.extend(sorted(folder.glob("*.html")))
        else:
            cause = failure_cause(res.reason if isinstance(res, Failure) else res.error)
            made.failed.append(f"{task.student}/{task.assignment}: {cause}")
            log(f"feedback failed for {task.student}/{task.assignment}: {cause}")

    run_jobs(jobs, done, workers=workers, start_timeout=limits.STUCK_WITHOUT_BUDGET)
    if jobs:
        log(feedback_count(len(jobs) - len(made.failed), made.failed))
    return made
