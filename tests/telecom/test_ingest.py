"""DEM, tower and measurement files in: what is kept, what is refused, and why."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from geoplatform.errors import PlatformError
from ingest import dem, signal, towers
from ingest.models import IngestRun, RasterAsset
from layers.telecom.models import CellTower, SignalMeasurement
from tests.telecom import scene

OCID_HEADER = "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal\n"


def test_a_dem_geotiff_becomes_the_newest_dem_asset(db, tmp_path):
    run = dem.ingest_path(scene.write_wgs84(tmp_path / "srtm.tif"), name="SRTM test")
    asset = RasterAsset.objects.get(run=run)
    assert run.status == "succeeded"
    assert asset.kind == "dem" and asset.crs == "EPSG:4326"
    west, south, east, north = asset.bounds
    assert 108.0 < west < east < 108.3 and 15.0 < south < north < 15.3
    assert 290 < asset.stats["min"] < asset.stats["max"] < 830


def test_ingest_raster_kind_dem_records_the_dem(db, tmp_path, capsys):
    from django.core.management import call_command

    call_command(
        "ingest_raster", scene.write_utm(tmp_path / "cop30.tif"), "--kind", "dem", "--option", "synthetic=false"
    )
    asset = RasterAsset.objects.get(kind="dem")
    assert asset.crs == "EPSG:32648" and (asset.width, asset.height) == (240, 240) and not asset.synthetic
    assert "succeeded" in capsys.readouterr().out


def test_a_dem_without_a_crs_is_refused_and_recorded_failed(db, tmp_path):
    path = tmp_path / "nocrs.tif"
    scene.write(path, np.full((20, 20), 100, dtype="float32"), from_origin(0, 20, 1, 1), None)
    with pytest.raises(PlatformError, match="CRS"):
        dem.ingest_path(str(path))
    assert not RasterAsset.objects.exists()
    assert IngestRun.objects.get(kind="dem").status == "failed"


def test_hostile_dem_files_are_refused_before_reading(db, tmp_path):
    good = scene.write_utm(tmp_path / "good.tif")
    cut = tmp_path / "cut.tif"
    cut.write_bytes(Path(good).read_bytes()[:3000])  # a GeoTIFF cut off halfway
    vrt = tmp_path / "vrt.tif"
    vrt.write_text(
        f'<VRTDataset rasterXSize="10" rasterYSize="10"><VRTRasterBand><SimpleSource>'
        f"<SourceFilename>{good}</SourceFilename></SimpleSource></VRTRasterBand></VRTDataset>"
    )
    feet = tmp_path / "wrong_unit.tif"
    scene.write(feet, np.full((10, 10), 25000, dtype="float32"), from_origin(830000, 1685000, 30, 30), "EPSG:32648")
    huge = tmp_path / "huge.tif"  # declares 100000 x 100000 float32 cells; sparse, so tiny on disk
    with rasterio.open(
        huge, "w", driver="GTiff", width=100000, height=100000, count=1, dtype="float32", crs="EPSG:32648",
        transform=from_origin(830000, 1685000, 30, 30), tiled=True, sparse_ok=True,
    ):  # fmt: skip
        pass
    assert huge.stat().st_size < 5_000_000
    with pytest.raises(PlatformError) as caught:
        dem.ingest_path(str(huge))
    assert caught.value.status == 413
    for path in (cut, vrt, feet):
        with pytest.raises(PlatformError):
            dem.ingest_path(str(path))
    assert not RasterAsset.objects.exists()
    assert set(IngestRun.objects.values_list("status", flat=True)) == {"failed"}


def test_opencellid_keeps_vietnamese_networks_flagged_approximate(db, tmp_path):
    path = tmp_path / "452.csv"
    path.write_text(
        OCID_HEADER
        + "LTE,452,4,12001,777001,0,108.23,15.21,1200,14,1,1500000000,1600000000,-95\n"
        + "GSM,452,2,300,45,0,108.25,15.18,3000,3,1,1500000000,1600000000,0\n"
        + "UMTS,452,1,300,46,0,108.26,15.19,2000,9,1,1500000000,1600000000,0\n"
        + "LTE,452,5,300,47,0,108.26,15.19,2000,9,1,1500000000,1600000000,0\n"  # Vietnamobile: not modelled
        + "LTE,404,4,300,48,0,77.2,28.6,2000,9,1,1500000000,1600000000,0\n"  # India
        + "NR,452,4,300,49,0,108.2,15.2,2000,9,1,1500000000,1600000000,0\n"
        + "LTE,452,4,300,50,0,1e999,15.2,2000,9,1,1500000000,1600000000,0\n"
    )
    run = towers.ingest_path(str(path))
    assert (run.rows_read, run.rows_new, run.rows_rejected) == (7, 3, 4)
    reasons = " ".join(r["reason"] for r in run.rejected)
    # Each reason names what was wrong (in the interface's language: the ingest messages are translated).
    assert "452-05" in reasons and "MCC 404" in reasons and "NR" in reasons and "1e999" in reasons
    viettel = CellTower.objects.get(cell_id="452-04-12001-777001")
    assert (viettel.operator, viettel.technology, viettel.source, viettel.approximate) == (
        "viettel",
        "4G",
        "opencellid",
        True,
    )
    assert set(CellTower.objects.values_list("operator", "technology")) == {
        ("viettel", "4G"),
        ("vnpt", "2G"),
        ("mobifone", "3G"),
    }
    again = towers.ingest_path(str(path))
    assert (again.rows_new, again.rows_duplicate) == (0, 3)
    assert CellTower.objects.count() == 3


def test_a_carrier_list_missing_a_column_is_refused_whole(db, tmp_path):
    path = tmp_path / "carrier.csv"
    path.write_text("name,operator,lon,lat\nA,viettel,108.2,15.2\n")
    with pytest.raises(PlatformError, match="technology"):
        towers.ingest_path(str(path), fmt="carrier")
    assert not CellTower.objects.exists()
    path.write_text(
        "name,operator,technology,lon,lat,antenna_height_m,azimuth_deg,beamwidth_deg\n"
        "Trà Sơn A,Vinaphone,3G,108.2,15.2,35,120,65\n"
        "bad height,viettel,4G,108.2,15.2,9000,,\n"
    )
    run = towers.ingest_path(str(path))
    tower = CellTower.objects.get()
    assert (tower.operator, tower.technology, tower.azimuth_deg, tower.band_mhz) == ("vnpt", "3G", 120.0, 2100.0)
    assert run.rows_rejected == 1 and "antenna_height_m" in run.rejected[0]["reason"]


def test_measurements_are_stored_in_utc_and_bad_rows_rejected(db, tmp_path):
    path = tmp_path / "drive.csv"
    path.write_text(
        "lon,lat,operator,technology,dbm,time\n"
        "108.21,15.21,viettel,LTE,-97.5,2026-10-01T08:00:00\n"
        "108.22,15.21,mobifone,3G,-88,2026-10-01T08:00:00+00:00\n"
        "108.22,15.21,mobifone,3G,+40,2026-10-01T08:00:00+00:00\n"
        "108.22,15.21,mobifone,5G,-90,2026-10-01T08:00:00+00:00\n"
        "108.22,15.21,mobifone,3G,-90,yesterday\n"
        "108.23,15.19,vnpt,4G,,2026-10-02T19:30:00\n"  # a "no mobile signal" citizen report
        "108.23,15.19,vnpt,4G,strong,2026-10-02T19:30:00\n"
    )
    run = signal.ingest_path(str(path))
    assert (run.rows_new, run.rows_rejected) == (3, 4)
    report = SignalMeasurement.objects.get(operator="vnpt")
    assert (report.dbm, report.source, report.technology) == (None, "complaint", "4G")
    first = SignalMeasurement.objects.get(operator="viettel")
    assert first.measured_at.hour == 1  # 08:00 in Hà Nội time is 01:00 UTC
    assert first.technology == "4G" and first.dbm == -97.5
    assert signal.ingest_path(str(path)).rows_duplicate == 3
