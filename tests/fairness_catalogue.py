"""The fairness catalogue: submissions whose deserved score is written down first.

An independent examiner's view of grading: right work written another way,
partly right work, honest accidents (a copy-pasted cell, a test cell edited or
deleted), cheats, and feedback traps. Each case is built from the released
student notebook with the solution's answers, then changed the way a learner
would; its **deserved** score per test cell is in ``fairness_deserved.tsv``
(case, grade_id, deserved points, maximum, principle), committed before the
grader changes it judges. The grading tests grade the whole catalogue with
``outputsaving grade`` and compare, cell by cell.

This is instructor material (solutions, and cheats one step from working): it
lives beside the tests, never in the installed package.

Principles (the ``principle`` column), from the fair-grades issue:

- ``repair``: damage honest learners do to nbgrader's cell metadata is
  repaired from the released version; the learner's code runs in their order
  (a duplicated answer cell: the later copy wins); each test cell keeps its
  released content, position and points, once.
- ``own-task``: each test judges its own task: hidden tests run the learner's
  functions on reference data; a changed parameter or an earlier mistake
  costs only the tests that judge it; a test cell judges what its first line
  says; the re-run from settings is tried with other settings and a wrong
  checksum; the mask, table and ROIs agree with each other.
- ``legit``: never punished: printing or displaying an answer, extra cells and
  helpers, re-running a visible test's call or a self-check, using the course's
  public checkers and analysis, many extra files.
- ``tamper``: replacing or patching the course's code, reading grading
  material, calling graders as an oracle, or saving through the course's own
  saving code scores 0 for what it faked, with a flag and a reason.
- ``form``: an answer written in a form that is not graded loses the points,
  and its self-check says so first.
- ``feedback``: feedback shows no hidden-test text and no file the learner
  planted.
- ``message``: messages tell the truth.
"""

from __future__ import annotations

import copy
import csv
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

__all__ = [
    "BY_NAME",
    "CASES",
    "DESERVED_TABLE",
    "Case",
    "build_case",
    "deserved_from",
    "deserved_scores",
    "write_deserved_table",
]

DESERVED_TABLE = Path(__file__).with_name("fairness_deserved.tsv")

A1, A2, QUIZ = "activity1", "activity2", "quiz"

#: Every test cell's points, per assignment, as released.
POINTS = {
    A1: {
        "a1_task1_output_dir_visible": 1,
        "a1_task1_output_dir_hidden": 1,
        "a1_task2_mask_lossless_visible": 2,
        "a1_task2_mask_fresh_folder_hidden": 3,
        "a1_task3_table_tab_visible": 2,
        "a1_task3_table_fresh_folder_hidden": 2,
        "a1_task4_rois_zip_visible": 2,
        "a1_task4_rois_rerun_hidden": 2,
        "a1_task5_settings_visible": 2,
        "a1_task5_settings_rerun_hidden": 3,
    },
    A2: {
        "a2_task1_output_dir_visible": 1,
        "a2_task1_output_dir_hidden": 1,
        "a2_task2_table_csv_visible": 1,
        "a2_task2_table_csv_hidden": 1,
        "a2_task3_mask_formats_visible": 1,
        "a2_task3_png16_hidden": 1,
        "a2_task3_jpeg_hidden": 1,
        "a2_task3_colour_png_hidden": 1,
        "a2_task4_compare_visible": 1,
        "a2_task4_compare_hidden": 2,
        "a2_task5_png16_choice": 1,
        "a2_task5_jpeg_choice": 1,
        "a2_task5_colour_png_choice": 1,
        "a2_task6_nuclei_mask_visible": 1,
        "a2_task6_nuclei_mask_hidden": 2,
    },
    QUIZ: {
        "quiz_q1_one_type": 1,
        "quiz_q1_two_types": 1,
        "quiz_q1_three_types": 1,
        "quiz_q2_format": 1,
        "quiz_q3_jpeg": 1,
        "quiz_q4_tab": 1,
    },
}


@dataclass(frozen=True)
class Case:
    """One submission of the catalogue.

    Attributes
    ----------
    name : str
        The case, also the student id it is submitted as.
    assignment : str
    principle : str
        One of the module docstring's principles.
    story : str
        What the learner did, in a sentence.
    change : callable
        ``change(notebook, answers) -> files``: edits a copy of the released
        notebook (answer cells already hold ``answers``, the solution's) in
        place; returns extra files to hand in, ``{relative path: bytes}``.
    says : tuple of str
        Words the learner's feedback must contain (the reason named).
    flagged : bool
        Whether the instructor must be asked to review it.
    """

    name: str
    assignment: str
    principle: str
    story: str
    change: Callable
    says: tuple[str, ...] = ()
    flagged: bool = False


