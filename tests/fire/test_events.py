"""Fire events: clustering into events with places and lifecycle, alerts once by rule, outbox."""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.contrib.gis.geos import Point
from django.core import mail

from layers.fire import clustering, notify, services
from layers.fire.models import AlertRule, FireEvent, Hotspot, Notification, RangerAssignment, StaticHeatSource
from tests.fire.factories import district

T0 = datetime(2024, 3, 10, 6, 0, tzinfo=UTC)


def spot(lon, lat, at, *, sat="S-NPP", conf="nominal", frp=5.0, fire_type=None):
    """One hotspot saved through the ORM (the detection key comes from the point)."""
    return Hotspot.objects.create(
        source="VIIRS_SNPP_NRT", satellite=sat, instrument="VIIRS", acquired_at=at, confidence=conf,
        frp=frp, fire_type=fire_type, geom=Point(lon, lat, srid=4326),
    )  # fmt: skip


def test_clustering_chains_in_space_and_time_with_numpy_alone():
    lon = np.array([108.150, 108.160, 108.170, 108.150, 108.400])
    lat = np.array([15.25, 15.25, 15.25, 15.25, 15.25])
    hours = np.array([0, 12, 30, 100, 0]) * 3600.0
    labels = clustering.cluster(lon, lat, hours, distance_m=1500, window_s=24 * 3600)
    # 0-1 within 1.1 km and 12 h, 1-2 within 1.1 km and 18 h: chained; 3 is too late; 4 too far.
    assert labels.tolist() == [0, 0, 0, 1, 2]
    assert clustering.lifecycle(0, 1, 47 * 3600, out_after_s=48 * 3600) == "new"
    assert clustering.lifecycle(0, 2, 47 * 3600, out_after_s=48 * 3600) == "active"
    assert clustering.lifecycle(0, 2, 49 * 3600, out_after_s=48 * 3600) == "out"


@pytest.mark.parametrize("origin_s", [0.0, 1_733_000_000.0, 1_733_000_000.123])
def test_a_pair_exactly_at_the_window_is_chained_whatever_the_time_origin(origin_s):
    # Seen exactly 24 h apart at one place (the window is inclusive): the answer may not depend on how the
    # epoch seconds round once scaled into the search tree.
    lon, lat = np.array([108.15, 108.15]), np.array([15.25, 15.25])
    times = origin_s + np.array([0.0, 24 * 3600.0])
    labels = clustering.cluster(lon, lat, times, distance_m=375, window_s=24 * 3600)
    assert labels.tolist() == [0, 0]
    later = origin_s + np.array([0.0, 24 * 3600.0 + 1])
    assert clustering.cluster(lon, lat, later, distance_m=375, window_s=24 * 3600).tolist() == [0, 1]


@pytest.mark.django_db
def test_events_know_their_figures_places_and_lifecycle():
    places = district()
    spot(108.150, 15.255, T0, frp=4.0)
    spot(108.155, 15.255, T0 + timedelta(hours=12), sat="NOAA-20", frp=9.5, conf="high")
    spot(108.290, 15.280, T0)  # east commune, not in forest
    result = services.refresh_events(now=T0 + timedelta(hours=13))
    assert result["events_created"] == 2
    west = FireEvent.objects.get(commune=places["west"])
    assert (west.hotspot_count, west.max_frp, west.max_confidence, west.status) == (2, 9.5, "high", "active")
    assert west.in_forest and west.nearest_village.name == "Thôn 1"
    assert 500 < west.village_distance_m < 800
    assert (west.first_seen, west.last_seen) == (T0, T0 + timedelta(hours=12))
    assert west.geom.contains(Point(108.150, 15.255, srid=4326)) and west.geom.area > 0
    east = FireEvent.objects.get(commune=places["east"])
    assert (east.status, east.in_forest) == ("new", False)
    # A later hotspot chains into the west event; two days of quiet put the east one out.
    spot(108.160, 15.256, T0 + timedelta(hours=30))
    services.refresh_events(now=T0 + timedelta(hours=50))
    west.refresh_from_db()
    east.refresh_from_db()
    assert west.hotspot_count == 3 and west.status == "active"
    assert east.status == "out"
    assert FireEvent.objects.filter(merged_into__isnull=True).count() == 2


