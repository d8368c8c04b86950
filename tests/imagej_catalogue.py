"""The ImageJ track's catalogue: Fiji submissions whose deserved score is written first.

Each case is what a learner on the ImageJ track hands in: the notebook (its
answer cells hold the names of the files they saved, and in activity 2 their
judgements), the macro they edited (``activity1_template.ijm`` or
``activity2_template.ijm``, under its released name) and the files their macro
saved into ``output/``. The macro is the solution's, changed the way a learner
would change it in Fiji; the files handed in are made by running that macro
with real ImageJ with no argument, as Fiji runs it (into ``output/`` next to
the macro), or are the solution's files where the story says so (a macro that
saves into a folder of the learner's own computer, say).

The deserved score of every case per test cell is in ``imagej_deserved.tsv``
(case, assignment, grade_id, deserved, max, principle, story), committed
before the grader code that judges it. Principles: ``solution`` (full marks),
``untouched`` (the released template: 0), ``fiji-mistake`` (a typical mistake
in Fiji: the tests that judge it score 0, the others full), ``rerun`` (only the
re-run's points), ``ships-files`` (files handed in that the macro does not
write: the visible points at most, flagged), ``own-task`` (each test judges its
own task: a changed analysis parameter costs the visible tests, which judge the
handed-in files against the analysis's objects; the re-run's tests judge the
saving, the files' form and their agreement with the input image and with each
other), ``review`` (the handed-in files are not what the macro writes, under
other names or with other content: the points the tests give, flagged; the same
content in other bytes is no reason), ``message`` (the messages tell the truth),
``python-track`` (the Python track's solution, graded in the same run).

This is instructor material (solution macros): it lives beside the tests.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "BY_NAME",
    "CASES",
    "DESERVED_TABLE",
    "Case",
    "deserved_scores",
    "macro_of",
]

REPO = Path(__file__).resolve().parents[1]
DESERVED_TABLE = Path(__file__).with_name("imagej_deserved.tsv")

A1, A2 = "activity1_imagej", "activity2_imagej"
MACRO = {A1: "activity1_template.ijm", A2: "activity2_template.ijm"}
SOLUTION = {A1: "activity1_solution.ijm", A2: "activity2_solution.ijm"}

#: The answer cells holding the names of the saved files, and the judgements.
ANSWERS = {
    A1: {
        "ij1_task2_mask_file": 'LABEL_MASK_FILE = "labels.tif"',
        "ij1_task3_table_file": 'TABLE_FILE = "results.txt"',
        "ij1_task4_rois_file": 'ROIS_FILE = "rois.zip"',
    },
    A2: {
        "ij2_task2_table_csv_file": 'TABLE_CSV_FILE = "results.csv"',
        "ij2_task3_mask_files": (
            'PNG_FILE = "labels_16bit.png"\n'
            'JPEG_FILE = "labels.jpg"\n'
            'COLOUR_PNG_FILE = "labels_colour.png"'
        ),
        "ij2_task4_format_choices": (
            "PNG16_GOOD_FOR_LABELS = True\n"
            "JPEG_GOOD_FOR_LABELS = False\n"
            "COLOUR_PNG_GOOD_FOR_LABELS = False"
        ),
        "ij2_task5_nuclei_mask_file": 'NUCLEI_MASK_FILE = "nuclei_labels.tif"',
    },
}


@dataclass(frozen=True)
class Case:
    """One Fiji-track submission.

    Attributes
    ----------
    name : str
        The case, also the student id it is submitted as.
    assignment : str
    principle, story : str
        As in ``imagej_deserved.tsv``.
    edit : callable
        ``edit(solution_macro_text) -> macro text`` handed in.
    outputs : str
        Where the files in ``output/`` come from: ``"self"`` (the handed-in
        macro run once by ImageJ with no argument), ``"twice"`` (run twice in
        one ImageJ, as two runs in one Fiji session), ``"solution"`` (the
        solution macro's files) or ``"none"``.
    drop : tuple of str
        Files of ``output/`` not handed in.
    answers : dict
        Answer cells (grade_id -> source) that differ from :data:`ANSWERS`;
        ``None`` as a source leaves the released, unanswered cell.
    says : tuple of str
        Words the learner's feedback must contain.
    flagged : bool
        Whether the instructor must be asked to review it.
    runs : int
        Runs of the macro in one ImageJ that made the files (``"self"``).
    files : callable, optional
        ``files(outputs) -> outputs``: what the learner did to the files
        (name -> bytes) before handing them in.
    avoids : tuple of str
        Words the learner's feedback must not contain (a wrong reason).
    """

    name: str
    assignment: str
    principle: str
    story: str
    edit: Callable[[str], str] = lambda text: text
    outputs: str = "self"
    drop: tuple[str, ...] = ()
    answers: dict = field(default_factory=dict)
    says: tuple[str, ...] = ()
    flagged: bool = False
    runs: int = 1
    files: Callable[[dict], dict] | None = None
    avoids: tuple[str, ...] = ()


def _replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new)

    return edit


def _template(assignment: str) -> Callable[[str], str]:
    return lambda _text: (REPO / "source" / assignment / MACRO[assignment]).read_text(
        encoding="utf-8"
    )


_ARGUMENT_BLOCK_START = 'argument = getArgument();\nif (argument == "") {'


def _fixed_output_dir(folder: str) -> Callable[[str], str]:
    """The learner set outputDir to a folder of their own computer, after the block."""
    literal = folder.replace("\\", "\\\\")
    return _replace(
        "File.makeDirectory(outputDir);",
        f'outputDir = "{literal}";\nFile.makeDirectory(outputDir);',
    )


def _unanswered(assignment: str) -> dict:
    return dict.fromkeys(ANSWERS[assignment])


def _template_plus(assignment: str, after: str, lines: str) -> Callable[[str], str]:
    """The released template with ``lines`` added after the line ``after``."""

    def edit(_text: str) -> str:
        text = _template(assignment)(_text)
        assert after in text, after
        return text.replace(after, after + lines, 1)

    return edit


def _renamed(old: str, new: str) -> Callable[[dict], dict]:
    """The learner renamed a saved file by hand before handing it in."""

    def files(outputs: dict) -> dict:
        return {new if name == old else name: data for name, data in outputs.items()}

    return files


def _rewritten(outputs: dict) -> dict:
    """The same content in other bytes, as another ImageJ (Fiji 1.54) may write it:
    the mask's pixels in a compressed TIFF, the table with Windows line endings,
    the ROI zip's entries with other timestamps and compression."""
    import io
    import zipfile

    import tifffile

    pixels = tifffile.imread(io.BytesIO(outputs["labels.tif"]))
    mask = io.BytesIO()
    tifffile.imwrite(mask, pixels, compression="zlib")
    table = outputs["results.txt"].replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    rois = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(outputs["rois.zip"])) as old,
        zipfile.ZipFile(rois, "w", zipfile.ZIP_STORED) as new,
    ):
        for info in old.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 2, 3, 4, 6))
            new.writestr(entry, old.read(info))
    return {
        **outputs,
        "labels.tif": mask.getvalue(),
        "results.txt": table,
        "rois.zip": rois.getvalue(),
    }


