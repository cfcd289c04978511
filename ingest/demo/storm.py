"""The demo storm: Copernicus GFM-style layers for two passes and a GloFAS-style discharge NetCDF.

The flood follows the terrain: pixels low above the Trường and Tranh beds (height above nearest
drainage) go under at the peak pass and fewer two days later; the river channels are reference
(permanent) water; a ridge band in the north-west is radar shadow (excluded); past the terrain grid is
no data. Files are named as GFM names them, so the ingester finds the layers and the time by itself."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import xarray as xr
from rasterio import features

from . import frame, utm_raster
from .geography import Geography
from .terrain import Terrain

EPSG = 32648
NODATA = 255
PIXEL_M = 30.0
TILE = "VV_SA020M_E051N012T3"
# (hours after the peak pass, height above the bed that floods, distance to the river in metres)
PASSES = ((0, 7.0, 900.0), (48, 3.5, 600.0))
RETURN_PERIODS = {"2": 900.0, "5": 1500.0, "20": 2400.0}


def _grids(t: Terrain, geo: Geography, hand_m: float, river_m: float) -> dict[str, np.ndarray]:
    """The four GFM layers on the terrain's lon/lat grid."""
    district = frame.geom_to_lonlat(geo.district)
    inside = features.geometry_mask([district], out_shape=t.shape, transform=t.transform, invert=True)
    core = frame.geom_to_lonlat(geo.district.buffer(-100.0))
    well_inside = features.geometry_mask([core], out_shape=t.shape, transform=t.transform, invert=True)
    water = (t.hand < hand_m) & (t.river_distance < river_m) & well_inside
    channel = (t.river_distance < 45.0) & well_inside
    rows, cols = t.shape
    shadow = np.zeros(t.shape, bool)
    shadow[: rows // 6, : cols // 5] = True  # a steep ridge the radar does not see
    shadow &= inside
    likelihood = np.clip(100.0 - (t.hand / hand_m) * 50.0, 0, 100).astype(np.uint8)
    likelihood[~well_inside] = 0
    likelihood[shadow] = NODATA
    # Around the district the satellite sees dry land (a GFM tile is larger than a district); the
    # unknown part is the radar shadow (and no data past the terrain grid, after reprojection).
    return {
        "ENSEMBLE_FLOOD": np.where(shadow, NODATA, water).astype(np.uint8),
        "REFERENCE_WATER": channel.astype(np.uint8),
        "EXCLUSION_MASK": shadow.astype(np.uint8),
        "ENSEMBLE_LIKELIHOOD": likelihood,
    }


def _write_utm(t: Terrain, grid: np.ndarray, path: Path, moment: dt.datetime) -> None:
    """One layer reprojected to UTM 48N at 30 m, written atomically."""
    tags = {"PRODUCT": "GFM (synthetic demo)", "TIFFTAG_DATETIME": f"{moment:%Y:%m:%d %H:%M:%S}"}
    utm_raster.write_uint8(t, grid, path, epsg=EPSG, pixel_m=PIXEL_M, nodata=NODATA, tags=tags, tiled=True)


def river_points(geo: Geography) -> list[dict]:
    """One forecast point in the middle of each main river inside the district."""
    points = []
    for name, line in sorted(geo.clipped_rivers.items()):
        if line.is_empty:
            continue
        middle = frame.geom_to_lonlat(line.interpolate(0.5, normalized=True))
        points.append({"lon": float(middle.x), "lat": float(middle.y), "name": f"{name} (giữa huyện)", "river": name})
    return points


def write_discharge(geo: Geography, path: Path, peak: dt.datetime) -> None:
    """A 0.05° daily discharge grid over the district for ten days around the peak, with rl2/rl5/rl20."""
    west, south, east, north = frame.geom_to_lonlat(geo.district).bounds
    lon = np.arange(np.floor(west * 20) / 20 - 0.025, east + 0.05, 0.05)
    lat = np.arange(np.ceil(north * 20) / 20 + 0.025, south - 0.05, -0.05)  # descending, as GloFAS writes it
    days = np.arange(-5, 5)
    start = np.datetime64(peak.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None), "ns")
    times = start + days * np.timedelta64(1, "D")
    # A flood wave: 300 m³/s base flow, 2,100 m³/s above it at the peak day, a day to rise and three to fall.
    wave = 300.0 + 2100.0 * np.exp(-np.where(days < 0, (days / 1.2) ** 2, (days / 2.5) ** 2))
    # Bigger downstream (east): the two rivers' points read different flows.
    share = 0.6 + 0.8 * (lon - lon.min()) / max(float(lon.max() - lon.min()), 1e-9)
    flow = (wave[:, None, None] * np.ones((1, lat.size, 1)) * share[None, None, :]).astype("float32")
    grid_mapping = {"grid_mapping": "crs"}
    data = xr.Dataset(
        {
            "dis24": (
                ("time", "lat", "lon"),
                flow,
                {"units": "m3 s-1", "long_name": "river discharge", **grid_mapping},
            ),
            **{
                f"rl{years}": (("lat", "lon"), np.full((lat.size, lon.size), value, "float32"), grid_mapping)
                for years, value in RETURN_PERIODS.items()
            },
        },
        coords={"time": times, "lat": lat, "lon": lon},
        attrs={"title": "GloFAS-style discharge forecast (synthetic demo)", "source": "geoplatform demo"},
    )
    data["crs"] = xr.DataArray(0, attrs={"spatial_ref": "EPSG:4326", "grid_mapping_name": "latitude_longitude"})
    tmp = path.with_suffix(".nc.part")
    data.to_netcdf(tmp)
    os.replace(tmp, path)


def write(t: Terrain, geo: Geography, out_dir: Path, peak: dt.datetime) -> dict:
    """Write the storm's files; what load_demo needs to ingest them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    passes = []
    for hours, hand_m, river_m in PASSES:
        moment = peak + dt.timedelta(hours=hours)
        stamp = f"{moment:%Y%m%dT%H%M%S}"
        for prefix, grid in _grids(t, geo, hand_m, river_m).items():
            _write_utm(t, grid, out_dir / f"{prefix}_{stamp}_{TILE}.tif", moment)
        passes.append({"path": str(out_dir / f"ENSEMBLE_FLOOD_{stamp}_{TILE}.tif"), "observed_at": moment})
    discharge = out_dir / "glofas_discharge_demo.nc"
    write_discharge(geo, discharge, peak)
    return {"passes": passes, "discharge": str(discharge), "points": river_points(geo), "path": passes[0]["path"]}
