"""The audit of the tests' evidence: the hidden tests' points, checked again.

Each hidden test leaves its evidence in the working copy's evidence folder
(:mod:`outputsaving.grading.evidence`): the fresh folder it gave the learner's
function, with what the function saved there, and a note of what it returned.
:func:`audit_evidence` checks that evidence again, outside the learner's
kernel, with the tests' own checks and references computed here; the hidden
tests' points follow its verdict, whatever the kernel said. A test that ran
but left no evidence the grader can check gets verdict False.

A hidden test's points come only from what the learner's call wrote, while
it ran, into the test's folder: the note's listing (``"written"``, made by
:func:`outputsaving.grading.evidence.call_writes` the moment the call
returned) must name the call as the only writer of each file, and the folder
must be as listed (:func:`~outputsaving.grading.evidence.changes_result`):
anything else fails the test, and :func:`writer_findings` names it for a
flag and the feedback. A note without a listing is no evidence.

A hidden function test may also call the function on data it has never
seen (note ``<key>_unseen``; :class:`outputsaving.grading.tasks.Unseen`). The
audit makes those data again here, from its own seed (the note's ``"unseen"``
must name the same), never trusting an array of the kernel's, and judges the
file the call saved against them; a file byte for byte the same as the
reference call's is named by :func:`unseen_findings` for a flag, unless the
note says the function reads a notebook variable of that data (an honest
mistake, told in the feedback). A test may declare a finding for the
instructor besides its verdict (``compare_labels``' hidden test: right on
every shipped example case and wrong on one made at grading time), which
:func:`compare_findings` names for a flag.

Which cells are judged, and how, each assignment declares
(:mod:`outputsaving.grading.assignments`); this module names none.

The learner's kernel wrote the evidence folder, so it is read as untrusted
input: notes are small JSON files read without following links, arrays are
read without pickles, and a returned path counts only when it names a regular
file inside the folder the test gave.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

from outputsaving.findings import CheckResult, Finding
from outputsaving.grading import evidence_notes
from outputsaving.grading.assignments import ASSIGNMENTS
from outputsaving.grading.common import failure_message
from outputsaving.grading.evidence import EVIDENCE_FOLDER
from outputsaving.grading.tasks import Evidence

__all__ = [
    "audit_evidence",
    "compare_findings",
    "evidence_cells",
    "unseen_findings",
    "visible_paths",
    "writer_findings",
]

# The tests' notes read back (:mod:`outputsaving.grading.evidence_notes`).
_read_regular = evidence_notes.read_limited
_notes = evidence_notes.notes
_folder_of = evidence_notes.folder_of
_returned_file = evidence_notes.returned_file
_per_folder = evidence_notes.per_folder
_written_results = evidence_notes.written_results
_no_evidence = evidence_notes.no_evidence


def evidence_cells(assignment: str, /) -> tuple[Evidence, ...]:
    """The cells of ``assignment`` judged on their tests' evidence, as it
    declares them (:mod:`outputsaving.grading.assignments`); () when unknown."""
    declared = ASSIGNMENTS.get(assignment)
    return declared.evidence if declared is not None else ()


def _file_judge(
    check: Callable[..., list[CheckResult]],
) -> Callable[[list, Path], list[CheckResult]]:
    """The file the learner's call returned, judged by ``check(path, folder)``,
    and the folder's listing."""

    def judge(notes, _root):
        return _per_folder(
            notes,
            lambda note, folder: [
                *_written_results(note, folder),
                *check(_returned_file(note, folder), folder),
            ],
        )

    return judge


def _unseen_results(evidence: Evidence, note: dict, folder: Path) -> list[CheckResult]:
    """The unseen call's file, judged against unseen data made here."""
    unseen = evidence.unseen
    if note.get("unseen") != unseen.params():
        return [_no_evidence()]
    parameter = note.get("parameter")
    if not (isinstance(parameter, str) and parameter.isidentifier()):
        parameter = "the first"
    returned = _returned_file(note, folder)
    return [
        *_written_results(note, folder),
        *unseen.check(returned, folder, name=unseen.function, parameter=parameter),
    ]


def _with_unseen(judge, evidence: Evidence):
    """``judge``, then the unseen call of every reference call (one note each)."""

    def judged(notes, root):
        results = list(judge(notes, root))
        unseen = _notes(root, f"{evidence.key}_unseen")
        if len(unseen) < len(notes):
            results.append(_no_evidence())
        results.extend(
            _per_folder(
                unseen, lambda note, folder: _unseen_results(evidence, note, folder)
            )
        )
        return results

    return judged


def _judge(evidence: Evidence):
    """How a cell's evidence is judged, from its declaration."""
    judge = _file_judge(evidence.check) if evidence.check else evidence.judge
    return _with_unseen(judge, evidence) if evidence.unseen else judge


