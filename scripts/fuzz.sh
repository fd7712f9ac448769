#!/usr/bin/env bash
# The long fuzz run: 2,000 random links, widget changes and preset clicks per page (CI runs
# 100), with fresh random examples each time. Pages run in parallel on two workers; pass
# pytest options after the script name, e.g. `-k overfitting`. Any failure is printed with
# its smallest example.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-2000}" FUZZ_RANDOM="${FUZZ_RANDOM:-1}" \
  python -m pytest -q -p no:cacheprovider -p no:benchmark -n "${PYTEST_WORKERS:-2}" \
  tests/test_fuzz_app.py "$@"
