"""The operations tools as real processes against real servers: deploy_intranet.sh on a fresh clone, monitor.py,
test_concurrent.py, `python -m mygallery backup|restore`, and the sample nginx site and systemd units in deploy/.

Servers are `python -m mygallery serve` subprocesses on port 0 (about a second to start: the index is copied,
not built), each with its own working folder. They and the CLI run the working tree's code from that folder
(`LAUNCH` puts this checkout first on sys.path, so a clone's own mygallery/ cannot shadow it) — except
deploy_intranet.sh, which deploys the clone it belongs to.
A clone gets its .venv the way an operator's does: deploy_intranet.sh runs scripts/setup.sh, about 3 s because
uv links the pinned packages from its cache, filled when scripts/test.sh set up this checkout. The checkout's
.venv is deliberately not symlinked into the clone: setup.sh's `uv pip install -e .` would then point this
checkout's environment at the clone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

import psutil
import pytest

from mygallery.config import Settings
from mygallery.engine.index import FORMAT_VERSION
from mygallery.ops.backup import blank_secrets
from tests.http_helpers import ask, call, new_session, ready_url, sse_events, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
SETTING_NAMES = {f.name.upper() for f in fields(Settings)}
LAUNCH = "import sys; sys.path.insert(0, sys.argv.pop(1)); from mygallery.__main__ import main; sys.exit(main())"
QUESTION = "What does RUD guarantee?"
SECRETS_ENV = "ADMIN_TOKEN=tok-live-123\nOPENAI_API_KEY=sk-never-in-backups\nANSWER_BACKEND=extractive\n"
# Every machine threshold out of reach, so only the condition a test sets up can alert.
CALM = {"ALERT_CPU_PERCENT": "100", "ALERT_MEMORY_PERCENT": "100", "ALERT_DISK_PERCENT": "100",
        "ALERT_RESPONSE_SECONDS": "30", "ALERT_SESSIONS": "1000"}


def ops_env(**settings: object) -> dict[str, str]:
    """The environment without any gallery setting (the autouse fixture's included), plus `settings`."""
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    env.update({k: str(v) for k, v in settings.items()})
    return env


def mygallery(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", LAUNCH, str(ROOT), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def tool(script: str, *args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / script), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=180)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def git_clone(target: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True, timeout=60)
    return target


@dataclass
class ServerProcess:
    process: subprocess.Popen
    url: str

    @property
    def pid(self) -> int:
        return self.process.pid


@contextmanager
def running_gallery(cwd: Path, index_dir: Path | None = None, **settings: object) -> Iterator[ServerProcess]:
    """`python -m mygallery serve` in `cwd` on a free port; stopped with SIGTERM afterwards."""
    cwd.mkdir(parents=True, exist_ok=True)
    env = ops_env(LOG_DIR=cwd / "logs", DOCS_DIR=ROOT / "data" / "docs", **settings)
    if index_dir is not None:
        env["INDEX_DIR"] = str(index_dir)
    with (cwd / "server.err").open("w") as errors:  # a file, not a pipe nobody reads: warnings must not block
        process = subprocess.Popen([sys.executable, "-c", LAUNCH, str(ROOT), "serve", "--host", "127.0.0.1",
                                    "--port", "0"], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=errors,
                                   text=True)
    try:
        url = ready_url(process.stdout.readline(), (cwd / "server.err").read_text())
        yield ServerProcess(process, url)
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()


def admin_stats(url: str, token: str = "") -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    reply = call(url, "GET", "/api/admin/stats", headers=headers)
    assert reply.status == 200, reply.body
    return reply.json()


def history(url: str, session_id: str) -> list[dict]:
    reply = call(url, "GET", f"/api/sessions/{session_id}")
    assert reply.status == 200, (session_id, reply.body)
    return reply.json()["messages"]


def snapshot_histories(database: Path) -> dict[str, list[dict]]:
    with sqlite3.connect(database) as db:
        stored: dict[str, list[dict]] = {sid: [] for (sid,) in db.execute("SELECT id FROM sessions")}
        for sid, body in db.execute("SELECT session_id, body FROM messages ORDER BY session_id, seq"):
            stored[sid].append(json.loads(body))
    return stored


def all_answered_once(stats: dict, sessions: int) -> bool:
    """Every one of `sessions` conversations holds an answered turn (and so is in the database for sure)."""
    listed = stats["sessions"]["list"]
    return len(listed) >= sessions and all(item["messages"] >= 2 for item in listed)


def newest_snapshot(output: str) -> Path:
    return Path(output.strip().splitlines()[-1])  # `backup` prints the snapshot folder last


# --- deploy_intranet.sh ---------------------------------------------------------------------------------------


def gallery_servers_in(folder: Path) -> list[int]:
    """The gallery servers running in `folder` (not their answer processes, forks with the same command line)."""
    found = {}
    for process in psutil.process_iter(["pid", "ppid", "cmdline", "cwd", "status"]):
        info = process.info
        if info["status"] != psutil.STATUS_ZOMBIE and info["cwd"] == str(folder.resolve()) \
                and "serve" in (info["cmdline"] or []) and "mygallery" in " ".join(info["cmdline"]):
            found[info["pid"]] = info["ppid"]
    return sorted(pid for pid, parent in found.items() if parent not in found)


def test_deploy_on_a_fresh_clone_is_idempotent_and_stops(tmp_path: Path) -> None:
    clone = git_clone(tmp_path / "gallery")
    # setup.sh makes the clone's .venv with this interpreter: the same wheels, so uv's cache serves them all
    env = ops_env(PYTHON=os.path.realpath(sys.executable))
    pid_file = clone / "mygallery.pid"

    def deploy(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["./scripts/deploy_intranet.sh", *args], cwd=clone, env=env, capture_output=True,
                              text=True, timeout=300)

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    try:
        first = deploy("--port", str(port), "--host", "127.0.0.1", "--daemon")
        assert first.returncode == 0, first.stdout + first.stderr
        assert f"chat page:   {url}/" in first.stdout and f"admin panel: {url}/admin" in first.stdout
        assert (clone / "data" / "index" / "manifest.json").is_file() and (clone / ".env").is_file()
        pid = int(pid_file.read_text())
        assert call(url, "GET", "/api/ready").status == 200
        answer = ask(url, QUESTION)
        assert answer.status == 200 and "[1]" in answer.json()["answer"] and answer.json()["sources"]

        second = deploy("--port", str(port), "--host", "127.0.0.1", "--daemon")
        assert second.returncode == 0 and f"already running (pid {pid})" in second.stdout
        assert int(pid_file.read_text()) == pid and gallery_servers_in(clone) == [pid]

        status = deploy("--status")
        assert status.returncode == 0 and f"running (pid {pid}) at {url}" in status.stdout
        assert "health 200, ready 200" in status.stdout

        stopped = deploy("--stop")
        assert stopped.returncode == 0 and "stopped" in stopped.stdout
        assert not pid_file.exists() and gallery_servers_in(clone) == []
        assert "shutting down" in (clone / "server.out").read_text()  # SIGTERM: the graceful path
        not_running = deploy("--status")
        assert not_running.returncode == 1 and "not running" in not_running.stdout

        # An index made by an older version: deploying again rebuilds it instead of serving "not ready".
        manifest_path = clone / "data" / "index" / "manifest.json"
        manifest_path.write_text(json.dumps({**json.loads(manifest_path.read_text()), "format": FORMAT_VERSION - 1}))
        upgraded = deploy("--port", str(port), "--host", "127.0.0.1", "--daemon")
        assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
        assert call(url, "GET", "/api/ready").status == 200
        assert json.loads(manifest_path.read_text())["format"] == FORMAT_VERSION
        assert deploy("--stop").returncode == 0 and gallery_servers_in(clone) == []

        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            busy = holder.getsockname()[1]
            refused = deploy("--port", str(busy), "--host", "127.0.0.1", "--daemon")
        assert refused.returncode == 1
        assert f"port {busy} on 127.0.0.1 is already in use by" in refused.stderr
        assert f"pid {os.getpid()}" in refused.stderr  # the holder: this test's own process
        assert not pid_file.exists() and gallery_servers_in(clone) == []
    finally:
        for pid in gallery_servers_in(clone):  # only the servers this test started in its clone
            os.kill(pid, 15)


# --- monitor.py -----------------------------------------------------------------------------------------------


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


# --- test_concurrent.py ---------------------------------------------------------------------------------------


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


# --- backup and restore ---------------------------------------------------------------------------------------


def test_backup_during_load_restores_into_a_fresh_clone(tmp_path: Path, copied_index_dir: Path) -> None:
    live = tmp_path / "live"  # the running installation: its .env, data/sessions.db, logs
    live.mkdir()
    (live / ".env").write_text(SECRETS_ENV + f"RATE_LIMIT_PER_MINUTE=0\nMAX_SESSIONS_PER_CLIENT=50\n"
                               f"INDEX_DIR={copied_index_dir}\n")
    with running_gallery(live, SESSION_STORE="sqlite") as source:
        known = new_session(source.url)
        for text in (QUESTION, "什么是包裁剪？"):
            assert ask(source.url, text, known).status == 200
        load = subprocess.Popen([sys.executable, str(ROOT / "test_concurrent.py"), "--users", "20", "--requests",
                                 "20", "--keep-sessions", "--url", source.url], cwd=live, env=ops_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            while not all_answered_once(admin_stats(source.url, "tok-live-123"), 21) and load.poll() is None:
                time.sleep(0.02)
            backup = mygallery("backup", "--to", str(tmp_path / "backups"), cwd=live, env=ops_env())
            load_was_running = load.poll() is None
        finally:
            out, err = load.communicate(timeout=120)
        assert backup.returncode == 0, backup.stderr
        assert load_was_running, "the load test ended before the backup did: give it more --requests"
        assert load.returncode == 0 and "Result      PASS" in out, out + err
        snapshot = newest_snapshot(backup.stdout)
        assert snapshot.parent == tmp_path / "backups" and re.fullmatch(r"\d{8}T\d{6}Z", snapshot.name)

        # the server still has its database open: restoring over it is refused and changes nothing
        before = (live / "data" / "sessions.db").stat().st_ino
        refused = mygallery("restore", str(snapshot), cwd=live, env=ops_env())
        assert refused.returncode == 1 and "refusing to restore" in refused.stderr
        assert "sessions.db open" in refused.stderr and (live / "data" / "sessions.db").stat().st_ino == before

        clone = git_clone(tmp_path / "fresh-clone")
        restored = mygallery("restore", str(snapshot), cwd=clone, env=ops_env())
        assert restored.returncode == 0, restored.stderr
        assert "sessions database (" in restored.stdout and not (clone / ".env").exists()

        stored = snapshot_histories(snapshot / "sessions.db")
        assert len(stored) == 21 and all(len(messages) % 2 == 0 for messages in stored.values())
        with running_gallery(clone) as target:
            assert history(target.url, known) == history(source.url, known)
            for session_id, messages in stored.items():
                shown = history(target.url, session_id)
                assert shown == messages  # exactly what the snapshot holds …
                assert history(source.url, session_id)[:len(shown)] == shown  # … a moment of the live history
            original, again = ask(source.url, QUESTION).json(), ask(target.url, QUESTION).json()
            assert (again["answer"], again["sources"]) == (original["answer"], original["sources"])
    # a snapshot taken mid-run holds fewer turns than the run ended with
    assert sum(map(len, stored.values())) < 4 + 20 * 20 * 2


def test_backup_blanks_secrets_and_keep_prunes(tmp_path: Path, copied_index_dir: Path) -> None:
    (tmp_path / ".env").write_text(SECRETS_ENV + f"INDEX_DIR={copied_index_dir}\nSESSION_STORE=memory\n")
    env = ops_env()
    backups = tmp_path / "backups"
    (backups / "notes").mkdir(parents=True)  # not a snapshot: --keep leaves it alone
    made = []
    for _ in range(3):
        result = mygallery("backup", "--to", str(backups), "--keep", "2", cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        made.append(newest_snapshot(result.stdout))
    assert "sessions: SESSION_STORE=memory keeps no database" in result.stdout
    assert "blanked: ADMIN_TOKEN, OPENAI_API_KEY" in result.stdout and "pruned 1 older snapshot" in result.stdout
    assert sorted(p.name for p in backups.iterdir()) == sorted([made[1].name, made[2].name, "notes"])

    config = (made[2] / "config.env").read_text()
    assert "tok-live-123" not in config and "sk-never-in-backups" not in config
    assert "ANSWER_BACKEND=extractive" in config and re.search(r"^ADMIN_TOKEN=\s+#", config, re.M)
    info = json.loads((made[2] / "snapshot.json").read_text())
    assert info["included"]["config"] == {"secrets": "blanked", "blanked": ["ADMIN_TOKEN", "OPENAI_API_KEY"]}
    assert info["included"]["index"]["documents"] >= 30 and "skipped" in info["included"]["sessions"]
    generation = info["included"]["index"]["generation"]
    assert set(info["files"]) == {"config.env", "index/manifest.json", *(f"index/{generation}/{name}" for name in
                                  ("chunks.jsonl", "vectors.npy", "hnsw.bin"))}
    assert all(re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]) for entry in info["files"].values())

    kept = mygallery("backup", "--to", str(tmp_path / "with"), "--with-secrets", cwd=tmp_path, env=env)
    assert "tok-live-123" in (newest_snapshot(kept.stdout) / "config.env").read_text()
    assert mygallery("backup", "--keep", "0", cwd=tmp_path, env=env).returncode == 2


def test_restore_checks_the_snapshot_and_refuses_a_deployed_server(tmp_path: Path, copied_index_dir: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / ".env").write_text(f"INDEX_DIR={copied_index_dir}\n")
    snapshot = source / newest_snapshot(mygallery("backup", cwd=source, env=ops_env()).stdout)
    target = tmp_path / "target"
    target.mkdir()
    (target / ".env").write_text("ADMIN_TOKEN=kept-on-restore\n")

    not_one = mygallery("restore", str(snapshot.parent), cwd=target, env=ops_env())
    assert not_one.returncode == 2 and f"name one, e.g. {snapshot}" in not_one.stderr

    with running_gallery(tmp_path / "server", copied_index_dir) as server:  # as deploy_intranet.sh records it
        (target / "mygallery.pid").write_text(f"{server.pid}\n")
        refused = mygallery("restore", str(snapshot), cwd=target, env=ops_env())
    assert refused.returncode == 1 and f"the gallery is running (pid {server.pid}" in refused.stderr
    assert not (target / "data").exists()

    damaged = tmp_path / "damaged"
    shutil.copytree(snapshot, damaged)
    with (damaged / "index" / "manifest.json").open("a") as manifest:
        manifest.write(" ")
    bad = mygallery("restore", str(damaged), cwd=target, env=ops_env())
    assert bad.returncode == 1 and "index/manifest.json does not match its checksum" in bad.stderr
    assert "nothing was restored" in bad.stderr and not (target / "data").exists()

    done = mygallery("restore", str(snapshot), "--with-config", cwd=target, env=ops_env())
    assert done.returncode == 0, done.stderr  # the pid file is stale now: its process has gone
    assert (target / "data" / "index" / "manifest.json").read_bytes() == \
        (copied_index_dir / "manifest.json").read_bytes()
    assert f"INDEX_DIR={copied_index_dir}" in (target / ".env").read_text()


@pytest.mark.parametrize(("line", "expected"), [
    ("ADMIN_TOKEN=abc", "ADMIN_TOKEN=  # blanked"),
    ("export GALLERY_API_KEY='k y'  # note", "export GALLERY_API_KEY=  # blanked"),
    ("DB_PASSWORD=\"p#w\"", "DB_PASSWORD=  # blanked"),
    ("my_secret = x", "my_secret =  # blanked"),
    ("REDIS_URL=redis://user:pw@cache:6379/0", "REDIS_URL=redis://user:@cache:6379/0"),
    ("OPENAI_API_KEY=", "OPENAI_API_KEY="),
    ("PORT=8000  # the key to it all", "PORT=8000  # the key to it all"),
    ("# ADMIN_TOKEN=in-a-comment", "# ADMIN_TOKEN=in-a-comment"),
])
def test_blank_secrets(line: str, expected: str) -> None:
    text, _ = blank_secrets(line + "\n")
    assert text.startswith(expected) and text.endswith("\n")
    assert "abc" not in text and "pw@" not in text and "k y" not in text


def test_blank_secrets_skips_a_multiline_secret() -> None:
    text, names = blank_secrets('PRIVATE_KEY="-----BEGIN\nMIIE\n-----END"\nHOST=127.0.0.1\n')
    assert names == ["PRIVATE_KEY"] and "MIIE" not in text and text.endswith("HOST=127.0.0.1\n")


# --- deploy/: nginx site and systemd units --------------------------------------------------------------------


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if found:
        return found
    if os.environ.get("MYGALLERY_REQUIRE_BROWSER") == "1":
        pytest.fail("nginx is required here (CI): scripts/test.sh installs nginx-light when run as root")
    pytest.skip("nginx is not installed (scripts/test.sh installs nginx-light when run as root)")


def nginx_conf(folder: Path, site: Path, *, serve: bool = False) -> Path:
    """A minimal nginx.conf around the site with every writable path inside `folder`."""
    conf = folder / "nginx.conf"
    single = "daemon off;\nmaster_process off;\n" if serve else ""
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").is_file() else ""
    temp = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                       "scgi"))
    conf.write_text(f"{single}pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\nevents {{}}\n"
                    f"http {{\n  {mime}\n  access_log {folder / 'access.log'};\n  {temp}\n  include {site};\n}}\n")
    return conf


