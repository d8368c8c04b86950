"""The course in JupyterLab, used the way a person uses it, in a real browser.

JupyterLab runs on localhost (a free port, a token) in a throwaway copy of the
course, with Jupyter's config, data and runtime folders in a temporary folder;
Playwright drives Debian's Chromium (``executable_path``; never
``playwright install``) with its background networking off. A learner types
answers into activity 1, runs all cells, reads the self-checks and presses
nbgrader's Validate, with right answers and with one wrong answer; an
instructor opens the formgrader on a small autograded class; a learner fetches
and submits activity 1 from the assignment list (nbgrader's exchange is the
course's ``exchange/`` folder, set in ``nbgrader_config.py``).

Screenshots go to ``test-artifacts/browser/`` (ignored by git), with the
JupyterLab log.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbgrader_course import (
    REPO,
    Course,
    environment,
    with_answers,
)
from waiting import PATIENCE

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "test-artifacts" / "browser"
ASSIGNMENT = "activity1"
NOTEBOOK = "activity1_save_outputs.ipynb"
ACTIVITY2 = "activity2"
NOTEBOOKS = {
    ASSIGNMENT: NOTEBOOK,
    ACTIVITY2: "activity2_customise_saving.ipynb",
    "quiz": "quiz_output_saving.ipynb",
}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Playwright's bound on each wait for an element or a state: a safety net (a
#: Run All or a Validate on a loaded machine may take minutes).
TIMEOUT_MS = int(2 * PATIENCE * 1000)
VIEWPORT = {"width": 1400, "height": 900}
TABLE_CELL = "a1_task3_save_table"
TABLE_COMMA = (
    "def save_table(table, output_dir):\n"
    '    path = Path(output_dir) / "results.csv"\n'
    "    table.to_csv(path, index=False)\n"
    "    return path\n"
)
COMMA_MESSAGE = "separated by commas, but tabs were expected"
ROIS_CELL = "a1_task4_save_rois"
SUMMARY_ROIS = "1 of 5 checks fails: task 4. It is shown below, with its message."
#: The first and last words of that message (it is wrapped across lines).
COMMA_START = "Your table's columns are separated by commas"
COMMA_END = "again as tab-delimited text."
#: Validate's first line for that table (issue 21 §3).
SUMMARY_ONE = "1 of 5 checks fails: task 3. It is shown below, with its message."
# The small class of the formgrader test: id -> (first name, last name, answers).
CLASS = {
    "ada": ("Ada", "Lovelace", "solution"),
    "grace": ("Grace", "Hopper", "table_comma"),
    "alan": ("Alan", "Turing", "untouched"),
}
EXPECTED_SCORES = {"ada": "20 / 20", "grace": "16 / 20", "alan": "0 / 20"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the course, JupyterLab and the browser -------------------------------------


@pytest.fixture(scope="module")
def course(tmp_path_factory, chromium) -> Course:
    """Activity 1 generated and released; a class of three, autograded."""
    from nbgrader.api import Gradebook

    course = Course.copy_of_repo(
        tmp_path_factory.mktemp("lab"), assignments=[ASSIGNMENT, ACTIVITY2, "quiz"]
    )
    course.generate(ASSIGNMENT)
    course.generate(ACTIVITY2)
    course.generate("quiz")
    course.nbgrader("release_assignment", ASSIGNMENT)
    student = course.student_notebook(ASSIGNMENT)
    solution = course.solution_answers(ASSIGNMENT)
    answers = {
        "solution": solution,
        "table_comma": {**solution, TABLE_CELL: TABLE_COMMA},
        "untouched": {},
    }
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gradebook:
        for student_id, (first, last, _) in CLASS.items():
            gradebook.update_or_create_student(
                student_id, first_name=first, last_name=last
            )
    for student_id, (_, _, kind) in CLASS.items():
        course.submit(student_id, ASSIGNMENT, with_answers(student, answers[kind]))
    course.autograde(ASSIGNMENT)
    return course


class Lab:
    """A JupyterLab server on localhost, serving a course folder."""

    def __init__(self, root: Path, folder: Path) -> None:
        self.root = root
        self.port = _free_port()
        self.token = os.urandom(16).hex()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "jupyterlab.log"
        env = environment()
        for name in ("config", "data", "runtime", "ipython"):
            (folder / name).mkdir()
        env["JUPYTER_CONFIG_DIR"] = str(folder / "config")
        env["JUPYTER_DATA_DIR"] = str(folder / "data")
        env["JUPYTER_RUNTIME_DIR"] = str(folder / "runtime")
        env["IPYTHONDIR"] = str(folder / "ipython")
        # No news or update checks (no internet; no pop-up over the page).
        settings = (
            folder / "config/lab/user-settings/@jupyterlab/apputils-extension"
        ) / "notification.jupyterlab-settings"
        settings.parent.mkdir(parents=True)
        settings.write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={root}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command, cwd=root, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def wait_until_ready(self, timeout: float = 2 * PATIENCE) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"JupyterLab stopped:\n{self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(
                    f"{self.url}/api/status?token={self.token}", timeout=2
                ) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        pytest.fail(f"JupyterLab did not answer:\n{self.log_path.read_text()}")

    def address(self, workspace: str, path: str = "") -> str:
        """The address of ``path`` (``tree/<file>``) in a new, empty workspace.

        Each test has its own workspace, so tabs from an earlier test are not
        restored.
        """
        return f"{self.url}/lab/workspaces/{workspace}/{path}?token={self.token}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.log_path, ARTIFACTS / "jupyterlab.log")


@pytest.fixture(scope="module")
def lab(course, tmp_path_factory):
    """JupyterLab started in the course, as `make lab` starts it."""
    server = Lab(course.root, tmp_path_factory.mktemp("jupyter"))
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):
    """Debian's Chromium under Playwright, with a fresh profile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(chromium),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport=VIEWPORT,
        )
        yield context
        context.close()


