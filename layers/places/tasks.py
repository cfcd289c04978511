"""Thin Celery tasks of the places app."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def refresh_commune_population(commune_id: int) -> int:
    """Recompute one commune's population from its villages."""
    return services.refresh_commune_population(commune_id)
