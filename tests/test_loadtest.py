"""test_concurrent.py, the load tester, as a real process against a real server: its text, JSON and HTML
reports, the isolation check, what it measures of the server and its answer processes, --stats-only, and exit
status 1 under --min-success. Shared helpers: tests/ops_helpers.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.ops_helpers import admin_stats, ops_env, running_gallery, tool


def test_load_test_reports_in_three_formats_with_isolation(tmp_path: Path, copied_index_dir: Path) -> None:
    with running_gallery(tmp_path / "server", copied_index_dir, RATE_LIMIT_PER_MINUTE=0, MAX_SESSIONS_PER_CLIENT=50,
                         ANSWER_PROCESSES=2) as server:  # every simulated user comes from this one address
        runs = {suffix: tool("test_concurrent.py", "--users", "20", "--requests", "3", "--url", server.url,
                             "--output", str(tmp_path / f"report.{suffix}"), "--seed", str(n), cwd=tmp_path,
                             env=ops_env())
                for n, suffix in enumerate(("txt", "json", "html"))}
        stats = tool("test_concurrent.py", "--stats-only", "--url", server.url, cwd=tmp_path, env=ops_env())
        assert admin_stats(server.url)["sessions"]["active"] == 0  # every session deleted afterwards
        server_pid = server.pid

    for suffix, run in runs.items():
        assert run.returncode == 0, run.stdout + run.stderr
        assert "Result      PASS" in run.stdout and "answered 60/60 (100.0%)" in run.stdout
        assert "Isolation   all 20 checked histories hold exactly their own user's turns" in run.stdout
        assert f"report written to {tmp_path / f'report.{suffix}'}" in run.stdout
        assert "requests [" in run.stderr  # the progress line
    text = (tmp_path / "report.txt").read_text()
    assert "Latency     min" in text and "p99" in text and "process RSS" in text
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["passed"] and report["requests"]["success_rate"] == 100.0
    assert report["isolation"] == {"checked": 20, "failures": [], "unverified": []}
    assert report["server"]["after"]["memory_rss_mb"] > 0
    process = report["server"]["process"]  # measured here: the server runs on this machine
    assert process["measured"] and process["pid"] == server_pid and process["rss_mb_peak"] >= 50
    assert f"Process     pid {server_pid} during the run: CPU" in text
    # the answers were computed in the two answer processes, whose CPU and memory count too
    assert process["answer_processes"] == 2 and process["answer_processes_cpu_seconds"] > 0
    assert process["answer_processes_uss_mb_end"] > 0 and "+ 2 answer processes: CPU" in text
    html = (tmp_path / "report.html").read_text()
    assert html.lower().startswith("<!doctype html>") and "<svg" in html
    assert stats.returncode == 0 and "Sessions: 0 active of 50" in stats.stdout


def test_load_test_exits_1_under_min_success(tmp_path: Path, copied_index_dir: Path) -> None:
    with running_gallery(tmp_path / "server", copied_index_dir, RATE_LIMIT_PER_MINUTE=0, MAX_SESSIONS=5) as server:
        capped = tool("test_concurrent.py", "--users", "20", "--requests", "2", "--url", server.url, cwd=tmp_path,
                      env=ops_env())
        paced = tool("test_concurrent.py", "--users", "20", "--requests", "2", "--max-sessions", "5", "--url",
                     server.url, cwd=tmp_path, env=ops_env())
    assert capped.returncode == 1
    assert "FAIL: success rate 25.0% is under --min-success 95%" in capped.stdout
    assert "--max-sessions" in capped.stderr + capped.stdout  # the warning and the hint say what to do
    assert paced.returncode == 0 and "answered 40/40" in paced.stdout

