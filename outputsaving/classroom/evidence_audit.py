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

The hidden function tests of activities 1 and 2 also call the function on
data it has never seen (note ``<key>_unseen``). The audit makes those data
again here (:func:`outputsaving.grading.activity1_unseen.unseen_labels`,
:mod:`outputsaving.grading.activity2_unseen`, from its own seed; the note's
``"unseen"`` must name the same), never trusting an array of the kernel's,
and judges the file the call saved against them; a file byte for byte the
same as the reference call's is named by :func:`unseen_findings` for a flag,
unless the note says the function reads a notebook variable of that data (an
honest mistake, told in the feedback). ``compare_labels``' hidden test is
judged on the shipped example cases, then on the cases made from the seed;
a function right on every shipped case and wrong on one made at grading
time is named by :func:`compare_findings` for a flag.

The learner's kernel wrote the evidence folder, so it is read as untrusted
input: notes are small JSON files read without following links, arrays are
read without pickles, and a returned path counts only when it names a regular
file inside the folder the test gave.
"""

from __future__ import annotations

import contextlib
import json
import stat
from collections.abc import Callable
from pathlib import Path

import numpy as np

from outputsaving.files import read_regular
from outputsaving.findings import CheckResult, Finding
from outputsaving.grading import (
    activity1,
    activity1_unseen,
    activity2,
    activity2_unseen,
    imagej,
)
from outputsaving.grading.common import failure_message, task_result
from outputsaving.grading.evidence import (
    EVIDENCE_FOLDER,
    MAX_ARRAY_SIZE,
    changes_result,
    written_result,
)

__all__ = [
    "EVIDENCE_CELLS",
    "audit_evidence",
    "compare_findings",
    "unseen_findings",
    "visible_paths",
    "writer_findings",
]

#: Largest note read.
MAX_NOTE_BYTES = 200_000
#: Notes read per test, at most.
MAX_NOTES = 20


def _read_regular(path: Path, limit: int) -> bytes | None:
    """At most ``limit`` bytes of a regular file; None for a link, a special or
    larger file (:func:`outputsaving.files.read_regular`)."""
    try:
        return read_regular(path, limit)
    except OSError:
        return None


def _notes(root: Path, key: str) -> list[tuple[Path, dict]]:
    """``(path, note)`` of every note of test ``key``, oldest first."""
    found = []
    try:
        entries = sorted(root.glob(f"{key}-*.json"), key=lambda p: p.name)
    except OSError:
        return []
    for path in entries[:MAX_NOTES]:
        data = _read_regular(path, MAX_NOTE_BYTES)
        try:
            note = json.loads(data) if data else None
        except ValueError:
            note = None
        if isinstance(note, dict) and note.get("key") == key:
            found.append((path, note))
    found.sort(key=lambda item: _mtime(item[0]))
    return found


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0


def _folder_of(note_path: Path) -> Path | None:
    """The test's fresh folder of a note ``<folder>.json`` (a real folder)."""
    folder = note_path.with_name(note_path.name.removesuffix(".json"))
    try:
        return folder if stat.S_ISDIR(folder.lstat().st_mode) else None
    except OSError:
        return None


def _returned_file(note: dict, folder: Path) -> Path | str | None:
    """Where the returned path points in ``folder``, as the checks should see it.

    The note says where the kernel saw the folder (``"folder"``): the notes
    are read again where the graded folder was copied to (the course's
    ``autograded/``), so the path is taken relative to that. Anything outside
    the folder (``..`` included), or a link, is returned as text so that the
    checks name it.
    """
    value = note.get("returned")
    if not isinstance(value, str) or not value:
        return None if value is None else str(value)
    path = Path(value)
    if not path.is_absolute():
        return value
    seen = note.get("folder")
    bases = [Path(seen), folder] if isinstance(seen, str) and seen else [folder]
    for base in bases:
        with contextlib.suppress(ValueError):
            relative = path.relative_to(base)
            break
    else:
        return value
    if ".." in relative.parts:
        return value
    inside = folder / relative
    try:
        mode = inside.lstat().st_mode
    except OSError:
        return inside
    if stat.S_ISLNK(mode):
        return value
    return inside


def _per_folder(notes, judge_one) -> list[CheckResult]:
    """``judge_one(note, folder)`` for each note with its test's fresh folder."""
    results = []
    for note_path, note in notes:
        folder = _folder_of(note_path)
        if folder is None:
            results.append(_no_evidence())
            continue
        results.extend(judge_one(note, folder))
    return results