def audit_evidence(assignment: str, workdir: Path, /):
    """Verdicts from the evidence: ``{grade_id: (passed, learner message)}``."""
    root = Path(workdir) / EVIDENCE_FOLDER
    verdicts = {}
    for evidence in evidence_cells(assignment):
        grade_id = evidence.grade_id
        notes = _notes(root, evidence.key) if root.is_dir() else []
        results = _judge(evidence)(notes, root) if notes else [_no_evidence()]
        failed = [r for r in results if not r.passed]
        if failed:
            text = "\n".join(failure_message(r) for r in failed[:2])
            verdicts[grade_id] = (False, text)
        else:
            verdicts[grade_id] = (True, "")
    return verdicts


def writer_findings(assignment: str, workdir: Path, /) -> dict[str, Finding]:
    """``{grade_id: finding}`` of the hidden tests whose folder holds a file
    the call did not write itself (``task.not_written_by_call``), or changed
    after the call returned (``task.changed_after_call``).

    For a flag, whatever the test's score. The kernel's test said the first
    kind itself; the second it could not see.
    """
    root = Path(workdir) / EVIDENCE_FOLDER
    found = {}
    for evidence in evidence_cells(assignment):
        grade_id = evidence.grade_id
        if not evidence.writes or not root.is_dir():
            continue
        for note_path, note in _notes(root, evidence.key):
            folder = _folder_of(note_path)
            written = note.get("written")
            listed = isinstance(written, dict) and isinstance(
                written.get("files"), dict
            )
            if folder is None or not listed:
                continue  # no evidence: the test's verdict says so
            errors = [e for r in _written_results(note, folder) for e in r.errors]
            if errors:
                found[grade_id] = errors[0]
                break
    return found


def unseen_findings(assignment: str, workdir: Path, /) -> dict[str, Finding]:
    """``{grade_id: finding}`` of the hidden tests whose function saved the same
    bytes for the reference data and for the unseen data
    (``activity1.unseen_same_file``, say): a literal, a pickle, a file kept aside.

    For a flag, whatever the test's score. A function whose note says it
    reads a notebook variable of that data is left out: its feedback tells
    the learner about the parameter, and nothing was hidden.
    """
    root = Path(workdir) / EVIDENCE_FOLDER
    found = {}
    if not root.is_dir():
        return found
    for evidence in evidence_cells(assignment):
        grade_id, key, unseen = evidence.grade_id, evidence.key, evidence.unseen
        if unseen is None:
            continue
        pairs = zip(_notes(root, key), _notes(root, f"{key}_unseen"), strict=False)
        for (first_path, first), (second_path, second) in pairs:
            reads = second.get("reads")
            if isinstance(reads, list) and reads:
                continue
            first_folder, second_folder = (
                _folder_of(first_path),
                _folder_of(second_path),
            )
            if first_folder is None or second_folder is None:
                continue
            paths = (
                _returned_file(first, first_folder),
                _returned_file(second, second_folder),
            )
            if not all(isinstance(path, Path) for path in paths):
                continue  # only files inside the tests' folders are read
            result = unseen.same_file(*paths, name=unseen.function)
            if result.errors:
                found[grade_id] = result.errors[0]
                break
    return found


def compare_findings(assignment: str, workdir: Path, /) -> dict[str, Finding]:
    """``{grade_id: finding}`` of the tests whose notes hold a finding for the
    instructor (:attr:`~outputsaving.grading.tasks.Evidence.flag`), such as a
    function right for every example case shipped with the course but not for
    a case of the same kind made at grading time: answers kept for the
    shipped cases.

    For a flag, whatever the test's score (its verdict is the evidence's).
    """
    root = Path(workdir) / EVIDENCE_FOLDER
    found: dict[str, Finding] = {}
    if not root.is_dir():
        return found
    for evidence in evidence_cells(assignment):
        if evidence.flag is None:
            continue
        finding = evidence.flag(_notes(root, evidence.key))
        if finding is not None:
            found[evidence.grade_id] = finding
    return found


def visible_paths(assignment: str, workdir: Path, /) -> list[Path]:
    """The files the visible tests judged (the learner's functions returned them).

    The audit looks at these first, so that no limit on the files it reads
    hides them.
    """
    root = Path(workdir) / EVIDENCE_FOLDER
    workdir = Path(workdir).resolve()
    paths = []
    declared = ASSIGNMENTS.get(assignment)
    tasks = declared.tasks if declared is not None else ()
    keys = dict.fromkeys(key for task in tasks for key in task.visible_keys)
    for key in keys:
        for _, note in _notes(root, key):
            values = note.get("paths", [note.get("path")])
            for value in values if isinstance(values, list) else []:
                if not isinstance(value, str):
                    continue
                path = Path(value)
                path = path if path.is_absolute() else workdir / path
                try:
                    resolved = path.resolve()
                    regular = stat.S_ISREG(path.lstat().st_mode)
                except OSError:
                    continue
                if regular and resolved.is_relative_to(workdir):
                    paths.append(resolved)
    return list(dict.fromkeys(paths))
