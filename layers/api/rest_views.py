"""REST/GeoJSON views: the catalogue, feature collections, single features and their edits."""

import json

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from layers import validation
from layers.registry import registry

from . import bodies, describe, features, links, openapi, params
from .access import endpoint, layer_for, method_not_allowed, read_only
from .errors import BadBody

GEOJSON = "application/geo+json"


def _json(data, status=200, content_type="application/json") -> JsonResponse:
    return JsonResponse(data, status=status, content_type=content_type, json_dumps_params={"ensure_ascii": False})


def _reason(request) -> str:
    """Why the change is made (?reason=...), kept in the feature's history; the interface by default."""
    return request.GET.get("reason") or "REST API"


def _tagged(response, layer, fid):
    """The response with the feature's strong ETag (its version), for If-Match on the next write."""
    tag = features.current_etag(layer, fid)
    if tag:
        response["ETag"] = tag
    return response


@endpoint
def catalogue(request):
    """GET /api/layers/: every layer this user may read, with links to each interface."""
    if request.method != "GET":
        return method_not_allowed(request, ["GET"])
    layers = [describe.layer(request, entry, request.user) for entry in registry.readable_by(request.user)]
    return _json({"layers": layers, "count": len(layers)})


@endpoint
def layer_detail(request, slug):
    """GET /api/layers/<slug>/: one catalogue entry."""
    if request.method != "GET":
        return method_not_allowed(request, ["GET"])
    return _json(describe.layer(request, layer_for(slug, request.user), request.user))


@endpoint
def feature_list(request, slug):
    """GET a page of features as a FeatureCollection; POST a Feature to create one."""
    layer = layer_for(slug, request.user)
    if request.method == "POST":
        features.require_editor(layer, request.user)
        fid = features.create(layer, request.user, bodies.read(request), reason=_reason(request))
        response = HttpResponse(features.get(layer, request.user, fid), status=201, content_type=GEOJSON)
        response["Location"] = links.absolute(request, "feature", slug=slug, fid=fid)
        return _tagged(response, layer, fid)
    if request.method != "GET":
        return method_not_allowed(request, ["GET", "POST"])
    query = params.parse(layer, request.user, request.GET)
    text, returned, matched = features.page(layer, request.user, query)
    paging = links.paging(request, query, returned, matched)
    head = {
        "numberMatched": matched,
        "numberReturned": returned,
        **paging,
        "links": [{"rel": rel, "href": href, "type": GEOJSON} for rel, href in paging.items() if href],
    }
    return HttpResponse(links.collection_text(head, text), content_type=GEOJSON)


@endpoint
def feature_detail(request, slug, fid):
    """GET, PUT, PATCH or DELETE one feature."""
    layer = layer_for(slug, request.user)
    number = features.feature_id(fid)
    if request.method == "GET":
        return _tagged(HttpResponse(features.get(layer, request.user, number), content_type=GEOJSON), layer, number)
    if request.method in ("PUT", "PATCH"):
        features.require_editor(layer, request.user)
        features.update(
            layer,
            request.user,
            number,
            bodies.read(request),
            partial=request.method == "PATCH",
            if_match=request.headers.get("If-Match"),
            reason=_reason(request),
        )
        return _tagged(HttpResponse(features.get(layer, request.user, number), content_type=GEOJSON), layer, number)
    if request.method == "DELETE":
        features.delete(layer, request.user, number, if_match=request.headers.get("If-Match"), reason=_reason(request))
        return HttpResponse(status=204)
    return method_not_allowed(request, ["GET", "PUT", "PATCH", "DELETE"])


@endpoint
def validate(request, slug):
    """POST a geometry (or Feature) to check it for the layer; writes nothing.

    The answer says whether it is valid and, if GEOS finds it invalid (a bow-tie...), the reason,
    the place and an ST_MakeValid preview for the editor to look at: repair is never silent.
    Geometries that are refused outright (unparsable, outside the district, wrong type) are a 400.
    """
    layer = layer_for(slug, request.user)
    if request.method != "POST":
        return method_not_allowed(request, ["POST"])
    features.require_editor(layer, request.user)
    body = bodies.read(request)
    if isinstance(body, dict) and body.get("type") == "Feature":
        body = body.get("geometry")
    if not isinstance(body, dict):
        raise BadBody(_("Hãy gửi một hình GeoJSON hoặc một Feature"), field="geometry")
    shape = validation.to_geos(validation.parse_shape(body))
    try:
        fitted = validation.validate_geometry(shape, layer)
    except validation.InvalidGeometry as exc:
        preview = validation.make_valid_preview(shape, layer)
        repaired = preview["geometry"]
        return _json(
            {
                "valid": False,
                "reason": exc.message,
                "location": exc.location,
                "preview": json.loads(repaired.geojson) if repaired is not None else None,
            }
        )
    return _json({"valid": True, "reason": None, "location": None, "preview": json.loads(fitted.geojson)})


@read_only
def schema(request):
    """GET /api/schema/: the OpenAPI 3 document of the layers this user may read."""
    return _json(openapi.rest_document(request, request.user), content_type="application/vnd.oai.openapi+json")
