"""Time the three file checks and ``rois_from_labels`` on large label images.

Prints, for label images of about 1k, 5k and 20k objects (up to 4096 x 4096),
the seconds each step takes and the objects handled per second, plus the peak
memory of the process. Target on a 2-core machine: the three checks plus the
conversion on 4096 x 4096 with 20k objects in under 10 s in total, with time
growing about linearly with the number of objects.

Usage::

    python benchmarks/bench_checks.py [--repeat N]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import roifile
import tifffile
from skimage import draw

from outputsaving.analysis import measure_objects
from outputsaving.labels import check_label_mask
from outputsaving.rois import check_rois, rois_from_labels
from outputsaving.table import check_table

#: (objects, image side): the density of objects stays about the same.
CASES = ((1_000, 1024), (5_000, 2048), (20_000, 4096))


def make_labels(count: int, side: int, *, seed: int = 0) -> np.ndarray:
    """Return a (side, side) uint16 label image of ``count`` random ellipses.

    Objects sit on a jittered grid; neighbours may touch, as nuclei do.
    """
    rng = np.random.default_rng(seed)
    per_row = int(np.ceil(np.sqrt(count)))
    step = side / per_row
    labels = np.zeros((side, side), dtype=np.uint16)
    label = 0
    for row in range(per_row):
        for col in range(per_row):
            if label == count:
                return labels
            center = ((row + 0.5) * step, (col + 0.5) * step)
            center += rng.uniform(-0.1, 0.1, size=2) * step
            radii = rng.uniform(0.25, 0.55, size=2) * step
            rr, cc = draw.ellipse(
                *center, *radii, shape=labels.shape, rotation=rng.uniform(0, np.pi)
            )
            label += 1
            labels[rr, cc] = label
    return labels


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - start


def bench(count: int, side: int, folder: Path, repeat: int) -> dict[str, float]:
    labels = make_labels(count, side)
    objects = int(labels.max())
    mask_path, table_path, rois_path = (
        folder / f"labels_{objects}.tif",
        folder / f"table_{objects}.txt",
        folder / f"rois_{objects}.zip",
    )
    tifffile.imwrite(mask_path, labels)
    measure_objects(labels)[["label", "area"]].to_csv(table_path, sep="\t", index=False)

    best: dict[str, float] = {}
    for _ in range(repeat):
        rois, seconds = _timed(rois_from_labels, labels)
        best["rois_from_labels"] = min(best.get("rois_from_labels", np.inf), seconds)
        roifile.roiwrite(rois_path, rois, mode="w")
        steps = {
            "check labels": (check_label_mask, mask_path, {"reference": labels}),
            "check table": (check_table, table_path, {"labels": labels}),
            "check rois": (check_rois, rois_path, {"labels": labels}),
        }
        for name, (check, path, options) in steps.items():
            result, seconds = _timed(check, path, **options)
            if not result.passed:
                msg = f"{name} did not pass on generated data:\n{result.report()}"
                raise RuntimeError(msg)
            best[name] = min(best.get(name, np.inf), seconds)
    best["objects"] = objects
    return best


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs")
    args = parser.parse_args(argv)
    steps = ("rois_from_labels", "check labels", "check table", "check rois")
    header = f"{'image':>11} {'objects':>8} " + " ".join(f"{s:>17}" for s in steps)
    print(header + f" {'total s':>8} {'objects/s':>10}")
    with tempfile.TemporaryDirectory() as folder:
        for count, side in CASES:
            figures = bench(count, side, Path(folder), args.repeat)
            total = sum(figures[s] for s in steps)
            cells = " ".join(f"{figures[s]:>16.2f}s" for s in steps)
            print(
                f"{side:>5} x {side:<4} {figures['objects']:>8} {cells}"
                f" {total:>7.2f}s {figures['objects'] / total:>10.0f}"
            )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
