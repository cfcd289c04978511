"""The report form and the officers' queue map in Debian's Chromium: XSS text shows as text, never runs."""

import pytest
from django.test import Client

from layers import roles
from layers.feedback import intake
from layers.feedback.models import Complaint

from .conftest import TOWN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)> rác ở chợ"


@pytest.fixture
def browser_context(browser):
    """A Chromium context placed in Trà My town (device location granted), recording script dialogs."""
    context = browser.new_context(
        viewport={"width": 900, "height": 900},
        locale="vi-VN",
        geolocation={"latitude": TOWN[1], "longitude": TOWN[0]},
        permissions=["geolocation"],
    )
    context.dialogs = []
    context.on("page", lambda p: p.on("dialog", lambda d: (context.dialogs.append(d.message), d.dismiss())))
    yield context
    context.close()


def test_form_and_queue_show_hostile_text_without_running_it(live_server, district, users, browser_context):
    original, _ = intake.submit(intake.Report(category="rubbish", description=XSS, lon=TOWN[0], lat=TOWN[1]))
    page = browser_context.new_page()

    # The citizen: device location, category, and the nearby open report is suggested as plain text.
    page.goto(live_server.url + "/feedback/")
    page.select_option("#id_category", "rubbish")
    page.click("#use-location")
    page.wait_for_selector("#nearby-hint a")
    assert page.inner_text("#nearby-hint a") == original.tracking_code
    assert "<script>alert(1)</script>" in page.inner_text("#nearby-hint")
    page.fill("#id_description", "Cống thoát nước bị tắc")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#duplicates")  # the server asks before a second report nearby
    page.check("#id_confirm_new")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector(".fb-receipt")
    assert Complaint.objects.count() == 2

    # The public tracking page of the hostile report shows its text as text.
    page.goto(f"{live_server.url}/feedback/track/{original.tracking_code}/")
    assert "<script>alert(1)</script>" in page.inner_text(".fb-description")
    assert page.locator(".fb-description img").count() == 0

    # The officer: the queue map's popup shows the description as text.
    client = Client()
    client.force_login(users[roles.FEEDBACK_OFFICER])
    browser_context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(live_server.url + "/feedback/queue/")
    page.wait_for_selector("#queue-map path.leaflet-interactive")
    page.locator("#queue-map path.leaflet-interactive").first.click(force=True)
    page.wait_for_selector(".leaflet-popup-content")
    assert page.locator("#queue-map img[src='x']").count() == 0
    assert page.locator("table.fb-table img").count() == 0
    assert browser_context.dialogs == []


def test_a_photo_with_gps_pre_fills_the_place_before_sending(live_server, district, browser_context, tmp_path):
    from .conftest import TRA_SON, jpeg_bytes

    photo = tmp_path / "anh.jpg"
    photo.write_bytes(jpeg_bytes(gps=TRA_SON))
    page = browser_context.new_page()
    page.goto(live_server.url + "/feedback/")
    page.select_option("#id_category", "road_damage")
    page.fill("#id_description", "Cống vỡ, ảnh có vị trí")
    page.set_input_files("#id_photos", str(photo))
    page.wait_for_function("() => document.getElementById('id_lat').value !== ''")
    assert float(page.input_value("#id_lat")) == pytest.approx(TRA_SON[1], abs=1e-4)
    assert float(page.input_value("#id_lon")) == pytest.approx(TRA_SON[0], abs=1e-4)
    assert page.locator("#pick-map .leaflet-marker-icon").count() == 1
    page.click("#report-form button[type=submit]")
    page.wait_for_selector(".fb-receipt")
    complaint = Complaint.objects.get()
    assert complaint.commune == district["son"] and complaint.photos.count() == 1
    assert browser_context.dialogs == []
