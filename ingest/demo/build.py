"""Build the whole synthetic district from a seed: plain data plus the files written to out_dir."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from shapely.geometry import Point

from layers.crossings import demo as crossings_demo

from . import drivetest, events, frame, geography, landcover, names, storm, telecom, terrain, urban

DEFAULT_SEED = 2022
DEM_FILE = "bac_tra_my_dem_synthetic.tif"
FIRMS_FILE = "firms_viirs_snpp_demo.csv"
FLOOD_FILE = "flood_water_mask_demo.tif"
SIGNAL_FILE = "signal_drive_test_demo_synthetic.csv"


@dataclass
class Demo:
    """Everything the loader stores, in lon/lat (shapely) and plain values."""

    seed: int
    district: dict
    communes: list[dict]
    villages: list[dict]
    rivers: list[dict]
    forests: list[dict]
    towers: list[dict]
    reach: dict
    wifi: list[dict]
    cameras: list[dict]
    parcels: list[dict]
    complaints: list[dict]
    dem: dict
    firms_path: str
    firms_rows: int
    flood: dict = field(default_factory=dict)
    signal: dict = field(default_factory=dict)  # the synthetic drive test: path, counts
    roads: dict = field(default_factory=dict)  # roads, crossings, the Ngầm's gauge readings


def _rng(seed: int, part: int) -> np.random.Generator:
    # One stream per part so that changing one generator does not reshuffle the others.
    return np.random.default_rng([seed, part])


def build(seed: int, out_dir: Path, now: dt.datetime) -> Demo:
    """Generate the district for this seed; writes the DEM, FIRMS CSV, flood mask and drive test into out_dir."""
    out_dir = Path(out_dir)
    geo = geography.build(_rng(seed, 1))
    dem = terrain.generate(_rng(seed, 2), geo)
    dem_record = terrain.write(dem, out_dir / DEM_FILE)

    vill_xy = np.array([v["xy"] for v in geo.villages])
    heights = dem.sample_xy(vill_xy[:, 0], vill_xy[:, 1])
    villages = []
    for v, h in zip(geo.villages, heights, strict=True):
        lon, lat = frame.to_lonlat(*v["xy"])
        villages.append(
            {
                "name": v["name"],
                "commune": v["commune"],
                "households": v["households"],
                "population": v["population"],
                "has_cultural_house": True,
                "elevation_m": round(float(h), 1),
                "geom": Point(float(lon), float(lat)),
            }
        )
    communes = []
    for c in geo.communes:
        population = sum(v["population"] for v in villages if v["commune"] == c["name"])
        communes.append(
            {
                "name": c["name"],
                "code": c["code"],
                "kind": c["kind"],
                "population": population,
                "geom": frame.as_multi(frame.geom_to_lonlat(c["geom"])),
            }
        )
    rivers = []
    for name, line in geo.clipped_rivers.items():
        rivers.append({"name": name, "geom": frame.geom_to_lonlat(line)})

    forests = landcover.forests(dem, geo)
    towers, reach = telecom.towers(_rng(seed, 3), dem, geo)
    now = now.astimezone(dt.UTC)
    # The dry season before, and a few fires of the last days (so that alerts are open at load time).
    fires = events.sort_firms(
        events.firms_rows(_rng(seed, 6), forests, now) + events.recent_rows(_rng(seed, 8), forests, now)
    )
    firms_path = events.write_firms(fires, out_dir / FIRMS_FILE)
    # The storm: GFM-style layers for two passes and a discharge forecast (ingest.demo.storm).
    flood = storm.write(dem, geo, out_dir / "storm", events.last_storm(now))
    # A synthetic drive test along the valley roads in the weeks before now (and crowd "no signal"
    # reports at the dead zone), measured against the generator's own propagation truth.
    drive = drivetest.measurements(_rng(seed, 9), dem, geo, towers, now)
    signal = {
        "path": drivetest.write(drive["rows"], out_dir / SIGNAL_FILE),
        "rows": len(drive["rows"]),
        "no_signal": sum(r["dbm"] is None for r in drive["rows"]),
        "crowd": sum(r["source"] == "crowd" for r in drive["rows"]),
        "roads_km": drive["roads_km"],
        "locations": drive["locations"],
    }
    return Demo(
        seed=seed,
        district={
            "name": names.DISTRICT[0],
            "name_en": names.DISTRICT[1],
            "geom": frame.as_multi(frame.geom_to_lonlat(geo.district)),
        },
        communes=communes,
        villages=villages,
        rivers=rivers,
        forests=forests,
        towers=towers,
        reach=reach,
        wifi=telecom.wifi(geo),
        cameras=urban.cameras(_rng(seed, 4), geo, now),
        parcels=urban.parcels(_rng(seed, 5), geo),
        complaints=events.complaints(_rng(seed, 7), geo, now),
        dem=dem_record,
        firms_path=firms_path,
        firms_rows=len(fires),
        flood=flood,
        signal=signal,
        roads=crossings_demo.network(_rng(seed, 11), geo, frame.to_lonlat, now),
    )
