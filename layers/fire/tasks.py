"""Thin Celery tasks of the fire theme: they take ids and call a service."""

from celery import shared_task

from . import notify, services


@shared_task(acks_late=True)
def refresh_events() -> dict:
    """Cluster new hotspots into events, update lifecycles and raise alerts (idempotent)."""
    return services.refresh_events()


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(notify.DeliveryFailed,),
    retry_backoff=5,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=12,
)
def deliver_notification(self, notification_id: int) -> str:
    """Send one outbox row; failures are retried with exponential backoff (flush_outbox catches the rest)."""
    return notify.deliver(notification_id)


@shared_task(acks_late=True)
def flush_outbox() -> int:
    """Re-queue outbox rows left unsent (broker down, retries exhausted)."""
    return len(notify.flush_outbox())
