"""The map, dashboard and embeds in Debian's Chromium (Playwright) against a live server, offline."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.utils import timezone

from layers import roles

from . import district as district_module

# One district for the whole module, committed so the server thread sees it. The server is this
# module's own (not pytest-django's live_server, which would flush the database after every test).
pytestmark = [pytest.mark.browser]

TEST_BBOX = "108.10,15.25,108.30,15.40"
# Nothing listens on port 9 (discard) here: the "online" base map fails the way it does without internet.
DEAD_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"
TILES_LOADED = """() => {
  const imgs = [...document.querySelectorAll('.gp-basemap-offline img')];
  return imgs.filter(i => i.complete && i.naturalWidth === 256).length >= 4;
}"""


def _on_test_database() -> bool:
    from django.db import connection
    from django.db.backends.base.creation import TEST_DATABASE_PREFIX

    return connection.settings_dict["NAME"].startswith(TEST_DATABASE_PREFIX)


@pytest.fixture(scope="module")
def test_database(django_db_setup, django_db_blocker):
    """The test database, also when no selected test asked pytest-django for one.

    pytest-django creates the test database only for the aliases that the session's tests mark
    (django_db, db, live_server); these tests use none of those (they commit for the server thread),
    so run alone they would read and clean up the developer's real database.
    """
    from django.test.utils import setup_databases, teardown_databases

    if _on_test_database():
        yield
        return
    with django_db_blocker.unblock():
        created = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    assert _on_test_database()
    yield
    with django_db_blocker.unblock():
        teardown_databases(created, verbosity=0)


@pytest.fixture(scope="module")
def server(test_database, django_db_blocker):
    """A threaded server on loopback serving the test database and the static files."""
    from pytest_django.live_server_helper import LiveServer

    # The server thread reads the database whatever the current test asked for: unblocked for the module.
    with django_db_blocker.unblock():
        server = LiveServer("localhost:0")
        yield server
        server.stop()
        _wait_for_other_sessions()


def _wait_for_other_sessions(seconds: float = 5.0) -> None:
    """Wait until the server's request threads have closed their connections (else the test database cannot be
    dropped at the end)."""
    import time

    from django.db import connection

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.1)


@pytest.fixture(scope="module")
def world(server, django_db_blocker, tmp_path_factory):
    """The synthetic district, committed; every row the module made is removed afterwards."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        _remove_district()  # a database kept from an interrupted run
        data = district_module.build(tmp_path_factory.mktemp("web-browser"))
        # The coverage app's latest run: 3G/4G reaches b and c, 2G only a, nothing d.
        v = data["villages"]
        data["coverage_run"] = district_module.add_coverage_run(
            v, {"a": {("vnpt", "2G")}, "b": {("viettel", "4G")}, "c": {("mobifone", "3G")}}
        )
    yield data
    with django_db_blocker.unblock():
        _remove_district()


def _remove_district():
    from ingest.models import IngestRun, RasterAsset
    from layers.cameras.models import Camera
    from layers.feedback.models import Complaint
    from layers.fire.models import FireEvent, Hotspot
    from layers.places.models import Commune, District, River, Village
    from layers.telecom.models import CoverageGap, CoverageRun, SignalMeasurement, WifiPoint

    # Never on a real database: this empties whole tables.
    assert _on_test_database(), "refusing to clean up a database that is not a test database"
    User.objects.filter(username__endswith="-browser").delete()
    for model in (
        CoverageRun,
        Hotspot,
        FireEvent,
        Complaint,
        Camera,
        WifiPoint,
        CoverageGap,
        SignalMeasurement,
        RasterAsset,
        IngestRun,
        Village,
        River,
        Commune,
        District,
    ):
        model.objects.all().delete()


@pytest.fixture(autouse=True)
def offline(settings):
    """An "online" base map that cannot be reached, as when the internet is down."""
    settings.BASEMAP_URL = DEAD_TILES
    settings.BASEMAP_DEFAULT = "online"


@pytest.fixture
def db_access(django_db_blocker):
    """Direct (committed) database access inside a browser test."""
    from django.db import connections

    with django_db_blocker.unblock():
        yield
        # Django keeps connections per context, and a running Playwright gives the test its own
        # context: close the test's connection here, in that context, or it outlives the test.
        connections.close_all()


