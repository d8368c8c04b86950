"""Pieces shared by the graders of every assignment.

- :func:`call_learner_function` calls a learner's function and turns any
  exception into a learner-facing :class:`AssertionError`.
- :func:`assert_passes` turns a :class:`~outputsaving.findings.CheckResult`
  that did not pass into an :class:`AssertionError` whose message is the
  findings, never a traceback of the checker's internals.

Frames of these helpers set ``__tracebackhide__`` so that IPython (and so
nbgrader's feedback) shows the test cell's line and the message, not how the
grader works.
"""

from __future__ import annotations

import functools
import linecache
import os
import textwrap
import warnings
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from outputsaving import monitor
from outputsaving.datasets import RANDOM_SHAPES, data_path
from outputsaving.findings import CheckResult
from outputsaving.messages import fill
from outputsaving.sniff import FORMAT_NAMES, sniff_format

if TYPE_CHECKING:
    import numpy as np

_PACKAGE = Path(__file__).resolve().parents[1]

__all__ = [
    "INPUT_NAME",
    "MAX_SIZE",
    "MIN_SIZE",
    "as_learner_path",
    "assert_each_passes",
    "assert_passes",
    "call_learner_function",
    "expect_format",
    "failure_lines",
    "failure_message",
    "is_inside",
    "mode_words",
    "task_result",
]


def task_result(kind: str, path="") -> CheckResult:
    """Return an empty :class:`CheckResult` for task-level findings.

    Parameters
    ----------
    kind : str
        What is checked, in words, such as ``"output folder"``.
    path : str or Path, optional
        The file or folder checked, if any.
    """
    return CheckResult(kind=kind, path=str(path))


def failure_message(result: CheckResult, /) -> str:
    """Return the learner-facing text of a result: errors first, then notes."""
    lines = [finding.message for finding in result.errors]
    lines += [fill("selfcheck.note", text=finding.message) for finding in result.notes]
    return "\n".join(lines)


def assert_passes(*results: CheckResult) -> None:
    """Raise :class:`AssertionError` unless every result passed.

    The message lists the findings of the results that did not pass, in the
    words of :mod:`outputsaving.messages`.
    """
    __tracebackhide__ = True
    failed = [result for result in results if not result.passed]
    if failed:
        message = "\n".join(failure_message(result) for result in failed)
        _show_failures_plainly()
        raise AssertionError(message) from None


def assert_each_passes(groups: dict[str, list[CheckResult]], /) -> None:
    """:func:`assert_passes` for several files at once, each named.

    ``groups`` maps what each file is, in words (``"colour PNG"``), to its
    results; each file's findings come after its name ("Your colour PNG: ..."),
    so that a message about one of several files says which.
    """
    __tracebackhide__ = True
    parts = [
        fill(
            "grading.about_file",
            what=what,
            text="\n".join(failure_message(r) for r in results if not r.passed),
        )
        for what, results in groups.items()
        if not all(result.passed for result in results)
    ]
    if parts:
        _show_failures_plainly()
        raise AssertionError("\n".join(parts)) from None


#: Width of the lines of a failed test's output: nbgrader's Validate prints
#: lines up to 87 characters, indented by 4, and JupyterLab's Validate dialog
#: does not wrap them.
FAILURE_WIDTH = 78


def failure_lines(message: str, /) -> list[str]:
    """A course message as a failed test shows it: whole, wrapped, nothing else."""
    lines = []
    for paragraph in message.splitlines():
        lines += textwrap.wrap(paragraph, FAILURE_WIDTH, subsequent_indent="  ") or [""]
    return lines


def _raised_here(tb) -> bool:
    while tb.tb_next is not None:
        tb = tb.tb_next
    return Path(tb.tb_frame.f_code.co_filename).resolve().is_relative_to(_PACKAGE)


def _unset_name(value, tb) -> str | None:
    """The variable a course line needs and the notebook has not set, or None.

    That is a :class:`NameError` raised by a line of a released test or
    self-check cell itself (not inside a function it called): the cell that
    sets the variable has not run, or stopped with an error.
    """
    name = getattr(value, "name", None)
    if not isinstance(name, str) or tb is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    if code.co_name != "<module>":
        return None
    line = linecache.getline(code.co_filename, tb.tb_lineno)
    return name if line and monitor.line_key(line) in monitor.RELEASED_LINES else None


