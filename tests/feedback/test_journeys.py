"""The citizen's report and the feedback officer's day, in Chromium on a phone and a desktop, offline."""

import re

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from layers import roles
from layers.feedback import intake
from layers.feedback.models import Complaint, Note
from layers.places.models import Village
from tests import journey

from .conftest import TOWN, TRA_SON

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-only"
# Red of the complaint's marker on the officer's map (#e53935 filled, #b71c1c ring).
MARKER_RED = (229, 57, 53)


@pytest.fixture
def villages(district):
    """Two villages in Trà Sơn and one in the town, at their centres."""
    son, town = district["son"], district["town"]
    return {
        "dong": Village.objects.create(commune=son, name="Thôn Đồng Trường", geom=Point(108.31, 15.36, srid=4326)),
        "ong": Village.objects.create(commune=son, name="Thôn Ông Sơn", geom=Point(108.29, 15.33, srid=4326)),
        "to1": Village.objects.create(commune=town, name="Tổ dân phố Đồng Bàu", geom=Point(108.2, 15.36, srid=4326)),
    }


def _summary_items(page) -> list[str]:
    return [item.inner_text() for item in page.locator("#fb-summary li").all()]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_citizen_sees_every_error_at_once_then_sends_with_the_village_list_and_copies_the_code(
    live_server, villages, person, size
):
    page = person(size, permissions=["clipboard-read", "clipboard-write"])
    page.goto(live_server.url + "/feedback/")
    journey.check(page, "feedback-1-form")
    # Nothing is chosen for the citizen; a phone offers its camera, its phone and e-mail keyboards.
    assert page.locator("#id_category").input_value() == ""
    assert page.get_attribute("#id_photos", "accept") == "image/*"
    assert page.get_attribute("#id_reporter_phone", "type") == "tel"
    assert page.get_attribute("#id_reporter_email", "type") == "email"

    # Sent empty: one summary at the top names every missing piece, in words a citizen uses.
    journey.press(page, "#report-form button[type=submit]")
    page.wait_for_selector("#fb-summary")
    items = _summary_items(page)
    assert len(items) == 3, items
    assert items[0].startswith("Nơi xảy ra: Hãy cho biết nơi xảy ra")
    assert any(i.startswith("Lĩnh vực: Hãy chọn lĩnh vực") for i in items)
    assert any(i.startswith("Nội dung phản ánh: Hãy mô tả sự việc") for i in items)
    text = page.locator("main").inner_text().lower()
    assert "lat" not in text.split() and "long" not in text and "this field" not in text
    assert page.evaluate("() => document.activeElement.id") == "fb-summary"
    assert page.locator("#id_description").get_attribute("aria-invalid") == "true"
    assert Complaint.objects.count() == 0
    journey.check(page, "feedback-2-errors")

    # The place without the map: the commune, then its villages only.
    if size == "desktop":
        # Keyboard only: tab into the list and type the first letters, as on any select.
        page.focus("#id_commune")
        page.keyboard.type("Trà Sơn")
        page.keyboard.press("Tab")
    else:
        page.select_option("#id_commune", label="Trà Sơn")
    assert page.locator("#id_commune option:checked").inner_text() == "Trà Sơn"
    options = page.locator("#id_village option").all_inner_texts()
    assert options[1:] == ["Thôn Đồng Trường (Trà Sơn)", "Thôn Ông Sơn (Trà Sơn)"]
    if size == "desktop":
        assert page.evaluate("() => document.activeElement.id") == "id_village"
        page.keyboard.press("ArrowDown")  # Thôn Đồng Trường
        page.keyboard.press("ArrowDown")  # Thôn Ông Sơn
        page.keyboard.press("Tab")
    else:
        page.select_option("#id_village", label="Thôn Ông Sơn (Trà Sơn)")
    page.wait_for_selector("#pick-map .leaflet-marker-icon")
    assert "15.33000, 108.29000" in page.inner_text("#picked")
    page.select_option("#id_category", label="Rác thải, vệ sinh môi trường")
    page.locator("#id_description").type("Rác đổ bên đường vào thôn, bốc mùi")
    page.locator("#id_reporter_phone").type("0905 111 222")
    journey.shot(page, "feedback-3-filled")
    journey.press(page, "#report-form button[type=submit]")

    # The receipt: the code, big; copy it; a link to the map at the place.
    page.wait_for_selector("[data-testid=receipt]")
    complaint = Complaint.objects.get()
    assert complaint.commune == villages["ong"].commune and complaint.geom.equals_exact(villages["ong"].geom, 1e-6)
    assert complaint.category == "rubbish" and complaint.reporter_phone == "0905 111 222"
    assert page.inner_text("#fb-code") == complaint.tracking_code
    journey.check(page, "feedback-4-receipt")
    journey.press(page, "#copy-code")
    page.wait_for_function("() => document.getElementById('copy-status').textContent !== ''")
    assert page.inner_text("#copy-status") == "Đã sao chép mã vào bộ nhớ tạm."
    assert page.evaluate("() => navigator.clipboard.readText()") == complaint.tracking_code
    # Share only where the device can share (Chromium on Linux cannot): never a button that does nothing.
    assert page.locator("#share-code").is_visible() == page.evaluate("() => !!navigator.share")
    link = page.locator("[data-testid=map-link]")
    assert link.is_visible() and link.inner_text() == "Xem trên bản đồ"
    assert link.get_attribute("href") == "/map/?center=15.33000,108.29000&zoom=16&layers=complaints"
    assert Client().get(link.get_attribute("href")).status_code == 200  # the map page takes this view
    journey.shot(page, "feedback-5-copied")


