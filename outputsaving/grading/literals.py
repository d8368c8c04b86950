"""Answers typed in as plain values: read them without running the cell.

The quiz's answers and activity 2's format judgements are graded from the
source of the cells that set them, not from what the kernel holds (the kernel
runs the learner's code, which could fake a value). :func:`read_answer` is the
one reading of the rule ("one line, a plain value") that both the class
grader's audit and the self-checks use, so that they cannot disagree: the
audit on the notebook's cells, in their order; the self-checks on the kernel's
input history, so that a learner learns before grading that an answer written
as a calculation will not be graded.

What a cell that sets an answer may hold: comments, assignments of literals
(text, True/False, None, numbers, and lists, tuples or sets of them) to plain
names, and lines that only show something: ``print(...)``, ``display(...)``,
a self-check call (``selfcheck.quiz_answer(...)``), a bare name or literal,
IPython's ``!`` shell lines and line magics such as ``%whos`` (IPython's own
transformer turns them into Python first; nothing is run). A ``raise`` ends
the cell, as it ends its run. The answer is the value the last cell that sets
it types in; a later cell that changes it (``Q.append(...)``, ``del Q``)
breaks the rule too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass

from outputsaving import monitor
from outputsaving.findings import CheckResult

__all__ = [
    "MAX_ANSWER_CHARS",
    "AnswerSource",
    "form_result",
    "kernel_answer",
    "literal_answers",
    "python_source",
    "read_answer",
]

#: Source characters of an answer cell parsed, at most.
MAX_ANSWER_CHARS = 20_000
#: Calls that only show a value: allowed around an answer.
_SHOWING = frozenset({"print", "display", "pprint"})
#: Modules whose calls only show something: the course's self-checks.
_SHOWING_MODULES = frozenset({"selfcheck"})
#: Line magics that run code or change variables: not "only showing".
_CODE_MAGICS = frozenset(
    {
        "aimport",
        "autoreload",
        "capture",
        "cpaste",
        "debug",
        "edit",
        "load",
        "load_ext",
        "loadpy",
        "macro",
        "paste",
        "prun",
        "recall",
        "reload_ext",
        "rerun",
        "reset",
        "reset_selective",
        "run",
        "store",
        "time",
        "timeit",
        "xdel",
    }
)
#: Methods that change a list, set or dict in place.
_CHANGING_METHODS = frozenset(
    {
        "add",
        "append",
        "clear",
        "discard",
        "extend",
        "insert",
        "pop",
        "popitem",
        "remove",
        "reverse",
        "setdefault",
        "sort",
        "update",
    }
)
#: Longest code shown in a message.
_CODE_CHARS = 100

_ALLOWED_CONSTANTS = (str, bool, int, float, type(None), type(Ellipsis))


class _NotLiteral(Exception):
    """Not a literal: ``args`` are the words for it and its node (or None)."""


def python_source(source: str, /) -> str:
    """The cell as plain Python: IPython's magics and ``!`` lines rewritten.

    IPython's ``TransformerManager`` rewrites the text only (``%whos``
    becomes ``get_ipython().run_line_magic('whos', '')``); nothing is run.
    Unreadable cells, and cells outside IPython, are returned as they are.
    """
    if len(source) > MAX_ANSWER_CHARS:
        return source
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # an unreadable cell stays as written
        return source


def _ipython_call(node: ast.AST) -> tuple[str, str] | None:
    """``(method, magic)`` of ``get_ipython().method('magic', ...)``, else None."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Call)
        and isinstance(node.func.value.func, ast.Name)
        and node.func.value.func.id == "get_ipython"
    ):
        return None
    first = node.args[0] if node.args else None
    magic = first.value if isinstance(first, ast.Constant) else ""
    return node.func.attr, str(magic).split(" ")[0]


def _describe_node(node: ast.AST) -> str:
    """The learner-facing words for what a non-literal node is."""
    ipython = _ipython_call(node)
    if ipython is not None:
        method, magic = ipython
        if method == "run_line_magic":
            return f"the magic %{magic}"
        if method == "run_cell_magic":
            return f"the cell magic %%{magic}"
        return "a shell command"
    if isinstance(node, ast.Call):
        return "a function call"
    if isinstance(node, ast.Name):
        return f"the name {node.id}"
    if isinstance(node, ast.Import | ast.ImportFrom):
        return "an import"
    if isinstance(node, ast.JoinedStr):
        return "an f-string"
    if isinstance(node, ast.Attribute):
        return "an attribute"
    if isinstance(node, ast.BinOp | ast.BoolOp | ast.Compare | ast.UnaryOp):
        return "a calculation"
    if isinstance(node, ast.AugAssign):
        return "a calculation"
    if isinstance(node, ast.Constant):
        return f"a {type(node.value).__name__} value"
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        return "a function definition"
    if isinstance(node, ast.ClassDef):
        return "a class definition"
    if isinstance(node, ast.For | ast.AsyncFor | ast.While | ast.comprehension):
        return "a loop"
    if isinstance(node, ast.If | ast.IfExp):
        return "an if statement"
    return "code other than a plain value"


