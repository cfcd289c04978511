"""Gauge API keys: a random secret shown once; only its prefix and SHA-256 are stored."""

import hashlib
import secrets

from django.utils.translation import gettext as _

from .errors import BadKey
from .models import Crossing, Gauge

PREFIX = "gpgauge_"


def digest(secret: str) -> str:
    """The SHA-256 the database keeps for a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(crossing: Crossing, name: str) -> tuple[Gauge, str]:
    """A new active gauge at the crossing and its secret (to configure the box; it cannot be read back)."""
    secret = PREFIX + secrets.token_urlsafe(32)
    gauge = Gauge.objects.create(crossing=crossing, name=name, prefix=secret[:12], key_hash=digest(secret))
    return gauge, secret


def rotate(gauge: Gauge) -> str:
    """A fresh secret for this gauge; the old one stops working at once."""
    secret = PREFIX + secrets.token_urlsafe(32)
    gauge.prefix, gauge.key_hash = secret[:12], digest(secret)
    gauge.save(update_fields=["prefix", "key_hash"])
    return secret


def authenticate(raw: str | None) -> Gauge:
    """The active gauge holding this secret (compared by SHA-256), or BadKey."""
    if not raw:
        raise BadKey(_("Thiếu khoá API của trạm đo (tiêu đề X-Api-Key)."), field="api_key")
    gauge = (
        Gauge.objects.select_related("crossing")
        .filter(key_hash=digest(raw.strip()), active=True)
        .exclude(key_hash="")
        .first()
    )
    if gauge is None:
        raise BadKey(_("Khoá API của trạm đo không hợp lệ hoặc đã bị thu hồi."), field="api_key")
    return gauge