def test_a_phone_without_location_permission_says_how_else_to_give_the_place(live_server, villages, person):
    page = person("phone")  # no geolocation permission granted: the browser refuses the position
    page.goto(live_server.url + "/feedback/")
    assert page.locator("#geo-status").is_hidden()
    journey.press(page, "#use-location")
    page.wait_for_function("() => document.getElementById('geo-status').textContent.indexOf('cho phép') > 0")
    message = page.locator("#geo-status")
    assert message.is_visible()
    assert message.inner_text().startswith("Không lấy được vị trí: máy chưa cho phép trang này dùng vị trí.")
    assert "chọn xã và thôn" in message.inner_text()
    assert page.input_value("#id_lat") == ""
    journey.check(page, "feedback-location-denied")

    english = person("desktop", locale="en-GB")
    english.goto(live_server.url + "/feedback/")
    journey.press(english, "#use-location")
    english.wait_for_function("() => document.getElementById('geo-status').textContent !== ''")
    assert english.inner_text("#geo-status").startswith("Your location could not be used")
    journey.check(english, "feedback-location-denied-en")


def test_a_wrong_tracking_code_gives_a_friendly_page_in_both_languages(live_server, district, person):
    page = person("phone")
    response = page.goto(live_server.url + "/feedback/track/pa-zzzz2222/")
    assert response.status == 404
    assert page.inner_text("[data-testid=lookup-message]") == (
        "Không tìm thấy phản ánh có mã PA-ZZZZ2222. Hãy kiểm tra lại mã, ví dụ PA-7KQ2M9XD."
    )
    assert page.input_value("#id_code") == "PA-ZZZZ2222"  # to correct, not to type again
    journey.check(page, "feedback-track-unknown")

    english = person("desktop", locale="en-GB")
    response = english.goto(live_server.url + "/feedback/track/PA-ZZZZ2222/")
    assert response.status == 404
    assert english.inner_text("[data-testid=lookup-message]").startswith("No report has the code PA-ZZZZ2222.")
    assert english.inner_text("h1") == "Track a report"
    journey.check(english, "feedback-track-unknown-en")


