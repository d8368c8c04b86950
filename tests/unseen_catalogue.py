"""The unseen-data catalogue: functions that ignore what they are given.

A hidden test of activity 1 or 2 called the learner's function only on the
notebook's own data, or on example cases shipped in the course package
(issue 26 §1), so a function that ignores its argument passed: an honest
learner's ``save_table(df, output_dir)`` that saves the notebook's global
``table``, cheats that write the answer pasted in as text or unpickled from a
literal, and a ``compare_labels`` that looks its answers up in the shipped
cases. These cases are graded once the hidden tests also call the function
on data it has never seen. Issue 26 §3 adds cheats whose flag must name what
they did: reading the grader's call frames, patching Python's built-ins.

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
- ``tamper`` (issue 26 §3): code that reads the grader's call frames scores 0
  on what it faked (both tests of ``compare_labels``), flagged as "reads the
  grader's call frames"; a patch of ``builtins.open`` is flagged as a patch of
  Python's built-ins, and scores 0 on the table whose file it disguised.

Instructor material (cheats one step from working): it lives beside the
tests, never in the installed package.
"""

from __future__ import annotations

import base64
import pickle
from pathlib import Path

import fairness_catalogue
from fairness_catalogue import A1, A2, Case, _set, build_case, deserved_from

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
TABLE_CSV = "a2_task2_table_csv_hidden"
TABLE_CSV_VISIBLE = "a2_task2_table_csv_visible"
PNG16, JPEG, COLOUR = (
    "a2_task3_png16_hidden",
    "a2_task3_jpeg_hidden",
    "a2_task3_colour_png_hidden",
)
NUCLEI = "a2_task6_nuclei_mask_hidden"
COMPARE = "a2_task4_compare_hidden"
COMPARE_VISIBLE = "a2_task4_compare_visible"
TABLE = "a1_task3_table_fresh_folder_hidden"
ROIS = "a1_task4_rois_rerun_hidden"

#: The words of the honest mistake's feedback: the likely cause, no answer.
NOT_GIVEN = "not the one it was given"
NOT_THE_ROIS = "not the ones it was given"
#: The words of a cheat's feedback: what was seen.
SAME_BYTES = "the same file"
#: The words of a frame-reading cheat's feedback and flag.
READS_FRAMES = "reads the grader's call frames"
#: The words of a patch of Python's built-ins.
PATCHES_BUILTINS = "patches Python's built-ins"


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


# -- activity 2 (issue 26 §1): the same kinds of mistakes and cheats ------------------


def _global_table_csv(notebook, answers):
    _set(
        notebook,
        "a2_task2_save_table_csv",
        "def save_table_csv(df, output_dir):\n"
        "    # Save the results table into output_dir as comma-separated text.\n"
        '    path = Path(output_dir) / "results.csv"\n'
        '    table.to_csv(path, sep=",", index=False)\n'
        "    return path\n",
    )
    return {}


def _global_mask_formats(notebook, answers):
    _set(
        notebook,
        "a2_task3_save_mask_formats",
        "def save_mask_png16(mask, output_dir):\n"
        '    path = Path(output_dir) / "label_mask_16bit.png"\n'
        "    Image.fromarray(np.asarray(labels).astype(np.uint16)).save(path)\n"
        "    return path\n\n\n"
        "def save_mask_jpeg(mask, output_dir):\n"
        '    path = Path(output_dir) / "label_mask.jpg"\n'
        "    Image.fromarray(np.asarray(labels).astype(np.uint8)).save(path)\n"
        "    return path\n\n\n"
        "def save_mask_colour_png(mask, output_dir):\n"
        '    path = Path(output_dir) / "label_mask_colour.png"\n'
        '    plt.imsave(path, labels, cmap="okabe_ito", vmin=0, vmax=7)\n'
        "    return path\n",
    )
    return {}


def _global_nuclei(notebook, answers):
    _set(
        notebook,
        "a2_task6_save_nuclei_mask",
        "def save_nuclei_mask(mask, output_dir):\n"
        "    # Save the labels losslessly, with enough bits for every label.\n"
        '    path = Path(output_dir) / "nuclei_labels.tif"\n'
        "    tifffile.imwrite(path, nuclei_labels.astype(np.uint16))\n"
        "    return path\n",
    )
    return {}


def _literal_table_csv(notebook, answers):
    """save_table_csv writes the notebook's table, pasted into the cell as text."""
    from outputsaving.analysis import measure_objects
    from outputsaving.grading import activity2

    text = measure_objects(activity2.shapes_labels()).to_csv(index=False)
    _set(
        notebook,
        "a2_task2_save_table_csv",
        f"_RESULTS = {text!r}\n\n\n"
        "def save_table_csv(table, output_dir):\n"
        '    path = Path(output_dir) / "results.csv"\n'
        '    path.write_text(_RESULTS, encoding="utf-8")\n'
        "    return path\n",
    )
    return {}


