"""Re-run activity 1's analysis from a settings file, as a fresh process does.

The grader runs ``python -m outputsaving.grading.rerun SETTINGS LABELS_NPY`` in
a new Python process, so that nothing of the learner's session (variables,
imported modules, open files) can help: the labels come from the settings file
and the input image alone. The input is found by its name among the course's
shipped images, and its checksum must match the one in the settings.

:func:`rerun_outcome` gives the re-run's labels or, when it fails, the reason
in a learner's words; the command line prints that reason, so a re-run in this
process (as the class grader's audit does, holding no learner state) and one in
a fresh process explain a failure in the same words. Its cost is bounded: the
file is read only when it is a regular file of at most
:data:`MAX_SETTINGS_BYTES`, and the analysis runs on a course image.
"""

from __future__ import annotations

import json
import os
import stat
import sys

import numpy as np
import tifffile

from outputsaving import monitor
from outputsaving.analysis import segment_shapes
from outputsaving.datasets import MANY_NUCLEI, RANDOM_SHAPES, data_path
from outputsaving.settings import file_sha256

__all__ = [
    "BAD_SETTINGS",
    "MAX_SETTINGS_BYTES",
    "UNEXPECTED_ERROR",
    "RerunError",
    "main",
    "rerun_from_settings",
    "rerun_outcome",
]

#: Exit status of :func:`main` when the settings cannot be used.
BAD_SETTINGS = 2
#: Largest settings file read (the settings checker's own limit).
MAX_SETTINGS_BYTES = 1_000_000
#: The reason given when the re-run fails in an unforeseen way.
UNEXPECTED_ERROR = "the re-run stopped with an unexpected error"


class RerunError(ValueError):
    """The settings do not allow a re-run; the message says why, for learners."""


def rerun_from_settings(settings_path, /) -> np.ndarray:
    """Return the labels of the analysis re-run from a settings file.

    Parameters
    ----------
    settings_path : str or Path
        A settings JSON file (see :mod:`outputsaving.settings`).

    Returns
    -------
    labels : (M, N) ndarray of int32
        Label 0 is background.

    Raises
    ------
    RerunError
        When the file is not a regular file of at most
        :data:`MAX_SETTINGS_BYTES` holding a JSON object, the input is not one
        of the course's images, its checksum differs, or the size limits are
        missing or not numbers.
    """
    try:
        settings = json.loads(_read_settings(settings_path).decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        msg = f"the file could not be read as JSON ({type(error).__name__})"
        raise RerunError(msg) from None
    if not isinstance(settings, dict):
        msg = "the file does not hold a JSON object"
        raise RerunError(msg)
    name = settings.get("input_file")
    if name not in (RANDOM_SHAPES, MANY_NUCLEI):
        msg = f"the input file {json.dumps(name)} is not one of the course's images"
        raise RerunError(msg)
    path = data_path(name)
    checksum = settings.get("input_sha256")
    # Hexadecimal digits in either case: the settings checker accepts both.
    if not isinstance(checksum, str) or checksum.lower() != file_sha256(path):
        msg = "the input image's checksum differs from 'input_sha256'"
        raise RerunError(msg)
    limits = {}
    for key in ("min_size", "max_size"):
        value = settings.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            msg = f"'{key}' is {json.dumps(value)}, not a number of pixels"
            raise RerunError(msg)
        limits[key] = value
    if limits["min_size"] > limits["max_size"]:
        msg = "'min_size' is larger than 'max_size'"
        raise RerunError(msg)
    return segment_shapes(tifffile.imread(path), **limits)


def _read_settings(settings_path) -> bytes:
    """The bytes of a regular file of at most ``MAX_SETTINGS_BYTES``.

    Opened without blocking, so that a named pipe cannot stall the caller.
    """
    fd = os.open(settings_path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            msg = "it is not a regular file"
            raise RerunError(msg)
        data = file.read(MAX_SETTINGS_BYTES + 1)
    if len(data) > MAX_SETTINGS_BYTES:
        msg = f"the file is larger than {MAX_SETTINGS_BYTES // 1_000_000} MB"
        raise RerunError(msg)
    return data


def rerun_outcome(settings_path, /) -> tuple[np.ndarray | None, str]:
    """Re-run the analysis from a settings file; never raise.

    Parameters
    ----------
    settings_path : str or Path
        A settings JSON file.

    Returns
    -------
    labels : (M, N) ndarray of int32 or None
        None when the re-run failed.
    reason : str
        Why it failed, in a learner's words (the :class:`RerunError`'s
        message, or :data:`UNEXPECTED_ERROR`); empty on success.
    """
    try:
        return rerun_from_settings(settings_path), ""
    except RerunError as error:
        return None, str(error)
    except Exception:  # any other failure: a file no re-run can use
        return None, UNEXPECTED_ERROR


def main(argv: list[str] | None = None) -> int:
    """Command line: ``SETTINGS LABELS_NPY``; exit 2 with the reason if unusable."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m outputsaving.grading.rerun SETTINGS LABELS_NPY")
        return BAD_SETTINGS
    labels, reason = rerun_outcome(args[0])
    if labels is None:
        print(reason, file=sys.stderr)
        return BAD_SETTINGS
    np.save(args[1], labels)
    return 0


monitor.watch(__name__)


if __name__ == "__main__":
    sys.exit(main())
