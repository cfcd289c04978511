"""The one place geometry is checked: strict, bounded parsing and validation against a layer.

Used by the REST/OGC API and by file imports, so both answer the same hostile input the same way.

Decisions worth knowing:
- Input is GeoJSON (dict or text), WKT/EWKT or WKB (bytes or hex). Size and nesting are measured on
  the raw text or bytes *before* anything is handed to json, GEOS or GDAL, so a collection nested
  10,000 deep or a 10-million-vertex polygon is refused cheaply and cannot exhaust the stack.
- Z values are dropped (layers are 2D; GPS and KML files routinely carry an altitude); M values
  (XYM, XYZM) are refused because a measure has no meaning in any layer.
- Invalid polygons are refused with GEOS's reason and place (the verdict PostGIS's
  ST_IsValidReason gives: it uses the same GEOS), put in the user's words and language
  ("Self-intersection[108.2 15.3]" reads "Hình không hợp lệ: đường viền tự cắt nhau tại kinh độ
  108.2, vĩ độ 15.3"); ``location`` keeps the place as numbers. Repair is only ever an explicit
  preview (`make_valid_preview`, which keeps PostGIS's own text), never silent.
- Every message is a Vietnamese catalogue msgid translated when raised, so an API caller gets
  the language of its request; codes and fields never change with the language.
"""

from __future__ import annotations

import json
import math
import re
import struct

import numpy as np
import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.utils.translation import get_language, gettext_lazy, pgettext, pgettext_lazy
from django.utils.translation import gettext as _

from geoplatform.errors import PlatformError

# GeoJSON nests at most: Feature { geometry { coordinates [[[[x, y]]]] } } inside a few collections.
MAX_TEXT_DEPTH = 24
# GeometryCollections inside GeometryCollections: real data never needs more than a couple.
MAX_COLLECTION_DEPTH = 4
ACCEPTED_CRS_NAMES = {
    "EPSG:4326",
    "urn:ogc:def:crs:EPSG::4326",
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "OGC:CRS84",
}
# A layer of type X accepts these GEOS types (single parts are promoted to multi).
ACCEPTS = {
    "Point": ("Point",),
    "MultiPoint": ("Point", "MultiPoint"),
    "LineString": ("LineString",),
    "MultiLineString": ("LineString", "MultiLineString"),
    "Polygon": ("Polygon",),
    "MultiPolygon": ("Polygon", "MultiPolygon"),
}
_TYPE_IDS = {"Point": 0, "LineString": 1, "Polygon": 3, "MultiPoint": 4, "MultiLineString": 5, "MultiPolygon": 6}
_LOCATION = re.compile(r"\[\s*([-+0-9.eE]+|nan|inf)\s+([-+0-9.eE]+|nan|inf)\s*\]")
# GEOS's reasons (the words of PostGIS ST_IsValidReason) in the user's language; unknown ones are shown as GEOS says.
GEOS_REASONS = {
    "Self-intersection": gettext_lazy("đường viền tự cắt nhau"),
    "Ring Self-intersection": gettext_lazy("vòng tự cắt chính nó"),
    "Hole lies outside shell": gettext_lazy("lỗ nằm ngoài vòng ngoài"),
    "Holes are nested": gettext_lazy("các lỗ lồng vào nhau"),
    "Interior is disconnected": gettext_lazy("phần bên trong bị chia cắt"),
    "Nested shells": gettext_lazy("các vòng ngoài lồng vào nhau"),
    "Duplicate Rings": gettext_lazy("có vòng trùng nhau"),
    "Too few points in geometry component": gettext_lazy("một phần của hình có quá ít điểm"),
    "Too few distinct points in geometry component": gettext_lazy("một phần của hình có quá ít điểm khác nhau"),
    "Invalid Coordinate": gettext_lazy("toạ độ không hợp lệ"),
    "Ring is not closed": gettext_lazy("vòng chưa khép kín"),
    "Repeated Point": gettext_lazy("điểm bị lặp"),
}
# Geometry type names as a district user calls them.
GEOMETRY_NAMES = {
    "Point": pgettext_lazy("geometry type", "điểm"),
    "MultiPoint": pgettext_lazy("geometry type", "nhóm điểm"),
    "LineString": pgettext_lazy("geometry type", "đường"),
    "MultiLineString": pgettext_lazy("geometry type", "nhóm đường"),
    "Polygon": pgettext_lazy("geometry type", "vùng"),
    "MultiPolygon": pgettext_lazy("geometry type", "nhóm vùng"),
    "GeometryCollection": pgettext_lazy("geometry type", "tập hợp hình"),
}