@pytest.mark.django_db
def test_a_hotspot_linking_two_events_merges_them():
    district()
    spot(108.150, 15.25, T0)
    spot(108.175, 15.25, T0)  # 2.7 km apart: two events
    services.refresh_events(now=T0)
    assert FireEvent.objects.count() == 2
    spot(108.1625, 15.25, T0 + timedelta(hours=3))  # 1.3 km from both
    result = services.refresh_events(now=T0 + timedelta(hours=3))
    assert result["events_merged"] == 1
    keeper = FireEvent.objects.get(merged_into__isnull=True)
    assert keeper.hotspot_count == 3 and Hotspot.objects.filter(link__event=keeper).count() == 3


@pytest.mark.django_db
def test_when_an_alerted_fire_joins_another_the_alert_lives_on_and_is_not_raised_again(role_user):
    places = district()
    AlertRule.objects.create(name="rừng", min_confidence="high")
    RangerAssignment.objects.create(user=role_user("ranger"), commune=places["west"], email="kiemlam@example.vn")
    spot(108.150, 15.25, T0, conf="nominal")  # too weak for the rule: event without alert
    services.refresh_events(now=T0)
    spot(108.175, 15.25, T0 + timedelta(hours=1), conf="high")  # 2.7 km away: a second event, alerted
    services.refresh_events(now=T0 + timedelta(hours=1))
    alerted = FireEvent.objects.get(alert_state="new")
    quiet = FireEvent.objects.get(alert_state="none")
    assert quiet.pk < alerted.pk
    spot(108.1625, 15.25, T0 + timedelta(hours=2))  # between the two: one fire
    result = services.refresh_events(now=T0 + timedelta(hours=2))
    assert (result["events_merged"], result["alerts"]) == (1, 0)
    keeper = FireEvent.objects.get(merged_into__isnull=True)
    assert (keeper.pk, keeper.alert_state, keeper.hotspot_count) == (alerted.pk, "new", 3)
    quiet.refresh_from_db()
    assert (quiet.merged_into_id, quiet.status) == (alerted.pk, "out")
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_refresh_is_idempotent():
    district()
    spot(108.150, 15.25, T0)
    services.refresh_events(now=T0)
    again = services.refresh_events(now=T0)
    assert again["events_created"] == 0 and FireEvent.objects.count() == 1


@pytest.mark.django_db
def test_alert_rules_raise_one_alert_per_event_and_skip_static_sources(role_user):
    places = district()
    AlertRule.objects.create(name="rừng", min_confidence="nominal", in_forest=True, max_village_distance_km=2)
    StaticHeatSource.objects.create(name="lò gạch", radius_m=400, geom=Point(108.120, 15.21, srid=4326))
    ranger = role_user("ranger")
    ranger.email = "kiemlam@example.vn"
    ranger.save()
    RangerAssignment.objects.create(user=ranger, commune=places["west"])
    for k in range(3):  # three pixels of one fire: one alert
        spot(108.150 + k * 0.003, 15.255, T0, conf="nominal")
    spot(108.120, 15.21, T0 + timedelta(minutes=1), conf="high")  # the brick kiln: no alert
    spot(108.180, 15.29, T0, conf="low")  # low confidence: no alert
    spot(108.250, 15.22, T0, conf="high", fire_type=1)  # volcano type, east, far from villages
    services.refresh_events(now=T0 + timedelta(hours=1))
    alerted = FireEvent.objects.exclude(alert_state="none")
    assert alerted.count() == 1
    event = alerted.get()
    assert (event.hotspot_count, event.alert_state, event.commune) == (3, "new", places["west"])
    note = Notification.objects.get()
    assert (note.channel, note.recipient, note.event_ids) == ("email", "kiemlam@example.vn", [event.pk])
    # Another pass (even with another hotspot of the same fire) raises nothing new.
    spot(108.152, 15.256, T0 + timedelta(hours=2))
    services.refresh_events(now=T0 + timedelta(hours=3))
    assert FireEvent.objects.exclude(alert_state="none").count() == 1
    assert Notification.objects.count() == 1
    assert notify.deliver(note.pk) == "sent"
    assert len(mail.outbox) == 1 and "Trà Sơn" in mail.outbox[0].body and "Thôn 1" in mail.outbox[0].body
    assert notify.deliver(note.pk) == "sent" and len(mail.outbox) == 1  # delivered once


