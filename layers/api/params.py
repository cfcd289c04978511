"""Query parameters of feature requests, checked against the layer's allowlists."""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from layers.registry import Layer

from . import columns
from .errors import BadParameter

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
MAX_VALUE_LENGTH = 500  # longer than any value a filter field holds
# Parameters every feature endpoint understands; anything else must be a filter field.
RESERVED = frozenset({"bbox", "bbox-crs", "datetime", "limit", "offset", "sortby", "f", "crs", "lang"})
# OGC API Features Part 3 adds these on the items of a collection.
FILTER_PARAMS = frozenset({"filter", "filter-lang", "filter-crs"})
CRS84 = {"http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/4326", ""}
_LAST_DAY = datetime(9999, 12, 30, tzinfo=UTC)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SORT_TERM = re.compile(r"^([+-]?)([A-Za-z_][A-Za-z0-9_]{0,62})$")


@dataclass
class FeatureQuery:
    """What a client asked for, in checked and typed form."""

    bbox: tuple[float, float, float, float] | None = None
    start: datetime | None = None
    end: datetime | None = None
    filters: list[tuple[columns.Column, object]] = field(default_factory=list)
    order: list[tuple[columns.Column, bool]] = field(default_factory=list)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    # OGC only: the CRS of bbox, extra WHERE fragments (CQL2, bound parameters) and the output CRS.
    bbox_srid: int = 4326
    extra: list[tuple[str, list]] = field(default_factory=list)
    out_srid: int = 4326
    out_lat_first: bool = False


def parse_bbox(text: str, *, wrap: bool = False, lat_first: bool = False, projected: bool = False):
    """``minx,miny,maxx,maxy`` in lon/lat (a 6-number 3D box keeps its 2D part).

    ``wrap`` lets minx > maxx mean a box across the antimeridian (OGC API Features); ``lat_first``
    reads EPSG:4326's lat,lon order; ``projected`` takes metres without the degree range check.
    """
    parts = text.split(",")
    if len(parts) not in (4, 6):
        raise BadParameter(_("bbox cần 4 số: minx,miny,maxx,maxy"), field="bbox")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise BadParameter(_("Các giá trị của bbox phải là số"), field="bbox") from None
    if not all(math.isfinite(n) for n in numbers):
        raise BadParameter(_("Các giá trị của bbox phải là số hữu hạn"), field="bbox")
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if lat_first:
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    minx, miny, maxx, maxy = numbers
    if projected:
        if minx > maxx or miny > maxy:
            raise BadParameter(_("Giá trị nhỏ nhất của bbox lớn hơn giá trị lớn nhất"), field="bbox")
        return minx, miny, maxx, maxy
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise BadParameter(_("bbox nằm ngoài kinh độ -180..180 / vĩ độ -90..90"), field="bbox")
    if (minx > maxx and not wrap) or miny > maxy:
        raise BadParameter(_("Giá trị nhỏ nhất của bbox lớn hơn giá trị lớn nhất"), field="bbox")
    return minx, miny, maxx, maxy


