"""Red-team catalogue: hostile and broken submissions graded with normal ones.

One :func:`~outputsaving.classroom.engine.grade_class` run, in the real sandbox,
grades a small class: three normal submissions (the quiz's solution, an honest
quiz with two wrong answers, activity 1's solution) and the hostile or broken
ones of :data:`CATALOGUE`. Each must get exactly the score it deserves, with
the reason recorded, and the normal submissions must get the grades they get
when graded alone, in another copy of the course.

The quiz is used wherever an attack needs no file task (it runs in about a
second); activity 1 where it does. Most attacks are an extra cell a learner
added to the notebook: a stopping attack is put after question 1's tests, so
question 1 (3 points) counts and the rest, left unrun, scores 0.
"""

from __future__ import annotations

import copy
import hashlib
import html
import io
import os
import sqlite3
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from answer_catalogue import Q1, Q2, Q3, Q4
from answer_catalogue import QUIZ_RIGHT as RIGHT
from nbgrader_course import REPO, Course, answer_cell, with_answers
from waiting import PATIENCE, processes_with

from outputsaving.classroom.audit import audit_notebook
from outputsaving.classroom.engine import grade_class
from outputsaving.messages import MESSAGES

pytestmark = [pytest.mark.linux, pytest.mark.nbgrader, pytest.mark.sandbox]

QUIZ = "quiz"
A1 = "activity1"
NOTEBOOK = "quiz_output_saving.ipynb"
#: questions 1 and 2 right, 3 and 4 wrong: 4 of 6 points
TWO_WRONG = {
    **RIGHT,
    Q3: "Q3_JPEG_FOR_LABEL_MASKS = True",
    Q4: "Q4_TAB_DELIMITED_FOR_TABLES = False",
}
ALL_WRONG = {
    Q1: 'Q1_OUTPUT_TYPES = "pictures"',
    Q2: 'Q2_FORMAT_PROPERTY = "lossless"',
    Q3: "Q3_JPEG_FOR_LABEL_MASKS = True",
    Q4: "Q4_TAB_DELIMITED_FOR_TABLES = False",
}
#: the last test cell of question 1: stopping attacks go right after it
AFTER_Q1 = "quiz_q1_three_types"
#: Marks the detached daemon's processes: this run's own (other runs of the
#: suite may share the machine).
MARKER = f"redteam-daemon-{uuid.uuid4().hex[:12]}"
#: The budget's floor (seconds): the grader's default. The endless loop costs
#: that much; every honest notebook ends far within it, also on a loaded machine.
TIME_FLOOR = 30.0
NORMAL = {QUIZ: ["q_solution", "q_two_wrong"], A1: ["a1_solution"]}
SOLUTION_TEXT = "### BEGIN SOLUTION"
HIDDEN_TEXT = "### BEGIN HIDDEN TESTS"


def _release(assignment: str) -> nbformat.NotebookNode:
    (path,) = (REPO / "notebooks" / assignment).glob("*.ipynb")
    return nbformat.read(path, as_version=4)


