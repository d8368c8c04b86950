"""Time budgets: how long each notebook of an assignment may run.

A budget is fixed (``--time-budget``) or ``max(floor, factor x the solution's
run time)`` plus the ImageJ track's macro time; solution run times are
measured once per version of the sources (by the pool's workers) and kept in
``.outputsaving/solution_times.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

from outputsaving.classroom import limits, worker
from outputsaving.classroom.course import (
    STATE_DIR,
    assignment_files,
    extra_seconds,
    notebook_names,
    source_hash,
)
from outputsaving.classroom.outcomes import GradingRefused
from outputsaving.classroom.pool import Failure, Job, run_jobs
from outputsaving.classroom.tasks import CourseFiles, SolutionTask
from outputsaving.files import write_atomically

__all__ = ["notebook_budgets"]


def notebook_budgets(
    course_dir: Path,
    course: CourseFiles,
    assignments: set[str],
    *,
    time_budget,
    time_floor,
    time_factor,
    unsafe,
    memory_bytes,
    log,
    pool,
    run=run_jobs,
) -> dict[str, dict[str, float]]:
    """Seconds per notebook, per assignment: fixed, or from the solution's run.

    ``run``: what runs the solutions (:func:`~outputsaving.classroom.pool.run_jobs`
    or a Dask cluster's, with the same contract), given ``pool``.
    """
    if time_budget is not None:
        return {
            a: dict.fromkeys(
                (Path(n).stem for n in notebook_names(course_dir, a)),
                float(time_budget),
            )
            for a in assignments
        }
    cache_path = course_dir / STATE_DIR / "solution_times.json"
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    wanted = [a for a in sorted(assignments) if source_hash(course_dir, a) not in cache]
    jobs = [
        Job(
            f"solution/{a}",
            worker.measure_solution,
            SolutionTask(assignment_files(course_dir, a), course, memory_bytes, unsafe),
            limits.STUCK_WITHOUT_BUDGET,
        )
        for a in wanted
    ]

    def measured(job: Job, res) -> None:
        name = job.payload.assignment.name
        if isinstance(res, Failure):
            msg = f"the solution of {name} did not run: {res}"
            raise GradingRefused(msg)
        cache[source_hash(course_dir, name)] = res
        seconds = ", ".join(f"{k} {v:.1f} s" for k, v in res.items())
        log(f"solution run time of {name}: {seconds}")

    run(jobs, measured, start_timeout=limits.STUCK_WITHOUT_BUDGET, **pool)
    if wanted:
        write_atomically(cache_path, json.dumps(cache, indent=1))
    return {
        a: {
            k: max(time_floor, time_factor * v) + extra_seconds(a)
            for k, v in cache[source_hash(course_dir, a)].items()
        }
        for a in assignments
    }
