"""Health endpoint: database and broker reachability, for load balancers and the dashboard.

EdgeMiddleware (first in MIDDLEWARE) answers the container's own probe of /health/ from loopback
before the host check and the HTTPS redirect (which would make it a 400 or a 301 with production
settings), and drops X-Forwarded-Proto unless it comes from the reverse proxy's address.
"""

import ipaddress
import socket
from urllib.parse import urlparse

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.urls import path


def broker_reachable(url: str, timeout: float = 0.5) -> bool:
    """Whether a TCP connection to the broker's host and port opens."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=timeout):
            return True
    except OSError:
        return False


def health(request):
    """200 with component states when the database answers, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version()")
            postgis = cursor.fetchone()[0]
        db_ok = True
    except Exception:  # any database failure means "not healthy"; the detail is in the logs
        postgis, db_ok = None, False
    body = {
        "database": db_ok,
        "postgis": postgis,
        "broker": settings.CELERY_TASK_ALWAYS_EAGER or broker_reachable(settings.CELERY_BROKER_URL),
        "celery_eager": settings.CELERY_TASK_ALWAYS_EAGER,
    }
    return JsonResponse(body, status=200 if db_ok else 503)


def _from(addresses: list[str], remote: str) -> bool:
    try:
        ip = ipaddress.ip_address(remote)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(a, strict=False) for a in addresses)


class EdgeMiddleware:
    """The loopback health probe is answered at once; the proxy's scheme header is believed only from the proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        remote = request.META.get("REMOTE_ADDR", "")
        if request.path == "/health/" and request.method in ("GET", "HEAD") and _from(["127.0.0.0/8", "::1"], remote):
            return health(request)
        if "HTTP_X_FORWARDED_PROTO" in request.META and not _from(settings.PROXY_ADDRESSES, remote):
            # Anyone reaching the web server directly could otherwise claim HTTPS (secure cookies, no redirect).
            del request.META["HTTP_X_FORWARDED_PROTO"]
            # uWSGI's http-socket also takes its wsgi.url_scheme from that header; it serves plain HTTP only.
            request.META["wsgi.url_scheme"] = "http"
        return self.get_response(request)


urlpatterns = [path("health/", health, name="health")]
