#!/usr/bin/env bash
# The fault suite (bench/faults.py): real workers killed, Redis stopped, a silent mail server,
# overlapping ingests, a private PostgreSQL restarted under load, uWSGI killed after a 201, a full
# upload disk (a tmpfs: run as root), on a scratch database; prints expected vs observed. `make faults`
# (FAULTS_ONLY=5,7 for some of them).
set -euo pipefail
cd "$(dirname "$0")/.."
source .run/env.sh
exec nice -n 10 python bench/faults.py "$@"
