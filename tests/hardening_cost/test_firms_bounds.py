"""FIRMS: a hostile header is refused whole, downloads go only to FIRMS hosts, big files load in bounded memory."""

import io
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command

from ingest import firms, firms_api, firms_csv, firms_direct
from ingest.models import IngestRun
from layers.fire.models import Hotspot
from tests.fire.factories import VIIRS_HEADER, csv_bytes, viirs_row


@pytest.mark.django_db
def test_a_firms_csv_with_100000_columns_is_refused_whole_with_the_count(tmp_path):
    header = VIIRS_HEADER + "".join(f",x{i}" for i in range(100_000 - 14))
    path = tmp_path / "wide.csv"
    path.write_bytes(csv_bytes(header, [viirs_row(15.25, 108.15) + ",0" * (100_000 - 14)]))
    with pytest.raises(CommandError, match="100000 cột"):
        call_command("ingest_firms", str(path), "--no-events")
    run = IngestRun.objects.get()
    assert run.status == "failed" and "100000" in run.message
    assert Hotspot.objects.count() == 0


@pytest.mark.django_db
def test_a_header_without_a_line_end_is_refused_before_reading_on():
    with pytest.raises(firms.FirmsRefused, match="Dòng tiêu đề dài hơn") as caught:
        firms.ingest_bytes(b"latitude" * 300_000)
    assert caught.value.field == "header"
    assert Hotspot.objects.count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/firms.csv",
        "http://localhost/firms.csv",
        "http://10.0.0.5/firms.csv",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x.csv",
        "https://evil.example/firms.modaps.eosdis.nasa.gov/x.csv",
        "https://firms.modaps.eosdis.nasa.gov@127.0.0.1/x.csv",
        "file:///etc/passwd",
    ],
)
def test_ingest_firms_url_goes_only_to_the_configured_firms_hosts(db, settings, url):
    settings.FIRMS_ALLOWED_HOSTS = ["firms.modaps.eosdis.nasa.gov"]
    settings.FIRMS_API_BASE = "https://firms.modaps.eosdis.nasa.gov"
    with pytest.raises(CommandError, match="http|máy chủ|Không có tệp"):
        call_command("ingest_firms", url, "--no-events")
    assert IngestRun.objects.count() == 0 and Hotspot.objects.count() == 0


def test_a_redirect_from_a_firms_host_to_another_host_is_not_followed(db, settings):
    seen = []

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802  (http.server's name)
            seen.append(self.path)
            self.send_response(302)
            # The same server under another name: followed, it would be fetched a second time.
            self.send_header("Location", f"http://localhost:{self.server.server_address[1]}/inside.csv")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.FIRMS_ALLOWED_HOSTS = ["127.0.0.1"]
    try:
        with pytest.raises(firms.FirmsRefused, match="máy chủ"):
            firms_api.ingest_url(f"http://127.0.0.1:{server.server_address[1]}/firms.csv")
    finally:
        server.shutdown()
        server.server_close()
    assert seen == ["/firms.csv"]
    assert Hotspot.objects.count() == 0


def _big_file(path, rows: int) -> int:
    """A FIRMS file of ``rows`` lines repeating a few detections (stored once each), written in blocks."""
    lines = [viirs_row(15.25 + i / 1000, 108.15, frp=i) + "\n" for i in range(10)]
    block = "".join(lines * 1000).encode()
    with path.open("wb") as fh:
        fh.write((VIIRS_HEADER + "\n").encode())
        for _ in range(rows // 10_000):
            fh.write(block)
    return path.stat().st_size


def _peak_load(path):
    """(run, peak bytes Python held) of ingesting ``path``."""
    tracemalloc.start()
    started = time.perf_counter()
    run = firms.ingest_path(path)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"\nFIRMS {path.stat().st_size / 1e6:.1f} MB, {run.rows_read} rows in {elapsed:.1f} s: peak {peak / 1e6:.1f} MB"
    )
    assert (run.status, run.rows_read, run.rows_new) == ("succeeded", 200_000, 10)
    assert run.rows_duplicate == 200_000 - 10
    return run, peak


@pytest.mark.django_db
def test_a_firms_file_over_the_direct_limit_loads_in_memory_bounded_by_its_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(firms_csv, "CHUNK_BYTES", 1 << 20)
    monkeypatch.setattr(firms_direct, "MAX_BYTES", 1 << 20)
    path = tmp_path / "big.csv"
    size = _big_file(path, 200_000)
    run, peak = _peak_load(path)
    # Whole-file reading held the file two or three times over; a load holds about ten chunks and 4 bytes a row.
    assert peak < 12 * (1 << 20) + 4 * run.rows_read
    assert peak < size * 0.8


@pytest.mark.django_db
def test_a_clean_firms_file_under_the_direct_limit_loads_in_memory_bounded_by_its_size(tmp_path):
    path = tmp_path / "big.csv"
    size = _big_file(path, 200_000)
    assert size < firms_direct.MAX_BYTES
    _, peak = _peak_load(path)
    # Read whole, the file is held with its prepared body and its arrays: 3.4 times its size here.
    assert peak < 4 * size


@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
def test_chunks_cut_only_between_records_whatever_their_size(chunk):
    rows = [viirs_row(15.25 + i / 100, 108.15, frp=i) for i in range(40)]
    rows[5] = rows[5].replace("2.0NRT", '"2.0\nNRT"')  # a quoted field across a line end
    rows[9] = rows[9] + ",extra"  # wrong field count: rejected with its line number
    data = b"\xef\xbb\xbf" + csv_bytes(VIIRS_HEADER, rows, crlf=True)[:-2]  # BOM, CRLF, no final line end
    whole = firms_csv.prepare_stream(io.BytesIO(data), chunk_bytes=len(data) + 10)
    pieces = list(firms_csv.prepare_stream(io.BytesIO(data), chunk_bytes=chunk))
    expected = next(whole)
    assert b"".join(p.body for p in pieces) == expected.body
    assert [int(n) for p in pieces for n in p.line_numbers] == [int(n) for n in expected.line_numbers]
    assert [r for p in pieces for r in p.rejected] == expected.rejected
    assert [line for line, _ in expected.rejected] == [12]  # the quoted record took two lines
    assert sum(p.read for p in pieces) == expected.read == 40
