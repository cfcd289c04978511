"""Fixtures of the background-job tests: the API's small world of rows and signed-in clients."""

import pytest

from layers.jobs import services
from tests.api.conftest import clients, fast_password_hashing, world  # noqa: F401 - fixtures shared with the API tests


@pytest.fixture
def sent(monkeypatch):
    """Tasks the services would send to the broker, recorded instead of sent: [(task name, job id)]."""
    out = []
    monkeypatch.setattr(services, "_send", lambda name, job_id: out.append((name, job_id)) or True)
    return out
