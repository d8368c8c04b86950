"""Activity 1's analysis: labelling, the size filter, measurements."""

from __future__ import annotations

import numpy as np
import pytest

from outputsaving.analysis import measure_objects, segment_shapes


def test_size_filter_keeps_limits_inclusive_and_renumbers():
    image = np.zeros((6, 12), dtype=np.uint8)
    image[0, 0] = 255  # 1 px
    image[2:4, 2:4] = 255  # 4 px
    image[0:5, 7:12] = 255  # 25 px
    labels = segment_shapes(image, min_size=1, max_size=4)
    assert labels.dtype == np.int32
    assert np.bincount(labels.ravel()).tolist() == [72 - 5, 1, 4]
    assert labels[0, 0] == 1
    assert labels[2, 2] == 2


def test_objects_joined_at_a_corner_are_one_object_like_imagej():
    image = np.array([[255, 0], [0, 255]], dtype=np.uint8)
    assert segment_shapes(image).max() == 1


def test_measurements_have_one_row_per_object_in_label_order():
    labels = np.array([[1, 1, 0], [0, 0, 2]])
    table = measure_objects(labels)
    assert table["label"].tolist() == [1, 2]
    assert table["area"].tolist() == [2, 1]
    assert {"centroid-0", "centroid-1", "perimeter", "bbox-0", "bbox-3"} <= set(table)


def test_wrong_limits_are_refused():
    with pytest.raises(ValueError, match="min_size <= max_size"):
        segment_shapes(np.zeros((2, 2)), min_size=5, max_size=1)
