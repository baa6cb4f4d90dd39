#!/usr/bin/env bash
# Install and start the UEC Knowledge Gallery on this machine, in one command.
#
#   ./scripts/deploy_intranet.sh [--port P] [--host H] [--max-sessions N] [--instances N] [--daemon]
#   ./scripts/deploy_intranet.sh --stop | --status | --help
#
#   --port P          listen on port P (default: PORT from .env, else 8000)
#   --host H          listen on address H (default: HOST from .env, else 0.0.0.0; 127.0.0.1 behind a proxy)
#   --max-sessions N  live conversations at once (default: MAX_SESSIONS from .env, else 50)
#   --instances N     cluster mode: N server processes on ports P ... P+N-1 sharing one Redis (REDIS_URL, or
#                     a local redis-server with append-only persistence in data/redis/ when REDIS_URL is unset),
#                     and the nginx upstream block for them written to nginx-upstream.conf
#   --daemon          run in the background (pid file mygallery.pid, output in LOG_DIR/server.out);
#                     without it the server runs in the foreground until Ctrl-C
#   --stop            stop the background server(s) (graceful: in-flight answers finish) and the local Redis
#   --status          whether it runs: address, health and readiness of each instance; exit 1 unless all run
#
# Steps: checks Python >= 3.10, runs scripts/setup.sh (uv from pip when missing, exactly the pinned packages),
# copies .env.example to .env when there is none, brings the index up to date (`ingest`: builds it the first
# time, then re-indexes what changed; a no-op otherwise), refuses a port that is in use (naming the process when
# it can), starts the server, waits until /api/ready answers and prints the addresses of the chat page and the
# admin panel. Running it again while the server runs changes nothing. With --instances N: the same for each of
# N processes (SESSION_STORE=redis), one pid and one address per line in mygallery.pid and .mygallery.url.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PID_FILE="$ROOT/mygallery.pid"
URL_FILE="$ROOT/.mygallery.url"
UPSTREAM_FILE="$ROOT/nginx-upstream.conf"
REDIS_DIR="$ROOT/data/redis"
PY="$ROOT/.venv/bin/python"

usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "deploy: $*" >&2; exit 1; }

ACTION=start DAEMON=0 INSTANCES=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --port) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; export PORT="$2"; shift 2 ;;
        --host) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; export HOST="$2"; shift 2 ;;
        --max-sessions) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; export MAX_SESSIONS="$2"; shift 2 ;;
        --instances)
            [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]?$ ]] || { echo "deploy: --instances takes a number from 1 to 99" >&2; usage >&2; exit 2; }
            INSTANCES="$2"; shift 2 ;;
        --daemon) DAEMON=1; shift ;;
        --stop) ACTION=stop; shift ;;
        --status) ACTION=status; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "deploy: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done

is_server() {  # whether pid $1 is a gallery server
    [[ "$1" =~ ^[0-9]+$ ]] && kill -0 "$1" 2>/dev/null \
        && tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -q "mygallery serve"
}

running_pid() {  # the servers of mygallery.pid still running, on one line; a stale pid file is removed
    [[ -f "$PID_FILE" ]] || return 1
    local pid found=()
    while read -r pid; do
        if is_server "$pid"; then found+=("$pid"); fi
    done < "$PID_FILE"
    if [[ ${#found[@]} -eq 0 ]]; then
        rm -f "$PID_FILE"  # a stale pid file from a crash or reboot
        return 1
    fi
    echo "${found[*]}"
}

local_redis_pid() {  # the redis-server this script started in data/redis/, when it runs
    local pid
    pid="$(cat "$REDIS_DIR/redis.pid" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && grep -q redis "/proc/$pid/cmdline" 2>/dev/null; then
        echo "$pid"
        return 0
    fi
    return 1
}

# The effective settings (.env + environment + options), as the server itself will read them; the last two
# fields say whether CPU_AFFINITY and TRUSTED_PROXIES were set by the operator. In cluster mode ($1 > 0) a
# REDIS_URL may be missing: the local Redis started below provides it.
settings() {
    "$PY" - "$1" <<'EOF'
import os, sys
from dotenv import dotenv_values
from mygallery.config import load_settings
from mygallery.errors import ConfigError
given = {**(dotenv_values(".env") if os.path.isfile(".env") else {}), **os.environ}
environ = dict(os.environ)
if int(sys.argv[1]) > 0 and not (given.get("REDIS_URL") or "").strip():
    environ["SESSION_STORE"] = "sqlite"  # checked again by each server, with the local Redis's URL
try:
    s = load_settings(environ)
except ConfigError as exc:
    print(exc, file=sys.stderr)
    sys.exit(2)
print(s.host, s.port, s.log_dir, s.index_dir, s.redis_url or "-",
      int(bool((given.get("CPU_AFFINITY") or "").strip())), int(bool(s.trusted_proxies)))
EOF
}

reach_host() {  # the host part of an address this machine reaches a server listening on $1 at
    case "$1" in 0.0.0.0|"") echo 127.0.0.1 ;; ::) echo "[::1]" ;; *:*) echo "[$1]" ;; *) echo "$1" ;; esac
}

