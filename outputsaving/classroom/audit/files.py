"""The saved files re-checked, for :mod:`outputsaving.classroom.audit`.

Every regular file the notebook's run left in its working copy is found by
content and checked with the graders' own ``*_result`` functions (activity 1,
activity 2 and the ImageJ track's ``output/`` folder); see the package's
docstring for the rule.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from outputsaving.files import walk_no_follow
from outputsaving.findings import CheckResult
from outputsaving.grading import activity1, activity2, imagej
from outputsaving.grading.common import failure_message, task_result
from outputsaving.grading.evidence import EVIDENCE_FOLDER
from outputsaving.messages import fill
from outputsaving.sniff import sniff_format

#: Files looked at, at most, per working copy.
MAX_FILES = 200
#: Files larger than this are not opened (the checkers refuse them anyway).
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Settings files re-run, at most, per notebook.
MAX_RERUNS = 3

_IMAGE_FORMATS = frozenset({"tiff", "png", "jpeg", "gif", "bmp", "npy"})
#: Folders of the working copy that hold no output of the notebook's own: the
#: tests' evidence (audited on its own) and JupyterLab's checkpoints.
_NOT_OUTPUTS = frozenset({".ipynb_checkpoints", EVIDENCE_FOLDER})


def saved_files(
    workdir, /, *, exclude: Collection[str] = (), max_files: int = MAX_FILES
) -> tuple[list[Path], bool]:
    """Return the regular files the notebook's run left in ``workdir``.

    Parameters
    ----------
    workdir : str or Path
        The working copy where the notebook ran.
    exclude : collection of str, optional
        More paths, relative to ``workdir`` in POSIX form, to leave out.
    max_files : int, optional
        Stop after this many files.

    Returns
    -------
    files : list of Path
        Sorted (each folder's files by name, then its sub-folders');
        symbolic links, special files, notebooks, ``timestamp.txt`` at the
        top and anything in ``.ipynb_checkpoints`` are left out, and no link
        is followed (:func:`outputsaving.files.walk_no_follow`).
    truncated : bool
        True when there were more than ``max_files`` files.
    """
    excluded = {"timestamp.txt", *exclude}
    files: list[Path] = []
    walk = walk_no_follow(
        workdir, enter=lambda folder: folder.path.name not in _NOT_OUTPUTS
    )
    try:
        for entry in walk:
            if (
                not stat.S_ISREG(entry.info.st_mode)
                or entry.relative.endswith(".ipynb")
                or entry.relative in excluded
            ):
                continue
            if len(files) == max_files:
                return files, True
            files.append(entry.path)
    except OSError:  # no working copy to look in
        pass
    return files, False


@dataclass
class _Files:
    """The saved files of one working copy, with their formats.

    ``unread``: how many more files there were than the audit reads.
    """

    root: Path
    formats: dict[Path, str]
    unread: int = 0

    @classmethod
    def scan(
        cls, workdir: Path, *, exclude: Collection[str], first: Sequence[Path] = ()
    ) -> _Files:
        """The files ``first`` (those the tests judged), then the others."""
        paths, truncated = saved_files(workdir, exclude=exclude, max_files=10**6)
        chosen = list(dict.fromkeys([*first, *paths]))
        unread = max(0, len(chosen) - max(MAX_FILES, len(first)))
        chosen = chosen[: max(MAX_FILES, len(first))]
        formats = {}
        for path in chosen:
            try:
                if path.stat().st_size > MAX_FILE_BYTES:
                    continue
                formats[path] = sniff_format(path)
            except OSError:
                continue
        return cls(Path(workdir), formats, unread + int(truncated))

    def of(self, *kinds: str) -> list[Path]:
        return [path for path, fmt in self.formats.items() if fmt in kinds]

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def _audit_files(
    files: _Files,
    candidates: list[Path],
    check: Callable[[Path], list[CheckResult]],
    *,
    code: str,
    what: str = "",
) -> tuple[bool, str]:
    """Pass when one candidate passes ``check``; else say what came closest."""
    closest: tuple[tuple[bool, int], str, list[CheckResult]] | None = None
    for path in candidates:
        results = check(path)
        if all(result.passed for result in results):
            return True, ""
        # Closest: a file the checker could read, then the fewest errors.
        unreadable = all(result.content is None for result in results)
        rank = (unreadable, sum(len(result.errors) for result in results))
        if closest is None or rank < closest[0]:
            closest = (rank, files.relative(path), results)
    if not files.formats:
        if what:
            return False, fill(code, what=what)
        return False, fill("classroom.audit_no_files")
    text = fill(code, what=what) if what else fill(code)
    if files.unread:
        # Say what was not read, rather than claim that no file passes.
        text = fill(
            "classroom.audit_unread", read=len(files.formats), unread=files.unread
        )
    if closest is not None:
        details = "\n".join(
            failure_message(result) for result in closest[2] if not result.passed
        )
        text += "\n" + fill("classroom.audit_closest", file=closest[1])
        text += "\n" + details
    return False, text


def _settings_check(reruns: list[int]) -> Callable[[Path], list[CheckResult]]:
    """Activity 1's settings check, plus the re-run (in this process)."""

    def check(path: Path) -> list[CheckResult]:
        results = activity1.settings_result(path)
        if not all(result.passed for result in results) or reruns[0] >= MAX_RERUNS:
            return results
        reruns[0] += 1
        rerun = task_result("settings", path)
        labels, reason = activity1.rerun_in_process(path)
        reference = activity1.reference_labels()
        if labels is None:
            rerun.add("activity1.settings_rerun_failed", reason=reason)
        elif not np.array_equal(labels, reference):
            rerun.add(
                "activity1.settings_rerun_differs",
                found=int(labels.max()),
                expected=int(reference.max()),
            )
        return [*results, rerun]

    return check