@pytest.fixture
def page(browser):
    """A fresh page that records script dialogs (an XSS would open one); a console or page error fails the test."""
    from tests import journey

    context = browser.new_context(viewport={"width": 960, "height": 640}, locale="vi-VN")
    pg = context.new_page()
    pg.size = "desktop"
    journey.watch(pg)
    yield pg
    try:
        journey.assert_clean(pg)
    finally:
        context.close()


def _user(role: str) -> User:
    user, _ = User.objects.get_or_create(username=f"{role}-browser")
    user.set_password("pw-for-tests-only")
    user.save()
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _login(page, server, role: str):
    _user(role)
    page.goto(f"{server.url}/accounts/login/?next=/map/")
    page.fill("input[name=username]", f"{role}-browser")
    page.fill("input[name=password]", "pw-for-tests-only")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{server.url}/map/")
    assert page.locator("[data-testid=logout]").count() == 1


def _open_map(page, url):
    page.goto(url)
    page.wait_for_selector("body[data-ready]", timeout=20000)
    assert page.get_attribute("body", "data-ready") == "1"


def _click_at(page, lat, lon):
    """Click the map at a coordinate (where a marker is drawn)."""
    box = page.locator("#map").bounding_box()
    point = page.evaluate("([lat, lon]) => window.geoplatform.map.latLngToContainerPoint([lat, lon])", [lat, lon])
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def test_map_loads_offline_base_map_and_catalogue_layers(world, server, page, artifacts_dir):
    _open_map(page, f"{server.url}/map/?bbox={TEST_BBOX}")
    # The online tiles fail (no internet): the platform's own hillshade base map takes over.
    page.wait_for_function(TILES_LOADED, timeout=20000)
    assert page.locator(".gp-basemap-online").count() == 0
    assert page.locator(".gp-notice").is_visible()
    # The switcher comes from the catalogue: public layers for an anonymous visitor, never the private one.
    toggles = page.eval_on_selector_all("#gp-layers input[data-layer]", "els => els.map(e => e.dataset.layer)")
    assert {"villages", "communes", "rivers", "complaints", "cameras"} <= set(toggles)
    assert "signal-measurements" not in toggles
    assert page.locator("fieldset[data-theme=places] legend").inner_text() == "Hành chính"
    assert page.locator(".gp-layer-villages").count() == 4
    assert page.locator(".gp-legend-row[data-layer=villages]").count() == 1
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts_dir / "map.png"))
    # Toggling a layer changes what is drawn.
    page.uncheck("#gp-toggle-villages")
    assert page.locator(".gp-layer-villages").count() == 0
    assert page.locator(".gp-legend-row[data-layer=villages]").count() == 0
    page.check("#gp-toggle-villages")
    page.wait_for_function("() => document.querySelectorAll('.gp-layer-villages').length === 4")
    # Time control: complaints of the last 7 days are the two recent ones out of four.
    page.check("#gp-toggle-complaints")
    page.wait_for_function("() => document.querySelectorAll('.gp-layer-complaints').length === 4")
    page.select_option("#gp-time", "7d")
    page.wait_for_function("() => document.querySelectorAll('.gp-layer-complaints').length === 2")
    # A chosen range, typed in local time (Asia/Ho_Chi_Minh): 10 to 5 days ago holds BTM-0002 only.
    local = ZoneInfo("Asia/Ho_Chi_Minh")
    now = timezone.now()
    page.select_option("#gp-time", "range")
    page.fill("#gp-time-from", (now - timedelta(days=10)).astimezone(local).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#gp-time-to", (now - timedelta(days=5)).astimezone(local).strftime("%Y-%m-%dT%H:%M"))
    page.click("#gp-time-apply")
    page.wait_for_function("() => document.querySelectorAll('.gp-layer-complaints').length === 1")
    page.locator(".gp-layer-complaints").first.click(force=True)
    page.wait_for_selector(".leaflet-popup td[data-field=description]")
    assert page.inner_text(".leaflet-popup td[data-field=description]") == "Nước sinh hoạt đục"
    page.keyboard.press("Escape")
    # Attribute filter: only the resolved complaint (time back to "all").
    page.select_option("#gp-time", "")
    page.wait_for_function("() => document.querySelectorAll('.gp-layer-complaints').length === 4")
    page.click("details:has(select[data-filter='complaints.status']) summary")
    page.select_option("select[data-filter='complaints.status']", "resolved")
    page.wait_for_function("() => document.querySelectorAll('.gp-layer-complaints').length === 1")
    # Cursor coordinates follow the mouse.
    _click_at(page, 15.3, 108.2)
    lat, lon = (float(v) for v in page.inner_text("[data-testid=coords]").split(","))
    assert abs(lat - 15.3) < 0.01 and abs(lon - 108.2) < 0.01
    assert page.locator(".leaflet-control-scale-line").count() == 1
    assert page.dialogs == []


def test_popup_and_search_show_the_right_village(world, server, page):
    _open_map(page, f"{server.url}/map/?bbox={TEST_BBOX}")
    village = world["villages"]["c"]
    _click_at(page, village.geom.y, village.geom.x)
    popup = page.locator(".leaflet-popup .gp-popup")
    popup.wait_for()
    assert popup.locator(".gp-popup-title").inner_text() == "Thôn Suối Đá"
    assert popup.locator("td[data-field=commune]").inner_text() == "Xã Đông Giang"
    assert popup.locator("td[data-field=households]").inner_text() == "40"
    page.keyboard.press("Escape")
    # Search without diacritics finds the village, and choosing it opens its popup.
    page.fill("#gp-search", "lang moi")
    page.locator("#gp-search-results .gp-hit").first.wait_for()
    assert page.locator("#gp-search-results .gp-hit").count() == 1
    page.locator("#gp-search-results .gp-hit").first.click()
    page.wait_for_function(
        "() => document.querySelector('.leaflet-popup .gp-popup-title')?.textContent === 'Thôn Làng Mới'"
    )
    page.fill("#gp-search", "dong giang")
    page.locator("#gp-search-results .gp-hit").first.wait_for()
    assert "Xã Đông Giang" in page.inner_text("#gp-search-results")


def test_hostile_complaint_text_renders_as_text_and_runs_nothing(world, db_access, server, page):
    _login(page, server, roles.FEEDBACK_OFFICER)
    _open_map(page, f"{server.url}/map/?layers=complaints&bbox={TEST_BBOX}")
    # The feedback officer's queue (the feedback app's own): open complaints, nearest deadline first.
    queue = page.locator("[data-panel=complaints] .gp-item")
    queue.first.wait_for()
    codes = queue.evaluate_all("els => els.map(e => [e.dataset.code, e.dataset.overdue])")
    assert codes == [["BTM-0001", "1"], ["BTM-0004", "1"], ["BTM-0002", "0"]]
    hostile = queue.filter(has_text="BTM-0001")
    assert district_module.XSS in hostile.inner_text()
    hostile.click()
    cell = page.locator(".leaflet-popup td[data-field=description]")
    cell.wait_for()
    assert cell.inner_text() == district_module.XSS
    # The officer sees the reporter's phone (a private field of this layer for this role).
    assert page.locator(".leaflet-popup td[data-field=reporter_phone]").inner_text() == "0905000111"
    assert page.get_attribute(".leaflet-popup a.gp-popup-link", "href") == "/feedback/queue/BTM-0001/"
    assert page.locator(".leaflet-popup td[data-field=status]").inner_text() == "Đã tiếp nhận"
    assert page.locator("img[src=x]").count() == 0
    page.wait_for_timeout(300)
    assert page.dialogs == []
    assert page.locator("[data-panel=fire]").count() == 0


def test_ranger_sees_fire_panel_and_hotspots_from_vector_tiles(world, db_access, server, page):
    _login(page, server, roles.RANGER)
    tiles = []
    page.on("response", lambda r: tiles.append(r.status) if "/tiles/fire-hotspots/" in r.url else None)
    _open_map(page, f"{server.url}/map/?layers=fire-hotspots&bbox={TEST_BBOX}")
    # The fire app's open alerts, newest first; the closed one is not listed.
    items = page.locator("[data-panel=fire] .gp-item")
    items.first.wait_for()
    assert items.evaluate_all("els => els.map(e => e.dataset.alertState)") == ["new", "dispatched"]
    assert items.first.locator("strong").inner_text() == "gần Thôn Làng Mới"
    items.first.click()
    popup = page.locator(".leaflet-popup [data-alert]")
    popup.wait_for()
    assert popup.locator("td[data-field=commune]").inner_text() == "Xã Tây Sơn"
    assert popup.locator("a.gp-popup-link").get_attribute("href") == "/fire/"
    assert page.locator("[data-panel=complaints]").count() == 0
    page.wait_for_function("() => window.geoplatform.state['fire-hotspots'].layer !== null")
    assert page.evaluate("() => window.geoplatform.state['fire-hotspots'].layer instanceof L.VectorGrid")
    # Hotspots are coloured by age (the layer's style.byAge), with the age classes in the legend.
    ages = page.locator(".gp-legend-age[data-layer=fire-hotspots]")
    assert ages.count() == 4 and ages.first.inner_text() == "< 6 giờ trước"
    colour_of = """(hours) => {
      const t = new Date(Date.now() - hours * 36e5).toISOString().replace('T', ' ').slice(0, 19) + '+00';
      return window.geoplatform.state['fire-hotspots'].layer.options
        .vectorTileLayerStyles['fire-hotspots']({acquired_at: t}).fillColor;
    }"""
    assert [page.evaluate(colour_of, h) for h in (2, 20, 50, 100)] == ["#b71c1c", "#f4511e", "#ffb300", "#9e9e9e"]
    # Vector tiles carry times as epoch seconds: coloured the same way.
    epoch_colour_of = """(hours) => window.geoplatform.state['fire-hotspots'].layer.options
        .vectorTileLayerStyles['fire-hotspots']({acquired_at: Math.floor(Date.now() / 1000) - hours * 3600})
        .fillColor"""
    assert [page.evaluate(epoch_colour_of, h) for h in (2, 20, 50, 100)] == ["#b71c1c", "#f4511e", "#ffb300", "#9e9e9e"]
    # Sized by confidence (style.byConfidence); an unknown value gets the layer's radius.
    radius_of = """(c) => window.geoplatform.state['fire-hotspots'].layer.options
        .vectorTileLayerStyles['fire-hotspots']({confidence: c}).radius"""
    assert [page.evaluate(radius_of, c) for c in ("low", "nominal", "high", "bogus")] == [3, 5, 7, 5]
    # Fire events coloured by status, the statuses named in the legend.
    page.locator("input[data-layer=fire-events]").check()
    events = page.locator("path.gp-layer-fire-events")
    events.first.wait_for()
    assert set(events.evaluate_all("els => els.map(e => e.getAttribute('fill'))")) == {"#d50000"}  # all "new"
    statuses = page.locator(".gp-legend-age[data-layer=fire-events]")
    assert statuses.all_inner_texts() == ["Mới phát hiện", "Đang cháy", "Đã tắt"]
    page.wait_for_timeout(500)
    assert tiles and all(status in (200, 204) for status in tiles)
    assert 200 in tiles


def test_parcel_popup_from_vector_tiles_fetches_the_feature_with_the_users_permissions(world, db_access, server, page):
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from layers.parcels.models import Parcel

    lon, lat = 108.2, 15.325
    half = 0.0004
    Parcel.objects.filter(map_sheet="77").delete()  # a database kept from an interrupted run
    Parcel.objects.create(
        map_sheet="77",
        parcel_number="101",
        land_use_code="ODT",
        area_m2=120,
        address="Tổ 3",
        holder_name="Lê Thị Riêng",
        geom=MultiPolygon(Polygon.from_bbox((lon - half, lat - half, lon + half, lat + half)), srid=4326),
    )
    url = f"{server.url}/map/?layers=parcels&bbox={lon - 0.003},{lat - 0.002},{lon + 0.003},{lat + 0.002}"

    def popup_after_click():
        with page.expect_response(lambda r: "/tiles/parcels/" in r.url and r.status == 200):
            _open_map(page, url)
        page.wait_for_function("() => document.body.getAttribute('data-loaded-parcels') === '1'")
        page.wait_for_timeout(500)  # the tile is drawn on its canvas after it arrives
        _click_at(page, lat, lon)
        # The tile carries the label only; the whole feature comes from the API by its id.
        popup = page.locator(".leaflet-popup .gp-popup[data-feature]")
        popup.wait_for()
        # A title a person reads, not a bare number.
        assert popup.locator(".gp-popup-title").inner_text() == "Thửa 101, tờ 77"
        assert popup.locator("td[data-field=address]").inner_text() == "Tổ 3"
        assert popup.locator("td[data-field=land_use_code]").inner_text() == "ODT – Đất ở tại đô thị"
        return popup

    try:
        anonymous = popup_after_click()
        assert anonymous.locator("td[data-field=holder_name]").count() == 0
        assert "Lê Thị Riêng" not in page.content()
        _login(page, server, roles.URBAN_STAFF)
        staff = popup_after_click()
        assert staff.locator("td[data-field=holder_name]").inner_text() == "Lê Thị Riêng"
    finally:
        Parcel.objects.filter(map_sheet="77").delete()


def test_embed_shows_public_layers_and_fields_only(world, db_access, server, page, artifacts_dir):
    # Even a signed-in operator's browser gets the anonymous view inside an embed.
    _login(page, server, roles.OPERATOR)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    camera = "108.19,15.31"
    page.goto(f"{server.url}/embed/?layers=signal-measurements,cameras,complaints,villages&center=15.31,108.19&zoom=13")
    page.wait_for_selector("body[data-ready='1']", timeout=20000)
    page.wait_for_function(TILES_LOADED, timeout=20000)
    legend = page.eval_on_selector_all(".gp-legend-row", "els => els.map(e => e.dataset.layer)")
    assert legend == ["cameras", "complaints", "villages"]  # in the order asked, the private one dropped
    assert not [u for u in requests if "signal-measurements" in u and ("/api/" in u or "/tiles/" in u)]
    assert page.locator(".gp-layer-cameras").count() == 3
    lon, lat = (float(v) for v in camera.split(","))
    _click_at(page, lat, lon)
    popup = page.locator(".leaflet-popup .gp-popup")
    popup.wait_for()
    assert popup.locator(".gp-popup-title").inner_text() == "Camera ngầm"
    html = page.content()
    assert "stream_url" not in html and "rtsp://" not in html
    assert "0905000111" not in html and "reporter_phone" not in html
    assert page.locator("#gp-sidebar").count() == 0
    page.screenshot(path=str(artifacts_dir / "embed.png"))


class _Parent(BaseHTTPRequestHandler):
    """Serves one page that frames the platform's map and an embed."""

    body = b""
    content_type = "text/html; charset=utf-8"

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", self.content_type)
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def _parent_server(target: str):
    html = (
        f'<!doctype html><iframe name="map" src="{target}/map/" width="400" height="300"></iframe>'
        f'<iframe name="embed" src="{target}/embed/?layers=villages" width="400" height="300"></iframe>'
    ).encode()
    handler = type("Parent", (_Parent,), {"body": html})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def test_online_base_map_is_used_when_its_tiles_load(world, server, page, settings):
    import io

    from PIL import Image

    # A stand-in for the online tile server (OpenStreetMap by default): every tile a plain blue PNG.
    png = io.BytesIO()
    Image.new("RGB", (256, 256), (20, 90, 200)).save(png, "PNG")
    handler = type("Tiles", (_Parent,), {"body": png.getvalue(), "content_type": "image/png"})
    tiles = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=tiles.serve_forever, daemon=True).start()
    settings.BASEMAP_URL = f"http://127.0.0.1:{tiles.server_port}/{{z}}/{{x}}/{{y}}.png"
    try:
        _open_map(page, f"{server.url}/map/?bbox={TEST_BBOX}")
        page.wait_for_function(TILES_LOADED.replace("gp-basemap-offline", "gp-basemap-online"), timeout=20000)
        assert page.locator(".gp-basemap-offline").count() == 0
        assert page.locator("#gp-notice").is_hidden()
        # The switcher offers the platform's own base map too.
        page.hover(".leaflet-control-layers")
        page.locator(".leaflet-control-layers-base label", has_text="ngoại tuyến").click()
        page.wait_for_function(TILES_LOADED, timeout=20000)
        assert page.locator(".gp-basemap-online").count() == 0
    finally:
        tiles.shutdown()


