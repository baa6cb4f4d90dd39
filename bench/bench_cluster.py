"""Cluster benchmark: what N instances behind nginx on one Redis serve, and what one Redis sustains.

Measured, in one run:
1. **Redis alone** — the cluster's own Lua scripts driven by `redis-benchmark` (50 clients, unix socket): a turn's
   append (question + a 1.5 kB answer), taking a turn lock, the read-through of a 10-turn conversation, a
   session create, a rate check; with `appendfsync always` (what deploy_intranet.sh starts) and `everysec`.
   Besides the rate, Redis's own CPU time per operation (from /proc), which says what one Redis core sustains
   when nothing else competes for it.
2. **The cache question** — from Python, one client: reading a 10- and a 50-turn conversation (the READ script)
   against the cheapest check a cache that stays correct would still need on every read (HGET last_active).
3. **Through nginx** — extractive `POST /api/chat` with a distinct question per request (bench_server.py's wrk
   script; no session id, so every request also creates a conversation: create, read, turn lock, append),
   against 1, 2 and 3 instances (`SESSION_STORE=redis`, CPUs given round-robin as deploy_intranet.sh does)
   behind the shipped nginx site; and, for reference, one instance with SQLite (the default) straight and
   through nginx. Per configuration: req/s, p50/p99 (wrk medians of --repeats runs) and the CPU time per chat
   of the instances (with their answer processes), Redis and nginx, from /proc around each run.

    .venv/bin/python bench/bench_cluster.py                          # about 6 minutes; needs wrk, nginx, redis
    .venv/bin/python bench/bench_cluster.py --duration 5 --repeats 1 # a quick look

Writes bench/results/cluster-<time>.json (and cluster-latest.json); bench/README.md "Cluster" reads them.
Non-goals: several machines (the sizing in bench/README.md extrapolates from the CPU per chat), LLM answers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_server import CHAT_LUA, bundled_questions, lua_questions, repeated, wrk  # noqa: E402
from common import ROOT, machine, say, table, write_results  # noqa: E402

from mygallery.ops.llama_server import free_port  # noqa: E402
from mygallery.sessions import cluster_scripts as lua  # noqa: E402
from mygallery.sessions.cluster import ClusterSessionManager  # noqa: E402
from mygallery.sessions.redis_link import RedisLink  # noqa: E402
from mygallery.web.redis_rate_limit import _TAKE as RATE_TAKE  # noqa: E402

PYTHON = sys.executable
# A stored turn of the bundled corpus is 2.9 kB on average (answer with its five sources); this one is 2.8 kB.
ANSWER = json.dumps({"role": "assistant", "content": "Reliable Unordered Delivery guarantees ... [1] " * 25,
                     "answered": True, "sources": [{"n": n, "doc": "delivery-modes.md", "snippet": "x" * 240}
                                                   for n in range(1, 6)]})
QUESTION = json.dumps({"role": "user", "content": "What does RUD guarantee?"})


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes and their children (answer processes), now."""
    total = 0.0
    for pid in pids:
        try:
            process = psutil.Process(pid)
            for each in [process, *process.children(recursive=True)]:
                times = each.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            pass
    return total


class Redis:
    """A private redis-server on a unix socket, append-only."""

    def __init__(self, folder: Path, appendfsync: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.socket = folder / "redis.sock"
        self.process = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", str(self.socket),
                                         "--dir", str(folder), "--appendonly", "yes", "--appendfsync", appendfsync,
                                         "--save", ""], stdout=subprocess.DEVNULL)
        self.url = f"unix://{self.socket}"
        self.client = redis.Redis.from_url(self.url, decode_responses=True)
        for _ in range(100):
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def redis_benchmark(server: Redis, args: list[str], requests: int) -> dict:
    before = cpu_seconds([server.process.pid])
    output = subprocess.run(["redis-benchmark", "-s", str(server.socket), "-n", str(requests), "-c", "50", "-r",
                             "1000", "-q", *args], capture_output=True, text=True, check=True).stdout
    spent = cpu_seconds([server.process.pid]) - before
    rate = float(re.findall(r"([\d.]+) requests per second", output)[-1])
    return {"ops_per_s": round(rate), "redis_cpu_us_per_op": round(spent / requests * 1e6, 1),
            "ops_per_redis_core_s": round(requests / spent) if spent else None}