@pytest.mark.django_db
def test_many_events_at_once_go_as_one_digest(role_user, settings):
    settings.FIRE_DIGEST_THRESHOLD = 3
    places = district()
    AlertRule.objects.create(name="mọi nơi", min_confidence="low", in_forest=False)
    ranger = role_user("ranger")
    RangerAssignment.objects.create(user=ranger, commune=places["west"], email="tram@example.vn")
    for k in range(4):
        spot(108.11 + k * 0.025, 15.21, T0)
    services.refresh_events(now=T0)
    assert FireEvent.objects.filter(alert_state="new").count() == 4
    note = Notification.objects.get()
    assert note.digest and len(note.event_ids) == 4 and note.payload["type"] == "fire.digest"


@pytest.mark.django_db
def test_webhook_is_signed_and_retried_until_delivered(role_user, recorder):
    places = district()
    AlertRule.objects.create(name="rừng", min_confidence="nominal")
    RangerAssignment.objects.create(
        user=role_user("ranger"), commune=places["west"], webhook_url=recorder.url, webhook_secret="s3cret"
    )
    spot(108.15, 15.25, T0)
    services.refresh_events(now=T0)
    note = Notification.objects.get(channel="webhook")
    recorder.fail_first = 1
    with pytest.raises(notify.DeliveryFailed):
        notify.deliver(note.pk)
    note.refresh_from_db()
    assert (note.status, note.attempts) == ("failed", 1)
    assert notify.deliver(note.pk) == "sent"
    headers, body = recorder.received[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Geoplatform-Signature"] == expected
    assert json.loads(body)["events"][0]["commune"] == "Trà Sơn"
    note.refresh_from_db()
    assert (note.status, note.attempts) == ("sent", 2)


@pytest.mark.django_db
def test_a_webhook_that_redirects_is_not_delivered_and_stays_for_a_retry(role_user):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits = []

    class Redirecting(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802  (http.server's name)
            hits.append(("POST", self.path))
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.end_headers()

        def do_GET(self):  # noqa: N802
            hits.append(("GET", self.path))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        places = district()
        AlertRule.objects.create(name="rừng", min_confidence="nominal")
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        RangerAssignment.objects.create(
            user=role_user("ranger"), commune=places["west"], webhook_url=url, webhook_secret="s3cret"
        )
        spot(108.15, 15.25, T0)
        services.refresh_events(now=T0)
        note = Notification.objects.get(channel="webhook")
        with pytest.raises(notify.DeliveryFailed, match="302"):
            notify.deliver(note.pk)
    finally:
        server.shutdown()
        server.server_close()
    note.refresh_from_db()
    assert note.status == "failed" and hits == [("POST", "/hook")]


@pytest.mark.django_db(transaction=True)
def test_alert_committed_while_redis_is_down_keeps_its_outbox_row_until_sent(role_user):
    import time

    from geoplatform.celery import app

    places = district()
    AlertRule.objects.create(name="rừng", min_confidence="nominal")
    ranger = role_user("ranger")
    RangerAssignment.objects.create(user=ranger, commune=places["west"], email="kiemlam@example.vn")
    spot(108.15, 15.25, T0)
    up = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # "Redis down": nothing listens there
    try:
        started = time.monotonic()
        result = services.refresh_events(now=T0)  # the queueing after commit fails; the pass does not
        assert time.monotonic() - started < 30
        note = Notification.objects.get()
        assert (result["alerts"], note.status, note.attempts) == (1, "pending", 0)
        assert notify.flush_outbox(older_than=timedelta(0)) == [note.pk]  # beat's pass, still no broker
    finally:
        app.conf.broker_url = up
    assert notify.deliver(note.pk) == "sent"  # what the worker does once the task reaches it
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["kiemlam@example.vn"]