# -- editing a notebook as a learner would ---------------------------------------


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _index(notebook, grade_id: str) -> int:
    for index, cell in enumerate(notebook.cells):
        if _grade_id(cell) == grade_id:
            return index
    msg = f"no cell {grade_id!r}"
    raise KeyError(msg)


def _cell(notebook, grade_id: str):
    return notebook.cells[_index(notebook, grade_id)]


def _set(notebook, grade_id: str, source: str) -> None:
    _cell(notebook, grade_id).source = source


def _append(notebook, grade_id: str, source: str) -> None:
    cell = _cell(notebook, grade_id)
    cell.source = cell.source.rstrip("\n") + "\n" + source


def _insert_after(notebook, grade_id: str, source: str, *, markdown=False) -> None:
    """A learner's own cell, right after the cell ``grade_id``."""
    new = nbformat.v4.new_markdown_cell if markdown else nbformat.v4.new_code_cell
    notebook.cells.insert(_index(notebook, grade_id) + 1, new(source))


def _insert_before(notebook, grade_id: str, source: str) -> None:
    notebook.cells.insert(_index(notebook, grade_id), nbformat.v4.new_code_cell(source))


def _append_cell(notebook, source: str) -> None:
    notebook.cells.append(nbformat.v4.new_code_cell(source))


def _pasted(cell):
    """A copy of ``cell`` as JupyterLab pastes it: same metadata, a new id."""
    copied = copy.deepcopy(cell)
    copied["id"] = uuid.uuid4().hex[:8]
    return copied


def _duplicate(notebook, grade_id: str, *, first: str | None = None) -> None:
    """Copy-paste the cell ``grade_id`` right below itself (same metadata).

    ``first``: the source the learner left in the upper copy (the lower copy
    keeps the cell's current source, as after editing the pasted one).
    """
    index = _index(notebook, grade_id)
    copied = _pasted(notebook.cells[index])
    if first is not None:
        notebook.cells[index].source = first
    notebook.cells.insert(index + 1, copied)


def _cell_with(notebook, text: str) -> int:
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and text in cell.source:
            return index
    msg = f"no code cell holds {text!r}"
    raise KeyError(msg)


def _replace_in_given_cell(notebook, old: str, new: str) -> None:
    cell = notebook.cells[_cell_with(notebook, old)]
    cell.source = cell.source.replace(old, new)


def _mask_function(body: str) -> str:
    return "def save_label_mask(labels, output_dir):\n" + body


def _no_files(_notebook, _answers) -> dict:
    return {}


# -- section 1: every submission gets a grade --------------------------------------


def _dup_answer_later_right(notebook, answers):
    _duplicate(notebook, "quiz_q3_answer", first="Q3_JPEG_FOR_LABEL_MASKS = True\n")
    return {}


def _dup_answer_later_wrong(notebook, answers):
    _set(notebook, "quiz_q4_answer", "Q4_TAB_DELIMITED_FOR_TABLES = False\n")
    cell = _cell(notebook, "quiz_q4_answer")
    index = _index(notebook, "quiz_q4_answer")
    upper = _pasted(cell)
    upper.source = answers["quiz_q4_answer"]
    notebook.cells.insert(index, upper)
    return {}


def _dup_test_cell(notebook, answers):
    _duplicate(notebook, "a1_task3_table_tab_visible")
    return {}


def _dup_answer_table(notebook, answers):
    wrong = answers["a1_task3_save_table"].replace('sep="\\t", ', "")
    _duplicate(notebook, "a1_task3_save_table", first=wrong)
    return {}


def _points_edited(notebook, answers):
    _cell(notebook, "quiz_q2_format").metadata["nbgrader"]["points"] = 5
    return {}


def _grade_flag_edited(notebook, answers):
    _cell(notebook, "quiz_q4_tab").metadata["nbgrader"]["grade"] = False
    return {}


def _solution_flag_edited(notebook, answers):
    meta = _cell(notebook, "a1_task1_output_dir_visible").metadata["nbgrader"]
    meta["solution"] = True
    meta["locked"] = False
    return {}


