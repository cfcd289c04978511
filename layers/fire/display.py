"""How a fire alert reads to a ranger: places in words, rounded distances, durations, history and map data."""

from __future__ import annotations

import json

from django.utils import formats, numberformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from . import workflow
from .models import CONFIDENCE_CHOICES, FireEvent, Hotspot

MAP_PAD_DEG = 0.01  # about a kilometre around the footprint, so the nearest village is in view

# The fire itself (what the satellites see) and its alert (what rangers did) are two different things:
# each is always shown after its own name, "Đám cháy: …" and "Cảnh báo: …", so they never read as one status.
FIRE_WORDS = {
    "new": pgettext_lazy("fire, after 'Đám cháy:'", "mới phát hiện"),
    "active": pgettext_lazy("fire, after 'Đám cháy:'", "đang cháy"),
    "out": pgettext_lazy("fire, after 'Đám cháy:'", "đã tắt"),
}
ALERT_WORDS = {
    "none": pgettext_lazy("alert, after 'Cảnh báo:'", "không phát"),
    "new": pgettext_lazy("alert, after 'Cảnh báo:'", "mới, chờ tiếp nhận"),
    "acknowledged": pgettext_lazy("alert, after 'Cảnh báo:'", "đã tiếp nhận"),
    "dispatched": pgettext_lazy("alert, after 'Cảnh báo:'", "đã điều động"),
    "verified": pgettext_lazy("alert, after 'Cảnh báo:'", "đã xác minh"),
    "closed": pgettext_lazy("alert, after 'Cảnh báo:'", "đã đóng"),
}


def number(value: float, decimals: int = 0) -> str:
    """A number in the language's own format (1.234,5 in Vietnamese, 1,234.5 in English)."""
    # Grouped by thousands in every language (Django's Vietnamese formats set no grouping).
    return numberformat.format(
        round(value, decimals),
        formats.get_format("DECIMAL_SEPARATOR"),
        decimal_pos=decimals,
        grouping=3,
        thousand_sep=formats.get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


def amount(value: float) -> str:
    """A measured amount with no more decimals than it has (1,5 not 1,50), at most two."""
    for decimals in (0, 1):
        if abs(value - round(value, decimals)) < 1e-9:
            return number(value, decimals)
    return number(value, 2)


def distance(metres: float | None) -> str:
    """A distance rounded to what matters on the ground: tens of metres, or kilometres with one decimal."""
    if metres is None:
        return ""
    if metres < 1000:
        return f"{number(round(metres / 10) * 10)} m"
    return f"{number(metres / 1000, 1 if metres < 10_000 else 0)} km"


def duration(minutes: float | None) -> str:
    """Minutes as a person says them: 12 phút, 1 giờ 5 phút, 2 ngày 3 giờ."""
    if minutes is None:
        return _("chưa có")
    total = round(minutes)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)s ngày %(h)s giờ") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s giờ %(m)s phút") % {"h": hours, "m": mins}
    return _("%(m)s phút") % {"m": mins}


def place(event: FireEvent) -> dict:
    """Where the fire is, in words: commune, nearest village and how far, in forest or not."""
    commune = event.commune.name if event.commune_id else _("Ngoài các xã đã biết")
    village = event.nearest_village.name if event.nearest_village_id else ""
    near = ""
    if village and event.village_distance_m is not None:
        near = _("Gần %(village)s (cách %(distance)s)") % {
            "village": village,
            "distance": distance(event.village_distance_m),
        }
    elif village:
        near = _("Gần %(village)s") % {"village": village}
    far = distance(event.village_distance_m) if village else ""
    nearest = _("%(village)s, cách %(distance)s") % {"village": village, "distance": far} if far else village
    return {"commune": commune, "near": near, "nearest": nearest, "in_forest": event.in_forest}


def next_action(event: FireEvent) -> str | None:
    """The workflow step this alert waits for, or None once closed."""
    return next((a for a, (source, _t, _s) in workflow.ACTIONS.items() if source == event.alert_state), None)


