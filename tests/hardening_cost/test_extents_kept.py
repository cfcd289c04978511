"""/ogc/collections and TileJSON keep each layer's extent and time range until its data changes."""

from django.contrib.gis.geos import Point
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from layers.api import extents
from layers.places.models import Village


def _extent_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "ST_Extent" in q["sql"]]


def test_collections_compute_extents_once_and_again_after_a_write(world):
    extents.forget()
    client = Client()
    first = client.get("/ogc/collections", HTTP_ACCEPT="application/json")
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/ogc/collections", HTTP_ACCEPT="application/json")
        client.get("/tiles/villages.json")
    assert _extent_queries(queries) == []
    assert again.json() == first.json()

    village = world["villages"][0]
    far = Point(village.geom.x + 0.3, village.geom.y + 0.2, srid=4326)
    Village.objects.create(commune=village.commune, name="Thôn Xa", households=1, population=2, geom=far)
    with CaptureQueriesContext(connection) as queries:
        moved = client.get("/ogc/collections/villages", HTTP_ACCEPT="application/json").json()
    assert len(_extent_queries(queries)) == 1
    assert moved["extent"]["spatial"]["bbox"][0][2] > 108.5
