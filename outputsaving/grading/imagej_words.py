"""Fiji's words for the checkers' findings, on the ImageJ track.

The ImageJ track checks the files a macro saved with the course's checkers,
whose messages speak to a Python learner ("run the saving cell again", "save
with roifile"). Every finding the track can show is worded for Fiji in one of
three ways:

- :data:`FIJI_WORDING`: a message of its own (``imagej.*``) replaces it;
- :data:`FIJI_ADVICE`: what was found stays, the advice is Fiji's: the
  message is cut where its advice starts (a marker that the message
  catalogue's text holds once) and an ``imagej.advice_*`` text follows;
- :data:`REVIEWED`: its words were read and are right for Fiji as they are.

:func:`objects_words` says, in Fiji's terms, how a mask's objects differ from
the analysis's (their count, sizes outside the filter, the macro's own filter).

A test holds every code of the checkers that can judge a handed-in file to
one of the three, and collects the codes the track emits over the Fiji
catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from outputsaving import monitor
from outputsaving.findings import CheckResult, Finding
from outputsaving.grading import activity1
from outputsaving.imagej_run import _code_lines, _read_macro
from outputsaving.messages import fill

__all__ = ["FIJI_ADVICE", "FIJI_WORDING", "REVIEWED", "fiji_finding", "objects_words"]

#: Checker findings, and the words for what Fiji did instead.
FIJI_WORDING = {
    "labels.lossy_jpeg": "imagej.mask_jpeg",
    "labels.palette": "imagej.mask_lut_png",
    "labels.too_many_for_8bit": "imagej.mask_8bit",
    "labels.wrapped_8bit": "imagej.mask_8bit",
    # imagej.table_tabs where the task asks for commas (activity 2).
    "table.wrong_delimiter": "imagej.table_commas",
}

_SAVE_TIFF = "imagej.advice_save_tiff"
_NOT_RGB = "imagej.advice_not_rgb"
_ANALYSIS = "imagej.advice_analysis"
_ROIS_SAVE = "imagej.advice_rois_save"
_ROIS_IMAGE = "imagej.advice_rois_this_image"
_TABLE_EMPTY = "imagej.advice_table_empty"

#: code -> (where its advice starts in the message, Fiji's advice).
FIJI_ADVICE = {
    "file.empty": ("Run the cell", "imagej.advice_file_again"),
    "file.is_folder": ("Save your output", "imagej.advice_one_file"),
    "file.not_a_file": ("Save your output", "imagej.advice_one_file"),
    "file.folder_of_rois": ("Save all the ROIs", _ROIS_SAVE),
    "labels.not_an_image": ("Save the label mask", _SAVE_TIFF),
    "labels.lossy_tiff": ("Save it uncompressed", _SAVE_TIFF),
    "labels.lossy_format": ("Save it in a lossless", _SAVE_TIFF),
    "labels.colour": (": the labels were probably", _NOT_RGB),
    "labels.grey_as_rgb": ("Save it as a single-channel", _NOT_RGB),
    "labels.extra_channels": ("Save it as a single-channel", _NOT_RGB),
    "labels.binary": ("Label the connected objects", "imagej.advice_count_masks"),
    "labels.background_not_zero": ("Check that the mask", "imagej.advice_background"),
    "labels.objects_lost": ("Check that you saved", _ANALYSIS),
    "labels.objects_merged": ("Check that each object", _ANALYSIS),
    "labels.objects_split": ("Check the connectivity", _ANALYSIS),
    "labels.objects_extra": ("Check that you saved", _ANALYSIS),
    "labels.no_objects": ("Check that you saved", _ANALYSIS),
    "table.empty": ("Run the cell", _TABLE_EMPTY),
    "table.no_rows": ("Check that objects", _TABLE_EMPTY),
    "table.no_header": ("Save the table with a header row", "imagej.advice_headers"),
    "table.pandas_index": ("the pandas index", "imagej.advice_row_numbers"),
    "table.row_count": ("Check that you measured", "imagej.advice_table_rows"),
    "table.unknown_labels": ("Check that you measured", "imagej.advice_table_rows"),
    "table.missing_objects": ("Check that every object", "imagej.advice_table_rows"),
    "table.duplicate_labels": ("Check that you measured", "imagej.advice_table_rows"),
    "table.no_area_column": ("Measure the area", "imagej.advice_area"),
    "table.area_scaled": ("Measure the areas in pixels", "imagej.advice_pixels"),
    "rois.not_a_zip": ("Save all your ROIs", _ROIS_SAVE),
    "rois.single_roi": ("Save all your ROIs", _ROIS_SAVE),
    "rois.damaged_zip": ("Save the ROI set again", "imagej.advice_file_again"),
    "rois.unsafe_names": ("Save your ROIs", _ROIS_SAVE),
    "rois.link_entries": ("Save your ROIs", _ROIS_SAVE),
    "rois.locked_entries": ("Save your ROIs", _ROIS_SAVE),
    "rois.not_rois": ("Save only the ROIs", _ROIS_SAVE),
    "rois.entry_names": ("Name each entry", _ROIS_SAVE),
    "rois.xy_swapped": (": the coordinates were given", _ROIS_SAVE),
    "rois.empty": ("Check that your list", "imagej.advice_rois_add"),
    "rois.duplicates": (": a re-run of your code", "imagej.advice_rois_reset"),
    "rois.not_areas": ("Save one closed outline", "imagej.advice_rois_add"),
    "rois.outside_image": ("Check that you used", _ROIS_IMAGE),
    "rois.count_mismatch": ("Check that you made", _ROIS_IMAGE),
    "rois.missing_objects": ("Check that you made", _ROIS_IMAGE),
    "rois.extra_rois": ("Check that your ROIs", _ROIS_IMAGE),
    "rois.poor_match": ("Check that each ROI", _ROIS_IMAGE),
    "rois.same_object": ("Keep one ROI per object", _ROIS_IMAGE),
    "activity1.mask_not_tiff": ("Save the mask as TIFF", _SAVE_TIFF),
    "activity1.rois_count": ("Save one ROI per object", _ROIS_IMAGE),
    "activity2.png_not_16bit": ("Save the labels as", "imagej.advice_png16"),
    "activity2.png_not_colour": ("Save the labels with", "imagej.advice_colour_lut"),
    "activity2.png_one_colour": ("Apply a colour map", "imagej.advice_colour_lut"),
    "activity2.image_size": ("Save the label image itself", "imagej.advice_image"),
}

#: Codes whose words were read and are right for a Fiji learner as they are.
REVIEWED = frozenset(
    {
        "file.missing",  # the name cell's file is found first (imagej.not_uploaded)
        "file.too_large",
        "file.too_large_to_check",
        "file.unexpected",
        "labels.unreadable",
        "labels.image_too_large",
        "labels.several_images",
        "labels.not_2d",
        "labels.palette_tiff",
        "labels.dtype_imagej_cannot_open",
        "labels.signed_16bit",
        "labels.beyond_float32",
        "labels.not_finite",
        "labels.not_integer",
        "labels.negative",
        "labels.shape_mismatch",
        "labels.shape_transposed",
        "labels.outlines_differ",
        "labels.signed_8bit",
        "labels.float32_in_imagej",
        "table.latin1",
        "table.single_column",
        "table.missing_values",
        "table.label_not_numbers",
        "table.not_text",
        "table.excel_workbook",
        "table.excel_xls",
        "table.json",
        "table.utf16",
        "table.unreadable",
        "table.ragged",
        "table.ragged_decimal_comma",
        "table.unnamed_column",
        "table.duplicate_column",
        "table.decimal_comma",
        "table.area_not_numbers",
        "table.area_missing",
        "table.area_mismatch",
        "rois.damaged_entries",
        "rois.too_many_entries",
        "rois.entry_too_large",
        "rois.total_too_large",
        "rois.zip_bomb",
        "rois.negative_coordinates",
        "activity1.mask_renumbered",
        "activity2.wrong_format",
        "activity2.choice_missing",
        "activity2.choice_not_bool",
        "activity2.choice_wrong",
    }
)


def fiji_finding(finding: Finding) -> Finding:
    """``finding`` with Fiji's advice (:data:`FIJI_ADVICE`), else as it is."""
    advice = FIJI_ADVICE.get(finding.code)
    if advice is None:
        return finding
    marker, code = advice
    cut = finding.message.find(marker)
    if cut < 0:
        return finding
    return Finding(finding.code, finding.severity, finding.message[:cut] + fill(code))


