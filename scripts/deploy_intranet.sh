#!/usr/bin/env bash
# Install and start the UEC Knowledge Gallery on this machine, in one command.
#
#   ./scripts/deploy_intranet.sh [--port P] [--host H] [--max-sessions N] [--daemon]
#   ./scripts/deploy_intranet.sh --stop | --status | --help
#
#   --port P          listen on port P (default: PORT from .env, else 8000)
#   --host H          listen on address H (default: HOST from .env, else 0.0.0.0; 127.0.0.1 behind a proxy)
#   --max-sessions N  live conversations at once (default: MAX_SESSIONS from .env, else 50)
#   --daemon          run in the background (pid file mygallery.pid, output in LOG_DIR/server.out);
#                     without it the server runs in the foreground until Ctrl-C
#   --stop            stop the background server (graceful: in-flight answers finish)
#   --status          say whether it runs, with its address and health; exit 1 when it does not
#
# Steps: checks Python >= 3.10, runs scripts/setup.sh (uv from pip when missing, exactly the pinned packages),
# copies .env.example to .env when there is none, brings the index up to date (`ingest`: builds it the first
# time, then re-indexes what changed; a no-op otherwise), refuses a port that is in use (naming the process when
# it can), starts the server, waits until /api/ready answers and prints the addresses of the chat page and the
# admin panel. Running it again while the server runs changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PID_FILE="$ROOT/mygallery.pid"
PY="$ROOT/.venv/bin/python"

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "deploy: $*" >&2; exit 1; }

ACTION=start DAEMON=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --port) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; export PORT="$2"; shift 2 ;;
        --host) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; export HOST="$2"; shift 2 ;;
        --max-sessions) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; export MAX_SESSIONS="$2"; shift 2 ;;
        --daemon) DAEMON=1; shift ;;
        --stop) ACTION=stop; shift ;;
        --status) ACTION=status; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "deploy: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done

running_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null \
        && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "mygallery serve"; then
        echo "$pid"
        return 0
    fi
    rm -f "$PID_FILE"  # a stale pid file from a crash or reboot
    return 1
}

# The effective settings (.env + environment + options), as the server itself will read them.
settings() {
    "$PY" - <<'EOF'
import sys
from mygallery.config import load_settings
from mygallery.errors import ConfigError
try:
    s = load_settings()
except ConfigError as exc:
    print(exc, file=sys.stderr)
    sys.exit(2)
print(s.host, s.port, s.log_dir, s.index_dir)
EOF
}

local_url() {  # the address to reach the server from this machine
    local host="$1" port="$2"
    case "$host" in 0.0.0.0|"") echo "http://127.0.0.1:$port" ;; ::) echo "http://[::1]:$port" ;; *:*) echo "http://[$host]:$port" ;; *) echo "http://$host:$port" ;; esac
}

http_get() {  # prints the HTTP status of GET $1 (000 when nothing answers)
    "$PY" - "$1" <<'EOF'
import sys, urllib.request, urllib.error
try:
    with urllib.request.urlopen(sys.argv[1], timeout=3) as r:
        print(r.status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print("000")
EOF
}

stop_server() {
    local pid
    if ! pid="$(running_pid)"; then
        echo "deploy: the gallery is not running"
        return 0
    fi
    echo "deploy: stopping the gallery (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$PID_FILE"; echo "deploy: stopped"; return 0; }
        sleep 0.1
    done
    echo "deploy: still running after 30 s; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$PID_FILE"
}

status() {
    local pid
    if ! pid="$(running_pid)"; then
        echo "deploy: the gallery is not running"
        return 1
    fi
    local url
    url="$(cat "$ROOT/.mygallery.url" 2>/dev/null || echo "")"
    echo "deploy: the gallery is running (pid $pid) at ${url:-an unknown address}"
    if [[ -n "$url" ]]; then
        echo "deploy: health $(http_get "$url/api/health"), ready $(http_get "$url/api/ready")"
    fi
    return 0
}