def _written_results(note: dict, folder: Path) -> list[CheckResult]:
    """Who wrote the test's folder, and whether it changed since the call returned."""
    written = note.get("written")
    if not isinstance(written, dict) or not isinstance(written.get("files"), dict):
        return [_no_evidence()]
    returned = note.get("returned")
    return [
        written_result(written, returned=returned),
        changes_result(written, folder, returned=returned),
    ]


def _file_judge(
    check: Callable[..., list[CheckResult]],
) -> Callable[[list, Path], CheckResult | list[CheckResult]]:
    def judge(notes, _root):
        return _per_folder(
            notes,
            lambda note, folder: [
                *_written_results(note, folder),
                *check(_returned_file(note, folder), folder),
            ],
        )

    return judge


#: Hidden tests that also call the learner's function on unseen data: test key
#: -> the function's name (that call's note is ``<key>_unseen``).
UNSEEN_CALLS = {
    "a1_mask": "save_label_mask",
    "a1_table": "save_table",
    "a1_rois": "save_rois",
    **{key: name for name, (key, _) in activity2_unseen.SAVE_FUNCTIONS.items()},
}


def _unseen_results(name: str, note: dict, folder: Path) -> list[CheckResult]:
    """The unseen call's file, judged against unseen data made here."""
    if name in activity2_unseen.SAVE_FUNCTIONS:
        params = activity2_unseen.unseen_params(name)
    else:
        params = activity1_unseen.unseen_params()
    if note.get("unseen") != params:
        return [_no_evidence()]
    parameter = note.get("parameter")
    if not (isinstance(parameter, str) and parameter.isidentifier()):
        parameter = "the first"
    returned = _returned_file(note, folder)
    if name in activity2_unseen.SAVE_FUNCTIONS:
        return [
            *_written_results(note, folder),
            *activity2_unseen.unseen_file_result(
                returned, folder, name=name, parameter=parameter
            ),
        ]
    if name == "save_table":
        check, expected = (
            activity1_unseen.unseen_table_result,
            activity1_unseen.unseen_table(),
        )
    elif name == "save_rois":
        check, expected = (
            activity1_unseen.unseen_rois_result,
            activity1_unseen.unseen_labels(),
        )
    else:
        check, expected = (
            activity1_unseen.unseen_mask_result,
            activity1_unseen.unseen_labels(),
        )
    return [
        *_written_results(note, folder),
        *check(returned, expected, folder, name=name, parameter=parameter),
    ]


def _with_unseen(judge, key: str):
    """``judge``, then the unseen call of every reference call (one note each)."""
    name = UNSEEN_CALLS[key]

    def judged(notes, root):
        results = list(judge(notes, root))
        unseen = _notes(root, f"{key}_unseen")
        if len(unseen) < len(notes):
            results.append(_no_evidence())
        results.extend(
            _per_folder(
                unseen, lambda note, folder: _unseen_results(name, note, folder)
            )
        )
        return results

    return judged


def _no_evidence() -> CheckResult:
    result = task_result("evidence")
    result.add("classroom.audit_no_evidence")
    return result


def _load_array(folder_note: Path, kept) -> np.ndarray | str:
    """An array a test kept (``<folder>.<case>.npy``), or the words it kept."""
    if not isinstance(kept, str) or not kept.endswith(".npy") or "/" in kept:
        return str(kept)
    path = folder_note.parent / kept
    data = _read_regular(path, MAX_ARRAY_SIZE * 8 + 4096)
    if data is None:
        return "a file the grader could not read"
    import io

    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError):
        return "a file the grader could not read"
    return array


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _settings_judge(notes, root: Path) -> list[CheckResult]:
    """Task 5: the saved settings, and ``rerun_from_settings`` on each case."""
    if not notes:
        return [_no_evidence()]
    results: list[CheckResult] = []
    saved_files = []
    for note_path, note in notes:
        folder = _folder_of(note_path)
        limits = note.get("limits")
        valid = (
            isinstance(limits, list)
            and len(limits) == 2
            and all(
                isinstance(x, int | float) and not isinstance(x, bool) for x in limits
            )
        )
        if folder is None or not valid:
            results.append(_no_evidence())
            continue
        results.extend(_written_results(note, folder))
        returned = _returned_file(note, folder)
        checked = activity1.settings_result(returned, folder, limits=tuple(limits))
        results.extend(checked)
        if all(r.passed for r in checked):
            results.append(
                activity1.settings_rerun_result(
                    returned, tuple(limits), rerun=activity1.rerun_in_process
                )
            )
            saved_files.append(Path(returned))
    reruns = _notes(root, "a1_rerun")
    if not reruns or len(reruns) != len(saved_files):
        results.append(_no_evidence())
        return results
    for (note_path, note), saved in zip(reruns, saved_files, strict=True):
        cases = note.get("cases")
        names = [c.get("case") for c in cases] if isinstance(cases, list) else []
        if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
            results.append(_no_evidence())
            continue
        if names[: len(activity1.RERUN_CASES)] != list(activity1.RERUN_CASES):
            results.append(_no_evidence())
            continue
        for case in cases:
            kept = case.get("returned")
            if isinstance(kept, str) and kept.startswith("raised "):
                returned = activity1.Raised(kept.removeprefix("raised "))
            else:
                returned = _load_array(note_path, kept)
            results.append(activity1.rerun_case_result(case["case"], saved, returned))
    return results


