"""Thin Celery tasks for FIRMS and raster ingests (registered through ingest.tasks)."""

from celery import shared_task
from django.conf import settings

from geoplatform.errors import PlatformError

from . import firms, firms_api, raster_kinds
from .models import IngestRun


def _after(run: IngestRun) -> int:
    if run.status == "succeeded" and run.rows_new:
        from layers.fire.tasks import refresh_events

        refresh_events.delay()
    return run.pk


def _failed_run_id(error: PlatformError) -> int | None:
    return getattr(error, "run_id", None)


@shared_task(acks_late=True)
def ingest_firms(location: str, source: str | None = None) -> int | None:
    """Ingest a FIRMS CSV from a path or URL; returns the IngestRun id (a replay is a no-op run)."""
    try:
        if location.lower().startswith(("http://", "https://")):
            run = firms_api.ingest_url(location, source=source)
        else:
            run = firms.ingest_path(location, source=source)
    except PlatformError as error:
        return _failed_run_id(error)
    return _after(run)


@shared_task(acks_late=True)
def poll_firms(source: str, days: int = 1) -> int | None:
    """Poll the FIRMS area API for the district box for one source."""
    try:
        run = firms_api.ingest_area(source, days=days)
    except PlatformError as error:
        return _failed_run_id(error)
    return _after(run)


@shared_task(acks_late=True)
def poll_all_firms() -> list[str]:
    """Queue one poll per configured source (settings.FIRMS_SOURCES); nothing without a map key."""
    if not getattr(settings, "FIRMS_MAP_KEY", ""):
        return []
    sources = list(getattr(settings, "FIRMS_SOURCES", []))
    for source in sources:
        poll_firms.delay(source)
    return sources


@shared_task(acks_late=True)
def ingest_raster(path: str, kind: str, options: dict | None = None) -> int | None:
    """Ingest a raster file of a given kind; a refused file ends as a failed run, not a dead worker."""
    try:
        run = raster_kinds.ingest(path, kind, **(options or {}))
    except PlatformError as error:
        return _failed_run_id(error)
    return _after(run)
