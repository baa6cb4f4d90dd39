"""Helpers shared by the benchmarks: percentiles, the machine description, result files and plain tables.

Benchmarks are not tests: they are run by hand (`make bench`) and write JSON to bench/results/ (git-ignored),
one timestamped file per run plus `<name>-latest.json`. Non-goals: statistics beyond medians and percentiles,
plotting.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"


def percentile(values: list[float], fraction: float) -> float:
    """Linear-interpolated percentile (numpy's default), 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(seconds: list[float]) -> dict:
    """p50/p90/p99/mean in milliseconds of a list of durations in seconds."""
    ms = [s * 1000.0 for s in seconds]
    return {"n": len(ms), "p50_ms": round(percentile(ms, 0.50), 4), "p90_ms": round(percentile(ms, 0.90), 4),
            "p99_ms": round(percentile(ms, 0.99), 4), "mean_ms": round(statistics.fmean(ms), 4) if ms else 0.0}


def median_of(runs: list[dict], key: str) -> float:
    return round(statistics.median(run[key] for run in runs), 4)


def machine() -> dict:
    """What the figures were measured on: CPU model, cores, memory, load, Python, commit."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        commit, dirty = "", ""
    return {"cpu": model, "cores": os.cpu_count(), "memory_gb": memory_gb, "loadavg": list(os.getloadavg()),
            "python": sys.version.split()[0], "platform": platform.platform(),
            "commit": commit + ("+dirty" if dirty else ""), "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def write_results(name: str, data: dict) -> Path:
    """Write bench/results/<name>-<timestamp>.json and <name>-latest.json; return the first."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=1, ensure_ascii=False)
    path = RESULTS_DIR / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(text, encoding="utf-8")
    (RESULTS_DIR / f"{name}-latest.json").write_text(text, encoding="utf-8")
    return path


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A plain fixed-width table; floats are shown with up to three significant decimals."""
    def show(value: object) -> str:
        if isinstance(value, float):
            return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
        return str(value)

    cells = [[show(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
            for row in cells]
    return "\n".join(out)


def say(text: str = "") -> None:
    print(text, flush=True)