local_url() {  # the address to reach the server from this machine
    echo "http://$(reach_host "$1"):$2"
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

terminate() {  # SIGTERM to the pids after $1, up to 30 s for them to exit, then SIGKILL (said on stderr unless $1 is "")
    local what="$1" pid left=""
    shift
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 300); do
        left=""
        for pid in "$@"; do kill -0 "$pid" 2>/dev/null && left+="$pid "; done
        [[ -n "$left" ]] || return 0
        sleep 0.1
    done
    [[ -z "$what" ]] || echo "deploy: $what: still running after 30 s; sending SIGKILL to $left" >&2
    for pid in $left; do kill -KILL "$pid" 2>/dev/null || true; done
}

stop_local_redis() {
    local pid
    pid="$(local_redis_pid)" || return 0
    echo "deploy: stopping the local Redis (pid $pid; it writes its append-only file first)"
    terminate "" "$pid"
}

stop_server() {
    local pids
    if ! pids="$(running_pid)"; then
        echo "deploy: the gallery is not running"
        stop_local_redis
        return 0
    fi
    echo "deploy: stopping the gallery (pid $pids)"
    # shellcheck disable=SC2086  # one pid per word
    terminate "the gallery" $pids
    rm -f "$PID_FILE"
    echo "deploy: stopped"
    stop_local_redis
}