def _show_failure(shell, etype, value, tb, tb_offset=None):
    """IPython's handler for a course test's errors: the learner reads a message.

    A course test's AssertionError shows its message first and whole, wrapped
    to :data:`FAILURE_WIDTH`, with no frame of the grading code (which the
    learner needs not read). A test or self-check that needs a variable the
    notebook has not set says which, and what to run or fix first. Any other
    error (a learner's own ``assert``, say) keeps IPython's traceback.
    """
    if issubclass(etype, NameError) and (name := _unset_name(value, tb)):
        message = fill("task.variable_not_set", name=name)
        return shell._showtraceback(etype, value, failure_lines(message))
    if not issubclass(etype, AssertionError) or not _raised_here(tb):
        return shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    return shell._showtraceback(etype, value, failure_lines(str(value)))


def _show_failures_plainly(shell=None) -> None:
    """Install :func:`_show_failure` in this IPython kernel, once.

    It is installed when this module is imported into a kernel, and by
    IPython itself where the module was imported before the kernel's shell
    existed (a kernel forked from a process that pre-imported it, as the class
    grader's fork server does: see :func:`load_ipython_extension`).
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython comes with Jupyter
            return
        shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return
    if AssertionError not in getattr(shell, "custom_exceptions", ()):
        shell.set_custom_exc((AssertionError, NameError), _show_failure)


def call_learner_function(function, /, *args, name: str | None = None):
    """Call a learner's function; turn an exception into a learner message.

    Parameters
    ----------
    function : callable
        The learner's function.
    *args
        Its arguments.
    name : str, optional
        The function's name for messages; its ``__name__`` by default.

    Returns
    -------
    object
        What the function returned.

    Raises
    ------
    AssertionError
        With ``task.not_implemented`` when the function still raises
        :class:`NotImplementedError`, ``task.not_callable`` when it is not a
        function, or ``task.function_failed`` for any other exception.
    """
    __tracebackhide__ = True
    name = name or getattr(function, "__name__", "your function")
    result = task_result("function", name)
    if not callable(function):
        result.add("task.not_callable", name=name, found=type(function).__name__)
        assert_passes(result)
    try:
        # A library's warnings (zipfile's "Duplicate name", say) name the
        # grader's Python install; the checks that follow say what is wrong.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return function(*args)
    except NotImplementedError:
        result.add("task.not_implemented", name=name)
    except ModuleNotFoundError as error:
        if error.name in EXCEL_WRITERS:
            # pandas' to_excel without its writer: the file is not text anyway.
            result.add("task.excel_workbook", name=name, module=error.name)
        else:
            _function_failed(result, error, name)
    except Exception as error:
        _function_failed(result, error, name)
    assert_passes(result)
    return None


#: The packages pandas writes Excel workbooks with (none is a course dependency).
EXCEL_WRITERS = frozenset({"openpyxl", "xlsxwriter", "xlwt"})


def _function_failed(result: CheckResult, error: Exception, name: str) -> None:
    """Add ``task.function_failed``: the error's type and its first line."""
    detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
    result.add(
        "task.function_failed",
        name=name,
        error=type(error).__name__,
        detail=f": {detail}" if detail else "",
    )


def as_learner_path(result: CheckResult, value, /, *, name: str) -> Path | None:
    """Return ``value`` as a Path, or add ``task.not_a_path`` and return None.

    Learners' save functions return the path of the file they wrote; a string
    is accepted as well as a :class:`pathlib.Path`.
    """
    if isinstance(value, (str, PurePath)) and str(value):
        return Path(value)
    if value is None:  # the placeholder of a function not written yet
        from outputsaving.stopped import last_stop

        stop = last_stop(name)  # or a given cell's call of it raised
        if stop is not None:
            result.add("task.call_stopped", name=name, **stop)
        else:
            result.add("task.not_done", name=name)
        return None
    result.add("task.not_a_path", name=name, found=f"a {type(value).__name__}")
    return None


