"""The IOC operator's dashboard and the portal editor's embed builder, in Chromium on a phone and a desktop, offline."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ingest.models import IngestRun
from layers import roles
from layers.web import embeds
from tests import journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-only"


def _run(kind, source, status, hours_ago, **fields) -> IngestRun:
    run = IngestRun.objects.create(kind=kind, source=source, status=status, **fields)
    started = timezone.now() - timedelta(hours=hours_ago)
    finished = started + timedelta(minutes=2) if status in ("succeeded", "failed") else None
    IngestRun.objects.filter(pk=run.pk).update(started_at=started, finished_at=finished)
    return run


@pytest.fixture
def feeds_history(district):
    """What a busy week leaves: thirty parcel imports (the newest of all), two FIRMS feeds, rasters."""
    _run(
        "firms",
        "VIIRS_SNPP_NRT",
        "succeeded",
        3,
        rows_new=12345,
        rows_rejected=2,
        rejected=[{"row": 7, "reason": "latitude out of range"}, {"row": 9, "reason": "bad date"}],
    )
    _run("firms", "MODIS_NRT", "succeeded", 30, rows_new=40)
    _run("firms", "MODIS_NRT", "failed", 2, message="FIRMS trả lời 503: máy chủ bận")
    _run("flood", "Sentinel-1", "succeeded", 20, rows_new=3)
    for i in range(30):
        _run(
            "vector-import",
            "import:parcels",
            "succeeded" if i else "failed",
            0.5 + i * 0.1,
            rows_new=4,
            message="" if i else "thiếu cột so_thua",
        )
    _run("vector-import", "import:villages", "succeeded", 1, rows_new=46)


def _feed_rows(page) -> list[str]:
    return [row.inner_text() for row in page.locator("#ingest-runs tr").all() if row.is_visible()]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_operator_sees_the_feeds_first_in_words_with_the_failure_reason(
    live_server, person, users, feeds_history, size
):
    page = person(size)
    journey.login(page, live_server.url, f"{roles.OPERATOR}_user", PASSWORD, "/dashboard/")
    page.wait_for_selector("body[data-figures-at]")
    journey.check(page, "operator-dashboard")

    rows = _feed_rows(page)
    # One row a feed: 3 FIRMS products, flood, DEM, and the two imported layers, not 31 import rows.
    assert len(rows) == 7, rows
    assert all("vector-import" not in r and "import:" not in r for r in rows), rows
    assert all("Điểm cháy vệ tinh (FIRMS)" in r for r in rows[:3]), rows
    assert "Nhập lớp bản đồ" in rows[-1] and "Nhập lớp bản đồ" in rows[-2]
    # The failing fire feed says why, in words, and when it last worked; its link opens the hotspots on the map.
    modis = page.locator("#ingest-runs tr", has_text="MODIS ·")
    assert modis.get_attribute("data-status") == "failed"
    assert modis.locator(".gp-status").inner_text() == "Thất bại"
    assert modis.locator(".gp-feed-reason").inner_text() == "FIRMS trả lời 503: máy chủ bận"
    assert modis.locator(".gp-feed-reason").is_visible()
    assert "thành công lần cuối" in modis.inner_text()
    # Vietnamese numbers: 12.345 new, and the rejected rows explained.
    viirs = page.locator("#ingest-runs tr", has_text="VIIRS Suomi NPP")
    assert "VIIRS_SNPP_NRT" not in page.locator("#ingest-runs").inner_text()  # a product code is no word
    assert "12.345 / 2" in viirs.inner_text()
    assert "2 dòng bị loại" in viirs.inner_text() and "latitude out of range" in viirs.inner_text()
    # The parcel imports: one row named by the layer, with the number of imports.
    parcels = page.locator("#ingest-runs tr[data-kind='vector-import']", has_text="Thửa đất")
    assert parcels.count() == 1 and "số lần nạp: 30" in parcels.inner_text()
    # Its newest import failed: said so, with the reason.
    assert parcels.locator(".gp-status").inner_text() == "Thất bại"
    assert parcels.locator(".gp-feed-reason").inner_text() == "thiếu cột so_thua"
    # On a phone every feed is a card with readable labels; the charts fit the screen.
    width = page.viewport_size["width"]
    for selector in ("#ingest-runs tr", ".gp-chart", ".gp-tile"):
        boxes = [b for b in (el.bounding_box() for el in page.locator(selector).all()) if b]
        assert boxes and all(b["x"] >= 0 and b["x"] + b["width"] <= width + 0.5 for b in boxes), selector
    assert (
        page.evaluate(
            "() => Object.values(Chart.instances).find(c => c.canvas.id === 'chart-coverage').options.indexAxis"
        )
        == "y"
    )
    modis.scroll_into_view_if_needed()
    journey.shot(page, "operator-dashboard-feeds")
    page.locator("#chart-coverage").scroll_into_view_if_needed()
    journey.shot(page, "operator-dashboard-charts")

    link = modis.locator("a.gp-feed-link")
    assert link.get_attribute("href") == "/map/?layers=fire-hotspots&time=7d"
    if size == "phone":
        link.tap()
    else:
        link.click()
    page.wait_for_url(f"{live_server.url}/map/?layers=fire-hotspots*")
    page.wait_for_selector("body[data-ready='1']")
    journey.shot(page, "operator-dashboard-feed-map")


def test_dashboard_statuses_are_words_in_english_too(live_server, person, users, feeds_history):
    page = person("desktop", locale="en-GB")
    journey.login(page, live_server.url, f"{roles.OPERATOR}_user", PASSWORD, "/dashboard/")
    page.wait_for_selector("body[data-figures-at]")
    journey.press(page, ".gp-lang button[value=en]")
    page.wait_for_selector("html[lang=en] body[data-figures-at]")
    statuses = {s.inner_text() for s in page.locator("#ingest-runs .gp-status").all()}
    assert statuses == {"Succeeded", "Failed"}
    viirs = page.locator("#ingest-runs tr", has_text="VIIRS Suomi NPP")
    assert "12,345 / 2" in viirs.inner_text()
    journey.check(page, "operator-dashboard-en")


def test_builder_without_allowed_sites_says_what_to_set(live_server, person, settings, district):
    settings.EMBED_ALLOWED_ORIGINS = []
    page = person("phone")
    page.goto(f"{live_server.url}/embed/builder/")
    box = page.locator("[data-testid=allowed-origins]")
    assert "Chưa có trang nào được phép." in box.inner_text()
    assert box.locator("pre").inner_text() == "EMBED_ALLOWED_ORIGINS=https://bactramy.quangnam.gov.vn"
    assert box.locator("pre").is_visible()
    journey.check(page, "builder-no-origins")


def test_builder_lists_the_allowed_sites_and_the_ignored_entries(live_server, person, settings, district):
    settings.EMBED_ALLOWED_ORIGINS = ["https://portal.bactramy.vn/", "portal-without-scheme"]
    assert embeds.allowed_origins() == {"allowed": ["https://portal.bactramy.vn"], "ignored": ["portal-without-scheme"]}
    page = person("desktop")
    page.goto(f"{live_server.url}/embed/builder/")
    box = page.locator("[data-testid=allowed-origins]")
    assert box.locator("li").all_inner_texts() == ["https://portal.bactramy.vn", "portal-without-scheme"]
    assert "bị bỏ qua" in box.inner_text() and "Chưa có trang nào" not in box.inner_text()
    journey.check(page, "builder-origins")


def _drag_map(page, dx: int, dy: int) -> None:
    """A real drag across the builder's map: the mouse on a desktop, a finger (touch events) on a phone."""
    box = page.locator("#gp-builder-map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    if page.size == "desktop":
        page.mouse.move(x, y)
        page.mouse.down()
        for i in range(1, 11):
            page.mouse.move(x + dx * i / 10, y + dy * i / 10)
        page.mouse.up()
        return
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for i in range(1, 11):
        point = {"x": x + dx * i / 10, "y": y + dy * i / 10}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def _settled(page, expression: str):
    """The value once it stops changing (the map glides on for a moment after a drag)."""
    last = page.evaluate(expression)
    for _ in range(50):
        page.wait_for_timeout(200)
        now = page.evaluate(expression)
        if now == last:
            return now
        last = now
    raise AssertionError("the map never came to rest")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_builder_takes_the_view_from_the_map_and_copies_the_code(live_server, person, settings, district, size):
    settings.EMBED_ALLOWED_ORIGINS = ["https://portal.bactramy.vn"]
    page = person(size, permissions=["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}/embed/builder/")
    page.wait_for_selector("#gp-builder-map .leaflet-tile-loaded")
    journey.check(page, "builder")
    bounds = (
        "() => { const b = window.geoplatformBuilder.map.getBounds();"
        " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
    )
    before = page.evaluate(bounds)
    page.locator("#gp-builder-map").scroll_into_view_if_needed()
    _drag_map(page, -120, 80)
    page.wait_for_function(f"() => ({bounds})()[0] > {before[0] + 0.001}")
    after = _settled(page, bounds)
    assert after[0] > before[0] and after[1] > before[1]  # the map dragged left and down: the view went east and north
    journey.press(page, "#gp-builder-take-view")
    taken = [float(v) for v in page.input_value("#gp-builder-bbox").split(",")]
    assert taken == pytest.approx(after, abs=1e-4)
    page.wait_for_function("() => document.getElementById('gp-builder-code').value.includes('bbox=')")
    code = page.input_value("[data-testid=embed-code]")
    assert f"bbox={page.input_value('#gp-builder-bbox')}" in code
    journey.shot(page, "builder-view-taken")

    page.locator("#gp-builder-copy").scroll_into_view_if_needed()
    journey.press(page, "#gp-builder-copy")
    status = page.locator("#gp-builder-copy-status")
    status.filter(has_text="Đã chép mã nhúng vào bộ nhớ tạm.").wait_for()
    assert status.is_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == code
    journey.check(page, "builder-copied")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_builder_explains_a_bad_bbox_next_to_the_field_and_writes_no_code(
    live_server, person, settings, district, size
):
    page = person(size)
    page.goto(f"{live_server.url}/embed/builder/")
    page.wait_for_function("() => document.getElementById('gp-builder-code').value.startsWith('<iframe')")
    field = page.locator("#gp-builder-bbox")
    error = page.locator("#gp-builder-bbox-error")
    field.type("15.10,107.95,15.45,108.40")  # latitude first
    page.wait_for_function("() => document.getElementById('gp-builder-bbox-error').textContent !== ''")
    assert error.inner_text() == "Có vẻ vĩ độ được ghi trước kinh độ: thứ tự là tây,nam,đông,bắc."
    assert field.get_attribute("aria-invalid") == "true"
    # Next to the field: just below it, in the same column.
    f, e = field.bounding_box(), error.bounding_box()
    assert 0 <= e["y"] - (f["y"] + f["height"]) < 30 and abs(e["x"] - f["x"]) < 5
    assert page.input_value("[data-testid=embed-code]") == ""
    assert page.locator("#gp-builder-copy").is_disabled()
    assert page.locator("#gp-builder-code-note").inner_text() == "Chưa có mã nhúng: hãy sửa ô báo lỗi ở trên."
    field.scroll_into_view_if_needed()
    journey.check(page, "builder-bad-bbox")

    field.fill("")
    field.type("108.1,15.3,108.2")
    page.wait_for_function("() => document.getElementById('gp-builder-bbox-error').textContent.startsWith('Cần 4 số')")
    field.fill("")
    field.type("108.1,15.3,108.2,15.4")
    page.wait_for_function(
        "() => document.getElementById('gp-builder-code').value.includes('bbox=108.1,15.3,108.2,15.4')"
    )
    assert error.is_hidden() and field.get_attribute("aria-invalid") is None
    assert page.locator("#gp-builder-copy").is_enabled()
    # The chosen box is drawn on the builder's map: one rectangle, the fixed one.
    page.locator("#gp-builder-map").scroll_into_view_if_needed()
    assert page.locator("#gp-builder-map path[stroke='#d84315']").count() == 1
    journey.shot(page, "builder-bbox-fixed")
