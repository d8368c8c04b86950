"""Check a saved label mask: a lossless, single-channel, 2-D image of integer labels.

A label mask gives every pixel of an object the object's number and every
background pixel the value 0. It survives a round trip through a file only in a
lossless format that keeps integer values, such as TIFF or a 16-bit greyscale
PNG. :func:`check_label_mask` reads the file, judging its format by its content
rather than its name, and returns every finding at once: lossy compression,
colour instead of labels, palette images, stacks, types that ImageJ changes,
binary masks, a non-zero background and, given a reference, lost, merged or
split objects.

Decoding uses tifffile for TIFF and Pillow for everything else. Sizes are
checked from the header before any pixel is decoded.

What real ImageJ 1.53t does with each pixel type (``tests/test_labels_imagej.py``
checks it): unsigned 8- and 16-bit open unchanged; signed 8-bit opens as
unsigned 8-bit (non-negative labels keep their values); signed 16-bit opens
with 32768 added to every raw pixel value (a calibration shows the original
values, but pixel-based tools see the shifted ones, background included);
signed and unsigned 32-bit integers and 32-bit floats open as 32-bit float,
exact only up to 2**24 = 16,777,216 (unsigned values above 2**31 even turn
negative); 64-bit types and 16-bit floats do not open at all.

Note that :func:`skimage.measure.label` returns int32 for a boolean input (it
then uses :func:`scipy.ndimage.label`) but int64 (``np.intp``) for an integer
input, on 64-bit Linux with scikit-image 0.26: its output must be converted,
typically to unsigned 16-bit, before it is saved.
"""

from __future__ import annotations

import logging
import re
import struct
import warnings
import zlib
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import tifffile
from PIL import Image
from scipy import ndimage

from outputsaving.findings import CheckResult, checker
from outputsaving.reference import as_reference_labels
from outputsaving.sniff import FORMAT_NAMES, preflight

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "FLOAT32_EXACT_LIMIT",
    "check_label_mask",
    "read_label_mask",
]

#: Files larger than this many bytes (1 GiB) are not read.
DEFAULT_MAX_BYTES = 2**30
#: Images declaring more pixels than this (times samples) are not decoded.
DEFAULT_MAX_PIXELS = 100_000_000
#: Largest integer up to which every integer is exact in 32-bit float.
FLOAT32_EXACT_LIMIT = 2**24

#: Formats handed to Pillow; anything else that is known is not an image.
_PILLOW_FORMATS = ("png", "jpeg", "gif", "bmp", "binary")

#: The formats Pillow may recognise; exotic ones with weak signatures are left out.
_PILLOW_IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "JPEG2000", "PPM")

#: TIFF compressions that lose information (or nearly always do).
_LOSSY_TIFF_COMPRESSIONS = frozenset(
    getattr(tifffile.COMPRESSION, name)
    for name in (
        "OJPEG",
        "JPEG",
        "JPEG_99",
        "ALT_JPEG",
        "JPEG_LOSSY",
        "JPEGXR",
        "JPEGXR_NDPI",
        "JPEG_2000_LOSSY",
        "APERIO_JP2000_YCBC",
        "APERIO_JP2000_RGB",
        "WEBP",
        "WEBP_DEPRECATED",
        "JPEGXL",
        "JPEGXL_DNG",
    )
    if hasattr(tifffile.COMPRESSION, name)
)

#: Pillow formats that are lossy (JPEG is named on its own).
_LOSSY_PILLOW_FORMATS = {"WEBP": "WebP"}

#: What a decoder may raise for a damaged or truncated file. These become a
#: "labels.unreadable" finding; anything else is unexpected.
_DECODE_ERRORS = (
    OSError,  # includes PIL.UnidentifiedImageError and truncated data
    EOFError,
    SyntaxError,  # Pillow's PNG reader on broken chunks
    ValueError,  # includes tifffile.TiffFileError
    struct.error,
    zlib.error,
    IndexError,  # tifffile: tags with too few values; Pillow's GIF reader
    KeyError,  # tifffile: unknown enumerated values, such as a predictor
    ArithmeticError,  # tifffile: zero or overflowing sizes in damaged tags
    TypeError,  # tifffile: tags holding a tuple where a number is expected
    RuntimeError,  # imagecodecs' codec errors
)

