"""The tampering scan, for :mod:`outputsaving.classroom.audit`.

The cells a learner can edit are scanned with :mod:`ast`, never run, for code
that reaches into the grader (the package's docstring lists what counts), and
the learner's note for what was found is worded here.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from outputsaving.classroom.audit.cells import (
    _is_learner_cell,
    _parse,
    _source,
    _transformed,
)
from outputsaving.messages import fill

_FORBIDDEN_MODULES = ("builtins", "importlib", "ctypes", "gc")
#: Harmless parts of the forbidden modules (package versions, data files).
_ALLOWED_SUBMODULES = ("importlib.metadata", "importlib.resources")
_FORBIDDEN_CALLS = frozenset(
    {"exec", "eval", "compile", "__import__", "setattr", "delattr", "globals", "vars"}
)
_ALLOWED_DUNDERS = frozenset({"__name__", "__doc__", "__version__", "__file__"})
_RISKY_MAGICS = frozenset(
    {"run", "load", "load_ext", "reload_ext", "autoreload", "aimport", "rerun"}
)
_SAFE_IPYTHON = frozenset({"run_line_magic", "run_cell_magic", "system", "getoutput"})


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.AST) -> str:
    try:
        return ast.unparse(node)[:60]
    except (ValueError, RecursionError):  # pragma: no cover - defensive
        return "an attribute"


def tampering_evidence(notebook, /) -> list[str]:
    """Scan the cells a learner can edit for code that reaches into the grader.

    Parameters
    ----------
    notebook : NotebookNode
        The executed notebook.

    Returns
    -------
    list of str
        Learner-facing descriptions, such as ``"it uses sys.modules"`` or
        ``"it replaces activity1.grade_label_mask"``, one per finding and at
        most one per kind of finding and name; empty when nothing was found.
        Cells nbgrader restores from the instructor's version (locked and
        test cells) are not scanned, but the names they import count as
        modules.
    """
    trees = []
    modules: set[str] = set()
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        tree = _parse(_transformed(_source(cell)))
        if tree is None:
            continue
        for node in ast.walk(tree):
            # Names bound to the course's modules: replacing their attributes
            # is tampering (other libraries' settings are the learner's own).
            if isinstance(node, ast.Import):
                modules.update(
                    (alias.asname or alias.name).split(".")[0]
                    for alias in node.names
                    if alias.name.startswith("outputsaving")
                )
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "outputsaving"
            ):
                modules.update(alias.asname or alias.name for alias in node.names)
        if _is_learner_cell(cell):
            trees.append(tree)
    modules.discard("*")
    found: list[str] = []

    def add(text: str, *, kind: str = "") -> None:
        # One finding per text; one in all for a kind (a chain of frame reads).
        if text not in found and not (kind and any(f.startswith(kind) for f in found)):
            found.append(text)

    builtins_names = {"__builtins__"}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                builtins_names.update(
                    alias.asname or alias.name
                    for alias in node.names
                    if alias.name == "builtins"
                )
    for tree in trees:
        for node in ast.walk(tree):
            _scan_node(node, modules, add)
            _scan_runtime(node, builtins_names, add)
    if any(text.startswith(PATCHES_BUILTINS) for text in found):
        # Named for what it does, not for the import it needed.
        found = [text for text in found if text != "it imports builtins"]
    return found


#: How a finding of :func:`tampering_evidence` begins for a patch of Python's
#: built-ins, and for code that reads call frames.
PATCHES_BUILTINS = "it patches Python's built-ins"
READS_FRAMES = "it reads the grader's call frames"
#: Attributes that give code the frames of its callers (the grader's, in a test).
_FRAME_ATTRIBUTES = frozenset(
    {"_getframe", "_current_frames", "f_back", "f_locals", "f_globals", "tb_frame"}
)
#: Functions of inspect and traceback that walk the live stack.
_FRAME_FUNCTIONS = {
    "inspect": frozenset(
        {"stack", "currentframe", "getouterframes", "getinnerframes", "trace"}
    ),
    "traceback": frozenset({"walk_stack", "extract_stack", "print_stack"}),
    "sys": frozenset({"_getframe", "_current_frames"}),
}


def _scan_runtime(
    node: ast.AST, builtins_names: set[str], add: Callable[..., None]
) -> None:
    """Findings about Python itself: patched built-ins, call frames read."""
    patched = None
    if isinstance(node, ast.Attribute | ast.Subscript) and isinstance(
        node.ctx, ast.Store | ast.Del
    ):
        patched = node.value
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("setattr", "delattr")
        and node.args
    ):
        patched = node.args[0]
    if isinstance(patched, ast.Name) and patched.id in builtins_names:
        add(f"{PATCHES_BUILTINS} ({_dotted(node)})")
    if isinstance(node, ast.Attribute):
        owner = node.value.id if isinstance(node.value, ast.Name) else None
        if node.attr in _FRAME_ATTRIBUTES or node.attr in _FRAME_FUNCTIONS.get(
            owner or "", ()
        ):
            add(f"{READS_FRAMES} ({_dotted(node)})", kind=READS_FRAMES)
    elif isinstance(node, ast.ImportFrom) and node.module in _FRAME_FUNCTIONS:
        for alias in node.names:
            if alias.name in _FRAME_FUNCTIONS[node.module]:
                add(f"{READS_FRAMES} ({node.module}.{alias.name})", kind=READS_FRAMES)


def _scan_node(node: ast.AST, modules: set[str], add: Callable[[str], None]) -> None:
    if isinstance(node, ast.Import | ast.ImportFrom):
        names = (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [f"{node.module or ''}.{alias.name}" for alias in node.names]
        )
        for name in names:
            top = name.split(".")[0]
            allowed = name.startswith(_ALLOWED_SUBMODULES)
            if top in _FORBIDDEN_MODULES and not allowed:
                add(f"it imports {name}")
    elif isinstance(node, ast.Attribute):
        if node.attr == "modules" and _root_name(node) == "sys":
            add("it uses sys.modules")
        elif (
            node.attr.startswith("__")
            and node.attr.endswith("__")
            and node.attr not in _ALLOWED_DUNDERS
        ):
            add(f"it uses {node.attr}")
        if isinstance(node.ctx, ast.Store | ast.Del) and _root_name(node) in modules:
            add(f"it replaces {_dotted(node)}")
    elif isinstance(node, ast.Name):
        if node.id in ("__builtins__", "__loader__", "__spec__"):
            add(f"it uses {node.id}")
    elif isinstance(node, ast.Call):
        _scan_call(node, modules, add)


def _scan_call(node: ast.Call, modules: set[str], add: Callable[[str], None]) -> None:
    func = node.func
    if isinstance(func, ast.Name) and func.id in _FORBIDDEN_CALLS:
        add(f"it calls {func.id}")
        return
    if not isinstance(func, ast.Attribute):
        return
    if _root_name(func) == "get_ipython" and isinstance(func.value, ast.Call):
        if func.attr not in _SAFE_IPYTHON:
            add(f"it calls get_ipython().{func.attr}")
        elif func.attr.startswith("run_") and node.args:
            first = node.args[0]
            name = first.value if isinstance(first, ast.Constant) else None
            if not isinstance(name, str) or name.lstrip("%") in _RISKY_MAGICS:
                add(f"it runs the magic %{str(name).lstrip('%')}")


def _tampering_text(evidence: list[str]) -> str:
    """The learner's note for the tampering scan's findings, named for what
    they are: a patch of Python's built-ins, call frames read, or the course's
    grading code reached into."""
    for kind, code in (
        (PATCHES_BUILTINS, "classroom.audit_builtins"),
        (READS_FRAMES, "classroom.audit_frames"),
    ):
        if all(text.startswith(kind) for text in evidence):
            parts = [text.removeprefix(kind).strip(" ()") for text in evidence]
            return fill(code, detail=", ".join(dict.fromkeys(parts[:3])))
    return fill(
        "classroom.audit_tampering", detail="; ".join(dict.fromkeys(evidence[:3]))
    )
