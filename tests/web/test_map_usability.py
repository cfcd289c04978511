"""The defects a usability tester found on the map, the embed and the embed builder, each as a person sees it.

Real taps on a phone (390x844), clicks on a desktop, offline, in Chromium; each test asserts what is seen.
"""
# The module's server and district are the fixtures of test_browser.py, imported here: tests name them as
# parameters, which ruff reads as redefinitions.
# ruff: noqa: F811

import pytest
from django.contrib.gis.geos import LineString, MultiLineString, Point

from tests import journey

from .district import box
from .test_browser import TEST_BBOX, _user, db_access, server, test_database, world  # noqa: F401 (fixtures)
from .test_map_journey import PARCEL, PARCEL_HALF, open_map, parcel, settle, switch_layer  # noqa: F401

pytestmark = [pytest.mark.browser]

# Degrees of longitude per screen pixel at zoom 14 (256-pixel tiles); latitude nearly the same this close to 15°N.
PX14 = 360 / (256 * 2**14)


def open_drawer(page):
    """Open the side panel: a drawer on a phone, always there on a desktop."""
    if page.size == "phone":
        journey.press(page, "#gp-sidebar-toggle")
        page.wait_for_function("() => document.getElementById('gp-sidebar').getBoundingClientRect().left >= 0")


def count_text(page, slug) -> str:
    """The count written beside a layer in the side panel."""
    return page.locator(f"#gp-layers .gp-layer-row:has(#gp-toggle-{slug}) .gp-count").inner_text()


def wait_count(page, slug, text):
    page.wait_for_function(
        "([slug, text]) => document.querySelector("
        "`#gp-layers .gp-layer-row:has(#gp-toggle-${slug}) .gp-count`).textContent === text",
        arg=[slug, text],
    )


def as_ranger(page, server, url):
    _user("ranger")
    journey.login(page, server.url, "ranger-browser", "pw-for-tests-only", "/map/")
    page.goto(f"{server.url}{url}")
    page.wait_for_selector("body[data-ready='1']", timeout=20000)


# 1. Filters of layers drawn from vector tiles: words for coded fields, a typed box for free ones; they filter.
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_tile_layer_filters_offer_words_and_typed_numbers_and_filter_the_tiles(
    world, db_access, server, parcel, person, size
):
    page = person(size)
    as_ranger(page, server, f"/map/?layers=fire-hotspots&bbox={TEST_BBOX}")
    wait_count(page, "fire-hotspots", "5 trong khung nhìn")
    open_drawer(page)
    journey.press(page, "details:has([data-filter='fire-hotspots.confidence']) summary")
    confidence = page.locator("select[data-filter='fire-hotspots.confidence']")
    assert confidence.locator("option").all_inner_texts() == ["Tất cả", "Cao", "Thấp", "Trung bình"]
    daynight = page.locator("select[data-filter='fire-hotspots.daynight']")
    assert daynight.locator("option").all_inner_texts() == ["Tất cả", "Đêm", "Ngày"]
    satellites = page.locator("select[data-filter='fire-hotspots.satellite'] option").all_inner_texts()
    assert "Suomi NPP" in satellites and len(satellites) == len(set(satellites))  # each satellite once
    # The instrument has no list of words: it is typed.
    assert page.locator("input[data-filter='fire-hotspots.instrument']").is_visible()
    journey.check(page, "usability-hotspot-filters")
    confidence.select_option(label="Cao")
    wait_count(page, "fire-hotspots", "0 trong khung nhìn")
    assert "confidence=high" in page.evaluate(
        "() => window.geoplatform.state['fire-hotspots'].layer._url"
    )  # the tiles ask for high confidence only
    confidence.select_option(label="Trung bình")
    wait_count(page, "fire-hotspots", "5 trong khung nhìn")

    # Urban parcels: the sheet and parcel numbers are typed (Enter applies), the land use is chosen by its words.
    lon, lat = PARCEL
    page.goto(f"{server.url}/map/?layers=parcels&center={lat},{lon}&zoom=16")
    page.wait_for_selector("body[data-ready='1']", timeout=20000)
    wait_count(page, "parcels", "1 trong khung nhìn")
    settle(page)
    drawn = journey.pixels(page)
    open_drawer(page)
    journey.press(page, "details:has([data-filter='parcels.map_sheet']) summary")
    uses = page.locator("select[data-filter='parcels.land_use_code'] option").all_inner_texts()
    assert uses[0] == "Tất cả" and "ODT – Đất ở tại đô thị" in uses and len(uses) > 5
    sheet = page.locator("input[data-filter='parcels.map_sheet']")
    assert page.locator("select[data-filter='parcels.map_sheet']").count() == 0
    sheet.type("99")
    sheet.press("Enter")
    wait_count(page, "parcels", "0 trong khung nhìn")
    journey.check(page, "usability-parcel-filter")
    sheet.fill("")
    sheet.type("88")
    sheet.press("Enter")
    wait_count(page, "parcels", "1 trong khung nhìn")
    if size == "phone":
        journey.press(page, "#gp-sidebar-toggle")
        page.wait_for_function("() => document.getElementById('gp-sidebar').getBoundingClientRect().right <= 1")
    settle(page)
    again = journey.pixels(page)
    inside = journey.around(page, lat, lon, radius=20)
    assert journey.changed(drawn, again, inside) < 0.05, "the parcel of sheet 88 is drawn again"


