"""A SYNTHETIC drive test of the demo district: what phones on the valley roads would have measured.

The "truth" is computed here, on the generator's own DEM, with a textbook model kept independent of
layers/telecom (so that calibrating the coverage model against it means something): received
power = EIRP (transmitter power + antenna gain - feeder loss + the measured signal's share of the
power + horizontal sector pattern) - free-space loss (ITU-R P.525) - single knife-edge
diffraction over the dominant obstacle of the profile (the largest Fresnel parameter v, ITU-R
P.526 J(v), 4/3 earth) - the car's body (6 dB, phones inside) - log-normal shadowing (seeded, 7 dB)
+ a per-operator bias (networks run below their declared power: MobiFone -4 dB, VNPT -1 dB).
Below the phone's sensitivity a row is "no signal" (dbm empty). A few crowd "no signal" reports
near the hidden dead-zone village are added.

Roads follow the valleys, as they do in the mountains: along the main rivers and up the side
valleys to the villages (the hidden village has no road). Pure numpy/shapely, no Django.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString

from . import frame
from .geography import Geography
from .terrain import Terrain

COLUMNS = ("lon", "lat", "operator", "technology", "dbm", "time", "source", "device")
LABEL = "SYNTHETIC demo"  # every device name starts with it: the rows say what they are
DEVICE = f"{LABEL} drive test"
CROWD_DEVICE = f"{LABEL} crowd report"
LOCAL = dt.timezone(dt.timedelta(hours=7), "ICT")  # the loggers' clock, Asia/Ho_Chi_Minh

SPACING_M = 400.0  # one measurement location every 400 m of road
STEP_M = 50.0  # terrain profile step (the DEM is ~30 m)
RANGE_M = 20_000.0  # farther sites are not considered (behind many ridges in this terrain)
RX_HEIGHT_M = 1.5
EARTH_M = 8_500_000.0  # effective radius, k = 4/3
FEEDER_LOSS_DB = 2.0
IN_CAR_LOSS_DB = 6.0  # the logger's phones ride inside the car, no roof antenna
FRONT_TO_BACK_DB = 20.0
# Share of the transmitter power in the quantity a phone reports: 2G RxLev of the BCCH carrier
# (full power), 3G RSCP of the CPICH (10 %), 4G RSRP of one resource element of 600 (10 MHz).
SIGNAL_SHARE_DB = {"2G": 0.0, "3G": -10.0, "4G": -27.8}
# Below the sensitivity the phone has no service; above the ceiling its report saturates.
SENSITIVITY_DBM = {"2G": -108.0, "3G": -115.0, "4G": -122.0}
CEILING_DBM = {"2G": -48.0, "3G": -25.0, "4G": -44.0}
SHADOW_SIGMA_DB = 7.0
# What calibration should find: MobiFone's network runs 4 dB below its declared EIRP, VNPT 1 dB.
BIAS_DB = {"viettel": 0.0, "vnpt": -1.0, "mobifone": -4.0}
# Every location is measured in 4G by each operator's phone; 3G and 2G at every third/fourth one.
EVERY = {"4G": 1, "3G": 3, "2G": 4}
CROWD_REPORTS = 8


def roads(geo: Geography) -> list[LineString]:
    """The valley roads inside the district: main rivers, then the side valleys up to the villages."""
    inside = geo.district.buffer(-100.0)
    lines = []
    for name in sorted(geo.clipped_rivers):
        lines.extend(shapely.get_parts(geo.clipped_rivers[name]))
    lines.extend(geo.tributaries)
    out = []
    for line in lines:
        for part in shapely.get_parts(line.intersection(inside)):
            if part.geom_type == "LineString" and part.length >= SPACING_M:
                out.append(part)
    return out


def locations(lines: list[LineString]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points every SPACING_M along the roads: xy, the road index, the distance along it."""
    xy, road, along = [], [], []
    for i, line in enumerate(lines):
        at = np.arange(SPACING_M / 2, line.length, SPACING_M)
        xy.append(shapely.get_coordinates(shapely.line_interpolate_point(line, at)))
        road.append(np.full(at.size, i))
        along.append(at)
    return np.vstack(xy), np.concatenate(road), np.concatenate(along)


def j_loss(v: np.ndarray) -> np.ndarray:
    """Knife-edge diffraction loss J(v) in dB (ITU-R P.526, eq. 31); 0 for v <= -0.78."""
    v = np.asarray(v, float)
    loss = 6.9 + 20 * np.log10(np.sqrt((v - 0.1) ** 2 + 1) + v - 0.1)
    return np.where(v > -0.78, loss, 0.0)


