"""An operator switches the road-access layer on, sees who is cut off in red and reads it in words, on a phone and a
desktop, offline, in Chromium (real taps and clicks)."""
# The eager fixture is test_village_access.py's, imported here: tests name it as a parameter, which ruff reads as a
# redefinition.
# ruff: noqa: F811

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from layers.crossings import levels, readings
from layers.crossings.models import VillageAccess
from layers.places.models import Commune, Village
from tests import journey
from tests.web.test_map_journey import assert_words_only, popup_text, settle, switch_layer

from .conftest import EAST, NORTH, TOWN
from .test_village_access import eager  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Far from every road (more than 1.5 km): a village without a road, drawn grey.
FAR = (108.26, 15.38)
# The map between the town, the spillway and the villages, all of them in view on a phone.
CENTER_LAT, CENTER_LON, ZOOM = 15.362, 108.245, 13
DESKTOP = {"width": 1366, "height": 900}
# Codes and field names a person must never read in the popup, the legend or the layer list.
CODES = {"cut_off", "reachable", "no_road", "commune_name", "since", "checked_at", "crossings", "village_access"}
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def cut_off(place, eager):
    """The spillway closed by a real reading (the layer is kept by the task queued on commit); a roadless village."""
    town = place["villages"][0].commune
    hills = Commune.objects.create(district=town.district, name="Xã Núi", code="nui", kind="commune", geom=town.geom)
    Village.objects.create(commune=hills, name="Thôn Xa", population=120, geom=Point(*FAR))
    at = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=10)
    outcome = readings.record(place["gauge"], [levels.Level(at, 0.8)], source="csv")
    assert outcome.status == "closed"
    rows = dict(VillageAccess.objects.values_list("name", "status"))
    assert rows == {"Tổ 1": "reachable", "Thôn Đông": "cut_off", "Thôn Bắc": "reachable", "Thôn Xa": "no_road"}
    return VillageAccess.objects.get(name="Thôn Đông")


def shown_at(when: dt.datetime, lang: str) -> str:
    """A time as the map writes it, in Asia/Ho_Chi_Minh (22:15 05/12/2026; 05/12/2026, 22:15 in English)."""
    local = when.astimezone(HCM)
    return local.strftime("%H:%M %d/%m/%Y") if lang == "vi" else local.strftime("%d/%m/%Y, %H:%M")


def colour_at(page, pixels, lon, lat):
    """The (r, g, b) drawn at a coordinate, from pixels of the map element."""
    x0, y0, x1, y1 = journey.around(page, lat, lon, radius=0)
    return tuple(int(c) for c in pixels[int(y0), int(x0)])


def open_legend(page):
    """Unfold the legend (folded at first on a phone)."""
    toggle = page.locator(".gp-legend-toggle")
    if toggle.get_attribute("aria-expanded") == "false":
        journey.press(page, ".gp-legend-toggle")
    legend = page.locator("[data-testid=legend]")
    legend.wait_for()
    return legend


