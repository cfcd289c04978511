"""Pages and JSON of device health (staff only), the snapshot image, and the sensors' heartbeat API."""

from __future__ import annotations

import json

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from geoplatform.errors import Forbidden, NotFound, PlatformError
from layers.feedback import ratelimit

from . import display, health, uptime
from .models import Device, StatusChange


def _require_staff(request) -> None:
    # Anonymous people get the site's error page with a log-in link; API clients the JSON shape.
    if not display.is_staff(request.user):
        raise Forbidden(_("Tình trạng camera và cảm biến dành cho điều hành viên và quản trị viên."))


def _private(response):
    response["Cache-Control"] = "private, no-store"  # never kept by a shared cache or shown to the next user
    return response


@require_GET
def health_list(request):
    """Every camera and field sensor with its status, reason and uptime, and uptime per kind."""
    _require_staff(request)
    devices = list(Device.objects.filter(enabled=True).select_related("snapshot").order_by("status", "name"))
    windows = uptime.per_device([d.pk for d in devices])
    rows = [display.summary(d, windows[d.pk]) for d in devices]
    kinds = [
        {"kind": kind, "kind_words": display.kind_words(kind), "uptime": display.uptime_rows(w)}
        for kind, w in sorted(uptime.per_kind().items(), key=lambda kv: display.kind_words(kv[0]))
    ]
    context = {
        "rows": rows,
        "kinds": kinds,
        "windows": display.window_words(),
        "offline": sum(1 for r in rows if r["status"] == "offline"),
    }
    return _private(render(request, "cameras/list.html", context))


@require_GET
def device_page(request, pk: int):
    """One camera or sensor: status, reason, uptime, the latest snapshot, the history of its changes."""
    _require_staff(request)
    device = get_object_or_404(Device.objects.select_related("camera", "snapshot"), pk=pk)
    info = display.summary(device, uptime.per_device([device.pk])[device.pk])
    history = [
        {
            "at": display.when(c.at),
            "iso": c.at.isoformat(),
            "from": str(c.get_from_status_display()),
            "to": str(c.get_to_status_display()),
            "to_code": c.to_status,
            "reason": health.reason_text(c.reason) if c.reason else "",
            "error": c.error,
        }
        for c in StatusChange.objects.filter(device=device).order_by("-at", "-pk")[:50]
    ]
    context = {"device": device, "info": info, "history": history, "probe_words": device.get_probe_display()}
    return _private(render(request, "cameras/device.html", context))


@require_GET
def snapshot(request, pk: int):
    """The latest snapshot as JPEG, to staff only."""
    _require_staff(request)
    device = get_object_or_404(Device, pk=pk)
    snap = getattr(device, "snapshot", None)
    if snap is None:
        raise NotFound(_("Camera này chưa có ảnh chụp."))
    response = HttpResponse(bytes(snap.jpeg), content_type="image/jpeg")
    response["Last-Modified"] = snap.taken_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return _private(response)


@require_GET
def camera_health(request, camera_id: int):
    """The popup's facts for one camera of the layer: status, reason, uptime, snapshot (staff only)."""
    _require_staff(request)
    device = Device.objects.select_related("snapshot").filter(camera_id=camera_id).first()
    if device is None:
        # Not watched (yet): nothing to add to the popup; a 404 here would be a console error on the map.
        return _private(JsonResponse({"tracked": False, "camera": camera_id}))
    info = display.summary(device, uptime.per_device([device.pk])[device.pk])
    info["tracked"] = True
    info["words"] = {
        "checked": _("Kiểm tra:"),
        "since": _("từ"),
        "uptime": _("Thời gian hoạt động"),
        "takenAt": _("Ảnh chụp lúc"),
        "snapshotAlt": _("Ảnh mới nhất của %(name)s") % {"name": device.name},
        "page": _("Trang camera"),
    }
    return _private(JsonResponse(info))


MAX_HEARTBEAT_BYTES = 4096


@csrf_exempt
def heartbeat(request):
    """POST /api/devices/heartbeat/ with ``Authorization: Bearer <key>``: the device is alive now."""
    if request.method != "POST":
        raise PlatformError(_("Chỉ nhận POST."), code="method_not_allowed", status=405)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = MAX_HEARTBEAT_BYTES + 1  # a length that is not a number is refused as too large
    if declared > MAX_HEARTBEAT_BYTES:
        raise PlatformError(_("Nội dung quá lớn."), code="too_large", status=413, field="body")
    # A JSON body (readings, battery) is optional; when one is sent it must be JSON, not NaN or a list.
    if request.content_type == "application/json" and request.body:
        try:
            body = json.loads(request.body, parse_constant=_refuse)
        except (ValueError, UnicodeDecodeError):
            raise PlatformError(_("Nội dung không phải JSON hợp lệ."), code="invalid", field="body") from None
        if not isinstance(body, dict):
            raise PlatformError(_("Nội dung phải là một đối tượng JSON."), code="invalid", field="body")
    ratelimit.check_device_address(request)
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    key = auth[7:].strip() if auth.lower().startswith("bearer ") else request.META.get("HTTP_X_DEVICE_KEY", "")
    try:
        device = health.authenticate(key)
        # Counted before anything is recorded (as the gauges' readings are): a refused heartbeat changes nothing.
        ratelimit.check_device("device", device.pk)
        device = health.beat(device)
    except health.HeartbeatError:
        raise PlatformError(
            _("Khoá thiết bị không đúng hoặc thiếu."), code="unauthorized", status=401, field="Authorization"
        ) from None
    return JsonResponse(
        {"device": device.pk, "name": device.name, "status": device.status, "received_at": timezone.now().isoformat()}
    )


def _refuse(name):
    raise ValueError(f"{name} is not JSON")
