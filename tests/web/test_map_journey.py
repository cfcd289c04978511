"""The operations map as people use it, offline, on a phone (real taps) and a desktop, in Chromium.

Each step asserts what is seen (words, names, rounded numbers, pixels, widths), passes axe-core and leaves a
screenshot in test-artifacts/.
"""
# The module's server and district are the fixtures of test_browser.py, imported here: tests name them as
# parameters, which ruff reads as redefinitions.
# ruff: noqa: F811

import json
import re
import socket
import threading
import time

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from tests import journey

from .test_browser import TEST_BBOX, TILES_LOADED, db_access, server, test_database, world  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser]

# A parcel of the town, inside the eastern commune, with an unrounded area as the cadastre sends it.
PARCEL = (108.215, 15.345)
PARCEL_HALF = 0.0015
AREA = 1832.81505098
# Words a popup must never show: field names and codes of the catalogue.
RAW_WORDS = {
    "map_sheet",
    "parcel_number",
    "land_use_code",
    "area_m2",
    "computed_at",
    "reason",
    "terrain_shadow",
    "beyond_range",
    "landslide",
    "commune",
    "nearest_village",
    "village_distance_m",
    "alert_state",
    "high",
    "nominal",
    "active",
    "new",
    "none",
    "model",
    "severity",
    "mobifone",
}


@pytest.fixture
def parcel(db_access):
    """One town parcel in the eastern commune (removed afterwards)."""
    from layers.parcels.models import Parcel

    Parcel.objects.filter(map_sheet="88").delete()
    lon, lat = PARCEL
    row = Parcel.objects.create(
        map_sheet="88",
        parcel_number="205",
        land_use_code="ODT",
        area_m2=AREA,
        address="Tổ 2, thị trấn",
        geom=MultiPolygon(
            Polygon.from_bbox((lon - PARCEL_HALF, lat - PARCEL_HALF, lon + PARCEL_HALF, lat + PARCEL_HALF)), srid=4326
        ),
    )
    yield row
    Parcel.objects.filter(map_sheet="88").delete()


def open_map(page, url):
    """Open a map page and wait until its layers are drawn over the offline base map."""
    page.goto(url)
    page.wait_for_selector("body[data-ready]", timeout=20000)
    assert page.get_attribute("body", "data-ready") == "1"
    page.wait_for_function(TILES_LOADED, timeout=20000)


