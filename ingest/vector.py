"""Read vector files (GeoJSON, GeoPackage, zipped Shapefile, KML, CSV) into rows reprojected to 4326.

Only the drivers needed are ever reached: the format is decided from the name *and* the first
bytes, so a VRT or anything else renamed .gpkg/.kml never reaches GDAL; paths are local files we
wrote ourselves (no /vsicurl/, no URLs). GeoJSON and CSV are read here in Python with the same
strict, bounded parser the API uses; GeoPackage, Shapefile and KML go through pyogrio (GDAL).
KML is parsed with defusedxml first: any DOCTYPE or ENTITY refuses the file.

A file without a CRS is refused ("needs a CRS") unless the caller gives one (``srs``); GeoJSON
without a ``crs`` member is WGS 84 by RFC 7946, KML always is, and a CSV with lon/lat columns is.
VN-2000 is handled through PROJ's EPSG database: EPSG:3405 (UTM 48N) and EPSG:5899 (TM-3
107°45', the Quảng Nam zone), each with EPSG's VN-2000 -> WGS 84 Helmert transformation.
"""

from __future__ import annotations

import csv
import io
import math
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import defusedxml.ElementTree as DefusedET
import numpy as np
import pyproj
import shapely
from defusedxml import DefusedXmlException
from django.conf import settings
from django.utils.translation import gettext as _
from pyogrio import raw as ogr_raw
from pyogrio.core import list_layers, read_info

from geoplatform.errors import PlatformError
from ingest import archive
from layers import validation

# VN-2000 / TM-3 zone with central meridian 107°45' (Quảng Nam), k=0.9999, false easting 500 km.
QUANG_NAM_TM3 = "EPSG:5899"
VN2000_UTM48N = "EPSG:3405"
WGS84 = pyproj.CRS.from_epsg(4326)

# GeoJSON, CSV and KML are parsed in memory (about ten times their size): bigger ones should come as GeoPackage.
MAX_TEXT_BYTES = 64 * 1024 * 1024
# Features one import reads at most: a million-feature GeoPackage once took 4 GB before failing.
MAX_FEATURES = 100_000
SUFFIX_FORMATS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".zip": "shapefile"}
SUFFIX_FORMATS.update({".kml": "kml", ".csv": "csv"})
OGR_DRIVERS = {"gpkg": {"GPKG"}, "shapefile": {"ESRI Shapefile"}, "kml": {"KML", "LIBKML"}}
LON_NAMES = ("lon", "lng", "long", "longitude")
LAT_NAMES = ("lat", "latitude")
X_NAMES = ("x", "easting")
Y_NAMES = ("y", "northing")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")
# PROJ keys that read files or grids (which could be paths or URLs): never taken from a user.
FORBIDDEN_PROJ_KEYS = {"init", "nadgrids", "geoidgrids", "hgridshift", "vgridshift", "xy_grids", "z_grids", "file"}
# Fields GDAL's KML drivers add to every placemark; they describe display, not the feature.
KML_DISPLAY_FIELDS = {"id", "timestamp", "begin", "end", "altitudemode", "tessellate", "extrude", "visibility"}
KML_DISPLAY_FIELDS |= {"draworder", "icon", "snippet"}
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
WKT_STARTS = ("PROJCS[", "GEOGCS[", "PROJCRS[", "GEOGCRS[", "GEODCRS[", "BOUNDCRS[", "COMPOUNDCRS[", "COMPD_CS[")


class VectorFileError(PlatformError):
    """A vector file that cannot be read safely or at all; nothing was imported."""

    status = 400
    code = "bad_vector_file"

    def __init__(self, message: str, *, field: str = "file", code: str | None = None, status: int | None = None):
        super().__init__(message, field=field, code=code, status=status)


class MissingCRS(VectorFileError):
    """The file says nothing of its coordinate system and no srs was given."""

    code = "needs_crs"


@dataclass
class Row:
    """One feature of a file: its number (1-based, in file order), attributes, geometry or error."""

    number: int
    properties: dict
    geometry: shapely.Geometry | None = None
    error: str | None = None


