"""Issuing Open311 API keys: the secret is shown once, only its SHA-256 is kept."""

import hashlib
import secrets

from .models import ApiKey


def new_secret() -> str:
    """A fresh random secret."""
    return "gp311_" + secrets.token_urlsafe(32)


def stored_form(secret: str) -> tuple[str, str]:
    """(prefix, sha256) of a secret: what the database keeps."""
    return secret[:12], hashlib.sha256(secret.encode()).hexdigest()


def issue(name: str, per_minute: int = 30) -> tuple[ApiKey, str]:
    """A new active key and its secret (to hand to the client; it cannot be read back)."""
    secret = new_secret()
    prefix, digest = stored_form(secret)
    return ApiKey.objects.create(name=name, prefix=prefix, key_hash=digest, per_minute=per_minute), secret
