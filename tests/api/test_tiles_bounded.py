"""Bounded tiles: grid clusters with counts past the feature or size cap; the shared tile cache with 304s."""

import mapbox_vector_tile
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from layers.api import mvt, tilecache, tilemath
from layers.fire.models import Hotspot

from .conftest import TOWN, at
from .helpers import lonlat_tile


def _features(response, slug: str) -> list[dict]:
    assert response.status_code == 200, response.content[:200]
    return mapbox_vector_tile.decode(response.content)[slug]["features"]


def _hotspots(world, n: int) -> None:
    t0 = world["t0"]
    for i in range(n):
        Hotspot.objects.create(
            source="VIIRS_SNPP_NRT", satellite="N", instrument="VIIRS", acquired_at=t0.replace(minute=i % 60),
            confidence="high", frp=float(i), geom=at(0.02 + (i % 7) * 0.002, 0.02 + (i // 7) * 0.002),
        )  # fmt: skip


def _inside(z: int, x: int, y: int) -> int:
    """Hotspots whose point lies inside the tile itself (no buffer), counted by PostGIS."""
    west, south, east, north = tilemath.tile_bounds_lonlat(z, x, y, margin=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM fire_hotspot WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
            [west, south, east, north],
        )
        return cursor.fetchone()[0]


def test_a_tile_past_the_feature_cap_holds_grid_clusters_counting_every_point(world, client, monkeypatch):
    _hotspots(world, 42)
    z = 12
    x, y = lonlat_tile(TOWN[0] + 0.03, TOWN[1] + 0.03, z)
    detail = client.get(f"/tiles/fire-hotspots/{z}/{x}/{y}.pbf")
    assert detail["X-Tile-Aggregated"] == "0"
    assert all("point_count" not in f["properties"] and f["id"] for f in _features(detail, "fire-hotspots"))
    monkeypatch.setattr(mvt, "POINT_CAP", 10)
    clustered = client.get(f"/tiles/fire-hotspots/{z}/{x}/{y}.pbf")
    assert clustered["X-Tile-Aggregated"] == "1"
    clusters = _features(clustered, "fire-hotspots")
    assert len(clusters) < len(_features(detail, "fire-hotspots"))
    assert all(set(f["properties"]) == {"point_count"} and f["geometry"]["type"] == "Point" for f in clusters)
    # Clusters drawn inside the tile stand for exactly the points inside it (edge cells are shared).
    inside = [
        f["properties"]["point_count"]
        for f in clusters
        if all(0 <= c < tilemath.EXTENT for c in f["geometry"]["coordinates"])
    ]
    assert sum(inside) == _inside(z, x, y) >= 42
    assert len(clusters) <= (mvt.GRID + 2) ** 2
    # Close in, the same points are features again.
    z17 = lonlat_tile(TOWN[0] + 0.02, TOWN[1] + 0.02, 17)
    assert client.get(f"/tiles/fire-hotspots/17/{z17[0]}/{z17[1]}.pbf")["X-Tile-Aggregated"] == "0"


def test_a_tile_over_the_size_cap_is_aggregated_and_within_it(world, client, monkeypatch):
    x, y = lonlat_tile(*TOWN, 16)
    detail = client.get(f"/tiles/parcels/16/{x}/{y}.pbf")
    assert detail["X-Tile-Aggregated"] == "0" and len(_features(detail, "parcels")) == 2
    monkeypatch.setattr(mvt, "SIZE_CAP", len(detail.content) - 1)
    response = client.get(f"/tiles/parcels/16/{x}/{y}.pbf")
    assert response["X-Tile-Aggregated"] == "1"
    assert sum(f["properties"]["point_count"] for f in _features(response, "parcels")) == 2
    assert len(response.content) <= mvt.SIZE_CAP


@pytest.fixture
def tile_cache(settings):
    """The shared tile cache on the test Redis database, emptied of this database's keys."""
    import os

    settings.TILE_CACHE_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9")
    r = tilecache.client()
    for key in r.scan_iter(f"{tilecache._scope()}:*"):
        r.delete(key)
    return r


def test_cached_tiles_revalidate_without_the_database_until_the_layer_changes(
    world, client, tile_cache, django_capture_on_commit_callbacks
):
    x, y = lonlat_tile(TOWN[0] + 0.01, TOWN[1] + 0.01, 15)
    url = f"/tiles/fire-hotspots/15/{x}/{y}.pbf"
    first = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert first.status_code == 200 and first["Content-Encoding"] == "gzip"
    etag = first["ETag"]
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_ENCODING="gzip")
        cached = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert cached.status_code == 200 and cached.content == first.content and cached["ETag"] == etag
    assert len(queries) == 0, [q["sql"][:80] for q in queries]
    # Another web worker shares the cache: the tile is in Redis under the layer's version.
    assert any(tile_cache.scan_iter(f"{tilecache._scope()}:fire-hotspots:*"))

    # A write to the layer, once committed, gives it a new version: a new tile and a new ETag.
    with django_capture_on_commit_callbacks(execute=True):
        Hotspot.objects.filter(confidence="high").first().delete()
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_ENCODING="gzip")
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert len(_features(client.get(url), "fire-hotspots")) == 2
    # Another layer's write leaves this layer's tiles cached.
    parcels_version = tilecache.version("parcels")
    before = tilecache.version("fire-hotspots")
    with django_capture_on_commit_callbacks(execute=True):
        _hotspots(world, 1)
    assert tilecache.version("parcels") == parcels_version and tilecache.version("fire-hotspots") > before


def test_an_ingest_run_ending_bumps_every_layer(db, tile_cache, django_capture_on_commit_callbacks):
    from ingest.models import IngestRun

    before = tilecache.version("fire-hotspots")
    with django_capture_on_commit_callbacks(execute=True):
        run = IngestRun.objects.create(source="FIRMS", kind="firms", status="running")
        middle = tilecache.version("fire-hotspots")
        run.status = "succeeded"
        run.save()
    assert middle == before < tilecache.version("fire-hotspots")


def test_tilejson_says_how_tiles_are_aggregated(world, client):
    body = client.get("/tiles/fire-hotspots.json").json()
    assert body["aggregation"] == {"count_field": "point_count", "grid": mvt.GRID, "max_bytes": 500 * 1024}
