#!/usr/bin/env bash
# Installs what is missing, builds, and starts the gateway on its embedded default (SQLite in ./data).
# Extra arguments go to `gcli-gateway serve` (e.g. --listen 0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
mkdir -p data
exec build/src/app/gcli-gateway serve --data-dir ./data "$@"
