#!/usr/bin/env bash
# `make bench`: every benchmark of the README's Benchmarks section, one after the other, in one run.
#
# Each benchmark's output goes to bench/results/<UTC start>/<name>.txt with the commit, the time and the
# load average before and after it, so every figure of the README can be traced to one run. The order
# matters: load_test serves the scratch database that tiles loads. The first failure stops the run (a
# benchmark fails when a peer's answer differs or errs). Runs hold /tmp/bench.lock, so two benchmark
# runs on the same machine never overlap. BENCH_ONLY="tiles firms_ingest" runs a subset. BENCH_FIRMS_FULL=1
# adds, last, the FIRMS ingest at the issue's full size (1,000,000 rows into 5,000,000; about 11 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
source .run/env.sh

ORDER=(tiles load_test firms_ingest fire_clustering viewshed coverage_fanout parcels_edit flood_vectorise flood_exposure)
read -r -a ONLY <<<"${BENCH_ONLY:-${ORDER[*]}}"

# The geopandas peer of firms_ingest needs SQLAlchemy and GeoAlchemy2, kept out of the project's venv.
PEERS=/tmp/bench-peers
if [[ ! -d $PEERS/geoalchemy2 ]]; then
    pip install --quiet --no-deps --target "$PEERS" -r bench/requirements.txt
fi

started=$(date -u +%Y-%m-%dT%H%MZ)
out=bench/results/$started
mkdir -p "$out"
exec 9>/tmp/bench.lock
flock 9
{
    echo "commit $(git rev-parse HEAD)$(git diff --quiet HEAD -- . ':!bench/results' ':!*.md' || echo ' (with uncommitted changes)')"
    echo "started $started on $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
    echo "PostgreSQL $(psql -h 127.0.0.1 -U postgres -tAc 'SHOW server_version') PostGIS $(psql -h 127.0.0.1 -U postgres -tAc "SELECT default_version FROM pg_available_extensions WHERE name = 'postgis'")"
} >"$out/run.txt"
RUNS=()
for name in "${ORDER[@]}"; do
    [[ " ${ONLY[*]} " == *" $name "* ]] && RUNS+=("$name")
done
if [[ ${BENCH_FIRMS_FULL:-0} == 1 ]]; then RUNS+=(firms_ingest_full); fi
for name in "${RUNS[@]}"; do
    script=bench/$name.py
    if [[ $name == firms_ingest_full ]]; then
        script=bench/firms_ingest.py
        export BENCH_ROWS=1000000 BENCH_BASE=5000000 BENCH_WAYS=copy,gpd_same
    fi
    log=$out/$name.txt
    {
        echo "# $name, started $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
    } >"$log"
    echo "[bench] $name -> $log"
    if ! PYTHONPATH=$PEERS nice -n 10 python "$script" >>"$log" 2>&1; then
        echo "# FAILED $(date -u +%FT%TZ)" >>"$log"
        tail -n 20 "$log"
        echo "[bench] $name failed; the run stops here" >&2
        exit 1
    fi
    echo "# ended $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" >>"$log"
done
echo "ended $(date -u +%FT%TZ)" >>"$out/run.txt"
echo "[bench] all done: $out"
