"""Issue 20 §2: the ImageJ track's review flag, when the handed-in files are not
the macro's own: compared by content (pixels, table values, ROI coordinates),
never by bytes. Files are made in Python; no ImageJ is needed."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import tifffile

from outputsaving import rois_from_labels
from outputsaving.analysis import measure_objects
from outputsaving.classroom.imagej_review import (
    copied_files,
    review_reasons,
    same_content,
)
from outputsaving.grading import activity1
from outputsaving.grading.evidence import EVIDENCE_FOLDER

A1 = "activity1_imagej"
TEMPLATE = (
    Path(__file__).resolve().parents[2] / "source" / A1 / "activity1_template.ijm"
)


def _files(labels, *, stamp=(2026, 1, 1, 0, 0, 0), crlf=False, zlib=False) -> dict:
    mask = io.BytesIO()
    tifffile.imwrite(
        mask, labels.astype("uint16"), compression="zlib" if zlib else None
    )
    table = measure_objects(labels).to_csv(sep="\t", index=False)
    if crlf:
        table = table.replace("\n", "\r\n")
    rois = io.BytesIO()
    with zipfile.ZipFile(rois, "w") as archive:
        for roi in rois_from_labels(labels):
            archive.writestr(zipfile.ZipInfo(f"{roi.name}.roi", stamp), roi.tobytes())
    return {
        "labels.tif": mask.getvalue(),
        "results.txt": table.encode(),
        "rois.zip": rois.getvalue(),
    }


def _submission(
    tmp_path, handed: dict, made: dict | None, *, outcome="finished", macro: str = ""
) -> Path:
    work = tmp_path / "work"
    (work / "output").mkdir(parents=True)
    (work / "activity1_template.ijm").write_text(
        macro or TEMPLATE.read_text() + "\n//x"
    )
    for name, data in handed.items():
        (work / "output" / name).write_bytes(data)
    root = work / EVIDENCE_FOLDER
    folder = root / "ij1_run-abc"
    folder.mkdir(parents=True)
    for name, data in (made or {}).items():
        (folder / name).write_bytes(data)
    note = {
        "key": "ij1_run",
        "folder": str(folder),
        "outcome": outcome,
        "written": sorted(made or {}),
    }
    Path(f"{folder}.json").write_text(json.dumps(note))
    return work


def test_the_same_content_in_other_bytes_is_the_macros_own(tmp_path):
    labels = activity1.reference_labels()
    made = _files(labels)
    handed = _files(labels, stamp=(2025, 5, 6, 7, 8, 10), crlf=True, zlib=True)
    assert all(handed[n] != made[n] for n in made)
    work = _submission(tmp_path, handed, made)
    assert review_reasons(A1, work) == []
    for name in made:
        assert same_content(
            work / "output" / name,
            next((work / EVIDENCE_FOLDER).glob("ij1_run-*/" + name)),
        )


def test_files_the_rerun_does_not_write_are_flagged_whatever_the_reason(tmp_path):
    labels = activity1.reference_labels()
    # A friend's files, while the macro stops with an error and writes nothing.
    work = _submission(tmp_path / "a", _files(labels), {}, outcome="error")
    (reason,) = review_reasons(A1, work)
    assert "Macro Error" in reason
    assert "labels.tif (not written by the re-run)" in reason
    # Other names, other content: each named.
    other = labels.copy()
    other[other == 1] = 0
    made = _files(labels)
    handed = {
        "mask.tif": made["labels.tif"],
        "results.txt": _files(other)["results.txt"],
        "rois.zip": made["rois.zip"],
    }
    (reason,) = review_reasons(A1, _submission(tmp_path / "b", handed, made))
    assert "mask.tif (not written by the re-run)" in reason
    assert "results.txt (other content" in reason
    assert "rois.zip" not in reason


def test_a_macro_that_copies_its_files_is_flagged(tmp_path):
    macro = (
        TEMPLATE.read_text()
        + '\nFile.copy(inputDir + "a/labels.tif", outputDir + "labels.tif");\n'
    )
    assert copied_files(macro) == ["File.copy"]
    assert copied_files('File.saveString("1\\t583\\n", outputDir + "r.txt");') == [
        "File.saveString of typed-in text"
    ]
    assert (
        copied_files('// File.copy(a, b);\nsaveAs("Tiff", outputDir + "l.tif");') == []
    )
    labels = activity1.reference_labels()
    made = _files(labels)
    work = _submission(tmp_path, made, made, macro=macro)
    (reason,) = review_reasons(A1, work)
    assert "File.copy" in reason


def test_a_long_list_says_how_many_more(tmp_path):
    handed = {f"extra{i}.txt": b"x" for i in range(6)}
    (reason,) = review_reasons(A1, _submission(tmp_path, handed, {}))
    assert "and 3 more" in reason


def test_a_macro_replaced_by_a_link_or_a_fifo_is_never_read(tmp_path):
    """The review reads the graded folder's macro without following a link
    (to a file of the grader's) or opening a FIFO (it would block)."""
    import os

    labels = activity1.reference_labels()
    made = _files(labels)
    elsewhere = tmp_path / "elsewhere.ijm"
    elsewhere.write_text('File.copy(inputDir + "labels.tif", outputDir + "l.tif");\n')
    work = _submission(tmp_path, made, made)
    macro = work / "activity1_template.ijm"
    macro.unlink()
    macro.symlink_to(elsewhere)
    assert review_reasons(A1, work) == []
    macro.unlink()
    os.mkfifo(macro)
    assert review_reasons(A1, work) == []
