"""ImageJ ROI sets: make them from a label image, and check the ones learners save.

:func:`rois_from_labels` traces every object of a label image as ImageJ's wand
does, so that ImageJ measures each ROI with the object's area.
:func:`check_rois` checks a ROI zip file a learner saved, optionally against
the reference label image.

Coordinates follow ImageJ: ``x`` is the column and ``y`` the row, and pixel
``(row, col)`` covers the square ``[col, col + 1) x [row, row + 1)``, so an
outline traced along pixel edges has integer vertices.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import numpy as np
import roifile
from roifile import ROI_SUBTYPE, ROI_TYPE, ImagejRoi
from scipy import ndimage

from outputsaving.findings import CheckResult, checker
from outputsaving.reference import as_reference_labels
from outputsaving.safezip import (
    ZipLimits,
    ZipListing,
    ZipReadError,
    list_members,
    open_zip,
    read_member,
)
from outputsaving.sniff import FORMAT_NAMES, preflight

__all__ = ["check_rois", "rois_from_labels"]

#: Largest ROI zip file read at all, in bytes.
MAX_FILE_BYTES = 200 * 1024 * 1024
#: Most zip entries read; more are refused before anything is decompressed.
MAX_ENTRIES = 100_000
#: Largest declared uncompressed size of one entry, in bytes.
MAX_ENTRY_BYTES = 10 * 1024 * 1024
#: Largest declared uncompressed size of all entries together, in bytes.
MAX_TOTAL_BYTES = 200 * 1024 * 1024
#: Largest compression ratio of an entry bigger than :data:`RATIO_MIN_BYTES`.
MAX_RATIO = 200
#: Entries smaller than this are never refused for their compression ratio.
RATIO_MIN_BYTES = 64 * 1024
#: Most pixels rasterised when comparing ROIs with labels, per image pixel.
MAX_RASTER_PER_PIXEL = 64
#: Smallest intersection over union for a ROI to match an object.
MIN_IOU = 0.5

#: How many names or labels a message lists at most.
_SHOW = 5
#: Tolerance for coordinates on the image border.
_EPSILON = 1e-6

# Pixel sides, in the order of tracing clockwise on screen (y down):
# top, right, bottom, left. Per side: the step forward along the side and the
# step outward, across the side, as (d_row, d_col).
_FORWARD = np.array([(0, 1), (1, 0), (0, -1), (-1, 0)])
_OUTWARD = np.array([(-1, 0), (0, 1), (1, 0), (0, -1)])
# Start vertex of each side, relative to the pixel's top-left corner (row, col).
_START = np.array([(0, 0), (0, 1), (1, 1), (1, 0)])

_AREA_TYPES = (
    ROI_TYPE.POLYGON,
    ROI_TYPE.RECT,
    ROI_TYPE.OVAL,
    ROI_TYPE.FREEHAND,
    ROI_TYPE.TRACED,
)
_LARGEST_INT_COORDINATE = 32767


# -- making ROIs ---------------------------------------------------------------


def rois_from_labels(labels, /) -> list[ImagejRoi]:
    """Trace each object of a label image as an ImageJ ROI.

    Each object becomes one ROI whose outline runs along the pixel edges
    around the object, as ImageJ's wand and *Analyze Particles* make them
    (type ``TRACED``, integer vertices, collinear vertices removed). ImageJ
    measures such a ROI with an area equal to the object's pixel count,
    for objects touching the image border or each other too. Pixels joined
    only at a corner belong to one object (8-connectivity): the outline then
    touches itself at that corner.

    Parameters
    ----------
    labels : (M, N) array_like of int
        Label image; 0 is background.

    Returns
    -------
    list of roifile.ImagejRoi
        One ROI per label present, in increasing label order. A ROI is named
        after its label, zero-padded to the width of the largest label
        (``"007"`` when the largest label is 120), so that the names sort in
        label order in ImageJ's ROI manager.

    Raises
    ------
    ValueError
        When ``labels`` is not a 2-D image of labels >= 0, or is wider or
        taller than the 32767 pixels of ImageJ's integer ROI coordinates.

    Notes
    -----
    An object with holes gets its outer outline only, which includes the holes,
    as *Analyze Particles* makes it: ImageJ then measures an area larger than
    the object's pixel count (the holes count too).

    A label used for several pieces that do not touch, not even at a corner,
    gets one composite ROI (ImageJ's ``ShapeRoi``) made of the outlines of all
    pieces, so that ImageJ still measures the area of all its pixels. Its type
    is then ``RECT`` with composite shape data, as ImageJ saves composite ROIs.

    The tracing is vectorised over the whole image: every boundary side of
    every pixel is linked to the next one along its outline at once, and the
    outlines are then ordered by pointer jumping, in ``O(E log E)`` for ``E``
    boundary sides.
    """
    array = as_reference_labels(labels)
    if max(array.shape) > _LARGEST_INT_COORDINATE:
        msg = f"labels of shape {array.shape} exceed ImageJ's 32767 pixel limit"
        raise ValueError(msg)
    outlines = _trace_outer_outlines(array)
    if not outlines:
        return []
    width = len(str(max(outlines)))
    return [
        _make_roi(pieces, name=f"{label:0{width}d}")
        for label, pieces in sorted(outlines.items())
    ]


def _trace_outer_outlines(labels: np.ndarray) -> dict[int, list[np.ndarray]]:
    """Return, per label, the outer outlines of its pieces as (K, 2) x, y arrays."""
    padded = np.pad(_compact_dtype(labels), 1)
    inner = padded[1:-1, 1:-1]
    boundary = np.zeros((*inner.shape, 4), dtype=bool)
    for side, (d_row, d_col) in enumerate(_OUTWARD):
        neighbour = padded[
            1 + d_row : padded.shape[0] - 1 + d_row,
            1 + d_col : padded.shape[1] - 1 + d_col,
        ]
        np.not_equal(inner, neighbour, out=boundary[..., side])
    boundary &= (inner != 0)[..., None]
    # Each boundary side of a pixel is one directed edge, keyed by
    # (flat pixel index) * 4 + side, sorted by construction.
    keys = np.flatnonzero(boundary)
    del boundary
    if keys.size == 0:
        return {}
    side = keys % 4
    flat = keys // 4
    row, col = np.divmod(flat, inner.shape[1])
    row += 1  # into padded coordinates
    col += 1
    label = padded[row, col]
    forward = _FORWARD[side]
    diagonal = _FORWARD[side] + _OUTWARD[side]
    # The next edge along the outline, preferring the left turn around a
    # corner-joined diagonal pixel (8-connectivity), then straight on, else
    # turning right around the pixel itself.
    diag_row, diag_col = row + diagonal[:, 0], col + diagonal[:, 1]
    ahead_row, ahead_col = row + forward[:, 0], col + forward[:, 1]
    turn_left = padded[diag_row, diag_col] == label
    straight = ~turn_left & (padded[ahead_row, ahead_col] == label)
    next_row = np.where(turn_left, diag_row, np.where(straight, ahead_row, row))
    next_col = np.where(turn_left, diag_col, np.where(straight, ahead_col, col))
    next_side = np.where(turn_left, (side + 3) % 4, np.where(straight, side, side + 1))
    next_side %= 4
    next_keys = ((next_row - 1) * inner.shape[1] + (next_col - 1)) * 4 + next_side
    successor = np.searchsorted(keys, next_keys)
    del next_keys, next_row, next_col, turn_left, straight

    # Vertices: the start of each edge, in (row, col) edge coordinates.
    start = np.stack([row - 1, col - 1], axis=1) + _START[side]
    cycle = _cycle_minimum(successor)
    # Shoelace: clockwise on screen (outer outlines) sums to a positive area.
    end = start[successor]
    twice_area = np.bincount(
        cycle,
        weights=(start[:, 1] * end[:, 0] - end[:, 1] * start[:, 0]).astype(float),
        minlength=keys.size,
    )
    outer = twice_area[cycle] > 0
    # Keep only corner vertices of outer outlines: where the side changes.
    predecessor = np.empty_like(successor)
    predecessor[successor] = np.arange(successor.size)
    corner = outer & (side != side[predecessor])
    position = _position_in_cycle(successor, cycle)

    order = np.flatnonzero(corner)
    order = order[np.lexsort((position[order], cycle[order]))]
    cycles, first = np.unique(cycle[order], return_index=True)
    points = start[order][:, ::-1]  # (x, y)
    outlines: dict[int, list[np.ndarray]] = {}
    for cycle_id, begin, stop in zip(
        cycles.tolist(),
        first.tolist(),
        [*first[1:].tolist(), order.size],
        strict=True,
    ):
        outlines.setdefault(int(label[cycle_id]), []).append(points[begin:stop])
    return outlines


def _compact_dtype(labels: np.ndarray) -> np.ndarray:
    largest = int(labels.max(initial=0))
    for dtype in (np.uint16, np.uint32):
        if largest <= np.iinfo(dtype).max:
            return labels.astype(dtype)
    return labels


def _cycle_minimum(successor: np.ndarray) -> np.ndarray:
    """The smallest index on each index's cycle of the permutation ``successor``."""
    smallest = np.arange(successor.size)
    jump = successor.copy()
    while True:
        # After k rounds, smallest[i] is the minimum over the next 2**k steps;
        # a round that changes nothing means every cycle is covered.
        candidate = np.minimum(smallest, smallest[jump])
        if np.array_equal(candidate, smallest):
            return smallest
        smallest = candidate
        jump = jump[jump]


def _position_in_cycle(successor: np.ndarray, cycle: np.ndarray) -> np.ndarray:
    """Steps from each cycle's smallest index to each index along ``successor``."""
    index = np.arange(successor.size)
    is_first = index == cycle
    # Steps until the cycle's first index, by pointer jumping.
    remaining = (~is_first).astype(np.int64)
    jump = np.where(is_first, index, successor)
    while True:
        # jump[i] is the index remaining[i] steps ahead (or the first one).
        further = remaining + remaining[jump]
        if np.array_equal(further, remaining):
            break
        remaining = further
        jump = jump[jump]
    length = np.bincount(cycle, minlength=successor.size)[cycle]
    return np.where(is_first, 0, length - remaining)


def _make_roi(pieces: list[np.ndarray], *, name: str) -> ImagejRoi:
    """One traced ROI, or a composite ROI for several pieces, named ``name``."""
    points = np.concatenate(pieces)
    left, top = (int(value) for value in points.min(axis=0))
    right, bottom = (int(value) for value in points.max(axis=0))
    if len(pieces) == 1:
        return ImagejRoi(
            roitype=ROI_TYPE.TRACED,
            name=name,
            top=top,
            left=left,
            bottom=bottom,
            right=right,
            n_coordinates=len(points),
            integer_coordinates=(points - [left, top]).astype(np.int32),
        )
    path = []
    for piece in pieces:
        path.append([0.0, *piece[0]])
        path.extend([1.0, x, y] for x, y in piece[1:].tolist())
        path.append([4.0])
    shape = np.array([value for step in path for value in step], dtype=np.float32)
    return ImagejRoi(
        roitype=ROI_TYPE.RECT,
        name=name,
        top=top,
        left=left,
        bottom=bottom,
        right=right,
        shape_roi_size=shape.size,
        multi_coordinates=shape,
    )


# -- checking ROI sets -----------------------------------------------------------


def check_rois(
    path: str | Path,
    /,
    *,
    labels=None,
    max_bytes: int = MAX_FILE_BYTES,
    max_entries: int = MAX_ENTRIES,
    max_entry_bytes: int = MAX_ENTRY_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
) -> CheckResult:
    """Check a saved ImageJ ROI set (zip) and return every finding at once.

    Parameters
    ----------
    path : str or Path
        The zip file the learner saved. Its format is judged by its content,
        never by its name.
    labels : (M, N) array_like of int, or str or Path, optional
        The reference label image (0 is background), or a TIFF or PNG file
        holding it. When given, the ROIs must lie inside the image and outline
        its objects one to one.
    max_bytes : int, optional
        Zip files larger than this are not read.
    max_entries : int, optional
        Zips with more entries than this are refused before any decompression.
    max_entry_bytes, max_total_bytes : int, optional
        Zips declaring an entry, or all entries together, to unpack to more
        bytes than this are refused before any decompression.

    Returns
    -------
    CheckResult
        Kind ``"rois"``. Its ``content`` is the list of ``roifile.ImagejRoi``
        read from the zip (in entry order) when the zip could be opened,
        otherwise None.

    Raises
    ------
    ValueError
        Only for bad ``labels`` (the instructor's input); a bad learner file
        always gives findings instead.

    Notes
    -----
    Hostile zips are refused from their directory alone, by the package's zip
    reader (:mod:`outputsaving.safezip`): names that point outside the
    archive, links and special files, password-protected entries or unknown
    compression methods, too many entries (folders included), huge declared
    sizes, compression ratios over :data:`MAX_RATIO`. Then each entry is read
    into memory, never more than it declares, never extracted to disk.

    A ROI matches an object when the pixels whose centres lie inside the ROI
    (as ImageJ fills it) and the object's pixels have an intersection over
    union of at least :data:`MIN_IOU`; objects with holes are also compared
    with their filled outline, since ImageJ's traced ROIs include holes.
    Exact repeats are reported as duplicates and compared only once.
    """
    reference = None if labels is None else as_reference_labels(labels)
    limits = ZipLimits(
        max_members=max_entries,
        max_member_bytes=max_entry_bytes,
        max_total_bytes=max_total_bytes,
        max_ratio=MAX_RATIO,
        ratio_min_bytes=RATIO_MIN_BYTES,
        # A zip written twice in append mode repeats its names: read them
        # all, and report the repeated ROIs as a mistake (rois.duplicates).
        unique_names=False,
    )
    return _check_rois(path, reference=reference, max_bytes=max_bytes, limits=limits)


@checker("rois")
def _check_rois(
    result: CheckResult,
    path: Path,
    /,
    *,
    reference: np.ndarray | None,
    max_bytes: int,
    limits: ZipLimits,
) -> None:
    fmt = preflight(result, path, max_bytes=max_bytes)
    if fmt is None:
        return
    if fmt == "imagej_roi":
        result.add("rois.single_roi")
        return
    if fmt != "zip":
        result.add("rois.not_a_zip", found=FORMAT_NAMES[fmt])
        return
    entries = _read_zip(result, path, limits)
    if entries is None:
        return
    rois = _parse_entries(result, entries)
    result.content = [roi.roi for roi in rois]
    if not entries and (reference is None or reference.any()):
        result.add("rois.empty")
    unique = _drop_duplicates(result, rois)
    areas = _area_rois(result, unique)
    if reference is None:
        negative = [roi.name for roi in areas if roi.low.min() < -_EPSILON]
        if negative:
            result.add("rois.negative_coordinates", **_examples(negative))
        return
    # Repeated ROIs have their own finding (rois.duplicates): the count is of
    # the others, so that an appended set gets one message, not two.
    _compare_with_labels(result, areas, reference, n_found=len(areas))


class _Roi:
    """One ROI read from a zip entry, with its outlines as (K, 2) x, y arrays."""

    __slots__ = ("is_area", "key", "low", "name", "outlines", "roi")

    def __init__(self, name: str, roi: ImagejRoi, outlines: list[np.ndarray]):
        self.name = name
        self.roi = roi
        self.outlines = outlines
        points = np.concatenate(outlines) if outlines else np.zeros((0, 2))
        self.low = points.min(axis=0) if len(points) else np.zeros(2)
        self.is_area = (
            roi.roitype in _AREA_TYPES
            and roi.subtype not in (ROI_SUBTYPE.TEXT, ROI_SUBTYPE.IMAGE)
            and bool(outlines)
            and all(len(outline) >= 3 for outline in outlines)
        )
        self.key = (
            int(roi.roitype),
            tuple(outline.astype(np.float64).tobytes() for outline in outlines),
        )

    def high(self) -> np.ndarray:
        return np.concatenate(self.outlines).max(axis=0)


def _read_zip(
    result: CheckResult, path: Path, limits: ZipLimits
) -> list[tuple[str, bytes | None]] | None:
    """Entries as (name, bytes or None when damaged); None when refused."""
    try:
        archive = open_zip(path)
    except ZipReadError as error:
        result.add("rois.damaged_zip", error=error.words)
        return None
    with archive:
        listing = list_members(archive, limits)
        if not _safe_directory(result, listing, limits):
            return None
        entries = []
        for member in listing.files:
            try:
                data = read_member(archive, member)
            except ZipReadError:
                data = None
            entries.append((member.name, data))
    damaged = [name for name, data in entries if data is None]
    if damaged:
        result.add("rois.damaged_entries", total=len(entries), **_examples(damaged))
    return entries


def _safe_directory(
    result: CheckResult, listing: ZipListing, limits: ZipLimits
) -> bool:
    """Add a finding for each way the zip's directory looks hostile."""
    safe = True
    for problem in listing.of("too_many_members"):
        result.add(
            "rois.too_many_entries", count=problem.size, limit=limits.max_members
        )
        safe = False
    named = {
        "rois.unsafe_names": listing.of("unsafe_name"),
        "rois.link_entries": listing.of("link"),
        "rois.locked_entries": listing.of("encrypted", "unsupported_compression"),
    }
    for code, problems in named.items():
        if problems:
            members = {id(problem.member): problem.member for problem in problems}
            result.add(code, **_examples([m.name for m in members.values()]))
            safe = False
    large = [problem.size for problem in listing.of("member_too_large")]
    if large:
        result.add(
            "rois.entry_too_large",
            count=len(large),
            limit=limits.max_member_bytes,
            size=max(large),
        )
        safe = False
    bombs = [problem.member.name for problem in listing.of("compression_ratio")]
    if bombs:
        result.add("rois.zip_bomb", ratio=MAX_RATIO, **_examples(bombs))
        safe = False
    if safe and listing.of("total_too_large"):
        result.add(
            "rois.total_too_large", size=listing.total, limit=limits.max_total_bytes
        )
        safe = False
    return safe


@contextlib.contextmanager
def _quiet_roifile():
    """Silence the log records roifile emits for odd ROI data."""
    logger = logging.getLogger(roifile.roifile.__name__)
    previous = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = previous


def _parse_entries(
    result: CheckResult, entries: list[tuple[str, bytes | None]]
) -> list[_Roi]:
    rois, not_rois, wrong_names = [], [], []
    with _quiet_roifile():
        for name, data in entries:
            if data is None:
                continue
            roi = _parse_roi(name, data)
            if roi is None:
                not_rois.append(name)
                continue
            rois.append(roi)
            if not name.lower().endswith(".roi"):
                wrong_names.append(name)
    if not_rois:
        result.add("rois.not_rois", total=len(entries), **_examples(not_rois))
    if wrong_names:
        result.add("rois.entry_names", **_examples(wrong_names))
    return rois


def _parse_roi(name: str, data: bytes) -> _Roi | None:
    """The ROI in ``data``, or None when it is not a readable ImageJ ROI."""
    if not data.startswith(b"Iout"):
        return None
    try:
        roi = ImagejRoi.frombytes(data)
        outlines = roi.coordinates(multi=True)
        outlines = [np.asarray(outline, dtype=np.float64) for outline in outlines]
    except Exception:  # any decoding failure means "not a ROI"
        return None
    if any(
        outline.ndim != 2 or outline.shape[1:] != (2,) or not np.isfinite(outline).all()
        for outline in outlines
    ):
        return None
    stem = name.rsplit("/", 1)[-1]
    stem = stem[:-4] if stem.lower().endswith(".roi") else stem
    return _Roi(stem or name, roi, [outline for outline in outlines if len(outline)])


def _drop_duplicates(result: CheckResult, rois: list[_Roi]) -> list[_Roi]:
    seen, unique, repeats = set(), [], []
    for roi in rois:
        if roi.key in seen:
            repeats.append(roi.name)
        else:
            seen.add(roi.key)
            unique.append(roi)
    if repeats:
        result.add("rois.duplicates", **_examples(repeats))
    return unique


def _area_rois(result: CheckResult, rois: list[_Roi]) -> list[_Roi]:
    not_areas = [roi.name for roi in rois if not roi.is_area]
    if not_areas:
        result.add("rois.not_areas", **_examples(not_areas))
    return [roi for roi in rois if roi.is_area]


def _examples(names: list, /) -> dict[str, object]:
    shown = ", ".join(str(name) for name in names[:_SHOW])
    if len(names) > _SHOW:
        shown += ", ..."
    return {"count": len(names), "names": shown}


# -- comparing with the label image ------------------------------------------------


def _compare_with_labels(
    result: CheckResult, rois: list[_Roi], reference: np.ndarray, *, n_found: int
) -> None:
    height, width = reference.shape
    compact, areas = _object_areas(reference)
    n_objects = int(np.count_nonzero(areas[1:]))
    if n_found != n_objects:
        result.add("rois.count_mismatch", found=n_found, expected=n_objects)
    if not rois:
        return
    budget = MAX_RASTER_PER_PIXEL * reference.size
    matches = _match(rois, compact, areas, budget=budget, swap=False)
    if matches is None:
        result.add("file.too_large_to_check")
        return
    n_matched = _count_matched(matches)
    if n_matched < n_objects:
        # Exchanged x and y: far fewer objects left without a ROI that way.
        swapped = _match(rois, compact, areas, budget=budget, swap=True)
        if swapped is not None:
            n_swapped = _count_matched(swapped)
            if n_swapped >= n_objects / 2 and (
                n_objects - n_swapped <= (n_objects - n_matched) / 2
            ):
                result.add("rois.xy_swapped")
                return
    outside = [
        roi.name
        for roi in rois
        if roi.low.min() < -_EPSILON
        or (roi.high() > [width + _EPSILON, height + _EPSILON]).any()
    ]
    if outside:
        result.add(
            "rois.outside_image", width=width, height=height, **_examples(outside)
        )
    _report_matches(result, rois, matches, compact, areas)


def _count_matched(matches: _Matches) -> int:
    return len(set(matches.label[matches.iou >= MIN_IOU].tolist()))


def _object_areas(reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labels numbered 0..K without gaps (when large), and each label's area."""
    if int(reference.max(initial=0)) > 4 * reference.size:
        values, inverse = np.unique(reference, return_inverse=True)
        compact = inverse.reshape(reference.shape)
        if values[0] != 0:
            compact = compact + 1
        reference = compact
    return reference, np.bincount(reference.ravel())


class _Matches:
    """Per ROI: the best-matching label, its overlap, and the ROI's pixel count."""

    def __init__(self, label, iou, size):
        self.label, self.iou, self.size = label, iou, size


def _match(rois, labels, areas, *, budget: int, swap: bool) -> _Matches | None:
    """Match each ROI with the object it overlaps best (highest IoU)."""
    outlines = [
        [outline[:, ::-1] for outline in roi.outlines] if swap else roi.outlines
        for roi in rois
    ]
    filled = _scanline_fill(outlines, labels.shape, budget=budget)
    if filled is None:
        return None
    owner, rows, cols = filled
    sizes = np.bincount(owner, minlength=len(rois))
    value = labels[rows, cols]
    inside = value > 0
    pairs, inter = np.unique(
        owner[inside] * len(areas) + value[inside], return_counts=True
    )
    pair_roi, pair_label = np.divmod(pairs, len(areas))
    iou = inter / (sizes[pair_roi] + areas[pair_label] - inter)
    best_label = np.zeros(len(rois), dtype=np.int64)
    best_iou = np.zeros(len(rois))
    order = np.lexsort((iou, pair_roi))  # per ROI, best last
    best_label[pair_roi[order]] = pair_label[order]
    best_iou[pair_roi[order]] = iou[order]
    return _Matches(best_label, best_iou, sizes)


def _scanline_fill(
    shapes: list[list[np.ndarray]], image_shape, *, budget: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The pixels inside each shape, as ImageJ's polygon filler finds them.

    A pixel is inside when its centre is (even-odd rule over all outlines of a
    shape). All shapes are filled at once, row by row: each outline edge is cut
    with the rows of pixel centres it spans, and the cuts are paired along
    each row. Returns ``(shape index, row, col)`` arrays, or None when more
    than ``budget`` pixels would be filled.
    """
    height, width = image_shape
    empty = np.zeros(0, dtype=np.int64)
    outlines = [outline for shape in shapes for outline in shape]
    if not outlines:
        return empty, empty, empty
    lengths = np.array([len(outline) for outline in outlines])
    owner = np.repeat(
        np.repeat(np.arange(len(shapes)), [len(shape) for shape in shapes]), lengths
    )
    start = np.concatenate(outlines)
    # Each vertex's successor on its (closed) outline.
    following = np.arange(1, len(start) + 1)
    ends = np.cumsum(lengths)
    following[ends - 1] = ends - lengths
    stop = start[following]
    (x0, y0), (x1, y1) = start.T, stop.T
    # Rows r whose centre r + 0.5 lies in [min(y0, y1), max(y0, y1)).
    low = np.maximum(np.ceil(np.minimum(y0, y1) - 0.5), 0)
    high = np.minimum(np.ceil(np.maximum(y0, y1) - 0.5), height)
    count = np.maximum(high - low, 0).astype(np.int64)
    if count.sum() > budget:
        return None
    edge = np.repeat(np.arange(len(start)), count)
    row = low[edge].astype(np.int64) + _ramp(count)
    centre = row + 0.5
    cut = x0[edge] + (centre - y0[edge]) * (x1[edge] - x0[edge]) / (y1[edge] - y0[edge])
    who = owner[edge]
    order = np.lexsort((cut, row, who))
    # Every (shape, row) has an even number of cuts: pair them in order.
    cut, row, who = cut[order], row[order], who[order]
    left, right = cut[0::2], cut[1::2]
    col_low = np.clip(np.ceil(left - 0.5), 0, width).astype(np.int64)
    col_high = np.clip(np.ceil(right - 0.5), 0, width).astype(np.int64)
    span = np.maximum(col_high - col_low, 0)
    if span.sum() > budget:
        return None
    cols = np.repeat(col_low, span) + _ramp(span)
    return np.repeat(who[0::2], span), np.repeat(row[0::2], span), cols


def _ramp(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., n - 1 for each n of ``counts``, concatenated."""
    total = int(counts.sum())
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - offsets


def _rasterise(outlines: list[np.ndarray], shape) -> tuple[np.ndarray, np.ndarray]:
    """Pixels whose centres lie inside the outlines (even-odd), as ImageJ fills."""
    _, rows, cols = _scanline_fill([outlines], shape, budget=np.iinfo(np.int64).max)
    return rows, cols


def _report_matches(result, rois, matches: _Matches, labels, areas) -> None:
    iou = matches.iou.copy()
    weak = np.flatnonzero((iou > 0) & (iou < MIN_IOU))
    if weak.size:
        boxes = ndimage.find_objects(labels)
        iou[weak] = [
            max(
                iou[i],
                _filled_iou(rois[i], matches.label[i], matches.size[i], labels, boxes),
            )
            for i in weak.tolist()
        ]
    taken: set[int] = set()
    extra, poor, same = [], [], []
    best_poor = 0.0
    for index in np.argsort(-iou, kind="stable").tolist():
        label = int(matches.label[index])
        if iou[index] <= 0:
            extra.append(index)
        elif iou[index] < MIN_IOU:
            poor.append(index)
            best_poor = max(best_poor, float(iou[index]))
        elif label in taken:
            same.append(index)
        else:
            taken.add(label)
    missing = [
        label
        for label in np.flatnonzero(areas).tolist()
        if label and label not in taken
    ]
    if missing:
        shown = _examples(missing)
        result.add("rois.missing_objects", count=shown["count"], labels=shown["names"])
    if extra:
        result.add(
            "rois.extra_rois", **_examples([rois[i].name for i in sorted(extra)])
        )
    if poor:
        result.add(
            "rois.poor_match",
            overlap=int(100 * best_poor),
            **_examples([rois[i].name for i in sorted(poor)]),
        )
    if same:
        result.add(
            "rois.same_object", **_examples([rois[i].name for i in sorted(same)])
        )


def _filled_iou(roi: _Roi, label: int, size: int, labels: np.ndarray, boxes) -> float:
    """IoU of a ROI with its object's holes filled, as traced ROIs include holes."""
    box = boxes[label - 1]
    filled = ndimage.binary_fill_holes(labels[box] == label)
    roi_rows, roi_cols = _rasterise(roi.outlines, labels.shape)
    keep = (
        (roi_rows >= box[0].start)
        & (roi_rows < box[0].stop)
        & (roi_cols >= box[1].start)
        & (roi_cols < box[1].stop)
    )
    inter = int(
        filled[roi_rows[keep] - box[0].start, roi_cols[keep] - box[1].start].sum()
    )
    return inter / (size + int(filled.sum()) - inter)
