"""Activity 1's grading helpers, called directly (no nbgrader).

The whole notebook graded by nbgrader is in ``test_nbgrader_activity1.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import roifile
import tifffile
from scipy import ndimage as ndi

from outputsaving.analysis import segment_shapes
from outputsaving.datasets import RANDOM_SHAPES, data_path
from outputsaving.grading import activity1, activity1_unseen, activity2
from outputsaving.grading import rerun as rerun_module
from outputsaving.grading.evidence import EVIDENCE_VARIABLE
from outputsaving.grading.rerun import rerun_from_settings as reference_rerun
from outputsaving.rois import rois_from_labels
from outputsaving.settings import make_settings


@pytest.fixture
def labels():
    return activity1.reference_labels()


@pytest.fixture
def in_notebook_folder(tmp_path, monkeypatch):
    """The current folder plays the notebook's folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _codes(output_dir) -> list[str]:
    return activity1.output_dir_result(output_dir).codes


def test_reference_keeps_the_shapes_of_at_most_1000_px(labels):
    # Computed here another way: scipy's 8-connected labelling of the input.
    image = tifffile.imread(data_path(RANDOM_SHAPES))
    components, count = ndi.label(image > 0, structure=np.ones((3, 3)))
    all_areas = np.bincount(components.ravel())[1:]
    assert labels.shape == image.shape
    assert labels.dtype == np.int32
    areas = np.bincount(labels.ravel())[1:]
    assert areas.tolist() == [area for area in all_areas if area <= 1000]
    assert len(areas) == count - 1, "exactly one shape is over 1000 px"
    assert activity1.reference_labels() is not activity1.reference_labels()


def test_good_output_dir_passes(in_notebook_folder):
    (in_notebook_folder / "output").mkdir()
    assert _codes(Path("output")) == []


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: "output", "activity1.output_dir_not_path"),
        (lambda: None, "activity1.output_dir_not_set"),
        (lambda: Path("missing"), "activity1.output_dir_missing"),
        (lambda: Path("."), "activity1.output_dir_is_notebook_folder"),
        (lambda: Path("C:/Users/ana/output"), "activity1.output_dir_absolute"),
        (lambda: Path("~/output"), "activity1.output_dir_absolute"),
        (lambda: Path("/Users/ana/output"), "activity1.output_dir_absolute"),
        (
            lambda: data_path(RANDOM_SHAPES).parent,
            "activity1.output_dir_in_data",
        ),
        (
            lambda: data_path(RANDOM_SHAPES).parent.parent,
            "activity1.output_dir_in_package",
        ),
    ],
)
def test_bad_output_dirs_are_reported(in_notebook_folder, make, code):
    (in_notebook_folder / "output").mkdir()
    (in_notebook_folder / "C:/Users/ana/output").mkdir(parents=True)
    assert code in _codes(make())


def test_folder_of_a_data_copy_outside_the_notebook_folder(tmp_path, monkeypatch):
    notebook = tmp_path / "notebooks" / "activity1"
    notebook.mkdir(parents=True)
    data = tmp_path / "data"
    data.mkdir()
    (data / RANDOM_SHAPES).write_bytes(b"image")
    monkeypatch.chdir(notebook)
    assert _codes(Path("../../data")) == ["activity1.output_dir_in_data"]
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert _codes(Path("../../elsewhere")) == ["activity1.output_dir_outside"]


def test_image_next_to_a_standalone_notebook_is_allowed(in_notebook_folder):
    (in_notebook_folder / RANDOM_SHAPES).write_bytes(b"image")
    (in_notebook_folder / "output").mkdir()
    assert _codes(Path("output")) == []


def test_visible_output_dir_test_checks_only_existence(in_notebook_folder):
    (in_notebook_folder / "C:/x").mkdir(parents=True)
    activity1.grade_output_dir_exists(Path("C:/x"))
    with pytest.raises(AssertionError, match="absolute path"):
        activity1.grade_output_dir(Path("C:/x"))
    with pytest.raises(AssertionError, match="does not exist"):
        activity1.grade_output_dir_exists(Path("nowhere"))


