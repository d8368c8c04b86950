"""The course's input images, shipped inside the package.

The same files are in the repository's ``data/`` folder; the copies here let a
notebook that is graded or opened outside the repository find its input.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["MANY_NUCLEI", "RANDOM_SHAPES", "data_path"]

#: 200 x 200, 8-bit, 0/255 random shapes (activity 1 and 2).
RANDOM_SHAPES = "xy_8bit_binary__random_shapes.tif"
#: 512 x 512, 16-bit image of more than 255 nuclei (activity 2).
MANY_NUCLEI = "xy_16bit__many_nuclei.tif"

_NAMES = (RANDOM_SHAPES, MANY_NUCLEI)


def data_path(name: str, /) -> Path:
    """Return the path of a shipped input image.

    Parameters
    ----------
    name : str
        A file name, such as :data:`RANDOM_SHAPES`.

    Returns
    -------
    Path
        The installed package's copy; treat it as read-only.
    """
    if name not in _NAMES:
        msg = f"expected one of {', '.join(_NAMES)} but got {name!r}"
        raise ValueError(msg)
    return Path(str(resources.files("outputsaving") / "data" / name))
