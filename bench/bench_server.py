"""Server benchmark: the gallery against a bare tuned ThreadingHTTPServer, measured with wrk, all in one run.

Started as subprocesses: (a) a bare standard-library ThreadingHTTPServer (HTTP/1.1 keep-alive, TCP_NODELAY,
backlog 1024, daemon threads, buffered writes: one send per response, on the CPUs the gallery pins itself to
with CPU_AFFINITY) answering a tiny JSON on /api/health,
and (b) the real gallery, `python -m mygallery serve`, on an index built first into a temporary INDEX_DIR
(SESSION_STORE=memory, RATE_LIMIT_PER_MINUTE=0, MAX_SESSIONS large, and the per-client shares of sessions and
connections as large: every request of the benchmark comes from one address). Measured (wrk -t2, a warm-up run first,
REPEATS runs, medians):
1. /api/health throughput of both; target gallery/bare >= 0.80;
2. extractive POST /api/chat throughput with a distinct question in every request (a Lua script rotates the
   bundled QA questions and appends a counter); target chat/health >= 0.10; the same questions through the
   OpenAI-compatible POST /v1/chat/completions (no target: it should match /api/chat); and /api/chat once more
   with the default session store, SQLite, whose every turn is committed to disk before its answer is sent
   (no target: what a default deployment gets);
3. chat latency p50/p99 at 200 keep-alive connections: wrk's closed loop (at saturation latency is about
   connections / throughput), and open loop (bench/open_loop.py: fixed rates below saturation, 200
   connections held open, latency from the scheduled send time); target p99 < 100 ms;
4. memory after 10,000 sessions, each with one chat turn: the server process's RSS plus what its answer
   processes hold on their own (USS: the pages they share with the server are counted once); target < 250 MB.

    .venv/bin/python bench/bench_server.py                       # about 6 minutes
    .venv/bin/python bench/bench_server.py --duration 5 --repeats 1 --sessions 2000   # a quick look
    .venv/bin/python bench/bench_server.py --checkout /tmp/old   # the gallery of another checkout (before/after)

Writes bench/results/server-<time>.json (and server-latest.json). Non-goals: TLS, SSE streaming throughput,
the LLM backend (its latency is the model's).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import ROOT, machine, say, table, write_results  # noqa: E402

from mygallery.ops.llama_server import free_port  # noqa: E402
from mygallery.service import pin_to_cpus  # noqa: E402

PYTHON = sys.executable
TARGETS = {"health_ratio": 0.80, "chat_ratio": 0.10, "chat_p99_ms": 100.0, "rss_mb": 250.0}

BARE_SERVER = r'''
import json, os, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

if sys.argv[2:] and sys.argv[2]:  # the CPUs the gallery runs on (CPU_AFFINITY), so both are measured alike
    os.sched_setaffinity(0, {int(cpu) for cpu in sys.argv[2].split(",")})

BODY = json.dumps({"status": "ok", "uptime_s": 1.0, "version": "0.0.0"}).encode()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 1 << 16  # head and body in one send (unbuffered, http.server sends them separately)

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass

class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

server = Server(("127.0.0.1", int(sys.argv[1])), Handler)
print("ready", flush=True)
server.serve_forever()
'''

CHAT_LUA = r'''
-- POST /api/chat with a distinct question in every request: the bundled questions, rotated, plus a counter.
local questions = {
%s
}
local counter = 0
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function request()
  counter = counter + 1
  local q = questions[((counter * 7 + (tid or 0) * 13) %% #questions) + 1]
  local body = '{"message": "' .. q .. ' (' .. (tid or 0) .. '-' .. counter .. ')"}'
  return wrk.format("POST", "/api/chat", {["Content-Type"] = "application/json"}, body)
end
'''
# The same questions through the OpenAI-compatible API: only the request line and the body differ.
V1_LUA = CHAT_LUA.replace("/api/chat", "/v1/chat/completions").replace(
    """local body = '{"message": "' .. q""",
    """local body = '{"model": "uec-gallery", "messages": [{"role": "user", "content": "' .. q""").replace(
    """counter .. ')"}'""", """counter .. ')"}]}'""")


# --- processes -------------------------------------------------------------------------------------------------

def wait_for(url: str, timeout: float, status: int = 200) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == status:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer {status} within {timeout:.0f} s")


class ServerProcess:
    def __init__(self, name: str, command: list[str], env: dict[str, str], port: int, ready_path: str,
                 cwd: Path = ROOT) -> None:
        self.name, self.port = name, port
        # The process's output, kept for as long as it runs (read it when a start fails).
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(command, env=env, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_for(self.url(ready_path), 120)
        except Exception:
            self.stop()
            raise

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def rss_mb(self) -> dict:
        """The server's RSS, its answer processes' USS and PSS, and the total the target is checked on."""
        fields = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:", "Threads:")):
                key, value = line.split(":", 1)
                fields[key] = int(value.split()[0])
        children = [c.memory_full_info() for c in psutil.Process(self.process.pid).children()]
        rss = fields["VmRSS"] / 1024
        uss = sum(m.uss for m in children) / 2**20
        return {"rss_mb": round(rss, 1), "peak_rss_mb": round(fields["VmHWM"] / 1024, 1),
                "threads": fields["Threads"], "answer_processes": len(children),
                "answer_processes_uss_mb": round(uss, 1),
                "answer_processes_pss_mb": round(sum(m.pss for m in children) / 2**20, 1),
                "total_mb": round(rss + uss, 1)}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def start_bare(cpus: set[int] | None) -> ServerProcess:
    port = free_port()
    pinned = ",".join(map(str, sorted(cpus))) if cpus else ""
    return ServerProcess("bare", [PYTHON, "-c", BARE_SERVER, str(port), pinned], dict(os.environ), port,
                         "/api/health")


def gallery_env(work: Path, index_dir: Path, port: int, extra: dict[str, str], checkout: Path = ROOT) -> dict[str, str]:
    """The gallery's environment; `checkout` is the project folder whose package runs (first on PYTHONPATH)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(checkout)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ADMIN_TOKEN"):
        env.pop(name, None)
    env.update({"HOST": "127.0.0.1", "PORT": str(port), "INDEX_DIR": str(index_dir), "DOCS_DIR": str(ROOT / "data/docs"),
                "SESSION_STORE": "memory", "RATE_LIMIT_PER_MINUTE": "0", "MAX_SESSIONS": "1000000",
                # one client address makes all the load: no per-client shares (older checkouts ignore these)
                "MAX_SESSIONS_PER_CLIENT": "1000000", "MAX_CONNECTIONS_PER_CLIENT": "1000000",
                "ANSWER_BACKEND": "extractive", "LOG_DIR": str(work / "logs"), "SESSION_DB": str(work / "s.db"),
                **extra})
    return env


