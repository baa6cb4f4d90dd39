"""The operators' endpoints: `GET /api/admin/stats` (behind the admin token) and `GET /metrics`.

Access: with ADMIN_TOKEN set, a matching `Authorization: Bearer` token (compared in constant time); without
one, loopback clients only — and not through a proxy, which makes every client look local. `/metrics` is open
unless METRICS_TOKEN is set (then its bearer token is required: Prometheus' `authorization` setting).
The stats gather the system (CPU, memory, disk), sessions, requests, latency, the index and the backends, the
id of the instance that answered and, in cluster mode, every instance with the cluster's totals
(`InstanceRegistry`, instances.py).
Non-goals: managing documents or users, anything that changes state.
"""

from __future__ import annotations

import hmac
import threading
import time

import psutil

from .. import __version__
from ..config import Settings
from ..engine.index import LiveIndex
from ..errors import Forbidden, Unauthorized
from ..sessions.protocol import Sessions
from .answer_runner import AnswerRunner
from .http_types import Request, Response, is_loopback
from .instances import InstanceRegistry
from .metrics import PROMETHEUS_CONTENT_TYPE, Metrics, disk_percent, rss_mb


class AdminEndpoints:
    def __init__(self, settings: Settings, *, library: LiveIndex, sessions: Sessions, runner: AnswerRunner,
                 metrics: Metrics, started: float) -> None:
        self.settings = settings
        self.library = library
        self.sessions = sessions
        self.runner = runner
        self.metrics = metrics
        self.started = started
        # Set by the service once the server is bound (the id names the port): this instance, and in cluster
        # mode the registry of all of them.
        self.instance_id = ""
        self.registry: InstanceRegistry | None = None

    def require_admin(self, request: Request) -> None:
        """With ADMIN_TOKEN: a matching Bearer token (constant-time compare). Without: loopback clients only."""
        token = self.settings.admin_token
        if not token:
            if not is_loopback(request.client) or request.forwarded:  # via a proxy: not provably local
                raise Forbidden("the admin API answers only local clients when ADMIN_TOKEN is not set")
            return
        require_bearer(request, token, "mygallery-admin", "the admin token")

    def admin_stats(self, request: Request) -> Response:
        self.require_admin(request)
        return Response(body=self.stats())

    def prometheus(self, request: Request) -> Response:
        if self.settings.metrics_token:
            require_bearer(request, self.settings.metrics_token, "mygallery-metrics", "the metrics token")
        return Response(body=self.metrics.exposition(), content_type=PROMETHEUS_CONTENT_TYPE)

    def stats(self) -> dict:
        cpu = self.metrics.cpu_percent
        memory = psutil.virtual_memory()
        disk = disk_percent(self.settings.index_dir)
        index = self.library.current()
        manifest = index.manifest if index is not None else {}
        pool = self.runner.pool
        return {
            "version": __version__, "uptime_s": round(time.time() - self.started, 1), "time": round(time.time(), 3),
            "instance": self.instance_id,
            "system": {"cpu_percent": cpu, "memory_percent": memory.percent,
                       "memory_rss_mb": rss_mb(), "disk_percent": disk,
                       "threads": threading.active_count()},
            "sessions": {"active": self.sessions.active_count(), "max": self.sessions.max_sessions,
                         "timeout_minutes": self.settings.session_timeout_minutes,
                         "store": self.sessions.store.name, "list": self.sessions.summaries()},
            "requests": self.metrics.requests_summary(),
            "latency": self.metrics.latency_summary(),
            "index": {"ready": index is not None, "problem": self.library.problem,
                      "docs": index.documents if index else 0, "chunks": len(index) if index else 0,
                      "built_at": manifest.get("built_at"), "generation": manifest.get("generation"),
                      "embedding": manifest.get("embedding", {}).get("name"),
                      "tokenizer": manifest.get("chunking", {}).get("tokenizer")},
            "backends": {"answer": self.runner.answers.primary.name, "embedding": self.settings.embedding_backend,
                         "answer_processes": {"started": pool.size if pool else 0,
                                              "alive": pool.alive() if pool else 0,
                                              "own_memory_mb": pool.own_memory_mb() if pool else 0.0},
                         **self.metrics.answers_summary()},
            "history": self.metrics.history(),
            "cluster": self.registry.summary() if self.registry is not None else None,
        }


def require_bearer(request: Request, token: str, realm: str, what: str) -> None:
    """A matching `Authorization: Bearer <token>` (constant-time compare): 401 without one, 403 with a wrong
    one."""
    scheme, _, given = request.header("authorization").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Unauthorized(f"send {what} as 'Authorization: Bearer <token>'",
                           headers={"WWW-Authenticate": f'Bearer realm="{realm}"'})
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Forbidden(f"{what} is not valid")
