"""The pip route (pyproject.toml, constraints.txt) and environment.yml agree."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].strip().lower()


def _pyproject_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():  # test, dask
        requirements += extra
    return {_name(requirement) for requirement in requirements}


def _constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def _conda_environment() -> tuple[dict[str, str], list[str]]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins, pip = {}, []
    for dependency in environment["dependencies"]:
        if isinstance(dependency, dict):
            pip += dependency["pip"]
            continue
        name, _, version = dependency.partition("=")
        pins[name.lower()] = version
    return pins, pip


def test_conda_takes_only_python_and_pip_from_conda():
    conda, _ = _conda_environment()
    assert conda == {"python": "3.11", "pip": ""}


def test_conda_installs_the_course_with_the_same_pins_as_pip():
    """pip, inside the conda environment, reads constraints.txt as ``make`` does."""
    _, pip = _conda_environment()
    assert pip == [
        "--constraint constraints.txt",
        "--editable .[test]",
        "./labsettings",
    ]
    constraints = _constraints()
    for name in _pyproject_names():
        assert name in constraints, f"{name} is not pinned in constraints.txt"


def test_makefile_installs_with_the_same_constraints():
    makefile = (ROOT / "Makefile").read_text()
    assert '-c constraints.txt -e ".[test]"' in makefile


def test_both_routes_install_jupyterlabs_settings_into_the_environment():
    """overrides.json goes where JupyterLab reads it: share/jupyter/lab/settings.

    No news pop-up over the notebooks in class (issue 21 §5). An editable
    install installs no data files, so the settings are a plain package.
    """
    package = ROOT / "labsettings"
    overrides = json.loads((package / "overrides.json").read_text(encoding="utf-8"))
    notification = overrides["@jupyterlab/apputils-extension:notification"]
    assert notification["fetchNews"] == "false"
    files = tomllib.loads((package / "pyproject.toml").read_text(encoding="utf-8"))
    data = files["tool"]["setuptools"]["data-files"]
    assert data["share/jupyter/lab/settings"] == ["overrides.json"]
    # Issue 21 §3, §5: the course's server extension (Validate's summary line,
    # the spare kernel), enabled by its config file, and its style sheet.
    assert files["tool"]["setuptools"]["py-modules"] == ["outputsaving_lab"]
    enable = json.loads((package / "outputsaving_lab.json").read_text())
    assert enable["ServerApp"]["jpserver_extensions"] == {"outputsaving_lab": True}
    assert data["etc/jupyter/jupyter_server_config.d"] == ["outputsaving_lab.json"]
    assert "share/jupyter/labextensions/outputsaving-lab" in data
    assert '-e ".[test]" ./labsettings' in (ROOT / "Makefile").read_text()
    _, pip = _conda_environment()
    assert "./labsettings" in pip


def test_the_tests_install_the_dask_extra():
    """CI installs .[test]: it must bring Dask, so the cluster tests run there."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert set(extras["dask"]) <= set(extras["test"])
    assert {"dask", "distributed"} <= set(_constraints())


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


def test_the_readme_api_is_public():
    """The README documents ``outputsaving.rois_from_labels(labels)``."""
    import numpy as np

    import outputsaving

    assert "rois_from_labels" in outputsaving.__all__
    labels = np.zeros((5, 6), dtype=np.uint8)
    labels[1:3, 1:4] = 1
    (roi,) = outputsaving.rois_from_labels(labels)
    assert roi.name == "1"
    assert "outputsaving.rois_from_labels(labels)" in (ROOT / "README.md").read_text()
