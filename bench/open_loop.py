"""An open-loop HTTP load generator: a fixed request rate over a fixed set of keep-alive connections.

wrk is a closed loop: each connection sends its next request only when the previous answer has arrived, so
when the server slows down the offered load drops with it and, at saturation, latency is simply
connections / throughput. Here request i is *scheduled* at start + i / rate, whatever happened before, on
connection i % connections; its latency is measured from that scheduled time, so a request that had to wait
for a slow answer on its connection counts the wait (no coordinated omission — the idea of wrk2).

    python bench/open_loop.py --url http://127.0.0.1:8000/api/chat --rate 100 --connections 200 --duration 20

POST bodies come from --questions FILE (one question per line), each made distinct with a counter. Prints one
JSON object: sent, completed, errors, achieved rate, latency percentiles (ms). Non-goals: HTTPS, pipelining,
chunked responses (SSE) — it reads Content-Length bodies only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from urllib.parse import urlsplit

from common import percentile  # run as a script from bench/: its folder is on sys.path


def request_bytes(host: str, path: str, method: str, body: bytes | None) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: open-loop\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + (body or b"")


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:].strip())
    if length:
        await reader.readexactly(length)
    return status


async def run(url: str, rate: float, connections: int, duration: float, questions: list[str], method: str) -> dict:
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"
    total = int(rate * duration)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    late_starts = 0
    streams = [await asyncio.open_connection(host, port) for _ in range(connections)]
    start = time.perf_counter() + 0.5

    async def connection(number: int) -> None:
        nonlocal errors, late_starts
        reader, writer = streams[number]
        for i in range(number, total, connections):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.001:
                late_starts += 1  # the previous answer on this connection came after this one was due
            body = None
            if method == "POST":
                question = questions[i % len(questions)] if questions else "What does RUD guarantee?"
                body = json.dumps({"message": f"{question} (open-loop {i})"}).encode()
            try:
                writer.write(request_bytes(host, path, method, body))
                status = await read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                reader, writer = await asyncio.open_connection(host, port)
                continue
            latencies.append(time.perf_counter() - scheduled)
            statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    await asyncio.gather(*(connection(n) for n in range(connections)))
    elapsed = time.perf_counter() - start
    ms = [s * 1000 for s in latencies]
    return {"url": url, "rate": rate, "connections": connections, "duration_s": duration, "sent": total,
            "completed": len(ms), "errors": errors, "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "achieved_rate": round(len(ms) / elapsed, 1), "late_starts": late_starts,
            "p50_ms": round(percentile(ms, 0.5), 2), "p90_ms": round(percentile(ms, 0.9), 2),
            "p99_ms": round(percentile(ms, 0.99), 2), "max_ms": round(max(ms), 2) if ms else 0.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="open-loop HTTP load at a fixed rate")
    parser.add_argument("--url", required=True)
    parser.add_argument("--rate", type=float, required=True, help="requests per second, scheduled evenly")
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--method", default="POST", choices=("GET", "POST"))
    parser.add_argument("--questions", help="file with one question per line (POST /api/chat bodies)")
    args = parser.parse_args(argv)
    questions = []
    if args.questions:
        with open(args.questions, encoding="utf-8") as handle:
            questions = [line.strip() for line in handle if line.strip()]
    result = asyncio.run(run(args.url, args.rate, args.connections, args.duration, questions, args.method))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
