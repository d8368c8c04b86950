"""The label mask verdicts, confirmed with real ImageJ.

One ImageJ run (about a second) opens every file and also writes TIFFs of its
own; the tests then compare what ImageJ saw with what the checker says.

Observed with ImageJ 1.53t (Debian):

- uint8, uint16 (either byte order): opened unchanged, 8- and 16-bit.
- int8: opened as unsigned 8-bit; non-negative values unchanged, -5 becomes 251.
- int16: opened as 16-bit with 32768 added to every raw pixel value; the
  calibration function shows the original values.
- int32, uint32, float32: opened as 32-bit float; exact up to 2**24, so
  16,777,217 becomes 16,777,216, and unsigned values above 2**31 turn negative.
- int64, uint64, float64, float16: not opened ("Unsupported format").

The fixture runs ImageJ headless, where ``open(file)`` and ``run(...)`` fail
(they build menus); opening a folder (one file per folder) and ``saveAs("Tiff")``
work, so the macro uses those.
"""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from outputsaving.labels import FLOAT32_EXACT_LIMIT, check_label_mask

pytestmark = pytest.mark.imagej

# Two rows, three columns: background, labels, and a value that tells types apart.
VALUES = {
    "uint8": np.array([[0, 1, 2], [3, 100, 250]], dtype=np.uint8),
    "int8": np.array([[0, 1, 2], [3, 100, -5]], dtype=np.int8),
    "uint16": np.array([[0, 1, 2], [3, 300, 40_000]], dtype=np.uint16),
    "uint16_imagej": np.array([[0, 1, 2], [3, 300, 40_000]], dtype=np.uint16),
    "uint16_bigendian": np.array([[0, 1, 2], [3, 300, 40_000]], dtype=">u2"),
    "int16": np.array([[0, 1, 2], [3, 300, 30_000]], dtype=np.int16),
    "int32": np.array([[0, 1, 2], [3, 300, 40_000]], dtype=np.int32),
    "uint32": np.array([[0, 1, 2], [3, 300, 40_000]], dtype=np.uint32),
    "float32": np.array([[0, 1, 2], [3, 300, 40_000]], dtype=np.float32),
    "int32_big": np.array([[0, 1, 2], [3, 300, 2**24 + 1]], dtype=np.int32),
    "uint32_huge": np.array([[0, 1, 2], [3, 300, 4_000_000_000]], dtype=np.uint32),
    "int64": np.array([[0, 1, 2], [3, 300, 40_000]], dtype=np.int64),
    "uint64": np.array([[0, 1, 2], [3, 300, 40_000]], dtype=np.uint64),
    "float64": np.array([[0, 1, 2], [3, 300, 40_000]], dtype=np.float64),
    "float16": np.array([[0, 1, 2], [3, 300, 2000]], dtype=np.float16),
}

MACRO = """
setBatchMode(true);
names = newArray(%(names)s);
for (i = 0; i < names.length; i++) {
    open(getDir("cwd") + names[i]);
    if (nImages == 0) {
        print(names[i] + " not-opened");
        continue;
    }
    raw = "";
    calibrated = "";
    for (y = 0; y < 2; y++) for (x = 0; x < 3; x++) {
        raw = raw + d2s(getPixel(x, y), 0) + ",";
        calibrated = calibrated + d2s(calibrate(getPixel(x, y)), 0) + ",";
    }
    print(names[i] + " bitdepth=" + bitDepth() + " raw=" + raw
        + " calibrated=" + calibrated);
    close();
}
newImage("mask16", "16-bit black", 5, 4, 1);
setPixel(1, 1, 1); setPixel(2, 1, 1); setPixel(3, 2, 40000); setPixel(0, 3, 300);
saveAs("Tiff", getDir("cwd") + "imagej16.tif");
close();
newImage("mask8", "8-bit black", 5, 4, 1);
setPixel(1, 1, 1); setPixel(3, 2, 2);
reds = newArray(256); greens = newArray(256); blues = newArray(256);
for (i = 0; i < 256; i++) {
    reds[i] = (i * 37) %% 256; greens[i] = (i * 91) %% 256; blues[i] = (i * 53) %% 256;
}
setLut(reds, greens, blues);
saveAs("Tiff", getDir("cwd") + "imagej8_lut.tif");
print("saved");
"""

IMAGEJ16 = np.zeros((4, 5), dtype=np.uint16)
IMAGEJ16[1, 1:3] = 1
IMAGEJ16[2, 3] = 40_000
IMAGEJ16[3, 0] = 300
IMAGEJ8 = np.zeros((4, 5), dtype=np.uint8)
IMAGEJ8[1, 1] = 1
IMAGEJ8[2, 3] = 2


