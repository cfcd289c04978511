"""Absolute links of the API: per-layer endpoints and paging."""

import json
from datetime import UTC, datetime

from django.urls import reverse

from layers.registry import Layer

from .params import FeatureQuery

EXPORT_FORMATS = ("geojson", "gpkg", "shp", "csv", "kml")


def absolute(request, name: str, **kwargs) -> str:
    """The absolute URL of a named route."""
    return request.build_absolute_uri(reverse(f"api:{name}", kwargs=kwargs))


def tile_template(request, layer: Layer) -> str:
    """The {z}/{x}/{y} URL template of the layer's vector tiles."""
    base = absolute(request, "tile", slug=layer.slug, z=0, x=0, y=0)
    return base.replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf")


def for_layer(request, layer: Layer) -> dict:
    """Every way to reach one layer."""
    return {
        "self": absolute(request, "layer", slug=layer.slug),
        "features": absolute(request, "features", slug=layer.slug),
        "ogc_collection": absolute(request, "ogc-collection", slug=layer.slug),
        "ogc_items": absolute(request, "ogc-items", slug=layer.slug),
        "tilejson": absolute(request, "tilejson", slug=layer.slug),
        "tiles": tile_template(request, layer),
        "exports": {fmt: absolute(request, "export", slug=layer.slug, fmt=fmt) for fmt in EXPORT_FORMATS},
    }


def _with(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = str(value)
    return request.build_absolute_uri(request.path) + "?" + params.urlencode()


def paging(request, query: FeatureQuery, returned: int, matched: int) -> dict:
    """next/prev URLs (None when there is no such page)."""
    nxt = prv = None
    if query.offset + returned < matched:
        nxt = _with(request, offset=query.offset + returned, limit=query.limit)
    if query.offset > 0:
        prv = _with(request, offset=max(query.offset - query.limit, 0), limit=query.limit)
    return {"next": nxt, "prev": prv}


def collection_text(head: dict, features_text: str | bytes) -> bytes:
    """A FeatureCollection in UTF-8: the head members serialised here, the features array as PostgreSQL wrote it.

    Built as bytes: a page of 1,000 features is about 500 KB, and joining it as str then encoding it
    for the response cost about a millisecond a page.
    """
    if isinstance(features_text, str):
        features_text = features_text.encode()
    head_text = json.dumps({"type": "FeatureCollection", **head}, ensure_ascii=False)[:-1]
    return b"".join((head_text.encode(), b',"features":', features_text, b"}"))


def now_iso() -> str:
    """The current UTC time for OGC ``timeStamp``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
