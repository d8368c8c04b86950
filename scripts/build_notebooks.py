"""Generate every notebook learners get from the instructor's ``source/``.

For each assignment ``source/<assignment>/``:

- the student version, made by nbgrader itself
  (``nbgrader generate_assignment <assignment> --force``), goes to
  ``notebooks/<assignment>/`` (what ``make lab`` opens; nbgrader's own
  release directory, ``release/``, is generated apart, so that a class never
  gets a notebook tried out here);
- the solution version for self-study goes to
  ``solutions/<assignment>/<notebook>_solution.ipynb``: the source with the
  hidden tests removed (by
  nbgrader's own ``ClearHiddenTests``) and the solution marker lines removed,
  then executed so that its figures and outputs show. It runs in a throwaway
  folder (``build/solution_runs/<assignment>/``, ignored by git), so the files
  it saves are never committed.

nbgrader runs in a temporary copy of the course, so the course's gradebook is
never touched. Cell sources and metadata are deterministic (no execution
timing metadata), so a test can compare a fresh build with the committed files.

Usage::

    python scripts/build_notebooks.py                # notebooks/ and solutions/
    python scripts/build_notebooks.py --output DIR   # DIR/notebooks, DIR/solutions
    python scripts/build_notebooks.py --no-execute   # solutions without outputs
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbgrader.preprocessors import ClearHiddenTests

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "source"
STUDENT = "notebooks"
SOLUTIONS = "solutions"
#: nbgrader's release directory (``nbgrader_config.py``): generated, ignored by git.
RELEASE = "release"
RUNS = Path("build") / "solution_runs"
#: Seconds a solution cell may run before the build gives up.
CELL_TIMEOUT = 120

_SOLUTION_MARKER = re.compile(r"^\s*#+\s*(BEGIN|END) SOLUTION\s*$")
_MARKDOWN_MARKER = re.compile(r"^\s*=+\s*(BEGIN|END) SOLUTION\s*=+\s*$")


def assignments(root: Path = ROOT) -> list[str]:
    """Return the names of the assignments: the folders of ``source/``."""
    return sorted(
        folder.name
        for folder in (root / SOURCE).iterdir()
        if folder.is_dir() and any(folder.glob("*.ipynb"))
    )


def normalise(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes from run to run: timing metadata, kernel details."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
    language = notebook.metadata.get("language_info", {})
    notebook.metadata["language_info"] = {"name": language.get("name", "python")}
    notebook.metadata.pop("widgets", None)
    return notebook


def write(notebook: nbformat.NotebookNode, path: Path) -> None:
    """Write a notebook validated, with a final newline, in nbformat 4."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.validate(notebook)
    path.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")


def student_versions(root: Path, output: Path, names: list[str]) -> list[Path]:
    """Run ``nbgrader generate_assignment`` in a copy of the course."""
    written = []
    with tempfile.TemporaryDirectory(prefix="outputsaving-course-") as tmp:
        course = Path(tmp)
        shutil.copy2(root / "nbgrader_config.py", course / "nbgrader_config.py")
        shutil.copytree(root / SOURCE, course / SOURCE)
        for name in names:
            command = [sys.executable, "-m", "nbgrader", "generate_assignment", name]
            command += ["--force", "--no-db", "--log-level=WARN"]
            subprocess.run(command, cwd=course, check=True, env=_environment())
            target = output / STUDENT / name
            shutil.rmtree(target, ignore_errors=True)
            released = course / RELEASE / name
            for path in sorted(released.rglob("*")):
                if path.is_dir():
                    continue
                destination = target / path.relative_to(released)
                destination.parent.mkdir(parents=True, exist_ok=True)
                if path.suffix == ".ipynb":
                    write(normalise(nbformat.read(path, as_version=4)), destination)
                else:
                    shutil.copy2(path, destination)
                written.append(destination)
    return written


