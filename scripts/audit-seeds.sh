#!/usr/bin/env bash
# Install the project (no test or Dask extras) into .venv and audit seeds/ into reports/seeds/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/provenance audit seeds --out reports/seeds "$@"
