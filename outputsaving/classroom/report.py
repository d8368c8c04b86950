"""The instructor's report of a graded class: exports, summary table and figure.

- :func:`write_report` writes, from the gradebook (so manual grades count), the
  grades per student x assignment and per graded cell (``grade_id``), as
  tab-delimited (``.tsv``) and comma-separated (``.csv``) text, and
  ``summary.png``: the score distribution per task and the most common
  mistakes by name.
- :func:`mistakes_of` names the mistakes of an executed notebook: each failing
  test's message is matched against the templates of
  :data:`outputsaving.messages.MESSAGES`, giving finding codes such as
  ``labels.lossy_jpeg``; a failure whose message matches no template gets a
  ``classroom.mistake_*`` code when its cause is known (an answer not written,
  an earlier cell that failed, the audit overriding a pass) and is named by its
  test's ``grade_id`` otherwise.
- :func:`mistake_label` turns those names into the readable words the figure
  shows (:func:`mistake_counts` counts them per submission): a finding's first
  sentence, its values left out, or the ``classroom.mistake_*`` wording.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from outputsaving.classroom.outcomes import STOP_ENAMES
from outputsaving.files import write_atomically
from outputsaving.grading.assignments import ASSIGNMENTS, task_named
from outputsaving.messages import MESSAGES

__all__ = [
    "failed_summary",
    "grade_tables",
    "mistake_codes",
    "mistake_counts",
    "mistake_label",
    "mistakes_of",
    "summary_figure",
    "summary_table",
    "task_name",
    "task_of",
    "write_intake_table",
    "write_report",
]

#: A template must have this many literal characters to name a mistake.
_MIN_LITERAL = 12
_FIELD = re.compile(r"\{[^{}]*\}")


@cache
def _patterns() -> list[tuple[str, re.Pattern]]:
    patterns = []
    for code, (severity, template) in MESSAGES.items():
        if severity != "error":
            continue
        literals = _FIELD.split(template)
        if sum(len(part.strip()) for part in literals) < _MIN_LITERAL:
            continue
        regex = "(?:.+?)".join(re.escape(part) for part in literals)
        patterns.append((code, re.compile(regex, re.DOTALL)))
    return patterns


def mistake_codes(text: str) -> list[str]:
    """Return the finding codes whose messages make up ``text``, in order.

    Each line of ``text`` (a failing test's message: one finding per line,
    notes prefixed ``Note:``) is matched against every error template; notes
    are not mistakes.
    """
    codes = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("Note:"):
            continue
        for code, pattern in _patterns():
            if pattern.fullmatch(line) and code not in codes:
                codes.append(code)
                break
    return codes


def mistakes_of(notebook, scores: dict[str, float | None]) -> list[str]:
    """Name the mistakes of an executed notebook's failing tests.

    Parameters
    ----------
    notebook : NotebookNode
        The notebook as nbgrader autograded it.
    scores : dict
        ``grade_id`` -> the score it got; cells scoring their points are not
        mistakes.

    Returns
    -------
    list of str
        Finding codes. A failure no template matches is named by its cause
        when that is known: ``classroom.mistake_unanswered`` (the task is not
        done yet: its placeholder is still there; with the stubs of earlier
        releases, NotImplementedError, or a NameError in a notebook with an
        answer cell still raising it), ``classroom.mistake_earlier_cell`` (any other
        NameError), ``classroom.mistake_audit`` (no error at all: the audit took
        the points); else by its ``grade_id``. Cells the grader did not run (a
        time budget, ...) are left out: the engine names those stops itself.
    """
    stops = set(STOP_ENAMES.values())
    unanswered = any(
        cell.metadata.get("nbgrader", {}).get("solution")
        and any(o.get("ename") == "NotImplementedError" for o in _errors(cell))
        for cell in notebook.cells
    )
    names: list[str] = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if not meta.get("grade") or grade_id not in scores:
            continue
        score, points = scores[grade_id], meta.get("points", 0)
        if score is None or score >= points:
            continue
        errors = _errors(cell)
        if any(o.get("ename") in stops for o in errors):
            continue
        found = []
        for output in errors:
            found += mistake_codes(str(output.get("evalue", "")))
        not_done = _not_done()
        found = [_UNANSWERED if code in not_done else code for code in found]
        names += list(dict.fromkeys(found)) or [
            _unnamed(grade_id, errors, unanswered=unanswered)
        ]
    return names


_UNANSWERED = "classroom.mistake_unanswered"
#: The messages of a task whose placeholder is still there (besides those
#: each assignment declares, :func:`_not_done`).
_NOT_DONE = frozenset({"task.not_done", "task.not_implemented", "literals.not_set"})


def _not_done() -> frozenset[str]:
    return _NOT_DONE.union(*(a.placeholders for a in ASSIGNMENTS.values()))


def _errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _unnamed(grade_id: str, errors: list, *, unanswered: bool) -> str:
    """The name of a failure whose message matches no template."""
    enames = {o.get("ename") for o in errors}
    if not errors:
        return "classroom.mistake_audit"
    if "NotImplementedError" in enames or ("NameError" in enames and unanswered):
        return "classroom.mistake_unanswered"
    if "NameError" in enames:
        return "classroom.mistake_earlier_cell"
    return grade_id


#: Longest mistake label, in characters (the figure wraps it on two lines).
MAX_LABEL = 84
_FIELDS = re.compile(r"(?:\{[^{}]*\})+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_CODE = re.compile(r"^[a-z][a-z0-9]*\.[a-z0-9_.]+$")
#: Names shown as another's words: the engine's fallback for a refusal, and the
#: hidden tests' own word for an answer not written (one bar, not two).
_ALIASES = {
    "classroom.refused": "classroom.mistake_refused",
    "task.not_implemented": "classroom.mistake_unanswered",
}


def _short(text: str) -> str:
    """A message's first sentence, its values left out, at most MAX_LABEL long."""
    sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0].rstrip(".")
    sentence = _FIELDS.sub("\N{HORIZONTAL ELLIPSIS}", sentence)
    if len(sentence) > MAX_LABEL:
        for separator in (": ", "; ", ", so "):
            head = sentence.split(separator, 1)[0]
            if 25 <= len(head) < len(sentence):
                sentence = head
                break
    return textwrap.shorten(sentence, MAX_LABEL, placeholder=" \N{HORIZONTAL ELLIPSIS}")