def _activity1_files(files: _Files) -> dict[str, tuple[bool, str]]:
    images = files.of(*_IMAGE_FORMATS)
    texts = files.of("text")
    return {
        "mask": _audit_files(
            files,
            images,
            activity1.label_mask_result,
            code="classroom.audit_label_mask",
        ),
        "table": _audit_files(
            files, texts, activity1.table_result, code="classroom.audit_table"
        ),
        "rois": _audit_files(
            files,
            files.of("zip", "imagej_roi"),
            activity1.rois_result,
            code="classroom.audit_rois",
        ),
        "settings": _audit_files(
            files, texts, _settings_check([0]), code="classroom.audit_settings"
        ),
    }


def _activity2_files(files: _Files) -> dict[str, tuple[bool, str]]:
    images = files.of(*_IMAGE_FORMATS)

    def mask_format(fmt: str) -> Callable[[Path], list[CheckResult]]:
        return lambda path: activity2.mask_format_result(path, fmt=fmt)

    return {
        "table_csv": _audit_files(
            files,
            files.of("text"),
            activity2.table_csv_result,
            code="classroom.audit_table_csv",
        ),
        "png16": _audit_files(
            files, images, mask_format("png16"), code="classroom.audit_png16"
        ),
        "jpeg": _audit_files(
            files, images, mask_format("jpeg"), code="classroom.audit_jpeg"
        ),
        "colour_png": _audit_files(
            files,
            images,
            mask_format("colour_png"),
            code="classroom.audit_colour_png",
        ),
        "nuclei": _audit_files(
            files,
            images,
            activity2.nuclei_mask_result,
            code="classroom.audit_nuclei_mask",
        ),
    }


def _imagej_files(assignment: str, workdir: Path) -> dict[str, tuple[bool, str]]:
    """The files handed in, in ``output/``, and the edited macro (task 1)."""
    folder = workdir / imagej.OUTPUT_FOLDER
    if folder.is_dir() and not folder.is_symlink():
        files = _Files.scan(folder, exclude=())
    else:
        files = _Files(folder, {})
    activity = 2 if assignment == "activity2_imagej" else 1
    macro = workdir / imagej.MACRO_NAMES[assignment]
    upload = imagej.upload_result(macro, folder, activity=activity)
    audits = {
        "upload": (
            all(r.passed for r in upload),
            "\n".join(failure_message(r) for r in upload if not r.passed),
        )
    }
    for task in _IMAGEJ_TASKS[assignment]:
        audits[task] = _audit_files(
            files,
            files.of(*imagej.CANDIDATE_FORMATS[task]),
            lambda path, task=task: imagej.file_result(task, path),
            code="classroom.audit_imagej_files",
            what=imagej.TASK_WORDS[task],
        )
    return audits


_IMAGEJ_TASKS = {
    "activity1_imagej": ("mask", "table", "rois"),
    "activity2_imagej": ("table_csv", "png16", "jpeg", "colour_png", "nuclei"),
}


def _imagej_flags(assignment: str, workdir: Path, result) -> None:
    """Flag handed-in files that are not the macro's own (see :mod:`.imagej_review`)."""
    from outputsaving.classroom.imagej_review import review_reasons

    for reason in review_reasons(assignment, workdir):
        result.flags.append(f"handed-in files: {reason}")
