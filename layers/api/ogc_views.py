"""OGC API - Features Parts 1-3 (Core, GeoJSON, HTML, OpenAPI 3.0, CRS, Filtering) over the layer registry."""

import json

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from geoplatform.errors import NotFound
from layers.registry import registry

from . import columns, cql2, crs, extents, features, links, openapi, params, sql
from .access import layer_for, read_only
from .errors import NotAcceptable

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
SCHEMA = "application/schema+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CRS84 = crs.CRS84_URI
TRS = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
_FEATURES = "http://www.opengis.net/spec/ogcapi-features-"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
# What this service implements, one class per line. Other modules append theirs (e.g. Part 4 writes
# on parcels), so this list is the one source of /conformance.
CONFORMANCE = [
    _FEATURES + "1/1.0/conf/core",
    _FEATURES + "1/1.0/conf/geojson",
    _FEATURES + "1/1.0/conf/html",
    _FEATURES + "1/1.0/conf/oas30",
    _FEATURES + "2/1.0/conf/crs",
    _FEATURES + "3/1.0/conf/queryables",
    _FEATURES + "3/1.0/conf/filter",
    _FEATURES + "3/1.0/conf/features-filter",
    _CQL2 + "cql2-text",
    _CQL2 + "cql2-json",
    _CQL2 + "basic-cql2",
    _CQL2 + "advanced-comparison-operators",
    _CQL2 + "basic-spatial-functions",
    _CQL2 + "basic-spatial-functions-plus",
]
DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
_JSON_TYPES = {JSON, GEOJSON, SCHEMA, "application/vnd.oai.openapi+json", "application/*", "*/*"}


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    out = []
    for part in accept.split(",")[:30]:
        media, *options = [p.strip() for p in part.split(";")]
        quality = 1.0
        for option in options:
            name, _sep, value = option.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            out.append((media.lower(), quality))
    return out


def wants_html(request) -> bool:
    """HTML or JSON, by ``f`` first and else by the Accept header (JSON when neither says HTML)."""
    fmt = request.GET.get("f")
    if fmt is not None:
        if fmt == "html":
            return True
        if fmt in ("json", "geojson"):
            return False
        raise NotAcceptable(_("f phải là json, geojson hoặc html"), field="f")
    ranges = _media_ranges(request.META.get("HTTP_ACCEPT", ""))
    html = max((q for m, q in ranges if m in (HTML, "text/*", "application/xhtml+xml")), default=0.0)
    data = max((q for m, q in ranges if m in _JSON_TYPES), default=0.0)
    return html > 0 and html > data


def _json(data, content_type=JSON, status=200) -> JsonResponse:
    response = JsonResponse(data, content_type=content_type, status=status, json_dumps_params={"ensure_ascii": False})
    response["Vary"] = "Accept, Accept-Language"
    return response


def _html(request, template: str, context: dict) -> HttpResponse:
    response = render(request, f"api/ogc/{template}", context)
    response["Vary"] = "Accept, Accept-Language"
    return response


def _url(request, name, **kwargs) -> str:
    return links.absolute(request, name, **kwargs)


def _lang(request) -> str:
    return "en" if (getattr(request, "LANGUAGE_CODE", None) or "vi").startswith("en") else "vi"


def _landing_links(request) -> list[dict]:
    landing = _url(request, "ogc-landing")
    return [
        {"rel": "self", "type": JSON, "title": _("Trang này (JSON)"), "href": landing},
        {"rel": "alternate", "type": HTML, "title": _("Trang này (HTML)"), "href": landing + "?f=html"},
        {"rel": "service-desc", "type": OPENAPI, "title": _("Mô tả API (OpenAPI)"), "href": _url(request, "ogc-api")},
        {
            "rel": "conformance",
            "type": JSON,
            "title": _("Các lớp chuẩn đáp ứng"),
            "href": _url(request, "ogc-conformance"),
        },
        {"rel": "data", "type": JSON, "title": _("Các lớp dữ liệu"), "href": _url(request, "ogc-collections")},
    ]


@read_only
def landing(request):
    """The landing page with self, service-desc, conformance and data links."""
    body = {
        "title": _("Bản đồ điều hành Bắc Trà My: OGC API - Features"),
        "description": _("Các lớp dữ liệu của bản đồ điều hành huyện, theo chuẩn OGC API - Features."),
        "links": _landing_links(request),
    }
    if wants_html(request):
        return _html(request, "landing.html", {"doc": body})
    return _json(body)


@read_only
def api_document(request):
    """The OpenAPI 3.0 description of this OGC API."""
    if request.GET.get("f", "json") not in ("json", "openapi"):
        raise NotAcceptable(_("Mô tả API chỉ có ở dạng JSON (f=json)"), field="f")
    return _json(openapi.ogc_document(request, request.user), OPENAPI)


