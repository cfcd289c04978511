"""Benchmark: peak memory (RSS) of `ingest_firms` on FIRMS files of growing size (issue 15).

The FIRMS loader reads its file in chunks (ingest.firms_csv.CHUNK_BYTES), so the peak RSS of the
process should stay flat while the file grows. Each size is loaded by its own
`manage.py ingest_firms FILE --no-events` process, whose peak RSS (ru_maxrss) is printed next
to the file size and to the same process's RSS after a file of one line (the baseline).

It touches no database but its own: it creates the scratch database BENCH_DB (default
bench_firms_memory, must start with ``bench_``), migrates it, and drops it at the end.
Sizes in MB: BENCH_SIZES (default "1,50,200"); each line repeats one of ten detections, so the
database work stays small and the figure is the reading's.

    nice -n 10 .venv/bin/python bench/firms_memory.py
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DB", "bench_firms_memory")
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1,50,200").split(",")]
HEADER = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,"
    "bright_ti5,frp,daynight\n"
)
if not DB.startswith("bench_"):
    raise SystemExit("BENCH_DB must name a scratch database (bench_*): this script drops it")


def write(path: Path, megabytes: int) -> int:
    """A FIRMS file of about ``megabytes`` MB, written in blocks."""
    lines = [
        f"{15.25 + i / 1000},108.15,330.5,0.39,0.36,2024-03-10,615,N,VIIRS,n,2.0NRT,290.1,{i},D\n" for i in range(10)
    ]
    block = "".join(lines * 1000).encode()
    with path.open("wb") as fh:
        fh.write(HEADER.encode())
        while fh.tell() < megabytes * 1_000_000:
            fh.write(block)
    return path.stat().st_size


def peak_rss(env: dict, path: Path) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of one ingest_firms process."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "manage.py", "ingest_firms", str(path), "--no-events"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"ingest_firms failed on {path}")
    return usage.ru_maxrss / 1024, time.perf_counter() - started


def main() -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB}"')
    env = dict(os.environ, DATABASE_URL=f"postgis://{PG.split('://', 1)[1]}/{DB}", DJANGO_DEBUG="1")
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        print(f"{'file MB':>8} {'peak RSS MB':>12} {'seconds':>8}")
        with tempfile.TemporaryDirectory(prefix="bench-firms-") as folder:
            for megabytes in SIZES:
                path = Path(folder) / f"firms-{megabytes}.csv"
                size = write(path, megabytes)
                rss, seconds = peak_rss(env, path)
                print(f"{size / 1e6:8.1f} {rss:12.1f} {seconds:8.1f}", flush=True)
                path.unlink()
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


if __name__ == "__main__":
    main()