def _frame_shows_map(page, name: str) -> bool:
    frame = page.frame(name=name)
    if frame is None or frame.url.startswith("chrome-error"):
        return False
    try:
        frame.wait_for_selector(".leaflet-container", timeout=3000)
    except Exception:  # a refused frame has no document of ours: nothing to find
        return False
    return True


def test_framing_from_a_foreign_origin(world, server, page, settings):
    allowed, allowed_origin = _parent_server(server.url)
    foreign, _ = _parent_server(server.url)
    settings.EMBED_ALLOWED_ORIGINS = [allowed_origin]
    try:
        page.goto(allowed_origin + "/")
        page.wait_for_timeout(500)
        assert _frame_shows_map(page, "embed") is True
        assert _frame_shows_map(page, "map") is False  # X-Frame-Options DENY
        page.goto(f"http://127.0.0.1:{foreign.server_port}/")
        page.wait_for_timeout(500)
        assert _frame_shows_map(page, "embed") is False  # not in EMBED_ALLOWED_ORIGINS
        assert _frame_shows_map(page, "map") is False
        # The browser reports the refusals this test causes on purpose; anything else still fails it.
        page.problems = [p for p in page.problems if "in a frame because" not in p and "frame-ancestors" not in p]
    finally:
        allowed.shutdown()
        foreign.shutdown()


