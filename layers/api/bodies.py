"""Strict reading of JSON request bodies: size-capped, no NaN/Infinity, bounded nesting."""

import json
import math

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _

from geoplatform.errors import TooLarge

from .errors import BadBody

MAX_DEPTH = 40  # a MultiPolygon Feature is 7 deep; anything far deeper is an attack


def _refuse_constant(name):
    raise BadBody(_("%(name)s không được phép làm số trong JSON") % {"name": name})


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise BadBody(_("Số vượt quá giới hạn: %(number)s") % {"number": text[:30]})
    return value


def depth_of(value) -> int:
    """Nesting depth of parsed JSON, walked without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def loads(raw: bytes):
    """Parse bytes as strict JSON or raise BadBody."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody(_("Nội dung gửi lên không phải văn bản UTF-8")) from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise BadBody(_("JSON lồng nhau quá sâu")) from None
    except json.JSONDecodeError as exc:
        # The place, not Python's English wording of the fault.
        place = {"line": exc.lineno, "column": exc.colno}
        raise BadBody(_("JSON sai cú pháp ở dòng %(line)s, cột %(column)s") % place) from None
    except ValueError as exc:  # an integer too long to convert
        raise BadBody(_("JSON sai cú pháp: %(detail)s") % {"detail": exc}) from None
    if depth_of(value) > MAX_DEPTH:
        raise BadBody(_("JSON lồng nhau sâu quá %(levels)s tầng") % {"levels": MAX_DEPTH})
    return value


def refuse_oversize(request) -> int | None:
    """413 when the declared body is above DATA_UPLOAD_MAX_MEMORY_SIZE, before a byte of it is read; the cap."""
    cap = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if cap is not None and declared > cap:
        message = _("Nội dung gửi lên có %(size)s byte, vượt giới hạn %(cap)s byte") % {"size": declared, "cap": cap}
        raise TooLarge(message)
    return cap


def read(request):
    """The request's JSON body, refused with 413 above DATA_UPLOAD_MAX_MEMORY_SIZE before reading."""
    cap = refuse_oversize(request)
    content_type = request.content_type or ""
    if content_type not in ("application/json", "application/geo+json"):
        message = _("Hãy gửi đối tượng dưới dạng application/geo+json hoặc application/json")
        raise BadBody(message, field="Content-Type")
    try:
        raw = request.body
    except RequestDataTooBig:
        raise TooLarge(_("Nội dung gửi lên vượt giới hạn %(cap)s byte") % {"cap": cap}) from None
    return loads(raw)
