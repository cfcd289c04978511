"""OGC API - Features Part 2: crs and bbox-crs in each CRS's own axis order, Content-Crs, GDAL as the reference."""

import json
import subprocess

import pytest

ITEMS = "/ogc/collections/villages/items"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def _first(client, **params):
    response = client.get(ITEMS, {"sortby": "-households", **params})
    assert response.status_code == 200, response.content[:300]
    return response, json.loads(response.content)


def _gdaltransform(target: str, lon: float, lat: float) -> tuple[float, float]:
    # GDAL's own transformation is the reference; -output_xy because EPSG:4326 input is read lon/lat here.
    result = subprocess.run(
        ["gdaltransform", "-s_srs", "EPSG:4326", "-t_srs", target, "-output_xy"],
        input=f"{lon!r} {lat!r}\n",
        capture_output=True,
        text=True,
        timeout=30,
        env={"OSR_DEFAULT_AXIS_MAPPING_STRATEGY": "TRADITIONAL_GIS_ORDER", "PATH": "/usr/bin:/bin"},
    )
    x, y = result.stdout.split()[:2]
    return float(x), float(y)


def test_every_collection_offers_the_five_crs(world, client):
    offered = client.get("/ogc/collections/villages").json()["crs"]
    assert offered == [CRS84, EPSG + "4326", EPSG + "3857", EPSG + "3405", EPSG + "5899"]


def test_output_crs_axis_order_and_content_crs(world, client):
    response, body = _first(client)
    assert response["Content-Crs"] == f"<{CRS84}>"
    lon, lat = body["features"][0]["geometry"]["coordinates"]
    assert 108 < lon < 109 and 15 < lat < 16
    response, body = _first(client, crs=EPSG + "4326")
    assert response["Content-Crs"] == f"<{EPSG}4326>"
    assert body["features"][0]["geometry"]["coordinates"] == pytest.approx([lat, lon])  # EPSG:4326 is lat/lon
    for code in ("3857", "3405", "5899"):
        response, body = _first(client, crs=EPSG + code)
        assert response["Content-Crs"] == f"<{EPSG}{code}>"
        x, y = body["features"][0]["geometry"]["coordinates"]
        assert (x, y) == pytest.approx(_gdaltransform(f"EPSG:{code}", lon, lat), abs=0.01), code
    fid = body["features"][0]["id"]
    item = client.get(f"{ITEMS}/{fid}", {"crs": EPSG + "4326"})
    assert item["Content-Crs"] == f"<{EPSG}4326>" and item.json()["geometry"]["coordinates"] == pytest.approx(
        [lat, lon]
    )


def test_bbox_crs_reads_the_box_in_that_crs_axis_order(world, client):
    _, lonlat = _first(client, bbox="108.2,15.3,108.25,15.4")
    _, latlon = _first(client, bbox="15.3,108.2,15.4,108.25", **{"bbox-crs": EPSG + "4326"})
    assert lonlat["numberMatched"] == latlon["numberMatched"] == 2
    x0, y0 = _gdaltransform("EPSG:3405", 108.2, 15.3)
    x1, y1 = _gdaltransform("EPSG:3405", 108.25, 15.4)
    _, metres = _first(client, bbox=f"{x0},{y0},{x1},{y1}", **{"bbox-crs": EPSG + "3405"})
    assert metres["numberMatched"] == 2
    flt = "S_INTERSECTS(geometry, POLYGON((15.3 108.2, 15.3 108.25, 15.4 108.25, 15.4 108.2, 15.3 108.2)))"
    _, filtered = _first(client, filter=flt, **{"filter-crs": EPSG + "4326"})
    assert filtered["numberMatched"] == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"crs": EPSG + "2154"}, "crs"),
        ({"crs": "file:///etc/passwd"}, "crs"),
        ({"bbox-crs": "http://evil.example/crs", "bbox": "1,2,3,4"}, "bbox-crs"),
        ({"filter-crs": EPSG + "9999", "filter": "households > 1"}, "filter-crs"),
    ],
)
def test_unknown_crs_is_400_naming_the_parameter(world, client, params, field):
    response = client.get(ITEMS, params)
    assert response.status_code == 400 and response.json()["error"]["field"] == field