def settle(page, ms=400):
    """Let vector tiles arrive and be drawn on their canvases."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(ms)


def switch_layer(page, slug):
    """Switch a layer on or off in the side panel, as a person does (the drawer on a phone)."""
    phone = page.size == "phone"
    if phone:
        journey.press(page, "#gp-sidebar-toggle")
        page.wait_for_function("() => document.getElementById('gp-sidebar').getBoundingClientRect().left >= 0")
    journey.press(page, f"label[for=gp-toggle-{slug}]")
    if phone:
        journey.press(page, "#gp-sidebar-toggle")
        page.wait_for_function("() => document.getElementById('gp-sidebar').getBoundingClientRect().right <= 1")


def popup_text(page) -> str:
    """The visible text of the open popup."""
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    return popup.inner_text()


def assert_words_only(text: str):
    """No field name, code, id-like label or unrounded number in what a person reads."""
    tokens = set(re.findall(r"[a-z_]+", text))
    assert not tokens & RAW_WORDS, (tokens & RAW_WORDS, text)
    assert not re.search(r"\d[.,]\d{4,}", text), text


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_vector_tile_layers_draw_above_the_offline_base_map(world, server, parcel, person, size):
    page = person(size)
    # Fire hotspots (vector tiles) over the whole district.
    open_map(page, f"{server.url}/map/?layers=communes&bbox={TEST_BBOX}")
    assert page.locator(".gp-basemap-online").count() == 0
    before = journey.pixels(page)
    switch_layer(page, "fire-hotspots")
    page.wait_for_function("() => document.body.getAttribute('data-loaded-fire-hotspots') === '1'")
    settle(page)
    after = journey.pixels(page)
    for i in range(5):
        box = journey.around(page, 15.30, 108.15 + i * 0.01, radius=6)
        assert journey.changed(before, after, box) > 0.2, f"hotspot {i} is not seen over the offline base map"
    # Tiled layers say how many features are in view.
    assert page.locator("#gp-layers .gp-layer-row:has(#gp-toggle-fire-hotspots) .gp-count").inner_text() == (
        "5 trong khung nhìn"
    )
    journey.check(page, "map-hotspots-offline")

    # Parcels (vector tiles, from zoom 13) in the town.
    lon, lat = PARCEL
    open_map(page, f"{server.url}/map/?layers=communes&center={lat},{lon}&zoom=16")
    before = journey.pixels(page)
    switch_layer(page, "parcels")
    page.wait_for_function("() => document.body.getAttribute('data-loaded-parcels') === '1'")
    settle(page)
    after = journey.pixels(page)
    inside = journey.around(page, lat, lon, radius=20)
    assert journey.changed(before, after, inside) > 0.5, "the parcel is not seen over the offline base map"
    journey.check(page, "map-parcels-offline")


def test_below_its_minimum_zoom_a_layer_says_zoom_in(world, server, parcel, person):
    page = person("phone")
    open_map(page, f"{server.url}/map/?layers=parcels&bbox={TEST_BBOX}")
    assert page.evaluate("() => window.geoplatform.map.getZoom()") < 13
    hint = page.locator("[data-testid=zoom-hint]")
    assert hint.is_visible()
    assert hint.inner_text().startswith("Phóng to để xem: Thửa đất đô thị")
    status = page.locator("#gp-layers .gp-layer-row:has(#gp-toggle-parcels) .gp-count")
    assert status.inner_text() == "Phóng to để xem"
    journey.check(page, "map-zoom-hint")
    journey.press(page, "[data-testid=zoom-hint] button")
    page.wait_for_function("() => window.geoplatform.map.getZoom() === 13")
    hint.wait_for(state="hidden")
    page.wait_for_function(
        "() => /^1 trong khung nhìn$/.test(document.querySelector("
        "'#gp-layers .gp-layer-row:has(#gp-toggle-parcels) .gp-count').textContent)"
    )
    journey.check(page, "map-zoomed-to-parcels")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_tap_on_a_parcel_answers_with_the_parcel_and_lists_the_commune(world, server, parcel, person, size):
    page = person(size)
    lon, lat = PARCEL
    open_map(page, f"{server.url}/map/?layers=communes,parcels&center={lat},{lon}&zoom=16")
    settle(page)
    journey.tap_map(page, lat + PARCEL_HALF / 2, lon - PARCEL_HALF / 2)
    page.locator(".leaflet-popup .gp-popup[data-layer=parcels]").wait_for()
    text = popup_text(page)
    # Called by what it is, not a bare number.
    assert page.locator(".leaflet-popup .gp-popup-title").inner_text() == "Thửa 205, tờ 88"
    # Words, not field names; the area rounded, with its unit, in the Vietnamese number format.
    assert "Số tờ bản đồ" in text and "Diện tích" in text
    assert page.locator(".leaflet-popup td[data-field=area_m2]").inner_text() == "1.832,8\u00a0m²"
    assert page.locator(".leaflet-popup td[data-field=land_use_code]").inner_text() == "ODT – Đất ở tại đô thị"
    assert_words_only(text)
    # The commune under it is listed, not answering instead of the parcel.
    also = page.locator(".leaflet-popup .gp-also-item")
    assert also.count() == 1 and also.inner_text() == "Xã, thị trấn: Xã Đông Giang"
    journey.check(page, "map-parcel-popup")
    journey.press(page, ".leaflet-popup .gp-also-item")
    page.wait_for_function(
        "() => document.querySelector('.leaflet-popup .gp-popup-title')?.textContent === 'Xã Đông Giang'"
    )
    assert page.locator(".leaflet-popup td[data-field=kind]").inner_text() == "Xã"
    assert_words_only(popup_text(page))


def test_popups_show_names_words_and_rounded_numbers(world, db_access, server, person):
    from layers.feedback.models import Complaint
    from layers.fire.models import FireEvent
    from layers.telecom.models import CoverageGap

    event = FireEvent.objects.get(alert_state="new")
    FireEvent.objects.filter(pk=event.pk).update(village_distance_m=AREA, max_confidence="high", in_forest=True)
    CoverageGap.objects.filter(operator="mobifone", severity="none").update(reason="terrain_shadow, beyond_range")
    complaint = Complaint.objects.create(
        tracking_code="BTM-0777",
        category="landslide",
        description="Sạt lở taluy",
        status="received",
        commune=world["communes"][1],
        geom=Point(108.285, 15.385, srid=4326),
    )
    try:
        page = person("phone")
        # A fire event: commune and nearest village by name, distance rounded with its unit, states as words.
        centroid = event.geom.centroid
        open_map(page, f"{server.url}/map/?layers=fire-events&center={centroid.y},{centroid.x}&zoom=15")
        journey.tap_map(page, centroid.y, centroid.x)
        page.locator(".leaflet-popup .gp-popup[data-layer=fire-events]").wait_for()
        text = popup_text(page)

        def cell(field):
            return page.locator(f".leaflet-popup td[data-field={field}]")

        assert cell("commune").inner_text() == "Xã Tây Sơn"
        assert cell("nearest_village").inner_text() == "Thôn Làng Mới"
        assert cell("village_distance_m").inner_text() == "1,8\u00a0km"  # as the fire pages say it
        assert cell("alert_state").inner_text() == "Mới, chờ tiếp nhận"
        assert cell("max_confidence").inner_text() == "Cao"
        assert cell("in_forest").inner_text() == "Có"
        assert "Thôn gần nhất" in text and "Cách thôn" in text
        assert_words_only(text)
        journey.check(page, "map-fire-event-popup")

        # Coverage gaps: reasons and methods as words; three overlapping gaps are a list to choose from.
        open_map(page, f"{server.url}/map/?layers=coverage-gaps&center=15.355,108.125&zoom=14")
        journey.tap_map(page, 15.3555, 108.1255)
        page.locator(".leaflet-popup .gp-popup[data-layer=coverage-gaps]").wait_for()
        assert page.locator(".leaflet-popup .gp-also-item").count() == 2  # the other operators' gaps
        text = popup_text(page)
        assert "Không có sóng" in text and "Mô hình truyền sóng" in text
        assert_words_only(text)
        for _ in range(3):
            if page.locator(".leaflet-popup td[data-field=operator]").inner_text() == "MobiFone":
                break
            journey.press(page, ".leaflet-popup .gp-also-item >> nth=-1")
        assert page.locator(".leaflet-popup td[data-field=reason]").inner_text() == (
            "Bị địa hình che khuất, Ngoài bán kính phủ sóng"
        )
        assert_words_only(popup_text(page))
        journey.check(page, "map-gap-popup")

        # A complaint: its category by name, its commune by name.
        open_map(page, f"{server.url}/map/?layers=complaints&center=15.385,108.285&zoom=15")
        journey.tap_map(page, 15.385, 108.285)
        page.locator(".leaflet-popup .gp-popup[data-layer=complaints]").wait_for()
        assert page.locator(".leaflet-popup td[data-field=category]").inner_text() == "Sạt lở đất, đá"
        assert page.locator(".leaflet-popup td[data-field=commune]").inner_text() == "Xã Đông Giang"
        assert page.locator(".leaflet-popup td[data-field=status]").inner_text() == "Đã tiếp nhận"
        assert_words_only(popup_text(page))
        journey.check(page, "map-complaint-popup")
    finally:
        complaint.delete()
        CoverageGap.objects.update(reason="")


@pytest.fixture
def two_villages_named_alike(world, db_access):
    """ "Thôn 3" in both communes, as in the real district where many communes have a Thôn 3."""
    from layers.places.models import Village

    west, east = world["communes"]
    made = [
        Village.objects.create(commune=west, name="Thôn 3", population=90, geom=Point(108.115, 15.39, srid=4326)),
        Village.objects.create(commune=east, name="Thôn 3", population=70, geom=Point(108.285, 15.26, srid=4326)),
    ]
    yield made
    Village.objects.filter(pk__in=[v.pk for v in made]).delete()


def hits(page):
    """The search hits as a person reads them (name and where), once they answer all that was typed."""
    page.wait_for_function(
        "() => document.getElementById('gp-search-results').dataset.query"
        " === document.getElementById('gp-search').value"
    )
    page.locator("#gp-search-results .gp-hit").first.wait_for()
    return [
        " | ".join(t.strip() for t in li.split("\n") if t.strip())
        for li in page.locator("#gp-search-results .gp-hit").all_inner_texts()
    ]


def test_search_names_the_commune_and_works_with_arrows_and_enter(two_villages_named_alike, server, person):
    page = person("desktop")
    open_map(page, f"{server.url}/map/?bbox={TEST_BBOX}")
    # The map writes the communes' names on them.
    labels = page.locator(".gp-area-label")
    assert sorted(labels.all_inner_texts()) == ["Tây Sơn", "Đông Giang"]
    assert all(box["width"] > 20 for box in (labels.nth(i).bounding_box() for i in range(2)))
    search = page.locator("#gp-search")
    search.click()
    search.type("Thôn 3")
    assert hits(page) == [
        "Thôn 3 | Xã Đông Giang · Thôn, tổ dân phố",
        "Thôn 3 | Xã Tây Sơn · Thôn, tổ dân phố",
    ]
    journey.check(page, "map-search-two-alike")
    # Arrow keys move through the hits, Enter opens the chosen one.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    selected = page.locator("#gp-search-results .gp-hit[aria-selected=true]")
    assert selected.count() == 1 and "Tây Sơn" in selected.inner_text()
    page.keyboard.press("ArrowUp")
    assert "Đông Giang" in selected.inner_text()
    assert page.get_attribute("#gp-search", "aria-activedescendant") == selected.get_attribute("id")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('.leaflet-popup .gp-popup-title')?.textContent === 'Thôn 3'")
    assert page.locator(".leaflet-popup td[data-field=commune]").inner_text() == "Xã Tây Sơn"
    assert page.locator("#gp-search-results").is_hidden()
    # The name with its commune finds the one village, with or without a comma, without diacritics.
    for typed, commune in (("Thôn 3 Tây Sơn", "Xã Tây Sơn"), ("thon 3, dong giang", "Xã Đông Giang")):
        search.fill("")
        search.type(typed)
        assert hits(page) == [f"Thôn 3 | {commune} · Thôn, tổ dân phố"]
        search.press("Enter")
        page.wait_for_function(
            "(c) => document.querySelector('.leaflet-popup td[data-field=commune]')?.textContent === c", arg=commune
        )
    # A commune: outlined on the map, its popup open.
    search.fill("")
    before = journey.pixels(page)
    search.type("xa dong giang")
    search.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('.leaflet-popup .gp-popup-title')?.textContent === 'Xã Đông Giang'"
    )
    outline = page.locator("path.gp-highlight")
    assert outline.count() == 1
    page.wait_for_timeout(400)  # the zoom animation
    map_box = page.locator("#map").bounding_box()
    drawn = outline.bounding_box()
    west, north = page.evaluate("() => window.geoplatform.map.latLngToContainerPoint([15.40, 108.20])").values()
    assert abs(drawn["x"] - map_box["x"] - west) < 6 and abs(drawn["y"] - map_box["y"] - north) < 6
    assert journey.changed(before, journey.pixels(page)) > 0.02
    journey.check(page, "map-search-commune")


def test_search_on_a_phone_by_tapping_a_hit(two_villages_named_alike, server, person):
    page = person("phone")
    open_map(page, f"{server.url}/map/?bbox={TEST_BBOX}")
    journey.press(page, "#gp-search")
    page.locator("#gp-search").type("thôn 3")
    assert len(hits(page)) == 2
    journey.check(page, "map-search-phone")
    journey.press(page, "#gp-search-results .gp-hit:has-text('Tây Sơn')")
    page.wait_for_function("() => document.querySelector('.leaflet-popup .gp-popup-title')?.textContent === 'Thôn 3'")
    assert page.locator(".leaflet-popup td[data-field=commune]").inner_text() == "Xã Tây Sơn"
    journey.check(page, "map-search-phone-chosen")


class SilentTiles:
    """A tile server on loopback that accepts connections and never answers (not refused: silent)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.connections = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/"

    @property
    def url(self) -> str:
        return self.origin + "{z}/{x}/{y}.png"

    def _accept(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections.append(conn)

    def close(self):
        self.running = False
        time.sleep(0.3)
        for conn in self.connections:
            conn.close()
        self.sock.close()


def test_a_silent_tile_server_falls_back_within_3_s_and_says_so_once(world, server, person, settings):
    silent = SilentTiles()
    settings.BASEMAP_URL = silent.url
    try:
        page = person("phone")
        asked_at = []
        page.on("request", lambda r: asked_at.append(time.monotonic()) if r.url.startswith(silent.origin) else None)
        page.goto(f"{server.url}/map/?bbox={TEST_BBOX}", wait_until="commit")
        # performance.now() counts from the start of the navigation.
        switched = page.wait_for_function(
            "() => document.querySelector('.gp-basemap-offline') && performance.now()", timeout=10000
        ).json_value()
        waited = time.monotonic() - asked_at[0]
        assert waited < 3.5, f"the offline base map came {waited:.1f} s after the first online tile was asked for"
        assert switched < 6000, f"the offline base map came {switched:.0f} ms after the page was asked for"
        assert silent.connections, "the map never asked the silent server"
        page.wait_for_function(TILES_LOADED, timeout=20000)
        notice = page.locator("#gp-notice")
        assert notice.is_visible()
        assert notice.inner_text() == ("Không tải được bản đồ nền trực tuyến: đã chuyển sang bản đồ nền ngoại tuyến.")
        assert page.locator(".gp-basemap-online").count() == 0
        journey.check(page, "map-silent-tiles-fallback")
        # The next page of the session starts on the offline base map, asks the silent server nothing,
        # and does not repeat the notice.
        asked = len(silent.connections)
        page.reload()
        page.wait_for_selector("body[data-ready='1']", timeout=20000)
        page.wait_for_function(TILES_LOADED, timeout=20000)
        page.wait_for_timeout(3500)
        assert page.locator("#gp-notice").is_hidden()
        assert page.locator(".gp-basemap-online").count() == 0
        assert len(silent.connections) == asked
        journey.check(page, "map-silent-tiles-next-page")
    finally:
        silent.close()


def test_report_a_problem_from_the_map(world, server, person):
    page = person("phone")
    open_map(page, f"{server.url}/map/?bbox={TEST_BBOX}")
    report = page.locator("[data-testid=report]")
    assert report.is_visible() and report.inner_text().strip() == "⚑ Phản ánh"
    box = report.bounding_box()
    assert box["height"] >= 34 and box["width"] >= 44
    # A tap on the map offers to report what is there, at that place.
    journey.tap_map(page, 15.30, 108.25)
    link = page.locator(".leaflet-popup [data-testid=report-here]")
    link.wait_for()
    assert link.inner_text() == "Phản ánh sự việc tại đây →"
    href = link.get_attribute("href")
    assert href.startswith("/feedback/?lat=15.3") and "&lon=108.2" in href
    journey.check(page, "map-report-here")
    with page.expect_navigation():
        journey.press(page, ".leaflet-popup [data-testid=report-here]")
    assert page.url.startswith(f"{server.url}/feedback/?lat=")
    assert page.locator("#report-form").count() == 1


def test_first_load_of_the_map_is_small_on_a_rural_link(world, server, person, artifacts_dir):
    page = person("phone")
    responses = []
    page.on("requestfinished", lambda request: responses.append(request))
    open_map(page, f"{server.url}/map/?bbox={TEST_BBOX}")
    settle(page, 300)
    by_kind = {}
    files = {}
    for request in responses:
        sizes = request.sizes()
        transferred = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        kind = request.resource_type
        by_kind[kind] = by_kind.get(kind, 0) + transferred
        files[request.url.split("/", 3)[-1]] = transferred
    total = sum(by_kind.values())
    report = {"total_bytes": total, "by_kind": by_kind, "requests": len(responses), "files": files}
    (artifacts_dir / "first-load-bytes.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print("\nfirst load of /map/ on a phone, as transferred:", json.dumps(report, indent=1, ensure_ascii=False))
    # Document, scripts, styles, the catalogue and the places as GeoJSON (gzip), the offline base map's tiles.
    assert {"document", "script", "stylesheet", "fetch", "image"} <= set(by_kind)
    assert any(url.startswith("api/layers/villages/features/") for url in files)
    assert not any("chart" in url or "VectorGrid" in url for url in files)  # loaded only where needed
    assert total < 500_000, total
    assert by_kind["fetch"] < 60_000, by_kind


def test_the_map_in_english(world, server, parcel, person):
    page = person("desktop", locale="en-GB")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": server.url}])
    village = world["villages"]["a"]
    open_map(
        page, f"{server.url}/map/?layers=villages,communes,parcels&center={village.geom.y},{village.geom.x}&zoom=12"
    )
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("[data-testid=zoom-hint]").inner_text().startswith("Zoom in to see: Urban parcels")
    assert page.locator("[data-testid=report]").inner_text().strip() == "⚑ Report"
    assert page.get_attribute(".leaflet-control-zoom-in", "title") == "Zoom in"
    journey.tap_map(page, village.geom.y, village.geom.x)
    page.locator(".leaflet-popup .gp-popup[data-layer=villages]").wait_for()
    text = popup_text(page)
    assert page.locator(".leaflet-popup th", has_text="Elevation").count() == 1
    assert page.locator(".leaflet-popup td[data-field=elevation_m]").inner_text() == "800\u00a0m"
    assert page.locator(".leaflet-popup td[data-field=households]").inner_text() == "80"
    assert page.locator(".leaflet-popup td[data-field=has_cultural_house]").inner_text() == "Yes"
    assert "Communes: Xã Tây Sơn" in text  # the commune under it, listed
    assert "Report a problem here" in text
    for vietnamese in ("Thôn gần", "Có", "Phản ánh", "Xã:"):
        assert vietnamese not in text.replace("Xã Tây Sơn", "")
    journey.check(page, "map-english")


def test_filters_offer_words_and_names_not_codes_or_ids(world, server, person):
    page = person("phone")
    open_map(page, f"{server.url}/map/?layers=complaints&bbox={TEST_BBOX}")
    journey.press(page, "#gp-sidebar-toggle")
    page.wait_for_function("() => document.getElementById('gp-sidebar').getBoundingClientRect().left >= 0")
    journey.press(page, "details:has(select[data-filter='complaints.status']) summary")
    status = page.locator("select[data-filter='complaints.status']")
    status.wait_for()
    shown = status.locator("option").all_inner_texts()
    assert shown[0] == "Tất cả"
    assert set(shown[1:]) == {"Đã tiếp nhận", "Đã xác nhận", "Đang xử lý", "Đã giải quyết"}
    communes = page.locator("select[data-filter='complaints.commune'] option").all_inner_texts()
    assert sorted(communes) == ["Tất cả", "Xã Tây Sơn", "Xã Đông Giang"]
    journey.check(page, "map-drawer-filters")
    # Choosing a word filters by its code: the one resolved complaint.
    status.select_option(label="Đã giải quyết")
    page.wait_for_function("() => document.querySelectorAll('.gp-layer-complaints').length === 1")


def test_the_portal_embed_on_a_phone_shows_words_and_names(world, server, person):
    page = person("phone")
    village = world["villages"]["c"]
    page.goto(f"{server.url}/embed/?layers=villages,communes&center={village.geom.y},{village.geom.x}&zoom=13")
    page.wait_for_selector("body[data-ready='1']", timeout=20000)
    page.wait_for_function(TILES_LOADED, timeout=20000)
    assert sorted(page.locator(".gp-area-label").all_inner_texts()) == ["Tây Sơn", "Đông Giang"]
    journey.tap_map(page, village.geom.y, village.geom.x)
    page.locator(".leaflet-popup .gp-popup[data-layer=villages]").wait_for()
    assert page.locator(".leaflet-popup td[data-field=commune]").inner_text() == "Xã Đông Giang"
    assert page.locator(".leaflet-popup th", has_text="Xã").count() == 1
    assert_words_only(popup_text(page))
    # A public page: no private field is even named in it.
    html = page.content()
    assert "reporter_phone" not in html and "stream_url" not in html and "holder_name" not in html
    journey.check(page, "embed-popup")


@pytest.mark.django_db
def test_every_field_and_coded_value_of_the_catalogue_has_words_in_both_languages():
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import ForeignKey
    from django.utils import translation

    from layers.registry import registry
    from layers.web import strings

    labels = {}
    for language in ("vi", "en"):
        with translation.override(language):
            labels[language] = strings.field_labels()
            values, refs = strings.value_labels(), strings.references()
        for layer in registry.all():
            model = layer.model_class
            for name in layer.public_fields + layer.private_fields:
                assert labels[language].get(name, name) != name, (language, layer.slug, name)
                field = model._meta.get_field(name)
                for code, _ in field.flatchoices if field.choices else ():
                    words = values.get(layer.slug, {}).get(name, {})
                    assert words.get(str(code)), (language, layer.slug, name, code)
                if isinstance(field, ForeignKey):
                    assert refs[layer.slug][name] == registry.for_model(field.related_model).slug
    untranslated = [name for name, word in labels["vi"].items() if labels["en"][name] == word]
    assert not untranslated
    # A page for an anonymous visitor names no private field and no private layer.
    anonymous = strings.for_script(AnonymousUser())
    assert not {"stream_url", "holder_name", "reporter_phone", "device"} & set(anonymous["fields"])
    assert "signal-measurements" not in anonymous["values"]