@pytest.mark.parametrize("module", [activity1, activity2], ids=["a1", "a2"])
def test_hidden_output_dir_test_judges_where_not_the_type(in_notebook_folder, module):
    """A text path, relative and separate, costs only the visible test (issue 18)."""
    (in_notebook_folder / "résultats activité 1").mkdir()
    module.grade_output_dir("résultats activité 1")
    with pytest.raises(AssertionError, match="a pathlib Path was expected"):
        module.grade_output_dir_exists("résultats activité 1")
    assert _codes("résultats activité 1") == ["activity1.output_dir_not_path"]
    with pytest.raises(AssertionError, match="absolute path"):
        module.grade_output_dir(str(in_notebook_folder / "résultats activité 1"))


def _save_uint16(labels, output_dir):
    path = output_dir / "label_mask.tif"
    tifffile.imwrite(path, labels.astype(np.uint16))
    return path


def test_label_mask_grading_passes_a_good_mask(labels):
    activity1.grade_label_mask(_save_uint16)


def test_label_mask_in_png_passes_checker_but_not_the_task(labels, tmp_path):
    from PIL import Image

    path = tmp_path / "mask.png"
    Image.fromarray(labels.astype(np.uint16)).save(path)
    results = activity1.label_mask_result(path, tmp_path)
    assert results[1].passed
    assert results[0].codes == ["activity1.mask_not_tiff"]


def test_mask_saved_elsewhere_is_reported(labels, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def save_elsewhere(labels, output_dir):
        return _save_uint16(labels, elsewhere)

    with pytest.raises(AssertionError, match="outside the output folder"):
        activity1.grade_label_mask(save_elsewhere)


def test_shipped_file_does_not_count(labels, tmp_path):
    """A function that returns a path it did not write fails in a fresh folder."""
    shipped = _save_uint16(labels, tmp_path)

    def save_nothing(labels, output_dir):
        return output_dir / shipped.name

    activity1.grade_saved_label_mask(shipped, tmp_path)
    with pytest.raises(AssertionError, match="No file was found"):
        activity1.grade_label_mask(save_nothing)


def test_table_grading():
    def save_table(table, output_dir):
        path = output_dir / "results.txt"
        table.to_csv(path, sep="\t", index=False)
        return path

    def save_csv(table, output_dir):
        path = output_dir / "results.csv"
        table.to_csv(path, index=False)
        return path

    activity1.grade_table(save_table)
    with pytest.raises(AssertionError, match="separated by commas"):
        activity1.grade_table(save_csv)


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_rois_grading_runs_twice():
    def save(mode):
        def save_rois(rois, output_dir):
            path = output_dir / "rois.zip"
            roifile.roiwrite(path, rois, mode=mode)
            return path

        return save_rois

    activity1.grade_rois(save("w"))
    with pytest.raises(AssertionError, match="repeat earlier ones"):
        activity1.grade_rois(save(None))


def _save_settings(**changes):
    def save_settings(output_dir):
        settings = make_settings(data_path(RANDOM_SHAPES), min_size=0, max_size=1000)
        settings.update(changes)
        path = output_dir / "settings.json"
        path.write_text(json.dumps(settings), encoding="utf-8")
        return path

    return save_settings


def test_settings_grading_passes_and_reruns_in_a_fresh_process():
    activity1.grade_settings(_save_settings(), reference_rerun)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"max_size": 2000}, "max_size 2000"),
        ({"input_sha256": "0" * 64}, "not the checksum"),
        ({"input_file": "other.tif"}, "name the input file 'other.tif'"),
    ],
)
def test_settings_with_wrong_values_fail(changes, words):
    with pytest.raises(AssertionError, match=words):
        activity1.grade_settings(_save_settings(**changes), reference_rerun)


