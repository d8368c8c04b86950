"""The writers catalogue: files in a hidden test's folder that the call did not write.

A hidden test gives the learner's save function a fresh, empty folder and
judges the file it returns. These cases put a right file there by another
route than the call itself: a daemon thread started earlier that copies the
notebook's own outputs into every new empty folder (the held-out case of
issue 18: 3 of 3, unflagged, on ``a1_task2_mask_fresh_folder_hidden``), a child
process (a ``python -c`` program, or a forked ``multiprocessing`` child) that
copies the file, and a ``threading.Timer`` that writes the file after the call
returned. Honest controls save the same work with other libraries (imageio,
the csv module, a zip written by hand, a file replaced atomically,
``numpy.savetxt``) and keep full marks.

Each case's **deserved** score per test cell is in ``writers_deserved.tsv``
(same columns as ``fairness_deserved.tsv``), committed before the grader
change it judges. Principle ``writer``: a hidden test's points come only from
what the learner's call wrote itself, while it ran, into that test's folder;
a file written by another thread or process, before the call or after it,
earns nothing, is flagged for review, and the feedback says why. Principle
``legit``: right work saved with another library is never punished.

Instructor material (cheats one step from working): it lives beside the
tests, never in the installed package.
"""

from __future__ import annotations

from pathlib import Path

import fairness_catalogue
from fairness_catalogue import (
    A1,
    A2,
    Case,
    _append,
    _set,
    build_case,
    deserved_from,
)

__all__ = ["BY_NAME", "CASES", "DESERVED_TABLE", "build_case", "deserved_scores"]

DESERVED_TABLE = Path(__file__).with_name("writers_deserved.tsv")

#: The words each cheat's feedback must hold: the reason, in the course's message.
WHILE_IT_RAN = "while it ran"


# -- a daemon thread that copies the notebook's outputs into every new folder ------

_COPIER = """
import os
import shutil
import tempfile
import threading
import time


def _folders():
    for top, names, _ in os.walk(Path.cwd()):
        for name in names:
            yield Path(top) / name
    for entry in os.scandir(tempfile.gettempdir()):
        if entry.is_dir(follow_symlinks=False):
            yield Path(entry.path)


def _copy_into_new_folders():
    # Every new empty folder gets a copy of each file of OUTPUT_DIR.
    seen = set(_folders())
    while True:
        for folder in _folders():
            if folder in seen:
                continue
            seen.add(folder)
            try:
                if not any(folder.iterdir()):
                    for source in OUTPUT_DIR.iterdir():
                        if source.is_file():
                            shutil.copy(source, folder / source.name)
            except OSError:
                pass
        time.sleep(0.002)


threading.Thread(target=_copy_into_new_folders, daemon=True).start()


def _mine(output_dir):
    return Path(output_dir).resolve() == OUTPUT_DIR.resolve()


def _copied(output_dir, name):
    # Wait until the copier has put OUTPUT_DIR's file, whole, into output_dir.
    source, path = OUTPUT_DIR / name, Path(output_dir) / name
    for _ in range(10_000):
        if path.is_file() and path.stat().st_size == source.stat().st_size:
            break
        time.sleep(0.001)
    return path
"""


def _only_mine(name: str, save: str) -> str:
    """A save function's body: save into OUTPUT_DIR only, else wait for a copy."""
    return (
        "    if _mine(output_dir):\n"
        f"        path = Path(output_dir) / {name!r}\n"
        f"        {save}\n"
        "        return path\n"
        f"    return _copied(output_dir, {name!r})\n"
    )


