#!/usr/bin/env bash
# Idempotent set-up for `make demo` and `make test` on Debian 12:
#   1. Debian packages (PostGIS, GDAL tools, Chromium, gettext, npm, PostgreSQL/Redis servers if none is reachable);
#   2. the virtualenv .venv from requirements.txt + constraints.txt (skipped when unchanged);
#   3. a reachable PostgreSQL with PostGIS: $DATABASE_URL, else 127.0.0.1:5432, else a private
#      cluster under .run/pg;
#   4. a reachable Redis: $REDIS_URL, else 127.0.0.1:6379, else a private redis-server under .run,
#      else Celery runs tasks in-process (said once).
#   5. the browser libraries of the map (npm ci into node_modules).
# It writes .run/env.sh, which the Makefile sources. A second run does nothing it need not do.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
RUN="$ROOT/.run"
mkdir -p "$RUN"
say() { printf '[bootstrap] %s\n' "$*"; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

PY=${PYTHON:-python3}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)

tcp_open() { # host port
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}
# Where to look for an already running server (overridable so tests can exercise the fallbacks).
PG_PROBE=${GEOPLATFORM_PG_PROBE:-127.0.0.1:5432}
REDIS_PROBE=${GEOPLATFORM_REDIS_PROBE:-127.0.0.1:6379}

# ---- 1. Debian packages -------------------------------------------------------------------
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
pg_ver() { [ -n "$PG_BIN" ] && basename "$(dirname "$PG_BIN")" || echo 15; }
PGV=$(pg_ver)
for pkg in "postgresql-$PGV-postgis-3" gdal-bin chromium binutils libproj-dev fonts-dejavu-core gettext ffmpeg; do
  have_pkg "$pkg" || need+=("$pkg")
done
if [ -z "${DATABASE_URL:-}" ] && ! tcp_open ${PG_PROBE/:/ } && [ -z "$PG_BIN" ]; then
  need+=("postgresql-15")
fi
if [ -z "${REDIS_URL:-}" ] && ! tcp_open ${REDIS_PROBE/:/ } && ! command -v redis-server >/dev/null; then
  need+=("redis-server")
fi
if ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then need+=("python3-venv"); fi
command -v npm >/dev/null || need+=("npm")
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    say "installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  else
    die "missing Debian packages; as root run: apt-get update && apt-get install -y ${need[*]}"
  fi
fi

# ---- 2. virtualenv ------------------------------------------------------------------------
VENV=${GEOPLATFORM_VENV:-$ROOT/.venv}
stamp="$VENV/.requirements.sha256"
want=$(cat requirements.txt constraints.txt | sha256sum | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing Python packages into .venv (first run takes a few minutes)"
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip >/dev/null 2>&1 || true
  "$VENV/bin/pip" install -q -r requirements.txt -c constraints.txt 2>&1 | grep -v "^WARNING: Location" || true
  "$VENV/bin/python" -c "import django, rasterio, celery" || die "Python packages did not install"
  echo "$want" > "$stamp"
fi

# ---- 2b. browser libraries (npm) ----------------------------------------------------------
npm_stamp="$ROOT/node_modules/.package-lock.sha256"
npm_want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d "$ROOT/node_modules" ] || [ "$(cat "$npm_stamp" 2>/dev/null)" != "$npm_want" ]; then
  command -v npm >/dev/null || die "npm is needed for the map's browser libraries (apt-get install -y npm)"
  say "installing browser libraries with npm ci"
  npm ci --no-audit --no-fund >/dev/null || die "npm ci failed"
  echo "$npm_want" > "$npm_stamp"
fi

# ---- 3. PostgreSQL + PostGIS --------------------------------------------------------------
DB_NAME=${GEOPLATFORM_DB_NAME:-geoplatform}
if [ -n "${DATABASE_URL:-}" ]; then
  DB_URL=$DATABASE_URL
elif tcp_open ${PG_PROBE/:/ }; then
  DB_URL="postgis://postgres@$PG_PROBE/$DB_NAME"
else
  PGDATA="$RUN/pg"
  PGPORT=${GEOPLATFORM_PRIVATE_PG_PORT:-54329}
  pg_user=$(id -un)
  as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  if [ "$(id -u)" -eq 0 ]; then pg_user=postgres; fi
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    say "starting a private PostgreSQL cluster under .run/pg"
    mkdir -p "$PGDATA"
    [ "$(id -u)" -eq 0 ] && chown -R postgres "$RUN/pg"
    as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres -A trust >/dev/null
  fi
  if ! tcp_open 127.0.0.1 "$PGPORT"; then
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
      -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1" start >/dev/null
  fi
  DB_URL="postgis://postgres@127.0.0.1:$PGPORT/$DB_NAME"
fi
export DATABASE_URL=$DB_URL
"$VENV/bin/python" - <<'PYEOF'
import os
import sys
from urllib.parse import urlparse

import psycopg

url = urlparse(os.environ["DATABASE_URL"])
name = url.path.lstrip("/")
params = dict(host=url.hostname, port=url.port or 5432, user=url.username or "postgres",
              password=url.password, connect_timeout=5)
try:
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname=current_user").fetchone()[0]
    with psycopg.connect(dbname=name, autocommit=True, **params) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
except psycopg.Error as exc:
    sys.exit(f"[bootstrap] ERROR: PostgreSQL/PostGIS not usable at {url.hostname}:{url.port}: {exc}")
if not superuser:
    sys.exit("[bootstrap] ERROR: the database role must be a superuser (tests create PostGIS databases)")
PYEOF

# ---- 4. Redis -----------------------------------------------------------------------------
EAGER=0
if [ -n "${REDIS_URL:-}" ]; then
  R_URL=$REDIS_URL
elif tcp_open ${REDIS_PROBE/:/ }; then
  R_URL="redis://$REDIS_PROBE/0"
elif command -v redis-server >/dev/null; then
  RPORT=${GEOPLATFORM_PRIVATE_REDIS_PORT:-63799}
  if ! tcp_open 127.0.0.1 "$RPORT"; then
    say "starting a private Redis on 127.0.0.1:$RPORT"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$RPORT" --save "" --appendonly no \
      --dir "$RUN" --pidfile "$RUN/redis.pid" --logfile "$RUN/redis.log"
    for _ in 1 2 3 4 5 6 7 8 9 10; do tcp_open 127.0.0.1 "$RPORT" && break; sleep 0.3; done
  fi
  R_URL="redis://127.0.0.1:$RPORT/0"
else
  R_URL="redis://127.0.0.1:6379/0"
  EAGER=1
  say "no Redis could be had: Celery runs tasks in-process (GEOPLATFORM_CELERY_EAGER=1)"
fi

cat > "$RUN/env.sh" <<EOF
# Written by scripts/bootstrap.sh; sourced by the Makefile.
export DATABASE_URL='$DB_URL'
export REDIS_URL='$R_URL'
export GEOPLATFORM_CELERY_EAGER='$EAGER'
export PATH='$VENV/bin':"\$PATH"
# Commands run by hand on this machine (manage.py, benches) use the fixed development key;
# settings refuse it for any host other than this machine's own names.
export GEOPLATFORM_ALLOW_DEV_SECRET=1
EOF
say "ready: database $DB_URL, redis $R_URL"
