"""The geometric rules of a parcel, pure shapely/pyproj: area, vertex cap, spikes, slivers, snapping, overlaps.

Shapes come in lon/lat (EPSG:4326) and are measured in VN-2000 / Quảng Nam TM-3 (EPSG:5899), the
cadastral office's own projection, so areas match the office's figures to the square metre.
No Django import: services.py loads neighbours from the database and calls these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import Transformer

METRIC_SRID = 5899
MAX_VERTICES = 10_000
OVERLAP_TOLERANCE_M2 = 0.5
SNAP_TOLERANCE_M = 0.2
# Metres in a degree of latitude; a degree of longitude at 15°N is 3.4 % shorter, close enough for 0.2 m.
METRES_PER_DEGREE = 111_320.0
MIN_AREA_M2 = 2.0
# Polsby-Popper compactness 4πA/P²: a square is 0.785, a 2 m × 100 m strip 0.06; under this it is a sliver.
MIN_COMPACTNESS = 0.03
# A vertex whose two edges meet at less than this angle (and that stick out by more than a metre) is a spike.
SPIKE_DEGREES = 2.0
SPIKE_MIN_ARM_M = 1.0
DECLARED_TOLERANCE = 0.05  # a declared area more than 5 % (and 1 m²) from the computed one is flagged

_TO_METRIC = Transformer.from_crs(4326, METRIC_SRID, always_xy=True)
_TO_LONLAT = Transformer.from_crs(METRIC_SRID, 4326, always_xy=True)


class RuleBroken(Exception):
    """A parcel rule refused the shape; ``kind`` names the rule, ``location`` is [lon, lat] when known."""

    def __init__(self, kind: str, location=None, **figures):
        super().__init__(kind)
        self.kind = kind
        self.location = location
        self.figures = figures


@dataclass
class Overlap:
    """One neighbour the shape overlaps, and by how many square metres."""

    key: object
    area_m2: float
    shape: shapely.Geometry  # the overlapping part in lon/lat, for drawing on the map


@dataclass
class Checked:
    """The outcome of the rules: the (snapped) shape in lon/lat and its figures."""

    shape: shapely.Geometry
    area_m2: float
    snapped_vertices: int = 0
    small_overlaps: list[Overlap] = field(default_factory=list)


def to_metric(shape: shapely.Geometry) -> shapely.Geometry:
    """A lon/lat shape in EPSG:5899 metres."""
    return shapely.transform(shape, lambda xy: np.column_stack(_TO_METRIC.transform(xy[:, 0], xy[:, 1])))


def to_lonlat(shape: shapely.Geometry) -> shapely.Geometry:
    """An EPSG:5899 shape back in lon/lat."""
    return shapely.transform(shape, lambda xy: np.column_stack(_TO_LONLAT.transform(xy[:, 0], xy[:, 1])))


def area_m2(shape: shapely.Geometry) -> float:
    """Area of a lon/lat shape in square metres of EPSG:5899."""
    return float(to_metric(shape).area)


def _lonlat_point(x: float, y: float) -> list[float]:
    lon, lat = _TO_LONLAT.transform(x, y)
    return [round(lon, 7), round(lat, 7)]


def check_vertices(shape: shapely.Geometry, cap: int = MAX_VERTICES) -> None:
    """Refuse more vertices than a parcel may have (a surveyed parcel has tens, not thousands)."""
    count = int(shapely.get_num_coordinates(shape))
    if count > cap:
        raise RuleBroken("too_many_vertices", count=count, cap=cap)


def _rings(metric: shapely.Geometry):
    for polygon in getattr(metric, "geoms", [metric]):
        yield polygon.exterior
        yield from polygon.interiors


def find_spike(metric: shapely.Geometry) -> list[float] | None:
    """The lon/lat of a spike (a needle-thin protrusion) in a metric shape, or None."""
    for ring in _rings(metric):
        xy = np.asarray(ring.coords)[:-1]
        if len(xy) < 3:
            continue
        before = np.roll(xy, 1, axis=0) - xy
        after = np.roll(xy, -1, axis=0) - xy
        len_b = np.hypot(before[:, 0], before[:, 1])
        len_a = np.hypot(after[:, 0], after[:, 1])
        with np.errstate(invalid="ignore", divide="ignore"):
            cos = (before * after).sum(axis=1) / (len_b * len_a)
        angle = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
        spiky = (angle < SPIKE_DEGREES) & (np.minimum(len_a, len_b) > SPIKE_MIN_ARM_M)
        if spiky.any():
            x, y = xy[int(np.argmax(spiky))]
            return _lonlat_point(x, y)
    return None


def sliver_of(metric: shapely.Geometry) -> RuleBroken | None:
    """A sliver refusal for a metric shape that is too small or too thin, else None."""
    for polygon in getattr(metric, "geoms", [metric]):
        area = polygon.area
        point = polygon.representative_point()
        if area < MIN_AREA_M2:
            return RuleBroken("sliver_area", _lonlat_point(point.x, point.y), area=area, minimum=MIN_AREA_M2)
        compactness = 4 * math.pi * area / (polygon.length**2)
        if compactness < MIN_COMPACTNESS:
            return RuleBroken(
                "sliver_thin",
                _lonlat_point(point.x, point.y),
                compactness=compactness,
                minimum=MIN_COMPACTNESS,
                width=2 * area / polygon.length,
            )
    return None


def snap(metric: shapely.Geometry, neighbours: list[shapely.Geometry], tolerance: float):
    """Snap a shape's vertices onto neighbours' vertices, then edges, within the tolerance (same units).

    Returns (shape, number of vertices moved). Shared edges stay shared: a vertex 0.1 m off a
    neighbour's corner lands exactly on it, so no gap or sliver is born between them.
    """
    if not neighbours:
        return metric, 0
    reference = shapely.union_all([shapely.boundary(n) for n in neighbours])
    snapped = shapely.snap(metric, reference, tolerance)
    moved = 0

    def onto_edges(xy: np.ndarray) -> np.ndarray:
        nonlocal moved
        points = shapely.points(xy)
        distance = shapely.distance(points, reference)
        near = (distance > 0) & (distance <= tolerance)
        if near.any():
            nearest = shapely.get_coordinates(shapely.shortest_line(points[near], reference))[1::2]
            xy = xy.copy()
            xy[near] = nearest
            moved += int(near.sum())
        return xy

    snapped = shapely.transform(snapped, onto_edges)
    before = shapely.get_coordinates(metric)
    after = shapely.get_coordinates(snapped)
    if len(before) == len(after):
        moved = max(moved, int((np.hypot(*(before - after).T) > 1e-9).sum()))
    else:
        moved = max(moved, abs(len(after) - len(before)))
    if not snapped.is_valid:
        return metric, 0  # a snap that breaks the shape is not worth keeping; the overlap rule decides
    return snapped, moved


def overlaps(metric: shapely.Geometry, neighbours: dict, tolerance: float = OVERLAP_TOLERANCE_M2) -> list[Overlap]:
    """The neighbours (key → metric shape) the shape overlaps by more than the tolerance, biggest first."""
    found = []
    for key, other in neighbours.items():
        if not shapely.intersects(metric, other):
            continue
        common = shapely.intersection(metric, other)
        if common.area > tolerance:
            found.append(Overlap(key=key, area_m2=float(common.area), shape=to_lonlat(common)))
    return sorted(found, key=lambda o: -o.area_m2)


def declared_mismatch(computed: float, declared: float | None, tolerance: float = DECLARED_TOLERANCE) -> bool:
    """Whether a declared area differs from the computed one beyond the tolerance."""
    if declared is None:
        return False
    return abs(declared - computed) > max(1.0, tolerance * computed)


def check(shape: shapely.Geometry, neighbours: dict) -> Checked:
    """Every geometric rule on a valid lon/lat shape against its neighbours (key → lon/lat shape).

    Raises RuleBroken for too many vertices, a spike, a sliver or an overlap beyond the tolerance.
    """
    check_vertices(shape)
    metric = to_metric(shape)
    spike = find_spike(metric)
    if spike is not None:
        raise RuleBroken("spike", spike)
    # Snapped in lon/lat so a vertex lands on the neighbour's stored coordinates exactly (a round
    # trip through metres would leave it 1e-15° off and the edge not quite shared).
    shape, moved = snap(shape, list(neighbours.values()), SNAP_TOLERANCE_M / METRES_PER_DEGREE)
    if moved:
        metric = to_metric(shape)
    metric_neighbours = {key: to_metric(other) for key, other in neighbours.items()}
    sliver = sliver_of(metric)
    if sliver is not None:
        raise sliver
    found = overlaps(metric, metric_neighbours)
    if found:
        raise RuleBroken("overlap", found=found)
    return Checked(shape=shape, area_m2=float(metric.area), snapped_vertices=moved)
