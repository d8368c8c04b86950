"""Answers typed in as plain values: read them without running the cell.

The quiz's answers and activity 2's format judgements are graded from the
answer cell's *source*, not from what the kernel holds (the kernel runs the
learner's code, which could fake a value): :func:`literal_answers` reads the
values the cell assigns, and says what else it holds. The class grader's
audit grades with it; the self-checks use it too, on the kernel's input
history, so that a learner learns before grading that an answer written as a
calculation will not be graded.

What an answer cell may hold: comments, assignments of literals (text,
True/False, None, numbers, and lists, tuples or sets of them) to plain names,
and lines that only show a value (``print(...)``, ``display(...)``, a bare
name or literal). A ``raise`` ends the cell, as it ends its run.
"""

from __future__ import annotations

import ast

from outputsaving.grading import monitor

__all__ = ["MAX_ANSWER_CHARS", "answer_cell_problem", "literal_answers"]

#: Source characters of an answer cell parsed, at most.
MAX_ANSWER_CHARS = 20_000
#: Calls that only show a value: allowed around an answer.
_SHOWING = frozenset({"print", "display", "pprint"})

_ALLOWED_CONSTANTS = (str, bool, int, float, type(None), type(Ellipsis))


class _NotLiteral(Exception):
    """A statement or value that is not a literal; ``args[0]`` says what it is."""


def _describe_node(node: ast.AST) -> str:
    """The learner-facing words for what a non-literal node is."""
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
    if isinstance(node, ast.Constant):
        return f"a {type(node.value).__name__} value"
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        return "a function definition"
    if isinstance(node, ast.For | ast.AsyncFor | ast.While | ast.comprehension):
        return "a loop"
    if isinstance(node, ast.If | ast.IfExp):
        return "an if statement"
    return "code other than a plain value"


def _check_literal(node: ast.AST) -> None:
    if isinstance(node, ast.Constant) and isinstance(node.value, _ALLOWED_CONSTANTS):
        return
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        for item in node.elts:
            _check_literal(item)
        return
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) in (int, float)
    ):
        return
    raise _NotLiteral(_describe_node(node))


def _only_shows(node: ast.AST) -> bool:
    """A line that only shows a value: ``print(...)``, ``display(...)``, a name."""
    if isinstance(node, ast.Name):
        return True
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _SHOWING
    )


def _is_stub_raise(node: ast.stmt) -> bool:
    return isinstance(node, ast.Raise)


def literal_answers(source: str, /) -> tuple[dict[str, object], str | None]:
    """Read the literal values a cell assigns, without running it.

    Parameters
    ----------
    source : str
        The code of an answer cell.

    Returns
    -------
    values : dict
        Name -> value of each plain ``NAME = literal`` (also annotated) up to
        the first ``raise``, which ends the cell as it would end its run;
        the last assignment of a name wins.
    problem : str or None
        None when the cell holds only such assignments (and comments,
        ``pass`` or bare literals); else learner-facing words for the first
        thing that is not, such as ``"a function call"``. ``values`` is then
        empty: a cell that computes anything scores nothing.
    """
    if len(source) > MAX_ANSWER_CHARS:
        return {}, "a very long cell"
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}, "code Python cannot read"
    values: dict[str, object] = {}
    try:
        for statement in tree.body:
            if _is_stub_raise(statement):
                break
            if isinstance(statement, ast.Pass):
                continue
            if isinstance(statement, ast.Expr):
                if not _only_shows(statement.value):
                    _check_literal(statement.value)
                continue
            if isinstance(statement, ast.Assign):
                targets = statement.targets
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                targets = [statement.target]
            else:
                raise _NotLiteral(_describe_node(statement))
            for target in targets:
                if not isinstance(target, ast.Name):
                    raise _NotLiteral(_describe_node(target))
            _check_literal(statement.value)
            value = ast.literal_eval(statement.value)
            for target in targets:
                values[target.id] = value
    except _NotLiteral as error:
        return {}, str(error.args[0])
    except (ValueError, TypeError, RecursionError, MemoryError):
        return {}, "code other than a plain value"
    return values, None


def _assigns(source: str, name: str) -> bool:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return any(
        isinstance(node, ast.Name)
        and node.id == name
        and isinstance(node.ctx, ast.Store)
        for node in ast.walk(tree)
    )


def answer_cell_problem(name: str, /) -> str | None:
    """What keeps the kernel's answer cell for ``name`` from being graded.

    Looks in the IPython input history for the last cell that assigns
    ``name`` (the self-check's own cell aside) and returns what
    :func:`literal_answers` finds in it, such as ``"a function call"``; None
    when the cell is plain values, or outside IPython.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return None
    shell = get_ipython()
    history = getattr(shell, "user_ns", {}).get("_ih") if shell is not None else None
    if not isinstance(history, list):
        return None
    for source in reversed(history[:-1]):
        if isinstance(source, str) and _assigns(source, name):
            return literal_answers(source)[1]
    return None


monitor.watch(__name__)
