"""Self-checks for the notebooks: a friendly printed verdict on your work.

Each function prints one line saying whether your output passes, then the
findings that need your attention, in the words of
:mod:`outputsaving.messages`: what was found, what was expected and what to do
next, never the solution's code. They run the same checks as the graded
tests, in well under a second, and never raise for a bad file.

Activity 1::

    from outputsaving import selfcheck
    selfcheck.output_folder(OUTPUT_DIR)
    selfcheck.label_mask(label_mask_path, OUTPUT_DIR)
"""

from __future__ import annotations

from outputsaving.findings import CheckResult
from outputsaving.messages import fill
from outputsaving.stopped import stopped, wrapped

__all__ = [
    "compare_labels",
    "format_choices",
    "imagej_file",
    "imagej_label_mask",
    "imagej_mask_formats",
    "imagej_nuclei_mask",
    "imagej_rois",
    "imagej_table",
    "imagej_table_csv",
    "imagej_upload",
    "label_mask",
    "mask_formats",
    "nuclei_mask",
    "output_folder",
    "quiz_answer",
    "rois",
    "settings",
    "show",
    "stopped",
    "table",
    "table_csv",
]


def _what(key: str, /, **values) -> str:
    """The words for what a self-check checks, such as ``"label mask"``."""
    return fill(f"selfcheck.what.{key}", **values)


def show(*results: CheckResult, what: str, plural: bool = False) -> bool:
    """Print a verdict on ``what`` and the findings of ``results``.

    Parameters
    ----------
    *results : CheckResult
        The results of the checks of one output.
    what : str
        What was checked, for the verdict line, such as ``"label mask"``.
    plural : bool, optional
        Whether ``what`` is plural (``"answers"``), for the verb.

    Returns
    -------
    bool
        True when every result passed.
    """
    errors = [finding for result in results for finding in result.errors]
    notes = [finding for result in results for finding in result.notes]
    if errors:
        print(
            fill(
                "selfcheck.not_yet_plural" if plural else "selfcheck.not_yet", what=what
            )
        )
        lines = [wrapped(f.message, indent="  - ", hanging="    ") for f in errors]
    else:
        print(
            fill("selfcheck.passes_plural" if plural else "selfcheck.passes", what=what)
        )
        lines = []
    lines += [
        wrapped(fill("selfcheck.note", text=f.message), indent="  ", hanging="    ")
        for f in notes
    ]
    if lines:
        print("\n".join(lines))
    return not errors


def _activity1():
    from outputsaving.grading import activity1

    return activity1


def output_folder(output_dir, /) -> None:
    """Activity 1, task 1: check ``OUTPUT_DIR``."""
    show(_activity1().output_dir_result(output_dir), what=_what("output_folder"))


def label_mask(path, output_dir=None, /) -> None:
    """Activity 1, task 2: check the saved label mask against the analysis."""
    show(*_activity1().label_mask_result(path, output_dir), what=_what("label_mask"))


def table(path, output_dir=None, /) -> None:
    """Activity 1, task 3: check the saved results table against the analysis."""
    show(*_activity1().table_result(path, output_dir), what=_what("table"))


def rois(path, output_dir=None, /) -> None:
    """Activity 1, task 4: check the saved ROI set against the analysis."""
    show(*_activity1().rois_result(path, output_dir), what=_what("rois"))


def settings(path, output_dir=None, /) -> None:
    """Activity 1, task 5: check the saved settings file."""
    show(*_activity1().settings_result(path, output_dir), what=_what("settings"))


# -- activity 2 and the quiz ----------------------------------------------------


def _activity2():
    from outputsaving.grading import activity2

    return activity2


def table_csv(path, output_dir=None, /) -> None:
    """Activity 2, task 2: check the comma-separated table against the analysis."""
    show(*_activity2().table_csv_result(path, output_dir), what=_what("table_csv"))


def mask_formats(png16_path, jpeg_path, colour_png_path, output_dir=None, /) -> None:
    """Activity 2, task 3: check the mask saved as 16-bit PNG, JPEG and colour PNG."""
    paths = {"png16": png16_path, "jpeg": jpeg_path, "colour_png": colour_png_path}
    for fmt, path in paths.items():
        results = _activity2().mask_format_result(path, output_dir, fmt=fmt)
        show(*results, what=_what(fmt))


def compare_labels(function, /) -> None:
    """Activity 2, task 4: try ``compare_labels`` on three small examples."""
    result = _activity2().compare_labels_result(function, cases=3)
    show(result, what=_what("compare_labels"))


