"""Telling people that a crossing closed or reopened, through the shared outbox, once per change."""

from __future__ import annotations

import importlib
import logging
from zoneinfo import ZoneInfo

from django.utils import timezone

log = logging.getLogger(__name__)
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def outbox():
    """The shared outbox module, or None while it is not installed (then nothing is sent)."""
    try:
        return importlib.import_module("layers.delivery.outbox")
    except ImportError:
        return None


def _local(at) -> str:
    return timezone.localtime(at, timezone=LOCAL).strftime("%H:%M %d/%m/%Y")


def cut_off_now() -> list:
    """The villages cut off from the town with the crossings closed now (the status just saved)."""
    from layers.places.models import Village

    from . import network

    status = network.situation().village_status
    ids = [pk for pk, word in status.items() if word == network.reachability.CUT_OFF]
    return list(Village.objects.filter(pk__in=ids).select_related("commune").order_by("commune__name", "name"))


def crossing_changed(change) -> list | None:
    """Enqueue "closed" or "reopened" for a status change (inside the caller's transaction); None if neither."""
    closed = change.to_status == "closed"
    reopened = change.from_status == "closed" and change.to_status != "closed"
    box = outbox()
    if not (closed or reopened) or box is None:
        return None
    crossing = change.crossing
    level = f"{change.level_m:.2f} m" if change.level_m is not None else "?"
    cut = cut_off_now() if closed else []
    if closed:
        subject = f"Cấm qua {crossing.name}: nước ngập {level}"
        body = (
            f"{crossing.name} ({crossing.get_kind_display()}, {crossing.road_name or 'đường không rõ tên'}) "
            f"đã ở mức cấm qua lúc {_local(change.at)}: mực nước {level}, ngưỡng cấm {crossing.closed_level_m} m. "
            "Không để người và xe qua."
        )
        if cut:
            body += " Thôn bị chia cắt khỏi thị trấn: " + ", ".join(f"{v.name} ({v.commune.name})" for v in cut) + "."
    else:
        subject = f"{crossing.name} đã qua lại được: mực nước {level}"
        body = (
            f"{crossing.name} không còn ở mức cấm qua từ {_local(change.at)} "
            f"(mực nước {level}, tình trạng: {change.get_to_status_display()})."
        )
    word = "closed" if closed else "reopened"
    return box.enqueue(
        key=f"crossing:{word}:{crossing.pk}:{change.at:%Y-%m-%dT%H:%MZ}",
        topic="crossing",
        subject=subject,
        body=body,
        payload={
            "crossing_id": crossing.pk,
            "crossing": crossing.name,
            "event": word,
            "at": change.at.isoformat(),
            "level_m": change.level_m,
            "closed_level_m": crossing.closed_level_m,
            "villages_cut_off": [{"id": v.pk, "name": v.name, "commune": v.commune.name} for v in cut],
        },
        recipients=box.staff_recipients(roles=("operator",)),
        url=f"/crossings/{crossing.pk}/",
    )