@pytest.fixture
def page(browser, request):
    """A new tab; its last view is saved as ``<test name>-last.png``."""
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    _screenshot(page, f"{request.node.name}-last")
    page.close()


def _screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


# -- a learner's actions in JupyterLab ----------------------------------------


def _learner_copy(course: Course, name: str, assignment: str = ASSIGNMENT) -> str:
    """A fresh copy of the student version in its own folder; its lab path."""
    notebook = NOTEBOOKS[assignment]
    folder = course.root / "learners" / name / assignment
    folder.mkdir(parents=True)
    shutil.copy2(course.root / "release" / assignment / notebook, folder / notebook)
    return f"learners/{name}/{assignment}/{notebook}"


def _open_notebook(page, lab: Lab, path: str, notebook: nbformat.NotebookNode):
    """Open a notebook; wait for every cell and an idle kernel; return the cells."""
    page.goto(
        lab.address(path.replace("/", "-").removesuffix(".ipynb"), f"tree/{path}")
    )
    cells = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell")
    page.wait_for_function(
        "n => document.querySelectorAll("
        "'.jp-NotebookPanel .jp-Notebook .jp-Cell').length === n",
        arg=len(notebook.cells),
    )
    page.wait_for_function(
        "() => document.querySelector('.jp-NotebookPanel-toolbar "
        "[data-jp-item-name=executionProgress]')?.textContent.includes('Idle')"
    )
    return cells


def _type_into_cell(page, cell, code: str) -> None:
    """Click the cell's editor, select all and type ``code`` over it."""
    editor = cell.locator(".cm-content")
    editor.scroll_into_view_if_needed()
    editor.click()
    page.keyboard.press("Control+a")
    # One insertion, as a paste: no auto-indent or closing brackets added.
    page.keyboard.insert_text(code)
    typed = editor.evaluate(
        "e => [...e.querySelectorAll('.cm-line')].map(l => l.textContent).join('\\n')"
    )
    assert typed == code


def _last_code_cell(notebook: nbformat.NotebookNode) -> int:
    """The index of the last cell with code (not only comments): it runs last."""
    return max(
        i
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        and any(
            line.strip() and not line.strip().startswith("#")
            for line in cell.source.splitlines()
        )
    )


def _run_all(page, notebook: nbformat.NotebookNode | None = None) -> None:
    """Run > Run All Cells; wait until the run has started and stopped.

    JupyterLab sends the cells one at a time (those not sent yet show no
    ``*``): with ``notebook``, wait until its last cell with code has run.
    """
    before = page.evaluate(
        "() => Math.max(0, ...[...document.querySelectorAll("
        "'.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')]"
        ".map(p => parseInt((p.textContent.match(/\\d+/) || ['0'])[0])))"
    )
    page.locator(".lm-MenuBar-item", has_text="Run").click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    # The first code cell ran in this run, and no cell is queued or running.
    page.wait_for_function(
        "before => { const prompts = [...document.querySelectorAll("
        "'.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')];"
        " const first = parseInt((prompts[0].textContent.match(/\\d+/) || ['0'])[0]);"
        " return first > before && prompts.every(p => !p.textContent.includes('*')); }",
        arg=before,
    )
    if notebook is not None:
        page.wait_for_function(
            "index => { const cells = document.querySelectorAll("
            "'.jp-NotebookPanel .jp-Notebook .jp-Cell');"
            " const prompt = cells[index].querySelector('.jp-InputPrompt');"
            " const text = prompt.textContent;"
            " return /\\d/.test(text) && !text.includes('*'); }",
            arg=_last_code_cell(notebook),
        )
        page.wait_for_function(
            "() => document.querySelector('.jp-NotebookPanel-toolbar "
            "[data-jp-item-name=executionProgress]')?.textContent.includes('Idle')"
        )


