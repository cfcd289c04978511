"""The planner's coverage page in Debian's Chromium (Playwright): two real runs compared on the offline map."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from ingest import dem
from layers import roles
from layers.telecom import coverage
from rasterstore.models import RasterAsset
from tests import journey
from tests.telecom import scene

pytestmark = [pytest.mark.browser]

RED, GREEN = "#c62828", "#2e7d32"  # none, covered


@pytest.mark.django_db(transaction=True)
def test_two_runs_are_compared_on_the_map(live_server, person, tmp_path, dem_asset, tower, district, settings):
    settings.DATA_DIR = tmp_path
    settings.BASEMAP_URL = journey.DEAD_TILES  # nothing listens: the internet is down
    settings.BASEMAP_DEFAULT = "online"
    before = coverage.execute(coverage.start({}, enqueue=False).pk)
    dem.ingest_path(scene.write_utm(tmp_path / "flat.tif", ridge=False))  # the ridge removed
    call_command("activate_dem", str(RasterAsset.objects.filter(kind="dem").latest("created_at").pk))
    after = coverage.execute(coverage.start({}, enqueue=False).pk)
    user = User.objects.create_user("planner-browser", password="pw-for-tests-only")
    user.groups.add(Group.objects.get_or_create(name=roles.PLANNER)[0])
    page = person("desktop")
    journey.login(page, live_server.url, "planner-browser", "pw-for-tests-only", "/coverage/")
    # Both are real runs: the headline is the newer one, where the flat terrain covers both villages.
    assert "2 / 2" in page.inner_text("[data-testid=headline]")
    page.select_option("[data-testid=compare-a]", str(before.pk))
    page.select_option("[data-testid=compare-b]", str(after.pk))
    journey.press(page, "#cov-compare button[type=submit]")
    page.wait_for_selector("[data-testid=changes] tbody tr")
    rows = page.locator("[data-testid=changes] tbody tr").all_inner_texts()
    assert len(rows) == 1 and "Thôn shadowed (Trà Sơn (test))" in rows[0]
    assert "Không có sóng" in rows[0] and "Có sóng" in rows[0] and "Viettel 4G" in rows[0]
    # On the map: a ring in the "before" colour around a dot in the "after" colour.
    ring = page.locator(f'#cov-map path[stroke="{RED}"][fill="none"]')
    dot = page.locator(f'#cov-map path[fill="{GREEN}"][stroke="none"]')
    assert ring.count() == 1 and dot.count() == 1
    page.wait_for_timeout(800)  # fitBounds animates the map to the changed villages
    box = page.locator("#cov-map").bounding_box()
    point = page.evaluate(
        "([lat, lon]) => window.geoplatform.map.latLngToContainerPoint([lat, lon])",
        [district["shadowed"].geom.y, district["shadowed"].geom.x],
    )
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    assert "Thôn shadowed" in page.inner_text("[data-testid=reason]")
    assert "Không có sóng → Có sóng" in page.inner_text("[data-testid=reason]")
    # Under the villages, the platform's own base map took over from the unreachable online one.
    page.wait_for_function(
        "() => [...document.querySelectorAll('#cov-map .gp-basemap-offline img')]"
        ".some(i => i.complete && i.naturalWidth === 256)"
    )
    journey.check(page, "coverage-two-real-runs")
