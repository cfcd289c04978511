"""Thin Celery tasks of the fire theme: they take ids and call a service."""

from celery import shared_task

from . import notify, services


@shared_task(acks_late=True)
def refresh_events() -> dict:
    """Cluster new hotspots into events, update lifecycles and raise alerts (idempotent)."""
    return services.refresh_events()


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_notification(self, notification_id: int) -> str:
    """Send one outbox row; a failure is tried again after the row's backoff until the cap makes it dead."""
    try:
        return notify.deliver(notification_id)
    except notify.DeliveryFailed as exc:
        attempts = notify.Notification.objects.filter(pk=notification_id).values_list("attempts", flat=True).first()
        raise self.retry(exc=exc, countdown=notify.retry_delay(attempts or 1)) from exc


@shared_task(acks_late=True)
def flush_outbox() -> int:
    """Re-queue outbox rows left unsent and due (broker down, backoff elapsed); dead rows wait for an operator."""
    return len(notify.flush_outbox())
