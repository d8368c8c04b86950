"""Independent audit of an autograded notebook, in the grading process.

A learner's code runs in the same kernel as the notebook's tests, so it can
replace the checkers or fake a pass. After nbgrader has executed a notebook,
:func:`audit_notebook` re-checks its work from the outside, without running any
of the learner's code. What each graded cell tests, each assignment declares
once (:mod:`outputsaving.grading.assignments`, of the task type
:class:`outputsaving.grading.tasks.Task`); this package names no assignment.

Files (tasks declaring a :class:`~outputsaving.grading.tasks.FileCheck`)
    Every regular file under the working copy ``workdir`` (where the notebook
    ran), except notebooks, ``timestamp.txt`` and ``.ipynb_checkpoints``, is
    taken as written by the notebook's code: the working copy holds only the
    submitted notebooks when the run starts (its output folders were emptied).
    Files are found by content (:func:`~outputsaving.sniff.sniff_format`), not
    by the names learners chose, and each task passes when at least one file
    passes the task's check, made with the graders' own ``*_result`` functions
    against references computed in this process from the shipped images (for
    activity 1's settings, say, the analysis is re-run from the file in this
    process, as the hidden test re-runs it in a fresh process). An
    assignment that hands its files in a folder of their own (the ImageJ
    track's ``output/``) is checked there.
Output folder (tasks declaring an :class:`~outputsaving.grading.tasks.OutputDir`)
    Read from the answer cell with :mod:`ast`: only when ``OUTPUT_DIR`` is set
    there to a literal ``Path("...")`` (also ``Path("a", "b")`` or
    ``Path("a") / "b"``) and set nowhere else. The visible cell's verdict is
    whether that folder exists in ``workdir``; the hidden cell's whether it is
    relative and inside ``workdir`` without being ``workdir`` itself. Anything
    else: no opinion (None).
Literal answers (tasks declaring :class:`~outputsaving.grading.tasks.Answer`)
    The learner's cells are parsed, never executed, by the reading the
    self-checks use too (:func:`outputsaving.grading.literals.read_answer`):
    the last cell that sets an answer may hold only comments, assignments of
    literals (text, True/False, None, numbers, lists, tuples or sets of them)
    to plain names, and lines that only show something (``print``,
    ``display``, a self-check call, ``%whos``, ``!echo``); a ``raise`` ends
    it, as it would end the run. Anything else (calls, names, imports,
    f-strings, attributes, loops...), or a later cell that changes the
    answer, scores 0, unflagged, with the self-check's own words. The literal
    is then scored with the in-kernel tests' own matching, as declared.
Tampering
    The cells learners can edit (every code cell except the test cells, which
    nbgrader restores from the instructor's version) are scanned with
    :mod:`ast` for code that reaches into the grader: importing
    ``outputsaving.grading``, ``builtins``, ``importlib`` (but for its
    ``metadata`` and ``resources``), ``ctypes`` or ``gc``;
    ``sys.modules``; assigning to or deleting an attribute of an imported
    module; ``exec``, ``eval``, ``compile``, ``__import__``, ``setattr``,
    ``delattr``, ``globals``, ``vars``; dunder attributes such as ``__dict__``
    or ``__globals__``; IPython's ``run_cell`` or ``%run``-like magics. This is
    a heuristic (a determined attacker can hide code from any static scan);
    its findings are flagged, and by default every graded cell the audit
    cannot re-check itself (hidden tests of functions) gets verdict False.

What the audit cannot see: whether the learner's functions work in *another*
folder (the hidden tests' fresh folders live in the kernel's private
temporary folder), so a passing file audit gives the hidden cells no opinion.
A correct output copied rather than computed (written from a hard-coded blob,
say) passes the file audit: it is a correct file, and the hidden tests, which
call the function, still decide those cells unless the grader was tampered
with.
Copying a shipped input image in place of a label mask fails: it holds
intensities, not the reference's labels.
Files saved outside the working copy (an absolute ``OUTPUT_DIR``, the
kernel's private temporary folder) are not seen either, by design: their file
tasks score 0 even where the hidden tests passed in the kernel (serial
``nbgrader autograde`` would give those points), and the change is flagged.
When ``OUTPUT_DIR`` is such a literal, the message names it and says to save
into a folder next to the notebook, given as a relative path.

:func:`apply_audit` combines the audit with nbgrader's scores; see it for the
exact rule.

The package holds one concern per module, and this module combines them:
:mod:`.files` (the saved files re-checked), :mod:`.literals` (literal answers),
:mod:`.output_dir` (the output folder's static analysis), :mod:`.tampering`
(the tampering scan), :mod:`.events` (the kernel monitor's events), and
:mod:`.cells` (the notebook's cells as they all read them).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from outputsaving.classroom.audit.cells import _cells_by_grade_id, _graded_ids
from outputsaving.classroom.audit.events import _audit_events, read_events
from outputsaving.classroom.audit.files import (
    _audit_task_files,
    _Files,
    _review_flags,
    saved_files,
)
from outputsaving.classroom.audit.literals import _audit_literals
from outputsaving.classroom.audit.output_dir import (
    _audit_output_dir,
    _output_dir_outside,
)
from outputsaving.classroom.audit.tampering import _tampering_text, tampering_evidence
from outputsaving.classroom.evidence_audit import (
    audit_evidence,
    compare_findings,
    unseen_findings,
    visible_paths,
    writer_findings,
)
from outputsaving.grading.assignments import ASSIGNMENTS
from outputsaving.grading.literals import literal_answers
from outputsaving.messages import fill

__all__ = [
    "ASSIGNMENTS",
    "AuditResult",
    "apply_audit",
    "audit_notebook",
    "literal_answers",
    "saved_files",
    "tampering_evidence",
]


@dataclass
class AuditResult:
    """What the audit found, per graded cell.

    Attributes
    ----------
    verdicts : dict
        ``grade_id`` -> True (the audit re-checked what the cell tests and it
        holds), False (it does not hold: the cell scores 0) or None (no
        opinion: the in-kernel score stands).
    messages : dict
        ``grade_id`` -> learner-facing text saying why a verdict is False.
    flags : list of str
        Instructor-facing reasons to review the submission that do not
        depend on the scores (tampering, too many files); :func:`apply_audit`
        adds the disagreements with the in-kernel scores.
    exact : frozenset of str
        The grade_ids re-scored exactly (literal answers, the hidden tests'
        evidence): their verdict gives full marks or 0, whatever the kernel
        said.
    notes : list of str
        Learner-facing findings about the whole notebook (grading code used
        or replaced), for the top of the feedback.
    events : list of dict
        What the kernel's monitor noted (:mod:`outputsaving.monitor`).
    unflagged : frozenset of str
        grade_ids whose change needs no review: an answer written in a form
        that is not graded (its message says so; it is not tampering).
    """

    verdicts: dict[str, bool | None]
    messages: dict[str, str]
    flags: list[str]
    exact: frozenset[str] = field(default_factory=frozenset)
    notes: list[str] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    unflagged: frozenset[str] = field(default_factory=frozenset)


def audit_notebook(
    assignment: str,
    executed_notebook,
    workdir,
    /,
    *,
    exclude: Collection[str] = (),
    distrust_on_tampering: bool = True,
) -> AuditResult:
    """Re-check an executed notebook's work outside the learner's kernel.

    Parameters
    ----------
    assignment : str
        The assignment the notebook belongs to, one of :data:`ASSIGNMENTS`
        (:mod:`outputsaving.grading.assignments`, which declares what each
        of its cells tests).
    executed_notebook : NotebookNode
        The notebook as nbgrader executed it (its answer cells are read, its
        outputs are not trusted).
    workdir : str or Path
        The working copy where it ran, holding the files its code wrote.
    exclude : collection of str, optional
        Files of ``workdir`` (POSIX paths relative to it) that were there
        before the run, such as data files handed out with the assignment.
    distrust_on_tampering : bool, optional
        When the tampering scan finds something, give verdict False to every
        graded cell the audit cannot re-check itself (default). When False,
        only flag it.

    Returns
    -------
    AuditResult
        See the module's docstring for what each kind of cell gets.

    Raises
    ------
    ValueError
        For an unknown assignment or a ``workdir`` that is not a folder.
    """
    if assignment not in ASSIGNMENTS:
        msg = f"expected one of {', '.join(ASSIGNMENTS)} but got {assignment!r}"
        raise ValueError(msg)
    workdir = Path(workdir)
    if not workdir.is_dir():
        msg = f"workdir {workdir} is not a folder"
        raise ValueError(msg)
    declared = ASSIGNMENTS[assignment]
    result = AuditResult(verdicts={}, messages={}, flags=[])
    cells = _cells_by_grade_id(executed_notebook)
    _audit_literals(declared, executed_notebook, cells, result)
    _audit_output_dir(declared, executed_notebook, workdir, result)
    file_tasks = [task for task in declared.tasks if task.files is not None]
    if file_tasks:
        outside = _output_dir_outside(declared, executed_notebook, workdir)
        if declared.files_folder:
            folder = workdir / declared.files_folder
            if folder.is_dir() and not folder.is_symlink():
                files = _Files.scan(folder, exclude=())
            else:
                files = _Files(folder, {})
        else:
            files = _Files.scan(
                workdir, exclude=exclude, first=visible_paths(assignment, workdir)
            )
        audits = _audit_task_files(file_tasks, files, workdir)
        for task, (passed, text) in zip(file_tasks, audits, strict=True):
            if not passed and outside is not None:
                # The files went where the grader cannot see: say so plainly.
                text = fill("classroom.audit_files_outside", path=outside)
            for grade_id in task.visible:
                if result.verdicts.get(grade_id) is False:
                    continue  # a cell shared by several files: any failure wins
                result.verdicts[grade_id] = passed
                if not passed:
                    result.messages[grade_id] = text
    exact = set(result.exact)
    for grade_id, (passed, text) in audit_evidence(assignment, workdir).items():
        # The hidden tests' points follow the re-check of what they left.
        result.verdicts[grade_id] = passed
        exact.add(grade_id)
        if not passed:
            result.messages[grade_id] = text
    result.exact = frozenset(exact)
    for grade_id, finding in writer_findings(assignment, workdir).items():
        # Files the learner's call did not write: a flag; a change after the
        # call, which the kernel's test could not see, is told on top too.
        result.flags.append(f"{grade_id}: not the call's own files: {finding.message}")
        if finding.code == "task.changed_after_call":
            result.notes.append(finding.message)
    for grade_id, finding in unseen_findings(assignment, workdir).items():
        # The same bytes for the notebook's data and for unseen data.
        result.flags.append(
            f"{grade_id}: the same file whatever it was given: {finding.message}"
        )
    words = {e.grade_id: e.flag_words for e in declared.evidence}
    for grade_id, finding in compare_findings(assignment, workdir).items():
        # Such as right for the shipped example cases only: answers kept.
        result.flags.append(f"{grade_id}: {words[grade_id]}: {finding.message}")
    if declared.review_handed_in:
        _review_flags(assignment, workdir, result)
    _audit_events(read_events(workdir), _graded_ids(executed_notebook), result)
    evidence = tampering_evidence(executed_notebook)
    replaced = [e["target"] for e in result.events if e["kind"] == "replaces"]
    evidence += [f"it replaces {target}" for target in replaced]
    if evidence:
        detail = "; ".join(dict.fromkeys(evidence[:3]))
        result.flags.append(f"possible tampering with the grader: {detail}")
        text = _tampering_text(evidence)
        result.notes.append(text)
        if distrust_on_tampering:
            for grade_id in _graded_ids(executed_notebook):
                if result.verdicts.get(grade_id) is None:
                    result.verdicts[grade_id] = False
                    result.messages[grade_id] = text
    return result


def apply_audit(
    scores: Mapping[str, tuple[float, float]], audit: AuditResult, /
) -> tuple[dict[str, tuple[float, float]], list[str]]:
    """Let the audit win where it disagrees with the in-kernel scores.

    The rule, per graded cell (``grade_id``) with in-kernel ``(score, max)``:

    - exact re-scores (``audit.exact``: literal answers): verdict True gives
      ``max``, False gives 0, whatever the kernel said;
    - any other cell with verdict False (the files, the literal output folder
      or tampering): 0;
    - any other cell with verdict True or None: the in-kernel score stands.
      The audit never adds points to a file task, because a correct file does
      not show that the test's other conditions held (the returned path, the
      run finishing within its budget);
    - cells the audit has no verdict for, or that are missing from ``scores``,
      are left as they are.

    Every cell whose score changes is flagged, and so is a visible file cell
    the audit passed but the kernel failed (verdict True, score below max),
    which should not happen with an honest notebook. A hidden cell failing in
    the kernel while the files pass is normal (the function fails in another
    folder) and is not flagged.

    Parameters
    ----------
    scores : mapping
        ``grade_id`` -> ``(score, max_score)`` from the gradebook; ``score``
        is None for a cell nbgrader did not grade (its test cell was deleted),
        which an exact or failing verdict then sets.
    audit : AuditResult
        From :func:`audit_notebook`.

    Returns
    -------
    scores : dict
        A new mapping with the audited scores.
    flags : list of str
        For the instructor: ``audit.flags``, then one line per disagreement,
        "grade_id: in-kernel a/m, audit b/m: reason".
    """
    new = dict(scores)
    flags = list(audit.flags)
    for grade_id, verdict in audit.verdicts.items():
        if grade_id not in scores or verdict is None:
            continue
        score, maximum = scores[grade_id]
        # None: nbgrader did not grade the cell (its test cell was deleted).
        kernel = "not graded" if score is None else f"{score:g}/{maximum:g}"
        reason = _first_line(audit.messages.get(grade_id, ""))
        if grade_id in audit.exact:
            audited = maximum if verdict else 0.0
            why = f"re-scored from the literal answer{': ' + reason if reason else ''}"
        elif verdict is False:
            audited = 0.0
            why = f"the audit failed: {reason}" if reason else "the audit failed"
        else:
            continue  # a file that passes shows no more than the kernel's test
        if audited != score:
            new[grade_id] = (float(audited), maximum)
            if grade_id not in audit.unflagged:
                flags.append(
                    f"{grade_id}: in-kernel {kernel}, audit {audited:g}/{maximum:g}: "
                    f"{why}"
                )
    return new, flags


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
