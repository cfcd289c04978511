"""The edge of every API view: authentication, CSRF for sessions, layer lookup, one error shape."""

import base64
import binascii
from functools import wraps

from django.contrib.auth import authenticate
from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from geoplatform.errors import Forbidden, NotFound, PlatformError
from layers.registry import Layer, registry

from .errors import Unauthenticated

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def layer_for(slug: str, user) -> Layer:
    """The layer if this user may read it; unknown and hidden layers alike are 404."""
    layer = registry.get(slug)
    if layer is None or not layer.can_read(user):
        raise NotFound(_("Không có lớp dữ liệu %(layer)s") % {"layer": repr(slug[:60])}, field="layer")
    return layer


def _basic_user(request):
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        username, _sep, password = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthenticated(_("Thông tin đăng nhập Basic sai định dạng")) from None
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise Unauthenticated(_("Sai tên đăng nhập hoặc mật khẩu"))
    return user


def _csrf_failure(request) -> str | None:
    check = CsrfViewMiddleware(lambda r: None)
    check.process_request(request)
    response = check.process_view(request, None, (), {})
    if response is None:
        return None
    return _("Kiểm tra CSRF không đạt: hãy gửi kèm cookie csrftoken và tiêu đề X-CSRFToken")


def endpoint(view):
    """Wrap an API view: Basic or session auth, CSRF for session writes, PlatformError as JSON."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            basic = _basic_user(request)
            if basic is not None:
                request.user = basic
            elif request.method not in SAFE_METHODS and request.user.is_authenticated:
                reason = _csrf_failure(request)
                if reason:
                    raise Forbidden(reason, code="csrf_failed")
            return view(request, *args, **kwargs)
        except PlatformError as exc:
            return JsonResponse(exc.as_dict(), status=exc.status, json_dumps_params={"ensure_ascii": False})

    return wrapper


def read_only(view):
    """An endpoint that only reads: GET and HEAD are served, any other method is a 405."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return method_not_allowed(request, ["GET", "HEAD"])
        return view(request, *args, **kwargs)

    return endpoint(guarded)


def method_not_allowed(request, allowed: list[str]) -> JsonResponse:
    """405 in the platform's error shape."""
    response = JsonResponse(
        {
            "error": {
                "code": "method_not_allowed",
                "message": _("Không cho phép phương thức %(method)s ở đây") % {"method": request.method},
                "field": None,
            }
        },
        status=405,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Allow"] = ", ".join(allowed)
    return response
