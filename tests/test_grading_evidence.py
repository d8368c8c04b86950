"""What the tests leave for the class grader's audit (outputsaving.grading.evidence)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from outputsaving.grading import evidence


def test_outside_the_grader_a_test_folder_is_new_empty_and_nothing_is_recorded(
    monkeypatch,
):
    monkeypatch.delenv(evidence.EVIDENCE_VARIABLE, raising=False)
    first, second = evidence.test_folder("a1_mask"), evidence.test_folder("a1_mask")
    assert first != second
    assert first.is_dir()
    assert list(first.iterdir()) == []
    evidence.record("a1_mask", first, returned="x")
    assert list(first.iterdir()) == []
    assert not first.with_suffix(".json").exists()
    assert evidence.record_array(first, "labels", np.zeros(3)) == ""


def test_under_the_grader_folders_and_records_are_in_the_evidence_folder(
    tmp_path, monkeypatch
):
    root = tmp_path / evidence.EVIDENCE_FOLDER
    monkeypatch.setenv(evidence.EVIDENCE_VARIABLE, str(root))
    folder = evidence.test_folder("a1_mask")
    assert folder.parent == root
    assert folder.name.startswith("a1_mask-")
    evidence.record("a1_mask", folder, returned=folder / "mask.tif")
    note = json.loads(folder.with_name(folder.name + ".json").read_text())
    # The note says where its folder was: the audit reads it again elsewhere.
    assert note == {
        "key": "a1_mask",
        "folder": str(folder),
        "returned": str(folder / "mask.tif"),
    }
    evidence.record("a1_mask_visible", path="output/mask.tif")
    (visible,) = root.glob("a1_mask_visible-*.json")
    assert json.loads(visible.read_text())["path"] == "output/mask.tif"


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        (np.arange(6, dtype=np.uint16).reshape(2, 3), "file"),
        (np.array(["a"]), "an array of <U1 and 1 values"),
        ([1, 2], "not an array: list"),
    ],
)
def test_arrays_are_kept_without_pickles(value, kept, tmp_path, monkeypatch):
    monkeypatch.setenv(evidence.EVIDENCE_VARIABLE, str(tmp_path))
    folder = evidence.test_folder("a1_rerun")
    name = evidence.record_array(folder, "other", value)
    if kept == "file":
        assert name == f"{folder.name}.other.npy"
        assert np.array_equal(np.load(tmp_path / name, allow_pickle=False), value)
    else:
        assert name == kept
