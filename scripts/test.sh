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
export DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SECURE_COOKIES=0 DJANGO_HSTS_SECONDS=0
export DJANGO_EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
export GEOPLATFORM_DATA_DIR=${GEOPLATFORM_DATA_DIR:-$(mktemp -d /tmp/geoplatform-test-data.XXXXXX)}
set +e
python -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$rc"
