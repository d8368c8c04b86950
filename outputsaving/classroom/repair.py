"""Repair the damage honest learners do to nbgrader's cell metadata, before grading.

In a real class the most common accident is a copy-pasted cell: its nbgrader
``grade_id`` is then duplicated, and plain nbgrader 0.9.6 refuses the whole
notebook (its ``DeduplicateIds`` empties the earlier cell's metadata, which it
then calls "an old version of the nbgrader metadata format"). A test cell's
``grade`` or ``solution`` flag switched in the cell toolbar gives "Inconsistent
checksums"; a deleted test cell scores 0. :func:`repair_notebook` puts such a
notebook back into the released form, so that nbgrader grades it, and says
what it did in words for the learner:

- every code cell the learner wrote stays, in the learner's order, so the
  notebook runs as the learner's own Run All ran it. Of an answer cell that
  appears several times, every copy runs and the **last** one keeps the
  ``grade_id`` (the one graded, as the later copy won for the learner too);
  the earlier copies become plain cells;
- every test cell (and any other cell nbgrader restores: locked and task
  cells) appears **once**, with its released metadata and points, at its
  released place: right after the cell it follows in the released notebook,
  found by ``grade_id`` or by identical content (:class:`difflib.SequenceMatcher`
  on the sequence of cells, then cells whose content is unique). Duplicated,
  deleted, moved, edited or retyped test cells are all put back this way;
- cells carrying a ``grade_id`` the assignment does not have, or damaged
  nbgrader metadata, run as the learner's own cells;
- the kernel is the course's (a notebook saved from another kernel, a conda
  environment's say, asks for a kernel the grader does not have).

nbgrader's own ``OverwriteCells`` then restores the test cells' source from the
gradebook, as always (the hidden tests included).
"""

from __future__ import annotations

import copy
import difflib
import re
import uuid
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass

import nbformat

from outputsaving.messages import fill

__all__ = ["Repair", "read_submitted", "repair_notebook"]

#: A hidden-test region, removed as nbgrader's ClearHiddenTests removes it.
_HIDDEN = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?",
    re.MULTILINE | re.DOTALL,
)
#: nbgrader metadata keys copied from the released cell.
_FLAGS = ("grade", "solution", "locked", "task", "points", "grade_id", "schema_version")


@dataclass(frozen=True)
class Repair:
    """One repair, with the message code and values for the learner's words."""

    code: str
    values: tuple[tuple[str, object], ...] = ()

    @property
    def message(self) -> str:
        """The learner-facing text (from :mod:`outputsaving.messages`)."""
        return fill(self.code, **dict(self.values))


def _nbgrader(cell) -> dict | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else None


def _grade_id(cell) -> str | None:
    meta = _nbgrader(cell)
    grade_id = meta.get("grade_id") if meta else None
    return grade_id if isinstance(grade_id, str) else None


def _restored_by_nbgrader(meta: dict) -> bool:
    """Test, locked and task cells: their content is the course's, not the learner's."""
    if meta.get("solution", False):
        return False
    return bool(meta.get("grade") or meta.get("locked") or meta.get("task"))


def _flags(cell) -> dict:
    """The nbgrader metadata that decides how a cell is graded."""
    return {k: v for k, v in (_nbgrader(cell) or {}).items() if k in _FLAGS}


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _key(cell) -> tuple:
    grade_id = _grade_id(cell)
    if grade_id is not None:
        return ("id", grade_id)
    return ("text", cell.get("cell_type"), _source(cell).strip())


def _strip(cell) -> None:
    cell.get("metadata", {}).pop("nbgrader", None)


def _note(notes: list[Repair], code: str, **values) -> None:
    repair = Repair(code, tuple(sorted(values.items())))
    if repair not in notes:
        notes.append(repair)


def _released_copy(cell, *, cell_id: str | None):
    """The released cell (without hidden tests), as a fresh cell of the submission."""
    new = copy.deepcopy(cell)
    new["id"] = cell_id or uuid.uuid4().hex[:8]
    new["source"] = _HIDDEN.sub("", _source(cell)).rstrip()
    meta = new.setdefault("metadata", {})
    meta["editable"] = False
    meta["deletable"] = False
    if new["cell_type"] == "code":
        new["outputs"] = []
        new["execution_count"] = None
    return new


