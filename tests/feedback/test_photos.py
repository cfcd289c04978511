"""Photo checks with real generated images: decode, caps, EXIF stripped, GPS pre-fills the place."""

import io

import pytest
from PIL import Image

from layers.feedback import photos

from .conftest import huge_png, jpeg_bytes

CAPS = {"max_bytes": 2_000_000, "max_pixels": 40_000_000}


def test_jpeg_is_reencoded_without_exif_and_its_gps_is_read():
    data = jpeg_bytes(gps=(108.2, 15.35), comment=b"<script>alert(1)</script>")
    clean = photos.clean(data, **CAPS)
    lon, lat = clean.gps
    assert lon == pytest.approx(108.2, abs=1e-4) and lat == pytest.approx(15.35, abs=1e-4)
    reopened = Image.open(io.BytesIO(clean.jpeg))
    assert reopened.format == "JPEG" and reopened.size == (64, 48)
    assert not reopened.getexif()
    assert b"SecretPhone" not in clean.jpeg and b"<script>" not in clean.jpeg


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9"/></svg>',
        b"<html><body><img src=x onerror=alert(1)></body></html>",
        b"GIF89a" + b"\x00" * 10,  # a signature with nothing decodable behind it
    ],
    ids=["svg", "html", "truncated-gif"],
)
def test_files_that_are_not_photos_are_refused_whatever_their_name(payload):
    with pytest.raises(photos.PhotoError) as caught:
        photos.clean(payload, **CAPS)
    assert not caught.value.too_large


def test_a_30000_square_png_is_refused_before_decoding():
    data = huge_png()
    assert len(data) < 2_000_000  # small on disk: the danger is the pixel count
    with pytest.raises(photos.PhotoError) as caught:
        photos.clean(data, **CAPS)
    assert caught.value.too_large and "nhiều điểm ảnh hơn mức tối đa 40.000.000" in str(caught.value)


def test_the_pixel_cap_is_checked_from_the_header():
    with pytest.raises(photos.PhotoError) as caught:
        photos.clean(huge_png(3000, 3000), max_bytes=2_000_000, max_pixels=1_000_000)
    assert caught.value.too_large and "3000×3000 điểm ảnh" in str(caught.value)


def test_bytes_over_the_cap_are_refused_as_too_large():
    with pytest.raises(photos.PhotoError) as caught:
        photos.clean(jpeg_bytes(size=(400, 300)), max_bytes=100, max_pixels=10**8)
    assert caught.value.too_large


def test_a_png_with_transparency_becomes_an_rgb_jpeg():
    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 128, 0, 100)).save(out, format="PNG")
    clean = photos.clean(out.getvalue(), **CAPS)
    assert Image.open(io.BytesIO(clean.jpeg)).mode == "RGB" and clean.gps is None
