"""Alerts through the shared outbox: an outage over the threshold told once, its end once, or a daily digest."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.utils import timezone

from layers.cameras import alerts, health
from layers.delivery import outbox
from layers.delivery.models import Message

from .conftest import make_camera

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    user = User.objects.create_user("op", email="op@bactramy.example", password="x")
    user.groups.add(Group.objects.get(name="operator"))
    return user


def _fail(device, server, t0, minutes=(0, 1, 2)):
    server.stop()
    for m in minutes:
        health.check(device, t0 + timedelta(minutes=m))


def test_an_outage_over_the_threshold_is_told_once_and_its_end_once(camera_server, operator, settings):
    _camera, device = make_camera("Chợ Trà My - cổng chính", camera_server.url)
    t0 = timezone.now() - timedelta(hours=1)
    health.check(device, t0 - timedelta(minutes=5))
    _fail(device, camera_server, t0)  # offline from t0 + 2 min
    assert alerts.due(t0 + timedelta(minutes=10)) == 0  # not yet over 15 minutes
    assert alerts.due(t0 + timedelta(minutes=18)) == 1
    assert alerts.due(t0 + timedelta(minutes=19)) == 0  # never twice, however often the round runs
    assert alerts.offline(device, t0 + timedelta(minutes=20)) is False
    told = Message.objects.get(topic="camera")
    assert told.address == "op@bactramy.example" and told.key.startswith(f"camera:offline:{device.pk}:")
    assert "Chợ Trà My - cổng chính" in told.subject and "Không kết nối được" in told.body
    assert told.payload["event"] == "offline" and told.url == f"/cameras/{device.pk}/"
    camera_server.start()
    health.check(device, t0 + timedelta(minutes=30))
    health.check(device, t0 + timedelta(minutes=31))
    back = Message.objects.filter(topic="camera", key__startswith=f"camera:online:{device.pk}:")
    assert back.count() == 1 and "hoạt động trở lại" in back.get().body and "28 phút" in back.get().body
    # Delivered for real (the test e-mail backend), once each.
    assert outbox.deliver_pending() == {"sent": 2, "pending": 0, "dead": 0}
    assert [m.subject for m in mail.outbox] == [
        "Mất kết nối: Chợ Trà My - cổng chính",
        "Hoạt động trở lại: Chợ Trà My - cổng chính",
    ]


def test_a_short_outage_nobody_was_told_of_sends_nothing_when_it_ends(camera_server, operator):
    _camera, device = make_camera("Cầu Trà My", camera_server.url, kind="traffic")
    t0 = timezone.now() - timedelta(minutes=30)
    _fail(device, camera_server, t0)
    assert alerts.due(t0 + timedelta(minutes=5)) == 0
    camera_server.start()
    assert health.check(device, t0 + timedelta(minutes=6)).to_status == "online"
    assert not Message.objects.filter(topic="camera").exists()


def test_digest_mode_sends_one_message_a_day_instead(camera_server, operator, settings):
    settings.CAMERAS_ALERT_MODE = "digest"
    settings.CAMERAS_DIGEST_HOUR = 7
    _camera, device = make_camera("Trường TH Trà Giang", camera_server.url, kind="school")
    morning = timezone.now().astimezone(alerts.LOCAL).replace(hour=6, minute=0, second=0, microsecond=0)
    _fail(device, camera_server, morning - timedelta(hours=2))
    assert alerts.due(morning) == 0  # before the digest hour
    assert alerts.due(morning + timedelta(hours=2)) == 1
    assert alerts.due(morning + timedelta(hours=5)) == 0  # once a day
    digest = Message.objects.get(topic="camera")
    assert digest.key == f"camera:digest:{morning.date().isoformat()}"
    assert "Trường TH Trà Giang" in digest.body and "1 mất kết nối" in digest.subject
    assert not Message.objects.filter(key__startswith="camera:offline:").exists()