def start_gallery(work: Path, index_dir: Path, extra: dict[str, str], checkout: Path = ROOT) -> ServerProcess:
    port = free_port()
    return ServerProcess("gallery", [PYTHON, "-m", "mygallery", "serve", "--host", "127.0.0.1", "--port", str(port),
                                     "--index", str(index_dir)],
                         gallery_env(work, index_dir, port, extra, checkout), port, "/api/ready", checkout)


# --- load generators -------------------------------------------------------------------------------------------

def parse_duration_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, *, connections: int, duration: float, script: Path | None = None, threads: int = 2) -> dict:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--latency", "--timeout", "10s"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    result = {"connections": connections, "duration_s": duration,
              "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
              "requests": int(re.search(r"(\d+) requests in", output).group(1))}
    for label, key in (("50%", "p50_ms"), ("75%", "p75_ms"), ("90%", "p90_ms"), ("99%", "p99_ms")):
        match = re.search(rf"^\s+{re.escape(label)}\s+(\S+)", output, re.MULTILINE)
        result[key] = round(parse_duration_ms(match.group(1)), 2) if match else None
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["non_2xx"] = int(non_2xx.group(1)) if non_2xx else 0
    result["socket_errors"] = sum(map(int, errors.groups())) if errors else 0
    return result


def repeated(label: str, runs: int, measure) -> dict:
    results = []
    for run in range(runs):
        results.append(measure())
        r = results[-1]
        say(f"  {label} run {run + 1}: {r['requests_per_s']:,.0f} req/s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms"
            + (f", non-2xx {r['non_2xx']}" if r.get("non_2xx") else "")
            + (f", socket errors {r['socket_errors']}" if r.get("socket_errors") else ""))
    return {"runs": results, **{key: round(statistics.median(r[key] for r in results), 2)
                                for key in ("requests_per_s", "p50_ms", "p99_ms")}}


