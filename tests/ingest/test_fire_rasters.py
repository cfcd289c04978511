"""Fire rasters: MOD14 fire mask to hotspots, MCD64A1 burn date to polygons, hostile files refused."""

from datetime import UTC, date, datetime

import numpy as np
import pytest
import rasterio
import rioxarray  # noqa: F401  (the .rio accessor)
import xarray as xr
from django.core.management import CommandError, call_command
from rasterio.transform import from_origin

from ingest import fire_rasters, raster_kinds, rasters
from ingest.models import IngestRun
from layers.fire.models import BurnedArea, Hotspot

pytestmark = pytest.mark.django_db
CELL = 0.01  # degrees


def write_tiff(path, data, *, crs="EPSG:4326", nodata=None, tags=None, origin=(108.10, 15.30), cell=CELL):
    """A real single-band GeoTIFF."""
    data = np.asarray(data)
    with rasterio.open(
        path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1, dtype=data.dtype,
        crs=crs, nodata=nodata, transform=from_origin(origin[0], origin[1], cell, cell),
    ) as ds:  # fmt: skip
        ds.write(data, 1)
        if tags:
            ds.update_tags(**tags)
    return str(path)


def fire_mask():
    mask = np.full((5, 6), 5, dtype="uint8")  # non-fire land
    mask[0, 0] = 3  # water
    mask[1, 1] = 7
    mask[2, 3] = 8
    mask[4, 5] = 9
    mask[3, 0] = 4  # cloud
    return mask


def test_fire_mask_classes_become_hotspots_at_pixel_centres(tmp_path):
    path = write_tiff(tmp_path / "MOD14.A2024070.0330.tif", fire_mask())
    run = fire_rasters.ingest_fire_mask(path)
    assert (run.status, run.rows_new) == ("succeeded", 3)
    spots = {h.confidence_raw: h for h in Hotspot.objects.all()}
    assert {k: v.confidence for k, v in spots.items()} == {"7": "low", "8": "nominal", "9": "high"}
    assert spots["8"].geom.x == pytest.approx(108.10 + 3.5 * CELL)
    assert spots["8"].geom.y == pytest.approx(15.30 - 2.5 * CELL)
    assert spots["9"].acquired_at == datetime(2024, 3, 10, 3, 30, tzinfo=UTC)  # day 70 of 2024
    assert (spots["7"].satellite, spots["7"].source, spots["7"].instrument) == ("Terra", "MOD14", "MODIS")
    assert run.params["classes"]["cloud"] == 1 and run.params["classes"]["water"] == 1
    # The same file again is a no-op; the same pixels in another file are duplicates.
    assert "đã được nạp ở lần chạy" in fire_rasters.ingest_fire_mask(path).message
    other = write_tiff(tmp_path / "copy.tif", fire_mask(), tags={"copy": "second download"})
    again = fire_rasters.ingest_fire_mask(other, acquired_at="2024-03-10T03:30Z")
    assert (again.rows_new, again.rows_duplicate) == (0, 3)
    assert Hotspot.objects.count() == 3


def test_fire_mask_in_a_projected_crs_lands_in_4326(tmp_path):
    mask = np.full((3, 3), 5, dtype="uint8")
    mask[1, 1] = 9
    # UTM 48N metres around Trà My; the pixel centre is (800150, 1700150) m.
    path = write_tiff(tmp_path / "utm.tif", mask, crs="EPSG:32648", origin=(800000, 1700300), cell=100)
    fire_rasters.ingest_fire_mask(path, satellite="Aqua", acquired_at="2024-03-10T06:15:00")
    spot = Hotspot.objects.get()
    assert 107.5 < spot.geom.x < 109 and 15 < spot.geom.y < 16
    assert spot.source == "MYD14"


def test_fire_mask_from_netcdf(tmp_path):
    lat = np.array([15.20, 15.21, 15.22])
    lon = np.array([108.10, 108.11, 108.12, 108.13])
    mask = np.full((3, 4), 5, dtype="uint8")
    mask[0, 2] = 8  # lat 15.20 (ascending file), lon 108.12
    ds = xr.Dataset({"FireMask": (("lat", "lon"), mask)}, coords={"lat": lat, "lon": lon}).rio.write_crs(4326)
    ds.to_netcdf(tmp_path / "MOD14.nc")
    fire_rasters.ingest_fire_mask(str(tmp_path / "MOD14.nc"), acquired_at="2024-03-10T03:30:00Z")
    spot = Hotspot.objects.get()
    assert (spot.geom.x, spot.geom.y) == (pytest.approx(108.12), pytest.approx(15.20))


def test_burn_date_becomes_polygons_by_date(tmp_path):
    burn = np.zeros((6, 6), dtype="int16")
    burn[0:2, 0:2] = 61  # 2024-03-01 (leap year)
    burn[4:6, 3:6] = 75  # 2024-03-15
    burn[3, 0] = -1
    burn[5, 0] = -2
    path = write_tiff(tmp_path / "MCD64A1.A2024061.tif", burn, nodata=-32768)
    run = raster_kinds.ingest(path, "burned-area")
    assert run.status == "succeeded" and run.rows_new == 2
    areas = {a.burn_date: a for a in BurnedArea.objects.all()}
    assert set(areas) == {date(2024, 3, 1), date(2024, 3, 15)}
    assert areas[date(2024, 3, 1)].pixel_count == 4
    # 4 cells of 0.01 degree at 15.3 N are about 4 x 1.07 km2 = 430 ha.
    assert 380 < areas[date(2024, 3, 1)].area_ha < 480
    assert areas[date(2024, 3, 15)].geom.contains(areas[date(2024, 3, 15)].geom.centroid)
    # The same tile in another file (new bytes): it replaces the earlier polygons, never adds to them.
    burn[0:2, 0:3] = 61
    again = write_tiff(tmp_path / "MCD64A1.A2024061.v2.tif", burn, nodata=-32768, tags={"version": "reprocessed"})
    assert raster_kinds.ingest(again, "burned-area").params["replaced"] == 2
    assert BurnedArea.objects.count() == 2
    assert BurnedArea.objects.get(burn_date=date(2024, 3, 1)).pixel_count == 6


