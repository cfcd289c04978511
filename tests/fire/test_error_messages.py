"""The fire API refuses other roles with a sentence in the reader's language."""

from django.test import Client

from layers import roles


def test_a_planner_is_refused_by_the_fire_api_in_vietnamese_then_english(users):
    client = Client()
    client.force_login(users[roles.PLANNER])
    vi = client.get("/api/fire/alerts/")
    assert vi.status_code == 403 and vi.json()["error"]["code"] == "forbidden"
    assert (
        vi.json()["error"]["message"]
        == "Chỉ kiểm lâm, điều hành viên và quản trị viên mới dùng được API cảnh báo cháy."
    )
    en = client.get("/api/fire/alerts/", HTTP_ACCEPT_LANGUAGE="en")
    assert (
        en.json()["error"]["message"] == "Only forest rangers, operators and administrators can use the fire alert API."
    )
