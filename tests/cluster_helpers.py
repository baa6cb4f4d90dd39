"""Helpers of the cluster tests (test_cluster_sessions.py, test_cluster.py): a private redis-server that can be
killed and restarted on its port with its append-only file, three `python -m mygallery serve` instances on it,
nginx round-robin in front of them (the shipped site, addresses changed), and a client that talks from a chosen
loopback address (127.0.0.0/8 is all loopback on Linux), so each simulated user is a client of its own."""

from __future__ import annotations

import http.client
import json
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from tests.conftest import missing_system_tool
from tests.http_helpers import Reply, free_port, wait_for_port
from tests.ops_helpers import LAUNCH, ROOT, ops_env


class RedisServer:
    """redis-server on a free loopback port, append-only with appendfsync always, data in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(self.binary).exists():
            missing_system_tool("redis-server")
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
                                         str(self.folder), "--appendonly", "yes", "--appendfsync", "always",
                                         "--save", ""], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        process = self.process
        wait_for_port(self.port, "redis-server", alive=lambda: process.poll() is None)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs; what Redis acknowledged is only in its append-only file."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@dataclass
class Instance:
    number: int
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    """N instances of `python -m mygallery serve` sharing one Redis and one INDEX_DIR, behind nginx."""

    folder: Path
    redis: RedisServer
    env: dict[str, str]
    instances: list[Instance] = field(default_factory=list)
    nginx: subprocess.Popen | None = None
    url: str = ""

    def start_instance(self, instance: Instance) -> None:
        logs = self.folder / f"instance-{instance.number}"
        logs.mkdir(exist_ok=True)
        env = {**self.env, "PORT": str(instance.port), "LOG_DIR": str(logs), "INSTANCE_ID": f"i{instance.number}"}
        with (logs / "server.err").open("a") as errors:
            instance.process = subprocess.Popen([sys.executable, "-c", LAUNCH, str(ROOT), "serve", "--host",
                                                 "127.0.0.1"], cwd=logs, env=env, stdout=subprocess.DEVNULL,
                                                stderr=errors)

    def wait_ready(self, instance: Instance, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert instance.process is not None and instance.process.poll() is None, \
                (self.folder / f"instance-{instance.number}" / "server.err").read_text()
            try:
                if get(instance.url, "/api/ready").status == 200:
                    return
            except OSError:
                pass
            assert time.monotonic() < deadline, f"instance {instance.number} not ready"
            time.sleep(0.05)

    def start(self, count: int) -> Cluster:
        self.instances = [Instance(n, free_port()) for n in range(1, count + 1)]
        for instance in self.instances:
            self.start_instance(instance)
        for instance in self.instances:
            self.wait_ready(instance)
        return self

    def kill(self, instance: Instance) -> None:
        assert instance.process is not None
        instance.process.send_signal(signal.SIGKILL)
        instance.process.wait(timeout=10)

    def restart(self, instance: Instance) -> None:
        self.start_instance(instance)
        self.wait_ready(instance)

    def start_nginx(self, nginx: str, site: str) -> None:
        """The shipped site in front of these instances (its nginx rate limit is commented out: the gallery's
        cluster-wide limit is what counts)."""
        port = free_port()
        (self.folder / "site.conf").write_text(site_for(site, [i.port for i in self.instances], port))
        conf = self.folder / "nginx.conf"
        temp = " ".join(f"{kind}_temp_path {self.folder / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                            "uwsgi", "scgi"))
        conf.write_text(f"daemon off;\nmaster_process off;\npid {self.folder / 'nginx.pid'};\n"
                        f"error_log {self.folder / 'nginx-error.log'};\nevents {{ worker_connections 4096; }}\n"
                        f"http {{\n  access_log off;\n  {temp}\n  include {self.folder / 'site.conf'};\n}}\n")
        self.nginx = subprocess.Popen([nginx, "-p", str(self.folder), "-e", str(self.folder / "nginx-error.log"),
                                       "-c", str(conf)], stderr=subprocess.DEVNULL)
        process = self.nginx
        wait_for_port(port, "nginx", alive=lambda: process.poll() is None)
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.terminate()
            self.nginx.wait(timeout=10)
        for instance in self.instances:
            if instance.process is not None and instance.process.poll() is None:
                instance.process.terminate()
        for instance in self.instances:
            if instance.process is not None:
                instance.process.wait(timeout=30)
        self.redis.stop()


def site_for(site: str, ports: list[int], listen_port: int) -> str:
    """deploy/nginx-mygallery.conf with its upstream servers replaced by gallery instances on `ports` (the
    passive health check settings kept), listening on 127.0.0.1:`listen_port`."""
    lines, options = [], ""
    for line in site.splitlines():
        stripped = line.strip()
        if stripped.startswith("server 127.0.0.1:"):
            options = stripped.partition(" ")[2].partition(" ")[2].rstrip(";")
            continue
        if stripped.startswith("upstream mygallery_backend"):
            lines.append(line)
            lines += [f"    server 127.0.0.1:{port} {{options}};" for port in ports]
            continue
        lines.append(line)
    text = "\n".join(lines).replace("{options}", options)
    return text.replace("listen 80;", f"listen 127.0.0.1:{listen_port};").replace("listen [::]:80;", "")


def cluster_env(index_dir: Path, redis_url: str, **settings: object) -> dict[str, str]:
    wanted = {"SESSION_STORE": "redis", "REDIS_URL": redis_url, "INDEX_DIR": index_dir,
              "DOCS_DIR": ROOT / "data" / "docs", "TRUSTED_PROXIES": "127.0.0.1", "CPU_AFFINITY": "off"}
    return ops_env(**{**wanted, **settings})


# --- a client from a chosen loopback address ---------------------------------------------------------------


class Client:
    """One keep-alive connection from the loopback address `source` (e.g. 127.0.0.7)."""

    def __init__(self, url: str, source: str = "127.0.0.1", timeout: float = 60) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=timeout,
                                                     source_address=(source, 0))

    def call(self, method: str, path: str, body: object = None) -> Reply:
        payload = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        except (OSError, http.client.HTTPException):
            self.connection.close()  # a dropped connection: this request has no answer; the next reconnects
            return Reply(0, {}, b"")

    def close(self) -> None:
        self.connection.close()


def get(url: str, path: str) -> Reply:
    client = Client(url, timeout=10)
    try:
        return client.call("GET", path)
    finally:
        client.close()


def source_address(number: int) -> str:
    """A distinct loopback address per simulated user (127.0.1.1, 127.0.1.2, ...)."""
    return f"127.0.{1 + number // 250}.{1 + number % 250}"


@dataclass
class Turn:
    message: str
    status: int
    instance: str = ""
    answer: str = ""


@dataclass
class User:
    number: int
    session_id: str = ""
    turns: list[Turn] = field(default_factory=list)


def converse(url: str, user: User, messages: list[str], *, retry_503: int = 0) -> None:
    """One user through the proxy: a session, then `messages`; a 503 (Redis away) is retried after its
    Retry-After up to `retry_503` times; every outcome recorded."""
    client = Client(url, source_address(user.number))
    try:
        for _ in range(20):
            reply = client.call("POST", "/api/sessions", {})
            if reply.status == 201:
                user.session_id = reply.json()["session_id"]
                break
            time.sleep(float(reply.headers.get("retry-after", "0.5") or 0.5))
        if not user.session_id:
            return  # the test sees a user without a session
        for message in messages:
            for attempt in range(retry_503 + 1):
                reply = client.call("POST", "/api/chat", {"message": message, "session_id": user.session_id})
                turn = Turn(message, reply.status, reply.headers.get("x-instance", ""),
                            reply.json()["answer"] if reply.status == 200 else "")
                user.turns.append(turn)
                if reply.status not in (0, 502, 503) or attempt == retry_503:
                    break
                time.sleep(float(reply.headers.get("retry-after", "0.5") or 0.5))
    finally:
        client.close()


def lost_turns(url: str, users: list[User]) -> list[str]:
    """Acknowledged (200) turns missing from their conversation's stored history, which must hold each of them
    as a question followed by its answer, in order."""
    lost = []
    for user in users:
        reply = get(url, f"/api/sessions/{user.session_id}")
        assert reply.status == 200, (user.number, reply.status)
        stored = [(m["role"], m["content"]) for m in reply.json()["messages"]]
        pairs = list(zip(stored[::2], stored[1::2], strict=True))
        position = 0
        for turn in (t for t in user.turns if t.status == 200):
            wanted = (("user", turn.message), ("assistant", turn.answer))
            while position < len(pairs) and pairs[position] != wanted:
                position += 1
            if position == len(pairs):
                lost.append(f"user {user.number}: {turn.message!r}")
                position = 0
            else:
                position += 1
    return lost


def children_of(pid: int) -> list[int]:
    """Processes whose parent is `pid` (an instance's answer processes)."""
    try:
        return [child.pid for child in psutil.Process(pid).children()]
    except psutil.NoSuchProcess:
        return []
