"""NUL bytes and lone surrogates are refused at the boundary; a unique key lost to a concurrent creator is a 409."""

import json
import threading
import time

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from layers.feedback.models import Complaint, Office
from layers.places.models import Village
from tests.api.test_edit import send, village_feature

BAD_TEXT = ["a\u0000b", "a\ud800b", "\udfff"]


@pytest.mark.parametrize("value", BAD_TEXT)
def test_geojson_property_with_nul_or_lone_surrogate_is_400_naming_it(world, clients, value):
    before = Village.objects.count()
    body = json.dumps(village_feature(world, name=value))
    response = send(clients["planner"], "post", "/api/layers/villages/features/", body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_text", "properties.name")
    assert Village.objects.count() == before


def test_a_property_name_with_nul_is_named_and_a_valid_pair_passes(world, clients):
    bad = json.dumps(village_feature(world, **{"na\u0000me": "x"}))
    response = send(clients["planner"], "post", "/api/layers/villages/features/", bad)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "properties.na?me"
    good = send(clients["planner"], "post", "/api/layers/villages/features/", village_feature(world, name="Thôn 😀"))
    assert good.status_code == 201, good.content
    assert Village.objects.filter(name="Thôn 😀").exists()


def test_raw_nul_byte_in_a_json_body_query_string_and_path_are_400(world, clients):
    raw = json.dumps(village_feature(world), ensure_ascii=False).replace("Thôn Mới", "Thôn\x00Mới").encode()
    response = send(clients["planner"], "post", "/api/layers/villages/features/", raw)
    assert (response.status_code, response.json()["error"]["field"]) == (400, "body")
    response = clients["anonymous"].get("/api/layers/villages/features/?name=a%00b")
    assert (response.status_code, response.json()["error"]["field"]) == (400, "name")
    response = clients["anonymous"].get("/ogc/collections/vill%00ages/items")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


def test_citizen_report_form_with_nul_is_refused_and_nothing_stored(world):
    before = Complaint.objects.count()
    body = "category=road&description=%C4%90%C6%B0%E1%BB%9Dng%00h%E1%BB%8Fng&lat=15.35&lon=108.23"
    response = Client().post("/feedback/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "description"
    multipart = Client().post("/feedback/", {"description": "Đường\x00hỏng", "category": "road"})
    assert multipart.status_code == 400
    assert Complaint.objects.count() == before


def _hold_insert(sql: str, args: tuple, inserted: threading.Event, seconds: float) -> threading.Thread:
    """Insert a row in another connection and commit it only after ``seconds``: a creator racing the request."""
    db = settings.DATABASES["default"]
    host, port, user = db["HOST"] or "127.0.0.1", db["PORT"] or 5432, db["USER"] or "postgres"
    dsn = f"host={host} port={port} user={user} dbname={db['NAME']}"

    def run():
        with psycopg.connect(dsn) as conn:
            conn.execute(sql, args)
            inserted.set()
            time.sleep(seconds)
            conn.commit()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_two_creators_of_one_service_office_code_get_409_naming_the_field():
    staff = User.objects.create_superuser("chief", password="pw-for-tests-only")
    client = Client()
    client.force_login(staff)
    inserted = threading.Event()
    sql = "INSERT INTO feedback_office (code, name_vi, name_en, level, email) VALUES (%s, %s, '', 'district', '')"
    holder = _hold_insert(sql, ("phong-tnmt", "Phòng TN&MT (khác)"), inserted, 1.0)
    assert inserted.wait(10)
    # The admin's own uniqueness check does not see the uncommitted row; its INSERT then waits and loses.
    form = {"code": "phong-tnmt", "name_vi": "Phòng TN&MT", "name_en": "", "level": "district", "email": ""}
    response = client.post("/admin/feedback/office/add/", form, HTTP_ACCEPT="application/json")
    holder.join()
    assert response.status_code == 409, response.content[:500]
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("duplicate", "code")
    assert list(Office.objects.filter(code="phong-tnmt").values_list("name_vi", flat=True)) == ["Phòng TN&MT (khác)"]
