"""The ImageJ track: Fiji submissions graded with real ImageJ, beside the Python track.

The catalogue of :mod:`imagej_catalogue` (the solution macros, the untouched
templates and the typical Fiji mistakes) is built the way learners make it:
each macro is run by real ImageJ with no argument, as Fiji runs it, and its
files are handed in with the macro and the notebook. The whole catalogue, with
the Python track's solutions of activity 1 and 2, is graded in one
``outputsaving grade`` run (:func:`~outputsaving.classroom.engine.grade_class`,
in the sandbox, at the default memory cap); every test cell must get the score
written in ``imagej_deserved.tsv`` before the grader was written, and the
feedback must name the mistake.
"""

from __future__ import annotations

import html
import io
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import nbformat
import pytest
from imagej_catalogue import (
    BY_NAME,
    CASES,
    MACRO,
    SOLUTION,
    answers_of,
    cases_in_table,
    deserved_scores,
    macro_of,
)
from nbgrader_course import REPO, Course
from waiting import PATIENCE, wait_until

from outputsaving.datasets import MANY_NUCLEI, RANDOM_SHAPES, data_path
from outputsaving.grading import imagej as grader

A1, A2 = "activity1_imagej", "activity2_imagej"


def _release(assignment: str) -> nbformat.NotebookNode:
    (path,) = (REPO / "notebooks" / assignment).glob("*.ipynb")
    return nbformat.read(path, as_version=4)


# -- quick checks, without ImageJ -----------------------------------------------------


@pytest.mark.parametrize("activity", [1, 2])
def test_the_template_digests_are_the_released_templates(activity):
    assignment = f"activity{activity}_imagej"
    text = (REPO / "source" / assignment / MACRO[assignment]).read_text()
    assert grader._text_digest(text) == grader.TEMPLATE_DIGESTS[activity]
    # Line endings from Windows and trailing spaces do not make it "edited".
    windows = text.replace("\n", "  \r\n")
    assert grader._text_digest(windows) == grader.TEMPLATE_DIGESTS[activity]


@pytest.mark.parametrize("assignment", [A1, A2])
def test_the_released_input_images_are_the_course_data(assignment):
    for path in sorted((REPO / "notebooks" / assignment).glob("*.tif")):
        assert path.read_bytes() == data_path(path.name).read_bytes(), path
    names = {p.name for p in (REPO / "notebooks" / assignment).iterdir()}
    assert RANDOM_SHAPES in names
    assert (MANY_NUCLEI in names) == (assignment == A2)


@pytest.mark.parametrize("assignment", [A1, A2])
def test_the_solution_macros_are_never_released(assignment):
    released = {p.name for p in (REPO / "notebooks" / assignment).iterdir()}
    assert MACRO[assignment] in released
    assert not [name for name in released if name.endswith("_solution.ijm")]
    assert (REPO / "solutions" / assignment / SOLUTION[assignment]).is_file()


def test_the_macro_hints_name_what_plain_imagej_cannot_do():
    text = textwrap.dedent(
        """
        #@ File (style="directory") chosen
        inputDir = File.getDirectory(getInfo("macro.filepath"));
        out = getDirectory("Choose");
        // waitForUser("in a comment only");
        saveAs("Tiff", "C:\\\\Users\\\\ana\\\\labels.tif");
        saveAs("Tiff", "/Users/ana/labels.tif");
        """
    )
    hints = grader.macro_hints(text)
    assert hints["dialogs"] == ["getDirectory"]
    assert hints["parameters"]
    assert hints["absolute"] == ["C:\\Users\\ana\\labels.tif", "/Users/ana/labels.tif"]
    template = (REPO / "source" / A1 / MACRO[A1]).read_text()
    assert grader.macro_hints(template) == {
        "dialogs": [],
        "parameters": [],
        "absolute": [],
        "folders": [],
        "waits": [],
        "quits": False,
    }
    # Folders of ImageJ's own are no dialogs; waitForUser and quitting are named.
    hints = grader.macro_hints(
        'a = getDirectory("home");\nb = getDir("image");\nc = getDirectory("Pick");\n'
        'waitForUser("Look");\nrun("Quit");\n'
    )
    assert hints["dialogs"] == ["getDirectory"]
    assert hints["folders"] == ['getDirectory("home")', 'getDir("image")']
    assert hints["waits"] == ["waitForUser"]
    assert hints["quits"] is True


