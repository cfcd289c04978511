"""FIRMS CSV ingest: every format, bad rows rejected with reasons, each detection stored once."""

from datetime import UTC, datetime

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from ingest import firms
from ingest.models import IngestRun
from layers.fire.models import Hotspot
from tests.fire.factories import MODIS_HEADER, VIIRS_HEADER, csv_bytes, modis_row, viirs_row

pytestmark = pytest.mark.django_db


def test_viirs_rows_land_with_unpadded_times_and_normalised_confidence():
    rows = [
        viirs_row(15.25, 108.15, time="5", conf="l"),
        viirs_row(15.26, 108.16, time="45", conf="n", sat="N20"),
        viirs_row(15.27, 108.17, time="149", conf="h", sat="1"),
        viirs_row(15.28, 108.18, time="1230", conf="h", sat="N21"),
    ]
    run = firms.ingest_bytes(csv_bytes(VIIRS_HEADER, rows), file_name="viirs.csv")
    assert (run.status, run.rows_read, run.rows_new, run.rows_rejected) == ("succeeded", 4, 4, 0)
    got = {h.lat_key: h for h in Hotspot.objects.all()}
    assert got[152500].acquired_at == datetime(2024, 3, 10, 0, 5, tzinfo=UTC)
    assert got[152600].acquired_at == datetime(2024, 3, 10, 0, 45, tzinfo=UTC)
    assert got[152700].acquired_at == datetime(2024, 3, 10, 1, 49, tzinfo=UTC)
    assert [got[k].confidence for k in (152500, 152600, 152700)] == ["low", "nominal", "high"]
    assert got[152500].confidence_raw == "l"
    assert {h.satellite for h in got.values()} == {"S-NPP", "NOAA-20", "NOAA-21"}
    assert got[152700].source == "VIIRS_NOAA20_NRT" and got[152700].processing == "NRT"
    assert got[152500].geom.x == pytest.approx(108.15)


def test_modis_confidence_thresholds_and_archive_type():
    rows = [
        modis_row(15.21, 108.11, conf="29", version="6.03", typ=0),
        modis_row(15.22, 108.12, conf="30", version="6.03", typ=2),
        modis_row(15.23, 108.13, conf="79", sat="A", version="6.03", typ=0),
        modis_row(15.24, 108.14, conf="80", sat="Aqua", version="6.03", typ=3),
    ]
    run = firms.ingest_bytes(csv_bytes(MODIS_HEADER + ",type", rows))
    assert run.rows_new == 4
    got = {h.lat_key: h for h in Hotspot.objects.all()}
    assert [got[k].confidence for k in (152100, 152200, 152300, 152400)] == ["low", "nominal", "nominal", "high"]
    assert got[152200].fire_type == 2 and got[152100].processing == "SP"
    assert got[152300].satellite == "Aqua" and got[152300].source == "MODIS_SP"


def test_bom_crlf_and_quoted_fields_are_fine():
    rows = [viirs_row(15.25, 108.15), '"15.26","108.16",330.5,0.39,0.36,"2024-03-10","615",N,VIIRS,"n",2.0NRT,290,3,D']
    run = firms.ingest_bytes(csv_bytes(VIIRS_HEADER, rows, crlf=True, bom=True))
    assert (run.rows_new, run.rows_rejected) == (2, 0)


def test_bad_rows_are_rejected_with_reasons_and_the_others_land():
    rows = [
        viirs_row(15.20, 108.10),
        viirs_row(15.21, 108.11, date="2024-02-30"),
        viirs_row(15.22, 108.12, date="12/06/2024"),
        viirs_row(15.23, 108.13, conf="x"),
        viirs_row(95.0, 108.14),
        viirs_row(15.24, 181.0),
        viirs_row(15.25, 108.15, time="2460"),
        viirs_row(15.26, 108.16, sat="Z9"),
        viirs_row(15.27, 108.17),
        viirs_row("NaN", 108.19),
        viirs_row("1e999", 108.19),
    ]
    data = csv_bytes(VIIRS_HEADER, rows) + b"15.28,108.18,330.5,0.3"  # truncated last line
    run = firms.ingest_bytes(data)
    assert (run.rows_read, run.rows_new, run.rows_rejected) == (12, 2, 10)
    reasons = {r["row"]: r["reason"] for r in run.rejected}
    assert reasons[3] == "acq_date '2024-02-30' không phải ngày có thật"
    assert reasons[4] == "acq_date '12/06/2024' không đúng dạng YYYY-MM-DD"
    assert reasons[5] == "Độ tin cậy (confidence) VIIRS không hợp lệ: 'x'"
    assert reasons[6] == "Vĩ độ nằm ngoài khoảng -90..90: 95.0"
    assert reasons[7] == "Kinh độ nằm ngoài khoảng -180..180: 181.0"
    assert reasons[8] == "acq_time '2460' không phải giờ trong ngày"
    assert reasons[9] == "Vệ tinh không xác định: 'Z9'"
    assert "Vĩ độ không phải là số" in reasons[11] and "Vĩ độ không phải là số" in reasons[12]
    assert reasons[13] == "Dòng cuối bị cắt cụt: 4 trên 14 trường"
    assert Hotspot.objects.count() == 2
    # The same refusals, in English for an English reader: Python's reasons and those SQL gives.
    with translation.override("en"):
        english = firms.ingest_bytes(csv_bytes(VIIRS_HEADER, rows[1:]))
    reasons = {r["row"]: r["reason"] for r in english.rejected}
    assert reasons[2] == "acq_date '2024-02-30' is not a real date"
    assert reasons[5] == "Latitude out of range -90..90: 95.0"
    assert reasons[10] == "Latitude is not a number: NaN"
    assert english.message == "0 new, 0 replaced by standard processing, 9 rejected"