def open_loop(url: str, rate: float, connections: int, duration: float, questions_file: Path) -> dict:
    command = [PYTHON, str(ROOT / "bench" / "open_loop.py"), "--url", url, "--rate", f"{rate:g}", "--connections",
               str(connections), "--duration", f"{duration:g}", "--questions", str(questions_file)]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def fill_sessions(server: ServerProcess, count: int, questions: list[str], workers: int = 8) -> dict:
    """`count` sessions, each created by POST /api/sessions and given one chat turn; keep-alive clients."""
    failures = 0
    lock = threading.Lock()  # guards failures

    def worker(first: int) -> None:
        nonlocal failures
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        for i in range(first, count, workers):
            try:
                connection.request("POST", "/api/sessions", "{}", {"Content-Type": "application/json"})
                response = connection.getresponse()
                session_id = json.loads(response.read())["session_id"]
                body = json.dumps({"message": f"{questions[i % len(questions)]} ({i})", "session_id": session_id})
                connection.request("POST", "/api/chat", body, {"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(response.status)
            except Exception:  # noqa: BLE001 - counted and reported
                with lock:
                    failures += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"sessions": count, "failures": failures, "seconds": round(time.perf_counter() - started, 1)}


# --- main ------------------------------------------------------------------------------------------------------

def bundled_questions() -> list[str]:
    path = ROOT / "data" / "qa" / "uec_qa.jsonl"
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def lua_questions(questions: list[str]) -> str:
    # JSON-escaped (ASCII only) inside a Lua long string: no Lua escaping rules to get wrong.
    return ",\n".join(f"  [==[{json.dumps(q)[1:-1]}]==]" for q in questions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run (default 10)")
    parser.add_argument("--repeats", type=int, default=3, help="wrk runs per figure (default 3)")
    parser.add_argument("--connections", type=int, default=50, help="connections for throughput (default 50)")
    parser.add_argument("--latency-connections", type=int, default=200, help="connections for chat latency")
    parser.add_argument("--open-loop-fractions", default="0.25,0.5,0.75",
                        help="open-loop rates as fractions of the measured closed-loop chat throughput")
    parser.add_argument("--sessions", type=int, default=10_000, help="sessions for the RSS figure")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the gallery (e.g. a setting under test)")
    parser.add_argument("--checkout", type=Path, default=ROOT,
                        help="run the gallery of this project folder (e.g. a worktree of an earlier commit)")
    args = parser.parse_args(argv)
    checkout = args.checkout.resolve()
    extra = dict(item.split("=", 1) for item in args.env)
    if shutil.which("wrk") is None:
        say("wrk is not installed (apt-get install wrk)")
        return 2

    results: dict = {"machine": machine(), "targets": TARGETS,
                     "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}}
    say("machine: " + json.dumps(results["machine"]))
    work = Path(tempfile.mkdtemp(prefix="bench-server-"))
    questions = bundled_questions()
    questions_file = work / "questions.txt"
    questions_file.write_text("\n".join(questions), encoding="utf-8")
    chat_script = work / "chat.lua"
    chat_script.write_text(CHAT_LUA % lua_questions(questions), encoding="utf-8")
    v1_script = work / "v1.lua"
    v1_script.write_text(V1_LUA % lua_questions(questions), encoding="utf-8")
    index_dir = work / "index"
    subprocess.run([PYTHON, "-m", "mygallery", "ingest", "--docs", str(ROOT / "data/docs"), "--index", str(index_dir)],
                   cwd=checkout, env=gallery_env(work, index_dir, 0, extra, checkout), check=True, capture_output=True)
    results["checkout"] = {"path": str(checkout), "commit": subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()}
    servers: list[ServerProcess] = []
    try:
        # The gallery pins itself to a CPU (CPU_AFFINITY, default auto); the bare server gets the same CPUs.
        cpus = pin_to_cpus(extra.get("CPU_AFFINITY", os.environ.get("CPU_AFFINITY", "auto")).strip().lower())
        results["cpus"] = sorted(cpus) if cpus else "unpinned"
        say(f"server CPUs: {results['cpus']}")
        bare = start_bare(cpus)
        servers.append(bare)
        gallery = start_gallery(work, index_dir, extra, checkout)
        servers.append(gallery)
        c, d = args.connections, args.duration

        say(f"\n== /api/health, wrk -t2 -c{c} -d{d:g}s: bare and gallery alternating ==")
        for server in (bare, gallery):
            wrk(server.url("/api/health"), connections=c, duration=min(3, d))  # warm-up
        health: dict[str, list] = {"bare": [], "gallery": []}
        for run in range(args.repeats):
            for name, server in (("bare", bare), ("gallery", gallery)):
                health[name].append(wrk(server.url("/api/health"), connections=c, duration=d))
                r = health[name][-1]
                say(f"  {name} run {run + 1}: {r['requests_per_s']:,.0f} req/s, p50 {r['p50_ms']} ms, "
                    f"p99 {r['p99_ms']} ms")
        for name in health:
            runs = health[name]
            health[name] = {"runs": runs, **{k: round(statistics.median(r[k] for r in runs), 2)
                                             for k in ("requests_per_s", "p50_ms", "p99_ms")}}
        health_ratio = health["gallery"]["requests_per_s"] / health["bare"]["requests_per_s"]
        ratios = [g["requests_per_s"] / b["requests_per_s"]
                  for g, b in zip(health["gallery"]["runs"], health["bare"]["runs"], strict=True)]
        results["health"] = {**health, "ratio": round(health_ratio, 3), "ratio_per_run": [round(x, 3) for x in ratios]}

        say(f"\n== POST /api/chat (extractive, distinct questions), wrk -t2 -c{c} -d{d:g}s ==")
        wrk(gallery.url("/"), connections=c, duration=min(3, d), script=chat_script)  # warm-up
        chat = repeated("chat", args.repeats,
                        lambda: wrk(gallery.url("/"), connections=c, duration=d, script=chat_script))
        results["chat"] = {**chat, "ratio_to_health": round(chat["requests_per_s"]
                                                            / health["gallery"]["requests_per_s"], 4)}

        say(f"\n== POST /v1/chat/completions (the same questions), wrk -t2 -c{c} -d{d:g}s ==")
        wrk(gallery.url("/"), connections=c, duration=min(3, d), script=v1_script)  # warm-up
        results["v1_chat"] = repeated("v1", args.repeats,
                                      lambda: wrk(gallery.url("/"), connections=c, duration=d, script=v1_script))

        lc = args.latency_connections
        say(f"\n== chat latency, closed loop: wrk -t2 -c{lc} -d{d:g}s ==")
        closed = repeated("chat", args.repeats,
                          lambda: wrk(gallery.url("/"), connections=lc, duration=d, script=chat_script))
        closed["little_law_ms"] = round(1000 * lc / closed["requests_per_s"], 1)
        results["chat_closed_loop"] = closed

        say(f"\n== chat latency, open loop: fixed rates with {lc} keep-alive connections, {max(d, 15):g} s each ==")
        results["chat_open_loop"] = []
        for fraction in (float(f) for f in args.open_loop_fractions.split(",") if f.strip()):
            rate = max(1.0, round(chat["requests_per_s"] * fraction))
            r = open_loop(gallery.url("/api/chat"), rate, lc, max(d, 15), questions_file)
            r["fraction_of_saturation"] = fraction
            results["chat_open_loop"].append(r)
            say(f"  {rate:g} req/s ({fraction:.0%} of saturation): achieved {r['achieved_rate']:g}/s, "
                f"p50 {r['p50_ms']} ms, p90 {r['p90_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms, "
                f"errors {r['errors']}, statuses {r['statuses']}")
        gallery.stop()
        servers.remove(gallery)

        say(f"\n== POST /api/chat with the default session store (SQLite, every turn committed and fsynced before "
            f"its answer is sent), wrk -t2 -c{c} -d{d:g}s (fresh server) ==")
        gallery = start_gallery(work, index_dir, {**extra, "SESSION_STORE": "sqlite"}, checkout)
        servers.append(gallery)
        wrk(gallery.url("/"), connections=c, duration=min(3, d), script=chat_script)  # warm-up
        results["chat_sqlite"] = repeated("chat", args.repeats,
                                          lambda: wrk(gallery.url("/"), connections=c, duration=d, script=chat_script))
        gallery.stop()
        servers.remove(gallery)

        say(f"\n== RSS with {args.sessions:,} sessions, each with one chat turn (fresh server) ==")
        gallery = start_gallery(work, index_dir, extra, checkout)
        servers.append(gallery)
        before = gallery.rss_mb()
        filled = fill_sessions(gallery, args.sessions, questions)
        after = gallery.rss_mb()
        with urllib.request.urlopen(gallery.url("/api/admin/stats"), timeout=10) as response:
            active = json.loads(response.read())["sessions"]["active"]
        results["rss"] = {"before": before, "after": after, "active_sessions": active, **filled}
        say(f"  RSS {before['rss_mb']} MB after start, {after['rss_mb']} MB with {active:,} active sessions "
            f"(peak {after['peak_rss_mb']} MB, {filled['failures']} failures, {filled['seconds']} s to fill); "
            f"{after['answer_processes']} answer processes: USS {before['answer_processes_uss_mb']} -> "
            f"{after['answer_processes_uss_mb']} MB, PSS {after['answer_processes_pss_mb']} MB; "
            f"total {after['total_mb']} MB")
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)

    # --- the table ---
    open_rows = []
    for r in results["chat_open_loop"]:
        open_rows.append([f"chat p50/p99, open loop {r['rate']:g} req/s ({r['fraction_of_saturation']:.0%}), {lc} conns",
                          f"{r['p50_ms']} / {r['p99_ms']} ms", f"p99 < {TARGETS['chat_p99_ms']:g} ms",
                          "PASS" if r["p99_ms"] < TARGETS["chat_p99_ms"] and not r["errors"] else "FAIL"])
    rows = [
        ["/api/health bare ThreadingHTTPServer", f"{health['bare']['requests_per_s']:,.0f} req/s", "", ""],
        ["/api/health gallery", f"{health['gallery']['requests_per_s']:,.0f} req/s", "", ""],
        ["  ratio gallery / bare", f"{results['health']['ratio']:.3f}", f">= {TARGETS['health_ratio']}",
         "PASS" if results["health"]["ratio"] >= TARGETS["health_ratio"] else "FAIL"],
        [f"/api/chat extractive, distinct questions, {c} conns", f"{chat['requests_per_s']:,.0f} req/s", "", ""],
        ["  ratio chat / health", f"{results['chat']['ratio_to_health']:.3f}", f">= {TARGETS['chat_ratio']}",
         "PASS" if results["chat"]["ratio_to_health"] >= TARGETS["chat_ratio"] else "FAIL"],
        [f"/v1/chat/completions, same questions, {c} conns", f"{results['v1_chat']['requests_per_s']:,.0f} req/s",
         "", ""],
        [f"/api/chat, SQLite session store (the default), {c} conns",
         f"{results['chat_sqlite']['requests_per_s']:,.0f} req/s", "", ""],
        [f"chat p50/p99, closed loop (wrk), {lc} conns", f"{closed['p50_ms']} / {closed['p99_ms']} ms "
         f"@ {closed['requests_per_s']:,.0f} req/s", f"p99 < {TARGETS['chat_p99_ms']:g} ms",
         "PASS" if closed["p99_ms"] < TARGETS["chat_p99_ms"] else "FAIL"],
        *open_rows,
        [f"memory with {results['rss']['active_sessions']:,} sessions (RSS + answer processes' USS)",
         f"{results['rss']['after']['total_mb']} MB", f"< {TARGETS['rss_mb']:g} MB",
         "PASS" if results["rss"]["after"]["total_mb"] < TARGETS["rss_mb"] else "FAIL"],
    ]
    say("\n" + table(["figure", "measured", "target", "result"], rows))
    say(f"\nresults: {write_results('server', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
