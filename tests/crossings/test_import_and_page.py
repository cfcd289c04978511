"""CSV import of readings, the crossing page and its chart, the catalogue layers, a closed crossing cutting its road."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from layers.crossings import figures, network
from layers.crossings.models import Crossing, Reading
from layers.registry import registry


def csv_rows(rows) -> str:
    return "measured_at,level_m\n" + "".join(f"{t},{v}\n" for t, v in rows)


def hours_ago(h: float) -> str:
    # The box's wall clock: local time without offset.
    local = timezone.localtime(timezone.now() - dt.timedelta(hours=h), dt.timezone(dt.timedelta(hours=7)))
    return local.replace(tzinfo=None, microsecond=0).isoformat()


@pytest.mark.django_db
def test_csv_import_ignores_duplicates_and_names_the_bad_line(tmp_path, place, capsys):
    good = tmp_path / "good.csv"
    good.write_text(csv_rows([(hours_ago(3), 0.2), (hours_ago(2), 0.45), (hours_ago(1), 0.55)]), encoding="utf-8")
    call_command("import_readings", str(good), gauge=place["gauge"].pk)
    call_command("import_readings", str(good), gauge=place["gauge"].pk)
    out = capsys.readouterr().out
    assert "3 new, 0 duplicates, status closed" in out
    assert "0 new, 3 duplicates" in out
    assert Reading.objects.filter(source="csv").count() == 3
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_rows([(hours_ago(0.5), 0.3), (hours_ago(0.4), "cao")]), encoding="utf-8")
    with pytest.raises(CommandError, match=r"Dòng 3: .*cao.*row\[1\]\.level_m"):
        call_command("import_readings", str(bad), gauge=place["gauge"].pk)
    nohead = tmp_path / "nohead.csv"
    nohead.write_text("time,level\n2026-01-01T00:00:00,1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Thiếu cột level_m, measured_at"):
        call_command("import_readings", str(nohead), gauge=place["gauge"].pk)
    empty = tmp_path / "empty.csv"
    empty.write_text(" measured_at , level_m \n", encoding="utf-8")
    with pytest.raises(CommandError, match="Cần ít nhất một số đo"):
        call_command("import_readings", str(empty), gauge=place["gauge"].pk)
    assert Reading.objects.count() == 3


@pytest.mark.django_db
def test_the_crossing_page_shows_status_in_words_and_a_chart(client, place, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(csv_rows([(hours_ago(30), 0.1), (hours_ago(10), 0.7), (hours_ago(2), 0.4)]), encoding="utf-8")
    call_command("import_readings", str(path), gauge=place["gauge"].pk)
    page = client.get(f"/crossings/{place['crossing'].pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="crossing-status">Cần chú ý<' in html
    assert 'data-testid="level-chart"' in html and html.count("<polyline") == 1
    assert 'data-threshold="closed"' in html and "0,40 m" in html  # Vietnamese decimal comma
    # The change to "closed" is listed with its local time (UTC+7).
    assert "Cấm qua" in html
    empty = Crossing.objects.create(name="Cầu không đo", kind="bridge", geom=place["crossing"].geom)
    assert 'data-testid="no-readings"' in client.get(f"/crossings/{empty.pk}/").content.decode()
    assert client.get("/crossings/999999/").status_code == 404


@pytest.mark.django_db
def test_roads_and_crossings_are_layers_of_the_catalogue_with_status_in_words(client, place):
    assert registry.get("roads").model_class.__name__ == "Road"
    crossings = registry.get("crossings")
    assert "status" in crossings.public_fields and "river_name" in crossings.public_fields
    r = client.get("/api/layers/crossings/features/")
    assert r.status_code == 200
    props = r.json()["features"][0]["properties"]
    assert props["name"] == "Ngầm thử" and props["status"] == "unknown"
    assert client.get("/api/layers/roads/features/").json()["features"][0]["properties"]["road_class"]


@pytest.mark.django_db
def test_a_closed_crossing_cuts_its_road_and_the_village_beyond(place):
    quarter, east, north = place["villages"]
    before = network.situation()
    assert before.village_status == {quarter.pk: "reachable", east.pk: "reachable", north.pk: "reachable"}
    Crossing.objects.filter(pk=place["crossing"].pk).update(status="closed")
    after = network.situation()
    assert after.village_status[east.pk] == "cut_off"
    assert after.village_status[north.pk] == "reachable"
    assert after.closed_crossings == [place["crossing"].pk]
    assert 0 < after.blocked_km < 0.2


@pytest.mark.django_db
def test_the_dashboard_counts_crossings_closed_and_villages_cut_off(client, place, role_user):
    Crossing.objects.filter(pk=place["crossing"].pk).update(status="closed")
    assert figures.summary() == {
        "closed": 1,
        "caution": 0,
        "total": 1,
        "cut_off": 1,
        "people_cut_off": 400,
        "flood_at": None,
    }
    client.force_login(role_user("operator"))
    html = client.get("/dashboard/").content.decode()
    assert 'data-tile="crossings"' in html and '<b data-figure="crossings.closed">1</b>' in html
    assert client.get("/dashboard/figures.json").json()["crossings"]["cut_off"] == 1
