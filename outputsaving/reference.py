"""Reference label images: what a learner's files are compared against."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["as_reference_labels"]


def as_reference_labels(labels, /) -> np.ndarray:
    """Return reference labels as a 2-D integer array.

    Parameters
    ----------
    labels : (M, N) array_like of int, or str or Path
        A label image (label 0 is background), or the path of a TIFF or PNG
        file holding one. This is the instructor's reference, so a file that
        cannot be used raises instead of producing findings.

    Returns
    -------
    (M, N) ndarray of int64

    Raises
    ------
    ValueError
        When the reference cannot be read, is not 2-D or is not integer-valued.
    """
    if isinstance(labels, (str, Path)):
        labels = _read_image(Path(labels))
    array = np.asarray(labels)
    array = np.squeeze(array) if array.ndim > 2 else array
    if array.ndim != 2:
        msg = f"expected a 2-D label image as reference but got shape {array.shape}"
        raise ValueError(msg)
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or not np.all(array == np.round(array)):
            msg = "expected integer labels as reference but got non-integer floats"
            raise ValueError(msg)
    elif array.dtype.kind not in "biu":
        msg = f"expected an integer label image as reference but got {array.dtype}"
        raise ValueError(msg)
    if array.min(initial=0) < 0:
        msg = "expected labels >= 0 as reference (0 is background)"
        raise ValueError(msg)
    return array.astype(np.int64, copy=False)


def _read_image(path: Path) -> np.ndarray:
    if not path.is_file():
        msg = f"reference label image not found: {path}"
        raise ValueError(msg)
    with open(path, "rb") as file:
        head = file.read(8)
    try:
        if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
            import tifffile

            return tifffile.imread(path)
        from PIL import Image

        with Image.open(path) as image:
            if image.mode in ("P", "RGB", "RGBA", "CMYK", "YCbCr"):
                msg = f"reference {path.name} is a colour image, not a label image"
                raise ValueError(msg)
            return np.asarray(image)
    except ValueError:
        raise
    except Exception as error:
        msg = f"could not read reference label image {path}: {error}"
        raise ValueError(msg) from error