@read_only
def conformance(request):
    """The conformance classes implemented."""
    from .ogc_write import CONFORMANCE as PART4  # Part 4 (writes) lives in its own module

    body = {"conformsTo": list(dict.fromkeys(CONFORMANCE + PART4))}
    if wants_html(request):
        return _html(request, "conformance.html", {"doc": body})
    return _json(body)


def _extent(layer) -> dict | None:
    """The layer's extent; none at all for an empty layer (never a made-up world box)."""
    bbox, interval = extents.extent(layer)  # kept until the layer's data changes
    extent = {}
    if bbox:
        extent["spatial"] = {"bbox": [bbox], "crs": CRS84}
    if interval and any(interval):
        extent["temporal"] = {"interval": [interval], "trs": TRS}
    return extent or None


def _collection(request, layer) -> dict:
    lang = _lang(request)
    self_href = _url(request, "ogc-collection", slug=layer.slug)
    items_href = _url(request, "ogc-items", slug=layer.slug)
    queryables_href = _url(request, "ogc-queryables", slug=layer.slug)
    body = {
        "id": layer.slug,
        "title": layer.title(lang),
        "description": layer.description_en if lang == "en" else layer.description_vi,
        "itemType": "feature",
        "crs": crs.URIS,
        "storageCrs": CRS84,
        "links": [
            {"rel": "self", "type": JSON, "title": _("Lớp dữ liệu này (JSON)"), "href": self_href},
            {"rel": "alternate", "type": HTML, "title": _("Lớp dữ liệu này (HTML)"), "href": self_href + "?f=html"},
            {"rel": "items", "type": GEOJSON, "title": _("Các đối tượng (GeoJSON)"), "href": items_href},
            {"rel": "items", "type": HTML, "title": _("Các đối tượng (HTML)"), "href": items_href + "?f=html"},
            {"rel": QUERYABLES_REL, "type": SCHEMA, "title": _("Các thuộc tính lọc được"), "href": queryables_href},
            # GDAL 3.6 looks for the draft's plain "queryables" relation.
            {"rel": "queryables", "type": JSON, "title": _("Các thuộc tính lọc được"), "href": queryables_href},
        ],
    }
    if layer.time_field is None:
        body["description"] = (
            body["description"] + " " + _("Lớp này không có thời gian: datetime không chọn đối tượng nào.")
        ).strip()
    extent = _extent(layer)
    if extent:
        body["extent"] = extent
    return body


@read_only
def collections(request):
    """Every collection this user may read."""
    href = _url(request, "ogc-collections")
    body = {
        "links": [
            {"rel": "self", "type": JSON, "title": _("Trang này (JSON)"), "href": href},
            {"rel": "alternate", "type": HTML, "title": _("Trang này (HTML)"), "href": href + "?f=html"},
        ],
        "collections": [_collection(request, layer) for layer in registry.readable_by(request.user)],
    }
    if wants_html(request):
        return _html(request, "collections.html", {"doc": body})
    return _json(body)


@read_only
def collection(request, slug):
    """One collection's metadata."""
    layer = layer_for(slug, request.user)
    body = _collection(request, layer)
    if wants_html(request):
        return _html(request, "collection.html", {"doc": body, "layer": layer})
    return _json(body)


def _labels() -> dict:
    from layers.web.strings import field_labels  # the map's words for fields, one source

    return field_labels()


@read_only
def queryables(request, slug):
    """The properties a filter may name: a JSON Schema of the fields this user may see."""
    layer = layer_for(slug, request.user)
    if request.GET.get("f", "json") not in ("json", "schema"):
        raise NotAcceptable(_("Danh sách thuộc tính lọc chỉ có ở dạng JSON (f=json)"), field="f")
    labels = _labels()
    props = {}
    for name, col in cql2.queryables(layer, request.user).items():
        schema = {"title": str(labels.get(name, name)), "type": col.json_type}
        if col.is_time:
            schema["format"] = "date-time"
        elif col.json_type == "string" and col.field.get_internal_type() == "DateField":
            schema["format"] = "date"
        props[name] = schema
    props["geometry"] = {"title": _("Hình"), "format": "geometry-" + layer.geometry_type.lower()}
    body = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": _url(request, "ogc-queryables", slug=slug),
        "type": "object",
        "title": layer.title(_lang(request)),
        "properties": props,
        "additionalProperties": False,
        # The draft form GDAL 3.6 reads to know which properties it may send in a filter.
        "queryables": [{"id": name, "type": p.get("type", "geometry")} for name, p in props.items()],
    }
    # application/schema+json is the spec's type; a client that only accepts application/json (GDAL 3.6)
    # gets the same document under that type.
    accepted = {media for media, quality in _media_ranges(request.META.get("HTTP_ACCEPT", "")) if quality > 0}
    plain = JSON in accepted and SCHEMA not in accepted and "*/*" not in accepted
    return _json(body, JSON if plain else SCHEMA)


