"""Time limits, queues by kind, acks_late and visibility; a statement timeout in a request is a clean 503."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from geoplatform import celery as celery_module
from geoplatform import taskkinds
from geoplatform.celery import app


def test_every_task_has_a_queue_and_time_limits_of_its_kind():
    app.loader.import_default_modules()
    names = [n for n in app.tasks if not n.startswith("celery.")]
    assert len(names) >= 12
    expected = {
        "ingest.firms_tasks.ingest_firms": "ingest",
        "ingest.firms_tasks.ingest_raster": "raster",
        "layers.telecom.tasks.compute_coverage": "raster",
        "layers.delivery.tasks.deliver_message": "notify",
        "layers.feedback.tasks.deliver_event": "notify",
        "layers.fire.tasks.deliver_notification": "notify",
        "layers.feedback.tasks.escalate_overdue": "interactive",
    }
    for name, kind in expected.items():
        route = app.amqp.router.route({}, name, (), {})
        assert route["queue"].name == kind, name
    for name in names:
        task = app.tasks[name]
        assert task.soft_time_limit and task.time_limit and task.soft_time_limit < task.time_limit, name
        assert task.time_limit <= taskkinds.LONGEST_S and task.acks_late, name
    # A task without limits of its own gets its kind's.
    soft, hard = taskkinds.LIMITS["notify"]
    assert (
        app.tasks["layers.delivery.tasks.sweep"].soft_time_limit,
        app.tasks["layers.delivery.tasks.sweep"].time_limit,
    ) == (
        soft,
        hard,
    )
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1 and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    # Redis hands an unacknowledged task out again after the visibility timeout: never while it may still run.
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > taskkinds.LONGEST_S
    assert celery_module.statement_timeout_ms("ingest.firms_tasks.ingest_firms") == 25 * 60 * 1000
    assert settings.EMAIL_TIMEOUT and settings.EMAIL_TIMEOUT <= 30


def test_the_web_process_bounds_its_statements(monkeypatch):
    import importlib
    import os

    monkeypatch.delenv("GEOPLATFORM_STATEMENT_TIMEOUT_S", raising=False)
    source = (settings.BASE_DIR / "geoplatform" / "wsgi.py").read_text()
    assert 'setdefault("GEOPLATFORM_STATEMENT_TIMEOUT_S", "30")' in source
    monkeypatch.setenv("GEOPLATFORM_STATEMENT_TIMEOUT_S", "30")
    import geoplatform.settings as module

    reloaded = importlib.reload(module)
    try:
        assert reloaded.DATABASES["default"]["OPTIONS"]["options"] == "-c statement_timeout=30000"
    finally:
        os.environ.pop("GEOPLATFORM_STATEMENT_TIMEOUT_S", None)
        importlib.reload(module)


@pytest.mark.django_db(transaction=True)
def test_a_statement_timeout_in_a_request_is_a_503_json(client, district):
    """Another session holds the table; the request's query is ended by statement_timeout, not left waiting."""
    db = settings.DATABASES["default"]
    dsn = (
        f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} "
        f"user={db['USER'] or 'postgres'} dbname={db['NAME']}"
    )
    locked, release = threading.Event(), threading.Event()

    def hold():
        with psycopg.connect(dsn) as other:
            other.execute("LOCK TABLE feedback_complaint IN ACCESS EXCLUSIVE MODE")
            locked.set()
            release.wait(20)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = '400ms'")
        response = client.get("/feedback/nearby.json?lon=108.2&lat=15.35", HTTP_ACCEPT="application/json")
    finally:
        release.set()
        holder.join(10)
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    assert response.status_code == 503
    body = response.json()["error"]
    assert body["code"] == "statement_timeout" and body["message"]
    assert response["Retry-After"]
