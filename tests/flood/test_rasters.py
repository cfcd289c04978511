"""ingest_raster --kind flood-gfm|flood-nrt|flood|discharge: every encoding, real files, through the command."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
import xarray as xr
from django.core.management import CommandError, call_command
from django.db import connection
from rasterio.transform import from_origin

from ingest import flood
from ingest.models import IngestRun
from layers.flood.models import DischargeSeries, DischargeValue, FloodEvent, FloodObservation
from rasterstore.models import RasterAsset

pytestmark = pytest.mark.django_db

# A 20 m UTM 48N grid over the Trường valley near Trà My town.
ORIGIN = (843_000.0, 1_703_000.0)
PIXEL_M2 = 400.0
STAMP = "20261024T113224"
GFM_REST = f"{STAMP}_VV_SA020M_E051N012T3.tif"


def tif(
    path,
    bands,
    *,
    crs="EPSG:32648",
    dtype="uint8",
    descriptions=None,
    tags=None,
    nodata=None,
    origin=ORIGIN,
    pixel=20.0,
):
    """Write a GeoTIFF of one or more 2-D arrays."""
    bands = [np.asarray(b) for b in bands]
    profile = {
        "driver": "GTiff",
        "width": bands[0].shape[1],
        "height": bands[0].shape[0],
        "count": len(bands),
        "dtype": dtype,
        "transform": from_origin(*origin, pixel, pixel),
    }
    if crs:
        profile["crs"] = crs
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as dst:
        for index, band in enumerate(bands, start=1):
            dst.write(band.astype(dtype), index)
            if descriptions:
                dst.set_band_description(index, descriptions[index - 1])
        if tags:
            dst.update_tags(**tags)
    return Path(path)


def gfm_layers(size=12):
    """Observed flood, reference water, exclusion, likelihood with known pixel counts."""
    observed = np.zeros((size, size), np.uint8)
    observed[2:6, 2:8] = 1  # 24 flood pixels
    observed[0, :] = 255  # 12 no-data pixels
    reference = np.zeros_like(observed)
    reference[2:4, 2:4] = 1  # 4 of the flood pixels are permanent water: not flood
    exclusion = np.zeros_like(observed)
    exclusion[10:12, 10:12] = 1  # 4 excluded pixels: unknown
    likelihood = np.where(observed == 1, 60, 10).astype(np.uint8)
    likelihood[4:6, 2:8] = 90  # 12 pixels above 70
    likelihood[0, :] = 255
    return observed, reference, exclusion, likelihood


def state(observation):
    with rasterio.open(observation.state_raster_path) as ds:
        return ds.read(1)


def ingest(*args):
    call_command("ingest_raster", *map(str, args), "--option", "min_pixels=0", "--option", "simplify=0")


def tile_of(point, z):
    """The XYZ tile holding a lon/lat point."""
    n = 2**z
    lat = np.radians(point.y)
    return z, int((point.x + 180) / 360 * n), int((1 - np.log(np.tan(lat) + 1 / np.cos(lat)) / np.pi) / 2 * n)


def png_pixels(response):
    """The RGBA pixels of a PNG answer."""
    from io import BytesIO

    from PIL import Image

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    return np.asarray(Image.open(BytesIO(response.content)).convert("RGBA"))


def counts():
    return (
        IngestRun.objects.count(),
        RasterAsset.objects.count(),
        FloodObservation.objects.count(),
        DischargeValue.objects.count(),
    )


def test_gfm_multiband_decodes_flood_permanent_water_exclusion_and_no_data(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    observed, reference, exclusion, likelihood = gfm_layers()
    path = tif(
        tmp_path / "gfm_storm.tif",
        [observed, reference, exclusion, likelihood, np.zeros_like(observed)],
        descriptions=[
            "ensemble_flood_extent",
            "reference_water_mask",
            "exclusion_mask",
            "ensemble_likelihood",
            "advisory_flags",
        ],
        tags={"PRODUCT": "GFM", "TIFFTAG_DATETIME": "2026:10:24 11:32:24"},
    )
    ingest(path, "--kind", "flood")  # product read from the tags and band names

    obs = FloodObservation.objects.get()
    assert obs.product == "gfm" and obs.observed_at == dt.datetime(2026, 10, 24, 11, 32, 24, tzinfo=dt.UTC)
    grid = state(obs)
    assert np.count_nonzero(grid == 1) == 20  # 24 observed minus 4 permanent water
    assert np.count_nonzero(grid == 2) == 4
    assert np.count_nonzero(grid == 255) == 12 + 4
    assert grid[3, 3] == 2 and grid[5, 5] == 1 and grid[11, 11] == 255 and grid[8, 8] == 0
    assert obs.flooded_area_m2 == pytest.approx(20 * PIXEL_M2, rel=0.01)  # UTM 48N vs VN-2000: same metres
    assert obs.unknown_area_m2 == pytest.approx(16 * PIXEL_M2, rel=0.01)
    asset = obs.asset
    assert asset.kind == "flood-gfm" and asset.product == "gfm" and len(asset.sha256) == 64
    assert asset.footprint.contains(obs.flooded) and "reference_water" in asset.encoding["values"]
    assert obs.event is not None and obs.event.max_extent.area > 0


def test_gfm_siblings_by_file_name_time_from_the_name_and_a_likelihood_threshold(tmp_path, settings, client):
    settings.DATA_DIR = tmp_path / "data"
    observed, reference, exclusion, likelihood = gfm_layers()
    for prefix, layer in (
        ("ENSEMBLE_FLOOD", observed),
        ("REFERENCE_WATER", reference),
        ("EXCLUSION_MASK", exclusion),
        ("ENSEMBLE_LIKELIHOOD", likelihood),
    ):
        tif(tmp_path / f"{prefix}_{GFM_REST}", [layer])
    ingest(tmp_path / f"ENSEMBLE_FLOOD_{GFM_REST}", "--kind", "flood-gfm", "--threshold", "70")

    obs = FloodObservation.objects.get()
    assert obs.observed_at == dt.datetime(2026, 10, 24, 11, 32, 24, tzinfo=dt.UTC)
    assert sorted(obs.params["layers"]) == ["exclusion", "likelihood", "observed", "reference"]
    grid = state(obs)
    assert np.count_nonzero(grid == 1) == 12  # only the 90 % pixels pass 70
    with rasterio.open(obs.likelihood_raster) as ds:
        assert ds.read(1)[5, 5] == 90 and ds.nodata == 255
    # Its likelihood as map tiles: the tile over the grid is drawn, one far away is empty.
    z, x, y = tile_of(obs.flooded.centroid, 16)
    drawn = png_pixels(client.get(f"/tiles/raster/flood-likelihood/{obs.pk}/{z}/{x}/{y}.png"))
    assert (drawn[..., 3] > 0).mean() > 0.05  # a 240 m grid in a 2.3 km tile
    empty = png_pixels(client.get(f"/tiles/raster/flood-likelihood/{obs.pk}/{z}/{x + 40}/{y}.png"))
    assert not empty[..., 3].any()


def test_nrt_values_and_the_day_from_the_modis_name(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    values = np.zeros((10, 10), np.uint8)
    values[0:2, :] = 1  # surface water: permanent, not flood
    values[2:4, :] = 2  # recurring flood
    values[4:5, :] = 3  # flood
    values[9, :] = 255  # insufficient data
    path = tif(
        tmp_path / "MCDWD_L3_F2_NRT.A2026297.h28v07.061.tif",
        [values],
        crs="EPSG:4326",
        origin=(108.2, 15.4),
        pixel=0.002,
    )
    ingest(path, "--kind", "flood-nrt")

    obs = FloodObservation.objects.get()
    assert obs.product == "nrt" and obs.observed_at == dt.datetime(2026, 10, 24, tzinfo=dt.UTC)
    grid = state(obs)
    assert [np.count_nonzero(grid == v) for v in (0, 1, 2, 255)] == [40, 30, 20, 10]


def test_a_sentinel1_mask_needs_a_time_and_takes_one_from_the_command_line(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    values = np.zeros((10, 10), np.uint8)
    values[3:7, 3:7] = 1
    values[0, :] = 200  # the nodata value
    path = tif(tmp_path / "s1_water.tif", [values], nodata=200)
    before = counts()
    with pytest.raises(CommandError, match="--time"):
        ingest(path, "--kind", "flood")
    assert counts() == before

    ingest(path, "--kind", "flood", "--time", "2026-10-25T22:50:00+07:00")
    obs = FloodObservation.objects.get()
    assert obs.product == "s1" and obs.observed_at == dt.datetime(2026, 10, 25, 15, 50, tzinfo=dt.UTC)
    grid = state(obs)
    assert [np.count_nonzero(grid == v) for v in (0, 1, 255)] == [74, 16, 10]


def test_the_same_file_twice_is_one_asset(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    path = tif(tmp_path / f"ENSEMBLE_FLOOD_{GFM_REST}", [gfm_layers()[0]])
    ingest(path, "--kind", "flood-gfm")
    ingest(path, "--kind", "flood-gfm")
    assert RasterAsset.objects.count() == 1 and FloodObservation.objects.count() == 1


def test_observations_of_one_area_within_the_window_are_one_event(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    first, second, later = np.zeros((3, 12, 12), np.uint8)
    first[2:5, 2:5] = 1
    second[6:9, 6:9] = 1
    later[2:4, 2:4] = 1
    for name, layer in (("20261024T113224", first), ("20261027T113224", second), ("20261201T113224", later)):
        tif(tmp_path / f"ENSEMBLE_FLOOD_{name}_VV_SA020M_E051N012T3.tif", [layer])
        ingest(tmp_path / f"ENSEMBLE_FLOOD_{name}_VV_SA020M_E051N012T3.tif", "--kind", "flood-gfm")

    events = list(FloodEvent.objects.order_by("started_at"))
    assert len(events) == 2
    storm = events[0]
    assert [o.observed_at.day for o in storm.timeline()] == [24, 27]
    assert storm.ended_at - storm.started_at == dt.timedelta(days=3)
    assert storm.max_flooded_area_m2 == pytest.approx(18 * PIXEL_M2, rel=0.01)  # both patches, the union
    assert events[1].observations.count() == 1


WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],'
    'UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]'
)
ENGINEERING_WKT = (
    'ENGCRS["Site",EDATUM["Site datum"],CS[Cartesian,2],'
    'AXIS["x",east,LENGTHUNIT["metre",1]],AXIS["y",north,LENGTHUNIT["metre",1]]]'
)


def discharge_nc(path, *, crs=True, coords=True, spatial_ref=None):
    """A GloFAS-style grid: dis24(time, lat, lon) over the valley, rl2/rl5 thresholds."""
    lat = np.array([15.45, 15.40, 15.35, 15.30])  # descending, as GloFAS writes it
    lon = np.array([108.15, 108.20, 108.25, 108.30])
    times = np.array(["2026-10-24", "2026-10-25", "2026-10-26"], dtype="datetime64[ns]")
    flow = np.arange(48, dtype="float32").reshape(3, 4, 4) * 10 + 100
    data = xr.Dataset(
        {
            "dis24": (("time", "lat", "lon"), flow, {"units": "m3 s-1", "grid_mapping": "crs"}),
            "rl2": (("lat", "lon"), np.full((4, 4), 250.0), {"grid_mapping": "crs"}),
            "rl5": (("lat", "lon"), np.full((4, 4), 400.0), {"grid_mapping": "crs"}),
        },
        coords={"time": times, "lat": lat, "lon": lon} if coords else {"time": times},
    )
    if crs:
        data["crs"] = xr.DataArray(0, attrs={"spatial_ref": spatial_ref or WGS84_WKT})
    else:
        for name in ("dis24", "rl2", "rl5"):
            del data[name].attrs["grid_mapping"]
    data.to_netcdf(path)
    return Path(path)


def test_discharge_series_at_river_points_with_return_period_thresholds(tmp_path):
    path = discharge_nc(tmp_path / "glofas.nc")
    call_command(
        "ingest_raster",
        str(path),
        "--kind",
        "discharge",
        "--points",
        "108.25,15.35,Ngầm Sông Trường,Sông Trường;109.9,10.0,Ngoài lưới",
    )
    series = DischargeSeries.objects.get()
    assert series.name == "Ngầm Sông Trường" and series.river == "Sông Trường"
    assert series.thresholds == {"2": 250.0, "5": 400.0}
    values = list(series.values.order_by("time").values_list("value", flat=True))
    # lat 15.35 is row 2, lon 108.25 column 2: cell 10, then +16 per day
    assert values == [200.0, 360.0, 520.0]
    assert RasterAsset.objects.get(kind="discharge").observed_at == dt.datetime(2026, 10, 24, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("maker", "field"),
    [
        ("no_crs", "crs"),
        ("huge", "path"),
        ("float_dtype", "dtype"),
        ("vrt_renamed", "path"),
    ],
)
def test_bad_flood_rasters_are_refused_and_nothing_is_written(tmp_path, settings, maker, field):
    settings.DATA_DIR = tmp_path / "data"
    layer = gfm_layers()[0]
    path = tmp_path / f"ENSEMBLE_FLOOD_{GFM_REST}"
    if maker == "no_crs":
        tif(path, [layer], crs=None)
    elif maker == "huge":
        huge = {"width": 100_000, "height": 100_000, "count": 4, "dtype": "float32", "crs": "EPSG:32648"}
        with rasterio.open(path, "w", driver="GTiff", transform=from_origin(*ORIGIN, 20, 20), sparse_ok=True, **huge):
            pass
        assert path.stat().st_size < 50_000_000
    elif maker == "float_dtype":
        tif(path, [layer * 0.37], dtype="float32")
    else:
        path.write_text('<VRTDataset rasterXSize="10" rasterYSize="10"></VRTDataset>')
    before = counts()
    with pytest.raises(CommandError):
        ingest(path, "--kind", "flood-gfm")
    with pytest.raises(flood.FloodRefused) as err:
        flood.ingest_gfm(str(path))
    assert err.value.field == field and err.value.message
    assert counts() == before
    assert not (tmp_path / "data" / "rasters" / "flood").exists() or not any(
        (tmp_path / "data" / "rasters" / "flood").iterdir()
    )


@pytest.mark.parametrize(
    "spatial_ref",
    [
        "+proj=longlat +ellps=WGS84 +nadgrids=/etc/passwd +no_defs",
        ENGINEERING_WKT,
        "+proj=pipeline +step +proj=axisswap +order=2,1",
    ],
)
def test_netcdf_crs_that_reads_files_or_is_no_place_is_refused(tmp_path, spatial_ref):
    path = discharge_nc(tmp_path / "odd.nc", spatial_ref=spatial_ref)
    before = counts()
    with pytest.raises(CommandError):
        call_command("ingest_raster", str(path), "--kind", "discharge", "--points", "108.25,15.35,Ngầm")
    assert counts() == before


@pytest.mark.parametrize("variant", ["no_crs", "no_coords"])
def test_netcdf_without_crs_or_coordinates_is_refused(tmp_path, variant):
    path = discharge_nc(tmp_path / "bad.nc", crs=variant != "no_crs", coords=variant != "no_coords")
    before = counts()
    with pytest.raises(CommandError):
        call_command("ingest_raster", str(path), "--kind", "discharge", "--points", "108.25,15.35,Ngầm")
    assert counts() == before


def test_every_kind_runs_from_manage_py_without_a_traceback(tmp_path):
    """The README's command line, as a person types it (a separate process)."""
    path = tif(tmp_path / "s1.tif", [gfm_layers()[0] % 2], nodata=255)
    db = connection.settings_dict
    url = f"postgis://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "GEOPLATFORM_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": url}
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "manage.py", "ingest_raster", str(path), "--kind", "flood"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    # Without a time the command refuses cleanly: a message naming --time, no traceback.
    assert done.returncode != 0 and "--time" in done.stderr and "Traceback" not in done.stderr


