"""Dead letters from every outbox (the shared one and the fire alerts'), for the operators' panel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps

from layers import roles

from . import outbox


@dataclass(frozen=True)
class DeadLetter:
    """One message given up after its retry cap."""

    source: str  # "message" (shared outbox) or "fire"
    pk: int
    topic: str
    channel: str
    address: str
    subject: str
    attempts: int
    last_error: str
    created_at: datetime


def may_see(user) -> bool:
    """Operators (and administrators) see and retry dead letters."""
    return bool(roles.of(user) & {roles.OPERATOR, roles.ADMIN})


def listing(limit: int = 50) -> list[DeadLetter]:
    """The newest dead letters of every outbox."""
    rows = [
        DeadLetter("message", m.pk, m.topic, m.channel, m.address, m.subject, m.attempts, m.last_error, m.created_at)
        for m in outbox.dead_letters()[:limit]
    ]
    if apps.is_installed("layers.fire"):
        notification = apps.get_model("fire", "Notification")
        rows += [
            DeadLetter("fire", n.pk, "fire", n.channel, n.recipient, n.subject, n.attempts, n.last_error, n.created_at)
            for n in notification.objects.filter(status="dead").order_by("-created_at")[:limit]
        ]
    return sorted(rows, key=lambda d: d.created_at, reverse=True)[:limit]


def count() -> int:
    """How many dead letters wait for an operator."""
    total = outbox.dead_letters().count()
    if apps.is_installed("layers.fire"):
        total += apps.get_model("fire", "Notification").objects.filter(status="dead").count()
    return total


def retry(source: str, pk: int) -> bool:
    """Queue one dead letter again with a fresh set of attempts."""
    if source == "fire":
        from layers.fire import notify

        return notify.retry(pk)
    return outbox.retry(pk)
