"""Celery tasks of the cameras theme: thin, idempotent, each a call to a service."""

from celery import shared_task

from . import health


@shared_task(soft_time_limit=240, time_limit=300)
def check_round() -> dict:
    """One round of camera checks, heartbeat sweeps and alerts (beat runs it every CAMERAS_CHECK_EVERY_S)."""
    return health.run_round()
