"""The self-checks' messages: the verdict lines of a notebook's self-check cells.

Codes ``selfcheck.*`` (:mod:`outputsaving.selfcheck`). Part of the one
catalogue, :data:`outputsaving.messages.MESSAGES`; fill them with
:func:`outputsaving.messages.fill`.
"""

from outputsaving.messages.severity import E, N

MESSAGES: dict[str, tuple[str, str]] = {
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
}
