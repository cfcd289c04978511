"""Things that happen in the synthetic district: complaints, dry-season fire hotspots, one flood."""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

import numpy as np
import shapely
from rasterio import features
from shapely.geometry import Point

from . import frame, names, utm_raster
from .geography import Geography
from .terrain import Terrain

UTC = dt.UTC
FIRMS_COLUMNS = (
    "latitude",
    "longitude",
    "bright_ti4",
    "scan",
    "track",
    "acq_date",
    "acq_time",
    "satellite",
    "instrument",
    "confidence",
    "version",
    "bright_ti5",
    "frp",
    "daynight",
)
XSS_SAMPLE = "<img src=x onerror=alert(1)>"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
FLOOD_EPSG = 32648
WATER, DRY, NODATA = 1, 0, 255


def _commune_of(geo: Geography, p: Point) -> str | None:
    return next((c["name"] for c in geo.communes if c["geom"].intersects(p)), None)


def complaints(rng: np.random.Generator, geo: Geography, now: dt.datetime, count: int = 40) -> list[dict]:
    """Citizen reports of the last 60 days near villages, older ones further along their workflow."""
    pops = np.array([v["population"] for v in geo.villages], float)
    codes: set[str] = set()
    out = []
    for i in range(count):
        if i < 3:  # the dead-zone villages complain about signal
            village = geo.villages[geo.shadow_village if i < 2 else geo.weak_village]
            category = "no_signal"
        else:
            village = geo.villages[int(rng.choice(len(pops), p=pops / pops.sum()))]
            category = str(rng.choice(names.COMPLAINT_CATEGORIES))
        while True:
            x, y = np.array(village["xy"]) + rng.normal(0, 350, 2)
            p = Point(x, y)
            if geo.district.buffer(-100).contains(p):
                break
        # A fifth arrived in the last three days: the officers' inbox is never empty.
        latest = 3 * 24 * 60 if i % 5 == 1 else 60 * 24 * 60
        age = dt.timedelta(minutes=int(rng.integers(30, latest)))
        days = age.days
        weights = np.array([1, 1, 1, 0.2, 0.1]) if days < 5 else np.array([0.03, 0.1, 0.3, 1.2, 1.3])
        status = str(rng.choice(names.COMPLAINT_STATUSES, p=weights / weights.sum()))
        description = names.COMPLAINT_TEXT[category]
        if i == count - 1:
            category, description = "other", XSS_SAMPLE  # escaping is tested on this one
        while True:
            code = "BTM-" + "".join(rng.choice(list(CODE_ALPHABET), 6))
            if code not in codes:
                codes.add(code)
                break
        created = (now - age).replace(microsecond=0)
        # The workflow's own clocks: acknowledged within hours, answered within days, never in the future.
        acknowledged = resolved = None
        if status != "received":
            acknowledged = min(created + dt.timedelta(hours=float(rng.uniform(1, 30))), now)
        if status in ("resolved", "closed"):
            resolved = min(acknowledged + dt.timedelta(hours=float(rng.uniform(4, 120))), now)
        attributes = {}
        if category == "no_signal":
            attributes = {"operator": "vnpt" if i == 2 else "viettel", "technology": "4G"}
        lon, lat = frame.to_lonlat(x, y)
        out.append(
            {
                "acknowledged_at": acknowledged,
                "resolved_at": resolved,
                "updated_at": resolved or acknowledged or created,
                "attributes": attributes,
                "tracking_code": code,
                "category": category,
                "description": description,
                "status": status,
                "created_at": created,
                "commune": _commune_of(geo, p),
                "reporter_name": f"{rng.choice(names.FAMILY)} {rng.choice(names.MIDDLE)} {rng.choice(names.GIVEN)}",
                "reporter_phone": "09" + "".join(str(d) for d in rng.integers(0, 10, 8)),
                "geom": Point(float(lon), float(lat)),
            }
        )
    return out


def fire_season_year(now: dt.datetime) -> int:
    """The year of the latest dry season (Feb-Apr) that has ended, so that no hotspot is in the future."""
    return now.year if now.month >= 5 else now.year - 1


def _point_in(rng: np.random.Generator, poly) -> tuple[float, float]:
    minx, miny, maxx, maxy = poly.bounds
    while True:
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(poly, lon, lat):
            return float(lon), float(lat)


def _overpass(rng: np.random.Generator, lon: float, lat: float, when: dt.datetime, night: bool, pixels=None) -> list:
    """The FIRMS rows of one VIIRS overpass over one fire: a few 375 m pixels around (lon, lat)."""
    frp = float(rng.lognormal(1.6, 0.8))
    rows = []
    for _ in range(int(rng.integers(1, 6)) if pixels is None else pixels):
        conf = "h" if frp > 12 and rng.random() < 0.7 else ("l" if frp < 2 and rng.random() < 0.5 else "n")
        ti4 = 367.0 if conf == "h" and rng.random() < 0.4 else float(rng.uniform(300, 362))
        rows.append(
            {
                "latitude": f"{lat + rng.normal(0, 0.0025):.5f}",
                "longitude": f"{lon + rng.normal(0, 0.0025):.5f}",
                "bright_ti4": f"{ti4:.2f}",
                "scan": f"{rng.uniform(0.39, 0.6):.2f}",
                "track": f"{rng.uniform(0.36, 0.7):.2f}",
                "acq_date": when.date().isoformat(),
                "acq_time": str(when.hour * 100 + when.minute),  # HHMM, unpadded as FIRMS writes it
                "satellite": "N",
                "instrument": "VIIRS",
                "confidence": conf,
                "version": "2.0NRT",
                "bright_ti5": f"{rng.uniform(282, 306):.2f}",
                "frp": f"{frp * rng.uniform(0.5, 1.5):.2f}",
                "daynight": "N" if night else "D",
            }
        )
    return rows


