"""The planner's coverage page in Debian's Chromium (Playwright): two runs compared on the map."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from ingest import dem
from layers import roles
from layers.telecom import coverage
from tests.telecom import scene

pytestmark = [pytest.mark.browser]

RED, GREEN = "#c62828", "#2e7d32"  # none, covered


@pytest.mark.django_db(transaction=True)
def test_two_runs_are_compared_on_the_map(live_server, browser, tmp_path, dem_asset, tower, district, settings):
    settings.DATA_DIR = tmp_path
    settings.BASEMAP_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"  # nothing listens: the internet is down
    before = coverage.execute(coverage.start({}, enqueue=False).pk)
    dem.ingest_path(scene.write_utm(tmp_path / "flat.tif", ridge=False))  # the ridge removed
    after = coverage.execute(coverage.start({}, enqueue=False).pk)
    user = User.objects.create_user("planner-browser", password="pw-for-tests-only")
    user.groups.add(Group.objects.get_or_create(name=roles.PLANNER)[0])
    page = browser.new_page(viewport={"width": 1100, "height": 800}, locale="vi-VN")
    try:
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server.url}/accounts/login/?next=/coverage/")
        page.fill("input[name=username]", "planner-browser")
        page.fill("input[name=password]", "pw-for-tests-only")
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/coverage/")
        page.fill("#cov-compare input[name=a]", str(before.pk))
        page.fill("#cov-compare input[name=b]", str(after.pk))
        page.click("#cov-compare button[type=submit]")
        page.wait_for_selector("[data-testid=changes] tr")
        rows = page.locator("[data-testid=changes] tr").all_inner_texts()
        assert len(rows) == 1 and "Thôn shadowed (Trà Sơn (test))" in rows[0]
        assert "none" in rows[0] and "covered" in rows[0] and "viettel 4G" in rows[0]
        # On the map: a ring in the "before" colour around a dot in the "after" colour.
        ring = page.locator(f'#cov-map path[stroke="{RED}"][fill="none"]')
        dot = page.locator(f'#cov-map path[fill="{GREEN}"][stroke="none"]')
        assert ring.count() == 1 and dot.count() == 1
        page.wait_for_timeout(800)  # fitBounds animates the map to the changed villages
        dot.dispatch_event("click")
        assert "Thôn shadowed" in page.inner_text("[data-testid=reason]")
        # Under the villages, the platform's own base map took over from the unreachable online one.
        page.wait_for_function(
            "() => [...document.querySelectorAll('#cov-map .gp-basemap-offline img')]"
            ".some(i => i.complete && i.naturalWidth === 256)"
        )
        assert errors == []
    finally:
        page.close()
