"""Middleware that turns PlatformError raised in plain Django views into the JSON error shape."""

from django.db import InterfaceError, OperationalError

from .errors import PlatformError, error_response


class PlatformErrorMiddleware:
    """Answer PlatformError with its JSON shape and a lost database with a clean 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PlatformError):
            return error_response(exception.status, exception.code, exception.message, exception.field)
        if isinstance(exception, (OperationalError, InterfaceError)):
            response = error_response(503, "database_unavailable", "The database is unavailable; try again shortly.")
            response["Retry-After"] = "5"
            return response
        return None