def task_name(task: str) -> str:
    """Readable words for a task, as its assignment declares them:
    ``a1_task2`` -> ``activity 1, task 2``."""
    declared = task_named(task)
    return declared.title if declared is not None else task.replace("_", " ")


@cache
def mistake_label(name: str) -> str:
    """The readable name of a mistake, as the summary figure shows it.

    Parameters
    ----------
    name : str
        A mistake as :func:`mistakes_of` or the engine names it: a finding
        code, a ``classroom.*`` code, or a failing test's ``grade_id``.

    Returns
    -------
    str
        For a code of :data:`~outputsaving.messages.MESSAGES`, the first
        sentence of its message with its values left out (``…``), shortened to
        :data:`MAX_LABEL` characters; for a ``grade_id``, the failing test's
        task in words; never a code or a ``grade_id``.
    """
    name = _ALIASES.get(name, name)
    if name in MESSAGES:
        return _short(MESSAGES[name][1])
    if _CODE.match(name):
        return _short(MESSAGES["classroom.mistake_other"][1])
    template = MESSAGES["classroom.mistake_test_failed"][1]
    return _short(template.format(task=task_name(task_of(name))))


def mistake_counts(outcomes: Iterable) -> Counter:
    """Readable mistake name -> number of submissions with it.

    ``outcomes``: the engine's :class:`SubmissionOutcome` list (their
    ``mistakes``); names that read the same are counted once per submission.
    """
    counts: Counter = Counter()
    for outcome in outcomes:
        counts.update({mistake_label(name) for name in outcome.mistakes})
    return counts


def task_of(grade_id: str) -> str:
    """The task a graded cell belongs to: ``a1_task2_mask_visible`` -> ``a1_task2``.

    The longest declared task name (:mod:`outputsaving.grading.assignments`)
    that the ``grade_id`` starts with, followed by ``_``; the ``grade_id``
    itself for a cell of no declared task.
    """
    names = [
        task.name
        for declared in ASSIGNMENTS.values()
        for task in declared.tasks
        if grade_id == task.name or grade_id.startswith(task.name + "_")
    ]
    return max(names, key=len, default=grade_id)


#: The outcome of a student on the roster who handed nothing in.
NO_SUBMISSION = "no submission"