def _show(page, cell) -> None:
    """Scroll until ``cell`` is in view and drawn (for a screenshot).

    Cells out of view are laid out with estimated heights, so one scroll may
    land short: scroll again until the cell stays in the viewport.
    """
    for _ in range(20):
        cell.scroll_into_view_if_needed()
        page.wait_for_timeout(150)
        box = cell.bounding_box()
        bottom = VIEWPORT["height"]
        if box and box["y"] >= 0 and box["y"] + min(box["height"], 200) <= bottom:
            break
    page.wait_for_timeout(300)


def _output_text(cell) -> str:
    # textContent, not innerText: cells scrolled out of view are not rendered.
    return cell.locator(".jp-OutputArea").text_content()


def _open_validate(page):
    """Press nbgrader's Validate; return the result dialog, as it first shows."""
    page.locator(".jp-NotebookPanel-toolbar [data-jp-item-name=runAll]").get_by_text(
        "Validate"
    ).click()
    dialog = page.locator(".jp-Dialog", has_text="Validation Results")
    dialog.wait_for()
    return dialog


def _message_layout(dialog, fragments: list[str]) -> dict:
    """Where the dialog shows each text fragment, and what overflows sideways.

    ``visible``: per fragment, whether its text lies inside the dialog's
    content box and the window, with nothing scrolled. ``overflowing``: the
    elements of the dialog whose content is wider than their box.
    """
    return dialog.evaluate(
        """(dialog, fragments) => {
            const content = dialog.querySelector('.jp-Dialog-content') || dialog;
            const box = content.getBoundingClientRect();
            const walker = document.createTreeWalker(dialog, NodeFilter.SHOW_TEXT);
            const nodes = [];
            while (walker.nextNode()) nodes.push(walker.currentNode);
            const visible = fragments.map(fragment => {
                const node = nodes.find(n => n.textContent.includes(fragment));
                if (!node) return false;
                const range = document.createRange();
                const start = node.textContent.indexOf(fragment);
                range.setStart(node, start);
                range.setEnd(node, start + fragment.length);
                return [...range.getClientRects()].every(r =>
                    r.top >= box.top && r.bottom <= box.bottom &&
                    r.left >= box.left && r.right <= box.right &&
                    r.bottom <= window.innerHeight);
            });
            const overflowing = [...dialog.querySelectorAll('*')]
                .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
                .map(e => e.tagName + '.' + e.className);
            return {visible, overflowing};
        }""",
        fragments,
    )


def _validate(page) -> str:
    """Press nbgrader's Validate; return the result dialog's text."""
    page.locator(".jp-NotebookPanel-toolbar [data-jp-item-name=runAll]").get_by_text(
        "Validate"
    ).click()
    dialog = page.locator(".jp-Dialog", has_text="Validation Results")
    dialog.wait_for()
    # Show the end of each error, where the test's message is.
    dialog.locator("*").evaluate_all(
        "elements => elements.filter(e => e.scrollHeight > e.clientHeight)"
        ".forEach(e => { e.scrollTop = e.scrollHeight; })"
    )
    return dialog.inner_text()


def _cell_index(notebook: nbformat.NotebookNode, *, grade_id=None, cell_id=None):
    for index, cell in enumerate(notebook.cells):
        meta = cell.metadata.get("nbgrader", {})
        if (grade_id and meta.get("grade_id") == grade_id) or cell.id == cell_id:
            return index
    msg = f"no cell {grade_id or cell_id!r}"
    raise KeyError(msg)


def _answer_and_run(page, lab, course, name: str, answers: dict[str, str]):
    """Open a fresh student copy, type the answers, run all; return the cells."""
    student = course.student_notebook(ASSIGNMENT)
    cells = _open_notebook(page, lab, _learner_copy(course, name), student)
    for grade_id, code in answers.items():
        cell = cells.nth(_cell_index(student, grade_id=grade_id))
        assert "YOUR CODE HERE" in cell.locator(".cm-content").text_content()
        _type_into_cell(page, cell, code)
    _run_all(page, student)
    checks = {
        task: cells.nth(_cell_index(student, cell_id=f"task{task}-selfcheck"))
        for task in range(1, 6)
    }
    return cells, checks


# -- tests ------------------------------------------------------------------------


