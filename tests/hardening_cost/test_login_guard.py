"""Failed logins are limited per account and per address, for HTTP Basic and the login page alike."""

import base64

from django.contrib.auth.models import User
from django.test import Client

from layers.places.models import Village

URL = "/api/layers/villages/features/"


def basic(username: str, password: str) -> dict:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def test_basic_auth_locks_the_account_after_five_failures_even_for_the_right_password(db, settings):
    User.objects.create_user("ranger1", password="right-password-1")
    client = Client()
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        assert client.get(URL, **basic("ranger1", "guess")).status_code == 401
    locked = client.get(URL, **basic("ranger1", "right-password-1"))
    assert locked.status_code == 429
    error = locked.json()["error"]
    assert error["code"] == "login_locked" and "tạm khoá" in error["message"] and error["retry_after"] > 0
    # Another account from the same address is not locked by these five.
    User.objects.create_user("ranger2", password="right-password-2")
    assert client.get(URL, **basic("ranger2", "right-password-2")).status_code == 200
    assert Village.objects.count() == 0


def test_the_address_is_limited_across_accounts_and_the_login_page_shows_the_lock_out(db, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 6
    User.objects.create_user("officer", password="right-password-3")
    client = Client()
    for i in range(6):
        assert client.get(URL, **basic(f"guess{i}", "x")).status_code == 401
    page = client.post(
        "/accounts/login/", {"username": "officer", "password": "right-password-3"}, HTTP_ACCEPT="text/html"
    )
    assert page.status_code == 429
    assert "Quá nhiều lần đăng nhập sai từ địa chỉ này" in page.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address still signs in.
    other = Client(REMOTE_ADDR="10.9.9.9")
    response = other.post("/accounts/login/", {"username": "officer", "password": "right-password-3"})
    assert response.status_code == 302 and "_auth_user_id" in other.session


def test_a_success_clears_the_accounts_failures(db, settings):
    User.objects.create_user("planner1", password="right-password-4")
    client = Client()
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT - 1):
        assert client.get(URL, **basic("planner1", "guess")).status_code == 401
    assert client.get(URL, **basic("planner1", "right-password-4")).status_code == 200
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT - 1):
        assert client.get(URL, **basic("planner1", "guess")).status_code == 401
    assert client.get(URL, **basic("planner1", "right-password-4")).status_code == 200