case "$ACTION" in
    stop) [[ -x "$PY" ]] || { echo "deploy: the gallery is not installed"; exit 0; }; stop_server; exit 0 ;;
    status) [[ -x "$PY" ]] || { echo "deploy: the gallery is not installed"; exit 1; }; status; exit $? ;;
esac

# --- start ------------------------------------------------------------------------------------------------
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; install Python 3.10 or newer"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
    || die "Python 3.10 or newer is required, found $("$PYTHON" -V 2>&1)"

if [[ -x "$PY" ]] && pid="$(running_pid)"; then
    echo "deploy: the gallery is already running (pid $pid) at $(cat "$ROOT/.mygallery.url" 2>/dev/null || echo '?')"
    echo "deploy: stop it first with $0 --stop"
    exit 0
fi

./scripts/setup.sh
if [[ ! -f .env ]]; then
    cp .env.example .env
    echo "deploy: created .env from .env.example (edit it to set ADMIN_TOKEN, an LLM, ...)"
fi

read -r HOST_EFF PORT_EFF LOG_DIR_EFF INDEX_DIR_EFF < <(settings) || die "fix the configuration above"
mkdir -p "$LOG_DIR_EFF"

# Refuse a port in use, naming the process that holds it when we can see it.
if ! holder="$("$PY" - "$HOST_EFF" "$PORT_EFF" <<'EOF'
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
family = socket.AF_INET6 if ":" in host else socket.AF_INET
probe = socket.socket(family)
probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    probe.bind((host, port))
except OSError:
    name = "another process"
    try:
        import psutil
        for conn in psutil.net_connections("inet"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
                proc = psutil.Process(conn.pid)
                name = f"{proc.name()} (pid {conn.pid}: {' '.join(proc.cmdline())[:80]})"
                break
    except Exception:
        pass
    print(name)
    sys.exit(1)
finally:
    probe.close()
EOF
)"; then
    die "port $PORT_EFF on $HOST_EFF is already in use by $holder; choose another with --port"
fi

# Always: a no-op when nothing changed, the first build on a fresh machine, changed documents re-indexed, and an
# index made by an older version (another layout) rebuilt — the server itself only loads what is there.
echo "deploy: bringing the index up to date"
"$PY" -m mygallery ingest

URL="$(local_url "$HOST_EFF" "$PORT_EFF")"
echo "$URL" > "$ROOT/.mygallery.url"
"$PY" -m mygallery serve >> "$LOG_DIR_EFF/server.out" 2>&1 &
SERVER_PID=$!
echo "$SERVER_PID" > "$PID_FILE"

if [[ $DAEMON -eq 0 ]]; then
    trap 'kill -TERM $SERVER_PID 2>/dev/null; wait $SERVER_PID; rm -f "$PID_FILE"; exit 0' INT TERM
fi

for _ in $(seq 1 600); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        rm -f "$PID_FILE"
        echo "deploy: the server exited during start-up; last lines of $LOG_DIR_EFF/server.out:" >&2
        tail -n 20 "$LOG_DIR_EFF/server.out" >&2
        exit 1
    fi
    [[ "$(http_get "$URL/api/ready")" == "200" ]] && break
    sleep 0.2
done
[[ "$(http_get "$URL/api/ready")" == "200" ]] || die "the server did not become ready in 120 s; see $LOG_DIR_EFF/server.log"

echo "deploy: the UEC Knowledge Gallery is ready (pid $SERVER_PID)"
echo "  chat page:   $URL/"
echo "  admin panel: $URL/admin"
if [[ "$HOST_EFF" == "0.0.0.0" ]]; then
    for ip in $(hostname -I 2>/dev/null); do [[ "$ip" == *:* ]] || echo "  on the intranet: http://$ip:$PORT_EFF/"; done
fi
echo "  logs:        $LOG_DIR_EFF/server.log"
if [[ $DAEMON -eq 1 ]]; then
    echo "deploy: running in the background; stop it with $0 --stop"
else
    echo "deploy: running in the foreground; Ctrl-C stops it"
    wait "$SERVER_PID" || true
    rm -f "$PID_FILE"
fi