def test_file_names_typed_as_windows_paths_get_a_note_and_count(tmp_path):
    output = tmp_path / "output"
    output.mkdir()
    (output / "results.txt").write_text("x\n")
    result = grader.saved_file_result(
        "table", "C:\\Users\\ana\\output\\results.txt", output, variable="TABLE_FILE"
    )
    assert "imagej.name_is_path" in result[0].codes
    assert "your own computer" in result[0].findings[0].message
    assert len(result) >= 2  # the file was found and checked


def test_a_missing_file_names_what_the_folder_holds(tmp_path):
    output = tmp_path / "output"
    output.mkdir()
    (output / "Labels.TIF").write_bytes(b"II*\x00")
    (result,) = grader.saved_file_result(
        "mask", "labels.tif", output, variable="LABEL_MASK_FILE"
    )
    assert result.codes == ["imagej.not_uploaded"]
    assert "Labels.TIF" in result.findings[0].message


def test_grading_says_before_it_starts_when_imagej_is_missing(monkeypatch):
    from outputsaving import imagej_run
    from outputsaving.classroom import course

    monkeypatch.setattr(imagej_run, "find_imagej", lambda: None)
    problem = course.imagej_problem(["activity1", A1])
    assert "imagej" in problem
    assert "Fiji" in problem
    assert "--assignment" in problem
    assert course.imagej_problem(["activity1", "quiz"]) is None


def test_the_budget_of_the_imagej_track_holds_the_macro_time_limit():
    from outputsaving.classroom.course import extra_seconds

    assert extra_seconds(A1) >= grader.MACRO_TIMEOUT
    assert extra_seconds("activity1") == 0


# -- real ImageJ ---------------------------------------------------------------------


@pytest.mark.imagej
def test_the_template_without_argument_saves_next_to_itself_as_in_fiji(
    imagej, tmp_path
):
    # The macro finds its input next to its file, and writes into output/ there.
    macro = tmp_path / MACRO[A1]
    macro.write_text((REPO / "source" / A1 / SOLUTION[A1]).read_text())
    run = grader.run_macro(
        macro,
        activity=1,
        output_dir=tmp_path / "kept",
        runs=1,
        argument=False,
        timeout=PATIENCE,
    )
    assert run.outcome == "finished", run
    assert sorted(run.written) == ["labels.tif", "results.txt", "rois.zip"]
    assert not run.stray


def _processes_under(folder: Path) -> str:
    """The processes whose command line names ``folder`` (pgrep's lines)."""
    found = subprocess.run(
        ["pgrep", "-a", "-f", str(folder)], capture_output=True, text=True
    )
    return found.stdout.strip()


@pytest.mark.imagej
def test_a_dialog_is_stopped_at_the_time_limit_with_its_whole_process_group(
    imagej, tmp_path, monkeypatch
):
    # ImageJ's folders, named on its command line, in this test's own folder:
    # only this run's processes are looked for (other runs may share the host).
    own = tmp_path / "runs"
    own.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(own))
    macro = tmp_path / "m.ijm"
    macro.write_text('print("start");\nwaitForUser("Click OK");\nprint("end");\n')
    # The grader's own time limit: ImageJ starts and prints well within it, then
    # waits for a click that never comes.
    run = grader.run_macro(macro, activity=1)
    assert run.outcome == "timeout"
    assert "start" in run.log
    assert "end" not in run.log
    wait_until(
        lambda: not _processes_under(own),
        what="ImageJ's process group ended with the time limit",
    )
    (result,) = grader.rerun_task_result("output_folder", run.note(), run.folder)
    text = result.findings[0].message
    assert "did not finish" in text
    assert "waitForUser" in text


@pytest.mark.imagej
def test_a_macro_error_stops_imagej_at_once_and_is_named(imagej, tmp_path):
    if grader.find_imagej().xwininfo is None:
        pytest.skip("needs xwininfo (x11-utils) to see ImageJ's error window")
    macro = tmp_path / "m.ijm"
    macro.write_text('x = (3 + ;\nprint("end");\n')
    run = grader.run_macro(macro, activity=1, timeout=PATIENCE)
    # Stopped at ImageJ's error window: not left waiting for the time limit.
    assert run.outcome == "error"
    assert "Macro Error" in run.windows