def card(event: FireEvent) -> dict:
    """An alert as its card and page show it."""
    action = next_action(event)
    confidence = dict(CONFIDENCE_CHOICES).get(event.max_confidence, "")
    return {
        "id": event.pk,
        "event": event,
        "place": place(event),
        "state": event.alert_state,
        "state_label": workflow.STATE_LABELS.get(event.alert_state, event.alert_state),
        "alert_words": ALERT_WORDS.get(event.alert_state, event.alert_state),
        "fire_words": FIRE_WORDS.get(event.status, event.status),
        "next_action": action,
        "next_label": workflow.ACTION_LABELS.get(action, ""),
        "hotspots": event.hotspot_count,
        "confidence": str(confidence),
        "max_frp": number(event.max_frp, 1) if event.max_frp is not None else "",
        "area": amount(event.burned_area_ha) if event.burned_area_ha is not None else "",
        "verdict_label": event.get_verdict_display() if event.verdict else "",
    }


def name(event: FireEvent) -> str:
    """The alert as a message names it: "cảnh báo #12 (Trà Sơn)"."""
    return _("cảnh báo #%(id)s (%(commune)s)") % {"id": event.pk, "commune": place(event)["commune"]}


def history(event: FireEvent) -> list[dict]:
    """Who moved the alert to which step, when, with their notes (the verification's findings on its step)."""
    states = workflow.STATE_LABELS
    rows = []
    for step in event.actions.select_related("user"):
        user = step.user
        rows.append(
            {
                "at": step.at,
                "who": (user.get_full_name() or user.get_username()) if user else _("(tài khoản đã xoá)"),
                "state": step.to_state,
                "step": states.get(step.to_state, step.to_state),
                "note": step.note,
                "verified": step.to_state == "verified",
            }
        )
    return rows


def map_bbox(event: FireEvent) -> str:
    """The district map's bbox parameter framing the footprint and its surroundings."""
    west, south, east, north = event.geom.extent
    pad = MAP_PAD_DEG
    return f"{west - pad:.5f},{south - pad:.5f},{east + pad:.5f},{north + pad:.5f}"


def map_data(event: FireEvent) -> dict:
    """The footprint and hotspots of one event for its small map (GeoJSON-like, times local, words not codes)."""
    labels = dict(CONFIDENCE_CHOICES)
    spots = Hotspot.objects.filter(link__event=event).order_by("acquired_at")[:500]
    return {
        "footprint": json.loads(event.geom.geojson),
        "hotspots": [
            {
                "lat": round(h.geom.y, 5),
                "lon": round(h.geom.x, 5),
                # Spots of one pass share time and sensor: the place and power tell them apart.
                "label": _("%(time)s · %(sensor)s · độ tin cậy %(confidence)s · %(frp)s · (%(lat)s; %(lon)s)")
                % {
                    "time": formats.date_format(timezone.localtime(h.acquired_at), "d/m/Y H:i"),
                    "sensor": h.instrument or h.source,
                    "confidence": str(labels.get(h.confidence, h.confidence)).lower(),
                    "frp": f"{number(h.frp, 1)}\u00a0MW" if h.frp is not None else _("không rõ công suất"),
                    "lat": number(h.geom.y, 4),
                    "lon": number(h.geom.x, 4),
                },
            }
            for h in spots
        ],
    }


def response_times(figures: dict) -> list[dict]:
    """The median minutes from alert to each step, as durations a person reads at a glance."""
    rows = []
    for key, action in (("acknowledged", "acknowledge"), ("dispatched", "dispatch"), ("verified", "verify"),
                        ("closed", "close")):  # fmt: skip
        step = figures.get(key) or {}
        rows.append(
            {
                "label": workflow.ACTION_LABELS[action],
                "median": duration(step.get("median_min")),
                "count": step.get("count", 0),
            }
        )
    return rows
