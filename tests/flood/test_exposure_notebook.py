"""notebooks/flood_event.ipynb runs against committed data and agrees with the stored exposure."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from ingest import flood as flood_ingest
from layers.crossings import levels, readings
from layers.crossings.models import FloodExposure
from layers.flood import hooks
from tests import notebooks
from tests.crossings import world
from tests.crossings.conftest import place  # noqa: F401  (the fixture)


@pytest.mark.django_db(transaction=True)
def test_flood_event_notebook(tmp_path, place, monkeypatch):  # noqa: F811
    when = timezone.now().replace(microsecond=0) - dt.timedelta(hours=6)
    path = world.write_mask(tmp_path / "m.tif", [world.RIVER_BAND, world.EAST_VILLAGE], [world.NORTH_VILLAGE])
    run = flood_ingest.ingest_path(path, product="s1", time=when.isoformat(), min_pixels=0)
    row = hooks.after_observation(run.params["observation_id"])
    series = [levels.Level(when - dt.timedelta(hours=h), 0.1 + 0.1 * (10 - h)) for h in range(10)]
    readings.record(place["gauge"], series, source="csv")
    monkeypatch.setenv("GEOPLATFORM_NOTEBOOK_DATABASE_URL", notebooks.database_url())
    monkeypatch.setenv("FLOOD_EVENT_ID", str(row.event_id))
    monkeypatch.setenv("FLOOD_OUT", str(tmp_path / "out"))
    _nb, printed = notebooks.execute("flood_event.ipynb")
    summary = json.loads(printed.split("SUMMARY ", 1)[1].splitlines()[0])
    stored = FloodExposure.objects.get(pk=row.pk).figures
    assert summary["observations"] == 1
    assert summary["people"] == stored["district"]["people"] > 0
    assert summary["people_unknown"] == stored["district"]["people_unknown"] > 0
    assert summary["villages_cut_off"] == 1
    assert summary["communes"] == {"Trà My": stored["communes"][0]["people"]}
    assert summary["readings"] == 10 and summary["peaks"] == {"Ngầm thử": pytest.approx(1.1)}
    for name in ("timeline.png", "by_commune.png", "crossing_levels.png"):
        assert (tmp_path / "out" / name).stat().st_size > 1000
