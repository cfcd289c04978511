"""Flood on the map in Chromium: the satellite flood layer switched on draws where the flood is, the time
control steps to the other pass and the picture changes; anonymous, on a phone; plus the tile endpoint's edges."""

from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from pyproj import Transformer

from ingest import flood
from tests import journey
from tests.web import district as district_module

from .test_rasters import tif

pytestmark = pytest.mark.django_db(transaction=True)

LON, LAT = 108.25, 15.34
SIZE = 300  # 300 × 20 m = 6 km square around the point


def write_passes(folder: Path) -> list[Path]:
    """Two GFM passes over the same grid: a wide flood on the first, a narrow band on the second."""
    x, y = Transformer.from_crs(4326, 32648, always_xy=True).transform(LON, LAT)
    origin = (round(x) - SIZE * 10, round(y) + SIZE * 10)
    first = np.zeros((SIZE, SIZE), np.uint8)
    first[90:210, 30:270] = 1  # 2.4 km band across the centre
    second = np.zeros((SIZE, SIZE), np.uint8)
    second[140:160, 30:270] = 1  # receded to 400 m
    second[:40, :] = 255  # the northern strip unseen on the second pass
    paths = []
    for stamp, layer in (("20261028T225000", first), ("20261030T225000", second)):
        path = folder / f"ENSEMBLE_FLOOD_{stamp}_VV_SA020M_E051N012T3.tif"
        tif(path, [layer], origin=origin)
        paths.append(path)
    return paths


@pytest.fixture
def storm(tmp_path):
    district_module.build(Path(settings.DATA_DIR) / "flood-map-tests")
    for path in write_passes(tmp_path):
        run = flood.ingest_gfm(str(path))
        assert run.status == "succeeded", run.message


def wait_tiles(page, observation: str):
    page.wait_for_function(
        """(id) => {
            const box = document.querySelector('[data-testid=flood-control]');
            const imgs = [...document.querySelectorAll('.gp-flood-tiles img')];
            return box && box.getAttribute('data-observation') === id && imgs.length > 0
                && imgs.every(i => i.complete && i.naturalWidth > 0 && i.src.includes('/' + id + '/'));
        }""",
        arg=observation,
        timeout=20000,
    )
    page.wait_for_timeout(300)  # Leaflet fades tiles in


@pytest.mark.browser
def test_the_flood_layer_and_its_time_control_on_a_phone(live_server, person, storm):
    from layers.flood.models import FloodObservation

    first, second = FloodObservation.objects.order_by("observed_at")
    page = person("phone")
    page.goto(f"{live_server.url}/map/?center={LAT},{LON}&zoom=13")
    page.wait_for_selector("body[data-ready='1']", timeout=20000)
    page.wait_for_function("() => document.querySelector('[data-testid=flood-when]')")
    before = journey.pixels(page)

    journey.press(page, "[data-testid=flood-toggle]")
    wait_tiles(page, str(second.pk))  # the newest pass first
    assert page.locator("[data-testid=flood-when]").inner_text() == "31/10/2026 05:50"  # shown in Vietnam's time
    on = journey.pixels(page)
    # Inside the band that is under water on both passes the map turns blue; far from it nothing changes.
    centre = journey.around(page, LAT, LON, radius=4)
    assert journey.changed(before, on, centre) > 0.9
    dry = journey.around(page, LAT - 0.02, LON, radius=6)  # 2.2 km south: outside the flood on both passes
    assert journey.changed(before, on, dry) < 0.1
    journey.check(page, "flood-map-second-pass")

    journey.press(page, "[data-testid=flood-prev]")
    wait_tiles(page, str(first.pk))
    assert page.locator("[data-testid=flood-when]").inner_text() == "29/10/2026 05:50"
    earlier = journey.pixels(page)
    # 900 m north of the centre: dry on the second pass, flooded on the first.
    north = journey.around(page, LAT + 0.008, LON, radius=4)
    assert journey.changed(on, earlier, north) > 0.9
    assert page.locator("[data-testid=flood-next]").is_enabled()
    assert page.locator("[data-testid=flood-prev]").is_disabled()
    journey.assert_fits(page)


def test_flood_tiles_refuse_bad_addresses_and_draw_flood_blue(client, storm):
    from layers.flood.models import FloodObservation

    obs = FloodObservation.objects.order_by("observed_at").first()
    z = 14
    n = 2**z
    x = int((LON + 180) / 360 * n)
    lat = np.radians(LAT)
    y = int((1 - np.log(np.tan(lat) + 1 / np.cos(lat)) / np.pi) / 2 * n)
    ok = client.get(f"/tiles/raster/flood/{obs.pk}/{z}/{x}/{y}.png")
    assert ok.status_code == 200 and ok["Content-Type"] == "image/png"
    from io import BytesIO

    from PIL import Image

    rgba = np.asarray(Image.open(BytesIO(ok.content)).convert("RGBA"))
    blue = (rgba[..., 2] > 150) & (rgba[..., 0] < 60) & (rgba[..., 3] > 150)
    assert blue.mean() > 0.2
    for bad in (f"{z}/-1/{y}", f"{z}/{n}/{y}", f"25/{x}/{y}", "3/1/1"):
        answer = client.get(f"/tiles/raster/flood/{obs.pk}/{bad}.png")
        assert answer.status_code == 400 and answer.json()["error"]["field"] == "z", bad
    assert client.get(f"/tiles/raster/flood/999999/{z}/{x}/{y}.png").status_code == 404
    assert client.get(f"/tiles/raster/flood-likelihood/{obs.pk}/{z}/{x}/{y}.png").status_code == 404  # none here
    listed = client.get("/flood/observations.json").json()["observations"]
    assert [o["label"] for o in listed] == ["29/10/2026 05:50", "31/10/2026 05:50"]


def test_flood_rasters_follow_the_layers_read_list(client, storm, role_user, monkeypatch):
    """Were the flood layer made private to operators, anonymous people would get neither list nor tiles."""
    from dataclasses import replace

    from layers import roles
    from layers.flood.models import FloodObservation
    from layers.registry import registry

    layer = registry.get("flood-extents")
    monkeypatch.setitem(
        registry._layers, layer.slug, replace(layer, public=False, read_roles=frozenset({roles.OPERATOR}))
    )
    obs = FloodObservation.objects.first()
    tile = f"/tiles/raster/flood/{obs.pk}/14/13117/7676.png"
    assert client.get("/flood/observations.json").status_code == 404
    assert client.get(tile).status_code == 404
    client.force_login(role_user(roles.OPERATOR))
    assert client.get(tile).status_code == 200
    assert len(client.get("/flood/observations.json").json()["observations"]) == 2
