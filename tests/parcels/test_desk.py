"""The urban-management desk in Chromium: draw a snapped parcel, move a vertex, a refused overlap drawn on the
map, split, merge, a past version shown and reverted (desktop, real mouse); and two editors at once, the second
on a phone (real taps), getting the conflict dialog and re-applying. Offline base map."""

import geopandas
import pytest
import shapely
from django.contrib.auth.models import Group, User
from django.test import Client

from layers import roles
from layers.parcels import rules
from layers.parcels.models import Lineage, Parcel
from tests import journey

from .conftest import feature, rect, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-only"
ORIGIN = rules.to_metric(shapely.Point(108.23, 15.35))


@pytest.fixture
def staff_user():
    """An urban-management officer who logs in with a password."""
    user = User.objects.create_user("dothi", password=PASSWORD, first_name="Lê Thị", last_name="Hoa")
    user.groups.add(Group.objects.get(name=roles.URBAN_STAFF))
    return user


@pytest.fixture
def parcel_a(town, staff_user):
    """Parcel 1/1, 20 × 30 m at the town centre, saved through the API as an editor would."""
    client = Client()
    client.force_login(staff_user)
    response = send(client, "post", "/api/layers/parcels/features/", feature(rect(0, 0, 20, 30), address="Tổ 1"))
    assert response.status_code == 201, response.content
    return Parcel.objects.get(pk=response.json()["id"])


def lonlat(x: float, y: float) -> tuple[float, float]:
    """(lat, lon) of a point x, y metres from the town centre."""
    point = rules.to_lonlat(shapely.Point(ORIGIN.x + x, ORIGIN.y + y))
    return point.y, point.x


def screen(page, x: float, y: float) -> tuple[float, float]:
    """Page pixels of a point x, y metres from the town centre."""
    lat, lon = lonlat(x, y)
    box = page.locator("#pd-map").bounding_box()
    p = page.evaluate("([lat, lon]) => window.parcelDesk.map.latLngToContainerPoint([lat, lon])", [lat, lon])
    return box["x"] + p["x"], box["y"] + p["y"]


def tap(page, x: float, y: float) -> None:
    """A real click (desktop) or tap (phone) on the map at x, y metres."""
    px, py = screen(page, x, y)
    if page.size == "phone":
        page.touchscreen.tap(px, py)
    else:
        page.mouse.click(px, py)


def open_desk(page, base_url: str) -> None:
    """Log in and open the desk at the parcels, waiting for them to load."""
    journey.login(page, base_url, "dothi", PASSWORD, next_url="/parcels/desk/")
    page.wait_for_function("() => window.parcelDesk && window.parcelDesk.loaded > 0")
    lat, lon = lonlat(20, 15)
    page.evaluate("([lat, lon]) => window.parcelDesk.map.setView([lat, lon], 19, {animate: false})", [lat, lon])
    page.wait_for_timeout(300)


def loaded_after(page, before: int) -> None:
    page.wait_for_function("(n) => window.parcelDesk.loaded > n", arg=before)


def loads(page) -> int:
    return page.evaluate("() => window.parcelDesk.loaded")


def drop_expected_refusals(page, *statuses) -> None:
    """The refusals the journey provokes on purpose are logged by Chromium as failed loads: only those are let go."""
    expected = [f"status of {s}" for s in statuses]
    page.problems = [p for p in page.problems if not any(e in p for e in expected)]


