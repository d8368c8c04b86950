"""Whether the files handed in on the ImageJ track are the macro's own.

A learner hands in their macro and the files it saved in Fiji. The grader runs
the macro again with real ImageJ (:mod:`outputsaving.grading.imagej`); the
audit then compares every handed-in file with the file of the same name that
the re-run wrote. Each one must hold the same *content*: the same pixels, the
same table values, the same ROI coordinates. Bytes may differ: ROI zips carry
timestamps, and Fiji 1.54 may write a file otherwise than the grader's ImageJ
1.53t. Whenever a handed-in file has no match, for whatever reason (an error,
a dialog, a time limit, other names, other content), the submission is flagged
for review with the reason. A macro that copies files instead of computing
them (``File.copy``, text typed into the macro) is flagged too.

Flags cost no points: they ask the instructor to look.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
from pathlib import Path

import numpy as np

from outputsaving import imagej_run
from outputsaving.files import read_regular, walk_no_follow
from outputsaving.grading.assignments import assignment as declaration
from outputsaving.grading.evidence import EVIDENCE_FOLDER
from outputsaving.sniff import sniff_format

__all__ = ["copied_files", "review_reasons", "same_content"]

#: Largest file compared.
MAX_BYTES = 64 * 2**20
#: Handed-in files compared, at most.
MAX_FILES = 50

_COPIES = re.compile(r"(?<![\w.])File\.(copy|rename)\s*\(")
_TYPED = re.compile(r"(?<![\w.])File\.(saveString|append)\s*\(\s*[\"']")
_OUTCOME_WORDS = {
    "error": "stopped with a Macro Error",
    "timeout": "did not finish within the time limit",
    "ended": "ended before it finished",
    "no_macro": "could not be run (no macro)",
    "failed": "could not be run (ImageJ did not start)",
}


def copied_files(text: str) -> list[str]:
    """The calls of a macro's text that copy files or write typed-in text."""
    code = "\n".join(imagej_run._code_lines(text))
    found = [f"File.{m.group(1)}" for m in _COPIES.finditer(code)]
    found += [f"File.{m.group(1)} of typed-in text" for m in _TYPED.finditer(code)]
    return list(dict.fromkeys(found))


def _read(path: Path) -> bytes | None:
    try:
        return read_regular(path, MAX_BYTES)
    except (OSError, ValueError):
        return None


def _pixels(data: bytes, fmt: str):
    try:
        if fmt == "tiff":
            import tifffile

            return np.asarray(tifffile.imread(io.BytesIO(data)))
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            if image.mode == "P":
                # The indices and the palette: both are the content.
                return np.asarray(image), np.asarray(image.getpalette() or [])
            return np.asarray(image)
    except Exception:  # any unreadable image is "no match"
        return None


def _rois(data: bytes):
    import roifile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            found = set()
            for info in archive.infolist()[: imagej_run.MAX_FILES * 50]:
                roi = roifile.ImagejRoi.frombytes(archive.read(info))
                coordinates = roi.coordinates()
                found.add((int(roi.roitype), np.asarray(coordinates).tobytes()))
            return found
    except Exception:  # a damaged zip is "no match"
        return None


def _table(data: bytes):
    text = data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    rows = [line.rstrip() for line in text.split("\n") if line.strip()]
    cells = [re.split(r"[\t,]", row) for row in rows]
    values = []
    for row in cells:
        out = []
        for cell in row:
            cell = cell.strip().strip('"')
            try:
                out.append(round(float(cell), 6))
            except ValueError:
                out.append(cell)
        values.append(out)
    return values


def same_content(first: Path, second: Path) -> bool:
    """Whether two files hold the same content (pixels, table values, ROIs)."""
    one, two = _read(first), _read(second)
    if one is None or two is None:
        return False
    if one == two:
        return True
    fmt = sniff_format(first)
    if fmt != sniff_format(second):
        return False
    if fmt in ("tiff", "png", "jpeg", "gif", "bmp"):
        a, b = _pixels(one, fmt), _pixels(two, fmt)
        if a is None or b is None or type(a) is not type(b):
            return False
        if isinstance(a, tuple):
            return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
        return bool(a.shape == b.shape and np.array_equal(a, b))
    if fmt == "zip":
        a, b = _rois(one), _rois(two)
        return a is not None and a == b
    if fmt == "text":
        return _table(one) == _table(two)
    return False


def _handed_in(folder: Path) -> list[tuple[str, Path]]:
    if not folder.is_dir() or folder.is_symlink():
        return []
    try:
        entries = list(walk_no_follow(folder))
    except OSError:
        return []
    return [
        (entry.relative, entry.path)
        for entry in entries[: MAX_FILES * 4]
        if stat.S_ISREG(entry.info.st_mode)
    ][:MAX_FILES]


def _names(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    more = len(names) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def review_reasons(assignment: str, workdir: Path) -> list[str]:
    """Why the handed-in files of an ImageJ-track submission need review ([]: none).

    Parameters
    ----------
    assignment : str
        An assignment declared with ``review_handed_in``
        (:class:`outputsaving.grading.tasks.Assignment`: the ImageJ track).
    workdir : Path
        The graded submission: its ``program`` (the macro), its
        ``files_folder`` (``output/``) and the evidence of the kernel's
        re-run (``<rerun_notes>-*``, such as ``ij1_run-*``, and its note).
    """
    from outputsaving.classroom.evidence_audit import _folder_of, _notes

    reasons = []
    declared = declaration(assignment)
    macro = workdir / declared.program
    text, _ = imagej_run._read_macro(macro, follow=False)
    copies = copied_files(text) if text else []
    if copies:
        reasons.append(
            f"the macro copies or types in its files ({', '.join(copies[:3])}) "
            "instead of saving what it computed"
        )
    handed = _handed_in(workdir / declared.files_folder)
    if not handed:
        return reasons
    root = workdir / EVIDENCE_FOLDER
    notes = _notes(root, declared.rerun_notes) if root.is_dir() else []
    if not notes:
        return [*reasons, "the macro's re-run left no evidence to compare with"]
    note_path, note = notes[-1]
    if note.get("outcome") == "no_imagej":
        return reasons
    run_folder = _folder_of(note_path)
    unmatched = []
    for name, path in handed:
        made = run_folder / name if run_folder is not None else None
        if made is None or not made.is_file() or made.is_symlink():
            unmatched.append(f"{name} (not written by the re-run)")
        elif not same_content(path, made):
            unmatched.append(f"{name} (other content than the re-run's)")
    if unmatched:
        outcome = str(note.get("outcome") or "")
        how = _OUTCOME_WORDS.get(outcome, "")
        run = f"the macro, run again, {how}; " if how else ""
        reasons.append(
            f"{run}the handed-in files are not the ones the macro writes when "
            f"run again: {_names(unmatched)}. Were they made by this macro?"
        )
    return reasons
