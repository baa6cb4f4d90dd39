"""LLM benchmark: what the gallery adds before the first token, tokens/s, and how many generative chats at once
the machine sustains — against the real llama.cpp server with the bundled Gemma 3 270M (needs the optional
extra: ./scripts/setup.sh --llm).

Started as subprocesses: llama.cpp's OpenAI-compatible server (`mygallery.ops.llama_server.LocalLLMServer`) and the
real gallery (`python -m mygallery serve`, pointed at it, on an index built first into a temporary INDEX_DIR,
SESSION_STORE=memory, RATE_LIMIT_PER_MINUTE=0, first-token and answer timeouts far out so that nothing falls
back while we measure). Measured:
1. time to first token (TTFT) of the same prompt three ways — POST /api/chat streaming, POST /v1/chat/completions
   streaming, and straight to llama.cpp with the messages the gallery builds (computed here with the same
   settings and index; the gallery's sources are checked to be the same) — over RUNS questions, the three
   ways in rotating order. Before every measured request a one-token request with a different prompt empties
   llama.cpp's prompt cache, so no way profits from the one before. The gallery's added latency is the median
   of the per-question differences;
2. generation speed: tokens/s of the direct stream after its first token;
3. concurrency: 1, 2, 4, 8, ... clients at once, each asking REQUESTS distinct questions through /api/chat,
   until the p95 TTFT passes LIMIT seconds (llama.cpp answers one request at a time: the others queue).

    .venv/bin/python bench/bench_llm.py                    # about 6 minutes on 2 cores
    .venv/bin/python bench/bench_llm.py --runs 5 --levels 1,2   # a quick look

Writes bench/results/llm.json and prints tables. Non-goals: answer quality (a base model), GPU, other servers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS_DIR, ROOT, machine, percentile, say, table  # noqa: E402

sys.path.insert(0, str(ROOT))
from mygallery.config import load_settings  # noqa: E402
from mygallery.engine.answering import AnswerService  # noqa: E402
from mygallery.engine.embeddings import make_embedder  # noqa: E402
from mygallery.engine.index import HybridIndex, LiveIndex  # noqa: E402
from mygallery.engine.openai_answerer import build_messages  # noqa: E402
from mygallery.ops.llama_server import LocalLLMServer, bundled_model, free_port, llama_cpp_installed  # noqa: E402

PYTHON = sys.executable
QA_FILE = ROOT / "data" / "qa" / "uec_qa.jsonl"
TEMPERATURE = 0.2  # what OpenAIAnswerer sends


def questions() -> list[str]:
    rows = [json.loads(line) for line in QA_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if r.get("lang") == "en"]


class Timed:
    """One streamed request: time to first text, total time, pieces of text, the final JSON if any."""

    def __init__(self) -> None:
        self.ttft = self.total = 0.0
        self.pieces: list[str] = []
        self.final: dict = {}
        self.error = ""


def stream(port: int, path: str, body: dict, *, gallery_events: bool) -> Timed:
    """POST `body` and read the event stream: gallery `token`/`done` events or OpenAI chunks."""
    timed = Timed()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    started = time.perf_counter()
    try:
        conn.request("POST", path, body=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        if response.status != 200:
            timed.error = f"HTTP {response.status}: {response.read()[:200]!r}"
            return timed
        event = ""
        for raw in response:
            line = raw.decode("utf-8").rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
                continue
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                break
            payload = json.loads(data)
            if gallery_events:
                text = payload.get("text", "") if event == "token" else ""
                if event == "done":
                    timed.final = payload
                elif event == "error":
                    timed.error = data
            else:
                choices = payload.get("choices") or [{}]
                text = (choices[0].get("delta") or {}).get("content") or ""
                if choices[0].get("finish_reason"):
                    timed.final = payload
            if text:
                if not timed.pieces:
                    timed.ttft = time.perf_counter() - started
                timed.pieces.append(text)
    except (OSError, ValueError) as exc:
        timed.error = f"{type(exc).__name__}: {exc}"
    finally:
        timed.total = time.perf_counter() - started
        conn.close()
    return timed


def flush_prompt_cache(llama_port: int, alias: str, number: int) -> None:
    """A one-token request whose prompt differs from the next from its first word on: llama-cpp-python keeps
    the KV cache of the last prompt's longest common prefix, which would otherwise favour whoever goes second."""
    stream(llama_port, "/v1/chat/completions",
           {"model": alias, "messages": [{"role": "user", "content": f"Zebra {number} counts stars."}],
            "max_tokens": 1, "stream": True}, gallery_events=False)


