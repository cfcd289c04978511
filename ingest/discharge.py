"""River discharge forecasts (GloFAS-style NetCDF: discharge over time on a grid) into series at river points.

The file is checked like every raster (format, declared size, coordinates, a plain CRS it defines);
values are read only at the district's river points (nearest cell), with return-period thresholds
from variables named ``rl2``, ``rl5``, ``rl20``… when the file has them. The file is catalogued as a
RasterAsset(kind="discharge"); the same file twice is one asset.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
from django.contrib.gis.geos import Point, Polygon
from django.db import transaction
from django.utils.translation import gettext as _
from pyproj import Transformer

from layers.flood.models import DischargeSeries, DischargeValue
from rasterstore import opening
from rasterstore.models import RasterAsset

from . import runs
from .flood import FloodRefused, sha256
from .models import IngestRun

VARIABLES = ("dis24", "dis", "discharge", "river_discharge", "dis06")
_THRESHOLD = re.compile(r"^(?:rl|rp|return_period_?|threshold_?)(\d+)y?$", re.IGNORECASE)
MAX_CELLS = 50_000_000
MAX_TIMES = 10_000


class DischargeRefused(FloodRefused):
    """A discharge file the platform will not read; nothing was written."""

    code = "discharge_refused"


def parse_points(points) -> list[dict]:
    """River points from "lon,lat,name;lon,lat,name" text or a list of dicts/tuples (lon, lat, name[, river])."""
    if points in (None, ""):
        return []
    items = points
    if isinstance(points, str):
        items = [p.split(",", 3) for p in points.split(";") if p.strip()]
    out = []
    for item in items:
        if isinstance(item, dict):
            lon, lat, name, river = item.get("lon"), item.get("lat"), item.get("name"), item.get("river", "")
        else:
            lon, lat, name, river = (list(item) + ["", ""])[:4]
        try:
            lon, lat = float(lon), float(lat)
        except (TypeError, ValueError) as exc:
            raise DischargeRefused(_("Điểm sông cần kinh độ, vĩ độ là số"), field="points") from exc
        if not (-180 <= lon <= 180 and -90 <= lat <= 90) or not str(name or "").strip():
            raise DischargeRefused(_("Điểm sông cần kinh độ, vĩ độ hợp lệ và một tên"), field="points")
        out.append({"lon": lon, "lat": lat, "name": str(name).strip()[:160], "river": str(river or "").strip()[:120]})
    return out


def _known_points() -> list[dict]:
    return [
        {"lon": s.geom.x, "lat": s.geom.y, "name": s.name, "river": s.river}
        for s in DischargeSeries.objects.order_by("pk")
    ]


def _pick(dataset, variable: str | None, name: str):
    if variable:
        if variable not in dataset.data_vars:
            message = _("%(name)s: không có biến %(variable)s") % {"name": name, "variable": repr(variable)}
            raise DischargeRefused(message, field="variable")
        return dataset[variable]
    for candidate in VARIABLES:
        if candidate in dataset.data_vars:
            return dataset[candidate]
    message = _("%(name)s: không thấy biến lưu lượng (%(names)s); hãy chọn --variable")
    raise DischargeRefused(message % {"name": name, "names": ", ".join(VARIABLES)}, field="variable")


def _times(array, name: str) -> list[dt.datetime]:
    time_dim = next((d for d in array.dims if "time" in str(d).lower() or str(d).lower() == "step"), None)
    if time_dim is None or time_dim not in array.coords:
        message = _("%(name)s: biến %(variable)s không có trục thời gian") % {"name": name, "variable": array.name}
        raise DischargeRefused(message, field="time")
    values = np.asarray(array[time_dim].values)
    if not np.issubdtype(values.dtype, np.datetime64):
        raise DischargeRefused(_("%(name)s: trục thời gian không giải mã được") % {"name": name}, field="time")
    return time_dim, [np.datetime64(v, "s").astype(dt.datetime).replace(tzinfo=dt.UTC) for v in values]


def read(path: Path, points: list[dict], variable: str | None = None) -> dict:
    """Series at the points: {name: {"times", "values", "thresholds", "lon", "lat", "river"}}, and the grid facts."""
    import rioxarray  # noqa: F401  (registers the .rio accessor)
    import xarray as xr

    name = path.name
    try:
        dataset = xr.open_dataset(path, decode_coords="all", mask_and_scale=True, cache=False)
    except Exception as exc:  # xarray raises many types for a damaged or foreign file
        message = _("%(name)s: không đọc được như NetCDF (%(detail)s)") % {"name": name, "detail": str(exc)[:200]}
        raise DischargeRefused(message, field="path") from exc
    with dataset:
        array = _pick(dataset, variable, name)
        lat, lon = opening.grid_dims(array)
        if lat is None or lon is None or lat not in array.coords or lon not in array.coords:
            message = _("%(name)s: biến %(variable)s không có toạ độ vĩ độ/kinh độ (y/x)")
            raise DischargeRefused(message % {"name": name, "variable": array.name}, field="variable")
        cells = array.sizes[lat] * array.sizes[lon]
        time_dim, times = _times(array, name)
        if cells > MAX_CELLS or len(times) > MAX_TIMES:
            raise DischargeRefused(_("%(name)s: lưới quá lớn") % {"name": name}, field="path")
        try:
            crs = opening.netcdf_crs(dataset, array, name)
        except opening.RasterRefused as exc:
            raise DischargeRefused(exc.message, field="crs") from exc
        to_grid = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        xs, ys = array[lon].values, array[lat].values
        thresholds = {
            m.group(1): dataset[v]
            for v in dataset.data_vars
            if (m := _THRESHOLD.match(str(v))) and dataset[v].ndim == 2
        }
        series = {}
        for point in points:
            x, y = to_grid.transform(point["lon"], point["lat"])
            if crs.is_geographic:
                x = ((x + 180.0) % 360.0) - 180.0 if xs.max() <= 180 else x % 360.0
            step_x = abs(float(xs[1] - xs[0])) if xs.size > 1 else 0
            step_y = abs(float(ys[1] - ys[0])) if ys.size > 1 else 0
            inside = (
                xs.min() - step_x / 2 <= x <= xs.max() + step_x / 2
                and ys.min() - step_y / 2 <= y <= ys.max() + step_y / 2
            )
            if not inside:
                continue
            cell = {lon: x, lat: y}
            values = np.asarray(array.sel(cell, method="nearest").transpose(time_dim).values, dtype=float)
            point_thresholds = {}
            for years, grid in thresholds.items():
                value = float(grid.sel(cell, method="nearest").values)
                if np.isfinite(value):
                    point_thresholds[years] = round(value, 3)
            series[point["name"]] = {**point, "times": times, "values": values, "thresholds": point_thresholds}
        west, east = float(xs.min()), float(xs.max())
        south, north = float(ys.min()), float(ys.max())
        to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        lons, lats = to_lonlat.transform([west, east, east, west], [south, south, north, north])
        facts = {
            "variable": str(array.name),
            "units": str(array.attrs.get("units", "m3 s-1")),
            "crs": crs.to_string(),
            "width": int(array.sizes[lon]),
            "height": int(array.sizes[lat]),
            "bounds": [min(lons), min(lats), max(lons), max(lats)],
            "resolution": [abs(float(xs[1] - xs[0])), abs(float(ys[1] - ys[0]))],
            "times": len(times),
            "first_time": times[0] if times else None,
        }
    return {"series": series, "facts": facts}


def ingest_path(
    path: str, *, points=None, variable: str | None = None, synthetic: bool = False, **ignored
) -> IngestRun:
    """A discharge NetCDF into DischargeSeries/DischargeValue at the river points; returns the run."""
    file = Path(path)
    try:
        kind = opening.sniff(file)
    except opening.RasterRefused as exc:
        raise DischargeRefused(exc.message, field=exc.field) from exc
    if kind == "tiff":
        raise DischargeRefused(_("%(name)s: lưu lượng cần tệp NetCDF") % {"name": file.name}, field="path")
    wanted = parse_points(points) or _known_points()
    if not wanted:
        message = _("Chưa có điểm sông nào: hãy cho --points 'kinh độ,vĩ độ,tên;…'")
        raise DischargeRefused(message, field="points")
    sha = sha256(file)
    first = RasterAsset.objects.filter(sha256=sha).select_related("run").first()
    if first is not None and first.run is not None:
        return first.run
    result = read(file, wanted, variable)
    if not result["series"]:
        raise DischargeRefused(_("%(name)s: không điểm sông nào nằm trong lưới") % {"name": file.name}, field="points")
    facts = result["facts"]
    params = {"variable": facts["variable"], "points": [p["name"] for p in wanted]}
    with transaction.atomic():
        run = runs.start("GloFAS", "discharge", file_name=file.name[:300], sha256=sha, params=params)
        west, south, east, north = facts["bounds"]
        asset = RasterAsset.objects.create(
            kind="discharge",
            name=f"Lưu lượng {facts['first_time']:%Y-%m-%d}"[:200],
            path=str(file.resolve()),
            crs=facts["crs"],
            width=facts["width"],
            height=facts["height"],
            bounds=facts["bounds"],
            resolution=facts["resolution"],
            stats={"times": facts["times"], "points": len(result["series"])},
            synthetic=synthetic,
            run=run,
            product="glofas",
            observed_at=facts["first_time"],
            footprint=Polygon.from_bbox((west, south, east, north)),
            encoding={
                "variable": facts["variable"],
                "units": facts["units"],
                "thresholds": "return period years → m³/s",
            },
            sha256=sha,
        )
        new = 0
        for data in result["series"].values():
            series, _created = DischargeSeries.objects.update_or_create(
                name=data["name"],
                defaults={
                    "river": data["river"],
                    "geom": Point(data["lon"], data["lat"], srid=4326),
                    "thresholds": data["thresholds"],
                    "asset": asset,
                },
            )
            rows = [
                DischargeValue(series=series, time=t, value=float(v))
                for t, v in zip(data["times"], data["values"], strict=True)
                if np.isfinite(v)
            ]
            DischargeValue.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["series", "time"], update_fields=["value"]
            )
            new += len(rows)
        message = _("%(n)s giá trị lưu lượng tại %(p)s điểm sông") % {"n": new, "p": len(result["series"])}
        return runs.finish(run, read=new, new=new, duplicate=0, rejected=[], message=message)
