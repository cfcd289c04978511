"""Trà My town: street blocks subdivided into cadastral lots, and the cameras of the IOC."""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import Point, Polygon

from . import frame, names
from .geography import Geography

SHEET_M = 500.0  # one cadastral map sheet covers 500 m x 500 m of the town
ROTATION_DEG = 22.0  # the town's grid follows the valley


def _person(rng) -> str:
    family, middle, given = (seq[int(rng.integers(len(seq)))] for seq in (names.FAMILY, names.MIDDLE, names.GIVEN))
    return f"{family} {middle} {given}"


def _urban_area(geo: Geography) -> Polygon:
    tx, ty = geo.town
    core = affinity.rotate(affinity.scale(Point(tx, ty).buffer(1.0, 64), 900, 600), ROTATION_DEG, origin=(tx, ty))
    town = next(c["geom"] for c in geo.communes if c["kind"] == "town")
    rivers = shapely.MultiLineString([line for line in geo.rivers.values()]).buffer(90.0)
    return core.intersection(town.buffer(-50)).difference(rivers)


def _place(geoms, tx: float, ty: float):
    """Rotate (u, v) geometries by the grid's angle and move them to the town centre."""
    a = math.radians(ROTATION_DEG)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return shapely.transform(geoms, lambda c: c @ rot.T + np.array([tx, ty]))


def _lines(rng, start: float, stop: float, mean: float, spread: float) -> list[float]:
    out = [start]
    while out[-1] < stop:
        out.append(out[-1] + rng.uniform(mean - spread, mean + spread))
    return out


def _block_use(rng, u: float, v: float, edge: float) -> str:
    """Land-use class of a whole block: residential in the middle, farmland at the edge."""
    if edge > 0.82:
        return str(rng.choice(["CLN", "BHK", "CLN", "NTD"] if edge > 0.92 else ["CLN", "BHK", "ODT"]))
    return "ODT"


