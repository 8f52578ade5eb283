#!/usr/bin/env bash
# Install everything into .venv and run the whole test suite (benchmarks run once, untimed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest --benchmark-disable "$@"