# 2. One tap lists only what is under the finger: areas containing it, lines and points within a few pixels.
@pytest.fixture
def crowded_spot(world, db_access):
    """Near (15.300, 108.215), in screen pixels at zoom 14: 11 forest areas over it and one 10 px beside it, a river
    2 px and one 12 px away, a fire hotspot 3 px and one 15 px away (a finger's width, and more than it covers)."""
    from django.utils import timezone

    from layers.fire.models import Hotspot
    from layers.places.models import ForestArea, River

    lat, lon = 15.300, 108.215
    d = PX14
    for i in range(11):
        ForestArea.objects.create(
            name=f"Rừng thử {i}",
            kind="plantation",
            geom=box(lon - (5 + i) * d, lat - 20 * d, lon + (5 + i) * d, lat + 20 * d),
        )
    ForestArea.objects.create(
        name="Rừng bên cạnh", kind="natural", geom=box(lon - 40 * d, lat - 5 * d, lon - 16 * d, lat + 5 * d)
    )
    for name, dy in (("Suối qua đây", 2), ("Suối xa", -12)):
        line = LineString((lon - 0.01, lat + dy * d), (lon + 0.01, lat + dy * d))
        River.objects.create(name=name, geom=MultiLineString(line, srid=4326))
    for dx, frp in ((3, 901.0), (15, 902.0)):
        Hotspot.objects.create(
            source="VIIRS_SNPP_NRT",
            satellite="N",
            instrument="VIIRS",
            confidence="nominal",
            acquired_at=timezone.now(),
            frp=frp,
            geom=Point(lon + dx * d, lat, srid=4326),
        )
    yield lat, lon
    ForestArea.objects.filter(name__startswith="Rừng").delete()
    River.objects.filter(name__startswith="Suối").delete()
    Hotspot.objects.filter(frp__gt=900).delete()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_one_tap_lists_only_what_is_under_the_finger(crowded_spot, server, person, size):
    lat, lon = crowded_spot
    page = person(size)
    as_ranger(page, server, f"/map/?layers=communes,rivers,forest,fire-hotspots&center={lat},{lon}&zoom=14")
    settle(page)
    journey.tap_map(page, lat, lon)
    page.locator(".leaflet-popup .gp-popup").wait_for()
    # The hotspot 3 px away answers (points above lines above areas); the one 15 px away is not listed.
    assert page.locator(".leaflet-popup .gp-popup").get_attribute("data-layer") == "fire-hotspots"
    assert page.locator(".leaflet-popup td[data-field=frp]").inner_text() == "901\u00a0MW"
    assert "902" not in page.locator(".leaflet-popup-content").inner_text()
    # Then the river 2 px away; the one 12 px away is not listed.
    items = page.locator(".leaflet-popup .gp-also-item")
    assert items.first.inner_text() == "Sông suối: Suối qua đây"
    text = page.locator(".leaflet-popup-content").inner_text()
    assert "Suối xa" not in text
    # 13 more things are here (the river, 11 forests containing the point, the commune); the 11 forests of one
    # name read as one line with their count.
    assert items.count() == 3
    assert page.locator(".leaflet-popup .gp-also-item[data-layer=forest]").inner_text().endswith("Rừng trồng (11)")
    assert page.locator("[data-testid=also-more]").count() == 0
    layers = items.evaluate_all("els => els.map(e => e.dataset.layer)")
    assert set(layers) == {"rivers", "forest", "communes"}
    assert "Rừng tự nhiên" not in text  # the forest beside the point is not under it
    journey.check(page, "usability-also-here")


# 3. No code-like field among the filters.
def test_commune_filters_offer_names_and_kinds_not_codes(world, server, person):
    page = person("phone")
    open_map(page, f"{server.url}/map/?bbox={TEST_BBOX}")
    open_drawer(page)
    journey.press(page, "details:has([data-filter='communes.name']) summary")
    details = page.locator("details:has([data-filter='communes.name'])")
    assert details.locator(".gp-filter > span").all_inner_texts() == ["Tên", "Loại"]
    assert page.locator("[data-filter='communes.code']").count() == 0
    assert "tay-son" not in details.inner_text()
    journey.check(page, "usability-commune-filters")


