"""Grading of the ImageJ track: activities 1 and 2 done in Fiji, with a macro.

The learner edits the released macro template (``activity1_template.ijm``,
``activity2_template.ijm``), runs it in Fiji, and hands in the notebook, the
edited macro (under its released name) and the files it saved into the folder
``output`` next to the notebook. The notebook's answer cells name those files
(and, in activity 2, judge each format).

Visible tests (``grade_upload``, ``grade_saved_*``) check the handed-in files
with the course's checkers, against the references of the Python track
(:mod:`~outputsaving.grading.activity1`, :mod:`~outputsaving.grading.activity2`):
an ImageJ count mask is numbered like those labels, and ImageJ's areas are
pixel counts. Messages are worded for what Fiji does
(:mod:`~outputsaving.grading.imagej_words`).

Hidden tests (``grade_rerun_*``) run the learner's macro again with real
ImageJ, in the kernel's own sandbox and budgets, into a fresh, empty output
folder (:mod:`~outputsaving.grading.imagej_run`): only the files the macro
writes count.
"""

from __future__ import annotations

import contextlib
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

from outputsaving import monitor
from outputsaving.datasets import RANDOM_SHAPES, data_path
from outputsaving.findings import CheckResult
from outputsaving.grading import activity1, activity2
from outputsaving.grading.common import assert_passes, task_result
from outputsaving.grading.imagej_rerun import rerun
from outputsaving.grading.imagej_words import FIJI_WORDING, fiji_finding, objects_words
from outputsaving.imagej_run import (
    MACRO_TIMEOUT,
    OUTPUT_FOLDER,
    ImageJInstall,
    MacroRun,
    _read_macro,
    _text_digest,
    find_imagej,
    imagej_missing_message,
    macro_hints,
    run_macro,
)
from outputsaving.messages import fill
from outputsaving.sniff import sniff_format

__all__ = [
    "ASSIGNMENTS",
    "CANDIDATE_FORMATS",
    "FIJI_WORDING",
    "HANDED_IN",
    "MACRO_NAMES",
    "MACRO_TIMEOUT",
    "OUTPUT_FOLDER",
    "TASK_WORDS",
    "ImageJInstall",
    "MacroRun",
    "file_result",
    "find_imagej",
    "format_choice_result",
    "grade_format_choice",
    "grade_rerun_label_mask",
    "grade_rerun_mask_format",
    "grade_rerun_nuclei_mask",
    "grade_rerun_output_folder",
    "grade_rerun_rois",
    "grade_rerun_table",
    "grade_rerun_table_csv",
    "grade_saved_label_mask",
    "grade_saved_masks",
    "grade_saved_nuclei_mask",
    "grade_saved_rois",
    "grade_saved_table",
    "grade_saved_table_csv",
    "grade_upload",
    "imagej_missing_message",
    "macro_hints",
    "macro_is_template",
    "rerun",
    "rerun_task_result",
    "run_macro",
    "saved_file_result",
    "untouched_result",
    "upload_result",
]

