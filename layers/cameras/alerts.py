"""Telling operators (and the commune's staff) that a device went dark or came back, through the shared outbox.

Each message is written in the transaction of the change it tells of, with a key unique to that change:
an offline period is told once, its end once, and only when its start was told. In "digest" mode one
message a day lists what is offline instead.
"""

from __future__ import annotations

import logging
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from layers import roles

from .models import Alerted, Device

log = logging.getLogger(__name__)
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
ROLES = ("operator",)


def _outbox():
    try:
        from layers.delivery import outbox
    except ImportError:  # the shared outbox is not installed: nothing can be told, say so in the log
        log.warning("layers.delivery is missing: camera alerts are not sent")
        return None
    return outbox


def _stamp(when) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _local(when) -> str:
    return when.astimezone(LOCAL).strftime("%H:%M %d/%m/%Y")


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return _("%(n)d phút") % {"n": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)d giờ %(m)d phút") % {"h": hours, "m": minutes}
    return _("%(d)d ngày") % {"d": hours // 24}


def _commune(device: Device):
    if not device.camera_id:
        return None
    from layers.places.models import Commune

    return Commune.objects.filter(geom__contains=device.camera.geom).first()


def _commune_staff(outbox, commune) -> list:
    # Only people assigned to this commune: staff_recipients falls back to everyone when nobody is.
    if commune is None or not apps.is_installed("layers.fire"):
        return []
    if not apps.get_model("fire", "RangerAssignment").objects.filter(commune_id=commune.pk).exists():
        return []
    return list(outbox.staff_recipients(roles=roles.ALL, commune=commune))


def _recipients(outbox, device: Device) -> list:
    found = list(outbox.staff_recipients(roles=ROLES)) + _commune_staff(outbox, _commune(device))
    seen, out = set(), []
    for r in found:
        if (r.channel, r.address) not in seen:
            seen.add((r.channel, r.address))
            out.append(r)
    return out


def _url(device: Device) -> str:
    return f"/cameras/{device.pk}/"


def _payload(device: Device, event: str, since, now) -> dict:
    return {
        "event": event,
        "device": device.pk,
        "camera": device.camera_id,
        "name": device.name,
        "kind": device.kind,
        "status": device.status,
        "since": since.isoformat(),
        "at": now.isoformat(),
        "reason": device.last_reason,
    }


def offline(device: Device, now) -> bool:
    """Tell that the device has been offline longer than the threshold (once per offline period)."""
    from .health import reason_text

    outbox = _outbox()
    if outbox is None:
        return False
    since = device.status_since
    try:
        with transaction.atomic():
            Alerted.objects.create(device=device, offline_since=since, told_at=now)
            with override("vi"):
                subject = _("Mất kết nối: %(name)s") % {"name": device.name}
                body = _("%(name)s mất kết nối từ %(since)s (đã %(long)s). Lý do: %(reason)s.") % {
                    "name": device.name,
                    "since": _local(since),
                    "long": _duration(now - since),
                    "reason": reason_text(device.last_reason) or "-",
                }
            _enqueue(outbox, device, "offline", since, now, subject, body)
    except IntegrityError:
        return False  # told already (a concurrent round)
    return True


def back_online(device: Device, offline_since, now) -> None:
    """Tell that a device whose outage was told is back (call inside the change's transaction)."""
    if settings.CAMERAS_ALERT_MODE == "digest" or offline_since is None:
        return
    if not Alerted.objects.filter(device=device, offline_since=offline_since).exists():
        return  # a short outage nobody was told of: its end is no news either
    outbox = _outbox()
    if outbox is None:
        return
    with override("vi"):
        subject = _("Hoạt động trở lại: %(name)s") % {"name": device.name}
        body = _("%(name)s hoạt động trở lại lúc %(at)s, sau %(long)s mất kết nối.") % {
            "name": device.name,
            "at": _local(now),
            "long": _duration(now - offline_since),
        }
    _enqueue(outbox, device, "online", offline_since, now, subject, body)


def _enqueue(outbox, device: Device, state: str, since, now, subject: str, body: str) -> None:
    """One message per device, state and outage (the key makes a second enqueue a no-op)."""
    outbox.enqueue(
        key=f"camera:{state}:{device.pk}:{_stamp(since)}",
        topic="camera",
        subject=subject,
        body=body,
        payload=_payload(device, state, since, now),
        recipients=_recipients(outbox, device),
        url=_url(device),
    )


def due(now=None) -> int:
    """Tell every outage older than the threshold not told yet (or the day's digest); returns messages made."""
    now = now or timezone.now()
    if settings.CAMERAS_ALERT_MODE == "digest":
        return 1 if digest(now) else 0
    limit = now - timedelta(minutes=settings.CAMERAS_ALERT_AFTER_MIN)
    told = 0
    pending = (
        Device.objects.filter(enabled=True, status="offline", status_since__lte=limit)
        .exclude(Exists(Alerted.objects.filter(device=OuterRef("pk"), offline_since=OuterRef("status_since"))))
        .select_related("camera")
    )
    for device in pending:
        told += offline(device, now)
    return told


def digest(now=None) -> bool:
    """The day's digest (once a local day, after CAMERAS_DIGEST_HOUR): what is offline and for how long."""
    now = now or timezone.now()
    local = now.astimezone(LOCAL)
    if local.hour < settings.CAMERAS_DIGEST_HOUR:
        return False
    outbox = _outbox()
    if outbox is None:
        return False
    from .health import reason_text
    from .uptime import per_kind

    down = list(Device.objects.filter(enabled=True, status="offline").order_by("status_since"))
    kinds = dict(Device.KIND_CHOICES)
    with override("vi"):
        lines = [
            _("- %(name)s: mất kết nối từ %(since)s (%(reason)s)")
            % {"name": d.name, "since": _local(d.status_since), "reason": reason_text(d.last_reason) or "-"}
            for d in down
        ] or [_("Tất cả thiết bị đang hoạt động.")]
        for kind, windows in sorted(per_kind(now=now).items()):
            share = windows["24h"]["uptime"]
            if share is not None:
                lines.append(
                    _("Thời gian hoạt động 24 giờ, %(kind)s: %(pct)s%%")
                    % {"kind": kinds.get(kind, kind), "pct": f"{share * 100:.1f}".replace(".", ",")}
                )
        subject = _("Tình trạng camera và cảm biến ngày %(day)s: %(n)d mất kết nối") % {
            "day": local.strftime("%d/%m/%Y"),
            "n": len(down),
        }
    with transaction.atomic():
        made = outbox.enqueue(
            key=f"camera:digest:{local.date().isoformat()}",
            topic="camera",
            subject=subject,
            body="\n".join(lines),
            payload={"event": "digest", "day": local.date().isoformat(), "offline": [d.pk for d in down]},
            recipients=list(outbox.staff_recipients(roles=ROLES)),
            url="/cameras/",
        )
    return bool(made)