def _form_problems(*names: str) -> CheckResult:
    """The grader reads answers from their cells' source: are they plain values?

    The same reading and words as the class grader's
    (:func:`outputsaving.grading.literals.read_answer`), on the cells this
    kernel ran, this one too: the first answer that breaks the rule.
    """
    from outputsaving.grading.literals import form_result, kernel_answer

    for name in names:
        answer = kernel_answer(name)
        if answer is not None:
            form = form_result(answer)
            if not form.passed:
                return form
    return CheckResult(kind="literal", path="")


def format_choices(png16, jpeg, colour_png, /) -> None:
    """Activity 2, task 5: check that each answer is True or False (not if right).

    The cell's form is checked first: answers are graded from its source,
    which must hold the values themselves, not code that computes them.
    """
    form = _form_problems(*_activity2().CHOICE_NAMES.values())
    result = _activity2().format_choices_result(png16, jpeg, colour_png)
    if not form.passed:
        show(form, result, what=_what("answers"), plural=True)
    elif result.passed:
        print(wrapped(fill("selfcheck.answers_gradable")))
    else:
        show(result, what=_what("answers"), plural=True)


def nuclei_mask(path, output_dir=None, /) -> None:
    """Activity 2, task 6: check the saved nuclei mask against the analysis."""
    show(*_activity2().nuclei_mask_result(path, output_dir), what=_what("nuclei_mask"))


def quiz_answer(answer, /, *, question: str) -> None:
    """Quiz: check that an answer can be graded (not whether it is right)."""
    from outputsaving.grading import quiz

    form = _form_problems(quiz.QUESTION_NAMES.get(question, ""))
    result = quiz.answer_form_result(answer, question=question)
    number = question.removeprefix("q")
    if not form.passed:
        show(form, result, what=_what("quiz_answer", number=number))
    elif result.passed:
        print(wrapped(fill("selfcheck.quiz_gradable", number=number)))
    else:
        show(result, what=_what("quiz_answer", number=number))


# -- the ImageJ track ----------------------------------------------------------


def _imagej():
    from outputsaving.grading import imagej

    return imagej


def imagej_upload(macro_file, output_dir, /, *, activity: int = 1) -> None:
    """ImageJ track, task 1: the edited macro and its files are here.

    Also lists the files found, and says what in the macro the grader's
    ImageJ cannot do (dialogs, Fiji's script parameters, absolute paths).
    """
    from pathlib import Path

    results = _imagej().upload_result(
        macro_file, output_dir, activity=activity, notes=True
    )
    show(*results, what=_what("imagej_upload"), plural=True)
    folder = Path(output_dir)
    names = (
        sorted(p.name for p in folder.iterdir() if p.is_file())
        if folder.is_dir()
        else []
    )
    if names:
        print(fill("selfcheck.imagej_files", folder=folder, names=", ".join(names)))


def imagej_file(kind: str, name, output_dir, /, *, variable: str) -> None:
    """ImageJ track: check a handed-in file (``kind``: a task of the re-run)."""
    results = _imagej().saved_file_result(kind, name, output_dir, variable=variable)
    words = {"mask": "label_mask", "nuclei": "nuclei_mask"}.get(kind, kind)
    show(*results, what=_what(words))


def imagej_mask_formats(png, jpeg, colour_png, output_dir, /) -> None:
    """ImageJ track, activity 2: the PNG, the JPEG and the colour PNG."""
    for kind, name, variable in (
        ("png16", png, "PNG_FILE"),
        ("jpeg", jpeg, "JPEG_FILE"),
        ("colour_png", colour_png, "COLOUR_PNG_FILE"),
    ):
        imagej_file(kind, name, output_dir, variable=variable)


def imagej_label_mask(name, output_dir, /) -> None:
    """ImageJ track, activity 1, task 2: the count mask handed in."""
    imagej_file("mask", name, output_dir, variable="LABEL_MASK_FILE")


def imagej_table(name, output_dir, /) -> None:
    """ImageJ track, activity 1, task 3: the results table handed in."""
    imagej_file("table", name, output_dir, variable="TABLE_FILE")


def imagej_rois(name, output_dir, /) -> None:
    """ImageJ track, activity 1, task 4: the ROI set handed in."""
    imagej_file("rois", name, output_dir, variable="ROIS_FILE")


def imagej_table_csv(name, output_dir, /) -> None:
    """ImageJ track, activity 2, task 2: the comma-separated table handed in."""
    imagej_file("table_csv", name, output_dir, variable="TABLE_CSV_FILE")


def imagej_nuclei_mask(name, output_dir, /) -> None:
    """ImageJ track, activity 2, task 5: the nuclei mask handed in."""
    imagej_file("nuclei", name, output_dir, variable="NUCLEI_MASK_FILE")