def test_file_missing_required_columns_is_refused_whole():
    header = "latitude,longitude,bright_ti4,acq_date,satellite,frp"
    with pytest.raises(firms.FirmsRefused) as caught:
        firms.ingest_bytes(csv_bytes(header, ["15.2,108.1,330,2024-03-10,N,3"]))
    assert "acq_time" in caught.value.message and "confidence" in caught.value.message
    assert Hotspot.objects.count() == 0
    assert IngestRun.objects.get().status == "failed"


def test_duplicates_in_a_file_and_across_downloads_are_stored_once_and_counted():
    first = [viirs_row(15.25, 108.15), viirs_row(15.25, 108.15), viirs_row(15.26, 108.16)]
    run1 = firms.ingest_bytes(csv_bytes(VIIRS_HEADER, first))
    assert (run1.rows_new, run1.rows_duplicate, run1.params["duplicate_in_file"]) == (2, 1, 1)
    second = [viirs_row(15.26, 108.16), viirs_row(15.27, 108.17)]
    run2 = firms.ingest_bytes(csv_bytes(VIIRS_HEADER, second))
    assert (run2.rows_new, run2.rows_duplicate) == (1, 1)
    assert Hotspot.objects.count() == 3


def test_stored_lines_repeated_in_a_file_count_as_stored_and_new_ones_as_repeated_in_the_file():
    firms.ingest_bytes(csv_bytes(VIIRS_HEADER, [viirs_row(15.25, 108.15)]))
    again = [viirs_row(15.25, 108.15), viirs_row(15.25, 108.15), viirs_row(15.27, 108.17), viirs_row(15.27, 108.17)]
    run = firms.ingest_bytes(csv_bytes(VIIRS_HEADER, again))
    assert (run.rows_new, run.rows_duplicate, run.params["duplicate_in_file"]) == (1, 3, 1)
    assert Hotspot.objects.count() == 2


# A clean file is written by the direct way's COPY; one refused line sends the file down the SQL way.
@pytest.mark.parametrize(("refused", "statement"), [(False, "COPY fire_hotspot %"), (True, "%WITH fresh AS%")])
@pytest.mark.django_db(transaction=True)
def test_a_detection_another_writer_stores_while_the_file_loads_is_kept_once(refused, statement):
    """A fire-mask raster load (no FIRMS lock) commits the same detection mid-write: the file still lands."""
    import threading
    import time

    from django.db import connection, transaction

    stored, release, runs, errors = threading.Event(), threading.Event(), [], []

    def raster_writer():
        try:
            with transaction.atomic():
                when = datetime(2024, 3, 10, 6, 15, tzinfo=UTC)
                point = Point(108.15, 15.25, srid=4326)
                Hotspot(source="VIIRS_SNPP_NRT", satellite="S-NPP", instrument="VIIRS", acquired_at=when,
                        confidence="nominal", processing="RASTER", geom=point).save()  # fmt: skip
                stored.set()
                release.wait(timeout=30)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    def load():
        try:
            rows = [viirs_row(15.25, 108.15), viirs_row(15.26, 108.16)] + [viirs_row(15.27, 108.17, conf="x")] * refused
            runs.append(firms.ingest_bytes(csv_bytes(VIIRS_HEADER, rows), file_name="race.csv"))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    writer = threading.Thread(target=raster_writer)
    writer.start()
    assert stored.wait(timeout=30)
    loader = threading.Thread(target=load)
    loader.start()
    # The load's write waits on the writer's uncommitted row of the same detection; then the writer commits.
    # The direct way's COPY then fails on the unique key, and the SQL way skips the stored detection.
    waited = False
    for _ in range(300):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                [statement],  # the statement's start: its text is cut at 1 kB
            )
            waited = cursor.fetchone()[0] == 1
        if waited:
            break
        time.sleep(0.1)
    release.set()
    writer.join(timeout=30)
    loader.join(timeout=60)
    assert waited, errors
    assert not errors
    assert (runs[0].status, runs[0].rows_new, runs[0].rows_duplicate) == ("succeeded", 1, 1)
    assert len(runs[0].rejected) == refused
    assert Hotspot.objects.filter(lat_key=152500).get().processing == "RASTER"
    assert Hotspot.objects.count() == 2


