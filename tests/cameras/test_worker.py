"""The beat entry's task on a real Celery worker: a round of checks against a loopback camera."""

import pytest
from django.conf import settings

from layers.cameras.models import Device, Snapshot
from layers.cameras.tasks import check_round

from .conftest import make_camera

pytestmark = pytest.mark.django_db(transaction=True)


def test_beat_runs_the_round_as_a_task_on_the_worker(celery_worker_process, camera_server):
    assert settings.CELERY_BEAT_SCHEDULE["cameras-check"]["task"] == check_round.name
    _camera, device = make_camera("Bến xe Trà My", camera_server.url)
    summary = check_round.delay().get(timeout=60)
    assert summary == {"checked": 1, "online": 1, "changes": 1, "alerts": 0}
    assert Device.objects.get(pk=device.pk).status == "online"
    assert Snapshot.objects.filter(device=device).exists()
    assert camera_server.hits == 1
