"""A synthetic 1 arc-second DEM: ridged fractal mountains with river valleys carved where people live."""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
import shapely
from rasterio.transform import from_origin
from scipy import ndimage
from shapely.geometry import Point

from . import frame
from .geography import Geography

ARCSEC = 1.0 / 3600.0
# The DEM covers the brief's bbox plus a margin, like an SRTM tile cut-out.
WEST, SOUTH, EAST, NORTH = 107.93, 15.08, 108.42, 15.47
NODATA = -32768.0
MIN_M, MAX_M = 100.0, 2000.0


@dataclass
class Terrain:
    """The elevation grid (north-up, EPSG:4326) and what the carving knows about it."""

    elevation: np.ndarray  # float32 metres, rows north to south
    hand: np.ndarray  # height above the nearest main-river bed, metres
    river_distance: np.ndarray  # distance to the nearest main river, metres
    transform: rasterio.Affine

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return self.elevation.shape

    def index(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Row and column indices of lon/lat points (clipped to the grid)."""
        rows = np.clip(((NORTH - np.asarray(lat)) / ARCSEC).astype(int), 0, self.shape[0] - 1)
        cols = np.clip(((np.asarray(lon) - WEST) / ARCSEC).astype(int), 0, self.shape[1] - 1)
        return rows, cols

    def sample_xy(self, x, y) -> np.ndarray:
        """Elevation at local-metre points."""
        rows, cols = self.index(*frame.to_lonlat(x, y))
        return self.elevation[rows, cols]

    def visible(self, a: tuple[float, float, float], b: tuple[float, float, float], samples: int = 120) -> bool:
        """Line of sight between two local points given heights above ground (earth curvature included)."""
        (ax, ay, ah), (bx, by, bh) = a, b
        t = np.linspace(0, 1, samples)
        xs, ys = ax + (bx - ax) * t, ay + (by - ay) * t
        ground = self.sample_xy(xs, ys).astype(float)
        start, end = ground[0] + ah, ground[-1] + bh
        dist = math.hypot(bx - ax, by - ay)
        d = t * dist
        # Effective earth radius 4/3 R: the bulge between the ends.
        bulge = d * (dist - d) / (2 * 8_500_000.0)
        ray = start + (end - start) * t
        return bool(np.all(ground[1:-1] + bulge[1:-1] <= ray[1:-1]))


def _grid_shape() -> tuple[int, int]:
    return round((NORTH - SOUTH) / ARCSEC), round((EAST - WEST) / ARCSEC)


def _fractal(rng: np.random.Generator, shape: tuple[int, int], octaves: int = 7) -> np.ndarray:
    """Ridged multi-octave noise in [0, 1]: sharp crests, rounded valleys."""
    rows, cols = shape
    # Octaves are summed on a 2 arc-second grid (the finest has ~9 cells per wave), then doubled.
    half = ((rows + 1) // 2, (cols + 1) // 2)
    total = np.zeros(half, np.float32)
    amplitude, norm = 1.0, 0.0
    for k in range(octaves):
        nx = 3 * 2**k + 3
        ny = max(3, round(nx * half[0] / half[1]))
        coarse = rng.standard_normal((ny, nx)).astype(np.float32)
        zoom = (half[0] / ny, half[1] / nx)
        fine = ndimage.zoom(coarse, zoom, order=3 if k < 2 else 1, grid_mode=True, mode="reflect")[: half[0], : half[1]]
        # Broad massifs from the low octaves, sharp crests and gullies from the high ones.
        layer = fine / 2.5 if k < 2 else (1.0 - np.abs(np.tanh(fine))) ** 2
        total += amplitude * layer
        norm += amplitude
        amplitude *= 0.58
    total = ndimage.zoom(total / norm, 2, order=1, grid_mode=True, mode="nearest")[:rows, :cols]
    lo, hi = np.percentile(total, [1, 99.8])
    return np.clip((total - lo) / (hi - lo), 0, 1)


def _densify(line, step: float) -> np.ndarray:
    n = max(2, int(line.length / step))
    points = shapely.line_interpolate_point(line, np.linspace(0, 1, n), normalized=True)
    return shapely.get_coordinates(points)


def _burn(grid: np.ndarray, xy: np.ndarray, values: np.ndarray, t: Terrain) -> None:
    rows, cols = t.index(*frame.to_lonlat(xy[:, 0], xy[:, 1]))
    np.minimum.at(grid, (rows, cols), values.astype(np.float32))


def _carve(raw: np.ndarray, beds: np.ndarray, width_m: float, spacing) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower the relief towards the nearest channel's bed within a valley of the given width."""
    channel = np.isfinite(beds)
    dist, (ri, ci) = ndimage.distance_transform_edt(~channel, sampling=spacing, return_indices=True)
    bed = beds[ri, ci]
    profile = 1.0 - np.exp(-((dist / width_m) ** 2))
    top = np.maximum(raw, bed + 30.0)
    return bed + (top - bed) * profile, bed, dist


def generate(rng: np.random.Generator, geo: Geography) -> Terrain:
    """The DEM of the synthetic district: mountains 100-2,000 m, valleys along rivers and villages."""
    shape = _grid_shape()
    transform = from_origin(WEST, NORTH, ARCSEC, ARCSEC)
    rows, cols = shape
    lat = NORTH - (np.arange(rows) + 0.5) * ARCSEC
    lon = WEST + (np.arange(cols) + 0.5) * ARCSEC
    x, y = frame.to_xy(lon, lat)
    noise = _fractal(rng, shape)
    # The Ngọc Linh massif rises to the south-west: a broad trend under the ridges.
    trend = np.clip(0.5 - y[:, None] / 60_000.0 - x[None, :] / 90_000.0, 0, 1).astype(np.float32)
    raw = 320.0 + 1_250.0 * noise**1.25 + 450.0 * trend
    t = Terrain(elevation=raw, hand=raw, river_distance=raw, transform=transform)
    # The hidden village sits in a basin behind two concentric ridges: every path to it crosses two
    # knife edges, so not even 900 MHz reaches it by diffraction (the dead zone planners must find).
    hidden = geo.villages[geo.shadow_village]["xy"]
    ring = np.hypot(x[None, :] - hidden[0], y[:, None] - hidden[1])
    ridges = 700.0 * np.exp(-(((ring - 1_000.0) / 280.0) ** 2)) + 650.0 * np.exp(-(((ring - 2_300.0) / 320.0) ** 2))
    raw += ridges.astype(np.float32)

    main_beds = np.full(shape, np.inf, np.float32)
    for name, line in geo.rivers.items():
        pts = _densify(line, 15.0)
        # Beds fall downstream; Sông Tranh is the bigger, lower river.
        top, bottom = (260.0, 110.0) if name == "Sông Tranh" else (330.0, 135.0)
        _burn(main_beds, pts, np.linspace(top, bottom, len(pts)), t)
    spacing = (frame.KY * ARCSEC, frame.KX * ARCSEC)
    main, main_bed, main_dist = _carve(raw, main_beds, 1_200.0, spacing)

    # Side valleys: beds rise from the confluence to the village.
    side_beds = np.full(shape, np.inf, np.float32)
    for line in geo.tributaries:
        pts = _densify(line, 15.0)
        end_rows, end_cols = t.index(*frame.to_lonlat(pts[-1:, 0], pts[-1:, 1]))
        low = float(main[end_rows[0], end_cols[0]])
        rise = min(60.0 + line.length * 0.025, 380.0)
        _burn(side_beds, pts, np.linspace(low + rise, low, len(pts)), t)
    for i, v in enumerate(geo.villages):
        vx, vy = v["xy"]
        at = t.index(*frame.to_lonlat(vx, vy))
        if i == geo.shadow_village:
            floor = 520.0
        elif np.isfinite(side_beds[at]):
            floor = float(side_beds[at])  # the head of its side valley
        else:
            floor = float(main[at])  # right by a main river
        disk = _densify(Point(vx, vy).buffer(250.0, 8).exterior, 20.0)
        centre = np.array([[vx, vy]])
        _burn(side_beds, np.vstack([disk, centre]), np.full(len(disk) + 1, floor), t)
    side, _, _ = _carve(raw, side_beds, 550.0, spacing)

    elevation = np.minimum(main, side)
    # Summits are eased under 2,000 m rather than cut flat.
    knee = MAX_M - 200.0
    elevation = np.where(elevation > knee, knee + 200.0 * np.tanh((elevation - knee) / 200.0), elevation)
    elevation = np.clip(elevation, MIN_M, MAX_M).astype(np.float32)
    hand = np.maximum(elevation - main_bed, 0).astype(np.float32)
    return Terrain(elevation=elevation, hand=hand, river_distance=main_dist.astype(np.float32), transform=transform)


def write(t: Terrain, path: Path) -> dict:
    """Write the DEM as a deflated GeoTIFF (EPSG:4326, nodata set) atomically; its record as a dict."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows, cols = t.shape
    tmp = path.with_suffix(".tif.part")
    profile = {
        "driver": "GTiff",
        "width": cols,
        "height": rows,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:4326",
        "transform": t.transform,
        "nodata": NODATA,
        "compress": "deflate",
        "predictor": 3,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    with rasterio.open(tmp, "w", **profile) as dst:
        dst.write(t.elevation, 1)
        dst.update_tags(SOURCE="synthetic demo DEM of Bắc Trà My (not survey data)")
    os.replace(tmp, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    valid = t.elevation
    return {
        "path": str(path),
        "sha256": digest,
        "crs": "EPSG:4326",
        "width": cols,
        "height": rows,
        "bounds": [WEST, SOUTH, EAST, NORTH],
        "resolution": [ARCSEC, ARCSEC],
        "nodata": NODATA,
        "stats": {
            "min": float(valid.min()),
            "max": float(valid.max()),
            "mean": round(float(valid.mean()), 2),
            "median": float(np.median(valid)),
        },
    }
