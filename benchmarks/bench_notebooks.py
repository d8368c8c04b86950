"""Time the notebooks as learners run them: Run All, Validate, self-checks.

For every notebook of ``source/`` (median of ``--repeat`` runs, 3 by default):

- Run All of the solution version (hidden tests and solution markers
  removed, as ``scripts/build_notebooks.py`` makes it) and of the untouched
  student version (``notebooks/``), each in a new kernel in an empty
  temporary folder, with nbclient (kernel start included);
- ``nbgrader validate`` of the student version with the solution's answers
  typed in (what the Validate button runs);
- every cell that calls ``selfcheck``, from nbclient's timing records.

Targets on this 2-core machine: under 10 s per notebook cold, Validate at most
10% above 5.0 s (activity 1) and 5.5 s (activity 2), under 0.5 s per
self-check cell.

``--breakdown`` shows where Validate's seconds go instead (issue 21 §5): the
command cold, a new Python with nbgrader's imports, a kernel's start, the
notebook's cells by kind (imports, given cells, tests, self-checks), and
nbgrader's Validator as the server extension runs it (imports done).

Usage::

    python benchmarks/bench_notebooks.py [--repeat N] [assignment ...]
    python benchmarks/bench_notebooks.py --breakdown [assignment ...]
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_TARGET = 10.0
SELFCHECK_TARGET = 0.5
#: Validate's time before the lesson-flow changes (s), and the allowed margin.
VALIDATE_BEFORE = {"activity1": 5.0, "activity2": 5.5}
VALIDATE_MARGIN = 1.10
_MARKER = re.compile(r"^\s*#+\s*(BEGIN|END) SOLUTION\s*$")


def _build_module():
    spec = importlib.util.spec_from_file_location(
        "build_notebooks", ROOT / "scripts" / "build_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _seconds(cell) -> float | None:
    timing = cell.metadata.get("execution", {})
    start = timing.get("iopub.execute_input")
    end = timing.get("shell.execute_reply")
    if not (start and end):
        return None
    parse = datetime.fromisoformat
    return (
        parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))
    ).total_seconds()


def _run_all(notebook) -> float:
    """Seconds to execute ``notebook`` cold, errors allowed (an untouched one)."""
    with tempfile.TemporaryDirectory(prefix="bench-notebook-") as workdir:
        client = NotebookClient(
            copy.deepcopy(notebook),
            timeout=600,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": workdir}},
        )
        start = time.perf_counter()
        client.execute()
        return time.perf_counter() - start


def _answered(student, source) -> nbformat.NotebookNode:
    """The student version with the solution's answers typed in."""
    answers = {}
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = cell.source.splitlines()
            answers[meta["grade_id"]] = "\n".join(
                line for line in lines if not _MARKER.match(line)
            )
    notebook = copy.deepcopy(student)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return notebook


def _validate(notebook, name: str) -> float:
    """Seconds ``nbgrader validate`` takes on ``notebook`` (the CLI, cold)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as workdir:
        path = Path(workdir) / name
        nbformat.write(notebook, path)
        shutil.copy2(ROOT / "nbgrader_config.py", Path(workdir) / "nbgrader_config.py")
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "nbgrader", "validate", str(path)],
            cwd=workdir,
            env=env,
            capture_output=True,
            check=False,
        )
        return time.perf_counter() - start


def _cold_import() -> float:
    """Seconds a new Python takes to start and import nbgrader validate's modules."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import nbgrader.apps, nbgrader.validator"],
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - start


