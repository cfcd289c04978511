"""The health endpoint talks to the real PostGIS."""

import pytest


@pytest.mark.django_db
def test_health_reports_postgis_version(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] is True
    assert body["postgis"].startswith("3.")
