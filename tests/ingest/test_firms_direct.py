"""FIRMS: the direct way (numpy checks, one binary COPY) stores what the SQL way stores, and hands it every doubt."""

from datetime import UTC, datetime

import numpy as np
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ingest import firms, firms_direct, firms_frame
from ingest.models import IngestRun
from layers.fire.models import Hotspot
from tests.fire.factories import MODIS_HEADER, VIIRS_HEADER, csv_bytes, modis_row, viirs_row

pytestmark = pytest.mark.django_db

STORED_COLUMNS = (
    "source, satellite, instrument, acquired_at, confidence, confidence_raw, frp, brightness, brightness_2, scan,"
    " track, version, daynight, fire_type, processing, processing_rank, lat_key, lon_key, ST_AsEWKB(geom),"
    " ST_AsEWKB(geom_3857)"
)


def _rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {STORED_COLUMNS} FROM fire_hotspot ORDER BY satellite, acquired_at, lat_key, lon_key")  # noqa: S608
        return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in cursor.fetchall()]


def _ingest(data: bytes, *, direct: bool, monkeypatch, name: str, **options):
    """Ingest through one way; (run, the way's write statement was seen)."""
    with monkeypatch.context() as patch:
        if not direct:
            patch.setattr(firms_direct, "MAX_BYTES", 0)
        with CaptureQueriesContext(connection) as queries:
            run = firms.ingest_bytes(data, file_name=name, **options)
    statements = [str(q["sql"]) for q in queries.captured_queries]
    copied = any(s.startswith("COPY fire_hotspot (") for s in statements)
    inserted = any("WITH fresh AS" in s for s in statements)
    return run, copied, inserted


def _varied_file() -> bytes:
    """A clean download with what real files hold: aliases, unpadded times, repeats, odd flags, tricky numbers."""
    rows = [
        viirs_row(15.25, 108.15, time="5", conf="l", sat="N"),
        viirs_row(15.25, 108.15, time="5", conf="h", sat="NPP", frp=9.9),  # same detection: the last line wins
        viirs_row(15.26, 108.16, time="0045", conf="n", sat="N20", dn="d"),
        viirs_row(15.27, 108.17, time="149", conf="h", sat="1", dn=" N"),
        viirs_row(15.28, 108.18, time="2359", conf="H", sat="N21", dn="x"),
        viirs_row(15.25005, 108.15015, time="615"),  # × 10,000 ends in .5: rounded half to even, as round() does
        viirs_row(15.25015, 108.15025, time="615"),
        viirs_row(-0.0, -179.99999, time="615", date="2024-03-09"),
        viirs_row(89.99999, 179.99999, time="1201", date="2024-03-08", version="2.0NRT_with_a_long_suffix"),
        viirs_row(15.123456789012345, 108.98765432109876, time="700", frp=0.1),
        viirs_row(15.3, 108.3, time="615", date="2024-03-10"),  # stored before the file (below)
        viirs_row(15.31, 108.31, time="615", date="2024-03-10"),  # stored with seconds: another detection
    ]
    return csv_bytes(VIIRS_HEADER, rows, crlf=True, bom=True)


def _store_earlier():
    firms.ingest_bytes(csv_bytes(VIIRS_HEADER, [viirs_row(15.3, 108.3, time="615", date="2024-03-10")]), file_name="a")
    Hotspot(source="VIIRS_SNPP_NRT", satellite="S-NPP", instrument="VIIRS", processing="RASTER",
            acquired_at=datetime(2024, 3, 10, 6, 15, 30, tzinfo=UTC), confidence="nominal",
            geom=Point(108.31, 15.31, srid=4326)).save()  # fmt: skip


