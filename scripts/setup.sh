#!/usr/bin/env bash
# Make .venv and install the project into it (idempotent).
#   bash scripts/setup.sh           the project alone: what an audit needs
#   bash scripts/setup.sh test      also the test and Dask extras: what the test suite needs
# Either order works: installing the project again leaves the extras in place.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  "") target='.' ;;
  test) target='.[test,dask]' ;;
  *) echo "usage: bash scripts/setup.sh [test]" >&2; exit 2 ;;
esac
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
# setuptools' note that an editable install was made (ten lines on every run) is not a warning to act on
PYTHONWARNINGS="${PYTHONWARNINGS:+$PYTHONWARNINGS,}ignore:Editable installation" \
  .venv/bin/python -m pip install -q -e "$target"
