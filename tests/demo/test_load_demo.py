"""The demo district as load_demo stores it: counts, geometry, terrain, idempotence, users."""

import csv
import hashlib
import re
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import rasterio
import shapely
from django.contrib.auth.models import User
from django.db import connection

from ingest import signal
from ingest.demo import drivetest, frame, terrain
from ingest.models import IngestRun, RasterAsset
from layers import roles
from layers.cameras.models import Camera
from layers.feedback.models import Complaint, Note
from layers.fire.models import AlertRule, FireEvent, Hotspot, HotspotLink
from layers.flood.models import DischargeValue, FloodObservation
from layers.parcels.models import Parcel
from layers.places.models import Commune, District, ForestArea, River, Village
from layers.telecom.models import CellTower, SignalMeasurement, WifiPoint

COMMUNES = {
    "Trà My",
    "Trà Sơn",
    "Trà Kót",
    "Trà Nú",
    "Trà Đông",
    "Trà Dương",
    "Trà Giang",
    "Trà Bui",
    "Trà Đốc",
    "Trà Tân",
    "Trà Giác",
    "Trà Giáp",
    "Trà Ka",
}
CATEGORIES = {
    "road_damage",
    "rubbish",
    "no_signal",
    "landslide",
    "water_supply",
    "electricity",
    "construction",
    "public_order",
    "other",
}
FIRMS_HEADER = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,"
    "confidence,version,bright_ti5,frp,daynight"
)


def _scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def test_the_district_is_synthetic_with_its_13_real_communes_and_46_villages(demo):
    district = District.objects.get()
    assert district.synthetic is True and district.name == "Bắc Trà My"
    assert set(Commune.objects.values_list("name", flat=True)) == COMMUNES
    assert Commune.objects.get(kind="town").name == "Trà My"
    assert Commune.objects.filter(kind="commune").count() == 12
    villages = list(Village.objects.all())
    assert len(villages) == 46
    assert all(v.has_cultural_house for v in villages)
    assert all(40 <= v.households <= 250 for v in villages)
    assert all(3.9 <= v.population / v.households <= 4.8 for v in villages)
    for commune in Commune.objects.all():
        assert commune.population == sum(v.population for v in villages if v.commune_id == commune.pk)
    assert "SYNTHETIC" in demo["first"]["output"]
    assert "demo logins" in demo["first"]["output"]


def test_every_geometry_is_valid_and_inside_the_district(demo):
    tables = [
        "places_commune",
        "places_village",
        "places_river",
        "places_forestarea",
        "telecom_celltower",
        "telecom_wifipoint",
        "telecom_signalmeasurement",
        "cameras_camera",
        "parcels_parcel",
        "feedback_complaint",
    ]
    assert _scalar("SELECT count(*) FROM places_district WHERE NOT ST_IsValid(geom)") == 0
    for table in tables:
        assert _scalar(f"SELECT count(*) FROM {table}") > 0, table  # noqa: S608 (fixed table names)
        invalid = _scalar(f"SELECT count(*) FROM {table} WHERE NOT ST_IsValid(geom) OR ST_IsEmpty(geom)")  # noqa: S608
        assert invalid == 0, table
        # 1e-7 degree (1 cm) of tolerance for the boundary's own vertices.
        district = "WITH d AS MATERIALIZED (SELECT ST_Buffer(geom, 1e-7) AS geom FROM places_district) "
        outside = _scalar(district + f"SELECT count(*) FROM {table} t, d WHERE NOT ST_CoveredBy(t.geom, d.geom)")  # noqa: S608
        assert outside == 0, table
    # Hotspots are in forest land of the district (the FIRMS jitter may cross a stand's edge).
    assert (
        _scalar("SELECT count(*) FROM fire_hotspot h, places_district d WHERE ST_DWithin(h.geom, d.geom, 0.01)")
        == Hotspot.objects.count()
    )