def test_a_clean_file_is_stored_by_the_direct_way_exactly_as_the_sql_way_stores_it(monkeypatch):
    data = _varied_file()
    figures, stored = {}, {}
    for direct in (True, False):
        Hotspot.objects.all().delete()
        IngestRun.objects.all().delete()
        _store_earlier()
        run, copied, inserted = _ingest(data, direct=direct, monkeypatch=monkeypatch, name=f"{direct}.csv")
        assert (copied, inserted) == (direct, not direct)
        figures[direct] = (run.status, run.rows_read, run.rows_new, run.rows_duplicate, run.rows_rejected, run.params)
        stored[direct] = _rows()
    assert figures[True] == figures[False]
    assert figures[True][:5] == ("succeeded", 12, 10, 2, 0)
    assert figures[True][5]["duplicate_in_file"] == 1
    assert len(stored[True]) == 12  # 10 new, the earlier line and the raster's row
    assert stored[True] == stored[False]
    keys = {(row[16], row[17]): row for row in stored[True]}
    assert keys[(152500, 1081500)][6] == 9.9 and keys[(152500, 1081500)][5] == "h"
    assert (152500, 1081502) in keys  # 152500.5 and 1081501.5
    assert (152502, 1081502) in keys  # 152501.5 and 1081502.5 rounded to the even neighbour


def test_a_later_download_repeating_stored_lines_stores_only_the_new_ones_by_the_direct_way(monkeypatch):
    first = [viirs_row(15.25 + i / 100, 108.15, time=str(600 + i)) for i in range(5)]
    firms.ingest_bytes(csv_bytes(VIIRS_HEADER, first), file_name="first.csv")
    later = first[3:] + [viirs_row(15.5 + i / 100, 108.15, time=str(700 + i), date="2024-03-11") for i in range(4)]
    run, copied, _ = _ingest(csv_bytes(VIIRS_HEADER, later), direct=True, monkeypatch=monkeypatch, name="later.csv")
    assert copied
    assert (run.rows_new, run.rows_duplicate, run.params["duplicate_in_file"]) == (4, 2, 0)
    assert Hotspot.objects.count() == 9
    assert Hotspot.objects.filter(run=run).count() == 4


@pytest.mark.parametrize(
    ("why", "data"),
    [
        ("a refused line", csv_bytes(VIIRS_HEADER, [viirs_row(15.25, 108.15), viirs_row(15.26, 108.16, conf="x")])),
        ("a quoted comma", csv_bytes(VIIRS_HEADER, [viirs_row(15.25, 108.15).replace("2.0NRT", '"2.0,NRT"')])),
        ("standard processing", csv_bytes(VIIRS_HEADER, [viirs_row(15.25, 108.15, version="2.0")])),
        ("the archive's type column", csv_bytes(MODIS_HEADER + ",type", [modis_row(15.25, 108.15, typ=0)])),
        ("a number that is NaN", csv_bytes(VIIRS_HEADER, [viirs_row(15.25, 108.15, frp="NaN")])),
        ("an empty number", csv_bytes(VIIRS_HEADER, [viirs_row(15.25, 108.15, frp="")])),
        ("a place off the globe", csv_bytes(VIIRS_HEADER, [viirs_row(91.5, 108.15)])),
        (
            "days beyond the key's span",
            csv_bytes(
                VIIRS_HEADER, [viirs_row(15.25, 108.15, date="2024-01-01"), viirs_row(15.26, 108.15, date="2024-03-10")]
            ),
        ),
    ],  # fmt: skip
)
def test_a_file_that_is_not_plainly_clean_is_left_to_the_sql_way(monkeypatch, why, data):
    run, copied, inserted = _ingest(data, direct=True, monkeypatch=monkeypatch, name="doubt.csv")
    assert (copied, inserted) == (False, True), why
    assert run.status == "succeeded"


def test_detection_keys_sort_as_time_satellite_and_place_and_new_rows_keep_the_last_line():
    rng = np.random.default_rng(7)
    count = 5000
    minutes = rng.integers(0, firms_frame.MAX_MINUTES, count)
    satellite = rng.integers(0, firms_frame.MAX_SATELLITES, count)
    lat_key = rng.integers(-900_000, 900_001, count).astype(np.int32)
    lon_key = rng.integers(-1_800_000, 1_800_001, count).astype(np.int32)
    keys = firms_frame.detection_keys(minutes, satellite, lat_key, lon_key)
    assert (np.argsort(keys, kind="stable") == np.lexsort((lon_key, lat_key, satellite, minutes))).all()
    repeated = np.concatenate([keys[:10], keys[:10], keys[10:20]])
    picked, fresh = firms_frame.new_rows(repeated, stored=keys[15:20])
    assert fresh == 25
    assert sorted(picked.tolist()) == list(range(10, 25))  # the second copy of each of the first ten, five new
