"""The graders' messages: what a learner reads in a test cell's verdict.

Codes ``task.*``, ``grading.*`` and ``given.*`` (every assignment,
:mod:`outputsaving.grading.common`), ``activity1.*``, ``activity2.*``,
``quiz.*`` and ``imagej.*`` (the graders in :mod:`outputsaving.grading`).
Part of the one catalogue, :data:`outputsaving.messages.MESSAGES`; fill them
with :func:`outputsaving.messages.fill`.
"""

from outputsaving.messages.severity import E, N

MESSAGES: dict[str, tuple[str, str]] = {
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
    "task.call_stopped": (
        E,
        "Your {name} stopped with {error}{where}. It returned no path, so there "
        "is nothing to check yet: fix it, run its cell, the cell that calls it "
        "and this one again.",
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
    # A re-run of the released template as it is: not written yet, whatever
    # else went wrong.
    "imagej.rerun_untouched": (
        E,
        "Your {path} is still the template as released: the macro for this task "
        "is not written yet, so there is nothing of yours to run again and check. "
        "Write it in Fiji, save it, upload it here in place of the template, then "
        "run this notebook's cells again.",
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
}