def start_gallery(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen([PYTHON, "-m", "mygallery", "serve"], cwd=ROOT, env=env,
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ready", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"the gallery exited with {process.returncode}; see {log}")
        time.sleep(0.2)
    process.kill()
    raise SystemExit("the gallery did not become ready")


def prime_prompt_cache(llama_port: int, alias: str, messages: list[dict]) -> None:
    """Evaluate exactly this prompt once (one token), so the next request with it finds it in the KV cache."""
    stream(llama_port, "/v1/chat/completions", {"model": alias, "messages": messages, "max_tokens": 1,
                                                "stream": True}, gallery_events=False)


def paired_runs(args, qs: list[str], prompts: list[list[dict]], expected_sources: list[list[tuple]],
                gallery_port: int, llama: LocalLLMServer, *, warm: bool) -> dict:
    """Each question three ways. Cold: llama.cpp's prompt cache emptied before each request (what a user waits
    for, prompt processing included; seconds of it, so the difference of two such times is noisy). Warm: the
    very prompt evaluated just before, so llama.cpp has only its last token to process and the difference of
    the times is what the gallery adds (a gallery prompt that differed from ours would miss the cache and show
    up as seconds)."""
    ways = ["api_chat", "v1_chat", "direct"]
    per_way: dict[str, list[Timed]] = {w: [] for w in ways}
    same_sources = 0
    for i, (question, messages) in enumerate(zip(qs, prompts, strict=True)):
        order = ways[i % 3:] + ways[:i % 3]  # rotate so no way always runs right after the model warmed up
        for way in order:
            if warm:
                prime_prompt_cache(llama.port, llama.alias, messages)
            else:
                flush_prompt_cache(llama.port, llama.alias, i * 10 + ways.index(way))
            if way == "api_chat":
                timed = stream(gallery_port, "/api/chat", {"message": question, "stream": True}, gallery_events=True)
                got = [(s["n"], s["doc"], s["section"]) for s in timed.final.get("sources", [])]
                same_sources += got == expected_sources[i]
            elif way == "v1_chat":
                timed = stream(gallery_port, "/v1/chat/completions",
                               {"model": "uec-gallery", "stream": True,
                                "messages": [{"role": "user", "content": question}]}, gallery_events=False)
            else:
                timed = stream(llama.port, "/v1/chat/completions",
                               {"model": llama.alias, "messages": messages, "stream": True,
                                "temperature": TEMPERATURE, "max_tokens": args.max_tokens}, gallery_events=False)
            per_way[way].append(timed)
        say(f"  run {i + 1:2d}/{len(qs)}: " + "  ".join(
            f"{w} {per_way[w][-1].ttft * 1000:7.1f} ms" for w in ways))
    failures = {w: [t.error for t in per_way[w] if t.error or not t.pieces] for w in ways}
    backends = [t.final.get("backend") for t in per_way["api_chat"]]
    result: dict = {"runs": len(qs), "same_sources_as_direct_prompt": same_sources, "failures": failures,
                    "api_chat_backends": {b: backends.count(b) for b in set(backends)}}
    for way in ways:
        ttfts = [t.ttft * 1000 for t in per_way[way]]
        result[way] = {"ttft_p50_ms": round(statistics.median(ttfts), 2),
                       "ttft_p95_ms": round(percentile(ttfts, 0.95), 2),
                       "ttft_min_ms": round(min(ttfts), 2)}
    for way in ("api_chat", "v1_chat"):
        deltas = [(g.ttft - d.ttft) * 1000 for g, d in zip(per_way[way], per_way["direct"], strict=True)]
        result[way]["added_ttft_median_ms"] = round(statistics.median(deltas), 2)
        result[way]["added_ttft_p90_ms"] = round(percentile(deltas, 0.90), 2)
        # A first model token "[" is held back until the citation it starts is checked (CitationFilter).
        result[way]["first_text_is_citation"] = sum(t.pieces[0].startswith("[") for t in per_way[way] if t.pieces)
    speeds = [(len(t.pieces) - 1) / (t.total - t.ttft) for t in per_way["direct"]
              if len(t.pieces) > 1 and t.total > t.ttft]
    result["direct"]["tokens_per_s_median"] = round(statistics.median(speeds), 1) if speeds else 0.0
    result["direct"]["tokens_median"] = statistics.median(len(t.pieces) for t in per_way["direct"])
    gallery_speeds = [(len(t.pieces) - 1) / (t.total - t.ttft) for t in per_way["v1_chat"]
                      if len(t.pieces) > 1 and t.total > t.ttft]
    result["v1_chat"]["pieces_per_s_median"] = round(statistics.median(gallery_speeds), 1) if gallery_speeds else 0.0
    return result


def run_level(level: int, batch: list[str], gallery_port: int) -> tuple[list[Timed], float]:
    """`level` clients started together, each asking its share of `batch` one after the other."""
    timings: list[Timed] = []
    timings_lock = threading.Lock()  # guards timings
    start = threading.Barrier(level)

    def client(number: int) -> None:
        start.wait()
        for question in batch[number::level]:
            timed = stream(gallery_port, "/api/chat", {"message": question, "stream": True}, gallery_events=True)
            with timings_lock:
                timings.append(timed)

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,), name=f"client-{n}") for n in range(level)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, time.perf_counter() - began