def _check_literal(node: ast.AST, statement: ast.AST) -> None:
    if isinstance(node, ast.Constant) and isinstance(node.value, _ALLOWED_CONSTANTS):
        return
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        for item in node.elts:
            _check_literal(item, statement)
        return
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) in (int, float)
    ):
        return
    raise _NotLiteral(_describe_node(node), statement)


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _only_shows(node: ast.AST) -> bool:
    """A line that only shows something: ``print(...)``, a name, ``%whos``..."""
    if isinstance(node, ast.Name):
        return True
    ipython = _ipython_call(node)
    if ipython is not None:
        method, magic = ipython
        return method == "system" or (
            method == "run_line_magic" and magic not in _CODE_MAGICS
        )
    if not isinstance(node, ast.Call):
        return False
    if isinstance(node.func, ast.Name):
        return node.func.id in _SHOWING
    return (
        isinstance(node.func, ast.Attribute)
        and _root_name(node.func) in _SHOWING_MODULES
    )


def _parse(python: str) -> ast.Module | None:
    try:
        return ast.parse(python)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _code(source: str, python: str, node: ast.AST | None) -> str:
    """The learner's line that holds ``node``, as written (magics and all)."""
    if node is None or not hasattr(node, "lineno"):
        return ""
    if source.lstrip().startswith("%%"):  # a cell magic: the cell is its code
        return source.lstrip().splitlines()[0].strip() + " …"
    typed, parsed = source.splitlines(), python.splitlines()
    lines = typed if len(typed) == len(parsed) else parsed
    if not 0 < node.lineno <= len(lines):
        return ""
    text = lines[node.lineno - 1].strip()
    if (node.end_lineno or node.lineno) > node.lineno:
        text += " …"
    return text if len(text) <= _CODE_CHARS else text[: _CODE_CHARS - 1] + "…"


@dataclass(frozen=True)
class _Line:
    """A line number, where a cell is not Python (for :func:`_code`)."""

    lineno: int
    end_lineno: int | None = None


def _read_cell(source: str) -> tuple[dict[str, object], str | None, str]:
    """``(values, problem, code)`` of one cell; see :func:`literal_answers`."""
    if len(source) > MAX_ANSWER_CHARS:
        return {}, "a very long cell", ""
    python = python_source(source)
    try:
        tree = ast.parse(python)
    except SyntaxError as error:
        line = _Line(error.lineno or 0)
        return {}, "code Python cannot read", _code(source, python, line)
    except (ValueError, RecursionError, MemoryError):
        return {}, "code Python cannot read", ""
    values: dict[str, object] = {}
    try:
        for statement in tree.body:
            if isinstance(statement, ast.Raise):
                break
            if isinstance(statement, ast.Pass):
                continue
            if isinstance(statement, ast.Expr):
                if not _only_shows(statement.value):
                    _check_literal(statement.value, statement)
                continue
            if isinstance(statement, ast.Assign):
                targets = statement.targets
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                targets = [statement.target]
            else:
                raise _NotLiteral(_describe_node(statement), statement)
            for target in targets:
                if not isinstance(target, ast.Name):
                    raise _NotLiteral(_describe_node(target), statement)
            _check_literal(statement.value, statement)
            value = ast.literal_eval(statement.value)
            for target in targets:
                values[target.id] = value
    except _NotLiteral as error:
        return {}, str(error.args[0]), _code(source, python, error.args[1])
    except (ValueError, TypeError, RecursionError, MemoryError):
        return {}, "code other than a plain value", ""
    return values, None, ""


def literal_answers(source: str, /) -> tuple[dict[str, object], str | None]:
    """Read the literal values a cell assigns, without running it.

    Parameters
    ----------
    source : str
        The code of an answer cell (IPython's magics and ``!`` lines too).

    Returns
    -------
    values : dict
        Name -> value of each plain ``NAME = literal`` (also annotated) up to
        the first ``raise``, which ends the cell as it would end its run;
        the last assignment of a name wins.
    problem : str or None
        None when the cell holds only such assignments (and comments,
        ``pass``, bare literals and lines that only show something); else
        learner-facing words for the first thing that is not, such as
        ``"a function call"``. ``values`` is then empty: a cell that computes
        anything scores nothing.
    """
    values, problem, _ = _read_cell(source)
    return values, problem


# -- one answer, over the cells that ran ---------------------------------------------


@dataclass(frozen=True)
class AnswerSource:
    """What the cells say about one answer, read without running them.

    Attributes
    ----------
    name : str
        The answer variable, such as ``"Q1_OUTPUT_TYPES"``.
    is_set : bool
        Whether a cell sets it to a plain value (then ``value`` is it).
    value : object
        The value typed in, when ``is_set``.
    found : str or None
        The rule broken by the cell that sets it, such as ``"a function
        call"``; None when it holds plain values only.
    code : str
        The line that breaks the rule (or changes the answer later), as typed.
    changed : bool
        Whether a later cell changes the answer (``code`` says how).
    """

    name: str
    is_set: bool = False
    value: object = None
    found: str | None = None
    code: str = ""
    changed: bool = False