def test_learner_answers_runs_all_and_validates(page, lab, course):
    answers = course.solution_answers(ASSIGNMENT)
    cells, checks = _answer_and_run(page, lab, course, "correct", answers)
    verdicts = {task: _output_text(cell) for task, cell in checks.items()}
    assert verdicts == {
        1: "Your output folder passes.\n",
        2: "Your label mask passes.\n",
        3: "Your results table passes.\n",
        4: "Your ROI set passes.\n",
        5: "Your settings file passes.\n",
    }
    assert (
        cells.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    )
    # Screenshots for the README: no solution code in view.
    _show(page, checks[5])
    _screenshot(page, "activity1-selfchecks-pass")
    _show(page, cells.first)
    result = _validate(page)
    _screenshot(page, "activity1-validate-success")
    assert "Success! Your notebook passes all the tests." in result
    assert page.locator(".jp-Dialog .validation-success").count() == 1


def test_learner_sees_the_message_for_a_comma_separated_table(page, lab, course):
    answers = {**course.solution_answers(ASSIGNMENT), TABLE_CELL: TABLE_COMMA}
    _, checks = _answer_and_run(page, lab, course, "table_comma", answers)
    assert _output_text(checks[2]) == "Your label mask passes.\n"
    verdict = _output_text(checks[3])
    assert verdict.startswith("Your results table does not pass yet:")
    assert COMMA_MESSAGE in verdict
    _show(page, checks[3])
    _screenshot(page, "activity1-selfcheck-table-comma")
    checks[3].screenshot(
        path=str(ARTIFACTS / "activity1-selfcheck-table-comma-cell.png")
    )

    dialog = _open_validate(page)
    layout = _message_layout(dialog, [COMMA_START, COMMA_END])
    _screenshot(page, "activity1-validate-table-comma")
    result = " ".join(dialog.inner_text().split())
    assert "Success" not in result
    # Issue 21 §3: one summary line first (the course's server extension),
    # drawn without nbgrader's heading and empty code box above it.
    assert result.startswith(f"Validation Results {SUMMARY_ONE}"), result[:300]
    assert result.count("The following cell failed:") == 1
    assert page.locator(".jp-Dialog .validation-failed").count() == 1
    assert COMMA_MESSAGE in result
    # What a person sees: the whole message, in view without scrolling, no
    # line running out of its box sideways, and no frame of the grading code.
    assert layout["visible"] == [True, True], layout
    assert layout["overflowing"] == [], layout
    assert "outputsaving/" not in result
    assert "Traceback" not in result
    # The failing test is the table's; the solution code is not shown.
    assert "grade_saved_table" in result
    assert 'sep="\\t"' not in result


def test_instructor_sees_the_class_in_the_formgrader(page, lab, course):
    page.goto(lab.address("formgrader"))
    page.locator(".lm-MenuBar-item", has_text="Nbgrader").click()
    page.locator('.lm-Menu-item[data-command="nbgrader:open-formgrader"]').click()
    formgrader = page.frame_locator("iframe")
    row = formgrader.locator("tr", has_text=ASSIGNMENT)
    row.locator("td.status", has_text="released").wait_for()
    assert "does not exist" not in formgrader.locator("body").inner_text()
    _screenshot(page, "formgrader-assignments")

    row.get_by_role("link", name=str(len(CLASS))).click()
    formgrader.locator("h1", has_text="Manage Submissions").wait_for()
    for student_id in CLASS:
        formgrader.locator("tr", has_text=student_id).wait_for()
    _screenshot(page, "formgrader-activity1-submissions")
    for student_id, (first, last, _) in CLASS.items():
        text = formgrader.locator("tr", has_text=student_id).inner_text()
        assert f"{last}, {first}" in text
        assert EXPECTED_SCORES[student_id] in text


def test_learner_fetches_from_the_assignment_list(page, lab, course):
    page.goto(lab.address("assignment-list"))
    page.locator(".lm-MenuBar-item", has_text="Nbgrader").click()
    page.locator('.lm-Menu-item[data-command="nbgrader:open-assignment-list"]').click()
    released = page.locator("#released_assignments_list")
    released.get_by_text(ASSIGNMENT).wait_for()
    _screenshot(page, "assignment-list-released")
    released.get_by_role("button", name="Fetch").click()
    fetched = page.locator("#fetched_assignments_list")
    link = fetched.locator(".assignment-notebooks-link", has_text=ASSIGNMENT)
    link.click()
    fetched.get_by_text(NOTEBOOK.removesuffix(".ipynb")).wait_for()
    _screenshot(page, "assignment-list-fetched")
    # nbgrader_config.py: fetched into <folder>/output-saving/<assignment>/.
    assert (course.root / "output-saving" / ASSIGNMENT / NOTEBOOK).is_file()

    fetched.get_by_role("button", name="Submit").click()
    submitted = page.locator("#submitted_assignments_list")
    submitted.get_by_text(ASSIGNMENT).first.wait_for()
    _screenshot(page, "assignment-list-submitted")
    inbound = course.root / "exchange" / "output-saving" / "inbound"
    assert [p.name.split("+")[1] for p in inbound.iterdir()] == [ASSIGNMENT]


