"""The analysis grid: the DEM reprojected on the fly into a metric CRS with square cells.

Coverage is refused without a DEM: computing radio coverage over a flat earth would be a confident
wrong answer in this mountainous district.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pyproj import Transformer
from rasterio.transform import Affine
from rasterio.warp import Resampling, reproject, transform_bounds
from scipy import ndimage

from geoplatform.errors import PlatformError
from rasterstore.models import RasterAsset
from rasterstore.opening import open_checked, read_masked

MAX_GRID_CELLS = 400_000_000


class DemRequired(PlatformError):
    """No DEM to compute coverage on (or the one asked for is missing)."""

    code = "dem_required"
    status = 400


@dataclass
class Grid:
    """A north-up metric grid of terrain heights (float32, gaps filled) and its georeference."""

    dem: np.ndarray
    transform: Affine
    crs: str
    cell: float
    filled: np.ndarray  # True where the height was filled in (no data in the source DEM)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return self.dem.shape

    def rc_of(self, lon, lat) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Grid (row, col) of WGS84 points and whether each falls inside the grid."""
        x, y = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True).transform(
            np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        )
        col = np.floor((np.asarray(x) - self.transform.c) / self.transform.a).astype(int)
        row = np.floor((np.asarray(y) - self.transform.f) / self.transform.e).astype(int)
        inside = (row >= 0) & (row < self.shape[0]) & (col >= 0) & (col < self.shape[1])
        return np.atleast_1d(row), np.atleast_1d(col), np.atleast_1d(inside)

    def lonlat_of(self, rows, cols) -> tuple[np.ndarray, np.ndarray]:
        """WGS84 lon/lat of cell centres."""
        x = self.transform.c + (np.asarray(cols, dtype=float) + 0.5) * self.transform.a
        y = self.transform.f + (np.asarray(rows, dtype=float) + 0.5) * self.transform.e
        lon, lat = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True).transform(x, y)
        return np.atleast_1d(lon), np.atleast_1d(lat)


def dem_asset(dem_id: int | None = None) -> RasterAsset:
    """The DEM to use: the one asked for, else the active one (a newer upload waits for its activation)."""
    assets = RasterAsset.objects.filter(kind="dem")
    asset = assets.filter(pk=dem_id).first() if dem_id else RasterAsset.active_dem()
    if asset is None:
        raise DemRequired(
            "coverage needs a terrain model (DEM): none is loaded. Ingest one with "
            "`python manage.py ingest_raster FILE.tif --kind dem`; coverage over a flat earth is refused.",
            field="dem_id",
        )
    return asset


def load(path: str, crs: str, resolution: float) -> Grid:
    """Read a DEM file and reproject it (bilinear) to ``crs`` with square cells of ``resolution`` m."""
    with open_checked(path) as ds:
        left, bottom, right, top = transform_bounds(ds.crs, crs, *ds.bounds, densify_pts=21)
        # Snap inward to whole cells so the same terrain in any source CRS gives the same grid.
        left = math.ceil(left / resolution) * resolution
        top = math.floor(top / resolution) * resolution
        right = math.floor(right / resolution) * resolution
        bottom = math.ceil(bottom / resolution) * resolution
        width, height = int(round((right - left) / resolution)), int(round((top - bottom) / resolution))
        if width < 3 or height < 3:
            raise DemRequired("the DEM covers less than 3x3 analysis cells", field="dem_id")
        if width * height > MAX_GRID_CELLS:
            raise DemRequired(f"the DEM gives {width}x{height} analysis cells, above the cap", field="dem_id")
        source = read_masked(ds).astype("float32").filled(np.nan)
        transform = Affine(resolution, 0.0, left, 0.0, -resolution, top)
        dem = np.full((height, width), np.nan, dtype=np.float32)
        reproject(
            source=source,
            destination=dem,
            src_transform=ds.transform,
            src_crs=ds.crs,
            src_nodata=np.nan,
            dst_transform=transform,
            dst_crs=crs,
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    missing = ~np.isfinite(dem)
    if missing.all():
        raise DemRequired("the DEM has no valid heights", field="dem_id")
    if missing.any():
        # Nearest valid height: keeps sightlines finite without inventing ridges or valleys.
        idx = ndimage.distance_transform_edt(missing, return_distances=False, return_indices=True)
        dem = dem[tuple(idx)]
    return Grid(dem=dem, transform=transform, crs=crs, cell=resolution, filled=missing)
