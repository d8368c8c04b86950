"""Notebooks as other tools save them: the provenance matrix of the grading tests.

A learner's notebook does not always come back as JupyterLab 4 saved it. Each
*form* below takes a notebook of the course (nbformat 4.5, as released) and
returns the bytes another tool would have written for the same cells, so that
the grader is tried on what the world sends. What each form holds, and where
it comes from:

``nbformat_4_0`` ... ``nbformat_4_4``
    Older Jupyter versions, and tools that keep the minor version of the
    notebook they opened: no top-level cell ``id`` (ids came with 4.5,
    JEP 62) and ``nbformat_minor`` k. Each is checked with
    ``nbformat.validate(nb, version=4, version_minor=k)``.
``vscode_4_2``
    VS Code's Jupyter extension makes new notebooks at 4.2 (its
    ``defaultNotebookFormat = { major: 4, minor: 2 }`` in the ipynb
    extension's source; newer releases use 4.5) and adds cell ids only from
    4.5. It writes keys sorted, indented by one space, sources as lists of
    lines, and notebook metadata with ``orig_nbformat`` and
    ``vscode.interpreter.hash``, and the interpreter it ran as the kernel's
    display name. Taken from the extension's serializer source, not from a
    running VS Code (there is none here).
``colab_4_0``
    Google Colab saves nbformat 4.0; each cell carries ``metadata.id`` and
    ``metadata.colab_type`` (no top-level ``id``), the notebook
    ``metadata.colab`` (``name``, ``provenance``), a kernelspec without
    ``language`` and a ``language_info`` with a name only. Taken from
    notebooks Colab wrote (public repositories), not from Colab itself.
``jupytext_percent``
    A round trip through a ``py:percent`` script with the real jupytext
    (a test dependency): nbgrader's cell metadata travel in the ``# %%``
    headers; outputs and cell ids do not.
``crlf``
    The same JSON with CRLF line ends, as git's ``core.autocrlf`` leaves a
    checkout on Windows.
``widget_state``
    A notebook whose metadata hold the state of interactive widgets
    (``application/vnd.jupyter.widget-state+json``), about 1 MB, as
    JupyterLab saves it with "Save Widget State Automatically".

This is test material: it lives beside the tests, never in the package.
"""

from __future__ import annotations

import copy
import hashlib
import json

import nbformat

__all__ = ["FORMS", "in_form"]


def _plain(notebook) -> dict:
    """A deep copy of ``notebook`` as plain JSON values."""
    return json.loads(nbformat.writes(notebook))


def _without_ids(notebook, minor: int) -> dict:
    content = _plain(notebook)
    for cell in content["cells"]:
        cell.pop("id", None)
        if minor < 1:  # attachments came with 4.1
            cell.pop("attachments", None)
    content["nbformat_minor"] = minor
    nbformat.validate(content, version=4, version_minor=minor)
    return content


def _dumps(content: dict, *, indent: int = 1, sort_keys: bool = True) -> bytes:
    text = json.dumps(content, indent=indent, sort_keys=sort_keys, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def _lines(source) -> list[str]:
    """A cell's source as a list of lines (nbformat may have split it already)."""
    return source if isinstance(source, list) else source.splitlines(keepends=True)


def _minor(k: int):
    def form(notebook) -> bytes:
        return _dumps(_without_ids(notebook, k))

    form.__name__ = f"nbformat_4_{k}"
    return form


def vscode_4_2(notebook) -> bytes:
    """As VS Code's Jupyter extension saves a notebook it made (4.2)."""
    content = _without_ids(notebook, 2)
    for cell in content["cells"]:
        cell["source"] = _lines(cell["source"])
    digest = hashlib.sha256(b"/home/ana/course/.venv/bin/python").hexdigest()
    content["metadata"] = {
        "kernelspec": {
            "display_name": ".venv (3.11.7)",
            "language": "python",
            "name": "python3",
        },
        "language_info": {
            "codemirror_mode": {"name": "ipython", "version": 3},
            "file_extension": ".py",
            "mimetype": "text/x-python",
            "name": "python",
            "nbconvert_exporter": "python",
            "pygments_lexer": "ipython3",
            "version": "3.11.7",
        },
        "orig_nbformat": 4,
        "vscode": {"interpreter": {"hash": digest}},
    }
    nbformat.validate(content, version=4, version_minor=2)
    return _dumps(content)


def colab_4_0(notebook) -> bytes:
    """As Google Colab saves a notebook (4.0, ids in the cells' metadata)."""
    content = _without_ids(notebook, 0)
    for index, cell in enumerate(content["cells"]):
        cell_id = hashlib.sha256(f"colab{index}".encode()).hexdigest()[:12]
        cell["metadata"] = {
            **cell.get("metadata", {}),
            "id": cell_id,
            "colab_type": cell["cell_type"],
        }
        if cell["cell_type"] == "code":
            cell["metadata"]["colab"] = {}
        cell["source"] = _lines(cell["source"])
    content["metadata"] = {
        "colab": {"name": "activity.ipynb", "provenance": []},
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "language_info": {"name": "python"},
    }
    nbformat.validate(content, version=4, version_minor=0)
    return _dumps(content, indent=0, sort_keys=False)


def jupytext_percent(notebook) -> bytes:
    """A round trip through a ``py:percent`` script with jupytext."""
    import jupytext

    script = jupytext.writes(notebook, fmt="py:percent")
    back = jupytext.reads(script, fmt="py:percent")
    return nbformat.writes(back).encode("utf-8")


def crlf(notebook) -> bytes:
    """The notebook's JSON with CRLF line ends (git's autocrlf on Windows)."""
    return nbformat.writes(notebook).replace("\n", "\r\n").encode("utf-8")


def widget_state(notebook) -> bytes:
    """The notebook with about 1 MB of saved widget state in its metadata."""
    content = _plain(notebook)
    state = {}
    for index in range(600):
        model = hashlib.sha256(f"model{index}".encode()).hexdigest()[:32]
        state[model] = {
            "model_module": "@jupyter-widgets/controls",
            "model_module_version": "2.0.0",
            "model_name": "FloatSliderModel",
            "state": {
                "description": f"threshold {index}",
                "layout": f"IPY_MODEL_{model}",
                "max": 255.0,
                "value": float(index % 256),
                "_options_labels": [f"option {i}" for i in range(60)],
            },
        }
    content["metadata"]["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {
            "state": state,
            "version_major": 2,
            "version_minor": 0,
        }
    }
    return nbformat.writes(nbformat.from_dict(copy.deepcopy(content))).encode()


#: Form name -> ``form(notebook) -> bytes``.
FORMS = {
    **{f"nbformat_4_{k}": _minor(k) for k in range(5)},
    "vscode_4_2": vscode_4_2,
    "colab_4_0": colab_4_0,
    "jupytext_percent": jupytext_percent,
    "crlf": crlf,
    "widget_state": widget_state,
}


def in_form(notebook, form: str) -> bytes:
    """The bytes of ``notebook`` as the form ``form`` writes it."""
    return FORMS[form](copy.deepcopy(notebook))
