#!/usr/bin/env bash
# A Cloud-like check of the committed app, run by CI after the tests:
#   1. clone the repo (committed HEAD only) into a temp folder, as Community Cloud does;
#   2. install exactly requirements.txt into a fresh venv (no dev tools, nothing else);
#   3. check that torch is the +cpu build and no nvidia-* package came in;
#   4. run `streamlit run streamlit_app.py` from the clone's root with Cloud's forced
#      settings, open every page of ui/catalog.py in Chromium, fail on any exception box
#      or server traceback, and print the server's RSS with every page open in
#      $CLOUD_CHECK_SESSIONS tabs (default 10; over 690 MB fails: benchmarks/memory.py).
# Playwright drives the browser from this machine's python (installed by scripts/test.sh);
# the venv holds only what Cloud would install. Everything is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
PYTHON="${PYTHON:-python}"
# pip asks the PyTorch CPU index about every package. Where that index cannot be reached
# (these machines), pip's default 5 retries cost seconds per package; one retry and a
# short timeout keep a fresh install as fast as one without the extra index.
PIP_FAST=(--retries 1 --timeout 20)

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cloud-check.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "== cloud check: clean clone of $(git rev-parse --short HEAD)"
git clone -q --no-local "$REPO" "$WORK/app"
for f in uv.lock Pipfile environment.yml environment.yaml; do
  if [ -e "$WORK/app/$f" ]; then
    echo "FAIL: $f would shadow requirements.txt on Community Cloud" >&2
    exit 1
  fi
done

echo "== cloud check: fresh venv with exactly requirements.txt ($("$PYTHON" --version))"
"$PYTHON" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
start=$(date +%s)
"$VPY" -m pip install -q "${PIP_FAST[@]}" -r "$WORK/app/requirements.txt" 2> "$WORK/pip.log" || {
  cat "$WORK/pip.log" >&2
  exit 1
}
echo "installed in $(( $(date +%s) - start )) s"

"$VPY" - <<'EOF'
import platform
import sys
from importlib.metadata import distributions

import torch

names = sorted(d.metadata["Name"].lower() for d in distributions())
nvidia = [n for n in names if n.startswith("nvidia-")]
print(f"torch {torch.__version__}, {len(names)} packages, nvidia-*: {nvidia or 'none'}")
if nvidia or (platform.system() == "Linux" and platform.machine() == "x86_64"
              and not torch.__version__.endswith("+cpu")):
    sys.exit("FAIL: the CUDA build of torch (or its nvidia-* wheels) was installed")
EOF

echo "== cloud check: every page under Cloud's forced settings"
mkdir -p "$REPO/artifacts"
"$PYTHON" "$WORK/app/benchmarks/memory.py" --python "$VPY" --root "$WORK/app" \
  --sessions "${CLOUD_CHECK_SESSIONS:-10}" --log "$REPO/artifacts/cloud-check-server.log"
