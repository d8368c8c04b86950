"""Real ImageJ opens the ROI zips of rois_from_labels and measures each object."""

from __future__ import annotations

import numpy as np
import pytest
import roifile
import tifffile
from scipy import ndimage

from outputsaving.rois import check_rois, rois_from_labels

pytestmark = pytest.mark.imagej

FOUR = ndimage.generate_binary_structure(2, 1)


def tricky_labels() -> np.ndarray:
    """About 20 objects: on the border, touching, corner-joined, holed, split."""
    labels = np.zeros((40, 50), dtype=np.uint16)
    labels[0:4, 0:5] = 1  # top-left corner of the image
    labels[0:3, 5:9] = 2  # touches 1
    labels[3:6, 5:9] = 3  # touches 2 and, at a corner, 1
    labels[36:40, 46:50] = 4  # bottom-right corner
    labels[15:25, 0:2] = 5  # left border, a thin bar
    labels[0:2, 20:35] = 6  # top border
    for step in range(6):  # a diagonal staircase of corner-joined pixels
        labels[10 + step, 10 + step] = 7
    labels[12, 20:23] = 8  # corner-joined blocks
    labels[13:15, 23:25] = 8
    labels[11, 25] = 8
    labels[20:27, 20:27] = 9  # with a hole
    labels[22:25, 22:25] = 0
    labels[23, 23] = 10  # a single pixel inside that hole
    labels[30:33, 5:8] = 11  # an L shape
    labels[33:36, 5:6] = 11
    labels[30:36, 10:16] = 12  # a 2 x 2 checkerboard of labels 12..15
    labels[30:33, 13:16] = 13
    labels[33:36, 10:13] = 14
    labels[33:36, 13:16] = 15
    labels[5, 45] = 16  # single pixels
    labels[39, 0] = 17
    labels[8:12, 38:44] = 18  # a U shape
    labels[8:10, 40:42] = 0
    labels[16:19, 35:38] = 19  # one label in two pieces
    labels[30:32, 40:43] = 19
    rows, cols = np.ogrid[:40, :50]
    labels[((rows - 20) ** 2 + (cols - 44) ** 2 < 12) & (labels == 0)] = 20
    return labels


MACRO = """
open("{image}");
roiManager("Open", "{rois}");
count = roiManager("count");
print("count " + count);
for (i = 0; i < count; i++) {{
    roiManager("select", i);
    print("roi " + Roi.getName + " " + getValue("Area") + " " + getValue("Min")
        + " " + getValue("Max") + " " + getValue("Mean"));
}}
"""


def test_imagej_measures_each_roi_as_its_object(imagej, tmp_path):
    labels = tricky_labels()
    present = [int(v) for v in np.unique(labels) if v]
    assert len(present) == 20
    tifffile.imwrite(tmp_path / "labels.tif", labels)
    rois = rois_from_labels(labels)
    roifile.roiwrite(tmp_path / "rois.zip", rois, mode="w")
    assert check_rois(tmp_path / "rois.zip", labels=labels).passed

    lines = imagej.run_lines(
        MACRO.format(image=tmp_path / "labels.tif", rois=tmp_path / "rois.zip"),
        tmp_path,
    )
    assert lines[0] == f"count {len(present)}"
    measured = {}
    for line in lines[1:]:
        _, name, area, low, high, mean = line.split()
        measured[name] = (float(area), float(low), float(high), float(mean))
    assert sorted(measured) == [roi.name for roi in rois]

    for label in present:
        area, low, high, mean = measured[f"{label:02d}"]
        outline = ndimage.binary_fill_holes(labels == label, structure=FOUR)
        if label == 9:  # traced outlines include holes, as in ImageJ
            assert area == outline.sum() > np.count_nonzero(labels == label)
            assert (low, high) == (0, 10)  # the hole and the object inside it
            assert mean == pytest.approx(labels[outline].mean(), abs=1e-3)
        else:
            assert area == np.count_nonzero(labels == label), label
            assert low == high == mean == label