def _obstacle(t: Terrain, site: tuple[float, float, float], xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) and the largest h*sqrt(2d/(d1*d2)) of each path (v = this / sqrt(wavelength))."""
    sx, sy, mast = site
    tx = float(t.sample_xy(sx, sy)) + mast
    dist = np.hypot(xy[:, 0] - sx, xy[:, 1] - sy)
    rx = t.sample_xy(xy[:, 0], xy[:, 1]).astype(float) + RX_HEIGHT_M
    n = np.maximum(2, np.ceil(dist / STEP_M).astype(int))
    pair = np.repeat(np.arange(len(xy)), n)
    first = np.cumsum(n) - n
    frac = (np.arange(n.sum()) - first[pair] + 1) / (n[pair] + 1)
    d1 = frac * dist[pair]
    d2 = dist[pair] - d1
    ground = t.sample_xy(sx + (xy[pair, 0] - sx) * frac, sy + (xy[pair, 1] - sy) * frac).astype(float)
    # Height of the terrain (lifted by the earth's bulge) above the straight ray.
    h = ground + d1 * d2 / (2 * EARTH_M) - (tx + (rx[pair] - tx) * frac)
    g = np.maximum.reduceat(h * np.sqrt(2 * dist[pair] / (d1 * d2)), first)
    return dist, g


def _pattern(bearing: np.ndarray, azimuth: float | None, beamwidth: float) -> np.ndarray:
    """Horizontal sector pattern (dB): parabolic main lobe down to the front-to-back ratio."""
    if azimuth is None or beamwidth >= 360:
        return np.zeros_like(bearing)
    off = (bearing - azimuth + 180.0) % 360.0 - 180.0
    return -np.minimum(12 * (off / beamwidth) ** 2, FRONT_TO_BACK_DB)


def truth(
    t: Terrain, towers: list[dict], xy: np.ndarray, loss_db: float = IN_CAR_LOSS_DB
) -> dict[tuple[str, str], np.ndarray]:
    """Best-server power (dBm) per (operator, technology) at local points, without bias or shadowing.

    loss_db is lost on every path (the car's body for the drive test); -inf where no sector of that
    operator and technology is within RANGE_M.
    """
    out: dict[tuple[str, str], np.ndarray] = {}
    sites: dict[tuple, list[dict]] = {}
    for tower in towers:
        key = (tower["operator"], round(tower["geom"].x, 7), round(tower["geom"].y, 7), tower["antenna_height_m"])
        sites.setdefault(key, []).append(tower)
    for (operator, lon, lat, mast), sectors in sorted(sites.items()):
        sx, sy = (float(c) for c in frame.to_xy(lon, lat))
        near = np.flatnonzero(np.hypot(xy[:, 0] - sx, xy[:, 1] - sy) <= RANGE_M)
        if near.size == 0:
            continue
        dist, g = _obstacle(t, (sx, sy, mast), xy[near])
        dist = np.maximum(dist, 1.0)
        bearing = np.degrees(np.arctan2(xy[near, 0] - sx, xy[near, 1] - sy)) % 360.0
        for s in sectors:
            tech = s["technology"]
            wavelength = 299.792458 / s["band_mhz"]
            fspl = 32.45 + 20 * np.log10(s["band_mhz"]) + 20 * np.log10(dist / 1_000.0)
            eirp = s["power_dbm"] + s["gain_dbi"] - FEEDER_LOSS_DB + SIGNAL_SHARE_DB[tech]
            pattern = _pattern(bearing, s["azimuth_deg"], s["beamwidth_deg"])
            power = eirp + pattern - fspl - j_loss(g / math.sqrt(wavelength)) - loss_db
            best = out.setdefault((operator, tech), np.full(len(xy), -np.inf))
            best[near] = np.maximum(best[near], power)
    return out


def _schedule(rng: np.random.Generator, lines: list[LineString], road: np.ndarray, along: np.ndarray, now: dt.datetime):
    """When the car passed each location: a campaign of a few days ending about two weeks before now."""
    speed = 25_000.0 / 3600.0  # m/s, mountain roads
    start_day = (now.astimezone(LOCAL) - dt.timedelta(days=18)).date()
    when = np.empty(len(road), dtype=object)
    day, clock = 0, 0.0
    for i, line in enumerate(lines):
        drive = line.length / speed
        if clock and clock + drive > 9 * 3600:  # a new day after nine hours on the road
            day, clock = day + 1, 0.0
        morning = dt.datetime.combine(start_day + dt.timedelta(days=day), dt.time(7, 30), LOCAL)
        pick = road == i
        seconds = clock + along[pick] / speed + rng.uniform(0, 20, pick.sum())
        when[pick] = [morning + dt.timedelta(seconds=round(float(s))) for s in seconds]
        clock += drive + 1_800.0  # half an hour to the next road
    return when


def measurements(rng: np.random.Generator, t: Terrain, geo: Geography, towers: list[dict], now: dt.datetime) -> dict:
    """The drive test rows (CSV columns plus the truth, bias and shadowing of each) and crowd reports."""
    now = now.astimezone(dt.UTC)
    lines = roads(geo)
    xy, road, along = locations(lines)
    xy = xy + rng.normal(0, 5.0, xy.shape)  # GPS error
    when = _schedule(rng, lines, road, along, now)
    best = truth(t, towers, xy)
    lon, lat = frame.to_lonlat(xy[:, 0], xy[:, 1])
    rows = []
    for (operator, tech), power in sorted(best.items()):
        for i in np.flatnonzero(np.arange(len(xy)) % EVERY[tech] == 0):
            shadow = float(rng.normal(0, SHADOW_SIGMA_DB))
            level = float(power[i]) + BIAS_DB[operator] + shadow
            dbm = min(round(level, 1), CEILING_DBM[tech]) if level >= SENSITIVITY_DBM[tech] else None
            rows.append(
                {
                    "lon": round(float(lon[i]), 6),
                    "lat": round(float(lat[i]), 6),
                    "operator": operator,
                    "technology": tech,
                    "dbm": dbm,
                    "time": when[i],
                    "source": "drive_test",
                    "device": f"{DEVICE} {operator}-{tech}",
                    "truth_dbm": float(power[i]),
                    "bias_db": BIAS_DB[operator],
                    "shadow_db": shadow,
                }
            )
    rows += crowd(rng, t, geo, towers, now)
    rows.sort(key=lambda r: (r["time"], r["operator"], r["technology"]))
    return {"rows": rows, "roads_km": round(sum(line.length for line in lines) / 1_000.0, 1), "locations": len(xy)}


def crowd(rng: np.random.Generator, t: Terrain, geo: Geography, towers: list[dict], now: dt.datetime) -> list[dict]:
    """A handful of "no signal" reports from phones around the hidden village, over the last two weeks.

    Only where the truth agrees (outdoors, bias included, below the sensitivity of that technology).
    """
    vx, vy = geo.villages[geo.shadow_village]["xy"]
    angle = rng.uniform(0, 2 * math.pi, CROWD_REPORTS)
    radius = rng.uniform(50, 450, CROWD_REPORTS)
    ages = rng.integers(60, 14 * 24 * 60, CROWD_REPORTS)
    xy = np.column_stack([vx + radius * np.cos(angle), vy + radius * np.sin(angle)])
    best = truth(t, towers, xy, loss_db=0.0)
    lon, lat = frame.to_lonlat(xy[:, 0], xy[:, 1])
    choices = [(op, tech) for tech in ("4G", "3G", "2G") for op in BIAS_DB]
    rows = []
    for i in range(CROWD_REPORTS):
        for k in range(len(choices)):
            operator, tech = choices[(i + k) % len(choices)]
            level = float(best.get((operator, tech), np.full(len(xy), -np.inf))[i])
            if level + BIAS_DB[operator] < SENSITIVITY_DBM[tech]:
                break
        else:
            continue  # every network reaches this spot: nobody would report
        rows.append(
            {
                "lon": round(float(lon[i]), 6),
                "lat": round(float(lat[i]), 6),
                "operator": operator,
                "technology": tech,
                "dbm": None,
                "time": (now - dt.timedelta(minutes=int(ages[i]))).astimezone(LOCAL).replace(microsecond=0),
                "source": "crowd",
                "device": CROWD_DEVICE,
                "truth_dbm": level,
                "bias_db": BIAS_DB[operator],
                "shadow_db": 0.0,
            }
        )
    return rows


def write(rows: list[dict], path: Path) -> str:
    """Write the rows as the signal importer's CSV (times ISO 8601 with the +07:00 offset); the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.part")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {**row, "dbm": "" if row["dbm"] is None else f"{row['dbm']:.1f}", "time": row["time"].isoformat()}
            )
    os.replace(tmp, path)
    return str(path)
