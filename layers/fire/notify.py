"""Telling rangers of fire alerts: an outbox written with the alert, delivered by Celery, retried.

Notifications are rows written in the same transaction as the alert, so none is lost when Redis is
down; delivery tasks are queued after commit and ``flush_outbox`` (Celery beat) re-queues any left
pending. A send is claimed and committed first, made outside any transaction with a timeout, and its
result recorded after; failures back off (``retry_delay``) up to a cap, then the row is "dead" until
an operator retries it from the dashboard. Webhooks carry a JSON body signed with HMAC-SHA256
(header ``X-Geoplatform-Signature: sha256=<hex>``); e-mail goes through Django's e-mail backend.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from geoplatform import dispatch
from layers.delivery import backoff, senders

from .models import FireEvent, Notification, RangerAssignment

log = logging.getLogger(__name__)
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
SIGNATURE_HEADER = senders.SIGNATURE_HEADER
DELIVER_TASK = "layers.fire.tasks.deliver_notification"
# A claimed row not recorded after this long belonged to a worker that is gone.
LEASE = timedelta(minutes=10)


class DeliveryFailed(Exception):
    """A send that failed and should be retried later."""


def sign(secret: str, body: bytes) -> str:
    """The HMAC-SHA256 of a webhook body, as sent in the signature header."""
    return senders.sign(secret, body)


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
    """Queue delivery tasks by name; if the broker is down the rows stay pending for flush_outbox."""
    for pk in ids:
        if not dispatch.queue(DELIVER_TASK, pk):
            return


def _cap() -> int:
    return int(getattr(settings, "FIRE_NOTIFY_MAX_ATTEMPTS", 8))


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after this many failures (5 s, 15 s, 45 s, … at most 3 h)."""
    return backoff.delay(attempts, float(getattr(settings, "FIRE_NOTIFY_BACKOFF_S", 5)))


def deliver(notification_id: int) -> str:
    """Send one outbox row: claim and commit, send outside any transaction, record; DeliveryFailed to retry.

    Returns "sent" (also when it was sent before), "dead" (given up; an operator retries it) or
    "busy" (another worker holds it).
    """
    now = timezone.now()
    with transaction.atomic():
        note = Notification.objects.select_for_update(skip_locked=True).filter(pk=notification_id).first()
        if note is None:
            return "busy"
        if note.status in ("sent", "dead"):
            return note.status
        if note.status == "sending" and note.claimed_at and note.claimed_at > now - LEASE:
            return "busy"
        note.status, note.claimed_at = "sending", now
        note.attempts += 1
        note.save(update_fields=["status", "claimed_at", "attempts"])
    # Committed: the row says "sending" and no lock is held while the mail server or webhook answers.
    try:
        if note.channel == "email":
            _send_email(note)
        else:
            _send_webhook(note)
    except DeliveryFailed as exc:
        dead = backoff.is_dead(note.attempts, _cap())
        Notification.objects.filter(pk=note.pk, status="sending").update(
            status="dead" if dead else "failed",
            claimed_at=None,
            last_error=str(exc)[:2000],
            next_attempt_at=None if dead else timezone.now() + timedelta(seconds=retry_delay(note.attempts)),
        )
        if dead:
            log.warning("fire notification %s is dead after %d attempts: %s", note.pk, note.attempts, exc)
            return "dead"
        raise
    Notification.objects.filter(pk=note.pk, status="sending").update(
        status="sent", claimed_at=None, sent_at=timezone.now(), last_error=""
    )
    return "sent"


def retry(notification_id: int) -> bool:
    """An operator's "retry" of a dead alert: a fresh set of attempts, queued now."""
    with transaction.atomic():
        changed = Notification.objects.filter(pk=notification_id, status="dead").update(
            status="pending", attempts=0, next_attempt_at=None
        )
        if changed:
            transaction.on_commit(lambda: enqueue([notification_id]))
    return bool(changed)


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
    try:
        senders.email(note.subject, render_text(note.payload), note.recipient)
    except senders.SendFailed as exc:
        raise DeliveryFailed(str(exc)) from exc


def _send_webhook(note: Notification) -> None:
    secret = (note.assignment.webhook_secret if note.assignment else "") or getattr(settings, "FIRE_WEBHOOK_SECRET", "")
    timeout = float(getattr(settings, "FIRE_WEBHOOK_TIMEOUT", 10))
    try:
        senders.webhook(
            note.recipient, {"id": note.pk, **note.payload}, secret, delivery_id=str(note.pk), timeout=timeout
        )
    except senders.SendFailed as exc:
        raise DeliveryFailed(str(exc)) from exc


def flush_outbox(older_than: timedelta = timedelta(minutes=2), now=None) -> list[int]:
    """Re-queue rows still unsent and due (broker was down, a retry's time came); dead rows stay for an operator."""
    now = now or timezone.now()
    # A claim whose worker died before recording its result is handed back after the lease.
    Notification.objects.filter(status="sending", claimed_at__lt=now - LEASE).update(status="failed", claimed_at=None)
    due = Q(status="pending", created_at__lt=now - older_than) | Q(status="failed")
    ids = list(
        Notification.objects.filter(due)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("pk", flat=True)
    )
    if ids:
        enqueue(ids)
    return ids