def _test_deleted(notebook, answers):
    del notebook.cells[_index(notebook, "quiz_q3_jpeg")]
    return {}


def _test_to_markdown(notebook, answers):
    index = _index(notebook, "a2_task4_compare_visible")
    old = notebook.cells[index]
    new = nbformat.v4.new_markdown_cell(
        old.source, metadata=copy.deepcopy(old.metadata)
    )
    notebook.cells[index] = new
    return {}


def _block_moved(notebook, answers):
    """Question 4's heading, answer, self-check and test moved above question 3."""
    start = next(
        i
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "markdown" and cell.source.startswith("## Question 4")
    )
    end = _index(notebook, "quiz_q4_tab") + 1
    block = notebook.cells[start:end]
    del notebook.cells[start:end]
    q3 = next(
        i
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "markdown" and cell.source.startswith("## Question 3")
    )
    notebook.cells[q3:q3] = block
    return {}


def _tests_moved_up(notebook, answers):
    """Question 1's three test cells dragged to the top of the notebook."""
    ids = ("quiz_q1_one_type", "quiz_q1_two_types", "quiz_q1_three_types")
    cells = [notebook.cells[_index(notebook, grade_id)] for grade_id in ids]
    for cell in cells:
        notebook.cells.remove(cell)
    notebook.cells[1:1] = cells
    return {}


def _foreign_kernel(notebook, answers):
    notebook.metadata["kernelspec"] = {
        "name": "conda-env-bioimage-py",
        "display_name": "Python [conda env:bioimage]",
        "language": "python",
    }
    return {}


# -- section 2: each test judges its own task ----------------------------------------


def _changed_max_size(notebook, answers):
    _replace_in_given_cell(notebook, "MAX_SIZE = 1000", "MAX_SIZE = 2000")
    return {}


def _no_mkdir(notebook, answers):
    _set(notebook, "a1_task1_output_dir", 'OUTPUT_DIR = Path("output")\n')
    return {}


def _labels_overwritten(notebook, answers):
    index = _cell_with(notebook, "rois = rois_from_labels(labels)")
    notebook.cells.insert(
        index + 1,
        nbformat.v4.new_code_cell(
            "# Just the foreground, to look at it\n"
            "labels = (labels > 0).astype(np.uint8)\n"
            "labels.sum()\n"
        ),
    )
    return {}


_RERUN_HEAD = (
    "def rerun_from_settings(settings_path):\n"
    "    # Re-run the analysis from a settings file; return the labels.\n"
)


def _with_rerun(answers, body: str) -> str:
    source = answers["a1_task5_save_settings"]
    return source[: source.index("def rerun_from_settings")] + _RERUN_HEAD + body


def _rerun_ignores_settings(notebook, answers):
    _set(
        notebook,
        "a1_task5_save_settings",
        _with_rerun(
            answers,
            "    image = tifffile.imread(INPUT_PATH)\n"
            "    return label_objects(image, min_size=MIN_SIZE, max_size=MAX_SIZE)\n",
        ),
    )
    return {}


def _rerun_no_checksum(notebook, answers):
    _set(
        notebook,
        "a1_task5_save_settings",
        _with_rerun(
            answers,
            '    settings = json.loads(Path(settings_path).read_text(encoding="utf-8"))\n'
            '    image = tifffile.imread(data_path(settings["input_file"]))\n'
            "    return label_objects(image, min_size=settings['min_size'],\n"
            "                         max_size=settings['max_size'])\n",
        ),
    )
    return {}


def _mask_renumbered(notebook, answers):
    _set(
        notebook,
        "a1_task2_save_label_mask",
        _mask_function(
            "    # biggest label first, for a nicer colour order\n"
            "    labels = np.asarray(labels)\n"
            "    flipped = np.where(labels > 0, labels.max() + 1 - labels, 0)\n"
            '    path = Path(output_dir) / "label_mask.tif"\n'
            "    tifffile.imwrite(path, flipped.astype(np.uint16))\n"
            "    return path\n"
        ),
    )
    return {}


# -- section 3: legitimate work and tampering -------------------------------------


def _print_answers(notebook, answers):
    _append(notebook, "quiz_q1_answer", "Q1_OUTPUT_TYPES")
    _append(notebook, "quiz_q3_answer", "print(Q3_JPEG_FOR_LABEL_MASKS)")
    _append(
        notebook, "quiz_q4_answer", 'print("my answer:", Q4_TAB_DELIMITED_FOR_TABLES)'
    )
    return {}