@dataclass
class Dataset:
    """What a file held: rows with geometries in EPSG:4326, the source CRS and attribute names."""

    format: str
    crs: str
    fields: list[str]
    rows: list[Row] = field(default_factory=list)
    source_layer: str | None = None


# ---------------------------------------------------------------------------------------------
# CRS handling.


def parse_srs(text: str) -> pyproj.CRS:
    """A CRS from a user's text: EPSG:XXXX, a +proj string or WKT; URLs, paths and grid files refused."""
    value = (text or "").strip()
    if not value or len(value) > 8000:
        raise VectorFileError(_srs_forms(), field="srs")
    if "://" in value or value.startswith(("/", ".", "~", "\\")) or "@" in value:
        raise VectorFileError(_("srs không được là đường link hay đường dẫn tệp"), field="srs", code="bad_srs")
    try:
        if re.fullmatch(r"(?i)(?:EPSG:)?\d{4,6}", value):
            return pyproj.CRS.from_epsg(int(value.split(":")[-1]))
        if value.startswith("+"):
            keys = {token.lstrip("+").split("=", 1)[0].lower() for token in value.split()}
            if keys & FORBIDDEN_PROJ_KEYS or "/" in value or "\\" in value:
                message = _("srs không được tham chiếu tới tệp hay lưới (grid)")
                raise VectorFileError(message, field="srs", code="bad_srs")
            return pyproj.CRS.from_proj4(value)
        if value.upper().startswith(WKT_STARTS):
            return pyproj.CRS.from_wkt(value)
    except pyproj.exceptions.CRSError as exc:
        message = _("srs không phải hệ toạ độ đã biết: %(detail)s") % {"detail": str(exc)[:200]}
        raise VectorFileError(message, field="srs") from None
    raise VectorFileError(_srs_forms(), field="srs", code="bad_srs")


def _srs_forms() -> str:
    return _("srs phải là EPSG:XXXX, một chuỗi +proj hoặc WKT")


def _crs_from_file(text: str | None) -> pyproj.CRS | None:
    if not text:
        return None
    try:
        return pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError as exc:
        message = _("Không hiểu hệ toạ độ của tệp: %(detail)s") % {"detail": str(exc)[:200]}
        raise VectorFileError(message) from None


def _crs_from_geojson_member(member) -> pyproj.CRS | None:
    """The legacy GeoJSON ``crs`` member: a name only; links, URLs and paths are refused unopened."""
    if member is None:
        return None
    name = member.get("properties", {}).get("name") if isinstance(member, dict) else None
    if not isinstance(member, dict) or member.get("type") != "name" or not isinstance(name, str):
        raise VectorFileError(_("crs của GeoJSON phải là tên một hệ toạ độ; không nhận đường link"), code="bad_srs")
    if name.strip() in validation.ACCEPTED_CRS_NAMES:
        return WGS84
    match = re.fullmatch(r"(?:urn:ogc:def:crs:)?EPSG:(?:[\d.]*:)?(\d{4,6})", name.strip(), re.IGNORECASE)
    if not match:
        message = _("crs %(name)s của GeoJSON không phải mã EPSG") % {"name": repr(name[:100])}
        raise VectorFileError(message, code="bad_srs")
    return pyproj.CRS.from_epsg(int(match.group(1)))


def _is_wgs84(crs: pyproj.CRS) -> bool:
    return crs.equals(WGS84, ignore_axis_order=True) or crs.to_epsg() == 4326 or crs.to_string() == "OGC:CRS84"


def reproject(rows: list[Row], crs: pyproj.CRS) -> None:
    """Drop Z and transform every row's geometry to EPSG:4326 (lon/lat), in place, vectorised."""
    indices = [i for i, row in enumerate(rows) if row.geometry is not None]
    if not indices:
        return
    geoms = shapely.force_2d(np.array([rows[i].geometry for i in indices], dtype=object))
    if not _is_wgs84(crs):
        transformer = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)

        def to_wgs84(coords: np.ndarray) -> np.ndarray:
            x, y = transformer.transform(coords[:, 0], coords[:, 1], errcheck=False)
            return np.column_stack([x, y])

        geoms = shapely.transform(geoms, to_wgs84)
    for i, geom in zip(indices, geoms, strict=True):
        rows[i].geometry = geom


