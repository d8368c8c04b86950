"""Learners' answers to the course's assignments: right, mistaken and hostile ones.

One catalogue for the grading tests (which say what each answer must score and
what its feedback must say) and for the demo class of
``scripts/make_demo_class.py``. An entry maps the ``grade_id`` of an answer cell
to the source a learner wrote in it; the other answer cells keep the
solution's answers.

This is instructor material (the quiz's right answers, and mistakes a line away
from the solution): it lives beside the tests, never in the installed package
``outputsaving`` that learners get.
"""

from __future__ import annotations

__all__ = [
    "A1_MASK",
    "A1_OUTPUT",
    "A1_ROIS",
    "A1_TABLE",
    "ACTIVITY1",
    "ACTIVITY2",
    "HOSTILE",
    "Q1",
    "Q2",
    "Q3",
    "Q4",
    "QUIZ",
    "QUIZ_RIGHT",
]

A1_OUTPUT = "a1_task1_output_dir"
A1_MASK = "a1_task2_save_label_mask"
A1_TABLE = "a1_task3_save_table"
A1_ROIS = "a1_task4_save_rois"
Q1, Q2, Q3, Q4 = (f"quiz_q{n}_answer" for n in range(1, 5))
#: The quiz's graded test cells, in notebook order.
QUIZ_IDS = (
    "quiz_q1_one_type",
    "quiz_q1_two_types",
    "quiz_q1_three_types",
    "quiz_q2_format",
    "quiz_q3_jpeg",
    "quiz_q4_tab",
)


def _mask(body: str) -> str:
    return f"def save_label_mask(labels, output_dir):\n{body}"


def _table(call: str, name: str = "results.txt") -> str:
    return (
        "def save_table(table, output_dir):\n"
        f'    path = Path(output_dir) / "{name}"\n'
        f"    {call}\n"
        "    return path\n"
    )


#: Activity 1's typical mistakes: name -> {grade_id: source}.
ACTIVITY1 = {
    "mask_jpeg": {
        A1_MASK: "from PIL import Image\n\n"
        + _mask(
            '    path = Path(output_dir) / "label_mask.jpg"\n'
            "    Image.fromarray(labels.astype(np.uint8)).save(path, quality=90)\n"
            "    return path\n"
        )
    },
    "mask_int64": {
        A1_MASK: _mask(
            '    path = Path(output_dir) / "label_mask.tif"\n'
            "    tifffile.imwrite(path, labels.astype(np.int64))\n"
            "    return path\n"
        )
    },
    "mask_float64": {
        A1_MASK: _mask(
            '    path = Path(output_dir) / "label_mask.tif"\n'
            "    tifffile.imwrite(path, labels / 1.0)\n"
            "    return path\n"
        )
    },
    "mask_binary": {
        A1_MASK: _mask(
            '    path = Path(output_dir) / "label_mask.tif"\n'
            "    tifffile.imwrite(path, ((labels > 0) * 255).astype(np.uint8))\n"
            "    return path\n"
        )
    },
    "mask_rgb_colour_map": {
        A1_MASK: _mask(
            '    path = Path(output_dir) / "label_mask.tif"\n'
            "    coloured = color.label2rgb(labels, bg_label=0)\n"
            "    tifffile.imwrite(path, (coloured * 255).astype(np.uint8))\n"
            "    return path\n"
        )
    },
    "table_comma": {A1_TABLE: _table("table.to_csv(path, index=False)", "results.csv")},
    "table_index": {A1_TABLE: _table('table.to_csv(path, sep="\\t")')},
    "table_decimal_comma": {
        A1_TABLE: _table('table.to_csv(path, sep="\\t", index=False, decimal=",")')
    },
    "rois_appended": {
        A1_ROIS: "def save_rois(rois, output_dir):\n"
        '    path = Path(output_dir) / "rois.zip"\n'
        "    roifile.roiwrite(path, rois)\n"
        "    return path\n"
    },
    "rois_xy_swapped": {
        A1_ROIS: "def save_rois(rois, output_dir):\n"
        '    path = Path(output_dir) / "rois.zip"\n'
        "    rebuilt = [\n"
        "        roifile.ImagejRoi.frompoints(roi.coordinates()[:, ::-1])\n"
        "        for roi in rois\n"
        "    ]\n"
        '    roifile.roiwrite(path, rebuilt, mode="w")\n'
        "    return path\n"
    },
    # From autograded/<student>/activity1/, ../../../data is the course copy's
    # data/ folder, which holds the input images (../../data from notebooks/).
    "output_in_data_folder": {
        A1_OUTPUT: 'OUTPUT_DIR = Path("../../../data")\n'
        "OUTPUT_DIR.mkdir(exist_ok=True)\n"
    },
    "output_absolute_windows": {
        A1_OUTPUT: 'OUTPUT_DIR = Path("C:/Users/ana/Desktop/output")\n'
        "OUTPUT_DIR.mkdir(parents=True, exist_ok=True)\n"
    },
    "output_absolute_missing": {A1_OUTPUT: 'OUTPUT_DIR = Path("/Users/ana/output")\n'},
}

