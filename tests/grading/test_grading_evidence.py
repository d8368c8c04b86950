"""What the tests leave for the class grader's audit (outputsaving.grading.evidence)."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from outputsaving import monitor
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


# -- who wrote a hidden test's folder (call_writes, written_result, changes_result) --


def _write(path: Path, text: str = "x") -> None:
    path.write_text(text, encoding="utf-8")


def _in_thread(function, *args) -> None:
    worker = threading.Thread(target=function, args=args)
    worker.start()
    worker.join()


def _codes(result) -> list[str]:
    return result.codes


def test_a_file_the_calling_thread_writes_is_the_calls(tmp_path):
    with evidence.call_writes(tmp_path, "save_table") as written:
        _write(tmp_path / "results.txt")
    (item,) = written["files"].values()
    assert item["by"] == ["call"]
    assert item["kind"] == "file"
    assert item["sha256"] == hashlib.sha256(b"x").hexdigest()
    assert {"inode", "size", "mtime_ns"} <= set(item)
    assert evidence.written_result(written).passed
    assert evidence.changes_result(written, tmp_path).passed


@pytest.mark.parametrize(
    "route",
    [
        lambda folder: os.replace(_made(folder.parent, "t"), folder / "a.txt"),
        lambda folder: os.link(_made(folder.parent, "l"), folder / "a.txt"),
        lambda folder: os.symlink(folder.parent / "elsewhere", folder / "a.txt"),
        lambda folder: os.close(os.open(folder / "a.txt", os.O_WRONLY | os.O_CREAT)),
        lambda folder: (folder / "sub").mkdir() or _write(folder / "sub" / "a.txt"),
    ],
    ids=["os.replace", "os.link", "os.symlink", "os.open", "sub-folder"],
)
def test_every_route_of_the_calling_thread_is_the_calls(route, tmp_path):
    folder = tmp_path / "test"
    folder.mkdir()
    with evidence.call_writes(folder, "save_table") as written:
        route(folder)
    assert [item["by"] for item in written["files"].values()] == [["call"]]
    assert evidence.written_result(written).passed


def _made(folder: Path, name: str) -> Path:
    path = folder / name
    _write(path)
    return path


def test_a_file_another_thread_writes_during_the_call_is_not_the_calls(tmp_path):
    with evidence.call_writes(tmp_path, "save_label_mask") as written:
        _in_thread(_write, tmp_path / "label_mask.tif")
    assert written["files"]["label_mask.tif"]["by"] == ["thread"]
    result = evidence.written_result(written)
    assert _codes(result) == ["task.not_written_by_call"]
    message = result.errors[0].message
    assert "label_mask.tif" in message
    assert "another thread" in message
    assert "save_label_mask while it ran" in message


def test_a_link_another_thread_makes_is_not_the_calls(tmp_path):
    folder = tmp_path / "test"
    folder.mkdir()
    source = _made(tmp_path, "mask.tif")
    with evidence.call_writes(folder, "save_label_mask") as written:
        _in_thread(os.link, source, folder / "mask.tif")
    assert written["files"]["mask.tif"]["by"] == ["thread"]


def test_a_file_the_call_and_another_thread_write_is_not_the_calls(tmp_path):
    with evidence.call_writes(tmp_path, "save_table") as written:
        _write(tmp_path / "results.txt")
        _in_thread(_write, tmp_path / "results.txt", "y")
    assert written["files"]["results.txt"]["by"] == ["call", "thread"]
    assert not evidence.written_result(written).passed


def test_a_file_there_before_the_call_has_no_writer(tmp_path):
    _write(tmp_path / "label_mask.tif")
    with evidence.call_writes(tmp_path, "save_label_mask") as written:
        pass
    assert written["files"]["label_mask.tif"]["by"] == []
    message = evidence.written_result(written).errors[0].message
    assert "something else" in message


def test_reading_and_writing_elsewhere_are_not_noted(tmp_path):
    folder = tmp_path / "test"
    folder.mkdir()
    _write(folder / "given.txt")
    with evidence.call_writes(folder, "save_table") as written:
        (folder / "given.txt").read_text(encoding="utf-8")
        _write(tmp_path / "elsewhere.txt")
    assert written["files"]["given.txt"]["by"] == []


def test_a_program_the_call_runs_writes_unseen(tmp_path):
    """An exec'd child raises no audit event in this process: no writer at all."""
    copy = "import sys, pathlib; pathlib.Path(sys.argv[1]).write_text('x')"
    with evidence.call_writes(tmp_path, "save_label_mask") as written:
        subprocess.run(
            [sys.executable, "-c", copy, str(tmp_path / "a.tif")], check=True
        )
    assert written["files"]["a.tif"]["by"] == []
    assert not evidence.written_result(written).passed


