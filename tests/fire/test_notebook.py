"""notebooks/fire_season.ipynb runs against data the test commits, and agrees with the services."""

import ast
from datetime import timedelta
from pathlib import Path

import nbformat
import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.test import override_settings
from django.utils import timezone
from nbclient import NotebookClient

from layers.fire import services, workflow
from layers.fire.models import AlertRule, FireEvent, Hotspot
from tests.fire.factories import district

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "fire_season.ipynb"


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgis://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _run_notebook():
    """Execute the notebook in a real kernel; the notebook and the dict it prints after SUMMARY."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    printed = "".join(
        out.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
    )
    return notebook, ast.literal_eval(printed.split("SUMMARY ", 1)[1].splitlines()[0])


@pytest.mark.django_db(transaction=True)
def test_fire_season_notebook_runs_on_committed_data(role_user, monkeypatch):
    places = district()
    now = timezone.now().replace(microsecond=0)
    t0 = now - timedelta(days=8)
    AlertRule.objects.create(name="rừng", min_confidence="nominal")
    for day, lon in ((7, 108.150), (7, 108.152), (7.5, 108.151), (0, 108.290)):
        Hotspot.objects.create(
            source="VIIRS_SNPP_NRT", satellite="S-NPP", instrument="VIIRS", acquired_at=t0 + timedelta(days=day),
            confidence="nominal", frp=6.0, geom=Point(lon, 15.25 if lon < 108.2 else 15.28, srid=4326),
        )  # fmt: skip
    services.refresh_events(now=now)
    ranger = role_user("ranger")
    alerted = FireEvent.objects.get(alert_state="new")
    assert alerted.commune == places["west"]
    for action in ("acknowledge", "dispatch"):
        workflow.act(alerted.pk, action, ranger)
    workflow.act(alerted.pk, "verify", ranger, verdict="true_fire", burned_area_ha=2)
    monkeypatch.setenv("GEOPLATFORM_NOTEBOOK_DATABASE_URL", _database_url())
    notebook, summary = _run_notebook()
    assert summary["hotspots"] == 4 and summary["events"] == 2 and summary["alerts"] == 1
    assert summary["true_fires"] == 1
    assert summary["median_minutes_to_acknowledge"] == workflow.response_times()["acknowledged"]["median_min"]
    tables = "".join(
        out.get("data", {}).get("text/plain", "") for cell in notebook.cells for out in cell.get("outputs", [])
    )
    assert "Trà Sơn" in tables and "Trà Giác" in tables


@pytest.mark.django_db(transaction=True)
def test_fire_season_notebook_runs_on_the_demo_district(monkeypatch, tmp_path):
    from ingest.demo import load

    with override_settings(DATA_DIR=tmp_path, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        load.load(7, out_dir=tmp_path)
    monkeypatch.setenv("GEOPLATFORM_NOTEBOOK_DATABASE_URL", _database_url())
    notebook, summary = _run_notebook()
    events = FireEvent.objects.filter(merged_into__isnull=True)
    assert summary["hotspots"] == Hotspot.objects.count() > 200
    assert summary["events"] == events.count() > 20
    assert summary["alerts"] == events.exclude(alert_state="none").count() >= 2
    weeks = "".join(out.get("data", {}).get("text/plain", "") for out in notebook.cells[3].get("outputs", []))
    assert "Trà" in weeks  # hotspots per week, one column per demo commune
