"""Issue 20 §5: the lesson on colour lookup tables holds what real ImageJ does.

A count mask that Analyze Particles made, shown with a colour lookup table and
saved as PNG, measured with the grader's ImageJ (Debian's 1.53t; the version is
checked, since another one may behave otherwise): each statement of the
activity-2 notebook (task 3's box, the key points) is held to the files ImageJ
writes and to what ImageJ, Pillow and imageio read back.
"""

from __future__ import annotations

from pathlib import Path

import imageio.v3 as iio
import nbformat
import numpy as np
import pytest
from PIL import Image

from outputsaving.datasets import MANY_NUCLEI, RANDOM_SHAPES, data_path
from outputsaving.grading import activity1

pytestmark = pytest.mark.imagej

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = (
    REPO / "source" / "activity2_imagej" / "activity2_imagej_customise_saving.ipynb"
)

MACRO = """
setBatchMode(true);
out = "{out}/";
print("version " + getVersion());
setOption("BlackBackground", true);
run("Set Measurements...", "area redirect=None decimal=3");
open("{shapes}");
run("Analyze Particles...", "size=0-1000 pixel show=[Count Masks] display clear add");
run("3-3-2 RGB");
getMinAndMax(lo, hi);
print("display " + lo + "-" + hi + " bits " + bitDepth());
saveAs("PNG", out + "left.png");
resetMinAndMax();
getMinAndMax(lo, hi);
print("reset " + lo + "-" + hi);
saveAs("PNG", out + "reset.png");
run("Grays");
resetMinAndMax();
saveAs("PNG", out + "grays.png");
open(out + "left.png");
getHistogram(values, counts, 256);
found = "";
for (v = 1; v < 256; v++) if (counts[v] > 0) found = found + v + " ";
print("reopened bits " + bitDepth() + " values " + found);
close("*");
run("Clear Results");
open("{nuclei}");
setThreshold(560, 65535);
run("Convert to Mask");
run("Analyze Particles...", "size=0-Infinity pixel show=[Count Masks] clear");
saveAs("Tiff", out + "nuclei.tif");
run("3-3-2 RGB");
getMinAndMax(lo, hi);
print("nuclei display " + lo + "-" + hi);
saveAs("PNG", out + "nuclei.png");
"""


@pytest.fixture(scope="module")
def measured(imagej, tmp_path_factory):
    out = tmp_path_factory.mktemp("lut_png")
    macro = MACRO.format(
        out=out, shapes=data_path(RANDOM_SHAPES), nuclei=data_path(MANY_NUCLEI)
    )
    lines = imagej.run_lines(macro, out)
    printed = {line.split(" ", 1)[0]: line.strip() for line in lines}
    return out, printed


def _notebook_text() -> str:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    return "\n".join(cell.source for cell in notebook.cells)


def test_it_is_measured_on_the_version_the_notebook_names(measured):
    _, printed = measured
    version = printed["version"].split()[1]
    assert f"ImageJ {version}" in _notebook_text()


def test_the_count_mask_is_written_as_8bit_palette_indices_equal_to_its_labels(
    measured,
):
    out, printed = measured
    text = _notebook_text()
    # "Analyze Particles leaves a count mask's display range at 0–255".
    assert printed["display"] == "display 0-255 bits 16"
    assert "display range at 0–255" in text
    # "an 8-bit indexed-colour image ... the indices equal the labels 1 to 6".
    with Image.open(out / "left.png") as image:
        assert image.mode == "P"
        indices = np.asarray(image)
    labels = activity1.reference_labels()
    assert np.array_equal(indices, labels)
    assert "the\n> indices equal the labels 1 to 6" in text
    # "ImageJ reopens the file as an 8-bit image with those values".
    assert printed["reopened"] == "reopened bits 8 values 1 2 3 4 5 6"
    assert "ImageJ reopens the file as an 8-bit image" in text


def test_another_display_range_writes_other_values(measured):
    out, printed = measured
    assert printed["reset"] == "reset 0-6"
    with Image.open(out / "reset.png") as image:
        values = sorted(set(np.unique(np.asarray(image))) - {0})
    assert values == [37, 73, 110, 146, 183, 219]
    assert "written as 37, 73, 110, 146, 183 and 219" in _notebook_text()


def test_labels_above_255_are_all_written_as_255(measured):
    import tifffile

    out, printed = measured
    assert printed["nuclei"] == "nuclei display 0-255"
    labels = tifffile.imread(out / "nuclei.tif")
    assert labels.max() > 255
    with Image.open(out / "nuclei.png") as image:
        indices = np.asarray(image)
    assert np.array_equal(indices[labels <= 255], labels[labels <= 255])
    assert (indices[labels > 255] == 255).all()
    assert "every label above 255 is written as 255" in _notebook_text()


def test_other_programs_read_colours_and_a_grey_lut_keeps_16_bit(measured):
    out, _ = measured
    # imageio (and scikit-image, which reads through it) gives the colours.
    colours = iio.imread(out / "left.png")
    assert colours.shape == (200, 200, 3)
    assert "Python's imageio and scikit-image" in _notebook_text()
    # "with a grey LUT ... ImageJ saves the 16-bit values".
    with Image.open(out / "grays.png") as image:
        assert image.mode.startswith("I")
        assert np.array_equal(np.asarray(image), activity1.reference_labels())
    assert "ImageJ saves the 16-bit values" in _notebook_text()
