"""A report posted while Redis is unreachable is kept with its outbox row; its mail goes out once it is back."""

import os
import time

import pytest

from layers.feedback import outbox
from layers.feedback.models import Complaint, Notification, OutboxEvent
from layers.feedback.tasks import deliver_event
from tests import loopback

from .conftest import TOWN
from .smtp_sink import SmtpSink

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def smtp_sink(monkeypatch):
    """A loopback SMTP server; the worker started after this fixture sends its mail there."""
    with SmtpSink() as sink:
        monkeypatch.setenv("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
        monkeypatch.setenv("DJANGO_EMAIL_HOST", "127.0.0.1")
        monkeypatch.setenv("DJANGO_EMAIL_PORT", str(sink.port))
        yield sink


@pytest.fixture
def worker(smtp_sink, celery_worker_process):
    """The real Celery worker, started after the SMTP sink so that it inherits its address."""
    assert os.environ["DJANGO_EMAIL_PORT"] == str(smtp_sink.port)
    return celery_worker_process


@pytest.mark.worker
def test_report_survives_redis_down_and_is_notified_once_back(worker, smtp_sink, district, api_key, client):
    from geoplatform.celery import app

    _key, secret = api_key
    up = app.conf.broker_url
    app.conf.broker_url = CLOSED_PORT_BROKER  # "Redis down": nothing listens there
    try:
        started = time.monotonic()
        r = client.post(
            "/open311/v2/requests.json",
            {"api_key": secret, "service_code": "road_damage", "lat": TOWN[1], "long": TOWN[0], "description": "<b>x"},
        )
        elapsed = time.monotonic() - started
    finally:
        app.conf.broker_url = up
    assert r.status_code == 201, r.content
    assert elapsed < 15
    complaint = Complaint.objects.get(tracking_code=r.json()[0]["service_request_id"])
    event = OutboxEvent.objects.get(complaint=complaint)
    assert event.dispatched_at is None and event.delivered_at is None and event.last_error
    assert Notification.objects.count() == 0 and smtp_sink.messages == []

    # Redis is back: the relay offers the event, the real worker consumes it and mails the office and the commune.
    assert outbox.relay() == 1
    assert loopback.wait_for(lambda: OutboxEvent.objects.filter(pk=event.pk, delivered_at__isnull=False).exists())
    assert loopback.wait_for(lambda: len(smtp_sink.messages) == 2, timeout=10)
    recipients = sorted(r for m in smtp_sink.messages for r in m["to"])
    assert recipients == ["ktht@bactramy.example", "tramy@bactramy.example"]
    assert complaint.tracking_code in smtp_sink.messages[0]["data"]
    assert "&lt;b&gt;x" in smtp_sink.messages[0]["data"]  # escaped in the HTML part

    # A duplicate delivery of the same event id sends nothing more.
    assert deliver_event.delay(str(event.event_id)).get(timeout=30) == 0
    assert outbox.relay() == 0
    time.sleep(0.5)
    assert len(smtp_sink.messages) == 2
    assert Notification.objects.filter(event_id=event.event_id).count() == 2


def test_mail_server_down_keeps_the_event_pending_until_it_is_back(district, settings):
    """The mail server refuses connections: nothing is recorded as sent; once it is up, each goes once."""
    import socket

    from layers.feedback import intake

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    complaint, _ = intake.submit(intake.Report(category="road_damage", description="Cống", lon=TOWN[0], lat=TOWN[1]))
    event = OutboxEvent.objects.get(complaint=complaint)
    with pytest.raises(OSError):  # ConnectionRefusedError: the task's autoretry_for catches it
        outbox.consume(str(event.event_id))
    event.refresh_from_db()
    assert event.delivered_at is None and Notification.objects.count() == 0
    with SmtpSink() as sink:
        settings.EMAIL_PORT = sink.port
        assert outbox.consume(str(event.event_id)) == 2
        assert outbox.consume(str(event.event_id)) == 0
        assert sorted(r for m in sink.messages for r in m["to"]) == ["ktht@bactramy.example", "tramy@bactramy.example"]
    event.refresh_from_db()
    assert event.delivered_at is not None
