#!/usr/bin/env bash
# Refreshes the committed screenshots in docs/screenshots/ (the README shows them): runs the
# browser tests with SCREENSHOT_DIR pointed there. The ordinary test run never writes there.
set -euo pipefail
cd "$(dirname "$0")/.."
SCREENSHOT_DIR=docs/screenshots python -m pytest -q -p no:benchmark -n "${PYTEST_WORKERS:-2}" \
  -m browser "$@"
git status --short docs/screenshots