_UNDER_LIMITS = """
import resource, sys
sys.path[:0] = {paths!r}
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
from outputsaving.grading import imagej as grader
run = grader.run_macro({macro!r}, activity=1, runs=1, timeout={timeout!r})
print(run.outcome, sorted(run.written), run.log[-300:])
"""


@pytest.mark.imagej
@pytest.mark.linux
def test_imagej_starts_under_the_graders_default_memory_cap(imagej, tmp_path):
    """Java's defaults do not start under RLIMIT_AS = 3 GiB; the grader's do."""
    from outputsaving.classroom.limits import DEFAULT_MEMORY_BYTES

    macro = tmp_path / "m.ijm"
    macro.write_text((REPO / "source" / A1 / SOLUTION[A1]).read_text())
    plain = subprocess.run(
        ["java", "-version"],
        capture_output=True,
        text=True,
        preexec_fn=lambda: __import__("resource").setrlimit(
            __import__("resource").RLIMIT_AS,
            (DEFAULT_MEMORY_BYTES, DEFAULT_MEMORY_BYTES),
        ),
    )
    assert "compressed class space" in plain.stdout + plain.stderr
    script = _UNDER_LIMITS.format(
        paths=[str(REPO)],
        memory=DEFAULT_MEMORY_BYTES,
        macro=str(macro),
        timeout=PATIENCE,
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=2 * PATIENCE,
    )
    assert done.stdout.startswith(
        "finished ['labels.tif', 'results.txt', 'rois.zip']"
    ), done.stdout + done.stderr


# -- the catalogue, graded in one class with the Python track ------------------------


def _outputs(case, folder: Path, solutions: dict) -> dict[str, bytes]:
    """The files of ``output/`` that ``case`` hands in."""
    if case.outputs == "none":
        return {}
    if case.outputs == "solution":
        found = solutions[case.assignment]
    else:
        macro = folder / MACRO[case.assignment]
        macro.write_text(macro_of(case), encoding="utf-8")
        activity = 2 if case.assignment == A2 else 1
        run = grader.run_macro(
            macro,
            activity=activity,
            output_dir=folder / "made",
            runs=2 if case.outputs == "twice" else case.runs,
            argument=False,
            # A safety net: each of these macros ends (or shows its error).
            timeout=PATIENCE,
        )
        found = {n: (folder / "made" / n).read_bytes() for n in run.written}
    kept = {name: data for name, data in found.items() if name not in case.drop}
    return case.files(kept) if case.files is not None else kept


def _solution_outputs(folder: Path) -> dict[str, dict[str, bytes]]:
    out = {}
    for assignment in (A1, A2):
        work = folder / f"solution-{assignment}"
        work.mkdir()
        macro = work / MACRO[assignment]
        macro.write_text(
            (REPO / "source" / assignment / SOLUTION[assignment]).read_text()
        )
        activity = 2 if assignment == A2 else 1
        run = grader.run_macro(
            macro,
            activity=activity,
            output_dir=work / "made",
            runs=1,
            argument=False,
            timeout=PATIENCE,
        )
        assert run.outcome == "finished", run
        out[assignment] = {n: (work / "made" / n).read_bytes() for n in run.written}
    return out


def _notebook(case) -> nbformat.NotebookNode:
    notebook = _release(case.assignment)
    answers = answers_of(case)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers and answers[grade_id] is not None:
            cell.source = answers[grade_id]
    return notebook


@pytest.fixture(scope="module")
def graded(imagej, unsafe, tmp_path_factory):
    """The catalogue and the Python track's solutions, graded in one run."""
    from outputsaving.classroom.engine import grade_class

    work = tmp_path_factory.mktemp("imagej_track")
    course = Course.copy_of_repo(work)
    solutions = _solution_outputs(work)
    for case in CASES:
        folder = work / case.name
        folder.mkdir()
        files = {MACRO[case.assignment]: macro_of(case).encode("utf-8")}
        for name, data in _outputs(case, folder, solutions).items():
            files[f"{grader.OUTPUT_FOLDER}/{name}"] = data
        course.submit(case.name, case.assignment, _notebook(case), files=files)
    for assignment in ("activity1", "activity2"):
        answers = course.solution_answers(assignment)
        notebook = _release(assignment)
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell.source = answers[grade_id]
        course.submit(f"py_{assignment}_solution", assignment, notebook)
    log = io.StringIO()
    result = grade_class(
        course.root, workers=2, unsafe=unsafe, progress=False, stream=log
    )
    outcomes = {(o.student, o.assignment): o for o in result.outcomes}
    table = ["case                      deserved  given"]
    for name in cases_in_table():
        outcome = next(o for (s, _), o in outcomes.items() if s == name)
        given = sum(score for score, _ in outcome.grades.values())
        table.append(f"{name:26} {sum(deserved_scores(name).values()):7g} {given:6g}")
    print("\n".join(table))
    print(log.getvalue()[-3000:])
    return {"course": course, "outcomes": outcomes, "log": log.getvalue()}


