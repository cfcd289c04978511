"""Cell towers and Wi-Fi points of the synthetic district.

Sites are picked on hill shoulders near villages by a greedy cover over line-of-sight on the DEM,
so that the best operator reaches nearly every village, the others fewer, and one village behind a
ridge is reached by none (the dead zone a planner should find).
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import Point

from . import frame
from .geography import Geography
from .terrain import Terrain

REACH_M = 7_000.0
SITE_MAST_M = 35.0
# MCC-MNC of the Vietnamese carriers, used in the cell identifiers.
OPERATORS = {
    "viettel": {"mnc": "04", "prefix": "VTL", "target": 1.0},
    "vnpt": {"mnc": "02", "prefix": "VNP", "target": 0.87},
    "mobifone": {"mnc": "01", "prefix": "MBF", "target": 0.80},
}


def _candidates(rng, t: Terrain, geo: Geography) -> np.ndarray:
    """Candidate sites: hill shoulders 500-1,500 m from villages, inside the district."""
    hidden = np.array(geo.villages[geo.shadow_village]["xy"])
    pts = []
    for v in geo.villages:
        vx, vy = v["xy"]
        for radius in (500.0, 900.0, 1_400.0):
            for k in range(8):
                a = k * math.pi / 4 + rng.uniform(-0.3, 0.3)
                pts.append((vx + radius * math.cos(a), vy + radius * math.sin(a)))
    pts.append(geo.town)
    pts = np.array(pts)
    inside = shapely.contains_xy(geo.district.buffer(-300), pts[:, 0], pts[:, 1])
    far = np.hypot(pts[:, 0] - hidden[0], pts[:, 1] - hidden[1]) > 3_500
    return pts[inside & far]


def _visibility(t: Terrain, geo: Geography, sites: np.ndarray) -> np.ndarray:
    """sites x villages: True where the village is within reach and in line of sight of the mast."""
    vill = np.array([v["xy"] for v in geo.villages])
    seen = np.zeros((len(sites), len(vill)), bool)
    steps = np.linspace(0, 1, 120)
    ground = t.sample_xy(vill[:, 0], vill[:, 1]).astype(float) + 1.5
    for i, (sx, sy) in enumerate(sites):
        dist = np.hypot(vill[:, 0] - sx, vill[:, 1] - sy)
        near = np.flatnonzero(dist <= REACH_M)
        if near.size == 0:
            continue
        # Every profile of this mast at once: rows are villages, columns are steps along the path.
        xs = sx + (vill[near, 0, None] - sx) * steps
        ys = sy + (vill[near, 1, None] - sy) * steps
        terrain_m = t.sample_xy(xs, ys).astype(float)
        mast = terrain_m[:, :1] + SITE_MAST_M
        ray = mast + (ground[near, None] - mast) * steps
        along = dist[near, None] * steps
        bulge = along * (dist[near, None] - along) / (2 * 8_500_000.0)  # 4/3 earth radius
        clear = (terrain_m[:, 1:-1] + bulge[:, 1:-1] <= ray[:, 1:-1]).all(axis=1)
        seen[i, near] = clear
    return seen


def _cover(seen: np.ndarray, wanted: np.ndarray, target: float, usable: np.ndarray) -> list[int]:
    """Greedy set cover: sites until the target share of wanted villages is covered."""
    covered = np.zeros(seen.shape[1], bool)
    chosen: list[int] = []
    need = math.ceil(target * wanted.sum())
    while (covered & wanted).sum() < need:
        gain = (seen & wanted & ~covered).sum(axis=1) * usable
        best = int(np.argmax(gain))
        if gain[best] == 0:
            break
        chosen.append(best)
        covered |= seen[best]
    return chosen


def towers(rng: np.random.Generator, t: Terrain, geo: Geography) -> tuple[list[dict], dict]:
    """Cell sectors of the three carriers and the share of villages each reaches by line of sight."""
    sites = _candidates(rng, t, geo)
    seen = _visibility(t, geo, sites)
    n = len(geo.villages)
    # No site may see the hidden village; only Viettel may see the weak one.
    usable = ~seen[:, geo.shadow_village]
    wanted = np.ones(n, bool)
    wanted[geo.shadow_village] = False
    vill = np.array([v["xy"] for v in geo.villages])
    communes = [c["geom"] for c in geo.communes]
    out: list[dict] = []
    reach: dict[str, float] = {}
    cid = 10_000
    for operator, spec in OPERATORS.items():
        ok = usable.copy()
        want = wanted.copy()
        if operator != "viettel":
            ok &= ~seen[:, geo.weak_village]
            want[geo.weak_village] = False
        chosen = _cover(seen, want, spec["target"], ok)
        reached = seen[chosen].any(axis=0) if chosen else np.zeros(n, bool)
        reach[operator] = round(float(reached.mean()), 4)
        for k, idx in enumerate(chosen, start=1):
            sx, sy = sites[idx]
            lac = 3_300 + next(i for i, g in enumerate(communes) if g.intersects(Point(sx, sy)))
            targets = np.flatnonzero(seen[idx])
            far = targets[np.argmax(np.hypot(vill[targets, 0] - sx, vill[targets, 1] - sy))]
            boresight = math.degrees(math.atan2(vill[far, 0] - sx, vill[far, 1] - sy)) % 360
            in_town = math.hypot(sx - geo.town[0], sy - geo.town[1]) < 2_000
            height = float(rng.uniform(38, 45) if in_town else rng.uniform(20, 36))
            lon, lat = frame.to_lonlat(sx, sy)
            site = f"{spec['prefix']}-BTM-{k:02d}"
            cells = [("2G", 900.0, None, 360.0)]
            beam = float(rng.choice([65.0, 90.0, 120.0]))
            cells += [("4G", 1_800.0, (boresight + s * 120) % 360, beam) for s in range(3)]
            if operator == "viettel" or rng.random() < 0.5:
                cells += [("3G", 2_100.0, (boresight + 60 + s * 120) % 360, 90.0) for s in range(3)]
            for tech, band, azimuth, width in cells:
                cid += 1
                out.append(
                    {
                        "name": f"{site} {tech}" + ("" if azimuth is None else f" {round(azimuth):03d}°"),
                        "operator": operator,
                        "technology": tech,
                        "antenna_height_m": round(height, 1),
                        "azimuth_deg": None if azimuth is None else round(float(azimuth), 1),
                        "beamwidth_deg": width,
                        "band_mhz": band,
                        "power_dbm": round(float(rng.uniform(40, 46)), 1),
                        "gain_dbi": round(float(rng.uniform(15, 18)), 1),
                        "cell_id": f"452-{spec['mnc']}-{lac}-{cid}",
                        "geom": Point(float(lon), float(lat)),
                    }
                )
    return out, reach


def wifi(geo: Geography) -> list[dict]:
    """The 10 public Wi-Fi points at the cultural houses of the town and Trà Sơn villages."""
    out = []
    for v in geo.villages:
        if v["commune"] not in ("Trà My", "Trà Sơn"):
            continue
        lon, lat = frame.to_lonlat(*v["xy"])
        out.append(
            {
                "name": f"Wi-Fi nhà văn hoá {v['name']}",
                "site_kind": "cultural_house",
                "provider": "VNPT" if v["commune"] == "Trà My" else "Viettel",
                "range_m": 100.0,
                "village": (v["commune"], v["name"]),
                "geom": Point(float(lon), float(lat)),
            }
        )
    return out
