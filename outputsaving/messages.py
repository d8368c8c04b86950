"""Every message a learner can read, in one place.

Each entry maps a stable finding code to ``(severity, template)``. The
templates are filled by :func:`fill`, the one way to fill them (never
``str.format`` on a template): ``str.format`` fields, where a field
``{count:object/objects}`` gives the word that agrees with the number
``count`` (singular for 1). House rules for the wording: second
person, at most two sentences, found versus expected, one next step, and never
the code of the solution.
"""

import numbers
import string

__all__ = ["MESSAGES", "fill"]

E, N = "error", "note"

MESSAGES: dict[str, tuple[str, str]] = {
    # -- any file ------------------------------------------------------------
    "file.missing": (
        E,
        "No file was found at {path}. Check the output folder and the file name "
        "your code writes, then run the saving cell again.",
    ),
    "file.is_folder": (
        E,
        "{path} is a folder holding {holds}, not a file. Save your output to one "
        "file and return that file's path.",
    ),
    "file.folder_of_rois": (
        E,
        "{path} is a folder of {count} .roi files, not one ROI set. Save all the "
        "ROIs as one ROI set, a .zip file that ImageJ's ROI manager opens, and "
        "return its path.",
    ),
    "file.not_a_file": (
        E,
        "{path} is a folder or a special file, not a regular file. Save your "
        "output to a file path instead.",
    ),
    "file.empty": (
        E,
        "Your file is empty (0 bytes). Run the cell that saves it again and "
        "check that it finishes without an error.",
    ),
    "file.too_large": (
        E,
        "Your file is {size} bytes, more than the {limit} bytes this check "
        "reads. Check that you saved the right data.",
    ),
    "file.too_large_to_check": (
        E,
        "Your file is too large to check in memory. Check that you saved the "
        "right data.",
    ),
    "file.unexpected": (
        E,
        "Your file could not be checked because of an unexpected problem "
        "({error}). Save it again; if this persists, tell your instructor.",
    ),
    # -- label mask (outputsaving.labels) ------------------------------------
    "labels.not_an_image": (
        E,
        "Your file is {found}, not an image. Save the label mask as an image in "
        "a lossless format such as TIFF.",
    ),
    "labels.unreadable": (
        E,
        "Your file looks like {found} but could not be read: it is probably "
        "truncated or damaged. Save it again and check that saving finished "
        "without an error.",
    ),
    "labels.image_too_large": (
        E,
        "Your image declares {pixels} pixel values, more than the {limit} this "
        "check decodes. Check that you saved the 2-D label mask and not a larger "
        "image or stack.",
    ),
    "labels.several_images": (
        E,
        "Your file holds {count} images, but a label mask file should hold only "
        "one. Save the 2-D label image on its own.",
    ),
    "labels.not_2d": (
        E,
        "Your file holds an image of shape {shape}, but a label mask is a single "
        "2-D image. Save only the 2-D label image, not a stack or several "
        "channels.",
    ),
    "labels.lossy_jpeg": (
        E,
        "Your mask is saved with JPEG compression, which changes label values and "
        "invents new ones along object edges. Save it in a lossless format such "
        "as TIFF or 16-bit PNG.",
    ),
    "labels.lossy_tiff": (
        E,
        "Your TIFF is compressed with {compression}, a lossy method that changes "
        "label values. Save it uncompressed or with a lossless compression such "
        "as LZW or zlib.",
    ),
    "labels.lossy_format": (
        E,
        "Your mask is saved as {format}, a format that is usually lossy and "
        "changes label values. Save it in a lossless format such as TIFF or "
        "16-bit PNG.",
    ),
    "labels.colour": (
        E,
        "Your mask is a colour ({mode}) image, not one channel of label values: "
        "the labels were probably turned into colours by a lookup table. Save the "
        "label image itself rather than a coloured view of it.",
    ),
    "labels.grey_as_rgb": (
        E,
        "Your mask stores the same grey values three times, as an RGB colour "
        "image, instead of one channel of labels. Save it as a single-channel "
        "(greyscale) image.",
    ),
    "labels.extra_channels": (
        E,
        "Your mask has {count} channels ({mode}) instead of one channel of label "
        "values. Save it as a single-channel greyscale image without transparency.",
    ),
    "labels.palette": (
        E,
        "Your mask is an indexed-colour (palette) image, so its pixels are colour "
        "indices: ImageJ, for instance, rescales a 16-bit mask shown with a colour "
        "lookup table to 8-bit indices when saving it as PNG. Save the label "
        "image as TIFF or as a 16-bit greyscale PNG.",
    ),
    "labels.palette_tiff": (
        N,
        "Your TIFF stores a colour lookup table along with the labels; the label "
        "values themselves are kept, so no change is needed.",
    ),
    "labels.dtype_imagej_cannot_open": (
        E,
        "Your mask is stored as {dtype}, a pixel type ImageJ cannot open. Save it "
        "as unsigned 16-bit (or 32-bit for more than 65,535 objects).",
    ),
    "labels.signed_16bit": (
        E,
        "Your mask is signed 16-bit, and ImageJ adds 32768 to every pixel of such "
        "images, so there the background is no longer 0. Save it as unsigned "
        "16-bit.",
    ),
    "labels.signed_8bit": (
        N,
        "Your mask is signed 8-bit, which holds at most 127 labels (ImageJ reads "
        "it as unsigned 8-bit). Unsigned 8-bit or 16-bit is the usual choice.",
    ),
    "labels.float32_in_imagej": (
        N,
        "Your mask is {dtype}, which ImageJ opens as 32-bit float: labels stay "
        "exact up to 16,777,216 and yours go up to {highest}. Unsigned 16-bit is "
        "the usual choice for up to 65,535 objects.",
    ),
    "labels.beyond_float32": (
        E,
        "Your largest label is {highest}, above 16,777,216: ImageJ opens {dtype} "
        "masks as 32-bit float and would change such labels. Renumber the labels "
        "consecutively from 1 before saving.",
    ),
    "labels.not_finite": (
        E,
        "Your mask contains {count} NaN or infinite {count:value/values}, but labels "
        "are whole numbers with 0 for background. Check the steps before saving for "
        "divisions or missing values.",
    ),
    "labels.not_integer": (
        E,
        "Your mask holds non-integer values such as {example}, but labels are "
        "whole numbers. Save the label image itself, not a smoothed, resized or "
        "normalised copy.",
    ),
    "labels.negative": (
        E,
        "Your mask has negative values (down to {lowest}), but labels are 0 for "
        "background and positive whole numbers for objects. Check how you "
        "computed or converted the labels before saving.",
    ),
    "labels.binary": (
        E,
        "Your mask gives the same value ({value}) to all {count} objects: it is a "
        "binary mask, not a label image. Label the connected objects so that "
        "each one gets its own number, then save that label image.",
    ),
    "labels.background_not_zero": (
        E,
        "Your mask's background has the value {value}, but label 0 must be the "
        "background. Check that the mask is not inverted (objects dark on a light "
        "background) before you label it.",
    ),
    "labels.no_objects": (
        N,
        "Your mask holds only background (0) and no labelled objects. Check that "
        "you saved the label image after labelling.",
    ),
    "labels.shape_mismatch": (
        E,
        "Your mask is {found} pixels (rows x columns), but the input image is "
        "{expected}. Save the label image of the whole input, not a cropped or "
        "resized copy.",
    ),
    "labels.shape_transposed": (
        E,
        "Your mask is {found} pixels (rows x columns), but the input image is "
        "{expected}: rows and columns are swapped. Save the label image without "
        "transposing it.",
    ),
    "labels.wrapped_8bit": (
        E,
        "Your mask is 8-bit, but the reference has {count} objects: labels above "
        "255 wrapped around (256 became 0, 257 became 1, ...), merging objects. "
        "Save the label image as 16-bit.",
    ),
    "labels.too_many_for_8bit": (
        E,
        "Your mask is 8-bit, which holds at most 255 labels, but the reference has "
        "{count} objects. Save the label image as 16-bit.",
    ),
    "labels.objects_lost": (
        E,
        "{count} of the {total} reference objects {count:is/are} background in your "
        "mask. "
        "Check that you saved the final label image, labelled from the whole "
        "mask.",
    ),
    "labels.objects_merged": (
        E,
        "{count} of the {total} reference objects {count:shares/share} a label with "
        "another "
        "object in your mask. Check that each object gets its own label and that "
        "touching objects were kept apart.",
    ),
    "labels.objects_split": (
        E,
        "{count} of the {total} reference objects {count:is/are} split into several "
        "labels "
        "in your mask. Check the connectivity you labelled with (diagonal "
        "neighbours count as connected) and that you saved the final label image.",
    ),
    "labels.objects_extra": (
        E,
        "Your mask has {count} labelled {count:object/objects} where the reference "
        "has only "
        "background. Check that you saved the label image after filtering objects "
        "by size as the task asks.",
    ),
    "labels.outlines_differ": (
        E,
        "Every reference object has its own label in your mask, but {count} "
        "{count:pixel has/pixels have} a different label. Check that the mask was not "
        "resized, smoothed or saved with lossy compression.",
    ),
    # -- results table (outputsaving.table) ----------------------------------
    "table.not_text": (
        E,
        "Your table is {what}, not a text file. Save the results table as "
        "{expected_text} text.",
    ),
    "table.excel_workbook": (
        E,
        "Your table is a zip archive (an Excel workbook?), not a text file. Save "
        "the results table as {expected_text} text.",
    ),
    "table.excel_xls": (
        E,
        "Your table is an old-style Office document (an Excel .xls workbook?), "
        "not a text file. Save the results table as {expected_text} text.",
    ),
    "table.json": (
        E,
        "Your table is JSON text, not a table with one row per line. Save the "
        "results table as {expected_text} text.",
    ),
    "table.utf16": (
        E,
        "Your table is UTF-16 text (as Excel's 'Unicode Text' writes it), which "
        "many programs cannot read. Save the table as UTF-8 text.",
    ),
    "table.latin1": (
        N,
        "Your table is not UTF-8 text, so it was read as Latin-1 and characters "
        "such as µ or ² may be misread. Save the table as UTF-8 text.",
    ),
    "table.empty": (
        E,
        "Your table holds only blank lines or spaces: no header and no rows. Run "
        "the cell that measures and saves the table again.",
    ),
    "table.unreadable": (
        E,
        "Your table could not be split into columns, probably because a quote "
        'mark (") is left open. Open the file in a text editor and check its '
        "quote marks.",
    ),
    "table.wrong_delimiter": (
        E,
        "Your table's columns are separated by {found}, but {expected} were "
        "expected. Save the table again as {expected_text} text.",
    ),
    "table.single_column": (
        N,
        "Your table has a single column ({name}), with no {expected} between "
        "columns. If it should have several columns, save it as {expected_text} "
        "text.",
    ),
    "table.no_header": (
        E,
        "The first row of your table holds numbers ({example}), not column names. "
        "Save the table with a header row that names each column.",
    ),
    "table.no_rows": (
        E,
        "Your table has a header ({columns}) but no rows of measurements. Check "
        "that objects were measured before the table was saved.",
    ),
    "table.ragged": (
        E,
        "Line {line} of your table has {found} fields, but the header has {expected}; "
        "{count} of your {total} {count:row differs/rows differ} like this. Check that "
        "every row has the same columns and that no value contains the delimiter.",
    ),
    "table.ragged_decimal_comma": (
        E,
        "Line {line} of your table has {found} fields, but the header has "
        "{expected}: its numbers seem to use a decimal comma, which is also the "
        "delimiter. Save the numbers with a point as decimal mark.",
    ),
    "table.pandas_index": (
        E,
        "Your table starts with an unnamed column of row numbers ({values}, ...): "
        "the pandas index, not a measurement. Save the table without its index.",
    ),
    "table.unnamed_column": (
        E,
        "Some of your columns have no name ({count} in all, the first is column "
        "{position}). Give every column a name in the header row.",
    ),
    "table.duplicate_column": (
        E,
        "Your table has more than one column named '{name}'. Give each column "
        "its own name.",
    ),
    "table.decimal_comma": (
        E,
        "Your table writes numbers with a decimal comma, such as '{example}' in "
        "column '{column}' (line {line}), but a point is expected. Save the "
        "numbers with a point as decimal mark.",
    ),
    "table.missing_values": (
        N,
        "Your table has empty or NaN cells in number columns ({count} in all, the "
        "first in column '{column}' on line {line}). Check that these "
        "measurements were meant to be missing.",
    ),
    "table.row_count": (
        E,
        "Your table has {found} rows, but the image has {expected} objects. "
        "Check that you measured the right label image, with one row per object.",
    ),
    "table.label_not_numbers": (
        N,
        "Your '{column}' column holds text such as '{example}', not label "
        "numbers, so rows were matched to objects in label order.",
    ),
    "table.unknown_labels": (
        E,
        "Your label column names labels that are not in the image ({count} in "
        "all, such as {example}). Check that you measured the same label image.",
    ),
    "table.missing_objects": (
        E,
        "Your table has no row for {count} of the {total} objects in the image, "
        "such as label {example}. Check that every object was measured.",
    ),
    "table.duplicate_labels": (
        E,
        "Some labels are on more than one row of your table ({count} in all, such "
        "as {example}), but each object needs exactly one row. Check that you "
        "measured each object once.",
    ),
    "table.no_area_column": (
        E,
        "Your table has no area column; its columns are {columns}. Measure the "
        "area of each object in pixels and save it in a column named 'area'.",
    ),
    "table.area_not_numbers": (
        E,
        "Your area column '{column}' holds text such as '{example}', not numbers. "
        "Save the areas as plain numbers of pixels.",
    ),
    "table.area_missing": (
        E,
        "Some of your areas are empty or NaN ({count} in all, the first on line "
        "{line}). Check that every object was measured.",
    ),
    "table.area_scaled": (
        E,
        "Your areas are the objects' pixel counts times {factor}, so they seem "
        "to be in calibrated units. Measure the areas in pixels.",
    ),
    "table.area_mismatch": (
        E,
        "{count} of your {total} areas {count:differs/differ} from the objects in the "
        "image: "
        "label {label} has area {found} in your table but {expected} pixels in "
        "the image. Check that you measured the same label image, in pixels.",
    ),
    # -- ROI set (outputsaving.rois) -----------------------------------------
    "rois.not_a_zip": (
        E,
        "Your file is {found}, but a ROI set is a zip archive of ImageJ ROIs. "
        "Save all your ROIs together into one .zip file with roifile.",
    ),
    "rois.single_roi": (
        E,
        "Your file holds a single ROI, but a ROI set (zip) was expected. Save "
        "all your ROIs together into one .zip file instead of one .roi file.",
    ),
    "rois.damaged_zip": (
        E,
        "Your zip file is damaged or incomplete ({error}), so its ROIs cannot be "
        "read. Save the ROI set again and check that the saving cell finishes "
        "without an error.",
    ),
    "rois.damaged_entries": (
        E,
        "{count} of the {total} entries in your zip {count:is/are} damaged and could "
        "not be read (for example {names}). Save the ROI set again, overwriting the "
        "old file.",
    ),
    "rois.unsafe_names": (
        E,
        "Your zip holds {count} {count:entry/entries} with unsafe names that point "
        "outside the "
        "archive (for example {names}), so it was not opened. Save your ROIs "
        "under plain names such as their labels.",
    ),
    "rois.link_entries": (
        E,
        "Your zip holds {count} {count:entry/entries} that {count:is a link or a "
        "special file/are links or special files}, not ROIs (for example {names}), "
        "so it was not opened. Save your ROIs again with roifile, into a new zip file.",
    ),
    "rois.locked_entries": (
        E,
        "Your zip holds {count} {count:entry/entries} that {count:is/are} "
        "password-protected or compressed with a method that cannot be read (for "
        "example {names}), so it was not opened. Save your ROIs again with roifile, "
        "into a zip file without a password.",
    ),
    "rois.too_many_entries": (
        E,
        "Your zip holds {count} entries, more than the {limit} this check reads, "
        "so it was not opened. Check that you saved one ROI per object.",
    ),
    "rois.entry_too_large": (
        E,
        "Your zip holds {count} {count:entry/entries} that unpack to more than {limit} "
        "bytes "
        "each (the largest to {size} bytes), far more than a ROI needs, so it was "
        "not opened. Check that you saved only ROIs in the zip file.",
    ),
    "rois.total_too_large": (
        E,
        "Your zip unpacks to {size} bytes, more than the {limit} bytes this check "
        "reads, so it was not opened. Check that you saved only ROIs in the zip "
        "file.",
    ),
    "rois.zip_bomb": (
        E,
        "Your zip holds {count} {count:entry/entries} that unpack to over {ratio} "
        "times their packed size (for example {names}), which ROIs never do, so it was "
        "not opened. Check that you saved only ROIs in the zip file.",
    ),
    "rois.not_rois": (
        E,
        "{count} of the {total} entries in your zip {count:is/are} not ImageJ ROIs "
        "(for example {names}). Save only the ROIs themselves in the zip file, written "
        "with roifile.",
    ),
    "rois.entry_names": (
        E,
        "{count} {count:ROI/ROIs} in your zip {count:has a name/have names} that do "
        "not end in .roi (for example {names}), and ImageJ skips such entries when it "
        "opens the zip. Name each entry after its ROI with the .roi extension.",
    ),
    "rois.empty": (
        E,
        "Your zip holds no ROIs. Check that your list of ROIs is not empty before "
        "you save it.",
    ),
    "rois.duplicates": (
        E,
        "Your zip holds {count} {count:ROI that repeats an earlier one/ROIs that "
        "repeat earlier ones} exactly (for example {names}): a re-run of your code "
        "appended the ROIs to the existing zip a second time. Save the zip so that it "
        "replaces the old file instead of adding to it, and run the saving cell again.",
    ),
    "rois.not_areas": (
        E,
        "{count} of your ROIs {count:is a line or point/are lines or points}, not "
        "outlines of areas (for example {names}). Save one closed outline (polygon) "
        "per object.",
    ),
    "rois.negative_coordinates": (
        E,
        "{count} of your ROIs {count:has/have} negative coordinates (for example "
        "{names}), which lie outside any image. Check that you used the object "
        "outlines in pixel coordinates of the image.",
    ),
    "rois.outside_image": (
        E,
        "{count} of your ROIs {count:reaches/reach} outside the {width} x {height} "
        "pixel image (for example {names}). Check that you used the outlines of this "
        "image's objects, in pixel coordinates.",
    ),
    "rois.count_mismatch": (
        E,
        "Your ROI set has {found} outlines, but the image has {expected} objects. "
        "Check that you made exactly one ROI per object of the final label image.",
    ),
    "rois.xy_swapped": (
        E,
        "Your ROIs match the objects only when x and y are exchanged: the "
        "coordinates were given as (row, column), but ImageJ expects (x, y). "
        "Swap the two coordinate columns before you make the ROIs.",
    ),
    "rois.missing_objects": (
        E,
        "{count} {count:object has/objects have} no ROI that outlines them (labels "
        "{labels}). Check that you made a ROI for every object of the final label "
        "image.",
    ),
    "rois.extra_rois": (
        E,
        "{count} of your ROIs {count:covers/cover} no object of the image (for example "
        "{names}). Check that your ROIs come from this image's labels.",
    ),
    "rois.poor_match": (
        E,
        "{count} of your ROIs {count:overlaps an object but does/overlap an object but "
        "do} not follow its outline (for example {names}, at most {overlap}% overlap). "
        "Check that each ROI traces the outline of one whole object.",
    ),
    "rois.same_object": (
        E,
        "{count} of your ROIs {count:outlines/outline} an object that another ROI "
        "already outlines (for example {names}). Keep one ROI per object.",
    ),
    # -- settings (outputsaving.settings) ------------------------------------
    "settings.not_text": (
        E,
        "Your settings file is {found}, but a JSON text file was expected. Save "
        "the settings as JSON text.",
    ),
    "settings.not_json": (
        E,
        "Your settings file is not valid JSON (the problem is at line {line}, "
        "column {column}). Write it with a JSON library rather than by hand.",
    ),
    "settings.not_object": (
        E,
        "Your settings file holds a JSON {found}, but a JSON object (names with "
        "values) was expected. Save the settings as one dictionary.",
    ),
    "settings.missing": (
        E,
        "Your settings have no '{key}' entry: {what}. Add it so the run can be "
        "repeated.",
    ),
    "settings.input_file": (
        E,
        "Your 'input_file' entry is {found}, but the input image's file name was "
        "expected. Keep only the name, without folders.",
    ),
    "settings.sha256": (
        E,
        "Your 'input_sha256' entry is {found}, but a SHA-256 checksum has 64 "
        "hexadecimal digits. Compute it from the bytes of the input file.",
    ),
    "settings.size": (
        E,
        "Your '{key}' entry is {found}, but a number of pixels (0 or more) was "
        "expected. Save the size limit your analysis used.",
    ),
    "settings.size_text": (
        E,
        "Your '{key}' entry holds its number as text ({found}), not as a number. "
        "Save the size limit itself, so that a re-run compares areas with a number.",
    ),
    "settings.size_order": (
        E,
        "Your 'min_size' ({min_size}) is larger than your 'max_size' "
        "({max_size}). Check that you saved the limits the analysis used.",
    ),
    "settings.packages": (
        E,
        "Your 'packages' entry should list each package you used with its "
        'version, such as {{"numpy": "2.4.6"}}, with at least one package. '
        "Record the versions you used.",
    ),
    "settings.date": (
        E,
        "Your 'date' entry is {found}, but an ISO 8601 date such as 2026-11-24 "
        "was expected. Save the date in that format.",
    ),
    "settings.absolute_path": (
        E,
        "Your settings hold an absolute path in '{where}' ({value}), which will "
        "not exist on another computer. Store file names or relative paths.",
    ),
    # -- activity 1 tasks (outputsaving.grading.activity1) -------------------
    # task.*: common to every assignment (outputsaving.grading.common).
    "task.not_implemented": (
        E,
        "You have not written {name} yet: it still raises NotImplementedError. "
        "Replace that line with your code, then run the cell again.",
    ),
    "task.not_callable": (
        E,
        "{name} is a {found}, not a function. Define it with def, keeping the "
        "name and arguments given in the notebook.",
    ),
    "task.variable_not_set": (
        E,
        "This cell needs `{name}`, which your notebook has not set: the cell "
        "that sets it has not run, or stopped with an error. Fix the first cell "
        "that failed, run the notebook again from the top, then run this cell.",
    ),
    "task.excel_workbook": (
        E,
        "Your {name} tried to write an Excel workbook, which is not a text table "
        "(and needs {module}, which the course does not install). Save the table "
        "as the delimited text the task asks for.",
    ),
    "task.function_failed": (
        E,
        "Your {name} stopped with {error}{detail}. Run its cell and the cell "
        "that calls it to see which line fails.",
    ),
    # A failed test about several files names the file of each message
    # (outputsaving.grading.common.assert_each_passes).
    "grading.about_file": (E, "Your {what}: {text}"),
    # A given cell that calls a learner's function which raised
    # (outputsaving.stopped): Run All goes on.
    "given.stopped_at": (
        E,
        "{function} stopped with {error}, in its line {line}: {code}. The "
        "notebook goes on without it: fix that line, run its cell and this "
        "one again, then the self-check below.",
    ),
    "given.function_not_defined": (
        E,
        "{function} is not defined: run the cell that defines it (def "
        "{function}, with this name), then this one again.",
    ),
    "given.not_defined": (
        E,
        "{name} is not defined, so {function} could not run. Run the cells "
        "above first (Run > Run All Above Selected Cell), then this one again.",
    ),
    "given.stopped": (
        E,
        "{function} stopped with {error}. The notebook goes on without it: "
        "fix your function, run its cell and this one again, then the "
        "self-check below.",
    ),
    "task.not_done": (
        E,
        "Your {name} returned None: this task is not done yet. Write its code "
        "where the cell says # YOUR CODE HERE, run that cell, then run this one "
        "again.",
    ),
    "task.not_a_path": (
        E,
        "Your {name} returned {found}, but the path of the file it saved was "
        "expected. End the function by returning that path.",
    ),
    "task.outside_output_dir": (
        E,
        "Your {name} saved its file at {path}, outside the output folder it was "
        "given ({folder}). Build the file's path from the output folder argument.",
    ),
    "task.path_backslash": (
        E,
        "Your {name} saved its file under a name with a backslash (one ending in "
        "{tail}): outside Windows a backslash is part of a name, not a folder "
        "separator, so the file is not in the output folder it was given. Build "
        "the path from the output folder argument with pathlib's / operator.",
    ),
    "task.undefined": (
        E,
        "{name} is not defined. Run the cells above in order, from the top, "
        "and check that none stops with an error.",
    ),
    "task.not_written_by_call": (
        E,
        "{path} in the test's folder was written by {writer}, not by your {name} "
        "while it ran, so this test scores 0. Save the file from {name} itself, "
        "before it returns, not from a thread, a timer or another program.",
    ),
    "task.folder_too_full": (
        E,
        "Your {name} left {count} or more entries in the test's folder, more "
        "than the grader checks. Save only the file this task asks for there.",
    ),
    "task.changed_after_call": (
        E,
        "{path} in the test's folder {change} after your {name} returned, so this "
        "test scores 0. Finish writing every file inside {name}, with no "
        "thread or timer left writing after it returns.",
    ),
    # activity1.*: the output folder (task 1).
    "activity1.output_dir_not_set": (
        E,
        "OUTPUT_DIR is still None: this task is not done yet. Set it where the "
        "cell says # YOUR CODE HERE, run that cell, then run this one again.",
    ),
    "activity1.output_dir_not_path": (
        E,
        "Your OUTPUT_DIR is {found}, but a pathlib Path was expected. Make it a "
        "Path, so that file paths can be built from it on any system.",
    ),
    "activity1.output_dir_absolute": (
        E,
        "Your OUTPUT_DIR is the absolute path {path}, which will not exist on "
        "another computer. Use a path relative to the notebook's folder.",
    ),
    "activity1.output_dir_backslash": (
        E,
        "Your OUTPUT_DIR ({path}) holds a backslash, which only Windows reads as "
        "a folder separator; here it is part of one folder's name. Join the "
        "parts with / in a Path, which works on every system.",
    ),
    "activity1.output_dir_missing": (
        E,
        "Your OUTPUT_DIR ({path}) does not exist. Create the folder in the same "
        "cell where you set it, so that a fresh run works too.",
    ),
    "activity1.output_dir_not_folder": (
        E,
        "Your OUTPUT_DIR ({path}) is a file, not a folder. Choose a name that no "
        "file in the notebook's folder has.",
    ),
    "activity1.output_dir_in_data": (
        E,
        "Your OUTPUT_DIR ({path}) is inside the folder of the input images, "
        "which must stay untouched. Choose a separate folder for your outputs.",
    ),
    "activity1.output_dir_in_package": (
        E,
        "Your OUTPUT_DIR ({path}) is inside the installed course package, which "
        "must stay untouched. Choose a folder next to your notebook instead.",
    ),
    "activity1.output_dir_outside": (
        E,
        "Your OUTPUT_DIR ({path}) is outside the notebook's folder, so your "
        "outputs are not handed in with the notebook. Choose a folder inside "
        "the notebook's folder.",
    ),
    "activity1.output_dir_is_notebook_folder": (
        E,
        "Your OUTPUT_DIR is the notebook's own folder, where saved files can "
        "clash with the course's files. Choose a subfolder for your outputs.",
    ),
    # activity1.*: the saved files (tasks 2 to 5).
    "activity1.mask_not_tiff": (
        E,
        "Your label mask is {found}, a lossless format, but this task asks for "
        "a TIFF file. Save the mask as TIFF.",
    ),
    "activity1.rois_count": (
        E,
        "Your ROI set holds {found} ROIs, but the image has {expected} objects. "
        "Save one ROI per object, and check that re-running does not add more.",
    ),
    "activity1.settings_input_file": (
        E,
        "Your settings name the input file {found}, but the analysis read "
        "{expected}. Save the file name of the image you analysed.",
    ),
    "activity1.settings_checksum": (
        E,
        "Your settings' 'input_sha256' is not the checksum of the input image. "
        "Compute it from the bytes of the image file you analysed.",
    ),
    "activity1.settings_sizes": (
        E,
        "Your settings hold min_size {min_found} and max_size {max_found}, but "
        "the activity's analysis uses {min_expected} and {max_expected}, as given "
        "in the parameters cell. Keep the given limits and save them from "
        "MIN_SIZE and MAX_SIZE.",
    ),
    "activity1.settings_sizes_run": (
        E,
        "Your save_settings saved min_size {min_found} and max_size {max_found}, "
        "but this run used MIN_SIZE = {min_expected} and MAX_SIZE = "
        "{max_expected}. Save the size limits from the parameters, not typed-in "
        "values.",
    ),
    "activity1.mask_renumbered": (
        E,
        "Your mask holds the analysis' objects, but numbered differently: the "
        "object labelled {expected} in the table and the ROIs is {found} in your "
        "mask. Save the label image itself, without renumbering it, so that the "
        "outputs agree.",
    ),
    # The hidden tests' call on data the function has never seen (issue 26 §1).
    "activity1.unseen_mask_differs": (
        E,
        "Your {name} saved a label mask that is not the one it was given ({found}, "
        "where it was given {expected}): does it use its `{parameter}` parameter, "
        "or a variable of the notebook?",
    ),
    "activity1.unseen_table_differs": (
        E,
        "Your {name} saved a table that is not the one it was given ({found}, where "
        "it was given {expected}): does it use its `{parameter}` parameter, or a "
        "variable of the notebook?",
    ),
    "activity1.unseen_rois_differs": (
        E,
        "Your {name} saved ROIs that are not the ones it was given ({found}, where "
        "it was given {expected}): does it use its `{parameter}` parameter, or a "
        "variable of the notebook?",
    ),
    "activity1.unseen_same_file": (
        E,
        "Your {name} saved the same file, byte for byte ({size} bytes), for the "
        "notebook's data and for other data it was given, so this test scores 0. "
        "Save what {name} is given, not a copy kept in the notebook.",
    ),
    "activity1.rerun_ignores_settings": (
        E,
        "Given a settings file with size limits {low}-{high} px, your "
        "rerun_from_settings returned {found} objects instead of {expected}. Read "
        "min_size and max_size from the settings file it is given.",
    ),
    "activity1.rerun_checksum_not_checked": (
        E,
        "Your rerun_from_settings re-ran from a settings file whose input_sha256 "
        "does not match the input image, instead of refusing it. Compare the "
        "checksums and raise an error when they differ.",
    ),
    "activity1.settings_rerun_failed": (
        E,
        "The analysis could not be re-run from your settings file: {reason}. "
        "Check the entries named in this message.",
    ),
    "activity1.settings_rerun_differs": (
        E,
        "Re-running the analysis from your settings gave {found} objects, but "
        "the analysis gave {expected}. Check that your settings hold the input "
        "and the size limits the analysis used.",
    ),
    "activity1.rerun_not_labels": (
        E,
        "Your rerun_from_settings returned {found}, but a label image (a 2-D "
        "array) was expected. Return the labels the re-run analysis made.",
    ),
    "activity1.rerun_differs": (
        E,
        "The labels your rerun_from_settings returned differ from the "
        "analysis' labels ({found}). Check that it reads the input file and "
        "the size limits from the settings file.",
    ),
    # -- activity 2 tasks (outputsaving.grading.activity2) -------------------
    "activity2.wrong_format": (
        E,
        "Your file is {found}, but {expected} was asked for. Save it in that "
        "format; the file name's extension alone does not change the format.",
    ),
    "activity2.png_not_16bit": (
        E,
        "Your PNG is {mode}, but a 16-bit PNG was asked for. Save the labels as "
        "unsigned 16-bit, so that up to 65,535 objects keep their own value.",
    ),
    "activity2.png_not_colour": (
        E,
        "Your PNG is {mode}, but a colour-mapped PNG was asked for. Save the "
        "labels with a colour map burnt in, as a figure shows them.",
    ),
    "activity2.png_one_colour": (
        E,
        "All objects in your colour PNG have the same colour. Apply a colour map "
        "to the label values, so that each object gets its own colour.",
    ),
    "activity2.image_size": (
        E,
        "Your image is {found} pixels, but the label image is {expected}. Save "
        "the label image itself, not a figure with axes or margins.",
    ),
    "activity2.compare_not_dict": (
        E,
        "Your compare_labels returned {found}, but a dictionary with the keys "
        "{keys} was expected. Return one dictionary holding the three counts.",
    ),
    "activity2.compare_missing_key": (
        E,
        "The dictionary your compare_labels returned has no '{key}' entry. "
        "Return a dictionary with the keys {keys}.",
    ),
    "activity2.compare_wrong": (
        E,
        "For {case}, your compare_labels gave '{key}' = {found}, but {expected} "
        "was expected. Re-read the definition of '{key}' in the task.",
    ),
    "activity2.unseen_image_differs": (
        E,
        "Your {name} saved an image that is not the one it was given ({found}, "
        "where it was given {expected}): does it use its `{parameter}` parameter, "
        "or a variable of the notebook?",
    ),
    "activity2.choice_missing": (
        E,
        "You have not answered {name} yet: it is still None. Set it to True or "
        "False where the cell says # YOUR CODE HERE, and run the cell again.",
    ),
    "activity2.choice_not_bool": (
        E,
        "Your {name} is {found}, which is neither true nor false. Set it to "
        'True or False, without quotes ("yes" and "no" in quotes are '
        "understood too).",
    ),
    "activity2.choice_wrong": (
        E,
        "Your {name} is not the expected judgement of {format} for label images. "
        "Look again at what your comparison found for that format.",
    ),
    # -- quiz (outputsaving.grading.quiz) ------------------------------------
    # -- the ImageJ track (outputsaving.grading.imagej) ---------------------------
    "imagej.macro_missing": (
        E,
        "No macro was found at {path} next to this notebook{others}. Upload your "
        "edited macro here under that name (it replaces the template).",
    ),
    "imagej.other_macros": (N, " (found: {names})"),
    "imagej.macro_unreadable": (
        E,
        "{path} is not a macro (a text file): it is {found}. Upload the macro file "
        "you saved from Fiji's editor.",
    ),
    "imagej.macro_untouched": (
        E,
        "Your {path} is still the template as released, without your saving "
        "steps. Add them in Fiji, run the macro, then upload it here in place of "
        "the template.",
    ),
    "imagej.outputs_missing": (
        E,
        "The folder {folder} next to this notebook holds no file yet. Upload the "
        "files your macro saved in Fiji into it (JupyterLab's upload button), then "
        "run this cell again.",
    ),
    "imagej.name_not_set": (
        E,
        "{variable} is still None: this task is not done yet. Write the name of "
        "the file your macro saved, in quotes, where the cell says # YOUR CODE "
        "HERE, run that cell, then run this one again.",
    ),
    "imagej.name_missing": (
        E,
        "{variable} does not name a file yet. Write the name of the file your "
        "macro saved, in quotes.",
    ),
    "imagej.name_is_path": (
        N,
        "{variable} holds a path on your own computer ({path}); only its file "
        "name, {name}, counts here, in the folder {folder}.",
    ),
    "imagej.not_uploaded": (
        E,
        "No file named {name} is in the folder {folder} next to this notebook"
        "{found}. Upload the file your macro saved there (JupyterLab's upload "
        "button), or correct its name in the cell above.",
    ),
    "imagej.folder_holds": (N, " (it holds: {names})"),
    "imagej.folder_empty": (N, " (it is empty)"),
    "imagej.note_absolute": (
        E,
        "Grading will fail: your macro saves to {path}, a place on your own "
        "computer only. That folder does not exist where the grader runs your "
        "macro again, so the tests that re-run it score 0. Build every output "
        "path from outputDir.",
    ),
    "imagej.note_folders": (
        E,
        "Grading will fail: your macro builds a path from {call}, a folder of "
        "ImageJ's own, not the output folder the grader gives it, so the tests "
        "that re-run it find no file. Build every output path from outputDir.",
    ),
    "imagej.note_waits": (
        E,
        "Grading will fail: your macro waits at waitForUser for a click that "
        "nobody gives when the grader runs it again, so it is stopped there. "
        "Remove the waitForUser line.",
    ),
    "imagej.note_dialogs": (
        E,
        "Grading will fail: your macro opens dialogs ({calls}), which nobody "
        "answers when the grader runs it again, so it waits until it is stopped. "
        "Build every path from outputDir instead.",
    ),
    "imagej.note_parameters": (
        E,
        "Grading will fail: your macro uses Fiji's script parameters (#@), which "
        "the plain ImageJ that grades it does not know: it stops there.",
    ),
    "imagej.did_not_finish": (
        E,
        "Your macro did not finish when the grader ran it again{detail}. {hint}",
    ),
    "imagej.window_macro_error": (
        N,
        ": it stopped on an error (ImageJ showed its 'Macro Error' window: a typo, "
        "or a command or name it does not know)",
    ),
    "imagej.window_roi_manager": (
        N,
        ": it stopped on an error of the ROI Manager (it may have been empty when "
        "your macro saved it)",
    ),
    "imagej.window_other": (
        N,
        ": it waited for a dialog (ImageJ showed a window titled '{title}')",
    ),
    "imagej.window_none": (
        N,
        ": it may be waiting for a dialog or stopped on an error",
    ),
    "imagej.waits_for_user": (
        E,
        "Your macro did not finish within {seconds} s when the grader ran it "
        "again: it waits at waitForUser, whose window nobody clicks there. Remove "
        "the waitForUser line (it is for looking at an image in Fiji) and run the "
        "macro again.",
    ),
    "imagej.timeout_loop": (
        E,
        "Your macro did not finish within {seconds} s when the grader ran it "
        "again, and ImageJ showed no window: it was still running, as in a loop "
        "that never ends. Check that each while loop "
        "changes what its condition tests (for example i++), then run the macro "
        "again in Fiji.",
    ),
    "imagej.ended_quietly": (
        E,
        "ImageJ ended before your macro finished, without an error window: run "
        "as the grader runs it (in batch mode), ImageJ ends when a command fails, "
        "such as a save into a folder that does not exist. Build every output "
        "path from outputDir, then run the macro again in Fiji from the start.",
    ),
    "imagej.folder_of_imagej": (
        E,
        "Your macro builds its output folder from {call}, a folder of ImageJ's "
        "own, not the output folder the grader gives it{files}. "
        "Build every output path from outputDir, the folder the macro sets at "
        "the top.",
    ),
    "imagej.and_more": (N, "{names} and {more} more"),
    "imagej.hint_dialogs": (
        N,
        "The grader cannot answer dialogs ({calls}): build every path from "
        "outputDir instead.",
    ),
    "imagej.hint_parameters": (
        N,
        "Plain ImageJ, which grades your macro, does not know Fiji's script "
        "parameters (#@): build every path from outputDir instead.",
    ),
    "imagej.hint_error": (
        N,
        "Run the macro again in Fiji from the start and fix the line where it stops.",
    ),
    "imagej.ended_early": (
        E,
        "Your macro closed ImageJ before it finished, so what it saves could not "
        "be checked. Remove the command that quits ImageJ and run the macro again.",
    ),
    "imagej.rerun_no_macro": (
        E,
        "The grader found no macro to run again. Upload your edited macro next to "
        "this notebook under its released name.",
    ),
    "imagej.not_installed": (
        E,
        "ImageJ is not installed where this notebook was graded, so your macro "
        "could not be run again; this is not your mistake. Your instructor will "
        "grade this part.",
    ),
    "imagej.failed": (
        E,
        "The grader could not start ImageJ to run your macro again ({reason}); "
        "this is not your mistake. Your instructor will grade this part.",
    ),
    "imagej.no_file_written": (
        E,
        "Your macro, run again by the grader, saved no file into the output "
        "folder it was given. Save every output into outputDir, the folder the "
        "macro sets at the top.",
    ),
    "imagej.absolute_path": (
        E,
        "Your macro saves to {path}, a place on your own computer that does not "
        "exist where your macro is graded. Build every output path from "
        "outputDir, the folder the macro sets at the top.",
    ),
    "imagej.wrote_outside": (
        E,
        "Your macro, run again, saved {files} outside the output folder it was "
        "given. Build every output path from outputDir, the folder the macro sets "
        "at the top.",
    ),
    "imagej.rerun_none": (
        E,
        "Your macro, run again by the grader, saved no {what} that could be "
        "checked into its output folder{written}. Check its saving step and run "
        "the macro again in Fiji.",
    ),
    "imagej.written_list": (N, " (it saved: {names})"),
    "imagej.mask_jpeg": (
        E,
        "Your count mask is saved as JPEG, whose compression changes label values "
        "along object edges. Save it with File > Save As > Tiff... instead.",
    ),
    "imagej.mask_lut_png": (
        E,
        "Your mask is a PNG saved while the count mask was shown with a colour "
        "lookup table, so ImageJ wrote 8-bit indexed colour: palette indices set "
        "by the display range, not the labels themselves. They may equal the "
        "labels (with the range 0-255 Analyze Particles leaves), but every label "
        "above 255 becomes 255, another display range changes them, and many "
        "programs read the colours instead. Set the lookup table to grey first "
        "(Image > Lookup Tables > Grays), or save as TIFF.",
    ),
    "imagej.choice_colour_png": (
        E,
        "Your COLOUR_PNG_GOOD_FOR_LABELS is not the expected judgement of the "
        "colour PNG. If Fiji showed the label values in it, look at what they "
        "depend on: ImageJ wrote palette indices through the count mask's "
        "display range (Image > Adjust > Brightness/Contrast), here 0-255; with "
        "another range, or with labels above 255, the values change, and many "
        "programs read the file as colours.",
    ),
    "imagej.mask_8bit": (
        E,
        "Your mask is 8-bit, which holds at most 255 labels, but there are "
        "{count} objects: ImageJ's Image > Type > 8-bit scaled the labels down, "
        "merging many of them. Save the count mask as it is (16-bit), as TIFF.",
    ),
    "imagej.mask_outlines": (
        E,
        "Your mask is a drawing of the objects' outlines (Analyze Particles' "
        "show=[Outlines]), not a label image. Choose show=[Count Masks] and save "
        "the count mask.",
    ),
    "imagej.table_commas": (
        E,
        "Your table is comma-separated: ImageJ writes commas when the file name "
        "ends with .csv. Save the results under a .txt name for tab-delimited "
        "text.",
    ),
    "imagej.table_tabs": (
        E,
        "Your table is tab-delimited, not comma-separated: ImageJ writes tabs "
        "unless the file name ends with .csv. Save the results under a .csv name.",
    ),
    "imagej.other_objects": (
        E,
        "Your files hold {found} objects, the analysis {expected}: it keeps "
        "objects of {low}-{high} px{detail}{macro}. Your files agree with each "
        "other; run the analysis as given (Analyze Particles with "
        "size={low}-{high} pixel) and save them again.",
    ),
    "imagej.objects_outside": (N, " (yours include objects of {areas} px)"),
    "imagej.objects_macro_size": (N, "; your Analyze Particles has size={size}"),
    "imagej.objects_macro_settings": (N, "; your macro sets {settings}"),
    "imagej.rois_twice": (
        E,
        "Your ROI set holds every outline twice ({found} ROIs for {expected} "
        "objects): the ROI Manager kept the outlines of an earlier run. Clear it "
        "at the start of the macro, before Analyze Particles.",
    ),
    "quiz.not_answered": (
        E,
        "You have not answered {name} yet: it is still None. Write your answer "
        "where the cell says # YOUR CODE HERE, and run the cell again.",
    ),
    # imagej.advice_*: Fiji's advice after what a checker found (imagej_words.py).
    "imagej.advice_file_again": (
        N,
        "Run the macro again in Fiji, check that it finishes without an error, "
        "and upload the new file.",
    ),
    "imagej.advice_one_file": (
        N,
        "Name one file your macro saved, in quotes, in the cell above.",
    ),
    "imagej.advice_save_tiff": (
        N,
        'Save the count mask with saveAs("Tiff", outputDir + "labels.tif") '
        "(File > Save As > Tiff...), which ImageJ writes without loss.",
    ),
    "imagej.advice_not_rgb": (
        N,
        ": a copy made for viewing (Image > Type > RGB Color, or Image > Overlay > "
        "Flatten) holds colours, not labels. Save the count mask itself; its "
        "lookup table only changes how it looks.",
    ),
    "imagej.advice_count_masks": (
        N,
        "In Analyze Particles choose Show: Count Masks (show=[Count Masks]) and "
        "save that count mask: it gives each object its own number.",
    ),
    "imagej.advice_background": (
        N,
        "Check that Process > Binary > Options... has Black background ticked "
        '(setOption("BlackBackground", true)) before Analyze Particles, and '
        "save its count mask.",
    ),
    "imagej.advice_analysis": (
        N,
        "Check that you saved the count mask Analyze Particles made "
        "(show=[Count Masks]) with the analysis as given in the macro.",
    ),
    "imagej.advice_table_empty": (
        N,
        "Check that Analyze Particles runs with display (Display results) before "
        "the macro saves the Results table.",
    ),
    "imagej.advice_headers": (
        N,
        "Tick Edit > Options > Input/Output... > Save column headers (in a "
        'macro: save_column in run("Input/Output...", ...)), then save the '
        "results again.",
    ),
    "imagej.advice_row_numbers": (
        N,
        "ImageJ's row numbers, not a measurement. Untick Edit > Options > "
        "Input/Output... > Save row numbers, then save the results again.",
    ),
    "imagej.advice_table_rows": (
        N,
        "Check that the macro clears the Results table before Analyze Particles "
        '(run("Clear Results")) and saves it right after.',
    ),
    "imagej.advice_area": (
        N,
        "Tick Area in Analyze > Set Measurements... (area in "
        'run("Set Measurements...", ...)), then run the macro again.',
    ),
    "imagej.advice_pixels": (
        N,
        "Measure in pixels: give Analyze Particles the pixel option, or set "
        "Image > Properties... to 1 pixel per unit.",
    ),
    "imagej.advice_rois_save": (
        N,
        "Save the ROI Manager's outlines as one ROI set with "
        'roiManager("Save", outputDir + "rois.zip") (ROI Manager > More >> '
        "> Save...).",
    ),
    "imagej.advice_rois_add": (
        N,
        "Check that Analyze Particles runs with add (Add to Manager) before the "
        "macro saves the ROI Manager.",
    ),
    "imagej.advice_rois_reset": (
        N,
        ": the ROI Manager kept the outlines of earlier runs. Add "
        'roiManager("reset") at the start of the macro, before Analyze '
        "Particles, and run it again.",
    ),
    "imagej.advice_rois_this_image": (
        N,
        "Check that the macro resets the ROI Manager at its start "
        '(roiManager("reset")), so that it holds only the outlines Analyze '
        "Particles added for this image.",
    ),
    "imagej.advice_png16": (
        N,
        "Save the count mask as it is (16-bit), shown with Grays, with "
        'saveAs("PNG", ...); do not convert it with Image > Type > 8-bit.',
    ),
    "imagej.advice_colour_lut": (
        N,
        "Show the count mask with a colour lookup table (Image > Lookup Tables, "
        "such as glasbey or 3-3-2 RGB), then save it as PNG.",
    ),
    "imagej.advice_image": (
        N,
        "Save the count mask image itself, not a snapshot or a flattened copy of "
        "the window.",
    ),
    "quiz.empty": (
        E,
        "Your {name} is {found}, which names nothing yet. Write your answer "
        "where the cell says # YOUR CODE HERE, and run the cell again.",
    ),
    "quiz.not_text": (
        E,
        "Your {name} is {found}, but this blank needs text in quotes. Write your "
        'answer as a string, such as "my answer".',
    ),
    "quiz.not_true_false": (
        E,
        "Your {name} is {found}, which is neither true nor false. Answer with "
        'True or False, without quotes ("yes" and "no" in quotes are '
        "understood too).",
    ),
    "quiz.items_count": (
        E,
        "Your answer lists {found} items, but the blank asks for {expected}. "
        "Separate them with commas.",
    ),
    "quiz.types_count": (
        E,
        "You named {found} of the {expected} output types. Think of the three "
        "things an image analysis leaves behind that you can open again later.",
    ),
    "quiz.types_unknown": (
        E,
        "'{item}' is not one of the output types this question is about. Name "
        "what the analysis produces, separated by commas.",
    ),
    "quiz.types_input": (
        E,
        "'{item}' is what the analysis starts from: the image is its input, "
        "while the objects found in it are saved in a label mask. Name the "
        "outputs of the analysis instead.",
    ),
    "quiz.types_settings": (
        N,
        "'{item}' is saved too, so that the analysis can be repeated; the "
        "question asks for the three kinds of results, and naming it costs "
        "nothing.",
    ),
    "quiz.types_format": (
        E,
        "'{item}' is a file format, but the question asks what kind of data you "
        "save. Name what the files hold instead.",
    ),
    "quiz.types_repeated": (
        E,
        "'{first}' and '{second}' name the same output type. Name three "
        "different ones.",
    ),
    "quiz.format_wrong": (
        E,
        "'{found}' is not the word this blank expects. Think about what lets "
        "different programs, on different computers, read the same file.",
    ),
    "quiz.format_named_format": (
        E,
        "'{found}' names one particular format, but the blank asks for a "
        "property that good formats share. Describe what lets other software "
        "open the file.",
    ),
    "quiz.format_lossless": (
        E,
        "'{found}' is about keeping the pixel values, but this blank is about "
        "which software can open your file. Think about opening it in another "
        "program.",
    ),
    "quiz.statement_wrong": (
        E,
        "Your answer to “{statement}” is not the expected one. Think about {hint}.",
    ),
    # -- self-checks (outputsaving.selfcheck) -----------------------------------
    # The verdict line of a self-check cell, and what it names.
    "selfcheck.passes": (N, "Your {what} passes."),
    "selfcheck.not_yet": (E, "Your {what} does not pass yet:"),
    "selfcheck.passes_plural": (N, "Your {what} pass."),
    "selfcheck.not_yet_plural": (E, "Your {what} do not pass yet:"),
    "selfcheck.note": (N, "Note: {text}"),
    "selfcheck.answers_gradable": (
        N,
        "Your three answers are True or False, so they can be graded. Whether "
        "they are right is judged after you hand in the notebook (Validate's "
        '"Success!" does not say it either).',
    ),
    "selfcheck.quiz_gradable": (
        N,
        "Your answer to question {number} can be graded. Whether it is right is "
        'judged after you hand in the notebook (Validate\'s "Success!" does not '
        "say it either).",
    ),
    "selfcheck.what.output_folder": (N, "output folder"),
    "selfcheck.what.label_mask": (N, "label mask"),
    "selfcheck.what.table": (N, "results table"),
    "selfcheck.what.rois": (N, "ROI set"),
    "selfcheck.what.settings": (N, "settings file"),
    "selfcheck.what.table_csv": (N, "comma-separated table"),
    "selfcheck.what.png16": (N, "16-bit PNG"),
    "selfcheck.what.jpeg": (N, "JPEG"),
    "selfcheck.what.colour_png": (N, "colour PNG"),
    "selfcheck.what.compare_labels": (
        N,
        "compare_labels (on three small examples, one re-read as 8-bit)",
    ),
    "selfcheck.what.answers": (N, "answers"),
    "selfcheck.what.nuclei_mask": (N, "nuclei mask"),
    "selfcheck.what.imagej_upload": (N, "macro and its files"),
    "selfcheck.imagej_files": (N, "  Files in {folder}: {names}"),
    "selfcheck.what.quiz_answer": (N, "answer to question {number}"),
    # -- class grading: engine (outputsaving.classroom.engine) -----------------
    "classroom.time_budget": (
        E,
        "Your notebook ran for longer than the {budget} it is given when graded, "
        "so this cell and the ones after it were not run and score 0. Look for a "
        "loop that never ends or a step that does far more work than the task needs.",
    ),
    "classroom.memory_limit": (
        E,
        "Your notebook needed more than the {limit} of memory it is given when "
        "graded, so this cell and the ones after it were not run and score 0. Look "
        "for a step that builds a far larger array or list than the task needs.",
    ),
    "classroom.kernel_died": (
        E,
        "Your notebook's Python stopped while it was graded (for example by "
        "os._exit or by ending its own process), so the cells after that point "
        "were not run and score 0. Remove the code that stops Python, then run "
        "the whole notebook to check it.",
    ),
    "classroom.disk_quota": (
        E,
        "Your notebook saved more than the {limit} of files it is given when "
        "graded, so it was stopped: this cell and the ones after it were not run "
        "and score 0. Save only the files the task asks for, and save each one "
        "once, not a new copy in a loop.",
    ),
    # -- class grading (outputsaving.classroom) ---------------------------------
    # classroom.audit_*: the audit of a graded notebook (outputsaving.classroom.audit).
    "classroom.audit_no_files": (
        E,
        "After your notebook ran, the grader found no file saved in its folder, "
        "and it cannot see files saved anywhere else (an absolute path, a "
        "temporary folder). Save your outputs in a folder next to the notebook, "
        "given as a relative path, and run the whole notebook again from the top.",
    ),
    "classroom.audit_files_outside": (
        E,
        "Your output folder {path} is outside your submission's folder, so the "
        "grader could not find the files your notebook saved and this test "
        "scores 0. Save your outputs in a folder next to the notebook, given as "
        "a relative path, and run the whole notebook again from the top.",
    ),
    "classroom.audit_unread": (
        E,
        "Your notebook saved so many files that the grader read only {read} of "
        "them (the files your tests judged first), not the other {unread}, and "
        "none of those it read passes this check. Save only the files the "
        "tasks ask for.",
    ),
    "classroom.audit_no_evidence": (
        E,
        "This test left nothing the grader could check again outside your "
        "notebook (it did not run to its end, or your function saved nothing "
        "there), so it scores 0. Run your notebook from the top and check "
        "this task's function.",
    ),
    "classroom.audit_closest": (
        N,
        "Of the files your notebook saved, {file} comes closest; the grader "
        "found this about it:",
    ),
    "classroom.audit_label_mask": (
        E,
        "After your notebook ran, none of the files it saved is a lossless TIFF "
        "label mask of the analysis' objects. Save the mask into your output "
        "folder and run the notebook again from the top.",
    ),
    "classroom.audit_table": (
        E,
        "After your notebook ran, none of the files it saved is a tab-delimited "
        "results table with one row per object. Save the table into your output "
        "folder and run the notebook again from the top.",
    ),
    "classroom.audit_rois": (
        E,
        "After your notebook ran, none of the files it saved is an ImageJ ROI "
        "set with one outline per object. Save the ROIs into your output folder "
        "and run the notebook again from the top.",
    ),
    "classroom.audit_settings": (
        E,
        "After your notebook ran, none of the files it saved is a settings file "
        "from which the analysis re-runs to the same labels. Save the settings "
        "into your output folder and run the notebook again from the top.",
    ),
    "classroom.audit_table_csv": (
        E,
        "After your notebook ran, none of the files it saved is a "
        "comma-separated results table with one row per object. Save the table "
        "into your output folder and run the notebook again from the top.",
    ),
    "classroom.audit_png16": (
        E,
        "After your notebook ran, none of the files it saved is a 16-bit PNG "
        "holding every label of the shapes. Save it into your output folder and "
        "run the notebook again from the top.",
    ),
    "classroom.audit_jpeg": (
        E,
        "After your notebook ran, none of the files it saved is a JPEG of the "
        "shapes' label image. Save it into your output folder and run the "
        "notebook again from the top.",
    ),
    "classroom.audit_colour_png": (
        E,
        "After your notebook ran, none of the files it saved is a colour PNG of "
        "the shapes' label image. Save it into your output folder and run the "
        "notebook again from the top.",
    ),
    "classroom.audit_nuclei_mask": (
        E,
        "After your notebook ran, none of the files it saved is a lossless mask "
        "keeping every nucleus with its own label. Save it into your output "
        "folder and run the notebook again from the top.",
    ),
    "classroom.audit_imagej_files": (
        E,
        "None of the files you handed in, in the folder output next to your "
        "notebook, is a right {what}. Upload the file your macro saved there and "
        "hand in again.",
    ),
    "classroom.audit_cell_missing": (
        E,
        "The answer cell for {name} is missing from your notebook, so your "
        "answer could not be graded. Copy your answer into the answer cell of a "
        "fresh copy of the notebook.",
    ),
    "classroom.audit_not_literal": (
        E,
        "Your answer cell for {name} holds {found}, but only answers typed in "
        "as plain values (text in quotes, True or False) are graded. Type the "
        "answer itself into the cell, with nothing else but comments.",
    ),
    "literals.not_literal": (
        E,
        "Your answer cell for {name} holds {found} (in the line {code}). Only "
        "answers typed in as plain values (text in quotes, True or False) are "
        "graded. Type the answer itself into the cell, as one line "
        "{name} = your answer; comments and lines that only show it may stay.",
    ),
    "literals.changed": (
        E,
        "Another cell changes {name} (in the line {code}). Only answers typed "
        "in as plain values (text in quotes, True or False) are graded, so "
        "only the value typed into the cell that sets {name} counts. Type the "
        "whole answer into its answer cell, as one line {name} = your answer.",
    ),
    "literals.not_set": (
        E,
        "{name} is not answered: no cell sets it. Type your answer into its "
        "answer cell, as one line {name} = your answer, and run the cell.",
    ),
    "classroom.audit_tampering": (
        E,
        "Your notebook reaches into the course's grading code ({detail}), so the "
        "tests the grader could not re-check on its own score 0. Remove that "
        "code; your instructor will review this submission.",
    ),
    "classroom.audit_builtins": (
        E,
        "Your notebook patches Python's built-ins ({detail}), which the tests "
        "use too, so the tests the grader could not re-check on its own score 0. "
        "Remove that code; your instructor will review this submission.",
    ),
    "classroom.audit_frames": (
        E,
        "Your notebook reads the grader's call frames ({detail}), where the tests "
        "keep what they expect, so the tests the grader could not re-check on its "
        "own score 0. Remove that code; your instructor will review this "
        "submission.",
    ),
    "classroom.audit_reads_frames": (
        E,
        "Your notebook reads the grader's call frames while a test runs ({detail}), "
        "where the test keeps what it expects, so the tasks it concerns score 0. "
        "Work out the answers from what your functions are given; your instructor "
        "will review this submission.",
    ),
    # classroom.audit_recheck*: the note under a test cell of the feedback whose
    # score the audit changed (outputsaving.classroom.engine).
    "classroom.audit_header": (
        N,
        "What the grader found when it checked your notebook again, outside it:",
    ),
    "classroom.audit_grading_use": (
        E,
        "Your notebook uses the course's grading code to find or check answers "
        "({detail}), which the course does not allow, so the tasks it concerns "
        "score 0. Work from the task's text and the self-checks; your instructor "
        "will review this submission.",
    ),
    "classroom.audit_course_saving": (
        E,
        "Your notebook saves its outputs with the course's own saving code "
        "({detail}) instead of code of your own, so those save tasks score 0. "
        "Write the saving code yourself, as the tasks ask.",
    ),
    "classroom.audit_recheck": (
        N,
        "Checked again by the grader outside your notebook: {reason}",
    ),
    "classroom.audit_recheck_passed": (
        N,
        "Checked again by the grader outside your notebook: the answer typed in "
        "your answer cell is right, so this test gets its points although it "
        "failed when your notebook ran.",
    ),
    "classroom.audit_recheck_failed": (
        N,
        "Checked again by the grader outside your notebook: this test does not "
        "hold, so it scores 0 whatever the output above shows. Run the whole "
        "notebook again from the top and check this task.",
    ),
    # classroom.mistake_*: names of mistakes in the instructor's summary figure
    # (outputsaving.classroom.report.mistake_label), for failures that carry no
    # finding code of their own.
    "classroom.mistake_unanswered": (
        N,
        "Task not done yet: its placeholder (None, or pass) is still there",
    ),
    "classroom.mistake_earlier_cell": (
        N,
        "A test found a name undefined: an earlier cell failed",
    ),
    "classroom.mistake_audit": (
        N,
        "Passed in the notebook but failed the grader's audit (flagged for review)",
    ),
    "classroom.mistake_test_failed": (
        N,
        "A test of {task} failed with a message the grader does not know",
    ),
    "classroom.mistake_refused": (
        N,
        "Submission refused before grading",
    ),
    "classroom.mistake_other": (N, "Another problem, with no name of its own"),
    "classroom.mistake_activity_task": (N, "activity {activity}, task {task}"),
    "classroom.mistake_imagej_task": (N, "activity {activity} in ImageJ, task {task}"),
    "classroom.mistake_quiz_question": (N, "quiz question {question}"),
    # Repairs of nbgrader's cell metadata before grading (classroom.repair).
    "classroom.repair_header": (
        N,
        "Before grading, the grader repaired your notebook's cells; nothing you "
        "wrote was changed:",
    ),
    "classroom.repair_duplicate_answer": (
        N,
        "Cell {grade_id} appears {times} in your notebook. Every copy ran, in your "
        "order, and the last one was graded, as in your own Run All.",
    ),
    "classroom.repair_test_duplicate": (
        N,
        "Test cell {grade_id} appears {times} in your notebook; it was graded "
        "once, as released.",
    ),
    "classroom.repair_test_missing": (
        N,
        "Test cell {grade_id} was missing from your notebook; it was put back as "
        "released and graded.",
    ),
    "classroom.repair_test_retyped": (
        N,
        "Test cell {grade_id} had been turned into a text cell; it was put back "
        "as code, as released.",
    ),
    "classroom.repair_test_settings": (
        N,
        "The grading settings of test cell {grade_id} (its points, or whether it "
        "is graded) had been changed; it was graded as released.",
    ),
    "classroom.repair_test_moved": (
        N,
        "Test cell {grade_id} had been moved; it was graded in its released "
        "place, after the task it tests.",
    ),
    "classroom.repair_unknown_id": (
        N,
        "A cell of your notebook carries the grading id {grade_id}, which this "
        "assignment does not have; it ran as one of your own cells.",
    ),
    "classroom.repair_damaged_metadata": (
        N,
        "The grading information of a cell of your notebook was damaged; the "
        "cell ran as one of your own.",
    ),
    "classroom.repair_kernel": (
        N,
        "Your notebook asked for the kernel {name}; it was graded with the "
        "course's Python kernel.",
    ),
    "classroom.notebook_unreadable": (
        E,
        "Your notebook {name} could not be read as a Jupyter notebook ({error}). "
        "Open it in JupyterLab, save it again and hand it in again.",
    ),
    "classroom.refused_feedback": (
        E,
        "Your submission was not graded, so every test scores 0, for the reasons "
        "below. Fix them and hand in your assignment again.",
    ),
    "classroom.failed_feedback": (
        N,
        "Your submission has not been graded yet because of a problem on the "
        "grader's side, not in your notebook. It will be graded again; you do "
        "not need to do anything.",
    ),
    "classroom.link": (
        E,
        "Your submission contains {path}, a link to {target}, instead of a "
        "regular file. Put the file itself in your assignment folder and submit "
        "again.",
    ),
    "classroom.link_to_course": (
        E,
        "Your submission contains {path}, a link to the course's own files "
        "({target}), instead of a file of your own. Submit your own notebook as a "
        "regular file.",
    ),
    "classroom.hard_link": (
        E,
        "Your submission contains {path}, which shares its content with another "
        "file on the server (a hard link) instead of being a file of its own. "
        "Submit a regular copy of the file instead.",
    ),
    "classroom.special_file": (
        E,
        "Your submission contains {path}, which is {kind}, not a regular file. "
        "Remove it from your assignment folder and submit again.",
    ),
    "classroom.file_too_large": (
        E,
        "Your file {path} is {size}, more than the {limit} allowed for one file. "
        "Clear the notebook's large outputs or remove the file, then submit again.",
    ),
    "classroom.too_large_total": (
        E,
        "Your submission holds more than {limit} of files in total. Remove the "
        "files the assignment does not ask for, then submit again.",
    ),
    "classroom.too_many_files": (
        E,
        "Your submission holds more than {limit} files and folders. Remove the "
        "files the assignment does not ask for, then submit again.",
    ),
    "classroom.too_deep": (
        E,
        "Your submission has folders nested more than {limit} levels deep. Keep "
        "your files in the assignment folder and submit again.",
    ),
    "classroom.notebook_missing": (
        E,
        "Your submission has no notebook named {expected}. Submit the notebook "
        "you worked in, with the name it had when you downloaded it.",
    ),
    # Which notebook was graded, when the names are not the released ones
    # (classroom.intake); notes at the top of the graded notebook's feedback.
    "classroom.notebooks_header": (N, "Which notebook was graded:"),
    "classroom.notebook_graded_as": (
        N,
        "Your submission has no {expected}, so {found}, which holds that "
        "notebook's cells, was graded in its place. Next time, hand in the "
        "notebook under the name it was released with.",
    ),
    "classroom.notebooks_ignored": (
        N,
        "Your submission also holds {found}, which {count:was/were} not graded: "
        "only {expected} was. Put all your answers in {expected}.",
    ),
    "classroom.notebook_ambiguous": (
        E,
        "Your submission has no {expected}, and {found} all hold that notebook's "
        "cells, so the grader cannot tell which one to grade. Keep only the one "
        "with your answers, named {expected}, and submit again.",
    ),
    "classroom.notebook_not_a_file": (
        E,
        "Your submission has a folder named {expected} where the notebook file "
        "was expected. Put the notebook file itself there and submit again.",
    ),
    "classroom.notebook_not_json": (
        E,
        "Your notebook {name} is not a readable notebook file: its text is not "
        "valid JSON ({error}). Open it in Jupyter to check it, or download the "
        "assignment again and redo your edits there.",
    ),
    "classroom.notebook_invalid": (
        E,
        "Your notebook {name} is not a valid Jupyter notebook ({error}). Open it "
        "in Jupyter, save it again and submit it.",
    ),
    "classroom.timestamp_unreadable": (
        E,
        "The time stamp of your submission ({found}) could not be read. Submit "
        "again so that a new time stamp is recorded.",
    ),
    "classroom.zip_unreadable": (
        E,
        "Your upload {zip} could not be unpacked ({error}). Upload it again as a "
        "plain zip file without a password, or upload the notebook itself.",
    ),
    "classroom.zip_unsafe_name": (
        E,
        "Your upload {zip} contains {member}, a path that points outside the zip "
        "file's own folder, so it was not unpacked. Upload the notebook itself, "
        "or a zip of your assignment folder only.",
    ),
    "classroom.zip_link": (
        E,
        "Your upload {zip} contains {member}, which is a link or a special file, "
        "so it was not unpacked. Upload the notebook itself, not a link to it.",
    ),
    "classroom.zip_too_large": (
        E,
        "Your upload {zip} would unpack {member} to {size}, more than the {limit} "
        "allowed, so it was not unpacked. Clear the notebook's large outputs and "
        "upload it again.",
    ),
    "classroom.zip_too_many": (
        E,
        "Your upload {zip} holds more than {limit} files, so it was not unpacked. "
        "Upload only the notebook the assignment asks for.",
    ),
    "classroom.zip_bomb": (
        E,
        "Your upload {zip} would unpack {member} to {ratio} times its packed size, "
        "so it was not unpacked. Upload the notebook itself instead.",
    ),
    # -- class grading: where it runs (outputsaving.classroom.platform) ------
    # For the instructor, on the command line.
    "classroom.unsupported_platform": (
        E,
        "grading a class runs learners' notebooks on Linux only (it needs Linux's "
        "namespaces and process limits), and this is {platform}. Grade in WSL 2 on "
        "Windows or in a Linux container or virtual machine on macOS (README: "
        "'Grading on macOS and Windows'); notebooks, self-checks and 'outputsaving "
        "check' work here as they are.",
    ),
    # -- class grading: why a run stopped (outputsaving grade) ---------------
    # For the instructor, on the command line.
    "classroom.run_locked": (
        E,
        "another run is grading this course: the lock {lock} is held by "
        "{holder}. Wait for that run to finish (or stop it), then run the same "
        "command again; this run graded and wrote nothing.",
    ),
    "classroom.gradebook_damaged": (
        E,
        "the gradebook {gradebook} cannot be read ({error}): it is damaged, or it "
        "is not an nbgrader gradebook. It was left untouched and nothing was "
        "graded. Restore it from a backup and grade again, or grade into a new "
        "gradebook with --db sqlite:///<new file>: every submission is then "
        "graded again into it.",
    ),
    "classroom.gradebook_unreachable": (
        E,
        "the gradebook {gradebook} cannot be opened ({error}), so nothing was "
        "graded. Check the URL given with --db (or the course's "
        "CourseDirectory.db_url): that its folder exists or, for a database "
        "server, that the server runs and lets you in.",
    ),
    "classroom.disk_full": (
        E,
        "the grader's disk is full ({error}), so grading stopped. Nothing graded "
        "was lost: the grades committed so far are kept in the gradebook, and the "
        "submissions not finished are graded again by the next run. Free some "
        "space, then run the same command again.",
    ),
    "classroom.disk_full_run": (
        E,
        "the grader's disk was full while the notebook ran, so a cell failed "
        "through no fault of the learner ({error}): not graded, nothing recorded; "
        "the next run grades it again. Free some space first.",
    ),
    "classroom.zip_refused": (
        E,
        "the zip {zip} was refused, so nothing of it was imported and nothing "
        "was graded: {error}",
    ),
    "classroom.zip_empty": (
        E,
        "the zip {zip} holds no submission of {assignment} ({count} "
        "{count:entry/entries}, none named as a student's notebook), so nothing "
        "was graded. Check that it is the LMS download of {assignment}; {table} "
        "lists what became of each entry.",
    ),
    "classroom.zip_moodle_unmapped": (
        E,
        "the zip {zip} holds {count} {count:entry/entries} named by Moodle "
        "(full name and a participant id of this assignment only) and none of "
        "them maps to a student, so nothing was graded. Pass the grading "
        "worksheet of {assignment} with --moodle-worksheet FILE; {table} lists "
        "what became of each entry.",
    ),
    "classroom.unexpected_error": (
        E,
        "grading stopped on an error the grader did not expect ({error}). The "
        "grades committed so far are kept and the next run grades the rest; run "
        "the same command with --debug to see the traceback, and report it.",
    ),
    "classroom.feedback_not_released": (
        N,
        "{student}/{assignment}: feedback not released through the exchange: its "
        "folder has no {missing} (the submission did not come through nbgrader "
        "submit, from an LMS zip or copied in by hand). Give it through the LMS: "
        "{zip}.",
    ),
    "classroom.feedback_released": (
        N,
        "feedback of {assignment} released for {count} {count:learner/learners} "
        "({students}); each gets it with: nbgrader fetch_feedback {assignment}",
    ),
    "classroom.feedback_release_failed": (
        E,
        "nbgrader release_feedback {assignment} failed ({error}), so no feedback "
        "was released; run it yourself in the course folder to see its log.",
    ),
    "classroom.feedback_none": (
        E,
        "there is no feedback of {assignment} to release in {folder}: run "
        "outputsaving grade first.",
    ),
    # For the learner, in the feedback.
    "classroom.output_cut": (
        N,
        "This cell printed more than the {limit} of output kept per cell when "
        "graded, so its output was cut after {limit}. Print less, for example a "
        "summary instead of every value.",
    ),
}


class _Wording(string.Formatter):
    """``str.format`` with ``{n:singular/plural}`` fields for agreement."""

    def format_field(self, value, format_spec: str):
        if "/" in format_spec:
            singular, _, plural = format_spec.partition("/")
            return singular if _count(value) == 1 else plural
        return super().format_field(value, format_spec)


def _count(value) -> int | None:
    """A count given as a number or as its text (``"1,234"``)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    text = str(value).replace(",", "")
    return int(text) if text.isdigit() else None


_WORDING = _Wording()


def fill(code: str, /, **values) -> str:
    """The text of message ``code`` with its fields filled from ``values``."""
    return _WORDING.format(MESSAGES[code][1], **values)
