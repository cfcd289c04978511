"""Health of cameras and field sensors: check rounds, heartbeats, status changes and their history."""

from __future__ import annotations

import hashlib
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import alerts, probe
from .models import Device, Snapshot, StatusChange

ROUND_LOCK = 0x6361_6D73  # "cams": one check round at a time across workers
PROBED = ("snapshot", "status", "rtsp")
NO_HEARTBEAT = "no_heartbeat"

REASONS = {
    probe.OK: _("Hoạt động bình thường"),
    probe.BAD_URL: _("Địa chỉ kiểm tra không hợp lệ"),
    probe.REFUSED: _("Địa chỉ bị từ chối (ngoài mạng camera hoặc là dịch vụ nội bộ)"),
    probe.UNREACHABLE: _("Không kết nối được"),
    probe.TIMEOUT: _("Quá thời gian chờ"),
    probe.HTTP_STATUS: _("Máy chủ trả lời lỗi"),
    probe.NOT_IMAGE: _("Trả lời không phải ảnh JPEG đọc được"),
    probe.TOO_LARGE: _("Trả lời quá lớn"),
    probe.REDIRECT_OTHER_HOST: _("Chuyển hướng sang máy khác (bị từ chối)"),
    probe.TOO_MANY_REDIRECTS: _("Chuyển hướng quá nhiều lần"),
    probe.NO_STREAM: _("Không đọc được luồng video"),
    probe.TLS: _("Lỗi chứng chỉ HTTPS"),
    NO_HEARTBEAT: _("Không nhận được tín hiệu định kỳ"),
}


class HeartbeatError(Exception):
    """A heartbeat that names no known device."""


def reason_text(code: str) -> str:
    """The reason code of a check in words."""
    return str(REASONS.get(code, _("Lỗi không xác định"))) if code else ""


def platform_endpoints() -> list[str]:
    """host:port of the platform's own services (database, Redis/broker, mail relay): never probed."""
    out = list(settings.CAMERAS_REFUSED_ENDPOINTS)
    for db in settings.DATABASES.values():
        out.append(f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}")
    for url in {settings.REDIS_URL, settings.CELERY_BROKER_URL, settings.CELERY_RESULT_BACKEND}:
        parts = urlsplit(url or "")
        if parts.scheme.startswith("redis"):
            out.append(f"{parts.hostname or '127.0.0.1'}:{parts.port or 6379}")
    out.append(f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}")
    return out


def policy() -> probe.Policy:
    """The probing policy from settings."""
    return probe.Policy.build(
        settings.CAMERAS_NETWORKS,
        platform_endpoints(),
        settings.CAMERAS_CHECK_TIMEOUT_S,
        settings.CAMERAS_MAX_SNAPSHOT_BYTES,
    )


def probe_device(device: Device, rules: probe.Policy | None = None) -> probe.Result:
    """Probe one device as it is configured (no database access: safe in a thread)."""
    if not device.url:
        return probe.Result(False, probe.BAD_URL, "no check URL")
    return probe.probe(device.url, rules or policy(), device.probe, device.username, device.password)


def _change(device: Device, to: str, now, reason: str = "", error: str = "") -> StatusChange:
    change = StatusChange.objects.create(
        device=device, at=now, from_status=device.status, to_status=to, reason=reason, error=error[:300]
    )
    previous_since = device.status_since
    was = device.status
    device.status, device.status_since = to, now
    if to == "online" and was == "offline":
        alerts.back_online(device, previous_since, now)
    return change


def _mirror(device: Device) -> None:
    # The cameras layer shows the status the checks found (the map, filters and dashboard link read it).
    if device.camera_id and device.status in ("online", "offline"):
        type(device.camera).objects.filter(pk=device.camera_id).update(
            status=device.status, last_seen_at=device.last_seen_at
        )


def record(device_id: int, result: probe.Result, now=None) -> StatusChange | None:
    """Write one check's result: failures in a row, status change (with its reason), the snapshot."""
    now = now or timezone.now()
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device_id)
        device.last_check_at = now
        change = None
        if result.ok:
            device.failures = 0
            device.last_seen_at = now
            device.last_reason, device.last_error = probe.OK, ""
            if device.status != "online":
                change = _change(device, "online", now)
            # A picture every few minutes is enough to see the scene; one a check would churn the table.
            every = timedelta(seconds=getattr(settings, "CAMERAS_SNAPSHOT_EVERY_S", 300))
            stale = not Snapshot.objects.filter(device=device, taken_at__gt=now - every).exists()
            if result.jpeg and stale:
                Snapshot.objects.update_or_create(
                    device=device,
                    defaults={"taken_at": now, "jpeg": result.jpeg, "width": result.width, "height": result.height},
                )
        else:
            device.failures += 1
            device.last_reason, device.last_error = result.reason, result.detail[:300]
            if device.failures >= settings.CAMERAS_OFFLINE_AFTER and device.status != "offline":
                change = _change(device, "offline", now, result.reason, result.detail)
        device.save()
        _mirror(device)
    return change