def _compare_judge(cases: int | None):
    unseen = cases is None

    def judge(notes, _root):
        if not notes:
            return [_no_evidence()]
        expected = activity2.compare_case_count(cases)
        results = []
        for _, note in notes:
            returns = note.get("returns")
            made = note.get("unseen") == activity1_unseen.unseen_params() or not unseen
            if not isinstance(returns, list) or not made:
                results.append(_no_evidence())
                continue
            judged = activity2.compare_returns_result(returns, unseen=unseen)
            if judged.passed and len(returns) < expected:
                judged = _no_evidence()
            results.append(judged)
        return results

    return judge


def _mask_format(fmt: str):
    return lambda path, folder: activity2.mask_format_result(path, folder, fmt=fmt)


def _imagej_judge(task: str):
    """A task of the ImageJ track: what the macro wrote when the kernel re-ran it.

    The note of each run (``ij<activity>_run-*.json``) says how it ended; the
    folder beside it holds the files the macro wrote into its output folder.
    """

    def judge(notes, _root):
        results = _per_folder(
            notes, lambda note, folder: imagej.rerun_task_result(task, note, folder)
        )
        return results or [_no_evidence()]

    return judge


def _imagej_cells(activity: int, tasks: dict[str, str]) -> dict:
    key = f"ij{activity}_run"
    return {grade_id: (key, _imagej_judge(task)) for grade_id, task in tasks.items()}


#: Hidden (and evidence-judged visible) cells: grade_id -> (test key, judge).
EVIDENCE_CELLS: dict[str, dict[str, tuple[str, Callable]]] = {
    "activity1": {
        "a1_task2_mask_fresh_folder_hidden": (
            "a1_mask",
            _with_unseen(_file_judge(activity1.label_mask_result), "a1_mask"),
        ),
        "a1_task3_table_fresh_folder_hidden": (
            "a1_table",
            _with_unseen(_file_judge(activity1.table_result), "a1_table"),
        ),
        "a1_task4_rois_rerun_hidden": (
            "a1_rois",
            _with_unseen(_file_judge(activity1.rois_result), "a1_rois"),
        ),
        "a1_task5_settings_rerun_hidden": ("a1_settings", _settings_judge),
    },
    "activity2": {
        "a2_task2_table_csv_hidden": (
            "a2_table_csv",
            _with_unseen(_file_judge(activity2.table_csv_result), "a2_table_csv"),
        ),
        "a2_task3_png16_hidden": (
            "a2_png16",
            _with_unseen(_file_judge(_mask_format("png16")), "a2_png16"),
        ),
        "a2_task3_jpeg_hidden": (
            "a2_jpeg",
            _with_unseen(_file_judge(_mask_format("jpeg")), "a2_jpeg"),
        ),
        "a2_task3_colour_png_hidden": (
            "a2_colour_png",
            _with_unseen(_file_judge(_mask_format("colour_png")), "a2_colour_png"),
        ),
        "a2_task6_nuclei_mask_hidden": (
            "a2_nuclei",
            _with_unseen(_file_judge(activity2.nuclei_mask_result), "a2_nuclei"),
        ),
        "a2_task4_compare_visible": ("a2_compare_visible", _compare_judge(3)),
        "a2_task4_compare_hidden": ("a2_compare", _compare_judge(None)),
    },
    "quiz": {},
    "activity1_imagej": _imagej_cells(
        1,
        {
            "ij1_task1_rerun_hidden": "output_folder",
            "ij1_task2_mask_rerun_hidden": "mask",
            "ij1_task3_table_rerun_hidden": "table",
            "ij1_task4_rois_rerun_hidden": "rois",
        },
    ),
    "activity2_imagej": _imagej_cells(
        2,
        {
            "ij2_task1_rerun_hidden": "output_folder",
            "ij2_task2_table_csv_rerun_hidden": "table_csv",
            "ij2_task3_png16_rerun_hidden": "png16",
            "ij2_task3_jpeg_rerun_hidden": "jpeg",
            "ij2_task3_colour_png_rerun_hidden": "colour_png",
            "ij2_task5_nuclei_mask_rerun_hidden": "nuclei",
        },
    ),
}

