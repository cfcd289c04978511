"""The demo district's roads, crossings and gauge readings, from the generator's geography (no Django).

Villages and the town are joined by minimum spanning trees of straight roads (crossing a main river
costs three times its length, so roads cross only where they must) with a few loops; the town's road
south crosses the Sông Trường at the Ngầm Sông Trường spillway, and the four villages nearest its far
bank are reached over it alone. Where a road crosses a main river a crossing is placed:
a bridge on roads between communes, a spillway (ngầm tràn) inside a commune, one ferry on the Sông Tranh.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import shapely
from scipy.sparse.csgraph import minimum_spanning_tree
from shapely.geometry import LineString, Point

NGAM = "Ngầm Sông Trường"
THRESHOLDS = {"spillway": (0.3, 0.5), "bridge": (4.0, 6.0), "ferry": (2.0, 3.0)}
RIVER_COST = 3.0
BEYOND_M = 600.0
LOOPS = 2
BEHIND = 4  # villages reached only over the Ngầm
LOOP_MAX_M = 6_000.0


def _short(village: dict) -> str:
    return f"{village['name']} {village['commune']}"


def network(rng: np.random.Generator, geo, to_lonlat, now: dt.datetime) -> dict:
    """Roads, crossings and the Ngầm Sông Trường readings of the last three days, in lon/lat."""
    town = np.array(geo.town, dtype=float)
    ngam = np.array(geo.crossing, dtype=float)
    # The road meets the river square on: along the river's normal at the Ngầm, from a point on the
    # near bank (joined to the rest of the network) to one on the far bank.
    truong = geo.rivers["Sông Trường"]
    at = truong.project(Point(ngam))
    ahead = np.array(truong.interpolate(at + 50).coords[0]) - np.array(truong.interpolate(at - 50).coords[0])
    normal = np.array([-ahead[1], ahead[0]]) / max(np.hypot(*ahead), 1e-9)
    rivers = {name: line for name, line in geo.clipped_rivers.items()}
    all_rivers = shapely.union_all(list(rivers.values()))
    # The near bank is the town's: from there the town is reached without crossing a river.
    if LineString([town, ngam - normal * 250.0]).intersects(all_rivers):
        normal = -normal
    near = ngam - normal * 250.0
    beyond = ngam + normal * BEYOND_M
    points = [town, beyond, near] + [np.array(v["xy"], dtype=float) for v in geo.villages]
    labels = ["thị trấn Trà My", "đầu ngầm Sông Trường phía xa", "đầu ngầm Sông Trường phía thị trấn"] + [
        _short(v) for v in geo.villages
    ]
    communes = ["Trà My", None, None] + [v["commune"] for v in geo.villages]
    n = len(points)
    cost = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            d = float(np.hypot(*(points[i] - points[j])))
            if LineString([points[i], points[j]]).intersects(all_rivers):
                d *= RIVER_COST
            cost[i, j] = d
    # The few villages nearest the Ngầm on its far bank hang on it alone (that is why it is watched);
    # the rest of the district is a tree of roads (rivers crossed where they must be) with loops.
    beyond_line = {
        j
        for j in range(3, n)
        if not LineString([beyond, points[j]]).intersects(all_rivers)
        and LineString([near, points[j]]).intersects(all_rivers)
    }
    behind = set(sorted(beyond_line, key=lambda j: np.hypot(*(points[j] - beyond)))[:BEHIND]) | {1}
    links = {(1, 2)}
    for group in (sorted(behind), [k for k in range(n) if k not in behind]):
        sub = cost[np.ix_(group, group)]
        tree = minimum_spanning_tree(sub).tocoo()
        links |= {(min(group[a], group[b]), max(group[a], group[b])) for a, b in zip(tree.row, tree.col, strict=True)}
    # Each place also gets a road to its nearest neighbours on the same bank (no river between),
    # as mountain districts have some loops; never across the Ngầm's far bank.
    for i in range(3, n):
        order = sorted(range(n), key=lambda j: cost[min(i, j), max(i, j)] if j != i else math.inf)
        for j in order[:LOOPS]:
            pair = (min(i, j), max(i, j))
            if (
                (i in behind) == (j in behind)
                and cost[pair] < LOOP_MAX_M
                and not LineString([points[i], points[j]]).intersects(all_rivers)
            ):
                links.add(pair)
    roads, crossings = [], []
    ferry_done = False
    for i, j in sorted(links):
        if (i, j) == (1, 2):
            line = LineString([near, ngam, beyond])
            name, road_class = f"Đường Trà My qua {NGAM}", "provincial"
        else:
            line = LineString([points[i], points[j]])
            same = communes[i] is not None and communes[i] == communes[j]
            name = f"Đường {labels[i]} – {labels[j]}"
            road_class = "commune" if same else "district"
        index = len(roads)
        roads.append({"name": name, "road_class": road_class, "xy": line})
        for river_name, river in rivers.items():
            hit = line.intersection(river)
            for p in shapely.get_parts(hit):
                if p.geom_type != "Point":
                    continue
                if (i, j) == (1, 2) and river_name == "Sông Trường" and p.distance(Point(ngam)) < 50:
                    kind, cname = "spillway", NGAM
                elif (i, j) == (1, 2):
                    kind, cname = "bridge", f"Cầu {river_name.replace('Sông ', '')} – thị trấn Trà My"
                elif road_class == "commune" and river_name == "Sông Tranh" and not ferry_done:
                    kind, cname, ferry_done = "ferry", f"Bến đò {labels[j]}", True
                elif road_class == "commune":
                    kind, cname = "spillway", f"Ngầm {labels[j]}"
                else:
                    kind, cname = "bridge", f"Cầu {river_name.replace('Sông ', '')} – {labels[j]}"
                taken = sum(1 for c in crossings if c["name"] == cname or c["name"].startswith(cname + " ("))
                if taken:
                    cname = f"{cname} ({taken + 1})"
                caution, closed = THRESHOLDS[kind]
                crossings.append(
                    {
                        "name": cname,
                        "kind": kind,
                        "river_name": river_name,
                        "road": index,
                        "caution_level_m": caution,
                        "closed_level_m": closed,
                        "xy": (p.x, p.y),
                    }
                )

    def lonlat(geom):
        return shapely.transform(geom, lambda c: np.column_stack(to_lonlat(c[:, 0], c[:, 1])))

    for road in roads:
        road["length_km"] = round(road["xy"].length / 1_000.0, 2)
        road["geom"] = shapely.MultiLineString([lonlat(road.pop("xy"))])
    for c in crossings:
        c["geom"] = Point(*(float(v) for v in to_lonlat(*c.pop("xy"))))
    return {"roads": roads, "crossings": crossings, "readings": readings(rng, now)}


def readings(rng: np.random.Generator, now: dt.datetime, days: int = 3) -> list[tuple[dt.datetime, float]]:
    """Half-hourly levels at the Ngầm: low water, a flood wave peaking six hours ago, still over the deck."""
    end = now.astimezone(dt.UTC).replace(second=0, microsecond=0)
    end -= dt.timedelta(minutes=end.minute % 30)
    out = []
    for k in range(days * 48, -1, -1):
        at = end - dt.timedelta(minutes=30 * k)
        hours = (at - end).total_seconds() / 3600 + 6.0
        level = 0.15 + 1.0 * math.exp(-((hours / 8.0) ** 2)) + float(rng.normal(0, 0.01))
        out.append((at, round(level, 3)))
    return out
