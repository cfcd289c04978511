"""The coverage API's refusals are sentences in the reader's language: Vietnamese first, English on request."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import translation

from layers import roles
from layers.telecom import parameters
from layers.telecom.models import CoverageRun


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _post(client: Client, body: str, lang: str | None = None):
    headers = {"HTTP_ACCEPT_LANGUAGE": lang} if lang else {}
    return client.post("/coverage/runs/", body, content_type="application/json", **headers)


def test_anonymous_is_told_to_log_in_in_vietnamese_then_english(db):
    vi = _post(_client(), "{}").json()["error"]
    en = _post(_client(), "{}", "en").json()["error"]
    assert vi["code"] == en["code"] == "not_authenticated"
    assert vi["message"] == "Hãy đăng nhập bằng tài khoản cán bộ quy hoạch."
    assert en["message"] == "Log in with a planner's account."


def test_a_ranger_is_told_coverage_planning_is_for_planners(db, users):
    vi = _client(users[roles.RANGER]).get("/coverage/compare/?a=1&b=2").json()["error"]
    assert vi["code"] == "forbidden" and "cán bộ quy hoạch" in vi["message"]
    en = _client(users[roles.RANGER]).get("/coverage/compare/?a=1&b=2", HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    assert en["message"] == "Only planners can use coverage planning."


@pytest.mark.parametrize(
    ("body", "field", "vi", "en"),
    [
        (
            '{"parameters": {"range_km": {"5G": 3}}}',
            "range_km",
            "range_km phải gán giá trị cho 2G/3G/4G",
            "range_km must give values for 2G/3G/4G",
        ),
        (
            '{"parameters": {"crs": "EPSG:4326"}}',
            "crs",
            "crs phải là hệ toạ độ phẳng tính bằng mét",
            "crs must be a projected coordinate system in metres",
        ),
        (
            '{"parameters": {"resolution_m": "abc"}}',
            "resolution_m",
            "resolution_m phải là một số",
            "resolution_m must be a number",
        ),
        ('{"parameters": {"colour": 1}}', "colour", "Tham số không được nhận: colour", "Unknown parameters: colour"),
        ("not json", None, "Nội dung gửi lên không phải JSON.", "The request body is not JSON."),
        ("[1, 2]", None, "Nội dung gửi lên phải là một đối tượng JSON.", "The request body must be a JSON object."),
    ],
)
def test_bad_bodies_name_the_field_in_both_languages(db, users, dem_asset, body, field, vi, en):
    planner = _client(users[roles.PLANNER])
    answer = _post(planner, body)
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == field and answer.json()["error"]["message"] == vi
    assert _post(planner, body, "en").json()["error"]["message"] == en
    assert not CoverageRun.objects.exists()


def test_a_number_out_of_range_names_its_limits_in_plain_numbers(db):
    with translation.override("vi"), pytest.raises(parameters.CoverageParamsError) as caught:
        parameters.resolve({"resolution_m": 1})
    assert caught.value.field == "resolution_m"
    assert caught.value.message == "resolution_m phải nằm trong khoảng 5 đến 500"


def test_an_unknown_run_is_said_in_words(db, users):
    planner = _client(users[roles.PLANNER])
    vi = planner.get("/coverage/compare/?a=998&b=999")
    assert vi.status_code == 404 and vi.json()["error"]["message"] == "Không có lần tính vùng phủ số 998."
    en = planner.get("/coverage/compare/?a=998&b=999", HTTP_ACCEPT_LANGUAGE="en")
    assert en.json()["error"]["message"] == "There is no coverage run number 998."
    assert json.loads(planner.get("/coverage/compare/?a=x").content)["error"]["message"].startswith("Hãy chọn hai lần")
