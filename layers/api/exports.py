"""Export a layer, with the same filters and field permissions as the API, to common GIS files."""

import csv
import io
import tempfile
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pyogrio
import shapely
from django.db import connection
from django.utils.translation import gettext as _

from geoplatform.errors import TooLarge
from layers.registry import Layer

from . import columns, sql
from .params import FeatureQuery

MAX_ROWS = 100_000
# Spreadsheets run cells starting with these as formulas (=HYPERLINK(...) and friends).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "shp": "application/zip",
    "csv": "text/csv; charset=utf-8",
    "kml": "application/vnd.google-earth.kml+xml",
}
FILE_ENDINGS = {"geojson": "geojson", "gpkg": "gpkg", "shp": "zip", "csv": "csv", "kml": "kml"}


def _too_many() -> TooLarge:
    return TooLarge(
        _("Hơn %(max)s đối tượng khớp điều kiện: hãy thu hẹp phạm vi xuất bằng bbox hoặc bộ lọc") % {"max": MAX_ROWS}
    )


def _rows(layer: Layer, cols: list[columns.Column], query: FeatureQuery) -> tuple[list, list]:
    clause, args = sql.where(layer, query)
    names = "".join(f", t.{sql.qn(c.column)}" for c in cols)
    statement = (
        f"SELECT {sql.pk(layer)}, ST_AsBinary({sql.geom(layer)}){names} FROM {sql.table(layer)} t "  # noqa: S608 - registry identifiers only
        f"WHERE {clause} ORDER BY {sql.order_by(layer, query)} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*args, MAX_ROWS + 1])
        rows = cursor.fetchall()
    if len(rows) > MAX_ROWS:
        raise _too_many()
    return rows, [bytes(r[1]) for r in rows]


def _frame(cols: list[columns.Column], rows: list, *, times_as_text: bool, small_ints: bool = False) -> pd.DataFrame:
    # KML has 32-bit integers only: 64-bit ones would be written as text.
    integers = "Int32" if small_ints else "Int64"
    data = {"id": pd.array([r[0] for r in rows], dtype=integers)}
    for i, col in enumerate(cols, start=2):
        values = [r[i] for r in rows]
        if col.is_time:
            if times_as_text:
                data[col.name] = pd.array([v.isoformat() if v else None for v in values], dtype=object)
            else:
                data[col.name] = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
        elif col.json_type == "integer":
            data[col.name] = pd.array(values, dtype=integers)
        elif col.json_type == "number":
            data[col.name] = pd.array(values, dtype="Float64")
        elif col.json_type == "boolean":
            data[col.name] = pd.array(values, dtype="boolean")
        else:
            data[col.name] = pd.array(values, dtype=object)
    return pd.DataFrame(data)


# GeoPackage 1.2: the newest version GDAL 3.6 (QGIS 3.22's) opens without "may only be partially
# supported"; pyogrio's own GDAL would write 1.4.
DATASET_OPTIONS = {"GPKG": {"VERSION": "1.2"}}


def _ogr(layer: Layer, cols, rows, wkb, driver: str, filename: str, *, times_as_text: bool) -> dict[str, bytes]:
    import geopandas as gpd

    frame = _frame(cols, rows, times_as_text=times_as_text, small_ints=driver == "KML")
    if driver == "ESRI Shapefile":
        frame = frame.rename(columns=shapefile_names(["id", *[c.name for c in cols]]))
    geometry = gpd.GeoSeries(shapely.from_wkb(wkb) if wkb else [], crs=4326)
    gdf = gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)
    with tempfile.TemporaryDirectory(prefix="export-") as folder:
        path = Path(folder) / filename
        with warnings.catch_warnings():
            # dBASE truncates names to 10 characters; GDAL says so for every long name.
            warnings.simplefilter("ignore", RuntimeWarning)
            pyogrio.write_dataframe(
                gdf,
                path,
                driver=driver,
                layer=layer.slug.replace("-", "_"),
                geometry_type=layer.geometry_type,
                dataset_options=DATASET_OPTIONS.get(driver),
            )
        return {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir())}


