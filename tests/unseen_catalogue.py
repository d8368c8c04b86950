"""The unseen-data catalogue: save functions that ignore what they are given.

A hidden test of activity 1 called the learner's save function only on the
notebook's own data (issue 26 §1), so a function that ignores its argument
passed: an honest learner's ``save_table(df, output_dir)`` that saves the
notebook's global ``table``, and cheats that write the answer pasted in as
text or unpickled from a literal. These cases are graded once the hidden
tests also call the function on data it has never seen.

Each case's **deserved** score per test cell is in ``unseen_deserved.tsv``
(same columns as ``fairness_deserved.tsv``), committed before the grader
change it judges. Principles:

- ``unseen``: a hidden function test gives its points only when the file
  holds what the function was given, on data it has never seen. An honest
  mistake (the notebook's global variable saved instead of the parameter)
  loses that test only, unflagged, and the feedback names the likely cause;
  the visible test of the notebook's own file keeps its points (learners
  see those data).
- ``tamper``: a function that saves the same bytes whatever it is given (a
  literal, a pickle) scores 0 on the hidden test, is flagged, and the reason
  says what was seen.
- ``legit``: right work written another way (``str`` paths, other
  parameter names) keeps full marks, unflagged.

Instructor material (cheats one step from working): it lives beside the
tests, never in the installed package.
"""

from __future__ import annotations

import base64
import pickle
from pathlib import Path

import fairness_catalogue
from fairness_catalogue import A1, Case, _set, build_case, deserved_from

__all__ = [
    "BY_NAME",
    "CASES",
    "DESERVED_TABLE",
    "LOSES",
    "build_case",
    "deserved_scores",
]

DESERVED_TABLE = Path(__file__).with_name("unseen_deserved.tsv")

MASK = "a1_task2_mask_fresh_folder_hidden"
TABLE = "a1_task3_table_fresh_folder_hidden"
ROIS = "a1_task4_rois_rerun_hidden"

#: The words of the honest mistake's feedback: the likely cause, no answer.
NOT_GIVEN = "not the one it was given"
NOT_THE_ROIS = "not the ones it was given"
#: The words of a cheat's feedback: what was seen.
SAME_BYTES = "the same file"


# -- honest mistakes: the notebook's global variable saved, not the parameter ------


def _global_labels(notebook, answers):
    _set(
        notebook,
        "a1_task2_save_label_mask",
        "def save_label_mask(mask, output_dir):\n"
        "    # Save the label image into output_dir as a TIFF file; return its path.\n"
        '    path = Path(output_dir) / "label_mask.tif"\n'
        "    tifffile.imwrite(path, labels.astype(np.uint16))\n"
        "    return path\n",
    )
    return {}


def _global_table(notebook, answers):
    _set(
        notebook,
        "a1_task3_save_table",
        "def save_table(df, output_dir):\n"
        "    # Save the results table into output_dir as tab-delimited text.\n"
        '    path = Path(output_dir) / "results.txt"\n'
        '    table.to_csv(path, sep="\\t", index=False)\n'
        "    return path\n",
    )
    return {}


def _global_rois(notebook, answers):
    _set(
        notebook,
        "a1_task4_save_rois",
        "def save_rois(roi_list, output_dir):\n"
        "    # Save the ROIs into output_dir as one ImageJ ROI set (.zip).\n"
        '    path = Path(output_dir) / "rois.zip"\n'
        '    roifile.roiwrite(path, rois, mode="w")\n'
        "    return path\n",
    )
    return {}


# -- cheats: the same bytes whatever the function is given --------------------------


def _reference_table_text() -> str:
    from outputsaving.grading import activity1

    return activity1.reference_table().to_csv(sep="\t", index=False)


def _literal_table(notebook, answers):
    """save_table writes the notebook's table, pasted into the cell as text."""
    _set(
        notebook,
        "a1_task3_save_table",
        f"_RESULTS = {_reference_table_text()!r}\n\n\n"
        "def save_table(table, output_dir):\n"
        '    path = Path(output_dir) / "results.txt"\n'
        '    path.write_text(_RESULTS, encoding="utf-8")\n'
        "    return path\n",
    )
    return {}