def concurrency(args, qs: list[str], gallery_port: int) -> list[dict]:
    rows: list[dict] = []
    offset = 0
    for level in (int(x) for x in args.levels.split(",")):
        batch = [qs[(offset + i) % len(qs)] for i in range(level * args.requests)]
        offset += len(batch)
        timings, wall = run_level(level, batch, gallery_port)
        ttfts = [t.ttft for t in timings if t.pieces]
        fallbacks = sum(t.final.get("backend") != "openai" for t in timings)
        row = {"clients": level, "requests": len(timings), "errors": sum(bool(t.error) for t in timings),
               "fallbacks": fallbacks, "ttft_p50_s": round(percentile(ttfts, 0.5), 2),
               "ttft_p95_s": round(percentile(ttfts, 0.95), 2), "answers_per_min": round(60 * len(timings) / wall, 1)}
        rows.append(row)
        say(f"  {level:3d} clients: p50 TTFT {row['ttft_p50_s']:6.2f} s, p95 {row['ttft_p95_s']:6.2f} s, "
            f"{row['answers_per_min']} answers/min, {fallbacks} fallbacks, {row['errors']} errors")
        if row["ttft_p95_s"] > args.limit:
            break
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="questions in the paired TTFT comparison (>= 20)")
    parser.add_argument("--max-tokens", type=int, default=64, help="LLM_MAX_TOKENS: tokens per answer")
    parser.add_argument("--ctx", type=int, default=2048, help="the model's context window = LLM_CONTEXT_TOKENS")
    parser.add_argument("--threads", type=int, help="llama.cpp threads (default: llama.cpp's choice)")
    parser.add_argument("--levels", default="1,2,4,8,16,32", help="concurrent clients, in order")
    parser.add_argument("--requests", type=int, default=2, help="questions per client at each level")
    parser.add_argument("--limit", type=float, default=10.0, help="stop when p95 TTFT passes this (seconds)")
    parser.add_argument("--model", type=Path, help="a GGUF (default: the bundled Gemma 3 270M)")
    args = parser.parse_args()
    if not llama_cpp_installed():
        say("bench_llm: llama-cpp-python is not installed; run ./scripts/setup.sh --llm")
        return 2

    work = Path(tempfile.mkdtemp(prefix="bench-llm-"))
    model = args.model or bundled_model(ROOT / "data" / "models")
    qs = questions()
    try:
        with LocalLLMServer(model, context_tokens=args.ctx, threads=args.threads,
                            log_path=work / "llm-server.log") as llama:
            gallery_port = free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LLM_", "GALLERY_"))}
            env.update({"PORT": str(gallery_port), "HOST": "127.0.0.1", "INDEX_DIR": str(work / "index"),
                        "LOG_DIR": str(work), "SESSION_STORE": "memory", "RATE_LIMIT_PER_MINUTE": "0",
                        "MAX_SESSIONS": "100000", "OPENAI_BASE_URL": llama.base_url, "OPENAI_MODEL": llama.alias,
                        "ANSWER_BACKEND": "openai", "LLM_CONTEXT_TOKENS": str(args.ctx),
                        "LLM_MAX_TOKENS": str(args.max_tokens), "LLM_FIRST_TOKEN_SECONDS": "600",
                        "LLM_TIMEOUT_SECONDS": "900", "DOCS_DIR": str(ROOT / "data" / "docs")})
            say("bench_llm: building the index, starting the gallery ...")
            subprocess.run([PYTHON, "-m", "mygallery", "ingest"], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            gallery = start_gallery(env, gallery_port, work / "gallery.out")
            try:
                settings = load_settings({k: v for k, v in env.items() if k.isupper()}, dotenv_path=None)
                index = HybridIndex.load(settings.index_dir, make_embedder(settings))
                service = AnswerService(LiveIndex(index), top_k=settings.top_k)
                paired = qs[:args.runs]
                sources = [service.retrieve(q, []) for q in paired]
                prompts = [build_messages(q, s, [], settings.llm_context_tokens, answer_tokens=args.max_tokens)
                           for q, s in zip(paired, sources, strict=True)]
                expected = [[(s.n, s.doc, s.section) for s in ss] for ss in sources]
                for q in qs[-3:]:  # warm-up: model pages, the gallery's first embedding, connections
                    stream(gallery_port, "/api/chat", {"message": q, "stream": True}, gallery_events=True)
                comparison = {}
                for mode in ("warm", "cold"):
                    say(f"bench_llm: TTFT, same prompt three ways, prompt cache {mode}, {len(paired)} questions, "
                        f"max_tokens {args.max_tokens}, n_ctx {args.ctx}")
                    comparison[mode] = paired_runs(args, paired, prompts, expected, gallery_port, llama,
                                                   warm=mode == "warm")
                say(f"bench_llm: concurrency through /api/chat, {args.requests} questions per client")
                load = concurrency(args, qs[args.runs:], gallery_port)
            finally:
                gallery.terminate()
                gallery.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    sustained = max((r["clients"] for r in load if r["ttft_p95_s"] <= args.limit), default=0)
    results = {"machine": machine(), "model": model.name, "max_tokens": args.max_tokens, "n_ctx": args.ctx,
               "threads": args.threads or "llama.cpp default", "ttft": comparison, "concurrency": load,
               "sustained_clients_p95_ttft_under_s": {"limit_s": args.limit, "clients": sustained}}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "llm.json").write_text(json.dumps(results, indent=1), encoding="utf-8")

    say()
    say(table(["prompt cache", "way", "TTFT p50 ms", "TTFT p95 ms", "added p50 ms", "added p90 ms", "first '['"],
              [[mode, way, comparison[mode][way]["ttft_p50_ms"], comparison[mode][way]["ttft_p95_ms"],
                comparison[mode][way].get("added_ttft_median_ms", "-"),
                comparison[mode][way].get("added_ttft_p90_ms", "-"),
                comparison[mode][way].get("first_text_is_citation", "-")]
               for mode in ("warm", "cold") for way in ("direct", "api_chat", "v1_chat")]))
    cold = comparison["cold"]
    say(f"\ngeneration: {cold['direct']['tokens_per_s_median']} tokens/s (direct, median), "
        f"{cold['v1_chat']['pieces_per_s_median']} pieces/s through /v1/chat/completions; "
        f"sources identical to the direct prompt's in {cold['same_sources_as_direct_prompt']}"
        f"/{cold['runs']} runs; /api/chat backends {cold['api_chat_backends']}")
    say()
    say(table(["clients", "requests", "TTFT p50 s", "TTFT p95 s", "answers/min", "fallbacks", "errors"],
              [[r["clients"], r["requests"], r["ttft_p50_s"], r["ttft_p95_s"], r["answers_per_min"], r["fallbacks"],
                r["errors"]] for r in load]))
    say(f"\nsustained with p95 TTFT <= {args.limit:g} s: {sustained} concurrent generative chats")
    say(f"results: {RESULTS_DIR / 'llm.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