def _expected_figures(now) -> dict:
    """The dashboard figures counted here row by row, independently of layers.web.figures."""
    from layers.cameras.models import Camera
    from layers.feedback.models import Complaint
    from layers.fire.models import FireEvent
    from layers.places.models import Village
    from layers.telecom.models import CoverageRun, VillageCoverage, WifiPoint

    villages = list(Village.objects.all())
    # Coverage: the coverage app's latest real run; a village counts when 3G or 4G reaches it.
    runs = [r for r in CoverageRun.objects.all() if r.status == "succeeded" and not r.what_if]
    latest = max(runs, key=lambda r: (r.created_at, r.pk))
    statuses = list(VillageCoverage.objects.filter(run_id=latest.pk))
    covered = {s.village_id for s in statuses if s.status == "covered" and s.technology in ("3G", "4G")}
    covered_any = {s.village_id for s in statuses if s.status == "covered"}
    houses = [v for v in villages if v.has_cultural_house]
    wifi = {w.village_id for w in WifiPoint.objects.all() if w.status == "active" and w.site_kind == "cultural_house"}
    open_ = [c for c in Complaint.objects.all() if c.status not in ("resolved", "rejected", "closed")]
    return {
        "coverage.covered": len(covered),
        "coverage.total": len(villages),
        "coverage.run": latest.pk,
        "coverage.covered_any_network": len(covered_any),
        "wifi.with_wifi": len([v for v in houses if v.pk in wifi]),
        "wifi.total": len(houses),
        "fire_alerts.count": len(
            [e for e in FireEvent.objects.all() if e.alert_state in ("new", "acknowledged", "dispatched")]
        ),
        "complaints.open": len(open_),
        "complaints.overdue": len([c for c in open_ if getattr(c, "expected_at", None) and c.expected_at < now]),
        "cameras.offline": len([c for c in Camera.objects.all() if c.status == "offline"]),
        "cameras.total": Camera.objects.count(),
    }


