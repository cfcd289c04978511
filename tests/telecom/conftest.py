"""Fixtures of the coverage tests: a DEM ingested, a district with villages, towers."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from tests.telecom import scene


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Users made by these tests need no slow password hashing (login uses force_login)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def district(db):
    """A district, one commune and three villages placed on the synthetic scene."""
    from layers.places.models import Commune, District, Village

    corners = [scene.lonlat(x, y) for x, y in ((scene.X0, scene.Y0), (scene.X0 + 7200, scene.Y0 - 7200))]
    (w, n), (e, s) = corners
    box = MultiPolygon(Polygon.from_bbox((w, s, e, n)), srid=4326)
    d = District.objects.create(name="Bắc Trà My (test)", geom=box, synthetic=True)
    commune = Commune.objects.create(district=d, name="Trà Sơn (test)", code="tra-son-test", geom=box)
    out = {}
    for key, (x, y), people in (
        ("shadowed", scene.SHADOWED_XY, 420),
        ("open", scene.OPEN_XY, 650),
    ):
        lon, lat = scene.lonlat(x, y)
        out[key] = Village.objects.create(
            commune=commune,
            name=f"Thôn {key}",
            households=people // 4,
            population=people,
            geom=Point(lon, lat, srid=4326),
        )
    return out


@pytest.fixture
def dem_asset(db, tmp_path):
    """The ridge scene ingested as the newest DEM (EPSG:32648 GeoTIFF)."""
    from ingest import dem
    from ingest.models import RasterAsset

    dem.ingest_path(scene.write_utm(tmp_path / "ridge.tif"))
    return RasterAsset.objects.filter(kind="dem").latest("created_at")


@pytest.fixture
def tower(db):
    """One Viettel 4G omnidirectional tower west of the ridge."""
    from layers.telecom.models import CellTower

    lon, lat = scene.lonlat(*scene.TOWER_XY)
    return CellTower.objects.create(
        name="BTS Trà Sơn 1",
        operator="viettel",
        technology="4G",
        antenna_height_m=30,
        band_mhz=1800,
        power_dbm=43,
        gain_dbi=15,
        geom=Point(lon, lat, srid=4326),
    )
