"""The quick start's grading step for a whole class: ``outputsaving grade``.

Builds a class of N learners x the course's 3 assignments from the demo class
(``scripts/make_demo_class.py``: its 30 learners, their right answers, typical
mistakes, untouched notebooks, fairness cases, without the hostile ones unless
``--hostile``), scaled up by copying each of its learners' submissions under
new names (``abebe``, ``abebe2``, ``abebe3``, ...), then times the command an
instructor types, ``outputsaving grade --course CLASS --no-progress`` (with its
feedback pages and reports, a fresh gradebook), in a child process.

With two sizes or more (``--learners 10 20``), the time is fitted as a fixed
part (the gradebook, the one-off run of each solution that sets the time
budgets) plus a part per submission, and extrapolated to ``--target``
learners (default 100); with one size, the extrapolation is per submission
only (an upper estimate: the fixed part is counted in every submission).
Everything printed is labelled measured or extrapolated. No assertions.

Usage: ``python benchmarks/bench_class.py [--learners N ...] [--workers N]
[--target N] [--hostile] [--unsafe] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from make_demo_class import ASSIGNMENTS, STUDENTS, build_demo_class  # noqa: E402


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    return env


def learner_names(count: int) -> list[tuple[str, str]]:
    """``(new learner, demo learner copied)`` for ``count`` learners."""
    names = []
    for k in range(count):
        base = STUDENTS[k % len(STUDENTS)]
        names.append(
            (base if k < len(STUDENTS) else f"{base}{k // len(STUDENTS) + 1}", base)
        )
    return names


def build_class(folder: Path, learners: int, *, hostile: bool) -> int:
    """The demo class scaled to ``learners``; returns its number of submissions."""
    build_demo_class(folder, hostile=hostile)
    submitted = folder / "submitted"
    demo = {p.name for p in submitted.iterdir()}
    names = learner_names(learners)
    keep = {new for new, _ in names}
    for new, base in names:
        if new not in demo and base in demo:
            shutil.copytree(submitted / base, submitted / new)
    for name in demo - keep:
        shutil.rmtree(submitted / name)
    return sum(1 for _ in submitted.glob("*/*/timestamp.txt"))


def time_grade(folder: Path, *, workers: int | None, unsafe: bool) -> tuple[float, str]:
    """Seconds of ``outputsaving grade`` on the class, and its closing line."""
    command = [sys.executable, "-m", "outputsaving", "grade", "--course", str(folder)]
    command += ["--no-progress"]
    command += ["--workers", str(workers)] if workers else []
    command += ["--unsafe"] if unsafe else []
    started = time.perf_counter()
    completed = subprocess.run(
        command, capture_output=True, text=True, check=False, env=_environment()
    )
    seconds = time.perf_counter() - started
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        msg = f"outputsaving grade failed ({completed.returncode}):\n{output}"
        raise RuntimeError(msg)
    said = [line for line in completed.stdout.splitlines() if "graded now in" in line]
    return seconds, said[-1] if said else ""


def fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least squares ``seconds = fixed + per * submissions``."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    per = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    return mean_y - per * mean_x, per


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)} min {seconds % 60:04.1f} s"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--learners", type=int, nargs="+", default=[10], metavar="N", help="sizes"
    )
    parser.add_argument("--target", type=int, default=100, metavar="N")
    parser.add_argument("--workers", type=int, help="default: one per core")
    parser.add_argument("--hostile", action="store_true", help="the hostile ones too")
    parser.add_argument("--unsafe", action="store_true", help="grade without sandbox")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="build the classes here"
    )
    args = parser.parse_args(argv)

    cores = os.cpu_count() or 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"outputsaving grade on the demo class scaled up; {cores} cores, load "
        f"average {load:.1f} at the start; hostile submissions "
        f"{'in' if args.hostile else 'left out'}"
    )
    points = []
    with tempfile.TemporaryDirectory(prefix="bench_class_") as temporary:
        root = args.keep or Path(temporary)
        for learners in args.learners:
            folder = root / f"class_{learners}"
            submissions = build_class(folder, learners, hostile=args.hostile)
            seconds, tail = time_grade(folder, workers=args.workers, unsafe=args.unsafe)
            points.append((submissions, seconds))
            print(
                f"measured: {learners} learners x {len(ASSIGNMENTS)} assignments "
                f"({submissions} submissions): {_clock(seconds)} "
                f"({seconds / submissions:.2f} s per submission)"
            )
            print(f"  outputsaving grade said: {tail}")
    target = args.target * len(ASSIGNMENTS)
    if len({x for x, _ in points}) > 1:
        fixed, per = fit(points)
        print(
            f"extrapolated (fit over {len(points)} sizes: {fixed:.0f} s fixed + "
            f"{per:.2f} s per submission): {args.target} learners x "
            f"{len(ASSIGNMENTS)} ({target} submissions): {_clock(fixed + per * target)}"
        )
    else:
        (submissions, seconds), *_ = points
        print(
            f"extrapolated (per submission, an upper estimate): {args.target} learners "
            f"x {len(ASSIGNMENTS)} ({target} submissions): "
            f"{_clock(seconds / submissions * target)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
