"""The planner page and the coverage JSON endpoints: who may use them and what they answer."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from layers import roles
from layers.telecom import coverage
from layers.telecom.models import CoverageRun


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_anonymous_and_other_roles_cannot_reach_coverage(db, users):
    assert _client().get("/coverage/").status_code == 302
    answer = _client().post("/coverage/runs/", "{}", content_type="application/json")
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "not_authenticated"
    answer = _client(users[roles.RANGER]).get("/coverage/compare/?a=1&b=2")
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"


def test_compute_without_a_dem_answers_a_clear_error(db, users, tower):
    answer = _client(users[roles.PLANNER]).post("/coverage/runs/", "{}", content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "dem_required" and "DEM" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    "body, field",
    [
        ('{"parameters": {"range_km": {"5G": 3}}}', "range_km"),
        ('{"parameters": {"crs": "EPSG:4326"}}', "crs"),
        ("[1, 2]", None),
        ("not json", None),
    ],
)
def test_bad_bodies_are_refused_before_anything_is_queued(db, users, dem_asset, body, field):
    answer = _client(users[roles.PLANNER]).post("/coverage/runs/", body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == field
    assert not CoverageRun.objects.exists()


def test_planner_page_shows_figures_and_the_run_geojson_explains_villages(db, users, dem_asset, tower, district):
    run = coverage.execute(coverage.start({}, enqueue=False).pk)
    planner = _client(users[roles.PLANNER])
    page = planner.get("/coverage/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tính vùng phủ" in html and "1 / 2 thôn" in html and "Thôn shadowed" in html  # Wi-Fi ranking
    geo = planner.get(f"/coverage/runs/{run.pk}/villages.geojson?operator=viettel&technology=4G").json()
    by_name = {f["properties"]["village"]: f["properties"] for f in geo["features"]}
    assert by_name["Thôn shadowed"]["status"] == "none"
    assert by_name["Thôn shadowed"]["reason_code"] == "terrain_shadow"
    assert by_name["Thôn shadowed"]["commune"] == "Trà Sơn (test)"  # village names repeat across communes
    detail = planner.get(f"/coverage/runs/{run.pk}/").json()
    assert detail["status"] == "succeeded" and detail["parameters"]["k_factor"] == pytest.approx(4 / 3)
    calibrated = planner.post(f"/coverage/runs/{run.pk}/calibrate/")
    assert calibrated.status_code == 200 and calibrated.json()["results"] == []
    plan = planner.post("/coverage/plans/", json.dumps({"k": 0}), content_type="application/json")
    assert plan.status_code == 400 and plan.json()["error"]["field"] == "k"
    assert planner.get("/coverage/compare/?a=x&b=1").status_code == 400
    assert planner.get(f"/coverage/compare/?a={run.pk}&b=999999").status_code == 404


def test_calibration_figures_are_shown_on_the_planner_page(db, users, dem_asset, tower, district):
    from datetime import UTC, datetime

    from layers.telecom.models import SignalMeasurement

    run = coverage.execute(coverage.start({}, enqueue=False).pk)
    predicted = run.villages.get(village=district["open"]).best_dbm
    SignalMeasurement.objects.create(
        operator="viettel",
        technology="4G",
        dbm=predicted - 4.0,
        measured_at=datetime(2026, 10, 1, tzinfo=UTC),
        geom=district["open"].geom,
    )
    planner = _client(users[roles.PLANNER])
    answer = planner.post(f"/coverage/runs/{run.pk}/calibrate/").json()
    (result,) = answer["results"]
    assert result["mean_error_db"] == pytest.approx(4.0, abs=0.06)  # best_dbm is rounded to 0.1 dB
    assert answer["offsets"]["viettel"] == pytest.approx(-4.0, abs=0.06)
    html = planner.get("/coverage/").content.decode()
    table = html.split('data-testid="calibration"', 1)[1].split("</table>", 1)[0]
    # Vietnamese number format (decimal comma): mean error, RMSE, hit rate, fitted offset.
    assert "<td>viettel 4G</td><td>1</td><td>4,0 dB</td><td>4,0 dB</td><td>1,00</td><td>-4,0 dB</td>" in table
