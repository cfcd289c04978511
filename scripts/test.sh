#!/usr/bin/env bash
# Run pytest with the test environment (after `make bootstrap`); arguments go to pytest.
# Set DATABASE_URL / REDIS_URL / GEOPLATFORM_TEST_REDIS_DB before calling to use other ones.
set -euo pipefail
cd "$(dirname "$0")/.."
keep_db=${DATABASE_URL:-}
keep_redis=${REDIS_URL:-}
source .run/env.sh
[ -n "$keep_db" ] && export DATABASE_URL=$keep_db
[ -n "$keep_redis" ] && export REDIS_URL=$keep_redis
export DJANGO_ALLOW_ASYNC_UNSAFE=true
# Live-server threads would keep their connections open and block dropping the test database.
export DATABASE_CONN_MAX_AGE=0
export GEOPLATFORM_ALLOW_DEV_SECRET=1
# Test databases are demos: load_demo may reset its accounts there (tests/hardening checks the refusal).
export GEOPLATFORM_I_KNOW_THIS_IS_A_DEMO=1
export DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SECURE_COOKIES=0 DJANGO_HSTS_SECONDS=0
export DJANGO_EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
# The FIRMS stand-in of the tests listens on loopback (tests of the refusal set their own list).
export FIRMS_ALLOWED_HOSTS=${FIRMS_ALLOWED_HOSTS:-firms.modaps.eosdis.nasa.gov,127.0.0.1}
export GEOPLATFORM_DATA_DIR=${GEOPLATFORM_DATA_DIR:-$(mktemp -d /tmp/geoplatform-test-data.XXXXXX)}
# Test rollbacks undo rows without a commit to bump tile versions: the tile cache tests turn it on.
export GEOPLATFORM_TILE_CACHE_URL=
set +e
python -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$rc"