def _helpers_and_extra_cells(notebook, answers):
    _insert_after(
        notebook,
        "a1_task1_output_dir",
        "def in_output(name):\n"
        "    # every file of this notebook goes into OUTPUT_DIR\n"
        "    return OUTPUT_DIR / name\n",
    )
    _insert_after(
        notebook,
        "a1_task1_output_dir",
        "My notes: outputs go to output/.",
        markdown=True,
    )
    _set(
        notebook,
        "a1_task3_save_table",
        "def _tab_text(table):\n"
        '    return table.to_csv(sep="\\t", index=False)\n\n\n'
        "def save_table(table, output_dir):\n"
        '    path = Path(output_dir) / "measurements.txt"\n'
        '    path.write_text(_tab_text(table), encoding="utf-8")\n'
        "    return path\n",
    )
    _append_cell(notebook, "table.describe()")
    return {}


def _rerun_visible_calls(notebook, answers):
    _insert_after(
        notebook,
        "a1_task2_mask_fresh_folder_hidden",
        "# checking again after my change\n"
        "from outputsaving.grading import activity1\n\n"
        "activity1.grade_saved_label_mask(label_mask_path, OUTPUT_DIR)\n",
    )
    _append_cell(notebook, "selfcheck.label_mask(label_mask_path, OUTPUT_DIR)")
    _append_cell(notebook, "selfcheck.rois(rois_path, OUTPUT_DIR)")
    return {}


def _public_checkers(notebook, answers):
    _append_cell(
        notebook,
        "from outputsaving.analysis import segment_shapes\n"
        "from outputsaving.labels import check_label_mask\n"
        "from outputsaving.table import check_table\n\n"
        "again = segment_shapes(image, min_size=MIN_SIZE, max_size=MAX_SIZE)\n"
        "print(check_label_mask(label_mask_path, reference=again).report())\n"
        'print(check_table(table_path, sep="tab", labels=labels).report())\n',
    )
    return {}


_JPEG_MASK = _mask_function(
    '    path = Path(output_dir) / "label_mask.jpg"\n'
    "    Image.fromarray(np.asarray(labels).astype(np.uint8)).save(path)\n"
    "    return path\n"
)


def _patch_alias(notebook, answers):
    _set(
        notebook,
        "a1_task2_save_label_mask",
        "from PIL import Image\n"
        "from outputsaving import grading as _g\n\n"
        "_checks = _g.activity1\n"
        "_checks.label_mask_result = lambda *args, **kwargs: []\n\n\n" + _JPEG_MASK,
    )
    return {}


def _patch_setattr(notebook, answers):
    _set(
        notebook,
        "a1_task3_save_table",
        "import outputsaving.grading.activity1 as _a1\n\n"
        'setattr(_a1, "table_result", lambda *args, **kwargs: [])\n\n\n'
        "def save_table(table, output_dir):\n"
        '    path = Path(output_dir) / "results.csv"\n'
        "    table.to_csv(path, index=False)\n"
        "    return path\n",
    )
    return {}


def _patch_dict(notebook, answers):
    _set(
        notebook,
        "a1_task4_save_rois",
        "from outputsaving.grading import activity1 as _a1\n\n"
        '_a1.__dict__["rois_result"] = lambda *args, **kwargs: []\n\n\n'
        "def save_rois(rois, output_dir):\n"
        '    path = Path(output_dir) / "rois.zip"\n'
        "    swapped = [roifile.ImagejRoi.frompoints(r.coordinates()[:, ::-1]) for r in rois]\n"
        '    roifile.roiwrite(path, swapped, mode="w")\n'
        "    return path\n",
    )
    return {}


def _patch_sys_modules(notebook, answers):
    source = answers["a1_task5_save_settings"].replace(
        '        "input_sha256": hashlib.sha256(INPUT_PATH.read_bytes()).hexdigest(),\n',
        "",
    )
    _set(
        notebook,
        "a1_task5_save_settings",
        "import sys\nimport types\n\n"
        '_fake = types.ModuleType("outputsaving.grading.activity1")\n'
        "_fake.__getattr__ = lambda name: (lambda *args, **kwargs: None)\n"
        'sys.modules["outputsaving.grading.activity1"] = _fake\n'
        "import outputsaving.grading\n\n"
        "outputsaving.grading.activity1 = _fake\n\n" + source,
    )
    return {}


