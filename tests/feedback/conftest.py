"""Fixtures of the feedback tests: a small district with two communes, an API key, image makers."""

import importlib
import io
import os
import struct
import zlib

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from PIL import Image

from layers.feedback import apikeys
from layers.feedback.models import CommuneDesk
from layers.places.models import Commune, District

TOWN = (108.20, 15.35)
TRA_SON = (108.30, 15.35)


def box(west, south, east, north):
    """A one-polygon MultiPolygon in 4326."""
    return MultiPolygon(Polygon.from_bbox((west, south, east, north)), srid=4326)


@pytest.fixture(autouse=True)
def own_broker():
    """Events offered after commit go to this engineer's Redis db, never the shared development one."""
    from geoplatform.celery import app

    old = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:6379/{os.environ.get('GEOPLATFORM_TEST_REDIS_DB', '9')}"
    yield
    app.conf.broker_url = old


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Users are made per test; the production hasher's cost buys nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seeded(db):
    """The offices and categories of the data migration, again if a transactional test flushed them."""
    from django.apps import apps

    importlib.import_module("layers.feedback.migrations.0003_seed_categories").seed(apps, None)


@pytest.fixture
def district(seeded):
    """Bắc Trà My cut down to two square communes, each with a feedback desk."""
    d = District.objects.create(name="Bắc Trà My", geom=box(108.15, 15.30, 108.35, 15.40))
    town_geom = box(108.15, 15.30, 108.25, 15.40)
    town = Commune.objects.create(district=d, name="Thị trấn Trà My", code="tra-my", kind="town", geom=town_geom)
    son = Commune.objects.create(district=d, name="Trà Sơn", code="tra-son", geom=box(108.25, 15.30, 108.35, 15.40))
    CommuneDesk.objects.create(commune=town, email="tramy@bactramy.example")
    CommuneDesk.objects.create(commune=son, email="traso@bactramy.example")
    return {"district": d, "town": town, "son": son}


@pytest.fixture
def api_key(db):
    """An issued Open311 key and its secret."""
    key, secret = apikeys.issue("Bắc Trà My Smart app", per_minute=100)
    return key, secret


def jpeg_bytes(size=(64, 48), color=(200, 30, 30), gps=None, comment=b"") -> bytes:
    """A real JPEG; with gps=(lon, lat) an EXIF GPS block and a camera model are written too."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x0110] = "SecretPhone 9"  # camera model: must not survive
    if gps:
        lon, lat = gps

        def dms(value):
            d = int(value)
            m = int((value - d) * 60)
            s = round(((value - d) * 60 - m) * 60, 4)
            return (d, m, s)

        exif[0x8825] = {1: "N" if lat >= 0 else "S", 2: dms(abs(lat)), 3: "E" if lon >= 0 else "W", 4: dms(abs(lon))}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=comment)
    return out.getvalue()


def huge_png(width=30000, height=30000) -> bytes:
    """A real, complete 1-bit PNG of width x height pixels, a few hundred kB thanks to compression."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    chunks = [compressor.compress(row) for _ in range(height)]
    data = b"".join(chunks) + compressor.flush()

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
