"""Strict reading of JSON request bodies: size-capped, no NaN/Infinity, bounded nesting."""

import json
import math

from django.conf import settings
from django.core.exceptions import RequestDataTooBig

from geoplatform.errors import TooLarge

from .errors import BadBody

MAX_DEPTH = 40  # a MultiPolygon Feature is 7 deep; anything far deeper is an attack


def _refuse_constant(name):
    raise BadBody(f"{name} is not allowed in JSON numbers")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise BadBody(f"number out of range: {text[:30]}")
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
        raise BadBody("body is not UTF-8") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise BadBody("JSON nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
        raise BadBody(f"malformed JSON: {exc}") from None
    if depth_of(value) > MAX_DEPTH:
        raise BadBody(f"JSON nested deeper than {MAX_DEPTH} levels")
    return value


def read(request):
    """The request's JSON body, refused with 413 above DATA_UPLOAD_MAX_MEMORY_SIZE before reading."""
    cap = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if cap is not None and declared > cap:
        raise TooLarge(f"body of {declared} bytes is over the {cap}-byte limit")
    content_type = request.content_type or ""
    if content_type not in ("application/json", "application/geo+json"):
        raise BadBody("send the feature as application/geo+json or application/json", field="Content-Type")
    try:
        raw = request.body
    except RequestDataTooBig:
        raise TooLarge(f"body is over the {cap}-byte limit") from None
    return loads(raw)
