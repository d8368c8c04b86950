"""The main job at this stage: activity 1 end to end on the shipped image.

Label the random shapes, keep objects of 0-1000 px, measure them, make their
ROIs, save the four outputs into an output folder, check each file with the
course's checkers against the reference labels, and print a short report.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import roifile
import tifffile

from outputsaving import monitor
from outputsaving.analysis import measure_objects, segment_shapes
from outputsaving.datasets import RANDOM_SHAPES, data_path
from outputsaving.labels import check_label_mask
from outputsaving.rois import check_rois, rois_from_labels
from outputsaving.settings import check_settings, make_settings
from outputsaving.table import check_table

__all__ = ["OUTPUT_NAMES", "run_demo"]

#: File names of the outputs, inside the output folder.
OUTPUT_NAMES = {
    "labels": "random_shapes_labels.tif",
    "table": "random_shapes_measurements.txt",
    "rois": "random_shapes_rois.zip",
    "settings": "random_shapes_settings.json",
}


def run_demo(output: Path, /, *, min_size: int = 0, max_size: int = 1000) -> int:
    """Run the analysis, save and check its outputs; return 0 if all pass."""
    input_path = data_path(RANDOM_SHAPES)
    image = tifffile.imread(input_path)
    labels = segment_shapes(image, min_size=min_size, max_size=max_size)
    table = measure_objects(labels)
    rois = rois_from_labels(labels)

    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    paths = {kind: output / name for kind, name in OUTPUT_NAMES.items()}
    tifffile.imwrite(paths["labels"], labels.astype(np.uint16), imagej=True)
    table.to_csv(paths["table"], sep="\t", index=False)
    roifile.roiwrite(paths["rois"], rois, mode="w")
    settings = make_settings(input_path, min_size=min_size, max_size=max_size)
    paths["settings"].write_text(json.dumps(settings, indent=2), encoding="utf-8")

    results = [
        check_label_mask(paths["labels"], reference=labels),
        check_table(paths["table"], sep="tab", labels=labels),
        check_rois(paths["rois"], labels=labels),
        check_settings(paths["settings"]),
    ]
    areas = ", ".join(str(int(area)) for area in table["area"])
    print(f"Input: {RANDOM_SHAPES} {image.shape[1]} x {image.shape[0]} px")
    print(
        f"Analysis: {int(labels.max())} objects of {min_size}-{max_size} px "
        f"(areas {areas}); {len(rois)} ROIs"
    )
    print(f"Outputs in {output}/:")
    for result in results:
        print(result.report())
    passed = all(result.passed for result in results)
    print("All outputs pass." if passed else "Some outputs did not pass.")
    return 0 if passed else 1


monitor.watch(__name__)