#: The ImageJ-track assignments, and the macro each hands in.
MACRO_NAMES = {
    "activity1_imagej": "activity1_template.ijm",
    "activity2_imagej": "activity2_template.ijm",
}
ASSIGNMENTS = tuple(MACRO_NAMES)
#: What a submission hands in besides its notebook (kept for grading).
HANDED_IN = {name: (macro, OUTPUT_FOLDER) for name, macro in MACRO_NAMES.items()}
#: Digests of the released templates (normalised text, see :func:`_text_digest`).
TEMPLATE_DIGESTS = {
    1: "a3f6620cff21a29cfeaa355fd64bf1918c8d3695a38c9e0c1a23e83219a605fc",
    2: "16fbf5d8c5b370d720cf101ce175354637df03b4ce8ddd1878c8c7b461201c94",
}
#: The re-run's file tasks (besides "output_folder"), in Fiji's words.
TASK_WORDS = {
    "mask": "label mask (an image)",
    "table": "results table (a text file)",
    "rois": "ROI set (a zip file)",
    "table_csv": "results table (a text file)",
    "png16": "PNG of the labels",
    "jpeg": "JPEG",
    "colour_png": "colour PNG",
    "nuclei": "nuclei mask (an image)",
}
_IMAGES = ("tiff", "png", "jpeg", "gif", "bmp", "npy")
#: Findings saying a file is another image (not the closest one to report).
_OTHER_IMAGE = frozenset(
    {"labels.shape_mismatch", "labels.shape_transposed", "activity2.image_size"}
)
#: The formats a task asks for (a file of them is the closest when none passes).
_PREFERRED = {
    "mask": ("tiff",),
    "png16": ("png",),
    "jpeg": ("jpeg",),
    "colour_png": ("png",),
    "nuclei": ("tiff", "png"),
}
CANDIDATE_FORMATS = {
    "mask": _IMAGES,
    "table": ("text",),
    "rois": ("zip", "imagej_roi"),
    "table_csv": ("text",),
    "png16": _IMAGES,
    "jpeg": _IMAGES,
    "colour_png": _IMAGES,
    "nuclei": _IMAGES,
}

# -- messages worded for what Fiji does ---------------------------------------------


def _fiji(results: list[CheckResult], *, task: str) -> list[CheckResult]:
    """The checkers' results, with findings worded for what Fiji does."""
    reworded = []
    for result in results:
        new = CheckResult(kind=result.kind, path=result.path, content=result.content)
        special = _special_finding(result, task)
        for finding in result.findings:
            if special is not None and finding.severity == "error":
                continue
            code = FIJI_WORDING.get(finding.code)
            if finding.code == "table.wrong_delimiter":
                code = (
                    "imagej.table_tabs"
                    if task == "table_csv"
                    else "imagej.table_commas"
                )
            if code is None:
                new.findings.append(fiji_finding(finding))
            elif code not in new.codes:
                new.add(code, count=_expected_count(task))
        if special is not None:
            new.add(special[0], **special[1])
        reworded.append(new)
    return reworded


def _expected_count(task: str) -> int:
    if task == "nuclei":
        return int(activity2.nuclei_labels().max())
    return int(activity1.reference_labels().max())


def _special_finding(result: CheckResult, task: str):
    """A Fiji mistake the checkers' findings do not name: outlines, ROIs twice."""
    if result.passed:
        return None
    if "labels.lossy_jpeg" in result.codes:
        return ("imagej.mask_jpeg", {})  # the JPEG is the cause of the rest
    content = result.content
    shape = getattr(content, "shape", None)
    if task in ("mask", "png16", "nuclei") and shape is not None and len(shape) == 2:
        import numpy as np

        if content.dtype == np.uint8 and np.mean(content == 255) > 0.8:
            return ("imagej.mask_outlines", {})
    if task == "rois" and isinstance(content, list):
        expected = _expected_count(task)
        if len(content) == 2 * expected:
            return ("imagej.rois_twice", {"found": len(content), "expected": expected})
    return None


def file_result(task: str, path, /) -> list[CheckResult]:
    """The course's check of one file for a task of :data:`TASK_WORDS`, worded for Fiji.

    The handed-in files (the visible tests, the audit's re-check of them): they
    must hold the analysis's objects. When they hold other objects of the input
    image, consistently (a changed size filter), one finding says so.
    """
    return _check(task, path, None)


#: Tasks whose file holds the random-shapes objects (judged as one analysis).
_OBJECT_TASKS = frozenset({"mask", "table", "rois", "table_csv", "png16"})


def _check_against(task: str, path, folder, reference) -> list[CheckResult]:
    """The checkers' results for ``task`` against ``reference`` (None: the
    analysis's objects)."""
    if task == "mask":
        return activity1.label_mask_result(
            path, folder, name="macro", reference=reference
        )
    if task == "table":
        return activity1.table_result(path, folder, name="macro", reference=reference)
    if task == "rois":
        return activity1.rois_result(path, folder, name="macro", reference=reference)
    if task == "table_csv":
        return activity2.table_csv_result(
            path, folder, name="macro", reference=reference
        )
    if task == "nuclei":
        return activity2.nuclei_mask_result(path, folder, name="macro")
    return activity2.mask_format_result(
        path, folder, fmt=task, name="macro", reference=reference
    )


