"""The platform's middleware: errors in the JSON shape, gzip by content type, messages made when used."""

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.db import InterfaceError, OperationalError
from django.middleware.gzip import GZipMiddleware
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext as _

from . import error_pages
from .errors import PlatformError, error_response, known_failure


class PlatformErrorMiddleware:
    """Answer PlatformError with its JSON shape (a page for a person's browser) and a lost database with a 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        exception = known_failure(exception) or exception
        if isinstance(exception, PlatformError):
            if error_pages.wants_page(request):
                response = error_pages.page(request, exception.status, exception.message)
            else:
                response = error_response(exception.status, exception.code, exception.message, exception.field)
            if getattr(exception, "retry_after", None):
                response["Retry-After"] = str(exception.retry_after)  # a 429 says when to come back
            return response
        if isinstance(exception, (OperationalError, InterfaceError)):
            code = "database_unavailable"
            message = _("Cơ sở dữ liệu tạm thời không phản hồi; vui lòng thử lại sau ít giây.")
            if getattr(exception.__cause__, "sqlstate", None) == "57014":  # statement_timeout: the query was ended
                code = "statement_timeout"
                message = _("Yêu cầu cần quá nhiều thời gian nên đã dừng; hãy thu hẹp phạm vi hoặc thử lại sau.")
            if error_pages.wants_page(request):
                response = error_pages.unavailable(message)
            else:
                response = error_response(503, code, message)
            response["Retry-After"] = "5"
            return response
        return None


class CompressMiddleware(GZipMiddleware):
    """gzip for pages, JSON, GeoJSON and vector tiles on a rural link; images are compressed already."""

    def process_response(self, request, response):
        if response.get("Content-Type", "").startswith("image/"):
            return response
        return super().process_response(request, response)


class LazyMessageMiddleware(MessageMiddleware):
    """Django's messages, their storage made only when a view or page uses it.

    Django makes the storage (a cookie signer and a session store) on every request: measured in the
    tile bench's gunicorn workers, that was 0.17 ms of the 2 ms of Python a tile costs, for the tiles,
    pages and API requests that never show a message. A storage never made was never read or added
    to, so there is nothing to save: Django's own update would do nothing either.
    """

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response
        return super().process_response(request, response)