def test_editor_draws_snaps_edits_is_refused_splits_merges_and_reverts(live_server, person, parcel_a, tmp_path):
    page = person("desktop")
    open_desk(page, live_server.url)
    journey.check(page, "parcels-desk")

    # Draw parcel 1/2 east of 1/1, its west corners drawn about 30 cm off 1/1's corners: snapped.
    journey.press(page, "[data-testid=tool-draw]")
    for x, y in ((20.3, 0.2), (40, 0), (40, 30), (20.3, 29.8), (20.3, 0.2)):
        tap(page, x, y)
    page.locator("[name=map_sheet]").fill("1")
    page.locator("[name=parcel_number]").fill("2")
    page.locator("[name=land_use_code]").select_option("CLN")
    page.locator("#pd-form [name=reason]").fill("Đo mới")
    before = loads(page)
    journey.press(page, "[data-testid=save]")
    loaded_after(page, before)
    b = Parcel.objects.get(parcel_number="2")
    a_shape, b_shape = (shapely.from_wkb(bytes(p.geom.wkb)) for p in (parcel_a, b))
    assert a_shape.intersection(b_shape).area == pytest.approx(0, abs=1e-12)
    assert shapely.union_all([a_shape, b_shape]).area == pytest.approx(a_shape.area + b_shape.area, rel=1e-9)
    assert b.area_m2 == pytest.approx(600, abs=10)  # a pixel is 0.3 m at zoom 19
    drawn_area = b.area_m2
    assert "Trồng cây lâu năm".lower() in page.locator("[name=land_use_code] option:checked").inner_text().lower()

    # Move 1/2's north-east vertex 5 m east.
    journey.press(page, "[data-testid=tool-edit]")
    page.wait_for_timeout(200)
    x0, y0 = screen(page, 40, 30)
    x1, y1 = screen(page, 45, 30)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, y0, steps=4)
    page.mouse.move(x1, y1, steps=4)
    page.mouse.up()
    page.locator("#pd-form [name=reason]").fill("Sửa ranh")
    before = loads(page)
    journey.press(page, "[data-testid=save]")
    loaded_after(page, before)
    b.refresh_from_db()
    assert b.version == 2 and b.area_m2 - drawn_area == pytest.approx(75, abs=5)  # a triangle 5 m × 30 m
    journey.shot(page, "parcels-desk-edited")

    # A parcel drawn over 1/1 is refused; the overlap is drawn in red and named.
    journey.press(page, "[data-testid=tool-draw]")
    for x, y in ((-8, 5), (6, 5), (6, 25), (-8, 25), (-8, 5)):
        tap(page, x, y)
    page.locator("[name=map_sheet]").fill("1")
    page.locator("[name=parcel_number]").fill("9")
    journey.press(page, "[data-testid=save]")
    error = page.locator("[data-testid=desk-error]")
    error.wait_for(state="visible")
    assert "1/1" in error.inner_text() or "thửa 1" in error.inner_text()
    assert page.locator(".pd-overlap-tip").count() == 1
    journey.shot(page, "parcels-desk-overlap-refused")
    assert not Parcel.objects.filter(parcel_number="9").exists()
    drop_expected_refusals(page, 400)
    journey.press(page, "#pd-cancel")

    # Split 1/1 by a line through its middle.
    page.wait_for_timeout(300)
    tap(page, 5, 15)
    journey.press(page, "[data-testid=tool-split]")
    for x, y in ((10, -4), (10, 34), (10, 34)):
        tap(page, x, y)
    page.locator("[data-testid=ask-reason]").fill("Tách thửa theo đơn")
    before = loads(page)
    journey.press(page, "[data-testid=ask-ok]")
    loaded_after(page, before)
    children = list(Parcel.objects.filter(parents__operation="split").distinct())
    assert len(children) == 2 and not Parcel.objects.filter(pk=parcel_a.pk).exists()
    assert sorted(round(c.area_m2) for c in children) == [300, 300]

    # Merge the two halves back.
    journey.press(page, "[data-testid=tool-merge]")
    tap(page, 5, 15)
    tap(page, 15, 15)
    page.locator("[data-testid=merge-reason]").fill("Hợp lại")
    before = loads(page)
    journey.press(page, "[data-testid=merge-do]")
    loaded_after(page, before)
    merged = Parcel.objects.get(parents__operation="merge", parents__parent_id_value=children[0].pk)
    assert merged.area_m2 == pytest.approx(600, abs=1)
    assert Lineage.objects.filter(child=merged).count() == 2

    # History of 1/2: the first version drawn on the map, then reverted to as a new version.
    page.wait_for_timeout(300)
    tap(page, 30, 15)
    journey.press(page, "[data-testid=tool-history]")
    versions = page.locator("[data-testid=version]")
    versions.first.wait_for()
    assert versions.count() == 2 and "Sửa ranh" in versions.nth(0).inner_text()
    versions.nth(1).locator("button").first.click()
    journey.shot(page, "parcels-desk-past-version")
    before = loads(page)
    page.locator("[data-testid=revert]").first.click()
    loaded_after(page, before)
    b.refresh_from_db()
    assert b.version == 3 and b.area_m2 == drawn_area

    # The cadastral office's file: a new parcel 5/1 east of the others, previewed on the map, then applied.
    path = tmp_path / "vpdk-2026.gpkg"
    geopandas.GeoDataFrame(
        {"so_to": ["5"], "so_thua": ["1"], "loai_dat": ["ODT"]},
        geometry=[rules.to_metric(rect(60, 0, 20, 30))],
        crs="EPSG:5899",
    ).to_file(path, driver="GPKG")
    page.locator("[data-testid=cadastre] summary").click()
    page.locator("[data-testid=cadastre-file]").set_input_files(str(path))
    journey.press(page, "[data-testid=cadastre-preview]")
    result = page.locator("[data-testid=cadastre-result]")
    page.wait_for_function("() => document.querySelector('[data-testid=cadastre-result]').textContent.length > 0")
    assert "Mới: 1" in result.inner_text()
    journey.shot(page, "parcels-desk-cadastre-preview")
    journey.press(page, "[data-testid=cadastre-apply]")
    page.wait_for_function("() => document.querySelector('[data-testid=cadastre-result]').textContent.includes('vpdk')")
    assert Parcel.objects.get(map_sheet="5", parcel_number="1").area_m2 == pytest.approx(600, abs=0.5)
    journey.assert_clean(page)


