"""Every message a learner can read, in one place.

Each entry maps a stable finding code to ``(severity, template)``. The
templates are filled with ``str.format``. House rules for the wording: second
person, at most two sentences, found versus expected, one next step, and never
the code of the solution.
"""

__all__ = ["MESSAGES"]

E, N = "error", "note"

MESSAGES: dict[str, tuple[str, str]] = {
    # -- any file ------------------------------------------------------------
    "file.missing": (
        E,
        "No file was found at {path}. Check the output folder and the file name "
        "your code writes, then run the saving cell again.",
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
    # -- results table (outputsaving.table) ----------------------------------
    # -- ROI set (outputsaving.rois) -----------------------------------------
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
    "settings.size_order": (
        E,
        "Your 'min_size' ({min_size}) is larger than your 'max_size' "
        "({max_size}). Check that you saved the limits the analysis used.",
    ),
    "settings.packages": (
        E,
        "Your 'packages' entry should map each package name to its version "
        "string, and name at least one package. Record the versions you used.",
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
