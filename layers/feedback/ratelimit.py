"""Rate limits on posting, counted in PostgreSQL so every web worker shares the same counts.

A fixed one-minute window per bucket ("addr:<ip>", "key:<id>"); the counter is incremented in
its own autocommit statement, so a refused post still counts and nothing else is written.

Behind a reverse proxy every post arrives from the proxy's address: list the proxies in
settings.FEEDBACK_TRUSTED_PROXIES (environment FEEDBACK_TRUSTED_PROXIES, comma-separated
addresses or networks) and the client is the last X-Forwarded-For hop that is not one of them.
"""

from __future__ import annotations

import ipaddress
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


def trusted_proxies() -> list:
    """The networks of the reverse proxies in front of the site (none by default)."""
    listed = getattr(settings, "FEEDBACK_TRUSTED_PROXIES", None) or []
    return [ipaddress.ip_network(p.strip(), strict=False) for p in listed]


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or behind a trusted proxy the last untrusted X-Forwarded-For hop.

    X-Forwarded-For is read only when the peer is a listed proxy, and from the right: the entries
    left of the first untrusted hop are whatever the client chose to send, so they are never used.
    """
    remote = (request.META.get("REMOTE_ADDR") or "unknown")[:64]
    proxies = trusted_proxies()
    peer = _address(remote)
    if not proxies or peer is None or not any(peer in net for net in proxies):
        return remote
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops[-20:]):
        address = _address(hop)
        if address is None:
            return remote  # a malformed chain: count it against the proxy, never against a made-up name
        if not any(address in net for net in proxies):
            return str(address)
    return remote


def hit(bucket: str, limit: int, now=None, message: str | None = None) -> int:
    """Count one post in this bucket's current minute; over the limit raises RateLimited (with ``message``)."""
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0)
    table = RateCounter._meta.db_table
    # Counting must not be undone by a later rollback of the request's work.
    own_transaction = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if own_transaction:
            # Every post of one Open311 key updates this one row: without waiting for the WAL flush at commit,
            # the row lock is not held across a disk sync (a count lost in a crash costs nothing). Only when
            # the counter is its own transaction: a caller's work keeps its durable commit.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
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
        message = message or _("Quá nhiều phản ánh trong một phút; vui lòng thử lại sau.")
        raise RateLimited(message, retry_after=retry)
    return count


def check(request, now=None) -> None:
    """Apply the per-address limit to one post."""
    hit(f"addr:{client_address(request)}", per_address_limit(), now)


def check_key(api_key, now=None) -> None:
    """Apply an Open311 key's own limit to one post."""
    hit(f"key:{api_key.pk}", api_key.per_minute, now)


def device_words() -> str:
    """The refusal a field device (gauge, sensor) gets when it posts too often."""
    return _("Quá nhiều lần gửi trong một phút; vui lòng thử lại sau.")


def check_device_address(request, now=None) -> None:
    """Bound what one address costs the device APIs, a wrong key included (settings.DEVICE_POSTS_PER_ADDRESS)."""
    limit = int(getattr(settings, "DEVICE_POSTS_PER_ADDRESS", 300))
    hit(f"device-addr:{client_address(request)}", limit, now, device_words())


def check_device(kind: str, pk: int, now=None) -> None:
    """Bound the posts of one authenticated device a minute (settings.DEVICE_POSTS_PER_MINUTE)."""
    hit(f"{kind}:{pk}", int(getattr(settings, "DEVICE_POSTS_PER_MINUTE", 30)), now, device_words())


def forget_old(now=None) -> int:
    """Delete counters of past windows (housekeeping); returns how many."""
    now = now or timezone.now()
    deleted, _ = RateCounter.objects.filter(window_start__lt=now - timedelta(hours=1)).delete()
    return deleted