def _patch_other_module(notebook, answers):
    _set(
        notebook,
        "a1_task2_save_label_mask",
        "from PIL import Image\n"
        "import outputsaving.demo as _demo\n\n\n"
        "def _always(path, *, reference=None):\n"
        '    return _demo.CheckResult(kind="labels", path=str(path))\n\n\n'
        "_demo.check_label_mask.__code__ = _always.__code__\n\n\n" + _JPEG_MASK,
    )
    return {}


def _read_hidden_cases(notebook, answers):
    _set(
        notebook,
        "a2_task4_compare_labels",
        "from outputsaving.grading import activity2 as _a2\n\n"
        "_KNOWN = _a2.compare_cases()\n\n\n"
        "def compare_labels(original, reread):\n"
        "    for _name, before, after, expected in _KNOWN:\n"
        "        if np.array_equal(before, original) and np.array_equal(after, reread):\n"
        "            return dict(expected)\n"
        "    values = len(np.unique(original))\n"
        '    return {"values_before": values, "values_after": values, '
        '"objects_changed": 0}\n',
    )
    return {}


def _read_reference_labels(notebook, answers):
    _set(
        notebook,
        "a1_task2_save_label_mask",
        "from outputsaving.grading.activity1 import reference_labels\n\n\n"
        + _mask_function(
            '    path = Path(output_dir) / "label_mask.tif"\n'
            "    tifffile.imwrite(path, reference_labels().astype(np.uint16))\n"
            "    return path\n"
        ),
    )
    return {}


def _oracle_quiz(notebook, answers):
    _insert_before(
        notebook,
        "quiz_q2_answer",
        "from outputsaving.grading import quiz as _quiz\n\n"
        'for word in ["lossless", "open", "compressed", "interoperable", "binary"]:\n'
        "    if _quiz.check_format_property(word).passed:\n"
        '        print("found:", word)\n'
        "for guess in (True, False):\n"
        '    if _quiz.check_true_false(guess, question="q3").passed:\n'
        '        print("q3:", guess)\n',
    )
    return {}


def _oracle_format_choice(notebook, answers):
    _insert_before(
        notebook,
        "a2_task5_format_choices",
        "from outputsaving.grading import activity2 as _a2\n\n"
        "for guess in (True, False):\n"
        '    if _a2.check_format_choice(guess, fmt="jpeg").passed:\n'
        '        print("JPEG:", guess)\n',
    )
    return {}


def _save_via_demo(notebook, answers):
    demo = (
        "from outputsaving.demo import OUTPUT_NAMES, run_demo\n\n\n"
        "def _course_outputs(output_dir, kind):\n"
        "    run_demo(Path(output_dir))\n"
        "    return Path(output_dir) / OUTPUT_NAMES[kind]\n\n\n"
    )
    _set(
        notebook,
        "a1_task2_save_label_mask",
        demo + _mask_function('    return _course_outputs(output_dir, "labels")\n'),
    )
    _set(
        notebook,
        "a1_task3_save_table",
        "def save_table(table, output_dir):\n"
        '    return _course_outputs(output_dir, "table")\n',
    )
    _set(
        notebook,
        "a1_task4_save_rois",
        "def save_rois(rois, output_dir):\n"
        '    return _course_outputs(output_dir, "rois")\n',
    )
    source = answers["a1_task5_save_settings"]
    rerun = source[source.index("def rerun_from_settings") :]
    _set(
        notebook,
        "a1_task5_save_settings",
        "def save_settings(output_dir):\n"
        '    return _course_outputs(output_dir, "settings")\n\n\n' + rerun,
    )
    return {}


def _make_settings(notebook, answers):
    source = answers["a1_task5_save_settings"]
    rerun = source[source.index("def rerun_from_settings") :]
    _set(
        notebook,
        "a1_task5_save_settings",
        "from outputsaving.settings import make_settings\n\n\n"
        "def save_settings(output_dir):\n"
        "    settings = make_settings(INPUT_PATH, min_size=MIN_SIZE, max_size=MAX_SIZE)\n"
        '    path = Path(output_dir) / "settings.json"\n'
        "    path.write_text(json.dumps(settings), encoding='utf-8')\n"
        "    return path\n\n\n" + rerun,
    )
    return {}


