"""Write a large export to a file under DATA_DIR/exports, in pieces read through a server-side cursor.

The same columns, filters and formats as the synchronous export (layers.api.exports), for the job's
user as they are when the job runs; at most ``max_rows()`` rows. The file is written in a temporary
folder next to its final place and renamed into it, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import os
import shutil
import warnings
import zipfile
from pathlib import Path

import pyogrio
import shapely
from django.conf import settings
from django.db import connection, transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from geoplatform.errors import NotFound, TooLarge
from layers.api import columns, exports, params, sql
from layers.registry import registry

PIECE_ROWS = 5000  # rows read and written at a time
MAX_ROWS = 2_000_000


def max_rows() -> int:
    """The most rows one background export writes (GEOPLATFORM_EXPORT_JOB_MAX_ROWS)."""
    return int(getattr(settings, "GEOPLATFORM_EXPORT_JOB_MAX_ROWS", MAX_ROWS))


def folder() -> Path:
    """Where finished export files live."""
    return Path(settings.DATA_DIR) / "exports"


def query_dict(query: dict[str, list[str]]) -> QueryDict:
    """The stored request parameters as Django's QueryDict again."""
    out = QueryDict(mutable=True)
    for name, values in query.items():
        out.setlist(name, list(values))
    return out


def readable_layer(slug: str, user):
    """The layer when this user (still) exists, is active and may read it; otherwise a 404."""
    layer = registry.get(slug)
    if layer is None or user is None or not user.is_active or not layer.can_read(user):
        raise NotFound(_("Không có lớp dữ liệu %(layer)s") % {"layer": repr(slug[:60])}, field="layer")
    return layer


def too_many(cap: int) -> TooLarge:
    """The refusal of an export above the background cap."""
    message = _("Hơn %(max)s đối tượng khớp điều kiện: hãy thu hẹp phạm vi xuất bằng bbox hoặc bộ lọc")
    return TooLarge(message % {"max": cap})


def _count(layer, query, cap: int) -> int:
    clause, args = sql.where(layer, query)
    statement = f"SELECT count(*) FROM (SELECT 1 FROM {sql.table(layer)} t WHERE {clause} LIMIT %s) s"  # noqa: S608 - registry identifiers only
    with connection.cursor() as cursor:
        cursor.execute(statement, [*args, cap + 1])
        return cursor.fetchone()[0]


def _pieces(statement: str, args: list):
    """Lists of at most PIECE_ROWS rows of ``statement``, read through a server-side cursor."""
    with transaction.atomic():
        connection.ensure_connection()
        with connection.connection.cursor(name="job_export") as server:
            server.execute(statement, args)
            while rows := server.fetchmany(PIECE_ROWS):
                yield rows


def _geojson(layer, cols, query, cap: int, target: Path) -> int:
    clause, args = sql.where(layer, query)
    statement = (
        f"SELECT {sql.feature_sql(layer, cols, query.out_srid, query.out_lat_first)}::text FROM {sql.table(layer)} t "  # noqa: S608
        f"WHERE {clause} ORDER BY {sql.order_by(layer, query)} LIMIT %s"
    )
    written = 0
    with open(target, "wb") as sink:
        sink.write(('{"type":"FeatureCollection","name":"' + layer.slug + '","features":[').encode())
        for rows in _pieces(statement, [*args, cap]):
            text = ",".join(row[0] for row in rows)
            sink.write((text if not written else "," + text).encode())
            written += len(rows)
        sink.write(b"]}")
    return written


def _row_statement(layer, cols, query, cap: int) -> tuple[str, list]:
    clause, args = sql.where(layer, query)
    names = "".join(f", t.{sql.qn(c.column)}" for c in cols)
    statement = (
        f"SELECT {sql.pk(layer)}, ST_AsBinary({sql.geom(layer)}){names} FROM {sql.table(layer)} t "  # noqa: S608 - registry identifiers only
        f"WHERE {clause} ORDER BY {sql.order_by(layer, query)} LIMIT %s"
    )
    return statement, [*args, cap]


