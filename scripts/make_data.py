"""Make the course's input images: stand-ins for the NEUBIAS module's data.

Writes, with fixed seeds, so that a re-run gives identical bytes:

- ``xy_8bit_binary__random_shapes.tif``: 200 x 200, 8-bit, 0/255, white shapes of
  several kinds on black, like the module's ``xy_8bit_binary_randomshapes.tif``;
  one shape is larger than 1000 px (dropped by the activity's size filter) and
  one touches the image border.
- ``xy_16bit__many_nuclei.tif``: a fluorescence-like 16-bit image of more than
  255 nuclei (blurred, with shot and camera noise), whose label mask does not fit
  in 8 bits.

Usage::

    python scripts/make_data.py                  # writes data/ and outputsaving/data/
    python scripts/make_data.py --output DIR     # writes DIR only
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
import tifffile
from scipy import ndimage as ndi
from skimage import draw, measure

ROOT = Path(__file__).resolve().parents[1]
DESTINATIONS = (ROOT / "data", ROOT / "outputsaving" / "data")

RANDOM_SHAPES = "xy_8bit_binary__random_shapes.tif"
MANY_NUCLEI = "xy_16bit__many_nuclei.tif"

SHAPES_SEED = 2024
NUCLEI_SEED = 255


def _shape_mask(kind: str, center, size: float, angle: float, shape) -> np.ndarray:
    """Rasterise one shape of ``kind`` into a boolean image of ``shape``."""
    mask = np.zeros(shape, dtype=bool)
    r, c = center
    if kind == "disk":
        rr, cc = draw.disk((r, c), size, shape=shape)
    elif kind == "ellipse":
        rr, cc = draw.ellipse(r, c, size, 0.55 * size, shape=shape, rotation=angle)
    elif kind == "rectangle":
        half_r, half_c = size, 0.6 * size
        corners = np.array([[-1, -1], [-1, 1], [1, 1], [1, -1]], dtype=float)
        corners *= [half_r, half_c]
        rot = np.array(
            [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
        )
        corners = corners @ rot.T + [r, c]
        rr, cc = draw.polygon(corners[:, 0], corners[:, 1], shape=shape)
    elif kind == "triangle":
        angles = angle + np.array([0, 2, 4]) * np.pi / 3
        rr, cc = draw.polygon(
            r + 1.3 * size * np.sin(angles),
            c + 1.3 * size * np.cos(angles),
            shape=shape,
        )
    elif kind == "star":
        angles = angle + np.arange(10) * np.pi / 5
        radii = np.where(np.arange(10) % 2 == 0, 1.4 * size, 0.7 * size)
        rr, cc = draw.polygon(
            r + radii * np.sin(angles), c + radii * np.cos(angles), shape=shape
        )
    else:  # pragma: no cover - programming error
        msg = f"unknown shape kind {kind!r}"
        raise ValueError(msg)
    mask[rr, cc] = True
    return mask


def random_shapes(seed: int = SHAPES_SEED) -> np.ndarray:
    """Return a (200, 200) uint8 image of white (255) shapes on black (0).

    Seven shapes of five kinds, none touching another (8-connectivity): one
    larger than 1000 px, one touching the left border, the rest 300-1000 px.
    """
    rng = np.random.default_rng(seed)
    shape = (200, 200)
    # kind, size range; the first is the large one, the second is put on the border
    plan = [
        ("ellipse", (26.0, 28.0)),
        ("rectangle", (17.0, 19.0)),
        ("disk", (15.0, 17.0)),
        ("triangle", (16.0, 19.0)),
        ("star", (14.0, 17.0)),
        ("ellipse", (18.0, 22.0)),
        ("rectangle", (13.0, 16.0)),
    ]
    image = np.zeros(shape, dtype=bool)
    for index, (kind, (low, high)) in enumerate(plan):
        for _attempt in range(10_000):
            size = rng.uniform(low, high)
            angle = rng.uniform(0, np.pi)
            if index == 1:  # centred on the left border, so that it is cut by it
                center = (rng.uniform(40, 160), rng.uniform(2, 6))
            else:
                center = (rng.uniform(25, 175), rng.uniform(25, 175))
            mask = _shape_mask(kind, center, size, angle, shape)
            area = int(mask.sum())
            too_big = area > 1000
            if (index == 0) != too_big or area < 300:
                continue
            touches_border = mask[:, 0].any() or mask[:, -1].any()
            touches_border |= mask[0].any() or mask[-1].any()
            if (index == 1) != bool(touches_border):
                continue
            grown = ndi.binary_dilation(mask, iterations=3)
            if not (grown & image).any():
                image |= mask
                break
        else:  # pragma: no cover - only with another seed
            msg = f"could not place shape {index} ({kind}) with seed {seed}"
            raise RuntimeError(msg)
    return np.where(image, 255, 0).astype(np.uint8)


def many_nuclei(seed: int = NUCLEI_SEED, *, count: int = 320) -> np.ndarray:
    """Return a (512, 512) uint16 fluorescence-like image of ``count`` nuclei.

    Nuclei are ellipses with a radius of 5 to 8 px, spaced so that Otsu's
    threshold separates them, blurred like a widefield image, with varying
    brightness, Poisson shot noise and Gaussian camera noise.
    """
    rng = np.random.default_rng(seed)
    shape = (512, 512)
    centers: list[tuple[float, float]] = []
    while len(centers) < count:
        candidate = rng.uniform(10, 502, size=2)
        if all(
            (candidate[0] - r) ** 2 + (candidate[1] - c) ** 2 > 22**2
            for r, c in centers
        ):
            centers.append((float(candidate[0]), float(candidate[1])))
    signal = np.zeros(shape, dtype=float)
    for r, c in centers:
        major = rng.uniform(5.5, 8.0)
        minor = major * rng.uniform(0.7, 1.0)
        rr, cc = draw.ellipse(
            r, c, major, minor, shape=shape, rotation=rng.uniform(0, np.pi)
        )
        signal[rr, cc] = rng.uniform(600, 1600)
    signal = ndi.gaussian_filter(signal, sigma=1.5) + 100.0
    image = rng.poisson(signal).astype(float) + rng.normal(0.0, 10.0, size=shape)
    return np.clip(np.round(image), 0, 65535).astype(np.uint16)


def _write_tiff(path: Path, image: np.ndarray) -> None:
    # No date, no JSON shape description: the bytes depend on the pixels only.
    tifffile.imwrite(path, image, photometric="minisblack", metadata=None)


def make_all(directory: Path) -> list[Path]:
    """Write every course image into ``directory`` and return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    images = {RANDOM_SHAPES: random_shapes(), MANY_NUCLEI: many_nuclei()}
    _check(images)
    paths = []
    for name, image in images.items():
        path = directory / name
        _write_tiff(path, image)
        paths.append(path)
    return paths


def _check(images: dict[str, np.ndarray]) -> None:
    """Refuse to write images that lack what the activities rely on."""
    shapes = measure.label(images[RANDOM_SHAPES] > 0, connectivity=2)
    areas = np.bincount(shapes.ravel())[1:]
    if not (len(areas) >= 6 and (areas > 1000).sum() == 1):
        msg = f"random shapes: expected >= 6 shapes, one over 1000 px; got {areas}"
        raise RuntimeError(msg)
    from skimage.filters import threshold_otsu

    nuclei = images[MANY_NUCLEI]
    count = measure.label(nuclei > threshold_otsu(nuclei)).max()
    if count <= 255:
        msg = f"many nuclei: expected more than 255 nuclei after Otsu, got {count}"
        raise RuntimeError(msg)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="write here only")
    args = parser.parse_args(argv)
    if args.output is not None:
        make_all(args.output)
        return
    written = make_all(DESTINATIONS[0])
    for path in written:
        shutil.copyfile(path, DESTINATIONS[1] / path.name)
    shutil.copyfile(DESTINATIONS[0] / "README.md", DESTINATIONS[1] / "README.md")


if __name__ == "__main__":
    main()
