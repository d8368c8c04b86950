"""The demo class graded by the local pool and by a 2-worker Dask ``LocalCluster``.

Builds the demo class (``scripts/make_demo_class.py``: 30 students x 3
assignments, the hostile submissions included where the sandbox works) once,
copies it twice, and grades one copy with the local pool (``outputsaving
grade``) and the other on a Dask ``LocalCluster`` of worker processes with one
thread each, on the loopback interface (``outputsaving grade --scheduler``),
with ``allowed-failures`` = 1 and ``worker-saturation`` = 1.0 as the README
asks of a real scheduler. Both grade without feedback and reports (made in
this process either way). Prints both times (the cluster's start apart) and
whether the scores agree, per student x assignment x grade_id, and the
outcomes.

Usage: ``python benchmarks/bench_dask.py [--workers 2] [--no-hostile]
[--keep DIR]``
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from bench_grading import _copy_class  # noqa: E402
from make_demo_class import build_demo_class  # noqa: E402


def _grade(course: Path, *, unsafe: bool, **options) -> tuple[float, dict, str]:
    from outputsaving.classroom.engine import grade_class

    log = io.StringIO()
    started = time.perf_counter()
    result = grade_class(
        course,
        unsafe=unsafe,
        feedback=False,
        report=False,
        progress=False,
        stream=log,
        **options,
    )
    seconds = time.perf_counter() - started
    outcomes = {
        (o.student, o.assignment): (o.outcome, o.score, o.max_score)
        for o in result.outcomes
    }
    return seconds, outcomes, log.getvalue()


def _scores(course: Path) -> dict[tuple[str, str, str], float | None]:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "output-saving") as gb:
        for assignment in gb.assignments:
            for submission in gb.assignment_submissions(assignment.name):
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        key = (submission.student.id, assignment.name, grade.name)
                        out[key] = grade.score
    return out


def _counts(outcomes: dict) -> str:
    counts: dict[str, int] = {}
    for outcome, _, _ in outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, metavar="N")
    parser.add_argument("--no-hostile", action="store_true", help="normal ones only")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work here, keep it")
    args = parser.parse_args(argv)

    import dask
    from distributed import LocalCluster

    from outputsaving.classroom.sandbox import probe_sandbox

    status = probe_sandbox()
    unsafe = not status.ok
    hostile = status.ok and not args.no_hostile
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-dask-"))
    try:
        demo = work / "demo_class"
        manifest = build_demo_class(demo, hostile=hostile)
        count = sum(len(row) for row in manifest["students"].values())
        print(
            f"demo class: {len(manifest['students'])} students, {count} "
            f"submissions ({len(manifest['hostile'])} hostile); "
            f"{'sandboxed' if status.ok else 'unsafe (no sandbox)'}"
        )
        pool_course = _copy_class(demo, work / "pool")
        dask_course = _copy_class(demo, work / "dask")

        pool_seconds, pool_outcomes, _ = _grade(
            pool_course, unsafe=unsafe, workers=args.workers
        )
        print(
            f"local pool, {args.workers} workers: {pool_seconds:.1f} s "
            f"({_counts(pool_outcomes)})"
        )

        settings = {
            "distributed.scheduler.allowed-failures": 1,
            "distributed.scheduler.worker-saturation": 1.0,
        }
        started = time.perf_counter()
        with (
            dask.config.set(settings),
            LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as cluster,
        ):
            up = time.perf_counter() - started
            dask_seconds, dask_outcomes, log = _grade(
                dask_course, unsafe=unsafe, scheduler=cluster.scheduler_address
            )
        print(
            f"Dask LocalCluster, {args.workers} workers x 1 thread: "
            f"{dask_seconds:.1f} s ({_counts(dask_outcomes)}); "
            f"the cluster started in {up:.1f} s more"
        )
        if "starts each kernel afresh" in log:
            print("note: the Dask workers started each kernel afresh (no fork server)")

        pool_scores, dask_scores = _scores(pool_course), _scores(dask_course)
        differ = sorted(
            key
            for key in set(pool_scores) | set(dask_scores)
            if pool_scores.get(key) != dask_scores.get(key)
        )
        same_outcomes = pool_outcomes == dask_outcomes
        print(
            f"scores agree: {not differ} ({len(pool_scores)} grades); "
            f"outcomes agree: {same_outcomes} ({len(pool_outcomes)} submissions)"
        )
        for key in differ[:20]:
            print(f"  {'/'.join(key)}: pool {pool_scores.get(key)}, ", end="")
            print(f"dask {dask_scores.get(key)}")
        return 0 if not differ and same_outcomes else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