def _forest_picker(rng: np.random.Generator, forests: list[dict]):
    polys = [f["geom"] for f in forests]
    weights = np.array(
        [frame.area_m2(p) * (2.5 if f["kind"] == "plantation" else 1.0) for p, f in zip(polys, forests, strict=True)]
    )
    return lambda: polys[int(rng.choice(len(polys), p=weights / weights.sum()))]


def firms_rows(rng: np.random.Generator, forests: list[dict], now: dt.datetime, target: int = 300) -> list[dict]:
    """VIIRS S-NPP detections (FIRMS CSV columns) clustered in forest over February-April."""
    year = fire_season_year(now)
    start = dt.date(year, 2, 1)
    span = (dt.date(year, 4, 30) - start).days
    pick = _forest_picker(rng, forests)
    rows: list[dict] = []
    while len(rows) < target:
        lon, lat = _point_in(rng, pick())
        # The season peaks in late March and April: a triangular date distribution.
        day = start + dt.timedelta(days=int(rng.triangular(0, span * 0.75, span)))
        for _ in range(int(rng.integers(1, 4))):  # overpasses over the fire's life
            night = rng.random() < 0.3
            minutes = int(rng.integers(17 * 60 + 40, 19 * 60)) if night else int(rng.integers(5 * 60 + 30, 6 * 60 + 55))
            when = dt.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=UTC)
            rows += _overpass(rng, lon, lat, when, night)
            day += dt.timedelta(days=int(rng.integers(0, 2)))
    return sort_firms(rows)


# Recent fires, hours before the load: (hours ago of each overpass, pixels per overpass). The first two
# are still burning (alerts on the panel and the dashboard), the last is out but within the map's 7 days.
RECENT_FIRES = (((14, 2), (4, 2)), ((9,), (3,)), ((20,), (2,)), ((100, 90), (3, 2)))


def recent_rows(rng: np.random.Generator, forests: list[dict], now: dt.datetime) -> list[dict]:
    """A few fires detected in the days before ``now``, so that "the last 7 days" is never empty."""
    pick = _forest_picker(rng, forests)
    now = now.astimezone(UTC).replace(second=0, microsecond=0)
    rows: list[dict] = []
    for hours_ago, pixels in RECENT_FIRES:
        lon, lat = _point_in(rng, pick())
        for hours, count in zip(hours_ago, pixels, strict=True):
            when = now - dt.timedelta(hours=hours, minutes=int(rng.integers(0, 50)))
            rows += _overpass(rng, lon, lat, when, not 0 <= when.hour < 12, count)
    return rows


def sort_firms(rows: list[dict]) -> list[dict]:
    """Rows in the order FIRMS files come: by date, time, latitude."""
    return sorted(rows, key=lambda r: (r["acq_date"], int(r["acq_time"]), r["latitude"]))


def write_firms(rows: list[dict], path: Path) -> str:
    """Write the rows as a FIRMS CSV; the path as a string."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.part")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIRMS_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)
    return str(path)


def last_storm(now: dt.datetime) -> dt.datetime:
    """When the demo storm's radar pass was taken: the latest 28 October before now, 22:50 UTC."""
    year = now.year if (now.month, now.day) > (10, 29) else now.year - 1
    return dt.datetime(year, 10, 28, 22, 50, tzinfo=UTC)


def write_flood_mask(t: Terrain, geo: Geography, path: Path) -> dict:
    """A water mask of the storm (1 water, 0 dry, 255 nodata) in UTM 48N, along the low valleys."""
    district = frame.geom_to_lonlat(geo.district)
    inside = features.geometry_mask([district], out_shape=t.shape, transform=t.transform, invert=True)
    # Water stays 100 m inside the boundary so that the reprojected pixels do not spill over it.
    core = frame.geom_to_lonlat(geo.district.buffer(-100.0))
    well_inside = features.geometry_mask([core], out_shape=t.shape, transform=t.transform, invert=True)
    water = (t.hand < 7.0) & (t.river_distance < 900.0) & well_inside
    mask = np.where(inside, np.where(water, WATER, DRY), NODATA).astype(np.uint8)
    tags = {"SOURCE": "synthetic demo water mask (1 water, 0 dry, 255 nodata)"}
    out = utm_raster.write_uint8(t, mask, path, epsg=FLOOD_EPSG, pixel_m=30.0, nodata=NODATA, tags=tags)
    height, width = out.shape
    return {"path": str(path), "water_pixels": int((out == WATER).sum()), "width": width, "height": height}
