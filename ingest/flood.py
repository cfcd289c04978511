"""Flood water masks (Sentinel-1 / GFM style GeoTIFF, COG or NetCDF) into one FloodExtent per file.

A mask holds 1 for water, 0 for dry and a nodata value. The file is opened through
``ingest.rasters.open_checked`` (format allowlist, pixel cap before reading, a CRS the file itself
defines); water pixels are vectorised in the file's CRS, areas computed in VN-2000 / UTM 48N and
the outline stored in EPSG:4326.

Two kinds of bad input, two answers:
- refused (not a raster we read, no CRS, above the pixel cap): a ``FloodRefused`` is raised and
  nothing at all is written;
- damaged (a truncated or corrupt file that passes the first checks): the IngestRun is kept as
  ``failed`` with the reason, no FloodExtent is written, and the failed run is returned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction
from django.utils.translation import gettext as _
from pyproj import Transformer
from rasterio import features

from layers.flood.models import FloodExtent

from . import rasters, runs
from .models import IngestRun, RasterAsset

KIND = "flood"
MAX_PIXELS = 100_000_000
DRIVERS = ("GTiff", "COG", "netCDF")
METRIC_EPSG = 3405


class FloodRefused(rasters.RasterRefused):
    """A flood mask the platform will not read; nothing was written."""

    code = "flood_refused"
    status = 400


class NeedsCRS(FloodRefused):
    """A flood mask without a CRS: it needs a CRS, which is never assumed."""

    code = "needs_crs"


class FloodTooLarge(rasters.RasterTooLarge, FloodRefused):
    """A flood mask whose declared size is above the pixel cap."""

    code = "too_large"
    status = 413


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _already(sha: str, event: str) -> IngestRun | None:
    """The succeeded run that already stored this file for this event, if any."""
    return (
        IngestRun.objects.filter(kind=KIND, sha256=sha, status="succeeded", params__event=event).order_by("pk").first()
    )


def _to_epsg(crs_from, epsg: int):
    transformer = Transformer.from_crs(crs_from, epsg, always_xy=True)
    return lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1]))


def _multipolygon(geom) -> shapely.MultiPolygon:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    return shapely.MultiPolygon(parts)


def vectorise(water: np.ndarray, transform) -> shapely.MultiPolygon:
    """The water pixels (a boolean grid) as one MultiPolygon in the grid's CRS."""
    if not water.any():
        return shapely.MultiPolygon()
    shapes = features.shapes(water.astype(np.uint8), mask=water, transform=transform, connectivity=8)
    polys = [shapely.geometry.shape(geom) for geom, _ in shapes]
    return _multipolygon(shapely.union_all(polys))


def _refusal(exc: rasters.RasterRefused, name: str) -> FloodRefused | None:
    """The refusal to raise for a failed open, or None when the file is only damaged."""
    if isinstance(exc, rasters.RasterTooLarge):
        return FloodTooLarge(exc.message, field=exc.field)
    if exc.field == "crs":
        message = _("%(name)s: lớp mặt nạ ngập cần có hệ toạ độ (CRS); tệp không khai báo hệ nào") % {"name": name}
        return NeedsCRS(message, field="crs")
    if exc.field == "variable":
        return FloodRefused(exc.message, field="variable")
    return None


