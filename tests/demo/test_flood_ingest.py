"""ingest.flood: water masks into FloodExtent; refusals write nothing, damaged files fail their run."""

import datetime as dt
import os

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from ingest import flood
from ingest.models import IngestRun, RasterAsset
from layers.flood.models import FloodExtent

OBSERVED = dt.datetime(2026, 10, 28, 22, 50, tzinfo=dt.UTC)
# A 30 m UTM 48N grid over Trà My town.
ORIGIN = (843_000.0, 1_703_000.0)


def _mask(path, *, crs="EPSG:32648", size=400, water=((100, 200), (120, 160)), **extra):
    """Write a uint8 water mask: a water rectangle (rows, cols) on dry land, nodata 255 in one corner."""
    data = np.zeros((size, size), np.uint8)
    (r0, r1), (c0, c1) = water
    data[r0:r1, c0:c1] = 1
    data[:20, :20] = 255
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": 1,
        "dtype": "uint8",
        "transform": from_origin(*ORIGIN, 30.0, 30.0),
        "nodata": 255,
        **extra,
    }
    if crs:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return path


def _counts():
    return IngestRun.objects.count(), FloodExtent.objects.count(), RasterAsset.objects.count()


def _ingest(path):
    return flood.ingest_path(str(path), event="test storm", observed_at=OBSERVED, source_product="S1 test")


@pytest.mark.django_db
def test_a_water_mask_in_utm_becomes_one_flood_extent_in_4326(tmp_path):
    run = _ingest(_mask(tmp_path / "mask.tif"))
    assert run.status == "succeeded", run.message
    extent = FloodExtent.objects.get()
    assert extent.geom.srid == 4326 and extent.geom.valid
    # 100 x 40 pixels of 30 m = 3.6 km²; UTM 48N and VN-2000 / UTM 48N agree within a fraction of a percent.
    assert extent.area_km2 == pytest.approx(3.6, rel=0.005)
    west, south, east, north = extent.geom.extent
    assert 108.0 < west < east < 108.6 and 15.2 < south < north < 15.5
    asset = RasterAsset.objects.get(kind="flood")
    assert asset.run_id == run.pk and asset.stats["water_pixels"] == 4_000
    assert asset.crs.endswith("32648") and asset.nodata == 255
    # The same file again for the same event: a no-op answering the first run.
    again = _ingest(tmp_path / "mask.tif")
    assert again.pk == run.pk
    assert FloodExtent.objects.count() == 1 and RasterAsset.objects.filter(kind="flood").count() == 1


@pytest.mark.django_db
def test_a_mask_without_crs_is_refused_and_nothing_is_written(tmp_path):
    before = _counts()
    with pytest.raises(flood.NeedsCRS) as err:
        _ingest(_mask(tmp_path / "nocrs.tif", crs=None))
    assert "cần có hệ toạ độ" in err.value.message and err.value.status == 400
    assert _counts() == before


@pytest.mark.django_db
def test_a_truncated_geotiff_fails_its_run_with_a_reason_and_stores_no_extent(tmp_path):
    path = _mask(tmp_path / "cut.tif", size=1_000, water=((100, 900), (100, 900)))
    size = os.path.getsize(path)
    with open(path, "r+b") as handle:
        handle.truncate(size // 2)
    before_extents = FloodExtent.objects.count()
    run = _ingest(path)
    assert run.status == "failed"
    assert run.message and "cut.tif" in run.message
    assert run.finished_at is not None
    assert FloodExtent.objects.count() == before_extents
    assert not RasterAsset.objects.filter(kind="flood").exists()
    assert IngestRun.objects.get(pk=run.pk).status == "failed"


@pytest.mark.django_db
def test_a_vrt_renamed_tif_and_an_oversized_raster_are_refused(tmp_path):
    before = _counts()
    vrt = tmp_path / "evil.tif"
    vrt.write_text('<VRTDataset rasterXSize="10" rasterYSize="10"><VRTRasterBand band="1"/></VRTDataset>')
    with pytest.raises(flood.FloodRefused):
        _ingest(vrt)
    # Declared 12,000 x 12,000 = 144 M pixels: refused after open, before any pixel is read.
    big = tmp_path / "big.tif"
    with rasterio.open(
        big,
        "w",
        driver="GTiff",
        width=12_000,
        height=12_000,
        count=1,
        dtype="uint8",
        crs="EPSG:32648",
        transform=from_origin(*ORIGIN, 30.0, 30.0),
        nodata=255,
        compress="deflate",
        tiled=True,
        sparse_ok=True,
    ):
        pass
    assert big.stat().st_size < 5_000_000
    with pytest.raises(flood.FloodTooLarge) as err:
        _ingest(big)
    assert err.value.status == 413
    assert _counts() == before


@pytest.mark.django_db
def test_an_all_dry_mask_succeeds_without_an_extent(tmp_path):
    run = _ingest(_mask(tmp_path / "dry.tif", water=((0, 0), (0, 0))))
    assert run.status == "succeeded" and run.rows_new == 0
    assert not FloodExtent.objects.exists()
    assert RasterAsset.objects.get(kind="flood").stats["water_pixels"] == 0


@pytest.mark.django_db
def test_an_all_nodata_mask_is_accepted_and_flagged(tmp_path):
    path = tmp_path / "empty.tif"
    _mask(path, water=((0, 0), (0, 0)))
    with rasterio.open(path, "r+") as ds:
        ds.write(np.full((400, 400), 255, np.uint8), 1)
    run = _ingest(path)
    assert run.status == "succeeded"
    assert "mọi điểm ảnh đều là nodata" in run.message
    assert RasterAsset.objects.get(kind="flood").stats["all_nodata"] is True
    assert not FloodExtent.objects.exists()


def _netcdf(path, *, with_crs: bool):
    import rioxarray  # noqa: F401  (the .rio accessor)
    import xarray as xr

    xs = ORIGIN[0] + 15.0 + 30.0 * np.arange(60)
    ys = ORIGIN[1] - 15.0 - 30.0 * np.arange(50)
    water = np.zeros((50, 60), np.uint8)
    water[10:30, 20:40] = 1
    array = xr.DataArray(water, coords={"y": ys, "x": xs}, dims=("y", "x"), name="water")
    if with_crs:
        array = array.rio.write_crs("EPSG:32648")
    array.to_dataset().to_netcdf(path, engine="netcdf4")
    return path


@pytest.mark.django_db
def test_netcdf_masks_need_a_grid_mapping(tmp_path):
    run = _ingest(_netcdf(tmp_path / "mask.nc", with_crs=True))
    assert run.status == "succeeded", run.message
    # 20 x 20 pixels of 30 m.
    assert FloodExtent.objects.get().area_km2 == pytest.approx(0.36, rel=0.005)
    before = _counts()
    with pytest.raises(flood.NeedsCRS):
        _ingest(_netcdf(tmp_path / "bare.nc", with_crs=False))
    assert _counts() == before