def _pickled_mask(notebook, answers):
    """save_label_mask unpickles the notebook's mask from a literal."""
    from outputsaving.grading import activity1

    data = base64.b64encode(pickle.dumps(activity1.reference_labels())).decode()
    _set(
        notebook,
        "a1_task2_save_label_mask",
        "import base64\nimport pickle\n\n"
        f"_MASK = {data!r}\n\n\n"
        "def save_label_mask(labels, output_dir):\n"
        '    path = Path(output_dir) / "label_mask.tif"\n'
        "    mask = pickle.loads(base64.b64decode(_MASK))\n"
        "    tifffile.imwrite(path, mask.astype(np.uint16))\n"
        "    return path\n",
    )
    return {}


# -- an honest control: the right functions, written another way --------------------


def _str_paths(notebook, answers):
    _set(
        notebook,
        "a1_task2_save_label_mask",
        "import os\n\n\n"
        "def save_label_mask(label_image, folder):\n"
        '    path = os.path.join(str(folder), "label_mask.tif")\n'
        "    tifffile.imwrite(path, np.asarray(label_image, dtype=np.uint16))\n"
        "    return path\n",
    )
    _set(
        notebook,
        "a1_task3_save_table",
        "import os\n\n\n"
        "def save_table(results, folder):\n"
        '    path = os.path.join(str(folder), "results.tsv")\n'
        '    results.to_csv(path, sep="\\t", index=False)\n'
        "    return path\n",
    )
    _set(
        notebook,
        "a1_task4_save_rois",
        "import os\n\n\n"
        "def save_rois(outlines, folder):\n"
        '    path = os.path.join(str(folder), "rois.zip")\n'
        '    roifile.roiwrite(path, list(outlines), mode="w")\n'
        "    return path\n",
    )
    return {}


CASES: tuple[Case, ...] = (
    Case(
        "global_labels_mask",
        A1,
        "unseen",
        "save_label_mask(mask, output_dir) saves the notebook's global labels, "
        "not its parameter",
        _global_labels,
        says=(NOT_GIVEN,),
    ),
    Case(
        "global_table",
        A1,
        "unseen",
        "save_table(df, output_dir) saves the notebook's global table, not its "
        "parameter",
        _global_table,
        says=(NOT_GIVEN,),
    ),
    Case(
        "global_rois",
        A1,
        "unseen",
        "save_rois(roi_list, output_dir) saves the notebook's global rois, not "
        "its parameter",
        _global_rois,
        says=(NOT_THE_ROIS,),
    ),
    Case(
        "literal_table",
        A1,
        "tamper",
        "save_table writes the notebook's table pasted into the cell as text",
        _literal_table,
        says=(SAME_BYTES,),
        flagged=True,
    ),
    Case(
        "pickled_mask",
        A1,
        "tamper",
        "save_label_mask unpickles the notebook's mask from a base64 literal",
        _pickled_mask,
        says=(SAME_BYTES,),
        flagged=True,
    ),
    Case(
        "str_paths",
        A1,
        "legit",
        "right save functions with str paths from os.path.join and other "
        "parameter names",
        _str_paths,
    ),
)

BY_NAME = {case.name: case for case in CASES}

#: What each case loses: case -> the test cells it deserves 0 for.
LOSES = {
    "global_labels_mask": (MASK,),
    "global_table": (TABLE,),
    "global_rois": (ROIS,),
    "literal_table": (TABLE,),
    "pickled_mask": (MASK,),
    "str_paths": (),
}


def deserved_scores(case: Case) -> dict[str, float]:
    """grade_id -> the points ``case`` deserves, from ``unseen_deserved.tsv``."""
    return deserved_from(DESERVED_TABLE, case.name)


def write_deserved_table() -> None:
    """Write ``unseen_deserved.tsv`` from :data:`LOSES` (run once, by hand)."""
    fairness_catalogue.write_deserved_table(DESERVED_TABLE, CASES, LOSES)


if __name__ == "__main__":
    write_deserved_table()
