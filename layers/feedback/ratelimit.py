"""Rate limits on posting, counted in PostgreSQL so every gunicorn worker shares the same counts.

A fixed one-minute window per bucket ("addr:<ip>", "key:<id>"); the counter is incremented in
its own autocommit statement, so a refused post still counts and nothing else is written.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import RateLimited
from .models import RateCounter

WINDOW = timedelta(minutes=1)


def per_address_limit() -> int:
    """Posts a minute allowed from one client address (settings.FEEDBACK_POSTS_PER_MINUTE)."""
    return int(getattr(settings, "FEEDBACK_POSTS_PER_MINUTE", 10))


def client_address(request) -> str:
    """The client's address as the server saw it (X-Forwarded-For is not trusted: it is forgeable)."""
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


def hit(bucket: str, limit: int, now=None) -> int:
    """Count one post in this bucket's current minute; over the limit raises RateLimited."""
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0)
    table = RateCounter._meta.db_table
    # Counting must not be undone by a later rollback of the request's work.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (bucket, window_start, count) VALUES (%s, %s, 1)
            ON CONFLICT (bucket, window_start) DO UPDATE SET count = {table}.count + 1
            RETURNING count
            """,  # noqa: S608 - the table name is the model's own, every value is a bound parameter
            [bucket[:120], window],
        )
        (count,) = cursor.fetchone()
    if count > limit:
        retry = int((window + WINDOW - now).total_seconds()) + 1
        raise RateLimited(_("Quá nhiều phản ánh trong một phút; vui lòng thử lại sau."), retry_after=retry)
    return count


def check(request, now=None) -> None:
    """Apply the per-address limit to one post."""
    hit(f"addr:{client_address(request)}", per_address_limit(), now)


def check_key(api_key, now=None) -> None:
    """Apply an Open311 key's own limit to one post."""
    hit(f"key:{api_key.pk}", api_key.per_minute, now)


def forget_old(now=None) -> int:
    """Delete counters of past windows (housekeeping); returns how many."""
    now = now or timezone.now()
    deleted, _ = RateCounter.objects.filter(window_start__lt=now - timedelta(hours=1)).delete()
    return deleted