def _marker_pixels(page) -> int:
    """How many pixels near the centre of the complaint's map have the marker's red."""
    image = journey.pixels(page, "#detail-map")
    h, w = image.shape[:2]
    box = image[h // 2 - 20 : h // 2 + 20, w // 2 - 20 : w // 2 + 20]
    distance = abs(box - MARKER_RED).sum(axis=2)
    return int((distance < 60).sum())


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_officer_works_the_queue_writes_an_internal_note_then_a_public_answer(
    live_server, district, users, person, size
):
    officer = users[roles.FEEDBACK_OFFICER]
    first, _ = intake.submit(
        intake.Report(category="landslide", description="Sạt taluy đường vào thôn", lon=TRA_SON[0], lat=TRA_SON[1])
    )
    for i in range(3):
        intake.submit(
            intake.Report(category="rubbish", description=f"Rác ở chợ {i}", lon=TOWN[0], lat=TOWN[1] + i / 100)
        )
    page = person(size)
    journey.login(page, live_server.url, officer.username, PASSWORD, "/feedback/queue/")

    # The queue fits a phone: cards, statuses and categories in words, every control labelled.
    row = page.locator("tr.fb-row", has_text=first.tracking_code)
    assert "Sạt lở đất, đá" in row.inner_text() and "Đã tiếp nhận" in row.inner_text()
    assert "landslide" not in row.inner_text() and "received" not in row.inner_text()
    assert row.bounding_box()["width"] <= page.viewport_size["width"]
    journey.check(page, "officer-1-queue")

    # Tick one new report (a real tap on its labelled box) and acknowledge it from the queue.
    market = Complaint.objects.get(description="Rác ở chợ 0")
    box = page.get_by_label(f"Chọn {market.tracking_code}")
    journey.press(page, f"#pick-{market.pk}")
    assert box.is_checked()
    journey.press(page, ".fb-bulk button")
    page.wait_for_selector("[data-testid=messages]")
    assert page.inner_text("[data-testid=messages]") == "Đã xác nhận 1 phản ánh."
    assert "Đã xác nhận" in page.locator("tr.fb-row", has_text=market.tracking_code).inner_text()
    assert Complaint.objects.filter(status="acknowledged").count() == 1

    # The complaint: its map shows the place.
    page.locator("a", has_text=first.tracking_code).first.scroll_into_view_if_needed()
    journey.press(page, f"a[href='/feedback/queue/{first.tracking_code}/']")
    page.wait_for_url(f"**/feedback/queue/{first.tracking_code}/")
    page.wait_for_selector("#detail-map path.leaflet-interactive")
    page.locator("#detail-map").scroll_into_view_if_needed()
    assert _marker_pixels(page) > 100
    assert page.locator("#id_action").input_value() == ""  # nothing happens unless the officer chooses it
    assert page.locator("#id_action option").all_inner_texts()[:3] == [
        "— Giữ nguyên trạng thái —",
        "Xác nhận đã tiếp nhận",
        "Bắt đầu xử lý",
    ]
    journey.check(page, "officer-2-complaint")

    # An internal note: saved, marked internal, the status untouched, nothing shown to the public.
    page.locator("#id_internal").type("Đã gọi trưởng thôn, hẹn kiểm tra sáng mai")
    journey.press(page, "[data-testid=respond]")
    page.wait_for_selector("[data-testid=saved]")
    assert page.inner_text("[data-testid=saved]") == "Đã lưu."
    note = page.locator(".fb-note", has_text="Đã gọi trưởng thôn")
    assert "Nội bộ" in note.inner_text()
    assert page.inner_text("[data-testid=status]") == "Đã tiếp nhận"
    journey.check(page, "officer-3-internal-note")
    public = person(size)
    public.goto(f"{live_server.url}/feedback/track/{first.tracking_code}/")
    assert "Đã gọi trưởng thôn" not in public.inner_text("main")
    assert public.inner_text("[data-testid=answers]") == "Chưa có trả lời."
    journey.check(public, "officer-4-public-before")

    # A public answer with a step: shown on the tracking page, the internal note still not.
    page.select_option("#id_action", label="Bắt đầu xử lý")
    page.locator("#id_answer").type("Đội xử lý đã tới hiện trường, đang dọn đất đá.")
    journey.press(page, "[data-testid=respond]")
    page.wait_for_url("**?saved=1#history")
    page.wait_for_selector("[data-testid=saved]")
    assert page.inner_text("[data-testid=status]") == "Đang xử lý"
    assert "Đã tiếp nhận → Đang xử lý" in page.inner_text("[data-testid=notes]")
    journey.check(page, "officer-5-answered")
    public.reload()
    answers = public.inner_text("[data-testid=answers]")
    assert "Đội xử lý đã tới hiện trường, đang dọn đất đá." in answers and "Đã gọi trưởng thôn" not in answers
    assert public.inner_text(".fb-status") == "Đang xử lý"
    journey.check(public, "officer-6-public-after")
    assert list(Note.objects.filter(complaint=first).values_list("public", flat=True)) == [False, True]


def test_an_answer_step_without_a_public_answer_is_refused_and_changes_nothing(district, users):
    complaint, _ = intake.submit(intake.Report(category="rubbish", description="Rác", lon=TOWN[0], lat=TOWN[1]))
    officer = Client()
    officer.force_login(users[roles.FEEDBACK_OFFICER])
    url = f"/feedback/queue/{complaint.tracking_code}/"
    officer.post(url, {"action": "acknowledge"})
    # The old form's trap: an internal remark with a step that answers the citizen must not be published.
    r = officer.post(url, {"action": "resolve", "internal": "chỉ nội bộ"})
    assert r.status_code == 400
    summary = re.search(r'id="fb-summary".*?</div>', r.content.decode(), re.S).group(0)
    words = " ".join(re.sub(r"<[^>]+>", "", summary).split())
    assert words.endswith("Trả lời công khai: Cần trả lời công khai cho người phản ánh.")
    complaint.refresh_from_db()
    assert complaint.status == "acknowledged" and not Note.objects.filter(text="chỉ nội bộ").exists()
    assert officer.post(url, {}).status_code == 400  # nothing chosen, nothing written
    assert Note.objects.filter(complaint=complaint).count() == 1


def test_non_officers_get_the_sites_error_page_and_anonymous_people_the_log_in(district, users):
    planner = Client()
    planner.force_login(users[roles.PLANNER])
    page = planner.get("/feedback/queue/", HTTP_ACCEPT="text/html")
    assert page.status_code == 403
    html = page.content.decode()
    assert 'data-testid="error-page"' in html and "Trang này dành cho cán bộ tiếp nhận phản ánh." in html
    assert planner.get("/feedback/stats.json").json()["error"]["code"] == "forbidden"
    assert Client().get("/feedback/queue/")["Location"].startswith("/accounts/login/")


def test_officer_statistics_fit_a_phone(live_server, district, users, person):
    intake.submit(intake.Report(category="landslide", description="Sạt", lon=TRA_SON[0], lat=TRA_SON[1]))
    page = person("phone")
    journey.login(page, live_server.url, users[roles.FEEDBACK_OFFICER].username, PASSWORD, "/feedback/stats/")
    page.wait_for_selector("#chart-month")
    assert "Sạt lở đất, đá" in page.inner_text("main")
    journey.check(page, "officer-stats")