class GeometryError(PlatformError):
    """Base of every geometry refusal; the field at fault is "geometry" unless told otherwise."""

    status = 400
    code = "invalid_geometry"

    def __init__(self, message: str, *, field: str | None = "geometry", code: str | None = None, location=None):
        super().__init__(message, field=field, code=code)
        self.location = location


class GeometryParseError(GeometryError):
    """The text or structure is not a geometry (bad JSON, NaN, unclosed ring, unknown type)."""

    code = "geometry_parse_error"


class TooManyVertices(GeometryError):
    """More vertices or deeper nesting than the platform's caps allow."""

    code = "geometry_too_complex"


class GeometryCRSError(GeometryError):
    """The geometry declares a CRS other than EPSG:4326, or a CRS by URL or path."""

    code = "geometry_crs"


class EmptyGeometry(GeometryError):
    """No geometry or an empty one where one is required."""

    code = "empty_geometry"


class GeometryTypeError(GeometryError):
    """The geometry type does not fit the layer (a LineString into a polygon layer)."""

    code = "wrong_geometry_type"


class OutOfRange(GeometryError):
    """Non-finite coordinates, or longitude/latitude beyond ±180/±90."""

    code = "coordinates_out_of_range"


class OutsideDistrict(GeometryError):
    """Coordinates outside the district's box: usually swapped lat/lon or projected metres."""

    code = "outside_district"


class InvalidGeometry(GeometryError):
    """A geometry GEOS reports invalid (self-intersection, too few points...), with the place."""

    code = "invalid_geometry"


def max_vertices() -> int:
    """The vertex cap of one geometry (settings.GEOPLATFORM_MAX_VERTICES)."""
    return int(getattr(settings, "GEOPLATFORM_MAX_VERTICES", 200_000))


# ---------------------------------------------------------------------------------------------
# Strict JSON and cheap measurements on raw text (no Django, no GEOS).


def _refuse_constant(name: str):
    raise GeometryParseError(_("%(name)s không phải là số trong JSON chuẩn") % {"name": name})


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise GeometryParseError(_("Số %(number)s vượt quá giới hạn") % {"number": text[:40]})
    return value


def strict_json_loads(text: str | bytes):
    """json.loads that refuses NaN, Infinity and numbers that overflow to infinity (1e999)."""
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except GeometryError:
        raise
    except json.JSONDecodeError as exc:
        place = {"line": exc.lineno, "column": exc.colno}
        raise GeometryParseError(_("Không phải JSON hợp lệ (lỗi ở dòng %(line)s, cột %(column)s)") % place) from None
    except (ValueError, RecursionError) as exc:
        raise GeometryParseError(_("Không phải JSON hợp lệ: %(detail)s") % {"detail": str(exc)[:200]}) from None


def text_depth(text: str | bytes, opening: bytes, closing: bytes, *, chunk: int = 16 * 1024 * 1024) -> int:
    """The deepest bracket nesting of a text, computed without parsing it (numpy, linear, chunked)."""
    data = text.encode("utf-8", "replace") if isinstance(text, str) else bytes(text)
    open_set = np.frombuffer(opening, dtype=np.uint8)
    close_set = np.frombuffer(closing, dtype=np.uint8)
    deepest = level = 0
    for start in range(0, len(data), chunk):
        part = np.frombuffer(data, dtype=np.uint8, count=min(chunk, len(data) - start), offset=start)
        opens = np.isin(part, open_set)
        selected = opens | np.isin(part, close_set)
        if not selected.any():
            continue
        levels = level + np.cumsum(np.where(opens[selected], 1, -1), dtype=np.int64)
        deepest = max(deepest, int(levels.max()))
        level = int(levels[-1])
    return deepest


