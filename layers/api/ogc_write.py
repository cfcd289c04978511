"""OGC API - Features Part 4 (create, replace, update, delete) on the items of editable collections.

Reads are served by ogc_views; writes go through the same service as REST (features.create/update/
delete), so a layer's write rules (parcels: overlaps, snapping, area...) hold here too. Versioned
features carry a strong ETag and every change to them needs If-Match: 428 without it, 412 if stale.
"""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from geoplatform.errors import TooLarge
from layers.registry import registry

from . import bodies, columns, features, links, ogc_views
from .access import endpoint, layer_for, method_not_allowed
from .errors import BadBody, VersionRequired

GEOJSON = "application/geo+json"
_SPEC = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/"
CONFORMANCE = [_SPEC + "create-replace-delete", _SPEC + "update", _SPEC + "features"]
_BODY_TYPES = ("application/geo+json", "application/json", "application/merge-patch+json")


def _read(request):
    """The strict JSON body (GeoJSON, or a JSON merge patch for PATCH), size-capped before reading."""
    cap = bodies.refuse_oversize(request)
    if (request.content_type or "") not in _BODY_TYPES:
        raise BadBody(_("Hãy gửi đối tượng dưới dạng application/geo+json"), field="Content-Type")
    try:
        raw = request.body
    except RequestDataTooBig:
        raise TooLarge(_("Nội dung gửi lên vượt giới hạn %(cap)s byte") % {"cap": cap}) from None
    body = bodies.loads(raw)
    if isinstance(body, dict) and "type" not in body and request.method == "PATCH":
        body = {"type": "Feature", **body}  # a merge patch names only what changes
    return body


def _reason(request) -> str:
    return request.GET.get("reason") or "OGC API"


def _feature_response(request, layer, fid: int, status: int = 200) -> HttpResponse:
    response = HttpResponse(features.get(layer, request.user, fid), status=status, content_type=GEOJSON)
    tag = features.current_etag(layer, fid)
    if tag:
        response["ETag"] = tag
    return response


def _need_if_match(request, layer) -> str | None:
    if_match = request.headers.get("If-Match")
    if columns.has_version(layer) and not if_match:
        raise VersionRequired(_("Hãy gửi tiêu đề If-Match với ETag bạn đã đọc"), field="If-Match")
    return if_match


@endpoint
def _create(request, slug):
    layer = layer_for(slug, request.user)
    if request.method != "POST":
        return method_not_allowed(request, ["GET", "HEAD", "POST"])
    features.require_editor(layer, request.user)
    fid = features.create(layer, request.user, _read(request), reason=_reason(request))
    response = _feature_response(request, layer, fid, status=201)
    response["Location"] = links.absolute(request, "ogc-item", slug=slug, fid=fid)
    return response


@endpoint
def _change(request, slug, fid):
    layer = layer_for(slug, request.user)
    number = features.feature_id(fid)
    if request.method not in ("PUT", "PATCH", "DELETE"):
        return method_not_allowed(request, ["GET", "HEAD", "PUT", "PATCH", "DELETE"])
    features.require_editor(layer, request.user)
    if request.method == "DELETE":
        features.delete(layer, request.user, number, if_match=_need_if_match(request, layer), reason=_reason(request))
        return HttpResponse(status=204)
    body = _read(request)
    if_match = _need_if_match(request, layer)
    if isinstance(body, dict) and isinstance(body.get("properties"), dict) and columns.has_version(layer):
        body["properties"].pop("version", None)  # If-Match is the version here (a client echoes what it read)
    features.update(
        layer,
        request.user,
        number,
        body,
        partial=request.method == "PATCH",
        if_match=if_match,
        require_if_match=True,
        reason=_reason(request),
    )
    return _feature_response(request, layer, number)


def _writable(slug: str) -> bool:
    """Part 4 is offered on the collections whose layer declares write rules (the parcels); others stay read-only."""
    layer = registry.get(slug)
    return layer is not None and bool(layer.write_rules) and bool(layer.edit_roles)


@csrf_exempt
def items(request, slug):
    """GET the items (Part 1) or POST a new feature (Part 4)."""
    if request.method in ("GET", "HEAD") or not _writable(slug):
        return ogc_views.items(request, slug)
    return _create(request, slug)


@csrf_exempt
def item(request, slug, fid):
    """GET one feature with its ETag (Part 1), or PUT / PATCH / DELETE it (Part 4)."""
    if request.method in ("GET", "HEAD"):
        response = ogc_views.item(request, slug, fid)
        if response.status_code == 200 and not response.has_header("ETag"):
            tag = features.current_etag(layer_for(slug, request.user), features.feature_id(fid))
            if tag:
                response["ETag"] = tag
        return response
    if not _writable(slug):
        return ogc_views.item(request, slug, fid)
    return _change(request, slug, fid)