def _outcome(graded, name):
    return next(o for (s, _), o in graded["outcomes"].items() if s == name)


def _feedback(graded, name) -> str:
    outcome = _outcome(graded, name)
    folder = graded["course"].root / "feedback" / name / outcome.assignment
    pages = sorted(folder.glob("*.html"))
    assert pages, f"no feedback for {name}"
    return "\n".join(html.unescape(p.read_text(encoding="utf-8")) for p in pages)


@pytest.mark.imagej
@pytest.mark.linux
@pytest.mark.parametrize("name", cases_in_table())
def test_every_case_gets_its_deserved_score_per_test_cell(graded, name):
    outcome = _outcome(graded, name)
    assert outcome.outcome == "graded", outcome.log_line()
    given = {grade_id: score for grade_id, (score, _) in outcome.grades.items()}
    deserved = deserved_scores(name)
    assert set(given) == set(deserved)
    wrong = {g: (given[g], p) for g, p in deserved.items() if given[g] != p}
    assert not wrong, f"{name}: given vs deserved {wrong}\n{outcome.log_line()}"


@pytest.mark.imagej
@pytest.mark.linux
@pytest.mark.parametrize("name", [c.name for c in CASES if c.says])
def test_feedback_names_the_mistake(graded, name):
    text = _feedback(graded, name)
    for words in BY_NAME[name].says:
        assert words in text, f"{name}: {words!r} not in its feedback"


@pytest.mark.imagej
@pytest.mark.linux
@pytest.mark.parametrize("name", [c.name for c in CASES if c.avoids])
def test_feedback_gives_no_wrong_reason(graded, name):
    text = _feedback(graded, name)
    for words in BY_NAME[name].avoids:
        assert words not in text, f"{name}: {words!r} in its feedback"


@pytest.mark.imagej
@pytest.mark.linux
@pytest.mark.parametrize("name", cases_in_table())
def test_only_files_the_macro_does_not_write_are_flagged(graded, name):
    flags = _outcome(graded, name).flags
    flagged = name in BY_NAME and BY_NAME[name].flagged
    assert bool(flags) == flagged, flags


@pytest.mark.imagej
@pytest.mark.linux
def test_feedback_holds_no_hidden_test_and_no_handed_in_file(graded):
    for name in cases_in_table():
        outcome = _outcome(graded, name)
        folder = graded["course"].root / "feedback" / name / outcome.assignment
        names = {p.name for p in folder.iterdir()}
        assert names == {
            *(f"{p.stem}.html" for p in _notebooks(outcome)),
            "timestamp.txt",
        }
        text = _feedback(graded, name)
        assert "BEGIN HIDDEN TESTS" not in text
        assert "grade_rerun_label_mask(" not in text


def _notebooks(outcome) -> list[Path]:
    return sorted((REPO / "source" / outcome.assignment).glob("*.ipynb"))


@pytest.mark.imagej
@pytest.mark.linux
def test_both_tracks_were_graded_in_one_run(graded):
    log = graded["log"]
    assert re.search(r"grading \d+ submission\(s\) of .*activity1_imagej", log)
    assert {a for (_, a) in graded["outcomes"]} >= {"activity1", "activity2", A1, A2}
    # The re-run's evidence: what the macro wrote, in the working copy.
    workdir = graded["course"].root / "autograded" / "ij1_solution" / A1
    runs = sorted((workdir / ".outputsaving-evidence").glob("ij1_run-*"))
    assert runs, "no evidence of the macro's re-run"
    assert any(p.name == "labels.tif" for p in runs[0].iterdir() if p.is_dir() is False)


@pytest.mark.imagej
@pytest.mark.linux
def test_the_edited_macro_is_graded_not_the_template(graded):
    workdir = graded["course"].root / "autograded" / "ij1_mask_jpeg" / A1
    graded_macro = (workdir / MACRO[A1]).read_text()
    assert 'saveAs("Jpeg"' in graded_macro
    assert not list(workdir.glob("*_solution.ijm"))