# ---------------------------------------------------------------------------------------------
# Format detection: the name says what it claims, the first bytes must agree.


def detect(path: Path, name: str | None = None) -> str:
    """The format of a file from its name and its first bytes; anything else is refused."""
    suffix = Path(name or path.name).suffix.lower()
    kind = SUFFIX_FORMATS.get(suffix)
    if kind is None:
        allowed = ", ".join(sorted(SUFFIX_FORMATS))
        message = _("Không hỗ trợ loại tệp %(suffix)s; chỉ nhận: %(allowed)s")
        shown = repr(suffix) if suffix else _("(không có đuôi)")
        raise VectorFileError(message % {"suffix": shown, "allowed": allowed}, code="bad_format")
    with open(path, "rb") as handle:
        head = handle.read(512)
    if not head:
        raise VectorFileError(_("Tệp rỗng"))
    text_head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    ok = {
        "geojson": text_head.startswith(b"{"),
        "gpkg": head.startswith(b"SQLite format 3\x00"),
        "shapefile": head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"),
        "kml": text_head.startswith(b"<"),
        "csv": b"\x00" not in head and not text_head.startswith((b"<", b"{")),
    }[kind]
    if not ok:
        message = _("Nội dung không phải tệp %(kind)s (các byte đầu tệp cho thấy loại khác)") % {"kind": kind}
        raise VectorFileError(message, code="bad_format")
    return kind


# ---------------------------------------------------------------------------------------------
# Readers.


def without_strings(data: bytes) -> bytes:
    """JSON text with every string emptied, so brackets inside text are not taken for structure."""
    return _JSON_STRING.sub(b'""', data)


def largest_leaf_object(bare: bytes) -> int:
    """How many ``[`` the JSON object holding the most of them, and no other object, has.

    ``bare`` is JSON text passed through ``without_strings``. In GeoJSON such a leaf object is a
    geometry (or a flat properties object), and its brackets bound its positions from above.
    Linear numpy work on the raw bytes: no JSON is parsed.
    """
    chars = np.frombuffer(bare, dtype=np.uint8)
    braces = np.flatnonzero((chars == ord("{")) | (chars == ord("}")))
    if braces.size < 2:
        return int(np.count_nonzero(chars == ord("[")))
    kinds = chars[braces]
    leaf = (kinds[:-1] == ord("{")) & (kinds[1:] == ord("}"))
    starts, ends = braces[:-1][leaf], braces[1:][leaf]
    if not starts.size:
        return 0
    opens = np.flatnonzero(chars == ord("["))
    return int((np.searchsorted(opens, ends) - np.searchsorted(opens, starts)).max())


def _read_geojson(path: Path, limit: int) -> tuple[list[Row], pyproj.CRS | None, list[str]]:
    data = path.read_bytes()
    bare = without_strings(data)
    if validation.text_depth(bare, b"[{", b"]}") > validation.MAX_TEXT_DEPTH + 4:
        raise VectorFileError(_("GeoJSON lồng nhau sâu hơn mọi hình cần đến"), code="too_deep")
    # Parsing a 10-million-vertex polygon into Python lists takes minutes and gigabytes: measure first.
    if largest_leaf_object(bare) > 2 * limit + 16:
        raise VectorFileError(
            _("Một hình trong tệp có hơn %(limit)s đỉnh; không nhập gì cả") % {"limit": limit},
            code="geometry_too_complex",
        )
    del bare
    try:
        document = validation.strict_json_loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise VectorFileError(_("GeoJSON phải là văn bản UTF-8")) from None
    except validation.GeometryError as exc:
        raise VectorFileError(_("Tệp GeoJSON không hợp lệ: %(detail)s") % {"detail": exc.message}) from None
    if not isinstance(document, dict):
        raise VectorFileError(_("GeoJSON phải là một đối tượng (object)"))
    crs = _crs_from_geojson_member(document.get("crs")) or WGS84
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise VectorFileError(_("FeatureCollection cần có danh sách 'features'"))
    elif kind == "Feature":
        features = [document]
    else:
        features = [{"type": "Feature", "geometry": document, "properties": {}}]
    if len(features) > max_features():
        raise _too_many(len(features))
    rows, names = [], {}
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            rows.append(Row(number, {}, error=_("Không phải một Feature GeoJSON")))
            continue
        properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        names.update(dict.fromkeys(properties))
        row = Row(number, properties)
        geometry = feature.get("geometry")
        if geometry is None:
            row.error = _("Đối tượng không có hình")
        else:
            try:
                # A legacy crs applies to the whole file; inner crs members are refused by the parser.
                row.geometry = validation.shape_from_geojson(geometry, limit=limit)
            except validation.GeometryError as exc:
                row.error = exc.message
        rows.append(row)
    return rows, crs, list(names)


