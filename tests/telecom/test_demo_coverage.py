"""The demo district's hidden village stays without 2G: the regression of the diffraction model.

The demo generator hides one Trà Ka village in a basin behind two concentric ridges. An earlier
diffraction model took the wrong second edge and let 900 MHz reach it (46/46 villages "covered").
Only Viettel 2G is computed here (the longest range, 35 km, and the lowest band: the hardest case).
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from ingest.demo import build, geography
from layers.places.models import Village
from layers.telecom import coverage
from layers.telecom.models import VillageCoverage


@pytest.fixture
def demo(db, tmp_path):
    """The demo district of the default seed, loaded into the test database."""
    with override_settings(DATA_DIR=tmp_path, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command("load_demo", stdout=io.StringIO())
        yield geography.build(build._rng(build.DEFAULT_SEED, 1))


def test_the_demo_village_behind_two_ridges_has_no_2g_and_the_others_do(demo, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    hidden = demo.villages[demo.shadow_village]
    run = coverage.execute(coverage.start({"operators": ["viettel"], "technologies": ["2G"]}, enqueue=False).pk)
    assert run.status == "succeeded", run.message
    village = Village.objects.get(name=hidden["name"], commune__name=hidden["commune"])
    record = VillageCoverage.objects.get(run=run, village=village)
    assert record.status == "none" and record.best_dbm < -115, (record.best_dbm, record.reason)
    assert record.reason_code == "terrain_shadow" and not record.line_of_sight
    # The ridge named is the inner ring around the village (1 km out), not some far hill.
    assert record.ridge.distance(village.geom) * 111_000 < 1_600
    others = VillageCoverage.objects.filter(run=run).exclude(village=village)
    assert others.filter(status="covered").count() >= 0.9 * others.count()