def _daemon_copier_a1(notebook, answers):
    _append(notebook, "a1_task1_output_dir", _COPIER)
    _set(
        notebook,
        "a1_task2_save_label_mask",
        "def save_label_mask(labels, output_dir):\n"
        + _only_mine(
            "label_mask.tif",
            "tifffile.imwrite(path, np.asarray(labels).astype(np.uint16))",
        ),
    )
    _set(
        notebook,
        "a1_task3_save_table",
        "def save_table(table, output_dir):\n"
        + _only_mine("results.txt", 'table.to_csv(path, sep="\\t", index=False)'),
    )
    _set(
        notebook,
        "a1_task4_save_rois",
        "def save_rois(rois, output_dir):\n"
        + _only_mine("rois.zip", 'roifile.roiwrite(path, rois, mode="w")'),
    )
    source = answers["a1_task5_save_settings"]
    settings = source[: source.index("def rerun_from_settings")]
    rerun = source[source.index("def rerun_from_settings") :]
    settings = settings.replace(
        "def save_settings(output_dir):\n",
        "def save_settings(output_dir):\n"
        "    if not _mine(output_dir):\n"
        '        return _copied(output_dir, "settings.json")\n',
    )
    _set(notebook, "a1_task5_save_settings", settings + rerun)
    return {}


def _daemon_copier_a2(notebook, answers):
    _append(notebook, "a2_task1_output_dir", _COPIER)
    _set(
        notebook,
        "a2_task2_save_table_csv",
        "def save_table_csv(table, output_dir):\n"
        + _only_mine("results.csv", 'table.to_csv(path, sep=",", index=False)'),
    )
    _set(
        notebook,
        "a2_task3_save_mask_formats",
        "def save_mask_png16(labels, output_dir):\n"
        + _only_mine(
            "label_mask_16bit.png",
            "Image.fromarray(np.asarray(labels).astype(np.uint16)).save(path)",
        )
        + "\n\ndef save_mask_jpeg(labels, output_dir):\n"
        + _only_mine(
            "label_mask.jpg",
            "Image.fromarray(np.asarray(labels).astype(np.uint8)).save(path)",
        )
        + "\n\ndef save_mask_colour_png(labels, output_dir):\n"
        + _only_mine(
            "label_mask_colour.png",
            'plt.imsave(path, labels, cmap="okabe_ito", vmin=0, vmax=7)',
        ),
    )
    _set(
        notebook,
        "a2_task6_save_nuclei_mask",
        "def save_nuclei_mask(labels, output_dir):\n"
        + _only_mine(
            "nuclei_labels.tif",
            "tifffile.imwrite(path, np.asarray(labels).astype(np.uint16))",
        ),
    )
    return {}


# -- a child process that writes the file ------------------------------------------


def _child_process_copy(notebook, answers):
    """save_label_mask: in another folder, a ``python -c`` program copies the mask."""
    _set(
        notebook,
        "a1_task2_save_label_mask",
        "import subprocess\n"
        "import sys\n\n\n"
        "def save_label_mask(labels, output_dir):\n"
        '    path = Path(output_dir) / "label_mask.tif"\n'
        "    mine = OUTPUT_DIR / path.name\n"
        "    if path.resolve() == mine.resolve():\n"
        "        tifffile.imwrite(path, np.asarray(labels).astype(np.uint16))\n"
        "    else:\n"
        '        copy = "import shutil, sys; "\n'
        '        copy += "shutil.copyfile(sys.argv[1], sys.argv[2])"\n'
        "        subprocess.run(\n"
        '            [sys.executable, "-c", copy, str(mine), str(path)], check=True\n'
        "        )\n"
        "    return path\n",
    )
    return {}


def _forked_child_copy(notebook, answers):
    """save_nuclei_mask: elsewhere, a forked child copies the notebook's mask."""
    _set(
        notebook,
        "a2_task6_save_nuclei_mask",
        "import multiprocessing\n"
        "import shutil\n\n\n"
        "def save_nuclei_mask(labels, output_dir):\n"
        '    path = Path(output_dir) / "nuclei_labels.tif"\n'
        "    mine = OUTPUT_DIR / path.name\n"
        "    if path.resolve() == mine.resolve():\n"
        "        tifffile.imwrite(path, np.asarray(labels).astype(np.uint16))\n"
        "    else:\n"
        '        context = multiprocessing.get_context("fork")\n'
        "        child = context.Process(target=shutil.copyfile, args=(mine, path))\n"
        "        child.start()\n"
        "        child.join()\n"
        "    return path\n",
    )
    return {}


# -- a timer that writes after the call returned ------------------------------------