def tap_village(page, lon, lat):
    """Tap (or click) a village and wait for the road-access layer to answer."""
    journey.tap_map(page, lat, lon)
    popup = page.locator(".leaflet-popup .gp-popup[data-layer=village-access]")
    popup.wait_for()
    return popup


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_an_operator_switches_the_layer_on_and_reads_who_is_cut_off_in_words(live_server, person, cut_off, size):
    page = person(size)
    if size == "desktop":
        page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/map/?layers=communes&center={CENTER_LAT},{CENTER_LON}&zoom={ZOOM}")
    page.wait_for_selector("body[data-ready='1']", timeout=20000)
    settle(page)
    before = journey.pixels(page)

    # The layer list names the theme and the layer in words, with the layer's swatch in the red of "cut off".
    theme = page.locator("fieldset.gp-theme:has(#gp-toggle-village-access) > legend")
    assert theme.inner_text() == "Giao thông"
    swatch = page.locator("label[for=gp-toggle-village-access] .gp-swatch")
    assert swatch.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(183, 28, 28)"
    switch_layer(page, "village-access")
    page.wait_for_function("() => document.body.getAttribute('data-loaded-village-access') === '1'")
    assert page.locator("#gp-toggle-village-access").is_checked()
    settle(page)
    after = journey.pixels(page)

    # Every village is now drawn where it is: the cut-off one red, the reachable ones green, the roadless one grey.
    for lon, lat in (TOWN, EAST, NORTH, FAR):
        box = journey.around(page, lat, lon, radius=6)
        assert journey.changed(before, after, box) > 0.3, f"nothing drawn at the village at {lon}, {lat}"
    r, g, b = colour_at(page, after, *EAST)
    assert r > 150 and r > g + 80 and r > b + 80, f"the cut-off village is not red: {(r, g, b)}"
    for lon, lat in (TOWN, NORTH):
        r, g, b = colour_at(page, after, lon, lat)
        assert g > r + 40 and g > b + 40, f"a reachable village is not green: {(r, g, b)}"
    r, g, b = colour_at(page, after, *FAR)
    assert abs(r - g) < 12 and abs(g - b) < 12 and 120 < r < 190, f"the roadless village is not grey: {(r, g, b)}"
    # Nothing changed far from the villages (the map did not move or redraw elsewhere).
    quiet = journey.around(page, CENTER_LAT - 0.03, CENTER_LON - 0.03, radius=20)
    assert journey.changed(before, after, quiet) < 0.02

    # The legend names each status in words.
    legend = open_legend(page)
    rows = legend.locator(".gp-legend-age[data-layer=village-access]").all_inner_texts()
    assert rows == ["Bị chia cắt", "Đi được từ thị trấn", "Không có đường bộ"]
    assert not set(re.findall(r"[a-z_]+", legend.inner_text())) & CODES
    journey.check(page, "village-access-on")
    if size == "phone":
        journey.press(page, ".gp-legend-toggle")  # folded again: it would cover the villages

    # A tap on the cut-off village: its status and since when, in words and local time, never a code.
    popup = tap_village(page, *EAST)
    assert popup.locator(".gp-popup-layer").inner_text().casefold() == "đường bộ đến các thôn"
    assert popup.locator(".gp-popup-title").inner_text() == "Thôn Đông"
    assert popup.locator("td[data-field=status]").inner_text() == "Bị chia cắt"
    assert popup.locator("td[data-field=commune_name]").inner_text() == "Trà My"
    assert popup.locator("td[data-field=population]").inner_text() == "400"
    since = shown_at(cut_off.since, "vi")
    assert popup.locator("td[data-field=since]").inner_text() == since
    text = popup_text(page)
    assert "Bị chia cắt" in text and f"Từ lúc\t{since}" in text, text
    assert re.search(r"\b\d{2}:\d{2} \d{2}/\d{2}/\d{4}\b", text), text
    assert not set(re.findall(r"[a-z_]+", text)) & CODES, text
    assert_words_only(text)
    journey.check(page, "village-access-popup")


def test_the_layer_reads_in_english_and_in_the_district_time_on_a_laptop_set_to_utc(
    live_server, browser, offline, cut_off
):
    # A partner's laptop abroad: the browser's clock is UTC, the map still speaks the district's time.
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1, locale="vi-VN", timezone_id="UTC")
    page = context.new_page()
    page.size = "desktop"
    journey.watch(page)
    try:
        page.goto(f"{live_server.url}/map/?layers=village-access&center={CENTER_LAT},{CENTER_LON}&zoom={ZOOM}")
        page.wait_for_selector("body[data-ready='1']", timeout=20000)
        journey.press(page, ".gp-lang button[value=en]")
        page.wait_for_selector("html[lang=en] body[data-ready='1']", timeout=20000)
        page.wait_for_function("() => document.body.getAttribute('data-loaded-village-access') === '1'")
        theme = page.locator("fieldset.gp-theme:has(#gp-toggle-village-access) > legend")
        assert theme.inner_text() == "Roads and crossings"
        rows = open_legend(page).locator(".gp-legend-age[data-layer=village-access]").all_inner_texts()
        assert rows == ["Cut off", "Reachable from the town", "No road"]
        popup = tap_village(page, *EAST)
        assert popup.locator("td[data-field=status]").inner_text() == "Cut off"
        assert popup.locator("th", has_text="Since").count() == 1
        assert popup.locator("td[data-field=since]").inner_text() == shown_at(cut_off.since, "en")
        assert not set(re.findall(r"[a-z_]+", popup_text(page))) & CODES
        journey.check(page, "village-access-popup-en")
    finally:
        context.close()