def _kernel_start() -> float:
    """Seconds to start a kernel, run an empty cell and stop it (nbclient)."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("pass")]
    return _run_all(notebook)


def _cell_kinds(notebook) -> dict[str, float]:
    """Seconds per kind of cell, from one timed run of ``notebook``.

    ``imports``: the setup cell; ``tests``: graded test cells; ``self-checks``;
    ``given``: every other cell (the given analysis, the calls of the
    learner's functions, the answers).
    """
    timed = copy.deepcopy(notebook)
    with tempfile.TemporaryDirectory(prefix="bench-notebook-") as workdir:
        NotebookClient(
            timed,
            timeout=600,
            kernel_name="python3",
            record_timing=True,
            allow_errors=True,
            resources={"metadata": {"path": workdir}},
        ).execute()
    kinds = {"imports": 0.0, "given": 0.0, "tests": 0.0, "self-checks": 0.0}
    first_code = True
    for cell in timed.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        if first_code:
            kind, first_code = "imports", False
        elif meta.get("grade") and not meta.get("solution"):
            kind = "tests"
        elif "selfcheck." in cell.source and not meta:
            kind = "self-checks"
        else:
            kind = "given"
        kinds[kind] += _seconds(cell) or 0.0
    return kinds


def _server_validate(notebook, name: str) -> float:
    """Seconds nbgrader's Validator takes in a running process (the server's way).

    The server extension imports nbgrader once; each Validate then reads the
    config, starts a kernel and runs the notebook. Measured on the second call
    in this process, so that imports are not counted.
    """
    from nbgrader.apps import NbGrader
    from nbgrader.validator import Validator

    with tempfile.TemporaryDirectory(prefix="bench-validate-") as workdir:
        path = Path(workdir) / name
        nbformat.write(notebook, path)
        shutil.copy2(ROOT / "nbgrader_config.py", Path(workdir) / "nbgrader_config.py")
        here = Path.cwd()
        os.chdir(workdir)
        try:
            seconds = []
            for _ in range(2):
                start = time.perf_counter()
                app = NbGrader()
                app.config_file_paths.append([workdir])
                app.load_config_file()
                Validator(config=app.config).validate(str(path))
                seconds.append(time.perf_counter() - start)
        finally:
            os.chdir(here)
    return seconds[-1]


def breakdown(name: str, source: Path) -> None:
    """Where Validate's seconds go, for the answered student version of ``source``."""
    student = nbformat.read(ROOT / "notebooks" / name / source.name, 4)
    answered = _answered(student, nbformat.read(source, as_version=4))
    figures = {
        "nbgrader validate (command, cold)": _validate(answered, source.name),
        "  Python start + nbgrader imports": _cold_import(),
        "  kernel start + stop (empty cell)": _kernel_start(),
    }
    for kind, seconds in _cell_kinds(answered).items():
        figures[f"  cells: {kind}"] = seconds
    figures["Validator in a running server (warm)"] = _server_validate(
        answered, source.name
    )
    print(f"\n{name}/{source.name}: where Validate's seconds go")
    for label, seconds in figures.items():
        print(f"{label:45s} {seconds:7.2f}")


def run_once(source: Path, build) -> tuple[float, list[tuple[str, float]]]:
    """Execute a solution notebook cold; return its time and self-check times."""
    notebook = build.solution_version(source)
    with tempfile.TemporaryDirectory(prefix="bench-notebook-") as workdir:
        client = NotebookClient(
            notebook,
            timeout=600,
            kernel_name="python3",
            record_timing=True,
            resources={"metadata": {"path": workdir}},
        )
        start = time.perf_counter()
        client.execute()
        total = time.perf_counter() - start
    checks = [
        (cell.get("id", "?"), _seconds(cell))
        for cell in notebook.cells
        if cell.cell_type == "code" and "selfcheck." in cell.source
    ]
    return total, [(name, s) for name, s in checks if s is not None]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure")
    parser.add_argument("assignment", nargs="*", help="default: all")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="only where Validate's seconds go (command and server), per notebook",
    )
    args = parser.parse_args(argv)
    build = _build_module()
    names = args.assignment or build.assignments(ROOT)
    if args.breakdown:
        for name in names:
            for source in sorted((ROOT / "source" / name).glob("*.ipynb")):
                breakdown(name, source)
        return 0
    worst_check = 0.0
    print(
        f"{'notebook (median of ' + str(args.repeat) + ')':38s} {'solution':>9s} "
        f"{'untouched':>10s} {'validate':>9s}  validate target"
    )
    all_checks = []
    for name in names:
        for source in sorted((ROOT / "source" / name).glob("*.ipynb")):
            runs = [run_once(source, build) for _ in range(args.repeat)]
            solution = statistics.median(total for total, _ in runs)
            student = nbformat.read(ROOT / "notebooks" / name / source.name, 4)
            untouched = statistics.median(_run_all(student) for _ in range(args.repeat))
            answered = _answered(student, nbformat.read(source, as_version=4))
            validate = statistics.median(
                _validate(answered, source.name) for _ in range(args.repeat)
            )
            before = VALIDATE_BEFORE.get(name)
            target = (
                f"<= {before * VALIDATE_MARGIN:.1f} s (was {before:.1f} s)"
                if before
                else ""
            )
            print(
                f"{name + '/' + source.name:38s} {solution:9.2f} {untouched:10.2f} "
                f"{validate:9.2f}  {target}"
            )
            for cell_id, _ in runs[0][1]:
                seconds = min(dict(checks)[cell_id] for _, checks in runs)
                all_checks.append((f"{name}/{cell_id}", seconds))
                worst_check = max(worst_check, seconds)
    if all_checks:
        target = f"target < {SELFCHECK_TARGET} s"
        print(f"\n{'self-check cell':45s} {'time (s)':>14s}  {target}")
        for cell, seconds in all_checks:
            print(f"{cell:45s} {seconds:14.3f}")
        print(f"\nslowest self-check: {worst_check:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
