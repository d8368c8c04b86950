"""The audit of a hidden test's folder: only the call's own files, unchanged.

The hidden test of activity 1's task 3 runs here as in the kernel, with toy
save functions; :mod:`outputsaving.classroom.evidence_audit` then judges the
evidence it left, as the class grader does after the kernel ended.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from outputsaving.classroom.evidence_audit import (
    audit_evidence,
    unseen_findings,
    writer_findings,
)
from outputsaving.grading import activity1, activity1_unseen
from outputsaving.grading.evidence import EVIDENCE_FOLDER, EVIDENCE_VARIABLE

HIDDEN = "a1_task3_table_fresh_folder_hidden"


def _save_table(table, output_dir):
    path = Path(output_dir) / "results.txt"
    table.to_csv(path, sep="\t", index=False)
    return path


def _save_table_from_a_thread(table, output_dir):
    worker = threading.Thread(target=_save_table, args=(table, output_dir))
    worker.start()
    worker.join()
    return Path(output_dir) / "results.txt"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.setenv(EVIDENCE_VARIABLE, str(tmp_path / EVIDENCE_FOLDER))
    return tmp_path


def _folder(workdir: Path) -> Path:
    (note,) = (workdir / EVIDENCE_FOLDER).glob("a1_table-*.json")
    return note.with_suffix("")


def test_the_calls_own_file_passes(workdir):
    activity1.grade_table(_save_table)
    assert audit_evidence("activity1", workdir)[HIDDEN] == (True, "")
    assert writer_findings("activity1", workdir) == {}


def test_a_file_another_thread_wrote_fails_in_the_kernel_and_in_the_audit(workdir):
    with pytest.raises(AssertionError, match="another thread"):
        activity1.grade_table(_save_table_from_a_thread)
    passed, text = audit_evidence("activity1", workdir)[HIDDEN]
    assert not passed
    assert "not by your save_table while it ran" in text
    (finding,) = writer_findings("activity1", workdir).values()
    assert finding.code == "task.not_written_by_call"
    assert finding.message == text.splitlines()[0]


def test_a_change_after_the_call_returned_fails_in_the_audit(workdir):
    activity1.grade_table(_save_table)  # passes in the kernel
    path = _folder(workdir) / "results.txt"
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    passed, text = audit_evidence("activity1", workdir)[HIDDEN]
    assert not passed
    assert "results.txt in the test's folder was changed after your save_table" in text
    assert writer_findings("activity1", workdir)[HIDDEN].code == (
        "task.changed_after_call"
    )


def test_a_note_without_its_listing_is_no_evidence(workdir):
    activity1.grade_table(_save_table)
    note_path = Path(f"{_folder(workdir)}.json")
    note = json.loads(note_path.read_text(encoding="utf-8"))
    del note["written"]
    note_path.write_text(json.dumps(note), encoding="utf-8")
    passed, text = audit_evidence("activity1", workdir)[HIDDEN]
    assert not passed
    assert "left nothing the grader could check" in text


# -- the unseen call: judged again against unseen data the audit makes itself --------

_PASTED = activity1.reference_table().to_csv(sep="\t", index=False)


def _save_pasted_table(table, output_dir):
    path = Path(output_dir) / "results.txt"
    path.write_text(_PASTED, encoding="utf-8")
    return path


def _unseen_note(workdir: Path) -> Path:
    (note,) = (workdir / EVIDENCE_FOLDER).glob("a1_table_unseen-*.json")
    return note


def test_the_unseen_call_is_judged_again_and_a_pasted_table_flagged(workdir):
    with pytest.raises(AssertionError, match="the same file, byte for byte"):
        activity1.grade_table(_save_pasted_table)
    passed, text = audit_evidence("activity1", workdir)[HIDDEN]
    assert not passed
    assert "not the one it was given (6 rows, where it was given 5)" in text
    finding = unseen_findings("activity1", workdir)[HIDDEN]
    assert finding.code == "activity1.unseen_same_file"


def test_a_notebook_variable_saved_fails_unflagged(workdir):
    table = activity1.reference_table()

    def save_table(df, output_dir):
        return _save_table(table, output_dir)

    with pytest.raises(AssertionError, match="its `df` parameter"):
        activity1.grade_table(save_table)
    passed, text = audit_evidence("activity1", workdir)[HIDDEN]
    assert not passed
    assert "does it use its `df` parameter" in text
    assert unseen_findings("activity1", workdir) == {}


def test_the_audit_makes_the_unseen_data_itself(workdir, monkeypatch):
    """A note naming other unseen data (another seed) is no evidence."""
    monkeypatch.setenv(activity1_unseen.UNSEEN_VARIABLE, "7")
    activity1.grade_table(_save_table)
    monkeypatch.delenv(activity1_unseen.UNSEEN_VARIABLE)
    passed, text = audit_evidence("activity1", workdir)[HIDDEN]
    assert not passed
    assert "left nothing the grader could check" in text


def test_an_unseen_file_changed_after_the_kernel_passed_it_fails(workdir):
    activity1.grade_table(_save_table)
    assert audit_evidence("activity1", workdir)[HIDDEN] == (True, "")
    path = _unseen_note(workdir).with_suffix("") / "results.txt"
    path.write_text(_PASTED, encoding="utf-8")
    passed, text = audit_evidence("activity1", workdir)[HIDDEN]
    assert not passed
    assert "results.txt in the test's folder was changed after" in text