#: Visible file tests: the note key of the path each judged.
VISIBLE_KEYS = {
    "activity1": (
        "a1_mask_visible",
        "a1_table_visible",
        "a1_rois_visible",
        "a1_settings_visible",
    ),
    "activity2": ("a2_table_csv_visible", "a2_masks_visible", "a2_nuclei_visible"),
    "quiz": (),
    "activity1_imagej": (),
    "activity2_imagej": (),
}


def audit_evidence(assignment: str, workdir: Path, /):
    """Verdicts from the evidence: ``{grade_id: (passed, learner message)}``."""
    root = Path(workdir) / EVIDENCE_FOLDER
    verdicts = {}
    for grade_id, (key, judge) in EVIDENCE_CELLS.get(assignment, {}).items():
        notes = _notes(root, key) if root.is_dir() else []
        results = judge(notes, root) if notes else [_no_evidence()]
        failed = [r for r in results if not r.passed]
        if failed:
            text = "\n".join(failure_message(r) for r in failed[:2])
            verdicts[grade_id] = (False, text)
        else:
            verdicts[grade_id] = (True, "")
    return verdicts


#: Hidden tests whose folder holds the learner's call's files, with their
#: listing (``"written"``) in the note.
WRITTEN_KEYS = frozenset(
    {
        "a1_mask",
        "a1_table",
        "a1_rois",
        "a1_settings",
        "a2_table_csv",
        "a2_png16",
        "a2_jpeg",
        "a2_colour_png",
        "a2_nuclei",
    }
)


def writer_findings(assignment: str, workdir: Path, /) -> dict[str, Finding]:
    """``{grade_id: finding}`` of the hidden tests whose folder holds a file
    the call did not write itself (``task.not_written_by_call``), or changed
    after the call returned (``task.changed_after_call``).

    For a flag, whatever the test's score. The kernel's test said the first
    kind itself; the second it could not see.
    """
    root = Path(workdir) / EVIDENCE_FOLDER
    found = {}
    for grade_id, (key, _) in EVIDENCE_CELLS.get(assignment, {}).items():
        if key not in WRITTEN_KEYS or not root.is_dir():
            continue
        for note_path, note in _notes(root, key):
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
    (``activity1.unseen_same_file``): a literal, a pickle, a file kept aside.

    For a flag, whatever the test's score. A function whose note says it
    reads a notebook variable of that data is left out: its feedback tells
    the learner about the parameter, and nothing was hidden.
    """
    root = Path(workdir) / EVIDENCE_FOLDER
    found = {}
    if not root.is_dir():
        return found
    for grade_id, (key, _) in EVIDENCE_CELLS.get(assignment, {}).items():
        if key not in UNSEEN_CALLS:
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
            result = activity1_unseen.same_file_result(*paths, name=UNSEEN_CALLS[key])
            if result.errors:
                found[grade_id] = result.errors[0]
                break
    return found


def compare_findings(assignment: str, workdir: Path, /) -> dict[str, Finding]:
    """``{grade_id: finding}`` when ``compare_labels`` gave the expected counts
    for every example case shipped with the course, but not for a case of the
    same kind made at grading time: answers kept for the shipped cases.

    For a flag, whatever the test's score (its verdict is the evidence's).
    """
    root = Path(workdir) / EVIDENCE_FOLDER
    found: dict[str, Finding] = {}
    if assignment != "activity2" or not root.is_dir():
        return found
    shipped = len(activity2.compare_cases())
    for _, note in _notes(root, "a2_compare"):
        returns = note.get("returns")
        if not isinstance(returns, list) or len(returns) <= shipped:
            continue
        if note.get("unseen") != activity1_unseen.unseen_params():
            continue
        if not activity2.compare_returns_result(returns[:shipped]).passed:
            continue
        judged = activity2.compare_returns_result(returns, unseen=True)
        if judged.errors:
            found["a2_task4_compare_hidden"] = judged.errors[0]
            break
    return found


def visible_paths(assignment: str, workdir: Path, /) -> list[Path]:
    """The files the visible tests judged (the learner's functions returned them).

    The audit looks at these first, so that no limit on the files it reads
    hides them.
    """
    root = Path(workdir) / EVIDENCE_FOLDER
    workdir = Path(workdir).resolve()
    paths = []
    for key in VISIBLE_KEYS.get(assignment, ()):
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
