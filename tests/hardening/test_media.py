"""Media with permission checks: report photos by random token (staff-only until public), fire photos to rangers."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from layers.feedback import intake
from layers.feedback.models import Photo
from tests.feedback.conftest import TOWN, jpeg_bytes

pytestmark = pytest.mark.django_db


def test_report_photos_have_unguessable_names_and_are_staff_only_until_the_report_is_public(client, district, users):
    intake.submit(
        intake.Report(category="road_damage", description="Ổ gà sâu", lon=TOWN[0], lat=TOWN[1], photos=[jpeg_bytes()])
    )
    record = Photo.objects.select_related("complaint").get()
    complaint = record.complaint
    assert str(record.token) in record.image.name and complaint.tracking_code not in record.image.name
    by_token, by_media = f"/feedback/photos/{record.token}.jpg", f"/media/{record.image.name}"
    assert client.get(f"/feedback/photos/{record.pk}.jpg").status_code == 404  # no sequential ids
    for url in (by_token, by_media):
        assert client.get(url).status_code == 404  # not public yet: not even told it exists
    client.force_login(users["feedback_officer"])
    for url in (by_token, by_media):
        answer = client.get(url)
        assert answer.status_code == 200 and answer["Cache-Control"] == "private, no-store"
    client.logout()
    complaint.status = "acknowledged"
    complaint.save(update_fields=["status"])
    assert client.get(by_token)["Content-Type"] == "image/jpeg"
    assert client.get("/media/../settings.py").status_code == 404
    assert client.get("/media/rasters/anything.tif").status_code == 404


def test_the_fire_verification_photo_link_works_for_rangers_only(client, users, settings, tmp_path):
    from django.core.files.storage import default_storage

    name = default_storage.save("fire/photos/hien-truong.jpg", ContentFile(jpeg_bytes()))
    url = f"/media/{name}"
    assert client.get(url).status_code == 404
    client.force_login(users["ranger"])
    answer = client.get(url)
    assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
    assert b"".join(answer.streaming_content)[:2] == b"\xff\xd8"
