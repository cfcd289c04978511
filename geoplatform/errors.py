"""The error family of the platform and its one JSON shape at the edge.

Every subsystem raises a subclass of PlatformError; the middleware and the DRF exception handler
turn it into ``{"error": {"code", "message", "field"}}`` with a 4xx status.
"""

import errno
import re

from django.db import IntegrityError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


class PlatformError(Exception):
    """Base of every expected, user-facing error: a code, a message and the field at fault."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code
        if status:
            self.status = status

    def as_dict(self) -> dict:
        """The JSON body of this error."""
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


class NotFound(PlatformError):
    """The thing asked for does not exist or is not visible to this user."""

    status = 404
    code = "not_found"


class Forbidden(PlatformError):
    """The user is known but lacks the role."""

    status = 403
    code = "forbidden"


class Conflict(PlatformError):
    """A concurrent change won (optimistic locking)."""

    status = 409
    code = "conflict"


class TooLarge(PlatformError):
    """A body, file or raster above the platform's caps."""

    status = 413
    code = "too_large"


_KEY = re.compile(r"Key \((?P<field>[^)]*)\)=")


def unique_conflict(exc: BaseException) -> Conflict | None:
    """A 409 naming the field when ``exc`` is a unique-key violation (two creators at once), else None."""
    if not isinstance(exc, IntegrityError):
        return None
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    if getattr(cause, "sqlstate", None) != "23505" or diag is None:
        return None
    match = _KEY.match(diag.message_detail or "")
    field = match["field"] if match else (diag.constraint_name or None)
    message = _("Giá trị của %(field)s đã có (vừa được tạo cùng lúc hoặc trước đó); hãy dùng giá trị khác.")
    return Conflict(message % {"field": field}, field=field, code="duplicate")


class StorageFull(PlatformError):
    """The server's disk is full: nothing was kept, try again later."""

    status = 507
    code = "storage_full"


def disk_full() -> StorageFull:
    """The refusal of a write that met a full disk."""
    return StorageFull(_("Máy chủ tạm thời hết chỗ lưu tệp; không có gì được lưu. Vui lòng thử lại sau."))


def known_failure(exc: BaseException) -> PlatformError | None:
    """The platform error for a failure that is not a bug: a unique key lost to a racer, a full disk."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return disk_full()
    return unique_conflict(exc)


def error_response(status: int, code: str, message: str, field: str | None = None, **extra) -> JsonResponse:
    """A JsonResponse in the platform's error shape."""
    body = {"error": {"code": code, "message": message, "field": field, **extra}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def drf_exception_handler(exc, context):
    """Turn PlatformError and DRF's own exceptions into the one error shape."""
    exc = known_failure(exc) or exc
    if isinstance(exc, PlatformError):
        return Response(exc.as_dict(), status=exc.status)
    response = exception_handler(exc, context)
    if response is None:
        return None
    field = None
    detail = response.data
    if isinstance(exc, drf_exceptions.ValidationError) and isinstance(detail, dict) and detail:
        field = next(iter(detail))
        first = detail[field]
        message = str(first[0] if isinstance(first, list) and first else first)
    elif isinstance(detail, dict) and "detail" in detail:
        message = str(detail["detail"])
    else:
        message = str(detail)
    code = getattr(exc, "default_code", "error")
    response.data = {"error": {"code": code, "message": message, "field": field}}
    return response
