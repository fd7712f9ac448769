#!/usr/bin/env bash
# Several app servers on this machine behind one sticky proxy, for a class bigger than one
# server process can carry (README "A bigger class: several servers").
#
#   bash scripts/serve.sh --replicas 2 [--port 8501] [--no-sticky]
#
# Starts N `streamlit run` replicas on free loopback ports and HAProxy (Debian's haproxy,
# installed here if missing) on 127.0.0.1:PORT in front of them, prints the one URL to open,
# and stops everything on Ctrl-C. Streamlit keeps each learner's session in one process on
# one websocket, so HAProxy pins each browser to one replica with a cookie (SERVERID), keeps
# websockets open for an hour of thinking (timeout tunnel), and takes a replica out of the
# rotation when /_stcore/health stops answering; its learners then reconnect to another
# replica, where the page reruns from the settings in its URL. Each response names its
# replica in an X-Replica header (tests/test_proxy_browser.py uses it).
# Everything listens on 127.0.0.1 only. --no-sticky leaves the cookie out, so every request
# goes to the least busy replica: never for a class, only to watch what the cookie prevents
# (a download or upload reaching a replica that does not hold the session answers 404 or 400;
# tests/test_proxy_browser.py runs that way under PROXY_STICKY=0 to show its tests can fail).
set -euo pipefail
cd "$(dirname "$0")/.."

REPLICAS=2
PORT=8501
STICKY=1
PYTHON="${PYTHON:-python}"
usage() { echo "usage: $0 [--replicas N] [--port PORT] [--no-sticky]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --replicas) REPLICAS="${2:-}"; shift 2 || usage ;;
    --port) PORT="${2:-}"; shift 2 || usage ;;
    --no-sticky) STICKY=0; shift ;;
    -h|--help) usage ;;
    *) usage ;;
  esac
done
[[ "$REPLICAS" =~ ^[1-9][0-9]*$ && "$PORT" =~ ^[1-9][0-9]*$ ]] || usage

if ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then
  echo "== installing HAProxy from Debian's packages"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
fi
HAPROXY="$(command -v haproxy || echo /usr/sbin/haproxy)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/serve.XXXXXX")"
PIDS=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
  echo "== stopped"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Free loopback ports for the replicas, asked of the kernel all at once so none repeats.
read -r -a PORTS <<< "$("$PYTHON" - "$REPLICAS" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)"

# One cookie secret for every replica: Streamlit signs its XSRF cookie with it, so a browser
# moved to another replica (its own one stopped) can still upload a file.
STREAMLIT_SERVER_COOKIE_SECRET="$("$PYTHON" -c 'import secrets; print(secrets.token_hex(32))')"
export STREAMLIT_SERVER_COOKIE_SECRET STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

SERVERS=""
COOKIE="    cookie SERVERID insert indirect nocache httponly"
if [ "$STICKY" = 0 ]; then
  COOKIE="    # --no-sticky: no cookie, so each request goes wherever leastconn sends it."
fi
for i in $(seq 1 "$REPLICAS"); do
  p="${PORTS[$((i - 1))]}"
  "$PYTHON" -m streamlit run streamlit_app.py --server.headless true \
    --server.address 127.0.0.1 --server.port "$p" --server.fileWatcherType none \
    --browser.gatherUsageStats false > "$WORK/r$i.log" 2>&1 < /dev/null &
  PIDS+=("$!")
  echo "replica r$i: http://127.0.0.1:$p pid $! log $WORK/r$i.log"
  SERVERS+="    server r$i 127.0.0.1:$p check$([ "$STICKY" = 0 ] || echo " cookie r$i")"$'\n'
done

# Wait until every port given answers /_stcore/health (a replica: start-up compiles and warms
# caches; the proxy: it binds its port a moment after it starts).
wait_healthy() {
  "$PYTHON" - "$@" <<'PY'
import sys, time, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
deadline = time.monotonic() + 180
for port in sys.argv[1:]:
    while True:
        try:
            with opener.open(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"port {port} did not answer /_stcore/health within 180 s")
        time.sleep(0.3)
PY
}
wait_healthy "${PORTS[@]}"

cat > "$WORK/haproxy.cfg" <<CFG
global
    maxconn 2000

defaults
    mode http
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    # A websocket is one long tunnel: an idle learner keeps it for an hour.
    timeout tunnel 1h
    timeout http-request 30s
    # A request whose replica refuses the connection goes to another one.
    option redispatch
    retries 2

frontend class
    bind 127.0.0.1:$PORT
    default_backend replicas

backend replicas
    # New browsers go to the replica with the fewest open connections (websockets).
    balance leastconn
    # The first response sets SERVERID; every later request of that browser, its websocket
    # included, goes to the same replica while it is up.
$COOKIE
    option httpchk GET /_stcore/health
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
    http-response set-header X-Replica %s
$SERVERS
CFG
"$HAPROXY" -c -q -f "$WORK/haproxy.cfg"
"$HAPROXY" -db -f "$WORK/haproxy.cfg" > "$WORK/haproxy.log" 2>&1 < /dev/null &
HAPROXY_PID=$!
PIDS+=("$HAPROXY_PID")
echo "proxy: pid $HAPROXY_PID log $WORK/haproxy.log"
wait_healthy "$PORT"
echo "== $REPLICAS replica(s) behind HAProxy. Open http://127.0.0.1:$PORT  (Ctrl-C stops all)"
wait "$HAPROXY_PID"