def test_learner_rerun_must_give_the_labels():
    def rerun_nothing(settings_path):
        return None

    def rerun_shifted(settings_path):
        return reference_rerun(settings_path) + 1

    with pytest.raises(AssertionError, match="returned None"):
        activity1.grade_settings(_save_settings(), rerun_nothing)
    with pytest.raises(AssertionError, match="40000 pixels differ"):
        activity1.grade_settings(_save_settings(), rerun_shifted)


def test_hidden_tests_judge_the_functions_on_the_analysis_data():
    """Not the notebook's variables: the test computes the labels itself, then
    labels the function has never seen."""
    given = []

    def save(labels, output_dir):
        given.append(labels.copy())
        return _save_uint16(labels, output_dir)

    activity1.grade_label_mask(save)
    assert np.array_equal(given[0], activity1.reference_labels())
    assert np.array_equal(given[1], activity1_unseen.unseen_labels())


def test_the_unseen_data_are_fixed_by_their_seed_and_unlike_the_notebooks(
    monkeypatch,
):
    labels, params = activity1_unseen.unseen_labels(), activity1_unseen.unseen_params()
    reference = activity1.reference_labels()
    assert labels.shape != reference.shape
    assert 2 <= labels.max() != reference.max()
    assert np.array_equal(activity1_unseen.unseen_labels(), labels)
    assert len(activity1_unseen.unseen_table()) == labels.max()
    monkeypatch.setenv(activity1_unseen.UNSEEN_VARIABLE, "2027")
    assert activity1_unseen.unseen_params() != params
    assert activity1_unseen.unseen_params()["seed"] == 2027


def _global_mistakes():
    """Save functions that save the notebook's variable, not their parameter."""
    labels = activity1.reference_labels()
    table = activity1.reference_table()
    rois = rois_from_labels(labels)

    def save_label_mask(mask, output_dir):
        return _save_uint16(labels, output_dir)

    def save_table(df, output_dir):
        path = Path(output_dir) / "results.txt"
        table.to_csv(path, sep="\t", index=False)
        return path

    def save_rois(roi_list, output_dir):
        path = Path(output_dir) / "rois.zip"
        roifile.roiwrite(path, rois, mode="w")
        return path

    return save_label_mask, save_table, save_rois


@pytest.mark.parametrize(
    ("index", "words"),
    [
        (0, r"a label mask that is not the one it was given \(200 x 200 pixels"),
        (1, r"a table that is not the one it was given \(6 rows, where it was given 5"),
        (2, r"ROIs that are not the ones it was given \(6 ROIs, where it was given 5"),
    ],
)
def test_a_function_saving_the_notebooks_variable_fails_on_unseen_data(index, words):
    function = _global_mistakes()[index]
    grade = (activity1.grade_label_mask, activity1.grade_table, activity1.grade_rois)
    parameter = ("mask", "df", "roi_list")[index]
    with pytest.raises(AssertionError, match=words) as raised:
        grade[index](function)
    assert f"does it use its `{parameter}` parameter" in str(raised.value)
    assert "byte for byte" not in str(raised.value)  # an honest mistake


_PASTED = activity1.reference_table().to_csv(sep="\t", index=False)


def test_a_table_pasted_as_text_is_told_it_saved_the_same_file():
    def save_table(table, output_dir):
        path = Path(output_dir) / "results.txt"
        path.write_text(_PASTED, encoding="utf-8")
        return path

    with pytest.raises(AssertionError, match="the same file, byte for byte"):
        activity1.grade_table(save_table)


def test_a_table_saved_with_fewer_decimals_is_the_table_it_was_given():
    def save_table(table, output_dir):
        path = Path(output_dir) / "results.txt"
        table.to_csv(path, sep="\t", index=False, float_format="%.3f")
        return path

    activity1.grade_table(save_table)


