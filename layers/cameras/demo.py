"""The demo district's cameras watched for real: devices pointed at the loopback stand-ins (standins.py)."""

from __future__ import annotations

import os

from .health import key_hash
from .models import Camera, Device

# The demo's water-level gauge posts heartbeats with this key (synthetic demo only; real keys are issued).
DEMO_GAUGE_KEY = "dev_demo-ngam-song-truong"
FLAPPING = "Ngã tư trung tâm huyện"
GARBAGE = "Trường TH Trà Giang"
UNREACHABLE = "Đèo QL40B Trà Đốc"


def base_port() -> int:
    """The first stand-in port (CAMERA_STANDIN_PORT, 8551 by default)."""
    return int(os.environ.get("CAMERA_STANDIN_PORT", "8551"))


def watch(cameras: list[Camera]) -> list[Device]:
    """Unsaved devices for the demo cameras (one flapping, one answering garbage, one unreachable) and the gauge."""
    port = base_port()
    offsets = {FLAPPING: 1, GARBAGE: 2, UNREACHABLE: 3}
    devices = [
        Device(
            name=camera.name,
            kind=camera.kind,
            camera=camera,
            probe="snapshot",
            url=f"http://127.0.0.1:{port + offsets.get(camera.name, 0)}/camera-{camera.pk}.jpg",
        )
        for camera in cameras
    ]
    devices.append(
        Device(
            name="Trạm đo mực nước Ngầm Sông Trường",
            kind="water_gauge",
            probe="heartbeat",
            heartbeat_every_s=60,
            key_hash=key_hash(DEMO_GAUGE_KEY),
        )
    )
    return devices