def test_without_imagej_the_rerun_tests_say_so_and_name_no_mistake(
    monkeypatch, tmp_path
):
    """Plain nbgrader where ImageJ is missing: 0 with a message that says why."""
    from outputsaving import imagej_run

    monkeypatch.setattr(imagej_run, "find_imagej", lambda: None)
    macro = tmp_path / MACRO[A1]
    macro.write_text((REPO / "source" / A1 / SOLUTION[A1]).read_text())
    run = grader.run_macro(macro, activity=1)
    assert run.outcome == "no_imagej"
    (result,) = grader.rerun_task_result("mask", run.note(), run.folder)
    assert result.codes == ["imagej.not_installed"]
    assert "not your mistake" in result.findings[0].message


@pytest.mark.slow
@pytest.mark.linux
def test_grade_refuses_before_it_starts_where_imagej_is_missing(
    monkeypatch, tmp_path, unsafe
):
    from outputsaving import imagej_run
    from outputsaving.classroom.engine import grade_class
    from outputsaving.classroom.outcomes import GradingRefused

    course = Course.copy_of_repo(tmp_path, assignments=["activity1", A1])
    case = BY_NAME["ij1_template"]
    files = {MACRO[A1]: macro_of(case).encode("utf-8")}
    course.submit("learner", A1, _notebook(case), files=files)
    monkeypatch.setattr(imagej_run, "find_imagej", lambda: None)
    with pytest.raises(GradingRefused, match="sudo apt-get install imagej"):
        grade_class(course.root, unsafe=unsafe, progress=False, stream=io.StringIO())
    assert not (course.root / "autograded").exists()


def _files_of(labels, folder: Path) -> None:
    """A count mask TIFF, a tab table and a ROI zip of ``labels``, into ``folder``."""
    import zipfile

    import tifffile

    from outputsaving import rois_from_labels
    from outputsaving.analysis import measure_objects

    folder.mkdir(parents=True)
    tifffile.imwrite(folder / "labels.tif", labels.astype("uint16"))
    measure_objects(labels).to_csv(folder / "results.txt", sep="\t", index=False)
    with zipfile.ZipFile(folder / "rois.zip", "w") as archive:
        for roi in rois_from_labels(labels):
            archive.writestr(f"{roi.name}.roi", roi.tobytes())


def test_a_changed_size_filter_costs_the_objects_once_not_the_saving(tmp_path):
    """Issue 20 §1: files right in form that agree with each other, of 7 objects."""
    import tifffile

    from outputsaving.analysis import segment_shapes

    image = tifffile.imread(data_path(RANDOM_SHAPES))
    labels = segment_shapes(image, min_size=0, max_size=10**9)
    assert labels.max() == 7
    output = tmp_path / "output"
    _files_of(labels, output)
    (tmp_path / MACRO[A1]).write_text(
        (REPO / "source" / A1 / SOLUTION[A1])
        .read_text()
        .replace(
            '"size=" + minSize + "-" + maxSize + " pixel', '"size=0-Infinity pixel'
        )
    )
    note = {"outcome": "finished", "written": ["labels.tif", "results.txt", "rois.zip"]}
    for task, name in (
        ("mask", "labels.tif"),
        ("table", "results.txt"),
        ("rois", "rois.zip"),
    ):
        # The handed-in files: one finding, what differs, in Fiji's terms.
        visible = grader.saved_file_result(task, name, output, variable="X")
        codes = [c for r in visible for c in r.codes]
        assert codes == ["imagej.other_objects"], (task, codes)
        text = visible[-1].findings[0].message
        for words in ("7 objects", "0-1000 px", "1288 px", "size=0-Infinity"):
            assert words in text, (task, text)
        # The re-run judges the saving: the macro's own objects, right in form.
        assert all(r.passed for r in grader.rerun_task_result(task, note, output))
    # An object that is not one whole shape of the input is no count mask of it.
    broken = labels.copy()
    broken[labels == 1] = 2
    _files_of(broken, tmp_path / "broken")
    rerun = grader.rerun_task_result("mask", note, tmp_path / "broken")
    assert not all(r.passed for r in rerun)


def _rerun_text(task: str, note: dict, folder=None) -> str:
    results = grader.rerun_task_result(task, note, folder)
    assert not all(r.passed for r in results)
    return " ".join(f.message for r in results for f in r.findings)


