"""The checkers' messages: what a learner reads about a saved file.

Codes ``file.*`` (any file), ``labels.*`` (the label mask,
:mod:`outputsaving.labels`), ``table.*`` (the results table,
:mod:`outputsaving.table`), ``rois.*`` (the ROI set, :mod:`outputsaving.rois`)
and ``settings.*`` (:mod:`outputsaving.settings`). Part of the one catalogue,
:data:`outputsaving.messages.MESSAGES`; fill them with
:func:`outputsaving.messages.fill`.
"""

from outputsaving.messages.severity import E, N

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
        "{path} is a folder holding {rois}, not one ROI set. Save all the "
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
}