status() {
    local pids=() urls=() up=0 i redis_pid
    if [[ -f "$PID_FILE" ]]; then mapfile -t pids < "$PID_FILE"; fi
    if [[ -f "$URL_FILE" ]]; then mapfile -t urls < "$URL_FILE"; fi
    if ! running_pid >/dev/null; then
        echo "deploy: the gallery is not running"
        return 1
    fi
    if [[ ${#pids[@]} -eq 1 ]]; then
        echo "deploy: the gallery is running (pid ${pids[0]}) at ${urls[0]:-an unknown address}"
        if [[ -n "${urls[0]:-}" ]]; then
            echo "deploy: health $(http_get "${urls[0]}/api/health"), ready $(http_get "${urls[0]}/api/ready")"
        fi
        return 0
    fi
    for i in "${!pids[@]}"; do
        if is_server "${pids[$i]}"; then
            up=$((up + 1))
            echo "deploy: instance $((i + 1)) running (pid ${pids[$i]}) at ${urls[$i]:-?}:" \
                 "health $(http_get "${urls[$i]}/api/health"), ready $(http_get "${urls[$i]}/api/ready")"
        else
            echo "deploy: instance $((i + 1)) at ${urls[$i]:-?} is not running (pid ${pids[$i]} is gone)"
        fi
    done
    if redis_pid="$(local_redis_pid)"; then
        echo "deploy: Redis: local redis-server (pid $redis_pid) at unix://$REDIS_DIR/redis.sock, append-only"
    else
        echo "deploy: Redis: REDIS_URL of the configuration (not started here)"
    fi
    echo "deploy: $up of ${#pids[@]} instances running; nginx upstream block in $UPSTREAM_FILE"
    [[ $up -eq ${#pids[@]} ]]
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
    echo "deploy: the gallery is already running (pid $pid) at $(tr '\n' ' ' < "$URL_FILE" 2>/dev/null || echo '?')"
    echo "deploy: stop it first with $0 --stop"
    exit 0
fi

./scripts/setup.sh
if [[ ! -f .env ]]; then
    cp .env.example .env
    echo "deploy: created .env from .env.example (edit it to set ADMIN_TOKEN, an LLM, ...)"
fi

read -r HOST_EFF PORT_EFF LOG_DIR_EFF INDEX_DIR_EFF REDIS_URL_EFF AFFINITY_GIVEN PROXIES_GIVEN < <(settings "$INSTANCES") \
    || die "fix the configuration above"
mkdir -p "$LOG_DIR_EFF"
COUNT=$((INSTANCES > 0 ? INSTANCES : 1))
(( PORT_EFF + COUNT - 1 <= 65535 )) || die "ports $PORT_EFF to $((PORT_EFF + COUNT - 1)) are not all port numbers"

# Refuse a port in use, naming the process that holds it when we can see it.
port_holder() {
    "$PY" - "$HOST_EFF" "$1" <<'EOF'
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
}
for ((i = 0; i < COUNT; i++)); do
    if ! holder="$(port_holder $((PORT_EFF + i)))"; then
        die "port $((PORT_EFF + i)) on $HOST_EFF is already in use by $holder; choose another with --port"
    fi
done

# Cluster mode: the instances share one Redis — REDIS_URL, or a local redis-server started here with
# append-only persistence, fsynced before every reply (a turn a user saw survives a power cut; README).
redis_answers() {
    "$PY" -c 'import redis, sys; redis.Redis.from_url(sys.argv[1], socket_timeout=1).ping()' "$1" 2>/dev/null
}
if [[ $INSTANCES -gt 0 ]]; then
    export SESSION_STORE=redis
    if [[ "$REDIS_URL_EFF" == "-" ]]; then
        REDIS_SERVER="$(command -v redis-server || true)"
        [[ -n "$REDIS_SERVER" ]] || die "cluster mode needs Redis: set REDIS_URL, or install redis-server"
        mkdir -p "$REDIS_DIR"
        chmod 700 "$REDIS_DIR"
        SOCKET="$REDIS_DIR/redis.sock"
        (( ${#SOCKET} < 100 )) || die "the socket path $SOCKET is too long for a unix socket; set REDIS_URL"
        if ! local_redis_pid >/dev/null; then
            echo "deploy: starting a local Redis (append-only, appendfsync always) in $REDIS_DIR"
            "$REDIS_SERVER" --port 0 --unixsocket "$SOCKET" --unixsocketperm 700 --dir "$REDIS_DIR" \
                --appendonly yes --appendfsync always --save "" --daemonize yes \
                --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" \
                || die "redis-server did not start; see $REDIS_DIR/redis.log"
        fi
        export REDIS_URL="unix://$SOCKET"
    else
        export REDIS_URL="$REDIS_URL_EFF"
    fi
    for _ in $(seq 1 100); do redis_answers "$REDIS_URL" && break; sleep 0.1; done
    redis_answers "$REDIS_URL" || die "Redis at $REDIS_URL does not answer"
    if [[ "$PROXIES_GIVEN" == "0" ]]; then
        export TRUSTED_PROXIES=127.0.0.1  # nginx on this machine: rate limits count the X-Forwarded-For client
    fi
fi

# Always: a no-op when nothing changed, the first build on a fresh machine, changed documents re-indexed, and an
# index made by an older version (another layout) rebuilt — the server itself only loads what is there.
echo "deploy: bringing the index up to date"
"$PY" -m mygallery ingest

# One process per port. Instances get a log folder each (one rotating server.log per process) and, unless
# CPU_AFFINITY is set, a CPU each, round-robin from the highest: `auto` would put them all on the same one.
read -r -a CPUS < <("$PY" -c 'import os; print(*sorted(os.sched_getaffinity(0), reverse=True))')
PIDS=() URLS=() LOGS=()
: > "$PID_FILE"
: > "$URL_FILE"
for ((i = 0; i < COUNT; i++)); do
    port=$((PORT_EFF + i))
    log_dir="$LOG_DIR_EFF"
    affinity="${CPU_AFFINITY:-}"
    if [[ $INSTANCES -gt 0 ]]; then
        log_dir="$LOG_DIR_EFF/instance-$port"
        mkdir -p "$log_dir"
        if [[ $INSTANCES -gt 1 && "$AFFINITY_GIVEN" == "0" ]]; then affinity="${CPUS[$((i % ${#CPUS[@]}))]}"; fi
    fi
    # env execs the server: $! is its pid (CPU_AFFINITY only when set: an empty one would be a bad setting)
    env PORT="$port" LOG_DIR="$log_dir" ${affinity:+"CPU_AFFINITY=$affinity"} "$PY" -m mygallery serve \
        >> "$log_dir/server.out" 2>&1 &
    PIDS+=($!)
    URLS+=("$(local_url "$HOST_EFF" "$port")")
    LOGS+=("$log_dir")
    echo "${PIDS[$i]}" >> "$PID_FILE"
    echo "${URLS[$i]}" >> "$URL_FILE"
done

if [[ $DAEMON -eq 0 ]]; then
    trap 'kill -TERM "${PIDS[@]}" 2>/dev/null; wait "${PIDS[@]}"; rm -f "$PID_FILE"; stop_local_redis; exit 0' INT TERM
fi

for ((i = 0; i < COUNT; i++)); do
    for _ in $(seq 1 600); do
        if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
            kill -TERM "${PIDS[@]}" 2>/dev/null || true
            rm -f "$PID_FILE"
            echo "deploy: the server of ${URLS[$i]} exited during start-up; last lines of ${LOGS[$i]}/server.out:" >&2
            tail -n 20 "${LOGS[$i]}/server.out" >&2
            exit 1
        fi
        [[ "$(http_get "${URLS[$i]}/api/ready")" == "200" ]] && break
        sleep 0.2
    done
    [[ "$(http_get "${URLS[$i]}/api/ready")" == "200" ]] \
        || die "the server of ${URLS[$i]} did not become ready in 120 s; see ${LOGS[$i]}/server.log"
done

URL="${URLS[0]}"
if [[ $INSTANCES -gt 0 ]]; then
    upstream="$(reach_host "$HOST_EFF")"
    {
        echo "# Written by deploy_intranet.sh --instances $COUNT: put it in place of the upstream block of"
        echo "# deploy/nginx-mygallery.conf (round-robin, passive health checks), then: nginx -t && nginx -s reload"
        echo "upstream mygallery_backend {"
        for ((i = 0; i < COUNT; i++)); do echo "    server $upstream:$((PORT_EFF + i)) max_fails=2 fail_timeout=10s;"; done
        echo "    keepalive 32;"
        echo "}"
    } > "$UPSTREAM_FILE"
    echo "deploy: $COUNT instances of the UEC Knowledge Gallery are ready (pids ${PIDS[*]}), sharing Redis at $REDIS_URL"
    for ((i = 0; i < COUNT; i++)); do echo "  instance $((i + 1)): ${URLS[$i]}/  (logs in ${LOGS[$i]})"; done
    echo "deploy: nginx upstream block for them, also in $UPSTREAM_FILE:"
    sed -n '/^upstream/,/^}/p' "$UPSTREAM_FILE" | sed 's/^/    /'
else
    echo "deploy: the UEC Knowledge Gallery is ready (pid ${PIDS[0]})"
fi
echo "  chat page:   $URL/"
echo "  admin panel: $URL/admin"
if [[ "$HOST_EFF" == "0.0.0.0" ]]; then
    for ip in $(hostname -I 2>/dev/null); do [[ "$ip" == *:* ]] || echo "  on the intranet: http://$ip:$PORT_EFF/"; done
fi
[[ $INSTANCES -gt 0 ]] || echo "  logs:        $LOG_DIR_EFF/server.log"
if [[ $DAEMON -eq 1 ]]; then
    echo "deploy: running in the background; stop it with $0 --stop"
else
    echo "deploy: running in the foreground; Ctrl-C stops it"
    wait "${PIDS[@]}" || true
    rm -f "$PID_FILE"
    stop_local_redis
fi