def _environment() -> dict[str, str]:
    """This Python's scripts first on PATH: nbgrader runs tools by name."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    return env


#: Paragraphs of the notebooks' markdown that are for the student version only
#: (how to work in it, Validate, hand-in): a solution leaves them out.
STUDENT_ONLY = (
    "**How this notebook works.**",
    "**How to answer.**",
    "After each answer, run its **self-check** cell",
    "**Validate**",
    "Save the notebook and hand it in.",
)
#: A placeholder line above an answer (``OUTPUT_DIR = None``): student-only.
_PLACEHOLDER = re.compile(r"^\s*[A-Za-z_]\w*\s*=\s*None\s*$")
#: The banner at the top of every solution.
BANNER = (
    "> **Solution.** This is the solution of `{student}`, run from top to "
    "bottom: each answer says *why* it is done this way, in its comments. Try "
    "the tasks in your own notebook first; Validate and hand-in are for that one, "
    "not for this one."
)


def solution_version(source: Path) -> nbformat.NotebookNode:
    """Return the source notebook without hidden tests and solution markers.

    It is dressed as a solution (:func:`dressed_as_solution`): a banner and a
    title that say so, without the student version's instructions and the
    placeholders above the answers.
    """
    notebook = nbformat.read(source, as_version=4)
    notebook, _ = ClearHiddenTests().preprocess(notebook, {})
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get(
            "solution"
        ):
            cell.source = _without_placeholders(cell.source)
        marker = _SOLUTION_MARKER if cell.cell_type == "code" else _MARKDOWN_MARKER
        lines = cell.source.splitlines()
        cell.source = "\n".join(line for line in lines if not marker.match(line))
        cell.metadata.pop("nbgrader", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return dressed_as_solution(notebook, source.name)


def _without_placeholders(code: str) -> str:
    """An answer cell's code without the placeholders above its solution."""
    lines = code.splitlines()
    begin = next((i for i, line in enumerate(lines) if _SOLUTION_MARKER.match(line)), 0)
    kept = [
        line
        for i, line in enumerate(lines)
        if i >= begin or not _PLACEHOLDER.match(line)
    ]
    return "\n".join(kept)


def dressed_as_solution(
    notebook: nbformat.NotebookNode, student: str
) -> nbformat.NotebookNode:
    """A banner and a title that say "Solution"; no student-only paragraphs.

    Markdown only: a solution's code and outputs are not changed, so an
    executed solution can be dressed again without running it.
    """
    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.get("id") != "solution-banner":
            paragraphs = [
                paragraph
                for paragraph in cell.source.split("\n\n")
                if not paragraph.lstrip().startswith(STUDENT_ONLY)
            ]
            if all(p.lstrip().startswith("#") for p in paragraphs) and len(
                paragraphs
            ) < len(cell.source.split("\n\n")):
                continue  # a heading left alone, such as "## Done"
            cell.source = "\n\n".join(paragraphs)
        if cell.get("id") != "solution-banner":
            cells.append(cell)
    title = next((c for c in cells if c.cell_type == "markdown"), None)
    if title is not None and title.source.startswith("# "):
        heading, _, rest = title.source.partition("\n")
        if not heading.endswith("(solution)"):
            title.source = f"{heading} (solution)" + (f"\n{rest}" if rest else "")
    banner = nbformat.v4.new_markdown_cell(BANNER.format(student=student))
    banner.id = "solution-banner"
    notebook.cells = [banner, *cells]
    return notebook


def execute(
    notebook: nbformat.NotebookNode, workdir: Path, *, prepare=None
) -> nbformat.NotebookNode:
    """Execute a notebook with ``workdir`` as its working directory.

    ``prepare(workdir)``: called on the fresh, empty folder before the run.
    """
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    if prepare is not None:
        prepare(workdir)
    # ZeroMQ over Unix sockets in a private folder, not TCP on localhost (which
    # ipykernel warns is unencrypted, once per kernel).
    with tempfile.TemporaryDirectory(prefix="osk-build-") as sockets:
        manager = KernelManager(
            kernel_name="python3", transport="ipc", ip=str(Path(sockets) / "kernel")
        )
        client = NotebookClient(
            notebook,
            km=manager,
            timeout=CELL_TIMEOUT,
            kernel_name="python3",
            record_timing=False,
            resources={"metadata": {"path": str(workdir)}},
        )
        client.execute()
    return notebook


def solution_versions(
    root: Path, output: Path, names: list[str], *, run: bool = True
) -> list[Path]:
    """Write the (executed) solution version of every source notebook."""
    written = []
    for name in names:
        target = output / SOLUTIONS / name
        shutil.rmtree(target, ignore_errors=True)
        folder = root / SOURCE / name
        for source in sorted(folder.glob("*.ipynb")):
            notebook = solution_version(source)
            if run:
                workdir = output / RUNS / name
                prepare = imagej_outputs(folder) if solution_macros(folder) else None
                notebook = execute(notebook, workdir, prepare=prepare)
            # A name of its own: a student and a solution version open side by
            # side as two tabs that say which is which.
            destination = target / f"{source.stem}_solution.ipynb"
            write(normalise(notebook), destination)
            written.append(destination)
        for macro in solution_macros(folder):
            # The ImageJ track's solution macro, for self-study beside the notebook.
            shutil.copyfile(macro, target / macro.name)
            written.append(target / macro.name)
    return written


