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
}