def test_every_reason_of_a_failed_rerun_is_the_true_one(tmp_path):
    """Issue 20 §3, on the run's notes (what real ImageJ gave, see the catalogue)."""
    hints = grader.macro_hints(
        (REPO / "source" / A1 / SOLUTION[A1])
        .read_text()
        .replace(
            "File.makeDirectory(outputDir);",
            'outputDir = "/Users/anna/Desktop/output/";\n'
            "File.makeDirectory(outputDir);",
        )
    )
    # A failing save into a folder of the learner's computer ends ImageJ (exit 0).
    text = _rerun_text("output_folder", {"outcome": "ended", "hints": hints})
    assert "/Users/anna/Desktop/output/" in text
    assert "closed ImageJ" not in text
    # Ended without a quit command and without a path: no invented command.
    text = _rerun_text("mask", {"outcome": "ended", "hints": {}})
    assert "quits" not in text
    assert "folder that does not exist" in text
    # waitForUser is named, with the advice to remove it.
    waits = grader.macro_hints('waitForUser("Check");')
    for windows in ([], ["Action Required"]):
        note = {"outcome": "timeout", "hints": waits, "windows": windows}
        text = _rerun_text("output_folder", note)
        assert "waitForUser" in text
        assert "Remove" in text
        assert "build every path" not in text.lower()
    # An endless loop (no window, nothing asked) is told apart from a dialog.
    text = _rerun_text("output_folder", {"outcome": "timeout", "hints": {}})
    assert "loop" in text
    assert "dialog" not in text
    dialog = grader.macro_hints('d = getDirectory("Choose");')
    note = {"outcome": "timeout", "hints": dialog, "windows": ["Choose"]}
    assert "dialog" in _rerun_text("output_folder", note)
    # getDirectory("home") is no dialog: the folder is named.
    home = grader.macro_hints('o = getDirectory("home") + "output/";')
    text = _rerun_text("output_folder", {"outcome": "finished", "hints": home})
    assert 'getDirectory("home")' in text
    assert "dialog" not in text
    # A cut list of stray files says how many more.
    stray = [f"output/f{i}.tif" for i in range(5)]
    note = {"outcome": "finished", "hints": {}, "stray": stray}
    assert "and 2 more" in _rerun_text("output_folder", note)


def test_the_self_check_says_grading_will_fail_for_what_the_rerun_cannot_do(tmp_path):
    output = tmp_path / "output"
    output.mkdir()
    (output / "labels.tif").write_bytes(b"II*\x00")
    solution = (REPO / "source" / A1 / SOLUTION[A1]).read_text()
    for change, words in (
        ('outputDir = "/Users/anna/Desktop/output/";', "/Users/anna/Desktop/output/"),
        ('outputDir = getDirectory("home");', 'getDirectory("home")'),
        ('waitForUser("Look");', "waitForUser"),
    ):
        macro = tmp_path / MACRO[A1]
        macro.write_text(
            solution.replace("File.makeDirectory", change + "\nFile.makeDirectory")
        )
        (result,) = grader.upload_result(macro, output, activity=1, notes=True)
        assert not result.passed, change
        text = " ".join(f.message for f in result.findings)
        assert "Grading will fail" in text
        assert words in text
    # The visible test itself judges the files only.
    (result,) = grader.upload_result(macro, output, activity=1)
    assert result.passed


# -- Fiji's words (issue 20 §4) -------------------------------------------------------

#: Checker codes that judge no handed-in file of the ImageJ track (the Python
#: track's functions, settings and notebooks).
_PYTHON_ONLY = re.compile(
    r"activity1\.(output_dir|settings|unseen|rerun)|activity2\.(unseen|compare)"
)


def _has_fiji_words(code: str) -> bool:
    from outputsaving.grading import imagej_words

    return (
        code.startswith("imagej.")
        or code in imagej_words.FIJI_WORDING
        or code in imagej_words.FIJI_ADVICE
        or code in imagej_words.REVIEWED
    )


def test_every_checker_code_for_a_handed_in_file_has_fiji_words():
    from outputsaving.messages import MESSAGES

    prefixes = ("labels.", "table.", "rois.", "file.", "activity1.", "activity2.")
    codes = [
        c for c in MESSAGES if c.startswith(prefixes) and not _PYTHON_ONLY.match(c)
    ]
    assert len(codes) > 100
    missing = [c for c in codes if not _has_fiji_words(c)]
    assert not missing, missing


