"""Helpers shared by the tests of the operations tools — test_deploy.py, test_monitor.py, test_loadtest.py and
test_backup.py — which run those tools as real processes against real servers.

Servers are `python -m mygallery serve` subprocesses on port 0 (`running_gallery`: about a second to start, the
index is copied, not built), each with its own working folder. They and the CLI (`mygallery`) run the working
tree's code from that folder (`LAUNCH` puts this checkout first on sys.path, so a clone's own mygallery/ cannot
shadow it) — except deploy_intranet.sh, which deploys the clone it belongs to (test_deploy.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

from mygallery.config import Settings
from tests.http_helpers import call, ready_url

ROOT = Path(__file__).resolve().parent.parent
# Every machine threshold of monitor.py out of reach, so only the condition a test sets up can alert.
CALM = {"ALERT_CPU_PERCENT": "100", "ALERT_MEMORY_PERCENT": "100", "ALERT_DISK_PERCENT": "100",
        "ALERT_RESPONSE_SECONDS": "30", "ALERT_SESSIONS": "1000"}
SETTING_NAMES = {f.name.upper() for f in fields(Settings)}
LAUNCH = "import sys; sys.path.insert(0, sys.argv.pop(1)); from mygallery.__main__ import main; sys.exit(main())"
QUESTION = "What does RUD guarantee?"


def ops_env(**settings: object) -> dict[str, str]:
    """The environment without any gallery setting (the autouse fixture's included), plus `settings`."""
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    env.update({k: str(v) for k, v in settings.items()})
    return env


def mygallery(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`python -m mygallery ARGS` of this checkout (through LAUNCH), run in `cwd`."""
    return subprocess.run([sys.executable, "-c", LAUNCH, str(ROOT), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def tool(script: str, *args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """One of this checkout's top-level scripts (monitor.py, test_concurrent.py), run in `cwd`."""
    return subprocess.run([sys.executable, str(ROOT / script), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=180)


def git_clone(target: Path) -> Path:
    """A fresh clone of this checkout's committed state in `target`, as an operator would check it out."""
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