def grade_tables(db_url: str, course_id: str, assignments: Sequence[str], outcomes=()):
    """Return ``(per_submission, per_grade)`` DataFrames from the gradebook.

    Every assignment of the gradebook is in them (besides ``assignments``),
    and every student of its roster: one who handed nothing in has a row with
    the outcome :data:`NO_SUBMISSION` and 0. ``score`` is the score that
    counts (manual grades, minus nbgrader's ``late_penalty``; ``raw_score``
    before the penalty). ``outcomes`` (the engine's
    :class:`SubmissionOutcome` list) add the outcome, the reasons and the
    review flags of each submission.
    """
    import pandas as pd
    from nbgrader.api import Gradebook

    known = {(o.student, o.assignment): o for o in outcomes}
    per_submission, per_grade = [], []
    with Gradebook(db_url, course_id) as gradebook:
        # Every assignment of the gradebook, whatever this run graded.
        names = sorted({*assignments, *(a.name for a in gradebook.assignments)})
        roster = [student.id for student in gradebook.students]
        for assignment in names:
            handed_in = set()
            for submission in gradebook.assignment_submissions(assignment):
                student = submission.student.id
                handed_in.add(student)
                outcome = known.get((student, assignment))
                raw = max_score = 0.0
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        value = float(grade.score or 0.0)
                        raw += value
                        max_score += float(grade.max_score)
                        per_grade.append(
                            {
                                "student": student,
                                "assignment": assignment,
                                "notebook": notebook.name,
                                "task": task_of(grade.name),
                                "grade_id": grade.name,
                                "score": value,
                                "max_score": float(grade.max_score),
                            }
                        )
                # The score that counts, as nbgrader's own export gives it:
                # manual grades count instead of automatic ones (Grade.score),
                # and the late penalty is taken off.
                penalty = float(submission.late_submission_penalty or 0.0)
                per_submission.append(
                    {
                        "student": student,
                        "assignment": assignment,
                        "raw_score": raw,
                        "late_penalty": penalty,
                        "score": max(0.0, raw - penalty),
                        "max_score": max_score,
                        "outcome": outcome.outcome if outcome else "",
                        "flagged": bool(outcome and outcome.flags),
                        "reasons": " | ".join(outcome.reasons) if outcome else "",
                        "flags": " | ".join(outcome.flags) if outcome else "",
                    }
                )
            # On the roster, nothing handed in: a row all the same, with 0.
            max_score = float(gradebook.find_assignment(assignment).max_score or 0)
            for student in roster:
                if student not in handed_in:
                    per_submission.append(
                        {
                            "student": student,
                            "assignment": assignment,
                            "raw_score": 0.0,
                            "late_penalty": 0.0,
                            "score": 0.0,
                            "max_score": max_score,
                            "outcome": NO_SUBMISSION,
                            "flagged": False,
                            "reasons": "",
                            "flags": "",
                        }
                    )
    columns = ["student", "assignment"]
    submissions = pd.DataFrame(
        per_submission,
        columns=[
            *columns,
            "raw_score",
            "late_penalty",
            "score",
            "max_score",
            "outcome",
            "flagged",
            "reasons",
            "flags",
        ],
    ).sort_values(columns, ignore_index=True)
    grades = pd.DataFrame(
        per_grade,
        columns=[*columns, "notebook", "task", "grade_id", "score", "max_score"],
    ).sort_values([*columns, "notebook"], kind="stable", ignore_index=True)
    return submissions, grades


def summary_table(outcomes: Iterable) -> str:
    """A plain-text table per assignment: counts, mean score, stops and flags."""
    rows: dict[str, dict] = {}
    for o in outcomes:
        row = rows.setdefault(
            o.assignment,
            {
                "n": 0,
                "score": 0.0,
                "max": 0.0,
                "full": 0,
                "stopped": 0,
                "refused": 0,
                "failed": 0,
                "flagged": 0,
            },
        )
        row["n"] += 1
        row["score"] += o.score
        row["max"] = max(row["max"], o.max_score)
        row["full"] += bool(o.max_score and o.score >= o.max_score)
        row["flagged"] += bool(o.flags)
        if o.outcome in {"stopped", "refused", "failed"}:
            row[o.outcome] += 1
    header = (
        f"{'assignment':<14}{'subs':>5}{'mean':>8}{'max':>6}{'full':>6}"
        f"{'stopped':>9}{'refused':>9}{'failed':>8}{'flagged':>9}"
    )
    lines = [header, "-" * len(header)]
    for name in sorted(rows):
        r = rows[name]
        mean = r["score"] / r["n"] if r["n"] else 0.0
        lines.append(
            f"{name:<14}{r['n']:>5}{mean:>8.1f}{r['max']:>6g}{r['full']:>6}"
            f"{r['stopped']:>9}{r['refused']:>9}{r['failed']:>8}{r['flagged']:>9}"
        )
    return "\n".join(lines)


def failed_summary(outcomes: Iterable) -> str:
    """Who the grader failed on (graded again by the next run); empty if none."""
    failed = [o for o in outcomes if o.outcome == "failed"]
    if not failed:
        return ""
    names = ", ".join(f"{o.student}/{o.assignment}" for o in failed)
    return (
        f"{len(failed)} submission(s) not graded because of a grader fault "
        f"(graded again by the next run): {names}"
    )


