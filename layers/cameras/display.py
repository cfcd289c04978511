"""How a device's health reads to a person: words, local times, uptime as percentages."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from layers import roles
from layers.registry import registry

from .health import reason_text
from .models import Device
from .uptime import WINDOWS


def is_staff(user) -> bool:
    """Who sees check URLs, uptime and snapshots: the readers of the cameras layer's private fields."""
    layer = registry.get("cameras")
    if layer is not None:
        return layer.sees_private(user)
    return bool(roles.of(user) & roles.READ_ALL)


def window_words() -> dict:
    """The windows of uptime in words."""
    return {"24h": _("24 giờ"), "7d": _("7 ngày"), "30d": _("30 ngày")}


def percent(share) -> str:
    """0.995 → "99,5 %" (in the page's language); unknown → a dash."""
    if share is None:
        return "–"
    return f"{number_format(share * 100, 1)} %"


def when(value) -> str:
    """A time in Asia/Ho_Chi_Minh as people write it, or a dash."""
    if not value:
        return "–"
    return date_format(timezone.localtime(value), "d/m/Y H:i")


def uptime_rows(windows: dict) -> list[dict]:
    """[{"window": "24h", "label": "24 giờ", "value": "99,5 %", "share": 0.995}, ...]."""
    words = window_words()
    return [
        {
            "window": key,
            "label": words[key],
            "value": percent(windows[key]["uptime"]),
            "share": windows[key]["uptime"],
        }
        for key, _length in WINDOWS
    ]


def kind_words(kind: str) -> str:
    """A device kind in words (in the page's language)."""
    words = {
        "security": _("An ninh"),
        "traffic": _("Giao thông"),
        "school": _("Trường học"),
        "water_level": _("Mực nước"),
        "water_gauge": _("Trạm đo mực nước"),
        "sensor": _("Cảm biến"),
    }
    return str(words.get(kind) or dict(Device.KIND_CHOICES).get(kind, kind))


def status_words(device: Device) -> str:
    """The status in words; a device checked and failing, not yet offline, is not "not checked yet"."""
    if device.status == "unknown" and device.last_check_at and device.failures:
        message = _("Chưa kết nối được: %(failures)s/%(limit)s lần kiểm tra lỗi trước khi báo mất kết nối")
        return message % {"failures": device.failures, "limit": settings.CAMERAS_OFFLINE_AFTER}
    return str(device.get_status_display())


def summary(device: Device, windows: dict) -> dict:
    """Everything the popup, the list and the page say about a device's health (JSON-safe)."""
    snap = getattr(device, "snapshot", None) if device.probe != "heartbeat" else None
    return {
        "id": device.pk,
        "name": device.name,
        "kind": device.kind,
        "kind_words": kind_words(device.kind),
        "status": device.status,
        "status_words": status_words(device),
        "since": device.status_since.isoformat() if device.status_since else None,
        "since_text": when(device.status_since),
        "last_check_text": when(device.last_check_at),
        "last_seen_text": when(device.last_seen_at),
        "reason": device.last_reason if device.last_reason != "ok" else "",
        "reason_words": reason_text(device.last_reason) if device.last_reason not in ("", "ok") else "",
        "uptime": uptime_rows(windows),
        "snapshot": (
            {
                "url": reverse("cameras:snapshot", args=[device.pk]) + f"?t={int(snap.taken_at.timestamp())}",
                "taken_at": snap.taken_at.isoformat(),
                "taken_at_text": when(snap.taken_at),
                "width": snap.width,
                "height": snap.height,
            }
            if snap
            else None
        ),
        "page": reverse("cameras:device", args=[device.pk]),
    }
