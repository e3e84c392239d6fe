#!/usr/bin/env bash
# `make run`: the four services as plain processes on their embedded default (SQLite files under
# var/), with the programme data loaded. The same commands the containers run, in the same order:
# migrate, load reference data, serve. Ctrl-C (or SIGTERM to the group) stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
mkdir -p var
export PYTHONUNBUFFERED=1

pids=()
stop() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

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

"$BIN/python" -m services.catalogue serve --port "${CATALOGUE_PORT:-8001}" & pids+=($!)
wait_healthy catalogue "${CATALOGUE_PORT:-8001}"
"$BIN/python" -m services.budget sync
"$BIN/python" -m services.eligibility serve --port "${ELIGIBILITY_PORT:-8003}" & pids+=($!)
"$BIN/python" -m services.budget serve --port "${BUDGET_PORT:-8004}" & pids+=($!)
"$BIN/python" -m services.applications serve --port "${APPLICATIONS_PORT:-8002}" & pids+=($!)
wait_healthy eligibility "${ELIGIBILITY_PORT:-8003}"
wait_healthy budget "${BUDGET_PORT:-8004}"
wait_healthy applications "${APPLICATIONS_PORT:-8002}"
echo "services up: catalogue :${CATALOGUE_PORT:-8001}  applications :${APPLICATIONS_PORT:-8002}  eligibility :${ELIGIBILITY_PORT:-8003}  budget :${BUDGET_PORT:-8004}  (Ctrl-C stops them)"
wait -n "${pids[@]}"
echo "a service exited; stopping the others" >&2
exit 1
