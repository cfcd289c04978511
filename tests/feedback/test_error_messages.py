"""Open311 and workflow refusals are sentences in the reader's language; codes and fields stay as they were."""

import pytest
from django.utils import translation

from layers.feedback import photos, workflow
from layers.feedback.errors import TransitionRefused

from .conftest import TOWN, jpeg_bytes
from .test_open311 import assert_errors, post


def _description(response) -> str:
    return response.json()[0]["description"]


@pytest.mark.parametrize(
    ("fields", "vi", "en"),
    [
        ({"api_key": "wrong"}, "api_key không hợp lệ hoặc đã bị thu hồi.", "api_key is invalid or revoked."),
        ({"lat": "1_5.35"}, "lat phải là số thập phân, ví dụ 15.35.", "lat must be a decimal number such as 15.35."),
        ({"lat": "", "long": ""}, "Cần lat/long hoặc address_string.", "lat/long or address_string is required."),
        ({"long": ""}, "lat và long phải gửi cùng nhau.", "lat and long must be given together."),
        (
            {"description": "x" * 4001},
            "description dài quá 4.000 ký tự.",
            "description is longer than 4,000 characters.",
        ),
        ({"service_code": "no_signal"}, "Cần điền attribute[operator].", "attribute[operator] is required."),
    ],
)
def test_bad_posts_are_refused_in_vietnamese_and_in_english(client, district, api_key, fields, vi, en):
    _key, secret = api_key
    answer = post(client, secret, **fields)
    status = 403 if "api_key" in fields else 400  # GeoReport v2: an invalid api_key is 403
    assert_errors(answer, status)
    assert _description(answer) == vi
    english = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": secret,
            "service_code": "road_damage",
            "lat": str(TOWN[1]),
            "long": str(TOWN[0]),
            "description": "Cống bị vỡ",
            **fields,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert_errors(english, status)
    assert _description(english) == en


def test_unknown_request_and_bad_dates_are_said_in_both_languages(client, district):
    missing = client.get("/open311/v2/requests/XYZ.json")
    assert_errors(missing, 404)
    assert _description(missing) == "Không có service_request_id 'XYZ'."
    english = client.get("/open311/v2/requests/XYZ.json", HTTP_ACCEPT_LANGUAGE="en")
    assert _description(english) == "service_request_id 'XYZ' not found."
    dates = client.get("/open311/v2/requests.json?start_date=2026-11-23&end_date=2026-01-01")
    assert_errors(dates, 400)
    assert _description(dates) == "start_date nằm sau end_date."


def test_a_missing_key_keeps_its_code_and_field_with_a_translated_message(client, district):
    answer = client.post(
        "/open311/v2/requests.json", {"service_code": "road_damage", "lat": str(TOWN[1]), "long": str(TOWN[0])}
    )
    assert_errors(answer, 400)
    assert _description(answer) == "Thiếu api_key."


@pytest.fixture
def vietnamese():
    """The default language, whatever an earlier request in this thread activated."""
    with translation.override("vi"):
        yield


def test_photo_refusals_are_vietnamese(db, vietnamese):
    with pytest.raises(photos.PhotoError) as empty:
        photos.clean(b"", max_bytes=1000, max_pixels=100)
    assert str(empty.value) == "Tệp ảnh trống."
    with pytest.raises(photos.PhotoError) as large:
        photos.clean(jpeg_bytes(), max_bytes=10, max_pixels=100)
    assert large.value.too_large and str(large.value) == "Ảnh lớn hơn 10 byte."
    with pytest.raises(photos.PhotoError) as pixels:
        photos.clean(jpeg_bytes((64, 48)), max_bytes=10**6, max_pixels=100)
    assert str(pixels.value) == "Ảnh có 64×48 điểm ảnh, vượt mức tối đa 100 điểm ảnh."
    with pytest.raises(photos.PhotoError) as text:
        photos.clean(b"hello, not a picture", max_bytes=1000, max_pixels=100)
    assert str(text.value) == "Tệp này không phải ảnh JPEG, PNG, WebP hay GIF."


def test_a_refused_step_names_the_action_and_status_in_words(client, district, api_key):
    from layers.feedback.models import Complaint

    _key, secret = api_key
    assert post(client, secret).status_code == 201
    complaint = Complaint.objects.get()
    with translation.override("vi"), pytest.raises(TransitionRefused) as caught:
        workflow.act(complaint.pk, "close")
    assert caught.value.field == "action" and caught.value.code == "transition_refused"
    assert caught.value.message == "Không thể “Đóng phản ánh” khi phản ánh đang ở trạng thái “Đã tiếp nhận”."
    with translation.override("en"), pytest.raises(TransitionRefused) as english:
        workflow.act(complaint.pk, "dance")
    assert english.value.message == "Unknown action: 'dance'"
