"""Tests for outputsaving.rois: tracing labels as ImageJ ROIs, checking ROI zips."""

from __future__ import annotations

import io
import stat
import struct
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest
import roifile
import tifffile
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from hypothesis_settings import SLOW_IS_FINE
from roifile import ROI_TYPE, ImagejRoi
from scipy import ndimage
from skimage.draw import polygon2mask

from outputsaving.rois import _rasterise, check_rois, rois_from_labels

FOUR = ndimage.generate_binary_structure(2, 1)


def raster(roi: ImagejRoi, shape) -> np.ndarray:
    """Pixels whose centres lie inside the ROI (even-odd), with scikit-image."""
    mask = np.zeros(shape, dtype=bool)
    for outline in roi.coordinates(multi=True):
        # polygon2mask tests pixel centres at integer (row, col).
        mask ^= polygon2mask(shape, outline[:, ::-1] - 0.5)
    return mask


def filled(labels: np.ndarray, label: int) -> np.ndarray:
    """The object with its holes (4-connected background inside it) filled."""
    return ndimage.binary_fill_holes(labels == label, structure=FOUR)


def assert_exact(labels: np.ndarray) -> list[ImagejRoi]:
    rois = rois_from_labels(labels)
    present = [int(v) for v in np.unique(labels) if v]
    assert len(rois) == len(present)
    for roi, label in zip(rois, present, strict=True):
        assert int(roi.name) == label
        np.testing.assert_array_equal(raster(roi, labels.shape), filled(labels, label))
    return rois


def write_zip(path, rois, **kwargs):
    roifile.roiwrite(path, rois, mode="w", **kwargs)
    return path


# -- rois_from_labels ------------------------------------------------------------

TRICKY = {
    "single pixel": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "whole image": [[1, 1], [1, 1]],
    "border objects": [[1, 1, 0, 2], [1, 0, 0, 2], [0, 0, 0, 2], [3, 3, 3, 3]],
    "touching objects": [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 3, 2]],
    "corner-joined pixels": [[1, 0, 0], [0, 1, 0], [1, 0, 1]],
    "corner-joined blocks": [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]],
    "anti-diagonal": [[0, 0, 1], [0, 1, 0], [1, 0, 0]],
    "L shape": [[1, 0, 0], [1, 0, 0], [1, 1, 1]],
    "saddle of two labels": [[1, 2], [2, 1]],
    "diamond ring around a hole": [[0, 1, 0], [1, 0, 1], [0, 1, 0]],
    "square with hole": [[1, 1, 1], [1, 0, 1], [1, 1, 1]],
    "object inside a hole": [
        [1, 1, 1, 1, 1],
        [1, 0, 0, 0, 1],
        [1, 0, 2, 0, 1],
        [1, 0, 0, 0, 1],
        [1, 1, 1, 1, 1],
    ],
    "two pieces of one label": [[1, 0, 0, 1], [0, 0, 0, 1], [2, 2, 0, 0]],
    "U shape": [[1, 0, 1], [1, 0, 1], [1, 1, 1]],
    "single row": [[1, 1, 0, 2, 2, 2]],
    "single column": [[1], [1], [0], [3]],
}


@pytest.mark.parametrize("case", TRICKY)
def test_rois_from_labels_is_exact(case):
    labels = np.array(TRICKY[case])
    rois = assert_exact(labels)
    for roi in rois:
        pieces = ndimage.label(labels == int(roi.name), structure=np.ones((3, 3)))[1]
        expected = ROI_TYPE.TRACED if pieces == 1 else ROI_TYPE.RECT
        assert roi.roitype == expected


def test_traced_outline_of_an_l_shape_has_only_corner_vertices():
    labels = np.array([[1, 0, 0], [1, 0, 0], [1, 1, 1]])
    (roi,) = rois_from_labels(labels)
    points = {tuple(p) for p in roi.coordinates().tolist()}
    assert points == {(0, 0), (1, 0), (1, 2), (3, 2), (3, 3), (0, 3)}
    assert roi.n_coordinates == 6


def test_corner_joined_pixels_form_one_outline_touching_itself():
    labels = np.array([[1, 0], [0, 1]])
    (roi,) = rois_from_labels(labels)
    assert roi.roitype == ROI_TYPE.TRACED
    coordinates = [tuple(p) for p in roi.coordinates().tolist()]
    assert coordinates.count((1, 1)) == 2  # the shared corner, visited twice
    assert len(coordinates) == 8