def _check(task: str, path, folder, *, own_objects: bool = False) -> list[CheckResult]:
    """The course's check of one file for ``task``, worded for Fiji.

    ``own_objects`` (the re-run): the file is judged against the objects of
    the count mask the macro itself saved, when that is a count mask of the
    input image (each object one whole connected component): the re-run judges
    the saving, the visible tests the analysis's objects.
    """
    if task not in _OBJECT_TASKS:
        return _fiji(_check_against(task, path, folder, None), task=task)
    here = Path(folder) if folder is not None else Path(path).parent
    objects = _own_objects(here)
    if own_objects and objects is not None:
        return _fiji(_check_against(task, path, folder, objects), task=task)
    results = _check_against(task, path, folder, None)
    if (
        objects is not None
        and not all(r.passed for r in results)
        and all(r.passed for r in _check_against(task, path, folder, objects))
    ):
        result = CheckResult(kind=results[0].kind, path=results[0].path)
        result.add(
            "imagej.other_objects", **objects_words(objects, here, MACRO_NAMES.values())
        )
        return [result]
    return _fiji(results, task=task)


def _count_mask_of_input(labels) -> bool:
    """Whether ``labels`` is a count mask of the random-shapes image: each
    object exactly one whole connected component of its white shapes."""
    import numpy as np

    components = _input_components()
    if not isinstance(labels, np.ndarray) or labels.shape != components.shape:
        return False
    if labels.ndim != 2 or labels.dtype.kind not in "iub" or not labels.any():
        return False
    inside = labels > 0
    if (inside & (components == 0)).any():
        return False
    pairs = np.unique(np.stack([labels[inside], components[inside]]), axis=1)
    if len(np.unique(pairs[0])) != pairs.shape[1]:
        return False  # an object over two components
    if len(np.unique(pairs[1])) != pairs.shape[1]:
        return False  # a component split among objects
    whole = np.isin(components, pairs[1])
    return bool(np.array_equal(whole, inside))


def _input_components():
    import numpy as np

    global _COMPONENTS
    if _COMPONENTS is None:
        import tifffile
        from skimage import measure

        image = tifffile.imread(data_path(RANDOM_SHAPES))
        _COMPONENTS = measure.label(np.asarray(image) > 0, connectivity=2)
    return _COMPONENTS


_COMPONENTS = None


def _own_objects(folder: Path):
    """The labels of a count mask of the input image in ``folder``, or None.

    A TIFF first, then other images; None when none is one, or when it holds
    the analysis's objects (nothing to tell apart).
    """
    import numpy as np

    from outputsaving.labels import check_label_mask

    try:
        files = sorted(
            p for p in folder.iterdir() if p.is_file() and not p.is_symlink()
        )[:MAX_LISTED]
        key = (str(folder), tuple((p.name, p.stat().st_size) for p in files))
        key += tuple(p.stat().st_mtime_ns for p in files)
    except OSError:
        return None
    if key in _OWN_OBJECTS:
        return _OWN_OBJECTS[key]
    formats = {p: sniff_format(p) for p in files}
    images = [p for p in files if formats[p] in ("tiff", "png")]
    images.sort(key=lambda p: formats[p] != "tiff")
    reference = activity1.reference_labels()
    found = None
    for path in images[:20]:
        labels = check_label_mask(path).content
        if _count_mask_of_input(labels):
            if not np.array_equal(labels > 0, reference > 0):
                found = labels
            break
    if len(_OWN_OBJECTS) > 16:
        _OWN_OBJECTS.clear()
    _OWN_OBJECTS[key] = found
    return found


#: Files of a folder looked at for its count mask, at most.
MAX_LISTED = 200
_OWN_OBJECTS: dict = {}


# -- the re-run's verdict per task (hidden tests and the audit) -----------------------