#: What the feedback says about a dialog (the notebook's own text names dialogs too).
_DIALOG_WORDS = ("waiting for a dialog", "cannot answer dialogs", "opens dialogs")
_SAVE_1 = "// SAVE 1: the count mask (the active image), as TIFF.\n"
#: What the re-run's tests say of the released template handed in as it is.
_UNTOUCHED_SAYS = ("is not written yet, so there is nothing of yours to run again",)
_ANALYZE = '"size=" + minSize + "-" + maxSize + " pixel'


CASES: tuple[Case, ...] = (
    # -- activity 1 --------------------------------------------------------------
    Case("ij1_solution", A1, "solution", "solution macro"),
    Case(
        "ij1_template",
        A1,
        "untouched",
        "the untouched template",
        edit=_template(A1),
        outputs="none",
        answers=_unanswered(A1),
        # The re-run's tests say the macro is not written yet, not what the
        # template did not save.
        says=_UNTOUCHED_SAYS,
        avoids=("Check its saving step",),
    ),
    Case(
        "ij1_mask_jpeg",
        A1,
        "fiji-mistake",
        "count mask as JPEG",
        edit=_replace(
            'saveAs("Tiff", outputDir + "labels.tif");',
            'saveAs("Jpeg", outputDir + "labels.jpg");',
        ),
        answers={"ij1_task2_mask_file": 'LABEL_MASK_FILE = "labels.jpg"'},
        says=("JPEG",),
    ),
    Case(
        "ij1_mask_lut_png",
        A1,
        "fiji-mistake",
        "count mask as PNG with the colour LUT",
        edit=_replace(
            'saveAs("Tiff", outputDir + "labels.tif");',
            'saveAs("PNG", outputDir + "labels.png");',
        ),
        answers={"ij1_task2_mask_file": 'LABEL_MASK_FILE = "labels.png"'},
        says=("lookup table",),
    ),
    Case(
        "ij1_outlines",
        A1,
        "fiji-mistake",
        "the drawing of outlines saved as the mask",
        edit=_replace("show=[Count Masks]", "show=[Outlines]"),
        says=("outlines",),
    ),
    Case(
        "ij1_results_csv",
        A1,
        "fiji-mistake",
        "results saved as .csv",
        edit=_replace('outputDir + "results.txt"', 'outputDir + "results.csv"'),
        answers={"ij1_task3_table_file": 'TABLE_FILE = "results.csv"'},
        says=("commas",),
    ),
    Case(
        "ij1_rois_empty",
        A1,
        "fiji-mistake",
        "ROI Manager cleared before saving",
        edit=_replace(
            'roiManager("Save", outputDir + "rois.zip");',
            'roiManager("reset");\nroiManager("Save", outputDir + "rois.zip");',
        ),
        says=("did not finish", "ROI Manager"),
    ),
    Case(
        "ij1_rois_no_reset",
        A1,
        "fiji-mistake",
        "no reset, run twice",
        edit=_replace('roiManager("reset");\n', ""),
        outputs="twice",
        says=("twice",),
    ),
    Case(
        "ij1_windows_path",
        A1,
        "fiji-mistake",
        "Windows output folder",
        edit=_fixed_output_dir("C:\\Users\\ana\\Desktop\\output\\"),
        outputs="solution",
        says=("C:\\Users\\ana\\Desktop\\output",),
        flagged=True,
    ),
    Case(
        "ij1_mac_path",
        A1,
        "fiji-mistake",
        "Mac output folder",
        edit=_fixed_output_dir("/Users/ana/Desktop/output/"),
        outputs="solution",
        says=("/Users/ana/Desktop/output",),
        flagged=True,
    ),
    Case(
        "ij1_syntax_error",
        A1,
        "fiji-mistake",
        "syntax error in the ROI line",
        edit=_replace(
            'roiManager("Save", outputDir + "rois.zip");',
            'roiManager("Save", outputDir + "rois.zip";',
        ),
        says=("did not finish", "error"),
    ),
    Case(
        "ij1_unknown_command",
        A1,
        "fiji-mistake",
        "unknown command at the end",
        edit=_replace(
            'print("Done: the outputs are in " + outputDir);',
            'run("Close All Windows");\n'
            'print("Done: the outputs are in " + outputDir);',
        ),
        says=("did not finish",),
    ),
    Case(
        "ij1_get_directory",
        A1,
        "fiji-mistake",
        "getDirectory dialog",
        edit=_replace(
            "File.makeDirectory(outputDir);",
            'outputDir = getDirectory("Choose the output folder");\n'
            "File.makeDirectory(outputDir);",
        ),
        outputs="solution",
        says=("getDirectory",),
        flagged=True,
    ),
    Case(
        "ij1_script_parameter",
        A1,
        "fiji-mistake",
        "#@ script parameter",
        edit=lambda text: (
            '#@ File (style="directory") chosenDir\n'
            + _replace(
                "File.makeDirectory(outputDir);",
                'outputDir = "" + chosenDir + File.separator;\n'
                "File.makeDirectory(outputDir);",
            )(text)
        ),
        outputs="solution",
        says=("#@",),
        flagged=True,
    ),
    Case(
        "ij1_files_only",
        A1,
        "ships-files",
        "right files, untouched template",
        edit=_template(A1),
        outputs="solution",
        flagged=True,
    ),
    Case(
        "ij1_no_upload",
        A1,
        "rerun",
        "outputs not uploaded",
        outputs="none",
        says=("upload",),
    ),
    Case(
        "ij1_windows_names",
        A1,
        "message",
        "file names as Windows paths",
        answers={
            "ij1_task2_mask_file": (
                "LABEL_MASK_FILE = "
                '"C:\\\\Users\\\\ana\\\\Desktop\\\\output\\\\labels.tif"'
            ),
            "ij1_task3_table_file": (
                'TABLE_FILE = "C:\\\\Users\\\\ana\\\\Desktop\\\\output\\\\results.txt"'
            ),
            "ij1_task4_rois_file": (
                'ROIS_FILE = "C:\\\\Users\\\\ana\\\\Desktop\\\\output\\\\rois.zip"'
            ),
        },
        says=("your own computer",),
    ),
    # -- issue 20: one changed parameter, files not the macro's own, true reasons,
    # -- Fiji's words ---------------------------------------------------------------
    Case(
        "ij1_size_infinity",
        A1,
        "own-task",
        "Analyze Particles re-recorded with size=0-Infinity: 7 objects",
        edit=_replace(_ANALYZE, '"size=0-Infinity pixel'),
        says=("0-1000", "size=0-Infinity"),
    ),
    Case(
        "ij1_max_size_2000",
        A1,
        "own-task",
        "maxSize set to 2000: 7 objects",
        edit=_replace("maxSize = 1000;", "maxSize = 2000;"),
        says=("0-1000", "1288"),
    ),
    Case(
        "ij1_error_line_friend_files",
        A1,
        "ships-files",
        "template plus one erroring saveAs line, a friend's files",
        edit=_template_plus(A1, _SAVE_1, 'saveAs("Tif", outputDir + labels.tif);\n'),
        outputs="solution",
        flagged=True,
    ),
    Case(
        "ij1_file_copy",
        A1,
        "ships-files",
        "template plus File.copy of a friend's files",
        edit=_template_plus(
            A1,
            _SAVE_1,
            'File.copy(inputDir + "anna/labels.tif", outputDir + "labels.tif");\n'
            'File.copy(inputDir + "anna/results.txt", outputDir + "results.txt");\n'
            'File.copy(inputDir + "anna/rois.zip", outputDir + "rois.zip");\n',
        ),
        outputs="solution",
        flagged=True,
    ),
    Case(
        "ij1_renamed_by_hand",
        A1,
        "review",
        "renamed labels.tif to mask.tif by hand before handing it in",
        files=_renamed("labels.tif", "mask.tif"),
        answers={"ij1_task2_mask_file": 'LABEL_MASK_FILE = "mask.tif"'},
        flagged=True,
    ),
    Case(
        "ij1_same_content_other_bytes",
        A1,
        "review",
        "the macro's files in other bytes (compressed TIFF, CRLF, zip timestamps)",
        files=_rewritten,
    ),
    Case(
        "ij1_anna_desktop",
        A1,
        "fiji-mistake",
        "outputDir hard-coded to /Users/anna/Desktop/output/ (ImageJ ends, exit 0)",
        edit=_fixed_output_dir("/Users/anna/Desktop/output/"),
        outputs="solution",
        says=("/Users/anna/Desktop/output/",),
        avoids=("closed ImageJ", "quits ImageJ"),
        flagged=True,
    ),
    Case(
        "ij1_wait_for_user",
        A1,
        "fiji-mistake",
        "waitForUser before the saving steps (clicked OK in Fiji)",
        edit=_replace(
            "showWithLabelColours();\n",
            "showWithLabelColours();\n"
            'waitForUser("Check the count mask, then click OK");\n',
        ),
        outputs="solution",
        says=("waitForUser", "remove"),
        avoids=("build every path from outputDir",),
        flagged=True,
    ),
    Case(
        "ij1_endless_loop",
        A1,
        "fiji-mistake",
        "a while loop that never ends, after the saving steps",
        edit=_replace(
            'print("Done: the outputs are in " + outputDir);',
            'i = 0;\nwhile (i < nResults) {\n\tarea = getResult("Area", i);\n}\n'
            'print("Done: the outputs are in " + outputDir);',
        ),
        outputs="solution",
        says=("loop",),
        avoids=_DIALOG_WORDS,
    ),
    Case(
        "ij1_home_dir",
        A1,
        "fiji-mistake",
        'outputDir from getDirectory("home")',
        edit=_replace(
            "File.makeDirectory(outputDir);",
            'outputDir = getDirectory("home") + "output" + File.separator;\n'
            "File.makeDirectory(outputDir);",
        ),
        outputs="solution",
        says=('getDirectory("home")',),
        avoids=_DIALOG_WORDS,
        flagged=True,
    ),
    Case(
        "ij1_image_dir",
        A1,
        "fiji-mistake",
        'outputDir from getDirectory("image") after the analysis',
        edit=_replace(
            "showWithLabelColours();\n",
            "showWithLabelColours();\n"
            'outputDir = getDirectory("image") + "output" + File.separator;\n'
            "File.makeDirectory(outputDir);\n",
        ),
        outputs="solution",
        says=('getDirectory("image")',),
        avoids=_DIALOG_WORDS,
        flagged=True,
    ),
    Case(
        "ij1_rois_three_runs",
        A1,
        "fiji-mistake",
        "no reset, run three times in one Fiji session",
        edit=_replace('roiManager("reset");\n', ""),
        runs=3,
        says=('roiManager("reset")',),
        avoids=("saving cell",),
    ),
    Case(
        "ij1_binary_mask",
        A1,
        "fiji-mistake",
        "Analyze Particles with show=Masks (binary) instead of Count Masks",
        edit=_replace("show=[Count Masks]", "show=Masks"),
        says=("Count Masks",),
        avoids=("Label the connected objects",),
    ),
    Case(
        "ij1_no_headers",
        A1,
        "fiji-mistake",
        "results saved without column headers (Input/Output options)",
        edit=_replace(
            'saveAs("Results"',
            'run("Input/Output...", "jpeg=85 gif=-1 file=.txt");\nsaveAs("Results"',
        ),
        says=("Save column headers",),
        avoids=("Save the table with a header row",),
    ),
    # -- activity 2 --------------------------------------------------------------
    Case("ij2_solution", A2, "solution", "solution macro"),
    Case(
        "ij2_template",
        A2,
        "untouched",
        "the untouched template",
        edit=_template(A2),
        outputs="none",
        answers=_unanswered(A2),
        # The re-run's tests say the macro is not written yet, not what the
        # template did not save.
        says=_UNTOUCHED_SAYS,
        avoids=("Check its saving step",),
    ),
    Case(
        "ij2_results_tabs",
        A2,
        "fiji-mistake",
        "results saved as .txt",
        edit=_replace('outputDir + "results.csv"', 'outputDir + "results.txt"'),
        answers={"ij2_task2_table_csv_file": 'TABLE_CSV_FILE = "results.txt"'},
        says=("tabs",),
    ),
    Case(
        "ij2_png_with_lut",
        A2,
        "fiji-mistake",
        "label PNG saved with the colour LUT",
        edit=_replace('run("Grays");\n', ""),
        says=("lookup table",),
    ),
    Case(
        "ij2_nuclei_8bit",
        A2,
        "fiji-mistake",
        "nuclei mask converted to 8-bit",
        edit=_replace(
            'saveAs("Tiff", outputDir + "nuclei_labels.tif");',
            'run("8-bit");\nsaveAs("Tiff", outputDir + "nuclei_labels.tif");',
        ),
        says=("8-bit", "255"),
    ),
    Case(
        "ij2_jpeg_judged_good",
        A2,
        "fiji-mistake",
        "JPEG judged good",
        answers={
            "ij2_task4_format_choices": (
                "PNG16_GOOD_FOR_LABELS = True\n"
                "JPEG_GOOD_FOR_LABELS = True\n"
                "COLOUR_PNG_GOOD_FOR_LABELS = False"
            )
        },
    ),
    Case(
        "ij2_second_folder",
        A2,
        "fiji-mistake",
        "nuclei mask saved to a second, absolute folder",
        edit=_replace(
            'saveAs("Tiff", outputDir + "nuclei_labels.tif");',
            'saveAs("Tiff", "C:\\\\Users\\\\ana\\\\Documents\\\\nuclei_labels.tif");',
        ),
        outputs="solution",
        says=("C:\\Users\\ana\\Documents",),
        flagged=True,
    ),
)

BY_NAME = {case.name: case for case in CASES}


def macro_of(case: Case) -> str:
    """The macro text ``case`` hands in."""
    solution = (
        REPO / "source" / case.assignment / SOLUTION[case.assignment]
    ).read_text(encoding="utf-8")
    return case.edit(solution)


def answers_of(case: Case) -> dict:
    """The answer cells of ``case``: grade_id -> source (None: left unanswered)."""
    return {**ANSWERS[case.assignment], **case.answers}


def deserved_scores(name: str) -> dict[str, float]:
    """grade_id -> the points case ``name`` deserves, from ``imagej_deserved.tsv``."""
    with DESERVED_TABLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {
        row["grade_id"]: float(row["deserved"]) for row in rows if row["case"] == name
    }


def cases_in_table() -> list[str]:
    """Every case named in the table (the Fiji cases and the Python-track ones)."""
    with DESERVED_TABLE.open(encoding="utf-8", newline="") as handle:
        return list(
            dict.fromkeys(row["case"] for row in csv.DictReader(handle, delimiter="\t"))
        )
