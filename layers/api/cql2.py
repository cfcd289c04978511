"""OGC API Features Part 3 filters: CQL2 text or JSON, parsed by pygeofilter, turned into bound SQL.

Identifiers come only from the layer's queryables (quoted by the database backend); every value
is a bound parameter. Size, depth, operators and literal types are checked before and after
parsing, so a hostile filter is a 400 and never reaches PostgreSQL.
"""

import json
import math
import re
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from lark.exceptions import LarkError
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_json
from pygeofilter.parsers.cql2_text import parse as parse_text

from layers.registry import Layer

from . import columns, sql
from .crs import Crs
from .errors import BadParameter

MAX_TEXT = 4_000  # characters of a filter; a legitimate one is a few hundred
MAX_DEPTH = 12  # nesting of parentheses / JSON; MapServer fell over on 1,600 nested ands
MAX_NODES = 200
MAX_LIST = 100  # values of one IN
MAX_LITERAL = 500
MAX_NUMBER = 10**15
MAX_VERTICES = 10_000
GEOMETRY_NAMES = ("geometry", "geom")
JSON_OPS = frozenset(
    {"and", "or", "not", "=", "<>", "<", "<=", ">", ">=", "like", "in", "between", "isNull"}
    | {"s_intersects", "s_within", "t_intersects"}
)
_COMPARISON = {
    ast.Equal: "=",
    ast.NotEqual: "<>",
    ast.LessThan: "<",
    ast.LessEqual: "<=",
    ast.GreaterThan: ">",
    ast.GreaterEqual: ">=",
}
_SPATIAL = {ast.GeometryIntersects: "ST_Intersects", ast.GeometryWithin: "ST_Within"}
_NUMERIC = (models.IntegerField, models.FloatField, models.DecimalField, models.AutoField, models.ForeignKey)
_TEMPORAL_CALL = re.compile(r"\bT_([A-Za-z]+)\s*\(", re.IGNORECASE)
_T_INTERSECTS = re.compile(
    r"\bT_INTERSECTS\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,\s*"
    r"(?:TIMESTAMP\s*\(\s*'([^']*)'\s*\)|DATE\s*\(\s*'([^']*)'\s*\)|INTERVAL\s*\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\))\s*\)",
    re.IGNORECASE,
)
_EARLIEST, _LATEST = "0001-01-01T00:00:00Z", "9999-12-30T23:59:59Z"


class FilterError(BadParameter):
    """A filter that cannot be run: malformed, too big, or naming what the caller may not use."""


def _fail(message: str) -> FilterError:
    return FilterError(message, field="filter")


def queryables(layer: Layer, user) -> dict[str, columns.Column]:
    """The properties this user may filter on: every field they may see."""
    return {c.name: c for c in columns.visible(layer, user)}


# --- text ---------------------------------------------------------------------------------------


def _outside_quotes(text: str) -> str:
    """The text with the contents of '...' literals blanked (same length), for structural checks."""
    return re.sub(r"'(?:[^']|'')*'", lambda m: "'" + " " * (len(m.group(0)) - 2) + "'", text)


def _check_depth(structure: str) -> None:
    depth = deepest = 0
    for char in structure:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise _fail(_("Bộ lọc lồng nhau quá sâu (tối đa %(max)s mức)") % {"max": MAX_DEPTH})


def _bound(text: str, end: bool) -> str:
    """An interval end as a full UTC timestamp pygeofilter's grammar accepts (open ends far away)."""
    text = text.strip()
    if text in ("..", ""):
        return _LATEST if end else _EARLIEST
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text + ("T23:59:59.999999Z" if end else "T00:00:00Z")
    return text


def _rewrite_temporal(text: str) -> str:
    """CQL2's ``T_INTERSECTS(prop, literal)`` in the infix form pygeofilter 0.4 parses."""
    structure = _outside_quotes(text)
    for match in _TEMPORAL_CALL.finditer(structure):
        if match.group(1).upper() != "INTERSECTS":
            raise _fail(_("Hàm thời gian không được hỗ trợ: %(name)s") % {"name": "T_" + match.group(1)[:30].upper()})

    def infix(match: re.Match) -> str:
        prop, instant, day, start, end = match.groups()
        if instant is not None:
            start = end = instant
        elif day is not None:
            start = end = day
        return f"{prop} T_INTERSECTS INTERVAL('{_bound(start, False)}','{_bound(end, True)}')"

    return _T_INTERSECTS.sub(infix, text)


