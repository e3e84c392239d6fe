#!/usr/bin/env bash
# `make stop`: stop what `make run` (deploy/run-local.sh) started, by the process ids it recorded in
# var/run.pids; never by matching process names. A recorded id is signalled only while it still
# belongs to run-local.sh or a `services.<name>` process (an id may have been reused since).
set -euo pipefail
cd "$(dirname "$0")/.."
PID_FILE=${PID_FILE:-var/run.pids}

if [ ! -s "$PID_FILE" ]; then
  echo "nothing to stop: $PID_FILE not found (was 'make run' started from this checkout?)"
  exit 0
fi

ours=()
while read -r pid; do
  [ -n "$pid" ] || continue
  case "$(ps -o args= -p "$pid" 2>/dev/null || true)" in
    *run-local.sh* | *services.*) ours+=("$pid") ;;
  esac
done <"$PID_FILE"

if [ ${#ours[@]} -eq 0 ]; then
  echo "no recorded process is running; removing the stale $PID_FILE"
  rm -f "$PID_FILE"
  exit 0
fi

echo "stopping ${ours[*]}"
kill -TERM "${ours[@]}" 2>/dev/null || true
for _ in $(seq 1 100); do  # up to 20 s for a graceful shutdown
  alive=()
  for pid in "${ours[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then alive+=("$pid"); fi
  done
  [ ${#alive[@]} -eq 0 ] && break
  sleep 0.2
done
if [ ${#alive[@]} -gt 0 ]; then
  echo "still running after 20 s: ${alive[*]}" >&2
  exit 1
fi
rm -f "$PID_FILE"
echo "stopped"
