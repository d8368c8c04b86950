"""What the world sends: the catalogue of issue 18, sections 1 and 5.

Two parts, each with its deserved scores written down before the grader was
changed:

- the **provenance matrix** (:mod:`provenance`): the solution and the untouched
  notebook of activity 1, activity 2 and the quiz, each in every form another
  tool saves. A solution deserves every test cell's points, an untouched
  notebook none, whatever tool saved it (``provenance_deserved.tsv``); and the
  feedback of either says nothing about a repair the learner did not make;
- **feedback cases**: submissions whose feedback must tell the learner what
  to do, in the course's words, and show nothing of the grader's machine
  (``world_deserved.tsv``, the columns of ``fairness_deserved.tsv``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from fairness_catalogue import (
    POINTS,
    Case,
    _index,
    _insert_after,
    _mask_function,
    _set,
    deserved_from,
)

__all__ = [
    "CASES",
    "MACHINE_WORDS",
    "NOT_SAYS",
    "PROVENANCE_TABLE",
    "WORLD_TABLE",
    "ProvenanceCase",
    "deserved_scores",
    "provenance_cases",
]

HERE = Path(__file__).parent
WORLD_TABLE = HERE / "world_deserved.tsv"
PROVENANCE_TABLE = HERE / "provenance_deserved.tsv"
A1 = "activity1"

#: Words of the grader's machine that no learner's feedback may hold: its
#: working folders, its Python install, raw library warnings.
MACHINE_WORDS = (
    "/.outputsaving/",
    "/autograded/",
    "worker-",
    "/lib/python3",
    "site-packages",
    ".pyenv",
    "UserWarning",
)


# -- section 5: feedback a learner can act on --------------------------------------


def _str_size_limits(notebook, answers):
    source = answers["a1_task5_save_settings"]
    source = source.replace('"min_size": MIN_SIZE,', '"min_size": str(MIN_SIZE),')
    source = source.replace('"max_size": MAX_SIZE,', '"max_size": str(MAX_SIZE),')
    assert source != answers["a1_task5_save_settings"]
    _set(notebook, "a1_task5_save_settings", source)
    return {}


def _variable_never_set(notebook, answers):
    _set(
        notebook,
        "a1_task3_save_table",
        "def save_table(table, output_dir):\n"
        '    path = Path(output_dir) / "results.txt"\n'
        '    tabel.to_csv(path, sep="\\t", index=False)\n'
        "    return path\n",
    )
    return {}


def _inserted_cells(notebook, answers):
    index = _index(notebook, "a1_task5_settings_visible")
    # the learner's own cell between the self-check and the test
    from nbformat.v4 import new_code_cell, new_markdown_cell

    notebook.cells.insert(index, new_code_cell('print("Settings saved.")'))
    index = _index(notebook, "a1_task2_mask_lossless_visible")
    notebook.cells.insert(index, new_markdown_cell("My note: the mask is 16-bit."))
    _insert_after(notebook, "a1_task4_rois_zip_visible", "print(len(rois))")
    return {}


def _rois_as_folder(notebook, answers):
    _set(
        notebook,
        "a1_task4_save_rois",
        "def save_rois(rois, output_dir):\n"
        '    folder = Path(output_dir) / "rois"\n'
        "    folder.mkdir(exist_ok=True)\n"
        "    for roi in rois:\n"
        '        roi.tofile(folder / f"{roi.name}.roi")\n'
        "    return folder\n",
    )
    return {}


def _rois_appended(notebook, answers):
    source = answers["a1_task4_save_rois"].replace('mode="w"', 'mode="a"')
    assert source != answers["a1_task4_save_rois"]
    _set(notebook, "a1_task4_save_rois", source)
    return {}


def _returns_wrong_path(notebook, answers):
    _set(
        notebook,
        "a1_task2_save_label_mask",
        _mask_function(
            '    tifffile.imwrite(Path(output_dir) / "label_mask.tif",'
            " np.asarray(labels).astype(np.uint16))\n"
            '    return Path(output_dir) / "labels.tif"\n'
        ),
    )
    return {}


CASES: tuple[Case, ...] = (
    Case(
        "str_size_limits",
        A1,
        "message",
        "saved the size limits as text ('0', '1000') in the settings",
        _str_size_limits,
        says=("as text",),
    ),
    Case(
        "variable_never_set",
        A1,
        "message",
        "a typo in save_table stops its call cell, so table_path is never set",
        _variable_never_set,
        # (the call cell catches what save_table raises since issue 21: it names
        # the error and the line, and sets table_path to None)
        says=("save_table stopped with NameError", "tabel.to_csv"),
    ),
    Case(
        "inserted_cells",
        A1,
        "legit",
        "inserted own cells between self-checks and test cells",
        _inserted_cells,
    ),
    Case(
        "rois_as_folder",
        A1,
        "message",
        "save_rois writes a folder of .roi files and returns the folder",
        _rois_as_folder,
        says=("is a folder", ".roi", ".zip"),
    ),
    Case(
        "rois_appended",
        A1,
        "own-task",
        "save_rois appends (mode 'a'): a second save doubles the ROIs",
        _rois_appended,
    ),
    Case(
        "returns_wrong_path",
        A1,
        "message",
        "save_label_mask writes label_mask.tif but returns labels.tif",
        _returns_wrong_path,
        says=("labels.tif",),
    ),
)

#: Words a case's feedback must not hold (besides :data:`MACHINE_WORDS`).
NOT_SAYS = {
    "inserted_cells": ("had been moved", "repaired"),
    "str_size_limits": ("but the analysis uses",),
    "variable_never_set": ("name 'table_path' is not defined",),
    "rois_as_folder": ("No file was found",),
}

BY_NAME = {case.name: case for case in CASES}


def deserved_scores(case: Case) -> dict[str, float]:
    """grade_id -> the points ``case`` deserves, from ``world_deserved.tsv``."""
    return deserved_from(WORLD_TABLE, case.name)


# -- section 1: the provenance matrix ------------------------------------------------


@dataclass(frozen=True)
class ProvenanceCase:
    """One notebook of the matrix: an assignment's solution or untouched notebook
    in one form, with the total it deserves (every cell full, or none)."""

    form: str
    assignment: str
    answers: str  # "solution" or "untouched"
    deserved: float
    max_score: float
    student: str = field(init=False)

    def __post_init__(self) -> None:
        short = {"activity1": "a1", "activity2": "a2", "quiz": "q"}[self.assignment]
        object.__setattr__(self, "student", f"{self.form}-{short}-{self.answers}")

    def deserved_per_cell(self) -> dict[str, float]:
        full = self.deserved == self.max_score
        return {
            grade_id: (points if full else 0.0)
            for grade_id, points in POINTS[self.assignment].items()
        }


def provenance_cases() -> list[ProvenanceCase]:
    """The matrix, from ``provenance_deserved.tsv``."""
    with PROVENANCE_TABLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    cases = []
    for row in rows:
        case = ProvenanceCase(
            row["form"],
            row["assignment"],
            row["answers"],
            float(row["deserved"]),
            float(row["max"]),
        )
        if case.deserved not in (0.0, case.max_score):
            msg = f"{case.student}: a matrix row deserves all or nothing"
            raise ValueError(msg)
        cases.append(case)
    return cases
