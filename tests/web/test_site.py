"""The site as a whole: one header with each role's pages, its own error pages, compression, the icon."""

import gzip
import json
from pathlib import Path

import pytest
from django.test import Client

from layers import roles

PAGE = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _nav(response) -> list[str]:
    html = response.content.decode()
    start = html.index('<nav class="gp-nav"')
    return [part.split('"', 1)[0] for part in html[start : html.index("</nav>", start)].split('href="')[1:]]


@pytest.mark.parametrize(
    "role,shown,hidden",
    [
        (None, ["/map/", "/feedback/", "/feedback/track/"], ["/dashboard/", "/fire/", "/feedback/queue/"]),
        (roles.RANGER, ["/map/", "/fire/", "/feedback/"], ["/dashboard/", "/feedback/queue/", "/coverage/"]),
        (roles.FEEDBACK_OFFICER, ["/feedback/queue/"], ["/dashboard/", "/fire/", "/coverage/"]),
        (roles.PLANNER, ["/coverage/"], ["/dashboard/", "/fire/", "/feedback/queue/"]),
        (roles.OPERATOR, ["/dashboard/", "/fire/", "/feedback/queue/", "/coverage/"], []),
    ],
)
def test_the_header_lists_the_pages_of_the_users_role(db, users, role, shown, hidden):
    client = Client()
    if role:
        client.force_login(users[role])
    links = _nav(client.get("/feedback/track/"))
    assert all(url in links for url in shown), links
    assert not any(url in links for url in hidden), links


@pytest.mark.parametrize("path", ["/map/", "/feedback/", "/feedback/track/", "/embed/builder/", "/accounts/login/"])
def test_every_page_carries_the_same_header(db, path):
    html = Client().get(path).content.decode()
    assert html.count('data-testid="site-header"') == 1
    assert 'href="/feedback/"' in html and 'href="/map/"' in html
    assert 'rel="icon"' in html


def test_the_header_names_the_user_and_offers_log_out(db, users):
    client = Client()
    client.force_login(users[roles.RANGER])
    html = client.get("/map/").content.decode()
    assert f">{users[roles.RANGER].username} · Kiểm lâm<" in html
    assert 'data-testid="logout"' in html and 'data-testid="login"' not in html


def test_a_wrong_tracking_code_is_a_friendly_404_page_in_both_languages(db):
    vi = Client().get("/feedback/track/PA-NOPE0000/", **PAGE)
    assert vi.status_code == 404
    html = vi.content.decode()
    assert 'data-testid="lookup-message"' in html and "Không tìm thấy phản ánh có mã PA-NOPE0000" in html
    assert "Traceback" not in html and "Using the URLconf" not in html
    en = Client().get("/feedback/track/PA-NOPE0000/", **PAGE, **ENGLISH)
    assert en.status_code == 404 and "No report has the code PA-NOPE0000" in en.content.decode()


def test_an_unknown_page_is_the_sites_own_404_page_in_both_languages(db):
    vi = Client().get("/no/such/page/", **PAGE)
    assert vi.status_code == 404
    html = vi.content.decode()
    assert 'data-testid="error-page"' in html and "Không tìm thấy trang" in html
    assert "Using the URLconf" not in html
    en = Client().get("/no/such/page/", **PAGE, **ENGLISH)
    assert en.status_code == 404 and "Page not found" in en.content.decode()


def test_an_unknown_api_url_is_a_json_404(db):
    response = Client().get("/api/layers/nope/features/", **PAGE)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["/fire/", "/coverage/", "/feedback/queue/", "/dashboard/"])
def test_a_page_the_user_may_not_open_is_a_page_with_a_log_in_link(db, users, path):
    anonymous = Client().get(path, **PAGE, follow=True)
    html = anonymous.content.decode()
    # Either the log-in page itself or the error page that offers it; never JSON or bare text.
    assert anonymous["Content-Type"].startswith("text/html")
    assert 'name="password"' in html or 'data-testid="error-login"' in html
    client = Client()
    client.force_login(users[roles.URBAN_STAFF] if path != "/dashboard/" else _no_role_user())
    refused = client.get(path, **PAGE)
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("text/html")
    assert 'data-testid="error-page"' in refused.content.decode()


def _no_role_user():
    from django.contrib.auth.models import User

    return User.objects.create_user("no-role", password="pw-for-tests-only")


def test_a_forbidden_api_call_stays_json(db, users):
    client = Client()
    client.force_login(users[roles.URBAN_STAFF])
    response = client.get("/api/fire/alerts/", HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] in {"forbidden", "permission_denied"}


def test_the_browsers_own_favicon_request_finds_the_icon(db):
    from django.contrib.staticfiles import finders

    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/web/favicon.svg"
    assert b"<svg" in Path(finders.find("web/favicon.svg")).read_bytes()


def test_json_is_compressed_for_clients_that_accept_gzip(district):
    plain = Client().get("/api/layers/villages/features/?limit=100")
    packed = Client().get("/api/layers/villages/features/?limit=100", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.content)) == plain.json()
    assert len(packed.content) < len(plain.content) / 2


def test_a_name_that_is_a_role_title_is_not_said_twice(db, users):
    officer = users[roles.OPERATOR]
    officer.first_name = "Lãnh đạo IOC"
    officer.save()
    client = Client()
    client.force_login(officer)
    html = client.get("/feedback/track/").content.decode()
    assert ">Lãnh đạo IOC<" in html and "Lãnh đạo IOC · Lãnh đạo IOC" not in html
