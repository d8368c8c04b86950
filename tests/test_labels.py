"""Tests for outputsaving.labels: every bad label mask file is built by code here."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
import tifffile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_settings import SLOW_IS_FINE
from PIL import Image
from skimage.measure import label

from outputsaving.labels import (
    FLOAT32_EXACT_LIMIT,
    check_label_mask,
    read_label_mask,
)

# Three objects, one of them touching the border; background 0 is most frequent.
LABELS = np.zeros((12, 15), dtype=np.uint16)
LABELS[1:4, 1:5] = 1
LABELS[6:10, 2:6] = 2
LABELS[3:12, 9:13] = 3


def save_tiff(path, array, **kwargs):
    tifffile.imwrite(path, array, **kwargs)
    return path


def save_pillow(path, array, **kwargs):
    Image.fromarray(array).save(path, **kwargs)
    return path


def cut_in_half(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def many_objects(count: int) -> np.ndarray:
    """Labels 1..count as single pixels three pixels apart, background 0."""
    side = 3 * int(np.ceil(np.sqrt(count)))
    labels = np.zeros((side, side), dtype=np.int64)
    grid = labels[::3, ::3]
    grid.flat[:count] = np.arange(1, count + 1)
    return labels


# -- files that pass ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "write"),
    [
        ("plain.tif", lambda p, a: save_tiff(p, a)),
        ("imagej.tif", lambda p, a: save_tiff(p, a, imagej=True)),
        ("bigendian.tif", lambda p, a: save_tiff(p, a, byteorder=">", imagej=True)),
        ("zlib.tif", lambda p, a: save_tiff(p, a, compression="zlib")),
        ("lzw.tif", lambda p, a: save_tiff(p, a, compression="lzw")),
        ("leading1.tif", lambda p, a: save_tiff(p, a[np.newaxis])),
        ("trailing1.tif", lambda p, a: save_tiff(p, a[..., np.newaxis])),
        ("grey16.png", lambda p, a: save_pillow(p, a)),
        ("grey8.png", lambda p, a: save_pillow(p, a.astype(np.uint8))),
    ],
)
def test_lossless_label_files_pass_with_reference(tmp_path, name, write):
    path = write(tmp_path / name, LABELS)
    result = check_label_mask(path, reference=LABELS)
    assert result.passed, result.report()
    assert result.codes == []
    assert result.kind == "labels"
    np.testing.assert_array_equal(result.content, LABELS)
    assert result.content.ndim == 2


def test_16bit_png_keeps_values_above_255(tmp_path):
    labels = LABELS.copy()
    labels[labels == 3] = 40_000
    path = save_pillow(tmp_path / "mask.png", labels)
    with Image.open(path) as image:
        assert image.mode == "I;16"
    result = check_label_mask(path, reference=labels)
    assert result.passed, result.report()
    assert result.content.dtype == np.uint16
    assert result.content.max() == 40_000


def test_renumbered_labels_pass(tmp_path):
    renumbered = np.array([0, 7, 2, 500], dtype=np.uint16)[LABELS]
    result = check_label_mask(
        save_tiff(tmp_path / "m.tif", renumbered), reference=LABELS
    )
    assert result.passed, result.report()


def test_reference_can_be_a_path(tmp_path):
    reference = save_tiff(tmp_path / "reference.tif", LABELS)
    result = check_label_mask(
        save_pillow(tmp_path / "m.png", LABELS), reference=reference
    )
    assert result.passed, result.report()


def test_bad_reference_raises_instead_of_blaming_the_learner(tmp_path):
    path = save_tiff(tmp_path / "m.tif", LABELS)
    with pytest.raises(ValueError, match="2-D"):
        check_label_mask(path, reference=np.zeros((2, 3, 4), dtype=np.uint8))


def test_format_is_judged_by_content_not_name(tmp_path):
    path = save_pillow(tmp_path / "mask.png", LABELS)
    renamed = path.rename(tmp_path / "mask.tif")
    result = check_label_mask(renamed, reference=LABELS)
    assert result.passed, result.report()
    jpeg = save_pillow(
        tmp_path / "really_jpeg.png", LABELS.astype(np.uint8) * 60, format="JPEG"
    )
    assert "labels.lossy_jpeg" in check_label_mask(jpeg).codes


# -- not an image, damaged ---------------------------------------------------


def _text(path):
    path.write_text("label\tarea\n1\t12\n", encoding="utf-8")


def _zip(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mask.tif", b"not really")


def _npy(path):
    with open(path, "wb") as file:
        np.save(file, LABELS)


@pytest.mark.parametrize(
    ("write", "words"),
    [(_text, "a text file"), (_zip, "a zip archive"), (_npy, "a NumPy .npy file")],
)
def test_not_an_image(tmp_path, write, words):
    path = tmp_path / "mask.tif"
    write(path)
    result = check_label_mask(path)
    assert result.codes == ["labels.not_an_image"]
    assert words in result.findings[0].message
    assert result.content is None


def test_random_bytes_are_not_an_image(tmp_path):
    path = tmp_path / "mask.tif"
    path.write_bytes(
        bytes(np.random.default_rng(3).integers(0, 256, 500, dtype=np.uint8))
    )
    assert check_label_mask(path).codes == ["labels.not_an_image"]


@pytest.mark.parametrize(
    ("name", "write", "codes"),
    [
        ("m.tif", save_tiff, ["labels.unreadable"]),
        ("m.png", save_pillow, ["labels.unreadable"]),
        ("m.jpg", save_pillow, ["labels.lossy_jpeg", "labels.unreadable"]),
    ],
)
def test_truncated_files_are_unreadable(tmp_path, name, write, codes):
    big = np.kron(LABELS, np.ones((8, 8), dtype=np.uint16))
    array = big.astype(np.uint8) * 60 if name.endswith("jpg") else big
    path = cut_in_half(write(tmp_path / name, array))
    result = check_label_mask(path)
    assert result.codes == codes
    assert "truncated or damaged" in result.findings[-1].message
    assert result.content is None


def test_missing_and_empty_files(tmp_path):
    assert check_label_mask(tmp_path / "nothing.tif").codes == ["file.missing"]
    (tmp_path / "empty.tif").write_bytes(b"")
    assert check_label_mask(tmp_path / "empty.tif").codes == ["file.empty"]


def test_corrupt_lzw_strip_is_unreadable_not_a_crash(tmp_path):
    # imagecodecs 2026.3.6 segfaults on this strip: its first code after the
    # clear code is not a literal. The checker must refuse it before decoding.
    path = save_tiff(tmp_path / "m.tif", LABELS, compression="lzw")
    with tifffile.TiffFile(path) as tif:
        offset = tif.pages.first.dataoffsets[0]
    data = bytearray(path.read_bytes())
    data[offset + 1] = 0x6B
    path.write_bytes(bytes(data))
    assert check_label_mask(path).codes == ["labels.unreadable"]


# -- lossy -------------------------------------------------------------------


def test_jpeg_file_is_named_lossy(tmp_path):
    path = save_pillow(tmp_path / "mask.jpg", (LABELS * 60).astype(np.uint8))
    result = check_label_mask(path, reference=LABELS)
    assert result.codes[0] == "labels.lossy_jpeg"
    assert not result.passed
    message = result.findings[0].message
    assert "JPEG" in message
    assert "changes label values" in message
    assert "imwrite" not in message
    assert result.content is not None


def test_jpeg_compressed_tiff_is_named_before_decoding(tmp_path, monkeypatch):
    path = save_tiff(
        tmp_path / "mask.tif", (LABELS * 60).astype(np.uint8), compression="jpeg"
    )

    def refuse(*args, **kwargs):
        raise ValueError("no JPEG codec")

    monkeypatch.setattr(tifffile.TiffPageSeries, "asarray", refuse)
    result = check_label_mask(path)
    assert result.codes == ["labels.lossy_jpeg"]


@pytest.mark.parametrize(
    ("compression", "array"),
    [
        ("jpegxl", LABELS.astype(np.uint8)),
        ("webp", np.dstack([LABELS.astype(np.uint8)] * 3)),
    ],
)
def test_other_lossy_tiff_compressions(tmp_path, compression, array):
    path = save_tiff(tmp_path / "mask.tif", array, compression=compression)
    result = check_label_mask(path)
    assert "labels.lossy_tiff" in result.codes
    assert compression.upper() in result.findings[0].message


def test_webp_file_is_lossy(tmp_path):
    path = save_pillow(tmp_path / "mask.webp", LABELS.astype(np.uint8))
    result = check_label_mask(path)
    assert "labels.lossy_format" in result.codes
    assert "WebP" in result.findings[0].message


# -- colour, palette ---------------------------------------------------------


def coloured(labels):
    lut = np.array([[0, 0, 0], [230, 25, 75], [60, 180, 75], [0, 130, 200]], np.uint8)
    return lut[labels]


@pytest.mark.parametrize("writer", [save_tiff, save_pillow])
def test_colour_image_is_not_a_label_image(tmp_path, writer):
    path = writer(
        tmp_path / ("m.tif" if writer is save_tiff else "m.png"), coloured(LABELS)
    )
    result = check_label_mask(path, reference=LABELS)
    assert result.codes == ["labels.colour"]
    assert "RGB" in result.findings[0].message
    assert result.content is None


def test_rgba_png_is_colour(tmp_path):
    rgba = np.dstack([coloured(LABELS), np.full(LABELS.shape, 255, np.uint8)])
    assert check_label_mask(save_pillow(tmp_path / "m.png", rgba)).codes == [
        "labels.colour"
    ]


@pytest.mark.parametrize("writer", [save_tiff, save_pillow])
def test_grey_stored_as_rgb(tmp_path, writer):
    grey = np.dstack([LABELS.astype(np.uint8)] * 3)
    path = writer(tmp_path / ("m.tif" if writer is save_tiff else "m.png"), grey)
    result = check_label_mask(path, reference=LABELS)
    assert result.codes == ["labels.grey_as_rgb"]
    np.testing.assert_array_equal(result.content, LABELS)


def test_grey_with_alpha_has_extra_channels(tmp_path):
    image = Image.fromarray(LABELS.astype(np.uint8)).convert("LA")
    image.save(tmp_path / "m.png")
    result = check_label_mask(tmp_path / "m.png")
    assert result.codes == ["labels.extra_channels"]
    assert "2 channels" in result.findings[0].message


def test_palette_png_is_named(tmp_path):
    # What ImageJ writes for a 16-bit mask shown with a colour lookup table.
    image = Image.fromarray(LABELS.astype(np.uint8), mode="L").convert("P")
    image.putpalette(coloured(np.arange(4)).ravel().tolist() * 64)
    image.save(tmp_path / "m.png")
    with Image.open(tmp_path / "m.png") as reopened:
        assert reopened.mode == "P"
    result = check_label_mask(tmp_path / "m.png", reference=LABELS)
    assert result.codes == ["labels.palette"]
    message = result.findings[0].message
    assert "palette" in message
    assert "16-bit" in message


def test_colour_gif_is_a_palette_image(tmp_path):
    image = Image.fromarray(LABELS.astype(np.uint8), mode="L").convert("P")
    image.putpalette(coloured(np.arange(4)).ravel().tolist() * 64)
    image.save(tmp_path / "m.gif")
    assert check_label_mask(tmp_path / "m.gif").codes == ["labels.palette"]


def test_palette_tiff_keeps_labels_with_a_note(tmp_path):
    colormap = np.zeros((3, 256), dtype=np.uint16)
    colormap[:, :4] = coloured(np.arange(4)).T.astype(np.uint16) * 257
    path = save_tiff(
        tmp_path / "m.tif",
        LABELS.astype(np.uint8),
        photometric="palette",
        colormap=colormap,
    )
    result = check_label_mask(path, reference=LABELS)
    assert result.passed
    assert result.codes == ["labels.palette_tiff"]
    np.testing.assert_array_equal(result.content, LABELS)


# -- size, shape -------------------------------------------------------------


def test_too_many_pixels_refused_before_decoding(tmp_path, monkeypatch):
    path = save_tiff(tmp_path / "m.tif", LABELS)

    def refuse(*args, **kwargs):
        raise AssertionError("decoded")

    monkeypatch.setattr(tifffile.TiffPageSeries, "asarray", refuse)
    result = check_label_mask(path, max_pixels=100)
    assert result.codes == ["labels.image_too_large"]
    assert "180" in result.findings[0].message
    assert result.content is None


def test_too_many_pixels_png(tmp_path, monkeypatch):
    path = save_pillow(tmp_path / "m.png", LABELS)
    monkeypatch.setattr(Image.Image, "load", lambda self: pytest.fail("decoded"))
    assert check_label_mask(path, max_pixels=100).codes == ["labels.image_too_large"]


def test_pillow_decompression_bomb_is_a_finding(tmp_path, monkeypatch):
    path = save_pillow(tmp_path / "m.png", LABELS)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)
    result = check_label_mask(path)
    assert result.codes == ["labels.image_too_large"]
    assert "180" in result.findings[0].message


def test_file_too_large(tmp_path):
    path = save_tiff(tmp_path / "m.tif", LABELS)
    assert check_label_mask(path, max_bytes=100).codes == ["file.too_large"]


def test_stack_is_not_2d(tmp_path):
    stack = np.stack([LABELS, LABELS, LABELS, LABELS])
    path = save_tiff(tmp_path / "m.tif", stack, photometric="minisblack")
    result = check_label_mask(path)
    assert result.codes == ["labels.not_2d"]
    assert "4 x 12 x 15" in result.findings[0].message


def test_several_images_in_one_tiff(tmp_path):
    path = save_tiff(tmp_path / "m.tif", LABELS)
    tifffile.imwrite(path, LABELS[:5], append=True)
    result = check_label_mask(path, reference=LABELS)
    assert result.codes == ["labels.several_images"]
    np.testing.assert_array_equal(result.content, LABELS)


def test_animated_gif_holds_several_images(tmp_path):
    frames = [Image.fromarray(LABELS.astype(np.uint8) * k) for k in (1, 2)]
    frames[0].save(tmp_path / "m.gif", save_all=True, append_images=frames[1:])
    assert "labels.several_images" in check_label_mask(tmp_path / "m.gif").codes


@pytest.mark.parametrize(
    ("array", "code", "words"),
    [
        (LABELS[:10], "labels.shape_mismatch", "10 x 15"),
        (LABELS.T, "labels.shape_transposed", "swapped"),
    ],
)
def test_shape_against_reference(tmp_path, array, code, words):
    result = check_label_mask(save_tiff(tmp_path / "m.tif", array), reference=LABELS)
    assert result.codes == [code]
    assert words in result.findings[0].message
    assert "12 x 15" in result.findings[0].message


# -- pixel types -------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtype", "codes"),
    [
        ("uint8", []),
        ("uint16", []),
        ("int8", ["labels.signed_8bit"]),
        ("int16", ["labels.signed_16bit"]),
        ("int32", ["labels.float32_in_imagej"]),
        ("uint32", ["labels.float32_in_imagej"]),
        ("float32", ["labels.float32_in_imagej"]),
        ("float16", ["labels.dtype_imagej_cannot_open"]),
        ("int64", ["labels.dtype_imagej_cannot_open"]),
        ("uint64", ["labels.dtype_imagej_cannot_open"]),
        ("float64", ["labels.dtype_imagej_cannot_open"]),
    ],
)
def test_pixel_types(tmp_path, dtype, codes):
    path = save_tiff(tmp_path / "m.tif", LABELS.astype(dtype))
    result = check_label_mask(path, reference=LABELS)
    assert result.codes == codes
    assert result.content.dtype == np.dtype(dtype)
    passing = dtype in ("uint8", "uint16", "int8", "int32", "uint32", "float32")
    assert result.passed == passing


def test_float32_note_names_the_limit_and_largest_label(tmp_path):
    result = check_label_mask(save_tiff(tmp_path / "m.tif", LABELS.astype(np.int32)))
    message = result.findings[0].message
    assert "16,777,216" in message
    assert "up to 3" in message


def test_64bit_message_names_the_type(tmp_path):
    result = check_label_mask(save_tiff(tmp_path / "m.tif", LABELS.astype(np.int64)))
    assert "int64" in result.findings[0].message
    assert "ImageJ cannot open" in result.findings[0].message


@pytest.mark.parametrize("dtype", ["uint32", "int32", "float32"])
def test_labels_beyond_float32_precision_fail(tmp_path, dtype):
    labels = LABELS.astype(dtype)
    labels[labels == 3] = FLOAT32_EXACT_LIMIT + 2
    result = check_label_mask(save_tiff(tmp_path / "m.tif", labels))
    assert result.codes == ["labels.beyond_float32"]
    assert "16,777,218" in result.findings[0].message


def test_non_integer_floats_fail(tmp_path):
    labels = LABELS.astype(np.float32)
    labels[0, 0] = 0.5
    result = check_label_mask(save_tiff(tmp_path / "m.tif", labels))
    assert result.codes == ["labels.not_integer"]
    assert "0.5" in result.findings[0].message


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_fail(tmp_path, bad):
    labels = LABELS.astype(np.float32)
    labels[0, 0] = bad
    result = check_label_mask(save_tiff(tmp_path / "m.tif", labels))
    assert result.codes == ["labels.not_finite"]
    assert "1 NaN" in result.findings[0].message


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "float32"])
def test_negative_labels_fail(tmp_path, dtype):
    labels = LABELS.astype(dtype)
    labels[labels == 2] = -2
    result = check_label_mask(save_tiff(tmp_path / "m.tif", labels))
    assert "labels.negative" in result.codes
    assert "-2" in result.findings[0].message
    assert "labels.float32_in_imagej" not in result.codes


# -- binary masks, background ------------------------------------------------


@pytest.mark.parametrize("value", [1, 255])
def test_binary_mask_without_reference(tmp_path, value):
    binary = ((LABELS > 0) * value).astype(np.uint8)
    result = check_label_mask(save_tiff(tmp_path / "m.tif", binary))
    assert result.codes == ["labels.binary"]
    message = result.findings[0].message
    assert f"({value})" in message
    assert "all 3 objects" in message


def test_boolean_tiff_is_a_binary_mask(tmp_path):
    result = check_label_mask(save_tiff(tmp_path / "m.tif", LABELS > 0))
    assert result.codes == ["labels.binary"]


def test_diagonal_neighbours_are_one_object(tmp_path):
    # One object made of two diagonal pixels is a label image with one label.
    mask = np.zeros((5, 5), dtype=np.uint8)
    mask[1, 1] = mask[2, 2] = 255
    assert check_label_mask(save_tiff(tmp_path / "m.tif", mask)).codes == []


def test_one_value_other_than_1_or_255_is_not_called_binary(tmp_path):
    mask = ((LABELS > 0) * 7).astype(np.uint8)
    assert check_label_mask(save_tiff(tmp_path / "m.tif", mask)).codes == []


def test_binary_mask_with_reference(tmp_path):
    binary = ((LABELS > 0) * 255).astype(np.uint8)
    result = check_label_mask(save_pillow(tmp_path / "m.png", binary), reference=LABELS)
    assert result.codes == ["labels.binary"]


def test_inverted_binary_mask_has_a_background_not_zero(tmp_path):
    inverted = ((LABELS == 0) * 255).astype(np.uint8)
    result = check_label_mask(save_tiff(tmp_path / "m.tif", inverted))
    assert result.codes == ["labels.background_not_zero"]
    assert "255" in result.findings[0].message
    with_reference = check_label_mask(tmp_path / "m.tif", reference=LABELS)
    assert with_reference.codes == ["labels.binary", "labels.background_not_zero"]


def test_background_shifted_by_one(tmp_path):
    result = check_label_mask(
        save_tiff(tmp_path / "m.tif", LABELS + 1), reference=LABELS
    )
    assert result.codes == ["labels.background_not_zero"]
    assert "value 1" in result.findings[0].message
    assert check_label_mask(tmp_path / "m.tif").codes == ["labels.background_not_zero"]


def test_large_object_on_the_border_is_not_background(tmp_path):
    labels = np.zeros((20, 20), dtype=np.uint16)
    labels[:, :9] = 1  # touches three borders, but 0 is more frequent
    labels[12:15, 12:15] = 2
    assert check_label_mask(save_tiff(tmp_path / "m.tif", labels)).codes == []


def test_empty_mask_is_noted(tmp_path):
    path = save_tiff(tmp_path / "m.tif", np.zeros((5, 5), np.uint8))
    result = check_label_mask(path)
    assert result.codes == ["labels.no_objects"]
    assert result.passed
    with_reference = check_label_mask(path, reference=LABELS[:5, :5])
    assert with_reference.codes == ["labels.objects_lost"]


# -- objects against the reference -------------------------------------------


def test_lost_merged_split_and_extra_objects_are_counted(tmp_path):
    reference = np.zeros((16, 16), dtype=np.int64)
    for value, start in enumerate((1, 5, 9, 12), start=1):
        reference[start : start + 3, start : start + 3] = value  # 3 x 3 squares
    mask = reference.copy()
    mask[mask == 1] = 0  # lost
    mask[mask == 3] = 2  # 2 and 3 merged
    mask[14, 14] = 9  # object 4 split in two
    mask[0, 15] = 10  # an extra object on the background
    result = check_label_mask(
        save_tiff(tmp_path / "m.tif", mask.astype(np.uint16)), reference=reference
    )
    assert result.codes == [
        "labels.objects_lost",
        "labels.objects_merged",
        "labels.objects_split",
        "labels.objects_extra",
    ]
    messages = [f.message for f in result.findings]
    assert messages[0].startswith("1 of the 4 reference objects")
    assert messages[1].startswith("2 of the 4 reference objects")
    assert messages[2].startswith("1 of the 4")
    assert "1 labelled object where" in messages[3]


def test_outlines_differ(tmp_path):
    mask = LABELS.copy()
    mask[4, 9] = 0  # one pixel of object 3 lost to background
    result = check_label_mask(save_tiff(tmp_path / "m.tif", mask), reference=LABELS)
    assert result.codes == ["labels.outlines_differ"]
    assert "1 pixel has" in result.findings[0].message


def test_8bit_wrap_around_is_named(tmp_path):
    reference = many_objects(300)
    wrapped = reference.astype(np.uint8)  # 256 -> 0, 257 -> 1, ...
    result = check_label_mask(
        save_tiff(tmp_path / "m.tif", wrapped), reference=reference
    )
    assert result.codes == ["labels.wrapped_8bit"]
    message = result.findings[0].message
    assert "300 objects" in message
    assert "16-bit" in message
    assert "astype" not in message


def test_8bit_clipped_labels_too_many_objects(tmp_path):
    reference = many_objects(300)
    clipped = np.clip(reference, 0, 255).astype(np.uint8)
    result = check_label_mask(
        save_tiff(tmp_path / "m.tif", clipped), reference=reference
    )
    assert result.codes == ["labels.too_many_for_8bit"]


def test_16bit_with_many_objects_passes(tmp_path):
    reference = many_objects(300)
    path = save_pillow(tmp_path / "m.png", reference.astype(np.uint16))
    assert check_label_mask(path, reference=reference).passed


def test_all_findings_at_once(tmp_path):
    labels = LABELS.astype(np.float64)
    labels[0, 0] = 0.25
    result = check_label_mask(
        save_tiff(tmp_path / "m.tif", labels[:11]), reference=LABELS
    )
    assert result.codes == [
        "labels.dtype_imagej_cannot_open",
        "labels.not_integer",
        "labels.shape_mismatch",
    ]


def test_skimage_label_dtypes_as_documented():
    # The module docstring states these; a change in scikit-image should show.
    assert label(np.eye(3, dtype=bool)).dtype == np.int32
    assert label(np.eye(3, dtype=np.uint8)).dtype == np.intp


# -- read_label_mask ----------------------------------------------------------


def test_read_label_mask(tmp_path):
    path = save_tiff(tmp_path / "m.tif", LABELS, byteorder=">")
    np.testing.assert_array_equal(read_label_mask(path), LABELS)
    with pytest.raises(ValueError, match="colour"):
        read_label_mask(save_pillow(tmp_path / "c.png", coloured(LABELS)))


# -- properties --------------------------------------------------------------


@st.composite
def label_images(draw):
    """Small label images: labelled random noise, or rectangles drawn in turn."""
    rows = draw(st.integers(4, 64))
    cols = draw(st.integers(4, 64))
    if draw(st.booleans()):
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        return label(rng.random((rows, cols)) > 0.75).astype(np.uint16)
    labels = np.zeros((rows, cols), dtype=np.uint16)
    for value in range(1, draw(st.integers(1, 6)) + 1):
        top = draw(st.integers(0, rows - 2))
        left = draw(st.integers(0, cols - 2))
        height = draw(st.integers(1, rows - top))
        width = draw(st.integers(1, cols - left))
        labels[top : top + height, left : left + width] = value * 997 % 65_000 + 1
    # Number what remains visible 1..n (0 stays background when present).
    return (
        np.unique(labels, return_inverse=True)[1]
        .reshape(labels.shape)
        .astype(np.uint16)
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, *SLOW_IS_FINE],
)
@given(labels=label_images(), kind=st.sampled_from(["tiff", "png"]))
def test_property_lossless_round_trip_passes(tmp_path, labels, kind):
    path = tmp_path / f"m.{kind}"
    if kind == "tiff":
        tifffile.imwrite(path, labels)
    else:
        Image.fromarray(labels).save(path)
    result = check_label_mask(path, reference=labels)
    assert result.passed, result.report()
    np.testing.assert_array_equal(result.content, labels)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, *SLOW_IS_FINE],
)
@given(labels=label_images())
def test_property_jpeg_always_fails_as_lossy(tmp_path, labels):
    path = tmp_path / "m.jpg"
    Image.fromarray((labels * 40).astype(np.uint8)).save(path)
    result = check_label_mask(path, reference=labels)
    assert not result.passed
    assert "labels.lossy_jpeg" in result.codes


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, *SLOW_IS_FINE],
)
@given(data=st.binary(min_size=1, max_size=2000))
def test_property_random_bytes_never_crash(tmp_path, data):
    path = tmp_path / "m.tif"
    path.write_bytes(data)
    result = check_label_mask(path)
    assert "file.unexpected" not in result.codes


def _valid_files() -> dict[str, bytes]:
    files = {}
    big = np.kron(LABELS, np.ones((2, 2), dtype=np.uint16))
    for name, kwargs in {
        "plain": {},
        "imagej": {"imagej": True, "byteorder": ">"},
        "zlib": {"compression": "zlib"},
        "lzw": {"compression": "lzw"},
        "packbits": {"compression": "packbits"},
        "tiled": {"tile": (16, 16)},
    }.items():
        buffer = io.BytesIO()
        tifffile.imwrite(buffer, big, **kwargs)
        files[name] = buffer.getvalue()
    for name, array, fmt in (
        ("png16", big, "PNG"),
        ("png8", big.astype(np.uint8), "PNG"),
        ("jpeg", big.astype(np.uint8) * 60, "JPEG"),
        ("gif", big.astype(np.uint8), "GIF"),
    ):
        buffer = io.BytesIO()
        Image.fromarray(array).save(buffer, format=fmt)
        files[name] = buffer.getvalue()
    return files


VALID_FILES = _valid_files()


@st.composite
def mutated_files(draw):
    data = bytearray(VALID_FILES[draw(st.sampled_from(sorted(VALID_FILES)))])
    for _ in range(draw(st.integers(1, 3))):
        operation = draw(st.sampled_from(["flip", "set", "cut", "delete"]))
        if not data:
            break
        position = draw(st.integers(0, len(data) - 1))
        if operation == "flip":
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif operation == "set":
            data[position] = draw(st.integers(0, 255))
        elif operation == "cut":
            data = data[: max(position, 1)]
        else:
            del data[position : position + draw(st.integers(1, 40))]
    return bytes(data) or b"\x00"


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, *SLOW_IS_FINE],
)
@given(data=mutated_files())
def test_property_mutated_files_never_crash(tmp_path, data):
    path = tmp_path / "m.tif"
    path.write_bytes(data)
    result = check_label_mask(path)
    assert "file.unexpected" not in result.codes, result.report()
    assert result.content is None or result.content.ndim == 2
