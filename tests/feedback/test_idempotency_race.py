"""Two posts with the same Idempotency-Key arriving at the same moment still make one report."""

import threading

import pytest
from django.db import connection
from django.test import Client

from layers.feedback.models import Complaint, OutboxEvent

from .conftest import TOWN


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_make_one_report(district, api_key, settings):
    settings.FEEDBACK_POSTS_PER_MINUTE = 100
    _key, secret = api_key
    barrier = threading.Barrier(4)
    receipts, errors = [], []

    def post():
        try:
            barrier.wait(timeout=10)
            r = Client().post(
                "/open311/v2/requests.json",
                {"api_key": secret, "service_code": "rubbish", "lat": TOWN[1], "long": TOWN[0], "description": "Rác"},
                headers={"Idempotency-Key": "race-1"},
            )
            receipts.append((r.status_code, r.json()[0].get("service_request_id")))
        except Exception as exc:  # reported below: a thread must not fail silently
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert {status for status, _ in receipts} == {201}
    assert len({rid for _, rid in receipts}) == 1
    assert Complaint.objects.count() == 1 and OutboxEvent.objects.count() == 1
