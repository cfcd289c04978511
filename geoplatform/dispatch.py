"""Queuing Celery tasks by name, so services and models never import task modules."""

from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)


def queue(name: str, *args, countdown: float | None = None, **kwargs) -> bool:
    """Send task ``name`` to the broker (failing fast); False when the broker is unreachable."""
    from geoplatform.celery import app

    if app.conf.task_always_eager:
        importlib.import_module(name.rsplit(".", 1)[0])
        app.tasks[name].apply(args=args, kwargs=kwargs)
        return True
    try:
        # A fresh connection from the current settings, failing fast: a web request must not wait.
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
            app.send_task(name, args=args, kwargs=kwargs, countdown=countdown, connection=connection, retry=False)
    except Exception as exc:  # kombu/redis/socket errors: the caller's outbox row is the guarantee
        log.warning("task %s not queued (broker unavailable): %s", name, exc)
        return False
    return True
