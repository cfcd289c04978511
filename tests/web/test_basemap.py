"""The offline base map tiles: DEM hillshade with places drawn over it, cached on disk."""

import io
import json

import numpy as np
import pytest
from django.test import Client
from PIL import Image

from ingest.models import RasterAsset
from layers.web import basemap, basemap_draw, tilemath

# Zoom 12 tile holding most of the test DEM (around 108.2E 15.32N).
Z = 12


def _tile_at(lon, lat, z=Z):
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    mx, my = tilemath.lonlat_to_3857(lon, lat)
    y = int((tilemath.ORIGIN - my) / (2 * tilemath.ORIGIN) * n)
    return z, x, y


def _image(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def test_tile_over_the_dem_is_shaded_terrain_and_cached(district, settings):
    z, x, y = _tile_at(108.15, 15.35)
    response = Client().get(f"/basemap/{z}/{x}/{y}.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    pixels = _image(response.content)
    assert pixels.shape == (256, 256, 3)
    # Shaded relief: many distinct grey levels, not one flat fill.
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200
    cached = list((settings.DATA_DIR / "basemap-cache").rglob(f"{z}/{x}/{y}.png"))
    assert len(cached) == 1 and cached[0].read_bytes() == response.content


def test_tile_outside_the_dem_is_plain_paper(district):
    # In the margin the base map serves around the district, west of the DEM (z14 tiles are ~0.022 degrees).
    z, x, y = _tile_at(108.10 - 0.035, 15.30, 14)
    pixels = _image(Client().get(f"/basemap/{z}/{x}/{y}.png").content)
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) == 1


def test_places_are_drawn_over_the_terrain(district):
    z, x, y = _tile_at(108.15, 15.35)
    dem = basemap.latest_dem()
    with_places = _image(basemap.render(dem, z, x, y))
    from layers.places.models import Commune, River, Village

    Village.objects.all().delete()
    River.objects.all().delete()
    Commune.objects.all().delete()
    without = _image(basemap.render(dem, z, x, y))
    assert (np.abs(with_places - without).sum(axis=2) > 60).sum() > 100


def test_new_dem_changes_the_cache_key(district):
    before = basemap.stamp(basemap.latest_dem())
    first = district["dem"]
    RasterAsset.objects.create(
        kind="dem",
        name="newer",
        path=first.path,
        crs="EPSG:4326",
        width=1,
        height=1,
        bounds=first.bounds,
        resolution=[1, 1],
    )
    assert basemap.stamp(basemap.latest_dem()) != before


def test_vrt_named_tif_is_not_opened(district, tmp_path, settings):
    vrt = tmp_path / "evil.tif"
    vrt.write_text(
        '<VRTDataset rasterXSize="10" rasterYSize="10"><VRTRasterBand dataType="Float32" band="1">'
        "<SimpleSource><SourceFilename>/etc/passwd</SourceFilename></SimpleSource>"
        "</VRTRasterBand></VRTDataset>"
    )
    RasterAsset.objects.create(
        kind="dem",
        name="evil",
        path=str(vrt),
        crs="EPSG:4326",
        width=10,
        height=10,
        bounds=district["dem"].bounds,
        resolution=[1, 1],
    )
    z, x, y = _tile_at(108.15, 15.35)
    response = Client().get(f"/basemap/{z}/{x}/{y}.png")
    assert response.status_code == 200
    pixels = _image(response.content)
    paper = (pixels == np.array(basemap_draw.PAPER[:3])).all(axis=2)
    assert paper.mean() > 0.8  # vectors on plain paper: the refused file was not shaded


@pytest.mark.parametrize(
    "path", ["/basemap/19/0/0.png", "/basemap/3/-1/0.png", "/basemap/3/0/8.png", "/basemap/2/4/-3.png"]
)
def test_tile_outside_the_pyramid_is_a_400_in_the_error_shape(db, path):
    response = Client().get(path)
    assert response.status_code == 400
    body = json.loads(response.content)
    assert body["error"]["code"] == "bad_tile"


def test_a_village_name_that_would_overlap_one_already_written_is_left_out():
    first = [(20.0, 100.0, "Thôn 3")]
    alone = basemap_draw.render(None, size=256, labels=first, zoom=13)
    crowded = basemap_draw.render(None, size=256, labels=first + [(24.0, 102.0, "Thôn 4")], zoom=13)
    apart = basemap_draw.render(None, size=256, labels=first + [(20.0, 180.0, "Thôn 4")], zoom=13)
    # The crowded name leaves only its dot; a name with room is written.
    assert (_pixels(crowded) != _pixels(alone)).any(axis=2).sum() < 30
    assert (_pixels(apart) != _pixels(alone)).any(axis=2).sum() > 150


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


def test_the_tile_cache_key_changes_with_the_drawing(db, monkeypatch):
    before = basemap.stamp(None)
    monkeypatch.setattr(basemap, "RENDER_VERSION", basemap.RENDER_VERSION + "-next")
    assert basemap.stamp(None) != before