def _check_json_text(text: str | bytes, limit: int) -> None:
    """Refuse deep nesting and obviously too many positions before json.loads sees the text."""
    brackets = text.count("[" if isinstance(text, str) else b"[")
    # Each position is one bracket pair; rings and parts add at most one per position.
    if brackets > 2 * limit + 16:
        raise _too_many_vertices(limit)
    if text_depth(text, b"[{", b"]}") > MAX_TEXT_DEPTH:
        raise _too_deep(MAX_TEXT_DEPTH)


def _too_many_vertices(limit: int) -> TooManyVertices:
    return TooManyVertices(_("Hình có hơn %(limit)s đỉnh") % {"limit": limit})


def _too_deep(levels: int) -> TooManyVertices:
    return TooManyVertices(_("Hình lồng nhau sâu quá %(levels)s tầng") % {"levels": levels})


def _not_lonlat() -> GeometryCRSError:
    return GeometryCRSError(_("Hình phải dùng kinh độ/vĩ độ WGS 84 (EPSG:4326)"))


def _bad_wkb() -> GeometryParseError:
    return GeometryParseError(_("Dữ liệu WKB bị cắt cụt hoặc sai định dạng"))


def _no_measures() -> GeometryParseError:
    return GeometryParseError(_("Không hỗ trợ toạ độ M (giá trị đo)"))


def _not_finite() -> OutOfRange:
    return OutOfRange(_("Toạ độ phải là số hữu hạn (không nhận NaN và Infinity)"))


def _dict_depth_exceeds(obj, limit: int) -> bool:
    """Whether a parsed JSON value nests deeper than limit (iterative: safe on any depth)."""
    stack = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            stack.extend((child, depth + 1) for child in value.values())
        elif isinstance(value, list):
            stack.extend((child, depth + 1) for child in value)
    return False


# ---------------------------------------------------------------------------------------------
# GeoJSON -> shapely, with every structural check made explicitly.


class _Budget:
    """Counts positions while walking, refusing once the cap is passed."""

    def __init__(self, limit: int):
        self.limit = limit
        self.used = 0

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise _too_many_vertices(self.limit)


def _position(value) -> tuple[float, float]:
    if not isinstance(value, list) or not 2 <= len(value) <= 4:
        raise GeometryParseError(_("Mỗi vị trí phải là [kinh độ, vĩ độ] (độ cao, nếu có, được bỏ qua)"))
    if len(value) == 4:
        raise _no_measures()
    for number in value:
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise GeometryParseError(_("Toạ độ %(value)s không phải là số") % {"value": repr(str(number)[:40])})
        if not math.isfinite(number):
            raise _not_finite()
    return float(value[0]), float(value[1])


def _positions(value, budget: _Budget, minimum: int, what: str) -> list[tuple[float, float]]:
    if not isinstance(value, list):
        raise GeometryParseError(_("%(what)s phải là một danh sách vị trí") % {"what": what})
    budget.take(len(value))
    points = [_position(p) for p in value]
    if len(points) < minimum:
        message = _("%(what)s cần ít nhất %(minimum)s vị trí, mới có %(count)s")
        raise GeometryParseError(message % {"what": what, "minimum": minimum, "count": len(points)})
    return points


def _ring(value, budget: _Budget) -> list[tuple[float, float]]:
    points = _positions(value, budget, 4, pgettext("geometry part", "Vòng của vùng"))
    if points[0] != points[-1]:
        message = _("Vòng của vùng chưa khép kín (bắt đầu tại %(start)s, kết thúc tại %(end)s)")
        raise GeometryParseError(message % {"start": points[0], "end": points[-1]})
    return points


