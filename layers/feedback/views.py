"""Public pages: the report form, the tracking page, the duplicate suggestion and photos."""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from geoplatform.errors import PlatformError
from layers.web import basemap

from . import formerrors, intake, picker, ratelimit
from .forms import ReportForm
from .models import Category, Complaint, Photo
from .open311 import status_of


def _render_form(request, form, status=200, duplicates=None):
    context = {
        "form": form,
        "errors": formerrors.summary(form) if form.is_bound else [],
        "duplicates": duplicates or [],
        "basemap": basemap.client_config(),
        "extent": picker.extent(),
        "outline": picker.outline(),
    }
    return render(request, "feedback/report_form.html", context, status=status)


def _place_from_map(params) -> dict:
    """The place the map's "report a problem here" link sends (?lat=&lon=), if it is a number inside the district."""
    try:
        lat, lon = float(params.get("lat", "")), float(params.get("lon", ""))
    except ValueError:
        return {}
    west, south, east, north = settings.DISTRICT_BBOX
    if not (south <= lat <= north and west <= lon <= east):
        return {}
    return {"lat": round(lat, 6), "lon": round(lon, 6)}


@require_http_methods(["GET", "POST"])
def report(request):
    """The public report form (Vietnamese first, works on a phone)."""
    if request.method == "GET":
        initial = {"form_token": secrets.token_urlsafe(24)} | _place_from_map(request.GET)
        return _render_form(request, ReportForm(initial=initial))
    form = ReportForm(request.POST, request.FILES)
    if request.POST.get("website"):
        # A bot filled the hidden field: nothing is stored, and nothing tells it why.
        return render(request, "feedback/refused.html", status=400)
    try:
        ratelimit.check(request)
    except PlatformError as exc:
        response = render(request, "feedback/refused.html", {"message": exc.message}, status=exc.status)
        response["Retry-After"] = str(getattr(exc, "retry_after", 60))
        return response
    if not form.is_valid():
        return _render_form(request, form, status=400)
    data = form.cleaned_data
    if any(f.size > intake.max_photo_bytes() for f in data["photos"]):
        # Refused from the upload's size alone: a 50 MB file is never read into memory.
        form.add_error("photos", formerrors.photo_too_large())
        return _render_form(request, form, status=413)
    report = intake.Report(
        category=data["category"],
        description=data["description"],
        lon=data["lon"],
        lat=data["lat"],
        address=data["address"],
        attributes={k: data[k] for k in ("operator", "technology") if data[k]}
        if data["category"] == "no_signal"
        else {},
        reporter_name=data["reporter_name"],
        reporter_phone=data["reporter_phone"],
        reporter_email=data["reporter_email"],
        photos=[f.read() for f in data["photos"]],
    )
    try:
        if not data["confirm_new"] and data["lat"] is not None and data["lon"] is not None:
            duplicates = list(intake.nearby_open(data["category"], data["lon"], data["lat"]))
            if duplicates:
                if data["photos"]:
                    # A browser never refills a file input: say so rather than let the photos vanish.
                    messages.warning(request, _("Vui lòng chọn lại ảnh trước khi gửi."))
                return _render_form(request, form, duplicates=duplicates)
        complaint, _replayed = intake.submit(report, idempotency=("web", data["form_token"]))
    except PlatformError as exc:
        form.add_error(formerrors.report_field(exc, form), formerrors.citizen_message(exc))
        return _render_form(request, form, status=exc.status)
    return redirect(reverse("feedback:track", args=[complaint.tracking_code]) + "?new=1", permanent=False)


@require_GET
def track(request, code: str):
    """The public page of one report: status, deadline, public answers, photos; never the reporter."""
    code = code.strip().upper()
    complaint = None
    if intake.TRACKING.fullmatch(code):
        complaint = Complaint.objects.select_related("commune", "duplicate_of").filter(tracking_code=code).first()
    if complaint is None:
        # A mistyped code is the citizen's everyday slip: the look-up form again, with the code to correct.
        message = _("Không tìm thấy phản ánh có mã %(code)s. Hãy kiểm tra lại mã, ví dụ PA-7KQ2M9XD.")
        shown = re.sub(r"[^A-Z0-9-]", "", code)[:20]
        context = {"message": message % {"code": shown}, "code": shown, "not_found": True}
        return render(request, "feedback/track_lookup.html", context, status=404)
    category = Category.objects.filter(code=complaint.category).first()
    center = f"{complaint.geom.y:.5f},{complaint.geom.x:.5f}"
    context = {
        "map_url": f"{reverse('web:map')}?center={center}&zoom=16&layers=complaints",
        "complaint": complaint,
        "category": category,
        "open311_status": status_of(complaint.status),
        "notes": complaint.notes.filter(public=True).exclude(text=""),
        "photos": complaint.photos.all(),
        "is_new": request.GET.get("new") == "1",
    }
    return render(request, "feedback/track.html", context)


@require_GET
def track_lookup(request):
    """Find a report by its tracking code."""
    code = (request.GET.get("code") or "").strip().upper()
    if code and intake.TRACKING.fullmatch(code):
        return redirect("feedback:track", code=code)
    if code:
        message = _("Mã phản ánh gồm chữ, số và dấu gạch ngang, ví dụ PA-7KQ2M9XD.")
        return render(request, "feedback/track_lookup.html", {"message": message}, status=400)
    return render(request, "feedback/track_lookup.html")


@require_GET
def nearby(request):
    """Open reports of a category within 50 m of a point (JSON, public fields only)."""
    try:
        lon, lat = float(request.GET["lon"]), float(request.GET["lat"])
    except (KeyError, ValueError):
        return JsonResponse(
            {"error": {"code": "bad_request", "message": "lon and lat are required", "field": "lon"}}, status=400
        )
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return JsonResponse(
            {"error": {"code": "bad_request", "message": "lon/lat out of range", "field": "lon"}}, status=400
        )
    category = request.GET.get("category", "")
    if category and not intake.CODE.fullmatch(category):
        return JsonResponse(
            {"error": {"code": "bad_request", "message": "unknown category", "field": "category"}}, status=400
        )
    rows = [
        {
            "tracking_code": c.tracking_code,
            "status": c.status,
            "created_at": c.created_at.isoformat(),
            "description": c.description[:200],
            "url": reverse("feedback:track", args=[c.tracking_code]),
        }
        for c in intake.nearby_open(category, lon, lat)
    ]
    return JsonResponse({"duplicates": rows}, json_dumps_params={"ensure_ascii": False})


@require_GET
def photo(request, pk: int):
    """A report's photo (re-encoded JPEG, no metadata)."""
    record = Photo.objects.filter(pk=pk).first()
    if record is None:
        raise Http404
    response = FileResponse(record.image.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    return response