#: Names of the ImageJ track's solution macros in ``source/<assignment>/`` (never
#: released: nbgrader_config.py's CourseDirectory.ignore).
SOLUTION_MACROS = "*_solution.ijm"


def solution_macros(folder: Path) -> list[Path]:
    """The ImageJ track's solution macros of an assignment's source folder."""
    return sorted(folder.glob(SOLUTION_MACROS))


def imagej_outputs(folder: Path):
    """A ``prepare`` for :func:`execute`: what a learner has after Fiji ran.

    The released files of ``folder`` (the input images), the solution macro
    under the template's name, and ``output/`` with the files it saved when
    real ImageJ ran it as Fiji does (no argument). Needs ImageJ.
    """

    def prepare(workdir: Path) -> None:
        from outputsaving.grading import imagej

        install = imagej.find_imagej()
        if install is None:
            msg = (
                f"the solution of {folder.name} needs {imagej.imagej_missing_message()}"
            )
            raise RuntimeError(msg)
        for path in sorted(folder.iterdir()):
            released = path.suffix != ".ipynb" and not path.match(SOLUTION_MACROS)
            if path.is_file() and released:
                shutil.copyfile(path, workdir / path.name)
        for macro in solution_macros(folder):
            template = workdir / macro.name.replace("_solution.ijm", "_template.ijm")
            shutil.copyfile(macro, template)
            activity = 2 if "activity2" in macro.name else 1
            run = imagej.run_macro(
                template,
                activity=activity,
                output_dir=workdir / imagej.OUTPUT_FOLDER,
                runs=1,
                argument=False,
                install=install,
            )
            if run.outcome != "finished":
                msg = f"{macro.name} did not run in ImageJ: {run.outcome} {run.log}"
                raise RuntimeError(msg)

    return prepare


def build(
    output: Path = ROOT,
    *,
    root: Path = ROOT,
    names: list[str] | None = None,
    run: bool = True,
) -> list[Path]:
    """Generate the student and solution versions of the assignments.

    Parameters
    ----------
    output : Path, optional
        Where ``notebooks/`` and ``solutions/`` are written (the course root
        by default; a temporary folder in the tests).
    root : Path, optional
        The course root holding ``nbgrader_config.py`` and ``source/``.
    names : list of str, optional
        The assignments to build; all of them by default.
    run : bool, optional
        Execute the solution versions (default), so they show their outputs.

    Returns
    -------
    list of Path
        The files written.
    """
    names = assignments(root) if names is None else list(names)
    written = student_versions(root, output, names)
    written += solution_versions(root, output, names, run=run)
    written.append(released_lines(root, output))
    return written


#: Where the keys of the released test and self-check lines go (package data).
RELEASED_LINES = Path("outputsaving") / "grading" / "released_lines.json"
_MARKER_LINE = re.compile(r"^\s*#+\s*(BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$")


def released_lines(root: Path, output: Path) -> Path:
    """Write the keys of every line of the test cells and self-check cells.

    The grading code's monitor (:mod:`outputsaving.monitor`) allows
    these lines anywhere, in learners' cells too: re-running a visible test's
    call or a self-check is never tampering. Only keys are kept, so the
    hidden tests' text is not in the package.
    """
    from outputsaving.monitor import line_key

    keys = set()
    for path in sorted((root / SOURCE).glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            nbgrader = cell.metadata.get("nbgrader", {})
            test = nbgrader.get("grade") and not nbgrader.get("solution")
            selfcheck = not nbgrader and "selfcheck." in cell.source
            if cell.cell_type != "code" or not (test or selfcheck):
                continue
            for line in cell.source.splitlines():
                text = line.strip()
                if text and not text.startswith("#") and not _MARKER_LINE.match(line):
                    keys.add(line_key(text))
    destination = output / RELEASED_LINES
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(json.dumps(sorted(keys), indent=0) + "\n", encoding="utf-8")
    return destination


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT, help="default: repo")
    parser.add_argument("--no-execute", action="store_true", help="skip execution")
    parser.add_argument("assignment", nargs="*", help="default: all assignments")
    args = parser.parse_args(argv)
    written = build(args.output, names=args.assignment or None, run=not args.no_execute)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
