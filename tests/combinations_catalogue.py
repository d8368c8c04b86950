# ruff: noqa: E501 - learners' code as they would write it, line lengths included
"""Each task's points depend on that task alone: the rows, per task, and their costs.

Every task of activity 1 and activity 2 has two kinds of rows:

- **variants**: right work written another way (another library, another
  writer, extra entries). A variant costs nothing.
- **defects**: work that misses what the task asks for. A defect costs
  exactly the points of the test cells of *its own task* written in
  ``costs`` (grade_id -> points lost), and nothing anywhere else.

The costs were decided from each notebook's task text and the test cells'
first lines ("a test judges what its first line says"), before any grader
change they judge, not from what the grader gave at the time.

Rows of different tasks of one assignment combine freely: a notebook built
from the released student notebook, with the solution's answers and any
rows of distinct tasks applied, deserves, cell by cell, the full points
minus the costs of its defects (:func:`deserved`).
``tests/fairness/test_fairness_combinations.py`` grades a seeded draw of pairs and
triples; ``scripts/grade_every_pair.py`` grades every pair.

This is instructor material (solutions, and mistakes one step from them): it
lives beside the tests, never in the installed package.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from fairness_catalogue import POINTS, Case, _set, build_case

__all__ = [
    "BY_NAME",
    "ROWS",
    "Row",
    "build_combination",
    "combination_id",
    "deserved",
    "draw_combinations",
    "every_pair",
]

A1, A2 = "activity1", "activity2"


@dataclass(frozen=True)
class Row:
    """One way of doing one task: right work written otherwise, or a defect.

    Attributes
    ----------
    name : str
        ``<a1|a2>_<task>_<what>``, unique; combination ids are made of them.
    assignment : str
    task : str
        The task's answer cell grade_id; two rows of one task never combine.
    kind : {"variant", "defect"}
    story : str
        What the learner did, in a sentence.
    change : callable
        ``change(notebook, answers)``: edits the answer cell of ``task`` in
        place (``answers`` are the solution's sources, by grade_id).
    costs : mapping
        grade_id -> the points the row loses; each a test cell of ``task``.
        Empty for a variant.
    """

    name: str
    assignment: str
    task: str
    kind: str
    story: str
    change: Callable
    costs: Mapping[str, int] = field(default_factory=dict)


def _source(code: str) -> Callable:
    """A change that writes ``code`` into the row's answer cell."""

    def change(notebook, answers, *, task):
        _set(notebook, task, code)

    return change


def _function(name: str, code: str) -> Callable:
    """A change that replaces the function ``name`` of the row's answer cell."""

    def change(notebook, answers, *, task):
        _set(notebook, task, _with_function(answers[task], name, code))

    return change


def _with_function(source: str, name: str, code: str) -> str:
    """``source`` with the block ``def name(...)`` (up to the next def) replaced."""
    start = source.index(f"def {name}(")
    end = source.find("\n\n\ndef ", start)
    end = len(source) if end == -1 else end
    return source[:start] + code.rstrip("\n") + source[end:]


def _row(name, assignment, task, kind, story, change, costs=None) -> Row:
    def apply(notebook, answers, _change=change, _task=task):
        _change(notebook, answers, task=_task)

    costs = dict(costs or {})
    if (kind == "variant") == bool(costs):
        msg = f"{name}: a variant costs nothing, a defect costs some points"
        raise ValueError(msg)
    prefix = "_".join(task.split("_")[:2]) + "_"  # a1_task2_save_label_mask: a1_task2_
    unknown = [
        grade_id
        for grade_id in costs
        if grade_id not in POINTS[assignment] or not grade_id.startswith(prefix)
    ]
    if unknown:
        msg = f"{name}: {unknown} are not test cells of {task}"
        raise ValueError(msg)
    return Row(name, assignment, task, kind, story, apply, costs)


# -- activity 1 ---------------------------------------------------------------------

_A1_DIR = "a1_task1_output_dir"
_A1_MASK = "a1_task2_save_label_mask"
_A1_TABLE = "a1_task3_save_table"
_A1_ROIS = "a1_task4_save_rois"
_A1_SETTINGS = "a1_task5_save_settings"

_A1_MASK_ALL = {
    "a1_task2_mask_lossless_visible": 2,
    "a1_task2_mask_fresh_folder_hidden": 3,
}
_A1_TABLE_ALL = {
    "a1_task3_table_tab_visible": 2,
    "a1_task3_table_fresh_folder_hidden": 2,
}
_A1_ROIS_ALL = {"a1_task4_rois_zip_visible": 2, "a1_task4_rois_rerun_hidden": 2}
_A1_SETTINGS_ALL = {"a1_task5_settings_visible": 2, "a1_task5_settings_rerun_hidden": 3}


def _mask(body: str) -> str:
    return (
        "def save_label_mask(labels, output_dir):\n"
        "    # Save the label image into output_dir as a TIFF file; return its path.\n"
        + body
    )


def _table(body: str, head: str = "") -> str:
    return (
        head + "def save_table(table, output_dir):\n"
        "    # Save the results table into output_dir as tab-delimited text; return its path.\n"
        + body
    )


def _rois(body: str, head: str = "") -> str:
    return (
        head + "def save_rois(rois, output_dir):\n"
        "    # Save the ROIs into output_dir as one ImageJ ROI set (.zip); return its path.\n"
        + body
    )


_SETTINGS_DICT = (
    "    packages = ('numpy', 'scikit-image', 'pandas', 'tifffile', 'roifile')\n"
    "    settings = {\n"
    "        'input_file': INPUT_PATH.name,\n"
    "        'input_sha256': hashlib.sha256(INPUT_PATH.read_bytes()).hexdigest(),\n"
    "        'min_size': MIN_SIZE,\n"
    "        'max_size': MAX_SIZE,\n"
    "        'packages': {name: metadata.version(name) for name in packages},\n"
    "        'date': datetime.now().astimezone().isoformat(timespec='seconds'),\n"
    "    }\n"
)


def _save_settings(body: str) -> Callable:
    return _function(
        "save_settings",
        "def save_settings(output_dir):\n"
        "    # Save the settings of this run into output_dir as JSON; return its path.\n"
        + body,
    )


def _rerun(body: str) -> Callable:
    return _function(
        "rerun_from_settings",
        "def rerun_from_settings(settings_path):\n"
        "    # Re-run the analysis from a settings file; return the labels.\n" + body,
    )


def _both(*changes: Callable) -> Callable:
    def change(notebook, answers, *, task):
        for one in changes:
            one(notebook, answers, task=task)
            answers = {**answers, task: _cell_source(notebook, task)}

    return change


def _cell_source(notebook, grade_id: str) -> str:
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return cell.source
    raise KeyError(grade_id)


_YAML_SAVE = (
    _SETTINGS_DICT + "    lines = []\n"
    "    for key, value in settings.items():\n"
    "        if isinstance(value, dict):\n"
    "            lines.append(f'{key}:')\n"
    "            lines += [f'  {k}: \"{v}\"' for k, v in value.items()]\n"
    "        else:\n"
    "            lines.append(f'{key}: {json.dumps(value)}')\n"
    "    path = Path(output_dir) / 'settings.yaml'\n"
    "    path.write_text('\\n'.join(lines) + '\\n', encoding='utf-8')\n"
    "    return path\n"
)
_YAML_RERUN = (
    "    import yaml\n\n"
    "    settings = yaml.safe_load(Path(settings_path).read_text(encoding='utf-8'))\n"
    "    input_path = data_path(settings['input_file'])\n"
    "    if hashlib.sha256(input_path.read_bytes()).hexdigest() != settings['input_sha256']:\n"
    "        raise ValueError('not the image of these settings')\n"
    "    image = tifffile.imread(input_path)\n"
    "    return label_objects(image, min_size=settings['min_size'],\n"
    "                         max_size=settings['max_size'])\n"
)

A1_ROWS = (
    # -- task 1: the output folder --------------------------------------------------
    _row(
        "a1_dir_os_path",
        A1,
        _A1_DIR,
        "variant",
        "built OUTPUT_DIR with os.path.join inside Path(...), created with os.makedirs",
        _source(
            "import os\n\n"
            'OUTPUT_DIR = Path(os.path.join("outputs", "activity1"))\n'
            "os.makedirs(OUTPUT_DIR, exist_ok=True)\n"
        ),
    ),
    _row(
        "a1_dir_unicode",
        A1,
        _A1_DIR,
        "variant",
        "named the output folder 'résultats activité 1', a Path",
        _source(
            'OUTPUT_DIR = Path("résultats activité 1")\n'
            "OUTPUT_DIR.mkdir(exist_ok=True)\n"
        ),
    ),
    _row(
        "a1_dir_str",
        A1,
        _A1_DIR,
        "defect",
        "OUTPUT_DIR is the text 'résultats activité 1' (relative, separate), not a Path",
        _source(
            "import os\n\n"
            'OUTPUT_DIR = "résultats activité 1"\n'
            "os.makedirs(OUTPUT_DIR, exist_ok=True)\n"
        ),
        {"a1_task1_output_dir_visible": 1},
    ),
    _row(
        "a1_dir_absolute",
        A1,
        _A1_DIR,
        "defect",
        "OUTPUT_DIR is absolute: Path.cwd() / 'output'",
        _source(
            'OUTPUT_DIR = Path.cwd() / "output"\n'
            "OUTPUT_DIR.mkdir(parents=True, exist_ok=True)\n"
        ),
        {"a1_task1_output_dir_hidden": 1},
    ),
    _row(
        "a1_dir_notebook_folder",
        A1,
        _A1_DIR,
        "defect",
        "OUTPUT_DIR is the notebook's own folder, Path('.')",
        _source('OUTPUT_DIR = Path(".")\n'),
        {"a1_task1_output_dir_hidden": 1},
    ),
    # -- task 2: the label mask -----------------------------------------------------
    _row(
        "a1_mask_imagej",
        A1,
        _A1_MASK,
        "variant",
        "saved the mask with tifffile's imagej=True",
        _source(
            _mask(
                '    path = Path(output_dir) / "label_mask.tif"\n'
                "    tifffile.imwrite(path, np.asarray(labels).astype(np.uint16), imagej=True)\n"
                "    return path\n"
            )
        ),
    ),
    _row(
        "a1_mask_zlib",
        A1,
        _A1_MASK,
        "variant",
        "saved the mask with tifffile, compression='zlib'",
        _source(
            _mask(
                '    path = Path(output_dir) / "label_mask.tiff"\n'
                "    tifffile.imwrite(path, np.asarray(labels).astype(np.uint16),\n"
                '                     compression="zlib")\n'
                "    return path\n"
            )
        ),
    ),
    _row(
        "a1_mask_pil",
        A1,
        _A1_MASK,
        "variant",
        "saved the mask as a 16-bit TIFF with Pillow",
        _source(
            "from PIL import Image\n\n\n"
            + _mask(
                '    path = Path(output_dir) / "label_mask.tif"\n'
                '    Image.fromarray(np.asarray(labels).astype(np.uint16)).save(path, format="TIFF")\n'
                "    return path\n"
            )
        ),
    ),
    _row(
        "a1_mask_imageio",
        A1,
        _A1_MASK,
        "variant",
        "saved the mask as an 8-bit TIFF with imageio (6 labels fit)",
        _source(
            "import imageio.v3 as iio\n\n\n"
            + _mask(
                "    path = str(Path(output_dir) / 'labels.tif')\n"
                "    iio.imwrite(path, np.asarray(labels).astype(np.uint8))\n"
                "    return path\n"
            )
        ),
    ),
    _row(
        "a1_mask_int32_os_path",
        A1,
        _A1_MASK,
        "variant",
        "saved the labels unconverted (int32: ImageJ opens it, as 32-bit float, "
        "exact), the path built with os.path.join",
        _source(
            "import os\n\n\n"
            + _mask(
                "    path = os.path.join(output_dir, 'label_mask.tif')\n"
                "    tifffile.imwrite(path, labels)\n"
                "    return path\n"
            )
        ),
    ),
    _row(
        "a1_mask_skimage",
        A1,
        _A1_MASK,
        "variant",
        "saved the mask with skimage.io.imsave, unsigned 16-bit",
        _source(
            "from skimage import io as skio\n\n\n"
            + _mask(
                '    path = Path(output_dir) / "label_mask.tif"\n'
                "    skio.imsave(path, np.asarray(labels).astype(np.uint16),\n"
                "                check_contrast=False)\n"
                "    return path\n"
            )
        ),
    ),
    _row(
        "a1_mask_colour_tiff",
        A1,
        _A1_MASK,
        "defect",
        "saved the coloured label image (label2rgb) as an RGB TIFF",
        _source(
            _mask(
                '    path = Path(output_dir) / "label_mask.tif"\n'
                "    rgb = color.label2rgb(labels, bg_label=0)\n"
                "    tifffile.imwrite(path, (rgb * 255).astype(np.uint8))\n"
                "    return path\n"
            )
        ),
        _A1_MASK_ALL,
    ),
    _row(
        "a1_mask_raises",
        A1,
        _A1_MASK,
        "defect",
        "save_label_mask uses Pillow's Image without importing it: a NameError",
        _source(
            _mask(
                '    path = Path(output_dir) / "label_mask.tif"\n'
                "    Image.fromarray(np.asarray(labels).astype(np.uint16)).save(path)\n"
                "    return path\n"
            )
        ),
        _A1_MASK_ALL,
    ),
    _row(
        "a1_mask_jpeg",
        A1,
        _A1_MASK,
        "defect",
        "saved the mask as a JPEG",
        _source(
            "from PIL import Image\n\n\n"
            + _mask(
                '    path = Path(output_dir) / "label_mask.jpg"\n'
                "    Image.fromarray(np.asarray(labels).astype(np.uint8)).save(path)\n"
                "    return path\n"
            )
        ),
        _A1_MASK_ALL,
    ),
    _row(
        "a1_mask_png16",
        A1,
        _A1_MASK,
        "defect",
        "saved the mask as a 16-bit PNG, where the task asks for a TIFF",
        _source(
            "from PIL import Image\n\n\n"
            + _mask(
                '    path = Path(output_dir) / "label_mask.png"\n'
                "    Image.fromarray(np.asarray(labels).astype(np.uint16)).save(path)\n"
                "    return path\n"
            )
        ),
        _A1_MASK_ALL,
    ),
    _row(
        "a1_mask_int64",
        A1,
        _A1_MASK,
        "defect",
        "saved the mask as a 64-bit integer TIFF, which ImageJ does not open",
        _source(
            _mask(
                '    path = Path(output_dir) / "label_mask.tif"\n'
                "    tifffile.imwrite(path, np.asarray(labels).astype(np.int64))\n"
                "    return path\n"
            )
        ),
        _A1_MASK_ALL,
    ),
    # -- task 3: the results table --------------------------------------------------
    _row(
        "a1_table_savetxt",
        A1,
        _A1_TABLE,
        "variant",
        "wrote the table with numpy.savetxt, tab-delimited, header without '#'",
        _source(
            _table(
                '    path = Path(output_dir) / "measurements.txt"\n'
                '    np.savetxt(path, table.to_numpy(), delimiter="\\t", fmt="%.10g",\n'
                '               header="\\t".join(table.columns), comments="")\n'
                "    return path\n"
            )
        ),
    ),
    _row(
        "a1_table_csv_module",
        A1,
        _A1_TABLE,
        "variant",
        "wrote the table with the csv module, delimiter='\\t'",
        _source(
            _table(
                '    path = Path(output_dir) / "results.txt"\n'
                '    with open(path, "w", newline="", encoding="utf-8") as file:\n'
                '        writer = csv.writer(file, delimiter="\\t")\n'
                "        writer.writerow(table.columns)\n"
                "        writer.writerows(table.itertuples(index=False))\n"
                "    return path\n",
                head="import csv\n\n\n",
            )
        ),
    ),
    _row(
        "a1_table_tsv_rounded",
        A1,
        _A1_TABLE,
        "variant",
        "saved a .tsv with pandas, three decimals",
        _source(
            _table(
                '    path = Path(output_dir) / "results.tsv"\n'
                '    table.to_csv(path, sep="\\t", index=False, float_format="%.3f")\n'
                "    return path\n"
            )
        ),
    ),
    _row(
        "a1_table_crlf_bom",
        A1,
        _A1_TABLE,
        "variant",
        "saved for Excel on Windows: a UTF-8 BOM and CRLF line ends",
        _source(
            _table(
                '    path = Path(output_dir) / "results.txt"\n'
                '    table.to_csv(path, sep="\\t", index=False, encoding="utf-8-sig",\n'
                '                 lineterminator="\\r\\n")\n'
                "    return path\n"
            )
        ),
    ),
    _row(
        "a1_table_spaces",
        A1,
        _A1_TABLE,
        "defect",
        "saved table.to_string(): columns aligned with spaces, with the index",
        _source(
            _table(
                '    path = Path(output_dir) / "results.txt"\n'
                '    path.write_text(table.to_string(), encoding="utf-8")\n'
                "    return path\n"
            )
        ),
        _A1_TABLE_ALL,
    ),
    _row(
        "a1_table_comma",
        A1,
        _A1_TABLE,
        "defect",
        "saved the table comma-separated",
        _source(
            _table(
                '    path = Path(output_dir) / "results.csv"\n'
                "    table.to_csv(path, index=False)\n"
                "    return path\n"
            )
        ),
        _A1_TABLE_ALL,
    ),
    _row(
        "a1_table_index",
        A1,
        _A1_TABLE,
        "defect",
        "saved the table tab-delimited with pandas' index column",
        _source(
            _table(
                '    path = Path(output_dir) / "results.txt"\n'
                '    table.to_csv(path, sep="\\t")\n'
                "    return path\n"
            )
        ),
        _A1_TABLE_ALL,
    ),
    _row(
        "a1_table_decimal_comma",
        A1,
        _A1_TABLE,
        "defect",
        "saved the table tab-delimited with decimal commas",
        _source(
            _table(
                '    path = Path(output_dir) / "results.txt"\n'
                '    table.to_csv(path, sep="\\t", index=False, decimal=",")\n'
                "    return path\n"
            )
        ),
        _A1_TABLE_ALL,
    ),
    # -- task 4: the ROIs -------------------------------------------------------------
    _row(
        "a1_rois_zipfile",
        A1,
        _A1_ROIS,
        "variant",
        "wrote the ROI zip by hand: zipfile, deflated, one roi.tobytes() per ROI",
        _source(
            _rois(
                '    path = Path(output_dir) / "RoiSet.zip"\n'
                '    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:\n'
                "        for roi in rois:\n"
                '            archive.writestr(f"{roi.name}.roi", roi.tobytes())\n'
                "    return path\n",
                head="import zipfile\n\n\n",
            )
        ),
    ),
    _row(
        "a1_rois_unlink_first",
        A1,
        _A1_ROIS,
        "variant",
        "deletes an old zip, then lets roifile write (its default mode)",
        _source(
            _rois(
                '    path = Path(output_dir) / "rois.zip"\n'
                "    path.unlink(missing_ok=True)\n"
                "    roifile.roiwrite(path, rois)\n"
                "    return str(path)\n"
            )
        ),
    ),
    _row(
        "a1_rois_single_roi",
        A1,
        _A1_ROIS,
        "defect",
        "saved only the first ROI, as one .roi file",
        _source(
            _rois(
                '    path = Path(output_dir) / "roi.roi"\n'
                "    rois[0].tofile(path)\n"
                "    return path\n"
            )
        ),
        _A1_ROIS_ALL,
    ),
    _row(
        "a1_rois_folder",
        A1,
        _A1_ROIS,
        "defect",
        "saved a folder of .roi files and returned the folder",
        _source(
            _rois(
                '    folder = Path(output_dir) / "rois"\n'
                "    folder.mkdir(exist_ok=True)\n"
                "    for roi in rois:\n"
                '        roi.tofile(folder / f"{roi.name}.roi")\n'
                "    return folder\n"
            )
        ),
        _A1_ROIS_ALL,
    ),
    _row(
        "a1_rois_append",
        A1,
        _A1_ROIS,
        "defect",
        "appends to the zip (mode='a'): a second run holds every ROI twice",
        _source(
            _rois(
                '    path = Path(output_dir) / "rois.zip"\n'
                '    roifile.roiwrite(path, rois, mode="a")\n'
                "    return path\n"
            )
        ),
        {"a1_task4_rois_rerun_hidden": 2},
    ),
    # -- task 5: the settings -----------------------------------------------------------
    _row(
        "a1_settings_extra_keys",
        A1,
        _A1_SETTINGS,
        "variant",
        "saved more entries (author, analysis, connectivity, output folder name)",
        _save_settings(
            _SETTINGS_DICT + "    settings.update({\n"
            "        'author': 'Ana',\n"
            "        'analysis': 'label_objects, 8-connected',\n"
            "        'connectivity': 8,\n"
            "        'output_folder': Path(output_dir).name,\n"
            "        'notes': None,\n"
            "    })\n"
            "    path = Path(output_dir) / 'run_settings.json'\n"
            "    path.write_text(json.dumps(settings, indent=4), encoding='utf-8')\n"
            "    return path\n"
        ),
    ),
    _row(
        "a1_settings_json_dump_utc",
        A1,
        _A1_SETTINGS,
        "variant",
        "json.dump into an open file, sorted keys, the date in UTC with 'Z'",
        _save_settings(
            _SETTINGS_DICT
            + "    settings['date'] = datetime.utcnow().strftime('%Y-%m-%dT%H:%M:%SZ')\n"
            "    path = Path(output_dir) / 'settings.json'\n"
            "    with open(path, 'w', encoding='utf-8') as file:\n"
            "        json.dump(settings, file, sort_keys=True)\n"
            "    return path\n"
        ),
    ),
    _row(
        "a1_settings_upper_checksum",
        A1,
        _A1_SETTINGS,
        "variant",
        "the checksum in upper-case hexadecimal, the limits as floats, compared "
        "without case in the re-run",
        _both(
            _save_settings(
                _SETTINGS_DICT
                + "    settings['input_sha256'] = settings['input_sha256'].upper()\n"
                "    settings['min_size'] = float(MIN_SIZE)\n"
                "    settings['max_size'] = float(MAX_SIZE)\n"
                "    path = Path(output_dir) / 'settings.json'\n"
                "    path.write_text(json.dumps(settings), encoding='utf-8')\n"
                "    return path\n"
            ),
            _rerun(
                "    settings = json.loads(Path(settings_path).read_text('utf-8'))\n"
                "    input_path = data_path(settings['input_file'])\n"
                "    digest = hashlib.sha256(input_path.read_bytes()).hexdigest()\n"
                "    if digest.lower() != settings['input_sha256'].lower():\n"
                "        raise ValueError('not the image of these settings')\n"
                "    image = tifffile.imread(input_path)\n"
                "    return label_objects(image, min_size=settings['min_size'],\n"
                "                         max_size=settings['max_size'])\n"
            ),
        ),
    ),
    _row(
        "a1_settings_text_limits",
        A1,
        _A1_SETTINGS,
        "defect",
        "the size limits saved as text ('0', '1000'), converted back in the re-run",
        _both(
            _save_settings(
                _SETTINGS_DICT + "    settings['min_size'] = str(MIN_SIZE)\n"
                "    settings['max_size'] = str(MAX_SIZE)\n"
                "    path = Path(output_dir) / 'settings.json'\n"
                "    path.write_text(json.dumps(settings), encoding='utf-8')\n"
                "    return path\n"
            ),
            _rerun(
                "    settings = json.loads(Path(settings_path).read_text('utf-8'))\n"
                "    input_path = data_path(settings['input_file'])\n"
                "    digest = hashlib.sha256(input_path.read_bytes()).hexdigest()\n"
                "    if digest != settings['input_sha256']:\n"
                "        raise ValueError('not the image of these settings')\n"
                "    image = tifffile.imread(input_path)\n"
                "    return label_objects(image, min_size=int(settings['min_size']),\n"
                "                         max_size=int(settings['max_size']))\n"
            ),
        ),
        _A1_SETTINGS_ALL,
    ),
    _row(
        "a1_settings_yaml",
        A1,
        _A1_SETTINGS,
        "defect",
        "saved the settings as YAML (and re-runs from YAML)",
        _both(_save_settings(_YAML_SAVE), _rerun(_YAML_RERUN)),
        _A1_SETTINGS_ALL,
    ),
    _row(
        "a1_settings_absolute_input",
        A1,
        _A1_SETTINGS,
        "defect",
        "input_file holds the input image's absolute path",
        _both(
            _save_settings(
                _SETTINGS_DICT
                + "    settings['input_file'] = str(INPUT_PATH.resolve())\n"
                "    path = Path(output_dir) / 'settings.json'\n"
                "    path.write_text(json.dumps(settings, indent=2), encoding='utf-8')\n"
                "    return path\n"
            ),
            _rerun(
                "    settings = json.loads(Path(settings_path).read_text(encoding='utf-8'))\n"
                "    input_path = data_path(Path(settings['input_file']).name)\n"
                "    if hashlib.sha256(input_path.read_bytes()).hexdigest() != settings['input_sha256']:\n"
                "        raise ValueError('not the image of these settings')\n"
                "    image = tifffile.imread(input_path)\n"
                "    return label_objects(image, min_size=settings['min_size'],\n"
                "                         max_size=settings['max_size'])\n"
            ),
        ),
        _A1_SETTINGS_ALL,
    ),
    _row(
        "a1_settings_rerun_fixed",
        A1,
        _A1_SETTINGS,
        "defect",
        "rerun_from_settings uses the notebook's limits, not the file's",
        _rerun(
            "    settings = json.loads(Path(settings_path).read_text(encoding='utf-8'))\n"
            "    input_path = data_path(settings['input_file'])\n"
            "    if hashlib.sha256(input_path.read_bytes()).hexdigest() != settings['input_sha256']:\n"
            "        raise ValueError('not the image of these settings')\n"
            "    image = tifffile.imread(input_path)\n"
            "    return label_objects(image, min_size=MIN_SIZE, max_size=MAX_SIZE)\n"
        ),
        {"a1_task5_settings_rerun_hidden": 3},
    ),
)


# -- activity 2 ---------------------------------------------------------------------

_A2_DIR = "a2_task1_output_dir"
_A2_CSV = "a2_task2_save_table_csv"
_A2_FORMATS = "a2_task3_save_mask_formats"
_A2_COMPARE = "a2_task4_compare_labels"
_A2_CHOICES = "a2_task5_format_choices"
_A2_NUCLEI = "a2_task6_save_nuclei_mask"

_A2_CSV_ALL = {"a2_task2_table_csv_visible": 1, "a2_task2_table_csv_hidden": 1}
_A2_COMPARE_ALL = {"a2_task4_compare_visible": 1, "a2_task4_compare_hidden": 2}
_A2_NUCLEI_ALL = {"a2_task6_nuclei_mask_visible": 1, "a2_task6_nuclei_mask_hidden": 2}


def _csv(body: str, head: str = "") -> str:
    return (
        head + "def save_table_csv(table, output_dir):\n"
        "    # Save the results table into output_dir as comma-separated text; return its path.\n"
        + body
    )


def _compare(body: str) -> str:
    return (
        "def compare_labels(original, reread):\n"
        "    # Count distinct values before and after, and the objects whose pixels changed.\n"
        + body
    )


def _choices(png16: str, jpeg: str, colour: str) -> Callable:
    return _source(
        "# 16-bit PNG: lossless, every label kept.\n"
        f"PNG16_GOOD_FOR_LABELS = {png16}\n"
        "# JPEG: lossy, values change at the edges.\n"
        f"JPEG_GOOD_FOR_LABELS = {jpeg}\n"
        "# Colour PNG: colours, not label values.\n"
        f"COLOUR_PNG_GOOD_FOR_LABELS = {colour}\n"
    )


def _nuclei(body: str, head: str = "") -> str:
    return (
        head + "def save_nuclei_mask(labels, output_dir):\n"
        "    # Save the labels losslessly, with enough bits for every label; return its path.\n"
        + body
    )


A2_ROWS = (
    # -- task 1: the output folder ---------------------------------------------------
    _row(
        "a2_dir_os_path",
        A2,
        _A2_DIR,
        "variant",
        "built OUTPUT_DIR with os.path.join inside Path(...), created with os.makedirs",
        _source(
            "import os\n\n"
            'OUTPUT_DIR = Path(os.path.join("outputs", "activity2"))\n'
            "os.makedirs(OUTPUT_DIR, exist_ok=True)\n"
        ),
    ),
    _row(
        "a2_dir_str",
        A2,
        _A2_DIR,
        "defect",
        "OUTPUT_DIR is the text 'résultats activité 2' (relative, separate), not a Path",
        _source(
            "import os\n\n"
            'OUTPUT_DIR = "résultats activité 2"\n'
            "os.makedirs(OUTPUT_DIR, exist_ok=True)\n"
        ),
        {"a2_task1_output_dir_visible": 1},
    ),
    _row(
        "a2_dir_absolute",
        A2,
        _A2_DIR,
        "defect",
        "OUTPUT_DIR is absolute: Path.cwd() / 'output_activity2'",
        _source(
            'OUTPUT_DIR = Path.cwd() / "output_activity2"\n'
            "OUTPUT_DIR.mkdir(parents=True, exist_ok=True)\n"
        ),
        {"a2_task1_output_dir_hidden": 1},
    ),
    # -- task 2: the comma-separated table ----------------------------------------------
    _row(
        "a2_csv_module",
        A2,
        _A2_CSV,
        "variant",
        "wrote the table with the csv module",
        _source(
            _csv(
                '    path = Path(output_dir) / "results.csv"\n'
                '    with open(path, "w", newline="", encoding="utf-8") as file:\n'
                "        writer = csv.writer(file)\n"
                "        writer.writerow(table.columns)\n"
                "        writer.writerows(table.itertuples(index=False))\n"
                "    return path\n",
                head="import csv\n\n\n",
            )
        ),
    ),
    _row(
        "a2_csv_savetxt",
        A2,
        _A2_CSV,
        "variant",
        "wrote the table with numpy.savetxt, delimiter=','",
        _source(
            _csv(
                '    path = Path(output_dir) / "measurements.csv"\n'
                '    np.savetxt(path, table.to_numpy(), delimiter=",", fmt="%.10g",\n'
                '               header=",".join(table.columns), comments="")\n'
                "    return path\n"
            )
        ),
    ),
    _row(
        "a2_csv_quoted_bom",
        A2,
        _A2_CSV,
        "variant",
        "csv module with quoted text (QUOTE_NONNUMERIC), a UTF-8 BOM and CRLF",
        _source(
            _csv(
                '    path = Path(output_dir) / "results.csv"\n'
                '    with open(path, "w", newline="", encoding="utf-8-sig") as file:\n'
                "        writer = csv.writer(file, quoting=csv.QUOTE_NONNUMERIC)\n"
                "        writer.writerow(table.columns)\n"
                "        writer.writerows(table.itertuples(index=False))\n"
                "    return path\n",
                head="import csv\n\n\n",
            )
        ),
    ),
    _row(
        "a2_csv_tab",
        A2,
        _A2_CSV,
        "defect",
        "saved the table tab-delimited, where the task asks for commas",
        _source(
            _csv(
                '    path = Path(output_dir) / "results.csv"\n'
                '    table.to_csv(path, sep="\\t", index=False)\n'
                "    return path\n"
            )
        ),
        _A2_CSV_ALL,
    ),
    _row(
        "a2_csv_semicolon",
        A2,
        _A2_CSV,
        "defect",
        "saved the table with semicolons and decimal commas (a European spreadsheet)",
        _source(
            _csv(
                '    path = Path(output_dir) / "results.csv"\n'
                '    table.to_csv(path, sep=";", decimal=",", index=False)\n'
                "    return path\n"
            )
        ),
        _A2_CSV_ALL,
    ),
    _row(
        "a2_csv_index",
        A2,
        _A2_CSV,
        "defect",
        "saved the table comma-separated with pandas' index column",
        _source(
            _csv(
                '    path = Path(output_dir) / "results.csv"\n'
                "    table.to_csv(path)\n"
                "    return path\n"
            )
        ),
        _A2_CSV_ALL,
    ),
    # -- task 3: the three formats ------------------------------------------------------
    _row(
        "a2_formats_imageio_png16",
        A2,
        _A2_FORMATS,
        "variant",
        "saved the 16-bit PNG with imageio",
        _function(
            "save_mask_png16",
            "def save_mask_png16(labels, output_dir):\n"
            "    import imageio.v3 as iio\n\n"
            "    path = Path(output_dir) / 'labels_png16.png'\n"
            "    iio.imwrite(path, np.asarray(labels).astype(np.uint16))\n"
            "    return path\n",
        ),
    ),
    _row(
        "a2_formats_jpeg_quality",
        A2,
        _A2_FORMATS,
        "variant",
        "saved the JPEG with Pillow, format='JPEG', quality=95, as .jpeg",
        _function(
            "save_mask_jpeg",
            "def save_mask_jpeg(labels, output_dir):\n"
            "    path = Path(output_dir) / 'labels.jpeg'\n"
            "    image = Image.fromarray(np.asarray(labels).astype(np.uint8))\n"
            "    image.save(path, format='JPEG', quality=95)\n"
            "    return path\n",
        ),
    ),
    _row(
        "a2_formats_label2rgb",
        A2,
        _A2_FORMATS,
        "variant",
        "made the colour PNG with skimage's label2rgb and Pillow (RGB, 8-bit)",
        _function(
            "save_mask_colour_png",
            "def save_mask_colour_png(labels, output_dir):\n"
            "    path = Path(output_dir) / 'labels_colour.png'\n"
            "    rgb = color.label2rgb(labels, colors=label_colours, bg_label=0)\n"
            "    Image.fromarray((rgb * 255).round().astype(np.uint8)).save(path)\n"
            "    return path\n",
        ),
    ),
    _row(
        "a2_formats_plt_jpeg_viridis",
        A2,
        _A2_FORMATS,
        "variant",
        "JPEG and colour PNG both with plt.imsave (grey and viridis, no vmin/vmax)",
        _both(
            _function(
                "save_mask_jpeg",
                "def save_mask_jpeg(labels, output_dir):\n"
                "    path = Path(output_dir) / 'labels_grey.jpg'\n"
                "    plt.imsave(path, np.asarray(labels).astype(np.uint8), cmap='gray')\n"
                "    return path\n",
            ),
            _function(
                "save_mask_colour_png",
                "def save_mask_colour_png(labels, output_dir):\n"
                "    path = Path(output_dir) / 'labels_viridis.png'\n"
                "    plt.imsave(path, labels, cmap='viridis')\n"
                "    return path\n",
            ),
        ),
    ),
    _row(
        "a2_formats_png16_as_8bit",
        A2,
        _A2_FORMATS,
        "defect",
        "the '16-bit PNG' is an 8-bit PNG",
        _function(
            "save_mask_png16",
            "def save_mask_png16(labels, output_dir):\n"
            "    path = Path(output_dir) / 'label_mask_16bit.png'\n"
            "    Image.fromarray(np.asarray(labels).astype(np.uint8)).save(path)\n"
            "    return path\n",
        ),
        {"a2_task3_mask_formats_visible": 1, "a2_task3_png16_hidden": 1},
    ),
    _row(
        "a2_formats_jpeg_16bit_raises",
        A2,
        _A2_FORMATS,
        "defect",
        "save_mask_jpeg hands Pillow 16-bit labels, which it refuses as JPEG (OSError)",
        _function(
            "save_mask_jpeg",
            "def save_mask_jpeg(labels, output_dir):\n"
            "    path = Path(output_dir) / 'label_mask.jpg'\n"
            "    Image.fromarray(np.asarray(labels).astype(np.uint16)).save(path)\n"
            "    return path\n",
        ),
        {"a2_task3_mask_formats_visible": 1, "a2_task3_jpeg_hidden": 1},
    ),
    _row(
        "a2_formats_jpeg_is_png",
        A2,
        _A2_FORMATS,
        "defect",
        "the 'JPEG' is a PNG",
        _function(
            "save_mask_jpeg",
            "def save_mask_jpeg(labels, output_dir):\n"
            "    path = Path(output_dir) / 'label_mask_8bit.png'\n"
            "    Image.fromarray(np.asarray(labels).astype(np.uint8)).save(path)\n"
            "    return path\n",
        ),
        {"a2_task3_mask_formats_visible": 1, "a2_task3_jpeg_hidden": 1},
    ),
    _row(
        "a2_formats_colour_grey",
        A2,
        _A2_FORMATS,
        "defect",
        "the 'colour PNG' is a greyscale PNG of the labels",
        _function(
            "save_mask_colour_png",
            "def save_mask_colour_png(labels, output_dir):\n"
            "    path = Path(output_dir) / 'label_mask_colour.png'\n"
            "    Image.fromarray(np.asarray(labels).astype(np.uint8)).save(path)\n"
            "    return path\n",
        ),
        {"a2_task3_mask_formats_visible": 1, "a2_task3_colour_png_hidden": 1},
    ),
    _row(
        "a2_formats_colour_figure",
        A2,
        _A2_FORMATS,
        "defect",
        "the 'colour PNG' is a matplotlib figure, with axes and margins",
        _function(
            "save_mask_colour_png",
            "def save_mask_colour_png(labels, output_dir):\n"
            "    path = Path(output_dir) / 'label_mask_colour.png'\n"
            "    fig, ax = plt.subplots(figsize=(4, 4))\n"
            "    ax.imshow(labels, cmap='okabe_ito', interpolation='nearest')\n"
            "    fig.savefig(path, dpi=80)\n"
            "    plt.close(fig)\n"
            "    return path\n",
        ),
        {"a2_task3_mask_formats_visible": 1, "a2_task3_colour_png_hidden": 1},
    ),
    # -- task 4: compare_labels -----------------------------------------------------------
    _row(
        "a2_compare_vectorised",
        A2,
        _A2_COMPARE,
        "variant",
        "vectorised with numpy, returns numpy integers",
        _source(
            _compare(
                "    original = np.asarray(original)\n"
                "    reread = np.asarray(reread)\n"
                "    differs = (original != reread) & (original != 0)\n"
                "    return {\n"
                "        'values_before': np.unique(original).size,\n"
                "        'values_after': np.unique(reread).size,\n"
                "        'objects_changed': np.unique(original[differs]).size,\n"
                "    }\n"
            )
        ),
    ),
    _row(
        "a2_compare_extra_key",
        A2,
        _A2_COMPARE,
        "variant",
        "returns the three counts and the number of changed pixels",
        _source(
            _compare(
                "    original = np.asarray(original)\n"
                "    reread = np.asarray(reread)\n"
                "    changed = [label for label in np.unique(original)\n"
                "               if label != 0 and np.any(reread[original == label] != label)]\n"
                "    return {\n"
                "        'values_before': len(np.unique(original)),\n"
                "        'values_after': len(np.unique(reread)),\n"
                "        'objects_changed': len(changed),\n"
                "        'pixels_changed': int(np.count_nonzero(original != reread)),\n"
                "    }\n"
            )
        ),
    ),
    _row(
        "a2_compare_python_sets",
        A2,
        _A2_COMPARE,
        "variant",
        "plain Python: sets of values and a loop over the objects",
        _source(
            _compare(
                "    before = set(np.asarray(original).ravel().tolist())\n"
                "    after = set(np.asarray(reread).ravel().tolist())\n"
                "    changed = 0\n"
                "    for label in before - {0}:\n"
                "        inside = np.asarray(reread)[np.asarray(original) == label]\n"
                "        if (inside != label).any():\n"
                "            changed += 1\n"
                "    return dict(values_before=len(before), values_after=len(after),\n"
                "                objects_changed=changed)\n"
            )
        ),
    ),
    _row(
        "a2_compare_cast_first",
        A2,
        _A2_COMPARE,
        "defect",
        "casts the labels to the re-read image's type first (wrapped labels hide)",
        _source(
            _compare(
                "    reread = np.asarray(reread)\n"
                "    original = np.asarray(original).astype(reread.dtype)\n"
                "    changed = [label for label in np.unique(original)\n"
                "               if label != 0 and np.any(reread[original == label] != label)]\n"
                "    return {\n"
                "        'values_before': len(np.unique(original)),\n"
                "        'values_after': len(np.unique(reread)),\n"
                "        'objects_changed': len(changed),\n"
                "    }\n"
            )
        ),
        _A2_COMPARE_ALL,
    ),
    _row(
        "a2_compare_no_background",
        A2,
        _A2_COMPARE,
        "defect",
        "counts distinct values without the background 0",
        _source(
            _compare(
                "    original = np.asarray(original)\n"
                "    reread = np.asarray(reread)\n"
                "    changed = [label for label in np.unique(original)\n"
                "               if label != 0 and np.any(reread[original == label] != label)]\n"
                "    return {\n"
                "        'values_before': len(np.unique(original[original != 0])),\n"
                "        'values_after': len(np.unique(reread[reread != 0])),\n"
                "        'objects_changed': len(changed),\n"
                "    }\n"
            )
        ),
        _A2_COMPARE_ALL,
    ),
    _row(
        "a2_compare_background_object",
        A2,
        _A2_COMPARE,
        "defect",
        "counts the background as a changed object when a background pixel changed",
        _source(
            _compare(
                "    original = np.asarray(original)\n"
                "    reread = np.asarray(reread)\n"
                "    differs = original != reread\n"
                "    return {\n"
                "        'values_before': len(np.unique(original)),\n"
                "        'values_after': len(np.unique(reread)),\n"
                "        'objects_changed': len(np.unique(original[differs])),\n"
                "    }\n"
            )
        ),
        {"a2_task4_compare_hidden": 2},
    ),
    # -- task 5: the judgements ----------------------------------------------------------
    _row(
        "a2_choices_yes_no",
        A2,
        _A2_CHOICES,
        "variant",
        "answered with 'yes' and 'no' in quotes",
        _choices('"yes"', '"no"', '"no"'),
    ),
    _row(
        "a2_choices_ones",
        A2,
        _A2_CHOICES,
        "variant",
        "answered with 1 and 0",
        _choices("1", "0", "0"),
    ),
    _row(
        "a2_choices_jpeg_wrong",
        A2,
        _A2_CHOICES,
        "defect",
        "judged JPEG good for labels",
        _choices("True", "True", "False"),
        {"a2_task5_jpeg_choice": 1},
    ),
    _row(
        "a2_choices_colour_wrong",
        A2,
        _A2_CHOICES,
        "defect",
        "judged the colour PNG good for labels",
        _choices("True", "False", "True"),
        {"a2_task5_colour_png_choice": 1},
    ),
    # -- task 6: the nuclei mask ---------------------------------------------------------
    _row(
        "a2_nuclei_png16",
        A2,
        _A2_NUCLEI,
        "variant",
        "saved the nuclei as a 16-bit PNG with Pillow",
        _source(
            _nuclei(
                "    path = Path(output_dir) / 'nuclei_labels_16bit.png'\n"
                "    Image.fromarray(np.asarray(labels).astype(np.uint16)).save(path)\n"
                "    return path\n"
            )
        ),
    ),
    _row(
        "a2_nuclei_imagej_zlib",
        A2,
        _A2_NUCLEI,
        "variant",
        "saved the nuclei as a TIFF with imagej=True and compression='zlib'",
        _source(
            _nuclei(
                "    path = Path(output_dir) / 'nuclei_labels.tif'\n"
                "    tifffile.imwrite(path, np.asarray(labels).astype(np.uint16),\n"
                "                     imagej=True, compression='zlib')\n"
                "    return path\n"
            )
        ),
    ),
    _row(
        "a2_nuclei_jpeg",
        A2,
        _A2_NUCLEI,
        "defect",
        "saved the nuclei as a JPEG (16 bits are lost, and JPEG is lossy)",
        _source(
            _nuclei(
                "    path = Path(output_dir) / 'nuclei_labels.jpg'\n"
                "    Image.fromarray(np.asarray(labels).astype(np.uint8)).save(path)\n"
                "    return path\n"
            )
        ),
        _A2_NUCLEI_ALL,
    ),
    _row(
        "a2_nuclei_8bit",
        A2,
        _A2_NUCLEI,
        "defect",
        "saved the nuclei as an 8-bit PNG (labels wrap around)",
        _source(
            _nuclei(
                "    path = Path(output_dir) / 'nuclei_labels.png'\n"
                "    Image.fromarray(np.asarray(labels).astype(np.uint8)).save(path)\n"
                "    return path\n"
            )
        ),
        _A2_NUCLEI_ALL,
    ),
    _row(
        "a2_nuclei_colour",
        A2,
        _A2_NUCLEI,
        "defect",
        "saved the nuclei as a colour PNG with plt.imsave",
        _source(
            _nuclei(
                "    path = Path(output_dir) / 'nuclei_labels.png'\n"
                "    plt.imsave(path, labels, cmap='okabe_ito')\n"
                "    return path\n"
            )
        ),
        _A2_NUCLEI_ALL,
    ),
)

ROWS: tuple[Row, ...] = A1_ROWS + A2_ROWS
BY_NAME = {row.name: row for row in ROWS}
if len(BY_NAME) != len(ROWS):  # pragma: no cover - a catalogue mistake
    raise ValueError("two rows share a name")


# -- combinations -------------------------------------------------------------------


def combination_id(rows) -> str:
    """The rows' names joined by '+': the combination's test id."""
    return "+".join(row.name for row in rows)


def rows_of(combination: str) -> tuple[Row, ...]:
    """The rows of a combination id (:func:`combination_id`)."""
    return tuple(BY_NAME[name] for name in combination.split("+"))


def _check(rows) -> None:
    assignments = {row.assignment for row in rows}
    tasks = [row.task for row in rows]
    if len(assignments) != 1 or len(set(tasks)) != len(tasks):
        msg = f"rows of one assignment and distinct tasks only: {combination_id(rows)}"
        raise ValueError(msg)


def deserved(rows) -> dict[str, int]:
    """grade_id -> the points the combination deserves: full minus its costs."""
    _check(rows)
    points = dict(POINTS[rows[0].assignment])
    for row in rows:
        for grade_id, cost in row.costs.items():
            points[grade_id] -= cost
    return points


def as_case(rows) -> Case:
    """The combination as a fairness :class:`Case` (story and change from its rows)."""
    _check(rows)

    def change(notebook, answers):
        for row in rows:
            row.change(notebook, answers)
        return {}

    return Case(
        combination_id(rows),
        rows[0].assignment,
        "own-task",
        "; ".join(row.story for row in rows),
        change,
    )


def build_combination(rows, release, answers):
    """``(notebook, files)``: the released notebook with the answers and rows applied."""
    return build_case(as_case(rows), release, answers)


def _by_task(assignment: str) -> dict[str, list[Row]]:
    tasks: dict[str, list[Row]] = {}
    for row in ROWS:
        if row.assignment == assignment:
            tasks.setdefault(row.task, []).append(row)
    return tasks


def every_pair(assignment: str | None = None) -> list[tuple[Row, Row]]:
    """Every pair of rows of two distinct tasks of one assignment."""
    pairs = []
    for name in (A1, A2) if assignment is None else (assignment,):
        tasks = list(_by_task(name).values())
        for first, second in itertools.combinations(tasks, 2):
            pairs += list(itertools.product(first, second))
    return pairs


def draw_combinations(
    seed: int, *, pairs: int = 34, triples: int = 12
) -> list[tuple[Row, ...]]:
    """A seeded draw per assignment: every row at least once, in pairs and triples.

    Per assignment: first each row paired with a row of another task (so that
    no row goes untried), then random pairs up to ``pairs`` and random triples
    of three distinct tasks up to ``triples``. No combination twice.
    """
    rng = random.Random(seed)
    drawn: list[tuple[Row, ...]] = []
    for assignment in (A1, A2):
        tasks = _by_task(assignment)
        seen: set[frozenset[str]] = set()
        chosen: list[tuple[Row, ...]] = []

        def add(rows, seen=seen, chosen=chosen) -> None:
            key = frozenset(row.name for row in rows)
            if key not in seen:
                seen.add(key)
                chosen.append(tuple(sorted(rows, key=lambda row: row.name)))

        for row in [row for rows in tasks.values() for row in rows]:
            if any(row.name in key for key in seen):
                continue
            other = rng.choice([t for t in tasks if t != row.task])
            add((row, rng.choice(tasks[other])))
        while len(chosen) < pairs:
            first, second = rng.sample(list(tasks), 2)
            add((rng.choice(tasks[first]), rng.choice(tasks[second])))
        target = len(chosen) + triples
        while len(chosen) < target:
            names = rng.sample(list(tasks), 3)
            add(tuple(rng.choice(tasks[name]) for name in names))
        drawn += chosen
    return drawn


# -- grading ------------------------------------------------------------------------


@dataclass
class Graded:
    """What the class grader gave one combination."""

    combination: str
    student: str
    outcome: object
    given: dict[str, float]
    expected: dict[str, int]

    @property
    def wrong(self) -> dict[str, tuple[float | None, int]]:
        """grade_id -> (given, deserved), where they differ."""
        return {
            grade_id: (self.given.get(grade_id), points)
            for grade_id, points in self.expected.items()
            if self.given.get(grade_id) != points
        }


def grade_combinations(
    combinations, folder, *, unsafe: bool, workers: int = 2, stream=None
) -> tuple[object, dict[str, Graded]]:
    """Submit each combination as one student and grade them all in ONE class run.

    ``folder``: an empty folder for the course copy. Returns the course
    (a :class:`nbgrader_course.Course`) and, per combination id, what was
    given and what is deserved.
    """
    import io
    from pathlib import Path

    import nbformat
    from nbgrader_course import REPO, Course

    from outputsaving.classroom.engine import grade_class

    course = Course.copy_of_repo(Path(folder))
    releases, answers = {}, {}
    students = {}
    for index, rows in enumerate(combinations):
        assignment = rows[0].assignment
        if assignment not in releases:
            (path,) = (REPO / "notebooks" / assignment).glob("*.ipynb")
            releases[assignment] = nbformat.read(path, as_version=4)
            answers[assignment] = course.solution_answers(assignment)
        notebook, files = build_combination(
            rows, releases[assignment], answers[assignment]
        )
        student = f"combo{index:03d}"
        course.submit(student, assignment, notebook, files=files)
        students[student] = rows
    result = grade_class(
        course.root,
        assignments=sorted(releases),
        workers=workers,
        unsafe=unsafe,
        progress=False,
        stream=stream if stream is not None else io.StringIO(),
    )
    outcomes = {o.student: o for o in result.outcomes}
    graded = {}
    for student, rows in students.items():
        outcome = outcomes.get(student)
        given = (
            {grade_id: score for grade_id, (score, _) in outcome.grades.items()}
            if outcome is not None
            else {}
        )
        name = combination_id(rows)
        graded[name] = Graded(name, student, outcome, given, deserved(rows))
    return course, graded
