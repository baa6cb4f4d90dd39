"""Deploying: scripts/deploy_intranet.sh on a fresh clone (install, start, idempotence, --status, --stop, an
index of an older format rebuilt, a busy port refused; --instances 3 on one Redis behind nginx, loaded with
test_concurrent.py), and the samples in deploy/ — the nginx site (`nginx -t`, then nginx itself in front of a
real gallery), the systemd units (`systemd-analyze verify`) and the Prometheus configuration and alert rules
(`promtool check` and `promtool test rules`; their thresholds are monitor.py's).

A clone gets its .venv the way an operator's does: deploy_intranet.sh runs scripts/setup.sh, about 3 s because
uv links the pinned packages from its cache, filled when scripts/test.sh set up this checkout. The checkout's
.venv is deliberately not symlinked into the clone: setup.sh's `uv pip install -e .` would then point this
checkout's environment at the clone. Shared helpers: tests/ops_helpers.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
import yaml

from mygallery.config import Settings
from mygallery.engine.index import FORMAT_VERSION
from tests.cluster_helpers import site_for
from tests.conftest import missing_system_tool
from tests.http_helpers import ask, call, free_port, sse_events, wait_for_port
from tests.ops_helpers import QUESTION, ROOT, git_clone, ops_env, tool

# --- deploy_intranet.sh -------------------------------------------------------------------------------------


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


# --- deploy/: nginx site and systemd units ------------------------------------------------------------------


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if not found:
        missing_system_tool("nginx")  # a skip; a failure where the system tools are required (CI)
    return found


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
    site = site_for((ROOT / "deploy" / "nginx-mygallery.conf").read_text(), [int(gallery.url.rpartition(":")[2])],
                    port)
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
    names = ("mygallery.service", "monitor.service", "monitor.timer", "mygallery@8001.service")
    for name in names:  # installed in /opt/mygallery in the samples; here the checkout stands in for it
        source = "mygallery@.service" if "@" in name else name  # the template, as one of its instances
        text = (ROOT / "deploy" / source).read_text().replace("/opt/mygallery", str(ROOT))
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
    template = (ROOT / "deploy" / "mygallery@.service").read_text()
    for setting in ("Environment=PORT=%i", "Environment=SESSION_STORE=redis", "Environment=LOG_DIR=/var/log/mygallery/%i",
                    "LogsDirectory=mygallery/%i", "Environment=CPU_AFFINITY=off", "Restart=on-failure"):
        assert setting in template


# --- deploy/prometheus: scrape configuration and alert rules -----------------------------------------------


def promtool() -> str:
    found = shutil.which("promtool")
    if not found:
        missing_system_tool("promtool (Debian package prometheus)")
    return found


def test_promtool_accepts_the_prometheus_configuration_and_the_rules_fire_as_tested() -> None:
    folder = ROOT / "deploy" / "prometheus"
    for command in (["check", "config", "prometheus.yml"], ["check", "rules", "alerts.yml"],
                    ["test", "rules", "alerts_test.yml"]):
        result = subprocess.run([promtool(), *command], cwd=folder, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and "SUCCESS" in result.stdout + result.stderr, result.stdout + result.stderr
    config = yaml.safe_load((folder / "prometheus.yml").read_text())
    targets = config["scrape_configs"][0]["static_configs"][0]["targets"]
    assert targets == ["127.0.0.1:8000", "127.0.0.1:8001", "127.0.0.1:8002"]  # the nginx site's instances


def test_alert_rules_use_the_thresholds_of_monitor_py() -> None:
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())["groups"][0]["rules"]
    names = {rule["alert"] for rule in rules}
    assert names == {"MygalleryInstanceDown", "MygalleryNotReady", "MygalleryHighCPU", "MygalleryHighMemory",
                     "MygalleryDiskFull", "MygalleryTooManySessions", "MygallerySlowAnswers", "MygalleryErrorRate",
                     "MygalleryLLMFallbacks", "MygalleryRedisUnavailable"}
    defaults = Settings()
    checked = 0
    for rule in rules:
        setting = rule["annotations"]["setting"]
        if not setting.startswith("ALERT_"):
            continue
        threshold = float(rule["annotations"]["threshold"])
        assert threshold == getattr(defaults, setting.lower()), rule["alert"]
        assert re.search(rf">\s*{threshold:g}\s*$", " ".join(rule["expr"].split())), rule["alert"]
        checked += 1
    assert checked == 5  # CPU, memory, disk, sessions, response time



def consecutive_free_ports(count: int) -> int:
    """The first of `count` consecutive loopback ports nothing listens on."""
    for _ in range(50):
        first = free_port()
        if first + count > 65535:
            continue
        probes = []
        try:
            for port in range(first, first + count):
                probe = socket.socket()
                probes.append(probe)
                probe.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise AssertionError(f"no {count} consecutive free ports")


def test_deploy_three_instances_on_one_redis_behind_nginx(tmp_path: Path, record_property) -> None:
    """`--instances 3 --daemon` on a fresh clone: three ready instances on one local append-only Redis, the nginx
    upstream block written for them; `--status` lists them; the shipped nginx site with that block in front,
    test_concurrent.py --users 200 --requests 3: every chat answered, every history isolated, all three used;
    `--stop` stops the instances and the Redis."""
    nginx = nginx_binary()
    if not shutil.which("redis-server"):
        missing_system_tool("redis-server")
    clone = git_clone(tmp_path / "g")
    env = ops_env(PYTHON=os.path.realpath(sys.executable), RATE_LIMIT_PER_MINUTE=0)
    port = consecutive_free_ports(3)

    def deploy(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["./scripts/deploy_intranet.sh", *args], cwd=clone, env=env, capture_output=True,
                              text=True, timeout=300)

    nginx_process = None
    try:
        started = deploy("--instances", "3", "--port", str(port), "--host", "127.0.0.1", "--max-sessions", "1000",
                         "--daemon")
        assert started.returncode == 0, started.stdout + started.stderr
        assert "3 instances of the UEC Knowledge Gallery are ready" in started.stdout
        pids = [int(line) for line in (clone / "mygallery.pid").read_text().split()]
        assert len(pids) == 3 and sorted(gallery_servers_in(clone)) == sorted(pids)
        urls = [f"http://127.0.0.1:{port + n}" for n in range(3)]
        for url in urls:
            assert call(url, "GET", "/api/ready").status == 200
            stats = call(url, "GET", "/api/admin/stats").json()
            assert stats["sessions"]["store"] == "redis" and stats["sessions"]["max"] == 1000
            assert len(stats["cluster"]["instances"]) == 3 and stats["cluster"]["redis"]["url"].startswith("unix://")

        status = deploy("--status")
        assert status.returncode == 0, status.stdout
        for n, url in enumerate(urls, 1):
            assert re.search(rf"instance {n} running \(pid \d+\) at {url}: health 200, ready 200", status.stdout)
        assert "3 of 3 instances running" in status.stdout and "local redis-server" in status.stdout

        upstream = (clone / "nginx-upstream.conf").read_text()
        block = re.search(r"^upstream mygallery_backend \{.*?^\}", upstream, re.S | re.M).group(0)
        assert block.count("max_fails=") == 3
        front = free_port()
        site = re.sub(r"^upstream mygallery_backend \{.*?^\}", block,
                      (ROOT / "deploy" / "nginx-mygallery.conf").read_text(), flags=re.S | re.M)
        (tmp_path / "site.conf").write_text(site.replace("listen 80;", f"listen 127.0.0.1:{front};")
                                            .replace("listen [::]:80;", ""))
        conf = nginx_conf(tmp_path, tmp_path / "site.conf", serve=True)
        nginx_process = subprocess.Popen([nginx, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c",
                                          str(conf)], stderr=subprocess.DEVNULL)
        wait_for_port(front, "nginx", alive=lambda: nginx_process.poll() is None)
        load = tool("test_concurrent.py", "--users", "200", "--requests", "3", "--url", f"http://127.0.0.1:{front}",
                    "--min-success", "100", cwd=tmp_path, env=ops_env(LOG_DIR=tmp_path))
        record_property("load_test", "\n".join(line for line in load.stdout.splitlines()
                                                 if line.startswith(("Result", "Requests", "Latency", "Throughput",
                                                                     "Isolation", "Instances"))))
        assert load.returncode == 0, load.stdout + load.stderr
        assert "answered 600/600 (100.0%)" in load.stdout and "Isolation   all 200 checked histories" in load.stdout
        spread = re.search(r"Instances   3 answered the chat requests: (.*)", load.stdout)
        assert spread and spread.group(1).count("127.0.0.1") == 0 and spread.group(1).count("%") == 3, load.stdout

        stopped = deploy("--stop")
        assert stopped.returncode == 0 and "stopped" in stopped.stdout and "stopping the local Redis" in stopped.stdout
        assert gallery_servers_in(clone) == [] and not (clone / "mygallery.pid").exists()
        assert not any(p.info["cmdline"] and "redis-server" in p.info["cmdline"][0]
                       and str(clone) in " ".join(p.info["cmdline"]) + (p.info["cwd"] or "")
                       for p in psutil.process_iter(["cmdline", "cwd"]))
        assert deploy("--status").returncode == 1
    finally:
        if nginx_process is not None:
            nginx_process.terminate()
            nginx_process.wait(timeout=10)
        for pid in gallery_servers_in(clone):
            os.kill(pid, 15)
        redis_pid = clone / "data" / "redis" / "redis.pid"
        if redis_pid.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(redis_pid.read_text()), 15)
