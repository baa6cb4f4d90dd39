#!/usr/bin/env python3
"""Health and resource monitor for a running UEC Knowledge Gallery (command line).

Job: parse the command line, read Settings, and either run one check (`--once`: a table or JSON, exit 1 when
anything is alerting) or check every interval until Ctrl-C/SIGTERM. What a check does — probes, thresholds,
monitor.log, alerts.log, de-duplication, webhook — lives in mygallery/monitoring.py.
Collaborators: mygallery.config (MONITOR_*, ALERT_*, ADMIN_TOKEN, LOG_DIR), mygallery.ops.monitoring.
Pointed at the proxy of a cluster (SESSION_STORE=redis), it reports every instance: the one that answers lists
them all from the cluster's registry in Redis.
Non-goals: starting or restarting the server, graphs (the admin panel has them), several unrelated servers.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import threading
from datetime import datetime
from types import FrameType

from mygallery.config import Settings, load_settings_for_command
from mygallery.ops.alerting import format_duration
from mygallery.ops.monitoring import (
    ALERTS_LOG_NAME,
    MONITOR_LOG_NAME,
    STATE_FILE_NAME,
    CheckResult,
    Monitor,
    is_http_url,
)

EXIT_OK, EXIT_ALERT, EXIT_USAGE = 0, 1, 2

DESCRIPTION = f"""\
Check a running UEC Knowledge Gallery and this machine, and alert when something is wrong.

Each check polls GET /api/health (timing the round trip), /api/ready and /api/admin/stats (sent with
ADMIN_TOKEN when set; a 401/403 is a warning, and the session and server-latency checks are skipped), and
measures this machine with psutil: CPU %, memory %, and disk % of the disk holding LOG_DIR.

alerts (thresholds from the environment or .env):
  availability      health fails, is refused or times out, or /api/ready is not 200   (critical)
  response_time     health round trip above ALERT_RESPONSE_SECONDS (default 5)
  server_p95        the server's own p95 latency above ALERT_RESPONSE_SECONDS
  sessions          server's active sessions above ALERT_SESSIONS (default 40)
  cpu/memory/disk   above ALERT_CPU_PERCENT (80) / ALERT_MEMORY_PERCENT (85) / ALERT_DISK_PERCENT (90)
  instances         cluster mode: an instance stopped its heartbeat (crashed, hung, cut off)  (critical)
  redis             cluster mode: the instances cannot reach Redis                            (critical)

files in LOG_DIR (default: the current folder):
  {MONITOR_LOG_NAME:<20}one line per check
  {ALERTS_LOG_NAME:<20}one line per alert: time, severity, name, value, threshold, message;
                      a RECOVERED line when the condition clears
  {STATE_FILE_NAME:<20}ongoing alerts, so an ongoing condition is re-alerted at most every
                      ALERT_REPEAT_MINUTES (default 15), also across cron runs of --once
With ALERT_WEBHOOK_URL set, every alert/recovery is also POSTed there as JSON (timeout 5 s; a failure is
logged, never fatal).
"""

EPILOG = """\
exit status: 0 all checks OK (or the loop was stopped); 1 --once found an alert, new or ongoing
(including the server being down); 2 bad usage or configuration.

examples:
  python monitor.py --once                           one check, table, exit 1 on alert
  python monitor.py --once --json                    the same as a JSON object
  python monitor.py --url http://gallery:8000 --interval 60
  */5 * * * * cd /opt/gallery && .venv/bin/python monitor.py --once >/dev/null
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="monitor.py", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--once", action="store_true",
                        help="run one check, print the result and exit (1 when any alert is on)")
    parser.add_argument("--url", help="server base URL (default: MONITOR_SERVER_URL, http://localhost:8000)")
    parser.add_argument("--interval", type=float, metavar="S",
                        help="seconds between checks in the loop (default: MONITOR_INTERVAL, 30)")
    parser.add_argument("--json", action="store_true",
                        help="print JSON instead of text (--once: one object; loop: one object per line)")
    return parser


def resolve_options(parser: argparse.ArgumentParser, args: argparse.Namespace,
                    settings: Settings) -> tuple[str, float]:
    """The URL and interval to use: the command line wins over the settings. Errors exit 2 via parser.error."""
    url = args.url if args.url is not None else settings.monitor_server_url
    if not is_http_url(url):
        source = "--url" if args.url is not None else "MONITOR_SERVER_URL"
        parser.error(f"{source} must be an http:// or https:// URL, got {url!r}")
    interval = args.interval if args.interval is not None else settings.monitor_interval
    if not 0 < interval < math.inf:
        parser.error("--interval must be a number greater than 0")
    return url, interval