# 4. Tap targets on a phone: 44 px tall.
def test_phone_tap_targets_are_44_px_tall(world, server, person):
    page = person("phone")
    village = world["villages"]["c"]
    open_map(page, f"{server.url}/map/?layers=villages&center={village.geom.y},{village.geom.x}&zoom=14")
    journey.tap_map(page, village.geom.y, village.geom.x)
    link = page.locator(".leaflet-popup [data-testid=report-here]")
    link.wait_for()
    assert link.inner_text() == "Phản ánh sự việc tại đây →"
    assert link.bounding_box()["height"] >= 44
    journey.check(page, "usability-popup-link")
    open_drawer(page)
    assert page.locator("#gp-time").bounding_box()["height"] >= 44
    for row in page.locator("#gp-layers .gp-layer-row label").all():
        assert row.bounding_box()["height"] >= 44, row.inner_text()
    for box_ in page.locator("#gp-layers .gp-layer-row input").all():
        assert box_.bounding_box()["height"] >= 24
    # The whole row's label switches the layer: a tap on the words.
    journey.press(page, "label[for=gp-toggle-rivers]")
    assert page.locator("#gp-toggle-rivers").is_checked()
    journey.check(page, "usability-drawer-targets")


# 5. "Chọn khoảng…" with no dates says what is missing next to the inputs.
def test_a_time_range_without_dates_says_what_is_missing(world, server, person):
    page = person("phone")
    open_map(page, f"{server.url}/map/?layers=complaints&bbox={TEST_BBOX}")
    open_drawer(page)
    page.locator("#gp-time").select_option(label="Chọn khoảng…")
    journey.press(page, "#gp-time-apply")
    error = page.locator("#gp-time-error")
    assert error.is_visible()
    assert error.inner_text() == "Chọn thời điểm bắt đầu, thời điểm kết thúc hoặc cả hai."
    assert page.locator("#gp-time-from").get_attribute("aria-invalid") == "true"
    # Right under the inputs, above the button.
    to_box = page.locator("#gp-time-to").bounding_box()
    err_box = error.bounding_box()
    button = page.locator("#gp-time-apply").bounding_box()
    assert to_box["y"] + to_box["height"] <= err_box["y"] + 1 and err_box["y"] + err_box["height"] <= button["y"] + 1
    journey.check(page, "usability-time-missing")
    page.locator("#gp-time-from").fill("2026-05-02T10:00")
    page.locator("#gp-time-to").fill("2026-05-01T10:00")
    journey.press(page, "#gp-time-apply")
    assert error.inner_text() == "Thời điểm kết thúc phải sau thời điểm bắt đầu."
    page.locator("#gp-time-from").fill("2020-01-01T00:00")
    journey.press(page, "#gp-time-apply")
    error.wait_for(state="hidden")
    assert page.locator("#gp-time-from").get_attribute("aria-invalid") is None


# 6. The search box's placeholder fits on a phone, in both languages.
@pytest.mark.parametrize("locale", ["vi-VN", "en-GB"])
def test_search_placeholder_fits_on_a_phone(world, server, person, locale):
    page = person("phone", locale=locale)
    if locale.startswith("en"):
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": server.url}])
    open_map(page, f"{server.url}/map/?bbox={TEST_BBOX}")
    room, needed = page.evaluate(
        """() => {
      const input = document.getElementById('gp-search');
      const css = getComputedStyle(input);
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = `${css.fontSize} ${css.fontFamily}`;
      const room = input.clientWidth - parseFloat(css.paddingLeft) - parseFloat(css.paddingRight);
      return [room, ctx.measureText(input.placeholder).width];
    }"""
    )
    assert needed <= room, (needed, room)
    journey.check(page, f"usability-search-{locale[:2]}")


# 7. The legend: a labelled, focusable scroll region with room; folded behind a button on a phone.
def test_legend_has_room_is_focusable_and_folds_on_a_phone(world, db_access, server, person):
    from layers.registry import registry

    every = ",".join(layer.slug for layer in registry.all() if layer.public)
    desk = person("desktop")
    open_map(desk, f"{server.url}/map/?layers={every}&bbox={TEST_BBOX}")
    region = desk.locator("[data-testid=legend]")
    assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0"
    assert region.get_attribute("aria-label") == "Chú giải"
    rows = desk.locator(".gp-legend-row")
    assert rows.count() == every.count(",") + 1
    legend_box = desk.locator(".gp-legend").bounding_box()
    map_box = desk.locator("#map").bounding_box()
    assert (
        legend_box["y"] >= map_box["y"] and legend_box["y"] + legend_box["height"] <= map_box["y"] + map_box["height"]
    )
    # Scrolled by keyboard when it holds more than it shows.
    region.focus()
    desk.keyboard.press("End")
    last = rows.last.bounding_box()
    assert last["y"] + last["height"] <= legend_box["y"] + legend_box["height"] + 1
    journey.check(desk, "usability-legend")

    phone = person("phone")
    open_map(phone, f"{server.url}/map/?layers={every}&bbox={TEST_BBOX}")
    toggle = phone.locator(".gp-legend-toggle")
    assert toggle.inner_text().startswith("Chú giải") and toggle.bounding_box()["height"] >= 44
    assert not phone.locator(".gp-legend-row").first.is_visible()
    journey.check(phone, "usability-legend-folded")
    journey.press(phone, ".gp-legend-toggle")
    assert phone.locator(".gp-legend-row").first.is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    journey.check(phone, "usability-legend-open")