def test_raster_without_crs_is_refused_with_a_failed_run(tmp_path):
    path = write_tiff(tmp_path / "MOD14.A2024070.0330.tif", fire_mask(), crs=None)
    with pytest.raises(rasters.RasterRefused, match="cần có hệ toạ độ"):
        fire_rasters.ingest_fire_mask(path)
    run = IngestRun.objects.get()
    assert run.status == "failed" and "cần có hệ toạ độ" in run.message
    assert Hotspot.objects.count() == 0


def test_truncated_geotiff_fails_the_run_and_writes_nothing(tmp_path):
    big = np.random.default_rng(3).choice([5, 7, 8, 9], size=(300, 300)).astype("uint8")
    path = tmp_path / "MOD14.A2024070.0330.tif"
    write_tiff(path, big)
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(rasters.RasterRefused):
        fire_rasters.ingest_fire_mask(str(path))
    assert IngestRun.objects.get().status == "failed"
    assert Hotspot.objects.count() == 0


def test_ingest_raster_command_and_kinds_table(tmp_path, capsys):
    path = write_tiff(tmp_path / "MOD14.A2024070.0330.tif", fire_mask())
    call_command("ingest_raster", path, "--kind", "fire-mask")
    assert "succeeded" in capsys.readouterr().out
    assert Hotspot.objects.count() == 3
    kinds = {"fire-mask", "burned-area", "flood", "flood-gfm", "flood-nrt", "discharge", "dem"}
    assert set(raster_kinds.KINDS) == kinds
    with pytest.raises(raster_kinds.UnknownKind):
        raster_kinds.handler("lava")
    no_year = write_tiff(tmp_path / "burn.tif", np.zeros((2, 2), "int16"))
    with pytest.raises(CommandError, match="cần có năm"):
        call_command("ingest_raster", no_year, "--kind", "burned-area")


SINUSOIDAL = "+proj=sinu +lon_0=0 +x_0=0 +y_0=0 +R=6371007.181 +units=m +no_defs"  # the MODIS tile grid


def test_fire_mask_in_the_modis_sinusoidal_grid_lands_in_4326(tmp_path):
    mask = np.full((4, 4), 5, dtype="uint8")
    mask[2, 1] = 8
    # A 4 km tile whose corner is Trà My (108.23 E, 15.35 N): x = R * lon * cos(lat), y = R * lat (radians).
    x0, y0 = 11_606_000.0, 1_707_000.0
    path = write_tiff(tmp_path / "MYD14.A2024070.0615.tif", mask, crs=SINUSOIDAL, origin=(x0, y0), cell=1000)
    run = fire_rasters.ingest_fire_mask(path)
    spot = Hotspot.objects.get()
    lon, lat = spot.geom.x, spot.geom.y
    assert 15.3 < lat < 15.4 and 108.15 < lon < 108.3
    # Back to the grid: the point is the centre of pixel (2, 1).
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", SINUSOIDAL, always_xy=True).transform(lon, lat)
    assert (x, y) == (pytest.approx(x0 + 1500, abs=0.01), pytest.approx(y0 - 2500, abs=0.01))
    assert (spot.satellite, run.params["acquired_at"]) == ("Aqua", "2024-03-10T06:15:00+00:00")


def test_burn_date_from_netcdf_in_a_projected_crs(tmp_path):
    # UTM 48N metres around Trà My, y descending as most grids are written; 500 m cells like MCD64A1.
    x = 800_250.0 + 500.0 * np.arange(6)
    y = 1_700_250.0 - 500.0 * np.arange(5)
    burn = np.zeros((5, 6), dtype="int16")
    burn[1:3, 1:4] = 70  # 2023-03-11
    burn[4, 5] = -2
    ds = xr.Dataset({"burn_date": (("y", "x"), burn)}, coords={"y": y, "x": x}).rio.write_crs("EPSG:32648")
    ds.to_netcdf(tmp_path / "MCD64A1.A2023060.h28v07.nc")
    run = raster_kinds.ingest(str(tmp_path / "MCD64A1.A2023060.h28v07.nc"), "burned-area")
    assert (run.status, run.rows_new, run.params["year"]) == ("succeeded", 1, 2023)
    area = BurnedArea.objects.get()
    assert (area.burn_date, area.pixel_count) == (date(2023, 3, 11), 6)
    assert 140 < area.area_ha < 160  # six 500 m cells = 150 ha
    assert 107.5 < area.geom.centroid.x < 109 and 15 < area.geom.centroid.y < 16


def test_netcdf_burn_date_without_a_crs_is_refused(tmp_path):
    burn = np.zeros((3, 3), dtype="int16")
    burn[1, 1] = 70
    xr.Dataset(
        {"burn_date": (("lat", "lon"), burn)}, coords={"lat": [15.2, 15.21, 15.22], "lon": [108.1, 108.11, 108.12]}
    ).to_netcdf(tmp_path / "MCD64A1.A2023060.nc")
    with pytest.raises(rasters.RasterRefused, match="cần có hệ toạ độ"):
        raster_kinds.ingest(str(tmp_path / "MCD64A1.A2023060.nc"), "burned-area")
    assert BurnedArea.objects.count() == 0 and IngestRun.objects.get().status == "failed"