def _names(names: list[str], limit: int = 3) -> str:
    """``a, b, c and N more``."""
    shown = ", ".join(names[:limit])
    more = len(names) - limit
    return fill("imagej.and_more", names=shown, more=more) if more > 0 else shown


def _not_finished(result: CheckResult, note: dict) -> None:
    outcome = note.get("outcome")
    hints = note.get("hints") or {}
    windows = [w for w in note.get("windows") or [] if isinstance(w, str)]
    if outcome == "timeout" and (
        "Action Required" in windows or (hints.get("waits") and not _asks(hints))
    ):
        result.add("imagej.waits_for_user", seconds=int(MACRO_TIMEOUT))
    elif outcome == "timeout" and not windows and not _asks(hints):
        result.add("imagej.timeout_loop", seconds=int(MACRO_TIMEOUT))
    elif outcome in ("timeout", "error"):
        if "Macro Error" in windows:
            detail = fill("imagej.window_macro_error")
        elif "ROI Manager" in windows:
            detail = fill("imagej.window_roi_manager")
        elif windows:
            detail = fill("imagej.window_other", title=windows[0][:60])
        else:
            detail = fill("imagej.window_none")
        if hints.get("parameters"):
            hint = fill("imagej.hint_parameters")
        elif hints.get("dialogs") and "Macro Error" not in windows:
            calls = ", ".join(hints["dialogs"][:3])
            hint = fill("imagej.hint_dialogs", calls=calls)
        else:
            hint = fill("imagej.hint_error")
        result.add("imagej.did_not_finish", detail=detail, hint=hint)
    elif outcome == "ended":
        if hints.get("absolute"):
            result.add("imagej.absolute_path", path=hints["absolute"][0])
        elif hints.get("quits"):
            result.add("imagej.ended_early")
        else:
            result.add("imagej.ended_quietly")
    elif outcome == "no_macro":
        result.add("imagej.rerun_no_macro")
    elif outcome == "no_imagej":
        result.add("imagej.not_installed")
    elif outcome == "failed":
        reason = str(note.get("reason") or "")
        result.add(
            "imagej.failed", reason=reason.splitlines()[-1][:200] if reason else ""
        )


def _asks(hints: dict) -> bool:
    """Whether the macro's text asks something (a dialog, a parameter)."""
    return bool(hints.get("dialogs") or hints.get("parameters"))


def _absolute_or_outside(result: CheckResult, note: dict) -> bool:
    hints = note.get("hints") or {}
    absolute = hints.get("absolute") or []
    stray = [s for s in note.get("stray") or [] if isinstance(s, str)]
    if absolute:
        result.add("imagej.absolute_path", path=absolute[0])
        return True
    if hints.get("folders"):
        result.add(
            "imagej.folder_of_imagej",
            call=hints["folders"][0],
            files=fill("imagej.written_list", names=_names(stray)) if stray else "",
        )
        return True
    if stray:
        result.add("imagej.wrote_outside", files=_names(stray))
        return True
    return False


def _went_elsewhere(note: dict) -> bool:
    hints = note.get("hints") or {}
    return bool(hints.get("absolute") or note.get("stray"))


def macro_is_template(macro_file, /, *, activity: int) -> bool:
    """Whether ``macro_file`` is still the released template of ``activity``
    (its normalised text, :data:`TEMPLATE_DIGESTS`): nothing written yet."""
    # Never through a link, never blocking on a FIFO: the grader reads it too.
    text, _ = _read_macro(Path(macro_file), follow=False)
    return text is not None and _is_template(text, activity)


def _is_template(text: str, activity: int) -> bool:
    return _text_digest(text) == TEMPLATE_DIGESTS.get(activity)


#: Outcomes of a re-run that are no fault of the macro's text: said as they are.
_NOT_THE_MACRO = frozenset({"no_macro", "no_imagej", "failed"})


def untouched_result(macro_name: str, /) -> CheckResult:
    """The re-run's verdict on the released template, handed in as it is."""
    result = task_result("macro re-run", "")
    result.add("imagej.rerun_untouched", path=macro_name)
    return result