def check(device: Device, now=None) -> StatusChange | None:
    """Probe one device now and record the result."""
    return record(device.pk, probe_device(device), now)


def run_round(now=None, workers: int = 8) -> dict:
    """One round: probe every enabled camera (in parallel, no transaction open), record, sweep, alert."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s)", [ROUND_LOCK])
        if not cur.fetchone()[0]:
            return {"skipped": True}
    try:
        devices = list(Device.objects.filter(enabled=True, probe__in=PROBED))
        rules = policy()
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(devices)))) as pool:
            results = list(pool.map(lambda d: probe_device(d, rules), devices))
        now = now or timezone.now()
        changes = [record(d.pk, r, now) for d, r in zip(devices, results, strict=True)]
        swept = sweep_heartbeats(now)
        told = alerts.due(now)
        return {
            "checked": len(devices),
            "online": sum(1 for r in results if r.ok),
            "changes": sum(1 for c in changes if c) + swept,
            "alerts": told,
        }
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", [ROUND_LOCK])


def key_hash(key: str) -> str:
    """The stored form of a heartbeat key."""
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(device: Device) -> str:
    """A new heartbeat key for the device (the old one stops working); shown once, stored hashed."""
    key = "dev_" + secrets.token_urlsafe(24)
    device.key_hash = key_hash(key)
    device.save(update_fields=["key_hash"])
    return key


def authenticate(key: str) -> Device:
    """The enabled heartbeat device holding this key, or HeartbeatError; nothing is written."""
    if not key or len(key) > 200:
        raise HeartbeatError("missing key")
    device = Device.objects.filter(key_hash=key_hash(key), enabled=True).first()
    if device is None or not secrets.compare_digest(device.key_hash, key_hash(key)):
        raise HeartbeatError("unknown key")
    return device


def beat(device: Device, now=None) -> Device:
    """Record a heartbeat of an authenticated device: online at once, failures cleared."""
    now = now or timezone.now()
    with transaction.atomic():
        # Locked and read again: the key may have been replaced or the device disabled since it was authenticated.
        locked = Device.objects.select_for_update().filter(pk=device.pk, key_hash=device.key_hash, enabled=True).first()
        if locked is None:
            raise HeartbeatError("unknown key")
        _alive(locked, now)
    return locked


def heartbeat(key: str, now=None) -> Device:
    """A field sensor says it is alive: online at once, failures cleared."""
    return beat(authenticate(key), now)


def subject_alive(subject, now=None) -> int:
    """Something a device watches (a crossing's gauge) was heard from: its devices are alive; returns how many."""
    now = now or timezone.now()
    subject_type = ContentType.objects.get_for_model(type(subject))
    with transaction.atomic():
        devices = list(
            Device.objects.select_for_update().filter(subject_type=subject_type, subject_id=subject.pk, enabled=True)
        )
        for device in devices:
            _alive(device, now)
    return len(devices)


def _alive(device: Device, now) -> None:
    """Online at once, failures cleared (the caller holds the device's row lock)."""
    device.last_check_at = device.last_seen_at = now
    device.failures = 0
    device.last_reason, device.last_error = probe.OK, ""
    if device.status != "online":
        _change(device, "online", now)
    device.save()
    _mirror(device)


def sweep_heartbeats(now=None) -> int:
    """Heartbeat devices silent for N periods (N = CAMERAS_OFFLINE_AFTER) go offline; returns how many."""
    now = now or timezone.now()
    n = 0
    for device_id in (
        Device.objects.filter(enabled=True, probe="heartbeat").exclude(status="offline").values_list("pk", flat=True)
    ):
        with transaction.atomic():
            device = Device.objects.select_for_update().get(pk=device_id)
            silent_since = device.last_seen_at or device.status_since
            limit = timedelta(seconds=device.heartbeat_every_s * settings.CAMERAS_OFFLINE_AFTER)
            if silent_since is None:
                # Never heard of: counted from now, so a new gauge has its first periods to report.
                device.status_since = now
                device.save(update_fields=["status_since"])
                continue
            if now - silent_since < limit:
                continue
            device.last_check_at = now
            device.last_reason = NO_HEARTBEAT
            device.last_error = f"last heartbeat {silent_since.isoformat(timespec='seconds')}"
            _change(device, "offline", now, NO_HEARTBEAT, device.last_error)
            device.save()
            _mirror(device)
            n += 1
    return n
