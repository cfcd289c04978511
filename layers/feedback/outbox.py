"""The transactional outbox: events written with the change, relayed to Celery, consumed once.

A report is accepted when its row and its outbox event commit together; nothing about the
broker or the mail server can lose it. After commit the event is offered to the broker once
(best effort); the relay re-offers whatever is still undelivered; the consumer records each
(event, recipient) pair so a redelivered event sends nothing twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from layers import roles

from . import routing
from .models import Category, Complaint, Notification, OutboxEvent

log = logging.getLogger(__name__)
# An event offered to the broker but not consumed after this long is offered again.
REDISPATCH_AFTER = timedelta(minutes=10)
DELIVER_TASK = "layers.feedback.tasks.deliver_event"


def record(kind: str, complaint: Complaint | None, **payload) -> OutboxEvent:
    """Write an event inside the caller's transaction and offer it to the broker after commit."""
    event = OutboxEvent.objects.create(kind=kind, complaint=complaint, payload=payload)
    event_id = event.event_id
    transaction.on_commit(lambda: dispatch([event_id]))
    return event


def dispatch(event_ids: list[UUID]) -> int:
    """Publish a delivery task per event by name; a broker that is down is noted, never raised."""
    from geoplatform.celery import app

    sent = 0
    if app.conf.task_always_eager:  # no broker (development without Redis): deliver in-process
        from geoplatform import dispatch as tasks_by_name

        for event_id in event_ids:
            tasks_by_name.queue(DELIVER_TASK, str(event_id))
        return len(event_ids)
    try:
        # A fresh connection from the current settings, failing fast: the web request must not wait.
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
            for event_id in event_ids:
                app.send_task(DELIVER_TASK, args=[str(event_id)], connection=broker, retry=False)
                OutboxEvent.objects.filter(event_id=event_id).update(
                    dispatched_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
                )
                sent += 1
    except Exception as exc:  # broker unreachable (kombu/redis/socket errors): the relay retries later
        log.warning("outbox: broker unavailable, %d event(s) left for the relay: %s", len(event_ids) - sent, exc)
        OutboxEvent.objects.filter(event_id__in=event_ids[sent:]).update(
            attempts=F("attempts") + 1, last_error=str(exc)[:500]
        )
    return sent


def pending(now=None):
    """Events not yet consumed and not offered recently."""
    now = now or timezone.now()
    return OutboxEvent.objects.filter(delivered_at__isnull=True).filter(
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - REDISPATCH_AFTER)
    )


def relay(limit: int = 500, now=None) -> int:
    """Offer every pending event to the broker again; returns how many were published."""
    ids = list(pending(now).order_by("created_at", "pk").values_list("event_id", flat=True)[:limit])
    return dispatch(ids) if ids else 0


def _recipients(event: OutboxEvent) -> list[str]:
    complaint = event.complaint
    if event.kind == "complaint.received":
        return routing.recipients(complaint)
    if event.kind == "complaint.overdue":
        return routing.role_emails(roles.OPERATOR) or routing.recipients(complaint)
    if event.kind == "complaint.answered":
        return [complaint.reporter_email] if complaint.reporter_email else []
    return []


def _message(event: OutboxEvent, recipient: str) -> EmailMultiAlternatives:
    complaint = event.complaint
    category = Category.objects.filter(code=complaint.category).first() if complaint else None
    context = {
        "event": event,
        "complaint": complaint,
        "payload": event.payload,
        "category_name": category.name_vi if category else (complaint.category if complaint else ""),
        # Links in a mail need the site's address.
        "site": settings.SITE_URL,
    }
    name = event.kind.replace("complaint.", "")
    with translation.override("vi"):
        subject = render_to_string(f"feedback/email/{name}_subject.txt", context).strip().replace("\n", " ")
        text = render_to_string(f"feedback/email/{name}.txt", context)
        html = render_to_string(f"feedback/email/{name}.html", context)
    message = EmailMultiAlternatives(subject[:300], text, settings.DEFAULT_FROM_EMAIL, [recipient])
    message.attach_alternative(html, "text/html")
    return message


def consume(event_id: str) -> int:
    """Send an event's notifications once per recipient; a retry sends only what was not sent.

    No transaction is open while a mail server is talked to: the event is held by a session-level
    advisory lock (a second consumer of the same event skips it; a killed worker's lock dies with
    its connection), each recipient's mail is recorded in its own short transaction right after it
    went out, and the event is marked delivered once every recipient has been recorded.
    """
    event = OutboxEvent.objects.select_related("complaint").filter(event_id=event_id).first()
    if event is None or event.delivered_at is not None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext('feedback.outbox'), hashtext(%s))", [str(event_id)])
        if not cursor.fetchone()[0]:
            return 0  # another worker is delivering this event right now
    try:
        event.refresh_from_db(fields=["delivered_at"])
        if event.delivered_at is not None:
            return 0
        sent = 0
        done = set(Notification.objects.filter(event_id=event.event_id).values_list("recipient", flat=True))
        for recipient in _recipients(event) if event.complaint_id else []:
            if recipient in done:
                continue
            message = _message(event, recipient)
            message.connection = get_connection(timeout=float(getattr(settings, "EMAIL_TIMEOUT", None) or 10))
            # A mail server that fails raises here: recipients already recorded are not sent again.
            message.send()
            Notification.objects.get_or_create(
                event_id=event.event_id, recipient=recipient, defaults={"subject": message.subject}
            )
            done.add(recipient)
            sent += 1
        OutboxEvent.objects.filter(pk=event.pk, delivered_at__isnull=True).update(delivered_at=timezone.now())
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext('feedback.outbox'), hashtext(%s))", [str(event_id)])
    return sent