def test_a_forked_child_writes_unseen_by_the_parent(tmp_path):
    """The child inherits the hook, but its notes stay in the child."""
    child = multiprocessing.get_context("fork").Process(
        target=_write, args=(tmp_path / "a.tif",)
    )
    with evidence.call_writes(tmp_path, "save_label_mask") as written:
        child.start()
        child.join()
    assert child.exitcode == 0
    assert written["files"]["a.tif"]["by"] == []


def test_a_watch_ends_with_its_block_even_when_the_call_fails(tmp_path):
    def call(written):
        with evidence.call_writes(tmp_path, "f") as seen:
            written.append(seen)
            _write(tmp_path / "half.txt")
            raise AssertionError

    found = []
    with pytest.raises(AssertionError):
        call(found)
    (written,) = found
    assert written["files"]["half.txt"]["by"] == ["call"]
    assert monitor._WATCHES == []


def _timer_write(path: Path) -> None:
    timer = threading.Timer(0, _write, (path,))
    timer.start()
    timer.join()


@pytest.mark.parametrize(
    ("later", "change"),
    [
        (lambda f: _timer_write(f / "new.txt"), "appeared"),
        (lambda f: (f / "results.txt").unlink(), "was removed"),
        (lambda f: _write(f / "results.txt", "xy"), "was changed"),
        (
            lambda f: os.replace(_made(f.parent, "same"), f / "results.txt"),
            "was changed",
        ),
    ],
    ids=["timer-adds", "removed", "rewritten", "replaced-same-bytes"],
)
def test_any_change_after_the_call_returned_fails(later, change, tmp_path):
    folder = tmp_path / "test"
    folder.mkdir()
    with evidence.call_writes(folder, "save_table") as written:
        _write(folder / "results.txt")
    later(folder)
    result = evidence.changes_result(written, folder)
    assert _codes(result) == ["task.changed_after_call"]
    assert f"{change} after your save_table returned" in result.errors[0].message


def test_a_copy_of_the_folder_is_compared_by_content(tmp_path):
    """The audit may read a copy: new inodes and times, the same bytes."""
    folder = tmp_path / "test"
    folder.mkdir()
    with evidence.call_writes(folder, "save_table") as written:
        _write(folder / "results.txt")
    copied = tmp_path / "copy"
    copied.mkdir()
    _write(copied / "results.txt")
    assert evidence.changes_result(written, copied).passed
    _write(copied / "results.txt", "y")
    assert not evidence.changes_result(written, copied).passed


def test_the_listing_never_follows_links_nor_opens_pipes(tmp_path):
    _write(tmp_path / "target.txt")
    (tmp_path / "link").symlink_to(tmp_path / "target.txt")
    os.mkfifo(tmp_path / "pipe")
    files = evidence.listing(tmp_path)
    assert files["link"]["kind"] == "link"
    assert "sha256" not in files["link"]
    assert files["pipe"]["kind"] == "other"
    assert files["target.txt"]["kind"] == "file"


def test_the_listing_reaches_the_note(tmp_path, monkeypatch):
    monkeypatch.setenv(evidence.EVIDENCE_VARIABLE, str(tmp_path))
    folder = evidence.test_folder("a1_table")
    with evidence.call_writes(folder, "save_table") as written:
        _write(folder / "results.txt")
    evidence.record(
        "a1_table", folder, returned=folder / "results.txt", written=written
    )
    note = json.loads(Path(f"{folder}.json").read_text(encoding="utf-8"))
    assert note["written"]["files"]["results.txt"]["by"] == ["call"]
    assert note["written"]["function"] == "save_table"


def test_a_folder_too_full_to_list_whole_fails(tmp_path, monkeypatch):
    """A file past the listing's end is never checked: the test cannot pass."""
    monkeypatch.setattr(evidence, "MAX_LISTED", 3)
    with evidence.call_writes(tmp_path, "save_rois") as written:
        for index in range(4):
            _write(tmp_path / f"{index}.roi")
    assert len(written["files"]) == 3
    result = evidence.written_result(written)
    assert result.codes == ["task.folder_too_full"]


def test_the_file_the_function_returned_is_named_first(tmp_path):
    _write(tmp_path / "label_mask.tif")
    _write(tmp_path / "results.txt")
    with evidence.call_writes(tmp_path, "save_table") as written:
        pass
    named = evidence.written_result(written, returned=tmp_path / "results.txt")
    assert named.errors[0].message.startswith("results.txt ")
    _write(tmp_path / "label_mask.tif", "changed")
    _write(tmp_path / "results.txt", "changed")
    changed = evidence.changes_result(written, tmp_path, returned="results.txt")
    assert changed.errors[0].message.startswith("results.txt ")