# 8. Commune names never run into each other.
@pytest.fixture
def close_communes(world, db_access):
    """Two narrow communes side by side: their names overlap at the district's zoom, not at zoom 14."""
    from layers.places.models import Commune, District

    district = District.objects.first()
    made = [
        Commune.objects.create(
            district=district, name="Xã Trà Đốc Thử", code="tra-doc-thu", geom=box(108.285, 15.37, 108.29, 15.39)
        ),
        Commune.objects.create(
            district=district, name="Xã Trà Sơn Thử", code="tra-son-thu", geom=box(108.29, 15.37, 108.295, 15.39)
        ),
    ]
    yield made
    Commune.objects.filter(code__endswith="-thu").delete()


def visible_labels(page) -> list[dict]:
    return page.evaluate(
        """() => [...document.querySelectorAll('.gp-area-label')]
          .filter(n => getComputedStyle(n).visibility !== 'hidden')
          .map(n => {
            const r = n.getBoundingClientRect();
            return {text: n.textContent, l: r.left, r: r.right, t: r.top, b: r.bottom};
          })"""
    )


def overlapping(labels) -> list:
    return [
        (a["text"], b["text"])
        for i, a in enumerate(labels)
        for b in labels[i + 1 :]
        if a["l"] < b["r"] and b["l"] < a["r"] and a["t"] < b["b"] and b["t"] < a["b"]
    ]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_commune_names_do_not_overlap(close_communes, server, person, size):
    page = person(size)
    open_map(page, f"{server.url}/map/?layers=communes&bbox={TEST_BBOX}")
    page.wait_for_timeout(200)
    shown = visible_labels(page)
    assert not overlapping(shown), shown
    texts = {label["text"] for label in shown}
    assert len(texts & {"Trà Đốc Thử", "Trà Sơn Thử"}) == 1  # one of the two, not both run together
    journey.check(page, "usability-labels-district")
    page.evaluate("() => window.geoplatform.map.setView([15.38, 108.29], 15)")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.gp-area-label')]"
        ".filter(n => getComputedStyle(n).visibility !== 'hidden' && /Thử/.test(n.textContent)).length === 2"
    )
    assert not overlapping(visible_labels(page))
    journey.check(page, "usability-labels-zoomed")


# 9. A parcel is called by what it is.
def test_a_parcel_popup_is_titled_with_its_number_and_sheet(world, server, parcel, person):
    page = person("phone")
    lon, lat = PARCEL
    open_map(page, f"{server.url}/map/?layers=parcels&center={lat},{lon}&zoom=16")
    settle(page)
    journey.tap_map(page, lat + PARCEL_HALF / 2, lon)
    page.locator(".leaflet-popup .gp-popup[data-layer=parcels]").wait_for()
    assert page.locator(".leaflet-popup .gp-popup-title").inner_text() == "Thửa 205, tờ 88"
    journey.check(page, "usability-parcel-title")


# 10. The embed builder's preview fits a phone.
def test_embed_builder_preview_fits_the_phone(world, server, person):
    page = person("phone")
    page.goto(f"{server.url}/embed/builder/")
    frame_el = page.locator("#gp-builder-preview iframe")
    frame_el.wait_for()
    assert frame_el.get_attribute("width") == "800"  # the portal's size is kept in the code
    page.frame_locator("#gp-builder-preview iframe").locator("body[data-ready='1']").wait_for(timeout=20000)
    shown = frame_el.bounding_box()
    assert shown["x"] >= 0 and shown["x"] + shown["width"] <= 390, shown
    assert shown["width"] > 300  # scaled to the room there is, not cut
    assert abs(shown["height"] / shown["width"] - 500 / 800) < 0.02  # the same view, smaller
    frame_el.scroll_into_view_if_needed()
    journey.check(page, "usability-builder-preview")
    page.locator("#gp-builder-width").fill("600")
    page.wait_for_function("() => document.querySelector('#gp-builder-preview iframe').getAttribute('width') === '600'")
    shown = page.locator("#gp-builder-preview iframe").bounding_box()
    assert shown["x"] + shown["width"] <= 390