def _many_files(notebook, answers):
    _append_cell(
        notebook,
        "# scratch files from my experiments\n"
        "for i in range(250):\n"
        '    (OUTPUT_DIR / f"aaa_scratch_{i:03d}.txt").write_text("x")\n',
    )
    return {}


def _computed_quiz_answer(notebook, answers):
    _set(notebook, "quiz_q2_answer", 'Q2_FORMAT_PROPERTY = "inter" + "operable"\n')
    return {}


def _printed_choices(notebook, answers):
    _append(
        notebook,
        "a2_task5_format_choices",
        "print(PNG16_GOOD_FOR_LABELS, JPEG_GOOD_FOR_LABELS, COLOUR_PNG_GOOD_FOR_LABELS)",
    )
    return {}


# -- section 4: feedback shows only what it should ----------------------------------


def _print_history(notebook, answers):
    _append_cell(notebook, 'print("\\n".join(In))\nprint(_ih[-3:])')
    _append_cell(notebook, "%history")
    return {}


def _history_to_file(notebook, answers):
    _append_cell(
        notebook,
        'Path("my_history.txt").write_text("\\n".join(_ih), encoding="utf-8")\n'
        '(OUTPUT_DIR / "history.html").write_text("<pre>" + "\\n".join(In) + "</pre>")\n',
    )
    return {}


def _planted_summary(notebook, answers):
    _set(notebook, "quiz_q3_answer", "Q3_JPEG_FOR_LABEL_MASKS = True\n")
    _set(notebook, "quiz_q4_answer", "Q4_TAB_DELIMITED_FOR_TABLES = False\n")
    page = b"<html><body><h1>Score: 6 / 6</h1><p>All tests passed.</p></body></html>"
    return {"grades_summary.html": page, "quiz_output_saving.html": page}


# -- section 5: messages tell the truth --------------------------------------------


def _jpeg_in_tiff(notebook, answers):
    _set(
        notebook,
        "a1_task2_save_label_mask",
        _mask_function(
            '    path = Path(output_dir) / "label_mask.tif"\n'
            '    tifffile.imwrite(path, np.asarray(labels).astype(np.uint8), compression="jpeg")\n'
            "    return path\n"
        ),
    )
    return {}


def _folder_returned(notebook, answers):
    _set(
        notebook,
        "a1_task4_save_rois",
        "def save_rois(rois, output_dir):\n"
        '    roifile.roiwrite(Path(output_dir) / "rois.zip", rois, mode="w")\n'
        "    return output_dir\n",
    )
    return {}


def _one_label(notebook, answers):
    _set(
        notebook,
        "a1_task2_save_label_mask",
        _mask_function(
            '    path = Path(output_dir) / "label_mask.tif"\n'
            "    tifffile.imwrite(path, (np.asarray(labels) > 0).astype(np.uint8))\n"
            "    return path\n"
        ),
    )
    return {}