def is_inside(path: Path, folder: Path) -> bool:
    """True when ``path`` (resolved) lies inside ``folder`` (resolved)."""
    try:
        path.resolve().relative_to(folder.resolve())
    except (OSError, ValueError):
        return False
    return True


def saved_file(result: CheckResult, value, output_dir, /, *, name: str) -> Path | None:
    """The path a learner's save function returned, if it is a file in ``output_dir``.

    Adds a finding to ``result`` and returns None when ``value`` is not a path
    or names no file; a file outside ``output_dir`` is named too, but returned.
    """
    path = as_learner_path(result, value, name=name)
    if path is None:
        return None
    if path.is_dir():
        _folder_returned(result, path)
        return None
    if not path.is_file():
        result.add("file.missing", path=path)
        return None
    if output_dir is not None and not is_inside(path, Path(output_dir)):
        if "\\" in path.name and os.sep == "/":
            # "folder\\name" is one name here: the grader's folder is not shown.
            tail = "\\" + path.name.rsplit("\\", 1)[-1]
            result.add("task.path_backslash", name=name, tail=tail)
        else:
            result.add(
                "task.outside_output_dir", name=name, path=path, folder=output_dir
            )
    return path


def _folder_returned(result: CheckResult, path: Path) -> None:
    """Say that ``path`` is a folder, and what it holds."""
    try:
        names = sorted(entry.name for entry in path.iterdir())
    except OSError:
        names = []
    rois = [name for name in names if name.lower().endswith(".roi")]
    if rois:
        count = len(rois)
        words = f"{count} .roi file{'s' if count != 1 else ''}"
        result.add("file.folder_of_rois", path=path, rois=words)
        return
    holds = f"{len(names)} entries" if len(names) != 1 else "1 entry"
    result.add("file.is_folder", path=path, holds=holds if names else "nothing")


def load_ipython_extension(shell) -> None:
    """IPython's hook (``IPKernelApp.extensions``): show failures plainly."""
    _show_failures_plainly(shell)


_show_failures_plainly()


def expect_format(result: CheckResult, path: Path, expected: str) -> bool:
    """Add a finding and return False when ``path`` is not of format ``expected``."""
    found = sniff_format(path)
    if found == expected:
        return True
    result.add(
        "activity2.wrong_format",
        found=FORMAT_NAMES.get(found, found),
        expected=FORMAT_NAMES[expected],
    )
    return False


def mode_words(mode: str) -> str:
    words = {
        "1": "1-bit black and white",
        "L": "8-bit greyscale",
        "LA": "8-bit greyscale with transparency",
        "I": "32-bit integer",
        "F": "32-bit float",
        "P": "8-bit indexed colour",
        "RGB": "RGB colour",
        "RGBA": "RGBA colour",
    }
    return words.get(mode, "16-bit greyscale" if mode.startswith("I;16") else mode)


# -- activity 1's reference, shared by its tests on the reference data and on
# unseen data (:mod:`~outputsaving.grading.activity1`,
# :mod:`~outputsaving.grading.activity1_unseen`) --------------------------------

#: The input image and size limits of activity 1 (the ImageJ template's).
INPUT_NAME = RANDOM_SHAPES
MIN_SIZE = 0
MAX_SIZE = 1000


@functools.cache
def _reference() -> np.ndarray:
    # Imported here: the quiz's and the ImageJ activities' kernels import this
    # module and need neither.
    import tifffile

    from outputsaving.analysis import segment_shapes

    image = tifffile.imread(data_path(INPUT_NAME))
    labels = segment_shapes(image, min_size=MIN_SIZE, max_size=MAX_SIZE)
    labels.flags.writeable = False
    return labels


def _check_numbering(result: CheckResult, labels, reference: np.ndarray) -> None:
    """The mask's label k is the table's row k and the ROI named k (same objects)."""
    import numpy as np

    if not isinstance(labels, np.ndarray) or labels.shape != reference.shape:
        return
    differs = (reference > 0) & (labels != reference)
    if differs.any():
        where = np.argwhere(differs)[0]
        result.add(
            "activity1.mask_renumbered",
            expected=int(reference[tuple(where)]),
            found=int(labels[tuple(where)]),
        )


monitor.watch(__name__)
