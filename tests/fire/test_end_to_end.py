"""From the beat schedule to a ranger's webhook, through a real Celery worker and loopback HTTP servers.

The FIRMS area API and the ranger's webhook are local HTTP servers; nothing reaches the internet.
"""

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from ingest import firms_tasks
from ingest.models import IngestRun
from layers.fire.models import AlertRule, FireEvent, Notification, RangerAssignment
from tests import loopback
from tests.fire.factories import VIIRS_HEADER, csv_bytes, district, viirs_row


def _rows_an_hour_ago(lat, lon, sat):
    at = datetime.now(UTC) - timedelta(hours=1)
    return [viirs_row(lat, lon, date=at.date().isoformat(), time=str(at.hour * 100 + at.minute), sat=sat, conf="h")]


@pytest.fixture
def firms_area_api(monkeypatch):
    """A loopback FIRMS area API for two sources with key TESTKEY; the worker gets it through its environment."""
    answers = {
        "VIIRS_SNPP_NRT": csv_bytes(VIIRS_HEADER, _rows_an_hour_ago(15.25, 108.15, "N")),
        "VIIRS_NOAA20_NRT": csv_bytes(VIIRS_HEADER, _rows_an_hour_ago(15.252, 108.152, "N20")),
    }

    def area_api(path):
        parts = path.split("/")  # /api/area/csv/KEY/SOURCE/box/days
        return 200, answers.get(parts[5], b"") if len(parts) == 8 and parts[4] == "TESTKEY" else b"Invalid MAP_KEY."

    with loopback.http_get(area_api) as (base, seen):
        # Set before the worker starts: it reads its settings from the environment.
        monkeypatch.setenv("FIRMS_API_BASE", base)
        monkeypatch.setenv("FIRMS_MAP_KEY", "TESTKEY")
        monkeypatch.setenv("FIRMS_SOURCES", ",".join(answers))
        yield seen


@pytest.mark.worker
def test_beat_polls_each_source_and_the_ranger_webhook_gets_one_signed_alert_after_a_retry(
    firms_area_api, recorder, role_user, celery_worker_process
):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"ingest.firms_tasks.poll_all_firms", "layers.fire.tasks.refresh_events"} <= scheduled
    assert "layers.fire.tasks.flush_outbox" in scheduled
    places = district()
    AlertRule.objects.create(name="rừng", min_confidence="nominal", in_forest=True)
    RangerAssignment.objects.create(
        user=role_user("ranger"), commune=places["west"], webhook_url=recorder.url, webhook_secret="s3cret"
    )
    recorder.fail_first = 1  # the first delivery fails: the worker retries with backoff
    # What beat runs every 15 minutes; the worker has the key and the sources from its own settings.
    assert firms_tasks.poll_all_firms.delay().get(timeout=60) == ["VIIRS_SNPP_NRT", "VIIRS_NOAA20_NRT"]
    assert loopback.wait_for(lambda: IngestRun.objects.filter(kind="firms", status="succeeded").count() == 2)
    assert sorted(p.split("/")[5] for p in firms_area_api) == ["VIIRS_NOAA20_NRT", "VIIRS_SNPP_NRT"]
    assert all("/107.85,15,108.5,15.55/1" in p for p in firms_area_api)
    # Two sensors, one fire: one event, one alert, one webhook delivered after a failed first try.
    assert loopback.wait_for(lambda: len(recorder.received) == 1, timeout=90)
    assert loopback.wait_for(lambda: FireEvent.objects.filter(hotspot_count=2).exists())
    event = FireEvent.objects.get()
    assert (event.alert_state, event.commune, event.in_forest) == ("new", places["west"], True)
    note = Notification.objects.get()
    assert loopback.wait_for(lambda: Notification.objects.filter(pk=note.pk, status="sent").exists())
    note.refresh_from_db()
    assert note.attempts == 2
    headers, body = recorder.received[0]
    assert headers["X-Geoplatform-Signature"] == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert json.loads(body)["events"][0]["id"] == event.pk
    time.sleep(1)
    assert len(recorder.received) == 1  # sent once, never twice