def test_dashboard_figures_equal_database_counts(world, db_access, server, page, artifacts_dir):
    from layers.cameras.models import Camera, Device
    from layers.feedback.models import Complaint
    from layers.fire.models import Hotspot

    _login(page, server, roles.OPERATOR)
    page.clock.install()  # the page's own timer, fast-forwarded below
    page.goto(f"{server.url}/dashboard/")
    page.wait_for_selector("body[data-figures-at]")
    now = timezone.now()
    expected = _expected_figures(now)
    shown = page.eval_on_selector_all(
        "[data-figure]", "els => Object.fromEntries(els.map(e => [e.dataset.figure, e.textContent]))"
    )
    for key, value in expected.items():
        assert shown[key] == str(value), key
    assert (expected["coverage.covered"], expected["coverage.covered_any_network"]) == (2, 3)
    assert expected["complaints.open"] == 3
    assert page.get_attribute("[data-coverage-basis]", "data-basis") == "run"
    # Complaints open / overdue by commune, counted here.
    rows = page.eval_on_selector_all(
        "#complaints-by-commune tr", "trs => trs.map(tr => [...tr.children].map(td => td.textContent))"
    )
    by_commune = {}
    for c in Complaint.objects.select_related("commune"):
        if c.status not in ("resolved", "rejected", "closed"):
            n_open, n_late = by_commune.get(c.commune.name, (0, 0))
            by_commune[c.commune.name] = (n_open + 1, n_late + (c.expected_at < now))
    assert {name: (int(a), int(b)) for name, a, b in rows} == by_commune
    # Charts: three, and the hotspot chart holds every hotspot of the last 14 days.
    assert page.evaluate("() => Object.keys(Chart.instances).length") == 3
    charted = page.evaluate(
        "() => Object.values(Chart.instances).find(c => c.canvas.id === 'chart-hotspots')"
        ".data.datasets[0].data.reduce((a, b) => a + b, 0)"
    )
    assert charted == sum(1 for h in Hotspot.objects.all() if h.acquired_at >= now - timedelta(days=14))
    # Every tile opens the map with the layers it counts.
    hrefs = page.eval_on_selector_all("[data-tile]", "els => els.map(e => e.getAttribute('href'))")
    assert len(hrefs) == 6 and all(h.startswith("/map/?layers=") for h in hrefs)
    assert page.get_attribute("[data-tile=cameras]", "href") == "/map/?layers=cameras&status=offline"
    assert "/map/?layers=crossings,roads" in hrefs
    page.screenshot(path=str(artifacts_dir / "dashboard.png"), full_page=True)
    # The page refreshes itself: a minute later it shows what changed, without a reload.
    online = list(Camera.objects.filter(status="online").values_list("pk", flat=True))
    Camera.objects.filter(pk__in=online).update(status="offline")
    Device.objects.filter(camera__in=online).update(status="offline")
    try:
        page.clock.run_for(61_000)
        page.wait_for_function("() => document.querySelector('[data-figure=\"cameras.offline\"]').textContent === '3'")
        assert page.locator("#ingest-runs tr[data-status=failed]").count() == 1
        # The tile's link opens the map filtered to what it counts: the 3 offline cameras only.
        page.click("[data-tile=cameras]")
        page.wait_for_selector("body[data-ready='1']")
        page.wait_for_function("() => document.querySelectorAll('.gp-layer-cameras').length === 3")
    finally:
        Camera.objects.filter(pk__in=online).update(status="online")
        Device.objects.filter(camera__in=online).update(status="online")


