"""The pages: framing rules, embed contents, dashboard access, role panels, language."""

import json
import re

import pytest
from django.test import Client

from layers.web import figures

FRAMED_ELSEWHERE = ["/map/", "/embed/builder/", "/accounts/login/"]


def _config(response) -> dict:
    match = re.search(r'<script id="gp-config" type="application/json">(.*?)</script>', response.content.decode(), re.S)
    return json.loads(match.group(1))


@pytest.mark.parametrize("path", FRAMED_ELSEWHERE)
def test_every_page_but_the_embed_refuses_framing(db, path):
    response = Client().get(path)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"


def test_embed_may_be_framed_only_by_the_listed_origins(db, settings):
    settings.EMBED_ALLOWED_ORIGINS = ["https://bactramy.quangnam.gov.vn", "https://x.example; script-src *"]
    response = Client().get("/embed/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert response["Content-Security-Policy"] == "frame-ancestors 'self' https://bactramy.quangnam.gov.vn"
    head = Client().head("/embed/")
    assert head.status_code == 200 and head["Content-Security-Policy"] == response["Content-Security-Policy"]


def test_embed_drops_private_layers_and_fields_whatever_is_asked(db):
    response = Client().get("/embed/?layers=signal-measurements,complaints,cameras,nope,../etc")
    config = _config(response)
    slugs = [layer["slug"] for layer in config["embedLayers"]]
    assert slugs == ["complaints", "cameras"]
    fields = {layer["slug"]: layer["fields"] for layer in config["embedLayers"]}
    assert "reporter_phone" not in fields["complaints"] and "stream_url" not in fields["cameras"]
    assert "signal-measurements" not in response.content.decode()


@pytest.mark.parametrize(
    "query,field",
    [
        ("bbox=1,2,3", "bbox"),
        ("bbox=10,0,5,1", "bbox"),
        ("bbox=nan,1,2,3", "bbox"),
        ("center=95,200", "center"),
        ("zoom=99", "zoom"),
        ("time=yesterday", "time"),
        ("time=2024-02-30T00:00/..", "time"),
    ],
)
def test_bad_view_parameters_are_a_400_naming_the_field(db, query, field):
    for page in ("/embed/", "/map/"):
        response = Client().get(f"{page}?{query}")
        assert response.status_code == 400
        assert json.loads(response.content)["error"]["field"] == field


def test_dashboard_needs_a_signed_in_staff_role(db, users, django_user_model):
    client = Client()
    assert client.get("/dashboard/").status_code == 302
    nobody = django_user_model.objects.create_user("nobody", password="pw-for-tests-only")
    client.force_login(nobody)
    assert client.get("/dashboard/figures.json").status_code == 403
    client.force_login(users["operator"])
    assert client.get("/dashboard/").status_code == 200


def test_figures_json_is_the_service_result(district, users):
    client = Client()
    client.force_login(users["operator"])
    body = client.get("/dashboard/figures.json").json()
    expected = figures.all_figures()
    for key in ("coverage", "wifi", "fire_alerts", "complaints", "cameras", "coverage_by_commune"):
        assert body[key] == expected[key]


def test_dashboard_tiles_link_to_the_map_filtered_to_what_they_count(db, users):
    client = Client()
    client.force_login(users["operator"])
    html = client.get("/dashboard/").content.decode()
    assert 'href="/map/?layers=cameras&amp;status=offline"' in html
    assert "layers=complaints&amp;status=received,acknowledged,in_progress" in html


@pytest.mark.parametrize(
    "role,panel_keys",
    [
        ("ranger", ["fire"]),
        ("feedback_officer", ["complaints"]),
        ("planner", ["coverage"]),
        ("operator", ["fire", "complaints", "coverage"]),
        (None, []),
    ],
)
def test_map_panels_follow_the_role(db, users, role, panel_keys):
    client = Client()
    if role:
        client.force_login(users[role])
    config = _config(client.get("/map/"))
    assert [p["key"] for p in config["panels"]] == panel_keys


def test_panels_feed_from_the_theme_apps_and_link_to_their_pages(db, users):
    client = Client()
    client.force_login(users["operator"])
    panels = {p["key"]: p for p in _config(client.get("/map/"))["panels"]}
    assert panels["fire"]["feed"] == "/api/fire/alerts/"
    assert panels["complaints"]["feed"] == "/feedback/queue/map.geojson"
    assert panels["coverage"]["feed"] is None
    links = {key: [link["url"] for link in p["links"]] for key, p in panels.items()}
    assert links == {
        "fire": ["/fire/"],
        "complaints": ["/feedback/queue/", "/feedback/stats/"],
        "coverage": ["/coverage/"],
    }
    for urls in links.values():
        for url in urls:
            assert client.get(url).status_code == 200, url
    assert client.get(panels["fire"]["feed"]).status_code == 200
    assert client.get(panels["complaints"]["feed"]).status_code == 200


def test_the_map_opens_on_the_loaded_district(district):
    config = _config(Client().get("/map/"))
    assert config["districtBbox"] == [108.10, 15.25, 108.30, 15.40]


def test_vietnamese_by_default_and_english_on_request(db):
    client = Client()
    vi = client.get("/map/").content.decode()
    assert 'lang="vi"' in vi and "Lớp bản đồ" in vi
    client.post("/i18n/setlang/", {"language": "en", "next": "/map/"})
    en = client.get("/map/").content.decode()
    assert 'lang="en"' in en and "Map layers" in en
    assert _config(client.get("/map/"))["language"] == "en"


def test_dashboard_in_both_languages(db, users):
    client = Client()
    client.force_login(users["operator"])
    assert "Thôn có sóng di động" in client.get("/dashboard/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})
    en = client.get("/dashboard/").content.decode()
    assert "Villages with mobile coverage" in en and "Thôn có sóng di động" not in en
    assert '"succeeded": "Succeeded"' in en
