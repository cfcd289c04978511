"""Open311 GeoReport v2 endpoints under /open311/v2/ (JSON and XML, the spec's error list)."""

from __future__ import annotations

import hashlib
import json
import re
from functools import wraps
from uuid import UUID

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from geoplatform.errors import PlatformError
from layers.places.models import Commune, District, Village
from layers.validation import GeometryError

from . import intake, open311, ratelimit
from .errors import BadApiKey, UnknownCategory
from .models import ApiKey, Category, Complaint, Note
from .open311 import Open311Error

NUMBER = re.compile(r"[+-]?(\d{1,4}(\.\d{0,20})?|\.\d{1,20})")
JURISDICTION = getattr(settings, "FEEDBACK_JURISDICTION", "bactramy.gov.vn")


def _render(rows, fmt: str, root: str, item: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(open311.to_xml(root, item, rows), status=status, content_type="text/xml; charset=utf-8")
    body = json.dumps(rows, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def _error(description: str, status: int, fmt: str) -> HttpResponse:
    response = _render(open311.error_list(description, status), fmt, "errors", "error", status)
    return response


def endpoint(view):
    """Answer Open311Error and PlatformError as the spec's error list, in the requested format."""

    @wraps(view)
    def wrapper(request, *args, fmt: str = "json", **kwargs):
        try:
            params = [*request.GET.lists(), *(request.POST.lists() if request.method == "POST" else [])]
            if any("\x00" in key or any("\x00" in v for v in values) for key, values in params):
                raise Open311Error(_("Tham số không được chứa ký tự NUL."))
            jurisdiction = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
            if jurisdiction and jurisdiction != JURISDICTION:
                message = _("Không có jurisdiction_id %(value)s.") % {"value": repr(jurisdiction[:60])}
                raise Open311Error(message, 404)
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return _error(exc.description, exc.status, fmt)
        except PlatformError as exc:
            # The GeoReport v2 codes: a bad api_key is 403, an unknown service_code 404.
            if isinstance(exc, BadApiKey):
                status = 403
            elif isinstance(exc, UnknownCategory):
                status = 404
            else:
                status = exc.status if exc.status in (403, 404, 413, 422, 429) else 400
            message = exc.message
            if isinstance(exc, GeometryError):
                # The geometry validator writes its reasons for developers in English: one language per answer.
                message = _("Vị trí không hợp lệ hoặc nằm ngoài huyện (lat/long có bị đảo không?).")
            response = _error(message, status, fmt)
            if status == 429:
                response["Retry-After"] = str(getattr(exc, "retry_after", 60))
            return response

    return csrf_exempt(wrapper)


def _language(request) -> str:
    return "en" if (getattr(request, "LANGUAGE_CODE", "vi") or "vi").startswith("en") else "vi"


DISCOVERY_CHANGESET = "2026-11-23T00:00:00+07:00"


@endpoint
def discovery(request, fmt):
    """GET discovery: where the GeoReport v2 endpoint is and which formats it speaks."""
    base = request.build_absolute_uri("/open311/v2/")
    body = {
        "changeset": DISCOVERY_CHANGESET,
        "contact": _("Trung tâm Điều hành thông minh huyện Bắc Trà My"),
        "key_service": _("Khoá API do quản trị viên Trung tâm Điều hành huyện cấp."),
        # The one jurisdiction this endpoint serves; requests may name it as jurisdiction_id.
        "jurisdiction_id": JURISDICTION,
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": DISCOVERY_CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
                "jurisdiction_id": JURISDICTION,
            }
        ],
    }
    if fmt == "xml":
        return HttpResponse(open311.document_xml("discovery", body), content_type="text/xml; charset=utf-8")
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json; charset=utf-8")


@endpoint
def services(request, fmt):
    """GET services: every active category as an Open311 service."""
    if request.method != "GET":
        raise Open311Error(_("Địa chỉ này chỉ nhận phương thức GET."), 400)
    lang = _language(request)
    rows = [
        open311.service(
            c.code,
            c.name(lang),
            (c.description_en if lang == "en" else c.description_vi) or c.name(lang),
            c.group,
            c.keywords,
            bool(c.attributes),
        )
        for c in Category.objects.filter(active=True)
    ]
    return _render(rows, fmt, "services", "service")


@endpoint
def service_definition(request, code, fmt):
    """GET services/{code}: the attribute definitions of one service."""
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(_("Không có service_code %(value)s.") % {"value": repr(code[:60])}, 404)
    body = open311.definition(category.code, category.attributes or [])
    if fmt == "xml":
        return HttpResponse(open311.document_xml("service_definition", body), content_type="text/xml; charset=utf-8")
    return _render(body, fmt, "service_definition", "x")