def _short(name: str, width: int) -> str:
    """A name in at most ``width`` characters, each part of it shortened alike (antenna_height_m: ant_hei_m)."""
    if len(name) <= width:
        return name
    parts = [p for p in name.split("_") if p] or [name]
    for keep in range(width, 0, -1):
        candidate = "_".join(p[:keep] for p in parts)
        if len(candidate) <= width:
            return candidate
    return name[:width]


def shapefile_names(names: list[str]) -> dict[str, str]:
    """dBASE field names (10 characters at most) that stay unique and readable, by full name."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        # Plain truncation reads best (parcel_number: parcel_num); when it collides, every part is shortened.
        short = name[:10] if name[:10].lower() not in taken else _short(name, 10)
        number = 1
        while short.lower() in taken:
            number += 1
            short = _short(name, 10 - len(str(number))) + str(number)
        taken.add(short.lower())
        out[name] = short
    return out


def _field_map(cols: list[columns.Column]) -> bytes:
    """The Shapefile's field map: short name, full name, the word people read, type."""
    from layers.web.strings import field_labels  # the map's words for fields, one source

    labels = field_labels()
    names = shapefile_names(["id", *[c.name for c in cols]])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["shapefile_field", "field", "title", "type"])
    writer.writerow([names["id"], "id", "id", "integer"])
    for col in cols:
        writer.writerow([names[col.name], col.name, str(labels.get(col.name, col.name)), col.json_type])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _csv(layer: Layer, cols, rows, wkb) -> bytes:
    points = layer.geometry_type == "Point"
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["id", *[c.name for c in cols]]
    header += ["lon", "lat"] if points else ["wkt"]
    writer.writerow(header)
    geoms = shapely.from_wkb(wkb) if wkb else []
    for row, shape in zip(rows, geoms, strict=True):
        cells = [row[0], *[_csv_cell(v) for v in row[2:]]]
        if points:
            cells += [round(shape.x, 7), round(shape.y, 7)]
        else:
            cells.append(shapely.to_wkt(shape, rounding_precision=7))
        writer.writerow(cells)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel then reads Vietnamese correctly


def export(layer: Layer, user, query: FeatureQuery, fmt: str) -> tuple[bytes, str, str]:
    """(file bytes, content type, file name) of the layer's matching features in ``fmt``."""
    cols = columns.visible(layer, user)
    stem = layer.slug
    if fmt == "geojson":
        query.limit, query.offset = MAX_ROWS + 1, 0
        text, returned = sql.page(layer, cols, query)
        if returned > MAX_ROWS:
            raise _too_many()
        body = '{"type":"FeatureCollection","name":"' + stem + '","features":' + text + "}"
        return body.encode("utf-8"), CONTENT_TYPES[fmt], f"{stem}.geojson"
    rows, wkb = _rows(layer, cols, query)
    if fmt == "csv":
        data = _csv(layer, cols, rows, wkb)
    elif fmt == "gpkg":
        data = _ogr(layer, cols, rows, wkb, "GPKG", f"{stem}.gpkg", times_as_text=False)[f"{stem}.gpkg"]
    elif fmt == "kml":
        data = _ogr(layer, cols, rows, wkb, "KML", f"{stem}.kml", times_as_text=True)[f"{stem}.kml"]
    else:
        files = _ogr(layer, cols, rows, wkb, "ESRI Shapefile", f"{stem}.shp", times_as_text=True)
        # .txt: GIS clients then see one layer in the zip; the text is CSV for a spreadsheet.
        files[f"{stem}.fields.txt"] = _field_map(cols)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in files.items():
                archive.writestr(name, content)
        data = buffer.getvalue()
    return data, CONTENT_TYPES[fmt], f"{stem}.{FILE_ENDINGS[fmt]}"