@pytest.mark.parametrize("assignment", [ASSIGNMENT, ACTIVITY2])
def test_run_all_on_an_untouched_notebook_goes_to_the_end(
    page, lab, course, assignment
):
    """No traceback; the analysis figure shows; every self-check says something."""
    student = course.student_notebook(assignment)
    path = _learner_copy(course, f"untouched-{assignment}", assignment)
    cells = _open_notebook(page, lab, path, student)
    _run_all(page, student)
    code = [  # cells with code (a hidden test's cell holds only its comment)
        i
        for i, cell in enumerate(student.cells)
        if cell.cell_type == "code"
        and any(
            line.strip() and not line.strip().startswith("#")
            for line in cell.source.splitlines()
        )
    ]
    prompts = [cells.nth(i).locator(".jp-InputPrompt").text_content() for i in code]
    assert all(any(ch.isdigit() for ch in p) for p in prompts), prompts  # all ran
    outputs = cells.locator(".jp-OutputArea").all_text_contents()
    assert not [o for o in outputs if "Traceback" in o or "NameError" in o]
    assert cells.locator(".jp-RenderedImage img").count() >= 1  # the figure
    checks = [
        i
        for i, cell in enumerate(student.cells)
        if cell.cell_type == "code" and cell.source.startswith("selfcheck.")
    ]
    assert checks
    for index in checks:
        text = _output_text(cells.nth(index))
        assert "not done yet" in text or "not answered" in text, text
    _show(page, cells.nth(checks[0]))
    _screenshot(page, f"{assignment}-untouched-run-all")


def test_formgrader_releases_what_is_generated_not_what_was_tried(page, lab, course):
    """An instructor tried the quiz in ``make lab``: the class never gets that."""
    tried = course.root / "notebooks" / "quiz"
    tried.mkdir(parents=True)
    notebook = course.source_notebook("quiz")
    notebook.cells.insert(0, nbformat.v4.new_markdown_cell("TRIED IN MAKE LAB"))
    nbformat.write(notebook, tried / NOTEBOOKS["quiz"])
    (tried / "output").mkdir()
    (tried / "output" / "scratch.txt").write_text("from a try", encoding="utf-8")

    page.goto(lab.address("formgrader-release"))
    page.locator(".lm-MenuBar-item", has_text="Nbgrader").click()
    page.locator('.lm-Menu-item[data-command="nbgrader:open-formgrader"]').click()
    formgrader = page.frame_locator("iframe")
    row = formgrader.locator("tr", has_text="quiz")
    row.locator("td.assign a").click()  # generate the student version
    formgrader.locator(".modal-title", has_text="Success").wait_for()
    formgrader.locator(".modal-footer button").first.click()
    row.locator("td.release a").click()
    row.locator("td.status", has_text="released").wait_for()
    _screenshot(page, "formgrader-quiz-released")

    outbound = course.root / "exchange" / "output-saving" / "outbound" / "quiz"
    released = sorted(p.relative_to(outbound).as_posix() for p in outbound.rglob("*"))
    assert released == [NOTEBOOKS["quiz"]]
    text = (outbound / NOTEBOOKS["quiz"]).read_text(encoding="utf-8")
    assert "TRIED IN MAKE LAB" not in text
    assert "BEGIN SOLUTION" not in text


#: Wrong answers to the quiz, in a form that can be graded (issue 21 §1).
QUIZ_WRONG = {
    "quiz_q2_answer": 'Q2_FORMAT_PROPERTY = "lossless"',
    "quiz_q3_answer": "Q3_JPEG_FOR_LABEL_MASKS = True",
}
#: What the quiz says where the learner answers and before Validate.
QUIZ_NOTE = (
    'its "Success!" means that your answers can be graded, not that they are right'
)
JUDGED_LATER = "judged after you hand in the notebook"


