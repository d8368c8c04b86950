"""The settings file: what makes a run repeatable."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outputsaving.datasets import RANDOM_SHAPES, data_path
from outputsaving.settings import REQUIRED, check_settings, file_sha256, make_settings


@pytest.fixture
def good() -> dict:
    return make_settings(data_path(RANDOM_SHAPES), min_size=0, max_size=1000)


def _write(tmp_path, value, name="settings.json"):
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    return path


def test_made_settings_pass(tmp_path, good):
    result = check_settings(_write(tmp_path, good))
    assert result.passed, result.report()
    assert result.content == good
    assert good["input_file"] == RANDOM_SHAPES
    assert good["input_sha256"] == file_sha256(data_path(RANDOM_SHAPES))
    assert {"numpy", "scikit-image"} <= set(good["packages"])


@pytest.mark.parametrize("key", list(REQUIRED))
def test_each_missing_entry_is_named(tmp_path, good, key):
    del good[key]
    result = check_settings(_write(tmp_path, good))
    assert result.codes == ["settings.missing"]
    assert f"'{key}'" in result.errors[0].message


def test_all_missing_entries_are_reported_at_once(tmp_path):
    result = check_settings(_write(tmp_path, {"note": "nothing"}))
    assert result.codes.count("settings.missing") == len(REQUIRED)


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("input_file", "images/shapes.tif", "settings.input_file"),
        ("input_file", "", "settings.input_file"),
        ("input_sha256", "abc", "settings.sha256"),
        ("min_size", "0", "settings.size_text"),
        ("max_size", "1000.5", "settings.size_text"),
        ("max_size", "many", "settings.size"),
        ("max_size", -1, "settings.size"),
        ("max_size", True, "settings.size"),
        ("packages", {}, "settings.packages"),
        ("packages", ["numpy"], "settings.packages"),
        ("packages", {"numpy": 2}, "settings.packages"),
        ("date", "24/11/2026", "settings.date"),
        ("date", 20261124, "settings.date"),
    ],
)
def test_malformed_entries_are_named(tmp_path, good, key, value, code):
    good[key] = value
    result = check_settings(_write(tmp_path, good))
    assert result.codes == [code]
    assert not result.passed


def test_size_limits_in_the_wrong_order(tmp_path, good):
    good.update(min_size=1000, max_size=10)
    result = check_settings(_write(tmp_path, good))
    assert result.codes == ["settings.size_order"]
    assert "1000" in result.errors[0].message


@pytest.mark.parametrize(
    "path",
    [
        "/home/ada/course/data/xy.tif",
        "C:\\Users\\ada\\data\\xy.tif",
        "C:/Users/ada/xy.tif",
        "~/data/xy.tif",
        "\\\\server\\share\\xy.tif",
    ],
)
def test_absolute_paths_anywhere_are_refused(tmp_path, good, path):
    good["output_folder"] = {"labels": path}
    result = check_settings(_write(tmp_path, good))
    assert result.codes == ["settings.absolute_path"]
    assert "output_folder/labels" in result.errors[0].message


def test_absolute_input_path_is_reported_once(tmp_path, good):
    good["input_file"] = "/data/xy.tif"
    result = check_settings(_write(tmp_path, good))
    assert result.codes == ["settings.absolute_path"]


def test_relative_paths_and_extra_entries_are_fine(tmp_path, good):
    good["output_folder"] = "output/activity1"
    good["date"] = "2026-11-24"
    assert check_settings(_write(tmp_path, good)).passed


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("{'input_file': 'x.tif'}", "settings.not_json"),
        ('["input_file", "x.tif"]', "settings.not_object"),
        ("", "file.empty"),
    ],
)
def test_unreadable_settings(tmp_path, content, code):
    assert check_settings(_write(tmp_path, content)).codes == [code]


def test_json_error_gives_the_line(tmp_path):
    text = '{\n  "min_size": 0,\n}'
    # Python 3.13 places a trailing comma's error on line 2, earlier ones on 3
    with pytest.raises(json.JSONDecodeError) as error:
        json.loads(text)
    assert error.value.lineno in (2, 3)
    result = check_settings(_write(tmp_path, text))
    assert f"line {error.value.lineno}," in result.errors[0].message


def test_binary_file_is_named(tmp_path):
    path = tmp_path / "settings.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    result = check_settings(path)
    assert result.codes == ["settings.not_text"]
    assert "PNG" in result.errors[0].message


def test_missing_file(tmp_path):
    assert check_settings(tmp_path / "nope.json").codes == ["file.missing"]


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("random") / "settings.json"
    path.write_bytes(data)
    result = check_settings(path)
    assert "file.unexpected" not in result.codes
    assert not result.passed


def test_a_size_limit_saved_as_text_is_told_as_text(tmp_path, good):
    """Found in a held-out class: '"1000"' was told 'the analysis uses 1000'."""
    good["max_size"] = "1000"
    result = check_settings(_write(tmp_path, good))
    assert result.codes == ["settings.size_text"]
    assert "as text" in result.errors[0].message