def test_two_editors_the_second_on_a_phone_gets_the_conflict_dialog_and_reapplies(live_server, person, parcel_a):
    phone = person("phone")
    open_desk(phone, live_server.url)
    # A parcel drawn with the finger beside 1/1, its corners snapped onto 1/1's.
    journey.press(phone, "[data-testid=tool-draw]")
    for x, y in ((20.3, 0.2), (40, 0), (40, 30), (20.3, 29.8), (20.3, 0.2)):
        tap(phone, x, y)
        phone.wait_for_timeout(400)  # apart enough not to be a double tap (zoom)
    phone.locator("[name=map_sheet]").fill("1")
    phone.locator("[name=parcel_number]").fill("2")
    before = loads(phone)
    journey.press(phone, "[data-testid=save]")
    loaded_after(phone, before)
    drawn = shapely.from_wkb(bytes(Parcel.objects.get(parcel_number="2").geom.wkb))
    assert drawn.intersection(shapely.from_wkb(bytes(parcel_a.geom.wkb))).area == pytest.approx(0, abs=1e-12)
    assert drawn.touches(shapely.from_wkb(bytes(parcel_a.geom.wkb)))
    journey.press(phone, "#pd-cancel")
    tap(phone, 10, 15)
    phone.locator("#pd-form [name=address]").wait_for(state="visible")
    # Meanwhile someone else saves the same parcel.
    other = Client()
    other.force_login(User.objects.get(username="dothi"))
    url = f"/api/layers/parcels/features/{parcel_a.pk}/"
    body = {"type": "Feature", "properties": {"land_use_code": "ONT"}}
    assert send(other, "patch", url, body, HTTP_IF_MATCH='"1"').status_code == 200
    phone.locator("#pd-form [name=address]").fill("Tổ 9, thị trấn Trà My")
    journey.press(phone, "[data-testid=save]")
    dialog = phone.locator("[data-testid=conflict]")
    dialog.wait_for(state="visible")
    text = dialog.inner_text()
    assert "Tổ 9, thị trấn Trà My" in text and "Đất ở tại nông thôn (ONT)" in text and "Tổ 1" in text
    journey.assert_fits(phone)
    journey.shot(phone, "parcels-desk-conflict")
    journey.press(phone, "[data-testid=reapply]")
    phone.wait_for_function("() => !document.querySelector('[data-testid=conflict]').open")
    phone.wait_for_timeout(500)
    parcel_a.refresh_from_db()
    assert parcel_a.version == 3 and parcel_a.address == "Tổ 9, thị trấn Trà My"
    drop_expected_refusals(phone, 412)
    journey.check(phone, "parcels-desk")
    assert parcel_a.land_use_code == "ONT"  # the other editor's change is kept: only the address was re-applied
