"""MODIS fire rasters in: the fire mask (MOD14/MYD14 FireMask) as hotspots, burned area (MCD64A1) as polygons.

Both open the file through ``ingest.rasters.open_checked`` (allowlisted formats, pixel cap, CRS
required), so a hostile or damaged file ends as a failed IngestRun with its reason and no rows.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from django.db import connection, transaction
from django.utils.translation import gettext as _

from . import rasters, runs
from .models import IngestRun, RasterAsset

# MOD14 FireMask classes: 7/8/9 are fire at low/nominal/high confidence.
FIRE_CLASSES = {7: "low", 8: "nominal", 9: "high"}
MASK_CLASSES = {3: "water", 4: "cloud", 5: "non_fire_land", 6: "unknown"}
_PRODUCT = re.compile(r"^(MOD14|MYD14|MCD64A1)", re.IGNORECASE)
_YEAR_DOY = re.compile(r"A(\d{4})(\d{3})")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run_guarded(kind: str, path: str, params: dict, work) -> IngestRun:
    """Open a run, do the work in one transaction, and on a refusal mark it failed and re-raise."""
    file = Path(path)
    sha = _sha256(file) if file.is_file() else ""
    run = runs.start(params.get("source") or kind, kind, file_name=file.name, sha256=sha, params=params)
    try:
        with transaction.atomic():
            earlier = IngestRun.objects.filter(kind=kind, sha256=sha, status="succeeded").exclude(pk=run.pk).first()
            if sha and earlier is not None:
                run.params = {**params, "replay_of": earlier.pk}
                message = _("Tệp này đã được nạp ở lần chạy %(run)s") % {"run": earlier.pk}
                return runs.finish(run, read=0, new=0, duplicate=0, rejected=[], message=message)
            return work(run)
    except rasters.RasterRefused as exc:
        runs.fail(run, exc.message)
        exc.run_id = run.pk
        raise
    except Exception as exc:
        runs.fail(run, f"{type(exc).__name__}: {exc}"[:2000])
        raise


def _when(path: Path, ds, given: str | None) -> datetime:
    """Acquisition time: the option, else the file's tags, else ``AYYYYDDD.HHMM`` in its name."""
    text = given or ds.tags().get("acquired_at") or ds.tags().get("ACQUISITION_TIME")
    if text:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            message = _("acquired_at %(value)s không đúng dạng ISO 8601") % {"value": repr(text)}
            raise rasters.RasterRefused(message, field="acquired_at") from exc
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    match = re.search(r"A(\d{4})(\d{3})\.(\d{2})(\d{2})", path.name)
    if match:
        year, doy, hh, mm = (int(g) for g in match.groups())
        return datetime(year, 1, 1, hh, mm, tzinfo=UTC) + timedelta(days=doy - 1)
    raise rasters.RasterRefused(
        _("Lớp mặt nạ cháy cần thời điểm chụp (tuỳ chọn acquired_at, thẻ trong tệp, hoặc AYYYYDDD.HHMM trong tên tệp)"),
        field="acquired_at",
    )