def _feature_links(request, slug, fid) -> list[dict]:
    href = _url(request, "ogc-item", slug=slug, fid=fid)
    return [
        {"rel": "self", "type": GEOJSON, "href": href},
        {"rel": "alternate", "type": HTML, "href": href + "?f=html"},
        {"rel": "collection", "type": JSON, "href": _url(request, "ogc-collection", slug=slug)},
    ]


def _table(layer, user, feature_list: list[dict]) -> tuple[list[str], list[dict]]:
    """Column headings (words) and rows for the HTML pages."""
    labels = _labels()
    cols = columns.visible(layer, user)
    headings = [str(labels.get(c.name, c.name.replace("_", " "))) for c in cols]
    rows = []
    for feature in feature_list:
        props = feature.get("properties") or {}
        rows.append(
            {"id": feature.get("id"), "cells": ["" if props.get(c.name) is None else props[c.name] for c in cols]}
        )
    return headings, rows


@read_only
def items(request, slug):
    """Features of a collection, paged by limit/offset with next/prev links."""
    layer = layer_for(slug, request.user)
    html = wants_html(request)
    query = params.parse(layer, request.user, request.GET, default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT, ogc=True)
    out_crs = crs.by_uri(request.GET.get("crs"), "crs")
    text, returned, matched = features.page(layer, request.user, query)
    paging = links.paging(request, query, returned, matched)
    self_href = request.build_absolute_uri()
    item_links = [
        {"rel": "self", "type": HTML if html else GEOJSON, "href": self_href},
        {"rel": "collection", "type": JSON, "href": _url(request, "ogc-collection", slug=slug)},
    ]
    item_links += [{"rel": rel, "type": GEOJSON, "href": href} for rel, href in paging.items() if href]
    head = {
        "timeStamp": links.now_iso(),
        "numberMatched": matched,
        "numberReturned": returned,
        "links": item_links,
    }
    if html:
        feature_list = json.loads(text)
        headings, rows = _table(layer, request.user, feature_list)
        for row in rows:
            row["href"] = _url(request, "ogc-item", slug=slug, fid=row["id"]) + "?f=html"
        context = {
            "layer": layer,
            "title": layer.title(_lang(request)),
            "head": head,
            "paging": paging,
            "headings": headings,
            "rows": rows,
            "geojson": {
                "type": "FeatureCollection",
                "features": feature_list if out_crs.srid == 4326 and not out_crs.lat_first else [],
            },
            "collection_href": _url(request, "ogc-collection", slug=slug) + "?f=html",
        }
        return _html(request, "items.html", context)
    response = HttpResponse(links.collection_text(head, text), content_type=GEOJSON)
    response["Content-Crs"] = crs.header(out_crs)
    response["Vary"] = "Accept, Accept-Language"
    return response


@read_only
def item(request, slug, fid):
    """One feature of a collection."""
    layer = layer_for(slug, request.user)
    html = wants_html(request)
    out_crs = crs.by_uri(request.GET.get("crs"), "crs")
    number = features.feature_id(fid)
    text = sql.one(layer, columns.visible(layer, request.user), number, out_crs.srid, out_crs.lat_first)
    if text is None:
        raise NotFound(
            _("Không có đối tượng %(id)s trong lớp %(layer)s") % {"id": number, "layer": layer.slug}, field="id"
        )
    feature = features.as_dict(text)
    feature["links"] = _feature_links(request, slug, number)
    if html:
        headings, rows = _table(layer, request.user, [feature])
        context = {
            "layer": layer,
            "title": layer.title(_lang(request)),
            "pairs": list(zip(headings, rows[0]["cells"], strict=True)),
            "feature": feature,
            "geojson": {
                "type": "FeatureCollection",
                "features": [feature] if out_crs.srid == 4326 and not out_crs.lat_first else [],
            },
            "items_href": _url(request, "ogc-items", slug=slug) + "?f=html",
        }
        return _html(request, "item.html", context)
    response = _json(feature, GEOJSON)
    response["Content-Crs"] = crs.header(out_crs)
    return response


def not_found(request, rest=""):
    """Any other path under /ogc: a 404 in the API's error shape, never Django's debug page."""
    return JsonResponse(
        {"error": {"code": "not_found", "message": _("Không có tài nguyên này trong OGC API"), "field": None}},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )
