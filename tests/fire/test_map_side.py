"""What the map needs from the fire theme: its layers in the registry, footprints served, the alert panel's feed."""

import json
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from layers.fire import services
from layers.fire.models import AlertRule, Hotspot
from layers.registry import registry
from layers.web import panels
from tests.fire.factories import district

pytestmark = pytest.mark.django_db


def test_fire_layers_are_in_the_catalogue_with_time_and_style():
    layers = {layer.slug: layer for layer in registry.all() if layer.theme == "fire"}
    assert set(layers) == {"fire-hotspots", "fire-events", "burned-areas"}
    assert (layers["fire-hotspots"].time_field, layers["fire-events"].time_field) == ("acquired_at", "last_seen")
    assert layers["fire-events"].geometry_type == "Polygon"
    assert set(layers["fire-hotspots"].style["byConfidence"]) == {"low", "nominal", "high"}
    wanted = {"status", "in_forest", "commune", "nearest_village", "alert_state"}
    assert wanted <= set(layers["fire-events"].public_fields)


def test_ranger_gets_event_footprints_recent_hotspots_and_the_alert_feed(role_user):
    district()
    AlertRule.objects.create(name="rừng", min_confidence="nominal")
    now = timezone.now()
    for minutes, lon in ((90, 108.150), (30, 108.153)):
        Hotspot.objects.create(
            source="VIIRS_SNPP_NRT", satellite="S-NPP", instrument="VIIRS", confidence="high",
            acquired_at=now - timedelta(minutes=minutes), geom=Point(lon, 15.25, srid=4326),
        )  # fmt: skip
    services.refresh_events()
    client = Client()
    client.force_login(role_user("ranger"))
    events = json.loads(client.get("/api/layers/fire-events/features/").content)["features"]
    assert len(events) == 1 and events[0]["geometry"]["type"] == "Polygon"
    assert events[0]["properties"]["alert_state"] == "new" and events[0]["properties"]["in_forest"] is True
    week = f"{(now - timedelta(days=7)).isoformat()}/{now.isoformat()}".replace("+00:00", "Z")
    hotspots = json.loads(client.get("/api/layers/fire-hotspots/features/", {"datetime": week}).content)
    assert len(hotspots["features"]) == 2
    feed = next(p for p in panels.PANELS if p.key == "fire").feed
    alerts = client.get(panels._url(feed)).json()["alerts"]
    assert [a["hotspot_count"] for a in alerts] == [2] and alerts[0]["commune"] == "Trà Sơn"
    # The public and other roles never see the fire layers or the feed.
    assert Client().get("/api/fire/alerts/").status_code == 403
