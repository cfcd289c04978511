"""Writing a demo grid of the terrain frame (lon/lat) as a uint8 GeoTIFF in a UTM zone, atomically."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import rasterio
from rasterio.warp import Resampling, calculate_default_transform, reproject

from .terrain import Terrain


def write_uint8(
    t: Terrain, grid: np.ndarray, path: Path, *, epsg: int, pixel_m: float, nodata: int, tags: dict, tiled: bool = False
) -> np.ndarray:
    """Reproject ``grid`` (on the terrain's lon/lat grid) to EPSG ``epsg`` at ``pixel_m``; return the written array."""
    rows, cols = t.shape
    west, north = t.transform.c, t.transform.f
    east, south = west + cols * t.transform.a, north + rows * t.transform.e
    dst_transform, width, height = calculate_default_transform(
        "EPSG:4326", f"EPSG:{epsg}", cols, rows, west, south, east, north, resolution=pixel_m
    )
    out = np.full((height, width), nodata, np.uint8)
    reproject(
        grid,
        out,
        src_transform=t.transform,
        src_crs="EPSG:4326",
        src_nodata=nodata,
        dst_transform=dst_transform,
        dst_crs=f"EPSG:{epsg}",
        dst_nodata=nodata,
        resampling=Resampling.nearest,
    )
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 1,
        "dtype": "uint8",
        "crs": f"EPSG:{epsg}",
        "transform": dst_transform,
        "nodata": nodata,
        "compress": "deflate",
    }
    if tiled:
        profile["tiled"] = True
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and moved into place: a reader never sees half a file.
    tmp = path.with_suffix(".tif.part")
    with rasterio.open(tmp, "w", **profile) as dst:
        dst.write(out, 1)
        dst.update_tags(**tags)
    os.replace(tmp, path)
    return out