def test_communes_partition_the_district_without_gaps_or_overlaps(demo):
    district_area = _scalar("SELECT ST_Area(geom::geography) FROM places_district")
    union_area = _scalar("SELECT ST_Area(ST_Union(geom)::geography) FROM places_commune")
    sum_area = _scalar("SELECT sum(ST_Area(geom::geography)) FROM places_commune")
    overlap = _scalar(
        "SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom)::geography)), 0) "
        "FROM places_commune a JOIN places_commune b ON a.id < b.id AND ST_Intersects(a.geom, b.geom)"
    )
    assert 780e6 < district_area < 860e6  # about 820 km²
    assert abs(union_area - district_area) / district_area < 1e-6
    assert abs(sum_area - district_area) / district_area < 1e-6
    assert overlap < 1.0  # square metres: shared edges only


def test_villages_lie_in_their_commune_and_wifi_at_cultural_houses(demo):
    misplaced = _scalar(
        "SELECT count(*) FROM places_village v JOIN places_commune c ON v.commune_id = c.id "
        "WHERE NOT ST_Contains(c.geom, v.geom)"
    )
    assert misplaced == 0
    points = list(WifiPoint.objects.select_related("village__commune"))
    assert len(points) == 10
    assert {p.village.commune.name for p in points} == {"Trà My", "Trà Sơn"}
    assert all(p.site_kind == "cultural_house" and p.village.has_cultural_house for p in points)
    assert all(p.geom.distance(p.village.geom) < 1e-6 for p in points)
    assert len({p.village_id for p in points}) == 10