def parse_instant(text: str) -> datetime:
    """An RFC 3339 date-time (a bare date is its midnight; UTC when no offset is given)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        message = _("Không phải ngày giờ RFC 3339 (ví dụ 2024-03-01T08:00:00Z): %(value)s") % {"value": repr(text[:40])}
        raise BadParameter(message, field="datetime") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_datetime(text: str) -> tuple[datetime | None, datetime | None]:
    """An instant, or an interval ``a/b`` with ``..`` or nothing for an open end.

    A bare date (``2024-03-01``) alone means that whole UTC day, not only its first instant.
    """
    if "/" not in text:
        instant = parse_instant(text)
        if _DATE_ONLY.match(text.strip()):
            return instant, min(instant, _LAST_DAY) + timedelta(days=1) - timedelta(microseconds=1)
        return instant, instant
    left, _sep, right = text.partition("/")
    start = None if left in ("", "..") else parse_instant(left)
    end = None if right in ("", "..") else parse_instant(right)
    if start is None and end is None:
        raise BadParameter(_("Khoảng thời gian datetime không được để mở cả hai đầu"), field="datetime")
    if start and end and start > end:
        raise BadParameter(_("Khoảng thời gian datetime bắt đầu sau khi kết thúc"), field="datetime")
    return start, end


def parse_count(text: str, name: str, minimum: int, maximum: int) -> int:
    """A positive count; values above the maximum are capped (limit=1e9 pages, not fails)."""
    try:
        number = float(text)
    except ValueError:
        raise BadParameter(_("%(name)s phải là một số") % {"name": name}, field=name) from None
    if not math.isfinite(number) or number != int(number) or number < minimum:
        message = _("%(name)s phải là số nguyên, nhỏ nhất là %(minimum)s") % {"name": name, "minimum": minimum}
        raise BadParameter(message, field=name)
    return min(int(number), maximum)


def typed_value(col: columns.Column, text: str):
    """A filter value converted by the model field (a foreign key takes the related id)."""
    if "\x00" in text or len(text) > MAX_VALUE_LENGTH:
        message = _("Giá trị của %(name)s quá dài hoặc chứa ký tự NUL") % {"name": col.name}
        raise BadParameter(message, field=col.name)
    target = col.field.target_field if isinstance(col.field, models.ForeignKey) else col.field
    if isinstance(target, models.BooleanField):
        text = {"true": "True", "false": "False"}.get(text.lower(), text)
    try:
        value = target.to_python(text)
    except ValidationError:
        message = _("%(value)s không phải là giá trị hợp lệ của %(name)s")
        raise BadParameter(message % {"value": repr(text[:40]), "name": col.name}, field=col.name) from None
    if value is None:
        raise BadParameter(_("Giá trị của %(name)s đang trống") % {"name": col.name}, field=col.name)
    choices = [str(choice) for choice, _label in (col.field.choices or [])]
    if choices and str(value) not in choices:
        # A value outside the field's choices can match nothing: say so instead of an empty page.
        message = _("%(value)s không phải là giá trị hợp lệ của %(name)s (các giá trị: %(allowed)s)")
        allowed = ", ".join(choices[:30])
        raise BadParameter(message % {"value": repr(text[:40]), "name": col.name, "allowed": allowed}, field=col.name)
    return value


def _allowlists(layer: Layer, names: tuple[str, ...]) -> tuple[Mapping, Mapping]:
    """(filterable, sortable) columns by name among the fields a user sees, built once per layer entry and names."""

    def build():
        seen = {c.name: c for c in columns.named(layer, names)}
        filterable = {name: seen[name] for name in layer.filter_fields if name in seen}
        sortable = {name: seen[name] for name in layer.ordering_fields if name in seen}
        return MappingProxyType(filterable), MappingProxyType(sortable)

    # Keyed by the names the user may see (not by the user): a hidden field is never in a reader's lists.
    return layer.memo(("allowlists", names), build)


def parse(
    layer: Layer,
    user,
    params,
    *,
    default_limit: int = DEFAULT_LIMIT,
    max_limit: int = MAX_LIMIT,
    ogc: bool = False,
) -> FeatureQuery:
    """Check every parameter against the layer's allowlists; unknown names are a 400 naming them.

    ``ogc`` adds what OGC API Features asks of items: CRS by reference (Part 2), CQL2 filters
    (Part 3), boxes across the antimeridian, and ``datetime`` on a collection without time.
    """
    query = FeatureQuery(limit=default_limit)
    filterable, sortable = _allowlists(layer, layer.fields_for(user))
    for name in params:
        values = params.getlist(name)
        if len(values) > 1:
            raise BadParameter(_("Tham số %(name)s được gửi nhiều lần") % {"name": name}, field=name)
        text = values[0]
        if name in RESERVED or (ogc and name in FILTER_PARAMS):
            continue
        if name not in filterable:
            allowed = ", ".join(sorted(filterable)) or pgettext("no fields", "không có")
            message = _("Không có tham số hay trường lọc nào tên %(name)s (các trường lọc được: %(allowed)s)")
            raise BadParameter(message % {"name": name[:60], "allowed": allowed}, field=name)
        query.filters.append((filterable[name], typed_value(filterable[name], text)))
    if ogc:
        _parse_ogc(layer, user, params, query)
    else:
        if params.get("bbox-crs", "") not in CRS84 or params.get("crs", "") not in CRS84:
            raise BadParameter(_("Chỉ phục vụ CRS84 (kinh độ/vĩ độ WGS 84)"), field="crs")
        if params.get("f", "json") not in ("json", "geojson"):
            raise BadParameter(_("f phải là json hoặc geojson"), field="f")
        if "bbox" in params:
            query.bbox = parse_bbox(params["bbox"])
    if "datetime" in params:
        if ogc and not layer.time_field:
            # Part 1 (/req/core/fc-time-response): only features whose time intersects the value are
            # returned; these features have no time, so a valid value selects none of them.
            parse_datetime(params["datetime"])
            query.extra.append(("FALSE", []))
        elif not layer.time_field:
            raise BadParameter(_("Lớp %(layer)s không có trường thời gian") % {"layer": layer.slug}, field="datetime")
        query.start, query.end = parse_datetime(params["datetime"])
    if "limit" in params:
        query.limit = parse_count(params["limit"], "limit", 1, max_limit)
    if "offset" in params:
        query.offset = parse_count(params["offset"], "offset", 0, MAX_OFFSET)
    if "sortby" in params:
        for term in params["sortby"].split(","):
            match = _SORT_TERM.match(term.strip())
            if not match or match.group(2) not in sortable:
                allowed = ", ".join(sorted(sortable)) or pgettext("no fields", "không có")
                message = _("Không sắp xếp được theo %(term)s (các trường sắp xếp được: %(allowed)s)")
                raise BadParameter(message % {"term": repr(term.strip()[:60]), "allowed": allowed}, field="sortby")
            query.order.append((sortable[match.group(2)], match.group(1) == "-"))
    return query


def _parse_ogc(layer: Layer, user, params, query: FeatureQuery) -> None:
    """crs, bbox-crs, bbox and filter of an OGC items request."""
    from . import cql2, crs  # cql2 builds on sql, which imports this module

    out = crs.by_uri(params.get("crs"), "crs")
    query.out_srid, query.out_lat_first = out.srid, out.lat_first
    box_crs = crs.by_uri(params.get("bbox-crs"), "bbox-crs")
    if "bbox" in params:
        projected = box_crs.srid != 4326
        query.bbox = parse_bbox(params["bbox"], wrap=not projected, lat_first=box_crs.lat_first, projected=projected)
        query.bbox_srid = box_crs.srid
    if "filter" in params:
        filter_crs = crs.by_uri(params.get("filter-crs"), "filter-crs")
        query.extra.append(cql2.to_sql(layer, user, params["filter"], params.get("filter-lang"), filter_crs))
    elif "filter-lang" in params or "filter-crs" in params:
        crs.by_uri(params.get("filter-crs"), "filter-crs")
