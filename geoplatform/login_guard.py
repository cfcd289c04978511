"""Failed logins limited per account and per client address, for the login page, the admin and HTTP Basic.

Every password check goes through ``GuardedModelBackend`` (Django's ``authenticate``, which DRF's
Basic authentication and the login form both call). Failures are counted in PostgreSQL like the
feedback rate limits (shared by every worker) in fixed windows; while a bucket is over its limit,
even the right password is refused with a lock-out message, so guessing gains nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.db import connection, transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import PlatformError

WINDOW = timedelta(minutes=15)


class LockedOut(PlatformError):
    """Too many failed logins for this account or from this address in the current window."""

    status = 429
    code = "login_locked"

    def __init__(self, message: str, *, retry_after: int, field: str):
        super().__init__(message, field=field)
        self.retry_after = retry_after

    def as_dict(self) -> dict:
        """The error body with the seconds to wait."""
        body = super().as_dict()
        body["error"]["retry_after"] = self.retry_after
        return body


def limits() -> dict[str, int]:
    """Failures allowed per window: per account (LOGIN_FAILURES_PER_ACCOUNT) and per address."""
    return {
        "account": int(getattr(settings, "LOGIN_FAILURES_PER_ACCOUNT", 5)),
        "address": int(getattr(settings, "LOGIN_FAILURES_PER_ADDRESS", 20)),
    }


def _buckets(request, username: str | None) -> dict[str, str]:
    from layers.feedback.ratelimit import client_address  # the house's one reading of proxies

    found = {"account": f"login-user:{(username or '').strip().lower()[:100]}"}
    if request is not None:
        found["address"] = f"login-addr:{client_address(request)}"
    return found


def _window(now) -> object:
    start = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    return start


def _table() -> str:
    from layers.feedback.models import RateCounter

    return connection.ops.quote_name(RateCounter._meta.db_table)


def _counts(buckets: dict[str, str], window) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT bucket, count FROM {_table()} WHERE window_start = %s AND bucket = ANY(%s)",  # noqa: S608
            [window, list(buckets.values())],
        )
        found = dict(cursor.fetchall())
    return {kind: found.get(bucket, 0) for kind, bucket in buckets.items()}


def check(request, username: str | None, now=None) -> None:
    """Refuse with LockedOut while the account or the address is over its limit."""
    now = now or timezone.now()
    window = _window(now)
    counts = _counts(_buckets(request, username), window)
    for kind, limit in limits().items():
        if counts.get(kind, 0) >= limit:
            retry = int((window + WINDOW - now).total_seconds()) + 1
            minutes = max(1, (retry + 59) // 60)
            if kind == "account":
                message = _(
                    "Tài khoản này tạm khoá do nhập sai mật khẩu quá nhiều lần; hãy thử lại sau %(minutes)s phút."
                )
            else:
                message = _("Quá nhiều lần đăng nhập sai từ địa chỉ này; hãy thử lại sau %(minutes)s phút.")
            raise LockedOut(message % {"minutes": minutes}, retry_after=retry, field="username")


def record_failure(request, username: str | None, now=None) -> None:
    """Count one failed login against the account and the address (kept even if the request rolls back)."""
    window = _window(now or timezone.now())
    with transaction.atomic(), connection.cursor() as cursor:
        for bucket in _buckets(request, username).values():
            cursor.execute(
                f"INSERT INTO {_table()} AS r (bucket, window_start, count) VALUES (%s, %s, 1) "  # noqa: S608
                "ON CONFLICT (bucket, window_start) DO UPDATE SET count = r.count + 1",
                [bucket[:120], window],
            )


def forget_account(username: str, now=None) -> None:
    """A successful login clears the account's failures (the address keeps its own count)."""
    window = _window(now or timezone.now())
    bucket = _buckets(None, username)["account"]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table()} WHERE bucket = %s AND window_start = %s", [bucket, window])  # noqa: S608


class GuardedModelBackend(ModelBackend):
    """Django's ModelBackend behind the failed-login limits."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        """Check the limits, then the password; a success clears the account's failures."""
        if username is None:
            username = kwargs.get(self.user_model_field_name())
        check(request, username)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            forget_account(username)
        return user

    @staticmethod
    def user_model_field_name() -> str:
        """The login field of the user model."""
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


@receiver(user_login_failed)
def _count_failure(sender, credentials, request=None, **kwargs):
    username = credentials.get("username")
    if username is not None:
        record_failure(request, username)
