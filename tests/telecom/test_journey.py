"""The telecom planner's journey on /coverage/ in Chromium, on a phone (real taps) and a desktop, offline.

A real run leaves one village in a terrain shadow; a newer what-if run (a planned site east of the
ridge) covers it. The planner must see the real figure, the legend, gaps and towers on the map,
plan a site from the browser, save it as a what-if run and compare runs chosen from lists.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User

from layers import roles
from layers.telecom import coverage, siteplans
from layers.telecom.models import CoverageRun, SitePlan
from tests import journey
from tests.telecom import scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-only"
EAST_HILL = scene.lonlat(scene.X0 + 5415, scene.Y0 - 3315)
# Inside the dead zone around the shadowed village, but off its marker: what the gap polygon paints.
IN_GAP = scene.lonlat(scene.SHADOWED_XY[0] + 450, scene.SHADOWED_XY[1] - 450)


@pytest.fixture
def runs(settings, tmp_path, dem_asset, tower, district):
    """A real run with the dead zone, then a newer what-if run that fills it; a planner to log in."""
    settings.DATA_DIR = tmp_path
    settings.BASEMAP_URL = journey.DEAD_TILES
    settings.BASEMAP_DEFAULT = "online"
    real = coverage.execute(coverage.start({}, enqueue=False).pk)
    plan = siteplans.plan(
        1, candidates=[{"name": "east hill", "lon": EAST_HILL[0], "lat": EAST_HILL[1]}], run=real, what_if=False
    )
    what_if = coverage.start({**_given(real), "extra_sites": _sites(plan)}, enqueue=False)
    what_if = coverage.execute(what_if.pk)
    assert what_if.what_if and what_if.created_at > real.created_at
    user = User.objects.create_user("planner-journey", password=PASSWORD, first_name="Lan")
    user.groups.add(Group.objects.get_or_create(name=roles.PLANNER)[0])
    return {"real": real, "what_if": what_if, "user": user, **district}


def _given(run):
    return {k: v for k, v in run.parameters.items() if k != "extra_sites"}


def _sites(plan):
    site = plan.candidates.get(rank=1)
    return [
        {"name": site.name, "operator": "viettel", "technology": "4G", "lon": site.geom.x, "lat": site.geom.y}
        | siteplans.SITE_DEFAULTS
    ]


def _open(person, live_server, size="phone", locale="vi-VN", path="/coverage/"):
    page = person(size, locale=locale)
    journey.login(page, live_server.url, "planner-journey", PASSWORD, path)
    page.wait_for_selector("#cov-map[data-ready]")
    page.wait_for_timeout(300)  # the map settles on the villages and towers (fitBounds)
    return page


def _lonlat(village):
    return village.geom.x, village.geom.y


def _box(page, lon, lat, radius=10):
    return journey.around(page, lat, lon, radius=radius, selector="#cov-map")


def _tap_on_map(page, lon, lat):
    journey.tap_map(page, lat, lon, selector="#cov-map")


def _switch(page, layer):
    """Tap a legend checkbox and let the map redraw."""
    journey.press(page, f"[data-testid=legend] input[name={layer}]")
    page.wait_for_timeout(250)


def test_phone_headline_comes_from_the_real_run_and_the_map_shows_legend_gaps_and_towers(live_server, person, runs):
    page = _open(person, live_server)
    journey.check(page, "coverage-start")
    headline = page.inner_text("[data-testid=headline]")
    # 1 of 2 villages: the newer what-if run (2 / 2) does not make the headline.
    assert "1 / 2" in headline and "3G/4G" in headline and "50,0 %" in headline
    basis = page.inner_text("[data-testid=headline-basis]")
    assert f"lần tính thực tế #{runs['real'].pk} lúc" in basis
    chosen = page.locator("[data-testid=map-run] option:checked").inner_text()
    assert chosen.startswith(f"#{runs['real'].pk} · thực tế ·")
    options = page.locator("[data-testid=map-run] option").all_inner_texts()
    assert any(o.startswith(f"#{runs['what_if'].pk} · giả định ·") for o in options)
    legend = page.inner_text("[data-testid=legend]")
    for words in ("Có sóng", "Sóng yếu", "Không có sóng", "Vùng lõm sóng", "Trạm BTS", "Trạm dự kiến"):
        assert words in legend

    # Gap polygon and tower: the pixels where they are change when their layer is switched off.
    page.locator("#cov-map").scroll_into_view_if_needed()
    with_all = journey.pixels(page, "#cov-map")
    _switch(page, "gaps")
    no_gaps = journey.pixels(page, "#cov-map")
    assert journey.changed(with_all, no_gaps, _box(page, *IN_GAP)) > 0.5
    tower = scene.lonlat(*scene.TOWER_XY)
    assert journey.changed(with_all, no_gaps, _box(page, *tower, radius=5)) < 0.05
    _switch(page, "towers")
    no_towers = journey.pixels(page, "#cov-map")
    assert journey.changed(no_gaps, no_towers, _box(page, *tower, radius=6)) > 0.2
    _switch(page, "gaps")
    _switch(page, "towers")
    assert journey.changed(with_all, journey.pixels(page, "#cov-map"), _box(page, *IN_GAP)) < 0.05
    journey.shot(page, "coverage-map")

    # The shadowed village tapped on the map: the reason in words, the numbers rounded the Vietnamese way.
    _tap_on_map(page, *_lonlat(runs["shadowed"]))
    reason = page.inner_text("[data-testid=reason]")
    assert "Thôn shadowed" in reason and "Không có sóng" in reason and "Bị địa hình che khuất" in reason
    assert "terrain_shadow" not in reason and "none" not in reason
    assert re.search(r"cách thôn \d+,\d km", reason), reason
    listed = page.inner_text("[data-testid=gap-villages]")
    assert "Thôn shadowed" in listed and "Bị địa hình che khuất" in listed and "Thôn open" not in listed
    journey.check(page, "coverage-reason")


def test_phone_plans_a_site_sees_it_with_the_people_gained_and_saves_a_what_if_run(
    live_server, person, runs, celery_worker_process
):
    page = _open(person, live_server)
    plans_before = SitePlan.objects.count()
    runs_before = CoverageRun.objects.count()
    page.locator("#cov-plan").scroll_into_view_if_needed()
    page.select_option("#plan-operator", "viettel")
    page.select_option("#plan-technology", "4G")
    page.locator("#plan-k").fill("")
    page.locator("#plan-k").type("0")
    journey.press(page, "#cov-plan button[type=submit]")
    error = page.locator("[data-testid=plan-error]")
    assert "Số trạm mới (k)" in error.inner_text()
    assert page.get_attribute("#plan-k", "aria-invalid") == "true"
    assert SitePlan.objects.count() == plans_before  # nothing half written
    journey.shot(page, "coverage-plan-error")

    page.locator("#plan-k").fill("")
    page.locator("#plan-k").type("1")
    page.select_option("#plan-candidates", "hilltops")
    journey.press(page, "#cov-plan button[type=submit]")
    page.wait_for_selector("[data-testid=plan-result]:not([hidden])", timeout=60000)
    assert error.inner_text() == ""
    total = page.inner_text("#plan-total")
    assert "Viettel 4G" in total and "Thêm 420 người có sóng" in total
    sites = page.locator("#plan-sites li").all_inner_texts()
    assert len(sites) == 1 and "Đỉnh đồi 1" in sites[0] and "+420 người" in sites[0] and "Thôn shadowed" in sites[0]
    assert SitePlan.objects.count() == plans_before + 1 and CoverageRun.objects.count() == runs_before
    journey.check(page, "coverage-plan")
    # The proposed site is drawn on the map: "show on the map" brings it into view, inside the map's frame.
    journey.press(page, "[data-testid=plan-show]")
    page.wait_for_timeout(600)
    marker = page.locator("#cov-map .cov-planned-icon")
    assert marker.count() == 1
    box, frame = marker.bounding_box(), page.locator("#cov-map").bounding_box()
    assert frame["x"] <= box["x"] <= frame["x"] + frame["width"] - box["width"]
    assert frame["y"] <= box["y"] <= frame["y"] + frame["height"] - box["height"]
    assert 0 <= box["y"] <= 844 - box["height"]  # on the phone's screen
    journey.check(page, "coverage-plan-map")
    page.locator("[data-testid=plan-save]").scroll_into_view_if_needed()

    # Saved as a what-if run: the worker computes it, progress in words, then it is listed as "giả định".
    journey.press(page, "[data-testid=plan-save]")
    page.wait_for_selector("text=Đã lưu lần tính giả định", timeout=120000)
    saved = CoverageRun.objects.order_by("-pk").first()
    assert saved.what_if and saved.status == "succeeded" and CoverageRun.objects.count() == runs_before + 1
    page.wait_for_url(f"**/coverage/?run={saved.pk}", timeout=10000)
    page.wait_for_selector("#cov-map[data-ready]")
    chosen = page.locator("[data-testid=map-run] option:checked").inner_text()
    assert chosen.startswith(f"#{saved.pk} · giả định ·")
    assert "giả định" in page.locator("[data-testid=runs] tbody tr").first.inner_text()
    assert "1 / 2" in page.inner_text("[data-testid=headline]")  # still the real run's figure
    assert page.locator("#cov-map .cov-planned-icon").count() == 1  # the run's planned site on its map
    # The what-if run has no gap polygons of its own: the real run's are not passed off as its own.
    assert "không có vùng lõm sóng" in page.inner_text("[data-testid=gap-note]")
    assert page.locator("#cov-map .leaflet-cov-gaps-pane path").count() == 0
    journey.check(page, "coverage-what-if")


def test_desktop_compares_two_runs_chosen_from_the_lists(live_server, person, runs):
    page = _open(person, live_server, "desktop")
    journey.check(page, "coverage-start")
    a = page.locator("[data-testid=compare-a] option:checked").inner_text()
    assert a.startswith(f"#{runs['real'].pk} · thực tế ·")
    page.select_option("[data-testid=compare-a]", str(runs["real"].pk))
    page.select_option("[data-testid=compare-b]", str(runs["what_if"].pk))
    journey.press(page, "#cov-compare button[type=submit]")
    page.wait_for_selector("[data-testid=changes] tbody tr")
    rows = page.locator("[data-testid=changes] tbody tr").all_inner_texts()
    assert len(rows) == 1
    assert "Thôn shadowed (Trà Sơn (test))" in rows[0] and "Viettel 4G" in rows[0]
    assert "Không có sóng" in rows[0] and "Có sóng" in rows[0] and "none" not in rows[0]
    # On the map: a ring in the "before" colour (none, red) around a dot in the "after" colour (covered, green).
    assert page.locator('#cov-map path[stroke="#c62828"][fill="none"]').count() == 1
    assert page.locator('#cov-map path[fill="#2e7d32"][stroke="none"]').count() == 1
    page.wait_for_timeout(500)
    journey.check(page, "coverage-compare")
    # The same run twice: told, not an empty table.
    page.select_option("[data-testid=compare-b]", str(runs["real"].pk))
    journey.press(page, "#cov-compare button[type=submit]")
    assert "hai lần tính khác nhau" in page.inner_text("#cov-compare-note")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_english_mode_shows_the_page_in_english(live_server, person, runs, size):
    page = _open(person, live_server, size, locale="en-GB")
    if size == "phone":
        journey.press(page, "#gp-menu-toggle")
    journey.press(page, ".gp-lang button[value=en]")
    page.wait_for_selector("html[lang=en]")
    page.wait_for_selector("#cov-map[data-ready]")
    main = page.inner_text("main")
    assert "Mobile coverage" in main and "villages with 3G/4G" in main and "Dead zone" in main
    assert "Plan new sites" in main and "Compare two runs" in main and "what-if" in main
    for vietnamese in ("Vùng phủ", "Thôn có sóng", "Quy hoạch", "So sánh", "thực tế", "giả định", "Chú giải"):
        assert vietnamese not in main
    assert "50.0 %" in page.inner_text("[data-testid=headline]")
    listed = page.inner_text("[data-testid=gap-villages]")
    assert "Terrain shadow" in listed and re.search(r"\d\.\d km", listed), listed
    journey.check(page, "coverage-english")
