"""The shared outbox: once per key and recipient, backoff then dead letter, retry by hand, no send in a transaction."""

from __future__ import annotations

import json
import threading
import time

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection, transaction

from layers.delivery import outbox, senders
from layers.delivery.models import Message
from layers.delivery.tasks import deliver_message

from .servers import SilentServer, WebhookSink

pytestmark = pytest.mark.django_db


def _enqueue(key="flood:test:1", recipients=None, **extra):
    recipients = recipients or [outbox.Recipient(channel="email", address="kiemlam@example.vn")]
    with transaction.atomic():
        return outbox.enqueue(
            key=key,
            topic="flood",
            subject="Lũ: thôn bị cô lập",
            body="Thôn 3 bị cô lập.",
            recipients=recipients,
            **extra,
        )


def test_a_key_is_enqueued_once_and_each_recipient_gets_one_message(settings):
    settings.DELIVERY_ASYNC = False
    rows = _enqueue(
        recipients=[outbox.Recipient("email", "a@example.vn"), outbox.Recipient("email", "b@example.vn")],
        url="/flood/events/3/",
    )
    assert [m.state for m in rows] == ["pending", "pending"]
    assert _enqueue(recipients=[outbox.Recipient("email", "c@example.vn")]) is None  # same key: a no-op
    assert outbox.deliver_pending() == {"sent": 2, "pending": 0, "dead": 0}
    assert outbox.deliver_pending() == {"sent": 0, "pending": 0, "dead": 0}
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.vn", "b@example.vn"]
    assert Message.objects.filter(state="sent", sent_at__isnull=False).count() == 2


def test_a_failing_webhook_backs_off_then_is_dead_until_an_operator_retries(settings, client, users):
    settings.DELIVERY_ASYNC, settings.DELIVERY_MAX_ATTEMPTS = False, 3
    with WebhookSink(status=500) as sink:
        (message,) = _enqueue(
            key="camera:offline:7",
            recipients=[outbox.Recipient("webhook", sink.url, secret="s3cret")],
            payload={"a": 1},
        )
        waits = []
        for _ in range(3):
            assert outbox.deliver_pending()["sent"] == 0
            message.refresh_from_db()
            if message.state == "pending":
                waits.append(message.next_attempt_at.timestamp() - time.time())
                assert outbox.deliver_pending() == {"sent": 0, "pending": 0, "dead": 0}  # not due yet: not sent
                Message.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)  # time passes
        message.refresh_from_db()
        assert message.state == "dead" and message.attempts == 3 and "500" in message.last_error
        assert waits[0] == pytest.approx(30, abs=3) and waits[1] == pytest.approx(90, abs=3)  # backoff grows
        assert outbox.deliver_pending()["sent"] == 0  # dead stays dead: no retry every 5 minutes for ever

        # The operator sees it on the dead-letter panel and retries it once the receiver is fixed.
        client.force_login(users["operator"])
        page = client.get("/delivery/dead/")
        assert page.status_code == 200 and sink.url in page.content.decode()
        sink.status = 204
        assert client.post(f"/delivery/dead/{message.pk}/retry/").status_code in (302, 200)
        assert outbox.deliver_pending()["sent"] == 1
    message.refresh_from_db()
    assert message.state == "sent"
    headers, body = sink.received[0]
    assert headers[senders.SIGNATURE_HEADER] == senders.sign("s3cret", body)
    assert json.loads(body)["a"] == 1 and json.loads(body)["key"] == "camera:offline:7"


def test_dead_letters_are_for_operators_only(client, users):
    client.force_login(users["planner"])
    assert client.get("/delivery/dead/").status_code in (302, 403)
    client.logout()
    assert client.get("/delivery/dead/").status_code in (302, 403)


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_never_answers_times_out_with_no_transaction_open(settings):
    """The relay accepts and stays silent: the send gives up after EMAIL_TIMEOUT, and no row lock is held."""
    settings.DELIVERY_ASYNC = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    db = django_settings.DATABASES["default"]
    dsn = (
        f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} "
        f"user={db['USER'] or 'postgres'} dbname={db['NAME']}"
    )

    def look():
        time.sleep(0.3)  # the worker is now waiting for the server's greeting
        with psycopg.connect(dsn) as other:
            idle_in_tx = other.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%%' AND pid <> pg_backend_pid()"
            ).fetchone()[0]
            state = other.execute("SELECT state FROM delivery_message").fetchone()[0]
        return idle_in_tx, state

    with SilentServer(on_accept=look) as server:
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 1.5
        _enqueue(key="feedback:hung-relay")
        started = time.monotonic()
        counts = outbox.deliver_pending()
        took = time.monotonic() - started
    assert counts == {"sent": 0, "pending": 1, "dead": 0}
    assert took < 5, took
    assert server.observed == [(0, "sending")]  # claimed and committed, nothing held while waiting
    message = Message.objects.get()
    assert "timed out" in message.last_error.lower() or "timeout" in message.last_error.lower()
    assert not connection.in_atomic_block


@pytest.mark.django_db(transaction=True)
def test_the_same_task_run_twice_at_once_sends_each_message_once(settings):
    """Redelivery: two workers run deliver_message for the same ids at the same moment."""
    settings.DELIVERY_ASYNC = False
    recipients = [outbox.Recipient("email", f"r{i}@example.vn") for i in range(20)]
    ids = [m.pk for m in _enqueue(key="flood:concurrent", recipients=recipients)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker():
        barrier.wait()
        try:
            for pk in ids:
                outcomes.append(deliver_message.apply(args=[pk]).get())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.address for r in recipients)  # each once
    assert outcomes.count("sent") == 20 and outcomes.count("skipped") == 20
    assert Message.objects.filter(state="sent").count() == 20


def test_a_claim_left_by_a_dead_worker_is_handed_back_after_the_lease(settings):
    settings.DELIVERY_ASYNC = False
    (message,) = _enqueue(key="fire:lease")
    assert [m.pk for m in outbox.claim()] == [message.pk]  # the worker dies here, before sending
    assert outbox.deliver_pending()["sent"] == 0
    later = message.created_at + outbox.LEASE * 2
    assert outbox.release_stale(now=later) == 1
    assert outbox.deliver_pending()["sent"] == 1 and len(mail.outbox) == 1


def test_staff_recipients_are_active_users_with_the_role(users):
    for role in ("operator", "planner"):
        users[role].email = f"{role}@example.vn"
        users[role].save()
    emails = [r.address for r in outbox.staff_recipients(roles=("operator",))]
    assert users["operator"].email in emails and users["planner"].email not in emails