def _parse_text(text: str):
    if any(m.group(1) is None for m in re.finditer(r"\bT_[A-Za-z]+\b(\s*\()?", _outside_quotes(text))):
        raise _fail(_("Chỉ hỗ trợ T_INTERSECTS(thuộc tính, thời điểm hoặc khoảng thời gian)"))
    _check_depth(_outside_quotes(text))
    try:
        return parse_text(_rewrite_temporal(text))
    except (LarkError, ValueError, TypeError, RecursionError):
        raise _fail(_("Bộ lọc CQL2 viết sai cú pháp")) from None


# --- JSON ---------------------------------------------------------------------------------------


def _reject_constant(name: str):
    raise ValueError(name)


def _check_json(node, depth: int = 0, count: list | None = None):
    """Walk the raw JSON: bounded depth and size, operators from the list, ``between`` in 3-argument form."""
    count = count if count is not None else [0]
    count[0] += 1
    if depth > MAX_DEPTH * 2 or count[0] > MAX_NODES * 4:
        raise _fail(_("Bộ lọc lồng nhau quá sâu (tối đa %(max)s mức)") % {"max": MAX_DEPTH})
    if isinstance(node, list):
        return [_check_json(item, depth + 1, count) for item in node]
    if not isinstance(node, dict):
        return node
    if "op" in node:
        op = node.get("op")
        if op not in JSON_OPS:
            raise _fail(_("Phép toán không được hỗ trợ: %(op)s") % {"op": repr(str(op)[:40])})
        args = node.get("args")
        if not isinstance(args, list):
            raise _fail(_("%(op)s cần một danh sách args") % {"op": op})
        args = [_check_json(a, depth + 1, count) for a in args]
        if op == "between" and len(args) == 3:
            args = [args[0], [args[1], args[2]]]
        if op == "in" and (len(args) != 2 or not isinstance(args[1], list)):
            raise _fail(_("in cần một thuộc tính và một danh sách giá trị"))
        if op == "like" and (len(args) != 2 or not isinstance(args[1], str)):
            raise _fail(_("like cần một thuộc tính và một mẫu chuỗi"))
        return {"op": op, "args": args}
    if "function" in node:
        raise _fail(_("Hàm không được hỗ trợ trong bộ lọc"))
    if "bbox" in node:  # pygeofilter 0.4 reads [minx, miny, maxx, maxy] in another order: a polygon instead
        return _bbox_polygon(node["bbox"])
    return {key: _check_json(value, depth + 1, count) for key, value in node.items()}


def _bbox_polygon(box) -> dict:
    if not isinstance(box, list) or len(box) not in (4, 6) or not all(isinstance(v, (int, float)) for v in box):
        raise _fail(_("bbox trong bộ lọc cần 4 số"))
    minx, miny, maxx, maxy = (box[0], box[1], box[3], box[4]) if len(box) == 6 else box
    ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
    return {"type": "Polygon", "coordinates": [ring]}


def _parse_json(text: str):
    try:
        raw = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise _fail(_("Bộ lọc cql2-json không phải JSON hợp lệ")) from None
    if not isinstance(raw, dict):
        raise _fail(_("Bộ lọc cql2-json phải là một đối tượng JSON"))
    try:
        return parse_json(_check_json(raw))
    except FilterError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
        raise _fail(_("Bộ lọc cql2-json viết sai cấu trúc")) from None


# --- SQL ----------------------------------------------------------------------------------------