def measure_redis(work: Path, appendfsync: str, requests: int) -> dict:
    server = Redis(work / f"redis-{appendfsync}", appendfsync)
    try:
        client = server.client
        sha = {name: client.script_load(text) for name, text in
               (("append", lua.APPEND), ("take", lua.TAKE_TURN), ("read", lua.READ), ("create", lua.CREATE),
                ("rate", RATE_TAKE))}
        # redis-benchmark draws each __rand_int__ of a command on its own, so one command's keys name different
        # conversations of the same kind: the work per call is right, the pairing is not (it need not be).
        for n in range(1000):  # 1,000 conversations of 10 turns, which read and take find; 1,000 to append to
            for session_id in (f"{n:012d}", f"a{n:012d}"):
                client.evalsha(sha["create"], 4, *lua.keys(session_id), session_id, 10**9, 3600)
            client.rpush(lua.keys(f"{n:012d}")[1], *([QUESTION, ANSWER] * 10))
        key = lua.keys("__rand_int__")
        cases = {
            "take a turn lock (history held)": ["EVALSHA", sha["take"], "4", *key, "__rand_int__", "3600", "bench",
                                                "60000", "20"],
            "read a 10-turn conversation": ["EVALSHA", sha["read"], "4", *key, "__rand_int__", "3600", "0"],
            "check a 10-turn conversation (cached)": ["EVALSHA", sha["read"], "4", *key, "__rand_int__", "3600",
                                                      "20"],
            "rate check": ["EVALSHA", sha["rate"], "1", "mygallery:rate:__rand_int__", "1000000000", "1000"],
            "turn append (question + answer)": ["EVALSHA", sha["append"], "4", *lua.keys("a__rand_int__"),
                                                "a__rand_int__", "t__rand_int____rand_int__", QUESTION, ANSWER],
        }
        results = {name: redis_benchmark(server, command, requests) for name, command in cases.items()}
        results["create a session"] = redis_benchmark(server, ["EVALSHA", sha["create"], "4",
                                                               *lua.keys("new__rand_int____rand_int__"),
                                                               "new__rand_int____rand_int__", "1000000000", "3600"],
                                                      requests)
        return results
    finally:
        server.stop()


def measure_cache(work: Path, loops: int = 2000) -> dict:
    """ClusterSessionManager.get() of a 10- and a 50-turn conversation, µs per call, one client: without the
    history cache (every read sends the whole history), with it (Redis sends only what is new: here nothing),
    and with it while another instance adds a turn between reads (the round-robin case)."""
    server = Redis(work / "redis-cache", "everysec")
    managers = [ClusterSessionManager(RedisLink(server.url), max_sessions=10**6, timeout_seconds=3600,
                                      cleanup_interval=3600, turn_lock_seconds=60, cache_bytes=size)
                for size in (0, 32 * 2**20)]
    try:
        out = {}
        for turns in (10, 50):
            session_id = managers[0].create().id
            messages_key = lua.keys(session_id)[1]
            server.client.rpush(messages_key, *([QUESTION, ANSWER] * turns))
            for label, manager, grows in (("no cache", managers[0], False), ("cache", managers[1], False),
                                          ("cache, a turn added elsewhere between reads", managers[1], True)):
                whole = manager.get(session_id).encoded
                spent = 0.0
                for _ in range(loops):
                    if grows:  # the cache holds all but the last turn, which another instance just added
                        server.client.ltrim(messages_key, 0, len(whole) - 3)
                        manager.cache.forget(session_id)
                        manager.cache.keep(session_id, whole[:-2], 0)
                        server.client.rpush(messages_key, *whole[-2:])
                    started = time.perf_counter()
                    manager.get(session_id)
                    spent += time.perf_counter() - started
                out[f"{turns} turns: {label}"] = round(spent / loops * 1e6, 1)
        return out
    finally:
        for manager in managers:
            manager.close()
        server.stop()