def fiji_result(result: CheckResult) -> CheckResult:
    """A copy of ``result`` whose findings carry Fiji's advice."""
    new = CheckResult(kind=result.kind, path=result.path, content=result.content)
    new.findings = [fiji_finding(f) for f in result.findings]
    return new


monitor.watch(__name__)


def objects_words(objects, folder: Path, macro_names: Iterable[str]) -> dict:
    """What differs between the files' objects and the analysis's, in Fiji's terms.

    ``macro_names``: the macros next to ``folder`` whose size filter is named.
    """
    import numpy as np

    areas = np.bincount(objects[objects > 0].ravel())
    areas = areas[areas > 0]
    low, high = activity1.MIN_SIZE, activity1.MAX_SIZE
    outside = [int(a) for a in areas if not low <= a <= high]
    detail = ""
    if outside:
        detail = fill("imagej.objects_outside", areas=", ".join(map(str, outside[:3])))
    return {
        "found": len(areas),
        "expected": int(activity1.reference_labels().max()),
        "low": low,
        "high": high,
        "detail": detail,
        "macro": _size_words(folder, macro_names),
    }


_SIZE = re.compile(r"size=([0-9.]+-(?:[0-9.]+|Infinity))")
_SETTING = re.compile(r"^\s*(minSize|maxSize)\s*=\s*([^;/\n]+)", re.MULTILINE)


def _size_words(folder: Path, macro_names: Iterable[str]) -> str:
    """The size filter the macro next to ``folder`` gives Analyze Particles."""
    for name in macro_names:
        # Never through a link: the class grader's audit checks the files too.
        text, _ = _read_macro(folder.parent / name, follow=False)
        if text is None:
            continue
        code = "\n".join(_code_lines(text))
        found = _SIZE.search(code)
        if found:
            return fill("imagej.objects_macro_size", size=found.group(1))
        settings = {k: v.strip() for k, v in _SETTING.findall(code)}
        given = {"minSize": str(activity1.MIN_SIZE), "maxSize": str(activity1.MAX_SIZE)}
        changed = [f"{k} = {v}" for k, v in settings.items() if v != given.get(k)]
        if changed:
            return fill("imagej.objects_macro_settings", settings=", ".join(changed))
    return ""
