"""Renamed notebooks: submissions whose deserved score is written down first.

Learners hand in the notebook they worked in under whatever name their tools
gave it: a browser saves a second download as ``activity1_save_outputs (1).ipynb``,
Jupyter's *Duplicate* makes ``quiz_output_saving-Copy1.ipynb``, and an LMS adds
its own marks. Each case here is one such submission, built from the released
student notebook with the solution's answers (some with a wrong answer, so
that the score shows which notebook was graded); its **deserved** score per
test cell is in ``renamed_deserved.tsv`` (same columns as
``fairness_deserved.tsv``), committed before the grader change it judges.
``test_renamed_notebooks`` grades the whole catalogue in one class run.

The rule judged (principle ``rename``, from issue 18, section 2):

- the released name present: that notebook is graded, the others ignored,
  and the feedback names the ignored ones;
- the released name absent and exactly one notebook holding the assignment's
  graded cells (by ``grade_id``): graded as the released notebook, with a note;
- several such notebooks: refused (every test 0), the reason names them;
- none: refused as missing, as before.

LMS names, as checked in the LMSs' own source:

- Canvas (``instructure/canvas-lms``, ``lib/content_zipper.rb``): a download
  names each file ``<sortable name>[_LATE]_<user id>_<attachment id>_<display
  name>``; ``app/models/attachment.rb`` ``handle_duplicates`` always renames a
  file uploaded into a user's submissions folder whose name is taken, through
  ``make_unique_filename``: ``<base>-1<ext>``, ``-2`` and so on. A
  resubmission of the same file is therefore ``…_quiz_output_saving-1.ipynb``.
- Moodle (``lib/filestorage/file_storage.php`` ``get_unused_filename``, since
  2.5): a second file of the same name in a file area becomes ``name (1).ext``;
  the assignment download names it ``<full name>_<participant id>_
  assignsubmission_file_<file name>`` (the case here), or, by default since
  Moodle 3.1 (``mod/assign/classes/downloader.php``, the user preference
  ``assign_downloadasfolders``), puts it in a folder ``<full name>_<participant
  id>_assignsubmission_file/`` (tested in ``test_classroom_intake``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import nbformat
from fairness_catalogue import POINTS, Case, build_case, deserved_from

__all__ = [
    "BY_NAME",
    "CASES",
    "DESERVED_TABLE",
    "RenamedCase",
    "deserved_scores",
    "handed_in",
]

DESERVED_TABLE = Path(__file__).with_name("renamed_deserved.tsv")

A1, QUIZ = "activity1", "quiz"
A1_NOTEBOOK = "activity1_save_outputs.ipynb"
QUIZ_NOTEBOOK = "quiz_output_saving.ipynb"


@dataclass(frozen=True)
class RenamedCase:
    """One submission of the catalogue: a :class:`~fairness_catalogue.Case`
    whose notebook is handed in under another name.

    Attributes
    ----------
    case : Case
        The learner's work (``case.change`` edits the released notebook and
        returns the other files handed in, other notebooks included);
        ``case.name`` is the student id, ``case.says`` words the learner's
        feedback must hold.
    handed_in_as : str
        The file name of the notebook ``case.change`` made. For ``route``
        ``"zip"``, the member's whole name in the LMS download (its student
        id is the part before the first ``_``).
    route : str
        ``"folder"`` (nbgrader's ``submitted/`` layout) or ``"zip"`` (one LMS
        download, imported by ``outputsaving grade --zip``).
    refused : str
        The message code of the refusal the case deserves, or ``""``.
    notes : tuple of str
        Message codes of the notes its graded feedback must carry.
    """

    case: Case
    handed_in_as: str
    route: str = "folder"
    refused: str = ""
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.case.name

    @property
    def assignment(self) -> str:
        return self.case.assignment


# -- the learners' work ------------------------------------------------------------


def _answer(notebook, grade_id: str, source: str) -> None:
    """Write ``source`` into the answer cell ``grade_id``."""
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
            return
    msg = f"no cell {grade_id!r}"
    raise KeyError(msg)


def _copy_of(notebook) -> bytes:
    """The notebook as it is now, as a file (a copy the learner saved)."""
    return nbformat.writes(copy.deepcopy(notebook)).encode("utf-8")


def _solution(_notebook, _answers) -> dict:
    return {}


def _q2_wrong(notebook, _answers) -> dict:
    _answer(notebook, "quiz_q2_answer", 'Q2_FORMAT_PROPERTY = "proprietary"\n')
    return {}


def _q3_wrong(notebook, _answers) -> dict:
    _answer(notebook, "quiz_q3_answer", "Q3_JPEG_FOR_LABEL_MASKS = True\n")
    return {}


def _q4_wrong(notebook, _answers) -> dict:
    _answer(notebook, "quiz_q4_answer", "Q4_TAB_DELIMITED_FOR_TABLES = False\n")
    return {}


def _released_and_a_right_copy(notebook, answers) -> dict:
    """The released name holds question 2 wrong; a browser copy is all right."""
    right = _copy_of(notebook)
    _q2_wrong(notebook, answers)
    return {"quiz_output_saving (1).ipynb": right}


def _and_a_duplicate(notebook, answers) -> dict:
    """A Jupyter duplicate of the same work beside the browser copy."""
    return {"quiz_output_saving-Copy1.ipynb": _copy_of(notebook)}


def _and_a_scratch_notebook(notebook, answers) -> dict:
    """A scratch notebook of the learner's own (no graded cell) beside."""
    scratch = nbformat.v4.new_notebook()
    scratch.cells.append(nbformat.v4.new_code_cell("print('trying things out')"))
    return {"scratch.ipynb": nbformat.writes(scratch).encode("utf-8")}


