"""The synthetic drive test's truth (free space + one knife edge on the DEM) and its rows, numpy only."""

import datetime as dt
import math

import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from ingest.demo import drivetest, frame
from ingest.demo.geography import Geography
from ingest.demo.terrain import ARCSEC, NORTH, WEST, Terrain, _grid_shape

NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)


def _terrain(ground: float = 500.0, wall: tuple[float, float, float] | None = None) -> Terrain:
    """A flat DEM on the demo grid, optionally with a north-south wall (x from, x to, top) in local metres."""
    rows, cols = _grid_shape()
    elevation = np.full((rows, cols), ground, np.float32)
    if wall:
        lon = WEST + (np.arange(cols) + 0.5) * ARCSEC
        x, _ = frame.to_xy(lon, NORTH)
        elevation[:, (x >= wall[0]) & (x <= wall[1])] = wall[2]
    return Terrain(elevation=elevation, hand=elevation, river_distance=elevation, transform=None)


def _tower(operator: str, tech: str, x: float = 0.0, y: float = 0.0, azimuth=None, **extra) -> dict:
    lon, lat = frame.to_lonlat(x, y)
    band = {"2G": 900.0, "3G": 2100.0, "4G": 1800.0}[tech]
    return {
        "operator": operator,
        "technology": tech,
        "antenna_height_m": 30.0,
        "azimuth_deg": azimuth,
        "beamwidth_deg": 360.0 if azimuth is None else 65.0,
        "band_mhz": band,
        "power_dbm": 43.0,
        "gain_dbi": 15.0,
        "geom": Point(float(lon), float(lat)),
        **extra,
    }


def _fspl(band_mhz: float, km: float) -> float:
    return 32.45 + 20 * math.log10(band_mhz) + 20 * math.log10(km)


def test_knife_edge_loss_follows_itu_r_p526():
    j = drivetest.j_loss(np.array([-1.0, -0.78, 0.0, 1.0, 2.4]))
    assert j[0] == 0 and abs(j[1]) < 0.05
    assert abs(j[2] - 6.0) < 0.1  # grazing incidence: 6 dB
    assert abs(j[3] - 13.9) < 0.1 and abs(j[4] - 20.5) < 0.1


def test_truth_is_free_space_in_the_open_and_adds_one_knife_edge_behind_a_wall():
    eirp = 43 + 15 - drivetest.FEEDER_LOSS_DB  # 2G: the BCCH carries the full power
    rx = np.array([[3_000.0, 0.0]])
    open_field = drivetest.truth(_terrain(), [_tower("viettel", "2G")], rx)[("viettel", "2G")][0]
    free = eirp - _fspl(900, 3.0) - drivetest.IN_CAR_LOSS_DB
    # Only the ground next to the phone grazes the first Fresnel zone.
    assert free - 2.0 < open_field <= free
    # A 300 m wall half way: h ~ 284 m above the ray, v = h * sqrt(2d / (lambda d1 d2)).
    walled = drivetest.truth(_terrain(wall=(1_400.0, 1_600.0, 800.0)), [_tower("viettel", "2G")], rx)
    h = 800.0 + 1_500.0**2 / (2 * drivetest.EARTH_M) - (530.0 + 501.5) / 2
    v = h * math.sqrt(2 * 3_000.0 / ((299.792458 / 900.0) * 1_500.0 * 1_500.0))
    expected = free - float(drivetest.j_loss(np.array([v]))[0])
    assert abs(walled[("viettel", "2G")][0] - expected) < 1.0
    assert expected < free - 35  # the wall costs ~41 dB


def test_truth_takes_the_best_sector_its_pattern_and_the_signal_share():
    rx = np.array([[0.0, 3_000.0]])  # due north of the mast
    towards = drivetest.truth(_terrain(), [_tower("vnpt", "4G", azimuth=0.0)], rx)[("vnpt", "4G")][0]
    away = drivetest.truth(_terrain(), [_tower("vnpt", "4G", azimuth=180.0)], rx)[("vnpt", "4G")][0]
    both = drivetest.truth(_terrain(), [_tower("vnpt", "4G", azimuth=a) for a in (0.0, 180.0)], rx)
    assert abs(towards - away - drivetest.FRONT_TO_BACK_DB) < 1e-9
    assert both[("vnpt", "4G")][0] == towards
    two_g = drivetest.truth(_terrain(), [_tower("vnpt", "2G")], rx)[("vnpt", "2G")][0]
    # RSRP is one resource element of 600 (-27.8 dB) at 1800 MHz (6 dB more free-space loss than 900);
    # the longer wave's wider Fresnel zone loses a little more to the ground next to the phone.
    assert -2.0 < (two_g - towards) - (27.8 + 20 * math.log10(2)) < 0.0
    # Out of range: no server at all.
    far = drivetest.truth(_terrain(), [_tower("vnpt", "4G")], np.array([[drivetest.RANGE_M + 500, 0.0]]))
    assert not far or not np.isfinite(far[("vnpt", "4G")][0])


