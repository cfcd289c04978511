"""District boundary, communes, rivers and villages of the synthetic district, in local metres."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box

from . import frame, names

TARGET_AREA_M2 = 820e6
# The district's bbox from the domain brief, in local metres.
_BBOX_XY = (
    *frame.to_xy(107.95, 15.10),
    *frame.to_xy(108.40, 15.45),
)


@dataclass
class Geography:
    """The administrative and hydrographic frame, all in local metres."""

    district: Polygon
    communes: list[dict]  # name, code, kind, geom (Polygon/MultiPolygon)
    rivers: dict[str, LineString]  # name -> whole line (beyond the district, for the terrain)
    clipped_rivers: dict = field(default_factory=dict)  # name -> line clipped to the district
    villages: list[dict] = field(default_factory=list)  # name, commune, xy, households, population
    tributaries: list[LineString] = field(default_factory=list)
    shadow_village: int = -1  # index of the village hidden behind a ridge (no mobile signal)
    weak_village: int = -1  # index of a village only the best-covered operator reaches
    crossing: tuple[float, float] = (0.0, 0.0)  # Ngầm Sông Trường low-water crossing
    town: tuple[float, float] = (0.0, 0.0)


def boundary(rng: np.random.Generator) -> Polygon:
    """An irregular star-shaped district of ~820 km² inside the brief's bbox, holding the town."""
    theta = np.linspace(0, 2 * math.pi, 240, endpoint=False)
    wobble = np.zeros_like(theta)
    for k in range(2, 12):
        wobble += rng.uniform(0.04, 0.13) / k**0.6 * np.cos(k * theta + rng.uniform(0, 2 * math.pi))
    wobble += rng.normal(0, 0.008, theta.size)
    town = np.array(frame.to_xy(*names.TOWN_LONLAT))
    limits = box(*_BBOX_XY)

    def shape(scale: float) -> Polygon:
        r = scale * (1 + wobble)
        ring = np.column_stack([1.2 * r * np.cos(theta), 0.95 * r * np.sin(theta)])
        # The town's surroundings always belong to the district.
        return Polygon(ring).union(Point(town).buffer(5_000, 32)).intersection(limits)

    lo, hi = 5_000.0, 40_000.0
    for _ in range(30):  # bisection on the radius for the target area (35 km / 2^30: sub-millimetre)
        mid = (lo + hi) / 2
        if frame.area_m2(frame.geom_to_lonlat(shape(mid))) < TARGET_AREA_M2:
            lo = mid
        else:
            hi = mid
    poly = shape((lo + hi) / 2)
    return shapely.set_precision(poly, 0.01)


def _meander(rng: np.random.Generator, control: list[tuple[float, float]], amplitude: float) -> LineString:
    """A smooth meandering line through control points (sum of sines along the arc)."""
    line = LineString(control)
    steps = np.arange(0, line.length, 50.0)
    pts = np.array([line.interpolate(s).coords[0] for s in steps])
    tangent = np.gradient(pts, axis=0)
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    normal /= np.linalg.norm(normal, axis=1, keepdims=True) + 1e-9
    offset = np.zeros(len(steps))
    for wavelength in (7_000, 3_100, 1_300, 600):
        offset += (
            amplitude * (wavelength / 7_000) ** 0.8 * np.sin(2 * math.pi * steps / wavelength + rng.uniform(0, 6.3))
        )
    # Pin the control points' ends so that confluences stay where they were drawn.
    taper = np.minimum(1.0, np.minimum(steps, line.length - steps) / 1_500.0)
    out = pts + normal * (offset * taper)[:, None]
    kernel = np.ones(5) / 5
    for axis in (0, 1):
        out[2:-2, axis] = np.convolve(out[:, axis], kernel, mode="same")[2:-2]
    return LineString(out)


def rivers(rng: np.random.Generator, town: tuple[float, float]) -> dict[str, LineString]:
    """Sông Tranh (south to north-west) and Sông Trường (south-east, past the town, west to the Tranh)."""
    tx, ty = town
    tranh = _meander(
        rng,
        [
            (-3_000, -30_000),
            (-5_000, -14_000),
            (-9_000, -4_000),
            (-11_000, 6_000),
            (-14_000, 14_000),
            (-19_000, 30_000),
        ],
        700,
    )
    confluence = tranh.interpolate(tranh.project(Point(-11_000, 6_000))).coords[0]
    truong = _meander(
        rng,
        [
            (26_000, -14_000),
            (17_000, -6_000),
            (tx + 5_000, ty - 4_500),
            (tx + 900, ty - 1_600),
            (tx - 3_500, ty - 2_200),
            (-4_000, 6_500),
            confluence,
        ],
        450,
    )
    return {"Sông Tranh": tranh, "Sông Trường": truong}


def communes(rng: np.random.Generator, district: Polygon) -> list[dict]:
    """The 13 communes as Voronoi cells of jittered seeds clipped to the district (an exact partition)."""
    seeds = []
    inner = district.buffer(-2_500)
    for i, (_, _, _, (x, y), _) in enumerate(names.COMMUNES):
        jitter = (0, 0) if i == 0 else rng.normal(0, 700, 2)
        p = Point(x * 1_000 + jitter[0], y * 1_000 + jitter[1])
        centre = district.centroid
        while not inner.contains(p):  # pull a seed that fell outside towards the middle
            p = Point(p.x + 0.1 * (centre.x - p.x), p.y + 0.1 * (centre.y - p.y))
        seeds.append(p)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=district.buffer(20_000))
    out = []
    pieces = [district.intersection(cell) for cell in shapely.get_parts(cells)]
    for seed, (name, code, kind, _, _) in zip(seeds, names.COMMUNES, strict=True):
        geom = next(piece for piece in pieces if piece.contains(seed) or piece.touches(seed))
        out.append({"name": name, "code": code, "kind": kind, "geom": geom, "seed": (seed.x, seed.y)})
    return out


