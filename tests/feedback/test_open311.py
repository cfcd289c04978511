"""Open311 GeoReport v2 conformance: field names, types, status values, dates with offsets, errors."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from layers.feedback.models import Complaint, OutboxEvent, RateCounter
from layers.telecom.models import SignalMeasurement

from .conftest import TOWN

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
REQUEST_TYPES = {
    "service_request_id": str,
    "status": str,
    "service_name": str,
    "service_code": str,
    "description": str,
    "agency_responsible": str,
    "requested_datetime": str,
    "updated_datetime": str,
    "expected_datetime": str,
    "lat": float,
    "long": float,
}
SECRETS = ("Nguyễn Văn Bí Mật", "0912345678", "bimat@example.vn")


def post(client, secret, idem=None, remote="127.0.0.1", **fields):
    data = {"api_key": secret, "service_code": "road_damage", "lat": str(TOWN[1]), "long": str(TOWN[0])}
    data.update({"description": "Cống bị vỡ", **fields})
    headers = {"Idempotency-Key": idem} if idem else {}
    return client.post("/open311/v2/requests.json", data, headers=headers, REMOTE_ADDR=remote)


def assert_errors(response, status):
    assert response.status_code == status
    body = response.json()
    assert isinstance(body, list) and body and set(body[0]) == {"code", "description"}
    assert body[0]["code"] == status and isinstance(body[0]["description"], str)


def test_discovery_points_at_the_v2_endpoint(client, db):
    body = client.get("/open311/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["url"].endswith("/open311/v2/") and "application/json" in endpoint["formats"]
    assert ISO_WITH_OFFSET.match(body["changeset"])
    assert b"<discovery><changeset>" in client.get("/open311/discovery.xml").content
    assert body["jurisdiction_id"] == endpoint["jurisdiction_id"] == "bactramy.gov.vn"
    assert b"<jurisdiction_id>bactramy.gov.vn</jurisdiction_id>" in client.get("/open311/discovery.xml").content
    # The published jurisdiction is accepted, any other is the spec's 404.
    assert client.get("/open311/v2/services.json", {"jurisdiction_id": body["jurisdiction_id"]}).status_code == 200
    assert_errors(client.get("/open311/v2/services.json", {"jurisdiction_id": "other.gov"}), 404)


def test_services_list_and_definitions(client, seeded):
    body = client.get("/open311/v2/services.json").json()
    codes = {s["service_code"] for s in body}
    assert codes >= {
        "road_damage",
        "rubbish",
        "no_signal",
        "landslide",
        "water_supply",
        "electricity",
        "construction",
        "public_order",
        "other",
    }
    for s in body:
        assert set(s) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
        assert isinstance(s["metadata"], bool) and s["type"] in ("realtime", "batch", "blackbox")
    assert next(s for s in body if s["service_code"] == "no_signal")["metadata"] is True
    definition = client.get("/open311/v2/services/no_signal.json").json()
    assert definition["service_code"] == "no_signal"
    attr = definition["attributes"][0]
    expected = {"variable", "code", "datatype", "required", "datatype_description", "order", "description", "values"}
    assert set(attr) == expected
    assert attr["code"] == "operator" and attr["required"] is True and isinstance(attr["order"], int)
    assert {"key": "viettel", "name": "Viettel"} in attr["values"]
    assert_errors(client.get("/open311/v2/services/nope.json"), 404)
    xml = client.get("/open311/v2/services.xml")
    assert xml["Content-Type"].startswith("text/xml") and b"<services><service><service_code>" in xml.content


def test_post_then_get_request_with_spec_fields_and_dates(client, district, api_key, settings):
    settings.FEEDBACK_POSTS_PER_MINUTE = 100
    _key, secret = api_key
    r = post(client, secret, first_name=SECRETS[0], phone=SECRETS[1], email=SECRETS[2])
    assert r.status_code == 201, r.content
    receipt = r.json()[0]
    assert set(receipt) >= {"service_request_id", "service_notice", "account_id"}
    rid = receipt["service_request_id"]
    one = client.get(f"/open311/v2/requests/{rid}.json").json()
    assert len(one) == 1
    row = one[0]
    for name in (
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ):
        assert name in row
    for name, kind in REQUEST_TYPES.items():
        assert isinstance(row[name], kind), name
    assert row["status"] == "open"
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert ISO_WITH_OFFSET.match(row[name]), row[name]
    assert row["requested_datetime"].endswith("+07:00")
    assert row["agency_responsible"] == "Phòng Kinh tế và Hạ tầng – Thị trấn Trà My"
    assert row["lat"] == pytest.approx(TOWN[1]) and row["long"] == pytest.approx(TOWN[0])
    # The token resolves to the same request.
    token = client.get(f"/open311/v2/tokens/{receipt['token']}.json").json()
    assert token == [{"service_request_id": rid, "token": receipt["token"]}]
    # Reporter contact never appears in any public output.
    public_urls = (
        f"/open311/v2/requests/{rid}.json",
        "/open311/v2/requests.json",
        f"/open311/v2/requests/{rid}.xml",
        f"/feedback/track/{rid}/",
        "/api/layers/complaints/features/",
        "/ogc/collections/complaints/items",
        "/api/layers/complaints/export.csv",
    )
    for url in public_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert rid in body, url  # the report is there, only its contact is not
        for secret_text in SECRETS:
            assert secret_text not in body, (url, secret_text)
    complaint = Complaint.objects.get(tracking_code=rid)
    assert complaint.reporter_phone == SECRETS[1]  # kept, only private
    complaint.status = "resolved"
    complaint.save()
    assert client.get("/open311/v2/requests.json?status=closed").json()[0]["status"] == "closed"
    assert client.get("/open311/v2/requests.json?status=open").json() == []


def test_get_requests_filters_and_the_90_day_window(client, district, api_key):
    _key, secret = api_key
    assert post(client, secret).status_code == 201
    assert post(client, secret, service_code="rubbish", description="Rác").status_code == 201
    rows = client.get("/open311/v2/requests.json?service_code=rubbish").json()
    assert [r["service_code"] for r in rows] == ["rubbish"]
    now = timezone.localtime()
    start = (now - timedelta(days=1)).isoformat(timespec="seconds")
    assert len(client.get("/open311/v2/requests.json", {"start_date": start}).json()) == 2
    old_end = (now - timedelta(days=30)).isoformat(timespec="seconds")
    assert client.get("/open311/v2/requests.json", {"end_date": old_end}).json() == []
    too_wide = {"start_date": "2026-01-01T00:00:00+07:00", "end_date": "2026-05-01T00:00:00Z"}
    assert_errors(client.get("/open311/v2/requests.json", too_wide), 400)
    assert_errors(client.get("/open311/v2/requests.json", {"start_date": "yesterday"}), 400)
    assert_errors(client.get("/open311/v2/requests.json", {"status": "pending"}), 400)
    assert_errors(client.get("/open311/v2/requests/PA-NOTTHERE.json"), 404)
    assert_errors(client.get("/open311/v2/tokens/not-a-token.json"), 404)
    assert_errors(client.get("/open311/v2/requests.json", {"jurisdiction_id": "elsewhere"}), 404)
    xml = client.get("/open311/v2/requests/PA-NOTTHERE.xml")
    assert xml.status_code == 404 and b"<errors><error><code>404</code>" in xml.content


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"api_key": "wrong"}, 403),  # GeoReport v2: an invalid api_key is 403
        ({"service_code": "volcano"}, 404),  # and an unknown service_code 404
        ({"description": "x" * 4001}, 400),
        ({"lat": "15.1", "long": "108.0"}, 400),  # inside the box, outside the district
        ({"lat": "15.5", "long": "109.5"}, 400),  # at sea
        ({"lat": "108.2", "long": "15.35"}, 400),  # swapped
        ({"lat": "NaN", "long": "108.2"}, 400),
        ({"lat": "1_5.35", "long": "108.2"}, 400),  # float() would read 15.35
        ({"lat": "15.35", "long": "1.082e2"}, 400),
        ({"lat": "0x0f", "long": "108.2"}, 400),
        ({"lat": "", "long": ""}, 400),
        ({"media_url": "javascript:alert(1)"}, 400),
        ({"service_code": "no_signal"}, 400),  # attribute[operator] is required
        ({"attribute[colour]": "red"}, 400),
    ],
)
def test_bad_posts_get_the_error_list_and_store_nothing(client, district, api_key, fields, status):
    _key, secret = api_key
    r = post(client, secret, **fields)
    assert_errors(r, status)
    assert Complaint.objects.count() == 0 and OutboxEvent.objects.count() == 0


def test_json_body_is_refused_form_encoding_is_required(client, district, api_key):
    _key, secret = api_key
    body = json.dumps({"api_key": secret, "service_code": "road_damage", "lat": 15.35, "long": 108.2})
    assert_errors(client.post("/open311/v2/requests.json", body, content_type="application/json"), 400)
    assert Complaint.objects.count() == 0


def test_no_signal_report_feeds_the_coverage_analysis(client, district, api_key):
    _key, secret = api_key
    r = post(client, secret, service_code="no_signal", description="Không có sóng", **{"attribute[operator]": "vnpt"})
    assert r.status_code == 201, r.content
    m = SignalMeasurement.objects.get()
    assert (m.source, m.operator, m.technology, m.dbm) == ("complaint", "vnpt", "4G", None)
    assert m.geom.x == pytest.approx(TOWN[0])


def test_same_idempotency_key_gives_one_report_and_the_same_receipt(client, district, api_key):
    _key, secret = api_key
    first = post(client, secret, idem="retry-7f3a")
    second = post(client, secret, idem="retry-7f3a")
    assert first.status_code == second.status_code == 201
    assert first.json()[0]["service_request_id"] == second.json()[0]["service_request_id"]
    assert Complaint.objects.count() == 1 and OutboxEvent.objects.count() == 1
    changed = post(client, secret, idem="retry-7f3a", description="Khác hẳn")
    assert_errors(changed, 422)
    assert Complaint.objects.count() == 1


def test_rate_limit_per_address_stops_key_guessing_not_keyed_clients(client, district, api_key, settings):
    settings.FEEDBACK_POSTS_PER_MINUTE = 3
    _key, secret = api_key
    statuses = [post(client, f"guess-{i}", description=f"Báo cáo {i}").status_code for i in range(8)]
    assert statuses[:3] == [403, 403, 403] and set(statuses[3:]) == {429}
    r = post(client, "guess-again")
    assert_errors(r, 429)
    assert int(r["Retry-After"]) > 0
    assert Complaint.objects.count() == 0 and OutboxEvent.objects.count() == 0
    # Another address is not affected, and a valid key is limited by its own quota, not the address's:
    # a portal's server posts every citizen's report from one address.
    assert post(client, "guess-9", remote="10.0.0.9").status_code == 403
    assert [post(client, secret, description=f"Thật {i}").status_code for i in range(5)] == [201] * 5


def test_rate_limit_per_api_key(client, district, api_key, settings):
    settings.FEEDBACK_POSTS_PER_MINUTE = 100
    key, secret = api_key
    key.per_minute = 2
    key.save()
    codes = [
        client.post(
            "/open311/v2/requests.json",
            {"api_key": secret, "service_code": "rubbish", "lat": "15.35", "long": "108.2", "description": f"r{i}"},
            REMOTE_ADDR=f"10.0.0.{i}",
        ).status_code
        for i in range(4)
    ]
    assert codes == [201, 201, 429, 429]
    assert Complaint.objects.count() == 2
    assert RateCounter.objects.filter(bucket=f"key:{key.pk}").get().count == 4


def test_xss_text_is_stored_verbatim_and_served_as_json_data(client, district, api_key):
    _key, secret = api_key
    text = "<script>alert(1)</script><img src=x onerror=alert(2)> javascript:alert(3)"
    rid = post(client, secret, description=text).json()[0]["service_request_id"]
    assert Complaint.objects.get(tracking_code=rid).description == text
    r = client.get(f"/open311/v2/requests/{rid}.json")
    assert r["Content-Type"].startswith("application/json") and r.json()[0]["description"] == text
    xml = client.get(f"/open311/v2/requests/{rid}.xml").content.decode()
    assert "<script>" not in xml and "&lt;script&gt;" in xml


def xml_of(response):
    """The response parsed as XML (defusedxml: no entities, no DTD)."""
    from defusedxml import ElementTree

    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    return ElementTree.fromstring(response.content)


@pytest.mark.parametrize(
    "path",
    [
        "/open311/v2/requests/PA-X'Y.json",  # characters no id has
        "/open311/v2/requests/PA-X.csv",  # a format the spec does not have
        "/open311/v2/nothing.json",
        "/open311/v2/services/",
        "/open311/v3/services.json",
    ],
)
def test_unknown_open311_paths_get_the_404_error_list(client, db, path):
    assert_errors(client.get(path), 404)
    assert_errors(client.post(path, {"api_key": "x"}), 404)


def test_unknown_open311_xml_path_gets_the_xml_error_list(client, db):
    r = client.get("/open311/v2/requests/PA-X'Y.xml")
    root = xml_of(r)
    assert r.status_code == 404 and root.tag == "errors"
    assert root.find("error/code").text == "404" and root.find("error/description").text


def test_dates_with_an_unencoded_plus_offset_and_the_exact_90_day_window(client, district, api_key):
    _key, secret = api_key
    assert post(client, secret).status_code == 201
    now = timezone.localtime()
    start = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S") + " 07:00"  # "+07:00" sent unencoded
    end = (now + timedelta(days=89)).strftime("%Y-%m-%dT%H:%M:%S") + "+07:00"
    assert len(client.get("/open311/v2/requests.json", {"start_date": start, "end_date": end}).json()) == 1
    wider = (now + timedelta(days=89, seconds=1)).strftime("%Y-%m-%dT%H:%M:%S") + "+07:00"
    assert_errors(client.get("/open311/v2/requests.json", {"start_date": start, "end_date": wider}), 400)
    backwards = {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}
    assert_errors(client.get("/open311/v2/requests.json", backwards), 400)
    root = xml_of(client.get("/open311/v2/requests.xml", backwards))
    assert root.tag == "errors" and root.find("error/code").text == "400"
    assert_errors(client.get("/open311/v2/requests.json", {"start_date": "2026-13-01"}), 400)
    # At the ends of the calendar the 90-day arithmetic would overflow: a 400, never a 500.
    assert_errors(client.get("/open311/v2/requests.json", {"start_date": "9999-12-31T23:59:59+14:00"}), 400)
    assert_errors(client.get("/open311/v2/requests.json", {"end_date": "0001-01-01"}), 400)


def test_description_of_exactly_4000_characters_is_accepted(client, district, api_key):
    _key, secret = api_key
    text = "ă" * 4000  # characters, not bytes
    r = post(client, secret, description=text)
    assert r.status_code == 201, r.content
    assert Complaint.objects.get().description == text
    assert_errors(post(client, secret, description=text + "b"), 400)


def test_every_endpoint_speaks_the_same_fields_in_xml(client, district, api_key):
    _key, secret = api_key
    r = client.post(
        "/open311/v2/requests.xml",
        {"api_key": secret, "service_code": "rubbish", "lat": TOWN[1], "long": TOWN[0], "description": "Rác <b>"},
    )
    assert r.status_code == 201
    receipt = xml_of(r)
    assert receipt.tag == "service_requests" and receipt.find("request/service_request_id").text.startswith("PA-")
    rid, token = receipt.find("request/service_request_id").text, receipt.find("request/token").text
    for url in (f"/open311/v2/requests/{rid}.xml", "/open311/v2/requests.xml"):
        row = xml_of(client.get(url)).find("request")
        names = [child.tag for child in row]
        assert names == list(client.get(url.replace(".xml", ".json")).json()[0]), url
        assert row.find("status").text == "open" and row.find("description").text == "Rác <b>"
        assert ISO_WITH_OFFSET.match(row.find("requested_datetime").text)
        assert float(row.find("lat").text) == pytest.approx(TOWN[1])
    assert xml_of(client.get(f"/open311/v2/tokens/{token}.xml")).find("request/service_request_id").text == rid
    services = xml_of(client.get("/open311/v2/services.xml"))
    assert {s.find("service_code").text for s in services} >= {"rubbish", "no_signal"}
    assert services.find("service/metadata").text in ("true", "false")
    definition = xml_of(client.get("/open311/v2/services/no_signal.xml"))
    assert definition.tag == "service_definition"
    attribute = definition.find("attributes/attribute")
    assert attribute.find("code").text == "operator" and attribute.find("required").text == "true"
    assert {v.find("key").text for v in attribute.findall("values/value")} >= {"viettel", "vnpt", "mobifone"}


def test_status_notes_media_url_and_address_are_strings_once_set(client, district, api_key, users):
    from layers.feedback import intake, workflow

    from .conftest import jpeg_bytes

    complaint, _ = intake.submit(
        intake.Report(
            category="rubbish", description="Rác", lon=TOWN[0], lat=TOWN[1], address="Chợ Trà My", photos=[jpeg_bytes()]
        )
    )
    workflow.act(complaint.pk, "acknowledge", users["feedback_officer"], note="Đã chuyển xã", public=True)
    workflow.act(complaint.pk, "start", users["feedback_officer"], note="nội bộ", public=False)
    row = client.get(f"/open311/v2/requests/{complaint.tracking_code}.json").json()[0]
    assert row["status_notes"] == "Đã chuyển xã"  # the latest public note, never the internal one
    assert row["address"] == "Chợ Trà My"
    assert row["media_url"].startswith("http://testserver/feedback/photos/") and row["media_url"].endswith(".jpg")
    assert client.get(row["media_url"])["Content-Type"] == "image/jpeg"
    assert row["updated_datetime"] >= row["requested_datetime"]


def _address_only(client, secret, address):
    data = {"api_key": secret, "service_code": "road_damage", "description": "Ổ gà", "address_string": address}
    return client.post("/open311/v2/requests.json", data, REMOTE_ADDR="127.0.0.9")


def test_post_with_only_an_address_is_geocoded_against_villages_and_communes(client, district, api_key):
    from layers.places.models import Village

    _key, secret = api_key
    Village.objects.create(commune=district["son"], name="Thôn Ba", geom="SRID=4326;POINT(108.3 15.33)")
    by_village = _address_only(client, secret, "Đầu cầu thôn ba, gần trường")
    assert by_village.status_code == 201, by_village.content
    receipt = by_village.json()[0]
    assert receipt["service_request_id"] or receipt["token"]
    complaint = Complaint.objects.get(tracking_code=receipt["service_request_id"])
    assert (round(complaint.geom.x, 4), round(complaint.geom.y, 4)) == (108.3, 15.33)
    assert complaint.commune == district["son"] and not complaint.notes.exists()
    by_commune = _address_only(client, secret, "Trung tâm Thị trấn Trà My")
    assert by_commune.status_code == 201
    placed = Complaint.objects.get(tracking_code=by_commune.json()[0]["service_request_id"])
    assert placed.commune == district["town"]


def test_an_address_that_names_no_place_is_kept_for_the_officer_to_place(client, district, api_key):
    _key, secret = api_key
    response = _address_only(client, secret, "Km 12 quốc lộ 40B")
    assert response.status_code == 201
    receipt = response.json()[0]
    assert "cán bộ sẽ đặt vị trí" in receipt["service_notice"]
    complaint = Complaint.objects.get(tracking_code=receipt["service_request_id"])
    note = complaint.notes.get()
    assert not note.public and "Cần đặt vị trí" in note.text and "Km 12" in note.text
    listed = client.get("/open311/v2/requests.json", {"service_request_id": receipt["service_request_id"]}).json()
    assert listed[0]["status_notes"] is None  # the internal note is not published


def test_error_descriptions_stay_in_the_requests_language(client, district, api_key):
    _key, secret = api_key
    swapped = post(client, secret, lat="108.2", long="15.35").json()[0]["description"]
    unknown = client.get("/open311/v2/nothing.json").json()[0]["description"]
    for text in (swapped, unknown):
        assert "the place" not in text and "no such" not in text
        assert any(ch in text for ch in "ịạảôơư")  # Vietnamese, the platform's language