def test_quiz_says_that_validate_success_is_not_right_answers(page, lab, course):
    """Wrong answers pass Validate: the quiz says so before and in the self-check."""
    student = course.student_notebook("quiz")
    path = _learner_copy(course, "quiz-wrong", "quiz")
    cells = _open_notebook(page, lab, path, student)
    for grade_id, answer in QUIZ_WRONG.items():
        cell = cells.nth(_cell_index(student, grade_id=grade_id))
        placeholder = cell.locator(".cm-content").text_content()
        assert "YOUR CODE HERE" in placeholder
        name = answer.split(" = ")[0]
        _type_into_cell(page, cell, f"{name} = None\n{answer}")
    _run_all(page, student)
    intro = cells.nth(0).locator(".jp-RenderedMarkdown").text_content()
    assert QUIZ_NOTE in " ".join(intro.split())
    for grade_id in QUIZ_WRONG:
        question = grade_id.split("_")[1]
        check = cells.nth(_cell_index(student, cell_id=f"quiz-{question}-selfcheck"))
        verdict = " ".join(_output_text(check).split())
        assert "can be graded" in verdict, verdict
        assert JUDGED_LATER in verdict, verdict
    _show(page, cells.first)
    _screenshot(page, "quiz-before-validate")
    result = _validate(page)
    # nbgrader's dialog says "Success!" for wrong answers: the note above, in
    # view as the learner presses Validate, says what it means.
    assert "Success! Your notebook passes all the tests." in result
    _screenshot(page, "quiz-validate-wrong-answers")
    page.keyboard.press("Escape")
    check = cells.nth(_cell_index(student, cell_id="quiz-q3-selfcheck"))
    _show(page, check)
    _screenshot(page, "quiz-selfcheck-judged-later")


# -- Run All past a learner's mistake (issue 21 §2) ---------------------------------

#: A raising answer in each task: the functions raise where a given cell calls them.
A1_RAISING = {
    # The output folder is never made: every saving function raises.
    "a1_task1_output_dir": (
        'from pathlib import Path\n\nOUTPUT_DIR = Path("not_made_yet")'
    ),
}
A2_RAISING = {
    "a2_task2_save_table_csv": (
        "def save_table_csv(table, output_dir):\n"
        '    path = Path(output_dir) / "results.csv"\n'
        '    table.to_csv(path, sep=",,", index=False)\n'
        "    return path"
    ),
    "a2_task3_save_mask_formats": (
        "def save_mask_png16(labels, output_dir):\n"
        '    path = Path(output_dir) / "label_mask_16bit"\n'
        "    Image.fromarray(labels.astype(np.uint16)).save(path)\n"
        "    return path\n\n\n"
        "def save_mask_jpeg(labels, output_dir):\n"
        '    path = Path(output_dir) / "label_mask.jpg"\n'
        "    Image.fromarray(labels.astype(np.uint8)).save(path)\n"
        "    return path\n\n\n"
        "def save_mask_colour_png(labels, output_dir):\n"
        '    path = Path(output_dir) / "label_mask_colour.png"\n'
        "    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)\n"
        '    ax.imshow(labels, cmap="okabe_ito")\n'
        "    fig.savefig(path)\n"
        "    plt.close(fig)\n"
        "    return path"
    ),
    "a2_task4_compare_labels": (
        "def compare_labels(original, reread):\n"
        "    counts = {}\n"
        '    counts["values_before"] += len(np.unique(original))\n'
        "    return counts"
    ),
    "a2_task6_save_nuclei_mask": (
        "def save_nuclei_mask(labels, output_dir):\n"
        '    path = Path(output_dir) / "nuclei_labels"\n'
        "    Image.fromarray(labels.astype(np.uint16)).save(path)\n"
        "    return path"
    ),
}
#: Issue 21 §3: a judgement the course does not read as yes or no.
A2_RAISING["a2_task5_format_choices"] = (
    "PNG16_GOOD_FOR_LABELS = True\n"
    'JPEG_GOOD_FOR_LABELS = "nope"\n'
    "COLOUR_PNG_GOOD_FOR_LABELS = False"
)
RAISING = {ASSIGNMENT: A1_RAISING, ACTIVITY2: A2_RAISING}
#: Validate's first line for activity 2's raising answers (task 5 has no test
#: that runs before hand-in).
SUMMARY_A2 = "4 of 5 checks fail: tasks 2, 3, 4 and 6. Each is shown below"
#: The functions that raise, by assignment: each given cell that calls one says so.
STOPPED = {
    ASSIGNMENT: ["save_label_mask", "save_table", "save_rois", "save_settings"],
    ACTIVITY2: [
        "save_table_csv",
        "save_mask_png16",
        "compare_labels",
        "save_nuclei_mask",
    ],
}


def _code_cells(notebook: nbformat.NotebookNode) -> list[int]:
    """Cells with code (a hidden test's cell holds only its comment)."""
    return [
        i
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        and any(
            line.strip() and not line.strip().startswith("#")
            for line in cell.source.splitlines()
        )
    ]


