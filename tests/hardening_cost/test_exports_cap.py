"""Exports count first: above the cap the refusal comes before any row is read."""

import time
import tracemalloc

from django.db import connection
from django.test import Client

from layers.api import exports
from layers.fire.models import Hotspot

# The original hotspot and its first ten copies (one second apart).
FIRST_ELEVEN = "bbox=108.0,15.0,108.5,15.5&datetime=../2024-03-01T08:00:10Z"


def clone_hotspots(total: int) -> None:
    """Copy the first hotspot until the table holds ``total`` rows (one second apart, so all stay distinct)."""
    table = Hotspot._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND column_name NOT IN ('id', 'acquired_at') AND is_generated = 'NEVER'",
            [table],
        )
        names = ", ".join(f'"{row[0]}"' for row in cursor.fetchall())
        cursor.execute(f'SELECT count(*), min(id) FROM "{table}"')  # noqa: S608 - model metadata
        have, first = cursor.fetchone()
        cursor.execute(
            f"INSERT INTO \"{table}\" ({names}, acquired_at) SELECT {names}, acquired_at + g * interval '1 second' "  # noqa: S608
            f'FROM "{table}", generate_series(1, %s) g WHERE id = %s',
            [total - have, first],
        )


def test_an_export_above_the_cap_is_refused_before_reading_rows(world):
    clone_hotspots(exports.MAX_ROWS + 1)
    assert Hotspot.objects.count() == exports.MAX_ROWS + 1
    client = Client()
    narrowed = client.get(f"/api/layers/fire-hotspots/export.csv?{FIRST_ELEVEN}")
    assert narrowed.status_code == 200, narrowed.content[:300]
    assert narrowed.content.decode("utf-8-sig").count("\n") == 1 + 11  # header, the original and 10 copies
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get("/api/layers/fire-hotspots/export.csv")
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\nexport of {exports.MAX_ROWS + 1} rows refused in {elapsed:.2f} s, peak Python memory {peak / 1e6:.2f} MB")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert str(exports.MAX_ROWS) in response.json()["error"]["message"]
    # 100,001 rows read into Python would be well over 50 MB; the count alone stays tiny.
    assert peak < 5_000_000


def test_an_allowed_geojson_export_is_streamed_in_bounded_memory(world):
    clone_hotspots(exports.MAX_ROWS)
    client = Client()
    small = client.get(f"/api/layers/fire-hotspots/export.geojson?{FIRST_ELEVEN}")
    assert not small.streaming and len(small.json()["features"]) == 11
    response = client.get("/api/layers/fire-hotspots/export.geojson")
    assert response.status_code == 200 and response.streaming
    tracemalloc.start()
    started = time.perf_counter()
    size, pieces, tail = 0, 0, b""
    for piece in response.streaming_content:
        size, pieces, tail = size + len(piece), pieces + 1, (tail + piece)[-20:]
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figures = f"{size / 1e6:.1f} MB in {pieces} pieces, {elapsed:.1f} s, peak {peak / 1e6:.1f} MB"
    print(f"\nGeoJSON export of {exports.MAX_ROWS} rows: {figures}")
    assert tail.endswith(b"]}") and pieces > 10
    assert peak < 8_000_000 and peak < size / 4  # a few pieces at a time, never the whole file