def parcels(rng: np.random.Generator, geo: Geography) -> list[dict]:
    """A few thousand lots of the town (lon/lat), numbered per 500 m map sheet, with roads as DGT."""
    tx, ty = geo.town
    area = _urban_area(geo)
    # Street grid in the rotated frame; u along the valley, v across it.
    us = _lines(rng, -1_000.0, 1_000.0, 118.0, 22.0)
    vs = _lines(rng, -700.0, 700.0, 66.0, 9.0)
    main_u = {len(us) // 2, len(us) // 2 + 4}
    main_v = {len(vs) // 2}
    # Lot rectangles in the (u, v) frame and their attributes, cut first and placed all at once.
    rects: list[tuple[float, float, float, float]] = []
    meta: list[tuple[str, int, int, str, bool]] = []  # use, house number, block row, street, on main street
    specials = iter(["TSC", "DGD", "DYT", "TMD", "DGD", "SKC", "TSC", "DGD", "TMD"])
    quarters = [v for v in geo.villages if v["commune"] == names.TOWN]
    shapely.prepare(area)
    for i in range(len(us) - 1):
        for j in range(len(vs) - 1):
            half_u = 8.0 if i in main_u or i + 1 in main_u else 5.0
            half_v = 8.0 if j in main_v or j + 1 in main_v else 4.5
            u0, u1 = us[i] + half_u, us[i + 1] - half_u
            v0, v1 = vs[j] + half_v, vs[j + 1] - half_v
            block = _place(shapely.box(u0, v0, u1, v1), tx, ty)
            clipped = block.intersection(area)
            if clipped.is_empty or clipped.area < 0.45 * block.area:
                continue
            cu, cv = (u0 + u1) / 2, (v0 + v1) / 2
            edge = math.hypot(cu / 900.0, cv / 600.0)
            street = names.STREETS[i % len(names.STREETS)]
            use = _block_use(rng, cu, cv, edge)
            if use == "ODT" and edge < 0.6 and rng.random() < 0.09:
                use = next(specials, "ODT")
            if use != "ODT":
                # Institutions and farmland: a block in a few big lots.
                cuts = np.linspace(u0, u1, int(rng.integers(1, 4)) + 1)
                pieces = [(a, v0, b, v1) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
            else:
                pieces = []
                mid = (v0 + v1) / 2 + rng.uniform(-4, 4)
                for lo, hi in ((v0, mid), (mid, v1)):
                    edges = _lines(rng, u0, u1, 10.5, 4.0)
                    edges[-1] = u1
                    if edges[-1] - edges[-2] < 5.0 and len(edges) > 2:
                        edges.pop(-2)
                    pieces += [(a, lo, b, hi) for a, b in zip(edges[:-1], edges[1:], strict=True)]
            on_main = j in main_v or j + 1 in main_v
            for k, piece in enumerate(pieces, start=1):
                rects.append(piece)
                meta.append((use, 2 * k + (j % 2), j, street, on_main))
    cut = np.array(rects)
    placed = _place(shapely.box(cut[:, 0], cut[:, 1], cut[:, 2], cut[:, 3]), tx, ty)
    whole = shapely.contains(area, placed)
    placed[~whole] = shapely.intersection(placed[~whole], area)
    keep = ~shapely.is_empty(placed) & (shapely.area(placed) >= 25.0)
    centres = shapely.get_coordinates(shapely.centroid(placed))
    qxy = np.array([q["xy"] for q in quarters])
    nearest = np.argmin(np.hypot(centres[:, None, 0] - qxy[None, :, 0], centres[:, None, 1] - qxy[None, :, 1]), axis=1)
    lots: list[tuple[Polygon, str, str, tuple[float, float]]] = []
    for idx in np.flatnonzero(keep):
        use, number, _, street, on_main = meta[idx]
        if use == "ODT" and on_main and rng.random() < 0.3:
            use = "TMD"  # shophouses on the main street
        address = f"Số {number}, đường {street}, {quarters[nearest[idx]]['name']}, thị trấn Trà My"
        lots.append((placed[idx], use, address, tuple(centres[idx])))
    # Roads: what is left of the urban area between the blocks, one DGT parcel per sheet.
    roads = area.difference(shapely.union_all(placed[keep]).buffer(0.01))
    centre_xy = np.array([c for *_, c in lots])
    minx, miny, maxx, maxy = area.bounds
    out = []
    sheet_no = 0
    for sy in np.arange(maxy, miny, -SHEET_M):
        for sx in np.arange(minx, maxx, SHEET_M):
            inside = (
                (centre_xy[:, 0] >= sx)
                & (centre_xy[:, 0] < sx + SHEET_M)
                & (centre_xy[:, 1] > sy - SHEET_M)
                & (centre_xy[:, 1] <= sy)
            )
            if not inside.any():
                continue
            sheet_no += 1
            members = [lots[i] for i in np.flatnonzero(inside)]
            # Numbered north to south, west to east, as cadastral sheets are.
            members.sort(key=lambda m: (-round(m[3][1], -1), m[3][0]))
            for n, (lot, use, addr, _) in enumerate(members, start=1):
                out.append(_parcel(rng, sheet_no, n, lot, use, addr))
            road = frame.as_multi(roads.intersection(shapely.box(sx, sy - SHEET_M, sx + SHEET_M, sy)))
            if not road.is_empty and road.area > 50:
                out.append(_parcel(rng, sheet_no, len(members) + 1, road, "DGT", "Đường giao thông, thị trấn Trà My"))
    # Local metres to lon/lat for all parcels at once, snapped to 1e-8 degree (about 1 mm).
    local = np.array([p.pop("local") for p in out], dtype=object)
    lonlat = shapely.set_precision(frame.geom_to_lonlat(local), 1e-8)
    for p, geom, area in zip(out, lonlat, frame.areas_m2(lonlat), strict=True):
        p["geom"] = frame.as_multi(geom)
        p["area_m2"] = round(float(area), 1)
    return out


HOLDERS = {
    "TSC": "UBND huyện Bắc Trà My",
    "DGD": "Trường học công lập huyện Bắc Trà My",
    "DYT": "Trung tâm Y tế huyện Bắc Trà My",
    "DGT": "UBND thị trấn Trà My",
    "NTD": "UBND thị trấn Trà My",
}


def _parcel(rng, sheet: int, number: int, geom, use: str, address: str) -> dict:
    return {
        "map_sheet": str(sheet),
        "parcel_number": str(number),
        "land_use_code": use,
        "address": address,
        "holder_name": HOLDERS.get(use) or _person(rng),
        "local": geom,
    }


def cameras(rng: np.random.Generator, geo: Geography, now) -> list[dict]:
    """About 15 cameras: market, schools, traffic, offices and the Ngầm Sông Trường water level."""
    import datetime as dt

    tx, ty = geo.town
    son = next(v["xy"] for v in geo.villages if v["commune"] == "Trà Sơn")
    giang = next(v["xy"] for v in geo.villages if v["commune"] == "Trà Giang")
    doc = next(v["xy"] for v in geo.villages if v["commune"] == "Trà Đốc")
    spots = [
        ("Chợ Trà My - cổng chính", "security", (tx + 60, ty - 40)),
        ("Chợ Trà My - bãi xe", "security", (tx + 140, ty - 10)),
        ("UBND huyện Bắc Trà My", "security", (tx - 220, ty + 160)),
        ("Bến xe Trà My", "security", (tx + 480, ty - 260)),
        ("Trung tâm Y tế huyện", "security", (tx - 350, ty - 220)),
        ("Trường THPT Bắc Trà My", "school", (tx - 420, ty + 60)),
        ("Trường PTDT Nội trú Bắc Trà My", "school", (tx + 300, ty + 280)),
        ("Trường TH&THCS Trà Sơn", "school", (son[0] + 120, son[1] + 80)),
        ("Trường TH Trà Giang", "school", (giang[0] - 90, giang[1] + 60)),
        ("Ngã ba ĐT616 - Hùng Vương", "traffic", (tx - 40, ty + 30)),
        ("Cầu Trà My", "traffic", (tx + 700, ty - 700)),
        ("ĐT616 qua Trà Sơn", "traffic", (son[0] - 200, son[1] - 150)),
        ("Đèo QL40B Trà Đốc", "traffic", (doc[0] + 400, doc[1] + 300)),
        ("Ngã tư trung tâm huyện", "traffic", (tx + 200, ty + 120)),
        ("Ngầm Sông Trường", "water_level", geo.crossing),
    ]
    offline = {"Đèo QL40B Trà Đốc": 26, "Trường TH Trà Giang": 9}
    out = []
    for i, (name, kind, (x, y)) in enumerate(spots, start=1):
        lon, lat = frame.to_lonlat(x, y)
        down = offline.get(name)
        seen = now - (dt.timedelta(days=down, hours=3) if down else dt.timedelta(seconds=int(rng.integers(20, 300))))
        out.append(
            {
                "name": name,
                "kind": kind,
                "status": "offline" if down else "online",
                "last_seen_at": seen,
                "stream_url": f"rtsp://10.52.{10 + i // 8}.{20 + i}:554/Streaming/Channels/101",
                "geom": Point(float(lon), float(lat)),
            }
        )
    return out
