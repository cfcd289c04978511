"""A small real world for the flood tests: the crossings' place plus a Sentinel-1 water mask over it."""

import numpy as np
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin

WEST, EAST, SOUTH, NORTH = 108.20, 108.30, 15.32, 15.38
CELL_M = 20.0


def write_mask(path, floods=(), unknowns=()):
    """A 1 water / 0 dry / 255 nodata mask in UTM 48N over the place; boxes in lon/lat (w, s, e, n)."""
    to_utm = Transformer.from_crs(4326, 32648, always_xy=True)
    x0, y1 = to_utm.transform(WEST, NORTH)
    x1, y0 = to_utm.transform(EAST, SOUTH)
    width, height = int((x1 - x0) / CELL_M), int((y1 - y0) / CELL_M)
    cols = x0 + (np.arange(width) + 0.5) * CELL_M
    rows = y1 - (np.arange(height) + 0.5) * CELL_M
    xx, yy = np.meshgrid(cols, rows)
    to_ll = Transformer.from_crs(32648, 4326, always_xy=True)
    lon, lat = to_ll.transform(xx, yy)
    grid = np.zeros((height, width), np.uint8)
    for value, boxes in ((1, floods), (255, unknowns)):
        for w, s, e, n in boxes:
            grid[(lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)] = value
    profile = dict(driver="GTiff", width=width, height=height, count=1, dtype="uint8", crs="EPSG:32648", nodata=255)
    with rasterio.open(path, "w", transform=from_origin(x0, y1, CELL_M, CELL_M), **profile) as dst:
        dst.write(grid, 1)
    return str(path)


# Flood water along the river at the spillway, and around the east village; the north village unseen.
RIVER_BAND = (108.2435, SOUTH, 108.2465, NORTH)
EAST_VILLAGE = (108.258, 15.348, 108.262, 15.352)
NORTH_VILLAGE = (108.227, 15.367, 108.233, 15.373)
