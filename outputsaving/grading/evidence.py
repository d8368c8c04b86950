"""What the tests leave behind for the class grader's audit to check again.

A learner's code runs in the same kernel as the tests, so a test's verdict in
the kernel could be faked. Under the class grader (``outputsaving grade``),
which sets :data:`EVIDENCE_VARIABLE` in the kernel's environment to a folder
inside the submission's working copy, each test leaves its *evidence* there:

- a hidden test gives the learner's function a fresh, empty folder from
  :func:`test_folder`, inside the evidence folder (the kernel's ``/tmp`` is
  private, so a temporary folder would be invisible to the audit), and
  :func:`record` notes what the function returned (the path of the file it
  saved, the labels it re-ran, the counts it compared);
- a visible test notes which file it judged.

The audit (:mod:`outputsaving.classroom.audit`), outside the kernel, then
checks the evidence again with the same checks, against references it
computes itself; the hidden tests' points follow its verdict. Outside the
class grader (a learner's own kernel, plain ``nbgrader``), fresh folders are
temporary folders and nothing is recorded.

Evidence files are plain JSON (and ``.npy`` arrays, read back without
pickles), named ``<key>-<random>``: ``key`` names the test, such as
``a1_mask`` (hidden) or ``a1_mask_visible``.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from outputsaving.grading import monitor

__all__ = [
    "EVIDENCE_FOLDER",
    "EVIDENCE_VARIABLE",
    "evidence_root",
    "record",
    "record_array",
    "test_folder",
]

#: Environment variable holding the evidence folder (set by the class grader).
EVIDENCE_VARIABLE = "OUTPUTSAVING_EVIDENCE"
#: Name of the evidence folder inside a submission's working copy.
EVIDENCE_FOLDER = ".outputsaving-evidence"
#: Largest array recorded (pixels): the activities' images are far smaller.
MAX_ARRAY_SIZE = 4_000_000

_TEMPORARY: list[Path] = []


def evidence_root() -> Path | None:
    """The evidence folder under the class grader, else None.

    A relative folder is taken from the working directory of the first call
    (the notebook's folder), so that a later change of directory does not
    move it.
    """
    value = os.environ.get(EVIDENCE_VARIABLE, "")
    if not value:
        return None
    if not os.path.isabs(value):
        value = os.path.abspath(value)
        os.environ[EVIDENCE_VARIABLE] = value
    return Path(value)


def test_folder(key: str, /) -> Path:
    """A new, empty folder for a hidden test to give the learner's function.

    Under the class grader it is ``<evidence>/<key>-<random>/``; elsewhere a
    temporary folder, removed when Python exits.
    """
    root = evidence_root()
    if root is None:
        folder = Path(tempfile.mkdtemp(prefix="outputsaving-grading-"))
        _TEMPORARY.append(folder)
        return folder
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{key}-", dir=root))


@atexit.register
def _remove_temporary() -> None:
    for folder in _TEMPORARY:
        shutil.rmtree(folder, ignore_errors=True)


def record(key: str, /, folder: Path | None = None, **data) -> None:
    """Note ``data`` (JSON-able) for the audit; nothing outside the grader.

    With ``folder`` (from :func:`test_folder`), the note is ``<folder>.json``
    next to it and says where the folder was (``"folder"``: paths in the note
    are read relative to it wherever the folder is copied); else
    ``<evidence>/<key>-<random>.json``.
    """
    root = evidence_root()
    if root is None:
        return
    root.mkdir(parents=True, exist_ok=True)
    if folder is not None and Path(folder).parent == root:
        path = Path(f"{folder}.json")
        data = {"folder": str(folder), **data}
    else:
        handle, name = tempfile.mkstemp(prefix=f"{key}-", suffix=".json", dir=root)
        os.close(handle)
        path = Path(name)
    path.write_text(json.dumps({"key": key, **data}, default=str), encoding="utf-8")


def record_array(folder: Path, name: str, value, /) -> str:
    """Save what a learner's function returned as ``<folder>.<name>.npy``.

    Returns what to write in the record: the file's name, or words for a
    value that is not a numeric array (or too large to keep).
    """
    if evidence_root() is None:
        return ""
    if not isinstance(value, np.ndarray):
        return f"not an array: {type(value).__name__}"
    if value.dtype.kind not in "biuf" or value.size > MAX_ARRAY_SIZE:
        return f"an array of {value.dtype} and {value.size} values"
    path = Path(f"{folder}.{name}.npy")
    np.save(path, np.ascontiguousarray(value), allow_pickle=False)
    return path.name


monitor.watch(__name__)
