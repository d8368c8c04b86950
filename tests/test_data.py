"""The shipped images: reproducible, identical in data/ and the package, fit for use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile
from skimage import filters, measure

from outputsaving import datasets

ROOT = Path(__file__).resolve().parents[1]
NAMES = (datasets.RANDOM_SHAPES, datasets.MANY_NUCLEI)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "make_data.py"),
            "--output",
            str(folder),
        ],
        check=True,
    )
    return folder


@pytest.mark.parametrize("name", NAMES)
def test_regenerating_gives_identical_bytes(regenerated, name):
    assert (regenerated / name).read_bytes() == (ROOT / "data" / name).read_bytes()


@pytest.mark.parametrize("name", [*NAMES, "README.md"])
def test_package_copy_is_identical_to_data(name):
    shipped = ROOT / "outputsaving" / "data" / name
    assert shipped.read_bytes() == (ROOT / "data" / name).read_bytes()


@pytest.mark.parametrize("name", NAMES)
def test_data_path_finds_the_installed_copy(name):
    path = datasets.data_path(name)
    assert path.is_file()
    assert path.read_bytes() == (ROOT / "data" / name).read_bytes()


def test_data_path_names_the_known_files():
    with pytest.raises(ValueError, match="expected one of"):
        datasets.data_path("nuclei.jpg")


def test_random_shapes_is_like_the_module_image():
    image = tifffile.imread(datasets.data_path(datasets.RANDOM_SHAPES))
    assert image.shape == (200, 200)
    assert image.dtype == np.uint8
    assert set(np.unique(image)) == {0, 255}
    labels = measure.label(image > 0, connectivity=2)
    areas = np.bincount(labels.ravel())[1:]
    assert len(areas) >= 6
    assert (areas > 1000).sum() == 1, "one shape must be dropped by the size filter"
    border = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    assert np.any(border > 0), "one shape must touch the border"


def test_many_nuclei_do_not_fit_in_8_bits():
    image = tifffile.imread(datasets.data_path(datasets.MANY_NUCLEI))
    assert image.dtype == np.uint16
    labels = measure.label(image > filters.threshold_otsu(image))
    assert labels.max() > 255