def test_outline_includes_holes_so_its_area_is_larger_than_the_pixel_count():
    labels = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]])
    (roi,) = rois_from_labels(labels)
    assert raster(roi, labels.shape).sum() == 9 > np.count_nonzero(labels)


def test_label_with_two_pieces_is_one_composite_roi_of_both():
    labels = np.zeros((5, 6), dtype=np.uint16)
    labels[0:2, 0:2] = 4
    labels[3:5, 3:6] = 4
    (roi,) = rois_from_labels(labels)
    assert roi.composite
    assert len(roi.coordinates(multi=True)) == 2
    np.testing.assert_array_equal(raster(roi, labels.shape), labels == 4)
    # roifile writes and reads it back unchanged.
    again = ImagejRoi.frombytes(roi.tobytes())
    np.testing.assert_array_equal(again.multi_coordinates, roi.multi_coordinates)


def test_names_are_zero_padded_to_sort_in_label_order():
    labels = np.zeros((3, 130), dtype=np.int32)
    labels[1, [0, 2, 20, 128]] = [3, 9, 12, 120]
    names = [roi.name for roi in rois_from_labels(labels)]
    assert names == ["003", "009", "012", "120"]
    assert names == sorted(names)


def test_no_objects_gives_no_rois():
    assert rois_from_labels(np.zeros((4, 4), dtype=np.uint8)) == []


@pytest.mark.parametrize(
    "bad", [np.zeros((2, 3, 4), dtype=int), np.array([[-1, 0]]), np.array([["a"]])]
)
def test_rois_from_labels_rejects_non_label_images(bad):
    with pytest.raises(ValueError, match=r"label|integer|2-D"):
        rois_from_labels(bad)


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.uint8,
        st.tuples(st.integers(1, 9), st.integers(1, 9)),
        elements=st.integers(0, 4),
    )
)
def test_rois_from_random_labels_are_exact(labels):
    assert_exact(labels)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, *SLOW_IS_FINE],
)
@given(
    arrays(
        np.uint16,
        st.tuples(st.integers(1, 12), st.integers(1, 12)),
        elements=st.integers(0, 5),
    )
)
def test_rois_from_random_labels_pass_the_check(tmp_path, labels):
    path = write_zip(tmp_path / "rois.zip", rois_from_labels(labels))
    result = check_rois(path, labels=labels)
    assert result.passed, result.report()
    assert len(result.content) == len(np.unique(labels[labels > 0]))


def test_many_objects_are_traced_quickly():
    # 200 x 200 blobs; the real benchmark (4096 x 4096) is in the report.
    rng = np.random.default_rng(0)
    noise = ndimage.gaussian_filter(rng.standard_normal((600, 600)), 3)
    labels, count = ndimage.label(noise > noise.std())
    rois = rois_from_labels(labels)
    assert len(rois) == count > 200
    sample = rng.choice(count, 20, replace=False)
    for index in sample.tolist():
        roi = rois[index]
        box = ndimage.find_objects(labels)[index]
        crop = (labels == index + 1)[box]
        shifted = [
            o - [box[1].start, box[0].start] for o in roi.coordinates(multi=True)
        ]
        mask = np.zeros(crop.shape, dtype=bool)
        for outline in shifted:
            mask ^= polygon2mask(crop.shape, outline[:, ::-1] - 0.5)
        np.testing.assert_array_equal(
            mask, ndimage.binary_fill_holes(crop, structure=FOUR)
        )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0.1, 11.9), st.floats(0.1, 9.9)), min_size=3, max_size=9
    )
)
def test_scanline_fill_matches_scikit_image(points):
    # Sub-pixel polygons, as learners make them: pixel centres inside (even-odd).
    # Vertices on pixel centres or edges make boundary ties: not compared.
    doubled = np.array(points) * 2
    assume(not np.isclose(doubled, np.round(doubled), atol=1e-3).any())
    outline = np.array(points) + 1e-7  # off the pixel centres
    rows, cols = _rasterise([outline], (10, 12))
    mask = np.zeros((10, 12), dtype=bool)
    mask[rows, cols] = True
    expected = polygon2mask((10, 12), outline[:, ::-1] - 0.5)
    # scikit-image fills self-crossing polygons even-odd too; allow only
    # boundary ties, which random floats avoid.
    assert (mask != expected).sum() == 0


# -- check_rois: files that are not ROI sets -----------------------------------------