class _Builder:
    """Turns one checked AST into a WHERE fragment over alias ``t`` and its bound parameters."""

    def __init__(self, layer: Layer, user, filter_crs: Crs):
        self.layer = layer
        self.allowed = queryables(layer, user)
        self.every = {name for name in layer.public_fields + layer.private_fields}
        self.crs = filter_crs
        self.args: list = []
        self.nodes = 0

    def column(self, node) -> columns.Column:
        if not isinstance(node, ast.Attribute):
            raise _fail(_("Vế trái của phép so sánh phải là một thuộc tính"))
        name = node.name
        if name in self.allowed:
            return self.allowed[name]
        shown = repr(str(name)[:60])
        if name in self.every:
            raise FilterError(_("Không được lọc theo thuộc tính %(name)s") % {"name": shown}, field="filter")
        allowed = ", ".join(sorted(self.allowed))
        message = _("Không có thuộc tính %(name)s để lọc (các thuộc tính lọc được: %(allowed)s)")
        raise FilterError(message % {"name": shown, "allowed": allowed}, field="filter")

    def value(self, col: columns.Column, literal):
        """A literal checked against the column's type (CQL2 is typed: no silent casts)."""
        field = col.field
        if isinstance(literal, bool):
            if isinstance(field, models.BooleanField):
                return literal
        elif isinstance(literal, (int, float)):
            if (isinstance(literal, float) and not math.isfinite(literal)) or abs(literal) > MAX_NUMBER:
                raise _fail(_("Số quá lớn trong bộ lọc"))
            if isinstance(field, _NUMERIC):
                return literal
        elif isinstance(literal, str):
            if len(literal) > MAX_LITERAL or "\x00" in literal:
                raise _fail(_("Chuỗi trong bộ lọc quá dài hoặc chứa ký tự NUL"))
            if not isinstance(field, (*_NUMERIC, models.BooleanField, models.DateField)):
                return literal
            if isinstance(field, models.DateField):  # GDAL 3.6 sends times as quoted strings
                return _time_text(field, literal, col.name)
        elif isinstance(literal, (date, datetime)) and isinstance(field, models.DateField):
            return literal
        message = _("Giá trị %(value)s không hợp kiểu của thuộc tính %(name)s")
        raise _fail(message % {"value": repr(str(literal)[:40]), "name": col.name})

    def operand(self, col: columns.Column, node) -> str:
        if isinstance(node, ast.Attribute):
            return "t." + sql.qn(self.column(node).column)
        self.args.append(self.value(col, node))
        return "%s"

    def build(self, node, depth: int = 0) -> str:
        self.nodes += 1
        if depth > MAX_DEPTH * 2 or self.nodes > MAX_NODES:
            raise _fail(_("Bộ lọc quá lớn"))
        if isinstance(node, (ast.And, ast.Or)):
            joiner = " AND " if isinstance(node, ast.And) else " OR "
            return "(" + self.build(node.lhs, depth + 1) + joiner + self.build(node.rhs, depth + 1) + ")"
        if isinstance(node, ast.Not):
            return "(NOT " + self.build(node.sub_node, depth + 1) + ")"
        if type(node) in _COMPARISON:
            col = self.column(node.lhs)
            return f"t.{sql.qn(col.column)} {_COMPARISON[type(node)]} {self.operand(col, node.rhs)}"
        if isinstance(node, ast.Between):
            col = self.column(node.lhs)
            low, high = self.operand(col, node.low), self.operand(col, node.high)
            return f"({'NOT ' if node.not_ else ''}t.{sql.qn(col.column)} BETWEEN {low} AND {high})"
        if isinstance(node, ast.Like):
            col = self.column(node.lhs)
            if not isinstance(node.pattern, str) or isinstance(col.field, (*_NUMERIC, models.DateField)):
                raise _fail(_("like chỉ dùng cho thuộc tính chữ, với một mẫu chuỗi"))
            pattern = self.operand(col, node.pattern)
            return f"(t.{sql.qn(col.column)} {'NOT ' if node.not_ else ''}LIKE {pattern} ESCAPE '\\')"
        if isinstance(node, ast.In):
            col = self.column(node.lhs)
            if not node.sub_nodes or len(node.sub_nodes) > MAX_LIST:
                raise _fail(_("in cần từ 1 đến %(max)s giá trị") % {"max": MAX_LIST})
            marks = ", ".join(self.operand(col, v) for v in node.sub_nodes)
            return f"(t.{sql.qn(col.column)} {'NOT ' if node.not_ else ''}IN ({marks}))"
        if isinstance(node, ast.IsNull):
            col = self.column(node.lhs)
            return f"(t.{sql.qn(col.column)} IS {'NOT ' if node.not_ else ''}NULL)"
        if type(node) in _SPATIAL:
            return self.spatial(node)
        if isinstance(node, ast.TimeOverlaps):  # what pygeofilter makes of t_intersects (others are refused)
            return self.temporal(node)
        if isinstance(node, ast.Function):
            raise _fail(_("Hàm không được hỗ trợ trong bộ lọc: %(name)s") % {"name": repr(str(node.name)[:40])})
        raise _fail(_("Phép toán không được hỗ trợ trong bộ lọc"))

    def spatial(self, node) -> str:
        if not (isinstance(node.lhs, ast.Attribute) and node.lhs.name in (*GEOMETRY_NAMES, self.layer.geometry_field)):
            raise _fail(_("Vế trái của phép toán không gian phải là thuộc tính geometry"))
        literal = node.rhs
        if isinstance(literal, ast.Function) and str(literal.name).lower() == "bbox" and len(literal.arguments) == 4:
            literal = values.Envelope(
                literal.arguments[0], literal.arguments[2], literal.arguments[1], literal.arguments[3]
            )
        if isinstance(literal, values.Envelope):
            literal = values.Geometry(literal.geometry)
        if not isinstance(literal, values.Geometry):
            raise _fail(_("Vế phải của phép toán không gian phải là một hình (WKT hoặc GeoJSON)"))
        geometry = self.geometry(literal.geometry)
        self.args.extend([bytes(geometry.wkb), self.crs.srid])
        shape = "ST_GeomFromWKB(%s, %s)"
        if self.crs.lat_first:
            shape = f"ST_FlipCoordinates({shape})"
        if self.crs.srid != 4326:
            shape = f"ST_Transform({shape}, 4326)"
        return f"{_SPATIAL[type(node)]}({sql.geom(self.layer)}, {shape})"

    def geometry(self, geojson: dict) -> GEOSGeometry:
        text = json.dumps(geojson, default=list)
        if text.count(",") > MAX_VERTICES * 2:
            raise _fail(_("Hình trong bộ lọc có quá nhiều đỉnh"))
        try:
            shape = GEOSGeometry(text)
        except (GEOSException, GDALException, ValueError, TypeError):
            raise _fail(_("Hình trong bộ lọc không đọc được")) from None
        if shape.empty or not shape.valid:
            raise _fail(_("Hình trong bộ lọc không hợp lệ: %(reason)s") % {"reason": shape.valid_reason[:80]})
        return shape

    def temporal(self, node) -> str:
        col = self.column(node.lhs)
        if not isinstance(col.field, models.DateField):
            raise _fail(_("%(name)s không phải thuộc tính thời gian") % {"name": col.name})
        start, end = _span(node.rhs)
        target = "t." + sql.qn(col.column)
        parts = []
        for bound, op in ((start, ">="), (end, "<=")):
            if bound is None:
                continue
            self.args.append(bound if isinstance(col.field, models.DateTimeField) else bound.date())
            parts.append(f"{target} {op} %s")
        return "(" + " AND ".join(parts or ["TRUE"]) + ")"