def _pixel_centres_4326(ds, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = ds.xy(rows, cols, offset="center")
    xs, ys = np.asarray(xs, dtype="float64"), np.asarray(ys, dtype="float64")
    if ds.crs.to_epsg() != 4326:
        from rasterio.warp import transform

        xs, ys = (np.asarray(v) for v in transform(ds.crs, "EPSG:4326", xs, ys))
    return xs, ys


def ingest_fire_mask(
    path: str,
    *,
    satellite: str | None = None,
    acquired_at: str | None = None,
    variable: str | None = None,
    max_pixels: int = rasters.DEFAULT_MAX_PIXELS,
    **_options,
) -> IngestRun:
    """MOD14/MYD14 FireMask (GeoTIFF or NetCDF): each fire pixel (7/8/9) becomes a hotspot at its centre."""
    file = Path(path)
    product = _PRODUCT.match(file.name).group(1).upper() if _PRODUCT.match(file.name) else "MOD14"
    satellite = satellite or ("Aqua" if product == "MYD14" else "Terra")
    if satellite not in ("Terra", "Aqua"):
        raise rasters.RasterRefused(_("Vệ tinh (satellite) phải là Terra hoặc Aqua"), field="satellite")
    source = "MYD14" if satellite == "Aqua" else "MOD14"
    params = {"source": source, "satellite": satellite}

    def work(run: IngestRun) -> IngestRun:
        with rasters.open_checked(path, max_pixels=max_pixels, variable=variable) as ds:
            moment = _when(file, ds, acquired_at)
            mask = rasters.read_masked(ds).filled(0).astype("int64")
            rows, cols = np.nonzero(np.isin(mask, list(FIRE_CLASSES)))
            classes = mask[rows, cols]
            lon, lat = _pixel_centres_4326(ds, rows, cols)
            counts = {name: int((mask == value).sum()) for value, name in {**MASK_CLASSES, **FIRE_CLASSES}.items()}
            _asset(ds, file, "fire-mask", run, counts)
        confidence = [FIRE_CLASSES[int(c)] for c in classes]
        new = _insert_hotspots(run, source, satellite, moment, lon, lat, confidence, classes)
        run.params = {**params, "acquired_at": moment.isoformat(), "classes": counts}
        return runs.finish(
            run,
            read=len(classes),
            new=new,
            duplicate=len(classes) - new,
            rejected=[],
            message=_("%(pixels)s điểm ảnh cháy, %(new)s điểm cháy mới") % {"pixels": len(classes), "new": new},
        )

    return _run_guarded("fire-mask", path, params, work)


def _insert_hotspots(run, source, satellite, moment, lon, lat, confidence, classes) -> int:
    if len(lon) == 0:
        return 0
    from .firms import lock_run

    with connection.cursor() as cursor:
        lock_run(cursor, run)
        cursor.execute(
            """
            WITH written AS (
              INSERT INTO fire_hotspot (source, satellite, instrument, acquired_at, confidence, confidence_raw,
                version, daynight, processing, processing_rank, lat_key, lon_key, run_id, created_at, updated_at, geom)
              SELECT %(source)s, %(satellite)s, 'MODIS', %(at)s, v.conf, v.raw, '', '', 'RASTER', 1,
                     round(v.lat * 10000)::int, round(v.lon * 10000)::int, %(run)s, now(), now(),
                     ST_SetSRID(ST_MakePoint(v.lon, v.lat), 4326)
              FROM unnest(%(lon)s::float8[], %(lat)s::float8[], %(conf)s::text[], %(raw)s::text[])
                AS v(lon, lat, conf, raw)
              ON CONFLICT ON CONSTRAINT fire_hotspot_detection_key DO NOTHING
              RETURNING 1
            ) SELECT count(*) FROM written
            """,
            {
                "source": source,
                "satellite": satellite,
                "at": moment,
                "run": run.pk,
                "lon": [float(v) for v in lon],
                "lat": [float(v) for v in lat],
                "conf": confidence,
                "raw": [str(int(c)) for c in classes],
            },
        )
        return cursor.fetchone()[0]


def _asset(ds, file: Path, kind: str, run: IngestRun, stats: dict) -> None:
    RasterAsset.objects.create(
        kind=kind,
        name=file.name[:200],
        path=str(file)[:500],
        crs=ds.crs.to_string(),
        width=ds.width,
        height=ds.height,
        bounds=rasters.bounds_4326(ds),
        resolution=list(ds.res),
        nodata=ds.nodata if ds.nodata is not None and np.isfinite(ds.nodata) else None,
        stats=stats,
        run=run,
    )


def _footprint_4326(ds) -> str:
    """The raster's extent as a WKT polygon in EPSG:4326 (edges densified, so curved in any CRS)."""
    from rasterio.warp import transform_geom
    from shapely.geometry import box, shape

    edge = box(*ds.bounds).segmentize(max(ds.bounds.right - ds.bounds.left, ds.bounds.top - ds.bounds.bottom) / 32)
    return shape(transform_geom(ds.crs, "EPSG:4326", edge.__geo_interface__)).wkt


def _year(file: Path, ds, given) -> int:
    if given:
        return int(given)
    tag = ds.tags().get("year")
    if tag and tag.isdigit():
        return int(tag)
    match = _YEAR_DOY.search(file.name)
    if match:
        return int(match.group(1))
    message = _("Vùng đã cháy cần có năm (tuỳ chọn year, thẻ trong tệp, hoặc AYYYYDDD trong tên tệp)")
    raise rasters.RasterRefused(message, field="year")


def ingest_burned_area(
    path: str,
    *,
    year: int | str | None = None,
    variable: str | None = None,
    max_pixels: int = rasters.DEFAULT_MAX_PIXELS,
    **_options,
) -> IngestRun:
    """MCD64A1 Burn Date (day of year 1-366; 0 unburned, -1 unmapped, -2 water) as polygons per burn date."""
    from rasterio.features import shapes
    from rasterio.warp import transform_geom
    from shapely.geometry import MultiPolygon, shape
    from shapely.ops import unary_union

    file = Path(path)
    params = {"source": "MCD64A1"}

    def work(run: IngestRun) -> IngestRun:
        with rasters.open_checked(path, max_pixels=max_pixels, variable=variable) as ds:
            the_year = _year(file, ds, year)
            data = rasters.read_masked(ds).filled(0).astype("int32")
            valid = (data >= 1) & (data <= 366)
            days = np.unique(data[valid])
            polygons = {}
            for doy in days:
                pieces = [
                    shape(transform_geom(ds.crs, "EPSG:4326", geom))
                    for geom, _ in shapes(data.astype("int32"), mask=data == doy, transform=ds.transform)
                ]
                merged = unary_union(pieces)
                multi = merged if merged.geom_type == "MultiPolygon" else MultiPolygon([merged])
                polygons[int(doy)] = (multi, int((data == doy).sum()))
            counts = {"burned": int(valid.sum()), "unmapped": int((data == -1).sum()), "water": int((data == -2).sum())}
            footprint = _footprint_4326(ds)
            _asset(ds, file, "burned-area", run, counts)
        rows = []
        for doy, (geom, pixels) in polygons.items():
            burn_date = date(the_year, 1, 1) + timedelta(days=doy - 1)
            if burn_date.year != the_year:
                continue  # day 366 of a common year is not a date
            rows.append((burn_date, pixels, geom.wkt))
        with connection.cursor() as cursor:
            # The same tile again (a second download, a reprocessed version): it replaces what an earlier file
            # said for these dates inside its footprint, so overlapping files never count an area twice.
            cursor.execute(
                "DELETE FROM fire_burnedarea WHERE source = 'MCD64A1' AND burn_date = ANY(%s)"
                " AND ST_Intersects(ST_PointOnSurface(geom), ST_GeomFromText(%s, 4326))",
                [[r[0] for r in rows], footprint],
            )
            replaced = cursor.rowcount
            for burn_date, pixels, wkt in rows:
                cursor.execute(
                    "INSERT INTO fire_burnedarea (source, burn_date, area_ha, pixel_count, run_id, geom)"
                    " SELECT 'MCD64A1', %s, ST_Area(g::geography) / 10000, %s, %s, g"
                    " FROM (SELECT ST_Multi(ST_GeomFromText(%s, 4326)) AS g) x",
                    [burn_date, pixels, run.pk, wkt],
                )
        run.params = {**params, "year": the_year, "classes": counts, "replaced": replaced}
        return runs.finish(
            run,
            read=int(valid.sum()),
            new=len(rows),
            duplicate=0,
            rejected=[],
            message=_("%(dates)s ngày cháy (thay %(replaced)s vùng đã có trước đó)")
            % {"dates": len(rows), "replaced": replaced},
        )

    return _run_guarded("burned-area", path, params, work)