def test_nrt_row_replaced_by_standard_product_is_updated_not_duplicated():
    firms.ingest_bytes(csv_bytes(VIIRS_HEADER, [viirs_row(15.25, 108.15, conf="n", frp=5.0)]))
    sp = csv_bytes(VIIRS_HEADER + ",type", [viirs_row(15.25, 108.15, conf="h", version="2", frp=7.5) + ",0"])
    run = firms.ingest_bytes(sp)
    assert (run.rows_new, run.params["rows_updated"]) == (0, 1)
    spot = Hotspot.objects.get()
    assert (spot.processing, spot.confidence, spot.frp, spot.fire_type) == ("SP", "high", 7.5, 0)
    # The NRT row arriving again afterwards does not undo the standard one.
    again = firms.ingest_bytes(csv_bytes(VIIRS_HEADER, [viirs_row(15.25, 108.15, conf="l"), viirs_row(15.3, 108.2)]))
    assert (again.rows_new, again.rows_duplicate) == (1, 1)
    assert Hotspot.objects.get(lat_key=152500).processing == "SP"


def test_same_file_replayed_is_a_no_op():
    data = csv_bytes(VIIRS_HEADER, [viirs_row(15.25, 108.15)])
    first = firms.ingest_bytes(data)
    replay = firms.ingest_bytes(data)
    assert replay.params["replay_of"] == first.pk
    assert (replay.rows_read, replay.rows_new) == (0, 0)
    assert Hotspot.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_file_ingested_twice_at_once_runs_once():
    import threading

    from django.db import connection

    data = csv_bytes(VIIRS_HEADER, [viirs_row(15.20 + k / 1000, 108.15) for k in range(300)])
    runs, start = [], threading.Barrier(2)

    def ingest():
        try:
            start.wait()
            runs.append(firms.ingest_bytes(data, file_name="same.csv"))
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=ingest) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(run.rows_new for run in runs) == [0, 300]
    assert sum("replay_of" in run.params for run in runs) == 1
    assert Hotspot.objects.count() == 300


def test_source_option_names_the_source():
    run = firms.ingest_bytes(csv_bytes(VIIRS_HEADER, [viirs_row(15.25, 108.15)]), source="VIIRS_SNPP_SP")
    spot = Hotspot.objects.get()
    assert (spot.source, spot.processing, run.source) == ("VIIRS_SNPP_SP", "SP", "VIIRS_SNPP_SP")


def test_lines_that_are_not_utf8_or_hold_nul_are_rejected_and_the_others_land():
    rows = [viirs_row(15.25, 108.15), viirs_row(15.26, 108.16), viirs_row(15.27, 108.17), viirs_row(15.28, 108.18)]
    data = csv_bytes(VIIRS_HEADER, rows)
    data = data.replace(b"108.16,330.5", b"108.16,3\xe930.5").replace(b"108.17,330.5", b"108.17,33\x000.5")
    run = firms.ingest_bytes(data)
    assert (run.status, run.rows_read, run.rows_new, run.rows_rejected) == ("succeeded", 4, 2, 2)
    assert {r["row"]: r["reason"] for r in run.rejected} == {
        3: "Dòng không phải văn bản UTF-8",
        4: "Dòng có ký tự NUL",
    }
    assert sorted(Hotspot.objects.values_list("lat_key", flat=True)) == [152500, 152800]


def test_unknown_and_hostile_column_names_never_reach_sql():
    header = VIIRS_HEADER + ',"x"" text); DROP TABLE fire_hotspot; --",n'
    run = firms.ingest_bytes(csv_bytes(header, [viirs_row(15.25, 108.15) + ",1,2"]))
    assert (run.status, run.rows_new) == ("succeeded", 1)
    assert Hotspot.objects.count() == 1
    with pytest.raises(firms.FirmsRefused, match="Tệp bị từ chối: Dòng tiêu đề có tên cột bị lặp"):
        firms.ingest_bytes(csv_bytes(VIIRS_HEADER + ",frp", [viirs_row(15.25, 108.15) + ",1"]))


def test_nan_and_infinite_numbers_in_an_otherwise_clean_file_are_rejected_or_dropped():
    # Every value parses as a number here, so the file takes the typed COPY path: NaN must still be refused.
    rows = [viirs_row("NaN", 108.15), viirs_row(15.26, "Infinity"), viirs_row(15.27, 108.17, frp="NaN")]
    run = firms.ingest_bytes(csv_bytes(VIIRS_HEADER, rows))
    assert (run.rows_new, run.rows_rejected) == (1, 2)
    reasons = {r["row"]: r["reason"] for r in run.rejected}
    assert reasons == {2: "Vĩ độ không phải là số: NaN", 3: "Kinh độ không phải là số: Infinity"}
    assert Hotspot.objects.get().frp is None