def _time_text(field, text: str, name: str):
    try:
        value = field.to_python(text.strip())
    except ValidationError:
        value = None
    if value is None:
        raise _fail(_("Giá trị %(value)s không phải thời gian của %(name)s") % {"value": repr(text[:40]), "name": name})
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _instant(value, end: bool) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
        return None if stamp.year in (1, 9999) else stamp
    if isinstance(value, date):
        return datetime.combine(value, time.max if end else time.min, tzinfo=UTC)
    raise _fail(_("t_intersects cần một thời điểm hoặc một khoảng thời gian"))


def _span(literal) -> tuple[datetime | None, datetime | None]:
    if isinstance(literal, values.Interval):
        if isinstance(literal.start, timedelta) or isinstance(literal.end, timedelta):
            raise _fail(_("Khoảng thời gian theo độ dài chưa được hỗ trợ"))
        start, end = _instant(literal.start, False), _instant(literal.end, True)
        if start and end and start > end:
            raise _fail(_("Khoảng thời gian bắt đầu sau khi kết thúc"))
        return start, end
    return _instant(literal, False), _instant(literal, True)


def to_sql(layer: Layer, user, text: str, lang: str | None, filter_crs: Crs) -> tuple[str, list]:
    """The WHERE fragment and parameters of one ``filter`` in ``cql2-text`` (default) or ``cql2-json``."""
    if len(text) > MAX_TEXT or "\x00" in text:
        raise _fail(_("Bộ lọc quá dài (tối đa %(max)s ký tự)") % {"max": MAX_TEXT})
    if not text.strip():
        raise _fail(_("Bộ lọc đang trống"))
    lang = (lang or "cql2-text").strip()
    if lang in ("cql2-text", "cql-text"):  # cql-text: the draft's name, still sent by GDAL 3.6
        tree = _parse_text(text)
    elif lang == "cql2-json":
        tree = _parse_json(text)
    else:
        message = _("filter-lang phải là cql2-text hoặc cql2-json, không phải %(value)s")
        raise BadParameter(message % {"value": repr(lang[:40])}, field="filter-lang")
    builder = _Builder(layer, user, filter_crs)
    try:
        clause = builder.build(tree)
    except RecursionError:
        raise _fail(_("Bộ lọc lồng nhau quá sâu")) from None
    return clause, builder.args