def request_row(request, c: Complaint, names: dict, notes: dict) -> dict:
    """One complaint as an Open311 service request: the public fields only, never reporter contact."""
    return {
        "service_request_id": c.tracking_code,
        "status": open311.status_of(c.status),
        "status_notes": notes.get(c.pk),
        "service_name": names.get(c.category, c.category),
        "service_code": c.category,
        "description": c.description,
        "agency_responsible": c.agency_responsible or None,
        "service_notice": None,
        "requested_datetime": open311.when(c.created_at),
        "updated_datetime": open311.when(c.updated_at or c.created_at),
        "expected_datetime": open311.when(c.expected_at),
        "address": c.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": round(c.geom.y, 7),
        "long": round(c.geom.x, 7),
        "media_url": _media_url(request, c),
    }


def _media_url(request, c: Complaint) -> str | None:
    if c.media_url:
        return c.media_url
    photo = min(c.photos.all(), key=lambda p: p.pk, default=None)
    return request.build_absolute_uri(reverse("feedback:photo", args=[photo.token])) if photo else None


def _rows(request, complaints) -> list[dict]:
    lang = _language(request)
    names = {c.code: c.name(lang) for c in Category.objects.all()}
    ids = [c.pk for c in complaints]
    notes = {}
    for note in Note.objects.filter(complaint_id__in=ids, public=True).exclude(text="").order_by("created_at", "pk"):
        notes[note.complaint_id] = note.text  # the latest public answer wins
    return [request_row(request, c, names, notes) for c in complaints]


@endpoint
def requests_list(request, fmt):
    """GET requests: search by ids, service, dates (at most 90 days) and status; POST: a new report."""
    if request.method == "POST":
        return _post_request(request, fmt)
    if request.method != "GET":
        raise Open311Error(_("Địa chỉ này chỉ nhận phương thức GET và POST."), 400)
    qs = Complaint.objects.prefetch_related("photos").order_by("-created_at")
    ids = open311.csv_values(request.GET.get("service_request_id"), "service_request_id")
    if ids:
        # Searching by id ignores the other parameters, as the spec says.
        qs = qs.filter(tracking_code__in=ids)
    else:
        codes = open311.csv_values(request.GET.get("service_code"), "service_code")
        if codes:
            qs = qs.filter(category__in=codes)
        start, end = open311.date_range(request.GET.get("start_date"), request.GET.get("end_date"), timezone.now())
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
        statuses = open311.csv_values(request.GET.get("status"), "status", frozenset({"open", "closed"}))
        if statuses == ["open"]:
            qs = qs.filter(status__in=open311.OPEN_STATES)
        elif statuses == ["closed"]:
            qs = qs.exclude(status__in=open311.OPEN_STATES)
    return _render(_rows(request, list(qs[: open311.MAX_RESULTS])), fmt, "service_requests", "request")


@endpoint
def request_detail(request, request_id, fmt):
    """GET requests/{id}: one request, as a list of one."""
    complaint = Complaint.objects.prefetch_related("photos").filter(tracking_code=request_id[:20]).first()
    if complaint is None:
        message = _("Không có service_request_id %(value)s.") % {"value": repr(request_id[:40])}
        raise Open311Error(message, 404)
    return _render(_rows(request, [complaint]), fmt, "service_requests", "request")


@endpoint
def token_detail(request, token, fmt):
    """GET tokens/{token}: the request id a token became (requests are created at once here)."""
    try:
        value = UUID(token)
    except ValueError:
        raise Open311Error(_("Không tìm thấy token này."), 404) from None
    complaint = Complaint.objects.filter(token=value).first()
    if complaint is None:
        raise Open311Error(_("Không tìm thấy token này."), 404)
    rows = [{"service_request_id": complaint.tracking_code, "token": str(complaint.token)}]
    return _render(rows, fmt, "service_requests", "request")


