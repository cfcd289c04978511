"""What a usability tester found on the feedback pages: place warnings, the tracking hint, stats on a phone, order."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from layers import roles
from layers.feedback import intake
from layers.places.models import Commune
from tests import journey

from .conftest import TOWN, TRA_SON, box

PASSWORD = "pw-for-tests-only"
FAR_AWAY = (105.85, 21.03)  # Hà Nội: a phone's position far from the district


def _more_communes(district):
    """Three communes whose names sort differently by code point and by the Vietnamese alphabet."""
    d = district["town"].district
    for k, name in enumerate(("Trà Đông", "Trà Đốc", "Trà Dương")):
        geom = box(108.36 + k * 0.01, 15.30, 108.365 + k * 0.01, 15.31)
        Commune.objects.create(district=d, name=name, code=f"extra-{k}", geom=geom)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["vi-VN", "en-GB"])
def test_a_device_position_outside_the_district_is_warned_at_once_next_to_the_place(
    live_server, district, person, locale
):
    page = person("phone", locale=locale, geolocation={"latitude": FAR_AWAY[1], "longitude": FAR_AWAY[0]},
                  permissions=["geolocation"])  # fmt: skip
    page.goto(live_server.url + "/feedback/")
    # The phone's own language chooses the page's language.
    assert page.get_attribute("html", "lang") == locale[:2]
    warning = page.locator("[data-testid=place-outside]")
    # A tap in the district (the map opens on it): no warning.
    journey.press(page, "#pick-map")
    page.wait_for_function("() => document.getElementById('id_lat').value !== ''")
    assert warning.is_hidden()
    journey.press(page, "#use-location")
    warning.wait_for(state="visible")
    expected = (
        "Vị trí này nằm ngoài huyện Bắc Trà My." if locale == "vi-VN" else "This place is outside Bắc Trà My district."
    )
    assert warning.inner_text().startswith(expected), warning.inner_text()
    # Right under the place controls, before anything is sent, not at the far end of the form.
    assert 0 < warning.bounding_box()["y"] - page.locator("#use-location").bounding_box()["y"] < 200
    assert page.url.rstrip("/").endswith("/feedback")
    journey.check(page, f"feedback-outside-{locale[:2]}")


def test_the_tracking_hint_describes_every_code_the_system_issues(db, district):
    page = Client().get("/feedback/track/").content.decode()
    hint = re.search(r'id="id_code_helptext">(.*?)</small>', page).group(1)
    issued = intake.new_tracking_code()
    assert "PA- và 8 chữ" not in hint and "chữ in hoa và số, có dấu gạch ngang" in hint
    # The words hold for the generator's codes and for the demo's (BTM-W2HDPP).
    for code in (issued, "BTM-W2HDPP"):
        assert re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)+", code), code
    example = re.search(r"ví dụ ([A-Z0-9-]+)", hint).group(1)
    assert re.fullmatch(r"PA-[A-Z0-9]{8}", example) and "placeholder" not in page.split('id="id_code"')[1][:200]


def test_communes_follow_one_vietnamese_order_on_the_form_the_queue_and_the_stats(db, district, users):
    _more_communes(district)
    for commune, lon in (("Trà Đông", 108.362), ("Trà Đốc", 108.372), ("Trà Dương", 108.382)):
        complaint, _ = intake.submit(intake.Report(category="rubbish", description="Rác", lon=lon, lat=15.305))
        assert complaint.commune.name == commune
    intake.submit(intake.Report(category="rubbish", description="Rác", lon=TRA_SON[0], lat=TRA_SON[1]))
    expected = ["Thị trấn Trà My", "Trà Dương", "Trà Đốc", "Trà Đông", "Trà Sơn"]
    form = Client().get("/feedback/").content.decode()
    officer = Client()
    officer.force_login(users[roles.FEEDBACK_OFFICER])
    queue = officer.get("/feedback/queue/").content.decode()
    stats = officer.get("/feedback/stats/").content.decode()

    def order(html, start):
        part = html.split(start, 1)[1]
        return [n for n in re.findall(r">(Thị trấn Trà My|Trà [^<]+)<", part) if n in expected]

    assert order(form, 'id="id_commune"')[:5] == expected
    assert order(queue, 'id="f-commune"')[:5] == expected
    by_commune = order(stats, "<h2>Theo xã</h2>")[:4]
    assert by_commune == ["Trà Dương", "Trà Đốc", "Trà Đông", "Trà Sơn"]


def test_stats_tables_show_months_as_people_write_them_and_one_decimal(db, district, users):
    past = timezone.now() - timedelta(hours=5)
    intake.submit(intake.Report(category="landslide", description="Sạt", lon=TOWN[0], lat=TOWN[1]), now=past)
    officer = Client()
    officer.force_login(users[roles.FEEDBACK_OFFICER])
    vi = officer.get("/feedback/stats/").content.decode()
    month = timezone.localtime(past)
    month_table = vi.split("<h2>Theo tháng</h2>", 1)[1]
    assert f"<td>{month:%m/%Y}</td>" in month_table and f"<td>{month:%Y-%m}</td>" not in month_table
    assert re.search(r"<td>Sạt lở đất, đá</td><td>1</td><td>—</td><td>0,0</td>", vi)
    en = officer.get("/feedback/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"<td>{month:%b %Y}</td>" in en.split("<h2>By month</h2>", 1)[1]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_category_of_the_on_time_chart_is_labelled_on_a_phone(live_server, district, users, person):
    from layers.feedback.models import Category

    codes = list(Category.objects.values_list("code", flat=True))
    for code in codes:
        attributes = {"operator": "viettel", "technology": "4G"} if code == "no_signal" else {}
        intake.submit(intake.Report(category=code, description="Thử", lon=TOWN[0], lat=TOWN[1], attributes=attributes))
    page = person("phone")
    journey.login(page, live_server.url, users[roles.FEEDBACK_OFFICER].username, PASSWORD, "/feedback/stats/")
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-category')")
    drawn = page.evaluate("() => Chart.getChart('chart-category').scales.y.ticks.length")
    assert drawn == len(codes) >= 9, (drawn, len(codes))
    # Long names are broken into short lines, so none is cut at the screen's left edge.
    lines = page.evaluate("() => Chart.getChart('chart-category').data.labels.flat()")
    assert max(len(line) for line in lines) <= 22 and "sự cố lưới điện nguy hiểm" in " ".join(lines), lines
    # Each label has its own line: the chart is tall enough for every bar on a 390 px screen.
    box = page.locator("[data-testid=chart-category]").bounding_box()
    assert box["height"] >= 30 * len(codes) and box["width"] <= 390
    journey.check(page, "feedback-stats-categories")
