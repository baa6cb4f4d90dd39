#!/usr/bin/env python3
"""Concurrent multi-user load test of a running UEC Knowledge Gallery (command line).

Job: parse the command line, read Settings, check the server is up, run the simulated users with a progress
line on stderr, print the report and write it to --output (text, .json or .html); or, with --stats-only,
print the server's current session statistics. The simulation lives in mygallery/loadtest.py, what the users
ask in mygallery/loadtest_questions.py, the figures and report formats in mygallery/loadtest_report.py.
Collaborators: mygallery.config (MONITOR_SERVER_URL as the default URL, ADMIN_TOKEN), those three modules.
Non-goals: a pytest test (despite the name: it is an operator tool run against a live server), streaming,
load from several machines.
"""

from __future__ import annotations

import argparse
import math
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from mygallery.config import Settings, load_settings_for_command
from mygallery.ops.loadtest import LoadTest, LoadTestPlan
from mygallery.ops.loadtest_probe import ServerProcessWatch
from mygallery.ops.loadtest_questions import DEFAULT_QA_FILE, load_questions
from mygallery.ops.loadtest_report import render_server_sessions, render_text, summarize, write_report
from mygallery.ops.monitoring import fetch_admin_stats, fetch_json, is_http_url, stats_refusal_hint

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

DESCRIPTION = """\
Simulate N users talking to a running UEC Knowledge Gallery at the same time, then check that no
conversation leaked into another.

Every user is a thread with its own keep-alive connection. It creates its own session (POST /api/sessions,
retrying a 429 after Retry-After a few times), then sends M messages through POST /api/chat (not streamed):
questions from the QA set (--qa; built-in UEC questions when the file is missing), every second message a
follow-up such as "Why does it matter?" or "那和 ROD 相比呢？". Afterwards each session's stored history
(GET /api/sessions/{id}) must hold exactly that user's messages in order, one answer after each; any
difference is an isolation failure. Sessions are deleted at the end unless --keep-sessions.

The success rate is the share of the N x M planned chat requests answered 200; a user that gets no
session (429 at the server's cap, after its retries) fails all its M requests, with a hint on
--max-sessions. The report gives the success rate, errors by kind (with the server's message), client-side latency
min/avg/p50/p90/p95/p99/max, throughput, wall time, and the server's own figures from /api/admin/stats
before and after the run (sessions, requests, latency, RSS, machine CPU; sent with ADMIN_TOKEN when set).
When the server runs on this machine, its process's CPU time, peak RSS and peak threads during the run are
measured here too (psutil; the server's own CPU figure is the machine's, averaged over 10 s).
"""

EPILOG = """\
server settings that matter for a load test (all users share this machine's address):
  RATE_LIMIT_PER_MINUTE=0   otherwise most requests beyond 60 a minute are answered 429
  MAX_SESSIONS              each user holds one session; more users than that are refused unless
                            --max-sessions keeps fewer open at once
  MAX_SESSIONS_PER_CLIENT   the same for one address, which holds a fifth of MAX_SESSIONS by default
  MAX_CONNECTIONS_PER_CLIENT  one connection per user: a quarter of MAX_CONNECTIONS (256) by default

exit status: 0 success rate >= --min-success and every session isolated; 1 otherwise (or the server is
unreachable, or --stats-only could not read the statistics); 2 bad usage or configuration; 130 Ctrl-C.

examples:
  python test_concurrent.py --users 50 --requests 4
  python test_concurrent.py --users 500 --requests 3 --max-sessions 50 --output test_report.html
  python test_concurrent.py --stats-only
"""


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a number greater than 0, got {text}")
    return value


def percentage(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be from 0 to 100, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="test_concurrent.py", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=positive_int, default=10, metavar="N",
                        help="simulated users, all at once, one thread each (default 10)")
    parser.add_argument("--requests", type=positive_int, default=5, metavar="M",
                        help="chat messages per user (default 5)")
    parser.add_argument("--url", help="server base URL (default: MONITOR_SERVER_URL, http://localhost:8000)")
    parser.add_argument("--output", type=Path, metavar="FILE",
                        help="also write the report: JSON for .json, HTML for .html, text otherwise")
    parser.add_argument("--stats-only", action="store_true",
                        help="only print the server's current session statistics and exit")
    parser.add_argument("--min-success", type=percentage, default=95.0, metavar="P",
                        help="lowest success rate in percent that passes (default 95)")
    parser.add_argument("--timeout", type=positive_float, default=60.0, metavar="S",
                        help="seconds to wait for one HTTP answer (default 60)")
    parser.add_argument("--max-sessions", type=positive_int, metavar="K",
                        help="keep at most K sessions open at once: users wait for a free slot, and each "
                             "session is verified and deleted as soon as its user is done "
                             "(default: no limit, all sessions open together)")
    parser.add_argument("--keep-sessions", action="store_true",
                        help="do not delete the sessions at the end (with --max-sessions they then stay open "
                             "and count against the server's cap)")
    parser.add_argument("--qa", type=Path, default=DEFAULT_QA_FILE, metavar="FILE",
                        help=f"questions, JSON lines with \"question\" (default {DEFAULT_QA_FILE})")
    parser.add_argument("--seed", type=int, default=0, help="seed for choosing questions (default 0)")
    return parser


