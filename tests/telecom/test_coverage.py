"""Coverage runs end to end on a synthetic ridge: statuses, reasons, gaps, CRS, calibration, planning."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command

from geoplatform.errors import PlatformError
from ingest import dem
from layers.telecom import calibration, coverage, siteplans
from layers.telecom.models import CalibrationResult, CoverageGap, CoverageRun, SignalMeasurement, VillageCoverage
from tests.telecom import scene


def _run(given=None, **kwargs) -> CoverageRun:
    run = coverage.start(given, enqueue=False, **kwargs)
    return coverage.execute(run.pk)


def _status(run, village, operator="viettel", technology="4G") -> VillageCoverage:
    return VillageCoverage.objects.get(run=run, village=village, operator=operator, technology=technology)


def test_coverage_without_a_dem_is_refused_with_a_clear_error(db, tower, district):
    with pytest.raises(PlatformError, match="DEM") as caught:
        coverage.start({})
    assert caught.value.code == "dem_required"
    assert not CoverageRun.objects.exists()


def test_unknown_or_bad_parameters_are_refused(db, dem_asset):
    for given in ({"frobnicate": 1}, {"k_factor": "nan"}, {"crs": "EPSG:4326"}, {"thresholds": {"4G": [-120, -100]}}):
        with pytest.raises(PlatformError):
            coverage.start(given, enqueue=False)


def test_the_shadowed_village_is_explained_by_the_ridge_and_lies_in_a_gap(dem_asset, tower, district):
    run = _run()
    assert run.status == "succeeded", run.message
    assert run.progress == {"done": 1, "total": 1, "tower": "BTS Trà Sơn 1", "combo": "viettel 4G"}
    shadowed, open_ = _status(run, district["shadowed"]), _status(run, district["open"])
    assert open_.status == "covered" and open_.line_of_sight and open_.serving_tower == tower
    assert shadowed.status == "none" and not shadowed.line_of_sight
    assert shadowed.reason_code == "terrain_shadow"
    ridge_x, _ = scene.lonlat(scene.RIDGE_X, scene.TOWER_XY[1])
    assert shadowed.ridge.x == pytest.approx(ridge_x, abs=0.001)  # the ridge named is the one built
    assert shadowed.ridge_elevation_m > 750 and "ridge" in shadowed.reason
    gap = CoverageGap.objects.get(operator="viettel", technology="4G", severity="none")
    assert gap.run == run and gap.population == 420
    assert gap.geom.contains(district["shadowed"].geom)
    assert not gap.geom.contains(district["open"].geom)
    assert run.summary["combos"]["viettel/4G"] == {"covered": 1, "weak": 0, "none": 1, "towers": 1}
    assert coverage.figures(run)["share_covered_by_any"] == 0.5


def test_gaps_cover_residential_parcels_away_from_villages_but_not_farmland(dem_asset, tower, district):
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from layers.parcels.models import Parcel

    def parcel(number, code, x, y):
        corners = [scene.lonlat(x + dx, y + dy) for dx, dy in ((0, 0), (60, 0), (60, 60), (0, 60), (0, 0))]
        return Parcel.objects.create(
            map_sheet="T1", parcel_number=number, land_use_code=code, geom=MultiPolygon(Polygon(corners), srid=4326)
        )

    # 2.6 km north of the shadowed village (outside its 1 km buffer), in the ridge's shadow.
    home = parcel("1", "ONT", scene.SHADOWED_XY[0], scene.SHADOWED_XY[1] + 2600)
    field = parcel("2", "CLN", scene.SHADOWED_XY[0] - 300, scene.SHADOWED_XY[1] + 2600)
    run = _run()
    gap = CoverageGap.objects.get(run=run, severity="none")
    assert gap.geom.contains(home.geom.centroid)
    assert not gap.geom.intersects(field.geom.centroid.buffer(0.0001))
    assert gap.population == 420  # people are counted by village; the parcel adds area, not people
    # Without settlement codes the inhabited area is the village buffers only.
    bare = _run({"settlement_land_use": []})
    assert not CoverageGap.objects.get(run=bare, severity="none").geom.contains(home.geom.centroid)


def test_without_the_ridge_every_village_is_covered_and_runs_compare(tmp_path, dem_asset, tower, district):
    before = _run()
    dem.ingest_path(scene.write_utm(tmp_path / "flat.tif", ridge=False))
    from rasterstore.models import RasterAsset

    # A second DEM waits for its activation (viewsheds never change silently); the planner activates it.
    assert RasterAsset.active_dem() == dem_asset
    RasterAsset.objects.filter(kind="dem").latest("created_at").activate()
    after = _run()
    assert _status(after, district["shadowed"]).status == "covered"
    # The newest run replaced the gaps of the layer; the older run's statuses are kept.
    assert not CoverageGap.objects.filter(severity="none").exists()
    assert _status(before, district["shadowed"]).status == "none"
    diff = coverage.compare(before, after)
    assert diff["changes"] == [
        {
            "village_id": district["shadowed"].pk,
            "village": "Thôn shadowed",
            "commune": "Trà Sơn (test)",
            "lon": round(district["shadowed"].geom.x, 6),
            "lat": round(district["shadowed"].geom.y, 6),
            "operator": "viettel",
            "technology": "4G",
            "before": "none",
            "after": "covered",
        }
    ]


def test_sites_computed_in_threads_give_the_same_run_as_one_by_one(dem_asset, tower, district, monkeypatch):
    from layers.telecom.models import CellTower

    for name, xy in (("east", (scene.X0 + 5415, scene.Y0 - 3315)), ("north", (scene.X0 + 3000, scene.Y0 - 600))):
        CellTower.objects.create(name=name, operator="viettel", technology="4G", geom=Point(*scene.lonlat(*xy)))
    monkeypatch.setattr(coverage, "THREADS", 1)
    serial = _run()
    monkeypatch.setattr(coverage, "THREADS", 3)
    threaded = _run()
    assert serial.progress["done"] == threaded.progress["done"] == 3
    for key in ("shadowed", "open"):
        a, b = _status(serial, district[key]), _status(threaded, district[key])
        assert (a.status, a.best_dbm, a.serving_tower_id) == (b.status, b.best_dbm, b.serving_tower_id)
    assert _status(threaded, district["shadowed"]).serving_tower.name == "east"


def test_results_do_not_depend_on_the_crs_of_the_input_dem(tmp_path, tower, district):
    runs = {}
    for label, write in (
        ("utm", lambda p: scene.write_utm(p)),
        ("wgs84", lambda p: scene.write_wgs84(p)),
        ("vn2000", lambda p: scene.write_projected(p, "EPSG:3405")),
    ):
        dem.ingest_path(write(tmp_path / f"{label}.tif"))
        runs[label] = _run()
        assert runs[label].parameters["crs"] == "EPSG:3405"  # analysed in VN-2000 / UTM 48N
    for key in ("shadowed", "open"):
        a = _status(runs["utm"], district[key])
        for other in ("wgs84", "vn2000"):
            b = _status(runs[other], district[key])
            assert (a.status, a.reason_code) == (b.status, b.reason_code), (key, other)
            assert a.best_dbm == pytest.approx(b.best_dbm, abs=1.5), (key, other)
    assert _status(runs["vn2000"], district["shadowed"]).status == "none"


def test_a_weak_village_and_a_village_beyond_range_are_told_apart(dem_asset, tower, district):
    run = _run({"range_km": {"4G": 2.0}})
    far = _status(run, district["shadowed"])
    assert far.status == "none" and far.reason_code == "beyond_range" and "4.8 km" in far.reason


def test_calibration_reports_errors_and_a_fitted_offset_moves_the_prediction(dem_asset, tower, district):
    run = _run()
    predicted = _status(run, district["open"]).best_dbm
    when = datetime(2026, 10, 1, tzinfo=UTC)
    for dx in (0.0, 0.0003, -0.0003):
        SignalMeasurement.objects.create(
            operator="viettel",
            technology="4G",
            dbm=predicted - 6.0,
            measured_at=when,
            geom=Point(district["open"].geom.x + dx, district["open"].geom.y, srid=4326),
        )
    SignalMeasurement.objects.create(
        operator="viettel",
        technology="4G",
        dbm=None,
        source="complaint",
        measured_at=when,
        geom=district["shadowed"].geom,
    )
    (result,) = calibration.calibrate(run)
    assert (result.measurements, result.reports) == (3, 1)
    assert result.mean_error_db == pytest.approx(6.0, abs=1.0)
    assert result.rmse_db >= abs(result.mean_error_db)
    assert result.hit_rate == 1.0
    offsets = calibration.offsets([result])
    tuned = _run({"operator_offset_db": offsets})
    assert _status(tuned, district["open"]).best_dbm == pytest.approx(predicted + offsets["viettel"], abs=0.2)
    assert CalibrationResult.objects.filter(run=run).count() == 1


def test_plan_sites_adds_the_shadowed_village_and_the_what_if_run_shows_it(dem_asset, tower, district, capsys):
    base = _run()
    east_hill = {
        "name": "east hill",
        "lon": scene.lonlat(scene.X0 + 5415, scene.Y0 - 3315)[0],
        "lat": scene.lonlat(scene.X0 + 5415, scene.Y0 - 3315)[1],
    }
    west = {"name": "west plain", "lon": scene.lonlat(*scene.TOWER_XY)[0], "lat": scene.lonlat(*scene.TOWER_XY)[1]}
    plan = siteplans.plan(1, candidates=[west, east_hill], run=base, what_if=True)
    (site,) = plan.candidates.filter(rank=1)
    assert site.name == "east hill" and site.population_added == 420 == plan.population_added
    assert site.villages_added == [
        {"id": district["shadowed"].pk, "name": "Thôn shadowed", "commune": "Trà Sơn (test)", "population": 420}
    ]
    assert plan.upper_bound >= plan.population_added
    what_if = coverage.execute(plan.what_if_run_id)
    assert what_if.what_if and _status(what_if, district["shadowed"]).status == "covered"
    # A what-if run leaves the gap layer as the real run left it.
    assert CoverageGap.objects.get(severity="none").run == base
    call_command("plan_sites", "--k", "1", "--candidates", "hilltops", "--no-what-if", "--wifi")
    out = capsys.readouterr().out
    assert "+420 people" in out and "Thôn shadowed" in out and "households" in out


def test_wifi_ranking_skips_cultural_houses_with_wifi_and_ranks_by_households(dem_asset, tower, district, capsys):
    from layers.places.models import Village
    from layers.telecom.models import WifiPoint

    commune = district["open"].commune
    big = Village.objects.create(
        commune=commune, name="Thôn lớn", households=400, population=1700, geom=commune.geom.centroid
    )
    Village.objects.create(
        commune=commune, name="Thôn không nhà văn hoá", households=900, has_cultural_house=False, geom=big.geom
    )
    WifiPoint.objects.create(name="Wi-Fi Thôn open", village=district["open"], geom=district["open"].geom)
    _run()
    ranked = siteplans.wifi_priorities()
    # open has Wi-Fi; the 900-household village has no cultural house; shadowed (105 households) is last.
    assert [(r["rank"], r["village"], r["households"]) for r in ranked] == [
        (1, "Thôn lớn", 400),
        (2, "Thôn shadowed", 105),
    ]
    assert ranked[1]["mobile"] == "none"
    call_command("plan_sites", "--k", "1", "--no-what-if", "--wifi")
    wifi = capsys.readouterr().out.split("Wi-Fi: cultural houses", 1)[1]
    assert "1. Thôn lớn (Trà Sơn (test)): 400 households" in wifi
    assert wifi.index("Thôn lớn") < wifi.index("Thôn shadowed") and "Thôn open" not in wifi


def test_a_tower_or_village_off_the_terrain_model_is_named_not_guessed(dem_asset, tower, district):
    from layers.places.models import Village
    from layers.telecom.models import CellTower

    far = scene.lonlat(scene.X0 + 40_000, scene.Y0 - 3615)  # 40 km east: off the 7.2 km DEM
    CellTower.objects.create(name="BTS ngoài DEM", operator="viettel", technology="4G", geom=Point(*far))
    outside = Village.objects.create(
        commune=district["open"].commune, name="Thôn xa", population=80, geom=Point(*far, srid=4326)
    )
    run = _run()
    assert run.status == "succeeded" and run.summary["skipped_towers"] == ["BTS ngoài DEM"]
    assert run.progress["done"] == run.progress["total"] == 2
    record = _status(run, outside)
    assert record.status == "none" and "outside the terrain model" in record.reason
    assert _status(run, district["open"]).status == "covered"