def test_settings_follow_the_runs_own_limits():
    """A learner who changed MAX_SIZE saves that run's limits: the function is right."""
    save = _save_settings(max_size=2000)
    activity1.grade_settings(save, reference_rerun, min_size=0, max_size=2000)
    with pytest.raises(AssertionError, match="this run used MIN_SIZE = 0 and MAX_SIZE"):
        activity1.grade_settings(_save_settings(), reference_rerun, max_size=2000)


def test_a_rerun_that_ignores_the_settings_fails():
    def rerun_given_limits(settings_path):
        image = tifffile.imread(data_path(RANDOM_SHAPES))
        return segment_shapes(image, min_size=0, max_size=1000)

    with pytest.raises(AssertionError, match="size limits 600-2000 px"):
        activity1.grade_settings(_save_settings(), rerun_given_limits)


def test_a_rerun_that_does_not_check_the_checksum_fails():
    def rerun_unchecked(settings_path):
        settings = json.loads(Path(settings_path).read_text(encoding="utf-8"))
        image = tifffile.imread(data_path(settings["input_file"]))
        limits = {k: settings[k] for k in ("min_size", "max_size")}
        return segment_shapes(image, **limits)

    with pytest.raises(AssertionError, match="instead of refusing it"):
        activity1.grade_settings(_save_settings(), rerun_unchecked)


def test_a_renumbered_mask_fails_and_says_so(tmp_path):
    reference = activity1.reference_labels()
    flipped = np.where(reference > 0, reference.max() + 1 - reference, 0)
    path = tmp_path / "mask.tif"
    tifffile.imwrite(path, flipped.astype(np.uint16))
    task, check = activity1.label_mask_result(path, tmp_path)
    assert check.passed  # the same objects
    assert task.codes == ["activity1.mask_renumbered"]
    assert "numbered differently" in task.errors[0].message


def test_rerun_in_fresh_process_explains_bad_settings(tmp_path):
    path = _save_settings(input_sha256="f" * 64)(tmp_path)
    labels, reason = activity1.rerun_in_fresh_process(path)
    assert labels is None
    assert reason == "the input image's checksum differs from 'input_sha256'"
    good = _save_settings()(tmp_path)
    labels, reason = activity1.rerun_in_fresh_process(good)
    assert reason == ""
    np.testing.assert_array_equal(labels, activity1.reference_labels())


# -- the settings re-run: in a fresh process, or in this one -----------------------


def _settings_file(folder, text) -> Path:
    path = folder / "settings.json"
    path.write_text(text, encoding="utf-8")
    return path


def _settings_text(**changes) -> str:
    settings = make_settings(data_path(RANDOM_SHAPES), min_size=0, max_size=1000)
    settings.update(changes)
    return json.dumps(settings)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (_settings_text(), ""),
        (_settings_text(min_size=500, max_size=700), ""),
        ("{'min_size': 0}", "could not be read as JSON (JSONDecodeError)"),
        ("[0, 1000]", "does not hold a JSON object"),
        (_settings_text(input_file="blobs.gif"), 'input file "blobs.gif" is not one'),
        (_settings_text(input_sha256="0" * 64), "checksum differs"),
        (_settings_text(min_size=2000), "'min_size' is larger than 'max_size'"),
        (_settings_text(max_size="1000"), """'max_size' is "1000", not a number"""),
        (_settings_text(min_size=True), "'min_size' is true, not a number"),
        (_settings_text()[:-1] + ', "max_size": ' + "9" * 5000 + "}", "unexpected"),
    ],
    ids=[
        "good",
        "other-limits",
        "bad-json",
        "not-object",
        "wrong-input",
        "wrong-checksum",
        "min-over-max",
        "text-number",
        "bool-number",
        "huge-int",
    ],
)
def test_rerun_in_process_agrees_with_the_fresh_process(tmp_path, text, reason):
    """The audit's re-run: same labels and same reasons as a fresh process."""
    path = _settings_file(tmp_path, text)
    fresh_labels, fresh_reason = activity1.rerun_in_fresh_process(path)
    labels, here_reason = activity1.rerun_in_process(path)
    assert here_reason == fresh_reason
    assert reason in here_reason if reason else here_reason == ""
    if reason:
        assert labels is None
        assert fresh_labels is None
    else:
        assert labels.dtype == fresh_labels.dtype
        np.testing.assert_array_equal(labels, fresh_labels)
        assert labels.max() > 0


