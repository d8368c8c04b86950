"""The fourth output: the settings of a run, saved so it can be repeated.

A settings file is a JSON object with these entries (more are allowed)::

    {
      "input_file": "xy_8bit_binary__random_shapes.tif",
      "input_sha256": "<64 hexadecimal digits>",
      "min_size": 0,
      "max_size": 1000,
      "packages": {"scikit-image": "0.26.0", "numpy": "2.4.6"},
      "date": "2026-11-24T09:30:00+01:00"
    }

``input_file`` is a file name, not a path: no entry may hold an absolute path,
so that the settings work on another computer.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from importlib import metadata
from pathlib import Path, PureWindowsPath

from outputsaving import monitor
from outputsaving.findings import CheckResult, checker
from outputsaving.sniff import FORMAT_NAMES, preflight

__all__ = ["REQUIRED", "check_settings", "file_sha256", "make_settings"]

#: The entries every settings file needs, with what each must hold.
REQUIRED = {
    "input_file": "the input image's file name",
    "input_sha256": "the input image's SHA-256 checksum (64 hexadecimal digits)",
    "min_size": "the smallest object area kept, in pixels",
    "max_size": "the largest object area kept, in pixels",
    "packages": "the versions of the packages used, as names and version strings",
    "date": "the date of the run, in ISO 8601 format",
}

_PACKAGES = ("numpy", "scikit-image", "pandas", "tifffile", "roifile", "outputsaving")
_MAX_BYTES = 1_000_000
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def file_sha256(path, /) -> str:
    """Return the SHA-256 checksum of a file, as 64 hexadecimal digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def make_settings(input_path, /, *, min_size: int, max_size: int) -> dict:
    """Return the settings of a run of activity 1's analysis.

    Parameters
    ----------
    input_path : str or Path
        The input image; only its name and checksum are kept.
    min_size, max_size : int
        The size limits in pixels.
    """
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {
        "input_file": Path(input_path).name,
        "input_sha256": file_sha256(input_path),
        "min_size": min_size,
        "max_size": max_size,
        "packages": versions,
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
    }


@checker("settings")
def check_settings(result: CheckResult, path: Path) -> None:
    """Check a settings file: JSON with every entry needed to re-run the analysis.

    Parameters
    ----------
    path : str or Path
        The settings file.

    Returns
    -------
    CheckResult
        Every finding at once; ``content`` holds the parsed dict when readable.
    """
    kind = preflight(result, path, max_bytes=_MAX_BYTES)
    if kind is None:
        return
    if kind != "text":
        result.add("settings.not_text", found=FORMAT_NAMES[kind])
        return
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    try:
        settings = json.loads(text)
    except json.JSONDecodeError as error:
        result.add("settings.not_json", line=error.lineno, column=error.colno)
        return
    if not isinstance(settings, dict):
        result.add("settings.not_object", found=type(settings).__name__)
        return
    result.content = settings
    missing = [key for key in REQUIRED if key not in settings]
    for key in missing:
        result.add("settings.missing", key=key, what=REQUIRED[key])
    _check_entries(result, settings)
    for where, value in _strings(settings):
        if _is_absolute(value):
            result.add("settings.absolute_path", where=where, value=value)


def _check_entries(result: CheckResult, settings: dict) -> None:
    name = settings.get("input_file")
    absolute = isinstance(name, str) and _is_absolute(name)  # reported on its own
    is_name = isinstance(name, str) and name != "" and Path(name).name == name
    if "input_file" in settings and not absolute and not is_name:
        result.add("settings.input_file", found=json.dumps(name))
    checksum = settings.get("input_sha256")
    if "input_sha256" in settings and not (
        isinstance(checksum, str) and _SHA256.fullmatch(checksum)
    ):
        result.add("settings.sha256", found=json.dumps(checksum)[:80])
    sizes = {}
    for key in ("min_size", "max_size"):
        value = settings.get(key)
        if key not in settings:
            continue
        if isinstance(value, str) and _is_number(value):
            result.add("settings.size_text", key=key, found=json.dumps(value)[:80])
        elif not _is_size(value):
            result.add("settings.size", key=key, found=json.dumps(value)[:80])
        else:
            sizes[key] = value
    if len(sizes) == 2 and sizes["min_size"] > sizes["max_size"]:
        result.add("settings.size_order", **sizes)
    packages = settings.get("packages")
    if "packages" in settings and not (
        isinstance(packages, dict)
        and packages
        and all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in packages.items()
        )
    ):
        result.add("settings.packages")
    when = settings.get("date")
    if "date" in settings and not _is_iso_date(when):
        result.add("settings.date", found=json.dumps(when)[:80])


def _is_size(value) -> bool:
    """Whether ``value`` is a number of pixels: a JSON number, 0 or more."""
    return (
        isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
    )


def _is_number(text: str) -> bool:
    """Whether ``text`` is a number written as text (``"1000"``, ``" 0.5"``)."""
    try:
        float(text)
    except ValueError:
        return False
    return text.strip().lower() not in ("nan", "inf", "-inf", "infinity")


def _is_iso_date(value) -> bool:
    if not isinstance(value, str):
        return False
    for parse in (datetime.fromisoformat, date.fromisoformat):
        try:
            parse(value)
        except ValueError:
            continue
        return True
    return False


def _strings(value, where: str = ""):
    """Yield ``(where, string)`` for every string inside a JSON value."""
    if isinstance(value, str):
        yield where or "the file", value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}/{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}[{index}]")


def _is_absolute(text: str) -> bool:
    if text.startswith(("/", "~", "\\\\")):
        return len(text) > 1
    return PureWindowsPath(text).drive != "" and PureWindowsPath(text).is_absolute()


monitor.watch(__name__)
