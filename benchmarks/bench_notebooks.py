"""Time each solution notebook executed cold, and each self-check cell in it.

For every notebook of ``source/``, the solution version (hidden tests and
solution markers removed, as ``scripts/build_notebooks.py`` makes it) runs in a
new kernel in an empty temporary folder, with nbclient. Prints the wall time
of the whole run (kernel start included) and the time of every cell that calls
``selfcheck``, from nbclient's timing records. Targets on this 2-core machine:
under 10 s per notebook cold, under 0.5 s per self-check cell.

Usage::

    python benchmarks/bench_notebooks.py [--repeat N] [assignment ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_TARGET = 10.0
SELFCHECK_TARGET = 0.5


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
    parser.add_argument("--repeat", type=int, default=1, help="cold runs per notebook")
    parser.add_argument("assignment", nargs="*", help="default: all")
    args = parser.parse_args(argv)
    build = _build_module()
    names = args.assignment or build.assignments(ROOT)
    worst_check = 0.0
    print(f"{'notebook':45s} {'cold run (s)':>14s}  target < {NOTEBOOK_TARGET:.0f} s")
    all_checks = []
    for name in names:
        for source in sorted((ROOT / "source" / name).glob("*.ipynb")):
            runs = [run_once(source, build) for _ in range(args.repeat)]
            best = min(total for total, _ in runs)
            print(f"{name + '/' + source.name:45s} {best:14.2f}")
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