def rerun_task_result(
    task: str, note: dict, folder: Path | None, /, *, untouched: str = ""
) -> list[CheckResult]:
    """Judge one task of a macro's re-run: what it wrote into ``folder``.

    ``untouched``: the macro's name when it is still the released template
    (:func:`macro_is_template`); a failure then says that the macro is not
    written yet (:func:`untouched_result`) rather than what the template's run
    did not save, unless ImageJ could not run it at all.

    Parameters
    ----------
    task : str
        "output_folder", or a key of :data:`TASK_WORDS`.
    note : dict
        The run (:meth:`MacroRun.note`, or its evidence note).
    folder : Path or None
        The folder holding what the macro wrote.

    Returns
    -------
    list of CheckResult
        Pass when one file the macro wrote passes the task's check (and, for
        ``"output_folder"``, when the macro finished, wrote into its folder
        and nowhere else).
    """
    results = _rerun_results(task, note, folder)
    if (
        untouched
        and note.get("outcome") not in _NOT_THE_MACRO
        and not all(r.passed for r in results)
    ):
        return [untouched_result(untouched)]
    return results


def _rerun_results(task: str, note: dict, folder: Path | None) -> list[CheckResult]:
    """:func:`rerun_task_result`, whatever the macro's text."""
    result = task_result("macro re-run", "")
    outcome = note.get("outcome")
    written = [
        w for w in note.get("written") or [] if isinstance(w, str) and ".." not in w
    ]
    files = []
    if folder is not None:
        inside = Path(folder).resolve()
        for name in written:
            path = Path(folder) / name
            with contextlib.suppress(OSError):
                regular = path.is_file() and not path.is_symlink()
                if regular and path.resolve().is_relative_to(inside):
                    files.append(path)
    if outcome in ("no_macro", "no_imagej", "failed"):
        _not_finished(result, note)
        return [result]
    if task == "output_folder":
        if outcome != "finished":
            _not_finished(result, note)
        elif not _absolute_or_outside(result, note) and not files:
            result.add("imagej.no_file_written")
        return [result]
    formats = {p: sniff_format(p) for p in files}
    candidates = [p for p in files if formats[p] in CANDIDATE_FORMATS[task]]
    closest = None
    for path in candidates:
        checked = _check(task, path, folder, own_objects=True)
        if all(r.passed for r in checked):
            return [result]
        # Closest: a file of the format asked for, then the fewest errors.
        codes = {code for r in checked for code in r.codes}
        rank = (
            formats[path] not in _PREFERRED.get(task, ()),
            bool(codes & _OTHER_IMAGE),
            sum(len(r.errors) for r in checked),
        )
        if closest is None or rank < closest[0]:
            closest = (rank, checked)
    if closest is not None and not _went_elsewhere(note):
        if outcome != "finished":
            _not_finished(result, note)
        return [result, *closest[1]]
    if outcome != "finished":
        _not_finished(result, note)
    elif not _absolute_or_outside(result, note):
        names = _names(written, 4)
        result.add(
            "imagej.rerun_none",
            what=TASK_WORDS[task],
            written=fill("imagej.written_list", names=names) if names else "",
        )
    return [result]


def _grade_rerun(macro_file, task: str, activity: int) -> None:
    __tracebackhide__ = True
    run = rerun(macro_file, activity=activity)
    untouched = macro_is_template(macro_file, activity=activity)
    assert_passes(
        *rerun_task_result(
            task,
            run.note(),
            run.folder,
            untouched=Path(macro_file).name if untouched else "",
        )
    )


def grade_rerun_output_folder(macro_file, /, *, activity: int = 1) -> None:
    """Hidden test of task 1: the macro, re-run, finishes and saves into its folder."""
    __tracebackhide__ = True
    _grade_rerun(macro_file, "output_folder", activity)


def grade_rerun_label_mask(macro_file, /) -> None:
    """Hidden test of activity 1, task 2: the re-run saves a right label mask."""
    __tracebackhide__ = True
    _grade_rerun(macro_file, "mask", 1)


