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

A hidden test's points come only from what the learner's call wrote, while
it ran, into the test's folder: :func:`call_writes` watches the call (with
:func:`outputsaving.monitor.watch_writes`) and lists the folder the
moment it returns (each file's inode, size, ``mtime_ns`` and SHA-256, with
who wrote it); :func:`written_result` fails a file that the call did not
write itself, and the audit fails any change to the folder after the listing
(:func:`changes_result`). The listing goes into the test's note
(``"written"``).

Evidence files are plain JSON (and ``.npy`` arrays, read back without
pickles), named ``<key>-<random>``: ``key`` names the test, such as
``a1_mask`` (hidden) or ``a1_mask_visible``.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from outputsaving import monitor
from outputsaving.files import open_no_follow, walk_no_follow
from outputsaving.findings import CheckResult
from outputsaving.grading.common import task_result

__all__ = [
    "EVIDENCE_FOLDER",
    "EVIDENCE_VARIABLE",
    "call_writes",
    "changes_result",
    "evidence_root",
    "listing",
    "record",
    "record_array",
    "test_folder",
    "written_result",
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


# -- what the learner's call wrote into a test's folder ------------------------------

#: Entries listed in a test's folder, at most.
MAX_LISTED = 200
#: Bytes of a file hashed, at most (the activities' files are far smaller).
MAX_HASHED_BYTES = 256 * 1024 * 1024
#: How a file's writer is named in a learner's message.
WRITER_WORDS = {
    "thread": "another thread",
    "process": "another process",
    "": "something else (a thread, a process or code that ran earlier)",
}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open_no_follow(path) as stream:
            while chunk := stream.read(min(1 << 20, MAX_HASHED_BYTES)):
                digest.update(chunk)
                if stream.tell() >= MAX_HASHED_BYTES:
                    break
    except OSError:
        return ""
    return digest.hexdigest()


def listing(folder: str | os.PathLike, /) -> dict[str, dict]:
    """Every entry under ``folder`` but sub-folders, by ``/``-separated path.

    Each is ``{"kind", "inode", "size", "mtime_ns"}``, with ``"sha256"`` for a
    regular file; ``kind`` is ``"file"``, ``"link"`` (never followed) or
    ``"other"``. At most :data:`MAX_LISTED` entries; a folder that cannot be
    read lists nothing.
    """
    found: dict[str, dict] = {}
    with (
        contextlib.suppress(OSError),
        contextlib.closing(walk_no_follow(folder)) as entries,
    ):
        for entry in entries:
            info = entry.info
            if stat.S_ISDIR(info.st_mode):
                continue
            kind = (
                "file"
                if stat.S_ISREG(info.st_mode)
                else "link"
                if stat.S_ISLNK(info.st_mode)
                else "other"
            )
            item = {
                "kind": kind,
                "inode": info.st_ino,
                "size": info.st_size,
                "mtime_ns": info.st_mtime_ns,
            }
            if kind == "file":
                item["sha256"] = _sha256(entry.path)
            found[entry.relative] = item
            if len(found) >= MAX_LISTED:
                break
    return found


@contextlib.contextmanager
def call_writes(folder: Path, name: str, /) -> Iterator[dict]:
    """Watch who writes into ``folder`` while the block calls ``name``.

    Yields a dict that, when the block ends, holds what to record as the
    test's ``written``: the function's name, the folder's inode, and
    :func:`listing` of the folder, taken as the block ends, each entry with
    ``"by"``: the sorted writers seen (``"call"``: the thread that entered the
    block; ``"thread"``, ``"process"``: others), empty when none was seen.
    """
    written: dict = {"function": name}
    with monitor.watch_writes(folder) as watch:
        try:
            yield written
        finally:
            files = listing(folder)
            for relative, item in files.items():
                item["by"] = sorted(watch.writers.get(relative, ()))
            with contextlib.suppress(OSError):
                written["folder_inode"] = os.lstat(folder).st_ino
            written["files"] = files


def _files(written) -> dict[str, dict]:
    files = written.get("files") if isinstance(written, dict) else None
    if not isinstance(files, dict):
        return {}
    return {
        k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, dict)
    }


def _function(written) -> str:
    name = written.get("function") if isinstance(written, dict) else None
    return name if isinstance(name, str) and name else "function"


def _returned_first(files: dict, returned) -> list[str]:
    """The listing's paths, the one named like ``returned`` first, then by name."""
    name = os.path.basename(str(returned)) if returned is not None else None
    return sorted(files, key=lambda relative: (Path(relative).name != name, relative))


def written_result(written: dict, /, *, returned=None) -> CheckResult:
    """Fail a file of the listing that the call did not write itself.

    ``written``: from :func:`call_writes` (or read back from a note). A file
    passes when its only writer is the call; the first other one is named,
    the file the function ``returned`` first. A listing that reached
    :data:`MAX_LISTED` entries fails (the rest went unchecked).
    """
    result = task_result("written by the call", "")
    files = _files(written)
    if len(files) >= MAX_LISTED:
        # Entries past the listing's end could not be checked.
        result.add("task.folder_too_full", name=_function(written), count=MAX_LISTED)
        return result
    for relative in _returned_first(files, returned):
        item = files[relative]
        by = item.get("by")
        writers = set(by) if isinstance(by, list) else set()
        if writers == {"call"}:
            continue
        writer = (
            "process"
            if "process" in writers
            else "thread"
            if writers - {"call"}
            else ""
        )
        result.add(
            "task.not_written_by_call",
            path=relative,
            name=_function(written),
            writer=WRITER_WORDS[writer],
        )
        break
    return result


def changes_result(written: dict, folder: Path, /, *, returned=None) -> CheckResult:
    """Fail any change to ``folder`` since the listing in ``written``.

    Sizes and contents are compared wherever the folder is (the audit may read
    a copy); inodes and ``mtime_ns`` too when ``folder`` is the very folder
    listed (same inode). The first change is named, the file the function
    ``returned`` first.
    """
    result = task_result("written by the call", str(folder))
    before = _files(written)
    now = listing(folder)
    try:
        same_folder = os.lstat(folder).st_ino == written.get("folder_inode")
    except OSError:
        same_folder = False
    keys = ("kind", "size", "sha256", *(("inode", "mtime_ns") if same_folder else ()))
    for relative in _returned_first({**before, **now}, returned):
        if relative not in now:
            change = "was removed"
        elif relative not in before:
            change = "appeared"
        elif any(before[relative].get(k) != now[relative].get(k) for k in keys):
            change = "was changed"
        else:
            continue
        result.add(
            "task.changed_after_call",
            path=relative,
            name=_function(written),
            change=change,
        )
        break
    return result


monitor.watch(__name__)