def _shipped_answers() -> list:
    """The shipped example cases of compare_labels, as a learner would paste them."""
    from outputsaving.grading import activity2

    return [
        (original.tolist(), reread.tolist(), dict(expected))
        for _, original, reread, expected in activity2.compare_cases()
    ]


def _hardcoded_compare(notebook, answers):
    """compare_labels answers the shipped example cases from a pasted table."""
    _set(
        notebook,
        "a2_task4_compare_labels",
        f"_ANSWERS = {_shipped_answers()!r}\n\n\n"
        "def compare_labels(original, reread):\n"
        "    for before, after, counts in _ANSWERS:\n"
        "        if np.array_equal(np.asarray(before), original) and np.array_equal(\n"
        "            np.asarray(after), reread\n"
        "        ):\n"
        "            return dict(counts)\n"
        "    values = len(np.unique(original))\n"
        '    return {"values_before": values, "values_after": values, '
        '"objects_changed": 0}\n',
    )
    return {}


def _compare_other_way(notebook, answers):
    """An honest compare_labels, written with sets and a loop over objects."""
    _set(
        notebook,
        "a2_task4_compare_labels",
        "def compare_labels(before, after):\n"
        "    before = np.asarray(before)\n"
        "    after = np.asarray(after)\n"
        "    changed = 0\n"
        "    for value in set(before.ravel().tolist()) - {0}:\n"
        "        inside = after[before == value]\n"
        "        if (inside != value).any():\n"
        "            changed += 1\n"
        "    return dict(\n"
        "        values_before=int(np.unique(before).size),\n"
        "        values_after=int(np.unique(after).size),\n"
        "        objects_changed=changed,\n"
        "    )\n",
    )
    return {}


_FRAME_FALLBACK = (
    "    values = len(np.unique(original))\n"
    '    return {"values_before": values, "values_after": values, '
    '"objects_changed": 0}\n'
)


def _frames_inspect(notebook, answers):
    """compare_labels takes the expected counts from the grader's frames."""
    _set(
        notebook,
        "a2_task4_compare_labels",
        "import inspect\n\n\n"
        "def compare_labels(original, reread):\n"
        "    for info in inspect.stack()[1:]:\n"
        "        for value in list(info.frame.f_locals.values()):\n"
        '            if isinstance(value, dict) and "objects_changed" in value:\n'
        "                return dict(value)\n" + _FRAME_FALLBACK,
    )
    return {}


def _frames_getframe(notebook, answers):
    """compare_labels walks sys._getframe(1).f_back for the expected counts."""
    _set(
        notebook,
        "a2_task4_compare_labels",
        "import sys\n\n\n"
        "def compare_labels(original, reread):\n"
        "    frame = sys._getframe(1)\n"
        "    while frame is not None:\n"
        "        for name, value in list(frame.f_locals.items()):\n"
        '            if "expected" in name and isinstance(value, dict):\n'
        "                return dict(value)\n"
        "        frame = frame.f_back\n" + _FRAME_FALLBACK,
    )
    return {}


def _builtins_open(notebook, answers):
    """save_table_csv writes tabs; builtins.open shows its .csv files with commas."""
    _set(
        notebook,
        "a2_task2_save_table_csv",
        "import builtins\n"
        "import io\n\n"
        "_open = builtins.open\n\n\n"
        "def _commas(file, mode='r', *args, **kwargs):\n"
        "    stream = _open(file, mode, *args, **kwargs)\n"
        "    if str(file).endswith('.csv') and 'r' in mode and 'b' not in mode:\n"
        "        return io.StringIO(stream.read().replace('\\t', ','))\n"
        "    return stream\n\n\n"
        "builtins.open = _commas\n\n\n"
        "def save_table_csv(table, output_dir):\n"
        '    path = Path(output_dir) / "results.csv"\n'
        '    table.to_csv(path, sep="\\t", index=False)\n'
        "    return path\n",
    )
    return {}