def nginx_site(ports: list[int], listen: int) -> str:
    site = (ROOT / "deploy" / "nginx-mygallery.conf").read_text()
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=2 fail_timeout=10s;\n" for port in ports)
    site = re.sub(r"(upstream mygallery_backend \{\n)(?:.*\n)*?(    keepalive)", rf"\g<1>{servers}\g<2>", site)
    return site.replace("listen 80;", f"listen 127.0.0.1:{listen};").replace("listen [::]:80;", "")


def start_nginx(work: Path, ports: list[int]) -> tuple[subprocess.Popen, int]:
    listen = free_port()
    (work / "site.conf").write_text(nginx_site(ports, listen))
    temp = " ".join(f"{kind}_temp_path {work / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                     "scgi"))
    (work / "nginx.conf").write_text(f"daemon off;\nmaster_process off;\npid {work / 'nginx.pid'};\n"
                                     f"error_log {work / 'nginx.log'};\nevents {{ worker_connections 4096; }}\n"
                                     f"http {{ access_log off; {temp} include {work / 'site.conf'}; }}\n")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([nginx, "-p", str(work), "-e", str(work / "nginx.log"), "-c", str(work / "nginx.conf")])
    wait_ready(f"http://127.0.0.1:{listen}/api/health")
    return process, listen


def wait_ready(url: str, timeout: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready")


def start_instances(work: Path, index_dir: Path, count: int, store: str, redis_url: str,
                    extra: dict[str, str]) -> list[tuple[subprocess.Popen, int]]:
    cpus = sorted(os.sched_getaffinity(0), reverse=True)
    started = []
    for n in range(count):
        port = free_port()
        logs = work / f"instance-{n}"
        logs.mkdir(exist_ok=True)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HOST": "127.0.0.1", "PORT": str(port),
               "INDEX_DIR": str(index_dir), "SESSION_STORE": store, "SESSION_DB": str(logs / "s.db"),
               "REDIS_URL": redis_url, "RATE_LIMIT_PER_MINUTE": "0", "MAX_SESSIONS": "1000000",
               "ANSWER_BACKEND": "extractive", "LOG_DIR": str(logs), "TRUSTED_PROXIES": "127.0.0.1",
               "CPU_AFFINITY": str(cpus[n % len(cpus)]) if count > 1 else "auto", **extra}
        for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ADMIN_TOKEN"):
            env.pop(name, None)
        process = subprocess.Popen([PYTHON, "-m", "mygallery", "serve"], cwd=logs, env=env,
                                   stdout=subprocess.DEVNULL, stderr=(logs / "server.err").open("w"))
        started.append((process, port))
    for _, port in started:
        wait_ready(f"http://127.0.0.1:{port}/api/ready")
    return started


def measure_http(work: Path, index_dir: Path, label: str, *, count: int, store: str, appendfsync: str,
                 through_nginx: bool, args: argparse.Namespace, chat_script: Path, extra: dict[str, str]) -> dict:
    folder = work / re.sub(r"\W+", "-", label)
    folder.mkdir()
    server = Redis(folder / "redis", appendfsync) if store == "redis" else None
    instances, nginx = [], None
    try:
        instances = start_instances(folder, index_dir, count, store, server.url if server else "", extra)
        url = f"http://127.0.0.1:{instances[0][1]}/"
        if through_nginx:
            nginx, listen = start_nginx(folder, [port for _, port in instances])
            url = f"http://127.0.0.1:{listen}/"
        groups = {"instances": [p.pid for p, _ in instances], "redis": [server.process.pid] if server else [],
                  "nginx": [nginx.pid] if nginx else []}
        wrk(url, connections=args.connections, duration=min(3, args.duration), script=chat_script)  # warm-up
        spent = {name: cpu_seconds(pids) for name, pids in groups.items()}
        result = repeated(label, args.repeats, lambda: wrk(url, connections=args.connections,
                                                           duration=args.duration, script=chat_script))
        requests = sum(run["requests"] for run in result["runs"])
        result["cpu_ms_per_chat"] = {name: round((cpu_seconds(pids) - spent[name]) / requests * 1000, 3)
                                     for name, pids in groups.items() if pids}
        result["non_2xx"] = sum(run["non_2xx"] for run in result["runs"])
        say(f"  {label}: {result['requests_per_s']:,.0f} req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms;"
            f" CPU ms per chat {result['cpu_ms_per_chat']}")
        return result
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
        for process, _ in instances:
            process.terminate()
        for process, _ in instances:
            process.wait(timeout=30)
        if server is not None:
            server.stop()


def run_http(work: Path, args: argparse.Namespace, extra: dict[str, str], results: dict) -> None:
    """Part 3: chat through nginx against 1..N instances on Redis, and SQLite for reference."""
    say(f"\n== extractive chat through nginx (wrk -c{args.connections}, {args.duration:g} s x {args.repeats}) ==")
    questions = bundled_questions()
    chat_script = work / "chat.lua"
    chat_script.write_text(CHAT_LUA % lua_questions(questions), encoding="utf-8")
    index_dir = work / "index"
    subprocess.run([PYTHON, "-m", "mygallery", "ingest", "--docs", str(ROOT / "data/docs"), "--index",
                    str(index_dir)], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT), "LOG_DIR": str(work)})
    configs = [("sqlite, 1 instance, straight", 1, "sqlite", False),
               ("sqlite, 1 instance, nginx", 1, "sqlite", True)]
    configs += [(f"redis, {n} instance{'s' if n > 1 else ''}, nginx", n, "redis", True)
                for n in map(int, args.instances.split(","))]
    results["http"] = {}
    for label, count, store, proxied in configs:
        results["http"][label] = measure_http(work, index_dir, label, count=count, store=store,
                                              appendfsync=args.appendfsync, through_nginx=proxied, args=args,
                                              chat_script=chat_script, extra=extra)
    say(table(["configuration", "req/s", "p50 ms", "p99 ms", "CPU ms/chat: instances", "Redis", "nginx"],
              [[label, f"{r['requests_per_s']:,.0f}", r["p50_ms"], r["p99_ms"],
                r["cpu_ms_per_chat"].get("instances"), r["cpu_ms_per_chat"].get("redis", "-"),
                r["cpu_ms_per_chat"].get("nginx", "-")] for label, r in results["http"].items()]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run (default 10)")
    parser.add_argument("--repeats", type=int, default=3, help="wrk runs per figure (default 3)")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections (default 50)")
    parser.add_argument("--instances", default="1,2,3", help="instance counts behind nginx (default 1,2,3)")
    parser.add_argument("--appendfsync", default="always", help="Redis's appendfsync for the HTTP runs")
    parser.add_argument("--redis-requests", type=int, default=50_000, help="operations per redis-benchmark run")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="extra instance settings")
    parser.add_argument("--skip-redis", action="store_true", help="only the HTTP part")
    parser.add_argument("--skip-http", action="store_true", help="only Redis and the cache question")
    args = parser.parse_args(argv)
    for tool in ("wrk", "redis-server", "redis-benchmark"):
        if shutil.which(tool) is None:
            say(f"{tool} is not installed")
            return 2
    extra = dict(item.split("=", 1) for item in args.env)
    results: dict = {"machine": machine(), "settings": vars(args)}
    say("machine: " + json.dumps(results["machine"]))
    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    try:
        if not args.skip_redis:
            say("\n== one Redis: the cluster's scripts (redis-benchmark, 50 clients, unix socket) ==")
            results["redis"] = {mode: measure_redis(work, mode, args.redis_requests) for mode in ("always", "everysec")}
            rows = [[name, f"{results['redis']['always'][name]['ops_per_s']:,}",
                     f"{results['redis']['everysec'][name]['ops_per_s']:,}",
                     results["redis"]["everysec"][name]["redis_cpu_us_per_op"],
                     f"{results['redis']['everysec'][name]['ops_per_redis_core_s'] or 0:,}"]
                    for name in results["redis"]["always"]]
            say(table(["operation", "ops/s fsync always", "ops/s everysec", "Redis CPU µs/op", "ops per Redis core-s"],
                      rows))
            say("\n== the cache question: ClusterSessionManager.get(), one client, µs per call ==")
            results["cache"] = measure_cache(work)
            say(table(["call", "µs"], [[k, v] for k, v in results["cache"].items()]))
        if not args.skip_http:
            run_http(work, args, extra, results)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say(f"\nwritten: {write_results('cluster', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
