"""OGC API - Features Part 1 (Core, GeoJSON, OpenAPI 3.0) over the layer registry."""

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from layers.registry import registry

from . import features, links, openapi, params, sql
from .access import layer_for, read_only
from .errors import NotAcceptable

GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000


def _check_format(request) -> None:
    if request.GET.get("f", "json") not in ("json", "geojson"):
        raise NotAcceptable(_("Chỉ phục vụ f=json"), field="f")


def _json(data, content_type="application/json") -> JsonResponse:
    return JsonResponse(data, content_type=content_type, json_dumps_params={"ensure_ascii": False})


def _url(request, name, **kwargs) -> str:
    return links.absolute(request, name, **kwargs)


@read_only
def landing(request):
    """The landing page with self, service-desc, conformance and data links."""
    _check_format(request)
    return _json(
        {
            "title": "geoplatform: Bắc Trà My",
            "description": "OGC API - Features over the layers of the district operations map.",
            "links": [
                {"rel": "self", "type": "application/json", "href": _url(request, "ogc-landing")},
                {
                    "rel": "service-desc",
                    "type": "application/vnd.oai.openapi+json;version=3.0",
                    "href": _url(request, "ogc-api"),
                },
                {"rel": "conformance", "type": "application/json", "href": _url(request, "ogc-conformance")},
                {"rel": "data", "type": "application/json", "href": _url(request, "ogc-collections")},
            ],
        }
    )


@read_only
def api_document(request):
    """The OpenAPI 3.0 description of this OGC API."""
    _check_format(request)
    return _json(openapi.ogc_document(request, request.user), "application/vnd.oai.openapi+json;version=3.0")


@read_only
def conformance(request):
    """The conformance classes implemented."""
    _check_format(request)
    return _json({"conformsTo": CONFORMANCE})


def _collection(request, layer) -> dict:
    bbox, interval = sql.extent(layer)
    extent = {"spatial": {"bbox": [bbox or [-180, -90, 180, 90]], "crs": CRS84}}
    if interval:
        extent["temporal"] = {"interval": [interval], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    lang = "en" if (request.LANGUAGE_CODE or "vi").startswith("en") else "vi"
    return {
        "id": layer.slug,
        "title": layer.title(lang),
        "description": layer.description_en if lang == "en" else layer.description_vi,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": extent,
        "links": [
            {"rel": "self", "type": "application/json", "href": _url(request, "ogc-collection", slug=layer.slug)},
            {"rel": "items", "type": GEOJSON, "href": _url(request, "ogc-items", slug=layer.slug)},
        ],
    }


@read_only
def collections(request):
    """Every collection this user may read."""
    _check_format(request)
    return _json(
        {
            "links": [{"rel": "self", "type": "application/json", "href": _url(request, "ogc-collections")}],
            "collections": [_collection(request, layer) for layer in registry.readable_by(request.user)],
        }
    )


@read_only
def collection(request, slug):
    """One collection's metadata."""
    _check_format(request)
    return _json(_collection(request, layer_for(slug, request.user)))


@read_only
def items(request, slug):
    """Features of a collection, paged by limit/offset with a next link."""
    layer = layer_for(slug, request.user)
    _check_format(request)
    query = params.parse(layer, request.user, request.GET, default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT)
    text, returned, matched = features.page(layer, request.user, query)
    paging = links.paging(request, query, returned, matched)
    self_href = request.build_absolute_uri()
    item_links = [
        {"rel": "self", "type": GEOJSON, "href": self_href},
        {"rel": "collection", "type": "application/json", "href": _url(request, "ogc-collection", slug=slug)},
    ]
    item_links += [{"rel": rel, "type": GEOJSON, "href": href} for rel, href in paging.items() if href]
    head = {
        "timeStamp": links.now_iso(),
        "numberMatched": matched,
        "numberReturned": returned,
        "links": item_links,
    }
    return HttpResponse(links.collection_text(head, text), content_type=GEOJSON)


@read_only
def item(request, slug, fid):
    """One feature of a collection."""
    layer = layer_for(slug, request.user)
    _check_format(request)
    text = features.get(layer, request.user, features.feature_id(fid))
    feature = features.as_dict(text)
    feature["links"] = [
        {"rel": "self", "type": GEOJSON, "href": request.build_absolute_uri(request.path)},
        {"rel": "collection", "type": "application/json", "href": _url(request, "ogc-collection", slug=slug)},
    ]
    return _json(feature, GEOJSON)
