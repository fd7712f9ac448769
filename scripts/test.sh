#!/usr/bin/env bash
# The whole test suite from a fresh machine: installs what the tests need, then lints
# and runs every layer (core pytest, AppTest, real-browser Playwright).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  echo "== installing Chromium from Debian's packages"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

echo "== installing Python requirements"
# requirements.txt names the PyTorch CPU index as an extra index, so pip asks it about every
# package. Where it cannot be reached (as on these machines), pip's default 5 retries cost
# ~8 s per package, minutes in all; one retry and a 20 s timeout cost nothing here and still
# ride out a brief network hiccup elsewhere.
python -m pip install -q --retries 1 --timeout 20 -r requirements-dev.txt

echo "== ruff"
python -m ruff check .

echo "== pytest"
# Two workers, one per core: the AppTest, fuzz and browser layers are CPU-bound. Each worker
# starts its own streamlit server and Chromium for the browser tests.
python -m pytest -q -p no:benchmark -n "${PYTEST_WORKERS:-2}" "$@"
