#!/usr/bin/env bash
# Start N Streamlit replicas of the explorer behind nginx on this machine; Ctrl-C (or SIGTERM) stops all.
#
#   deploy/serve.sh 2                       # http://127.0.0.1:8080/
#   PORT=9000 PREFIX=/explorer deploy/serve.sh 4
#
# Environment: PORT (nginx, default 8080), BASE_PORT (first replica, default 8601), PREFIX (a path prefix),
# RUN_DIR (pids, logs, nginx.conf; default a fresh temporary folder), HOST (address to bind, 127.0.0.1).
set -euo pipefail
N="${1:-2}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PORT="${PORT:-8080}"
BASE_PORT="${BASE_PORT:-8601}"
PREFIX="${PREFIX:-}"
HOST="${HOST:-127.0.0.1}"
RUN_DIR="${RUN_DIR:-$(mktemp -d -t explorer-serve.XXXXXX)}"
mkdir -p "$RUN_DIR"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || { echo "nginx not found: apt-get install -y nginx" >&2; exit 1; }

# every replica must sign session cookies (XSRF, uploads) with the same secret
SECRET="${COOKIE_SECRET:-$(python -c 'import secrets; print(secrets.token_hex(24))')}"
PIDS=()
stop() {
  trap - INT TERM EXIT
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

UPSTREAMS=()
for i in $(seq 0 $((N - 1))); do
  port=$((BASE_PORT + i))
  # (Streamlit takes the cookie secret from the environment only, never from the command line)
  # MALLOC_ARENA_MAX=2: glibc's per-thread arenas hold freed memory of Streamlit's many script threads
  # (measured: about 20 MiB less per replica after every page, benchmarks/bench_pages.py's visits)
  # app.py's st.App loads the models before it listens (explorer/ui/startup.py): the health check below passes
  # only once a replica is warm, so no student's first deep link pays for the start-up
  STREAMLIT_SERVER_COOKIE_SECRET="$SECRET" MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" \
    python -m streamlit run "$ROOT/app.py" --server.headless=true \
    --server.address="$HOST" --server.port="$port" --server.baseUrlPath="$PREFIX" --server.fileWatcherType=none \
    --browser.gatherUsageStats=false > "$RUN_DIR/replica-$port.log" 2>&1 &
  PIDS+=($!)
  echo "$!" > "$RUN_DIR/replica-$port.pid"
  UPSTREAMS+=(--upstream "$HOST:$port")
done
for i in $(seq 0 $((N - 1))); do  # an active health check before any browser is sent there
  port=$((BASE_PORT + i))
  for _ in $(seq 1 180); do
    kill -0 "${PIDS[$i]}" 2>/dev/null || { echo "replica $port exited:" >&2; cat "$RUN_DIR/replica-$port.log" >&2; exit 1; }
    if python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://$HOST:$port${PREFIX%/}/_stcore/health', timeout=1).read() != b'ok')" 2>/dev/null; then
      break
    fi
    sleep 0.5
  done
done
python "$ROOT/deploy/render_nginx.py" "${UPSTREAMS[@]}" --listen "$HOST:$PORT" --run-dir "$RUN_DIR" \
  --prefix "$PREFIX" > "$RUN_DIR/nginx.conf"
"$NGINX" -t -q -c "$RUN_DIR/nginx.conf" -p "$RUN_DIR" 2>>"$RUN_DIR/error.log" || { cat "$RUN_DIR/error.log" >&2; exit 1; }
"$NGINX" -c "$RUN_DIR/nginx.conf" -p "$RUN_DIR" &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
echo "serving $N replicas at http://$HOST:$PORT${PREFIX}/ (logs in $RUN_DIR)"
# a replica that dies leaves the others serving (nginx routes around it); the script ends with nginx
wait "$NGINX_PID" || true