def test_phone_layout_and_first_load_size(world, server, browser, artifacts_dir):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    sizes = {}

    def record(response):
        kind = response.request.resource_type
        if kind in ("document", "script", "stylesheet"):
            sizes[response.url] = (kind, len(response.body()))

    page.on("response", record)
    try:
        page.goto(f"{server.url}/map/?bbox={TEST_BBOX}")
        page.wait_for_selector("body[data-ready='1']", timeout=20000)
        first_load = dict(sizes)
        total = sum(size for _, size in first_load.values())
        by_kind = {}
        for kind, size in first_load.values():
            by_kind[kind] = by_kind.get(kind, 0) + size
        report = {
            "total_bytes": total,
            "by_kind": by_kind,
            "files": {u.split("/", 3)[-1]: s for u, (_, s) in first_load.items()},
        }
        # The whole first load, data and tiles as transferred, is measured in test_map_journey.py.
        print(
            "\nfirst load of /map/ on a phone (HTML+JS+CSS, uncompressed, before tiles):", json.dumps(report, indent=1)
        )
        assert total < 400_000
        assert not any("chart" in u or "VectorGrid" in u for u in first_load)  # loaded only where needed
        # The side panel is a drawer, closed until tapped.
        sidebar = page.locator("#gp-sidebar")
        assert sidebar.bounding_box()["x"] + sidebar.bounding_box()["width"] <= 1
        page.tap("#gp-sidebar-toggle")
        page.wait_for_function("() => document.getElementById('gp-sidebar').getBoundingClientRect().left >= 0")
        page.tap("label[for=gp-toggle-villages]")
        page.wait_for_function("() => document.querySelectorAll('.gp-layer-villages').length === 0")
        page.tap("#gp-sidebar-toggle")
        page.wait_for_function(TILES_LOADED, timeout=20000)
        page.wait_for_timeout(400)
        page.screenshot(path=str(artifacts_dir / "map-phone.png"))
    finally:
        context.close()