@csrf_exempt
def not_found(request):
    """Any other path under /open311/: the error list with 404, as XML when the path asks for it."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return _error(_("Không có tài nguyên Open311 này; xem /open311/discovery.json"), 404, fmt)


def api_key_of(raw: str) -> ApiKey:
    """The active key matching this secret (compared by SHA-256)."""
    if not raw:
        raise BadApiKey(_("Thiếu api_key."), field="api_key")
    digest = hashlib.sha256(raw.encode()).hexdigest()
    key = ApiKey.objects.filter(key_hash=digest, active=True).first()
    if key is None:
        raise BadApiKey(_("api_key không hợp lệ hoặc đã bị thu hồi."), field="api_key")
    return key


def _number(text: str | None, name: str) -> float | None:
    if text in (None, ""):
        return None
    if not NUMBER.fullmatch(text.strip()):
        # float() would also take "1_5.35", "nan" or "infinity": only plain decimal numbers are coordinates.
        raise Open311Error(_("%(name)s phải là số thập phân, ví dụ 15.35.") % {"name": name})
    try:
        value = float(text)
    except ValueError:
        raise Open311Error(_("%(name)s phải là một số") % {"name": name}) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Open311Error(_("%(name)s phải là số hữu hạn.") % {"name": name})
    return value


# Written on a report whose address named no village or commune: the officer's queue shows it.
UNPLACED_NOTE = "Cần đặt vị trí: địa chỉ gửi qua Open311 không khớp thôn hay xã nào (%(address)s)."


def geocode(address: str) -> tuple[float, float, bool]:
    """(lon, lat, unplaced): the village, else the commune named in the address; else the district's centre.

    No outside geocoder is called. A report placed at the district's centre carries an internal note
    asking the officer to put it where it belongs.
    """
    text = address.casefold()
    for model in (Village, Commune):
        # Longest names first, so "Trà Sơn" is not taken for a village called "Sơn".
        for place in sorted(model.objects.only("name", "geom"), key=lambda p: -len(p.name)):
            if place.name and place.name.casefold() in text:
                point = place.geom if place.geom.geom_type == "Point" else place.geom.point_on_surface
                return point.x, point.y, False
    district = District.objects.order_by("pk").first()
    if district is None:
        raise Open311Error(_("Không xác định được nơi xảy ra từ address_string; hãy gửi lat/long."))
    point = district.geom.point_on_surface
    return point.x, point.y, True


def _post_request(request, fmt):
    content_type = request.content_type or ""
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise Open311Error(_("POST requests.json phải gửi dạng biểu mẫu (application/x-www-form-urlencoded)."))
    data = request.POST
    # A keyed client is limited by its key's own quota (one server may post for many citizens);
    # a post without a valid key counts against its address, so guessing keys is limited too.
    try:
        key = api_key_of(data.get("api_key", ""))
    except BadApiKey as exc:
        ratelimit.check(request)
        if not data.get("api_key"):
            raise Open311Error(exc.message) from None  # a missing argument is 400; a wrong key 403
        raise
    ratelimit.check_key(key)
    idempotency_key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(idempotency_key) > 200:
        raise Open311Error(_("Idempotency-Key dài quá 200 ký tự."))
    if not data.get("service_code"):
        raise Open311Error(_("Thiếu service_code."))
    lat, lon = _number(data.get("lat"), "lat"), _number(data.get("long"), "long")
    if (lat is None) != (lon is None):
        raise Open311Error(_("lat và long phải gửi cùng nhau."))
    address = data.get("address_string", "")
    if lat is None and not address.strip():
        raise Open311Error(_("Cần lat/long hoặc address_string."))
    unplaced = False
    if lat is None:
        lon, lat, unplaced = geocode(address)
    description = data.get("description", "")
    if len(description) > open311.MAX_DESCRIPTION:
        raise Open311Error(_("description dài quá 4.000 ký tự."))
    attributes = {
        k[len("attribute[") : -1]: v for k, v in data.items() if k.startswith("attribute[") and k.endswith("]")
    }
    name = " ".join(p for p in (data.get("first_name", "").strip(), data.get("last_name", "").strip()) if p)
    report = intake.Report(
        category=data["service_code"],
        description=description,
        lon=lon,
        lat=lat,
        address=data.get("address_string", ""),
        attributes=attributes,
        media_url=data.get("media_url", "").strip(),
        reporter_name=name,
        reporter_phone=data.get("phone", "").strip(),
        reporter_email=data.get("email", "").strip(),
        source="open311",
        api_key=key,
    )
    scope = f"key:{key.pk}"
    complaint, replayed = intake.submit(report, idempotency=(scope, idempotency_key) if idempotency_key else None)
    if unplaced and not replayed:
        Note.objects.create(complaint=complaint, public=False, text=UNPLACED_NOTE % {"address": address[:300]})
    notice = None
    if complaint.expected_at:
        notice = _("Dự kiến trả lời trước %(when)s") % {"when": open311.when(complaint.expected_at)}
    if unplaced:
        notice = _("Chưa xác định được nơi xảy ra từ địa chỉ; cán bộ sẽ đặt vị trí trên bản đồ.")
    rows = [
        {
            "service_request_id": complaint.tracking_code,
            "token": str(complaint.token),
            "service_notice": notice,
            "account_id": None,
        }
    ]
    return _render(rows, fmt, "service_requests", "request", status=201)
