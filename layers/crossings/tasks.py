"""Background work of the crossings theme."""

from celery import shared_task


@shared_task
def refresh_village_access():
    """Recompute which villages are cut off (idempotent: the result depends only on the state now)."""
    from . import access

    return access.refresh()