def test_english_interface(world, server, page):
    page.goto(f"{server.url}/map/?bbox={TEST_BBOX}")
    page.click("form.gp-lang button[value=en]")
    page.wait_for_selector("body[data-ready='1']")
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("fieldset[data-theme=places] legend").inner_text() == "Places"
    assert page.locator("label[for=gp-toggle-villages]").inner_text().strip() == "Villages"
    assert settings.LANGUAGE_CODE == "vi"


def test_planner_panel_links_to_the_coverage_tools_and_logout_drops_the_role(world, db_access, server, page):
    _login(page, server, roles.PLANNER)
    _open_map(page, f"{server.url}/map/?bbox={TEST_BBOX}")
    panel = page.locator("[data-panel=coverage]")
    assert page.locator("[data-panel=fire], [data-panel=complaints]").count() == 0
    # The planner's tools toggle the telecom layers: the coverage gaps appear on the map.
    assert page.locator(".gp-layer-coverage-gaps").count() == 0
    panel.locator(".gp-item[data-layer=coverage-gaps]").click()
    page.wait_for_function("() => document.querySelectorAll('.gp-layer-coverage-gaps').length === 6")
    # A private layer of the planner's theme is offered to the planner only.
    assert page.locator("#gp-toggle-signal-measurements").count() == 1
    link = panel.locator("a[data-testid=panel-link]")
    assert link.get_attribute("href") == "/coverage/"
    with page.expect_navigation():
        link.click()
    assert page.url == f"{server.url}/coverage/"
    # Log out: back to an anonymous visitor, without panels or private layers.
    with page.expect_navigation():
        page.click("[data-testid=logout]")
    assert page.locator("[data-testid=login]").count() == 1
    _open_map(page, f"{server.url}/map/?bbox={TEST_BBOX}")
    assert page.locator("[data-panel]").count() == 0
    assert page.locator("#gp-toggle-signal-measurements").count() == 0
    assert page.locator("#gp-toggle-coverage-gaps").count() == 1  # a public layer stays


