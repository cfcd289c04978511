"""Thin Celery tasks of the ingest app: they take ids and call a service."""

from celery import shared_task

from . import runs


@shared_task(acks_late=True)
def summarise_run(run_id: int) -> dict:
    """Recount a run's figures from its rows (idempotent); returns the figures."""
    return runs.summarise(run_id)


# The FIRMS and raster tasks live in their own module; importing it here registers them with Celery.
from . import firms_tasks  # noqa: E402, F401