def test_dem_is_a_real_geotiff_of_steep_terrain_with_villages_in_the_valleys(demo):
    asset = RasterAsset.objects.filter(kind="dem").latest("created_at")
    assert asset.synthetic is True
    assert Path(asset.path).parent == Path(demo["data_dir"]) / "demo"
    with rasterio.open(asset.path) as ds:
        assert ds.driver == "GTiff"
        assert ds.crs.to_epsg() == 4326
        assert ds.nodata is not None
        assert abs(ds.res[0] - 1 / 3600) < 1e-12 and abs(ds.res[1] - 1 / 3600) < 1e-12
        west, south, east, north = ds.bounds
        assert west < 107.95 and east > 108.40 and south < 15.10 and north > 15.45
        heights = ds.read(1, masked=True)
        lonlat = [(v.geom.x, v.geom.y) for v in Village.objects.order_by("pk")]
        sampled = np.array([s[0] for s in ds.sample(lonlat)])
    assert 100 <= heights.min() < 300 and 1_500 < heights.max() <= 2_000
    assert asset.stats["min"] == float(heights.min()) and asset.stats["max"] == float(heights.max())
    assert abs(asset.stats["mean"] - float(heights.mean())) < 0.5
    assert asset.bounds == [west, south, east, north]
    median = float(np.ma.median(heights))
    elevations = np.array(Village.objects.order_by("pk").values_list("elevation_m", flat=True))
    assert np.allclose(elevations, sampled, atol=0.1)
    assert (elevations < median).all()
    # Steep: the relief inside 1 km x 1 km blocks (33 x 33 cells) is hundreds of metres.
    rows, cols = (s // 33 * 33 for s in heights.shape)
    blocks = heights.filled(np.nan)[:rows, :cols].reshape(rows // 33, 33, cols // 33, 33)
    relief = np.nanmax(blocks, axis=(1, 3)) - np.nanmin(blocks, axis=(1, 3))
    assert np.nanmax(relief) > 600 and np.nanmedian(relief) > 100


def test_loading_twice_keeps_one_copy_and_the_same_dem(demo):
    first, second = demo["first"], demo["second"]
    assert {k: len(v) for k, v in first["rows"].items()} == {k: len(v) for k, v in second["rows"].items()}
    assert first["sha256"] == second["sha256"]
    dem = RasterAsset.objects.get(kind="dem")
    assert hashlib.sha256(Path(dem.path).read_bytes()).hexdigest() == second["sha256"]
    rows = second["rows"]
    for model, label in [
        (District, "places.District"),
        (Commune, "places.Commune"),
        (Village, "places.Village"),
        (River, "places.River"),
        (ForestArea, "places.ForestArea"),
        (CellTower, "telecom.CellTower"),
        (WifiPoint, "telecom.WifiPoint"),
        (Camera, "cameras.Camera"),
        (Parcel, "parcels.Parcel"),
        (Complaint, "feedback.Complaint"),
        (Hotspot, "fire.Hotspot"),
        (FireEvent, "fire.FireEvent"),
        (FloodObservation, "flood.FloodObservation"),
        (DischargeValue, "flood.DischargeValue"),
        (SignalMeasurement, "telecom.SignalMeasurement"),
    ]:
        assert model.objects.count() == len(rows[label]), label
    assert IngestRun.objects.filter(kind="demo").count() == 1
    assert IngestRun.objects.filter(kind="signal", status="succeeded").count() == 1
    assert IngestRun.objects.filter(kind="flood", status="succeeded").count() == 2  # two GFM passes
    assert RasterAsset.objects.count() == 4  # the DEM, two GFM passes, the discharge forecast
    assert User.objects.filter(username__in=roles.ALL).count() == len(roles.ALL)


def test_towers_serve_most_but_not_all_villages(demo):
    towers = list(CellTower.objects.all())
    assert {t.operator for t in towers} == {"viettel", "vnpt", "mobifone"}
    assert {t.technology for t in towers} == {"2G", "3G", "4G"}
    assert all(20 <= t.antenna_height_m <= 45 and 40 <= t.power_dbm <= 46 and 15 <= t.gain_dbi <= 18 for t in towers)
    assert all(t.band_mhz in (900, 1800, 2100) and t.cell_id for t in towers)
    omni = [t for t in towers if t.azimuth_deg is None]
    assert omni and all(t.beamwidth_deg == 360 for t in omni)
    assert all(65 <= t.beamwidth_deg <= 120 for t in towers if t.azimuth_deg is not None)
    assert len({t.cell_id for t in towers}) == len(towers)
    reach = IngestRun.objects.get(kind="demo").params["reach"]
    assert 0.95 <= reach["viettel"] < 1.0
    assert reach["vnpt"] < reach["viettel"] and reach["mobifone"] < reach["viettel"]
    # The hidden village has no tower within 3 km.
    far = _scalar(
        "SELECT max(d) FROM (SELECT min(ST_Distance(v.geom::geography, t.geom::geography)) d "
        "FROM places_village v, telecom_celltower t GROUP BY v.id) x"
    )
    assert far > 3_000


def test_cameras_parcels_and_complaints(demo):
    cameras = list(Camera.objects.all())
    assert 13 <= len(cameras) <= 17
    crossing = Camera.objects.get(kind="water_level")
    assert crossing.name == "Ngầm Sông Trường"
    assert (
        _scalar(
            "SELECT ST_Distance(c.geom::geography, r.geom::geography) FROM cameras_camera c, places_river r "
            "WHERE c.kind = 'water_level' AND r.name = 'Sông Trường'"
        )
        < 30
    )
    assert all(c.stream_url.startswith("rtsp://10.") for c in cameras)
    offline = [c for c in cameras if c.status == "offline"]
    online = [c for c in cameras if c.status == "online"]
    assert len(offline) >= 2 and min(c.last_seen_at for c in online) > max(c.last_seen_at for c in offline)

    parcels = Parcel.objects.all()
    assert 2_000 <= parcels.count() <= 3_500
    assert parcels.values("map_sheet", "parcel_number").distinct().count() == parcels.count()
    codes = set(parcels.values_list("land_use_code", flat=True))
    assert {"ODT", "DGT", "TMD", "CLN"} <= codes
    assert codes <= {"ODT", "CLN", "BHK", "DGT", "TMD", "DGD", "DYT", "SKC", "NTD", "TSC"}
    assert not parcels.filter(holder_name="").exists() and not parcels.filter(address="").exists()
    # area_m2 is metric (EPSG:3405), close to PostGIS's geodesic area.
    worst = _scalar("SELECT max(abs(area_m2 - ST_Area(geom::geography)) / area_m2) FROM parcels_parcel")
    assert worst < 0.005
    in_town = _scalar(
        "SELECT count(*) FROM parcels_parcel p JOIN places_commune c ON c.kind = 'town' "
        "WHERE ST_Within(ST_PointOnSurface(p.geom), c.geom)"
    )
    assert in_town == parcels.count()
    overlap = _scalar(
        "SELECT count(*) FROM parcels_parcel a JOIN parcels_parcel b ON a.id < b.id "
        "AND ST_Intersects(a.geom, b.geom) WHERE ST_Area(ST_Intersection(a.geom, b.geom)::geography) > 0.5"
    )
    assert overlap == 0

    complaints = list(Complaint.objects.all())
    assert 30 <= len(complaints) <= 50
    assert {c.category for c in complaints} <= CATEGORIES
    assert {c.status for c in complaints} <= {"received", "acknowledged", "in_progress", "resolved", "closed"}
    assert all(re.fullmatch(r"BTM-[A-Z0-9]{6}", c.tracking_code) for c in complaints)
    assert any(c.description == "<img src=x onerror=alert(1)>" for c in complaints)
    assert all(c.reporter_name and c.reporter_phone for c in complaints)
    # Routed like real reports: an office, a deadline, and workflow clocks in order.
    assert all(c.office_id and c.expected_at and c.expected_at > c.created_at for c in complaints)
    for c in complaints:
        assert (c.acknowledged_at is None) == (c.status == "received")
        assert (c.resolved_at is not None) == (c.status in ("resolved", "closed"))
        if c.resolved_at:
            assert c.created_at <= c.acknowledged_at <= c.resolved_at
    # Each resolved report carries one public answer (loaded twice: still one), dated when it was resolved.
    done = [c for c in complaints if c.resolved_at]
    assert done and all([(n.public, n.created_at) for n in c.notes.all()] == [(True, c.resolved_at)] for c in done)
    assert not Note.objects.exclude(complaint__in=done).exists()
    wrong = _scalar(
        "SELECT count(*) FROM feedback_complaint f LEFT JOIN places_commune c ON f.commune_id = c.id "
        "WHERE c.id IS NULL OR NOT ST_Intersects(c.geom, f.geom)"
    )
    assert wrong == 0


def test_firms_csv_has_the_exact_columns_and_lands_as_hotspots(demo):
    path = Path(demo["data_dir"]) / "demo" / "firms_viirs_snpp_demo.csv"
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == FIRMS_HEADER
    rows = list(csv.DictReader(text.splitlines()))
    assert 200 <= len(rows) <= 400
    assert all(not r["acq_time"].startswith("0") and 1 <= len(r["acq_time"]) <= 4 for r in rows)
    # The dry season (February-April), and a few fires of the days before the load.
    run = demo["second"]["run"]
    loaded_at = run.started_at
    season = [r for r in rows if r["acq_date"][5:7] in {"02", "03", "04"}]
    recent = [r for r in rows if r not in season]
    assert len(season) >= 200 and 5 <= len(recent) <= 30
    assert all((loaded_at.date() - date.fromisoformat(r["acq_date"])).days <= 7 for r in recent)
    assert {r["confidence"] for r in rows} <= {"l", "n", "h"}
    hotspots = Hotspot.objects.all()
    assert 0 < hotspots.count() <= len(rows)
    assert set(hotspots.values_list("source", flat=True)) == {"VIIRS_SNPP_NRT"}
    mapping = {"l": "low", "n": "nominal", "h": "high"}
    assert all(mapping[h.confidence_raw] == h.confidence for h in hotspots)
    first = min(rows, key=lambda r: (r["acq_date"], int(r["acq_time"])))
    earliest = hotspots.order_by("acquired_at").first().acquired_at
    hhmm = int(first["acq_time"])
    assert (earliest.hour, earliest.minute) == (hhmm // 100, hhmm % 100)
    in_forest = _scalar(
        "SELECT count(DISTINCT h.id) FROM fire_hotspot h JOIN places_forestarea f ON ST_DWithin(h.geom, f.geom, 0.01)"
    )
    assert in_forest == hotspots.count()


def test_demo_users_one_per_role_with_documented_passwords(demo):
    for role in roles.ALL:
        user = User.objects.get(username=role)
        assert user.check_password(f"demo-{role}")
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.email.endswith("@demo.bactramy.example")
        assert user.is_superuser == (role == roles.ADMIN) and user.is_staff == (role == roles.ADMIN)
        assert f"{role}" in demo["second"]["output"] and f"demo-{role}" in demo["second"]["output"]


def test_demo_hotspots_go_through_the_firms_ingester_into_events_and_alerts(demo):
    run = IngestRun.objects.get(kind="firms", status="succeeded")
    assert run.pk in demo["second"]["rows"]["ingest.IngestRun"]
    assert run.rows_rejected == 0 and run.rows_new == Hotspot.objects.filter(run=run).count() > 200
    # Every hotspot is in an event; the season's fires are out, the recent ones are alerted.
    assert HotspotLink.objects.count() == Hotspot.objects.count()
    events = FireEvent.objects.filter(merged_into__isnull=True)
    loaded_at = demo["second"]["run"].started_at
    assert events.filter(status="out").count() > 20
    live = events.filter(last_seen__gte=loaded_at - timedelta(hours=48))
    assert live.exclude(status="out").count() >= 2
    assert all(e.commune_id and e.nearest_village_id and e.in_forest for e in live)
    alerts = events.filter(alert_state="new")
    assert 2 <= alerts.count() <= live.count()
    printed = re.search(r"(\d+) fire events, (\d+) new fire alerts", demo["second"]["output"])
    assert printed and int(printed[1]) >= events.count() and int(printed[2]) == alerts.count()
    assert set(alerts.values_list("alert_rule__name", flat=True)) <= set(
        AlertRule.objects.values_list("name", flat=True)
    )
    assert Hotspot.objects.filter(acquired_at__gte=loaded_at - timedelta(days=7)).count() >= 5
    assert not Hotspot.objects.filter(acquired_at__gt=loaded_at).exists()


def test_drive_test_csv_goes_through_the_signal_importer_labelled_synthetic(demo):
    path = Path(demo["data_dir"]) / "demo" / "signal_drive_test_demo_synthetic.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "lon,lat,operator,technology,dbm,time,source,device"
    assert set(signal.REQUIRED) <= set(lines[0].split(","))
    rows = list(csv.DictReader(lines))
    run = IngestRun.objects.get(kind="signal", status="succeeded")
    assert run.pk in demo["second"]["rows"]["ingest.IngestRun"]
    assert run.rows_rejected == 0 and run.rows_new == len(rows) == SignalMeasurement.objects.count()
    printed = re.search(r"(\d+) signal measurements: SYNTHETIC drive test", demo["second"]["output"])
    assert printed and int(printed[1]) == len(rows)
    measurements = list(SignalMeasurement.objects.all())
    assert all(m.device.startswith("SYNTHETIC demo") for m in measurements)
    assert {m.source for m in measurements} == {"drive_test", "crowd"}
    for operator in ("viettel", "vnpt", "mobifone"):
        mine = [m for m in measurements if m.operator == operator and m.source == "drive_test"]
        per_tech = {tech: sum(m.technology == tech for m in mine) for tech in ("2G", "3G", "4G")}
        assert 300 <= len(mine) <= 1_500, operator
        assert per_tech["4G"] > per_tech["3G"] > 0 and per_tech["4G"] > per_tech["2G"] > 0, operator
    # "No signal" rows: an empty dbm in the file, null in the database; the rest within the phones' range.
    assert sum(r["dbm"] == "" for r in rows) == sum(m.dbm is None for m in measurements) > 50
    assert all(-122 <= m.dbm <= -25 for m in measurements if m.dbm is not None)
    # Crowd reports are all "no signal", around one village with no mast within 3 km (the hidden one).
    crowd = SignalMeasurement.objects.filter(source="crowd")
    assert 3 <= crowd.count() <= drivetest.CROWD_REPORTS and not crowd.filter(dbm__isnull=False).exists()
    villages = _scalar(
        "SELECT array_agg(DISTINCT v.id) FROM telecom_signalmeasurement m JOIN places_village v "
        "ON ST_DWithin(m.geom::geography, v.geom::geography, 500) WHERE m.source = 'crowd'"
    )
    assert len(villages) == 1
    assert (
        _scalar(
            "SELECT count(*) FROM telecom_signalmeasurement m, places_village v "
            "WHERE m.source = 'crowd' AND v.id = %s AND ST_DWithin(m.geom::geography, v.geom::geography, 500)",
            [villages[0]],
        )
        == crowd.count()
    )
    assert (
        _scalar(
            "SELECT min(ST_Distance(v.geom::geography, t.geom::geography)) FROM places_village v, telecom_celltower t "
            "WHERE v.id = %s",
            [villages[0]],
        )
        > 3_000
    )
    # The drive took place in the weeks before the load, on a few days.
    loaded_at = demo["second"]["run"].started_at
    assert all(loaded_at - timedelta(days=28) < m.measured_at < loaded_at for m in measurements)
    drive_days = {m.measured_at.date() for m in measurements if m.source == "drive_test"}
    assert 2 <= len(drive_days) <= 6


def test_drive_test_carries_the_operator_bias_against_its_truth_on_the_stored_dem(demo):
    """Measured minus the truth formula, recomputed from the stored towers and DEM: MobiFone runs low."""
    dem = RasterAsset.objects.get(kind="dem", synthetic=True)
    with rasterio.open(dem.path) as ds:
        heights = ds.read(1)
    ground = terrain.Terrain(elevation=heights, hand=heights, river_distance=heights, transform=None)
    towers = [
        {**t, "geom": shapely.Point(t["geom"].x, t["geom"].y)}
        for t in CellTower.objects.values(
            "operator",
            "technology",
            "antenna_height_m",
            "azimuth_deg",
            "beamwidth_deg",
            "band_mhz",
            "power_dbm",
            "gain_dbi",
            "geom",
        )
    ]
    rows = list(
        SignalMeasurement.objects.filter(source="drive_test").values_list("operator", "technology", "dbm", "geom")
    )
    x, y = frame.to_xy(np.array([g.x for *_, g in rows]), np.array([g.y for *_, g in rows]))
    truth = drivetest.truth(ground, towers, np.column_stack([x, y]))
    expected = np.array([truth[(op, tech)][i] for i, (op, tech, _, _) in enumerate(rows)])
    measured = np.array([np.nan if dbm is None else dbm for _, _, dbm, _ in rows])
    saturated = np.array([dbm == drivetest.CEILING_DBM[tech] for _, tech, dbm, _ in rows])
    operator = np.array([op for op, *_ in rows])
    residual = {}
    for op in ("viettel", "vnpt", "mobifone"):
        use = (operator == op) & np.isfinite(measured) & ~saturated
        r = measured[use] - expected[use]
        residual[op] = r.mean()
        assert 5.0 < r.std() < 9.0, op  # the log-normal shadowing (sigma 7 dB)
    assert abs(residual["viettel"]) < 2.0
    assert residual["mobifone"] < residual["vnpt"] < residual["viettel"]
    assert residual["viettel"] - residual["mobifone"] > 2.5
    # The rows without signal are where the truth is weak.
    assert np.nanmean(expected[np.isnan(measured)]) < np.nanmean(expected[np.isfinite(measured)]) - 20
