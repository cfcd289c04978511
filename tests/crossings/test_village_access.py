"""The road-access layer: a crossing closing cuts a village off on the map, reopening brings it back."""

import datetime as dt
import json
from collections import Counter

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

from geoplatform.celery import app
from layers.crossings import access, readings, tasks
from layers.crossings.models import Crossing, Road, VillageAccess
from layers.flood.models import FloodObservation
from layers.places.models import Commune
from rasterstore.models import RasterAsset

URL = "/api/crossings/readings/"
FEATURES = "/api/layers/village-access/features/"


def level(client, place, metres: float, minutes_ago: float):
    at = (timezone.now() - dt.timedelta(minutes=minutes_ago)).replace(microsecond=0)
    body = json.dumps({"measured_at": at.isoformat(), "level_m": metres})
    answer = client.post(URL, data=body, content_type="application/json", HTTP_X_API_KEY=place["secret"])
    assert answer.status_code == 201, answer.content
    return answer


@pytest.fixture
def eager():
    """Queued tasks run in this process (the real task, no broker), as on a one-box install."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def by_name(client, **params) -> dict:
    answer = client.get(FEATURES, params)
    assert answer.status_code == 200, answer.content
    return {f["properties"]["name"]: f["properties"]["status"] for f in answer.json()["features"]}


@pytest.mark.django_db(transaction=True)
def test_closing_the_spillway_cuts_the_east_village_off_on_the_layer_and_reopening_restores_it(client, place, eager):
    assert tasks.refresh_village_access() == {"reachable": 3, "cut_off": 0, "no_road": 0}
    assert set(by_name(client).values()) == {"reachable"}
    before = VillageAccess.objects.get(name="Thôn Đông").since
    level(client, place, 0.8, minutes_ago=20)  # over the closed level: the road east is cut
    assert by_name(client) == {"Tổ 1": "reachable", "Thôn Đông": "cut_off", "Thôn Bắc": "reachable"}
    assert by_name(client, status="cut_off") == {"Thôn Đông": "cut_off"}
    cut = VillageAccess.objects.get(name="Thôn Đông")
    assert cut.since > before and cut.population == 400 and cut.commune_name == "Trà My"
    level(client, place, 0.1, minutes_ago=5)  # the water went down: open again
    assert by_name(client, status="cut_off") == {}
    assert VillageAccess.objects.get(name="Thôn Đông").since > cut.since


@pytest.mark.django_db
def test_the_layer_is_on_the_public_map_with_its_statuses_in_words(client, place):
    access.refresh()
    catalogue = client.get("/api/layers/").json()
    entry = next(layer for layer in catalogue["layers"] if layer["slug"] == "village-access")
    assert entry["title"] == {"vi": "Đường bộ đến các thôn", "en": "Road access to villages"}
    page = client.get("/map/?layers=village-access")
    assert page.status_code == 200
    # A village that is gone leaves the layer at the next refresh.
    place["villages"][2].delete()
    access.refresh()
    assert set(VillageAccess.objects.values_list("name", flat=True)) == {"Tổ 1", "Thôn Đông"}


@pytest.mark.django_db
def test_the_counts_are_those_of_the_rows_written(place):
    # Without a town the graph gives no village a status: each is written "reachable", and counted so.
    Commune.objects.filter(kind="town").update(kind="commune")
    counts = access.refresh()
    written = Counter(VillageAccess.objects.values_list("status", flat=True))
    assert counts == {"reachable": 3, "cut_off": 0, "no_road": 0}
    assert counts == {word: written.get(word, 0) for word in counts} and sum(counts.values()) == len(place["villages"])


@pytest.mark.django_db
def test_a_village_cut_off_before_the_first_refresh_is_cut_off_since_the_crossing_that_cut_it_closed(place):
    # A ford on the road north closed three hours ago, the spillway east an hour ago; the layer's first refresh
    # (no row yet: a new install, a worker that was down) comes after both.
    now = timezone.now().replace(microsecond=0)
    hours = dt.timedelta(hours=1)
    north = Road.objects.get(name="Đường thử Bắc")
    ford = Crossing.objects.create(
        name="Ngầm Bắc",
        road=north,
        road_name=north.name,
        caution_level_m=0.3,
        closed_level_m=0.5,
        geom=Point(108.23, 15.36),
    )
    readings.advance(ford, [(now - 3 * hours, 0.9)], tell=False)
    readings.advance(place["crossing"], [(now - hours, 0.8)], tell=False)
    assert not VillageAccess.objects.exists()
    access.refresh(now)
    rows = {row.name: (row.status, row.since) for row in VillageAccess.objects.all()}
    assert rows == {
        "Tổ 1": ("reachable", now),
        "Thôn Bắc": ("cut_off", now - 3 * hours),  # by the ford, not by the spillway closed later
        "Thôn Đông": ("cut_off", now - hours),
    }
    # A row that exists keeps its time while its status stays, and starts again when it changes.
    readings.advance(place["crossing"], [(now - 0.5 * hours, 0.1)], tell=False)  # the spillway open again
    later = now + dt.timedelta(minutes=5)
    access.refresh(later)
    rows = {row.name: (row.status, row.since) for row in VillageAccess.objects.all()}
    assert rows == {
        "Tổ 1": ("reachable", now),
        "Thôn Bắc": ("cut_off", now - 3 * hours),
        "Thôn Đông": ("reachable", later),
    }


@pytest.mark.django_db
def test_a_village_cut_off_by_flood_water_is_cut_off_since_the_water_was_seen_and_by_a_hand_closing_since_now(place):
    now = timezone.now().replace(microsecond=0)
    seen = now - dt.timedelta(hours=2)
    # Flood water over the road north, seen two hours ago.
    water = MultiPolygon(Polygon.from_bbox((108.225, 15.362, 108.235, 15.366)))
    asset = RasterAsset.objects.create(
        kind="flood-gfm", name="GFM", path="/nowhere.tif", crs="EPSG:4326", width=1, height=1,
        bounds=[108.2, 15.3, 108.3, 15.4], resolution=[0.1, 0.1],
    )  # fmt: skip
    FloodObservation.objects.create(
        product="gfm", observed_at=seen, asset=asset, flooded=water, unknown=MultiPolygon(), state_raster=""
    )
    # The spillway closed by hand: no reading, no change recorded, so nothing tells since when.
    Crossing.objects.filter(pk=place["crossing"].pk).update(status="closed")
    access.refresh(now)
    rows = {row.name: (row.status, row.since) for row in VillageAccess.objects.all()}
    assert rows == {"Tổ 1": ("reachable", now), "Thôn Bắc": ("cut_off", seen), "Thôn Đông": ("cut_off", now)}
