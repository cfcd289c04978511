"""The boundary cleaner: text PostgreSQL cannot store (NUL, lone UTF-16 surrogates) is refused on the way in.

One middleware looks at the path, the query string, form fields and JSON bodies (GeoJSON properties
included) before any view runs, so no field anywhere reaches the database with them and ends in a 500.
"""

import json
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from . import error_pages
from .errors import error_response, known_failure

BAD = re.compile("[\x00\ud800-\udfff]")
# A JSON body can only carry NUL or a surrogate as a raw NUL byte or a \u escape: a cheap test before parsing.
JSON_SUSPECT = re.compile(rb"\x00|\\u(?:0000|[dD][89a-fA-F])")
JSON_TYPES = ("application/json", "application/geo+json")


def bad_field(value, path: str = "") -> str | None:
    """The dotted path of the first string (key or value) in parsed JSON holding NUL or a lone surrogate."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if BAD.search(item):
                return where or "body"
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                name = f"{where}.{key}" if where else str(key)
                if BAD.search(str(key)):
                    return name
                stack.append((child, name))
        elif isinstance(item, list):
            stack.extend((child, f"{where}.{i}" if where else str(i)) for i, child in reversed(list(enumerate(item))))
    return None


def _in_pairs(pairs) -> str | None:
    for key, values in pairs:
        if BAD.search(key):
            return key
        if any(isinstance(v, str) and BAD.search(v) for v in values):
            return key
    return None


def _declared(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _json_field(request) -> str | None:
    cap = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if cap is not None and _declared(request) > cap:
        return None  # the view refuses it with 413 before reading
    try:
        raw = request.body
    except RequestDataTooBig:
        return None
    if not JSON_SUSPECT.search(raw):
        return None
    if b"\x00" in raw:
        return "body"
    try:
        parsed = json.loads(raw.decode("utf-8"), parse_constant=lambda name: None)
    except (ValueError, RecursionError):
        return None  # not JSON: the view says what is wrong with it
    return bad_field(parsed)


def offending_field(request) -> str | None:
    """The name of the first field of this request carrying NUL or a lone surrogate, if any."""
    if BAD.search(request.path_info):
        return "path"
    field = _in_pairs(request.GET.lists())
    if field:
        return field
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    content_type = request.content_type or ""
    if content_type in JSON_TYPES or content_type.endswith("+json"):
        return _json_field(request)
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if _declared(request) > (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0):
            # A large upload is left to its view, which refuses it by size before reading a byte of it.
            return None
        try:
            names = ((key, [f.name or "" for f in files]) for key, files in request.FILES.lists())
            return _in_pairs(request.POST.lists()) or _in_pairs(names)
        except (SuspiciousOperation, MultiPartParserError, RequestDataTooBig):
            return None  # the view meets the same fault and answers it
    return None


class TextGuardMiddleware:
    """Answer 400 naming the field when any string of the request holds NUL or a lone surrogate."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            field = offending_field(request)
        except OSError as exc:
            # Uploads are spooled to disk while the form is parsed: a full disk is a clean 507 here.
            failure = known_failure(exc)
            if failure is None:
                raise
            if error_pages.wants_page(request):
                return error_pages.page(request, failure.status, failure.message)
            return error_response(failure.status, failure.code, failure.message)
        if field is None:
            return self.get_response(request)
        if field == "path":
            # A path with NUL names nothing here: the same answer as any unknown address.
            return error_pages.not_found(request)
        shown = BAD.sub("?", field)[:100]
        message = _(
            "Trường %(field)s chứa ký tự không lưu được (ký tự NUL hoặc nửa cặp UTF-16); hãy bỏ ký tự đó rồi gửi lại."
        ) % {"field": shown}
        if request.path.startswith("/open311/"):
            # Open311 clients read its own error list (GeoReport v2), never the platform's shape.
            return JsonResponse([{"code": 400, "description": message}], status=400, safe=False)
        if error_pages.wants_page(request):
            return error_pages.page(request, 400, message)
        return error_response(400, "invalid_text", message, shown)