_DTYPE_WORDS = {
    "bool": "1-bit",
    "uint8": "unsigned 8-bit",
    "int8": "signed 8-bit",
    "uint16": "unsigned 16-bit",
    "int16": "signed 16-bit",
    "uint32": "unsigned 32-bit integer",
    "int32": "signed 32-bit integer",
    "uint64": "unsigned 64-bit integer",
    "int64": "signed 64-bit integer",
    "float16": "16-bit float",
    "float32": "32-bit float",
    "float64": "64-bit float",
    "complex64": "complex",
    "complex128": "complex",
}

_COLOUR_MODES = {
    "RGB": "RGB",
    "RGBA": "RGBA",
    "RGBX": "RGB",
    "RGBa": "RGBA",
    "CMYK": "CMYK",
    "YCbCr": "YCbCr",
    "LAB": "Lab",
    "HSV": "HSV",
}


def check_label_mask(
    path: str | Path,
    /,
    *,
    reference=None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> CheckResult:
    """Check a saved label mask and return every finding at once.

    Parameters
    ----------
    path : str or Path
        The file the learner saved. Its format is judged by its content, never
        by its name.
    reference : (M, N) array_like of int, or str or Path, optional
        The expected labels (0 is background), or a TIFF or PNG file holding
        them. When given, the mask must have the same shape and the same
        objects, up to a renumbering of the labels.
    max_pixels : int, optional
        Images declaring more pixels than this (counting every sample of every
        channel and page) are refused before decoding.
    max_bytes : int, optional
        Files larger than this are not read.

    Returns
    -------
    CheckResult
        Kind ``"labels"``. Its ``content`` is the decoded ``(M, N) ndarray``
        when a single-channel 2-D image could be read (also when it fails other
        checks, such as a JPEG), otherwise None.

    Raises
    ------
    ValueError
        Only for a bad ``reference`` (the instructor's input); a bad learner
        file always gives findings instead.

    Notes
    -----
    Background rule without a reference: the background is reported as
    non-zero when the most frequent value of the image is not 0, is also the
    value of at least half of the pixels on the image border, and 0 is rarer
    than it (or absent). With a reference of the same shape, the most frequent
    mask value over the reference's background pixels must be 0.

    A mask with a single foreground value is reported as a binary mask when
    the reference holds more than one object or, without a reference, when
    that value is 1 or 255 and it forms more than one connected component
    (8-connectivity).
    """
    labels = None if reference is None else as_reference_labels(reference)
    return _check_label_mask(
        path, reference=labels, max_pixels=max_pixels, max_bytes=max_bytes
    )


def read_label_mask(
    path: str | Path,
    /,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> np.ndarray:
    """Read a label mask file as a 2-D array, as :func:`check_label_mask` does.

    Parameters
    ----------
    path : str or Path
        A TIFF, PNG or other image file holding one 2-D single-channel image.
    max_pixels, max_bytes : int, optional
        As for :func:`check_label_mask`.

    Returns
    -------
    (M, N) ndarray
        The decoded pixel values, in the file's own type. Values are returned
        even when the file fails other checks (for example a JPEG file).

    Raises
    ------
    ValueError
        When the file cannot be decoded into a single-channel 2-D image; the
        message is the learner-facing explanation.
    """
    result = check_label_mask(path, max_pixels=max_pixels, max_bytes=max_bytes)
    if result.content is None:
        msg = " ".join(f.message for f in result.errors) or "no image could be read"
        raise ValueError(msg)
    return result.content


@checker("labels")
def _check_label_mask(
    result: CheckResult,
    path: Path,
    /,
    *,
    reference: np.ndarray | None,
    max_pixels: int,
    max_bytes: int,
) -> None:
    fmt = preflight(result, path, max_bytes=max_bytes)
    if fmt is None:
        return
    if fmt == "tiff":
        array = _read_tiff(result, path, max_pixels=max_pixels)
    elif fmt in _PILLOW_FORMATS:
        array = _read_with_pillow(result, path, fmt, max_pixels=max_pixels)
    else:
        result.add("labels.not_an_image", found=FORMAT_NAMES[fmt])
        return
    if array is None:
        return
    result.content = array
    if any(code in _LOSSY_CODES for code in result.codes):
        # The values are what the compression made of them: what else they
        # show (split objects, a size filter) would only follow from it.
        return
    _check_values(result, array, reference)


_LOSSY_CODES = frozenset({"labels.lossy_jpeg", "labels.lossy_tiff"})


# -- reading -----------------------------------------------------------------


@contextmanager
def _quiet():
    """Silence the warnings and log records decoders emit for odd files."""
    logger = logging.getLogger("tifffile")
    previous = logger.disabled
    logger.disabled = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.disabled = previous


def _read_tiff(result: CheckResult, path: Path, /, *, max_pixels: int):
    """Return the 2-D labels of a TIFF file, or None, adding findings."""
    size = path.stat().st_size
    try:
        with _quiet(), tifffile.TiffFile(path) as tif:
            series = tif.series
            if not series or not tif.pages:
                result.add("labels.unreadable", found=FORMAT_NAMES["tiff"])
                return None
            if len(series) > 1:
                result.add("labels.several_images", count=len(series))
            first = series[0]
            page = first.keyframe
            compression = tifffile.COMPRESSION(page.compression)
            lossy = compression in _LOSSY_TIFF_COMPRESSIONS
            if lossy:
                if compression.name in ("JPEG", "OJPEG"):
                    result.add("labels.lossy_jpeg")
                else:
                    name = compression.name.replace("_", " ")
                    result.add("labels.lossy_tiff", compression=name)
            shape = tuple(int(n) for n in first.shape)
            kept = [n != 1 or a in "YX" for a, n in zip(first.axes, shape, strict=True)]
            axes = "".join(a for a, keep in zip(first.axes, kept, strict=True) if keep)
            if len(axes.replace("S", "")) != 2:
                result.add("labels.not_2d", shape=_shape_words(shape))
                return None
            if not _refuse_large(result, shape, max_pixels=max_pixels):
                return None
            if _is_truncated(first.pages, size) or _has_corrupt_lzw(tif, first):
                result.add("labels.unreadable", found=FORMAT_NAMES["tiff"])
                return None
            photometric = page.photometric
            try:
                data = first.asarray()
                data = data.reshape([n for n, k in zip(shape, kept, strict=True) if k])
            except _DECODE_ERRORS:
                if not lossy:  # a lossy file is already named as such
                    result.add("labels.unreadable", found=FORMAT_NAMES["tiff"])
                return None
    except _DECODE_ERRORS:
        result.add("labels.unreadable", found=FORMAT_NAMES["tiff"])
        return None
    if "S" in axes:
        data = np.moveaxis(data, axes.index("S"), -1)
        if photometric in (tifffile.PHOTOMETRIC.RGB, tifffile.PHOTOMETRIC.YCBCR):
            return _single_channel(result, data, mode="RGB", kind="rgb")
        if photometric in (
            tifffile.PHOTOMETRIC.MINISBLACK,
            tifffile.PHOTOMETRIC.MINISWHITE,
        ):
            mode = f"grey and {data.shape[-1] - 1} more"
            return _single_channel(result, data, mode=mode, kind="channels")
        mode = getattr(photometric, "name", f"photometric {photometric}")
        return _single_channel(result, data, mode=mode, kind="colour")
    if photometric == tifffile.PHOTOMETRIC.PALETTE:
        result.add("labels.palette_tiff")
    return data


def _is_truncated(pages, size: int) -> bool:
    """True when a page's pixel data would lie beyond the end of the file."""
    for page in pages:
        if page is None:
            return True
        ends = [
            offset + count
            for offset, count in zip(
                page.dataoffsets, page.databytecounts, strict=False
            )
            if count
        ]
        if any(end > size for end in ends):
            return True
    return False


def _has_corrupt_lzw(tif: tifffile.TiffFile, series) -> bool:
    """True when an LZW strip of the pages of ``series`` is malformed.

    imagecodecs 2026.3.6 crashes the interpreter (segmentation fault) on some
    corrupt LZW strips, for instance one whose first code after a clear code
    is not a literal; a one-byte change of a valid file is enough. The codes
    are therefore walked in Python before tifffile decodes anything.
    """
    if series.keyframe.compression != tifffile.COMPRESSION.LZW:
        return False
    handle = tif.filehandle
    for page in series.pages:
        for offset, count in zip(page.dataoffsets, page.databytecounts, strict=False):
            if not count:
                continue
            handle.seek(offset)
            if not _lzw_is_well_formed(handle.read(count)):
                return True
    return False


def _lzw_is_well_formed(data: bytes) -> bool:
    """Walk the codes of one TIFF LZW strip (MSB first, early change).

    Returns False for old-style (LSB first) strips, for a code beyond the next
    table entry, for a first code after a clear code that is not a literal and
    for a table overflowing 4096 entries without a clear code.
    """
    clear, end = 256, 257
    if data[:2] == b"\x00\x01":  # old-style LZW, not written by current software
        return False
    buffer = buffered = 0
    width, next_code, previous = 9, 258, None
    for byte in data:
        buffer = (buffer << 8) | byte
        buffered += 8
        while buffered >= width:
            buffered -= width
            code = buffer >> buffered
            buffer &= (1 << buffered) - 1
            if code == end:
                return True
            if code == clear:
                width, next_code, previous = 9, 258, None
                continue
            if previous is None:
                if code > 255:
                    return False
            else:
                if code > next_code or next_code >= 4096:
                    return False
                next_code += 1
                if next_code >= (1 << width) - 1 and width < 12:
                    width += 1
            previous = code
    return True


def _read_with_pillow(result: CheckResult, path: Path, fmt: str, /, *, max_pixels: int):
    """Return the 2-D labels of a non-TIFF image file, or None, adding findings."""
    found = FORMAT_NAMES[fmt]
    if fmt == "jpeg":
        result.add("labels.lossy_jpeg")
    Image.init()  # registers every plugin, so that ``formats`` may name them
    with _quiet():
        try:
            image = Image.open(path, formats=_PILLOW_IMAGE_FORMATS)
        except Image.DecompressionBombError as error:
            match = re.search(r"\((\d+) pixels\)", str(error))
            pixels = int(match.group(1)) if match else max_pixels + 1
            result.add(
                "labels.image_too_large",
                pixels=f"{pixels:,}",
                limit=f"{max_pixels:,}",
            )
            return None
        except _DECODE_ERRORS:
            if fmt == "binary":
                result.add("labels.not_an_image", found=found)
            else:
                result.add("labels.unreadable", found=found)
            return None
        with image:
            kind = image.format or ""
            if fmt != "jpeg" and kind in ("JPEG", "MPO"):
                result.add("labels.lossy_jpeg")
            elif kind in _LOSSY_PILLOW_FORMATS:
                result.add("labels.lossy_format", format=_LOSSY_PILLOW_FORMATS[kind])
            if fmt == "binary":
                found = f"{kind or 'an unknown'} image"
            frames = getattr(image, "n_frames", 1)
            if frames > 1:
                result.add("labels.several_images", count=frames)
            width, height = image.size
            shape = (height, width, len(image.getbands()))
            if not _refuse_large(result, shape, max_pixels=max_pixels):
                return None
            mode = image.mode
            try:
                image.load()
                data = np.asarray(image)
            except _DECODE_ERRORS:
                result.add("labels.unreadable", found=found)
                return None
    return _from_pillow_mode(result, data, mode, kind)


def _from_pillow_mode(result: CheckResult, data: np.ndarray, mode: str, kind: str):
    """Turn a decoded Pillow image into 2-D labels, adding findings."""
    if mode == "1":
        return data.astype(np.uint8)
    if mode.startswith("I;16"):
        return data.astype(np.uint16)
    if mode in ("P", "PA"):
        result.add("labels.palette")
        return data if data.ndim == 2 else data[..., 0]
    if mode in _COLOUR_MODES:
        kind = "rgb" if mode.startswith("RGB") else "colour"
        return _single_channel(result, data, mode=_COLOUR_MODES[mode], kind=kind)
    if data.ndim == 3:  # "LA", "La": grey with transparency
        return _single_channel(result, data, mode="grey and alpha", kind="channels")
    return data


def _single_channel(result: CheckResult, data: np.ndarray, /, *, mode: str, kind: str):
    """Name a multi-channel image; return the one channel that holds labels, or None.

    ``data`` is ``(M, N, C)``; ``kind`` is ``"rgb"`` (red, green, blue first),
    ``"colour"`` (another colour space) or ``"channels"`` (grey with extra
    channels, such as transparency). RGB with equal red, green and blue is grey
    stored as colour, and grey with extra channels keeps its grey values in the
    first channel: that channel is returned for the other checks. Other colour
    images give None.
    """
    if kind == "rgb" and data.shape[-1] >= 3:
        red, green, blue = data[..., 0], data[..., 1], data[..., 2]
        if np.array_equal(red, green) and np.array_equal(red, blue):
            result.add("labels.grey_as_rgb")
            return red
    if kind == "channels":
        result.add("labels.extra_channels", count=data.shape[-1], mode=mode)
        return data[..., 0]
    result.add("labels.colour", mode=mode)
    return None


def _refuse_large(result: CheckResult, shape, /, *, max_pixels: int) -> bool:
    """Add a finding and return False when ``shape`` is too large to decode."""
    pixels = int(np.prod(shape, dtype=np.float64))
    if pixels > max_pixels:
        result.add(
            "labels.image_too_large",
            pixels=f"{pixels:,}",
            limit=f"{max_pixels:,}",
        )
        return False
    return True


def _shape_words(shape) -> str:
    return " x ".join(str(n) for n in shape)


def _dtype_words(dtype: np.dtype) -> str:
    name = np.dtype(dtype).name
    words = _DTYPE_WORDS.get(name, name)
    return f"{words} ({name})"


# -- values ------------------------------------------------------------------


def _check_values(result: CheckResult, array: np.ndarray, reference) -> None:
    """Check the pixel type and values of 2-D labels, and compare them."""
    labels = array.astype(np.uint8) if array.dtype == bool else array
    if labels.dtype.byteorder not in ("=", "|"):
        labels = labels.astype(labels.dtype.newbyteorder("="))
    if not _check_dtype(result, labels):
        return
    values, counts = _value_counts(labels)
    objects = values[values != 0]
    if reference is not None and labels.shape != reference.shape:
        _add_shape_finding(result, labels.shape, reference.shape)
        reference_for_background = None
    else:
        reference_for_background = reference
    reference_count = None
    if reference is not None:
        reference_values, _ = _value_counts(reference)
        reference_count = int(np.count_nonzero(reference_values))
    binary = _check_binary(result, labels, objects, reference_count)
    background = _check_background(
        result, labels, values, counts, reference_for_background
    )
    if reference is None:
        if objects.size == 0:
            result.add("labels.no_objects")
        return
    if binary or background or labels.shape != reference.shape:
        return
    _compare_objects(result, labels, reference, reference_count)


def _check_dtype(result: CheckResult, labels: np.ndarray) -> bool:
    """Check the pixel type; return False when values cannot be compared."""
    dtype = labels.dtype
    if dtype.kind not in "iuf":
        result.add("labels.dtype_imagej_cannot_open", dtype=_dtype_words(dtype))
        return False
    if dtype.itemsize == 8 or dtype == np.float16:
        result.add("labels.dtype_imagej_cannot_open", dtype=_dtype_words(dtype))
    if labels.size == 0:
        return False
    integer_valued = True
    if dtype.kind == "f":
        finite = np.isfinite(labels)
        bad = int(labels.size - np.count_nonzero(finite))
        if bad:
            result.add("labels.not_finite", count=f"{bad:,}")
            integer_valued = False
        fractional = finite & (labels != np.round(labels))
        if fractional.any():
            example = labels[fractional].flat[0]
            result.add("labels.not_integer", example=f"{float(example):g}")
            integer_valued = False
    finite_values = labels[np.isfinite(labels)] if dtype.kind == "f" else labels
    if finite_values.size == 0:
        return True
    lowest, highest = finite_values.min(), finite_values.max()
    if lowest < 0:
        result.add("labels.negative", lowest=f"{lowest:g}")
    if dtype == np.int16:
        result.add("labels.signed_16bit")
    elif dtype == np.int8 and lowest >= 0:
        result.add("labels.signed_8bit")
    elif dtype.itemsize == 4 and integer_valued and lowest >= 0:
        if highest > FLOAT32_EXACT_LIMIT:
            result.add(
                "labels.beyond_float32",
                highest=f"{highest:,.0f}",
                dtype=_dtype_words(dtype),
            )
        else:
            result.add(
                "labels.float32_in_imagej",
                highest=f"{highest:,.0f}",
                dtype=_dtype_words(dtype),
            )
    return True


def _add_shape_finding(result: CheckResult, found, expected) -> None:
    if tuple(found) == tuple(expected)[::-1]:
        code = "labels.shape_transposed"
    else:
        code = "labels.shape_mismatch"
    result.add(code, found=_shape_words(found), expected=_shape_words(expected))


def _check_binary(result, labels, objects, reference_count) -> bool:
    """Name a binary mask: one value for several objects. Return True if found."""
    if objects.size != 1:
        return False
    value = objects[0]
    if reference_count is not None:
        count = reference_count
    elif value in (1, 255):
        structure = np.ones((3, 3), dtype=bool)
        count = ndimage.label(labels == value, structure=structure)[1]
    else:
        return False
    if count < 2:
        return False
    result.add("labels.binary", value=f"{value:g}", count=count)
    return True


def _check_background(result, labels, values, counts, reference) -> bool:
    """Name a non-zero background (see Notes of check_label_mask)."""
    if reference is not None:
        under = labels[reference == 0]
        if under.size == 0:
            return False
        under_values, under_counts = _value_counts(under)
        background = under_values[np.argmax(under_counts)]
        if background == 0:
            return False
    else:
        background = values[np.argmax(counts)]
        if background == 0:
            return False
        border = np.concatenate(
            [labels[0], labels[-1], labels[1:-1, 0], labels[1:-1, -1]]
        )
        if np.count_nonzero(border == background) * 2 < border.size:
            return False
        zeros = counts[values == 0]
        if zeros.size and zeros[0] >= counts.max():
            return False
    result.add("labels.background_not_zero", value=f"{background:g}")
    return True


#: Largest label value counted with bincount (linear time) instead of sorting.
_BINCOUNT_LIMIT = 1 << 26


def _countable(array: np.ndarray) -> bool:
    """True for integer arrays with values in 0.._BINCOUNT_LIMIT."""
    if array.dtype.kind not in "iub" or array.size == 0:
        return False
    low, high = array.min(), array.max()
    return low >= 0 and high < _BINCOUNT_LIMIT


def _value_counts(array: np.ndarray):
    """Distinct values of ``array`` and their counts, sorted by value.

    Label images hold small non-negative integers: count them in linear time
    with bincount, and sort only other arrays.
    """
    if not _countable(array):
        return np.unique(array, return_counts=True)
    counts = np.bincount(array.ravel())
    values = np.flatnonzero(counts)
    return values.astype(array.dtype), counts[values]


def _compact(array: np.ndarray):
    """Distinct values of ``array`` and each pixel's index among them (raveled)."""
    if not _countable(array):
        values, inverse = np.unique(array, return_inverse=True)
        return values, inverse.ravel()
    present = np.bincount(array.ravel()) > 0
    values = np.flatnonzero(present)
    lookup = np.cumsum(present) - 1
    index_type = np.int32 if values.size < 2**31 else np.int64
    return values.astype(array.dtype), lookup.astype(index_type)[array.ravel()]


def _contingency(first: np.ndarray, second: np.ndarray):
    """Pair counts of two label images of the same shape.

    Returns
    -------
    first_values, second_values : (P,) ndarray, (Q,) ndarray
        The distinct values of each image, sorted.
    first_index, second_index, counts : (K,) ndarray of int
        For each of the K pairs that occur, the index of its value in
        ``first_values`` and in ``second_values``, and its pixel count.
    """
    first_values, first_inverse = _compact(first)
    second_values, second_inverse = _compact(second)
    width = second_values.size
    pairs = first_inverse.astype(np.int64) * width + second_inverse
    codes, counts = np.unique(pairs, return_counts=True)
    first_index, second_index = np.divmod(codes, width)
    return first_values, second_values, first_index, second_index, counts


def _dominant(group: np.ndarray, other: np.ndarray, counts: np.ndarray, size: int):
    """For each group index, the ``other`` index with the largest count."""
    order = np.lexsort((-counts, group))
    sorted_group = group[order]
    first = np.ones(order.size, dtype=bool)
    first[1:] = sorted_group[1:] != sorted_group[:-1]
    dominant = np.full(size, -1, dtype=np.int64)
    dominant[sorted_group[first]] = other[order][first]
    return dominant


def _same_partition(first: np.ndarray, second: np.ndarray) -> bool:
    """True when two label images are equal up to a renumbering.

    Linear time: map each value of ``first`` to the ``second`` value at one of
    its pixels, then check that the map holds at every pixel and is one-to-one.
    """
    first_values, first_index = _compact(first)
    second_values, second_index = _compact(second)
    if first_values.size != second_values.size:
        return False
    mapping = np.empty(first_values.size, dtype=second_index.dtype)
    mapping[first_index] = second_index
    if not np.array_equal(mapping[first_index], second_index):
        return False
    return np.unique(mapping).size == mapping.size


def _compare_objects(result, labels, reference, reference_count) -> None:
    """Compare the objects of same-shape labels and reference, up to renumbering."""
    if labels.dtype == np.uint8 and reference_count > 255:
        if _same_partition(labels, reference % 256):
            result.add("labels.wrapped_8bit", count=reference_count)
        else:
            result.add("labels.too_many_for_8bit", count=reference_count)
        return
    if _same_partition(reference, labels):
        return
    ref_values, mask_values, ref_index, mask_index, counts = _contingency(
        reference, labels
    )
    dominant_mask = _dominant(ref_index, mask_index, counts, ref_values.size)
    dominant_ref = _dominant(mask_index, ref_index, counts, mask_values.size)
    agree = (dominant_mask[ref_index] == mask_index) & (
        dominant_ref[mask_index] == ref_index
    )
    disagreeing = int(counts.sum() - counts[agree].sum())
    if disagreeing == 0:
        return
    ref_objects = ref_values != 0
    mask_objects = mask_values != 0
    # Reference objects whose pixels are mostly background in the mask.
    lost = int(np.count_nonzero(ref_objects & ~mask_objects[dominant_mask]))
    # Mask objects lying mostly on reference background.
    extra = int(np.count_nonzero(mask_objects & ~ref_objects[dominant_ref]))
    # Mask labels that are the main label of several reference objects.
    kept = ref_objects & mask_objects[dominant_mask]
    shared = np.bincount(dominant_mask[kept], minlength=mask_values.size)
    merged = int(shared[shared > 1].sum())
    # Reference objects that are the main object of several mask labels.
    found = mask_objects & ref_objects[dominant_ref]
    pieces = np.bincount(dominant_ref[found], minlength=ref_values.size)
    split = int(np.count_nonzero(pieces > 1))
    total = reference_count
    if lost:
        result.add("labels.objects_lost", count=lost, total=total)
    if merged:
        result.add("labels.objects_merged", count=merged, total=total)
    if split:
        result.add("labels.objects_split", count=split, total=total)
    if extra:
        result.add("labels.objects_extra", count=extra)
    if not (lost or merged or split or extra):
        result.add("labels.outlines_differ", count=f"{disagreeing:,}")
