"""Messages are made only when used, and still reach the next page when they are."""

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.functional import empty

from geoplatform.middleware import LazyMessageMiddleware


def _through(view, cookies=None):
    """A GET run through the session and message middleware around ``view``; (request, response)."""
    request = RequestFactory().get("/somewhere/")
    request.COOKIES.update(cookies or {})
    seen = {}

    def inner(req):
        seen["request"] = req
        return view(req)

    response = SessionMiddleware(LazyMessageMiddleware(inner))(request)
    return seen["request"], response


@pytest.mark.django_db
def test_a_request_that_shows_no_message_makes_no_storage_and_sets_no_cookie():
    request, response = _through(lambda r: HttpResponse("tile"))
    assert request._messages._wrapped is empty
    assert "messages" not in response.cookies


@pytest.mark.django_db
def test_a_message_added_on_one_request_is_shown_on_the_next():
    _, first = _through(lambda r: messages.success(r, "Đã lưu.") or HttpResponse("saved"))
    assert "messages" in first.cookies and first.cookies["messages"].value
    shown = []
    _, second = _through(
        lambda r: shown.extend(str(m) for m in get_messages(r)) or HttpResponse("page"),
        cookies={"messages": first.cookies["messages"].value},
    )
    assert shown == ["Đã lưu."]
    # Read once, then gone: the cookie is cleared on the page that showed it.
    assert second.cookies["messages"].value == ""


@pytest.mark.django_db
def test_the_admin_still_finds_its_message_middleware():
    from django.core import checks

    errors = [e for e in checks.run_checks() if e.id == "admin.E406"]
    assert errors == []
