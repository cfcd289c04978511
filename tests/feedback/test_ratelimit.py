"""Rate limits (client behind a trusted proxy, forged headers, 429 storing nothing) and nothing half written."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory

from layers.feedback import ratelimit
from layers.feedback.models import Complaint, IdempotencyRecord, OutboxEvent, Photo

from .conftest import TOWN, jpeg_bytes


def request_from(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/feedback/", **meta)


def test_without_trusted_proxies_x_forwarded_for_is_ignored(settings):
    settings.FEEDBACK_TRUSTED_PROXIES = []
    assert ratelimit.client_address(request_from("203.0.113.7", "1.2.3.4")) == "203.0.113.7"


def test_behind_a_trusted_proxy_the_last_untrusted_hop_is_the_client(settings):
    settings.FEEDBACK_TRUSTED_PROXIES = ["10.0.0.0/8", "127.0.0.1"]
    assert ratelimit.client_address(request_from("127.0.0.1", "113.161.5.9")) == "113.161.5.9"
    # The client put a made-up address first; the proxies appended the real one on the right.
    forged = request_from("127.0.0.1", "8.8.8.8, 113.161.5.9, 10.1.2.3")
    assert ratelimit.client_address(forged) == "113.161.5.9"
    # A peer that is not a listed proxy is the client, whatever header it sends.
    assert ratelimit.client_address(request_from("198.51.100.2", "113.161.5.9")) == "198.51.100.2"
    # Garbage in the chain, or no header at all: the proxy's own address is counted.
    assert ratelimit.client_address(request_from("127.0.0.1", "not-an-ip")) == "127.0.0.1"
    assert ratelimit.client_address(request_from("127.0.0.1")) == "127.0.0.1"


def test_trusted_proxies_from_the_environment():
    """settings.py reads FEEDBACK_TRUSTED_PROXIES from the environment, comma-separated."""
    env = {**os.environ, "FEEDBACK_TRUSTED_PROXIES": "127.0.0.1, ::1", "GEOPLATFORM_ALLOW_DEV_SECRET": "1"}
    code = "from django.conf import settings; print(settings.FEEDBACK_TRUSTED_PROXIES)"
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['127.0.0.1', '::1']"


def form_data(i, **extra):
    return {
        "category": "rubbish",
        "description": f"Rác số {i}",
        "lat": TOWN[1] + i * 0.01,
        "lon": TOWN[0],
        "form_token": f"rate-{i}",
        "confirm_new": "on",
        **extra,
    }


def stored_photo_files() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT) / "feedback"
    return sorted(root.rglob("*.jpg")) if root.exists() else []


def test_form_posts_over_the_limit_get_429_and_store_nothing(client, district, settings):
    settings.FEEDBACK_POSTS_PER_MINUTE = 2
    settings.FEEDBACK_TRUSTED_PROXIES = ["127.0.0.1"]
    before = stored_photo_files()
    for i in range(2):
        assert client.post("/feedback/", form_data(i), HTTP_X_FORWARDED_FOR="113.161.5.9").status_code == 302
    photo = io.BytesIO(jpeg_bytes())
    photo.name = "anh.jpg"
    refused = client.post("/feedback/", {**form_data(9), "photos": [photo]}, HTTP_X_FORWARDED_FOR="113.161.5.9")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Complaint.objects.count() == 2 and OutboxEvent.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 2 and Photo.objects.count() == 0
    assert stored_photo_files() == before
    # Another villager behind the same proxy has their own count.
    assert client.post("/feedback/", form_data(3), HTTP_X_FORWARDED_FOR="113.161.77.1").status_code == 302


@pytest.mark.parametrize("header", ["X-Forwarded-For", "X-Real-IP"])
def test_a_forged_header_does_not_reset_the_count_without_a_trusted_proxy(client, district, settings, header):
    settings.FEEDBACK_POSTS_PER_MINUTE = 2
    settings.FEEDBACK_TRUSTED_PROXIES = []
    meta = "HTTP_" + header.upper().replace("-", "_")
    codes = [client.post("/feedback/", form_data(i), **{meta: f"10.9.9.{i}"}).status_code for i in range(4)]
    assert codes == [302, 302, 429, 429]
    assert Complaint.objects.count() == 2


def test_a_no_signal_report_refused_late_leaves_no_photo_file(district):
    """Nothing half written: a refusal at the coverage step leaves neither rows nor the photo file."""
    from layers.feedback import intake
    from layers.feedback.models import Category

    category = Category.objects.get(code="no_signal")
    category.attributes[1]["values"].append({"key": "5G", "name": "5G"})  # allowed here, unknown to telecom
    category.save()
    before = stored_photo_files()
    report = intake.Report(
        category="no_signal",
        description="Mất sóng",
        lon=TOWN[0],
        lat=TOWN[1],
        attributes={"operator": "viettel", "technology": "5G"},
        photos=[jpeg_bytes()],
    )
    with pytest.raises(intake.InvalidReport):
        intake.submit(report)
    assert Complaint.objects.count() == 0 and Photo.objects.count() == 0 and OutboxEvent.objects.count() == 0
    assert stored_photo_files() == before
