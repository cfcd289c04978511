"""Fixtures of the camera tests: cameras on the map watched by devices pointed at loopback servers."""

import pytest
from django.contrib.gis.geos import Point

from layers.cameras.models import Camera, Device

from .servers import CameraServer


@pytest.fixture(autouse=True)
def quick_checks(settings):
    """Short probe deadlines and cheap password hashing, so the tests stay fast."""
    settings.CAMERAS_CHECK_TIMEOUT_S = 1.5
    settings.CAMERAS_OFFLINE_AFTER = 3
    settings.CAMERAS_ALERT_AFTER_MIN = 15
    settings.CAMERAS_ALERT_MODE = "each"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def camera_server():
    """A JPEG camera on a loopback port (its mode and life can be changed by the test)."""
    server = CameraServer()
    yield server
    server.stop()


def make_camera(name: str, url: str, kind: str = "security", probe: str = "snapshot", lonlat=(108.21, 15.33)):
    """A camera of the layer and the device that watches it."""
    camera = Camera.objects.create(
        name=name, kind=kind, status="online", stream_url="rtsp://10.52.1.9:554/secret", geom=Point(*lonlat, srid=4326)
    )
    device = Device.objects.create(name=name, kind=kind, camera=camera, probe=probe, url=url)
    return camera, device