#: Activity 2's typical mistakes: name -> {grade_id: source}.
ACTIVITY2 = {
    "nuclei_8bit": {
        "a2_task6_save_nuclei_mask": "def save_nuclei_mask(labels, output_dir):\n"
        '    path = Path(output_dir) / "nuclei_labels.png"\n'
        "    Image.fromarray(np.asarray(labels).astype(np.uint8)).save(path)\n"
        "    return path\n"
    },
    "table_tab": {
        "a2_task2_save_table_csv": "def save_table_csv(table, output_dir):\n"
        '    path = Path(output_dir) / "results.csv"\n'
        '    table.to_csv(path, sep="\\t", index=False)\n'
        "    return path\n"
    },
    "jpeg_good": {
        "a2_task5_format_choices": "PNG16_GOOD_FOR_LABELS = True\n"
        "JPEG_GOOD_FOR_LABELS = True  # it looks the same to me\n"
        "COLOUR_PNG_GOOD_FOR_LABELS = False\n"
    },
    "compare_pixels": {
        "a2_task4_compare_labels": "def compare_labels(original, reread):\n"
        "    return {\n"
        '        "values_before": len(np.unique(original)),\n'
        '        "values_after": len(np.unique(reread)),\n'
        '        "objects_changed": int(np.count_nonzero(original != reread)),\n'
        "    }\n"
    },
}

#: The quiz's right answers, one per question.
QUIZ_RIGHT = {
    Q1: 'Q1_OUTPUT_TYPES = "results tables, ROI sets, label masks"',
    Q2: 'Q2_FORMAT_PROPERTY = "interoperable"',
    Q3: "Q3_JPEG_FOR_LABEL_MASKS = False",
    Q4: "Q4_TAB_DELIMITED_FOR_TABLES = True",
}

#: A small quiz class graded by the class-grading tests (local pool and Dask):
#: student -> answers (None: the solution's, {}: untouched).
QUIZ_CLASS = {
    "solution": None,
    "untouched": {},
    "right": QUIZ_RIGHT,
    "two_wrong": {
        **QUIZ_RIGHT,
        Q2: 'Q2_FORMAT_PROPERTY = "lossless"',
        Q3: "Q3_JPEG_FOR_LABEL_MASKS = True",
    },
    "name_error": {**QUIZ_RIGHT, Q1: "Q1_OUTPUT_TYPES = undefined_name"},
}

#: Quiz answers changed from :data:`QUIZ_RIGHT`: name -> {grade_id: source}.
#: "tolerant" is right, in other words; the others are partly wrong.
QUIZ = {
    "tolerant": {
        Q1: 'Q1_OUTPUT_TYPES = "Label images; ROIs & measurement tables"',
        Q2: 'Q2_FORMAT_PROPERTY = "an Open-Standard"',
        Q3: 'Q3_JPEG_FOR_LABEL_MASKS = "no"',
        Q4: 'Q4_TAB_DELIMITED_FOR_TABLES = "T"',
    },
    "two_types_lossless": {
        Q1: 'Q1_OUTPUT_TYPES = "results tables, ROI sets"',
        Q2: 'Q2_FORMAT_PROPERTY = "lossless"',
    },
    "jpeg_true": {Q3: "Q3_JPEG_FOR_LABEL_MASKS = True"},
    "one_type_and_wrong_tf": {
        Q1: 'Q1_OUTPUT_TYPES = "masks, images, pixels"',
        Q4: "Q4_TAB_DELIMITED_FOR_TABLES = False",
    },
}

#: Hostile answers: name -> {grade_id: source}. "endless_loop" is the quiz's,
#: "os_exit" activity 2's, the others activity 1's.
HOSTILE = {
    "endless_loop": {Q2: "while True:\n    pass\n"},
    "os_exit": {"a2_task4_compare_labels": "import os\n\nos._exit(0)\n"},
    "read_solution": {
        A1_MASK: "# Take the instructor's answer from the course folder.\n"
        "import json\n\n"
        "for folder in [Path.cwd(), *Path.cwd().parents]:\n"
        '    found = sorted(folder.glob("source/activity1/*.ipynb"))\n'
        "    if found:\n"
        "        break\n"
        'source = json.loads(found[0].read_text(encoding="utf-8"))\n'
        'for cell in source["cells"]:\n'
        '    if "def save_label_mask" in "".join(cell["source"]):\n'
        '        exec("".join(cell["source"]))\n'
    },
    # Patches the grader (its checks of the reference and the unseen data),
    # then saves a JPEG.
    "patch_grader": {
        A1_MASK: "import outputsaving.grading.activity1 as _grader\n"
        "import outputsaving.grading.activity1_unseen as _unseen\n"
        "from PIL import Image\n\n"
        "_grader.label_mask_result = lambda *args, **kwargs: []\n"
        "_unseen.unseen_mask_result = lambda *args, **kwargs: []\n\n\n"
        + _mask(
            '    path = Path(output_dir) / "label_mask.jpg"\n'
            "    Image.fromarray(np.asarray(labels).astype(np.uint8)).save(path)\n"
            "    return path\n"
        )
    },
}
