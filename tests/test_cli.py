"""The command line: exit status 0 pass, 1 fail, 2 usage error; never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import tifffile

from outputsaving.datasets import RANDOM_SHAPES, data_path
from outputsaving.settings import make_settings


def run_cli(*args):
    completed = subprocess.run(
        [sys.executable, "-m", "outputsaving", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert "Traceback" not in completed.stderr + completed.stdout
    return completed


@pytest.fixture
def labels_file(tmp_path):
    labels = np.zeros((20, 20), dtype=np.uint16)
    labels[2:6, 2:6] = 1
    labels[10:15, 8:18] = 2
    path = tmp_path / "labels.tif"
    tifffile.imwrite(path, labels)
    return path


def test_passing_file_exits_0(tmp_path):
    path = tmp_path / "settings.json"
    settings = make_settings(data_path(RANDOM_SHAPES), min_size=0, max_size=1000)
    path.write_text(json.dumps(settings))
    completed = run_cli("check", "settings", path)
    assert completed.returncode == 0
    assert "passed" in completed.stdout


def test_labels_against_reference_exit_0(labels_file):
    completed = run_cli("check", "labels", labels_file, "--reference", labels_file)
    assert completed.returncode == 0, completed.stdout


@pytest.mark.parametrize("kind", ["labels", "table", "rois", "settings"])
def test_bad_file_exits_1_with_message_on_stdout(tmp_path, kind):
    path = tmp_path / "output.bin"
    path.write_bytes(bytes(range(256)) * 4)
    completed = run_cli("check", kind, path)
    assert completed.returncode == 1
    assert "did not pass" in completed.stdout
    assert "[x]" in completed.stdout


@pytest.mark.parametrize("kind", ["labels", "table", "rois", "settings"])
def test_missing_file_exits_1(tmp_path, kind):
    completed = run_cli("check", kind, tmp_path / "nothing_here")
    assert completed.returncode == 1
    assert "No file was found" in completed.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("check",),
        ("check", "masks", "x.tif"),
        ("check", "table", "x.txt", "--sep", "semicolon"),
        ("check", "rois"),
    ],
)
def test_usage_errors_exit_2(args):
    completed = run_cli(*args)
    assert completed.returncode == 2
    assert "usage:" in completed.stderr


@pytest.mark.parametrize("option", [("labels", "--reference"), ("table", "--labels")])
def test_unusable_reference_exits_2(tmp_path, labels_file, option):
    kind, flag = option
    bad = tmp_path / "reference.txt"
    bad.write_text("not an image")
    completed = run_cli("check", kind, labels_file, flag, bad)
    assert completed.returncode == 2
    assert "reference" in completed.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["--assignment", "activity1", "activity2", "quiz"],
        ["--assignment", "activity1", "--assignment", "activity2", "quiz"],
    ],
)
def test_grade_takes_several_assignments_as_the_readme_writes_them(argv):
    from outputsaving.cli import _parser

    args = _parser().parse_args(["grade", *argv])
    assert args.assignment == ["activity1", "activity2", "quiz"]


def test_a_missing_file_is_named_as_it_was_given(tmp_path):
    """Issue 25: '/nonexistent.txt' was told as 'nonexistent.txt'."""
    missing = tmp_path / "nowhere" / "results.txt"
    done = subprocess.run(
        [sys.executable, "-m", "outputsaving", "check", "table", str(missing)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert f"No file was found at {missing}" in done.stdout


@pytest.mark.parametrize(
    ("force", "words"),
    [
        ([], "run the same command again to grade the rest"),
        (["--force"], "run the same command without --force to grade the rest"),
    ],
)
def test_an_interrupted_grade_says_what_to_run_next(
    tmp_path, monkeypatch, capsys, force, words
):
    """Issue 19: after Ctrl-C, 'the same command' with --force grades all again."""
    from outputsaving import cli
    from outputsaving.classroom import engine

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "grade_class", interrupted)
    monkeypatch.setattr(
        "outputsaving.classroom.platform.grading_platform_problem", lambda: None
    )
    status = cli.main(["grade", "--course", str(tmp_path), *force])
    assert status == 130
    assert words in capsys.readouterr().err