def test_an_upper_case_checksum_is_the_same_checksum(tmp_path):
    """64 hexadecimal digits in capitals: valid, and the analysis re-runs (issue 18)."""
    settings = json.loads(_settings_text())
    path = _settings_file(
        tmp_path, _settings_text(input_sha256=settings["input_sha256"].upper())
    )
    task, check = activity1.settings_result(path, tmp_path)
    assert task.passed, task.codes
    assert check.passed, check.codes
    labels, reason = activity1.rerun_in_process(path)
    assert reason == ""
    np.testing.assert_array_equal(labels, activity1.reference_labels())


def test_rerun_in_process_refuses_special_and_oversized_files(tmp_path):
    fifo = tmp_path / "settings.json"
    os.mkfifo(fifo)  # nobody writes: reading it would block
    assert activity1.rerun_in_process(fifo) == (None, "it is not a regular file")
    (tmp_path / "big").mkdir()
    big = _settings_file(tmp_path / "big", " " * 1_000_001 + _settings_text())
    assert activity1.rerun_in_process(big) == (None, "the file is larger than 1 MB")
    fine = big.with_name("fine.json")
    fine.write_text(" " * 900_000 + _settings_text(), encoding="utf-8")
    labels, reason = activity1.rerun_in_process(fine)
    assert reason == ""
    np.testing.assert_array_equal(labels, activity1.reference_labels())


class _ProcessStarted(Exception):
    pass


@pytest.fixture
def no_processes(monkeypatch):
    """Starting a process raises ``_ProcessStarted``."""

    def start(*args, **kwargs):
        raise _ProcessStarted

    monkeypatch.setattr(subprocess, "run", start)
    monkeypatch.setattr(subprocess, "Popen", start)


def test_hidden_settings_test_reruns_in_a_fresh_process_by_default(
    monkeypatch, no_processes
):
    monkeypatch.delenv(activity1.GRADER_VARIABLE, raising=False)
    with pytest.raises(_ProcessStarted):
        activity1.grade_settings(_save_settings(), reference_rerun)
    monkeypatch.setenv(activity1.GRADER_VARIABLE, "0")
    with pytest.raises(_ProcessStarted):
        activity1.grade_settings(_save_settings(), reference_rerun)


def test_hidden_settings_test_reruns_in_process_under_the_class_grader(
    monkeypatch, no_processes
):
    monkeypatch.setenv(activity1.GRADER_VARIABLE, "1")
    activity1.grade_settings(_save_settings(), reference_rerun)
    # The in-process re-run's labels decide, as the fresh process's would.
    monkeypatch.setattr(
        rerun_module, "segment_shapes", lambda image, **_: np.zeros_like(image)
    )
    with pytest.raises(AssertionError, match="gave 0 objects"):
        activity1.grade_settings(_save_settings(), reference_rerun)


def test_a_path_with_a_windows_backslash_is_told_about_the_backslash(
    tmp_path, monkeypatch
):
    """Issue 26 §3: not 'outside the output folder' with the grader's path."""
    monkeypatch.setenv(EVIDENCE_VARIABLE, str(tmp_path / "evidence"))

    def save(labels, output_dir):
        path = Path(str(output_dir) + "\\label_mask.tif")
        tifffile.imwrite(path, np.asarray(labels).astype(np.uint16))
        return path

    with pytest.raises(AssertionError) as raised:
        activity1.grade_label_mask(save)
    text = str(raised.value)
    assert "a name with a backslash (one ending in \\label_mask.tif)" in text
    assert str(tmp_path) not in text
