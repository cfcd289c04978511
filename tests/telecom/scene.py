"""Small synthetic terrains, towers and villages written by the tests themselves (no Django import)."""

from __future__ import annotations

import numpy as np
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin

# A 7.2 km square in WGS 84 / UTM 48N near Bắc Trà My; 240 x 240 cells of 30 m.
X0, Y0, CELL, SIZE = 830000.0, 1685000.0, 30.0, 240
RIDGE_X = X0 + 3615.0  # a north-south ridge through the middle of the square
TOWER_XY = (X0 + 1215.0, Y0 - 3615.0)
SHADOWED_XY = (X0 + 6015.0, Y0 - 3615.0)  # behind the ridge, seen from the tower
OPEN_XY = (X0 + 2415.0, Y0 - 3015.0)  # in front of the ridge


def height(x, y, ridge: bool = True):
    """Terrain height (m) at UTM 48N coordinates: a gentle plain plus, optionally, a 500 m ridge."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    z = 300.0 + 0.002 * (x - X0) + 0.001 * (Y0 - y)
    if ridge:
        z = z + 500.0 * np.exp(-(((x - RIDGE_X) / 150.0) ** 2))
    return z


def lonlat(x, y):
    """WGS84 lon/lat of UTM 48N coordinates."""
    return Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True).transform(x, y)


def write_utm(path, *, ridge: bool = True, dtype: str = "float32") -> str:
    """The terrain as a GeoTIFF in EPSG:32648 (cell centres on the 30 m grid)."""
    cols = X0 + (np.arange(SIZE) + 0.5) * CELL
    rows = Y0 - (np.arange(SIZE) + 0.5) * CELL
    xx, yy = np.meshgrid(cols, rows)
    write(path, height(xx, yy, ridge).astype(dtype), from_origin(X0, Y0, CELL, CELL), "EPSG:32648")
    return str(path)


def write_wgs84(path, *, ridge: bool = True) -> str:
    """The same terrain sampled on a 1 arc-second EPSG:4326 grid (as SRTM is delivered), with margin."""
    to_ll = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
    lons, lats = to_ll.transform([X0 - 300, X0 + SIZE * CELL + 300], [Y0 + 300, Y0 - SIZE * CELL - 300])
    step = 1.0 / 3600.0
    west, east = min(lons) - step, max(lons) + step
    south, north = min(lats) - step, max(lats) + step
    ncols, nrows = int((east - west) / step) + 1, int((north - south) / step) + 1
    lon = west + (np.arange(ncols) + 0.5) * step
    lat = north - (np.arange(nrows) + 0.5) * step
    ll, tt = np.meshgrid(lon, lat)
    xx, yy = Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True).transform(ll, tt)
    write(path, height(xx, yy, ridge).astype("float32"), from_origin(west, north, step, step), "EPSG:4326")
    return str(path)


def write_projected(path, crs: str, *, ridge: bool = True) -> str:
    """The same terrain on a 30 m grid of another projected CRS (e.g. VN-2000 / UTM 48N), with margin."""
    to_crs = Transformer.from_crs("EPSG:32648", crs, always_xy=True)
    xs, ys = to_crs.transform([X0 - 300, X0 + SIZE * CELL + 300], [Y0 + 300, Y0 - SIZE * CELL - 300])
    west, north = min(xs) - 47.0, max(ys) + 13.0  # deliberately off the analysis grid's 30 m lattice
    ncols, nrows = int((max(xs) - west) / CELL) + 2, int((north - min(ys)) / CELL) + 2
    cx = west + (np.arange(ncols) + 0.5) * CELL
    cy = north - (np.arange(nrows) + 0.5) * CELL
    xx, yy = np.meshgrid(cx, cy)
    ux, uy = Transformer.from_crs(crs, "EPSG:32648", always_xy=True).transform(xx, yy)
    write(path, height(ux, uy, ridge).astype("float32"), from_origin(west, north, CELL, CELL), crs)
    return str(path)


def write(path, array, transform, crs, nodata=None) -> None:
    """A single-band GeoTIFF."""
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=array.shape[1],
        height=array.shape[0],
        count=1,
        dtype=array.dtype,
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as out:
        out.write(array, 1)


def fractal(n: int, seed: int = 1) -> np.ndarray:
    """Rough mountain-like terrain (200..1700 m) of n x n cells from smoothed noise at three scales."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    dem = np.zeros((n, n))
    for sigma, amplitude in ((n / 16, 400), (n / 60, 120), (n / 250 + 1, 30)):
        dem += gaussian_filter(rng.normal(size=(n, n)), sigma) * amplitude * sigma
    return (dem - dem.min()) * (1500.0 / np.ptp(dem)) + 200.0