def ingest_path(
    path: str,
    *,
    event: str,
    observed_at: dt.datetime,
    source_product: str,
    water_values: tuple[int, ...] = (1,),
    variable: str | None = None,
    max_pixels: int = MAX_PIXELS,
    synthetic: bool = False,
    **options,
) -> IngestRun:
    """Vectorise one water mask into a FloodExtent and a RasterAsset(kind="flood"); returns the run."""
    file = Path(path)
    # Format and location first: a VRT or HTML renamed .tif, a URL or a missing file is refused.
    try:
        rasters.sniff(file)
    except rasters.RasterRefused as exc:
        raise FloodRefused(exc.message, field=exc.field) from exc
    if observed_at.tzinfo is None:
        message = _("observed_at phải có múi giờ (hệ thống lưu theo UTC)")
        raise FloodRefused(message, field="observed_at")
    if not event.strip():
        raise FloodRefused(_("Đợt ngập cần có tên"), field="event")
    params = {"event": event, "observed_at": observed_at.isoformat(), "source_product": source_product}
    sha = _sha256(file)
    replayed = _already(sha, event)
    if replayed is not None:  # the same file for the same event: a no-op that answers the first run
        return replayed
    run: IngestRun | None = None
    try:
        with rasters.open_checked(file, max_pixels=max_pixels, allowed_drivers=DRIVERS, variable=variable) as ds:
            run = runs.start(source_product[:60], KIND, file_name=file.name[:300], sha256=sha, params=params)
            band = rasters.read_masked(ds)
            facts = rasters.summarise(ds, band)
            valid = ~np.ma.getmaskarray(band)
            water = valid & np.isin(np.ma.getdata(band), water_values)
            outline = vectorise(water, ds.transform)
            to_metric = _to_epsg(ds.crs, METRIC_EPSG)
            area_km2 = float(shapely.area(shapely.transform(outline, to_metric))) / 1e6 if not outline.is_empty else 0.0
            lonlat = shapely.make_valid(shapely.transform(outline, _to_epsg(ds.crs, 4326)))
            lonlat = _multipolygon(lonlat)
            record = {
                "crs": ds.crs.to_string(),
                "width": ds.width,
                "height": ds.height,
                "bounds": rasters.bounds_4326(ds),
                "resolution": [abs(ds.transform.a), abs(ds.transform.e)],
                "nodata": None if ds.nodata is None else float(ds.nodata),
            }
    except rasters.RasterRefused as exc:
        refusal = _refusal(exc, file.name) if run is None else None
        if refusal is not None:
            raise refusal from exc
        if run is None:
            run = runs.start(source_product[:60], KIND, file_name=file.name[:300], sha256=sha, params=params)
        return runs.fail(run, exc.message)
    except Exception as exc:  # anything else once the run is open: record it, then let it surface
        if run is not None:
            runs.fail(run, f"{type(exc).__name__}: {str(exc)[:300]}")
        raise

    try:
        return _store(
            run, file, event, observed_at, source_product, params, facts, water, lonlat, area_km2, record, synthetic
        )
    except Exception as exc:  # a database or geometry error: the run must not stay "running"
        runs.fail(run, f"{type(exc).__name__}: {str(exc)[:300]}")
        raise


def _store(run, file, event, observed_at, source_product, params, facts, water, lonlat, area_km2, record, synthetic):
    """Write the FloodExtent and the RasterAsset in one transaction and close the run."""
    stats = {
        "water_pixels": int(water.sum()),
        "valid_pixels": facts["valid_pixels"],
        "pixels": facts["pixels"],
        "all_nodata": facts["all_nodata"],
        "nodata_defined": facts["nodata_defined"],
        "area_km2": round(area_km2, 4),
    }
    flags = []
    if facts["all_nodata"]:
        flags.append(_("mọi điểm ảnh đều là nodata"))
    if not facts["nodata_defined"]:
        flags.append(_("chưa khai báo giá trị nodata"))
    with transaction.atomic():
        # Two workers on the same file: the second waits here, then finds the first one's result.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"flood:{run.sha256}"])
        first = _already(run.sha256, event)
        if first is not None and first.pk != run.pk:
            message = _("Tệp này đã được nạp cho đợt ngập này ở lần chạy %(run)s") % {"run": first.pk}
            return runs.finish(run, read=facts["pixels"], new=0, duplicate=1, rejected=[], message=message)
        extent = None
        if not lonlat.is_empty:
            extent = FloodExtent.objects.create(
                event=event[:120],
                source_product=source_product[:120],
                observed_at=observed_at,
                area_km2=area_km2,
                geom=GEOSGeometry(memoryview(shapely.to_wkb(lonlat)), srid=4326),
            )
        RasterAsset.objects.create(
            kind=KIND,
            name=f"{event} {observed_at:%Y-%m-%d}"[:200],
            path=str(file.resolve()),
            stats=stats,
            synthetic=synthetic,
            run=run,
            **record,
        )
        new = 1 if extent else 0
        area = f"{area_km2:.2f}"
        if flags:
            message = _("%(area)s km² mặt nước; cần xem lại: %(flags)s") % {"area": area, "flags": "; ".join(flags)}
        else:
            message = _("%(area)s km² mặt nước") % {"area": area}
        run.params = {**params, "flood_extent_id": extent.pk if extent else None}
        return runs.finish(run, read=facts["pixels"], new=new, duplicate=0, rejected=[], message=message)