def test_a_netcdf_flood_grid_takes_its_time_and_product_from_the_file(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    water = np.zeros((1, 6, 6), "uint8")
    water[0, 2:4, 2:4] = 1
    data = xr.Dataset(
        {"water": (("time", "y", "x"), water, {"grid_mapping": "crs"})},
        coords={
            "time": np.array(["2026-10-26T10:00"], dtype="datetime64[ns]"),
            "y": ORIGIN[1] - 10 - 20 * np.arange(6),
            "x": ORIGIN[0] + 10 + 20 * np.arange(6),
        },
        attrs={"title": "Global Flood Monitoring (GFM) observed flood extent"},
    )
    data["crs"] = xr.DataArray(0, attrs={"spatial_ref": "EPSG:32648"})
    data.to_netcdf(tmp_path / "s1.nc")
    ingest(tmp_path / "s1.nc", "--kind", "flood")
    obs = FloodObservation.objects.get()
    assert obs.observed_at == dt.datetime(2026, 10, 26, 10, tzinfo=dt.UTC)
    assert obs.product == "gfm"  # from the NetCDF's title
    assert obs.flooded_area_m2 == pytest.approx(4 * PIXEL_M2, rel=0.01)


def test_strip_polygonize_joins_patches_cut_at_strip_lines_and_sieve_drops_speckle():
    from rasterio.transform import from_origin as origin
    from scipy import ndimage

    from layers.flood import vectorise

    rng = np.random.default_rng(1)
    mask = (ndimage.gaussian_filter(rng.normal(size=(600, 600)), 6) > 0.02).astype(np.uint8)
    _, components = ndimage.label(mask)  # 4-connected, as the polygonize
    geom = vectorise.polygons(mask, origin(843_000.5, 1_703_000.25, 20, 20), strip_rows=37)
    assert len(geom.geoms) == components and geom.is_valid
    assert geom.area == pytest.approx(mask.sum() * PIXEL_M2)
    speckled = mask.copy()
    speckled[rng.random(mask.shape) < 0.002] ^= 1
    assert np.array_equal(vectorise.sieve(speckled, 4), mask) or (vectorise.sieve(speckled, 4) != mask).mean() < 1e-3