@pytest.mark.parametrize("assignment", [ASSIGNMENT, ACTIVITY2])
def test_run_all_goes_on_past_a_raising_answer_in_each_task(
    page, lab, course, assignment
):
    """Each raising function: one course line, and every later cell still runs."""
    student = course.student_notebook(assignment)
    answers = course.solution_answers_with(assignment, RAISING[assignment])
    path = _learner_copy(course, f"raising-{assignment}", assignment)
    cells = _open_notebook(page, lab, path, student)
    for grade_id, code in answers.items():
        _type_into_cell(page, cells.nth(_cell_index(student, grade_id=grade_id)), code)
    _run_all(page, student)
    prompts = [
        cells.nth(i).locator(".jp-InputPrompt").text_content()
        for i in _code_cells(student)
    ]
    assert all(any(ch.isdigit() for ch in p) for p in prompts), prompts  # all ran
    outputs = [
        " ".join(o.split()) for o in cells.locator(".jp-OutputArea").all_text_contents()
    ]
    assert not [o for o in outputs if "Traceback" in o or "NameError" in o]
    for function in STOPPED[assignment]:
        # The given cell's line (a self-check names a raising function too).
        lines = [o for o in outputs if f"{function} stopped with" in o]
        lines = [o for o in lines if "The notebook goes on without it" in o]
        assert lines, function
        assert "in its line" in lines[0], lines[0]
        assert "self-check below" in lines[0], lines[0]
    checks = [
        i
        for i, cell in enumerate(student.cells)
        if cell.cell_type == "code" and cell.source.startswith("selfcheck.")
    ]
    for index in checks:  # every self-check ran and said something
        assert _output_text(cells.nth(index)).strip(), student.cells[index].source
    for index in checks:  # wrapped at word boundaries (issue 21 §3)
        lines = _output_text(cells.nth(index)).splitlines()
        assert max(len(line) for line in lines) <= 88, lines
    # A task whose call stopped is told so, not that it is not done yet.
    for index in checks:
        said = " ".join(_output_text(cells.nth(index)).split())
        assert "returned None" not in said, said
    task2 = {ASSIGNMENT: "task2-selfcheck", ACTIVITY2: "a2-task2-selfcheck"}
    said = _output_text(cells.nth(_cell_index(student, cell_id=task2[assignment])))
    function = STOPPED[assignment][0]
    assert f"Your {function} stopped with" in " ".join(said.split()), said
    if assignment == ACTIVITY2:
        comparison = cells.nth(_cell_index(student, cell_id="a2-task4-code-1"))
        said = " ".join(_output_text(comparison).split())
        assert "Left out here: your colour PNG is 640 x 480 pixels" in said, said
        # Issue 21 §3: "nope" is told what the task says is understood.
        task5 = cells.nth(_cell_index(student, cell_id="a2-task5-selfcheck"))
        said = " ".join(_output_text(task5).split())
        assert '("yes" and "no" in quotes are understood too)' in said, said
        # Issue 21 §3: Validate names the file each message is about.
        _show(page, cells.first)
        result = " ".join(_validate(page).split())
        _screenshot(page, "activity2-validate-names-the-file")
        page.keyboard.press("Escape")
        assert "Your colour-mapped PNG: Your image is 480 x 640 pixels" in result
        assert result.startswith(f"Validation Results {SUMMARY_A2}"), result[:300]
        assert "returned None" not in result  # the visible tests too (§2)
    call = {ASSIGNMENT: "task2-call", ACTIVITY2: "a2-task3-code-1"}[assignment]
    _show(page, cells.nth(_cell_index(student, cell_id=call)))
    _screenshot(page, f"{assignment}-run-all-past-a-raising-answer")


#: save_rois with roifile's default mode: each run appends to the zip.
ROIS_APPENDING = (
    "def save_rois(rois, output_dir):\n"
    '    path = Path(output_dir) / "rois.zip"\n'
    "    roifile.roiwrite(path, rois)\n"
    "    return path\n"
)


def test_a_roi_zip_appended_to_gets_one_message(page, lab, course):
    """Issue 21 §3: Run All twice appends: one message, in the self-check and Validate.

    No "Duplicate name" warning of zipfile's under the call cell, no second
    point on the outline count; Validate's first line names task 4 alone.
    """
    answers = {**course.solution_answers(ASSIGNMENT), ROIS_CELL: ROIS_APPENDING}
    cells, checks = _answer_and_run(page, lab, course, "rois_appended", answers)
    assert _output_text(checks[4]) == "Your ROI set passes.\n"  # written once
    _run_all(page, course.student_notebook(ASSIGNMENT))  # the second time
    said = _output_text(checks[4])
    assert said.startswith("Your ROI set does not pass yet:"), said
    assert said.count("  - ") == 1, said  # one finding
    assert "appended" in said, said
    assert "outlines" not in said, said
    outputs = " ".join(cells.locator(".jp-OutputArea").all_text_contents())
    assert "Duplicate name" not in outputs
    _show(page, checks[4])
    _screenshot(page, "activity1-selfcheck-rois-appended")
    _show(page, cells.first)
    dialog = _open_validate(page)
    _screenshot(page, "activity1-validate-rois-appended")
    result = " ".join(dialog.inner_text().split())
    page.keyboard.press("Escape")
    assert result.startswith(f"Validation Results {SUMMARY_ROIS}"), result[:300]
    assert "Duplicate name" not in result
    assert result.count("appended") == 1, result
    assert result.count("The following cell failed:") == 1


