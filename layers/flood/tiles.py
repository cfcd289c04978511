"""PNG map tiles of a flood state raster (flood, permanent water, unknown hatched grey, dry transparent)
and of a GFM likelihood raster. Pure raster code (rasterio, numpy, PIL; no Django).

Cost is bounded: a tile reads only the window under it, decimated to at most 512² pixels (overviews
built at ingest answer low zooms), and is reprojected to Web Mercator with nearest neighbour.
"""

from __future__ import annotations

import io
import math

import numpy as np
import rasterio
from PIL import Image
from rasterio import windows
from rasterio.enums import Resampling
from rasterio.transform import from_bounds
from rasterio.warp import reproject, transform_bounds

SIZE = 256
MIN_ZOOM, MAX_ZOOM = 8, 17
OUTSIDE = 254  # never a state value: marks "no raster here" in a warped tile
MAX_READ = 512
ORIGIN = 20037508.342789244

# RGBA per state: flood strong blue, permanent water pale cyan, dry transparent.
FLOOD_RGBA = (21, 101, 192, 200)
PERMANENT_RGBA = (128, 203, 196, 110)
UNKNOWN_RGBA = (97, 97, 97, 170)
UNKNOWN_FAINT_RGBA = (158, 158, 158, 60)


def bounds_3857(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of an XYZ tile in Web Mercator metres."""
    size = 2 * ORIGIN / (1 << z)
    west = -ORIGIN + x * size
    north = ORIGIN - y * size
    return west, north - size, west + size, north


def in_range(z: int, x: int, y: int) -> bool:
    """Whether z/x/y is a tile this renderer serves (zoom range, 0 ≤ x, y < 2^z)."""
    return MIN_ZOOM <= z <= MAX_ZOOM and 0 <= x < (1 << z) and 0 <= y < (1 << z)


def lonlat_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a tile in degrees."""
    west, south, east, north = bounds_3857(z, x, y)

    def lat(my: float) -> float:
        return math.degrees(2 * math.atan(math.exp(my / ORIGIN * math.pi)) - math.pi / 2)

    return west * 180.0 / ORIGIN, lat(south), east * 180.0 / ORIGIN, lat(north)


def warp(path: str, z: int, x: int, y: int) -> np.ndarray | None:
    """The raster's band 1 under tile z/x/y as a 256² uint8 grid (OUTSIDE where it has no pixel), or None."""
    tile = bounds_3857(z, x, y)
    with rasterio.open(path) as ds:
        west, south, east, north = transform_bounds("EPSG:3857", ds.crs, *tile, densify_pts=11)
        full = windows.Window(0, 0, ds.width, ds.height)
        try:
            win = windows.from_bounds(west, south, east, north, ds.transform).round_offsets().round_lengths()
            win = win.intersection(full)
        except rasterio.errors.WindowError:
            return None
        if win.width < 1 or win.height < 1:
            return None
        scale = max(win.width / MAX_READ, win.height / MAX_READ, 1.0)
        shape = (max(1, int(win.height / scale)), max(1, int(win.width / scale)))
        data = ds.read(1, window=win, out_shape=shape, resampling=Resampling.nearest)
        src_transform = windows.transform(win, ds.transform) * rasterio.Affine.scale(
            win.width / shape[1], win.height / shape[0]
        )
        out = np.full((SIZE, SIZE), OUTSIDE, np.uint8)
        reproject(
            data,
            out,
            src_transform=src_transform,
            src_crs=ds.crs,
            src_nodata=OUTSIDE,
            dst_transform=from_bounds(*tile, SIZE, SIZE),
            dst_crs="EPSG:3857",
            dst_nodata=OUTSIDE,
            resampling=Resampling.nearest,
        )
    return out


def _hatch() -> np.ndarray:
    rows, cols = np.indices((SIZE, SIZE))
    return ((rows + cols) % 8) < 3


def colour_state(grid: np.ndarray) -> np.ndarray:
    """RGBA of a state grid: flood blue, permanent water pale, unknown grey hatched, dry and outside clear."""
    rgba = np.zeros((*grid.shape, 4), np.uint8)
    rgba[grid == 1] = FLOOD_RGBA
    rgba[grid == 2] = PERMANENT_RGBA
    unknown = grid == 255
    stripes = _hatch()
    rgba[unknown & stripes] = UNKNOWN_RGBA
    rgba[unknown & ~stripes] = UNKNOWN_FAINT_RGBA
    return rgba


def colour_likelihood(grid: np.ndarray) -> np.ndarray:
    """RGBA of a likelihood grid (0–100 %): transparent at 0, deep blue at 100; 255 and outside clear."""
    rgba = np.zeros((*grid.shape, 4), np.uint8)
    valid = grid <= 100
    share = np.where(valid, grid, 0).astype(np.float32) / 100.0
    rgba[..., 0] = (255 - share * 230).astype(np.uint8)
    rgba[..., 1] = (235 - share * 160).astype(np.uint8)
    rgba[..., 2] = (59 + share * 120).astype(np.uint8)
    rgba[..., 3] = np.where(valid & (grid > 0), 40 + share * 180, 0).astype(np.uint8)
    return rgba


def png(rgba: np.ndarray | None) -> bytes:
    """PNG bytes of an RGBA grid (a fully transparent tile for None)."""
    if rgba is None:
        rgba = np.zeros((SIZE, SIZE, 4), np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def render(path: str, kind: str, z: int, x: int, y: int) -> bytes:
    """PNG of tile z/x/y of a state raster (kind "state") or a likelihood raster (kind "likelihood")."""
    grid = warp(path, z, x, y)
    if grid is None:
        return png(None)
    return png(colour_state(grid) if kind == "state" else colour_likelihood(grid))


def build_overviews(path: str) -> None:
    """Nearest-neighbour overviews so that low-zoom tiles read few pixels."""
    with rasterio.open(path, "r+") as ds:
        factors = [f for f in (2, 4, 8, 16, 32, 64) if min(ds.width, ds.height) / f >= 64]
        if factors:
            ds.build_overviews(factors, Resampling.nearest)
