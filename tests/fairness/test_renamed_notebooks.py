"""Renamed notebooks graded by ``outputsaving grade``: every score deserved.

Every case of :mod:`renamed_catalogue` is handed in to one class (the
``"zip"`` cases as one LMS download, imported by the same run, as
``outputsaving grade --zip`` does) and graded once with
:func:`~outputsaving.classroom.engine.grade_class` in the real sandbox. Each
test cell must get the score written in ``renamed_deserved.tsv`` before the
grader learnt the rule; the learner's feedback and the grading log must say
which notebook was graded, or name the notebooks of a refusal.
"""

from __future__ import annotations

import io
import re
import zipfile

import nbformat
import pytest
from catalogue_class import grade_catalogue, release
from nbgrader_course import REPO, Course
from renamed_catalogue import BY_NAME, CASES, deserved_scores, handed_in

from outputsaving.messages import MESSAGES

pytestmark = [pytest.mark.linux, pytest.mark.nbgrader, pytest.mark.sandbox]

STAMP = "2026-11-24 10:00:00.000000 UTC\n"
ZIPPED = [case for case in CASES if case.route == "zip"]
(ZIP_ASSIGNMENT,) = {case.assignment for case in ZIPPED}


def _released_name(assignment: str) -> str:
    (path,) = (REPO / "source" / assignment).glob("*.ipynb")
    return path.name


def _download(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, (2026, 11, 24, 10, 0, 0)), data)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def renamed(tmp_path_factory, unsafe):
    """The catalogue handed in as one class and graded once."""
    folder = tmp_path_factory.mktemp("renamed")
    assignments = sorted({case.assignment for case in CASES})
    course = Course.copy_of_repo(folder, assignments=assignments)
    answers = {a: course.solution_answers(a) for a in assignments}
    files = {
        case.name: handed_in(case, release(case.assignment), answers[case.assignment])
        for case in CASES
    }
    for case in CASES:
        if case.route != "folder":
            continue
        submitted = course.root / "submitted" / case.name / case.assignment
        submitted.mkdir(parents=True)
        for name, data in files[case.name].items():
            (submitted / name).write_bytes(data)
        (submitted / "timestamp.txt").write_text(STAMP)
    download = folder / "lms_download.zip"
    download.write_bytes(
        _download({k: v for case in ZIPPED for k, v in files[case.name].items()})
    )
    deserved = {case.name: sum(deserved_scores(case).values()) for case in CASES}
    graded = grade_catalogue(
        course,
        unsafe=unsafe,
        deserved=deserved,
        zip_path=download,
        zip_assignment=ZIP_ASSIGNMENT,
    )
    graded.files = files
    return graded


def _code_of(text: str) -> str:
    """The code of the intake message ``text``: the template it fills."""
    (code,) = [
        code
        for code, (_, template) in MESSAGES.items()
        if code.startswith("classroom.")
        and re.fullmatch(
            ".+?".join(map(re.escape, re.split(r"\{[^}]*\}", template))),
            text,
            re.DOTALL,
        )
    ]
    return code


def _feedback(renamed, case) -> str:
    return renamed.feedback(case.name, case.assignment)


@pytest.mark.parametrize("name", list(BY_NAME))
def test_every_case_gets_its_deserved_score_per_test_cell(renamed, name):
    case = BY_NAME[name]
    outcome = renamed.outcomes[name]
    if case.refused:
        assert outcome.outcome == "refused", outcome.log_line()
        assert outcome.mistakes == [case.refused], outcome.log_line()
    else:
        assert outcome.outcome in {"graded", "stopped"}, outcome.log_line()
    wrong = renamed.wrong_cells(name, deserved_scores(case))
    assert not wrong, f"{name}: given vs deserved {wrong}\n{outcome.log_line()}"


@pytest.mark.parametrize("name", list(BY_NAME))
def test_feedback_names_the_notebooks(renamed, name):
    case = BY_NAME[name]
    text = _feedback(renamed, case)
    for words in case.case.says:
        assert words in text, f"{name}: {words!r} not in its feedback"


@pytest.mark.parametrize("name", [c.name for c in CASES if c.notes])
def test_notes_are_on_record_and_at_the_top_of_the_graded_notebook(renamed, name):
    case = BY_NAME[name]
    outcome = renamed.outcomes[name]
    assert [_code_of(reason) for reason in outcome.reasons] == list(case.notes)
    course = renamed.course
    released = _released_name(case.assignment)
    graded = course.root / "autograded" / name / case.assignment / released
    top = nbformat.read(graded, as_version=4).cells[0]
    assert top.cell_type == "markdown"
    assert MESSAGES["classroom.notebooks_header"][1] in top.source
    text = _feedback(renamed, case)
    assert MESSAGES["classroom.notebooks_header"][1] in text


@pytest.mark.parametrize("name", [c.name for c in CASES if c.notes])
def test_the_grading_log_says_which_notebook_was_graded(renamed, name):
    case = BY_NAME[name]
    (line,) = re.findall(rf"^{name}\s.*$", renamed.log, re.MULTILINE)
    for words in case.case.says:
        assert words in line, f"{name}: {words!r} not in {line!r}"


@pytest.mark.parametrize("name", [c.name for c in CASES if c.refused])
def test_a_refusal_names_its_reason(renamed, name):
    case = BY_NAME[name]
    outcome = renamed.outcomes[name]
    assert outcome.mistakes == [case.refused]
    assert [_code_of(reason) for reason in outcome.reasons] == [case.refused]
    for words in case.case.says:
        assert words in outcome.reasons[0], f"{name}: {words!r} not in the reason"


@pytest.mark.parametrize("name", [c.name for c in CASES if c.route == "folder"])
def test_the_learners_files_stay_as_handed_in(renamed, name):
    case = BY_NAME[name]
    folder = renamed.course.root / "submitted" / name / case.assignment
    held = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix == ".ipynb"}
    assert held == renamed.files[name]


@pytest.mark.parametrize("name", [c.name for c in ZIPPED])
def test_a_download_keeps_the_copy_under_its_own_name(renamed, name):
    """The LMS's prefix goes; the copy's own name (``-1``, `` (1)``) stays."""
    case = BY_NAME[name]
    folder = renamed.course.root / "submitted" / name / case.assignment
    notebooks = sorted(p.name for p in folder.glob("*.ipynb"))
    own = re.sub(r"^.*?_(?=quiz_output_saving)", "", case.handed_in_as)
    assert notebooks == [own]
    assert (folder / own).read_bytes() == renamed.files[name][case.handed_in_as]


@pytest.mark.parametrize("name", list(BY_NAME))
def test_feedback_is_only_the_released_notebooks_page(renamed, name):
    case = BY_NAME[name]
    folder = renamed.course.root / "feedback" / name / case.assignment
    page = _released_name(case.assignment).replace(".ipynb", ".html")
    assert {p.name for p in folder.iterdir()} == {page, "timestamp.txt"}