def resolve_url(parser: argparse.ArgumentParser, args: argparse.Namespace, settings: Settings) -> str:
    url = args.url if args.url is not None else settings.monitor_server_url
    if not is_http_url(url):
        source = "--url" if args.url is not None else "MONITOR_SERVER_URL"
        parser.error(f"{source} must be an http:// or https:// URL, got {url!r}")
    return url.rstrip("/")


def check_output_path(parser: argparse.ArgumentParser, path: Path | None) -> None:
    if path is not None and not path.parent.resolve().is_dir():
        parser.error(f"--output: folder {path.parent} does not exist")


def print_session_stats(url: str, token: str) -> int:
    reply = fetch_admin_stats(url, token)
    problem = stats_refusal_hint(reply)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_FAILED
    sys.stdout.write(render_server_sessions(reply.body, url))
    return EXIT_OK


def server_is_up(url: str) -> bool:
    reply = fetch_json(url + "/api/health", timeout=10.0)
    if not reply.ok:
        print(f"error: the server at {url} does not answer /api/health ({reply.reason()})", file=sys.stderr)
    return reply.ok


def warn_about_session_cap(test: LoadTest, plan: LoadTestPlan) -> None:
    """More users than free sessions must not fail silently: say so before the run starts."""
    stats, _ = test.server_figures()
    sessions = stats.get("sessions") if isinstance(stats, dict) else None
    if not isinstance(sessions, dict) or not isinstance(sessions.get("max"), int):
        return
    free = sessions["max"] - int(sessions.get("active") or 0)
    limit = plan.max_sessions or plan.users
    if min(limit, plan.users) > free:
        print(f"warning: {plan.users} users but the server has room for {free} more session(s) "
              f"(MAX_SESSIONS={sessions['max']}): the rest will be refused with 429. Use --max-sessions "
              f"{max(1, free)} or raise MAX_SESSIONS on the server.", file=sys.stderr)


class ProgressLine:
    """Requests finished out of planned, on stderr: redrawn in place on a terminal, a plain line every
    few seconds otherwise. Runs in its own thread; `stop()` draws the final state and joins it."""

    def __init__(self, test: LoadTest, stream: TextIO = sys.stderr) -> None:
        self.test = test
        self.stream = stream
        self.tty = stream.isatty()
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._draw_until_stopped, name="progress", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _draw_until_stopped(self) -> None:
        while not self._stop.wait(0.2 if self.tty else 5.0):
            self._draw()
        self._draw()
        if self.tty:
            self.stream.write("\n")

    def _draw(self) -> None:
        done, failed, total = self.test.progress()
        filled = int(30 * done / total) if total else 30
        line = (f"requests [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}  failed {failed}  "
                f"{time.monotonic() - self.started:.1f} s")
        self.stream.write(f"\r{line}" if self.tty else f"{line}\n")
        self.stream.flush()


def run_load_test(args: argparse.Namespace, url: str, settings: Settings) -> int:
    plan = LoadTestPlan(url=url, users=args.users, requests_per_user=args.requests, timeout=args.timeout,
                        max_sessions=args.max_sessions, keep_sessions=args.keep_sessions,
                        admin_token=settings.admin_token, seed=args.seed)
    questions, source = load_questions(args.qa)
    test = LoadTest(plan, questions, source)
    warn_about_session_cap(test, plan)
    progress = ProgressLine(test)
    watch = ServerProcessWatch(url)  # the server's own CPU and RSS, when it runs on this machine
    watch.start()
    progress.start()
    try:
        result = test.run()
    finally:
        progress.stop()
        process = watch.stop()
    summary = summarize(result, args.min_success, process=process)
    sys.stdout.write(render_text(summary))
    if args.output:
        write_report(args.output, summary)
        print(f"report written to {args.output}")
    if result.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if summary["passed"] else EXIT_FAILED


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = load_settings_for_command()
    if settings is None:
        return EXIT_USAGE
    url = resolve_url(parser, args, settings)
    check_output_path(parser, args.output)
    if args.stats_only:
        return print_session_stats(url, settings.admin_token)
    if not server_is_up(url):
        return EXIT_FAILED
    try:
        return run_load_test(args, url, settings)
    except KeyboardInterrupt:  # a second Ctrl-C during clean-up
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