def test_out_of_range_places_and_unknown_types_in_an_otherwise_clean_file_are_rejected():
    """A file whose values all parse and whose dates, times and satellites pass is checked line by line."""
    viirs = [viirs_row(95.5, 108.15), viirs_row(15.26, -181), viirs_row("", 108.17), viirs_row(15.28, 108.18)]
    run = firms.ingest_bytes(csv_bytes(VIIRS_HEADER, viirs))
    assert (run.rows_new, run.rows_rejected) == (1, 3)
    assert {r["row"]: r["reason"] for r in run.rejected} == {
        2: "Vĩ độ nằm ngoài khoảng -90..90: 95.5",
        3: "Kinh độ nằm ngoài khoảng -180..180: -181",
        4: "Vĩ độ không phải là số: (trống)",
    }
    modis = [modis_row(15.21, 108.11, version="6.03", typ=7), modis_row(15.22, 108.12, version="6.03", typ=2)]
    run = firms.ingest_bytes(csv_bytes(MODIS_HEADER + ",type", modis))
    assert (run.rows_new, run.rows_rejected) == (1, 1)
    assert run.rejected == [{"row": 2, "reason": "Loại điểm cháy (type) không xác định: 7"}]
    assert Hotspot.objects.count() == 2


def test_source_option_must_be_a_firms_source_of_the_rows_instrument():
    with pytest.raises(firms.FirmsRefused, match="Không phải tên nguồn FIRMS"):
        firms.ingest_bytes(csv_bytes(VIIRS_HEADER, [viirs_row(15.25, 108.15)]), source="x'; DROP TABLE fire_hotspot")
    run = firms.ingest_bytes(csv_bytes(VIIRS_HEADER, [viirs_row(15.25, 108.15)]), source="MODIS_NRT")
    assert (run.rows_new, run.rows_rejected) == (0, 1)
    assert run.rejected[0]["reason"] == "Vệ tinh 'N' (VIIRS) không thuộc nguồn MODIS_NRT"


def test_deleting_a_run_keeps_its_hotspots_without_a_run():
    run = firms.ingest_bytes(csv_bytes(VIIRS_HEADER, [viirs_row(15.25, 108.15), viirs_row(15.26, 108.16)]))
    assert Hotspot.objects.filter(run=run).count() == 2
    run.delete()
    assert Hotspot.objects.count() == 2 and not Hotspot.objects.filter(run__isnull=False).exists()


def test_stored_detections_at_the_edges_of_the_files_days_are_found_and_other_days_are_left_alone():
    """Stored rows are looked up only within the file's days: the first and last minute of them count."""
    edges = [
        viirs_row(15.25, 108.15, date="2024-03-08", time="0"),
        viirs_row(15.26, 108.16, date="2024-03-10", time="2359"),
    ]
    outside = [viirs_row(15.25, 108.15, date="2024-03-07", time="2359"), viirs_row(15.25, 108.15, date="2024-03-11")]
    firms.ingest_bytes(csv_bytes(VIIRS_HEADER, edges + outside))
    again = [*edges, viirs_row(15.25, 108.15, date="2024-03-09", time="1200"), viirs_row(15.27, 108.17)]
    with CaptureQueriesContext(connection) as queries:
        run = firms.ingest_bytes(csv_bytes(VIIRS_HEADER, again))
    assert (run.rows_new, run.rows_duplicate) == (2, 2)
    # Found before the INSERT: a stored row the lookup missed would make it fail and run again.
    assert not [q for q in queries if "DO NOTHING" in q["sql"]]
    assert Hotspot.objects.count() == 6


def test_a_stored_row_of_any_processing_level_keeps_a_near_real_time_line_out():
    """An NRT-only file skips stored detections whatever their rank (the key alone decides)."""
    firms.ingest_bytes(csv_bytes(VIIRS_HEADER, [viirs_row(15.25, 108.15)]))
    Hotspot.objects.update(processing="RASTER", processing_rank=0)
    with CaptureQueriesContext(connection) as queries:
        lines = [viirs_row(15.25, 108.15, conf="h"), viirs_row(15.26, 108.16)]
        run = firms.ingest_bytes(csv_bytes(VIIRS_HEADER, lines))
    assert (run.status, run.rows_new, run.rows_duplicate) == ("succeeded", 1, 1)
    assert not [q for q in queries if "DO NOTHING" in q["sql"]]
    assert Hotspot.objects.get(lat_key=152500).processing == "RASTER"
