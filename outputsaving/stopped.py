"""One course line for a learner's function that raised in a given cell.

The notebooks' given cells call the learner's functions inside ``try``; when
one raises, :func:`stopped` prints what happened in one message (the
function, the exception, the learner's line that raised it) and returns
``None``, which the cell stores in its result variable: Run All goes on, and
the later cells say that the task is not done yet instead of raising a
``NameError``::

    try:
        label_mask_path = save_label_mask(labels, OUTPUT_DIR)
        print("Saved", label_mask_path)
    except Exception as error:
        label_mask_path = selfcheck.stopped("save_label_mask", error)

The kernel remembers that call (:func:`last_stop`) until its cell runs again,
so the test and the self-check of the task say that the call stopped, and
where, rather than that the task is not done yet.
"""

from __future__ import annotations

import io
import linecache
import os
import sys
import textwrap
import tokenize
import warnings

from outputsaving.messages import fill

__all__ = ["WIDTH", "last_stop", "stopped", "wrapped"]

# roifile appending to a zip that exists warns once per repeated entry, in
# zipfile's words ("Duplicate name: '1.roi'", six lines for six ROIs, under the
# given cell that called save_rois): the ROI self-check says it once, in the
# course's words. The notebooks import this module with the self-checks.
warnings.filterwarnings(
    "ignore", message="Duplicate name", category=UserWarning, module="zipfile"
)

#: Width of a printed course line: JupyterLab breaks longer lines mid-word.
WIDTH = 88
#: The most characters of an exception's text a course line quotes.
ERROR_CHARS = 160


def wrapped(text: str, /, *, indent: str = "", hanging: str | None = None) -> str:
    """``text`` wrapped at word boundaries to :data:`WIDTH`, paragraph by paragraph.

    The first line starts with ``indent``; the lines after it with
    ``hanging`` (by default, two spaces more than ``indent``), so that a
    wrapped message still reads as one item.
    """
    hanging = indent + "  " if hanging is None else hanging
    lines = []
    for paragraph in text.splitlines() or [""]:
        lines += textwrap.wrap(
            paragraph,
            WIDTH,
            initial_indent=indent,
            subsequent_indent=hanging,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [indent]
    return "\n".join(lines)


def _error_text(error: BaseException) -> str:
    """``FileNotFoundError: [Errno 2] No such file ...``, on one short line.

    A path inside the notebook's folder is shown from there (a long absolute
    path cannot be wrapped at word boundaries, and says nothing more).
    """
    text = " ".join(str(error).split()).rstrip(":")
    text = text.replace(os.path.join(os.getcwd(), ""), "")
    if len(text) > ERROR_CHARS:
        text = text[: ERROR_CHARS - 3].rstrip() + "..."
    name = type(error).__name__
    return f"{name}: {text}" if text else name


def _learner_line(function, error: BaseException) -> tuple[int, str] | None:
    """The deepest line of the traceback in ``function``'s own cell (or file)."""
    code = getattr(function, "__code__", None)
    if code is None:
        return None
    found = None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == code.co_filename:
            found = tb
        tb = tb.tb_next
    if found is None:
        return None
    line = _without_comment(linecache.getline(code.co_filename, found.tb_lineno))
    return (found.tb_lineno, line) if line else None


def _without_comment(line: str) -> str:
    """A line of code without its comment and outer spaces."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line.strip()).readline))
    except (tokenize.TokenError, SyntaxError):
        return line.strip()
    comments = [token.start[1] for token in tokens if token.type == tokenize.COMMENT]
    return line.strip()[: comments[0]].rstrip() if comments else line.strip()


#: The learner's functions whose last call in a given cell raised: name -> (the
#: error and where, for a message; the calling cell's source, while it is known).
_STOPS: dict[str, tuple[dict[str, str], str | None]] = {}
#: The source of the cell the kernel runs now (IPython only).
_cell: str | None = None


def _cell_starts(info) -> None:
    """IPython's ``pre_run_cell``: a cell that stopped a call runs again."""
    global _cell
    _cell = info.raw_cell
    for name, (_, cell) in list(_STOPS.items()):
        if cell is not None and cell == _cell:
            del _STOPS[name]


def _watch_cells() -> None:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and _cell_starts not in shell.events.callbacks.get(
        "pre_run_cell", []
    ):
        shell.events.register("pre_run_cell", _cell_starts)


_watch_cells()


def last_stop(name: str, /) -> dict[str, str] | None:
    """How the last call of ``name`` in a given cell stopped, if it did.

    ``{"error": "FileNotFoundError: ...", "where": ", in its line 4: ..."}``
    (``where`` empty when the line is not known), or None when that call
    did not raise, or its cell ran again since.
    """
    stop = _STOPS.get(name)
    return dict(stop[0]) if stop is not None else None


def stopped(function, error: BaseException, /) -> None:
    """Print one course line on ``function`` having raised ``error``; return None.

    Parameters
    ----------
    function : str or callable
        The learner's function the given cell called, or its name, looked up
        among the notebook's names (``__main__``; a name still works when the
        learner renamed or never defined the function).
    error : BaseException
        What the call raised.

    Returns
    -------
    None
        For the cell's result variable: later cells say the task is not done.
    """
    name = function if isinstance(function, str) else function.__name__
    if isinstance(function, str):
        function = vars(sys.modules["__main__"]).get(name)  # the notebook's names
    message = _message(name, function, error)
    print(wrapped(message))
    where = _learner_line(function, error) if function is not None else None
    found = {
        "error": _error_text(error),
        "where": f", in its line {where[0]}: {where[1]}" if where else "",
    }
    if not (isinstance(error, NameError) and _raised_by_the_caller(error)):
        _STOPS[name] = (found, _cell)  # the function ran, and raised
    return None


def _message(name: str, function, error: BaseException) -> str:
    unset = getattr(error, "name", None) if isinstance(error, NameError) else None
    if unset is not None and _raised_by_the_caller(error):
        # The call never ran: a name it needs (or the function) is not defined.
        if unset == name:
            return fill("given.function_not_defined", function=name)
        return fill("given.not_defined", name=unset, function=name)
    where = _learner_line(function, error) if function is not None else None
    if where is None:
        return fill("given.stopped", function=name, error=_error_text(error))
    line, code = where
    return fill(
        "given.stopped_at",
        function=name,
        error=_error_text(error),
        line=line,
        code=code,
    )


def _raised_by_the_caller(error: BaseException) -> bool:
    """The error's traceback has one frame: the given cell's own line."""
    tb = error.__traceback__
    return tb is not None and tb.tb_next is None