def _polygon(value, budget: _Budget) -> shapely.Polygon:
    if not isinstance(value, list) or not value:
        raise GeometryParseError(_("Vùng cần có ít nhất vòng ngoài"))
    rings = [_ring(r, budget) for r in value]
    return shapely.Polygon(rings[0], rings[1:])


def _list(obj: dict, key: str) -> list:
    value = obj.get(key)
    if not isinstance(value, list):
        raise GeometryParseError(_("GeoJSON %(type)s cần danh sách '%(key)s'") % {"type": obj.get("type"), "key": key})
    return value


def _check_crs_member(obj: dict) -> None:
    """Accept only a named WGS 84 crs; a URL, path or link is refused and never opened."""
    crs = obj.get("crs")
    if crs is None:
        return
    name = None
    if isinstance(crs, dict) and crs.get("type") == "name" and isinstance(crs.get("properties"), dict):
        name = crs["properties"].get("name")
    if not isinstance(name, str) or name.strip() not in ACCEPTED_CRS_NAMES:
        raise GeometryCRSError(
            _(
                "Hình phải dùng kinh độ/vĩ độ WGS 84 (EPSG:4326); không nhận crs cho bằng đường link, "
                "đường dẫn tệp hay tên khác"
            )
        )


def shape_from_geojson(obj, *, limit: int | None = None, _depth: int = 0, _budget: _Budget | None = None):
    """A shapely geometry from a parsed GeoJSON geometry (or Feature), every structure checked."""
    budget = _budget or _Budget(limit if limit is not None else max_vertices())
    if not isinstance(obj, dict):
        raise GeometryParseError(_("Hình GeoJSON phải là một đối tượng (object)"))
    if _budget is None and _dict_depth_exceeds(obj, MAX_TEXT_DEPTH):
        raise _too_deep(MAX_TEXT_DEPTH)
    _check_crs_member(obj)
    kind = obj.get("type")
    if kind == "Feature":
        if obj.get("geometry") is None:
            raise EmptyGeometry(_("Đối tượng không có hình"))
        return shape_from_geojson(obj["geometry"], _depth=_depth, _budget=budget)
    if kind == "Point":
        coords = _list(obj, "coordinates")
        if not coords:
            raise EmptyGeometry(_("Điểm đang trống"))
        budget.take(1)
        return shapely.Point(_position(coords))
    if kind == "MultiPoint":
        return shapely.MultiPoint(
            _positions(_list(obj, "coordinates"), budget, 1, pgettext("geometry part", "Nhóm điểm"))
        )
    if kind == "LineString":
        return shapely.LineString(_positions(_list(obj, "coordinates"), budget, 2, pgettext("geometry part", "Đường")))
    if kind == "MultiLineString":
        parts = [_positions(p, budget, 2, pgettext("geometry part", "Đường")) for p in _list(obj, "coordinates")]
        return shapely.MultiLineString(parts)
    if kind == "Polygon":
        return _polygon(_list(obj, "coordinates"), budget)
    if kind == "MultiPolygon":
        return shapely.MultiPolygon([_polygon(p, budget) for p in _list(obj, "coordinates")])
    if kind == "GeometryCollection":
        if _depth >= MAX_COLLECTION_DEPTH:
            message = _("Các tập hợp hình (GeometryCollection) lồng nhau sâu quá %(levels)s tầng")
            raise TooManyVertices(message % {"levels": MAX_COLLECTION_DEPTH})
        members = [shape_from_geojson(g, _depth=_depth + 1, _budget=budget) for g in _list(obj, "geometries")]
        return shapely.GeometryCollection(members)
    raise GeometryParseError(_("Kiểu hình GeoJSON không được hỗ trợ: %(type)s") % {"type": repr(str(kind)[:40])})


# ---------------------------------------------------------------------------------------------
# WKT and WKB: measured first, then parsed by GEOS.

