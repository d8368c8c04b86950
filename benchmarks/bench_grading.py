"""Grading a class: ``outputsaving grade`` against plain serial ``nbgrader autograde``.

On the demo class's normal submissions (``scripts/make_demo_class.py``, without
the hostile ones: an endless loop would flatter the ratio; and without those
plain nbgrader cannot grade at all, a copy-pasted answer cell, which ``grade``
repairs), in one run:

1. serial ``nbgrader autograde <assignment>`` for each assignment, in a fresh
   copy of the class with a fresh gradebook (``nbgrader generate_assignment``
   first, timed apart: autograde needs the assignment in the gradebook);
2. :func:`outputsaving.classroom.engine.grade_class` (what ``outputsaving
   grade`` runs; here without feedback and report, which autograde does not
   do either) in another fresh copy; its time includes creating the gradebook
   and the one-off run of each solution that sets the time budgets;
3. the same with ``fork_kernels=False`` (``outputsaving grade --fresh-kernels``):
   what forking kernels from a pre-imported process saves;
4. the floor: each assignment's source notebook (solution and tests) executed
   once by nbclient: kernel start, the first code cell (the imports), the rest.

Each way runs in a child process of its own; peak memory is that child's
``getrusage(RUSAGE_CHILDREN).ru_maxrss`` (the largest single process under it)
and the largest sum of the proportional set size (PSS: a page shared by n
processes counts 1/n in each, so forked kernels sharing the parent's imports are
not counted n times) of its whole process tree, sampled
every 0.2 s. The scores must be identical per student x grade_id.

``--repeat N`` grades N times (fresh copies), and the figures of
``outputsaving grade`` are the median run's; ``--grade-only`` times only that
(to compare two versions of the grader: run this script with each version's
Python, e.g. ``other/.venv/bin/python benchmarks/bench_grading.py --grade-only``).

Usage: ``python benchmarks/bench_grading.py [--workers N] [--unsafe] [--repeat N]
[--grade-only]``
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from make_demo_class import MANIFEST, build_demo_class  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    return env


def _assignments(course: Path) -> list[str]:
    return sorted(p.name for p in (course / "source").iterdir() if p.is_dir())


def _copy_class(demo: Path, destination: Path) -> Path:
    """A fresh copy of the class: config, source/, data/, submitted/ (no gradebook)."""
    destination.mkdir(parents=True)
    shutil.copy2(demo / "nbgrader_config.py", destination / "nbgrader_config.py")
    for name in ("source", "data", "submitted"):
        shutil.copytree(demo / name, destination / name)
    shutil.copy2(demo / MANIFEST, destination / MANIFEST)
    return destination


def _drop_repairs(demo: Path, manifest: dict) -> list[list[str]]:
    """Leave out the submissions whose cell metadata grade repairs.

    Plain ``nbgrader autograde`` fails on them (a copy-pasted answer cell), so
    the serial run could not be compared; the manifest is updated.
    """
    from fairness_catalogue import CASES

    repairs = {case.name for case in CASES if case.principle == "repair"}
    dropped = []
    for student, row in manifest["students"].items():
        for assignment, variant in list(row.items()):
            if variant in repairs:
                shutil.rmtree(demo / "submitted" / student / assignment)
                del row[assignment]
                dropped.append([student, assignment])
    return dropped


# -- the two ways, each in a child process -------------------------------------


def _nbgrader(course: Path, *args: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        env=_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        msg = f"nbgrader {' '.join(args)} failed:\n{completed.stdout}{completed.stderr}"
        raise RuntimeError(msg)


def _phase_serial(course: Path) -> dict:
    started = time.perf_counter()
    for assignment in _assignments(course):
        _nbgrader(course, "generate_assignment", assignment, "--force")
    generate = time.perf_counter() - started
    started = time.perf_counter()
    for assignment in _assignments(course):
        _nbgrader(course, "autograde", assignment, "--force")
    return {"seconds": time.perf_counter() - started, "generate_seconds": generate}


def _phase_grade(
    course: Path, *, workers: int | None, unsafe: bool, fork: bool = True
) -> dict:
    from outputsaving.classroom.engine import grade_class

    log = io.StringIO()
    started = time.perf_counter()
    result = grade_class(
        course,
        workers=workers,
        unsafe=unsafe,
        feedback=False,
        report=False,
        progress=False,
        fork_kernels=fork,
        stream=log,
    )
    seconds = time.perf_counter() - started
    outcomes = {}
    for o in result.outcomes:
        outcomes[o.outcome] = outcomes.get(o.outcome, 0) + 1
    # Grades the independent audit changed: "<grade_id>: in-kernel ..., audit ...".
    audited = [
        [o.student, o.assignment, flag.split(":", 1)[0]]
        for o in result.outcomes
        for flag in o.flags
        if ": in-kernel " in flag
    ]
    return {
        "seconds": seconds,
        "audited": audited,
        "workers": result.workers,
        "outcomes": outcomes,
        "submission_seconds": [o.seconds for o in result.outcomes],
        "log": log.getvalue(),
    }


def _run_phase(phase: str, course: Path, args) -> dict:
    """Run a phase in a child process; add its peak memory figures."""
    command = [sys.executable, __file__, "--phase", phase, "--course", str(course)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.unsafe:
        command.append("--unsafe")
    out = course / "phase.json"
    command += ["--phase-output", str(out)]
    child = subprocess.Popen(command, env=_environment())
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.wait(0.2):
            peak = max(peak, _tree_memory(child.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = child.wait()
    stop.set()
    sampler.join()
    if code != 0:
        msg = f"phase {phase} failed ({code})"
        raise RuntimeError(msg)
    data = json.loads(out.read_text(encoding="utf-8"))
    data["tree_peak_bytes"] = peak
    return data


def _pss(pid: int, rss: int) -> int:
    """A process's proportional set size (its resident size where unreadable)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return rss


