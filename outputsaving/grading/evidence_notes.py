"""The tests' evidence read back: the notes and folders they left.

The reading half of the evidence-folder protocol
(:mod:`outputsaving.grading.evidence` writes it, in the learner's kernel). The
kernel wrote the folder, so everything here reads it as untrusted input: notes
are small JSON files read without following links, arrays are read without
pickles, and a returned path counts only when it names a regular file inside
the folder the test gave. Used by the class grader's evidence audit
(:mod:`outputsaving.classroom.evidence_audit`) and by the assignments' own
judges (:class:`outputsaving.grading.tasks.Evidence`).
"""

from __future__ import annotations

import contextlib
import io
import json
import stat
from pathlib import Path

import numpy as np

from outputsaving.files import read_regular
from outputsaving.findings import CheckResult
from outputsaving.grading.common import task_result
from outputsaving.grading.evidence import (
    MAX_ARRAY_SIZE,
    changes_result,
    written_result,
)

__all__ = [
    "MAX_NOTES",
    "MAX_NOTE_BYTES",
    "folder_of",
    "load_array",
    "no_evidence",
    "notes",
    "per_folder",
    "read_limited",
    "returned_file",
    "written_results",
]

#: Largest note read.
MAX_NOTE_BYTES = 200_000
#: Notes read per test, at most.
MAX_NOTES = 20


def read_limited(path: Path, limit: int) -> bytes | None:
    """At most ``limit`` bytes of a regular file; None for a link, a special or
    larger file (:func:`outputsaving.files.read_regular`)."""
    try:
        return read_regular(path, limit)
    except OSError:
        return None


def notes(root: Path, key: str) -> list[tuple[Path, dict]]:
    """``(path, note)`` of every note of test ``key``, oldest first."""
    found = []
    try:
        entries = sorted(root.glob(f"{key}-*.json"), key=lambda p: p.name)
    except OSError:
        return []
    for path in entries[:MAX_NOTES]:
        data = read_limited(path, MAX_NOTE_BYTES)
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


def folder_of(note_path: Path) -> Path | None:
    """The test's fresh folder of a note ``<folder>.json`` (a real folder)."""
    folder = note_path.with_name(note_path.name.removesuffix(".json"))
    try:
        return folder if stat.S_ISDIR(folder.lstat().st_mode) else None
    except OSError:
        return None


def returned_file(note: dict, folder: Path) -> Path | str | None:
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


def per_folder(found, judge_one) -> list[CheckResult]:
    """``judge_one(note, folder)`` for each note with its test's fresh folder."""
    results = []
    for note_path, note in found:
        folder = folder_of(note_path)
        if folder is None:
            results.append(no_evidence())
            continue
        results.extend(judge_one(note, folder))
    return results


def written_results(note: dict, folder: Path) -> list[CheckResult]:
    """Who wrote the test's folder, and whether it changed since the call returned."""
    written = note.get("written")
    if not isinstance(written, dict) or not isinstance(written.get("files"), dict):
        return [no_evidence()]
    returned = note.get("returned")
    return [
        written_result(written, returned=returned),
        changes_result(written, folder, returned=returned),
    ]


def no_evidence() -> CheckResult:
    """A test that left no evidence the grader can check."""
    result = task_result("evidence")
    result.add("classroom.audit_no_evidence")
    return result


def load_array(folder_note: Path, kept) -> np.ndarray | str:
    """An array a test kept (``<folder>.<case>.npy``), or the words it kept."""
    if not isinstance(kept, str) or not kept.endswith(".npy") or "/" in kept:
        return str(kept)
    path = folder_note.parent / kept
    data = read_limited(path, MAX_ARRAY_SIZE * 8 + 4096)
    if data is None:
        return "a file the grader could not read"
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError):
        return "a file the grader could not read"
    return array
