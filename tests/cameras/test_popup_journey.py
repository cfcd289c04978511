"""The camera popup in Chromium: an operator sees the snapshot and uptime; an anonymous person sees neither."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from layers import roles
from layers.cameras import health
from tests import journey
from tests.web import district as district_module

from .conftest import make_camera

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LON, LAT = 108.25, 15.34
MAP = f"/map/?layers=cameras&center={LAT},{LON}&zoom=15"


@pytest.fixture
def watched(camera_server):
    """The small district and one watched camera: online 2 h ago, offline for 30 min, online again 30 min ago."""
    from layers.cameras.models import Device

    district_module.build(Path(settings.DATA_DIR) / "camera-tests")
    # Here the district's own cameras are not watched yet: this test's device is the only one.
    Device.objects.all().delete()
    camera, device = make_camera("Camera chợ Trà My", camera_server.url, lonlat=(LON, LAT))
    now = timezone.now()
    health.check(device, now - timedelta(hours=2))
    camera_server.stop()
    for minutes in (62, 61, 60):
        health.check(device, now - timedelta(minutes=minutes))
    camera_server.start()
    health.check(device, now - timedelta(minutes=30))
    return camera, device


def _open_camera_popup(page, base_url):
    page.goto(base_url + MAP)
    page.wait_for_selector("body[data-ready='1']", timeout=20000)
    page.wait_for_function("() => document.body.getAttribute('data-loaded-cameras') === '1'")
    journey.tap_map(page, LAT, LON)
    popup = page.locator(".leaflet-popup .gp-popup[data-layer=cameras]")
    popup.wait_for()
    assert popup.locator(".gp-popup-title").inner_text() == "Camera chợ Trà My"
    return popup


def test_the_camera_popup_shows_snapshot_and_uptime_to_staff_and_neither_to_anonymous(live_server, person, watched):
    from django.contrib.auth.models import Group, User

    operator = User.objects.create_user("operator_user", password="pw-for-tests-only")
    operator.groups.add(Group.objects.get(name=roles.OPERATOR))

    # An operator on a phone: status from the checks, uptime over 24 h / 7 / 30 days, the latest snapshot.
    page = person("phone")
    journey.login(page, live_server.url, "operator_user", "pw-for-tests-only", "/cameras/")
    popup = _open_camera_popup(page, live_server.url)
    part = popup.locator("[data-testid=camera-health]")
    part.wait_for()
    assert part.locator("[data-testid=camera-status]").inner_text().startswith("Kiểm tra: Trực tuyến")
    cells = part.locator("[data-testid=camera-uptime] td")
    # 2 h known: online 1 h, offline 30 min, online 30 min = 75 %.
    assert [cells.nth(i).inner_text() for i in range(3)] == ["75,0 %"] * 3
    image = part.locator("[data-testid=camera-snapshot] img")
    page.wait_for_function("() => document.querySelector('[data-testid=camera-snapshot] img')?.naturalWidth > 0")
    assert image.get_attribute("src").startswith(f"/cameras/{watched[1].pk}/snapshot.jpg")
    assert "Ảnh chụp lúc" in part.locator("figcaption").inner_text()
    journey.check(page, "camera-popup-operator")
    # Its page: the same uptime, the snapshot, the history of changes in words.
    journey.press(page, ".leaflet-popup [data-testid=camera-health] a")
    page.wait_for_selector("[data-testid=device-page]")
    history = page.locator("[data-testid=history] li")
    assert history.count() == 3 and "Không kết nối được" in history.nth(1).inner_text()
    assert page.locator("[data-testid=uptime] td[data-window='24h']").inner_text() == "75,0 %"
    journey.check(page, "camera-page")
    page.goto(live_server.url + "/cameras/")
    assert page.locator(".cm-card[data-status=online]").count() == 1
    journey.check(page, "camera-list")
    page.goto(live_server.url + MAP)
    page.wait_for_selector("body[data-ready='1']", timeout=20000)
    page.wait_for_function("() => document.body.getAttribute('data-loaded-cameras') === '1'")
    # A camera of the layer nobody watches yet: its popup as before, no error.
    page.evaluate(
        "() => { const m = window.geoplatform.map; m.closePopup(); m.setView([15.33, 108.21], 15, {animate: false}); }"
    )
    page.wait_for_timeout(300)
    journey.tap_map(page, 15.33, 108.21)
    page.locator(".leaflet-popup .gp-popup[data-camera-health=none]").wait_for()
    journey.assert_clean(page)

    # Anonymous on a desktop: the camera's popup, but no health script, no request for it, no snapshot.
    anonymous = person("desktop")
    asked = []
    anonymous.on("request", lambda r: asked.append(r.url))
    popup = _open_camera_popup(anonymous, live_server.url)
    anonymous.wait_for_timeout(500)
    assert popup.locator("[data-testid=camera-health], img").count() == 0
    assert anonymous.locator("script[src*='cameras/popup.js']").count() == 0
    assert not [url for url in asked if "/cameras/" in url.split("/api/layers/")[0]], asked
    text = popup.inner_text()
    assert "75,0" not in text and "Ảnh chụp" not in text
    journey.check(anonymous, "camera-popup-anonymous")
