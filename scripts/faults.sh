#!/usr/bin/env bash
# The fault suite (bench/faults.py): real workers killed, Redis stopped, a silent mail server,
# overlapping ingests, on a scratch database; prints expected vs observed. `make faults`.
set -euo pipefail
cd "$(dirname "$0")/.."
source .run/env.sh
exec nice -n 10 python bench/faults.py "$@"
