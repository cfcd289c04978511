"""Public form, tracking page, officers' queue and workflow, CSV export and statistics."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from layers import roles
from layers.feedback import outbox, workflow
from layers.feedback.models import ApiKey, Complaint, Note, OutboxEvent, Photo

from .conftest import TOWN, TRA_SON, jpeg_bytes

XSS = '<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>'


def form_data(**extra):
    data = {
        "category": "rubbish",
        "description": "Rác tồn đọng ở chợ",
        "lat": TOWN[1],
        "lon": TOWN[0],
        "form_token": "tok-" + str(len(extra)) + str(extra.get("description", ""))[:20],
        "reporter_name": "Lê Thị Riêng Tư",
        "reporter_phone": "0905111222",
    }
    data.update(extra)
    return data


def test_form_submission_gives_a_tracking_page_without_contact(client, district):
    assert client.get("/feedback/").status_code == 200
    photo = io.BytesIO(jpeg_bytes(gps=(TRA_SON[0], TRA_SON[1])))
    photo.name = "anh.jpg"
    r = client.post("/feedback/", {**form_data(lat="", lon=""), "photos": [photo]})
    assert r.status_code == 302, r.content.decode()[:2000]
    complaint = Complaint.objects.get()
    # No place picked: the photo's GPS position placed it, in Trà Sơn.
    assert complaint.commune == district["son"] and complaint.photos.count() == 1
    assert complaint.expected_at > complaint.created_at
    page = client.get(r["Location"])
    html = page.content.decode()
    assert complaint.tracking_code in html and "Lê Thị Riêng Tư" not in html and "0905111222" not in html
    # The photo's link is its random token; until an officer has looked at the report it is staff-only.
    photo_url = f"/feedback/photos/{Photo.objects.get().token}.jpg"
    assert photo_url not in html and client.get(photo_url).status_code == 404
    complaint.status = "acknowledged"
    complaint.save(update_fields=["status"])
    assert photo_url in client.get(r["Location"]).content.decode()
    assert client.get(photo_url)["Content-Type"] == "image/jpeg"


def test_svg_named_jpg_is_refused_on_the_form_and_nothing_is_stored(client, district):
    svg = io.BytesIO(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
    svg.name = "anh.jpg"
    r = client.post("/feedback/", {**form_data(), "photos": [svg]})
    assert r.status_code == 400 and Complaint.objects.count() == 0 and OutboxEvent.objects.count() == 0


def test_photo_over_the_byte_cap_is_413_and_nothing_is_stored(client, district, settings):
    settings.FEEDBACK_MAX_PHOTO_BYTES = 50_000
    big = io.BytesIO(jpeg_bytes(size=(900, 900), color=(10, 200, 90)) + b"\0" * 60_000)
    big.name = "anh.jpg"
    r = client.post("/feedback/", {**form_data(), "photos": [big]})
    assert r.status_code == 413 and Complaint.objects.count() == 0


def test_honeypot_filled_stores_nothing(client, district):
    r = client.post("/feedback/", form_data(website="http://spam.example"))
    assert r.status_code == 400 and Complaint.objects.count() == 0


def test_outside_the_district_is_refused_on_the_form(client, district):
    r = client.post("/feedback/", form_data(lat=15.1, lon=108.0))
    assert r.status_code == 400 and Complaint.objects.count() == 0


def test_duplicate_suggestion_before_submitting(client, district):
    assert client.post("/feedback/", form_data()).status_code == 302
    near = form_data(lat=TOWN[1] + 0.0002, lon=TOWN[0], form_token="second")  # about 22 m north
    r = client.post("/feedback/", {**near, "photos": [_upload("anh.jpg", jpeg_bytes())]})
    assert r.status_code == 200 and Complaint.objects.count() == 1 and Photo.objects.count() == 0
    assert "Vui lòng chọn lại ảnh trước khi gửi." in r.content.decode()  # file inputs come back empty
    first = Complaint.objects.get()
    assert first.tracking_code in r.content.decode()
    assert (
        client.get("/feedback/nearby.json", {"category": "rubbish", "lat": near["lat"], "lon": near["lon"]}).json()[
            "duplicates"
        ][0]["tracking_code"]
        == first.tracking_code
    )
    far = client.get("/feedback/nearby.json", {"category": "rubbish", "lat": TOWN[1] + 0.001, "lon": TOWN[0]})
    assert far.json()["duplicates"] == []  # about 110 m away
    assert client.post("/feedback/", {**near, "confirm_new": "on"}).status_code == 302
    assert Complaint.objects.count() == 2
    # The same form token posted again (double tap) gives the same report.
    assert client.post("/feedback/", {**near, "confirm_new": "on"}).status_code == 302
    assert Complaint.objects.count() == 2


def test_script_in_description_is_escaped_on_every_page(client, district, users):
    assert client.post("/feedback/", form_data(description=XSS)).status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.description == XSS
    officer = Client()
    officer.force_login(users[roles.FEEDBACK_OFFICER])
    workflow.act(complaint.pk, "acknowledge", users[roles.FEEDBACK_OFFICER], note=XSS, public=True)
    pages = [
        client.get(f"/feedback/track/{complaint.tracking_code}/"),
        officer.get("/feedback/queue/"),
        officer.get(f"/feedback/queue/{complaint.tracking_code}/"),
    ]
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert "<script>alert(1)" not in html and "<img src=x onerror" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    geo = officer.get("/feedback/queue/map.geojson").json()
    assert geo["features"][0]["properties"]["description"] == XSS[:300]  # data, drawn with textContent


def test_queue_is_for_officers_only(client, district, users):
    assert client.get("/feedback/queue/").status_code == 302
    planner = Client()
    planner.force_login(users[roles.PLANNER])
    assert planner.get("/feedback/queue/").status_code == 403
    assert planner.get("/feedback/stats.json").status_code == 403
    operator = Client()
    operator.force_login(users[roles.OPERATOR])
    assert operator.get("/feedback/queue/").status_code == 200


def test_workflow_bulk_acknowledge_reject_duplicate_reopen(client, district, users):
    officer_user = users[roles.FEEDBACK_OFFICER]
    officer = Client()
    officer.force_login(officer_user)
    for i in range(3):
        client.post("/feedback/", form_data(description=f"Rác {i}", lat=TOWN[1] + i * 0.01, form_token=f"t{i}"))
    a, b, c = Complaint.objects.order_by("pk")
    r = officer.post("/feedback/queue/acknowledge/", {"ids": [a.pk, b.pk]})
    assert r.status_code == 302
    assert set(Complaint.objects.values_list("status", flat=True)) == {"acknowledged", "received"}
    r = officer.post(
        f"/feedback/queue/{c.tracking_code}/",
        {"action": "reject", "reason": "duplicate", "duplicate_of": a.tracking_code, "answer": "Trùng"},
    )
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.status == "rejected" and c.duplicate_of == a
    # Internal notes stay internal; public answers show on the tracking page.
    officer.post(f"/feedback/queue/{a.tracking_code}/", {"internal": "ghi chú nội bộ XYZ"})
    officer.post(f"/feedback/queue/{a.tracking_code}/", {"action": "resolve", "answer": "Đã thu gom xong"})
    page = client.get(f"/feedback/track/{a.tracking_code}/").content.decode()
    assert "Đã thu gom xong" in page and "ghi chú nội bộ XYZ" not in page
    assert client.get(f"/open311/v2/requests/{a.tracking_code}.json").json()[0]["status_notes"] == "Đã thu gom xong"
    # Resolving needs an answer; a closed report can be reopened.
    bad = officer.post(f"/feedback/queue/{b.tracking_code}/", {"action": "resolve", "answer": ""})
    assert bad.status_code == 400
    workflow.act(a.pk, "close", officer_user)
    a = workflow.act(a.pk, "reopen", officer_user, note="Người dân báo rác lại tồn đọng")
    assert a.status == "in_progress" and a.expected_at > timezone.now()
    with pytest.raises(workflow.TransitionRefused):
        workflow.act(a.pk, "close", officer_user)
    assert Note.objects.filter(complaint=a).count() >= 4


def test_overdue_is_flagged_escalated_once_and_counted(client, district, users):
    client.post("/feedback/", form_data(category="landslide", description="Sạt lở taluy"))
    complaint = Complaint.objects.get()
    assert complaint.expected_at - complaint.created_at == timedelta(hours=3)
    later = complaint.created_at + timedelta(hours=4)
    assert workflow.escalate_overdue(later) == 1
    assert workflow.escalate_overdue(later) == 0
    event = OutboxEvent.objects.get(kind="complaint.overdue")
    operator = users[roles.OPERATOR]
    operator.email = "lanhdao@bactramy.example"
    operator.save()
    assert outbox.consume(str(event.event_id)) == 1
    assert outbox.consume(str(event.event_id)) == 0  # a redelivery is dropped by its event id
    assert [m.to for m in mail.outbox] == [["lanhdao@bactramy.example"]]
    assert complaint.tracking_code in mail.outbox[0].subject
    from layers.feedback import stats

    assert stats.summary(now=later)["overdue"] == 1


def test_csv_export_neutralises_formulas_and_stats_json(client, district, users):
    client.post("/feedback/", form_data(description='=HYPERLINK("http://evil.example","bấm")'))
    officer = Client()
    officer.force_login(users[roles.FEEDBACK_OFFICER])
    body = officer.get("/feedback/queue/export.csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows[0]["description"].startswith("'=HYPERLINK(")
    stats = officer.get("/feedback/stats.json").json()
    assert stats["total"]["volume"] == 1 and stats["by_category"][0]["key"] == "rubbish"
    assert officer.get("/feedback/stats/").status_code == 200


def test_vietnamese_first_english_second(client, seeded):
    assert "Gửi phản ánh" in client.get("/feedback/").content.decode()
    english = client.get("/feedback/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Send a report" in english and "Contact details are optional and never made public" in english


def test_tracking_page_and_form_in_english_name_status_and_category(client, district, users):
    assert client.post("/feedback/", form_data(category="landslide", description="Sạt lở")).status_code == 302
    complaint = Complaint.objects.get()
    workflow.act(complaint.pk, "start", users[roles.FEEDBACK_OFFICER], note="Đội đã tới hiện trường", public=True)
    url = f"/feedback/track/{complaint.tracking_code}/"
    vietnamese = client.get(url).content.decode()
    assert "Đang xử lý" in vietnamese and "Sạt lở đất, đá" in vietnamese and "Đội đã tới hiện trường" in vietnamese
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "In progress" in english and "Landslide" in english and "Đang xử lý" not in english
    assert "Answer due" in english and '<html lang="en">' in english
    form = client.get("/feedback/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="landslide">Landslide</option>' in form
    assert "Sạt lở đất, đá" not in form and "within 50 m" in form  # the nearby hint's title too
    officer = Client()
    officer.force_login(users[roles.FEEDBACK_OFFICER])
    stats_page = officer.get("/feedback/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Reports per month" in stats_page and '"name": "Landslide"' in stats_page


def test_maps_get_a_base_map_with_the_offline_fallback(client, district, users):
    import json

    html = client.get("/feedback/").content.decode()
    config = json.loads(re.search(r'<script id="fb-basemap" type="application/json">(.*?)</script>', html).group(1))
    assert config["offlineUrl"] == "/basemap/{z}/{x}/{y}.png" and config["onlineUrl"].startswith("http")
    officer = Client()
    officer.force_login(users[roles.FEEDBACK_OFFICER])
    assert 'id="fb-basemap"' in officer.get("/feedback/queue/").content.decode()


def test_bulk_acknowledge_says_how_many_in_words(client, district, users):
    for i in range(2):
        client.post("/feedback/", form_data(description=f"Rác {i}", lat=TOWN[1] + i * 0.01, form_token=f"b{i}"))
    officer = Client()
    officer.force_login(users[roles.FEEDBACK_OFFICER])
    ids = list(Complaint.objects.values_list("pk", flat=True))
    page = officer.post("/feedback/queue/acknowledge/", {"ids": ids}, follow=True).content.decode()
    assert "Đã xác nhận 2 phản ánh." in page
    assert set(Complaint.objects.values_list("status", flat=True)) == {"acknowledged"}
    assert Note.objects.filter(public=False, status_to="acknowledged").count() == 2


def test_overdue_reports_are_escalated_and_counted_on_the_dashboard(district, users):
    from django.urls import reverse

    from layers.feedback import intake, stats

    past = timezone.now() - timedelta(hours=5)
    late, _ = intake.submit(intake.Report(category="landslide", description="Sạt", lon=TOWN[0], lat=TOWN[1]), now=past)
    intake.submit(intake.Report(category="rubbish", description="Rác", lon=TRA_SON[0], lat=TRA_SON[1]))
    assert workflow.escalate_overdue() == 1
    late.refresh_from_db()
    assert late.escalated_at is not None
    assert OutboxEvent.objects.filter(kind="complaint.overdue", complaint=late).count() == 1
    operator = Client()
    operator.force_login(users[roles.OPERATOR])
    figures = operator.get(reverse("web:dashboard-figures")).json()["complaints"]
    assert figures["open"] == 2 and figures["overdue"] == 1 == stats.summary()["overdue"]
    queue = operator.get("/feedback/queue/?overdue=1").content.decode()
    assert late.tracking_code in queue and "fb-overdue" in queue


def test_api_keys_are_issued_in_the_admin_and_shown_once(client, district, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", "root@bactramy.example", "pw-for-tests-only")
    staff = Client()
    staff.force_login(admin_user)
    form = {"name": "Ứng dụng Bắc Trà My Smart", "active": "on", "per_minute": "30"}
    page = staff.post("/admin/feedback/apikey/add/", form, follow=True).content.decode()

    secret = re.search(r"(gp311_[A-Za-z0-9_-]{20,})", page).group(1)
    key = ApiKey.objects.get()
    assert secret not in (key.key_hash, key.prefix) and key.prefix == secret[:12]
    r = client.post(
        "/open311/v2/requests.json",
        {"api_key": secret, "service_code": "rubbish", "lat": TOWN[1], "long": TOWN[0], "description": "Rác"},
    )
    assert r.status_code == 201, r.content
    assert secret not in staff.get(f"/admin/feedback/apikey/{key.pk}/change/").content.decode()


def test_stats_page_shows_zero_percent_on_time_as_zero_and_names_in_the_queue(district, users):
    from layers.feedback import intake

    past = timezone.now() - timedelta(hours=5)
    intake.submit(intake.Report(category="landslide", description="Sạt", lon=TOWN[0], lat=TOWN[1]), now=past)
    officer = Client()
    officer.force_login(users[roles.FEEDBACK_OFFICER])
    html = officer.get("/feedback/stats/").content.decode()
    row = re.search(r"<tr><td>Sạt lở đất, đá</td><td>1</td><td>(.*?)</td><td>(.*?)</td></tr>", html)
    assert row.groups() == ("—", "0,0")  # no response yet; late, so 0 % on time (not "no data"); vi decimal comma
    assert ">Sạt lở đất, đá</td>" in officer.get("/feedback/queue/").content.decode()
    assert ">Landslide</td>" in officer.get("/feedback/queue/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        ("-91", "108.2"),
        ("15.35", "181"),
        ("NaN", "108.2"),
        ("15.35", "Infinity"),
        ("1e999", "108.2"),
        ("108.2", "15.35"),  # swapped
    ],
)
def test_hostile_coordinates_on_the_form_are_refused_and_store_nothing(client, district, lat, lon):
    r = client.post("/feedback/", form_data(lat=lat, lon=lon))
    assert r.status_code == 400 and Complaint.objects.count() == 0 and OutboxEvent.objects.count() == 0
    assert client.get("/feedback/nearby.json", {"category": "rubbish", "lat": lat, "lon": lon}).status_code == 400


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/feedback/track/%00/", 404),
        ("/feedback/track/PA-%00X/", 404),
        ("/feedback/track/?code=a%2Fb", 400),  # a slash would not even make a URL
        ("/feedback/track/?code=%00", 400),
        ("/feedback/nearby.json?lon=108.2&lat=15.35&category=%00", 400),
        ("/open311/v2/requests.json?service_code=%00", 400),
        ("/open311/v2/requests.json?service_request_id=PA-%00", 400),
        ("/open311/v2/services.json?jurisdiction_id=%00", 400),
    ],
)
def test_nul_and_malformed_codes_are_4xx_never_500(client, district, path, status):
    assert client.get(path).status_code == status


@pytest.mark.parametrize(
    "path",
    [
        "/feedback/queue/?category=%00",
        "/feedback/queue/?q=%00",
        "/feedback/queue/map.geojson?category=%00",
        "/feedback/queue/export.csv?q=%00",
        "/feedback/queue/%00/",
    ],
)
def test_nul_in_the_officers_queue_is_never_500(district, users, path):
    officer = Client()
    officer.force_login(users[roles.FEEDBACK_OFFICER])
    # A NUL in the query is refused at the boundary (geoplatform/text_guard.py) with a 400 naming the field.
    assert officer.get(path).status_code in (200, 400, 404)


@pytest.mark.parametrize("field", ["description", "address_string", "email", "first_name", "attribute[operator]"])
def test_nul_in_an_open311_post_is_a_400_error_list_and_stores_nothing(client, district, api_key, field):
    _key, secret = api_key
    data = {"api_key": secret, "service_code": "no_signal", "lat": TOWN[1], "long": TOWN[0], "description": "Mất sóng"}
    data["attribute[operator]"] = "viettel"
    data[field] = data.get(field, "x") + "\x00"
    r = client.post("/open311/v2/requests.json", data)
    assert r.status_code == 400 and r.json()[0]["code"] == 400
    assert Complaint.objects.count() == 0


def test_nul_in_a_report_made_in_code_is_refused_before_the_database(district):
    from layers.feedback import intake

    with pytest.raises(intake.InvalidReport):
        intake.submit(intake.Report(category="rubbish", description="a\x00b", lon=TOWN[0], lat=TOWN[1]))
    with pytest.raises(intake.UnknownCategory):
        intake.submit(intake.Report(category="rub\x00bish", description="ab", lon=TOWN[0], lat=TOWN[1]))
    assert Complaint.objects.count() == 0


def _upload(name, data):
    f = io.BytesIO(data)
    f.name = name
    return f


@pytest.mark.parametrize(
    "photos",
    [
        [jpeg_bytes() for _ in range(4)],  # one too many
        [b""],
        [jpeg_bytes()[:60]],  # cut off
        [b"%PDF-1.4 not a photo"],
        [jpeg_bytes(), b"<html><script>alert(1)</script></html>"],  # the second of two is bad
    ],
    ids=["four", "empty", "truncated", "pdf", "second-is-html"],
)
def test_bad_photo_sets_on_the_form_are_refused_and_store_nothing(client, district, photos):
    files = [_upload(f"anh{i}.jpg", p) for i, p in enumerate(photos)]
    r = client.post("/feedback/", {**form_data(), "photos": files})
    assert r.status_code == 400, r.status_code
    assert Complaint.objects.count() == 0 and Photo.objects.count() == 0 and OutboxEvent.objects.count() == 0


def test_mails_link_to_the_site_and_name_the_category(district, settings):
    from django.core import mail

    from layers.feedback import intake

    settings.SITE_URL = "https://ioc.bactramy.example"
    complaint, _ = intake.submit(
        intake.Report(category="road_damage", description="Cống <vỡ> & tắc", lon=TOWN[0], lat=TOWN[1])
    )
    event = OutboxEvent.objects.get(complaint=complaint)
    assert outbox.consume(str(event.event_id)) == 2
    message = mail.outbox[0]
    assert message.subject.startswith(f"[Phản ánh] {complaint.tracking_code} – Hư hỏng đường, cầu, cống – ")
    link = f"https://ioc.bactramy.example/feedback/queue/{complaint.tracking_code}/"
    assert link in message.body and "Cống <vỡ> & tắc" in message.body  # the text part is plain text
    html = message.alternatives[0][0]  # (content, mimetype)
    assert link in html and "Cống &lt;vỡ&gt; &amp; tắc" in html


def test_the_village_list_places_a_report_without_the_map(client, district):
    from django.contrib.gis.geos import Point

    from layers.places.models import Village

    son, town = district["son"], district["town"]
    village = Village.objects.create(commune=son, name="Thôn Ông Sơn", geom=Point(108.29, 15.33, srid=4326))
    r = client.post("/feedback/", form_data(lat="", lon="", commune=son.pk, village=village.pk, form_token="v1"))
    assert r.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.geom.equals_exact(village.geom, 1e-9) and complaint.commune == son
    # A commune alone: a point inside it. A village of another commune is not taken for it.
    r = client.post("/feedback/", form_data(lat="", lon="", commune=town.pk, village=village.pk, form_token="v2"))
    assert r.status_code == 302
    assert Complaint.objects.latest("pk").commune == town
    # Neither map, nor list, nor photo, nor address: the place is asked for, in words, and nothing is stored.
    r = client.post("/feedback/", form_data(lat="", lon="", form_token="v3"))
    assert r.status_code == 400 and Complaint.objects.count() == 2
    assert "Hãy cho biết nơi xảy ra: chạm vào bản đồ" in r.content.decode()


@pytest.mark.parametrize(
    "query,expected",
    [("lat=15.35&lon=108.2", ("15.35", "108.2")), ("lat=nan&lon=108.2", None), ("lat=10&lon=108.2", None)],
)
def test_the_maps_report_here_link_places_the_report_inside_the_district_only(district, query, expected):
    html = Client().get(f"/feedback/?{query}").content.decode()
    lat = re.search(r'<input[^>]*id="id_lat"[^>]*>', html).group(0)
    if expected:
        assert f'value="{expected[0]}"' in lat
        assert f'value="{expected[1]}"' in re.search(r'<input[^>]*id="id_lon"[^>]*>', html).group(0)
    else:
        assert "value=" not in lat
