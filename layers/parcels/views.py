"""The parcel desk: its page and the JSON endpoints for history, revert, split, merge and the land-use list."""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from geoplatform import uploads
from geoplatform.errors import Forbidden
from layers import validation
from layers.api import bodies, features
from layers.api.access import endpoint, method_not_allowed
from layers.api.errors import BadBody, Unauthenticated
from layers.registry import registry
from layers.web import basemap

from . import cadastre, edits, history, strings
from .models import LEGAL_STATUSES, LandUse

MIN_EDIT_ZOOM = 16  # below this a view holds thousands of parcels: too many to edit as vectors


def _json(data, status=200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _layer():
    return registry.get("parcels")


def _editor(request):
    features.require_editor(_layer(), request.user)


def _reason(body: dict) -> str:
    reason = body.get("reason") if isinstance(body, dict) else None
    if not isinstance(reason, str) or not reason.strip():
        raise BadBody(_("Hãy ghi lý do của thay đổi"), field="reason")
    return reason.strip()[:500]


def _id(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise BadBody(_("%(field)s phải là số nguyên dương") % {"field": field}, field=field)
    return value


def desk(request):
    """The editing desk: the map with the parcel tools, for urban-management staff."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if not _layer().can_edit(request.user):
        raise PermissionDenied(_("Chỉ cán bộ quản lý đô thị được dùng bàn chỉnh sửa thửa đất"))
    config = {
        "basemap": basemap.client_config(),
        "center": [15.35, 108.23],
        "csrf": get_token(request),
        "api": {
            "features": reverse("api:features", kwargs={"slug": "parcels"}),
            "landUses": reverse("parcels:land-uses"),
            "merge": reverse("parcels:merge"),
            "cadastrePreview": reverse("parcels:cadastre-preview"),
            "cadastreApply": reverse("parcels:cadastre-apply"),
            "parcel": "/parcels/api/",
        },
        "minZoom": MIN_EDIT_ZOOM,
    }
    return render(request, "parcels/desk.html", {"config": config, "strings": strings.desk()})


@endpoint
def land_uses(request):
    """GET the land-use codes with their names, and the legal statuses, for the attribute form."""
    if request.method != "GET":
        return method_not_allowed(request, ["GET"])
    return _json(
        {
            "land_uses": [{"code": c, "name": n} for c, n in LandUse.objects.values_list("code", "name")],
            "legal_statuses": [{"code": c, "name": str(n)} for c, n in LEGAL_STATUSES],
        }
    )


@endpoint
def parcel_history(request, pk):
    """GET every version of a parcel: who, when, why, what changed, and its shape then."""
    if request.method != "GET":
        return method_not_allowed(request, ["GET"])
    if not request.user.is_authenticated:
        raise Unauthenticated(_("Hãy đăng nhập để xem lịch sử thửa đất"))
    layer = _layer()
    if not layer.sees_private(request.user):
        raise Forbidden(_("Vai trò của bạn không xem được lịch sử thửa đất"))
    return _json({"parcel": int(pk), "versions": history.events(int(pk), private=True)})


@endpoint
def revert(request, pk):
    """POST {"event": id, "reason": "..."} with If-Match: the parcel as it was then, as a new version."""
    if request.method != "POST":
        return method_not_allowed(request, ["POST"])
    _editor(request)
    body = bodies.read(request)
    if not isinstance(body, dict):
        raise BadBody(_("Hãy gửi một đối tượng JSON"), field="event")
    event = _id(body.get("event"), "event")
    parcel = history.revert(
        int(pk), event, request.user, if_match=request.headers.get("If-Match"), reason=_reason(body)
    )
    response = _json({"id": parcel.pk, "version": parcel.version})
    response["ETag"] = features.etag(parcel.version)
    return response


@endpoint
def split(request, pk):
    """POST {"line": GeoJSON LineString, "reason": "..."} with If-Match: the parcel cut in two or more."""
    if request.method != "POST":
        return method_not_allowed(request, ["POST"])
    _editor(request)
    body = bodies.read(request)
    if not isinstance(body, dict) or not isinstance(body.get("line"), dict):
        raise BadBody(_("Hãy vẽ một đường để tách thửa"), field="line")
    try:
        line = validation.parse_shape(body["line"])
    except validation.GeometryError as exc:
        raise BadBody(exc.message, field="line") from None
    children = edits.split(int(pk), line, request.user, if_match=request.headers.get("If-Match"), reason=_reason(body))
    return _json({"children": [{"id": c.pk, "label": str(c), "area_m2": c.area_m2} for c in children]}, status=201)


@endpoint
def merge(request):
    """POST {"parcels": [{"id": 1, "etag": "\\"3\\""}, ...], "reason": "..."}: one parcel from adjacent ones."""
    if request.method != "POST":
        return method_not_allowed(request, ["POST"])
    _editor(request)
    body = bodies.read(request)
    items = body.get("parcels") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items) or len(items) > 50:
        raise BadBody(_("Hãy chọn các thửa cần hợp"), field="parcels")
    tags = {_id(i.get("id"), "parcels"): (str(i.get("etag") or "") or None) for i in items}
    child = edits.merge(tags, request.user, reason=_reason(body))
    return _json({"id": child.pk, "label": str(child), "area_m2": child.area_m2}, status=201)


def _upload(request, folder) -> tuple[Path, str]:
    """The uploaded cadastral file saved under our own name (the client's name lends its suffix)."""
    uploads.refuse_declared_oversize(request)
    upload = request.FILES.get("file")
    if upload is None:
        raise BadBody(_("Cần gửi kèm tệp ở trường 'file' (multipart)"), field="file")
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in (".gpkg", ".zip"):
        raise BadBody(_("Hãy gửi tệp GeoPackage (.gpkg) hoặc shapefile nén (.zip)"), field="file")
    path = Path(folder) / f"upload{suffix}"
    with open(path, "wb") as sink:
        for chunk in upload.chunks():
            sink.write(chunk)
    return path, Path(upload.name).name[-200:]


def _cadastre(request, act):
    """An editor's POSTed cadastral file, planned in a temporary folder and handed to ``act(plan, name)``."""
    if request.method != "POST":
        return method_not_allowed(request, ["POST"])
    _editor(request)
    with cadastre.temp_dir() as folder:
        path, name = _upload(request, folder)
        srs = (request.POST.get("srs") or "").strip() or None
        return act(cadastre.plan(path, name, srs), name)


@endpoint
def cadastre_preview(request):
    """POST a cadastral file: what it would change (new, changed, gone), drawn as a FeatureCollection."""
    return _cadastre(request, lambda plan, name: _json({"file": name, **cadastre.preview(plan)}))


@endpoint
def cadastre_apply(request):
    """POST the same file to apply it: one transaction, all or nothing, the file name as the reason."""
    return _cadastre(request, lambda plan, name: _json(cadastre.apply(plan, request.user, reason=name), status=201))


@endpoint
def cadastre_export(request):
    """GET every parcel as a GeoPackage in VN-2000 / TM-3 (EPSG:5899) with areas, for the cadastral office."""
    if request.method != "GET":
        return method_not_allowed(request, ["GET"])
    _editor(request)
    with cadastre.temp_dir() as folder:
        data = cadastre.export(Path(folder) / "thua-dat-vn2000.gpkg").read_bytes()
    response = HttpResponse(data, content_type="application/geopackage+sqlite3")
    response["Content-Disposition"] = 'attachment; filename="thua-dat-vn2000.gpkg"'
    return response