def _tree_memory(pid: int) -> int:
    """The summed PSS of a process and all its descendants."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        rss[int(entry.name)] = int(fields[21]) * PAGE
    total, todo, seen = 0, [pid], set()
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        total += _pss(current, rss.get(current, 0))
        todo.extend(children.get(current, []))
    return total


# -- scores and floor ----------------------------------------------------------


def _scores(course: Path) -> dict[tuple[str, str, str], float]:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "output-saving") as gb:
        for assignment in _assignments(course):
            for submission in gb.assignment_submissions(assignment):
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        key = (submission.student.id, assignment, grade.name)
                        out[key] = float(grade.score)
    return out


def _floor(course: Path) -> dict[str, dict[str, float]]:
    """Per assignment: seconds to start a kernel, import, run the rest (nbclient)."""
    import nbformat
    from nbclient import NotebookClient

    out = {}
    for assignment in _assignments(course):
        (path,) = sorted((course / "source" / assignment).glob("*.ipynb"))
        notebook = nbformat.read(path, as_version=4)
        with tempfile.TemporaryDirectory() as workdir:
            client = NotebookClient(
                notebook,
                timeout=600,
                kernel_name="python3",
                resources={"metadata": {"path": workdir}},
            )
            started = time.perf_counter()
            with client.setup_kernel():
                kernel = time.perf_counter() - started
                imports = None
                for index, cell in enumerate(notebook.cells):
                    client.execute_cell(cell, index)
                    if imports is None and cell.cell_type == "code":
                        imports = time.perf_counter() - started - kernel
                total = time.perf_counter() - started
        out[assignment] = {
            "kernel": kernel,
            "imports": imports or 0.0,
            "work": total - kernel - (imports or 0.0),
            "total": total,
        }
    return out


def _mib(n: float) -> str:
    return f"{n / 2**20:.0f} MiB"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, help="grade's workers (default: cores)")
    parser.add_argument("--unsafe", action="store_true", help="grade without sandbox")
    parser.add_argument(
        "--repeat", type=int, default=1, help="grade N times; report the median run"
    )
    parser.add_argument(
        "--grade-only",
        action="store_true",
        help="time only outputsaving grade (no serial nbgrader, no floor)",
    )
    parser.add_argument(
        "--phase", choices=["serial", "grade", "fresh"], help=argparse.SUPPRESS
    )
    parser.add_argument("--course", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--phase-output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.phase:  # a child process: run one way, write its figures
        if args.phase == "serial":
            data = _phase_serial(args.course)
        else:
            data = _phase_grade(
                args.course,
                workers=args.workers,
                unsafe=args.unsafe,
                fork=args.phase == "grade",
            )
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        data["children_maxrss_bytes"] = children.ru_maxrss * 1024
        data["self_maxrss_bytes"] = (
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        )
        args.phase_output.write_text(json.dumps(data), encoding="utf-8")
        return 0

    with tempfile.TemporaryDirectory(prefix="bench_grading_") as tmp:
        tmp = Path(tmp)
        manifest = build_demo_class(tmp / "demo", hostile=False)
        repaired = _drop_repairs(tmp / "demo", manifest)
        count = sum(len(row) for row in manifest["students"].values())
        print(
            f"demo class, normal submissions only: {len(manifest['students'])} "
            f"students, {count} submissions; {os.cpu_count()} cores"
        )
        if repaired:
            print(
                "left out (plain nbgrader cannot grade them; grade repairs them): "
                + ", ".join("/".join(pair) for pair in repaired)
            )
        runs = []
        for number in range(max(1, args.repeat)):
            course = _copy_class(tmp / "demo", tmp / f"grade{number}")
            runs.append((_run_phase("grade", course, args), course))
            print(
                f"outputsaving grade, run {number + 1}: {runs[-1][0]['seconds']:.1f} s"
            )
        runs.sort(key=lambda run: run[0]["seconds"])
        grade, grade_course = runs[len(runs) // 2]
        if args.grade_only:
            print(
                f"outputsaving grade ({grade['workers']} workers), median of "
                f"{len(runs)}: {grade['seconds']:.1f} s, "
                f"{grade['seconds'] / count:.2f} s/submission; "
                f"outcomes {grade['outcomes']}"
            )
            return 0
        serial_course = _copy_class(tmp / "demo", tmp / "serial")
        fresh_course = _copy_class(tmp / "demo", tmp / "fresh")

        serial = _run_phase("serial", serial_course, args)
        fresh = _run_phase("fresh", fresh_course, args)
        floor = _floor(tmp / "demo")

        ours, theirs = _scores(grade_course), _scores(serial_course)
        fresh_differ = sorted(
            k for k, v in _scores(fresh_course).items() if ours.get(k) != v
        )
        audited = {tuple(key) for key in grade["audited"]}
        differing = sorted(k for k in theirs if ours.get(k) != theirs[k])
        by_audit = [k for k in differing if k in audited]
        differing = [k for k in differing if k not in audited]
        missing = sorted(set(theirs) ^ set(ours))

    per_assignment: dict[str, int] = {}
    for row in manifest["students"].values():
        for assignment in row:
            per_assignment[assignment] = per_assignment.get(assignment, 0) + 1
    floor_total = sum(floor[a]["total"] * n for a, n in per_assignment.items())

    print()
    print(
        f"{'':<40}{'seconds':>9}{'s/submission':>14}"
        f"{'peak 1 proc':>13}{'peak tree':>11}"
    )
    for name, data in (
        ("serial nbgrader autograde", serial),
        (f"outputsaving grade ({grade['workers']} workers)", grade),
        (f"outputsaving grade --fresh-kernels ({fresh['workers']})", fresh),
    ):
        print(
            f"{name:<40}{data['seconds']:>9.1f}{data['seconds'] / count:>14.2f}"
            f"{_mib(data['children_maxrss_bytes']):>13}"
            f"{_mib(data['tree_peak_bytes']):>11}"
        )
    print(
        f"{'floor (nbclient, one at a time)':<40}{floor_total:>9.1f}"
        f"{floor_total / count:>14.2f}"
    )
    print()
    print(
        f"speed-up: {serial['seconds'] / grade['seconds']:.2f}x "
        f"(--fresh-kernels: {serial['seconds'] / fresh['seconds']:.2f}x; "
        f"serial generate_assignment, not counted: {serial['generate_seconds']:.1f} s)"
    )
    print(f"grade outcomes: {grade['outcomes']}")
    for assignment, f in floor.items():
        print(
            f"floor of {assignment:<10} kernel start {f['kernel']:.2f} s, "
            f"imports {f['imports']:.2f} s, the notebook's work {f['work']:.2f} s, "
            f"total {f['total']:.2f} s"
        )
    solution_lines = [
        line for line in grade["log"].splitlines() if "solution run time" in line
    ]
    for line in solution_lines:
        print(f"grade (included above): {line.strip()}")
    if by_audit:
        print(
            f"{len(by_audit)} grades differ because the independent audit "
            "overrode the in-kernel tests (flagged for review):"
        )
        for key in by_audit:
            print("  ", *key, f"nbgrader {theirs[key]:g}, grade {ours.get(key):g}")
    if fresh_differ:
        print(f"FRESH KERNELS SCORE DIFFERENTLY: {fresh_differ[:20]}")
        return 1
    if differing or missing:
        print(f"SCORES DIFFER: {len(differing)} grades differ, {len(missing)} missing")
        for key in (differing + missing)[:20]:
            print("  ", key, theirs.get(key), ours.get(key))
        return 1
    print(
        f"scores identical: {len(theirs) - len(by_audit)} of {len(theirs)} grades "
        "(student x grade_id); the others are the audit's flagged overrides"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
