"""A person on a phone finds the closed spillway on the map, reads its status in words and opens its chart."""

import datetime as dt

import pytest
from django.utils import timezone

from layers.crossings import levels, readings
from tests import journey

from .conftest import SPILLWAY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LON, LAT = SPILLWAY


def test_phone_map_popup_to_crossing_page(live_server, person, place):
    now = timezone.now().replace(second=0, microsecond=0)
    rising = [levels.Level(now - dt.timedelta(hours=h), round(0.1 + 0.02 * (48 - h), 2)) for h in range(48, 0, -1)]
    readings.record(place["gauge"], rising, source="csv")

    page = person("phone")
    page.goto(f"{live_server.url}/map/?layers=crossings,roads&center={LAT},{LON}&zoom=15")
    page.wait_for_selector("body[data-ready='1']", timeout=20000)
    page.wait_for_function("() => document.body.getAttribute('data-loaded-crossings') === '1'")
    journey.tap_map(page, LAT, LON)
    popup = page.locator(".leaflet-popup .gp-popup[data-layer=crossings]")
    popup.wait_for()
    assert popup.locator(".gp-popup-title").inner_text() == "Ngầm thử"
    # Status and kind in words, never codes.
    assert popup.locator("td[data-field=status]").inner_text() == "Cấm qua"
    assert popup.locator("td[data-field=kind]").inner_text() == "Ngầm tràn"
    journey.shot(page, "crossing-popup")
    journey.press(page, ".leaflet-popup [data-testid=crossing-page-link]")
    page.wait_for_url(f"{live_server.url}/crossings/{place['crossing'].pk}/")
    assert page.locator("[data-testid=crossing-status]").inner_text() == "Cấm qua"
    chart = page.locator("[data-testid=level-chart]")
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 150  # the chart fills a phone's width
    assert page.locator("[data-testid=level-chart] [data-threshold=closed]").count() == 1
    journey.check(page, "crossing-page")
