"""Sending one message: e-mail through Django's backend, webhooks by signed POST; each with a timeout."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

SIGNATURE_HEADER = "X-Geoplatform-Signature"


class SendFailed(Exception):
    """A send that did not go through (to be retried with backoff)."""


def sign(secret: str, body: bytes) -> str:
    """The HMAC-SHA256 of a webhook body, as sent in the signature header."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def email(
    subject: str, body: str, to: str, *, html: str = "", headers: dict | None = None, timeout: float | None = None
) -> None:
    """Send one e-mail; the connection times out (EMAIL_TIMEOUT) instead of hanging on a silent server."""
    timeout = timeout if timeout is not None else float(getattr(settings, "EMAIL_TIMEOUT", None) or 10)
    connection = get_connection(timeout=timeout)
    message = EmailMultiAlternatives(
        subject, body, settings.DEFAULT_FROM_EMAIL, [to], connection=connection, headers=headers or {}
    )
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # SMTP errors come in many classes (socket, smtplib, timeouts)
        raise SendFailed(f"e-mail: {type(exc).__name__}: {exc}") from exc


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are failures: urllib would turn the POST into a body-less GET and call that delivered."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def webhook(url: str, payload: dict, secret: str, *, delivery_id: str, timeout: float | None = None) -> None:
    """POST a signed JSON body; anything but a 2xx answer within the timeout is a failure."""
    if not url.lower().startswith(("http://", "https://")):
        raise SendFailed(f"webhook URL must be http(s): {url[:80]}")
    if not secret:
        raise SendFailed("no webhook secret configured: refusing to send unsigned")
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    request = urllib.request.Request(  # noqa: S310  (scheme checked above)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(secret, body),
            # Receivers drop a repeat by this id (a send whose answer was lost is tried again).
            "X-Geoplatform-Delivery": delivery_id,
        },
    )
    timeout = timeout if timeout is not None else float(getattr(settings, "DELIVERY_WEBHOOK_TIMEOUT", 10))
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            if not 200 <= response.status < 300:
                raise SendFailed(f"webhook answered {response.status}")
    except urllib.error.HTTPError as exc:
        raise SendFailed(f"webhook answered {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise SendFailed(f"webhook unreachable: {exc}") from exc