def _check_kml(path: Path) -> None:
    """Parse KML with defusedxml: DOCTYPE, ENTITY and external references refuse the file."""
    try:
        root = DefusedET.parse(str(path), forbid_dtd=True, forbid_entities=True, forbid_external=True).getroot()
    except DefusedXmlException as exc:
        message = _("KML bị từ chối: %(kind)s (không được có DOCTYPE/ENTITY)") % {"kind": type(exc).__name__}
        raise VectorFileError(message) from None
    except DefusedET.ParseError as exc:
        raise VectorFileError(_("KML không phải XML đúng cú pháp: %(detail)s") % {"detail": exc}) from None
    if root.tag.rsplit("}", 1)[-1].lower() != "kml":
        raise VectorFileError(_("Thẻ gốc của XML không phải <kml>"), code="bad_format")
    if any(element.tag.rsplit("}", 1)[-1] == "NetworkLink" for element in root.iter()):
        raise VectorFileError(
            _("KML có NetworkLink bị từ chối: hệ thống không bao giờ tải tệp liên kết; hãy gửi chính dữ liệu")
        )


def _python_value(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def max_features() -> int:
    """The most features one import reads (GEOPLATFORM_MAX_IMPORT_FEATURES); larger sets come in parts."""
    return int(getattr(settings, "GEOPLATFORM_MAX_IMPORT_FEATURES", MAX_FEATURES))


def _too_many(count: int) -> VectorFileError:
    message = _("Tệp có %(count)s đối tượng, vượt giới hạn %(max)s đối tượng mỗi lần nhập; hãy chia nhỏ tệp")
    return VectorFileError(message % {"count": count, "max": max_features()}, code="too_many_features", status=413)


def _feature_count(path: Path, layer: str) -> int:
    """Features in one layer as GDAL counts them without reading them (-1 when the driver cannot tell)."""
    try:
        return int(read_info(str(path), layer=layer).get("features", -1))
    except (RuntimeError, ValueError, KeyError, TypeError):
        return -1


def _read_ogr_layer(path: Path, kind: str, layer: str, limit: int, first: int) -> tuple[list[Row], str | None, list]:
    if _feature_count(path, layer) == 0:
        return [], None, []  # pyogrio fails on an empty layer; "no features" is said by the caller
    try:
        meta, _fids, geometries, field_data = ogr_raw.read(
            str(path), layer=layer, datetime_as_string=True, max_features=max_features() + 1
        )
    except (RuntimeError, ValueError) as exc:
        message = _("Không đọc được tệp %(kind)s (tệp bị cắt cụt hoặc hỏng?): %(detail)s")
        raise VectorFileError(message % {"kind": kind, "detail": str(exc)[:200]}) from None
    names = [str(name) for name in meta["fields"]]
    rows = []
    for index in range(len(geometries) if geometries is not None else 0):
        properties = {name: _python_value(column[index]) for name, column in zip(names, field_data, strict=True)}
        row = Row(first + index, properties)
        wkb = geometries[index]
        if wkb is None:
            row.error = _("Đối tượng không có hình")
        elif len(wkb) > 32 * limit + 4096:
            # 16 bytes per 2D vertex (24 with Z): refused before GEOS builds it.
            row.error = _("Hình có hơn %(limit)s đỉnh") % {"limit": limit}
        else:
            try:
                row.geometry = validation.parse_shape(bytes(wkb), limit=limit)
            except validation.GeometryError as exc:
                row.error = exc.message
        rows.append(row)
    return rows, meta.get("crs"), names


def _read_ogr(path: Path, kind: str, source_layer: str | None, limit: int):
    try:
        layers = [str(name) for name, _geometry_type in list_layers(str(path))]
    except (RuntimeError, ValueError) as exc:
        reason = str(exc)[:200]
        message = _("Không mở được tệp %(kind)s (tệp bị cắt cụt hoặc hỏng?): %(detail)s")
        raise VectorFileError(message % {"kind": kind, "detail": reason}) from None
    if not layers:
        raise VectorFileError(_("Tệp %(kind)s không có đối tượng nào") % {"kind": kind.upper()}, code="no_features")
    info_driver = _driver(path, layers[0])
    if info_driver not in OGR_DRIVERS[kind]:
        message = _("Tệp mở ra là %(driver)s, không phải %(kind)s") % {"driver": info_driver, "kind": kind}
        raise VectorFileError(message, code="bad_format")
    if source_layer is not None:
        if source_layer not in layers:
            message = _("Tệp không có lớp %(name)s; các lớp có trong tệp: %(layers)s")
            values = {"name": repr(source_layer), "layers": ", ".join(layers)}
            raise VectorFileError(message % values, field="source_layer")
        chosen = [source_layer]
    elif kind == "kml":
        chosen = layers  # KML folders are one dataset split for display
    elif len(layers) == 1:
        chosen = layers
    else:
        message = _("Tệp có %(count)s lớp (%(layers)s); hãy chọn một lớp (source_layer)")
        raise VectorFileError(message % {"count": len(layers), "layers": ", ".join(layers[:20])})
    counts = [_feature_count(path, name) for name in chosen]
    if sum(c for c in counts if c > 0) > max_features():
        raise _too_many(sum(c for c in counts if c > 0))  # said before a single feature is read
    rows, names, crs_text = [], {}, None
    for name in chosen:
        layer_rows, crs_text, layer_names = _read_ogr_layer(path, kind, name, limit, len(rows) + 1)
        rows.extend(layer_rows)
        names.update(dict.fromkeys(layer_names))
        if len(rows) > max_features():
            raise _too_many(len(rows))  # drivers that cannot count ahead stop one feature past the cap
    return rows, _crs_from_file(crs_text), list(names), chosen[0] if len(chosen) == 1 else None


def _driver(path: Path, layer: str | None) -> str:
    try:
        return read_info(str(path), layer=layer)["driver"]
    except (RuntimeError, ValueError, KeyError) as exc:
        message = _("Không mở được tệp (tệp bị cắt cụt hoặc hỏng?): %(detail)s") % {"detail": str(exc)[:200]}
        raise VectorFileError(message) from None


def _column(names: list[str], candidates: tuple[str, ...]) -> str | None:
    lowered = {name.strip().lower(): name for name in names}
    return next((lowered[c] for c in candidates if c in lowered), None)


def _number(text, name: str) -> float:
    try:
        value = float(str(text).strip())
    except ValueError:
        raise ValueError(
            _("%(name)s %(value)s không phải là số") % {"name": name, "value": repr(str(text)[:40])}
        ) from None
    if not math.isfinite(value):
        message = _("%(name)s %(value)s không phải là số hữu hạn")
        raise ValueError(message % {"name": name, "value": repr(str(text)[:40])})
    return value


def _read_csv(path: Path, limit: int) -> tuple[list[Row], pyproj.CRS | None, list[str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise VectorFileError(_("CSV phải là văn bản UTF-8")) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    names = [name for name in (reader.fieldnames or []) if name is not None]
    lon, lat = _column(names, LON_NAMES), _column(names, LAT_NAMES)
    x, y = _column(names, X_NAMES), _column(names, Y_NAMES)
    wkt = _column(names, WKT_NAMES)
    if lon and lat:
        columns, default_crs = (lon, lat), WGS84
    elif x and y:
        columns, default_crs = (x, y), None
    elif wkt:
        columns, default_crs = (wkt,), None
    else:
        message = _("CSV cần có cột lon/lat (hoặc x/y, hoặc một cột wkt)")
        raise VectorFileError(message, code="no_geometry_columns")
    rows = []
    try:
        for number, record in enumerate(reader, start=1):
            if None in record:
                rows.append(Row(number, {}, error=_("Nhiều giá trị hơn số cột của dòng tiêu đề")))
                continue
            properties = {k: v for k, v in record.items() if k not in columns}
            row = Row(number, properties)
            try:
                if len(columns) == 2:
                    if record[columns[0]] is None or record[columns[1]] is None:
                        raise ValueError(_("Ít giá trị hơn số cột của dòng tiêu đề"))
                    row.geometry = shapely.Point(*(_number(record[c], c) for c in columns))
                else:
                    row.geometry = validation.parse_shape(record[columns[0]] or "", limit=limit)
            except ValueError as exc:
                row.error = str(exc)
            except validation.GeometryError as exc:
                row.error = exc.message
            rows.append(row)
    except csv.Error as exc:
        raise VectorFileError(_("Không đọc được CSV: %(detail)s") % {"detail": exc}) from None
    return rows, default_crs, [n for n in names if n not in columns]


def read(
    path: str | Path,
    *,
    name: str | None = None,
    srs: str | None = None,
    source_layer: str | None = None,
    max_vertices: int | None = None,
    archive_caps: archive.Caps = archive.Caps(),
) -> Dataset:
    """Read a vector file into rows with 4326 geometries; ``srs`` overrides or supplies the CRS."""
    path = Path(path)
    if str(path).startswith("/vsi") or "://" in str(path):
        raise VectorFileError(_("Chỉ đọc tệp trên máy (không nhận đường dẫn /vsi*/ hay đường link)"))
    limit = validation.max_vertices() if max_vertices is None else max_vertices
    override = parse_srs(srs) if srs else None
    kind = detect(path, name)
    if kind in ("geojson", "csv", "kml") and path.stat().st_size > MAX_TEXT_BYTES:
        raise VectorFileError(
            _("Không nhận tệp %(kind)s lớn hơn %(size)s MB; hãy gửi tệp GeoPackage")
            % {"kind": kind, "size": MAX_TEXT_BYTES // (1024 * 1024)},
            code="too_large",
            status=413,
        )
    chosen_layer = None
    workdir = None
    try:
        if kind == "geojson":
            rows, crs, names = _read_geojson(path, limit)
        elif kind == "csv":
            rows, crs, names = _read_csv(path, limit)
        else:
            target = path
            if kind == "shapefile":
                workdir = archive.extract(path, archive_caps)
                shapefiles = sorted(p for p in workdir.rglob("*") if p.suffix.lower() == ".shp")
                if not shapefiles:
                    raise VectorFileError(
                        _("Tệp zip không có đối tượng nào: không có tệp .shp bên trong"), code="no_features"
                    )
                if len(shapefiles) != 1:
                    message = _("Tệp zip phải chứa đúng một tệp .shp, nhưng đang có %(count)s")
                    raise VectorFileError(message % {"count": len(shapefiles)})
                target = shapefiles[0]
                with open(target, "rb") as handle:
                    if handle.read(4) != b"\x00\x00\x27\x0a":
                        raise VectorFileError(_("Tệp .shp không phải shapefile"), code="bad_format")
            if kind == "kml":
                _check_kml(path)
            rows, crs, names, chosen_layer = _read_ogr(target, kind, source_layer, limit)
            if kind == "kml":
                crs = WGS84  # KML is WGS 84 by definition (OGC 07-147r2)
                names = [n for n in names if n.lower() not in KML_DISPLAY_FIELDS]
                for row in rows:
                    row.properties = {k: v for k, v in row.properties.items() if k.lower() not in KML_DISPLAY_FIELDS}
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    crs = override or crs
    if crs is None:
        raise MissingCRS(
            _(
                "Tệp cần có hệ toạ độ (CRS): tệp không cho biết dùng hệ toạ độ nào; hãy chọn một hệ ở mục srs "
                "(ví dụ EPSG:3405 cho VN-2000 / UTM 48N, EPSG:5899 cho VN-2000 TM-3 107°45')"
            )
        )
    reproject(rows, crs)
    label = crs.to_string() if crs.to_epsg() is None else f"EPSG:{crs.to_epsg()}"
    return Dataset(format=kind, crs=label, fields=names, rows=rows, source_layer=chosen_layer)
