#!/usr/bin/env bash
# Stop what `make demo` started, by the pid files under .run/ and nothing else.
cd "$(dirname "$0")/.."
quiet=${1:-}
for name in web worker beat camera-standins; do
  pidfile=".run/$name.pid"
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" && [ -z "$quiet" ] && echo "stopped $name ($pid)"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
done
exit 0
