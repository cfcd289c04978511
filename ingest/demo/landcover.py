"""Forest cover of the synthetic district: the steep land away from villages and valley floors."""

from __future__ import annotations

import numpy as np
import shapely
from rasterio import features
from rasterio.transform import Affine
from scipy import ndimage
from shapely.geometry import shape

from . import frame
from .geography import Geography
from .terrain import ARCSEC, Terrain

COARSE = 8  # forest is mapped on ~240 m cells, like a provincial forest-inventory map
KINDS = {1: "natural", 2: "plantation", 3: "protection"}
NAMES = {"natural": "Rừng tự nhiên", "plantation": "Rừng trồng keo", "protection": "Rừng phòng hộ đầu nguồn"}


def forests(t: Terrain, geo: Geography) -> list[dict]:
    """Forest polygons (lon/lat) with their kind: protection on high ridges, plantation near villages."""
    rows, cols = t.shape
    r, c = rows // COARSE * COARSE, cols // COARSE * COARSE
    elev = t.elevation[:r, :c].reshape(r // COARSE, COARSE, c // COARSE, COARSE).mean(axis=(1, 3))
    hand = t.hand[:r, :c].reshape(r // COARSE, COARSE, c // COARSE, COARSE).min(axis=(1, 3))
    cell_y, cell_x = frame.KY * ARCSEC * COARSE, frame.KX * ARCSEC * COARSE
    gy, gx = np.gradient(elev, cell_y, cell_x)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    transform = t.transform @ Affine.scale(COARSE)

    # Distance from every coarse cell to the nearest village, in metres.
    settled = np.zeros(elev.shape, bool)
    for v in geo.villages:
        lon, lat = frame.to_lonlat(*v["xy"])
        col, row = ~transform @ (lon, lat)
        settled[int(row), int(col)] = True
    village_dist = ndimage.distance_transform_edt(~settled, sampling=(cell_y, cell_x))

    forest = (slope > 5.0) & (hand > 8.0) & (village_dist > 600.0)
    labels = np.where(elev > 1_100.0, 3, np.where((village_dist < 3_000.0) & (elev < 750.0), 2, 1))
    labels = np.where(forest, labels, 0).astype(np.uint8)
    # Remove salt-and-pepper cells so that polygons look like mapped stands, not pixels.
    labels = ndimage.median_filter(labels, size=3)

    district = frame.geom_to_lonlat(geo.district)
    out = []
    for geom, value in features.shapes(labels, mask=labels > 0, transform=transform):
        poly = shape(geom).intersection(district)
        if poly.is_empty:
            continue
        # Simplify, then clip again: a simplified edge may stray over the boundary.
        poly = frame.as_multi(shapely.make_valid(poly.simplify(ARCSEC * 3)).intersection(district))
        if poly.is_empty or frame.area_m2(poly) < 100_000:
            continue
        out.append({"kind": KINDS[int(value)], "geom": poly})
    out.sort(key=lambda f: (f["kind"], -f["geom"].area))
    counters: dict[str, int] = {}
    for f in out:
        counters[f["kind"]] = counters.get(f["kind"], 0) + 1
        f["name"] = f"{NAMES[f['kind']]} {counters[f['kind']]}"
    return out
