"""Thin Celery tasks of the feedback app: they take ids and call a service; all are idempotent."""

from celery import shared_task

from . import outbox, workflow


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=10)
def deliver_event(event_id: str) -> int:
    """Consume one outbox event (notifications sent once per recipient)."""
    return outbox.consume(event_id)


@shared_task(acks_late=True)
def relay_outbox() -> int:
    """Offer undelivered outbox events to the broker again."""
    return outbox.relay()


@shared_task(acks_late=True)
def escalate_overdue() -> int:
    """Flag open reports past their deadline and escalate each once to the operators."""
    return workflow.escalate_overdue()
