"""Grade every pair of the combinations catalogue and say how many held.

Every pair of rows of two distinct tasks of activity 1 or activity 2
(``tests/combinations_catalogue.py``) is built from the released notebook
with the solution's answers, and all are graded in ONE class run. A pair
holds when every test cell gets its full points minus the costs of the
pair's defects. Not part of ``make test``: about 900 notebooks, some 25
minutes on two workers.

    python scripts/grade_every_pair.py [--workers N] [--assignment activity1]
        [--keep FOLDER]

Prints how many pairs ran and held, and lists the ones that did not, each
with the test cells that differ (given vs deserved). Exit status 1 when a
pair did not hold.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from combinations_catalogue import every_pair, grade_combinations  # noqa: E402

from outputsaving.classroom.sandbox import probe_sandbox  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--assignment", choices=("activity1", "activity2"))
    parser.add_argument(
        "--keep", type=Path, help="grade in this (new) folder and keep it"
    )
    args = parser.parse_args(argv)

    pairs = every_pair(args.assignment)
    status = probe_sandbox()
    if not status.ok:
        print(f"no sandbox ({status.detail}): grading without it", file=sys.stderr)
    print(f"grading {len(pairs)} pairs in one class run ...", flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="every-pair-") as tmp:
        folder = args.keep or Path(tmp)
        _, graded = grade_combinations(
            pairs, folder, unsafe=not status.ok, workers=args.workers
        )
    minutes = (time.monotonic() - started) / 60
    failed = {name: one for name, one in graded.items() if one.wrong}
    print(
        f"{len(graded)} pairs ran, {len(graded) - len(failed)} held, "
        f"{len(failed)} did not ({minutes:.1f} min)"
    )
    for name, one in sorted(failed.items()):
        outcome = one.outcome.outcome if one.outcome is not None else "not graded"
        print(f"  {name} ({one.student}, {outcome}): given vs deserved {one.wrong}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