def square_labels() -> np.ndarray:
    labels = np.zeros((20, 30), dtype=np.uint16)
    labels[2:6, 3:9] = 1
    labels[10:18, 2:5] = 2
    labels[12:14, 20:29] = 3
    labels[0:3, 25:30] = 4
    return labels


@pytest.fixture
def good_zip(tmp_path):
    return write_zip(tmp_path / "rois.zip", rois_from_labels(square_labels()))


def test_good_zip_passes_and_gives_rois(good_zip):
    result = check_rois(good_zip, labels=square_labels())
    assert result.passed, result.report()
    assert result.kind == "rois"
    assert [roi.name for roi in result.content] == ["1", "2", "3", "4"]
    assert check_rois(good_zip).passed


def test_labels_may_be_a_tiff_path(tmp_path, good_zip):
    tifffile.imwrite(tmp_path / "labels.tif", square_labels())
    assert check_rois(good_zip, labels=tmp_path / "labels.tif").passed


def test_bad_reference_labels_raise(good_zip):
    with pytest.raises(ValueError, match="2-D"):
        check_rois(good_zip, labels=np.zeros((2, 2, 2, 2), dtype=int))


def test_single_roi_file_is_named_as_such(tmp_path):
    path = tmp_path / "one.roi"
    rois_from_labels(square_labels())[0].tofile(path)
    result = check_rois(path)
    assert result.codes == ["rois.single_roi"]
    assert "a single ROI" in result.errors[0].message


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"II*\x00" + bytes(100), "a TIFF image"),
        (b"name\tarea\n1\t2\n", "a text file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(20), "a PNG image"),
    ],
)
def test_files_that_are_not_zips_say_what_they_are(tmp_path, content, words):
    path = tmp_path / "rois.zip"
    path.write_bytes(content)
    result = check_rois(path)
    assert result.codes == ["rois.not_a_zip"]
    assert words in result.errors[0].message


def test_missing_and_empty_files(tmp_path):
    assert check_rois(tmp_path / "nope.zip").codes == ["file.missing"]
    (tmp_path / "empty.zip").write_bytes(b"")
    assert check_rois(tmp_path / "empty.zip").codes == ["file.empty"]


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9, 0.99])
def test_truncated_zip_is_damaged(tmp_path, good_zip, keep):
    data = good_zip.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: int(len(data) * keep)])
    result = check_rois(cut)
    assert "rois.damaged_zip" in result.codes
    assert "file.unexpected" not in result.codes


def test_empty_zip_has_no_rois(tmp_path):
    path = tmp_path / "empty.zip"
    zipfile.ZipFile(path, "w").close()
    result = check_rois(path)
    assert result.codes == ["rois.empty"]
    assert result.content == []


def test_entries_that_are_not_rois_are_counted_and_named(tmp_path):
    path = tmp_path / "rois.zip"
    rois = rois_from_labels(square_labels())
    with zipfile.ZipFile(path, "w") as archive:
        for roi in rois:
            archive.writestr(f"{roi.name}.roi", roi.tobytes())
        archive.writestr("notes.txt", "my measurements")
        archive.writestr("broken.roi", b"Iout" + bytes(10))
    result = check_rois(path, labels=square_labels())
    assert result.codes == ["rois.not_rois"]
    message = result.errors[0].message
    assert "2 of the 6 entries" in message
    assert "notes.txt" in message
    assert "broken.roi" in message
    assert len(result.content) == 4


def test_entries_without_roi_extension_are_skipped_by_imagej(tmp_path):
    path = tmp_path / "rois.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for roi in rois_from_labels(square_labels()):
            archive.writestr(roi.name, roi.tobytes())
    result = check_rois(path, labels=square_labels())
    assert result.codes == ["rois.entry_names"]
    assert "ImageJ skips" in result.errors[0].message


# -- check_rois: hostile zips -----------------------------------------------------


@pytest.mark.parametrize(
    "name", ["../evil.roi", "/abs/evil.roi", "a\\b.roi", "C:x.roi"]
)
def test_path_traversal_names_are_refused(tmp_path, name):
    path = tmp_path / "rois.zip"
    roi = rois_from_labels(square_labels())[0]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("fine.roi", roi.tobytes())
        info = zipfile.ZipInfo("placeholder")
        info.filename = name  # bypass zipfile's own name clean-up
        archive.writestr(info, roi.tobytes())
    result = check_rois(path)
    assert result.codes == ["rois.unsafe_names"]
    assert name in result.errors[0].message
    assert result.content is None  # nothing was read