#: save_label_mask keeping the labels' int32: ImageJ opens it as 32-bit float.
MASK_INT32 = (
    "def save_label_mask(labels, output_dir):\n"
    '    path = Path(output_dir) / "labels.tif"\n'
    "    tifffile.imwrite(path, np.asarray(labels).astype(np.int32))\n"
    "    return path\n"
)
MASK_CELL = "a1_task2_save_label_mask"
#: save_rois writing one .roi file each into a folder, and returning the folder.
ROIS_FOLDER = (
    "def save_rois(rois, output_dir):\n"
    '    folder = Path(output_dir) / "rois"\n'
    "    folder.mkdir(exist_ok=True)\n"
    "    for number, roi in enumerate(rois, start=1):\n"
    '        roifile.roiwrite(folder / f"{number}.roi", roi)\n'
    "    return folder\n"
)


def test_an_int32_mask_and_a_folder_of_rois_get_the_course_messages(page, lab, course):
    """Issue 21 §3: the same words in the self-check and in Validate.

    An int32 mask passes with its note (ImageJ opens it as 32-bit float); a
    folder of .roi files is told what it is, not "no file was found".
    """
    answers = {
        **course.solution_answers(ASSIGNMENT),
        MASK_CELL: MASK_INT32,
        ROIS_CELL: ROIS_FOLDER,
    }
    cells, checks = _answer_and_run(page, lab, course, "int32_rois_folder", answers)
    mask = " ".join(_output_text(checks[2]).split())
    assert mask.startswith("Your label mask passes."), mask
    assert "which ImageJ opens as 32-bit float" in mask, mask
    rois = " ".join(_output_text(checks[4]).split())
    assert rois.startswith("Your ROI set does not pass yet:"), rois
    assert "is a folder holding 6 .roi files, not one ROI set" in rois, rois
    assert "No file was found" not in rois, rois
    _show(page, checks[4])
    _screenshot(page, "activity1-selfcheck-rois-folder")
    _show(page, cells.first)
    dialog = _open_validate(page)
    result = " ".join(dialog.inner_text().split())
    page.keyboard.press("Escape")
    assert result.startswith(f"Validation Results {SUMMARY_ROIS}"), result[:300]
    assert "is a folder holding 6 .roi files, not one ROI set" in result
    assert "No file was found" not in result


# -- the solutions (issue 21 §4) -------------------------------------------------


def test_a_solution_says_it_is_one_and_why(page, lab, course):
    """The banner and the title say "Solution"; the answers say why."""
    name = "activity1_save_outputs_solution.ipynb"
    folder = course.root / "solutions" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "solutions" / ASSIGNMENT / name, folder / name)
    solution = nbformat.read(folder / name, as_version=4)
    cells = _open_notebook(page, lab, f"solutions/{ASSIGNMENT}/{name}", solution)
    banner = cells.nth(0).locator(".jp-RenderedMarkdown").text_content()
    banner = " ".join(banner.split())
    assert banner.startswith("Solution. This is the solution of")
    title = cells.nth(1).locator("h1").first.text_content()
    assert title.startswith("Activity 1: save file outputs (solution)")
    text = " ".join(cells.all_text_contents())
    assert "YOUR CODE HERE" not in text
    assert "How this notebook works" not in text
    assert "OUTPUT_DIR = None" not in text
    _screenshot(page, "activity1-solution-banner")
    answer = cells.nth(_cell_index(solution, cell_id="a1-task2-save-label-mask"))
    assert "Why uint16, not uint8" in answer.text_content()
    _show(page, answer)
    _screenshot(page, "activity1-solution-why")


# -- class set-up (issue 21 §5) ----------------------------------------------------


def test_jupyterlab_starts_without_the_news_question(lab):
    """The environment's overrides.json (labsettings/) sets fetchNews to "false".

    JupyterLab applies it to the setting's default, which the learner's own
    settings (none here for this server's defaults) then start from.
    """
    url = (
        f"{lab.url}/lab/api/settings/@jupyterlab/apputils-extension:notification"
        f"?token={lab.token}"
    )
    with urllib.request.urlopen(url, timeout=60) as response:
        settings = json.load(response)
    properties = settings["schema"]["properties"]
    assert properties["fetchNews"]["default"] == "false"
    assert properties["checkForUpdates"]["default"] is False
