#!/usr/bin/env bash
# The long fuzz run: 2,000 random links, widget changes and preset clicks per page
# (CI runs 100). Prints pytest's summary; any failure is shown with its smallest example.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-2000}" FUZZ_RANDOM="${FUZZ_RANDOM:-1}" \
  python -m pytest -q -p no:cacheprovider tests/test_fuzz_app.py "$@"