def _answers_in_a_new_notebook(notebook, answers) -> dict:
    """Every cell pasted into a new notebook: no cell keeps nbgrader's metadata."""
    for cell in notebook.cells:
        cell.get("metadata", {}).pop("nbgrader", None)
    return {}


def _rename_case(name, assignment, story, change, says=()) -> Case:
    return Case(name, assignment, "rename", story, change, says=tuple(says))


CASES: tuple[RenamedCase, ...] = (
    RenamedCase(
        _rename_case(
            "browser_copy_alone",
            A1,
            "downloaded the notebook twice; the browser saved the one they worked "
            "in as '(1)', and they handed in only that one",
            _solution,
            says=("activity1_save_outputs (1).ipynb",),
        ),
        "activity1_save_outputs (1).ipynb",
        notes=("classroom.notebook_graded_as",),
    ),
    RenamedCase(
        _rename_case(
            "jupyter_duplicate_alone",
            QUIZ,
            "worked in the copy JupyterLab's Duplicate made and handed in only "
            "it; question 4 is wrong",
            _q4_wrong,
            says=("quiz_output_saving-Copy1.ipynb",),
        ),
        "quiz_output_saving-Copy1.ipynb",
        notes=("classroom.notebook_graded_as",),
    ),
    RenamedCase(
        _rename_case(
            "canvasresubmission",
            QUIZ,
            "resubmitted on Canvas, which renamed the second upload '-1'",
            _solution,
            says=("quiz_output_saving-1.ipynb",),
        ),
        "canvasresubmission_98765_43210_quiz_output_saving-1.ipynb",
        route="zip",
        notes=("classroom.notebook_graded_as",),
    ),
    RenamedCase(
        _rename_case(
            "canvaslate",
            QUIZ,
            "resubmitted on Canvas twice, late ('-2'); question 3 is wrong",
            _q3_wrong,
            says=("quiz_output_saving-2.ipynb",),
        ),
        "canvaslate_LATE_98766_43211_quiz_output_saving-2.ipynb",
        route="zip",
        notes=("classroom.notebook_graded_as",),
    ),
    RenamedCase(
        _rename_case(
            "moodledraft",
            QUIZ,
            "uploaded the notebook twice to Moodle's file picker, which kept the "
            "second as '(1)', and removed the first",
            _solution,
            says=("quiz_output_saving (1).ipynb",),
        ),
        "moodledraft_112233_assignsubmission_file_quiz_output_saving (1).ipynb",
        route="zip",
        notes=("classroom.notebook_graded_as",),
    ),
    RenamedCase(
        _rename_case(
            "released_and_copy",
            QUIZ,
            "handed in the released notebook (question 2 wrong) and a browser "
            "copy with every answer right",
            _released_and_a_right_copy,
            says=("quiz_output_saving (1).ipynb",),
        ),
        QUIZ_NOTEBOOK,
        notes=("classroom.notebooks_ignored",),
    ),
    RenamedCase(
        _rename_case(
            "copy_and_scratch",
            QUIZ,
            "handed in a browser copy '(2)' and a scratch notebook of their own",
            _and_a_scratch_notebook,
            says=("quiz_output_saving (2).ipynb", "scratch.ipynb"),
        ),
        "quiz_output_saving (2).ipynb",
        notes=("classroom.notebook_graded_as", "classroom.notebooks_ignored"),
    ),
    RenamedCase(
        _rename_case(
            "two_copies",
            QUIZ,
            "handed in a browser copy and a Jupyter duplicate, both with answers, "
            "and not the released name",
            _and_a_duplicate,
            says=("quiz_output_saving (1).ipynb", "quiz_output_saving-Copy1.ipynb"),
        ),
        "quiz_output_saving (1).ipynb",
        refused="classroom.notebook_ambiguous",
    ),
    RenamedCase(
        _rename_case(
            "no_graded_cells",
            QUIZ,
            "pasted every cell into a new notebook (no cell keeps its grading id) "
            "and handed in only that",
            _answers_in_a_new_notebook,
            says=(QUIZ_NOTEBOOK,),
        ),
        "my_answers.ipynb",
        refused="classroom.notebook_missing",
    ),
)

BY_NAME = {case.name: case for case in CASES}


def handed_in(case: RenamedCase, release, answers: dict[str, str]) -> dict[str, bytes]:
    """The files ``case`` hands in: ``{file name: bytes}``, the notebook first.

    For ``route == "zip"`` the notebook's name is its member's in the download.
    """
    notebook, files = build_case(case.case, release, answers)
    main = {case.handed_in_as: nbformat.writes(notebook).encode("utf-8")}
    return {**main, **files}


def deserved_scores(case: RenamedCase) -> dict[str, float]:
    """grade_id -> the points ``case`` deserves, from ``renamed_deserved.tsv``."""
    found = deserved_from(DESERVED_TABLE, case.name)
    if set(found) != set(POINTS[case.assignment]):
        msg = f"{case.name}: the table's grade_ids are not {case.assignment}'s"
        raise ValueError(msg)
    return found