def _csv(layer, cols, query, cap: int, target: Path) -> int:
    points = layer.geometry_type == "Point"
    written = 0
    # BOM: Excel then reads Vietnamese correctly (as the synchronous export).
    with open(target, "w", encoding="utf-8-sig", newline="") as sink:
        writer = csv.writer(sink)
        writer.writerow(["id", *[c.name for c in cols], *(["lon", "lat"] if points else ["wkt"])])
        for rows in _pieces(*_row_statement(layer, cols, query, cap)):
            shapes = shapely.from_wkb([bytes(r[1]) for r in rows])
            for row, shape in zip(rows, shapes, strict=True):
                cells = [row[0], *[exports._csv_cell(v) for v in row[2:]]]
                if points:
                    cells += [round(shape.x, 7), round(shape.y, 7)]
                else:
                    cells.append(shapely.to_wkt(shape, rounding_precision=7))
                writer.writerow(cells)
            written += len(rows)
    return written


def _ogr(layer, cols, query, cap: int, target: Path, driver: str) -> int:
    import geopandas as gpd

    kml, shapefile = driver == "KML", driver == "ESRI Shapefile"
    renames = exports.shapefile_names(["id", *[c.name for c in cols]]) if shapefile else None

    def write(rows: list, append: bool) -> None:
        frame = exports._frame(cols, rows, times_as_text=kml or shapefile, small_ints=kml)
        if renames:
            frame = frame.rename(columns=renames)
        shapes = shapely.from_wkb([bytes(r[1]) for r in rows]) if rows else []
        gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(shapes, crs=4326), crs=4326)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # dBASE name truncation, said for every long name
            pyogrio.write_dataframe(
                gdf,
                target,
                driver=driver,
                layer=target.stem,
                geometry_type=layer.geometry_type,
                dataset_options=None if append else exports.DATASET_OPTIONS.get(driver),
                append=append,
            )

    written = 0
    for rows in _pieces(*_row_statement(layer, cols, query, cap)):
        write(rows, append=written > 0)
        written += len(rows)
    if not written:
        write([], append=False)
    return written


def write(job) -> tuple[int, int, list[str], str]:
    """Write the job's export; (rows, bytes, column names, file path relative to DATA_DIR)."""
    fmt = job.params["fmt"]
    layer = readable_layer(job.layer, job.user)
    # Parsed again for the user as they are now: filters on fields they no longer see are refused.
    query = params.parse(layer, job.user, query_dict(job.params.get("query") or {}))
    cols = columns.visible(layer, job.user)
    cap = max_rows()
    if _count(layer, query, cap) > cap:
        raise too_many(cap)
    final_dir = folder()
    final_dir.mkdir(parents=True, exist_ok=True)
    final = final_dir / f"{job.pk}.{exports.FILE_ENDINGS[fmt]}"
    work = final_dir / f".tmp-{job.pk}"
    shutil.rmtree(work, ignore_errors=True)  # a crashed earlier attempt's leftovers
    work.mkdir()
    try:
        stem = layer.slug.replace("-", "_")
        if fmt == "geojson":
            made = work / f"{stem}.geojson"
            written = _geojson(layer, cols, query, cap, made)
        elif fmt == "csv":
            made = work / f"{stem}.csv"
            written = _csv(layer, cols, query, cap, made)
        elif fmt in ("gpkg", "kml"):
            made = work / f"{stem}.{fmt}"
            written = _ogr(layer, cols, query, cap, made, "GPKG" if fmt == "gpkg" else "KML")
        else:
            parts = work / "shp"
            parts.mkdir()
            written = _ogr(layer, cols, query, cap, parts / f"{stem}.shp", "ESRI Shapefile")
            made = work / f"{stem}.zip"
            with zipfile.ZipFile(made, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
                for part in sorted(parts.iterdir()):
                    archive.write(part, f"{layer.slug}{part.suffix}")
                # .txt: GIS clients then see one layer in the zip; the text is CSV for a spreadsheet.
                archive.writestr(f"{layer.slug}.fields.txt", exports._field_map(cols))
        os.replace(made, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    relative = str(final.relative_to(Path(settings.DATA_DIR)))
    return written, final.stat().st_size, [c.name for c in cols], relative
