"""The per-request connection check (geoplatform/postgis): a socket poll, no round trip, dead ones replaced."""

import time

import psycopg
import pytest
from django.core.signals import request_finished, request_started
from django.db import connection, connections


def _pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _next_request() -> None:
    """What Django does between two requests: the old request ends, a new one starts."""
    request_finished.send(sender=None)
    request_started.send(sender=None)


@pytest.fixture
def round_trip_checks(monkeypatch):
    """Each call of the backend's round-trip check (``SELECT 1``), recorded; connections kept across requests."""
    # The suite runs with CONN_MAX_AGE=0 (a connection per request); production keeps them (60 s).
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", None)
    connections["default"].close()
    calls = []
    wrapper = type(connections["default"])
    original = wrapper.is_usable

    def recording(self):
        calls.append(self.alias)
        return original(self)

    monkeypatch.setattr(wrapper, "is_usable", recording)
    return calls


@pytest.mark.django_db(transaction=True)
def test_a_live_connection_is_reused_without_a_round_trip(round_trip_checks):
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    first = _pid()
    _next_request()
    assert connection.health_check_done is False  # the next query would check the connection
    assert _pid() == first
    assert connection.health_check_done is True
    assert round_trip_checks == []  # Django's stock check would have sent SELECT 1 here


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(round_trip_checks):
    first = _pid()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [first]).fetchone()[0] is True
        deadline = time.monotonic() + 10
        while admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [first]).fetchone()[0]:
            assert time.monotonic() < deadline, "the terminated backend did not exit"
            time.sleep(0.05)
    _next_request()
    # No error reaches the request: the dead connection is closed and a new one opened.
    second = _pid()
    assert second != first
    assert round_trip_checks == []
