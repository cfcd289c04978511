"""The gauge posts water levels with its key: one or a batch, duplicates ignored, bad ones refused, UTC stored."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from layers.crossings.models import Crossing, Reading, StatusChange

URL = "/api/crossings/readings/"


def post(client, body, key, **extra):
    headers = {"HTTP_X_API_KEY": key} if key else {}
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **headers, **extra)


def ago(hours: float) -> dt.datetime:
    return (timezone.now() - dt.timedelta(hours=hours)).replace(microsecond=0)


@pytest.mark.django_db
def test_without_or_with_a_wrong_or_revoked_key_nothing_is_stored(client, place):
    one = {"measured_at": ago(1).isoformat(), "level_m": 0.2}
    for key in ("", "gpgauge_not-a-key"):
        r = post(client, one, key)
        assert r.status_code == 401
        assert r.json()["error"]["field"] == "api_key"
    place["gauge"].active = False
    place["gauge"].save()
    assert post(client, one, place["secret"]).status_code == 401
    assert not Reading.objects.exists()


@pytest.mark.django_db
def test_one_reading_with_a_naive_time_is_local_time_stored_in_utc(client, place):
    r = post(client, {"measured_at": "2026-11-20T07:30:00", "level_m": "0,25"}, place["secret"])
    assert r.status_code == 201, r.content
    reading = Reading.objects.get()
    # 07:30 on the box's wall clock in Bắc Trà My is 00:30 UTC.
    assert reading.measured_at == dt.datetime(2026, 11, 20, 0, 30, tzinfo=dt.UTC)
    assert reading.level_m == 0.25
    # The same time with its offset is the same reading: a duplicate, not a second row.
    r = post(client, {"measured_at": "2026-11-20T00:30:00Z", "level_m": 0.25}, place["secret"])
    assert r.status_code == 200
    assert r.json()["duplicates"] == 1
    assert Reading.objects.count() == 1


@pytest.mark.django_db
def test_a_batch_moves_the_status_through_caution_to_closed_and_back(client, place):
    levels = [0.1, 0.35, 0.62, 0.7, 0.28]
    batch = [{"measured_at": ago(5 - i).isoformat(), "level_m": v} for i, v in enumerate(levels)]
    batch.append(dict(batch[2]))  # a repeat inside the batch
    r = post(client, {"readings": batch}, f"  {place['secret']} ")
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["received"], body["new"], body["duplicates"]) == (6, 5, 1)
    assert [(c["from"], c["to"]) for c in body["changes"]] == [
        ("unknown", "safe"),
        ("safe", "caution"),
        ("caution", "closed"),
        ("closed", "safe"),
    ]
    crossing = Crossing.objects.get()
    assert (crossing.status, crossing.level_m) == ("safe", 0.28)
    # The whole batch again: all duplicates, no new change.
    r = post(client, batch, place["secret"])
    assert (r.status_code, r.json()["new"], r.json()["duplicates"]) == (200, 0, 6)
    assert StatusChange.objects.count() == 4


@pytest.mark.django_db
def test_a_late_reading_fills_the_chart_but_does_not_move_the_status(client, place):
    post(client, {"measured_at": ago(1).isoformat(), "level_m": 0.1}, place["secret"])
    post(client, {"measured_at": ago(3).isoformat(), "level_m": 0.9}, place["secret"])
    crossing = Crossing.objects.get()
    assert crossing.status == "safe" and Reading.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"measured_at": "hôm qua", "level_m": 0.2}, "readings[1].measured_at"),
        ({"level_m": 0.2}, "readings[1].measured_at"),
        ({"measured_at": "FUTURE", "level_m": 0.2}, "readings[1].measured_at"),
        ({"measured_at": "NOW", "level_m": "abc"}, "readings[1].level_m"),
        ({"measured_at": "NOW", "level_m": None}, "readings[1].level_m"),
        ({"measured_at": "NOW", "level_m": 99}, "readings[1].level_m"),
        ({"measured_at": "NOW", "level_m": True}, "readings[1].level_m"),
        ("0.3", "readings[1].readings"),
    ],
)
def test_a_bad_reading_refuses_the_whole_batch_naming_it(client, place, item, field):
    if isinstance(item, dict) and item.get("measured_at") == "FUTURE":
        item["measured_at"] = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    if isinstance(item, dict) and item.get("measured_at") == "NOW":
        item["measured_at"] = ago(0.5).isoformat()
    batch = [{"measured_at": ago(2).isoformat(), "level_m": 0.2}, item]
    r = post(client, batch, place["secret"])
    assert r.status_code == 400, r.content
    assert r.json()["error"]["field"] == field
    assert r.json()["error"]["message"].startswith("Số đo thứ 2")
    assert not Reading.objects.exists()


@pytest.mark.django_db
def test_not_json_and_nan_are_refused(client, place):
    assert post(client, "{not json", place["secret"]).json()["error"]["field"] == "body"
    r = post(client, '{"measured_at": "2026-11-20T07:30:00", "level_m": NaN}', place["secret"])
    assert (r.status_code, r.json()["error"]["field"]) == (400, "readings[0].level_m")
    assert post(client, [], place["secret"]).status_code == 400
    assert not Reading.objects.exists()


@pytest.mark.django_db
def test_closed_and_reopened_are_told_once_each(client, place, role_user):
    from layers.delivery.models import Message

    operator = role_user("operator")
    operator.email = "operator@example.vn"
    operator.save()
    batch = [{"measured_at": ago(4 - i).isoformat(), "level_m": v} for i, v in enumerate([0.2, 0.4, 0.8, 0.6, 0.1])]
    post(client, batch[:3], place["secret"])
    assert list(Message.objects.values_list("topic", "subject")) == [("crossing", "Cấm qua Ngầm thử: nước ngập 0.80 m")]
    post(client, batch, place["secret"])  # the first three again, then the water goes down
    post(client, batch, place["secret"])
    subjects = sorted(Message.objects.values_list("subject", flat=True))
    assert subjects == ["Cấm qua Ngầm thử: nước ngập 0.80 m", "Ngầm thử đã qua lại được: mực nước 0.10 m"]
    assert set(Message.objects.values_list("address", flat=True)) == {"operator@example.vn"}
    # The closing message names the village beyond the spillway, cut off from the town.
    closing = Message.objects.get(subject__startswith="Cấm qua")
    assert "Thôn bị chia cắt khỏi thị trấn: Thôn Đông (Trà My)." in closing.body
    assert [v["name"] for v in closing.payload["villages_cut_off"]] == ["Thôn Đông"]


@pytest.mark.django_db
def test_a_gauge_posting_too_often_or_an_address_guessing_keys_gets_a_429_with_retry_after(client, place, settings):
    settings.DEVICE_POSTS_PER_MINUTE, settings.DEVICE_POSTS_PER_ADDRESS = 3, 6
    answers = [
        post(client, {"measured_at": ago(1 + k / 10).isoformat(), "level_m": 0.2}, place["secret"]) for k in range(4)
    ]
    assert [r.status_code for r in answers] == [201, 201, 201, 429]
    refused = answers[-1]
    assert refused.json()["error"]["code"] == "rate_limited" and 0 < int(refused["Retry-After"]) <= 61
    assert Reading.objects.count() == 3  # the refused reading is not stored
    # Wrong keys from the same address count too, and then the address is refused whatever key it sends.
    assert [post(client, {"level_m": 0.2}, "gpgauge_guess").status_code for _ in range(2)] == [401, 401]
    assert post(client, {"level_m": 0.2}, "gpgauge_guess").status_code == 429
    other = post(client, {"measured_at": ago(3).isoformat(), "level_m": 0.2}, place["secret"], REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 429  # the gauge itself is over its own limit, from any address
