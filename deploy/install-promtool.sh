#!/usr/bin/env bash
# Put Prometheus's `promtool` at $1 (`make promtool`: .venv/bin/promtool, where tests/deploy looks first), for
# tests/deploy/test_monitoring.py's check of the alert rules and the dashboard's queries.
#
# promtool is Debian's package `prometheus` (it has no PyPI package). Installing that package would also
# install and start a Prometheus server, so only its `usr/bin/promtool` is taken: the .deb is fetched with
# `apt-get download` (no install, no service) and the one binary extracted from it. A promtool already on PATH
# is linked instead. `apt-get update` runs first only when the package lists do not know the package yet (a
# fresh machine), which needs root, as on CI.
set -euo pipefail
target=$(realpath -m "${1:?usage: install-promtool.sh TARGET}")
if [ -x "$target" ] && "$target" --version >/dev/null 2>&1; then
  exit 0
fi
mkdir -p "$(dirname "$target")"
if found=$(command -v promtool) && [ "$found" != "$target" ]; then
  ln -sf "$found" "$target"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download prometheus >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  apt-get download prometheus >/dev/null
fi
dpkg-deb --fsys-tarfile prometheus_*.deb | tar -x ./usr/bin/promtool
install -m 0755 usr/bin/promtool "$target"
"$target" --version | head -n 1