def print_table(result: CheckResult) -> None:
    print(f"UEC Knowledge Gallery monitor  {result.url}  {result.time}")
    rows = [("CHECK", "VALUE", "THRESHOLD", "STATUS")]
    rows += [(r.label, r.shown_value(), r.shown_threshold(), r.status) for r in result.readings]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print(f"  {row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]}")
    if result.server.get("version"):
        print(f"server: {describe_server(result.server)}")
    for instance in result.server.get("instances") or []:
        print(f"  instance {describe_instance(instance)}")
    for warning in result.warnings:
        print(f"warning: {warning}")
    print(f"alerts: {describe_alerts(result)}")


def describe_server(server: dict) -> str:
    parts = [f"version {server['version']}"]
    if isinstance(server.get("uptime_s"), (int, float)):
        parts.append(f"up {format_duration(server['uptime_s'])}")
    if server.get("requests_total") is not None:
        parts.append(f"{server['requests_total']:g} requests")
    if server.get("error_rate") is not None:
        parts.append(f"{server['error_rate'] * 100:.1f}% errors")
    if server.get("memory_rss_mb") is not None:
        parts.append(f"RSS {server['memory_rss_mb']:.0f} MB")
    return ", ".join(parts)


def describe_instance(instance: dict) -> str:
    """One instance of a cluster, from its last heartbeat."""
    parts = [str(instance.get("id")), "up" if instance.get("alive") else "DOWN", str(instance.get("address") or "")]
    if isinstance(instance.get("heartbeat_age_s"), (int, float)):
        parts.append(f"heartbeat {instance['heartbeat_age_s']:g} s ago")
    for key, unit in (("requests_per_s", " req/s"), ("p95_ms", " ms p95"), ("memory_rss_mb", " MB")):
        if isinstance(instance.get(key), (int, float)):
            parts.append(f"{instance[key]:g}{unit}")
    if instance.get("generation"):
        parts.append(f"index {instance['generation']}")
    return "  ".join(parts)


def describe_alerts(result: CheckResult) -> str:
    if not result.alerting:
        recovered = [e.name for e in result.events if e.kind == "RECOVERED"]
        return "none" + (f" (recovered: {', '.join(recovered)})" if recovered else "")
    fresh = {e.name: e.kind for e in result.events}
    described = []
    for name in result.alerting:
        if fresh.get(name) == "ALERT":
            described.append(f"{name} (new)")
            continue
        since = result.ongoing_since.get(name)
        when = datetime.fromtimestamp(since).strftime("%Y-%m-%d %H:%M") if since else "earlier"
        note = "reminder sent" if fresh.get(name) == "REPEAT" else "already alerted"
        described.append(f"{name} (ongoing since {when}, {note})")
    return ", ".join(described)


def print_round(result: CheckResult, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
        return
    print(result.log_line())
    for warning in result.warnings:
        print(f"  warning: {warning}")
    for event in result.events:
        print(f"  {event.log_line()}")
    sys.stdout.flush()


def run_once(monitor: Monitor, as_json: bool) -> int:
    result = monitor.check()
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print_table(result)
    return EXIT_ALERT if result.alerting else EXIT_OK


def run_forever(monitor: Monitor, interval: float, as_json: bool) -> int:
    stop = threading.Event()

    def stop_on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stop_on_signal)
    if not as_json:
        print(f"monitoring {monitor.url} every {interval:g} s; logs in {monitor.log_dir.resolve()}; Ctrl-C stops",
              flush=True)
    try:
        while not stop.is_set():
            print_round(monitor.check(), as_json)
            stop.wait(interval)
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = load_settings_for_command()
    if settings is None:
        return EXIT_USAGE
    url, interval = resolve_options(parser, args, settings)
    try:
        monitor = Monitor(settings, url=url)
        return run_once(monitor, args.json) if args.once else run_forever(monitor, interval, args.json)
    except KeyboardInterrupt:  # Ctrl-C during --once (the loop handles its own)
        return 130
    except OSError as exc:  # LOG_DIR missing rights, disk full: a configuration problem, not an alert
        print(f"error: cannot use LOG_DIR {settings.log_dir}: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