def _scopes(tree: ast.AST):
    """The nodes of ``tree`` outside functions, classes and lambdas' bodies."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
        ):
            stack.extend(ast.iter_child_nodes(node))


def _runs_code(node: ast.AST) -> bool:
    """A magic that runs the code it is given (``%time``, ``%%capture``)."""
    ipython = _ipython_call(node)
    if ipython is None:
        return False
    method, magic = ipython
    return method == "run_cell_magic" or (
        method == "run_line_magic" and magic in _CODE_MAGICS
    )


def _stores(tree: ast.AST, name: str) -> bool:
    """Whether ``tree`` sets ``name``, also as the code a magic runs (``%time``)."""
    word = re.compile(rf"\b{re.escape(name)}\b")
    for node in _scopes(tree):
        if isinstance(node, ast.Name) and node.id == name:
            if isinstance(node.ctx, ast.Store):
                return True
        elif _runs_code(node) and any(
            isinstance(arg, ast.Constant)
            and isinstance(arg.value, str)
            and word.search(arg.value)
            for arg in node.args[1:]
        ):
            return True
    return False


def _on_name(node: ast.AST, name: str) -> bool:
    """``name.attribute`` or ``name[...]``."""
    return (
        isinstance(node, ast.Attribute | ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id == name
    )


def _change(tree: ast.AST, name: str) -> ast.AST | None:
    """The first statement that changes ``name`` in place, or deletes it."""
    found = []
    for node in _scopes(tree):
        if isinstance(node, ast.Name) and node.id == name:
            if isinstance(node.ctx, ast.Del):
                found.append(node)
        elif _on_name(node, name) and (
            isinstance(node.ctx, ast.Store | ast.Del)
            or (isinstance(node, ast.Attribute) and node.attr in _CHANGING_METHODS)
        ):
            found.append(node)
    return min(found, key=lambda n: (n.lineno, n.col_offset), default=None)


def read_answer(
    name: str, cells: Sequence[str], /, *, answer_cell: int | None = None
) -> AnswerSource:
    """Read the answer ``name`` from the cells that ran, without running them.

    Parameters
    ----------
    name : str
        The answer variable.
    cells : sequence of str
        The source of each cell, in the order they run: the notebook's cells
        the learner can edit (the grader), or the kernel's input history (the
        self-checks).
    answer_cell : int, optional
        The index of the answer cell, judged when no cell sets ``name``.

    Returns
    -------
    AnswerSource
        The value the last cell that sets ``name`` types in, or what in that
        cell breaks the rule; or the first change a later cell makes.
    """
    python = [python_source(source) for source in cells]
    trees = [_parse(text) for text in python]
    setter = None
    for index, (source, tree) in enumerate(zip(cells, trees, strict=True)):
        if (tree is None and name in source) or (
            tree is not None and _stores(tree, name)
        ):
            setter = index
    if setter is None:
        if answer_cell is None:
            return AnswerSource(name)
        _, found, code = _read_cell(cells[answer_cell])
        return AnswerSource(name, found=found, code=code)
    values, found, code = _read_cell(cells[setter])
    if found is not None:
        return AnswerSource(name, found=found, code=code)
    for index in range(setter + 1, len(cells)):
        tree = trees[index]
        node = None if tree is None else _change(tree, name)
        if node is not None:
            code = _code(cells[index], python[index], node)
            return AnswerSource(name, is_set=name in values, code=code, changed=True)
    if name not in values:
        return AnswerSource(name)
    return AnswerSource(name, is_set=True, value=values[name])


def form_result(answer: AnswerSource, /) -> CheckResult:
    """The finding that keeps ``answer`` from being graded, the same everywhere.

    Returns
    -------
    CheckResult
        Kind ``"literal"``; passes when a cell sets the answer to a plain
        value and no later cell changes it. The self-checks print it, and the
        class grader gives it as the feedback of every test of the answer.
    """
    result = CheckResult(kind="literal", path=answer.name)
    if answer.found is not None and answer.code:
        result.add(
            "literals.not_literal",
            name=answer.name,
            found=answer.found,
            code=answer.code,
        )
    elif answer.found is not None:
        result.add("classroom.audit_not_literal", name=answer.name, found=answer.found)
    elif answer.changed:
        result.add("literals.changed", name=answer.name, code=answer.code)
    elif not answer.is_set:
        result.add("literals.not_set", name=answer.name)
    return result


def kernel_answer(name: str, /) -> AnswerSource | None:
    """:func:`read_answer` on the kernel's input history, the running cell too.

    None outside IPython.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return None
    shell = get_ipython()
    if shell is None:
        return None
    manager = getattr(shell, "history_manager", None)
    history = getattr(manager, "input_hist_raw", None)
    if not isinstance(history, list):
        history = getattr(shell, "user_ns", {}).get("_ih")
    if not isinstance(history, list):
        return None
    return read_answer(name, [s for s in history if isinstance(s, str)])


monitor.watch(__name__)