def grade_rerun_table(macro_file, /) -> None:
    """Hidden test of activity 1, task 3: the re-run saves a right tab table."""
    __tracebackhide__ = True
    _grade_rerun(macro_file, "table", 1)


def grade_rerun_rois(macro_file, /) -> None:
    """Hidden test of activity 1, task 4: the re-run saves one ROI per object."""
    __tracebackhide__ = True
    _grade_rerun(macro_file, "rois", 1)


def grade_rerun_table_csv(macro_file, /) -> None:
    """Hidden test of activity 2, task 2: the re-run saves a right CSV table."""
    __tracebackhide__ = True
    _grade_rerun(macro_file, "table_csv", 2)


def grade_rerun_mask_format(macro_file, /, *, fmt: str) -> None:
    """Hidden test of activity 2, task 3: the re-run saves the mask as ``fmt``."""
    __tracebackhide__ = True
    if fmt not in ("png16", "jpeg", "colour_png"):
        msg = f"expected png16, jpeg or colour_png but got {fmt!r}"
        raise ValueError(msg)
    _grade_rerun(macro_file, fmt, 2)


def grade_rerun_nuclei_mask(macro_file, /) -> None:
    """Hidden test of activity 2, task 5: the re-run saves every nucleus."""
    __tracebackhide__ = True
    _grade_rerun(macro_file, "nuclei", 2)


# -- visible tests: the files handed in ------------------------------------------------


def _is_absolute_text(text: str) -> bool:
    return (
        PurePosixPath(text).is_absolute()
        or PureWindowsPath(text).drive != ""
        or text.startswith(("~", "\\"))
    )


def _declared_file(
    result: CheckResult, value, output_dir, variable: str
) -> Path | None:
    """The handed-in file a name cell names, in ``output_dir``; None with a finding."""
    folder = Path(output_dir)
    if value is None:
        result.add("imagej.name_not_set", variable=variable)
        return None
    if value is Ellipsis or (isinstance(value, str) and not value.strip()):
        result.add("imagej.name_missing", variable=variable)
        return None
    if not isinstance(value, (str, PurePath)):
        result.add("imagej.name_missing", variable=variable)
        return None
    text = str(value).strip()
    name = PureWindowsPath(text).name
    if _is_absolute_text(text):
        result.add(
            "imagej.name_is_path",
            variable=variable,
            path=text,
            name=name,
            folder=folder,
        )
        candidates = [folder / name]
    else:
        posix = text.replace("\\", "/")
        candidates = [folder / posix, Path(posix), folder / name]
    for path in candidates:
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink():
                return path
    try:
        present = sorted(p.name for p in folder.iterdir() if p.is_file())
    except OSError:
        present = []
    found = (
        fill("imagej.folder_holds", names=", ".join(present[:6]))
        if present
        else fill("imagej.folder_empty")
    )
    result.add("imagej.not_uploaded", name=name, folder=folder, found=found)
    return None


def saved_file_result(
    task: str, value, output_dir, /, *, variable: str
) -> list[CheckResult]:
    """Check a handed-in file of ``task``, named by the learner's ``variable``."""
    result = task_result(
        TASK_WORDS.get(task, task), value if isinstance(value, str) else ""
    )
    path = _declared_file(result, value, output_dir, variable)
    if path is None:
        return [result]
    return [result, *_check(task, path, output_dir)]


