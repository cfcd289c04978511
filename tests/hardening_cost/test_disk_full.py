"""A full disk while saving an upload: a clean 507, no row and no partial file left behind."""

import io
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from layers.feedback.models import Complaint, Photo
from tests.feedback.conftest import district, jpeg_bytes, own_broker, seeded  # noqa: F401 - fixtures
from tests.feedback.test_web import form_data


@pytest.fixture
def full_media(tmp_path, settings):
    """MEDIA_ROOT on a 256 kB tmpfs filled to its last few hundred bytes (needs the right to mount)."""
    root = tmp_path / "media"
    root.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(root)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        (root / "feedback").mkdir()
        with open(root / "filler", "wb", buffering=0) as fh:
            try:
                while True:
                    fh.write(b"\0" * 512)
            except OSError:
                pass  # full
        settings.MEDIA_ROOT = str(root)
        yield root
    finally:
        subprocess.run(["umount", str(root)], check=False)


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name != "filler")


def test_a_report_photo_on_a_full_disk_is_507_and_leaves_nothing(district, full_media):  # noqa: F811
    photo = io.BytesIO(jpeg_bytes(size=(400, 300)))
    photo.name = "anh.jpg"
    response = Client().post("/feedback/", {**form_data(), "photos": [photo]}, HTTP_ACCEPT="text/html")
    assert response.status_code == 507
    assert "hết chỗ lưu" in response.content.decode()
    assert Complaint.objects.count() == 0 and Photo.objects.count() == 0
    assert _files(full_media) == []  # no 0-byte orphan
