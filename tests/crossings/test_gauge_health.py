"""The crossing's gauge shares the cameras' health view: a reading it posts is a heartbeat of its device."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from layers.cameras.models import Device, StatusChange
from layers.crossings.models import Gauge

from .test_gauge_api import ago, post


@pytest.fixture
def watched(place):
    """The gauge's device as the health view knows it: silent for a while, so offline."""
    return Device.objects.create(
        name="Trạm thử",
        kind="water_gauge",
        probe="heartbeat",
        heartbeat_every_s=60,
        status="offline",
        status_since=timezone.now() - dt.timedelta(hours=2),
        subject_type=ContentType.objects.get_for_model(Gauge),
        subject_id=place["gauge"].pk,
    )


@pytest.mark.django_db
def test_a_posted_reading_brings_the_gauge_device_online_once(client, place, watched):
    r = post(client, {"measured_at": ago(0.1).isoformat(), "level_m": 0.2}, place["secret"])
    assert r.status_code == 201, r.content
    watched.refresh_from_db()
    assert watched.status == "online" and watched.last_seen_at is not None
    assert list(StatusChange.objects.filter(device=watched).values_list("from_status", "to_status")) == [
        ("offline", "online")
    ]
    # A second reading is one more sign of life, not one more change.
    post(client, {"measured_at": ago(0.05).isoformat(), "level_m": 0.21}, place["secret"])
    assert StatusChange.objects.filter(device=watched).count() == 1


@pytest.mark.django_db
def test_an_imported_file_is_not_a_sign_of_life(tmp_path, place, watched):
    path = tmp_path / "levels.csv"
    path.write_text(f"measured_at,level_m\n{ago(1).isoformat()},0.2\n", encoding="utf-8")
    call_command("import_readings", str(path), gauge=place["gauge"].pk)
    watched.refresh_from_db()
    assert watched.status == "offline" and not StatusChange.objects.filter(device=watched).exists()