def test_fiji_advice_replaces_the_python_tracks_advice_only():
    from outputsaving.findings import Finding
    from outputsaving.grading import imagej_words
    from outputsaving.messages import MESSAGES

    python_words = ("saving cell", "run the cell", "roifile", "pandas", "function")
    for code, (marker, _advice) in imagej_words.FIJI_ADVICE.items():
        template = MESSAGES[code][1]
        assert template.count(marker) == 1, (code, marker)
        assert template.index(marker) > 10, code  # what was found stays
        finding = Finding(code, "error", template)
        text = imagej_words.fiji_finding(finding).message
        assert text.startswith(template[: template.index(marker)])
        tail = text[template.index(marker) :].lower()
        assert not [w for w in python_words if w in tail], (code, tail)


@pytest.mark.imagej
@pytest.mark.linux
def test_every_code_the_track_shows_over_the_catalogue_has_fiji_words(graded):
    """The codes the ImageJ-track checks emit on every case's files and re-run."""
    import json

    #: The re-run's tasks of each activity.
    rerun_tasks = {
        A1: ("mask", "table", "rois"),
        A2: ("table_csv", "png16", "jpeg", "colour_png", "nuclei"),
    }

    emitted = {}
    for case in CASES:
        work = graded["course"].root / "autograded" / case.name / case.assignment
        tasks = rerun_tasks[case.assignment]
        activity = 2 if case.assignment == A2 else 1
        found = grader.upload_result(
            work / MACRO[case.assignment],
            work / "output",
            activity=activity,
            notes=True,
        )
        for path in sorted((work / "output").glob("*")):
            for task in tasks:
                found += grader.file_result(task, path)
        for note_path in (work / ".outputsaving-evidence").glob("ij*_run-*.json"):
            note = json.loads(note_path.read_text())
            folder = note_path.with_suffix("")
            for task in ("output_folder", *tasks):
                found += grader.rerun_task_result(task, note, folder)
        for result in found:
            for code in result.codes:
                emitted.setdefault(code, case.name)
    assert "labels.binary" in emitted
    assert "table.no_header" in emitted
    missing = {c: n for c, n in emitted.items() if not _has_fiji_words(c)}
    assert not missing, missing


def test_a_wrong_judgement_of_the_colour_png_says_what_its_values_depend_on():
    """Issue 20 §5: in Fiji the colour PNG may show the labels (display range 0-255)."""
    result = grader.format_choice_result(True, fmt="colour_png")
    assert result.codes == ["imagej.choice_colour_png"]
    text = result.findings[0].message
    assert "display range" in text
    assert "above 255" in text
    assert grader.format_choice_result(False, fmt="colour_png").passed
    assert grader.format_choice_result(None, fmt="colour_png").codes == [
        "activity2.choice_missing"
    ]


@pytest.mark.imagej
@pytest.mark.parametrize("assignment", [A1, A2])
def test_the_rehearsal_macro_runs_the_macro_as_the_grader_does(
    imagej, tmp_path, assignment
):
    """Issue 20 §6: rehearse_grading.ijm, released next to the template."""
    released = REPO / "notebooks" / assignment
    assert (released / "rehearse_grading.ijm").is_file()
    for path in released.glob("*.tif"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "rehearse_grading.ijm").write_text(
        (released / "rehearse_grading.ijm").read_text()
    )
    (tmp_path / MACRO[assignment]).write_text(
        (REPO / "source" / assignment / SOLUTION[assignment]).read_text()
    )
    (tmp_path / "rehearsal").mkdir()
    (tmp_path / "rehearsal" / "left_over.txt").write_text("an earlier rehearsal")
    lines = imagej.run_lines((tmp_path / "rehearse_grading.ijm").read_text(), tmp_path)
    made = sorted(p.name for p in (tmp_path / "rehearsal").iterdir())
    # What the grader's run of the same macro writes, and nothing left over.
    run = grader.run_macro(
        tmp_path / MACRO[assignment],
        activity=2 if assignment == A2 else 1,
        output_dir=tmp_path / "graded",
        timeout=PATIENCE,
    )
    assert made == sorted(run.written)
    assert not (tmp_path / "output").exists()
    assert f"Rehearsal done. rehearsal/ holds: {' '.join(made)}" in lines
