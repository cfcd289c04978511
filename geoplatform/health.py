"""Health endpoint: database and broker reachability, for load balancers and the dashboard."""

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


urlpatterns = [path("health/", health, name="health")]
