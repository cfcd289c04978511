"""Telling rangers of fire alerts: an outbox written with the alert, delivered by Celery, retried.

Notifications are rows written in the same transaction as the alert, so none is lost when Redis is
down; delivery tasks are queued after commit and ``flush_outbox`` (Celery beat) re-queues any left
pending. Webhooks carry a JSON body signed with HMAC-SHA256 (header ``X-Geoplatform-Signature:
sha256=<hex>``); e-mail goes through Django's e-mail backend.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from .models import FireEvent, Notification, RangerAssignment

log = logging.getLogger(__name__)
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
SIGNATURE_HEADER = "X-Geoplatform-Signature"


class DeliveryFailed(Exception):
    """A send that failed and should be retried later."""


def sign(secret: str, body: bytes) -> str:
    """The HMAC-SHA256 of a webhook body, as sent in the signature header."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def event_summary(event: FireEvent) -> dict:
    """The facts of an event that a ranger needs, as JSON-ready values (times in UTC, ISO 8601)."""
    centroid = event.centroid
    return {
        "id": event.pk,
        "status": event.status,
        "alert_state": event.alert_state,
        "first_seen": event.first_seen.isoformat(),
        "last_seen": event.last_seen.isoformat(),
        "hotspot_count": event.hotspot_count,
        "max_frp": event.max_frp,
        "max_confidence": event.max_confidence,
        "in_forest": event.in_forest,
        "commune": event.commune.name if event.commune_id else None,
        "nearest_village": event.nearest_village.name if event.nearest_village_id else None,
        "village_distance_m": round(event.village_distance_m) if event.village_distance_m is not None else None,
        "lon": round(centroid.x, 5) if centroid else None,
        "lat": round(centroid.y, 5) if centroid else None,
        "url": f"/fire/events/{event.pk}/",
    }


def queue_alerts(event_ids: list[int]) -> list[int]:
    """Write the outbox rows for newly alerted events (inside the caller's transaction)."""
    events = list(FireEvent.objects.filter(pk__in=event_ids).select_related("commune", "nearest_village"))
    by_assignment: dict[int, list[FireEvent]] = defaultdict(list)
    assignments = {}
    communes = {e.commune_id for e in events if e.commune_id}
    for assignment in RangerAssignment.objects.filter(commune_id__in=communes).select_related("user"):
        assignments[assignment.pk] = assignment
        for event in events:
            if event.commune_id == assignment.commune_id:
                by_assignment[assignment.pk].append(event)
    threshold = int(getattr(settings, "FIRE_DIGEST_THRESHOLD", 3))
    created = []
    for assignment_id, its_events in by_assignment.items():
        assignment = assignments[assignment_id]
        digest = assignment.digest or len(its_events) >= threshold
        batches = [its_events] if digest else [[e] for e in its_events]
        for batch in batches:
            created += _outbox_rows(assignment, batch, digest)
    ids = [n.pk for n in created]
    if ids and getattr(settings, "FIRE_NOTIFY_ASYNC", True):
        transaction.on_commit(lambda: enqueue(ids))
    return ids


def _outbox_rows(assignment: RangerAssignment, events: list[FireEvent], digest: bool) -> list[Notification]:
    summaries = [event_summary(e) for e in events]
    if digest:
        subject = f"[Cháy rừng] {len(events)} cảnh báo mới / {len(events)} new fire alerts"
    else:
        e = summaries[0]
        subject = f"[Cháy rừng] Cảnh báo cháy tại {e['commune'] or '?'} / Fire alert #{e['id']}"
    payload = {"type": "fire.digest" if digest else "fire.alert", "events": summaries}
    rows = []
    email = assignment.email or assignment.user.email
    common = {
        "assignment": assignment,
        "event_ids": [e.pk for e in events],
        "digest": digest,
        "subject": subject,
        "payload": payload,
    }
    if email:
        rows.append(Notification.objects.create(channel="email", recipient=email, **common))
    if assignment.webhook_url:
        rows.append(Notification.objects.create(channel="webhook", recipient=assignment.webhook_url, **common))
    return rows


