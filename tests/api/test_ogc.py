"""OGC API - Features: the documents, paging, and GDAL's own OAPIF client against a live server."""

import json
import os
import subprocess

import pytest

from .conftest import SECRETS
from .helpers import leaks


def test_landing_conformance_and_openapi(client):
    landing = client.get("/ogc")
    assert landing.status_code == 200
    rels = {link["rel"]: link for link in landing.json()["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["href"].endswith("/ogc/api")
    assert client.get("/ogc/?f=json").status_code == 200
    conformance = client.get(rels["conformance"]["href"]).json()["conformsTo"]
    assert any(c.endswith("/conf/core") for c in conformance)
    assert any(c.endswith("/conf/geojson") for c in conformance)
    assert any(c.endswith("/conf/oas30") for c in conformance)
    api = client.get(rels["service-desc"]["href"])
    assert api["Content-Type"].startswith("application/vnd.oai.openapi+json")
    document = api.json()
    assert document["openapi"].startswith("3.0")
    assert "/collections/villages/items/{featureId}" in document["paths"]
    assert client.get("/ogc?f=xml").status_code == 406


def test_collection_has_extent_crs_and_item_type(world, client):
    body = client.get("/ogc/collections/fire-hotspots").json()
    assert body["itemType"] == "feature"
    assert body["crs"][0] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert body["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    west, south, east, north = body["extent"]["spatial"]["bbox"][0]
    assert 108.2 < west <= east < 108.3 and 15.3 < south <= north < 15.4
    start, end = body["extent"]["temporal"]["interval"][0]
    assert start.startswith("2024-03-01T08:00") and end.startswith("2024-03-03T08:00")


def test_items_page_with_next_link_and_timestamp(world, client):
    response = client.get("/ogc/collections/fire-hotspots/items", {"limit": 2, "confidence": "high"})
    assert response["Content-Type"] == "application/geo+json"
    body = json.loads(response.content)
    assert body["numberMatched"] == 1 and body["numberReturned"] == 1 and body["timeStamp"].endswith("Z")
    body = json.loads(client.get("/ogc/collections/fire-hotspots/items", {"limit": 2}).content)
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert body["numberMatched"] == 3 and "next" in rels and "prev" not in rels
    rest = json.loads(client.get(rels["next"]).content)
    assert rest["numberReturned"] == 1
    default = json.loads(client.get("/ogc/collections/fire-hotspots/items").content)
    assert default["numberReturned"] == 3  # default limit 10
    item = client.get("/ogc/collections/fire-hotspots/items/" + str(default["features"][0]["id"]))
    assert item["Content-Type"] == "application/geo+json"
    assert {link["rel"] for link in item.json()["links"]} == {"self", "alternate", "collection"}


def _ogrinfo(*args: str) -> str:
    env = {**os.environ, "NO_PROXY": "*", "no_proxy": "*", "GDAL_HTTP_TIMEOUT": "30", "CPL_DEBUG": "OFF"}
    result = subprocess.run(["ogrinfo", *args], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


@pytest.mark.django_db(transaction=True)
def test_gdal_reads_the_service_as_an_oapif_client(world, live_server):
    url = f"OAPIF:{live_server.url}/ogc"
    summary = _ogrinfo("-ro", "-so", url, "villages")
    assert "Feature Count: 3" in summary
    for field in ("name: String", "households: Integer", "has_cultural_house:", "commune: Integer"):
        assert field in summary, summary
    listing = _ogrinfo("-ro", "-q", url)
    assert "parcels" in listing and "signal-measurements" not in listing
    parcels = _ogrinfo("-ro", "-al", url, "parcels")
    assert "parcel_number (String) = 34" in parcels and "MULTIPOLYGON" in parcels
    assert "holder_name" not in parcels and not leaks(parcels.encode(), SECRETS)
