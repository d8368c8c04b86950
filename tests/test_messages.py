"""Message templates are filled one way: outputsaving.messages.fill.

The catalogue (:data:`outputsaving.messages.MESSAGES`) holds every template;
:func:`outputsaving.messages.fill` fills them (with the ``{n:one/many}``
agreement that ``str.format`` lacks). These tests read the package's source:
no module formats a template itself, takes a template's text out of the
catalogue to fill it, or wraps ``fill`` in a function of its own.
"""

from __future__ import annotations

import ast
import importlib
import itertools
import pkgutil
from pathlib import Path

import pytest

from outputsaving import messages
from outputsaving.classroom.platform import grading_platform_problem
from outputsaving.messages import MESSAGES, fill

PACKAGE = Path(__file__).resolve().parents[1] / "outputsaving"

#: Modules that still fill templates their own way, until they are split
#: (outputsaving/classroom/engine.py: ``_message``; report.py:
#: ``MESSAGES[code][1].format(...)`` in ``task_name`` and ``mistake_label``).
PENDING = {"classroom/engine.py", "classroom/report.py"}


def _modules() -> list[tuple[str, ast.Module]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name != "messages/__init__.py" and name not in PENDING:
            found.append((name, ast.parse(path.read_text(encoding="utf-8"))))
    return found


MODULES = _modules()


def _format_call(node: ast.AST) -> bool:
    """``anything.format(...)`` or ``anything.format_map(...)``."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("format", "format_map")
    )


def _template_taken(node: ast.AST) -> bool:
    """``MESSAGES[code][1]`` (a severity, ``MESSAGES[code][0]``, is fine)."""
    return (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Subscript)
        and isinstance(node.value.value, ast.Name)
        and node.value.value.id == "MESSAGES"
        and not (isinstance(node.slice, ast.Constant) and node.slice.value == 0)
    )


@pytest.mark.parametrize(("name", "tree"), MODULES, ids=[name for name, _ in MODULES])
@pytest.mark.parametrize("way", [_format_call, _template_taken])
def test_no_module_fills_a_template_itself(name, tree, way):
    lines = [node.lineno for node in ast.walk(tree) if way(node)]
    assert lines == [], f"{name}: {way.__doc__} at lines {lines}; use messages.fill"


def _forwards_to_fill(function: ast.FunctionDef) -> bool:
    """True for ``def f(code, **values): return fill(code, **values)``."""
    body = function.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
    ):
        body = body[1:]  # the docstring
    if len(body) != 1 or not isinstance(body[0], ast.Return):
        return False
    call = body[0].value
    parameters = [*function.args.posonlyargs, *function.args.args]
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "fill"
        and bool(parameters)
        and function.args.kwarg is not None
        and [ast.dump(arg) for arg in call.args]
        == [ast.dump(ast.Name(parameters[0].arg, ast.Load()))]
        and any(
            keyword.arg is None
            and isinstance(keyword.value, ast.Name)
            and keyword.value.id == function.args.kwarg.arg
            for keyword in call.keywords
        )
    )


@pytest.mark.parametrize(("name", "tree"), MODULES, ids=[name for name, _ in MODULES])
def test_no_module_wraps_fill_in_a_function_of_its_own(name, tree):
    wrappers = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and _forwards_to_fill(node)
    ]
    assert wrappers == [], f"{name}: {wrappers} only call fill; call fill itself"


@pytest.mark.parametrize(
    ("platform", "words"), [("darwin", "macOS"), ("win32", "Windows")]
)
def test_the_platform_message_comes_from_the_catalogue(platform, words):
    problem = grading_platform_problem(platform)
    assert problem == fill("classroom.unsupported_platform", platform=words)
    assert f"this is {words}." in problem
    assert "classroom.unsupported_platform" in MESSAGES


def _parts() -> dict[str, dict[str, tuple[str, str]]]:
    """Each submodule of ``outputsaving.messages`` that holds templates."""
    parts = {}
    for info in pkgutil.iter_modules(messages.__path__):
        module = importlib.import_module(f"{messages.__name__}.{info.name}")
        if hasattr(module, "MESSAGES"):
            parts[info.name] = module.MESSAGES
    return parts


def test_no_code_is_defined_in_two_parts_of_the_catalogue():
    parts = _parts()
    assert {"checks", "grading", "selfcheck", "classroom"} <= set(parts)
    for (one, first), (other, second) in itertools.combinations(parts.items(), 2):
        twice = sorted(first.keys() & second.keys())
        assert twice == [], f"{twice} defined in both messages.{one} and .{other}"


def test_the_catalogue_is_its_parts_and_nothing_else():
    parts = _parts()
    assert sum(len(part) for part in parts.values()) == len(MESSAGES)
    assert {code: entry for part in parts.values() for code, entry in part.items()} == (
        MESSAGES
    )


def test_a_code_defined_twice_stops_the_catalogue():
    one = {"file.missing": ("error", "one")}
    with pytest.raises(ValueError, match=r"file\.missing"):
        messages._catalogue(one, {"file.missing": ("note", "two")})
