"""From the operations map to the desk: an editor taps a parcel, follows the popup's edit link and lands on the
desk with that parcel chosen (phone, real taps, offline base map); nobody else is offered the link."""

import pytest
from django.test import Client

from tests import journey

from .test_desk import PASSWORD, lonlat, parcel_a, staff_user  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_catalogue_offers_the_desk_to_editors_only(parcel_a, staff_user):  # noqa: F811
    editor = Client()
    editor.force_login(staff_user)
    layers = {entry["slug"]: entry for entry in editor.get("/api/layers/").json()["layers"]}
    assert layers["parcels"]["edit_page"] == "/parcels/desk/?parcel={id}"
    assert layers["villages"]["edit_page"] is None  # a layer without a desk
    anonymous = {entry["slug"]: entry for entry in Client().get("/api/layers/").json()["layers"]}
    assert "parcels" in anonymous and all(entry["edit_page"] is None for entry in anonymous.values())


def test_an_editor_goes_from_a_parcel_on_the_map_to_the_desk_with_it_chosen(live_server, person, parcel_a):  # noqa: F811
    page = person("phone")
    lat, lon = lonlat(10, 15)
    journey.login(page, live_server.url, "dothi", PASSWORD, next_url="/map/")
    page.goto(f"{live_server.url}/map/?layers=parcels&center={lat},{lon}&zoom=18")
    page.wait_for_selector("body[data-ready='1']", timeout=20000)
    page.wait_for_timeout(500)
    journey.tap_map(page, lat, lon)
    link = page.locator(".leaflet-popup [data-testid=edit-feature]")
    link.wait_for()
    assert link.inner_text() == "Sửa trên bàn làm việc →"
    assert link.get_attribute("href") == f"/parcels/desk/?parcel={parcel_a.pk}"
    journey.check(page, "map-parcel-edit-link")
    with page.expect_navigation():
        journey.press(page, ".leaflet-popup [data-testid=edit-feature]")
    page.wait_for_function("() => window.parcelDesk && window.parcelDesk.state.selected !== null")
    assert page.evaluate("() => window.parcelDesk.state.selected") == parcel_a.pk
    assert page.locator("#pd-form").is_visible()
    assert f"{parcel_a.map_sheet}/{parcel_a.parcel_number}" in page.locator("#pd-status").inner_text()
    journey.check(page, "parcels-desk-from-map")
