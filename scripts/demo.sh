#!/usr/bin/env bash
# Run the platform on the demo district: migrate, load the demo, start web + worker + beat in the
# background with pid files under .run/, print the URL and the demo logins. `make stop` ends them.
set -euo pipefail
cd "$(dirname "$0")/.."
source .run/env.sh
HOST=${1:-127.0.0.1}
PORT=${2:-8000}
RUN=.run
# The demo runs as production does (DEBUG off: the site's own error pages), on plain HTTP on this machine.
export DJANGO_DEBUG=${DJANGO_DEBUG:-0}
[ -s "$RUN/secret-key" ] || python -c 'import secrets; print(secrets.token_urlsafe(50))' >"$RUN/secret-key"
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$(cat "$RUN/secret-key")}
export DJANGO_SECURE_SSL_REDIRECT=${DJANGO_SECURE_SSL_REDIRECT:-0} DJANGO_SECURE_COOKIES=${DJANGO_SECURE_COOKIES:-0}
export DJANGO_HSTS_SECONDS=${DJANGO_HSTS_SECONDS:-0}
export DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-localhost,127.0.0.1,[::1],$HOST}
export GEOPLATFORM_DATA_DIR=${GEOPLATFORM_DATA_DIR:-$PWD/var}
# Static files come from collectstatic below (with gzip copies), not from the app folders.
export WHITENOISE_USE_FINDERS=${WHITENOISE_USE_FINDERS:-0}

bash scripts/stop.sh --quiet
python manage.py migrate --noinput -v 0
python manage.py collectstatic --noinput -v 0
python manage.py load_demo --i-know-this-is-a-demo | tee "$RUN/demo-logins.txt"

start() { # name, command...
  local name=$1; shift
  nohup "$@" >"$RUN/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}
# uWSGI as deployed (deploy/uwsgi.ini); `make stop` sends its master SIGTERM, a graceful stop.
start web uwsgi --ini deploy/uwsgi.ini --http-socket "$HOST:$PORT"
# Loopback stand-ins for the demo cameras (one goes up and down) and the crossing's gauge heartbeats.
start camera-standins python -m layers.cameras.standins --base-port "${CAMERA_STANDIN_PORT:-8551}" \
  --heartbeat-url "http://$HOST:$PORT/api/devices/heartbeat/" --heartbeat-key dev_demo-ngam-song-truong
if [ "$GEOPLATFORM_CELERY_EAGER" = "1" ]; then
  echo "Celery: no Redis, tasks run in-process; no worker or beat started."
else
  start worker celery -A geoplatform worker --loglevel INFO --concurrency 2
  start beat celery -A geoplatform beat --loglevel INFO --schedule "$RUN/celerybeat-schedule"
fi
# The coverage model (about 40 s on 2 cores) runs as a job on the worker; the dashboard and
# /coverage/ show its figures when it finishes. Without Redis it runs here, in-process.
python manage.py compute_coverage --no-wait
python manage.py check_cameras >"$RUN/check-cameras.log" 2>&1 || echo "camera check failed; see $RUN/check-cameras.log"
for _ in $(seq 1 50); do
  curl -fsS "http://$HOST:$PORT/health/" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://$HOST:$PORT/health/" >/dev/null || { echo "web server did not start; see $RUN/web.log"; exit 1; }
cat <<MSG

geoplatform is running on the demo district (synthetic data):
  map             http://$HOST:$PORT/map/
  dashboard       http://$HOST:$PORT/dashboard/          (log in as operator)
  fire watch      http://$HOST:$PORT/fire/               (ranger)
  coverage        http://$HOST:$PORT/coverage/           (planner; the model run finishes in about a minute)
  citizen form    http://$HOST:$PORT/feedback/           officers' queue: /feedback/queue/ (feedback_officer)
  portal embeds   http://$HOST:$PORT/embed/builder/
  cameras         http://$HOST:$PORT/cameras/            (operator; checked every minute against loopback stand-ins)
  floods          http://$HOST:$PORT/flood/reports/      (operator; the demo storm, exposure, who is cut off)
  parcels desk    http://$HOST:$PORT/parcels/desk/       (urban_staff; draw, split, merge, history)
  API             http://$HOST:$PORT/api/layers/         OGC API: /ogc/   Open311: /open311/v2/services.json
  admin           http://$HOST:$PORT/admin/
Logs and pids are in .run/; stop everything with: make stop
MSG