def test_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    nginx = nginx_binary()
    conf = nginx_conf(tmp_path, ROOT / "deploy" / "nginx-mygallery.conf")
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and "test is successful" in result.stderr, result.stderr


def test_nginx_site_proxies_json_streams_and_limits(tmp_path: Path, gallery_factory) -> None:
    """The site itself, run by nginx in front of a gallery: only its two addresses are changed."""
    nginx = nginx_binary()
    gallery = gallery_factory(rate_limit_per_minute=0)
    port = free_port()
    site = (ROOT / "deploy" / "nginx-mygallery.conf").read_text()
    site = site.replace("server 127.0.0.1:8000;", f"server {gallery.url.removeprefix('http://')};")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("listen [::]:80;", "")
    (tmp_path / "site.conf").write_text(site)
    conf = nginx_conf(tmp_path, tmp_path / "site.conf", serve=True)
    process = subprocess.Popen([nginx, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
                               stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port, "nginx", alive=lambda: process.poll() is None,
                      detail=lambda: process.stderr.read() if process.poll() is not None else "")
        assert call(url, "GET", "/api/health").json()["status"] == "ok"
        status, events = sse_events(url, {"message": QUESTION})
        assert status == 200 and events[0][0] == "token" and events[-1][0] == "done"
        assert "[1]" in events[-1][1]["answer"]
        refused = call(url, "GET", "/api/admin/stats")
        assert refused.status == 401 and refused.error_code == "unauthorized"
        too_big = call(url, "POST", "/api/chat", {"message": "x" * 100_000})
        assert too_big.status == 413 and too_big.error_code == "payload_too_large"  # the gallery's JSON, not nginx's
        css = call(url, "GET", "/static/style.css", headers={"Accept-Encoding": "gzip"})
        assert css.status == 200 and css.headers.get("content-encoding") == "gzip"
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()


def test_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed")
    names = ("mygallery.service", "monitor.service", "monitor.timer")
    for name in names:  # installed in /opt/mygallery in the samples; here the checkout stands in for it
        text = (ROOT / "deploy" / name).read_text().replace("/opt/mygallery", str(ROOT))
        (tmp_path / name).write_text(text)
    result = subprocess.run([analyze, "verify", *(str(tmp_path / n) for n in names)], capture_output=True,
                            text=True, timeout=60)
    complaints = [line for line in result.stderr.splitlines() if any(n in line for n in names)]
    assert result.returncode == 0 and not complaints, result.stderr
    unit = (ROOT / "deploy" / "mygallery.service").read_text()
    for setting in ("ExecStart=/opt/mygallery/.venv/bin/python -m mygallery serve", "Restart=on-failure",
                    "KillSignal=SIGTERM", "TimeoutStopSec=", "NoNewPrivileges=true", "ProtectSystem=full",
                    "PrivateTmp=true", "EnvironmentFile="):
        assert setting in unit
    assert "ExecStart=/opt/mygallery/.venv/bin/python monitor.py --once" in \
        (ROOT / "deploy" / "monitor.service").read_text()
    assert "OnUnitActiveSec=1min" in (ROOT / "deploy" / "monitor.timer").read_text()
