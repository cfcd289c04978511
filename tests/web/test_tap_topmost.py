"""A tap where several layers have a dot answers with the dot the person sees: that of the layer drawn on top.

The villages layer is on by default; an operator switches the road-access layer on over it and taps a cut-off
village, on a phone (a real tap) and a desktop (a real click), offline, in Chromium.
"""
# The crossings' district and eager fixture are theirs, imported here: tests name them as parameters, which ruff
# reads as redefinitions.
# ruff: noqa: F811

import datetime as dt

import pytest
from django.utils import timezone

from layers.crossings import levels, readings
from layers.crossings.models import VillageAccess
from tests import journey
from tests.crossings.conftest import EAST, place  # noqa: F401 (fixture)
from tests.crossings.test_village_access import eager  # noqa: F401 (fixture)

from .test_map_journey import assert_words_only, popup_text, settle, switch_layer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The town, the spillway and the villages in view on a phone.
CENTER_LAT, CENTER_LON, ZOOM = 15.362, 108.245, 13


@pytest.fixture
def cut_off(place, eager):
    """The spillway closed by a real reading: Thôn Đông, east of it, is cut off from the town."""
    at = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=10)
    assert readings.record(place["gauge"], [levels.Level(at, 0.8)], source="csv").status == "closed"
    return VillageAccess.objects.get(name="Thôn Đông", status="cut_off")


def colour_at(page, lon, lat):
    """The (r, g, b) drawn at a coordinate of the map."""
    x, y, _x1, _y1 = journey.around(page, lat, lon, radius=0)
    return tuple(int(c) for c in journey.pixels(page)[int(y), int(x)])


def is_red(rgb):
    r, g, b = rgb
    return r > 150 and r > g + 80 and r > b + 80


def is_blue(rgb):
    r, g, b = rgb
    return b > 150 and b > r + 60


def first_answer(page, lon, lat):
    """Tap a spot; the popup that opens first, once it has answered."""
    journey.tap_map(page, lat, lon)
    popup = page.locator(".leaflet-popup .gp-here > .gp-popup")
    popup.wait_for()
    return popup


def also_here(page) -> dict[str, str]:
    """The other features under the tap, listed under "Cũng ở đây": layer slug -> the line a person reads."""
    assert page.locator(".leaflet-popup .gp-also-title").inner_text() == "Cũng ở đây"
    items = page.locator(".leaflet-popup .gp-also-item")
    return {items.nth(i).get_attribute("data-layer"): items.nth(i).inner_text() for i in range(items.count())}


def close_popup(page):
    journey.press(page, ".leaflet-popup-close-button")
    page.locator(".leaflet-popup").wait_for(state="detached")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_tap_on_a_cut_off_village_answers_with_the_road_access_drawn_over_the_village(
    live_server, person, cut_off, size
):
    page = person(size)
    page.goto(f"{live_server.url}/map/?center={CENTER_LAT},{CENTER_LON}&zoom={ZOOM}")
    page.wait_for_selector("body[data-ready='1']", timeout=20000)
    assert page.locator("#gp-toggle-villages").is_checked()  # on by default
    switch_layer(page, "village-access")
    page.wait_for_function("() => document.body.getAttribute('data-loaded-village-access') === '1'")
    settle(page)
    # What the person sees at the village: the red dot of "cut off", drawn over the village's blue one.
    assert is_red(colour_at(page, *EAST)), colour_at(page, *EAST)

    # A tap there answers with the road access, its status in words; the village is one tap away in the list.
    popup = first_answer(page, *EAST)
    assert popup.get_attribute("data-layer") == "village-access"
    assert popup.locator(".gp-popup-layer").inner_text().casefold() == "đường bộ đến các thôn"
    assert popup.locator(".gp-popup-title").inner_text() == "Thôn Đông"
    status = popup.locator("td[data-field=status]")
    assert status.inner_text() == "Bị chia cắt" and status.is_visible()
    listed = also_here(page)
    assert listed.get("villages") == "Thôn, tổ dân phố: Thôn Đông", listed
    assert_words_only(popup_text(page))
    journey.check(page, "tap-topmost-access")

    # From the list, the village itself.
    journey.press(page, ".leaflet-popup .gp-also-item[data-layer=villages]")
    page.locator(".leaflet-popup .gp-here > .gp-popup[data-layer=villages]").wait_for()
    assert page.locator(".leaflet-popup .gp-popup-title").inner_text() == "Thôn Đông"
    assert also_here(page).get("village-access") == "Đường bộ đến các thôn: Thôn Đông"
    close_popup(page)

    # The villages switched off and on again are drawn on top now: their dot is seen, and a tap answers with it.
    switch_layer(page, "villages")
    switch_layer(page, "villages")
    page.wait_for_function("() => window.geoplatform.state.villages.layer !== null")
    settle(page)
    assert is_blue(colour_at(page, *EAST)), colour_at(page, *EAST)
    popup = first_answer(page, *EAST)
    assert popup.get_attribute("data-layer") == "villages"
    assert also_here(page).get("village-access") == "Đường bộ đến các thôn: Thôn Đông"
