#!/usr/bin/env bash
# A Community Cloud rehearsal of the committed app, run by CI after the tests:
#   1. clone the repo (committed HEAD only) into a temp folder, as Cloud does, and check that
#      no uv.lock, Pipfile or environment.yml would make Cloud skip requirements.txt;
#   2. check that every pin has a manylinux x86_64 wheel for Python 3.11, 3.12 and 3.13
#      (scripts/wheel_check.py);
#   3. stand up a local simple index playing PyTorch's CPU index (this machine's torch +cpu
#      wheel and a numpy other than the pin; scripts/standin_index.py), served on 127.0.0.1;
#   4. install requirements.txt, with the CPU page's URL pointed at the stand-in, the way
#      Cloud does: with uv, then with pip (its fallback), each into a fresh venv, with this
#      machine's pip and uv settings ignored; both must give torch X+cpu, exactly the pins,
#      no nvidia-* package. A control run shows the stand-in reproduces uv's first-index
#      trap for an index line. `uv pip install -e .` must then add thermo_core and nothing else;
#   5. where download.pytorch.org answers, resolve the real requirements.txt with uv for each
#      Python; where it does not, say so (SKIPPED);
#   6. run `streamlit run streamlit_app.py` from the clone in the uv venv with Cloud's forced
#      settings, open every page of ui/catalog.py in Chromium, fail on any exception box or
#      server traceback, and print the server's RSS with every page open in
#      $CLOUD_CHECK_SESSIONS tabs (default 10; over 690 MB fails: benchmarks/memory.py).
# Playwright drives the browser from this machine's python (installed by scripts/test.sh);
# the venvs hold only what Cloud would install. Everything is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
PYTHON="$("${PYTHON:-python}" -c 'import sys; print(sys.executable)')"
CPU_PAGE="https://download.pytorch.org/whl/cpu/torch/"
STANDIN_NUMPY="2.3.5"  # a numpy release the stand-in carries instead of the pinned one
T0=$(date +%s)

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cloud-check.XXXXXX")"
SERVER_PID=""
cleanup() {
  [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v uv > /dev/null || { echo "FAIL: uv is missing: pip install -r requirements-dev.txt" >&2; exit 1; }

echo "== cloud check: clean clone of $(git rev-parse --short HEAD)"
git clone -q --no-local "$REPO" "$WORK/app"
for f in uv.lock Pipfile environment.yml environment.yaml; do
  if [ -e "$WORK/app/$f" ]; then
    echo "FAIL: $f would shadow requirements.txt on Community Cloud" >&2
    exit 1
  fi
done

# The local +cpu wheel is found through this machine's pip settings, so before they go.
mkdir -p "$WORK/standin" "$WORK/extra" "$WORK/no-config"
TORCH_PIN="$(sed -n 's/^torch==\([0-9.]*\).*/\1/p' "$WORK/app/requirements.txt")"
TORCH_WHEEL="$("$PYTHON" "$WORK/app/scripts/standin_index.py" find "$TORCH_PIN")"

# From here on: no PIP_* or UV_* variable, no pip config file, no user or system uv.toml.
# uv still reads the clone's own pyproject.toml, as Cloud's uv would.
for var in $(compgen -e | grep -E '^(PIP|UV)_' || true); do unset "$var"; done
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1
export XDG_CONFIG_HOME="$WORK/no-config" XDG_CONFIG_DIRS="$WORK/no-config"

"$PYTHON" "$WORK/app/scripts/wheel_check.py" --requirements "$WORK/app/requirements.txt"

echo "== cloud check: stand-in for PyTorch's CPU index"
"$PYTHON" -m pip download -q --no-deps --only-binary=:all: -d "$WORK/extra" "numpy==$STANDIN_NUMPY"
"$PYTHON" "$WORK/app/scripts/standin_index.py" build "$WORK/standin" "$TORCH_WHEEL" "$WORK"/extra/numpy-*.whl
PORT="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$PYTHON" -m http.server --bind 127.0.0.1 --directory "$WORK/standin" "$PORT" \
  > "$WORK/http.log" 2>&1 &
SERVER_PID=$!
STANDIN="http://127.0.0.1:$PORT/simple"
for _ in $(seq 50); do
  curl -sf -o /dev/null "$STANDIN/torch/" && break
  sleep 0.2
done
curl -sf -o /dev/null "$STANDIN/torch/"

# Cloud's requirements.txt, its CPU page swapped for the stand-in's: exactly one line changes.
sed "s#^--find-links ${CPU_PAGE}\$#--find-links $STANDIN/torch/#" "$WORK/app/requirements.txt" \
  > "$WORK/requirements.txt"
if [ "$(diff "$WORK/app/requirements.txt" "$WORK/requirements.txt" | grep -c '^>')" != 1 ]; then
  echo "FAIL: requirements.txt has no line --find-links $CPU_PAGE to point at the stand-in" >&2
  exit 1
fi

echo "== cloud check: control: an index line instead of the page"
sed "s#^--find-links .*#--extra-index-url $STANDIN#" "$WORK/requirements.txt" \
  > "$WORK/requirements-index.txt"
if (cd "$WORK/app" && uv pip install --dry-run --no-python-downloads --python "$PYTHON" \
      --target "$WORK/dry" -r "$WORK/requirements-index.txt") > "$WORK/control.log" 2>&1 \
   && grep -q "numpy==$(sed -n 's/^numpy==//p' "$WORK/app/requirements.txt")\$" "$WORK/control.log"; then
  echo "FAIL: with the stand-in as an extra index, uv still took the pinned numpy from PyPI:" \
    "the stand-in no longer plays the CPU index" >&2
  exit 1
fi
echo "uv with --extra-index-url fails:$(grep -m1 numpy "$WORK/control.log" | cut -c1-160)"

verify() {  # verify LABEL VENV_PYTHON: torch +cpu, exactly the pins, no nvidia-*
  "$2" - "$1" "$WORK/app/requirements.txt" <<'EOF'
import sys
from importlib.metadata import distributions

label, requirements = sys.argv[1], sys.argv[2]
pins = dict(
    line.split("#")[0].strip().split("==")
    for line in open(requirements)
    if "==" in line.split("#")[0] and not line.startswith("-")
)
installed = {d.metadata["Name"].lower(): d.version for d in distributions()}
wrong = {n: installed.get(n) for n, v in pins.items() if installed.get(n, "").split("+")[0] != v}
nvidia = sorted(n for n in installed if n.startswith("nvidia-"))
torch = installed.get("torch", "")
print(f"{label}: torch {torch}, pins {'all exact' if not wrong else wrong}, "
      f"{len(installed)} packages, nvidia-*: {nvidia or 'none'}")
if wrong or nvidia or not torch.endswith("+cpu"):
    sys.exit(f"FAIL: {label} did not install torch +cpu and exactly the pins")
EOF
}

echo "== cloud check: uv (Cloud's installer) into a fresh venv ($("$PYTHON" --version))"
start=$(date +%s)
uv venv -q --no-python-downloads --python "$PYTHON" "$WORK/uv-venv"
UVPY="$WORK/uv-venv/bin/python"
(cd "$WORK/app" && uv pip install -q --python "$UVPY" -r "$WORK/requirements.txt")
echo "installed in $(( $(date +%s) - start )) s, venv $(du -sh "$WORK/uv-venv" | cut -f1)"
verify uv "$UVPY"

echo "== cloud check: pip (Cloud's fallback) into a fresh venv"
start=$(date +%s)
"$PYTHON" -m venv "$WORK/pip-venv"
PIPPY="$WORK/pip-venv/bin/python"
# --no-compile: what is installed is the question here, not pip's bytecode (a minute saved).
(cd "$WORK/app" && "$PIPPY" -m pip install -q --no-compile -r "$WORK/requirements.txt") \
  2> "$WORK/pip.log" || {
  cat "$WORK/pip.log" >&2
  exit 1
}
echo "installed in $(( $(date +%s) - start )) s"
verify pip "$PIPPY"
# Both take everything but torch from PyPI, so they should agree on every package; where a
# newer release came out between the two installs they may not, which is reported, not failed.
uv pip freeze -q --python "$UVPY" > "$WORK/uv.freeze"
uv pip freeze -q --python "$PIPPY" | grep -v '^pip==' > "$WORK/pip.freeze"
if diff "$WORK/uv.freeze" "$WORK/pip.freeze" > "$WORK/freeze.diff"; then
  echo "uv and pip installed the same $(wc -l < "$WORK/uv.freeze") packages at the same versions"
else
  echo "uv and pip differ (< uv, > pip):"; grep '^[<>]' "$WORK/freeze.diff"
fi

echo "== cloud check: uv pip install -e . adds thermo_core and nothing else"
before="$(uv pip list -q --format freeze --python "$UVPY")"
(cd "$WORK/app" && uv pip install -q --python "$UVPY" -r "$WORK/requirements.txt" -e .)
added="$(diff <(echo "$before") <(uv pip list -q --format freeze --python "$UVPY") | grep '^[<>]' || true)"
(cd "$WORK" && "$UVPY" -c 'import thermo_core, sys; print("thermo_core from", thermo_core.__file__)')
if [ "$(echo "$added" | grep -vc 'mechanics-of-learning')" != 0 ]; then
  echo "FAIL: the project's dependencies disagree with requirements.txt: $added" >&2
  exit 1
fi

echo "== cloud check: the real CPU page"
if curl -sf --max-time 15 -o /dev/null "$CPU_PAGE"; then
  for py in 3.11 3.12 3.13; do
    (cd "$WORK/app" && uv pip install --dry-run --no-python-downloads --python "$PYTHON" \
       --python-version "$py" --python-platform x86_64-manylinux_2_31 --target "$WORK/dry-$py" \
       -r requirements.txt) > "$WORK/real-$py.log" 2>&1 || { cat "$WORK/real-$py.log" >&2; exit 1; }
    grep -q "torch==$TORCH_PIN+cpu" "$WORK/real-$py.log" \
      || { echo "FAIL: Python $py: uv did not pick torch $TORCH_PIN+cpu from $CPU_PAGE" >&2; exit 1; }
    echo "Python $py: uv resolves torch==$TORCH_PIN+cpu from $CPU_PAGE"
  done
else
  echo "SKIPPED: $CPU_PAGE cannot be reached from here: uv and pip were rehearsed against the" \
    "local stand-in only, not against PyTorch's real page"
fi

echo "== cloud check: every page under Cloud's forced settings"
mkdir -p "$REPO/artifacts"
"$PYTHON" "$WORK/app/benchmarks/memory.py" --python "$UVPY" --root "$WORK/app" \
  --sessions "${CLOUD_CHECK_SESSIONS:-10}" --log "$REPO/artifacts/cloud-check-server.log"
echo "== cloud check passed in $(( $(date +%s) - T0 )) s"
