"""Thin Celery tasks of the shared outbox: they take ids and call the outbox; all are idempotent."""

from celery import shared_task

from . import outbox


@shared_task(acks_late=True)
def deliver_message(message_id: int) -> str:
    """Deliver one message (a redelivered task finds it claimed or sent and does nothing)."""
    return outbox.deliver(message_id)


@shared_task(acks_late=True)
def sweep() -> int:
    """Queue every due message and hand back claims of workers that died (beat, every minute)."""
    return outbox.sweep()


@shared_task(acks_late=True)
def reap_runs() -> list[int]:
    """Mark failed the ingest runs whose worker is gone (beat, every two minutes)."""
    from ingest import runs

    return runs.reap()
