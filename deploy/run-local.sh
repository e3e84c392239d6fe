#!/usr/bin/env bash
# `make run`: the four services as plain processes on their embedded default (SQLite files under
# var/), with the reference data loaded. The same steps as the containers (docker-compose.yml), in the
# same order: migrate each service, `catalogue load-data`, `eligibility load-rules`, serve the
# catalogue, `budget sync` (it reads the catalogue), then serve the other three.
#
# The process ids (this script's first, then each service's) are written to var/run.pids for
# `make stop`, and the file is removed when the script ends. Ctrl-C or SIGTERM stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PID_FILE=${PID_FILE:-var/run.pids}
mkdir -p var
export PYTHONUNBUFFERED=1

CATALOGUE_PORT=${CATALOGUE_PORT:-8001}
APPLICATIONS_PORT=${APPLICATIONS_PORT:-8002}
ELIGIBILITY_PORT=${ELIGIBILITY_PORT:-8003}
BUDGET_PORT=${BUDGET_PORT:-8004}
# Development only: a frontend on http://localhost:<any port> (a Vite or webpack dev server) may call the
# services from the browser (CORS). Set <SERVICE>_CORS_ORIGIN_REGEX= (empty) to close it; production refuses it.
DEV_CORS='^http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?$'
for s in CATALOGUE APPLICATIONS ELIGIBILITY BUDGET; do
  var="${s}_CORS_ORIGIN_REGEX"
  export "$var=${!var-$DEV_CORS}"
done
# The services find each other on the ports chosen above (unless told otherwise).
export ELIGIBILITY_CATALOGUE_URL=${ELIGIBILITY_CATALOGUE_URL:-http://127.0.0.1:$CATALOGUE_PORT}
export BUDGET_CATALOGUE_URL=${BUDGET_CATALOGUE_URL:-http://127.0.0.1:$CATALOGUE_PORT}
export APPLICATIONS_CATALOGUE_URL=${APPLICATIONS_CATALOGUE_URL:-http://127.0.0.1:$CATALOGUE_PORT}
export APPLICATIONS_ELIGIBILITY_URL=${APPLICATIONS_ELIGIBILITY_URL:-http://127.0.0.1:$ELIGIBILITY_PORT}
export APPLICATIONS_BUDGET_URL=${APPLICATIONS_BUDGET_URL:-http://127.0.0.1:$BUDGET_PORT}

if [ -s "$PID_FILE" ]; then
  # A previous run may still be shutting down (stopped a moment ago): give it 20 s before refusing.
  while read -r pid; do
    [ -n "$pid" ] || continue
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "already running (pid $pid in $PID_FILE); 'make stop' first" >&2
      exit 1
    fi
  done <"$PID_FILE"
fi
echo "$$" >"$PID_FILE"

pids=()
stop() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
  # Remove the file only while it is still ours (a later run may have written its own).
  if [ "$(head -n 1 "$PID_FILE" 2>/dev/null)" = "$$" ]; then rm -f "$PID_FILE"; fi
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

serve() {  # name port: start one service in the background and record its pid
  "$BIN/python" -m "services.$1" serve --port "$2" &
  pids+=($!)
  echo "$!" >>"$PID_FILE"
}

wait_healthy() {  # name port
  for _ in $(seq 1 120); do
    if "$BIN/python" - "$2" <<'PY' 2>/dev/null; then return 0; fi
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=1)
PY
    sleep 0.5
  done
  echo "$1 did not become healthy on port $2" >&2
  return 1
}

for s in catalogue applications eligibility budget; do
  "$BIN/python" -m "services.$s" migrate
done
"$BIN/python" -m services.catalogue load-data
"$BIN/python" -m services.eligibility load-rules

serve catalogue "$CATALOGUE_PORT"
wait_healthy catalogue "$CATALOGUE_PORT"
"$BIN/python" -m services.budget sync
serve eligibility "$ELIGIBILITY_PORT"
serve budget "$BUDGET_PORT"
serve applications "$APPLICATIONS_PORT"
wait_healthy eligibility "$ELIGIBILITY_PORT"
wait_healthy budget "$BUDGET_PORT"
wait_healthy applications "$APPLICATIONS_PORT"
echo "services up: catalogue :$CATALOGUE_PORT  applications :$APPLICATIONS_PORT  eligibility :$ELIGIBILITY_PORT  budget :$BUDGET_PORT  (Ctrl-C or 'make stop' stops them)"
echo "development CORS: a frontend on http://localhost:<any port> may call them (<SERVICE>_CORS_ORIGIN_REGEX=$APPLICATIONS_CORS_ORIGIN_REGEX; empty closes it)"
wait -n "${pids[@]}" || true
echo "a service exited; stopping the others" >&2
exit 1