def test_link_entries_are_refused(tmp_path):
    path = tmp_path / "rois.zip"
    roi = rois_from_labels(square_labels())[0]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("fine.roi", roi.tobytes())
        link = zipfile.ZipInfo("link.roi")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    result = check_rois(path)
    assert result.codes == ["rois.link_entries"]
    assert "link.roi" in result.errors[0].message
    assert result.content is None


def test_password_protected_entries_are_refused(tmp_path):
    path = tmp_path / "rois.zip"
    write_zip(path, rois_from_labels(square_labels())[:1])
    blob = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = blob.index(signature) + offset
        struct.pack_into("<H", blob, at, struct.unpack_from("<H", blob, at)[0] | 1)
    path.write_bytes(bytes(blob))
    result = check_rois(path)
    assert result.codes == ["rois.locked_entries"]
    assert "password" in result.errors[0].message
    assert result.content is None


def test_too_many_entries_are_refused(tmp_path):
    path = write_zip(tmp_path / "rois.zip", rois_from_labels(square_labels()))
    result = check_rois(path, max_entries=3)
    assert result.codes == ["rois.too_many_entries"]
    assert "4 entries" in result.errors[0].message
    assert result.content is None


def write_zeros(path, size: int, name: str = "bomb.roi") -> None:
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open(name, "w", force_zip64=True) as entry,
    ):
        block = bytes(1 << 20)
        for _ in range(size >> 20):
            entry.write(block)


