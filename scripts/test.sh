#!/usr/bin/env bash
# The whole test suite: installs what the tests need, then lints and runs every layer (core
# pytest, AppTest, real-browser Playwright). Works without root and on macOS: the browser
# tests use the system's Chromium, else Playwright's own (downloaded here if it can be), else
# they are skipped with one line. Under CI=true a missing browser fails the run instead.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== installing Python requirements"
python -m pip install -q -r requirements-dev.txt

PYTEST_ARGS=()
if CHROMIUM="$(python tests/chromium.py)"; then
  echo "== browser: $CHROMIUM"
elif python -m playwright install chromium && CHROMIUM="$(python tests/chromium.py)"; then
  echo "== browser: $CHROMIUM (downloaded by Playwright)"
elif [ "${CI:-}" = "true" ]; then
  echo "FAIL: no Chromium, and Playwright could not download one; CI must run the browser tests" >&2
  exit 1
else
  echo "== no Chromium and none could be downloaded: SKIPPING the browser tests (install chromium, or run: python -m playwright install chromium)"
  PYTEST_ARGS=(-m "not browser")
fi

echo "== ruff"
python -m ruff check .

echo "== pytest"
# Two workers, one per core: the AppTest, fuzz and browser layers are CPU-bound. Each worker
# starts its own streamlit server and Chromium for the browser tests. Screenshots go to
# artifacts/screenshots/ (git-ignored); scripts/screenshots.sh refreshes docs/screenshots/.
python -m pytest -q -p no:benchmark -n "${PYTEST_WORKERS:-2}" ${PYTEST_ARGS[@]+"${PYTEST_ARGS[@]}"} "$@"