@pytest.fixture(scope="module")
def seen(imagej, tmp_path_factory):
    """Run ImageJ once over all files; return (folder, {name: (bitdepth, raw, cal)})."""
    workdir = tmp_path_factory.mktemp("labels_imagej")
    for name, array in VALUES.items():
        folder = workdir / name
        folder.mkdir()
        options = {"imagej": True} if name == "uint16_imagej" else {}
        if name == "uint16_bigendian":
            options = {"byteorder": ">"}
        tifffile.imwrite(folder / f"{name}.tif", array, **options)
    names = ", ".join(f'"{name}"' for name in VALUES)
    lines = imagej.run_lines(MACRO % {"names": names}, workdir)
    assert "saved" in lines
    opened = {}
    for line in lines:
        parts = line.split()
        if not parts or parts[0] not in VALUES:
            continue
        if parts[1] == "not-opened":
            opened[parts[0]] = None
            continue
        fields = dict(part.split("=") for part in parts[1:])
        opened[parts[0]] = (
            int(fields["bitdepth"]),
            [float(v) for v in fields["raw"].strip(",").split(",")],
            [float(v) for v in fields["calibrated"].strip(",").split(",")],
        )
    assert set(opened) == set(VALUES)
    return workdir, opened


def check(workdir, name):
    return check_label_mask(workdir / name / f"{name}.tif")


@pytest.mark.parametrize(
    ("name", "bitdepth"),
    [("uint8", 8), ("uint16", 16), ("uint16_imagej", 16), ("uint16_bigendian", 16)],
)
def test_unsigned_8_and_16_bit_open_unchanged_and_pass(seen, name, bitdepth):
    workdir, opened = seen
    assert opened[name][0] == bitdepth
    assert opened[name][1] == VALUES[name].ravel().astype(float).tolist()
    result = check(workdir, name)
    assert result.passed
    assert result.codes == []


@pytest.mark.parametrize("name", ["int32", "uint32", "float32"])
def test_32bit_types_open_as_float_exactly_and_pass_with_a_note(seen, name):
    workdir, opened = seen
    bitdepth, raw, _ = opened[name]
    assert bitdepth == 32
    assert raw == VALUES[name].ravel().astype(float).tolist()
    result = check(workdir, name)
    assert result.passed
    assert result.codes == ["labels.float32_in_imagej"]


def test_32bit_labels_beyond_2_to_24_change_in_imagej_and_fail(seen):
    workdir, opened = seen
    assert opened["int32_big"][1][-1] == FLOAT32_EXACT_LIMIT  # 2**24 + 1 is lost
    assert opened["uint32_huge"][1][-1] == 4_000_000_000 - 2**32  # turns negative
    for name in ("int32_big", "uint32_huge"):
        assert check(workdir, name).codes == ["labels.beyond_float32"]


def test_int16_is_shifted_by_32768_in_imagej_and_fails(seen):
    workdir, opened = seen
    bitdepth, raw, calibrated = opened["int16"]
    original = VALUES["int16"].ravel().astype(float)
    assert bitdepth == 16
    assert raw == (original + 32768).tolist()  # background is 32768, not 0
    assert calibrated == original.tolist()
    result = check(workdir, "int16")
    assert result.codes == ["labels.signed_16bit"]
    assert "32768" in result.findings[0].message


def test_int8_opens_as_unsigned_8bit_in_imagej(seen):
    workdir, opened = seen
    bitdepth, raw, _ = opened["int8"]
    assert bitdepth == 8
    assert raw == VALUES["int8"].ravel().astype(np.uint8).astype(float).tolist()
    assert raw[-1] == 251  # -5 read as unsigned
    assert check(workdir, "int8").codes == ["labels.negative"]


@pytest.mark.parametrize("name", ["int64", "uint64", "float64", "float16"])
def test_types_imagej_cannot_open_fail(seen, name):
    workdir, opened = seen
    assert opened[name] is None
    result = check(workdir, name)
    assert result.codes == ["labels.dtype_imagej_cannot_open"]


def test_imagej_written_16bit_tiff_is_big_endian_and_passes(seen):
    workdir, _ = seen
    path = workdir / "imagej16.tif"
    with tifffile.TiffFile(path) as tif:
        assert tif.byteorder == ">"
        assert tif.is_imagej
    result = check_label_mask(path, reference=IMAGEJ16)
    assert result.passed, result.report()
    assert result.codes == []
    np.testing.assert_array_equal(result.content, IMAGEJ16)


def test_imagej_8bit_tiff_with_a_colour_lut_keeps_labels(seen):
    workdir, _ = seen
    path = workdir / "imagej8_lut.tif"
    with tifffile.TiffFile(path) as tif:
        assert tif.pages.first.photometric == tifffile.PHOTOMETRIC.PALETTE
    result = check_label_mask(path, reference=IMAGEJ8)
    assert result.passed
    assert result.codes == ["labels.palette_tiff"]
