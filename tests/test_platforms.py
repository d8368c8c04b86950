"""Learners on Windows and macOS: what they touch runs without Linux-only modules.

Learners use their own laptops. The notebooks, the self-checks, the checkers,
``outputsaving check`` and ``outputsaving demo`` must import and run where
``resource``, ``pwd``, ``fcntl`` (and ``prctl``) do not exist; only the class
grading engine (``outputsaving.classroom``, Linux only) may use them. A
subprocess makes those modules unimportable *for the course's own code* (third
party libraries take their own platform paths) and imports and runs
everything a learner uses.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path, PureWindowsPath

import pytest

from outputsaving import cli
from outputsaving.classroom.platform import grading_platform_problem
from outputsaving.grading import activity1

REPO = Path(__file__).resolve().parents[1]
LINUX_ONLY = ("resource", "pwd", "fcntl", "grp", "termios", "prctl")


def _learner_modules() -> list[str]:
    """Every module of the package but the grading engine's (classroom/).

    The engine's platform check and its defaults, which the command line
    reads, are in: they must import on every platform.
    """
    package = REPO / "outputsaving"
    names = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        if "classroom" in parts and parts[-1] not in ("platform", "limits"):
            continue
        if parts[-1] == "__main__":  # runs the command line when imported
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


#: Runs in a fresh Python: Linux-only modules are refused to the course's code.
_SCRIPT = """
import builtins, json, sys

BLOCKED = set({blocked!r})
_import = builtins.__import__


def guarded(name, globals=None, locals=None, fromlist=(), level=0):
    importer = (globals or {{}}).get("__name__", "")
    if name.split(".")[0] in BLOCKED and importer.startswith("outputsaving"):
        raise ImportError(f"{{importer}} imports {{name}}, which Windows lacks")
    return _import(name, globals, locals, fromlist, level)


builtins.__import__ = guarded
import importlib

for module in {modules!r}:
    importlib.import_module(module)
from outputsaving import cli

status = {{"demo": cli.main(["demo", "--output", {output!r}])}}
status["check"] = cli.main(["check", "labels", {labels!r}])
print(json.dumps(status))
"""


@pytest.mark.slow
def test_learner_modules_import_and_run_without_linux_only_modules(tmp_path):
    output = tmp_path / "demo output"
    script = _SCRIPT.format(
        blocked=LINUX_ONLY,
        modules=_learner_modules(),
        output=str(output),
        labels=str(output / "random_shapes_labels.tif"),
    )
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    status = json.loads(completed.stdout.strip().splitlines()[-1])
    assert status == {"demo": 0, "check": 0}
    assert "All outputs pass." in completed.stdout
    assert (output / "random_shapes_rois.zip").is_file()


def test_the_guard_catches_a_linux_only_import(tmp_path):
    """The test above would notice a course module importing ``resource``."""
    module = tmp_path / "outputsaving_probe.py"
    module.write_text("import resource\n", encoding="utf-8")
    script = _SCRIPT.split("import importlib")[0] + "import outputsaving_probe\n"
    completed = subprocess.run(
        [sys.executable, "-c", script.format(blocked=LINUX_ONLY)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path)},
        timeout=120,
        check=False,
    )
    assert completed.returncode != 0
    assert "imports resource, which Windows lacks" in completed.stderr


@pytest.mark.parametrize(
    "folder",
    [
        PureWindowsPath(r"C:\Users\ana\Desktop\output"),
        r"C:\Users\ana\Desktop\output",
        "D:/course/output",
        r"\\server\share\output",
    ],
)
def test_output_folder_check_refuses_windows_absolute_paths(folder, tmp_path):
    result = activity1.output_dir_result(folder)
    codes = [finding.code for finding in result.errors]
    assert "activity1.output_dir_absolute" in codes


def test_output_folder_check_names_a_windows_separator(tmp_path, monkeypatch):
    """``Path("output\\run1")``: a subfolder on Windows, one odd name elsewhere."""
    monkeypatch.chdir(tmp_path)
    posix = Path("output") / "run1"
    posix.mkdir(parents=True)
    assert activity1.output_dir_result(posix).passed
    windows = Path(str(PureWindowsPath("output", "run1")))
    windows.mkdir()
    result = activity1.output_dir_result(windows)
    assert [finding.code for finding in result.errors] == [
        "activity1.output_dir_backslash"
    ]
    assert "output\\run1" in result.errors[0].message
    # The visible test only asks for an existing folder: it passes.
    assert activity1.output_dir_result(windows, strict=False).passed


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_grading_says_what_to_do_on_other_platforms(platform, monkeypatch, capsys):
    problem = grading_platform_problem(platform)
    assert "WSL" in problem
    assert "container" in problem
    monkeypatch.setattr(sys, "platform", platform)
    assert cli.main(["grade", "--course", str(REPO)]) == cli.USAGE_ERROR
    error = capsys.readouterr().err
    assert "Linux only" in error
    assert "Traceback" not in error


def test_grading_runs_on_linux():
    assert grading_platform_problem("linux") is None
