"""Reporter contact never leaves through a public way out: Open311, pages, layer API, OGC, tiles, exports."""

import io
import math
import zipfile

import mapbox_vector_tile
import pytest
from django.test import Client

from layers import roles
from layers.feedback import intake

from .conftest import TOWN, jpeg_bytes

NAME, PHONE, EMAIL = "Nguyễn Thị Kín Đáo", "0987654321", "kin.dao@example.vn"
CONTACT = (NAME, PHONE, EMAIL)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def found(body: bytes) -> list[str]:
    """The contact values present in a body: raw UTF-8, JSON-escaped, or inside a zip (shapefile)."""
    bodies = [body]
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            bodies += [archive.read(name) for name in archive.namelist()]
    hits = []
    for value in CONTACT:
        escaped = value.encode("ascii", "backslashreplace").decode().replace("\\x", "\\u00").encode()
        if any(value.encode() in b or escaped in b for b in bodies):
            hits.append(value)
    return hits


@pytest.fixture
def reported(district):
    """One report with a photo and full contact, answered publicly once."""
    complaint, _ = intake.submit(
        intake.Report(
            category="road_damage",
            description="Cống vỡ ở đầu cầu",
            lon=TOWN[0],
            lat=TOWN[1],
            address="Tổ dân phố 1",
            reporter_name=NAME,
            reporter_phone=PHONE,
            reporter_email=EMAIL,
            photos=[jpeg_bytes()],
        )
    )
    # Acknowledged by an officer: the report is public (its photo too; before, it is staff-only).
    complaint.status = "acknowledged"
    complaint.save(update_fields=["status"])
    return complaint


def public_urls(complaint) -> list[str]:
    code = complaint.tracking_code
    x, y = tile_of(TOWN[0], TOWN[1], 14)
    fid = complaint.pk
    return [
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        f"/open311/v2/requests/{code}.json",
        f"/open311/v2/requests/{code}.xml",
        f"/open311/v2/tokens/{complaint.token}.json",
        f"/feedback/track/{code}/",
        f"/feedback/nearby.json?category=road_damage&lon={TOWN[0]}&lat={TOWN[1]}",
        f"/feedback/photos/{complaint.photos.get().token}.jpg",
        "/api/layers/complaints/",
        "/api/layers/complaints/features/",
        f"/api/layers/complaints/features/{fid}/",
        "/api/schema/",
        "/ogc/collections/complaints/items",
        f"/ogc/collections/complaints/items/{fid}",
        "/tiles/complaints.json",
        f"/tiles/complaints/14/{x}/{y}.pbf",
        "/api/layers/complaints/export.geojson",
        "/api/layers/complaints/export.csv",
        "/api/layers/complaints/export.kml",
        "/api/layers/complaints/export.gpkg",
        "/api/layers/complaints/export.shp",
    ]


def test_no_public_output_carries_the_reporter_contact(client, reported):
    for url in public_urls(reported):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert found(body) == [], url


def test_the_same_outputs_show_the_contact_to_an_officer(reported, users):
    """The control: the check above would see the contact if it were there."""
    officer = Client()
    officer.force_login(users[roles.FEEDBACK_OFFICER])
    for url in ("/api/layers/complaints/features/", "/api/layers/complaints/export.shp"):
        assert set(found(officer.get(url).content)) >= {PHONE, EMAIL}, url
    x, y = tile_of(TOWN[0], TOWN[1], 14)
    tile = mapbox_vector_tile.decode(officer.get(f"/tiles/complaints/14/{x}/{y}.pbf").content)
    assert tile["complaints"]["features"][0]["properties"]["reporter_phone"] == PHONE
    assert PHONE in officer.get(f"/feedback/queue/{reported.tracking_code}/").content.decode()


def test_the_anonymous_tile_has_the_report_but_no_contact_property(client, reported):
    x, y = tile_of(TOWN[0], TOWN[1], 14)
    tile = mapbox_vector_tile.decode(client.get(f"/tiles/complaints/14/{x}/{y}.pbf").content)
    properties = tile["complaints"]["features"][0]["properties"]
    assert properties["tracking_code"] == reported.tracking_code
    assert not {"reporter_name", "reporter_phone", "reporter_email"} & set(properties)


@pytest.mark.parametrize("name", ["reporter_phone", "reporter_email", "reporter_name"])
def test_contact_fields_cannot_be_filtered_or_sorted_on_publicly(client, reported, name):
    """No oracle either: a filter on a contact field would tell whether a guess is right."""
    assert client.get("/api/layers/complaints/features/", {name: PHONE}).status_code == 400
    assert client.get("/ogc/collections/complaints/items", {name: PHONE}).status_code == 400
    assert client.get("/api/layers/complaints/features/", {"sortby": name}).status_code == 400
    assert client.get("/api/layers/complaints/features/", {"sortby": "-created_at", "status": "acknowledged"}).json()[
        "features"
    ]