CASES: tuple[Case, ...] = (
    # -- 1: every submission gets a grade (honest damage to the metadata) --------
    Case(
        "dup_answer_later_right",
        QUIZ,
        "repair",
        "copy-pasted question 3's answer cell; the upper copy says True, the lower False",
        _dup_answer_later_right,
        says=("quiz_q3_answer appears twice",),
    ),
    Case(
        "dup_answer_later_wrong",
        QUIZ,
        "repair",
        "copy-pasted question 4's answer cell; the upper copy is right, the lower wrong",
        _dup_answer_later_wrong,
        says=("quiz_q4_answer appears twice",),
    ),
    Case(
        "dup_test_cell",
        A1,
        "repair",
        "copy-pasted task 3's visible test cell",
        _dup_test_cell,
        says=("a1_task3_table_tab_visible appears twice",),
    ),
    Case(
        "dup_answer_table",
        A1,
        "repair",
        "copy-pasted save_table's cell, fixed the lower copy and kept the old one",
        _dup_answer_table,
        says=("a1_task3_save_table appears twice",),
    ),
    Case(
        "points_edited",
        QUIZ,
        "repair",
        "changed question 2's test cell to 5 points in the cell toolbar",
        _points_edited,
        says=("quiz_q2_format",),
    ),
    Case(
        "grade_flag_edited",
        QUIZ,
        "repair",
        "switched question 4's test cell to 'Manually graded answer' and back",
        _grade_flag_edited,
        says=("quiz_q4_tab",),
    ),
    Case(
        "solution_flag_edited",
        A1,
        "repair",
        "made task 1's visible test cell an editable answer cell",
        _solution_flag_edited,
        says=("a1_task1_output_dir_visible",),
    ),
    Case(
        "test_deleted",
        QUIZ,
        "repair",
        "deleted question 3's test cell",
        _test_deleted,
        says=("quiz_q3_jpeg",),
    ),
    Case(
        "test_to_markdown",
        A2,
        "repair",
        "turned task 4's visible test cell into markdown",
        _test_to_markdown,
        says=("a2_task4_compare_visible",),
    ),
    Case(
        "block_moved",
        QUIZ,
        "repair",
        "moved question 4 (heading, answer, self-check, test) above question 3",
        _block_moved,
    ),
    Case(
        "tests_moved_up",
        QUIZ,
        "repair",
        "dragged question 1's three test cells to the top of the notebook",
        _tests_moved_up,
        says=("quiz_q1_one_type",),
    ),
    Case(
        "foreign_kernel",
        QUIZ,
        "repair",
        "worked in a kernel of their own conda environment (another kernel name)",
        _foreign_kernel,
        says=("conda-env-bioimage-py",),
    ),
    # -- 2: each test judges its own task ------------------------------------------
    Case(
        "changed_max_size",
        A1,
        "own-task",
        "changed the given MAX_SIZE to 2000; every function is right",
        _changed_max_size,
        says=("7",),
    ),
    Case(
        "no_mkdir",
        A1,
        "own-task",
        "set OUTPUT_DIR without creating it, so each save in the notebook failed",
        _no_mkdir,
        says=("does not exist",),
    ),
    Case(
        "labels_overwritten",
        A1,
        "own-task",
        "overwrote labels with the foreground in an extra cell before saving",
        _labels_overwritten,
        says=("binary mask",),
    ),
    Case(
        "rerun_ignores_settings",
        A1,
        "own-task",
        "rerun_from_settings re-runs with the notebook's limits, not the file's",
        _rerun_ignores_settings,
        says=("rerun_from_settings",),
    ),
    Case(
        "rerun_no_checksum",
        A1,
        "own-task",
        "rerun_from_settings never compares the input's checksum",
        _rerun_no_checksum,
        says=("checksum",),
    ),
    Case(
        "mask_renumbered",
        A1,
        "own-task",
        "saved the mask with its labels numbered in reverse",
        _mask_renumbered,
        says=("numbered",),
    ),
    # -- 3: legitimate work is never punished; tampering scores 0 -------------------
    Case(
        "print_answers",
        QUIZ,
        "legit",
        "printed or displayed the answers in the answer cells",
        _print_answers,
    ),
    Case(
        "helpers_and_extra_cells",
        A1,
        "legit",
        "added a helper function, a notes cell and an exploring cell",
        _helpers_and_extra_cells,
    ),
    Case(
        "rerun_visible_calls",
        A1,
        "legit",
        "re-ran a visible test's call and two self-checks in cells of their own",
        _rerun_visible_calls,
    ),
    Case(
        "public_checkers",
        A1,
        "legit",
        "checked the saved files with the course's public checkers and analysis",
        _public_checkers,
    ),
    Case(
        "many_files",
        A1,
        "legit",
        "left 250 scratch files in the output folder",
        _many_files,
    ),
    Case(
        "printed_choices",
        A2,
        "legit",
        "printed the three judgements in their answer cell",
        _printed_choices,
    ),
    Case(
        "patch_alias",
        A1,
        "tamper",
        "replaced the mask check through an alias of the grading package; JPEG mask",
        _patch_alias,
        says=("grading code",),
        flagged=True,
    ),
    Case(
        "patch_setattr",
        A1,
        "tamper",
        "replaced the table check with setattr; comma-separated table",
        _patch_setattr,
        says=("grading code",),
        flagged=True,
    ),
    Case(
        "patch_dict",
        A1,
        "tamper",
        "replaced the ROI check through the module's __dict__; x and y swapped",
        _patch_dict,
        says=("grading code",),
        flagged=True,
    ),
    Case(
        "patch_sys_modules",
        A1,
        "tamper",
        "put a fake grading module into sys.modules; settings without checksum",
        _patch_sys_modules,
        says=("grading code",),
        flagged=True,
    ),
    Case(
        "patch_other_module",
        A1,
        "tamper",
        "replaced the label checker's code through outputsaving.demo; JPEG mask",
        _patch_other_module,
        says=("grading code",),
        flagged=True,
    ),
    Case(
        "read_hidden_cases",
        A2,
        "tamper",
        "compare_labels looks its answers up in the grader's example cases",
        _read_hidden_cases,
        says=("grading",),
        flagged=True,
    ),
    Case(
        "read_reference_labels",
        A1,
        "tamper",
        "save_label_mask saves the grader's reference labels, not its argument",
        _read_reference_labels,
        says=("grading",),
        flagged=True,
    ),
    Case(
        "oracle_quiz",
        QUIZ,
        "tamper",
        "found questions 2 and 3 by calling the quiz's grader on candidate answers",
        _oracle_quiz,
        says=("grading",),
        flagged=True,
    ),
    Case(
        "oracle_format_choice",
        A2,
        "tamper",
        "found the JPEG judgement by calling the grader on True and False",
        _oracle_format_choice,
        says=("grading",),
        flagged=True,
    ),
    Case(
        "save_via_demo",
        A1,
        "tamper",
        "every save function runs outputsaving.demo and returns its files",
        _save_via_demo,
        says=("course's own saving code",),
        flagged=True,
    ),
    Case(
        "make_settings",
        A1,
        "tamper",
        "save_settings builds the settings with the course's make_settings",
        _make_settings,
        says=("course's own saving code",),
        flagged=True,
    ),
    # -- 3 (agreement): the form of an answer ----------------------------------------
    Case(
        "computed_quiz_answer",
        QUIZ,
        "form",
        'wrote question 2 as "inter" + "operable"',
        _computed_quiz_answer,
        says=("plain values",),
    ),
    # -- 4: feedback shows only what it should ---------------------------------------
    Case(
        "print_history",
        QUIZ,
        "feedback",
        "printed the kernel's input history (In, _ih, %history) at the end",
        _print_history,
    ),
    Case(
        "history_to_file",
        A1,
        "feedback",
        "wrote the input history into files of the submission",
        _history_to_file,
    ),
    Case(
        "planted_summary",
        QUIZ,
        "feedback",
        "handed in an HTML page saying 'Score: 6 / 6'; two answers wrong",
        _planted_summary,
    ),
    # -- 5: messages tell the truth ----------------------------------------------
    Case(
        "jpeg_in_tiff",
        A1,
        "message",
        "saved the mask as a TIFF with JPEG compression",
        _jpeg_in_tiff,
        says=("JPEG compression",),
    ),
    Case(
        "folder_returned",
        A1,
        "message",
        "save_rois returns the output folder instead of the zip's path",
        _folder_returned,
        says=("folder",),
    ),
    Case(
        "one_label",
        A1,
        "message",
        "saved the foreground as one label (0 and 1)",
        _one_label,
        says=("binary mask",),
    ),
)