def _with_cell(
    notebook: nbformat.NotebookNode, source: str, *, after: str | None = None
) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with a learner's own code cell added.

    The cell goes after the cell whose grade_id is ``after`` (default: second,
    after the notebook's title).
    """
    notebook = copy.deepcopy(notebook)
    index = 0
    if after is not None:
        index = next(
            i
            for i, cell in enumerate(notebook.cells)
            if cell.metadata.get("nbgrader", {}).get("grade_id") == after
        )
    notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    return notebook


def _quiz(answers: dict[str, str], extra: str | None = None, *, after=None):
    notebook = with_answers(_release(QUIZ), answers)
    return notebook if extra is None else _with_cell(notebook, extra, after=after)


# -- the attacks (code a learner could put in a cell) ----------------------------


def _read_secrets_code(root: Path) -> str:
    targets = [
        root / "source" / QUIZ / NOTEBOOK,
        root / "source" / A1 / "activity1_save_outputs.ipynb",
        root / "gradebook.db",
        root / "nbgrader_config.py",
        root / "submitted" / "q_solution" / QUIZ / NOTEBOOK,
        f"../../../source/{QUIZ}/{NOTEBOOK}",
        "../../../gradebook.db",
        "../../q_solution/quiz/" + NOTEBOOK,
    ]
    return (
        "from pathlib import Path\n"
        f"for target in {[str(t) for t in targets]!r}:\n"
        "    try:\n"
        "        data = Path(target).read_bytes()\n"
        "    except OSError as error:\n"
        "        print('BLOCKED', target, type(error).__name__)\n"
        "    else:\n"
        "        print('READ', target, data[:3000])\n"
        f"found = Path({str(root)!r}).rglob('*.ipynb')\n"
        "print('FOUND', sorted(str(p) for p in found))\n"
    )


def _write_gradebook_code(root: Path) -> str:
    databases = [
        str(root / "gradebook.db"),
        "../../../gradebook.db",
        f"{root}/.outputsaving/scratch/*/gradebook.db",
    ]
    files = [
        str(root / "PWNED.txt"),
        str(root / "source" / QUIZ / "PWNED.txt"),
        "../../../PWNED.txt",
    ]
    return (
        "import glob, sqlite3\n"
        f"for pattern in {databases!r}:\n"
        "    for target in glob.glob(pattern) or [pattern]:\n"
        "        try:\n"
        "            db = sqlite3.connect(f'file:{target}?mode=rw', uri=True)\n"
        "            db.execute('UPDATE grade SET auto_score = 99')\n"
        "            db.execute(\"INSERT INTO student (id) VALUES ('intruder')\")\n"
        "            db.commit()\n"
        "        except Exception as error:\n"
        "            print('BLOCKED', target, type(error).__name__)\n"
        "        else:\n"
        "            print('WROTE', target)\n"
        f"for target in {files!r}:\n"
        "    try:\n"
        "        with open(target, 'w') as handle:\n"
        "            handle.write('pwned')\n"
        "    except OSError as error:\n"
        "        print('BLOCKED', target, type(error).__name__)\n"
        "    else:\n"
        "        print('WROTE', target)\n"
    )


def _runtime_links_code(root: Path) -> str:
    links = {
        "grades.db": str(root / "gradebook.db"),
        "solution.ipynb": str(root / "source" / QUIZ / NOTEBOOK),
        "course_source": "../../../source",
        "output/answers.ipynb": str(root / "source" / QUIZ / NOTEBOOK),
    }
    return (
        "import os\n"
        "os.makedirs('output', exist_ok=True)\n"
        f"for name, target in {links!r}.items():\n"
        "    os.symlink(target, name)\n"
        "print(sorted(os.listdir('.')))\n"
    )


def _swap_notebook_code(target: Path) -> str:
    # nbgrader writes the executed notebook back to this very path after the
    # run: through a link, that write would land on the link's target.
    return (
        "import os\n"
        f"os.remove({NOTEBOOK!r})\n"
        f"os.symlink({str(target)!r}, {NOTEBOOK!r})\n"
    )


def _daemon_code() -> str:
    loop = (
        "import time\n"
        f"# {MARKER}\n"
        "while True:\n"
        "    open('heartbeat.txt', 'a').write(str(time.time()) + chr(10))\n"
        "    time.sleep(0.2)\n"
    )
    return (
        "import os, sys\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        argv = [sys.executable, '-c', {loop!r}, {MARKER!r}]\n"
        "        os.execv(sys.executable, argv)\n"
        "    os._exit(0)\n"
        "os.wait()\n"
        "import time\n"
        "while not (os.path.exists('heartbeat.txt')"
        " and os.path.getsize('heartbeat.txt')):\n"
        "    time.sleep(0.05)\n"
        "print('heartbeat started')\n"
    )


PATCH_MODULES = (
    "import sys, types\n"
    "import outputsaving.grading\n"
    "fake = types.ModuleType('outputsaving.grading.quiz')\n"
    "for name in ('grade_output_types', 'grade_format_property', "
    "'grade_true_false'):\n"
    "    setattr(fake, name, lambda *args, **kwargs: None)\n"
    "sys.modules['outputsaving.grading.quiz'] = fake\n"
    "outputsaving.grading.quiz = fake\n"
)
PATCH_ATTRIBUTES = (
    "from outputsaving.grading import quiz as grader\n"
    "grader.grade_output_types = lambda *args, **kwargs: None\n"
    "grader.grade_format_property = lambda *args, **kwargs: None\n"
    "grader.grade_true_false = lambda *args, **kwargs: None\n"
)
PATCH_A1_CHECKERS = (
    "from outputsaving.grading import activity1 as checks\n"
    "checks.grade_saved_label_mask = lambda *args, **kwargs: None\n"
    "checks.grade_label_mask = lambda *args, **kwargs: None\n"
)
NO_MASK = (
    "def save_label_mask(labels, output_dir):\n"
    "    return Path(output_dir) / 'label_mask.tif'  # never written\n"
)
COPY_INPUT_AS_MASK = (
    "def save_label_mask(labels, output_dir):\n"
    "    # the shipped input image, copied instead of the computed labels\n"
    "    path = Path(output_dir) / 'label_mask.tif'\n"
    "    path.write_bytes(Path(INPUT_PATH).read_bytes())\n"
    "    return path\n"
)


def _edited_tests() -> nbformat.NotebookNode:
    """Question 3's test deleted, question 4's emptied and worth 100 points."""
    notebook = _quiz(TWO_WRONG)
    notebook.cells = [
        c
        for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") != "quiz_q3_jpeg"
    ]
    test = answer_cell(notebook, "quiz_q4_tab")
    test.source = "pass  # always passes"
    test.metadata["nbgrader"]["points"] = 100
    return notebook


def _symlink(folder: Path, name: str, target: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).symlink_to(target)
    (folder / "timestamp.txt").write_text("2026-11-24 10:00:00.000000 UTC\n")


def _build_class(course: Course) -> None:
    """Every submission of the catalogue, in ``course``'s ``submitted/``."""
    root = course.root
    submitted = root / "submitted"
    course.submit("q_solution", QUIZ, course.source_notebook(QUIZ))
    course.submit("q_two_wrong", QUIZ, _quiz(TWO_WRONG))
    course.submit(
        "a1_solution", A1, with_answers(_release(A1), course.solution_answers(A1))
    )

    stop = {
        "endless_loop": "while True:\n    pass\n",
        "memory_bomb": "hog = []\nwhile True:\n    hog.append(bytearray(2**28))\n",
        "os_exit": "import os\nos._exit(0)\n",
        "kill_own_kernel": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
    }
    for name, code in stop.items():
        course.submit(name, QUIZ, _quiz(RIGHT, code, after=AFTER_Q1))
    course.submit(
        "sys_exit",
        QUIZ,
        _quiz({**RIGHT, Q2: RIGHT[Q2] + "\nimport sys\nsys.exit()"}),
    )
    course.submit(
        "enormous_output",
        QUIZ,
        _quiz(RIGHT, "print('x' * 10**8)\nfor i in range(200_000):\n    print(i)"),
    )
    course.submit("edited_tests", QUIZ, _edited_tests())
    course.submit("patch_modules", QUIZ, _quiz(ALL_WRONG, PATCH_MODULES))
    course.submit("patch_attributes", QUIZ, _quiz(ALL_WRONG, PATCH_ATTRIBUTES))
    course.submit("read_secrets", QUIZ, _quiz(TWO_WRONG, _read_secrets_code(root)))
    course.submit(
        "write_gradebook", QUIZ, _quiz(TWO_WRONG, _write_gradebook_code(root))
    )
    course.submit("runtime_links", QUIZ, _quiz(RIGHT, _runtime_links_code(root)))
    course.submit(
        "swap_to_gradebook",
        QUIZ,
        _quiz(RIGHT, _swap_notebook_code(root / "gradebook.db")),
    )
    course.submit(
        "swap_to_source",
        QUIZ,
        _quiz(RIGHT, _swap_notebook_code(root / "source" / QUIZ / NOTEBOOK)),
    )
    course.submit("detached", QUIZ, _quiz(RIGHT, _daemon_code()))

    broken = submitted / "not_json" / QUIZ
    broken.mkdir(parents=True)
    (broken / NOTEBOOK).write_text('{"cells": [', encoding="utf-8")
    (broken / "timestamp.txt").write_text("2026-11-24 10:00:00.000000 UTC\n")
    course.submit("renamed", QUIZ, _quiz(RIGHT), name="my_quiz.ipynb")
    missing = submitted / "missing" / QUIZ
    missing.mkdir(parents=True)
    (missing / "timestamp.txt").write_text("2026-11-24 10:00:00.000000 UTC\n")
    _symlink(
        submitted / "link_to_source" / QUIZ, NOTEBOOK, root / "source" / QUIZ / NOTEBOOK
    )
    linked = course.submit("link_to_gradebook", QUIZ, _quiz(RIGHT))
    (linked / "grades.db").symlink_to(root / "gradebook.db")

    answers = course.solution_answers(A1)
    answers["a1_task2_save_label_mask"] = COPY_INPUT_AS_MASK
    course.submit("a1_copy_input", A1, with_answers(_release(A1), answers))
    answers["a1_task2_save_label_mask"] = NO_MASK
    patched = _with_cell(with_answers(_release(A1), answers), PATCH_A1_CHECKERS)
    course.submit("a1_patch_checkers", A1, patched)


#: student -> (assignment, expected total, the words the reasons/flags hold)
CATALOGUE = {
    "endless_loop": (QUIZ, 3, "classroom.time_budget"),
    "memory_bomb": (QUIZ, 3, "classroom.memory_limit"),
    "os_exit": (QUIZ, 3, "classroom.kernel_died"),
    "kill_own_kernel": (QUIZ, 3, "classroom.kernel_died"),
    "sys_exit": (QUIZ, 5, "classroom.mistake_audit"),
    "enormous_output": (QUIZ, 6, None),
    "edited_tests": (QUIZ, 4, "Test cell quiz_q3_jpeg was missing"),
    "patch_modules": (QUIZ, 0, "it replaces outputsaving.grading.quiz"),
    "patch_attributes": (QUIZ, 0, "grader.grade_output_types"),
    "read_secrets": (QUIZ, 4, None),
    "write_gradebook": (QUIZ, 4, None),
    "runtime_links": (QUIZ, 6, None),
    "swap_to_gradebook": (QUIZ, 6, None),
    "swap_to_source": (QUIZ, 6, None),
    "detached": (QUIZ, 6, None),
    "not_json": (QUIZ, 0, "classroom.notebook_not_json"),
    # a renamed notebook holding the quiz's cells is graded as the quiz (issue 18)
    "renamed": (QUIZ, 6, "so my_quiz.ipynb, which holds that notebook's cells"),
    "missing": (QUIZ, 0, "classroom.notebook_missing"),
    "link_to_source": (QUIZ, 0, "classroom.link_to_course"),
    "link_to_gradebook": (QUIZ, 0, "classroom.link_to_course"),
    "a1_copy_input": (A1, 15, "labels.binary"),
    # every task but the faked mask (task 2, 5 points): the audit re-checked
    # the files and the hidden tests' evidence
    "a1_patch_checkers": (A1, 15, "it replaces checks.grade_saved_label_mask"),
}
EXPECTED_NORMAL = {"q_solution": 6, "q_two_wrong": 4, "a1_solution": 20}


def _scores(course: Course, assignment: str) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            out[submission.student.id] = {
                grade.name: grade.score
                for notebook in submission.notebooks
                for grade in notebook.grades
            }
    return out


def _marker_processes() -> list[str]:
    found = []
    for pid in processes_with(MARKER):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:  # ended meanwhile
            continue
        if b"pytest" not in cmdline:
            found.append(f"{pid}: {cmdline[:200]!r}")
    return found


def _survivors() -> list[str]:
    """The daemon's processes still running, once they had PATIENCE to end.

    The daemon beats forever: if grading did not kill it, it is still there.
    """
    deadline = time.monotonic() + PATIENCE
    while (found := _marker_processes()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def redteam(tmp_path_factory, unsafe):
    """The class graded in one run; the normal submissions graded alone too."""
    folder = tmp_path_factory.mktemp("redteam")
    course = Course.copy_of_repo(folder / "class", assignments=[QUIZ, A1])
    _build_class(course)
    sources = {
        p.relative_to(course.root): (_digest(p), _mode(p))
        for p in (course.root / "source").rglob("*")
        if p.is_file()
    }
    log = io.StringIO()
    start = time.monotonic()
    result = grade_class(
        course.root,
        workers=2,
        unsafe=unsafe,
        time_floor=TIME_FLOOR,
        time_factor=3,
        progress=False,
        stream=log,
    )
    seconds = time.monotonic() - start
    survivors = _survivors()

    alone = Course.copy_of_repo(folder / "alone", assignments=[QUIZ, A1])
    alone.submit("q_solution", QUIZ, alone.source_notebook(QUIZ))
    alone.submit("q_two_wrong", QUIZ, _quiz(TWO_WRONG))
    alone.submit(
        "a1_solution", A1, with_answers(_release(A1), alone.solution_answers(A1))
    )
    grade_class(
        alone.root,
        workers=2,
        unsafe=unsafe,
        time_floor=TIME_FLOOR,
        time_factor=3,
        progress=False,
        feedback=False,
        report=False,
        stream=io.StringIO(),
    )
    print(f"red-team class graded in {seconds:.1f} s")
    return {
        "course": course,
        "alone": alone,
        "result": result,
        "log": log.getvalue(),
        "sources": sources,
        "survivors": survivors,
    }


def _outcome(redteam, student: str):
    (outcome,) = [o for o in redteam["result"].outcomes if o.student == student]
    return outcome


def _outputs(course: Course, student: str, assignment: str = QUIZ) -> str:
    """What the learner's own cells printed (not the graded cells' outputs)."""
    notebook = course.autograded_notebook(student, assignment)
    texts = []
    for cell in notebook.cells:
        if "nbgrader" in cell.metadata:
            continue
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            texts.extend(output.get("traceback", []))
            texts.append(str(output.get("data", {}).get("text/plain", "")))
    return "\n".join(texts)


# -- every submission ----------------------------------------------------------


def test_grading_completes_for_the_whole_class(redteam):
    result = redteam["result"]
    assert not result.failed, [o.error for o in result.failed]
    expected = {*CATALOGUE, *EXPECTED_NORMAL}
    assert sorted(o.student for o in result.outcomes) == sorted(expected)


@pytest.mark.parametrize("student", list(CATALOGUE))
def test_each_hostile_submission_gets_the_score_it_deserves(redteam, student):
    assignment, total, words = CATALOGUE[student]
    outcome = _outcome(redteam, student)
    assert outcome.assignment == assignment
    assert outcome.score == total, (outcome.grades, outcome.reasons, outcome.flags)
    assert outcome.max_score == (6 if assignment == QUIZ else 20)
    grades = _scores(redteam["course"], assignment)[student]
    assert sum(grades.values()) == total
    if words is not None:
        recorded = " ".join([*outcome.reasons, *outcome.flags, *outcome.mistakes])
        assert words in recorded, recorded


@pytest.mark.parametrize("student", list(EXPECTED_NORMAL))
def test_normal_submissions_grade_as_when_graded_alone(redteam, student):
    assignment = QUIZ if student.startswith("q_") else A1
    together = _scores(redteam["course"], assignment)[student]
    alone = _scores(redteam["alone"], assignment)[student]
    assert together == alone
    assert sum(together.values()) == EXPECTED_NORMAL[student]
    assert _outcome(redteam, student).outcome == "graded"
    assert not _outcome(redteam, student).flags


# -- stopped notebooks ---------------------------------------------------------


@pytest.mark.parametrize(
    "student", ["endless_loop", "memory_bomb", "os_exit", "kill_own_kernel"]
)
def test_a_stop_keeps_question_1_and_zeroes_what_did_not_run(redteam, student):
    outcome = _outcome(redteam, student)
    assert outcome.outcome == "stopped"
    code = CATALOGUE[student][2]
    words = MESSAGES[code][1].split("{")[0][:40]
    assert any(words in reason for reason in outcome.reasons)
    grades = _scores(redteam["course"], QUIZ)[student]
    assert {k: v for k, v in grades.items() if not k.startswith("quiz_q1")} == {
        "quiz_q2_format": 0,
        "quiz_q3_jpeg": 0,
        "quiz_q4_tab": 0,
    }


def test_sys_exit_does_not_stop_the_notebook_and_its_answer_is_not_literal(
    redteam,
):
    outcome = _outcome(redteam, "sys_exit")
    assert outcome.outcome == "graded"
    grades = _scores(redteam["course"], QUIZ)["sys_exit"]
    assert grades["quiz_q2_format"] == 0  # not a plain literal answer
    assert grades["quiz_q3_jpeg"] == grades["quiz_q4_tab"] == 1  # ran after it
    notebook = redteam["course"].autograded_notebook("sys_exit", QUIZ)
    outputs = answer_cell(notebook, Q2).outputs
    assert "SystemExit" in [o.get("ename") for o in outputs]


def test_enormous_output_is_cut_and_the_notebook_stays_small(redteam):
    course = redteam["course"]
    path = course.root / "autograded" / "enormous_output" / QUIZ / NOTEBOOK
    assert path.stat().st_size < 10 * 2**20
    assert _outcome(redteam, "enormous_output").outcome == "graded"
    feedback = course.root / "feedback" / "enormous_output" / QUIZ
    assert sum(p.stat().st_size for p in feedback.glob("*.html")) < 20 * 2**20


def test_edited_test_cells_are_restored(redteam):
    grades = _scores(redteam["course"], QUIZ)["edited_tests"]
    assert grades["quiz_q3_jpeg"] == 0
    assert grades["quiz_q4_tab"] == 0
    notebook = redteam["course"].autograded_notebook("edited_tests", QUIZ)
    test = answer_cell(notebook, "quiz_q4_tab")
    assert "grade_true_false" in test.source
    assert test.metadata["nbgrader"]["points"] == 1


@pytest.mark.parametrize("student", ["patch_modules", "patch_attributes"])
def test_patched_graders_are_caught_by_the_audit(redteam, student):
    outcome = _outcome(redteam, student)
    assert any("possible tampering" in flag for flag in outcome.flags)
    for grade_id in ("quiz_q1_one_type", "quiz_q2_format", "quiz_q4_tab"):
        assert any(
            flag.startswith(f"{grade_id}: in-kernel 1/1, audit 0/1")
            for flag in outcome.flags
        ), outcome.flags


# -- isolation -----------------------------------------------------------------


@pytest.mark.usefixtures("sandbox")
def test_the_sandbox_hides_solutions_hidden_tests_and_the_gradebook(redteam):
    text = _outputs(redteam["course"], "read_secrets")
    assert "READ" not in text.replace("BLOCKED", "")
    assert text.count("BLOCKED") == 8
    assert SOLUTION_TEXT not in text
    assert HIDDEN_TEXT not in text
    assert "SQLite format" not in text
    (found,) = [line for line in text.splitlines() if line.startswith("FOUND")]
    assert "source" not in found
    assert "q_solution" not in found


@pytest.mark.usefixtures("sandbox")
def test_the_gradebook_and_course_cannot_be_written(redteam):
    course = redteam["course"]
    text = _outputs(course, "write_gradebook")
    attempts = [line.split() for line in text.splitlines()]
    attempts = [a for a in attempts if a and a[0] in ("BLOCKED", "WROTE")]
    assert len(attempts) == 6, text
    # No gradebook, real or a copy, opens for writing, whoever grades.
    assert all(a[0] == "BLOCKED" for a in attempts if "gradebook.db" in a[1]), text
    if os.geteuid() == 0:
        assert "WROTE" not in text
    # As an ordinary user, the test's course lies under /tmp, where the sandbox
    # has a writable /tmp of its own: a file "written" there or above the
    # working folder lands in the sandbox, never in the course (checked below,
    # on the real files).
    assert not (course.root / "PWNED.txt").exists()
    assert not list(course.root.rglob("PWNED.txt"))
    with sqlite3.connect(course.root / "gradebook.db") as db:
        students = {row[0] for row in db.execute("SELECT id FROM student")}
        over = db.execute(
            "SELECT COUNT(*) FROM grade g JOIN grade_cells c ON g.cell_id = c.id "
            "WHERE g.auto_score > c.max_score"
        ).fetchone()[0]
    assert "intruder" not in students
    assert students == {*CATALOGUE, *EXPECTED_NORMAL}
    assert over == 0


def test_the_course_sources_are_unchanged(redteam):
    course = redteam["course"]
    now = {
        p.relative_to(course.root): (_digest(p), _mode(p))
        for p in (course.root / "source").rglob("*")
        if p.is_file()
    }
    assert now == redteam["sources"]  # content and mode
    with sqlite3.connect(course.root / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # runtime_links links grades.db to the gradebook: nbgrader's permission
    # step (mode 444) must not reach it through the link (issue 25)
    assert _mode(course.root / "gradebook.db") & 0o200, "the gradebook is read-only"


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o7777


@pytest.mark.parametrize(
    "student", ["link_to_source", "link_to_gradebook", "not_json", "missing"]
)
def test_refused_submissions_are_not_run_and_get_feedback_saying_why(redteam, student):
    course = redteam["course"]
    outcome = _outcome(redteam, student)
    assert outcome.outcome == "refused"
    assert set(_scores(course, QUIZ)[student].values()) == {0}
    assert not (course.root / "autograded" / student).exists()
    words = MESSAGES[CATALOGUE[student][2]][1].split("{")[0][:25]
    assert any(words in reason for reason in outcome.reasons), outcome.reasons
    (page,) = (course.root / "feedback" / student / QUIZ).glob("*.html")
    assert page.name == NOTEBOOK.replace(".ipynb", ".html")
    assert page in redteam["result"].feedback
    text = html.unescape(page.read_text(encoding="utf-8"))
    assert "was not graded" in text
    assert words in text
    _feedback_is_clean(page.parent)


def _feedback_is_clean(folder: Path) -> None:
    for path in folder.rglob("*"):
        assert not path.is_symlink(), path
        if path.is_file():
            content = path.read_bytes()
            assert b"SQLite format" not in content
            assert SOLUTION_TEXT.encode() not in content
            assert HIDDEN_TEXT.encode() not in content
            assert b"grade_true_false(" not in content  # a hidden test's source


def test_links_made_while_running_never_reach_the_course(redteam):
    """The graded folder comes back as regular files: links stay in the worker."""
    course = redteam["course"]
    log = redteam["log"]
    (line,) = [
        line for line in log.splitlines() if line.startswith("runtime_links/quiz:")
    ]
    assert "not kept from the graded folder" in line
    assert "grades.db" in line
    autograded = course.root / "autograded" / "runtime_links" / QUIZ
    assert not [path for path in autograded.rglob("*") if path.is_symlink()]
    assert not (autograded / "grades.db").exists()
    # So the learner gets feedback, with nothing of the instructor's in it.
    feedback = course.root / "feedback" / "runtime_links" / QUIZ
    assert (feedback / "quiz_output_saving.html").is_file()
    _feedback_is_clean(feedback)


@pytest.mark.parametrize("student", ["swap_to_gradebook", "swap_to_source"])
def test_a_notebook_swapped_for_a_link_is_written_as_a_file(redteam, student):
    course = redteam["course"]
    executed = course.root / "autograded" / student / QUIZ / NOTEBOOK
    assert not executed.is_symlink()
    assert nbformat.read(executed, as_version=4).cells
    feedback = course.root / "feedback" / student / QUIZ
    assert (feedback / "quiz_output_saving.html").is_file()
    _feedback_is_clean(feedback)


@pytest.mark.usefixtures("sandbox")
def test_a_detached_process_does_not_outlive_grading(redteam):
    assert redteam["survivors"] == []
    assert "heartbeat started" in _outputs(redteam["course"], "detached")
    heartbeat = redteam["course"].root / "autograded/detached" / QUIZ / "heartbeat.txt"
    assert heartbeat.is_file()
    size = heartbeat.stat().st_size
    time.sleep(0.5)  # no daemon is left (above): nothing may beat any more
    assert heartbeat.stat().st_size == size


# -- activity 1 ------------------------------------------------------------------


def test_a_copied_input_image_fails_the_mask_audit(redteam):
    outcome = _outcome(redteam, "a1_copy_input")
    assert outcome.outcome == "graded"
    assert "labels.binary" in outcome.mistakes  # what the learner is told
    grades = _scores(redteam["course"], A1)["a1_copy_input"]
    assert grades["a1_task2_mask_lossless_visible"] == 0
    assert grades["a1_task2_mask_fresh_folder_hidden"] == 0
    alone = _scores(redteam["alone"], A1)["a1_solution"]
    others = {k: v for k, v in grades.items() if not k.startswith("a1_task2")}
    assert others == {k: v for k, v in alone.items() if not k.startswith("a1_task2")}
    executed = redteam["course"].autograded_notebook("a1_copy_input", A1)
    workdir = redteam["course"].root / "autograded" / "a1_copy_input" / A1
    audited = audit_notebook(A1, executed, workdir)
    assert audited.verdicts["a1_task2_mask_lossless_visible"] is False
    assert audited.verdicts["a1_task2_mask_fresh_folder_hidden"] is False
    assert "label mask" in audited.messages["a1_task2_mask_lossless_visible"]
    assert audited.verdicts["a1_task3_table_tab_visible"] is True


def test_the_log_names_every_submission_once(redteam):
    log = redteam["log"]
    for student in [*CATALOGUE, *EXPECTED_NORMAL]:
        lines = [line for line in log.splitlines() if line.split()[:1] == [student]]
        assert len(lines) == 1, (student, lines)


def test_patched_file_checkers_score_what_the_audit_sees(redteam):
    outcome = _outcome(redteam, "a1_patch_checkers")
    grades = _scores(redteam["course"], A1)["a1_patch_checkers"]
    assert grades["a1_task2_mask_lossless_visible"] == 0
    assert grades["a1_task2_mask_fresh_folder_hidden"] == 0
    hidden = [k for k in grades if k.endswith("_hidden") and "task2" not in k]
    assert all(grades[k] > 0 for k in hidden)  # re-checked from their evidence
    assert any(
        flag.startswith("a1_task2_mask_lossless_visible: in-kernel 2/2, audit 0/2")
        for flag in outcome.flags
    ), outcome.flags


def test_exports_list_every_student(redteam):
    exports = redteam["result"].exports
    text = exports["grades_tsv"].read_text(encoding="utf-8")
    for student in [*CATALOGUE, *EXPECTED_NORMAL]:
        assert f"\n{student}\t" in text