def _geography() -> Geography:
    geo = Geography(
        district=box(-8_000, -8_000, 8_000, 8_000),
        communes=[],
        rivers={},
        clipped_rivers={"Sông Thử": LineString([(-7_000, -500), (7_000, -500)])},
        villages=[
            {"name": "Thôn 1", "commune": "Trà Thử", "xy": (2_000, 4_000)},
            {"name": "Thôn 2", "commune": "Trà Thử", "xy": (-5_000, 6_000)},
        ],
        tributaries=[LineString([(2_000, 4_000), (2_000, -500)])],
        shadow_village=1,
    )
    return geo


def _rows(seed: int, terrain: Terrain, towers: list[dict]) -> list[dict]:
    return drivetest.measurements(np.random.default_rng(seed), terrain, _geography(), towers, NOW)["rows"]


@pytest.fixture(scope="module")
def flat_with_ridge():
    # A ridge west of the hidden village cuts it off from every mast (all in the east).
    return _terrain(wall=(-4_000.0, -3_700.0, 1_500.0))


def test_rows_carry_the_bias_and_shadowing_over_the_truth_and_are_deterministic(flat_with_ridge):
    towers = [_tower(op, tech, 1_000, 1_000) for op in drivetest.BIAS_DB for tech in ("2G", "3G", "4G")]
    rows = _rows(5, flat_with_ridge, towers)
    assert rows == _rows(5, flat_with_ridge, towers)
    assert [r["dbm"] for r in rows] != [r["dbm"] for r in _rows(6, flat_with_ridge, towers)]
    drive = [r for r in rows if r["source"] == "drive_test"]
    # Locations every 400 m on 14 + 4.5 km of road; 4G at each, 3G and 2G at every 3rd / 4th.
    per_op = {op: [r for r in drive if r["operator"] == op] for op in drivetest.BIAS_DB}
    assert all(len([r for r in group if r["technology"] == "4G"]) == 46 for group in per_op.values())
    for r in drive:
        level = r["truth_dbm"] + r["bias_db"] + r["shadow_db"]
        if level < drivetest.SENSITIVITY_DBM[r["technology"]]:
            assert r["dbm"] is None
        else:
            assert r["dbm"] == min(round(level, 1), drivetest.CEILING_DBM[r["technology"]])
        assert r["bias_db"] == drivetest.BIAS_DB[r["operator"]]
        assert NOW - dt.timedelta(days=28) < r["time"] < NOW and r["time"].utcoffset() == dt.timedelta(hours=7)
    shadow = np.array([r["shadow_db"] for r in drive])
    assert abs(shadow.mean()) < 1.0 and 6.0 < shadow.std() < 8.0
    # Each operator's phones pass a location at the same moment, one row per operator and technology.
    keys = {(r["operator"], r["technology"], r["time"], r["lon"], r["lat"]) for r in rows}
    assert len(keys) == len(rows)
    assert all(r["device"].startswith(drivetest.LABEL) for r in rows)


def test_crowd_reports_only_where_the_truth_has_no_service(flat_with_ridge):
    towers = [_tower(op, tech, 3_000, 0) for op in drivetest.BIAS_DB for tech in ("2G", "3G", "4G")]
    crowd = [r for r in _rows(5, flat_with_ridge, towers) if r["source"] == "crowd"]
    assert len(crowd) == drivetest.CROWD_REPORTS
    for r in crowd:
        assert r["dbm"] is None
        assert r["truth_dbm"] + r["bias_db"] < drivetest.SENSITIVITY_DBM[r["technology"]]
        x, y = frame.to_xy(r["lon"], r["lat"])
        assert math.hypot(x + 5_000, y - 6_000) < 460
    # Without the ridge the hidden village is in plain view: nobody reports.
    assert not [r for r in _rows(5, _terrain(), towers) if r["source"] == "crowd"]
