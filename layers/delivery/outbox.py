"""The shared outbox: enqueue with the change, deliver once per recipient, back off, then dead-letter.

Delivery of one message: claim it (SELECT … FOR UPDATE SKIP LOCKED, state → sending) and commit;
send with a timeout outside any transaction; record the result in a new short transaction. A
worker killed between claim and record leaves the row in "sending"; the sweep hands it back after
a lease longer than any send can take (the only case where a recipient may get a message twice,
which is why webhooks carry the message id in X-Geoplatform-Delivery).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from geoplatform import dispatch

from . import backoff, senders
from .models import Message

log = logging.getLogger(__name__)
DELIVER_TASK = "layers.delivery.tasks.deliver_message"
# A claimed message not recorded after this long belonged to a worker that is gone.
LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Recipient:
    """Where one copy goes: an e-mail address, or a webhook URL with its signing secret."""

    channel: str
    address: str
    secret: str = ""


def enqueue(
    *,
    key: str,
    topic: str,
    subject: str,
    body: str = "",
    payload: dict | None = None,
    recipients: list[Recipient],
    url: str = "",
    html: str = "",
) -> list[Message] | None:
    """Write one message per recipient inside the caller's transaction; a key seen before is a no-op (None)."""
    if not key:
        raise ValueError("an outbox key is required")
    with transaction.atomic():
        # Two transactions enqueuing the same key at once: the second waits here, then sees the first's rows.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('delivery.outbox'), hashtext(%s))", [key])
        if Message.objects.filter(key=key).exists():
            return None
        seen, rows = set(), []
        for recipient in recipients:
            if recipient.channel not in ("email", "webhook"):
                raise ValueError(f"unknown channel: {recipient.channel}")
            if not recipient.address or (recipient.channel, recipient.address) in seen:
                continue
            seen.add((recipient.channel, recipient.address))
            rows.append(
                Message(
                    key=key[:300],
                    topic=topic[:40],
                    channel=recipient.channel,
                    address=recipient.address[:500],
                    secret=recipient.secret,
                    subject=subject[:300],
                    body=body,
                    html=html,
                    payload=payload or {},
                    url=url[:500],
                )
            )
        created = Message.objects.bulk_create(rows)
    ids = [m.pk for m in created]
    if ids and getattr(settings, "DELIVERY_ASYNC", True):
        transaction.on_commit(lambda: queue(ids))
    return created


def queue(ids: list[int]) -> None:
    """Offer delivery tasks to the broker; when it is down the rows stay pending for the sweep."""
    for pk in ids:
        if not dispatch.queue(DELIVER_TASK, pk):
            return


def staff_recipients(roles=("operator",), commune=None) -> list[Recipient]:
    """E-mail recipients of active users holding any of the roles (those assigned to the commune, if any are)."""
    users = get_user_model().objects.filter(is_active=True, groups__name__in=list(roles)).exclude(email="")
    if commune is not None and apps.is_installed("layers.fire"):
        assignment = apps.get_model("fire", "RangerAssignment")
        commune_id = getattr(commune, "pk", commune)
        assigned = users.filter(pk__in=assignment.objects.filter(commune_id=commune_id).values("user_id"))
        if assigned.exists():
            users = assigned
    emails = sorted(set(users.values_list("email", flat=True)))
    return [Recipient(channel="email", address=e) for e in emails]


def claim(pk: int | None = None, *, now=None, limit: int = 50) -> list[Message]:
    """Take due messages for sending (state → sending) in one short committed transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = Message.objects.select_for_update(skip_locked=True).filter(state="pending", next_attempt_at__lte=now)
        if pk is not None:
            rows = rows.filter(pk=pk)
        claimed = list(rows.order_by("next_attempt_at", "pk")[:limit])
        for message in claimed:
            message.state, message.claimed_at = "sending", now
            message.attempts += 1
        Message.objects.bulk_update(claimed, ["state", "claimed_at", "attempts"])
    return claimed


def send(message: Message) -> None:
    """Send one claimed message (no transaction is open here); raises SendFailed."""
    if message.channel == "email":
        body = message.body
        if message.url and settings.SITE_URL and message.url not in body:
            body = f"{body}\n\n{settings.SITE_URL}{message.url}"
        senders.email(
            message.subject, body, message.address, html=message.html, headers={"X-Geoplatform-Delivery": message.key}
        )
    else:
        payload = {"id": message.pk, "key": message.key, "topic": message.topic, **message.payload}
        if message.url:
            payload.setdefault("url", f"{settings.SITE_URL}{message.url}")
        senders.webhook(message.address, payload, message.secret, delivery_id=f"{message.key}#{message.pk}")


def record(message: Message, error: str | None, *, now=None) -> str:
    """Write a send's outcome in its own transaction: sent, pending again after a backoff, or dead."""
    now = now or timezone.now()
    cap = int(getattr(settings, "DELIVERY_MAX_ATTEMPTS", backoff.MAX_ATTEMPTS))
    if error is None:
        state, fields = "sent", {"sent_at": now, "last_error": ""}
    elif backoff.is_dead(message.attempts, cap):
        state, fields = "dead", {"last_error": error[:2000]}
    else:
        wait = backoff.delay(message.attempts, float(getattr(settings, "DELIVERY_BACKOFF_S", backoff.BASE_S)))
        state, fields = "pending", {"last_error": error[:2000], "next_attempt_at": now + timedelta(seconds=wait)}
    Message.objects.filter(pk=message.pk, state="sending").update(state=state, claimed_at=None, **fields)
    return state


def deliver(pk: int) -> str:
    """Deliver one message if it is due and not taken: "sent", "pending" (retry later), "dead" or "skipped"."""
    claimed = claim(pk)
    if not claimed:
        return "skipped"
    return _send_and_record(claimed[0])


def _send_and_record(message: Message) -> str:
    try:
        send(message)
    except senders.SendFailed as exc:
        log.warning("delivery %s to %s failed (attempt %d): %s", message.pk, message.address, message.attempts, exc)
        return record(message, str(exc))
    return record(message, None)


def deliver_pending(limit: int = 200) -> dict:
    """Deliver every due message now, synchronously (tests, the sweep); returns counts by outcome."""
    counts = {"sent": 0, "pending": 0, "dead": 0}
    done = 0
    while done < limit:
        batch = claim(limit=min(50, limit - done))
        if not batch:
            break
        for message in batch:
            counts[_send_and_record(message)] += 1
        done += len(batch)
    return counts


def release_stale(now=None) -> int:
    """Hand back messages claimed by a worker that died before recording (after the lease)."""
    now = now or timezone.now()
    return Message.objects.filter(state="sending", claimed_at__lt=now - LEASE).update(state="pending", claimed_at=None)


def sweep(now=None) -> int:
    """Beat's pass: release stale claims and queue every due message; returns how many were queued."""
    now = now or timezone.now()
    release_stale(now)
    ids = list(
        Message.objects.filter(state="pending", next_attempt_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    queue(ids)
    return len(ids)


def dead_letters():
    """Messages given up after the retry cap, newest first (the operators' dashboard panel)."""
    return Message.objects.filter(state="dead").order_by("-created_at", "-pk")


def retry(pk: int) -> bool:
    """An operator's "retry": a dead message gets a fresh set of attempts and is queued now."""
    with transaction.atomic():
        changed = Message.objects.filter(pk=pk, state="dead").update(
            state="pending", attempts=0, next_attempt_at=timezone.now()
        )
        if changed:
            transaction.on_commit(lambda: queue([pk]))
    return bool(changed)
