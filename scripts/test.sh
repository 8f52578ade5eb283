#!/usr/bin/env bash
# Install the project with its test and Dask extras into .venv and run the whole test suite (benchmarks run once, untimed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
exec .venv/bin/python -m pytest --benchmark-disable "$@"
