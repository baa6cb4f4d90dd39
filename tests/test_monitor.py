"""monitor.py as a real process against a real server: one check of a healthy, a down and an over-threshold
server (output, exit status, monitor.log and alerts.log), and an ongoing alert logged once, then its recovery.
Shared helpers: tests/ops_helpers.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.http_helpers import free_port, new_session
from tests.ops_helpers import CALM, ROOT, ops_env, running_gallery, tool


def test_monitor_once_healthy_down_and_threshold(tmp_path: Path, copied_index_dir: Path) -> None:
    with running_gallery(tmp_path / "server", copied_index_dir, ADMIN_TOKEN="mon-tok") as server:
        runs = {
            "healthy": ops_env(LOG_DIR=tmp_path / "healthy", ADMIN_TOKEN="mon-tok", **CALM),
            "memory": ops_env(LOG_DIR=tmp_path / "memory", ADMIN_TOKEN="mon-tok", **{**CALM,
                                                                                     "ALERT_MEMORY_PERCENT": "0.1"}),
        }
        started = {name: subprocess.Popen([sys.executable, str(ROOT / "monitor.py"), "--once", "--url", server.url],
                                          cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
                   for name, env in runs.items()}
        down = tool("monitor.py", "--once", "--url", f"http://127.0.0.1:{free_port()}", cwd=tmp_path,
                    env=ops_env(LOG_DIR=tmp_path / "down", **CALM))
        outputs = {name: (p.communicate(timeout=60)[0], p.returncode) for name, p in started.items()}

    healthy, code = outputs["healthy"]
    assert code == 0, healthy
    assert re.search(r"availability\s+up\s+up\s+OK", healthy) and "alerts: none" in healthy
    assert not (tmp_path / "healthy" / "alerts.log").exists()
    assert len((tmp_path / "healthy" / "monitor.log").read_text().splitlines()) == 1

    memory, code = outputs["memory"]
    assert code == 1 and "memory (new)" in memory
    line = (tmp_path / "memory" / "alerts.log").read_text().strip()
    assert re.search(r"WARNING memory value=[\d.]+% threshold=0.1% memory [\d.]+% is above 0.1%", line), line

    assert down.returncode == 1
    assert re.search(r"availability\s+down\s+up\s+ALERT", down.stdout) and "availability (new)" in down.stdout
    alert = (tmp_path / "down" / "alerts.log").read_text()
    assert "CRITICAL availability value=down" in alert and "application unavailable: health check failed" in alert


def test_monitor_deduplicates_an_ongoing_alert_and_notes_recovery(tmp_path: Path, copied_index_dir: Path) -> None:
    logs = tmp_path / "monitor"
    with running_gallery(tmp_path / "server", copied_index_dir) as server:
        for _ in range(2):
            new_session(server.url)

        def check(sessions_threshold: int) -> subprocess.CompletedProcess:
            return tool("monitor.py", "--once", "--url", server.url, cwd=tmp_path,
                        env=ops_env(LOG_DIR=logs, **{**CALM, "ALERT_SESSIONS": str(sessions_threshold)}))

        first, second, cleared = check(1), check(1), check(5)
    alerts = logs / "alerts.log"
    assert first.returncode == 1 and "sessions (new)" in first.stdout
    assert second.returncode == 1 and "sessions (ongoing since" in second.stdout and "already alerted" in second.stdout
    assert cleared.returncode == 0 and "recovered: sessions" in cleared.stdout
    lines = alerts.read_text().splitlines()
    assert len(lines) == 2, lines  # one ALERT (the second run added nothing), one RECOVERED
    assert " WARNING sessions value=2 threshold=1 active sessions 2 is above 1" in lines[0]
    assert " RECOVERED sessions value=2 threshold=5 " in lines[1] and "back to normal" in lines[1]
    assert len((logs / "monitor.log").read_text().splitlines()) == 3

