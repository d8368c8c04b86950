"""The pip route (pyproject.toml, constraints.txt) and environment.yml agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].strip().lower()


def _pyproject_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["test"]
    return {_name(requirement) for requirement in requirements}


def _constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def _conda_pins() -> tuple[dict[str, str], list]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins, pip = {}, []
    for dependency in environment["dependencies"]:
        if isinstance(dependency, dict):
            pip += dependency["pip"]
            continue
        name, _, version = dependency.partition("=")
        pins[name.lower()] = version
    return pins, pip


def test_environment_names_the_same_packages_as_pyproject():
    conda, _ = _conda_pins()
    conda_packages = set(conda) - {"python", "pip"}
    assert conda_packages == _pyproject_names()


def test_environment_pins_the_versions_of_constraints():
    conda, _ = _conda_pins()
    constraints = _constraints()
    for name in _pyproject_names():
        assert name in constraints, f"{name} is not pinned in constraints.txt"
        assert conda[name] == constraints[name], name


def test_environment_installs_the_course_package():
    _, pip = _conda_pins()
    assert pip == ["--editable ."]


def test_shipped_data_are_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "data/*.tif" in config["tool"]["setuptools"]["package-data"]["outputsaving"]


def test_every_subpackage_is_packaged():
    from fnmatch import fnmatch

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "outputsaving").rglob("__init__.py")
    }
    assert {"outputsaving", "outputsaving.grading"} <= packages
    for package in packages:
        assert any(fnmatch(package, pattern) for pattern in include), package
