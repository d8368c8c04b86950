"""The saved files re-checked, for :mod:`outputsaving.classroom.audit`.

Every regular file the notebook's run left in its working copy (or in the
folder its assignment hands in) is found by content and checked with the
check each task declares (:class:`outputsaving.grading.tasks.FileCheck`: the
graders' own ``*_result`` functions); see the package's docstring for the
rule.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from outputsaving.files import walk_no_follow
from outputsaving.findings import CheckResult
from outputsaving.grading.common import failure_message
from outputsaving.grading.evidence import EVIDENCE_FOLDER
from outputsaving.grading.tasks import FolderCheck, Task
from outputsaving.messages import fill
from outputsaving.sniff import sniff_format

#: Files looked at, at most, per working copy.
MAX_FILES = 200
#: Files larger than this are not opened (the checkers refuse them anyway).
MAX_FILE_BYTES = 50 * 1024 * 1024
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


def _audit_task_files(
    tasks: Sequence[Task], files: _Files, workdir: Path
) -> list[tuple[bool, str]]:
    """``(passed, message)`` of each task's declared file check, in order."""
    audits = []
    for task in tasks:
        check = task.files
        if isinstance(check, FolderCheck):
            results = check.check(workdir)
            audits.append(
                (
                    all(r.passed for r in results),
                    "\n".join(failure_message(r) for r in results if not r.passed),
                )
            )
            continue
        audits.append(
            _audit_files(
                files,
                files.of(*check.formats),
                check.check() if check.per_audit else check.check,
                code=check.message,
                what=check.what,
            )
        )
    return audits


def _review_flags(assignment: str, workdir: Path, result) -> None:
    """Flag handed-in files that are not the program's own (see
    :mod:`outputsaving.classroom.imagej_review`)."""
    from outputsaving.classroom.imagej_review import review_reasons

    for reason in review_reasons(assignment, workdir):
        result.flags.append(f"handed-in files: {reason}")