BY_NAME = {case.name: case for case in CASES}


def deserved_from(table: Path, name: str) -> dict[str, float]:
    """grade_id -> the points the case ``name`` deserves, from ``table`` (TSV)."""
    with Path(table).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {
        row["grade_id"]: float(row["deserved"]) for row in rows if row["case"] == name
    }


def write_deserved_table(table: Path, cases, loses) -> None:
    """Write a deserved-score table: each case loses the cells ``loses[name]``.

    Run by hand, once, when a catalogue's cases are written down (before the
    grader change they judge); the table is then committed as it is.
    """
    with Path(table).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(
            ["case", "assignment", "grade_id", "deserved", "max", "principle", "story"]
        )
        for case in cases:
            for grade_id, points in POINTS[case.assignment].items():
                deserved = 0 if grade_id in loses[case.name] else points
                writer.writerow(
                    [
                        case.name,
                        case.assignment,
                        grade_id,
                        deserved,
                        points,
                        case.principle,
                        case.story,
                    ]
                )


def deserved_scores(case: Case) -> dict[str, float]:
    """grade_id -> the points ``case`` deserves, from ``fairness_deserved.tsv``."""
    return deserved_from(DESERVED_TABLE, case.name)


def build_case(case: Case, release, answers: dict[str, str]):
    """``(notebook, files)``: the submission of ``case``.

    ``release`` is the released student notebook; ``answers`` maps the
    grade_id of each answer cell to the solution's source.
    """
    notebook = copy.deepcopy(release)
    for cell in notebook.cells:
        grade_id = _grade_id(cell)
        if grade_id in answers:
            cell.source = answers[grade_id]
    files = case.change(notebook, answers) or {}
    return notebook, files
