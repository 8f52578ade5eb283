#!/usr/bin/env bash
# Install the project with its test and Dask extras into .venv, check the package (ruff, mypy),
# then run the whole test suite (benchmarks run once, untimed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check provenance
.venv/bin/mypy provenance
exec .venv/bin/python -m pytest --benchmark-disable "$@"
