"""Feedback mail: each recipient recorded on its own, a retry sends only what was not sent, two consumers send once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from layers.feedback import intake, outbox, routing
from layers.feedback.models import Notification, OutboxEvent
from tests.feedback.conftest import TOWN

from .servers import smtp_sink


def _report():
    complaint, _ = intake.submit(intake.Report(category="road_damage", description="Cống vỡ", lon=TOWN[0], lat=TOWN[1]))
    return complaint, OutboxEvent.objects.get(complaint=complaint)


@pytest.fixture
def smtp(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_TIMEOUT = "127.0.0.1", 5
    return settings


@pytest.mark.django_db
def test_a_partial_smtp_failure_is_retried_for_the_unsent_recipient_only(district, smtp):
    complaint, event = _report()
    first, second = routing.recipients(complaint)[:2]
    with smtp_sink(refuse={second}) as sink:
        smtp.EMAIL_PORT = sink.port
        with pytest.raises(Exception, match="550|refused"):
            outbox.consume(str(event.event_id))
        assert [m["to"] for m in sink.messages] == [[first]]
        assert list(Notification.objects.values_list("recipient", flat=True)) == [first]  # recorded on its own
        sink.refuse.clear()
        assert outbox.consume(str(event.event_id)) == 1  # only the one not yet sent
        assert outbox.consume(str(event.event_id)) == 0
    assert sorted(r for m in sink.messages for r in m["to"]) == sorted([first, second])  # each exactly once
    event.refresh_from_db()
    assert event.delivered_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_same_event_consumed_twice_at_once_mails_each_recipient_once(district, smtp):
    complaint, event = _report()
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def worker():
        barrier.wait()
        try:
            counts.append(outbox.consume(str(event.event_id)))
        finally:
            connection.close()

    with smtp_sink(delay=0.5) as sink:
        smtp.EMAIL_PORT = sink.port
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    recipients = routing.recipients(complaint)
    assert sorted(r for m in sink.messages for r in m["to"]) == sorted(recipients)
    assert sorted(counts) == [0, len(recipients)]
    assert Notification.objects.filter(event_id=event.event_id).count() == len(recipients)
