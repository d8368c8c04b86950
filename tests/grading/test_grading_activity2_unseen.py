"""Activity 2's hidden tests on data never seen, the course's secret seed, and
the true names of frame reading and of patched built-ins (issue 26 §1, §3).

The hidden tests run here as in the kernel, with toy functions; the class
grader's audit (:mod:`outputsaving.classroom.evidence_audit`) then judges
the evidence they left, with the unseen data it makes itself.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
import tifffile
from PIL import Image

from outputsaving import monitor
from outputsaving.classroom import secret
from outputsaving.classroom.audit import audit_notebook, tampering_evidence
from outputsaving.classroom.evidence_audit import (
    audit_evidence,
    compare_findings,
    unseen_findings,
)
from outputsaving.grading import activity1_unseen, activity2, activity2_unseen
from outputsaving.grading.common import call_learner_function
from outputsaving.grading.evidence import EVIDENCE_FOLDER, EVIDENCE_VARIABLE

TABLE = "a2_task2_table_csv_hidden"
PNG16 = "a2_task3_png16_hidden"
JPEG = "a2_task3_jpeg_hidden"
NUCLEI = "a2_task6_nuclei_mask_hidden"
COMPARE = "a2_task4_compare_hidden"

NOTEBOOK_LABELS = activity2.shapes_labels()
NOTEBOOK_NUCLEI = activity2.nuclei_labels()


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.setenv(EVIDENCE_VARIABLE, str(tmp_path / EVIDENCE_FOLDER))
    monkeypatch.delenv(activity1_unseen.UNSEEN_VARIABLE, raising=False)
    return tmp_path


# -- the learner's functions, right and wrong ----------------------------------------


def save_table_csv(table, output_dir):
    path = Path(output_dir) / "results.csv"
    table.to_csv(path, index=False)
    return path


def save_mask_png16(labels, output_dir):
    path = Path(output_dir) / "mask.png"
    Image.fromarray(np.asarray(labels).astype(np.uint16)).save(path)
    return path


def save_mask_jpeg(labels, output_dir):
    path = Path(output_dir) / "mask.jpg"
    Image.fromarray(np.asarray(labels).astype(np.uint8)).save(path)
    return path


def save_nuclei_mask(labels, output_dir):
    path = Path(output_dir) / "nuclei.tif"
    tifffile.imwrite(path, np.asarray(labels).astype(np.uint16))
    return path


def compare_labels(original, reread):
    original, reread = np.asarray(original), np.asarray(reread)
    changed = [
        v for v in np.unique(original) if v and np.any(reread[original == v] != v)
    ]
    return {
        "values_before": len(np.unique(original)),
        "values_after": len(np.unique(reread)),
        "objects_changed": len(changed),
    }


def save_png16_of_the_notebook(mask, output_dir):
    return save_mask_png16(NOTEBOOK_LABELS, output_dir)


def save_jpeg_of_the_notebook(mask, output_dir):
    return save_mask_jpeg(NOTEBOOK_LABELS, output_dir)


def save_nuclei_of_the_notebook(mask, output_dir):
    return save_nuclei_mask(NOTEBOOK_NUCLEI, output_dir)


def save_nuclei_8bit(labels, output_dir):
    path = Path(output_dir) / "nuclei.png"
    Image.fromarray(np.asarray(labels).astype(np.uint8)).save(path)
    return path


def _pasted_text() -> str:
    from outputsaving.analysis import measure_objects

    return measure_objects(NOTEBOOK_LABELS).to_csv(index=False)


PASTED = _pasted_text()


def save_pasted_table(table, output_dir):
    path = Path(output_dir) / "results.csv"
    path.write_text(PASTED, encoding="utf-8")
    return path


_SHIPPED = [(o, r, e) for _, o, r, e in activity2.compare_cases()]


def compare_shipped_only(original, reread):
    for before, after, counts in _SHIPPED:
        if np.array_equal(before, original) and np.array_equal(after, reread):
            return dict(counts)
    values = len(np.unique(original))
    return {"values_before": values, "values_after": values, "objects_changed": 0}


# -- section 1: the unseen call of each save function --------------------------------


@pytest.mark.parametrize("seed", ["26", "1", "2027", "4000000000"])
def test_right_functions_pass_on_any_seed(workdir, monkeypatch, seed):
    monkeypatch.setenv(activity1_unseen.UNSEEN_VARIABLE, seed)
    activity2.grade_table_csv(save_table_csv)
    activity2.grade_mask_format(save_mask_png16, fmt="png16")
    activity2.grade_mask_format(save_mask_jpeg, fmt="jpeg")
    activity2.grade_nuclei_mask(save_nuclei_mask)
    activity2.grade_compare_labels(compare_labels)
    verdicts = audit_evidence("activity2", workdir)
    for grade_id in (TABLE, PNG16, JPEG, NUCLEI, COMPARE):
        assert verdicts[grade_id] == (True, ""), (grade_id, verdicts[grade_id])
    assert unseen_findings("activity2", workdir) == {}
    assert compare_findings("activity2", workdir) == {}


@pytest.mark.parametrize(
    ("grade", "function", "grade_id", "words"),
    [
        (
            lambda f: activity2.grade_mask_format(f, fmt="png16"),
            save_png16_of_the_notebook,
            PNG16,
            "saved an image that is not the one it was given",
        ),
        (
            lambda f: activity2.grade_mask_format(f, fmt="jpeg"),
            save_jpeg_of_the_notebook,
            JPEG,
            "saved an image that is not the one it was given",
        ),
        (
            activity2.grade_nuclei_mask,
            save_nuclei_of_the_notebook,
            NUCLEI,
            "saved a label mask that is not the one it was given",
        ),
    ],
)
def test_a_notebook_variable_saved_fails_unflagged(
    workdir, grade, function, grade_id, words
):
    with pytest.raises(AssertionError, match="its `mask` parameter"):
        grade(function)
    passed, text = audit_evidence("activity2", workdir)[grade_id]
    assert not passed
    assert words in text
    assert "does it use its `mask` parameter, or a variable of the notebook?" in text
    assert unseen_findings("activity2", workdir) == {}


def test_the_unseen_nuclei_need_more_than_8_bits(workdir):
    nuclei = activity2_unseen.unseen_nuclei()
    assert int(nuclei.max()) > 255
    assert nuclei.shape != NOTEBOOK_NUCLEI.shape
    assert int(nuclei.max()) != int(NOTEBOOK_NUCLEI.max())
    with pytest.raises(AssertionError):
        activity2.grade_nuclei_mask(save_nuclei_8bit)
    assert not audit_evidence("activity2", workdir)[NUCLEI][0]


def test_a_pasted_table_is_flagged_as_the_same_file(workdir):
    with pytest.raises(AssertionError, match="the same file, byte for byte"):
        activity2.grade_table_csv(save_pasted_table)
    passed, text = audit_evidence("activity2", workdir)[TABLE]
    assert not passed
    assert "not the one it was given" in text
    assert unseen_findings("activity2", workdir)[TABLE].code == (
        "activity1.unseen_same_file"
    )


def test_the_audit_makes_the_unseen_data_itself(workdir, monkeypatch):
    """A note naming other unseen data (another seed) is no evidence."""
    monkeypatch.setenv(activity1_unseen.UNSEEN_VARIABLE, "7")
    activity2.grade_nuclei_mask(save_nuclei_mask)
    activity2.grade_compare_labels(compare_labels)
    monkeypatch.delenv(activity1_unseen.UNSEEN_VARIABLE)
    verdicts = audit_evidence("activity2", workdir)
    for grade_id in (NUCLEI, COMPARE):
        assert "left nothing the grader could check" in verdicts[grade_id][1]


# -- compare_labels: cases made at grading time ------------------------------------


def test_the_reference_rule_gives_the_shipped_expected_counts():
    for _, original, reread, expected in activity2.compare_cases():
        assert activity2_unseen.expected_counts(original, reread) == expected


def test_unseen_compare_cases_are_fixed_by_the_seed(monkeypatch):
    monkeypatch.setenv(activity1_unseen.UNSEEN_VARIABLE, "5")
    first = activity2_unseen.unseen_compare_cases()
    again = activity2_unseen.unseen_compare_cases()
    monkeypatch.setenv(activity1_unseen.UNSEEN_VARIABLE, "6")
    other = activity2_unseen.unseen_compare_cases()
    assert len(first) == 6
    for (d1, o1, r1), (d2, o2, r2) in zip(first, again, strict=True):
        assert d1 == d2
        assert np.array_equal(o1, o2)
        assert np.array_equal(r1, r2)
    assert [d for d, _, _ in first] != [d for d, _, _ in other]
    shipped = [o.tolist() for _, o, _, _ in activity2.compare_cases()]
    assert all(o.tolist() not in shipped for _, o, _ in first)


def test_answers_kept_for_the_shipped_cases_fail_and_are_flagged(workdir):
    activity2.grade_compare_labels(compare_shipped_only, cases=3)
    with pytest.raises(AssertionError, match="made at grading time"):
        activity2.grade_compare_labels(compare_shipped_only)
    passed, text = audit_evidence("activity2", workdir)[COMPARE]
    assert not passed
    assert "made at grading time" in text
    assert COMPARE in compare_findings("activity2", workdir)


def test_the_expected_counts_are_in_no_frame_during_the_call():
    seen = []

    def looks_up(original, reread):
        frame = sys._getframe(1)
        while frame is not None:
            seen.extend(
                v
                for v in frame.f_locals.values()
                if isinstance(v, dict) and "objects_changed" in v
            )
            frame = frame.f_back
        return {**compare_labels(original, reread), "mine": True}

    assert activity2.compare_labels_result(looks_up).passed
    # Only what the function itself returned before.
    assert all(counts.get("mine") for counts in seen), seen


# -- section 3: frames read, built-ins patched -------------------------------------


def _cell_code(source: str, name: str) -> dict:
    """``source`` run as a notebook cell would be (its own file name)."""
    namespace = {"np": np}
    exec(compile(source, f"/tmp/ipykernel_0/{name}.py", "exec"), namespace)
    return namespace


FRAMES_CHEAT = (
    "import inspect\n\n\n"
    "def compare_labels(original, reread):\n"
    "    for info in inspect.stack()[1:]:\n"
    "        for value in list(info.frame.f_locals.values()):\n"
    "            if isinstance(value, dict) and 'objects_changed' in value:\n"
    "                return dict(value)\n"
    "    return {}\n"
)


@pytest.mark.parametrize(
    "source",
    [
        FRAMES_CHEAT,
        "import sys\n\n\ndef compare_labels(original, reread):\n"
        "    frame = sys._getframe(0).f_back\n"
        "    return dict(frame.f_locals.get('_expected') or {})\n",
    ],
)
def test_the_monitor_names_frames_read_in_a_test(source):
    monitor.EVENTS.clear()
    monitor._SEEN.clear()
    cheat = _cell_code(source, "cheat")["compare_labels"]
    test_cell = compile("grade_compare_labels(f)", "/tmp/ipykernel_0/t.py", "exec")
    with pytest.raises(AssertionError):
        exec(
            test_cell,
            {"grade_compare_labels": activity2.grade_compare_labels, "f": cheat},
        )
    kinds = {(e["kind"], e["target"]) for e in monitor.EVENTS}
    assert (
        "reads_frames",
        "outputsaving.grading.activity2.grade_compare_labels",
    ) in kinds
    assert not any(kind == "replaces" for kind, _ in kinds), kinds


def test_printing_a_traceback_reads_no_frames():
    monitor.EVENTS.clear()
    monitor._SEEN.clear()
    source = (
        "import traceback\n\n\n"
        "def compare_labels(original, reread):\n"
        "    try:\n"
        "        1 / 0\n"
        "    except ZeroDivisionError:\n"
        "        traceback.format_exc()\n"
        "    return {}\n"
    )
    function = _cell_code(source, "honest")["compare_labels"]
    activity2.compare_labels_result(function, cases=1)
    assert not [e for e in monitor.EVENTS if e["kind"] == "reads_frames"]


def test_a_compiled_library_reading_frames_is_not_the_learner(tmp_path):
    """tifffile's zlib compression runs imagecodecs (Cython): its frames name a
    relative ``imagecodecs/_shared.pyx`` and read frames; an honest save is
    not flagged for it (it was, in the combinations class)."""
    pytest.importorskip("imagecodecs")
    monitor.EVENTS.clear()
    monitor._SEEN.clear()
    source = (
        "import tifffile\n\n\n"
        "def save(labels, folder):\n"
        "    tifffile.imwrite(folder / 'm.tif', labels, compression='zlib')\n"
    )
    save = _cell_code(source, "zlib")["save"]
    call_learner_function(save, np.ones((8, 8), np.uint16), tmp_path)
    assert not [e for e in monitor.EVENTS if e["kind"] == "reads_frames"]


def _notebook(*sources: str):
    cells = [nbformat.v4.new_code_cell(source) for source in sources]
    return nbformat.v4.new_notebook(cells=cells)


@pytest.mark.parametrize(
    ("source", "finding"),
    [
        (
            "import builtins\nbuiltins.open = print",
            "it patches Python's built-ins (builtins.open)",
        ),
        (
            "import builtins as b\nsetattr(b, 'open', print)",
            "it patches Python's built-ins (setattr(b, 'open', print))",
        ),
        ("__builtins__['open'] = print", "it patches Python's built-ins"),
        ("import inspect\ninspect.stack()", "it reads the grader's call frames"),
        (
            "import sys\nsys._getframe(1).f_back.f_locals",
            "it reads the grader's call frames",
        ),
        ("from inspect import currentframe", "it reads the grader's call frames"),
    ],
)
def test_the_scan_names_what_the_code_does(source, finding):
    found = tampering_evidence(_notebook(source))
    assert any(text.startswith(finding) for text in found), found
    assert "it imports builtins" not in found


def test_a_builtins_patch_is_not_called_the_grading_code(tmp_path):
    notebook = _notebook("import builtins\n\nbuiltins.open = print\n")
    result = audit_notebook("quiz", notebook, tmp_path)
    assert result.flags == [
        "possible tampering with the grader: it patches Python's built-ins "
        "(builtins.open)"
    ]
    (note,) = result.notes
    assert note.startswith("Your notebook patches Python's built-ins (builtins.open)")
    assert "grading code" not in note


# -- section 1: the course's secret seed -------------------------------------------


def test_the_seed_comes_from_a_private_secret_kept_in_the_course(tmp_path, monkeypatch):
    monkeypatch.delenv(activity1_unseen.UNSEEN_VARIABLE, raising=False)
    seed = secret.course_seed(tmp_path)
    path = tmp_path / secret.SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret.course_seed(tmp_path) == seed  # a re-grade: the same data
    other = tmp_path / "other"
    other.mkdir()
    assert secret.course_seed(other) != seed
    assert str(seed) not in path.read_text(encoding="ascii")
    monkeypatch.setenv(activity1_unseen.UNSEEN_VARIABLE, "31")
    assert secret.course_seed(tmp_path) == 31


def test_the_seed_is_in_the_environment_only_while_grading(monkeypatch):
    monkeypatch.delenv(activity1_unseen.UNSEEN_VARIABLE, raising=False)
    with secret.seed_in_environment(123):
        assert activity1_unseen.unseen_seed() == 123
    assert activity1_unseen.UNSEEN_VARIABLE not in os.environ
    assert activity1_unseen.unseen_seed() == activity1_unseen.DEFAULT_UNSEEN_SEED