_WKB_KINDS = {1: "Point", 2: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString", 6: "MultiPolygon"}


def _scan_wkb(data: bytes, limit: int) -> None:
    """Walk a WKB/EWKB header tree: nesting, vertex count and length are checked without GEOS."""
    total = 0
    pos = 0
    todo = [0]  # the nesting depth of each geometry header still to read
    while todo:
        depth = todo.pop()
        if depth > MAX_COLLECTION_DEPTH + 1:
            raise _too_deep(MAX_COLLECTION_DEPTH)
        if pos + 5 > len(data) or data[pos] not in (0, 1):
            raise _bad_wkb()
        endian = "<" if data[pos] == 1 else ">"
        (code,) = struct.unpack_from(endian + "I", data, pos + 1)
        pos += 5
        has_z, has_m = bool(code & 0x80000000), bool(code & 0x40000000)
        if code & 0x20000000:
            pos += 4
        code &= 0x0FFFFFFF
        has_z, has_m = has_z or code // 1000 in (1, 3), has_m or code // 1000 in (2, 3)
        if has_m:
            raise _no_measures()
        kind, dims = code % 1000, 3 if has_z else 2
        if kind == 1:
            n_points = 1
            pos += 8 * dims
        elif kind == 2:
            (n_points,) = struct.unpack_from(endian + "I", data, pos) if pos + 4 <= len(data) else (None,)
            if n_points is None:
                raise _bad_wkb()
            pos += 4 + 8 * dims * n_points
        elif kind == 3:
            if pos + 4 > len(data):
                raise _bad_wkb()
            (rings,) = struct.unpack_from(endian + "I", data, pos)
            pos += 4
            n_points = 0
            for _ring_number in range(min(rings, limit + 1)):
                if pos + 4 > len(data):
                    raise _bad_wkb()
                (count,) = struct.unpack_from(endian + "I", data, pos)
                n_points += count
                pos += 4 + 8 * dims * count
                if n_points > limit:
                    break
        elif kind in (4, 5, 6, 7):
            if pos + 4 > len(data):
                raise _bad_wkb()
            (parts,) = struct.unpack_from(endian + "I", data, pos)
            pos += 4
            if parts > limit:
                raise TooManyVertices(_("Hình có hơn %(limit)s phần") % {"limit": limit})
            todo.extend([depth + 1] * parts)
            n_points = 0
        else:
            raise GeometryParseError(_("Không hỗ trợ kiểu hình WKB %(code)s") % {"code": code})
        total += n_points
        if total > limit:
            raise _too_many_vertices(limit)
        if pos > len(data):
            raise _bad_wkb()


def _from_wkt(text: str, limit: int) -> shapely.Geometry:
    body = text
    match = re.match(r"\s*SRID\s*=\s*(-?\d+)\s*;", text, re.IGNORECASE)
    if match:
        if int(match.group(1)) != 4326:
            raise _not_lonlat()
        body = text[match.end() :]
    # In WKT, commas + 1 is exactly the number of positions of a geometry with no EMPTY parts.
    if body.count(",") + 1 > limit:
        raise _too_many_vertices(limit)
    if text_depth(body, b"(", b")") > MAX_COLLECTION_DEPTH + 4:
        message = _("Hình lồng nhau sâu quá %(levels)s tầng tập hợp") % {"levels": MAX_COLLECTION_DEPTH}
        raise TooManyVertices(message)
    try:
        return shapely.from_wkt(body)
    except shapely.errors.GEOSException as exc:
        message = str(exc).split(": ", 1)[-1]
        if "closed linestring" in message:
            message = _("vòng của vùng chưa khép kín (%(detail)s)") % {"detail": message}
        raise GeometryParseError(_("Không phải hình WKT hợp lệ: %(detail)s") % {"detail": message[:200]}) from None


def _from_wkb(data: bytes, limit: int) -> shapely.Geometry:
    _scan_wkb(data, limit)
    try:
        geom = shapely.from_wkb(data)
    except shapely.errors.GEOSException as exc:
        raise GeometryParseError(_("Không phải hình WKB hợp lệ: %(detail)s") % {"detail": str(exc)[:200]}) from None
    srid = shapely.get_srid(geom)
    if srid not in (0, 4326):
        raise _not_lonlat()
    return geom


def to_geos(geom: shapely.Geometry) -> GEOSGeometry:
    """A shapely geometry in lon/lat as a GEOSGeometry with SRID 4326."""
    return GEOSGeometry(memoryview(shapely.to_wkb(shapely.set_srid(geom, 0))), srid=4326)


def parse_shape(value, *, limit: int | None = None) -> shapely.Geometry:
    """A shapely geometry from GeoJSON (dict or text), WKT/EWKT or WKB (bytes or hex), bounded."""
    limit = max_vertices() if limit is None else limit
    if isinstance(value, dict):
        geom = shape_from_geojson(value, limit=limit)
    elif isinstance(value, bytes | bytearray | memoryview):
        geom = _from_wkb(bytes(value), limit)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise EmptyGeometry(_("Cần có một hình"))
        if text[0] == "{":
            _check_json_text(text, limit)
            geom = shape_from_geojson(strict_json_loads(text), limit=limit)
        elif re.fullmatch(r"(?:00|01)[0-9a-fA-F]+", text[:64]) and re.fullmatch(r"[0-9a-fA-F]+", text):
            geom = _from_wkb(bytes.fromhex(text), limit)
        else:
            geom = _from_wkt(text, limit)
    else:
        raise GeometryParseError(_("Hình phải ở dạng GeoJSON, WKT hoặc WKB"))
    if shapely.has_m(geom):
        raise _no_measures()
    return geom


def parse_geometry(value, layer=None) -> GEOSGeometry:
    """Parse and validate a geometry for a layer: GeoJSON, WKT or WKB in, a valid 4326 GEOSGeometry out."""
    geom = parse_shape(value)
    return validate_geometry(to_geos(geom), layer)


# ---------------------------------------------------------------------------------------------
# Validation of a parsed geometry against the platform's rules and a layer.


def _location(reason: str):
    match = _LOCATION.search(reason)
    return [float(match.group(1)), float(match.group(2))] if match else None


def invalid_reason(reason: str) -> str:
    """GEOS's validity reason ("Self-intersection[108.2 15.3]") in the user's words and language."""
    match = _LOCATION.search(reason)
    problem = reason[: match.start()] if match else reason
    words = GEOS_REASONS.get(problem.strip(), problem)
    if not match:
        return _("Hình không hợp lệ: %(problem)s") % {"problem": words}
    place = {"problem": words, "x": match.group(1), "y": match.group(2)}
    return _("Hình không hợp lệ: %(problem)s tại kinh độ %(x)s, vĩ độ %(y)s") % place


def _outside(x: float, y: float, *, swapped: bool, first: bool) -> OutsideDistrict:
    """Outside the district, with the likely cause: swapped lat/lon, projected metres, or another place."""
    place = {"x": f"{x:g}", "y": f"{y:g}"}
    if swapped:
        message = _("Nằm ngoài huyện: có lẽ vĩ độ và kinh độ bị đổi chỗ cho nhau (điểm %(x)s %(y)s)")
    elif first:
        message = _("Nằm ngoài huyện (điểm đầu tiên ở ngoài: %(x)s %(y)s)")
    else:
        message = _("Nằm ngoài huyện: toạ độ có lẽ ở hệ chiếu (mét) chứ không phải kinh độ/vĩ độ (điểm %(x)s %(y)s)")
    return OutsideDistrict(message % place)


def geometry_name(kind: str) -> str:
    """A geometry type in words, with its GeoJSON name: "đường (LineString)"."""
    return f"{GEOMETRY_NAMES.get(kind, kind)} ({kind})"


def check_shape(geom: shapely.Geometry, layer=None) -> shapely.Geometry:
    """The checks of validate_geometry on a shapely geometry in lon/lat; returns it 2D and fitted."""
    if geom is None or shapely.is_empty(geom):
        raise EmptyGeometry(_("Hình đang trống"))
    if shapely.has_m(geom):
        raise _no_measures()
    if shapely.get_num_coordinates(geom) > max_vertices():
        raise _too_many_vertices(max_vertices())
    if shapely.has_z(geom):
        geom = shapely.force_2d(geom)
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise _not_finite()
    lon, lat = coords[:, 0], coords[:, 1]
    west, south, east, north = settings.DISTRICT_BBOX
    beyond = (np.abs(lon) > 180) | (np.abs(lat) > 90)
    if beyond.any():
        x, y = coords[beyond][0]
        swapped = south <= x <= north and west <= y <= east
        if swapped or abs(x) > 360 or abs(y) > 360:
            raise _outside(x, y, swapped=swapped, first=False)
        message = _("Kinh độ phải trong khoảng ±180 và vĩ độ trong khoảng ±90 (nhận được %(x)s %(y)s)")
        raise OutOfRange(message % {"x": f"{x:g}", "y": f"{y:g}"})
    kind = geom.geom_type
    if layer is not None:
        accepted = ACCEPTS.get(layer.geometry_type, (layer.geometry_type,))
        if kind not in accepted:
            message = _("Hình kiểu %(kind)s không hợp với lớp “%(layer)s”, lớp này chứa %(expected)s")
            title = layer.title(get_language() or "vi") if hasattr(layer, "title") else layer.slug
            names = {"kind": geometry_name(kind), "layer": title, "expected": geometry_name(layer.geometry_type)}
            raise GeometryTypeError(message % names)
    outside = (lon < west) | (lon > east) | (lat < south) | (lat > north)
    if outside.any():
        x, y = coords[outside][0]
        raise _outside(x, y, swapped=south <= x <= north and west <= y <= east, first=True)
    if layer is not None and layer.geometry_type.startswith("Multi") and not kind.startswith("Multi"):
        geom = {"Point": shapely.MultiPoint, "LineString": shapely.MultiLineString, "Polygon": shapely.MultiPolygon}[
            kind
        ]([geom])
    return geom


def validate_geometry(geom: GEOSGeometry, layer=None) -> GEOSGeometry:
    """Check a geometry for a layer (SRID, type, emptiness, range, district, validity); return it fitted.

    Raises a GeometryError naming the problem; invalid polygons name GEOS's reason and place
    (PostGIS ST_IsValidReason's "Self-intersection[0.5 0.5]") in words, see ``invalid_reason``.
    """
    if geom is None:
        raise EmptyGeometry(_("Cần có một hình"))
    if geom.srid not in (None, 4326):
        message = _("Hình phải dùng kinh độ/vĩ độ WGS 84 (EPSG:4326), không phải EPSG:%(srid)s")
        raise GeometryCRSError(message % {"srid": geom.srid})
    if geom.empty:
        raise EmptyGeometry(_("Hình đang trống"))
    fitted = check_shape(shapely.from_wkb(bytes(geom.wkb)), layer)
    result = to_geos(fitted)
    # Validity through Django's GEOS, the library PostGIS itself uses for ST_IsValidReason
    # (the reason call alone: GEOSisValid would also log a notice per invalid row).
    reason = result.valid_reason
    if reason != "Valid Geometry":
        raise InvalidGeometry(invalid_reason(reason), location=_location(reason))
    return result


def _promote(geoms: np.ndarray, layer) -> np.ndarray:
    """Single parts as one-part multis for a Multi* layer (vectorised)."""
    if layer is None or not layer.geometry_type.startswith("Multi") or geoms.size == 0:
        return geoms
    single = layer.geometry_type[len("Multi") :]
    mask = shapely.get_type_id(geoms) == {"Point": 0, "LineString": 1, "Polygon": 3}[single]
    if mask.any():
        make = {"Point": shapely.multipoints, "LineString": shapely.multilinestrings, "Polygon": shapely.multipolygons}
        count = int(mask.sum())
        geoms = geoms.copy()
        geoms[mask] = make[single](geoms[mask], indices=np.arange(count))
    return geoms


def validate_many(shapes, layer=None) -> list[tuple[GEOSGeometry | None, str | None]]:
    """validate_geometry for many lon/lat shapely geometries at once: (geometry, None) or (None, reason).

    The checks run vectorised over all rows; only rows that fail one go through the one-by-one
    path, so the reasons are word for word those of validate_geometry.
    """
    geoms = np.asarray(list(shapes), dtype=object)
    n = geoms.size
    results: list[tuple[GEOSGeometry | None, str | None]] = [(None, None)] * n
    if n == 0:
        return results
    present = np.array([g is not None for g in geoms])
    flagged = ~present
    safe = np.where(present, geoms, shapely.Point())
    flagged |= shapely.is_empty(safe) | shapely.has_m(safe) | (shapely.get_num_coordinates(safe) > max_vertices())
    flat = shapely.force_2d(safe)
    coords, index = shapely.get_coordinates(flat, return_index=True)
    west, south, east, north = settings.DISTRICT_BBOX
    with np.errstate(invalid="ignore"):
        bad_point = ~np.isfinite(coords).all(axis=1)
        bad_point |= (coords[:, 0] < west) | (coords[:, 0] > east) | (coords[:, 1] < south) | (coords[:, 1] > north)
    np.logical_or.at(flagged, index[bad_point], True)
    if layer is not None:
        accepted = ACCEPTS.get(layer.geometry_type, (layer.geometry_type,))
        flagged |= ~np.isin(shapely.get_type_id(flat), [_TYPE_IDS[name] for name in accepted])
    fitted = _promote(flat, layer)
    valid = np.zeros(n, dtype=bool)
    valid[~flagged] = shapely.is_valid(fitted[~flagged])
    wkbs = shapely.to_wkb(fitted)
    for i in range(n):
        if flagged[i]:
            try:
                results[i] = (validate_geometry(to_geos(geoms[i]) if present[i] else None, layer), None)
            except GeometryError as exc:
                results[i] = (None, exc.message)
            continue
        geom = GEOSGeometry(memoryview(wkbs[i]), srid=4326)
        if not valid[i]:
            # The reason (and the verdict) from the GEOS PostGIS uses, not shapely's own copy.
            reason = geom.valid_reason
            if reason != "Valid Geometry":
                results[i] = (None, invalid_reason(reason))
                continue
        results[i] = (geom, None)
    return results


def make_valid_preview(geom: GEOSGeometry, layer=None) -> dict:
    """An explicit ST_MakeValid preview for staff: the reason, the place and the repaired geometry.

    Never used to fix data silently; a person looks at the preview and decides to save it.
    """
    wkb = bytes(to_geos(shapely.force_2d(shapely.from_wkb(bytes(geom.wkb)))).ewkb)
    keep = {"Point": 1, "MultiPoint": 1, "LineString": 2, "MultiLineString": 2, "Polygon": 3, "MultiPolygon": 3}
    dimension = keep.get(layer.geometry_type) if layer is not None else None
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT ST_IsValid(g), ST_IsValidReason(g), ST_AsBinary(ST_Location),
                   ST_AsEWKB(CASE WHEN %s::int IS NULL THEN ST_MakeValid(g)
                                  ELSE ST_Multi(ST_CollectionExtract(ST_MakeValid(g), %s::int)) END)
            FROM (SELECT g, (ST_IsValidDetail(g)).location AS ST_Location
                  FROM (SELECT ST_SetSRID(ST_GeomFromEWKB(%s), 4326) AS g) AS source) AS detail
            """,
            [dimension, dimension, wkb],
        )
        valid, reason, location, repaired = cursor.fetchone()
    point = shapely.from_wkb(bytes(location)) if location else None
    fixed = GEOSGeometry(memoryview(bytes(repaired))) if repaired else None
    if fixed is not None and layer is not None and not layer.geometry_type.startswith("Multi") and fixed.num_geom == 1:
        fixed = fixed[0]
    if fixed is not None:
        fixed.srid = 4326
    return {
        "valid": bool(valid),
        "reason": reason,
        "location": [point.x, point.y] if point is not None and not point.is_empty else None,
        "geometry": fixed,
    }
