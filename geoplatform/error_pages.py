"""Error answers that fit the asker: a page in the user's language for a person, the JSON error shape for a client."""

import re

from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from .errors import error_response

# Machine interfaces answer in JSON whatever the Accept header says.
API_PREFIXES = ("/api/", "/ogc/", "/tiles/", "/open311/", "/health")
DATA_SUFFIX = re.compile(r"\.(json|geojson|pbf|csv|xml|gpkg|zip|kml|png|jpg)$")

TITLES = {
    400: lambda: _("Yêu cầu không hợp lệ"),
    401: lambda: _("Cần đăng nhập"),
    403: lambda: _("Không có quyền truy cập"),
    404: lambda: _("Không tìm thấy trang"),
    405: lambda: _("Không hỗ trợ thao tác này"),
    409: lambda: _("Dữ liệu đã thay đổi"),
    413: lambda: _("Dữ liệu gửi lên quá lớn"),
    429: lambda: _("Quá nhiều yêu cầu"),
    503: lambda: _("Tạm thời không phục vụ được"),
}


def wants_page(request) -> bool:
    """Whether the asker is a person's browser asking for a page (not a script or an API client)."""
    path = request.path
    if path.startswith(API_PREFIXES) or DATA_SUFFIX.search(path):
        return False
    return "text/html" in request.headers.get("Accept", "")


def page(request, status: int, message: str | None = None) -> HttpResponse:
    """The site's own error page for this status, with a log-in link when logging in could help."""
    anonymous = not getattr(getattr(request, "user", None), "is_authenticated", False)
    context = {
        "status": status,
        "title": TITLES.get(status, TITLES[400])(),
        "message": message,
        "offer_login": status in (401, 403) and anonymous,
        "next": request.get_full_path(),
    }
    return render(request, "errors/page.html", context, status=status)


def not_found(request, exception=None):
    """handler404: a page for people, JSON for clients."""
    if wants_page(request):
        return page(request, 404, _("Địa chỉ này không có trên hệ thống, hoặc nội dung đã bị xoá."))
    return error_response(404, "not_found", _("Không tìm thấy."))


def forbidden(request, exception=None):
    """handler403 (PermissionDenied, CSRF failures): a page for people, JSON for clients."""
    if wants_page(request):
        return page(request, 403, _("Tài khoản của bạn không có quyền mở trang này."))
    return error_response(403, "forbidden", _("Không có quyền."))


def bad_request(request, exception=None):
    """handler400: a page for people, JSON for clients."""
    if wants_page(request):
        return page(request, 400)
    return error_response(400, "bad_request", _("Yêu cầu không hợp lệ."))


def unavailable(message: str) -> HttpResponse:
    """A 503 page rendered without the database (it is what failed)."""
    return HttpResponse(loader.get_template("errors/500.html").render({"message": message}), status=503)


def server_error(request):
    """handler500: a page that needs neither the database nor the session (either may be what failed)."""
    if wants_page(request):
        return HttpResponse(loader.get_template("errors/500.html").render({}), status=500)
    return error_response(500, "server_error", _("Lỗi máy chủ; đội vận hành đã được ghi nhận lỗi."))
