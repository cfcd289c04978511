"""The ranger workflow through the API and the panel: order enforced, who and when kept, times measured."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.test import Client
from PIL import Image

from layers.fire.models import FireEvent

pytestmark = pytest.mark.django_db
T0 = datetime(2024, 3, 10, 6, 0, tzinfo=UTC)


def alerted_event(**extra):
    """An event already alerted (as services.raise_alerts leaves it)."""
    fields = {"first_seen": T0, "last_seen": T0, "hotspot_count": 2, "alert_state": "new", "alerted_at": T0}
    return FireEvent.objects.create(
        centroid=Point(108.15, 15.25, srid=4326), geom=Polygon.from_bbox((108.14, 15.24, 108.16, 15.26)),
        **{**fields, **extra},
    )  # fmt: skip


def client_for(user):
    """A logged-in test client."""
    client = Client()
    client.force_login(user)
    return client


def jpeg_with_exif() -> bytes:
    """A small real JPEG carrying EXIF data."""
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "secret place"
    Image.new("RGB", (40, 30), (200, 80, 20)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_workflow_runs_in_order_with_who_and_when(role_user):
    ranger = role_user("ranger")
    event = alerted_event()
    client = client_for(ranger)
    url = f"/api/fire/events/{event.pk}/"
    assert client.post(url + "dispatch/", {}, content_type="application/json").status_code == 409
    assert client.post(url + "acknowledge/", {"note": "đã nhận"}, content_type="application/json").status_code == 200
    assert client.post(url + "dispatch/", {}, content_type="application/json").status_code == 200
    bad = client.post(url + "verify/", {"verdict": "maybe"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "verdict"
    photo = io.BytesIO(jpeg_with_exif())
    photo.name = "fire.jpg"
    answer = client.post(
        url + "verify/",
        {"verdict": "true_fire", "cause": "đốt nương", "burned_area_ha": "1.5", "note": "<script>x</script>",
         "photo": photo},
    )  # fmt: skip
    assert answer.status_code == 200, answer.content
    assert client.post(url + "close/", {}, content_type="application/json").status_code == 200
    event.refresh_from_db()
    assert (event.alert_state, event.verdict, event.burned_area_ha) == ("closed", "true_fire", 1.5)
    assert event.verification_note == "<script>x</script>"  # stored verbatim
    with Image.open(event.photo.path) as stored:
        assert stored.format == "JPEG" and not stored.getexif()
    history = client.get(url).json()["history"]
    assert [h["to"] for h in history] == ["acknowledged", "dispatched", "verified", "closed"]
    assert {h["user"] for h in history} == {ranger.username}
    times = client.get("/api/fire/response-times/").json()
    assert times["alerts"] == 1 and times["closed"]["count"] == 1 and times["acknowledged"]["median_min"] >= 0


def test_photo_that_is_not_an_image_is_refused(role_user):
    event = alerted_event(alert_state="dispatched")
    fake = io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
    fake.name = "photo.jpg"
    answer = client_for(role_user("ranger")).post(
        f"/api/fire/events/{event.pk}/verify/", {"verdict": "false_alarm", "photo": fake}
    )
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "photo"
    event.refresh_from_db()
    assert event.alert_state == "dispatched" and not event.photo


def test_only_rangers_and_operators_act_and_see_alerts(role_user):
    event = alerted_event()
    anonymous = Client()
    assert anonymous.get("/api/fire/alerts/").status_code == 403
    assert anonymous.post(f"/api/fire/events/{event.pk}/acknowledge/").status_code == 403
    planner = client_for(role_user("planner"))
    assert planner.post(f"/api/fire/events/{event.pk}/acknowledge/").status_code == 403
    operator = client_for(role_user("operator"))
    assert [a["id"] for a in operator.get("/api/fire/alerts/").json()["alerts"]] == [event.pk]
    event.refresh_from_db()
    assert event.alert_state == "new"


def test_panel_page_lists_open_alerts_and_steps_them(role_user):
    event = alerted_event(cause="<img src=x onerror=alert(1)>")
    client = client_for(role_user("ranger"))
    page = client.get("/fire/")
    assert page.status_code == 200 and f'data-event="{event.pk}"' in page.content.decode()
    assert client.post(f"/fire/events/{event.pk}/acknowledge/", {"note": "ok"}).status_code == 302
    event.refresh_from_db()
    assert event.alert_state == "acknowledged" and event.acknowledged_at > T0 - timedelta(days=1)


def test_alert_rules_are_edited_in_the_admin(role_user):
    from layers.fire.models import AlertRule

    admin = role_user("admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = client_for(admin)
    assert client.get("/admin/fire/alertrule/add/").status_code == 200
    answer = client.post(
        "/admin/fire/alertrule/add/",
        {"name": "Gần thôn 3 km", "active": "on", "min_confidence": "high", "min_hotspots": "2",
         "max_village_distance_km": "3", "excluded_fire_types": "1,2,3", "exclude_static_sources": "on"},
    )  # fmt: skip
    assert answer.status_code == 302, answer.content[:500]
    rule = AlertRule.objects.get(name="Gần thôn 3 km")
    assert (rule.in_forest, rule.min_hotspots, rule.excluded_types()) == (False, 2, [1, 2, 3])
    assert client.get(f"/admin/fire/alertrule/{rule.pk}/change/").status_code == 200


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG file whose header declares a huge image (the pixels are never there)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


@pytest.mark.parametrize("size", [(30000, 30000), (8000, 6000)])
def test_photo_declaring_too_many_pixels_is_refused_before_decoding(role_user, size):
    event = alerted_event(alert_state="dispatched")
    photo = io.BytesIO(_png_declaring(*size))
    photo.name = "photo.png"
    answer = client_for(role_user("ranger")).post(
        f"/api/fire/events/{event.pk}/verify/", {"verdict": "true_fire", "photo": photo}
    )
    assert answer.status_code in (400, 413) and answer.json()["error"]["field"] == "photo"
    event.refresh_from_db()
    assert event.alert_state == "dispatched" and not event.photo


def test_a_verified_alert_stays_on_the_panel_until_closed_there(role_user):
    event = alerted_event(alert_state="verified", verdict="false_alarm")
    client = client_for(role_user("ranger"))
    page = client.get("/fire/").content.decode()
    assert f'data-event="{event.pk}"' in page and 'data-action="close"' in page and "Đóng cảnh báo" in page
    assert client.post(f"/fire/events/{event.pk}/close/", {"note": "báo động giả"}).status_code == 302
    event.refresh_from_db()
    assert event.alert_state == "closed"
    assert f'data-event="{event.pk}"' not in client.get("/fire/").content.decode()


def test_the_link_in_alert_messages_opens_the_alert_page_and_its_map(role_user, settings):
    from layers.fire import notify

    settings.SITE_URL = "https://ioc.bactramy.example"
    event = alerted_event()
    url = notify.event_summary(event)["url"]
    assert f"https://ioc.bactramy.example/fire/events/{event.pk}/" in notify.render_text(
        {"events": [notify.event_summary(event)]}
    )
    anonymous = Client().get(url, HTTP_ACCEPT="text/html")
    assert anonymous.status_code == 403
    assert f"/accounts/login/?next=/fire/events/{event.pk}/" in anonymous.content.decode().replace("%2F", "/")
    ranger = client_for(role_user("ranger"))
    page = ranger.get(url)
    assert page.status_code == 200 and 'id="fr-map"' in page.content.decode()
    answer = ranger.get(f"{url}map/")
    assert answer.status_code == 302
    assert answer["Location"] == "/map/?layers=fire-events,fire-hotspots&bbox=108.13000,15.23000,108.17000,15.27000"
    assert client_for(role_user("ranger", "r2")).get(f"/fire/events/{event.pk + 1}/").status_code == 404