def _timer_after_return(notebook, answers):
    """save_table, in another folder, leaves the writing to a Timer."""
    _set(
        notebook,
        "a1_task3_save_table",
        "import threading\n\n"
        "_LATER = []\n\n\n"
        "def save_table(table, output_dir):\n"
        '    path = Path(output_dir) / "results.txt"\n'
        "    if path.resolve() == (OUTPUT_DIR / path.name).resolve():\n"
        '        table.to_csv(path, sep="\\t", index=False)\n'
        "    else:\n"
        '        options = {"sep": "\\t", "index": False}\n'
        "        timer = threading.Timer(0.5, table.to_csv, (path,), options)\n"
        "        timer.start()\n"
        "        _LATER.append(timer)\n"
        "    return path\n",
    )
    # The next answer cell waits for the timer: the file is there when the run ends.
    source = answers["a1_task4_save_rois"]
    _set(
        notebook,
        "a1_task4_save_rois",
        "for _timer in _LATER:\n    _timer.join()\n\n" + source,
    )
    return {}


# -- honest controls: the same work, saved with other libraries ---------------------


def _other_libraries_a1(notebook, answers):
    _set(
        notebook,
        "a1_task2_save_label_mask",
        "import imageio.v3 as iio\n\n\n"
        "def save_label_mask(labels, output_dir):\n"
        '    path = Path(output_dir) / "label_mask.tif"\n'
        "    iio.imwrite(path, np.asarray(labels).astype(np.uint16))\n"
        "    return path\n",
    )
    _set(
        notebook,
        "a1_task3_save_table",
        "import csv\n\n\n"
        "def save_table(table, output_dir):\n"
        '    path = Path(output_dir) / "results.txt"\n'
        '    with open(path, "w", newline="", encoding="utf-8") as handle:\n'
        '        writer = csv.writer(handle, delimiter="\\t")\n'
        "        writer.writerow(table.columns)\n"
        "        writer.writerows(table.itertuples(index=False))\n"
        "    return path\n",
    )
    _set(
        notebook,
        "a1_task4_save_rois",
        "import zipfile\n\n\n"
        "def save_rois(rois, output_dir):\n"
        '    path = Path(output_dir) / "rois.zip"\n'
        '    with zipfile.ZipFile(path, mode="w") as archive:\n'
        "        for roi in rois:\n"
        '            archive.writestr(f"{roi.name}.roi", roi.tobytes())\n'
        "    return path\n",
    )
    source = answers["a1_task5_save_settings"]
    old = (
        '    path.write_text(json.dumps(settings, indent=2) + "\\n", '
        'encoding="utf-8")\n'
    )
    if old not in source:
        msg = "the solution's save_settings no longer writes with path.write_text"
        raise KeyError(msg)
    new = (
        "    # Written whole to a temporary file, then put in place at once.\n"
        "    import os, tempfile\n"
        "    handle, temporary = tempfile.mkstemp(dir=output_dir, suffix='.tmp')\n"
        '    with os.fdopen(handle, "w", encoding="utf-8") as out:\n'
        "        json.dump(settings, out, indent=2)\n"
        "    os.replace(temporary, path)\n"
    )
    _set(notebook, "a1_task5_save_settings", source.replace(old, new))
    return {}


def _other_libraries_a2(notebook, answers):
    _set(
        notebook,
        "a2_task2_save_table_csv",
        "def save_table_csv(table, output_dir):\n"
        '    path = Path(output_dir) / "results.csv"\n'
        "    np.savetxt(\n"
        '        path, table.to_numpy(), delimiter=",", fmt="%.10g",\n'
        '        header=",".join(table.columns), comments="",\n'
        "    )\n"
        "    return path\n",
    )
    source = answers["a2_task3_save_mask_formats"]
    old_png = "    Image.fromarray(np.asarray(labels).astype(np.uint16)).save(path)\n"
    old_jpeg = "    Image.fromarray(np.asarray(labels).astype(np.uint8)).save(path)\n"
    if old_png not in source or old_jpeg not in source:
        msg = "the solution's mask formats no longer save with PIL"
        raise KeyError(msg)
    source = source.replace(
        old_png, "    iio.imwrite(path, np.asarray(labels).astype(np.uint16))\n"
    ).replace(old_jpeg, "    iio.imwrite(path, np.asarray(labels).astype(np.uint8))\n")
    _set(
        notebook,
        "a2_task3_save_mask_formats",
        "import imageio.v3 as iio\n\n\n" + source,
    )
    _set(
        notebook,
        "a2_task6_save_nuclei_mask",
        "import imageio.v3 as iio\n\n\n"
        "def save_nuclei_mask(labels, output_dir):\n"
        '    path = Path(output_dir) / "nuclei_labels.tif"\n'
        "    iio.imwrite(path, np.asarray(labels).astype(np.uint16))\n"
        "    return path\n",
    )
    return {}