def upload_result(macro_file, output_dir, /, *, activity: int = 1, notes: bool = False):
    """Task 1, visible: the edited macro and the files it saved were handed in.

    ``notes``: also say what in the macro the grader's ImageJ cannot do
    (the self-check's advice; the test judges the files only).
    """
    macro = Path(macro_file)
    folder = Path(output_dir)
    result = task_result("macro and files", macro)
    text = None
    if not macro.is_file():
        others = sorted(p.name for p in Path(".").glob("*.ijm"))
        result.add(
            "imagej.macro_missing",
            path=macro,
            others=fill("imagej.other_macros", names=", ".join(others[:4]))
            if others
            else "",
        )
    else:
        text, problem = _read_macro(macro)
        if text is None:
            result.add("imagej.macro_unreadable", path=macro, found=problem)
        elif _is_template(text, activity):
            result.add("imagej.macro_untouched", path=macro)
    try:
        present = [p for p in folder.rglob("*") if p.is_file()]
    except OSError:
        present = []
    if not present:
        result.add("imagej.outputs_missing", folder=folder)
    if notes and text is not None:
        # What will fail when the grader runs the macro again (the self-check).
        hints = macro_hints(text)
        if hints["absolute"]:
            result.add("imagej.note_absolute", path=hints["absolute"][0])
        if hints["folders"]:
            result.add("imagej.note_folders", call=hints["folders"][0])
        if hints["waits"]:
            result.add("imagej.note_waits")
        if hints["parameters"]:
            result.add("imagej.note_parameters")
        elif hints["dialogs"]:
            result.add("imagej.note_dialogs", calls=", ".join(hints["dialogs"][:3]))
    return [result]


def grade_upload(macro_file, output_dir, /, *, activity: int = 1) -> None:
    """Visible test of task 1: the edited macro and its files were handed in."""
    __tracebackhide__ = True
    assert_passes(*upload_result(macro_file, output_dir, activity=activity))


def _grade_saved(task: str, value, output_dir, variable: str) -> None:
    __tracebackhide__ = True
    assert_passes(*saved_file_result(task, value, output_dir, variable=variable))


def grade_saved_label_mask(name, output_dir, /) -> None:
    """Visible test of activity 1, task 2: the handed-in label mask."""
    __tracebackhide__ = True
    _grade_saved("mask", name, output_dir, "LABEL_MASK_FILE")


def grade_saved_table(name, output_dir, /) -> None:
    """Visible test of activity 1, task 3: the handed-in results table."""
    __tracebackhide__ = True
    _grade_saved("table", name, output_dir, "TABLE_FILE")


def grade_saved_rois(name, output_dir, /) -> None:
    """Visible test of activity 1, task 4: the handed-in ROI set."""
    __tracebackhide__ = True
    _grade_saved("rois", name, output_dir, "ROIS_FILE")


def grade_saved_table_csv(name, output_dir, /) -> None:
    """Visible test of activity 2, task 2: the handed-in comma-separated table."""
    __tracebackhide__ = True
    _grade_saved("table_csv", name, output_dir, "TABLE_CSV_FILE")


def grade_saved_masks(png, jpeg, colour_png, output_dir, /) -> None:
    """Visible test of activity 2, task 3: the PNG, the JPEG and the colour PNG."""
    __tracebackhide__ = True
    results = []
    for task, value, variable in (
        ("png16", png, "PNG_FILE"),
        ("jpeg", jpeg, "JPEG_FILE"),
        ("colour_png", colour_png, "COLOUR_PNG_FILE"),
    ):
        results += saved_file_result(task, value, output_dir, variable=variable)
    assert_passes(*results)


def grade_saved_nuclei_mask(name, output_dir, /) -> None:
    """Visible test of activity 2, task 5: the handed-in nuclei mask."""
    __tracebackhide__ = True
    _grade_saved("nuclei", name, output_dir, "NUCLEI_MASK_FILE")


def format_choice_result(answer, /, *, fmt: str) -> CheckResult:
    """Activity 2, task 4: the judgement of a format, as in activity 2; a wrong
    judgement of the colour PNG says what its values depend on in ImageJ."""
    result = activity2.check_format_choice(answer, fmt=fmt)
    if fmt == "colour_png" and "activity2.choice_wrong" in result.codes:
        new = CheckResult(kind=result.kind, path=result.path)
        new.add("imagej.choice_colour_png")
        return new
    return result


def grade_format_choice(answer, /, *, fmt: str) -> None:
    """Test of activity 2, task 4: the judgement of a format (as in activity 2)."""
    __tracebackhide__ = True
    assert_passes(format_choice_result(answer, fmt=fmt))


monitor.watch(__name__)
