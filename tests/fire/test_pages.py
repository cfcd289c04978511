"""The rangers' pages answer in words on the page: wrong steps, bad values, languages, rounded figures."""

import io

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import translation

from layers.fire import display

from .test_workflow import alerted_event, client_for

pytestmark = pytest.mark.django_db
PAGE = {"HTTP_ACCEPT": "text/html"}


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_step_out_of_order_is_a_message_on_the_alert_page_not_json(role_user):
    event = alerted_event()
    client = client_for(role_user("ranger"))
    answer = client.post(f"/fire/events/{event.pk}/dispatch/", {"next": "/fire/"}, **PAGE)
    assert answer.status_code == 302 and answer["Location"] == f"/fire/events/{event.pk}/"
    assert _messages(answer) == [
        f"Cảnh báo #{event.pk} đang ở trạng thái “Cảnh báo mới”: không thể “Điều động” (cần trạng thái “Đã tiếp nhận”)."
    ]
    # Opening a step's page at the wrong time says the same, on the alert's page.
    answer = client.get(f"/fire/events/{event.pk}/close/", **PAGE)
    assert answer.status_code == 302 and "không thể “Đóng cảnh báo”" in _messages(answer)[-1]
    event.refresh_from_db()
    assert event.alert_state == "new" and not event.actions.exists()


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"verdict": "true_fire", "burned_area_ha": "nhiều"}, "burned_area_ha", "Nhập một số héc-ta, ví dụ 1,5."),
        ({"verdict": "true_fire", "burned_area_ha": "2000000"}, "burned_area_ha", "Diện tích tối đa là 1.000.000 ha."),
        ({"cause": "đốt rác"}, "verdict", "Chọn “Cháy thật” hoặc “Báo động giả”."),
    ],
)
def test_bad_verification_values_are_named_on_the_form_and_nothing_is_written(role_user, values, field, words):
    event = alerted_event(alert_state="dispatched")
    answer = client_for(role_user("ranger")).post(f"/fire/events/{event.pk}/verify/", values, **PAGE)
    assert answer.status_code == 400
    page = answer.content.decode()
    assert words in page and f'class="fr-field fr-field-{field} fr-invalid"' in page
    label = {"burned_area_ha": "Diện tích cháy (ha)", "verdict": "Kết luận"}[field]
    assert _messages(answer) == [f"Chưa lưu. {label}: {words}"]
    assert 'value="đốt rác"' in page or field != "verdict"  # what was typed is kept
    event.refresh_from_db()
    assert (event.alert_state, event.verdict, event.burned_area_ha) == ("dispatched", "", None)


def test_a_photo_that_is_not_an_image_is_named_on_the_form(role_user):
    event = alerted_event(alert_state="dispatched")
    fake = io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    fake.name = "anh.jpg"
    answer = client_for(role_user("ranger")).post(
        f"/fire/events/{event.pk}/verify/", {"verdict": "false_alarm", "photo": fake}, **PAGE
    )
    assert answer.status_code == 400 and "Tệp ảnh không đọc được." in answer.content.decode()
    assert _messages(answer) == ["Chưa lưu. Ảnh hiện trường: Tệp ảnh không đọc được."]
    event.refresh_from_db()
    assert event.alert_state == "dispatched" and not event.photo


def test_after_a_step_the_ranger_goes_back_only_to_a_fire_page(role_user):
    event = alerted_event()
    client = client_for(role_user("ranger"))
    answer = client.post(f"/fire/events/{event.pk}/acknowledge/", {"next": "https://evil.example/"}, **PAGE)
    assert answer["Location"] == f"/fire/events/{event.pk}/"
    assert _messages(answer) == [
        f"Đã tiếp nhận cảnh báo #{event.pk} (Ngoài các xã đã biết). Bước tiếp theo: điều động lực lượng."
    ]


def test_people_without_the_ranger_role_get_the_error_page(role_user):
    event = alerted_event()
    for client, login_link in ((Client(), True), (client_for(role_user("planner")), False)):
        for url in ("/fire/", f"/fire/events/{event.pk}/", f"/fire/events/{event.pk}/verify/"):
            answer = client.get(url, **PAGE)
            assert answer.status_code == 403 and 'data-testid="error-page"' in answer.content.decode()
            assert ('data-testid="error-login"' in answer.content.decode()) is login_link
    assert Client().post(f"/fire/events/{event.pk}/acknowledge/", **PAGE).status_code == 403
    event.refresh_from_db()
    assert event.alert_state == "new"


def test_the_alert_pages_speak_english_in_english_mode(role_user):
    event = alerted_event(alert_state="verified", verdict="true_fire", burned_area_ha=2.0)
    client = client_for(role_user("ranger"))
    client.cookies["django_language"] = "en"
    cards = client.get("/fire/", **PAGE).content.decode()
    assert "Forest fire alerts" in cards and "Cảnh báo cháy rừng" not in cards
    assert "Alert: verified<" in cards and "Fire: " in cards and "Close alert" in cards and "2 hotspots" in cards
    page = client.get(f"/fire/events/{event.pk}/", **PAGE).content.decode()
    assert "Handling history" in page and "Real fire" in page and "2 ha" in page
    confirm = client.get(f"/fire/events/{event.pk}/close/", **PAGE).content.decode()
    assert "Close this alert?" in confirm and "Yes, close the alert" in confirm


def test_figures_are_rounded_with_units_in_each_language():
    with translation.override("vi"):
        assert [display.distance(m) for m in (12.4, 846, 1534.2, 25_300)] == ["10 m", "850 m", "1,5 km", "25 km"]
        assert [display.amount(v) for v in (2.0, 1.5, 1.254, 12345.6)] == ["2", "1,5", "1,25", "12.345,6"]
        assert [display.duration(m) for m in (None, 4.6, 75, 3000)] == ["chưa có", "5 phút", "1 giờ 15 phút",
                                                                       "2 ngày 2 giờ"]  # fmt: skip
    with translation.override("en"):
        assert display.distance(1534.2) == "1.5 km" and display.amount(12345.6) == "12,345.6"
        assert display.duration(75) == "1 h 15 min"


def test_the_fire_catalogue_is_complete_and_compiled(tmp_path):
    import shutil
    import subprocess
    from pathlib import Path

    folder = Path(display.__file__).parent / "locale" / "en" / "LC_MESSAGES"
    if shutil.which("msgfmt") is None:
        pytest.skip("gettext tools are not installed")
    fresh = tmp_path / "django.mo"
    answer = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(fresh), str(folder / "django.po")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "untranslated" not in answer.stderr and "fuzzy" not in answer.stderr, answer.stderr
    assert fresh.read_bytes() == (folder / "django.mo").read_bytes(), "django.mo is older than django.po"