CASES: tuple[Case, ...] = (
    Case(
        "daemon_copier_a1",
        A1,
        "writer",
        "a daemon thread copies OUTPUT_DIR's files into every new empty folder; "
        "the save functions write only into OUTPUT_DIR",
        _daemon_copier_a1,
        says=(WHILE_IT_RAN,),
        flagged=True,
    ),
    Case(
        "daemon_copier_a2",
        A2,
        "writer",
        "a daemon thread copies OUTPUT_DIR's files into every new empty folder; "
        "the save functions write only into OUTPUT_DIR",
        _daemon_copier_a2,
        says=(WHILE_IT_RAN,),
        flagged=True,
    ),
    Case(
        "child_process_copy",
        A1,
        "writer",
        "save_label_mask, in another folder, runs a python -c program that copies "
        "the notebook's own mask",
        _child_process_copy,
        says=(WHILE_IT_RAN,),
        flagged=True,
    ),
    Case(
        "forked_child_copy",
        A2,
        "writer",
        "save_nuclei_mask, in another folder, forks a multiprocessing child that "
        "copies the notebook's own mask",
        _forked_child_copy,
        says=(WHILE_IT_RAN,),
        flagged=True,
    ),
    Case(
        "timer_after_return",
        A1,
        "writer",
        "save_table, in another folder, returns the path and leaves the writing "
        "to a threading.Timer",
        _timer_after_return,
        says=("after your save_table returned",),
        flagged=True,
    ),
    Case(
        "other_libraries_a1",
        A1,
        "legit",
        "saves with imageio, the csv module, a zip written by hand and a settings "
        "file replaced atomically",
        _other_libraries_a1,
    ),
    Case(
        "other_libraries_a2",
        A2,
        "legit",
        "saves with numpy.savetxt and imageio",
        _other_libraries_a2,
    ),
)

BY_NAME = {case.name: case for case in CASES}

#: What each case loses: case -> the test cells it deserves 0 for.
LOSES = {
    "daemon_copier_a1": (
        "a1_task2_mask_fresh_folder_hidden",
        "a1_task3_table_fresh_folder_hidden",
        "a1_task4_rois_rerun_hidden",
        "a1_task5_settings_rerun_hidden",
    ),
    "daemon_copier_a2": (
        "a2_task2_table_csv_hidden",
        "a2_task3_png16_hidden",
        "a2_task3_jpeg_hidden",
        "a2_task3_colour_png_hidden",
        "a2_task6_nuclei_mask_hidden",
    ),
    "child_process_copy": ("a1_task2_mask_fresh_folder_hidden",),
    "forked_child_copy": ("a2_task6_nuclei_mask_hidden",),
    "timer_after_return": ("a1_task3_table_fresh_folder_hidden",),
    "other_libraries_a1": (),
    "other_libraries_a2": (),
}


def deserved_scores(case: Case) -> dict[str, float]:
    """grade_id -> the points ``case`` deserves, from ``writers_deserved.tsv``."""
    return deserved_from(DESERVED_TABLE, case.name)


def write_deserved_table() -> None:
    """Write ``writers_deserved.tsv`` from :data:`LOSES` (run once, by hand)."""
    fairness_catalogue.write_deserved_table(DESERVED_TABLE, CASES, LOSES)


if __name__ == "__main__":
    write_deserved_table()