def _a2_str_paths(notebook, answers):
    """Right activity 2 save functions with str paths and other parameter names."""
    _set(
        notebook,
        "a2_task2_save_table_csv",
        "import os\n\n\n"
        "def save_table_csv(results, folder):\n"
        '    path = os.path.join(str(folder), "results.csv")\n'
        "    results.to_csv(path, index=False)\n"
        "    return path\n",
    )
    _set(
        notebook,
        "a2_task3_save_mask_formats",
        "import os\n\n\n"
        "def save_mask_png16(label_image, folder):\n"
        '    path = os.path.join(str(folder), "mask16.png")\n'
        "    Image.fromarray(np.asarray(label_image, dtype=np.uint16)).save(path)\n"
        "    return path\n\n\n"
        "def save_mask_jpeg(label_image, folder):\n"
        '    path = os.path.join(str(folder), "mask.jpeg")\n'
        "    Image.fromarray(np.asarray(label_image).astype(np.uint8)).save(path)\n"
        "    return path\n\n\n"
        "def save_mask_colour_png(label_image, folder):\n"
        '    path = os.path.join(str(folder), "mask_colour.png")\n'
        '    plt.imsave(path, np.asarray(label_image), cmap="viridis")\n'
        "    return path\n",
    )
    _set(
        notebook,
        "a2_task6_save_nuclei_mask",
        "import os\n\n\n"
        "def save_nuclei_mask(label_image, folder):\n"
        '    path = os.path.join(str(folder), "nuclei.tif")\n'
        "    tifffile.imwrite(path, np.asarray(label_image).astype(np.uint16))\n"
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
    # -- activity 2 ------------------------------------------------------------------
    Case(
        "global_table_csv",
        A2,
        "unseen",
        "save_table_csv(df, output_dir) saves the notebook's global table, not its "
        "parameter",
        _global_table_csv,
        says=(NOT_GIVEN,),
    ),
    Case(
        "global_mask_formats",
        A2,
        "unseen",
        "save_mask_png16, save_mask_jpeg and save_mask_colour_png(mask, output_dir) "
        "save the notebook's global labels, not their parameter",
        _global_mask_formats,
        says=(NOT_GIVEN,),
    ),
    Case(
        "global_nuclei",
        A2,
        "unseen",
        "save_nuclei_mask(mask, output_dir) saves the notebook's global "
        "nuclei_labels, not its parameter",
        _global_nuclei,
        says=(NOT_GIVEN,),
    ),
    Case(
        "literal_table_csv",
        A2,
        "tamper",
        "save_table_csv writes the notebook's table pasted into the cell as text",
        _literal_table_csv,
        says=(SAME_BYTES,),
        flagged=True,
    ),
    Case(
        "hardcoded_compare",
        A2,
        "tamper",
        "compare_labels returns answers pasted in for the example cases shipped "
        "with the course, and wrong counts for any other",
        _hardcoded_compare,
        says=("made at grading time",),
        flagged=True,
    ),
    Case(
        "compare_other_way",
        A2,
        "legit",
        "an honest compare_labels(before, after) with a set of values and a loop "
        "over objects",
        _compare_other_way,
    ),
    Case(
        "frames_inspect",
        A2,
        "tamper",
        "compare_labels takes the expected counts from the grader's frames "
        "(inspect.stack(), frame.f_locals)",
        _frames_inspect,
        says=(READS_FRAMES,),
        flagged=True,
    ),
    Case(
        "frames_getframe",
        A2,
        "tamper",
        "compare_labels walks sys._getframe(1).f_back for the grader's expected counts",
        _frames_getframe,
        says=(READS_FRAMES,),
        flagged=True,
    ),
    Case(
        "builtins_open",
        A2,
        "tamper",
        "save_table_csv writes tabs, and a patched builtins.open shows .csv files "
        "with commas",
        _builtins_open,
        says=(PATCHES_BUILTINS,),
        flagged=True,
    ),
    Case(
        "a2_str_paths",
        A2,
        "legit",
        "right activity 2 save functions with str paths from os.path.join and "
        "other parameter names",
        _a2_str_paths,
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
    "global_table_csv": (TABLE_CSV,),
    "global_mask_formats": (PNG16, JPEG, COLOUR),
    "global_nuclei": (NUCLEI,),
    "literal_table_csv": (TABLE_CSV,),
    "hardcoded_compare": (COMPARE,),
    "compare_other_way": (),
    "frames_inspect": (COMPARE_VISIBLE, COMPARE),
    "frames_getframe": (COMPARE_VISIBLE, COMPARE),
    "builtins_open": (TABLE_CSV_VISIBLE, TABLE_CSV),
    "a2_str_paths": (),
}


def deserved_scores(case: Case) -> dict[str, float]:
    """grade_id -> the points ``case`` deserves, from ``unseen_deserved.tsv``."""
    return deserved_from(DESERVED_TABLE, case.name)


def write_deserved_table() -> None:
    """Write ``unseen_deserved.tsv`` from :data:`LOSES` (run once, by hand)."""
    fairness_catalogue.write_deserved_table(DESERVED_TABLE, CASES, LOSES)


if __name__ == "__main__":
    write_deserved_table()