def enqueue(ids: list[int]) -> None:
    """Queue delivery tasks; if the broker is down the rows stay pending for flush_outbox."""
    from .tasks import deliver_notification

    for pk in ids:
        try:
            deliver_notification.delay(pk)
        except Exception as exc:  # broker unreachable: the outbox row is the guarantee
            log.warning("notification %s stays in the outbox: %s", pk, exc)
            return


def deliver(notification_id: int) -> str:
    """Send one outbox row (no-op if already sent); raises DeliveryFailed for a retry."""
    with transaction.atomic():
        note = Notification.objects.select_for_update(skip_locked=True).filter(pk=notification_id).first()
        if note is None:
            return "busy"
        if note.status == "sent":
            return "sent"
        note.attempts += 1
        try:
            if note.channel == "email":
                _send_email(note)
            else:
                _send_webhook(note)
        except DeliveryFailed as exc:
            note.status = "failed"
            note.last_error = str(exc)[:2000]
            note.save(update_fields=["status", "attempts", "last_error"])
            failure = exc
        else:
            note.status = "sent"
            note.sent_at = timezone.now()
            note.last_error = ""
            note.save(update_fields=["status", "attempts", "last_error", "sent_at"])
            return "sent"
    raise failure


def render_text(payload: dict) -> str:
    """The plain-text body of an alert e-mail (Vietnamese first, English second, local time)."""
    lines = []
    for e in payload["events"]:
        last = datetime.fromisoformat(e["last_seen"]).astimezone(LOCAL)
        village = e["nearest_village"] or "-"
        distance = f"{e['village_distance_m'] / 1000:.1f} km" if e["village_distance_m"] is not None else "-"
        lines += [
            f"Sự kiện cháy #{e['id']} / Fire event #{e['id']}",
            f"  Xã / Commune: {e['commune'] or '-'}; trong rừng / in forest: {'có' if e['in_forest'] else 'không'}",
            f"  Thôn gần nhất / Nearest village: {village} ({distance})",
            f"  Điểm cháy / Hotspots: {e['hotspot_count']}; FRP max: {e['max_frp']}",
            f"  Lần cuối / Last seen: {last:%d/%m/%Y %H:%M} (giờ Việt Nam)",
            f"  Vị trí / Location: {e['lat']}, {e['lon']}",
            f"  Cảnh báo / Alert: {settings.SITE_URL}{e['url']}",
            "",
        ]
    return "\n".join(lines)


def _send_email(note: Notification) -> None:
    message = EmailMessage(note.subject, render_text(note.payload), settings.DEFAULT_FROM_EMAIL, [note.recipient])
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # SMTP errors come in many classes
        raise DeliveryFailed(f"e-mail: {type(exc).__name__}: {exc}") from exc


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are failures: urllib would turn the POST into a body-less GET and call that delivered."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _send_webhook(note: Notification) -> None:
    url = note.recipient
    if not url.lower().startswith(("http://", "https://")):
        raise DeliveryFailed(f"webhook URL must be http(s): {url[:80]}")
    secret = (note.assignment.webhook_secret if note.assignment else "") or getattr(settings, "FIRE_WEBHOOK_SECRET", "")
    if not secret:
        raise DeliveryFailed("no webhook secret configured: refusing to send unsigned")
    body = json.dumps({"id": note.pk, **note.payload}, ensure_ascii=False, sort_keys=True).encode()
    request = urllib.request.Request(  # noqa: S310  (scheme checked above)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(secret, body),
            "X-Geoplatform-Delivery": str(note.pk),
        },
    )
    timeout = float(getattr(settings, "FIRE_WEBHOOK_TIMEOUT", 10))
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            if not 200 <= response.status < 300:
                raise DeliveryFailed(f"webhook answered {response.status}")
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"webhook answered {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryFailed(f"webhook unreachable: {exc}") from exc


def flush_outbox(older_than: timedelta = timedelta(minutes=2)) -> list[int]:
    """Re-queue outbox rows still unsent after a while (broker was down, or retries ran out)."""
    limit = timezone.now() - older_than
    ids = list(
        Notification.objects.filter(status__in=("pending", "failed"), created_at__lt=limit).values_list("pk", flat=True)
    )
    if ids:
        enqueue(ids)
    return ids