def summary_figure(grades, mistakes: Counter, path: Path, *, top: int = 12) -> Path:
    """Save the score distribution per task and the most common mistakes.

    Parameters
    ----------
    grades : DataFrame
        Per graded cell, as :func:`grade_tables` returns.
    mistakes : Counter
        Readable mistake name (:func:`mistake_counts`) -> number of
        submissions with it.
    path : Path
        The image to write (PNG).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = (
        grades.groupby(["assignment", "student", "task"], sort=True)[
            ["score", "max_score"]
        ]
        .sum()
        .reset_index()
    )
    if len(tasks):
        tasks["label"] = tasks["task"]
        fraction = tasks["score"] / tasks["max_score"].where(tasks["max_score"] > 0)
        tasks["band"] = "partial"
        tasks.loc[fraction >= 1, "band"] = "full"
        tasks.loc[fraction.fillna(0) <= 0, "band"] = "zero"
        counts = (
            tasks.groupby(["label", "band"])
            .size()
            .unstack(fill_value=0)
            .reindex(columns=["full", "partial", "zero"], fill_value=0)
        )
    else:
        counts = None
    common = mistakes.most_common(top)
    height = max(
        3.0, 0.5 * max(len(counts) if counts is not None else 0, len(common)) + 1.5
    )
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, height), layout="constrained")
    if counts is not None and len(counts):
        counts = counts.iloc[::-1]
        colours = {"full": "#009E73", "partial": "#E69F00", "zero": "#D55E00"}
        left_edge = None
        for band in counts.columns:
            left.barh(
                counts.index,
                counts[band],
                left=left_edge,
                color=colours[band],
                label=band,
            )
            left_edge = counts[band] if left_edge is None else left_edge + counts[band]
        left.legend(
            title="points",
            loc="upper center",
            bbox_to_anchor=(0.5, -0.08),
            ncols=3,
            frameon=False,
        )
    left.set_xlabel("submissions")
    left.set_ylabel("task")
    left.set_title("Score per task")
    if common:
        names = [textwrap.fill(name, 44) for name, _ in common][::-1]
        right.barh(names, [n for _, n in common][::-1], color="#0072B2")
        right.tick_params(axis="y", labelsize=8)
    else:
        right.text(
            0.5, 0.5, "no mistakes", ha="center", va="center", transform=right.transAxes
        )
    right.set_xlabel("submissions")
    right.set_title("Most common mistakes")
    path.parent.mkdir(parents=True, exist_ok=True)
    image = io.BytesIO()
    fig.savefig(image, dpi=110, format="png")
    write_atomically(path, image.getvalue())
    plt.close(fig)
    return path


def write_report(
    course_dir: Path,
    outcomes: Sequence,
    *,
    db_url: str,
    course_id: str,
    assignments: Sequence[str],
    folder: Path,
) -> dict[str, Path]:
    """Write the exports and the figure into ``folder``; return their paths.

    Files: ``grades.tsv``/``grades.csv`` (student x assignment),
    ``grade_ids.tsv``/``grade_ids.csv`` (per graded cell), ``summary.png``,
    and for the LMS (:mod:`outputsaving.classroom.lms`) ``canvas_grades.csv``,
    ``moodle_grades.csv`` and ``feedback_<assignment>.zip``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    submissions, grades = grade_tables(db_url, course_id, assignments, outcomes)
    paths = {}
    for name, table in (("grades", submissions), ("grade_ids", grades)):
        for suffix, sep in (("tsv", "\t"), ("csv", ",")):
            path = folder / f"{name}.{suffix}"
            # Whole or not at all: a full disk leaves the old file.
            write_atomically(path, table.to_csv(sep=sep, index=False))
            paths[f"{name}_{suffix}"] = path
    mistakes = mistake_counts(outcomes)
    paths["figure"] = summary_figure(grades, mistakes, folder / "summary.png")
    # For the LMS: Canvas's and Moodle's grade imports, the feedback zips.
    from outputsaving.classroom.lms import read_roster, write_lms_exports

    roster = read_roster(db_url, course_id)
    feedback_dir = Path(course_dir) / "feedback"
    paths |= write_lms_exports(folder, submissions, roster, feedback_dir=feedback_dir)
    return paths


def write_intake_table(folder: Path, ledger: Sequence, outcomes: Sequence = ()) -> Path:
    """``intake.tsv``: what became of every entry of an LMS download.

    One row per entry (:class:`~outputsaving.classroom.lms_zip.EntryFate`):
    ``entry``, ``fate`` (imported, refused, kept_existing, skipped),
    ``student``, ``notebook``, ``reason``, and with ``outcomes`` (of the
    zip's assignment) how the student's submission ended (``graded``,
    ``stopped``, ``refused``, ``failed``). Written atomically.
    """
    import csv

    ended = {o.student: o for o in outcomes}
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(["entry", "fate", "student", "notebook", "reason", "outcome"])
    for fate in ledger:
        outcome = ended.get(fate.student) if fate.student else None
        writer.writerow(
            [
                fate.entry,
                fate.fate,
                fate.student,
                fate.notebook,
                " ".join(str(fate.reason).split()),
                outcome.outcome if outcome is not None else "",
            ]
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "intake.tsv"
    write_atomically(path, buffer.getvalue())
    return path
