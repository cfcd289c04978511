"""A small town for parcel tests: the district, two communes, staff clients, shapes drawn in metres."""

import json

import pytest
import shapely
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.test import Client

from layers.parcels import rules
from layers.parcels.models import Parcel
from layers.places.models import Commune, District

TOWN = (108.23, 15.35)
GEOJSON = "application/geo+json"
ORIGIN = rules.to_metric(shapely.Point(TOWN))


def metres(coords) -> shapely.Polygon:
    """A polygon given in metres east/north of the town centre, returned in lon/lat."""
    return rules.to_lonlat(shapely.Polygon([(ORIGIN.x + x, ORIGIN.y + y) for x, y in coords]))


def rect(x: float, y: float, w: float, h: float) -> shapely.Polygon:
    """A w × h metre rectangle whose south-west corner is x, y metres from the town centre."""
    return metres([(x, y), (x + w, y), (x + w, y + h), (x, y + h)])


def geos(shape) -> MultiPolygon:
    """A shapely polygon as a GeoDjango MultiPolygon."""
    geom = GEOSGeometry(memoryview(shape.wkb), srid=4326)
    return geom if geom.geom_type == "MultiPolygon" else MultiPolygon(geom, srid=4326)


def feature(shape, **props) -> dict:
    """A GeoJSON Feature with default parcel attributes."""
    base = {"map_sheet": "1", "parcel_number": "1", "land_use_code": "ODT"}
    return {"type": "Feature", "geometry": json.loads(shapely.to_geojson(shape)), "properties": {**base, **props}}


def send(client, method, url, body, **extra):
    """A JSON request."""
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return getattr(client, method)(url, data, content_type=GEOJSON, **extra)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Users are made per test; the hasher's slowness is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def town(db):
    """The district and two communes: Trà My town around the centre, Trà Sơn to the west."""
    square = lambda x, y, h: MultiPolygon(Polygon.from_bbox((x - h, y - h, x + h, y + h)), srid=4326)  # noqa: E731
    district = District.objects.create(name="Bắc Trà My", name_en="Bac Tra My", geom=square(*TOWN, 0.2))
    tra_my = Commune.objects.create(
        district=district, name="Trà My", code="tra-my", kind="town", geom=square(*TOWN, 0.05)
    )
    tra_son = Commune.objects.create(district=district, name="Trà Sơn", code="tra-son", geom=square(108.1, 15.3, 0.05))
    return {"district": district, "tra_my": tra_my, "tra_son": tra_son}


@pytest.fixture
def staff(users):
    """A client signed in as urban-management staff."""
    client = Client()
    client.force_login(users["urban_staff"])
    return client


@pytest.fixture
def first(town, staff):
    """Parcel 1/1: a 20 × 30 m rectangle at the town centre, created through the API."""
    response = send(staff, "post", "/api/layers/parcels/features/", feature(rect(0, 0, 20, 30)))
    assert response.status_code == 201, response.content
    return Parcel.objects.get(pk=response.json()["id"])