def _anchors(reference_keys: list, kept_keys: list) -> dict[int, int]:
    """Reference cell index -> index of the same cell among the learner's cells."""
    matcher = difflib.SequenceMatcher(None, reference_keys, kept_keys, autojunk=False)
    anchors = {}
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            anchors[block.a + offset] = block.b + offset
    # Cells moved out of order: those whose content is unique on both sides.
    in_reference, in_kept = Counter(reference_keys), Counter(kept_keys)
    used = set(anchors.values())
    for index, key in enumerate(reference_keys):
        if index in anchors or in_reference[key] != 1 or in_kept[key] != 1:
            continue
        found = kept_keys.index(key)
        if found not in used:
            anchors[index] = found
            used.add(found)
    return anchors


def repair_notebook(submitted, reference, /):
    """Return ``(notebook, repairs)``: ``submitted`` in the released form.

    Parameters
    ----------
    submitted : NotebookNode
        The learner's notebook (not changed).
    reference : NotebookNode
        The instructor's version in ``source/``: the released cells' order,
        metadata and (for cells nbgrader restores) content.

    Returns
    -------
    notebook : NotebookNode
        A repaired copy; the same cells when nothing needed repair.
    repairs : list of Repair
        What was repaired, in the learner's words; empty when nothing was.
    """
    notebook = copy.deepcopy(submitted)
    repairs: list[Repair] = []
    released = {}
    for index, cell in enumerate(reference.cells):
        grade_id = _grade_id(cell)
        if grade_id is not None:
            released[grade_id] = (index, cell)

    kept: list = []
    answers: dict[str, list[int]] = defaultdict(list)
    restorable_seen: dict[str, list[tuple[int, object]]] = defaultdict(list)
    for cell in notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is not None and not isinstance(meta, dict):
            _strip(cell)
            _note(repairs, "classroom.repair_damaged_metadata")
            meta = None
        grade_id = _grade_id(cell)
        if grade_id is None:
            if meta:
                _strip(cell)  # flags without an id: nbgrader cannot use them
            kept.append(cell)
            continue
        if grade_id not in released:
            _strip(cell)
            _note(repairs, "classroom.repair_unknown_id", grade_id=grade_id)
            kept.append(cell)
            continue
        reference_cell = released[grade_id][1]
        if _restored_by_nbgrader(_nbgrader(reference_cell)):
            restorable_seen[grade_id].append((len(kept), cell))
            continue
        if cell.get("cell_type") != reference_cell.cell_type:
            _strip(cell)  # an answer cell turned into text holds no answer
            kept.append(cell)
            continue
        answers[grade_id].append(len(kept))
        kept.append(cell)

    for grade_id, places in answers.items():
        if len(places) > 1:
            for place in places[:-1]:
                _strip(kept[place])
            _note(
                repairs,
                "classroom.repair_duplicate_answer",
                grade_id=grade_id,
                times=_times(len(places)),
            )
        cell = kept[places[-1]]
        wanted = _flags(released[grade_id][1])
        current = _flags(cell)
        if current != wanted:
            cell.metadata["nbgrader"] = {**_nbgrader(cell), **wanted}
            for key in set(current) - set(wanted):
                cell.metadata["nbgrader"].pop(key, None)

    reference_keys = [_key(cell) for cell in reference.cells]
    restorable = {
        index
        for index, cell in enumerate(reference.cells)
        if (meta := _nbgrader(cell)) and _grade_id(cell) and _restored_by_nbgrader(meta)
    }
    base = [i for i in range(len(reference.cells)) if i not in restorable]
    anchors = _anchors([reference_keys[i] for i in base], [_key(c) for c in kept])
    anchor_of = {base[i]: kept_index for i, kept_index in anchors.items()}

    after: dict[int, list] = defaultdict(list)  # kept index (-1: first) -> cells
    for index in sorted(restorable):
        cell = reference.cells[index]
        grade_id = _grade_id(cell)
        preceding = {i: k for i, k in anchor_of.items() if i < index}
        following = [k for i, k in anchor_of.items() if i > index]
        # After every cell it follows as released (the learner may have moved
        # the task it tests further down), so that what it tests has run.
        nearest = preceding[max(preceding)] if preceding else -1
        if preceding:
            place = max(preceding.values())
        elif following:
            place = min(following) - 1
        else:
            place = len(kept) - 1
        seen = restorable_seen.get(grade_id, [])
        count = len(repairs)
        _check_restored(repairs, cell, seen, nearest, set(anchor_of.values()))
        if len(repairs) == count and seen:
            # The learner's own, as released, where the learner had it (after
            # any cells of their own they put between it and the cell it follows).
            after[seen[0][0] - 1].append(seen[0][1])
        else:
            cell_id = seen[0][1].get("id") if seen else None
            after[place].append(_released_copy(cell, cell_id=cell_id))

    cells = list(after.get(-1, []))
    for index, cell in enumerate(kept):
        cells.append(cell)
        cells.extend(after.get(index, []))
    notebook.cells = cells
    _fix_ids(notebook)

    wanted_kernel = reference.metadata.get("kernelspec")
    found_kernel = notebook.metadata.get("kernelspec")
    if wanted_kernel and found_kernel != wanted_kernel:
        name = found_kernel.get("name") if isinstance(found_kernel, dict) else None
        notebook.metadata["kernelspec"] = copy.deepcopy(wanted_kernel)
        if name != wanted_kernel.get("name"):
            _note(repairs, "classroom.repair_kernel", name=name or "none")
    return notebook, repairs


