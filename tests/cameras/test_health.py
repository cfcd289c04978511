"""Health checks through the service and the command: status changes, history, uptime, heartbeats, the figure."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from layers.cameras import health, probe, uptime
from layers.cameras.models import Camera, Device, Snapshot, StatusChange
from layers.web import figures

from .conftest import make_camera

pytestmark = pytest.mark.django_db


def test_offline_after_n_failures_in_a_row_online_again_after_one_success(camera_server):
    camera, device = make_camera("Chợ Trà My", camera_server.url)
    t0 = timezone.now()
    assert health.check(device, t0).to_status == "online"
    assert Snapshot.objects.get(device=device).taken_at == t0
    camera_server.stop()
    changes = [health.check(device, t0 + timedelta(minutes=i)) for i in (1, 2, 3)]
    assert changes[:2] == [None, None]  # two failures: still online
    assert changes[2].to_status == "offline" and changes[2].reason == probe.UNREACHABLE
    device.refresh_from_db()
    assert (device.status, device.failures, device.status_since) == ("offline", 3, t0 + timedelta(minutes=3))
    assert Camera.objects.get(pk=camera.pk).status == "offline"  # the layer shows what the checks found
    camera_server.start()
    back = health.check(device, t0 + timedelta(minutes=4))
    assert (back.from_status, back.to_status) == ("offline", "online")
    history = list(StatusChange.objects.filter(device=device).values_list("from_status", "to_status", "reason"))
    assert history == [("unknown", "online", ""), ("online", "offline", "unreachable"), ("offline", "online", "")]
    assert Camera.objects.get(pk=camera.pk).status == "online"
    # One picture kept every CAMERAS_SNAPSHOT_EVERY_S (5 min), not one per check.
    assert Snapshot.objects.get(device=device).taken_at == t0
    health.check(device, t0 + timedelta(minutes=6))
    assert Snapshot.objects.get(device=device).taken_at == t0 + timedelta(minutes=6)


@pytest.mark.parametrize(
    ("mode", "reason"),
    [("garbage", probe.NOT_IMAGE), ("slow", probe.TIMEOUT), ("redirect-other", probe.REDIRECT_OTHER_HOST)],
)
def test_each_bad_answer_is_recorded_with_its_reason_in_words(camera_server, settings, mode, reason):
    settings.CAMERAS_OFFLINE_AFTER = 1
    camera_server.mode = mode
    _camera, device = make_camera("Cầu Trà My", camera_server.url, kind="traffic")
    change = health.check(device)
    assert (change.to_status, change.reason) == ("offline", reason)
    assert health.reason_text(reason) and health.reason_text(reason) != health.reason_text("nonsense")
    assert not Snapshot.objects.filter(device=device).exists()


def test_the_platforms_database_and_metadata_addresses_are_refused(settings):
    settings.CAMERAS_OFFLINE_AFTER = 1
    db = settings.DATABASES["default"]
    _c, to_db = make_camera("db", f"http://{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/snap.jpg")
    _c, to_meta = make_camera("meta", "http://169.254.169.254/latest/meta-data/")
    _c, to_redis = make_camera("redis", "rtsp://127.0.0.1:6379/x", probe="rtsp")
    for device in (to_db, to_meta, to_redis):
        assert health.check(device).reason == probe.REFUSED, device.name


def test_a_round_of_the_command_moves_the_dashboard_figure(camera_server, capsys, client, role_user):
    make_camera("steady", camera_server.url)
    other = type(camera_server)()
    try:
        make_camera("flaky", other.url, kind="school")
        untracked = Camera.objects.create(
            name="seeded offline", kind="traffic", status="offline", geom="POINT(108.2 15.3)"
        )
        # A seeded status is no check; nothing checked yet, so no uptime either.
        assert figures.cameras() == {"offline": 0, "total": 3, "uptime_24h": None}
        other.stop()
        for _ in range(3):
            call_command("check_cameras")
        assert "Mất kết nối" in capsys.readouterr().out
        moved = figures.cameras()
        assert (moved["offline"], moved["total"]) == (1, 3) and 0 < moved["uptime_24h"] < 100
        client.force_login(role_user("operator"))
        assert client.get("/dashboard/figures.json").json()["cameras"]["offline"] == 1
        assert 'data-figure="cameras.uptime_24h"' in client.get("/dashboard/").content.decode()
        other.start()
        call_command("check_cameras")
        assert figures.cameras()["offline"] == 0
        assert Camera.objects.get(pk=untracked.pk).status == "offline"
    finally:
        other.stop()


def test_uptime_per_device_and_per_kind_is_a_query_over_the_changes():
    now = timezone.now().replace(microsecond=0)
    a = Device.objects.create(name="a", kind="security", url="http://127.0.0.1:1/")
    b = Device.objects.create(name="b", kind="security", url="http://127.0.0.1:1/")
    fresh = Device.objects.create(name="never checked", kind="school", url="http://127.0.0.1:1/")

    def change(device, hours_ago, to, frm):
        StatusChange.objects.create(device=device, at=now - timedelta(hours=hours_ago), from_status=frm, to_status=to)

    # a: online 10 days ago, offline 6 hours ago, back 3 hours ago.
    change(a, 240, "online", "unknown")
    change(a, 6, "offline", "online")
    change(a, 3, "online", "offline")
    # b: first checked 12 hours ago, online all along.
    change(b, 12, "online", "unknown")
    got = uptime.per_device([a.pk, b.pk, fresh.pk], now=now)
    assert got[a.pk]["24h"]["uptime"] == pytest.approx(21 / 24)
    assert got[a.pk]["7d"]["uptime"] == pytest.approx(1 - 3 / (7 * 24))
    assert got[a.pk]["30d"]["uptime"] == pytest.approx(1 - 3 / 240)  # before its first check: unknown, left out
    assert got[b.pk]["24h"]["uptime"] == 1.0 and got[b.pk]["24h"]["seconds"] == 12 * 3600
    assert got[fresh.pk]["24h"]["uptime"] is None
    kinds = uptime.per_kind(now=now)
    assert kinds["security"]["24h"]["uptime"] == pytest.approx((21 + 12) / (24 + 12))
    assert "school" not in kinds


def test_a_sensor_reports_heartbeats_with_its_key_and_goes_offline_when_silent(client, settings):
    gauge = Device.objects.create(
        name="Trạm đo Ngầm Sông Trường", kind="water_gauge", probe="heartbeat", heartbeat_every_s=60
    )
    key = health.issue_key(gauge)
    answer = client.post(
        "/api/devices/heartbeat/",
        data=b'{"level_cm": 142}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert answer.status_code == 200 and answer.json()["status"] == "online"
    gauge.refresh_from_db()
    assert gauge.status == "online" and gauge.key_hash != key
    wrong = client.post("/api/devices/heartbeat/", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 401 and wrong.json()["error"]["field"] == "Authorization"
    bad = client.post("/api/devices/heartbeat/", data=b"[NaN]", content_type="application/json", HTTP_X_DEVICE_KEY=key)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "body"
    assert client.get("/api/devices/heartbeat/").status_code == 405
    # Silent for three periods: offline, with the reason; one heartbeat brings it back.
    later = gauge.last_seen_at + timedelta(seconds=60 * settings.CAMERAS_OFFLINE_AFTER - 1)
    assert health.sweep_heartbeats(later) == 0
    assert health.sweep_heartbeats(later + timedelta(seconds=2)) == 1
    gauge.refresh_from_db()
    assert (gauge.status, gauge.last_reason) == ("offline", health.NO_HEARTBEAT)
    assert client.post("/api/devices/heartbeat/", HTTP_X_DEVICE_KEY=key).status_code == 200
    assert list(gauge.changes.order_by("pk").values_list("to_status", flat=True)) == ["online", "offline", "online"]


def test_staff_see_health_and_snapshot_anonymous_people_never_on_any_interface(client, camera_server, role_user):
    camera, device = make_camera("Trường THPT", camera_server.url, kind="school")
    health.check(device)
    secret_url = camera_server.url
    anonymous = {
        "features": client.get("/api/layers/cameras/features/"),
        "feature": client.get(f"/api/layers/cameras/features/{camera.pk}/"),
        "ogc": client.get("/ogc/collections/cameras/items?f=json"),
        "csv": client.get("/api/layers/cameras/export.csv"),
        "geojson": client.get("/api/layers/cameras/export.geojson"),
        "tile": client.get("/tiles/cameras/0/0/0.pbf"),
        "embed": client.get("/embed/?layers=cameras"),
        "map": client.get("/map/"),
    }
    for name, answer in anonymous.items():
        body = b"".join(answer.streaming_content) if answer.streaming else answer.content
        assert answer.status_code in (200, 204), (name, answer.status_code)
        for secret in (b"snapshot", secret_url.encode(), b"uptime", b"popup.js", b"\xff\xd8\xff"):
            assert secret not in body, (name, secret)
    for url in (
        f"/cameras/{device.pk}/snapshot.jpg",
        f"/cameras/camera/{camera.pk}/health.json",
        f"/cameras/{device.pk}/",
        "/cameras/",
    ):
        assert client.get(url, HTTP_ACCEPT="application/json").status_code == 403, url
    # An operator sees all of it; the snapshot is never kept by a shared cache.
    client.force_login(role_user("operator"))
    info = client.get(f"/cameras/camera/{camera.pk}/health.json").json()
    assert info["status"] == "online" and [u["window"] for u in info["uptime"]] == ["24h", "7d", "30d"]
    snap = client.get(info["snapshot"]["url"])
    assert snap.status_code == 200 and snap.content.startswith(b"\xff\xd8") and "no-store" in snap["Cache-Control"]
    assert b"popup.js" in client.get("/map/").content
    page = client.get(f"/cameras/{device.pk}/").content.decode()
    assert secret_url in page and "Trực tuyến" in page
    assert "Trường THPT" in client.get("/cameras/").content.decode()
    # The admin edits the check and its credentials; the stored password never goes back to the browser.
    Device.objects.filter(pk=device.pk).update(username="admin", password="cam-pass-9")
    admin = role_user("admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    form = client.get(f"/admin/cameras/device/{device.pk}/change/").content.decode()
    assert secret_url in form and "cam-pass-9" not in form
    # Other staff without the cameras layer's private fields: no snapshot either.
    client.force_login(role_user("planner"))
    assert client.get(f"/cameras/{device.pk}/snapshot.jpg", HTTP_ACCEPT="application/json").status_code == 403
    assert json.loads(client.get("/api/layers/cameras/features/").content)  # the layer itself stays readable


def test_the_admin_form_refuses_a_url_its_probe_cannot_read():
    from django.core.exceptions import ValidationError

    device = Device(name="x", kind="traffic", probe="rtsp", url="http://10.0.0.5/snap.jpg")
    with pytest.raises(ValidationError) as refused:
        device.full_clean()
    assert "url" in refused.value.message_dict
    Device(name="x", kind="traffic", probe="snapshot", url="https://10.0.0.5/snap.jpg").full_clean()
    Device(name="gauge", kind="water_gauge", probe="heartbeat").full_clean()


def test_a_device_checked_and_failing_is_not_shown_as_not_checked_yet(client, camera_server, role_user):
    camera_server.stop()
    camera, device = make_camera("Cầu Trà Đốc", camera_server.url)
    client.force_login(role_user("operator"))
    assert "Chưa kiểm tra" in client.get(f"/cameras/{device.pk}/").content.decode()
    assert health.check(device) is None  # one failure of three: not offline yet
    page = client.get(f"/cameras/{device.pk}/").content.decode()
    assert "Chưa kiểm tra" not in page
    assert "Chưa kết nối được: 1/3 lần kiểm tra lỗi trước khi báo mất kết nối" in page
    assert "Chưa kết nối được: 1/3" in client.get(f"/cameras/camera/{camera.pk}/health.json").json()["status_words"]
    assert "Chưa kết nối được: 1/3" in client.get("/cameras/").content.decode()


def test_heartbeats_over_the_devices_limit_get_a_429_with_retry_after(client, settings):
    settings.DEVICE_POSTS_PER_MINUTE = 2
    sensor = Device.objects.create(name="Cảm biến khói", kind="sensor", probe="heartbeat", heartbeat_every_s=60)
    key = health.issue_key(sensor)
    answers = [client.post("/api/devices/heartbeat/", HTTP_X_DEVICE_KEY=key) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[-1].json()["error"]["code"] == "rate_limited" and int(answers[-1]["Retry-After"]) > 0


def test_a_refused_heartbeat_records_nothing(client, settings):
    settings.DEVICE_POSTS_PER_MINUTE = 1
    sensor = Device.objects.create(name="Cảm biến mưa", kind="sensor", probe="heartbeat", heartbeat_every_s=60)
    key = health.issue_key(sensor)
    assert client.post("/api/devices/heartbeat/", HTTP_X_DEVICE_KEY=key).status_code == 200
    # Silent since: offline. Then the device is over its limit (none left this minute, whatever the clock says).
    sensor.refresh_from_db()
    assert health.sweep_heartbeats(sensor.last_seen_at + timedelta(hours=1)) == 1
    sensor.refresh_from_db()
    before = (sensor.status, sensor.last_seen_at, sensor.last_check_at, sensor.failures, sensor.last_reason)
    assert before[0] == "offline"
    settings.DEVICE_POSTS_PER_MINUTE = 0
    refused = client.post("/api/devices/heartbeat/", HTTP_X_DEVICE_KEY=key)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    # Counted before it is recorded: still offline, last seen as before, no change of status written.
    sensor.refresh_from_db()
    assert (sensor.status, sensor.last_seen_at, sensor.last_check_at, sensor.failures, sensor.last_reason) == before
    assert list(sensor.changes.order_by("pk").values_list("to_status", flat=True)) == ["online", "offline"]
    # A heartbeat within the limit is recorded as ever.
    settings.DEVICE_POSTS_PER_MINUTE = 30
    assert client.post("/api/devices/heartbeat/", HTTP_X_DEVICE_KEY=key).status_code == 200
    sensor.refresh_from_db()
    assert sensor.status == "online" and sensor.last_seen_at > before[1]
