"""A water mask through the real ingest: exposure per commune and village, who is cut off, alerts exactly once."""

import datetime as dt

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from ingest import flood as flood_ingest
from layers.crossings.models import FloodExposure
from layers.delivery import outbox
from layers.delivery.models import Message
from layers.flood import hooks
from layers.flood.models import FloodObservation
from layers.telecom.models import OPERATORS, CoverageGap
from tests.crossings import world
from tests.crossings.conftest import place  # noqa: F401  (the fixture)

T1 = dt.datetime(2026, 10, 28, 22, 50, tzinfo=dt.UTC)


def ingest(tmp_path, name, when, floods, unknowns=()):
    path = world.write_mask(tmp_path / name, floods, unknowns)
    run = flood_ingest.ingest_path(path, product="s1", time=when.isoformat(), min_pixels=0)
    assert run.status == "succeeded", run.message
    return FloodObservation.objects.get(pk=run.params["observation_id"])


@pytest.mark.django_db
def test_flood_exposure_cut_off_and_alerts_once(tmp_path, place, role_user, django_capture_on_commit_callbacks):  # noqa: F811
    quarter, east, north = place["villages"]
    operator = role_user("operator")
    operator.email = "operator@example.vn"
    operator.save()
    dead = MultiPolygon(Polygon.from_bbox((108.255, 15.345, 108.265, 15.355)))
    for code, _label in OPERATORS:
        CoverageGap.objects.create(operator=code, technology="4G", severity="none", computed_at=T1, geom=dead)

    # The ingest calls the hook when its transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        first = ingest(tmp_path, "t1.tif", T1, [world.RIVER_BAND, world.EAST_VILLAGE], [world.NORTH_VILLAGE])
    row = FloodExposure.objects.get(observation=first)
    villages = {v["id"]: v for v in row.figures["villages"]}
    assert villages[east.pk]["flooded"] and villages[east.pk]["cut_off"]
    assert villages[east.pk]["needs_other_channel"] and villages[east.pk]["dead_zone"]
    assert not villages[quarter.pk]["flooded"] and not villages[quarter.pk]["cut_off"]
    assert villages[north.pk]["unknown"] and not villages[north.pk]["flooded"]
    d = row.figures["district"]
    assert (d["villages_flooded"], d["villages_cut_off"], d["villages_unknown"], d["crossings_under_water"]) == (
        1,
        1,
        1,
        1,
    )
    # By hand: the 0.004° × 0.004° flood box is 429 m × 442 m at 15.35°N (its corners reach just past the
    # 300 m circle): 189,700 m² of 282,743 m² = 0.671 of the village flooded (20 m cells: ±0.03).
    share = villages[east.pk]["flooded_share"]
    assert share == pytest.approx(0.671, abs=0.03)
    assert d["people"] == round(400 * share)
    assert d["people_cut_off"] == 400
    # The road east crosses the 320 m river band and runs 215 m into the village's flood.
    assert d["road_km_flooded"] == pytest.approx(0.54, abs=0.08)
    # Every figure has its unknown beside it: the north village's circle is unseen.
    assert d["people_unknown"] >= 200
    (commune,) = row.figures["communes"]
    assert commune["villages_cut_off"] == 1 and commune["unknown_km2"] > 0

    # Alerts: one "flooded" and one "cut off" for the commune, to the operator.
    assert sorted(Message.objects.values_list("topic", "address")) == [("flood", operator.email)] * 2
    keys = set(Message.objects.values_list("key", flat=True))
    assert any("village-flooded" in k for k in keys) and any("village-cut-off" in k for k in keys)
    assert "Không có sóng di động" in Message.objects.get(key__contains="cut-off").body
    # The hook again for the same observation: nothing new.
    hooks.after_observation(first.pk)
    assert Message.objects.count() == 2 and FloodExposure.objects.count() == 1

    # A later pass of the same event with the same water: no change, no message.
    later = T1 + dt.timedelta(hours=12)
    second = ingest(tmp_path, "t2.tif", later, [world.RIVER_BAND, world.EAST_VILLAGE, (108.2, 15.32, 108.201, 15.321)])
    assert second.event_id == first.event_id
    hooks.after_observation(second.pk)
    assert Message.objects.count() == 2
    assert outbox.deliver_pending()["sent"] == 2