def _times(count: int) -> str:
    return "twice" if count == 2 else f"{count} times"


def _check_restored(
    repairs: list[Repair], reference_cell, seen, nearest: int, anchored: set[int]
) -> None:
    """Note what had happened to a test cell that is now back as released.

    ``nearest``: the learner's copy of the cell it follows as released;
    ``anchored``: the places of the learner's copies of released cells.
    """
    grade_id = _grade_id(reference_cell)
    if not seen:
        _note(repairs, "classroom.repair_test_missing", grade_id=grade_id)
        return
    if len(seen) > 1:
        _note(
            repairs,
            "classroom.repair_test_duplicate",
            grade_id=grade_id,
            times=_times(len(seen)),
        )
    wanted = _flags(reference_cell)
    for _, cell in seen:
        if cell.get("cell_type") != reference_cell.cell_type:
            _note(repairs, "classroom.repair_test_retyped", grade_id=grade_id)
        if _flags(cell) != wanted:
            _note(repairs, "classroom.repair_test_settings", grade_id=grade_id)
    # Moved: the learner's copy comes before the cell it follows as released,
    # or after other released cells. Cells of the learner's own between the
    # two are no move: the learner added them, and they stay where they are.
    if len(seen) == 1:
        place = seen[0][0]
        if place - 1 < nearest or any(nearest < k < place for k in anchored):
            _note(repairs, "classroom.repair_test_moved", grade_id=grade_id)


def read_submitted(path, /):
    """Return ``(notebook, upgraded)``: a learner's notebook, in the current format.

    Notebooks saved below nbformat 4.5 have no cell ids: older Jupyter
    versions, VS Code (4.2 for the notebooks it makes) and Colab (4.0, its
    ids in each cell's metadata) save them so. nbformat's own
    :func:`nbformat.v4.upgrade` brings them to 4.5 with new ids, as JupyterLab
    does when it opens one; ``upgraded`` says it did. Raises whatever
    nbformat raises for a file that is no notebook (the learner's to fix),
    and :class:`nbformat.ValidationError` for a notebook nbgrader cannot
    grade once its ids are unique.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbformat's warnings on old notebooks
        notebook = nbformat.read(path, as_version=4)
        minor = notebook.get("nbformat_minor", 0)
        upgraded = notebook.get("nbformat") == 4 and minor < nbformat.v4.nbformat_minor
        if upgraded:
            nbformat.v4.upgrade(notebook, from_version=4, from_minor=minor)
        _fix_ids(copy.deepcopy(notebook))
    return notebook, upgraded


def _fix_ids(notebook) -> None:
    """Unique cell ids (a pasted cell may repeat one; nbformat requires them)."""
    seen = set()
    for cell in notebook.cells:
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or cell_id in seen:
            cell["id"] = uuid.uuid4().hex[:8]
        seen.add(cell["id"])
    nbformat.validate(notebook)
