"""Flood exposure arithmetic on a state raster (0 dry, 1 flood, 2 permanent water, 255 unknown): no Django.

Zonal figures come from exactextract (exact cell coverage fractions, no pixel loops); every figure has its
unknown part beside it: the zone's area under "unknown" cells or outside the raster. Zones are shapely
geometries in EPSG:4326; areas are m², computed from cell counts times the cell's area in metres.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from exactextract import exact_extract
from pyproj import CRS, Transformer

DRY, FLOOD, WATER, UNKNOWN = 0, 1, 2, 255
METRIC_EPSG = 3405  # VN-2000 / UTM 48N: zone areas and line lengths
# A village, a parcel or a road counts as flooded when at least this share of it is under flood water.
FLOODED_SHARE = 0.25
VILLAGE_RADIUS_M = 300.0  # a village point stands for the houses around it


@dataclass(frozen=True)
class Zone:
    """A zone's areas (m²): the whole, under flood water, under permanent water, unknown, dry."""

    area_m2: float
    flooded_m2: float
    water_m2: float
    unknown_m2: float
    dry_m2: float

    @property
    def flooded_share(self) -> float:
        """Share of the zone under flood water."""
        return self.flooded_m2 / self.area_m2 if self.area_m2 else 0.0

    @property
    def unknown_share(self) -> float:
        """Share of the zone whose state is not known (no data, excluded, or outside the raster)."""
        return self.unknown_m2 / self.area_m2 if self.area_m2 else 0.0


@functools.lru_cache(maxsize=16)
def _transformer(src, dst) -> Transformer:
    # Building a transformer costs ~50 ms; the same few pairs are used over and over.
    return Transformer.from_crs(src, dst, always_xy=True)


def _to_metric(crs):
    return _transformer(crs, METRIC_EPSG)


def metric(geoms) -> np.ndarray:
    """EPSG:4326 geometries in EPSG:3405 metres."""
    t = _to_metric(4326)
    return shapely.transform(np.asarray(geoms, dtype=object), lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))


def _cell_areas_m2(src, lats: np.ndarray) -> np.ndarray:
    """The area of one cell in m² for each zone (geographic grids: at the zone's latitude)."""
    a, e = abs(src.transform.a), abs(src.transform.e)
    crs = CRS.from_user_input(src.crs)
    if crs.is_geographic:
        return a * 111_320.0 * np.cos(np.radians(lats)) * e * 110_574.0
    factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return np.full(len(lats), a * e * factor * factor)


def zonal(state_path: str, zones) -> list[Zone]:
    """Flooded, permanent-water, unknown and dry area of each zone (EPSG:4326 polygons) on the state raster."""
    zones = list(zones)
    if not zones:
        return []
    areas = shapely.area(metric(zones))
    with rasterio.open(state_path) as src:
        crs = src.crs
        to_raster = _transformer(4326, crs.to_wkt())
        native = shapely.transform(
            np.asarray(zones, dtype=object), lambda c: np.column_stack(to_raster.transform(c[:, 0], c[:, 1]))
        )
        cell = _cell_areas_m2(src, shapely.get_y(shapely.centroid(np.asarray(zones, dtype=object))))
        frame = gpd.GeoDataFrame({"zone": np.arange(len(zones))}, geometry=list(native), crs=crs)
        # Raster-sequential: each block of the raster is read once for all the zones over it (3× faster
        # than zone by zone on 20,000 parcels; memory bounded by exactextract's max_cells_in_memory).
        rows = exact_extract(
            src,
            frame,
            ["unique", "frac", "count"],
            include_cols=["zone"],
            output="pandas",
            strategy="raster-sequential",
        )
    out = []
    rows = rows.sort_values("zone")
    for i, uniques, fracs, count in zip(
        rows["zone"].to_numpy(int), rows["unique"], rows["frac"], rows["count"].to_numpy(float), strict=True
    ):
        covered = float(count) * cell[i]
        by_value = {int(v): float(f) * covered for v, f in zip(uniques, fracs, strict=True)} if covered else {}
        # Cells outside the raster are unknown too; the covered area never exceeds the zone's own.
        outside = max(areas[i] - covered, 0.0)
        scale = min(1.0, areas[i] / covered) if covered else 1.0
        flooded = by_value.get(FLOOD, 0.0) * scale
        water = by_value.get(WATER, 0.0) * scale
        unknown = sum(v for k, v in by_value.items() if k not in (DRY, FLOOD, WATER)) * scale + outside
        out.append(
            Zone(
                area_m2=float(areas[i]),
                flooded_m2=flooded,
                water_m2=water,
                unknown_m2=unknown,
                dry_m2=max(float(areas[i]) - flooded - water - unknown, 0.0),
            )
        )
    return out


def at_points(state_path: str, points) -> np.ndarray:
    """The state value under each EPSG:4326 point (UNKNOWN outside the raster)."""
    points = list(points)
    out = np.full(len(points), UNKNOWN, dtype=np.int32)
    if not points:
        return out
    with rasterio.open(state_path) as src:
        t = _transformer(4326, src.crs.to_wkt())
        xs, ys = t.transform([p.x for p in points], [p.y for p in points])
        rows, cols = rasterio.transform.rowcol(src.transform, xs, ys)
        rows, cols = np.asarray(rows), np.asarray(cols)
        inside = (rows >= 0) & (rows < src.height) & (cols >= 0) & (cols < src.width)
        if inside.any():
            # One window around the points rather than the whole raster.
            r0, r1, c0, c1 = rows[inside].min(), rows[inside].max() + 1, cols[inside].min(), cols[inside].max() + 1
            block = src.read(1, window=((r0, r1), (c0, c1)))
            out[inside] = block[rows[inside] - r0, cols[inside] - c0]
    return out


def village_zones(points, radius_m: float = VILLAGE_RADIUS_M) -> list:
    """The circle around each village point (EPSG:4326) that stands for its houses (or any radius)."""
    t = _to_metric(4326)
    back = _transformer(METRIC_EPSG, 4326)
    out = []
    for p in points:
        x, y = t.transform(p.x, p.y)
        circle = shapely.Point(x, y).buffer(radius_m, 32)
        out.append(shapely.transform(circle, lambda c: np.column_stack(back.transform(c[:, 0], c[:, 1]))))
    return out


def line_lengths(lines, polygon) -> tuple[np.ndarray, np.ndarray]:
    """(total, inside polygon) length in metres of each EPSG:4326 line."""
    lines = metric(list(lines))
    total = shapely.length(lines)
    if polygon is None or polygon.is_empty:
        return total, np.zeros(len(lines))
    area = metric([polygon])[0]
    shapely.prepare(area)
    return total, shapely.length(shapely.intersection(lines, area))


def people(population: np.ndarray, share: np.ndarray) -> int:
    """People in the flooded (or unknown) share of their villages, rounded to whole people."""
    return int(round(float(np.sum(np.asarray(population, float) * np.asarray(share, float)))))
