"""The shared header and the site's own error pages in Chromium, as a person meets them on a phone and a desktop."""

import pytest
from django.contrib.auth.models import Group, User

from layers import roles
from tests import journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _user(role: str) -> User:
    user = User.objects.create_user(f"{role}-site", password="pw-for-tests-only", first_name="Hồ", last_name="Văn A")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _menu_links(page) -> list[str]:
    return [a.inner_text().strip() for a in page.locator("#gp-menu nav a").all() if a.is_visible()]


def test_an_unknown_page_on_a_phone_is_a_friendly_page_with_the_menu(live_server, person):
    page = person("phone")
    page.goto(f"{live_server.url}/no/such/page/")
    assert page.locator("[data-testid=error-page] h1").inner_text() == "Không tìm thấy trang"
    assert page.locator("#gp-menu nav").is_hidden()  # the pages sit behind the menu button on a phone
    # Links standing alone are whole tap targets.
    heights = [a.bounding_box()["height"] for a in page.locator(".gp-links a, .gp-brand").all()]
    assert len(heights) == 3 and min(heights) >= 44, heights
    journey.check(page, "site-404")
    journey.press(page, "#gp-menu-toggle")
    assert page.locator("#gp-menu nav").is_visible()
    links = _menu_links(page)
    assert {"Bản đồ", "Gửi phản ánh", "Tra cứu phản ánh"} <= set(links), links
    assert "Cảnh báo cháy" not in links
    journey.check(page, "site-404-menu")
    journey.press(page, "#gp-menu a[href='/feedback/']")
    page.wait_for_url(f"{live_server.url}/feedback/")


def test_a_role_page_sends_an_anonymous_person_to_log_in_and_back(live_server, person):
    _user(roles.PLANNER)
    page = person("desktop")
    page.goto(f"{live_server.url}/coverage/")
    # A page, not JSON: either the log-in form or the error page that links to it.
    if page.locator("[data-testid=error-login]").count():
        assert page.locator("[data-testid=error-page]").get_attribute("data-status") in {"401", "403"}
        journey.check(page, "site-login-needed")
        journey.press(page, "[data-testid=error-login]")
    page.locator("input[name=username]").type(f"{roles.PLANNER}-site")
    page.locator("input[name=password]").type("pw-for-tests-only")
    journey.press(page, "main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/coverage/")
    header = page.locator("[data-testid=site-header]")
    assert "Hồ Văn A · Quy hoạch viễn thông" in header.inner_text()
    assert header.locator("a[aria-current=page]").inner_text() == "Vùng phủ sóng"


def test_a_ranger_on_a_phone_finds_the_pages_and_logs_out_from_the_menu(live_server, person):
    _user(roles.RANGER)
    page = person("phone")
    journey.login(page, live_server.url, f"{roles.RANGER}-site", "pw-for-tests-only", "/feedback/track/")
    journey.press(page, "#gp-menu-toggle")
    links = _menu_links(page)
    assert {"Bản đồ", "Cảnh báo cháy", "Gửi phản ánh"} <= set(links), links
    # The operations dashboard is the operators' page (its cost is bounded by who may open it).
    assert "Hàng đợi phản ánh" not in links and "Vùng phủ sóng" not in links and "Bảng điều hành" not in links
    assert page.locator("[data-testid=user-name]").is_visible()
    journey.check(page, "site-menu-ranger")
    with page.expect_navigation():
        journey.press(page, "[data-testid=logout]")
    page.goto(f"{live_server.url}/feedback/track/")
    assert page.locator("[data-testid=login]").count() == 1
    assert page.locator("[data-testid=user-name]").count() == 0


def test_a_refused_page_in_english_is_english(live_server, person):
    _user(roles.URBAN_STAFF)
    page = person("desktop")
    journey.login(page, live_server.url, f"{roles.URBAN_STAFF}-site", "pw-for-tests-only", "/feedback/track/")
    journey.press(page, "form.gp-lang button[value=en]")
    page.wait_for_selector("html[lang=en]")
    page.goto(f"{live_server.url}/fire/")
    assert page.locator("[data-testid=error-page]").get_attribute("data-status") == "403"
    assert page.locator("[data-testid=error-page] h1").inner_text() == "Access denied"
    assert "Fire alerts" not in page.locator("#gp-menu nav").inner_text()
    assert page.locator("#gp-menu nav a[href='/map/']").inner_text() == "Map"
    journey.check(page, "site-403-en")


def test_an_operators_header_stays_one_row_on_a_desktop(live_server, person):
    _user(roles.OPERATOR)
    page = person("desktop")
    journey.login(page, live_server.url, f"{roles.OPERATOR}-site", "pw-for-tests-only", "/feedback/track/")
    header = page.locator("[data-testid=site-header]").bounding_box()
    assert header["height"] <= 60, header
    links = page.locator("#gp-menu nav a")
    assert links.count() >= 8
    # The links that do not fit are behind a button that pages through them; none is cut away for good.
    nav, more = page.locator("#gp-nav"), page.locator("#gp-nav-more")
    last = links.nth(links.count() - 1)

    def shown(link) -> bool:
        box, frame = link.bounding_box(), nav.bounding_box()
        return box["x"] >= frame["x"] - 1 and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1

    if nav.evaluate("n => n.scrollWidth > n.clientWidth"):
        assert more.is_visible() and more.get_attribute("aria-label") == "Các trang tiếp theo"
        assert not shown(last)
        journey.check(page, "site-header-operator")
        for _ in range(6):
            if more.get_attribute("data-end") is not None:
                break
            more.click()
            page.wait_for_timeout(400)  # the smooth scroll
        assert shown(last) and more.get_attribute("aria-label") == "Về các trang đầu"
        more.click()
        page.wait_for_function("document.getElementById('gp-nav').scrollLeft === 0")
        assert shown(links.nth(0))
    else:
        assert not more.is_visible() and shown(last)
        journey.check(page, "site-header-operator")


def test_the_page_links_button_is_not_there_when_the_links_fit_or_on_a_phone(live_server, person):
    _user(roles.RANGER)
    page = person("desktop")
    journey.login(page, live_server.url, f"{roles.RANGER}-site", "pw-for-tests-only", "/fire/")
    nav = page.locator("#gp-nav")
    assert nav.evaluate("n => n.scrollWidth <= n.clientWidth")
    assert not page.locator("#gp-nav-more").is_visible()
    phone = person("phone")
    journey.login(phone, live_server.url, f"{roles.RANGER}-site", "pw-for-tests-only", "/fire/")
    phone.locator("#gp-menu-toggle").tap()
    assert phone.locator("#gp-nav a").first.is_visible() and not phone.locator("#gp-nav-more").is_visible()