def test_zip_bomb_is_refused_without_unpacking(tmp_path):
    path = tmp_path / "bomb.zip"
    write_zeros(path, 50 << 20)  # 50 MB of zeros pack to about 50 kB
    assert path.stat().st_size < 200_000
    tracemalloc.start()
    try:
        result = check_rois(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert set(result.codes) == {"rois.entry_too_large", "rois.zip_bomb"}
    assert peak < 2 << 20
    assert str(50 << 20) in result.errors[0].message


def test_compression_ratio_alone_is_refused(tmp_path):
    path = tmp_path / "bomb.zip"
    write_zeros(path, 4 << 20)  # under the 10 MB entry limit
    result = check_rois(path)
    assert result.codes == ["rois.zip_bomb"]
    assert "bomb.roi" in result.errors[0].message


def test_total_size_is_limited(tmp_path, good_zip):
    result = check_rois(good_zip, max_total_bytes=100)
    assert result.codes == ["rois.total_too_large"]


def patch_sizes(data: bytes, size: int, *, local: bool) -> bytes:
    """Rewrite the uncompressed size the zip declares for its (only) entry."""
    data = bytearray(data)
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = struct.pack("<I", size)
    if local:
        data[22:26] = struct.pack("<I", size)
    return bytes(data)


def test_huge_declared_size_is_refused_before_reading(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.roi", rois_from_labels(square_labels())[0].tobytes())
    path = tmp_path / "liar.zip"
    path.write_bytes(patch_sizes(buffer.getvalue(), 3_000_000_000, local=False))
    tracemalloc.start()
    try:
        result = check_rois(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.codes == ["rois.entry_too_large", "rois.zip_bomb"]
    assert "3000000000" in result.errors[0].message
    assert peak < 1 << 20


def test_entry_size_limit(good_zip):
    result = check_rois(good_zip, max_entry_bytes=50)
    assert result.codes == ["rois.entry_too_large"]
    assert "4 entries" in result.errors[0].message


def test_understated_size_reads_no_more_than_declared(tmp_path):
    # A bomb that claims to be small: the read stops at the declared size.
    path = tmp_path / "bomb.zip"
    write_zeros(path, 8 << 20)
    path.write_bytes(patch_sizes(path.read_bytes(), 1000, local=True))
    tracemalloc.start()
    try:
        result = check_rois(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "file.unexpected" not in result.codes
    assert not result.passed
    assert peak < 2 << 20


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=1, max_size=2000))
def test_random_bytes_never_crash(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("random") / "rois.zip"
    path.write_bytes(data)
    result = check_rois(path)
    assert "file.unexpected" not in result.codes
    assert not result.passed


@pytest.fixture(scope="module")
def real_zip_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("real") / "rois.zip"
    write_zip(path, rois_from_labels(square_labels()))
    return path.read_bytes()


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_mutated_real_zips_never_crash(tmp_path_factory, real_zip_bytes, data):
    content = bytearray(real_zip_bytes)
    positions = data.draw(
        st.lists(st.integers(0, len(content) - 1), min_size=1, max_size=8)
    )
    for position in positions:
        content[position] = data.draw(st.integers(0, 255))
    path = tmp_path_factory.mktemp("mutated") / "rois.zip"
    path.write_bytes(bytes(content))
    result = check_rois(path, labels=square_labels())
    assert "file.unexpected" not in result.codes, result.report()


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_mutated_roi_bytes_never_crash(tmp_path_factory, data):
    # Damage the ROI data itself (not the zip), stored uncompressed.
    content = bytearray(rois_from_labels(square_labels())[1].tobytes())
    for _ in range(data.draw(st.integers(1, 6))):
        content[data.draw(st.integers(0, len(content) - 1))] = data.draw(
            st.integers(0, 255)
        )
    path = tmp_path_factory.mktemp("roi") / "rois.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("2.roi", bytes(content))
    result = check_rois(path, labels=square_labels())
    assert "file.unexpected" not in result.codes, result.report()


# -- check_rois: ROI sets that are wrong ----------------------------------------------


def test_zip_written_twice_in_append_mode_has_duplicates(tmp_path):
    path = tmp_path / "rois.zip"
    rois = rois_from_labels(square_labels())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate names
        roifile.roiwrite(path, rois, mode="a")
        roifile.roiwrite(path, rois, mode="a")
    result = check_rois(path, labels=square_labels())
    # One message (issue 21 §3): the repeated ROIs are not counted again.
    assert result.codes == ["rois.duplicates"]
    assert "appended" in result.errors[0].message
    assert "4 ROIs" in result.errors[0].message
    assert len(result.content) == 8


def test_duplicates_under_new_names_are_found(tmp_path):
    rois = rois_from_labels(square_labels())
    path = write_zip(
        tmp_path / "rois.zip", rois + rois[:2], name=["a", "b", "c", "d", "a-1", "b-1"]
    )
    result = check_rois(path)
    assert result.codes == ["rois.duplicates"]
    assert "a-1, b-1" in result.errors[0].message


def swapped(rois: list[ImagejRoi]) -> list[ImagejRoi]:
    return [
        ImagejRoi.frompoints(roi.coordinates()[:, ::-1], name=roi.name) for roi in rois
    ]


@pytest.mark.parametrize("shape", [(20, 30), (30, 30)])
def test_swapped_x_and_y_are_named(tmp_path, shape):
    labels = np.zeros(shape, dtype=np.uint16)
    labels[:20, :30] = square_labels()[:, : shape[1]]
    path = write_zip(tmp_path / "rois.zip", swapped(rois_from_labels(labels)))
    result = check_rois(path, labels=labels)
    assert result.codes == ["rois.xy_swapped"]
    assert "x and y" in result.errors[0].message


def test_missing_object_is_named_by_label(tmp_path):
    rois = rois_from_labels(square_labels())
    path = write_zip(tmp_path / "rois.zip", rois[:2] + rois[3:])
    result = check_rois(path, labels=square_labels())
    assert result.codes == ["rois.count_mismatch", "rois.missing_objects"]
    assert "labels 3" in result.errors[1].message
    assert "3 outlines" in result.errors[0].message


def rect(left, top, right, bottom, name) -> ImagejRoi:
    return ImagejRoi(
        roitype=ROI_TYPE.RECT, left=left, top=top, right=right, bottom=bottom, name=name
    )


def test_extra_roi_over_background_is_named(tmp_path):
    rois = [*rois_from_labels(square_labels()), rect(12, 4, 16, 8, "stray")]
    result = check_rois(write_zip(tmp_path / "r.zip", rois), labels=square_labels())
    assert result.codes == ["rois.count_mismatch", "rois.extra_rois"]
    assert "stray" in result.errors[1].message


def test_shifted_roi_is_a_poor_match(tmp_path):
    rois = rois_from_labels(square_labels())
    shifted = ImagejRoi.frompoints(
        rois[1].coordinates() + np.array([1, -4]), name="moved"
    )
    result = check_rois(
        write_zip(tmp_path / "r.zip", [*rois[:1], shifted, *rois[2:]]),
        labels=square_labels(),
    )
    assert result.codes == ["rois.missing_objects", "rois.poor_match"]
    assert "moved" in result.errors[1].message
    assert "% overlap" in result.errors[1].message


def test_two_rois_for_one_object(tmp_path):
    rois = [*rois_from_labels(square_labels()), rect(3, 2, 9, 7, "again")]
    result = check_rois(write_zip(tmp_path / "r.zip", rois), labels=square_labels())
    assert result.codes == ["rois.count_mismatch", "rois.same_object"]
    assert "again" in result.errors[1].message


def test_rectangle_and_oval_rois_are_compared_by_their_area(tmp_path):
    labels = np.zeros((40, 40), dtype=np.uint8)
    labels[5:10, 5:15] = 1
    rows, cols = np.ogrid[:40, :40]
    labels[(rows - 25.5) ** 2 + (cols - 25.5) ** 2 < 8**2] = 2
    oval = ImagejRoi(
        roitype=ROI_TYPE.OVAL, left=18, top=18, right=34, bottom=34, name="disk"
    )
    path = write_zip(tmp_path / "r.zip", [rect(5, 5, 15, 10, "box"), oval])
    assert check_rois(path, labels=labels).passed
    moved = write_zip(tmp_path / "m.zip", [rect(25, 5, 35, 10, "box"), oval])
    result = check_rois(moved, labels=labels)
    assert result.codes == ["rois.missing_objects", "rois.extra_rois"]


def test_lines_and_points_are_not_areas(tmp_path):
    rois = rois_from_labels(square_labels())
    line = ImagejRoi(roitype=ROI_TYPE.LINE, x1=1, y1=1, x2=5, y2=5, name="line")
    path = write_zip(tmp_path / "r.zip", [*rois, line])
    result = check_rois(path, labels=square_labels())
    assert result.codes == ["rois.not_areas"]
    assert "line" in result.errors[0].message


def test_negative_coordinates_without_labels(tmp_path):
    roi = ImagejRoi.frompoints(np.array([[-3.5, 1], [4, 1], [4, 6]]), name="off")
    result = check_rois(write_zip(tmp_path / "r.zip", [roi]))
    assert result.codes == ["rois.negative_coordinates"]
    assert "off" in result.errors[0].message


def test_coordinates_outside_the_image_with_labels(tmp_path):
    rois = rois_from_labels(square_labels())
    beyond = ImagejRoi.frompoints(
        rois[3].coordinates() + np.array([3, 0]), name="beyond"
    )
    path = write_zip(tmp_path / "r.zip", [*rois[:3], beyond])
    result = check_rois(path, labels=square_labels())
    assert result.codes[0] == "rois.outside_image"
    assert "30 x 20" in result.errors[0].message
    assert "beyond" in result.errors[0].message


def test_thin_ring_matches_through_its_filled_outline(tmp_path):
    labels = np.zeros((30, 30), dtype=np.uint16)
    labels[2:28, 2:28] = 1
    labels[3:27, 3:27] = 0
    labels[10:15, 10:15] = 2  # an object inside the hole
    rois = rois_from_labels(labels)
    result = check_rois(write_zip(tmp_path / "r.zip", rois), labels=labels)
    assert result.passed, result.report()


def test_all_findings_are_reported_at_once(tmp_path):
    rois = rois_from_labels(square_labels())
    line = ImagejRoi(roitype=ROI_TYPE.LINE, x1=1, y1=1, x2=5, y2=5, name="line")
    path = tmp_path / "r.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, roi in zip(
            ["1", "2", "3", "1-1", "line"], [*rois[:3], rois[0], line], strict=True
        ):
            archive.writestr(f"{name}.roi", roi.tobytes())
        archive.writestr("readme.txt", "hello")
    result = check_rois(path, labels=square_labels())
    assert set(result.codes) == {
        "rois.not_rois",
        "rois.duplicates",
        "rois.not_areas",
        "rois.missing_objects",
        "rois.count_mismatch",  # 3 area ROIs besides the repeated one
    }


def test_a_zip_of_an_unsupported_version_is_damaged_not_a_crash(tmp_path):
    """zipfile raises NotImplementedError for a 'version needed' it lacks."""
    path = tmp_path / "rois.zip"
    roifile.roiwrite(path, rois_from_labels(square_labels()), mode="w")
    content = bytearray(path.read_bytes())
    central = content.rfind(b"PK\x01\x02")
    content[central + 6] = 64  # "version needed to extract": 6.4
    path.write_bytes(bytes(content))
    result = check_rois(path, labels=square_labels())
    assert result.codes == ["rois.damaged_zip"]
