"""The offline base map serves the district and its margin only, keeps a bounded cache, hashes data once per change."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from layers.places.models import Village
from layers.web import basemap
from tests.web import district as district_module
from tests.web.test_basemap import _tile_at


@pytest.fixture
def district(db):
    """The synthetic district of the web tests (DEM 108.10-108.30 E, 15.25-15.40 N)."""
    return district_module.build(Path(settings.DATA_DIR) / "hardening-basemap")


def _stored(root: Path) -> list[Path]:
    return sorted(root.rglob("*.png"))


@pytest.mark.parametrize(("lon", "lat", "z"), [(106.0, 20.0, 12), (0.0, 0.0, 18), (108.2, 15.6, 14)])
def test_tiles_away_from_the_district_are_refused_and_never_cached(district, settings, tmp_path, lon, lat, z):
    settings.DATA_DIR = tmp_path
    z, x, y = _tile_at(lon, lat, z)
    response = Client().get(f"/basemap/{z}/{x}/{y}.png")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "outside_extent"
    assert _stored(tmp_path) == []


def test_below_the_maps_zoom_range_is_400(district):
    response = Client().get("/basemap/5/25/14.png")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "z"


def test_the_stamp_is_hashed_once_per_data_change(district, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    client = Client()
    inside = [_tile_at(108.2, 15.3, 14), _tile_at(108.22, 15.3, 14)]
    assert client.get("/basemap/{}/{}/{}.png".format(*inside[0])).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/basemap/{}/{}/{}.png".format(*inside[1])).status_code == 200
    assert not [q for q in queries if "ST_AsBinary" in q["sql"]]  # no geometry hashed again
    first = basemap.stamp(basemap.latest_dem())
    Village.objects.filter(pk=Village.objects.order_by("pk").first().pk).update(name="Thôn Đổi Tên")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/basemap/{}/{}/{}.png".format(*inside[1])).status_code == 200
    assert [q for q in queries if "ST_AsBinary" in q["sql"]]
    assert basemap.stamp(basemap.latest_dem()) != first
    # The older stamp's tiles are gone with it.
    assert [p.name for p in (tmp_path / "basemap-cache").iterdir()] == [basemap.stamp(basemap.latest_dem())]


def test_the_disk_cache_stops_at_its_cap(district, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.BASEMAP_CACHE_MAX_TILES = 2
    client = Client()
    for lon in (108.15, 108.2, 108.25):
        z, x, y = _tile_at(lon, 15.3, 14)
        assert client.get(f"/basemap/{z}/{x}/{y}.png").status_code == 200
    assert len(_stored(tmp_path)) == 2