def _spread(rng, area: Polygon, n: int, spacing: float, weight, tries: int = 1500) -> list[tuple[float, float]]:
    """n points inside area, at least spacing apart, preferring high weight(x, y)."""
    minx, miny, maxx, maxy = area.bounds
    cand = np.column_stack([rng.uniform(minx, maxx, tries), rng.uniform(miny, maxy, tries)])
    inside = shapely.contains_xy(area, cand[:, 0], cand[:, 1])
    cand = cand[inside]
    score = weight(cand) + rng.uniform(0, 0.15, len(cand))
    order = np.argsort(-score)
    chosen: list[tuple[float, float]] = []
    for gap in (spacing, spacing * 0.6, spacing * 0.3):
        for idx in order:
            x, y = cand[idx]
            if all(math.hypot(x - a, y - b) >= gap for a, b in chosen):
                chosen.append((float(x), float(y)))
                if len(chosen) == n:
                    return chosen
    raise ValueError(f"could not place {n} villages in a commune")


def villages(rng: np.random.Generator, geo: Geography) -> None:
    """46 villages: town quarters around the centre, the others in valleys near the rivers."""
    # Simplified to 50 m: distances only rank candidate spots.
    river_lines = shapely.MultiLineString(list(geo.rivers.values())).simplify(50.0)
    placed: list[dict] = []
    for commune, (name, _, kind, _, count) in zip(geo.communes, names.COMMUNES, strict=True):
        area = commune["geom"].buffer(-600)
        if kind == "town":
            core = Point(geo.town).buffer(1_300).intersection(area)
            spots = _spread(
                rng, core, count, 500, lambda c: -np.hypot(c[:, 0] - geo.town[0], c[:, 1] - geo.town[1]) / 2e3
            )
            labels = [f"Tổ dân phố {q}" for q in names.TOWN_QUARTERS[:count]]
        else:

            def near_river(c):
                d = shapely.distance(river_lines, shapely.points(c))
                return 0.5 * np.exp(-d / 4_000.0) + rng.uniform(0, 0.45, len(d))

            spots = _spread(rng, area, count, 2_800, near_river)
            labels = [f"Thôn {i}" for i in range(1, count + 1)]
        for label, (x, y) in zip(labels, spots, strict=True):
            households = int(rng.integers(140, 250) if kind == "town" else rng.integers(40, 200))
            population = int(round(households * rng.uniform(4.0, 4.7)))
            placed.append(
                {"name": label, "commune": name, "xy": (x, y), "households": households, "population": population}
            )
    geo.villages = placed
    # The hidden village: the one of Trà Ka farthest from any river (behind a ridge, far from roads).
    ka = [i for i, v in enumerate(placed) if v["commune"] == "Trà Ka"]
    far = max(ka, key=lambda i: shapely.distance(river_lines, Point(placed[i]["xy"])))
    geo.shadow_village = far
    bui = [i for i, v in enumerate(placed) if v["commune"] == "Trà Bui"]
    geo.weak_village = max(bui, key=lambda i: shapely.distance(river_lines, Point(placed[i]["xy"])))


def tributaries(rng: np.random.Generator, geo: Geography) -> None:
    """Side valleys from each village (but the hidden one) down to the nearest main river."""
    river_lines = shapely.MultiLineString(list(geo.rivers.values()))
    lines = []
    for i, v in enumerate(geo.villages):
        if i == geo.shadow_village:
            continue
        start = Point(v["xy"])
        if shapely.distance(river_lines, start) < 400:
            continue
        end = shapely.ops.nearest_points(start, river_lines)[1]
        mid = (
            (start.x + end.x) / 2 + rng.normal(0, 500),
            (start.y + end.y) / 2 + rng.normal(0, 500),
        )
        lines.append(_meander(rng, [start.coords[0], mid, end.coords[0]], 180))
    geo.tributaries = lines


def crossing(geo: Geography) -> tuple[float, float]:
    """The Ngầm Sông Trường low-water crossing: the river point nearest the town centre, shifted east."""
    truong = geo.rivers["Sông Trường"]
    at = truong.project(Point(geo.town[0] + 1_500, geo.town[1] - 1_000))
    p = truong.interpolate(at)
    return (p.x, p.y)


def build(rng: np.random.Generator) -> Geography:
    """The whole frame: boundary, rivers, communes, villages, side valleys."""
    district = boundary(rng)
    town = tuple(float(v) for v in frame.to_xy(*names.TOWN_LONLAT))
    raw_rivers = rivers(rng, town)
    clipped = {}
    for name, line in raw_rivers.items():
        part = line.intersection(district)
        clipped[name] = part if isinstance(part, (LineString, MultiLineString)) else shapely.line_merge(part)
    geo = Geography(district=district, communes=communes(rng, district), rivers=raw_rivers, town=town)
    villages(rng, geo)
    tributaries(rng, geo)
    geo.crossing = crossing(geo)
    geo.clipped_rivers = clipped
    return geo
