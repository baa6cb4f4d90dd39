"""The figures of a load test and their three presentations: text, JSON and a self-contained HTML page.

Job: `summarize()` turns a `LoadTestResult` into one JSON-ready dict — success rate, errors by kind (with the
server's own message), client-side latency percentiles and histogram, throughput, isolation failures, the
server's /api/admin/stats figures before and after, hints on what to change — and the verdict against
--min-success. `render_text()` / `render_html()` / `write_report()` present it; `render_server_sessions()`
prints the server's current session statistics for `--stats-only`.
Collaborators: loadtest (the result), test_concurrent.py (chooses the format by file extension).
Non-goals: charts beyond one inline SVG histogram, comparing runs with each other.
"""

from __future__ import annotations

import html
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

from .loadtest import LoadTestResult, SimulatedUser

HISTOGRAM_BINS = 20


# --- figures ------------------------------------------------------------------------------------------------


def percentile(ordered: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks of an ascending list (numpy's default method)."""
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_figures(seconds: list[float]) -> dict[str, float | int | None]:
    ordered = sorted(s * 1000.0 for s in seconds)
    if not ordered:
        return {"count": 0, **dict.fromkeys(("min", "avg", "p50", "p90", "p95", "p99", "max"))}
    figures: dict[str, float | int | None] = {"count": len(ordered), "min": ordered[0],
                                              "avg": sum(ordered) / len(ordered)}
    for name, fraction in (("p50", 0.50), ("p90", 0.90), ("p95", 0.95), ("p99", 0.99)):
        figures[name] = percentile(ordered, fraction)
    figures["max"] = ordered[-1]
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in figures.items()}


def histogram(seconds: list[float], bins: int = HISTOGRAM_BINS) -> list[dict[str, float]]:
    """Equal-width bins from 0 to the slowest answer, in milliseconds."""
    values = [s * 1000.0 for s in seconds]
    if not values:
        return []
    width = max(values) / bins or 1.0
    counts = Counter(min(int(v / width), bins - 1) for v in values)
    return [{"from_ms": round(i * width, 1), "to_ms": round((i + 1) * width, 1), "count": counts.get(i, 0)}
            for i in range(bins)]


def server_figures(stats: dict[str, Any] | None) -> dict[str, Any] | None:
    if not isinstance(stats, dict):
        return None

    def pick(section: str, key: str) -> Any:
        part = stats.get(section)
        return part.get(key) if isinstance(part, dict) else None

    return {"sessions_active": pick("sessions", "active"), "sessions_max": pick("sessions", "max"),
            "requests_total": pick("requests", "total"), "requests_errors": pick("requests", "errors"),
            "p50_ms": pick("latency", "p50_ms"), "p95_ms": pick("latency", "p95_ms"),
            "p99_ms": pick("latency", "p99_ms"), "memory_rss_mb": pick("system", "memory_rss_mb"),
            "cpu_percent": pick("system", "cpu_percent"), "threads": pick("system", "threads")}


def count_errors(users: list[SimulatedUser]) -> tuple[dict[str, int], dict[str, str]]:
    counts = Counter(kind for user in users for kind in user.errors)
    examples: dict[str, str] = {}
    for user in users:
        for kind, message in user.error_examples.items():
            examples.setdefault(kind, message)
    return dict(counts.most_common()), examples


def hints_for(errors: dict[str, int], server_before: dict[str, Any] | None, users: int) -> list[str]:
    """What to change, for the error kinds seen; every simulated user shares this machine's address."""
    hints = []
    if any(k.startswith("create: 429") and "rate_limited" not in k for k in errors):
        cap, active = (server_before or {}).get("sessions_max"), (server_before or {}).get("sessions_active")
        free = max(1, cap - (active or 0)) if isinstance(cap, int) else "K"
        hints.append(f"The session cap refused new sessions ({users} users, MAX_SESSIONS = {cap or 'unknown'}, of "
                     f"which one client address may hold MAX_SESSIONS_PER_CLIENT, by default a fifth): rerun with "
                     f"--max-sessions {free} (or fewer), or start the server with higher MAX_SESSIONS and "
                     f"MAX_SESSIONS_PER_CLIENT.")
    if any("rate_limited" in k for k in errors):
        hints.append("The server limits each client address to RATE_LIMIT_PER_MINUTE requests and all simulated "
                     "users share this machine's address: for a load test start the server with "
                     "RATE_LIMIT_PER_MINUTE=0 (no limit).")
    if any(" 503" in k for k in errors):
        hints.append("503: the server refused work (busy: its connection limits, MAX_CONNECTIONS and "
                     "MAX_CONNECTIONS_PER_CLIENT; or not ready); fewer --users or a higher limit.")
    if any("timeout" in k for k in errors):
        hints.append("Requests timed out: raise --timeout, or fewer --users (the answer backend may be slow).")
    if any("connection refused" in k for k in errors):
        hints.append("Connections were refused: is the server running at --url, and did it stay up?")
    return hints


def summarize(result: LoadTestResult, min_success: float, *,
              process: dict[str, Any] | None = None) -> dict[str, Any]:
    """`process`: the server process's figures measured here (loadtest_probe), when taken."""
    plan, users = result.plan, result.users
    latencies = [s for u in users for s in u.latencies]
    planned = plan.users * plan.requests_per_user
    errors, examples = count_errors(users)
    sent = len(latencies) + sum(n for k, n in errors.items() if k.startswith("chat:") and "not sent" not in k)
    success = 100.0 * len(latencies) / planned if planned else 0.0
    isolation = [{"user": u.number, "session": (u.session_id or "")[:8], "problem": u.isolation_problem}
                 for u in users if u.isolation_problem]
    unverified = [{"user": u.number, "session": (u.session_id or "")[:8], "problem": u.verify_problem}
                  for u in users if u.verify_problem]
    before, after = server_figures(result.server_before), server_figures(result.server_after)
    reasons = verdict_reasons(success, min_success, isolation, unverified, result.interrupted)
    return {
        "url": plan.url, "started_at": result.started_at, "users": plan.users,
        "requests_per_user": plan.requests_per_user, "planned_requests": planned,
        "questions": result.questions_source,
        "options": {"timeout_s": plan.timeout, "max_sessions": plan.max_sessions,
                    "keep_sessions": plan.keep_sessions, "min_success": min_success},
        "requests": {"answered": len(latencies), "failed": planned - len(latencies), "sent": sent,
                     "success_rate": round(success, 2)},
        "sessions": {"created": sum(u.session_id is not None for u in users),
                     "refused": sum(bool(u.session_problem) for u in users),
                     "verified": sum(u.verified for u in users), "deleted": sum(u.deleted for u in users)},
        "session_problems": sorted({u.session_problem for u in users if u.session_problem})[:5],
        "errors": errors, "error_examples": examples,
        "latency_ms": latency_figures(latencies), "histogram": histogram(latencies),
        "throughput_rps": round(sent / result.chat_seconds, 2) if result.chat_seconds else None,
        "answers_per_s": round(len(latencies) / result.chat_seconds, 2) if result.chat_seconds else None,
        "chat_seconds": round(result.chat_seconds, 2), "wall_seconds": round(result.wall_seconds, 2),
        "isolation": {"checked": sum(u.verified for u in users), "failures": isolation, "unverified": unverified},
        "instances": dict(sorted(sum((u.instances for u in users), Counter()).items())),
        "server": {"before": before, "after": after, "note": result.server_note,
                   "process": process or {"measured": False, "problem": "not measured"}},
        "hints": hints_for(errors, before, plan.users),
        "interrupted": result.interrupted, "passed": not reasons, "failure_reasons": reasons,
    }


def verdict_reasons(success: float, min_success: float, isolation: list, unverified: list,
                    interrupted: bool) -> list[str]:
    reasons = []
    if success < min_success:
        reasons.append(f"success rate {success:.1f}% is under --min-success {min_success:g}%")
    if isolation:
        reasons.append(f"{len(isolation)} session isolation failure(s)")
    if unverified:
        reasons.append(f"{len(unverified)} session(s) could not be verified")
    if interrupted:
        reasons.append("interrupted before the end")
    return reasons


# --- text ---------------------------------------------------------------------------------------------------


def shown(value: Any, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}{unit}"
    return f"{value}{unit}"


# system.cpu_percent of /api/admin/stats is the whole machine's CPU (psutil.cpu_percent), averaged over the
# server's last 10 s sample: not the server process's own share, so it is labelled as the machine's.
SERVER_ROWS = (("sessions active", "sessions_active", ""), ("requests total", "requests_total", ""),
               ("latency p50", "p50_ms", " ms"), ("latency p95", "p95_ms", " ms"), ("latency p99", "p99_ms", " ms"),
               ("process RSS", "memory_rss_mb", " MB"), ("server machine CPU", "cpu_percent", " %"),
               ("threads", "threads", ""))


def render_text(summary: dict[str, Any]) -> str:
    s, lat, req, ses = summary, summary["latency_ms"], summary["requests"], summary["sessions"]
    verdict = "PASS" if s["passed"] else "FAIL: " + "; ".join(s["failure_reasons"])
    lines = [
        f"UEC Knowledge Gallery load test  {s['url']}  {s['started_at']}",
        f"  {s['users']} users x {s['requests_per_user']} requests = {s['planned_requests']} chat requests; "
        f"questions: {s['questions']}",
        "",
        f"Result      {verdict}",
        f"Requests    answered {req['answered']}/{s['planned_requests']} ({req['success_rate']:.1f}%), "
        f"failed {req['failed']}",
        f"Sessions    created {ses['created']}, refused {ses['refused']}, verified {ses['verified']}, "
        f"deleted {ses['deleted']}",
        *[f"  - {problem}" for problem in s["session_problems"]],
        "Latency     " + " · ".join(f"{k} {shown(lat[k], ' ms')}" for k in
                                    ("min", "avg", "p50", "p90", "p95", "p99", "max")) + "  (answered, client side)",
        f"Throughput  {shown(s['throughput_rps'], ' requests/s', 2)} ({shown(s['answers_per_s'], ' answers/s', 2)});"
        f" chat phase {s['chat_seconds']:.2f} s, wall time {s['wall_seconds']:.2f} s",
    ]
    lines += text_errors(s) + text_isolation(s) + text_spread(s) + text_server(s["server"])
    lines.append(describe_process(s["server"]))
    if s["hints"]:
        lines += ["Hints"] + [f"  - {h}" for h in s["hints"]]
    return "\n".join(lines) + "\n"


def text_errors(s: dict[str, Any]) -> list[str]:
    if not s["errors"]:
        return ["Errors      none"]
    lines = ["Errors"]
    for kind, count in s["errors"].items():
        example = s["error_examples"].get(kind, "")
        lines.append(f"  {count:>6}  {kind}" + (f"  ({example[:100]})" if example and example not in kind else ""))
    return lines


def text_isolation(s: dict[str, Any]) -> list[str]:
    iso = s["isolation"]
    if s["interrupted"] and not iso["checked"]:
        return ["Isolation   not checked (interrupted)"]
    if not iso["failures"] and not iso["unverified"]:
        return [f"Isolation   all {iso['checked']} checked histories hold exactly their own user's turns"]
    lines = [f"Isolation   {len(iso['failures'])} failure(s), {len(iso['unverified'])} unverified "
             f"of {iso['checked'] + len(iso['unverified'])}"]
    for item in (iso["failures"] + iso["unverified"])[:20]:
        lines.append(f"  user {item['user']} session {item['session']}…: {item['problem']}")
    return lines


def text_spread(s: dict[str, Any]) -> list[str]:
    """How the chat requests spread over the instances that answered (X-Instance), behind a proxy."""
    spread = s.get("instances") or {}
    total = sum(spread.values())
    if not total:
        return []
    return [f"Instances   {len(spread)} answered the chat requests: " + ", ".join(
        f"{name} {count} ({100.0 * count / total:.1f}%)" for name, count in spread.items())]


def text_server(server: dict[str, Any]) -> list[str]:
    before, after = server["before"], server["after"]
    if not before and not after:
        return [f"Server      figures unavailable: {server['note'] or 'no /api/admin/stats'}"]
    lines = [f"Server      {'':<16}{'before':>12}{'after':>12}   (/api/admin/stats; after = before cleanup)"]
    for label, key, unit in SERVER_ROWS:
        lines.append(f"  {label:<26}{shown((before or {}).get(key), unit):>12}{shown((after or {}).get(key), unit):>12}")
    return lines


def describe_process(server: dict[str, Any]) -> str:
    """One line: the server process's CPU and memory during the run, as measured on this machine."""
    p = server.get("process") or {}
    if not p.get("measured"):
        return f"Process     not measured here: {p.get('problem') or 'unknown'}"
    line = (f"Process     pid {p['pid']} during the run: CPU {p['cpu_seconds']:.2f} s in {p['wall_seconds']:.2f} s = "
            f"{p['cpu_percent_of_one_core']:.0f}% of one core ({p['cpu_percent_of_machine']:.0f}% of "
            f"{p['cores']} cores); RSS {p['rss_mb_start']:.0f} MB -> peak {p['rss_mb_peak']:.0f} MB; "
            f"peak {p['threads_peak']} threads")
    if p.get("answer_processes"):
        line += (f"\n            + {p['answer_processes']} answer processes: CPU {p['answer_processes_cpu_seconds']:.2f} s "
                 f"= {p['answer_processes_cpu_percent_of_one_core']:.0f}% of one core; "
                 f"{p['answer_processes_uss_mb_end']:.0f} MB of their own (USS) at the end")
    return line


# --- HTML ---------------------------------------------------------------------------------------------------

HTML_STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:960px;color:#1d2330}
h1{font-size:1.4em}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{padding:.25em .8em;
border-bottom:1px solid #dde;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#176c2c;font-weight:600}.fail{color:#a31818;font-weight:600}svg text{font-size:11px;fill:#445}"""


def html_table(rows: list[tuple[Any, ...]], head: tuple[str, ...] = ()) -> str:
    def cell(value: Any, tag: str) -> str:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return f"<{tag}{' class=n' if number else ''}>{html.escape(shown(value, digits=2))}</{tag}>"

    parts = ["<table>"]
    if head:
        parts.append("<tr>" + "".join(cell(h, "th") for h in head) + "</tr>")
    parts += ["<tr>" + "".join(cell(v, "td") for v in row) + "</tr>" for row in rows]
    return "".join(parts) + "</table>"


def histogram_svg(bins: list[dict[str, float]], width: int = 720, height: int = 240) -> str:
    if not bins:
        return "<p>No answered requests, so no latency histogram.</p>"
    left, bottom, top = 50, 30, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    tallest = max(b["count"] for b in bins) or 1
    bar_w = plot_w / len(bins)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="latency histogram">',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#889"/>',
             f'<text x="{left - 6}" y="{top + 10}" text-anchor="end">{tallest}</text>',
             f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>']
    for i, b in enumerate(bins):
        h = plot_h * b["count"] / tallest
        x = left + i * bar_w
        tip = html.escape(f"{b['from_ms']:.0f}–{b['to_ms']:.0f} ms: {b['count']}")
        parts.append(f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                     f'fill="#3b6fd8"><title>{tip}</title></rect>')
        if i % 4 == 0 or i == len(bins) - 1:
            parts.append(f'<text x="{x:.1f}" y="{height - 12}">{b["from_ms"]:.0f}</text>')
    parts.append(f'<text x="{left + plot_w}" y="{height - 1}" text-anchor="end">latency, ms (answered '
                 f'requests)</text></svg>')
    return "".join(parts)


def render_html(summary: dict[str, Any]) -> str:
    s, e = summary, html.escape
    verdict = "PASS" if s["passed"] else "FAIL: " + "; ".join(s["failure_reasons"])
    lat, req, ses = s["latency_ms"], s["requests"], s["sessions"]
    before, after = s["server"]["before"] or {}, s["server"]["after"] or {}
    iso = s["isolation"]["failures"] + s["isolation"]["unverified"]
    body = [
        f"<h1>Load test of {e(s['url'])}</h1>",
        f"<p>{e(s['started_at'])} · {s['users']} users × {s['requests_per_user']} requests · "
        f"questions: {e(s['questions'])}</p>",
        f'<p class="{"pass" if s["passed"] else "fail"}">{e(verdict)}</p>',
        html_table([("success rate", f"{req['success_rate']:.1f}%"), ("answered", req["answered"]),
                    ("failed", req["failed"]), ("throughput (requests/s)", s["throughput_rps"]),
                    ("chat phase (s)", s["chat_seconds"]), ("wall time (s)", s["wall_seconds"]),
                    ("sessions created / refused / verified / deleted",
                     f"{ses['created']} / {ses['refused']} / {ses['verified']} / {ses['deleted']}")]),
        "<h2>Latency (ms, client side)</h2>",
        html_table([tuple(lat[k] for k in ("min", "avg", "p50", "p90", "p95", "p99", "max"))],
                   ("min", "avg", "p50", "p90", "p95", "p99", "max")),
        histogram_svg(s["histogram"]),
        "<h2>Errors</h2>",
        html_table([(n, k, s["error_examples"].get(k, "")) for k, n in s["errors"].items()],
                   ("count", "kind", "server's message")) if s["errors"] else "<p>None.</p>",
        "<h2>Session isolation</h2>",
        html_table([(i["user"], i["session"], i["problem"]) for i in iso], ("user", "session", "problem"))
        if iso else f"<p>All {s['isolation']['checked']} checked histories hold exactly their own user's turns.</p>",
        "<h2>Instances (X-Instance of the chat replies)</h2>",
        html_table(list(s["instances"].items()), ("instance", "chat requests")) if s["instances"] else "<p>-</p>",
        "<h2>Server (/api/admin/stats)</h2>",
        html_table([(label, before.get(key), after.get(key)) for label, key, _ in SERVER_ROWS],
                   ("", "before", "after (before cleanup)")) if before or after
        else f"<p>Unavailable: {e(s['server']['note'])}</p>",
        f"<p>{e(describe_process(s['server']).removeprefix('Process').strip())}</p>",
    ]
    if s["hints"]:
        body.append("<h2>Hints</h2><ul>" + "".join(f"<li>{e(h)}</li>" for h in s["hints"]) + "</ul>")
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Load test report</title>'
            f"<style>{HTML_STYLE}</style></head><body>{''.join(body)}</body></html>\n")


def write_report(path: Path, summary: dict[str, Any]) -> None:
    """JSON for .json, HTML for .html/.htm, text otherwise."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        text = json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
    elif suffix in (".html", ".htm"):
        text = render_html(summary)
    else:
        text = render_text(summary)
    path.write_text(text, encoding="utf-8")


# --- --stats-only -------------------------------------------------------------------------------------------


def render_server_sessions(stats: dict[str, Any], url: str) -> str:
    figures = server_figures(stats) or {}
    sessions = stats.get("sessions") if isinstance(stats.get("sessions"), dict) else {}
    requests = stats.get("requests") if isinstance(stats.get("requests"), dict) else {}
    lines = [f"Server {url}: version {stats.get('version', '?')}, up {shown(stats.get('uptime_s'), ' s', 0)}",
             f"Sessions: {shown(sessions.get('active'))} active of {shown(sessions.get('max'))} "
             f"(idle timeout {shown(sessions.get('timeout_minutes'), ' min', 0)})"]
    listed = sessions.get("list") if isinstance(sessions.get("list"), list) else []
    if listed:
        lines.append(f"  {'ID PREFIX':<12}{'AGE':>10}{'IDLE':>10}{'MESSAGES':>10}")
        for item in listed:
            lines.append(f"  {str(item.get('id_prefix', '')):<12}{shown(item.get('age_s'), ' s', 0):>10}"
                         f"{shown(item.get('idle_s'), ' s', 0):>10}{shown(item.get('messages')):>10}")
    lines.append(f"Requests: {shown(requests.get('total'))} total, {shown(requests.get('errors'))} errors, "
                 f"{shown(requests.get('rate_per_min'))}/min; latency p50 {shown(figures.get('p50_ms'), ' ms')}, "
                 f"p95 {shown(figures.get('p95_ms'), ' ms')}, p99 {shown(figures.get('p99_ms'), ' ms')}")
    lines.append(f"Process: RSS {shown(figures.get('memory_rss_mb'), ' MB')}, CPU {shown(figures.get('cpu_percent'), ' %')}, "
                 f"{shown(figures.get('threads'))} threads")
    return "\n".join(lines) + "\n"