def test_dense_points_are_clustered(world, db_access, server, page):
    from django.contrib.gis.geos import Point

    from layers.telecom.models import WifiPoint

    # 240 points in a small square: more than the map draws one by one.
    points = [
        WifiPoint(
            name=f"dense-{i}", site_kind="other", geom=Point(108.20 + (i % 16) * 0.001, 15.33 + (i // 16) * 0.001)
        )
        for i in range(240)
    ]
    WifiPoint.objects.bulk_create(points)
    try:
        _open_map(page, f"{server.url}/map/?layers=wifi-points&bbox={TEST_BBOX}")
        assert page.locator(".marker-cluster").count() >= 1
        drawn = page.locator(".gp-layer-wifi-points").count()
        assert drawn < 50, drawn  # clustered, not 243 separate markers
        total = page.evaluate(
            "() => [...document.querySelectorAll('.marker-cluster span')]"
            ".reduce((n, s) => n + Number(s.textContent), 0)"
        )
        assert total + drawn == WifiPoint.objects.count()
    finally:
        WifiPoint.objects.filter(name__startswith="dense-").delete()


def test_embed_builder_writes_the_iframe_code_of_the_chosen_view(world, server, page):
    page.goto(f"{server.url}/embed/builder/")
    offered = page.eval_on_selector_all("input[name=layers]", "els => els.map(e => e.value)")
    assert "villages" in offered and "signal-measurements" not in offered
    for value in page.eval_on_selector_all("input[name=layers]:checked", "els => els.map(e => e.value)"):
        page.uncheck(f"input[name=layers][value={value}]")
    page.check("input[name=layers][value=villages]")
    page.check("input[name=layers][value=cameras]")
    page.fill("input[name=center]", "15.31,108.19")
    page.fill("input[name=zoom]", "13")
    page.wait_for_function("() => document.getElementById('gp-builder-code').value.includes('zoom=13')")
    code = page.input_value("[data-testid=embed-code]")
    assert code.startswith(
        f'<iframe src="{server.url}/embed/?layers=villages,cameras&amp;center=15.31,108.19&amp;zoom=13"'
    )
    # The preview is that iframe: the embed with the two layers, centred where asked.
    frame = page.frame_locator("#gp-builder-preview iframe")
    frame.locator("body[data-ready='1']").wait_for(timeout=20000)
    assert frame.locator(".gp-legend-row").evaluate_all("els => els.map(e => e.dataset.layer)") == [
        "villages",
        "cameras",
    ]
    assert frame.locator(".gp-layer-cameras").count() == 3
    # A chosen time range (local time) goes into the code; the embed then shows that period only.
    page.uncheck("input[name=layers][value=cameras]")
    page.check("input[name=layers][value=complaints]")
    page.select_option("select[name=time]", "range")
    local = ZoneInfo("Asia/Ho_Chi_Minh")
    now = timezone.now()
    start = (now - timedelta(days=10)).astimezone(local).strftime("%Y-%m-%dT%H:%M")
    page.fill("input[name=time_from]", start)
    page.fill("input[name=time_to]", (now - timedelta(days=5)).astimezone(local).strftime("%Y-%m-%dT%H:%M"))
    page.wait_for_function("() => document.getElementById('gp-builder-code').value.includes('complaints')")
    page.wait_for_function(
        "() => /time=[^&\"]*%2B07:00\\/[^&\"]*%2B07:00/.test(document.getElementById('gp-builder-code').value)"
    )
    assert f"time={start}:00%2B07:00/" in page.input_value("[data-testid=embed-code]")
    frame = page.frame_locator("#gp-builder-preview iframe")
    frame.locator("body[data-ready='1']").wait_for(timeout=20000)
    assert frame.locator(".gp-layer-complaints").count() == 1  # BTM-0002, sent 9 days ago
