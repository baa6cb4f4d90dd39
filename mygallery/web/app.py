"""`GalleryApp`: the gallery's HTTP routes, as plain functions of a `Request`, found in one small table.

It assembles what the routes share — settings, the index `LiveIndex`, the `Sessions` (one process's
`SessionManager` or the cluster's, chosen by service.py), the `AnswerRunner` (which decides where answers are
computed), `Metrics`, the rate `Limiter` (this process's or the cluster's), the `QuestionLog` and the
`IndexJobs` — and the endpoint groups: chat (chat.py), ratings (feedback.py), conversation export (export.py),
the original documents (document_viewer.py), admin and /metrics (admin.py), the documents of the knowledge
base (documents_admin.py), the reports (reports.py), the OpenAI-compatible API (openai_api.py), the pages
(static_files.py) and /openapi.json (openapi_spec.py). Health, readiness and the session routes are answered here. It knows
nothing of sockets: the server (handler.py) parses HTTP into a `Request`, calls `route` and the handler, writes
the `Response` and turns every `GalleryError` into the JSON error shape.
Non-goals: HTML rendering (the pages are static files), authentication beyond the admin and API tokens.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from .. import __version__
from ..config import Settings
from ..engine.answering import AnswerService
from ..engine.index import LiveIndex
from ..errors import MethodNotAllowed, NotFound, NotReady, StoreUnavailable
from ..sessions.manager import looks_like_session_id
from ..sessions.protocol import Sessions
from ..sessions.question_log import QuestionLog
from .admin import AdminEndpoints
from .answer_runner import AnswerRunner
from .chat import ChatEndpoint
from .document_viewer import DocumentViewer
from .documents_admin import DocumentsAdmin
from .export import ExportEndpoint
from .feedback import FeedbackEndpoint
from .http_types import UPLOAD_PATH, Handler, Request, Response
from .index_jobs import IndexJobs
from .metrics import Metrics
from .openai_api import OpenAICompatibleAPI
from .openapi_spec import openapi_document
from .rate_limit import Limiter, RateLimiter
from .reports import ReportEndpoints
from .static_files import StaticFiles


class GalleryApp:
    def __init__(self, settings: Settings, *, library: LiveIndex, sessions: Sessions, answers: AnswerService,
                 metrics: Metrics, jobs: IndexJobs, questions: QuestionLog, static_dir: Path,
                 rate_limiter: Limiter | None = None) -> None:
        self.settings = settings
        self.library = library
        self.sessions = sessions
        self.metrics = metrics
        self.started = time.time()
        self._openapi = openapi_document(__version__)  # the same for the life of the process: built once
        self.runner = AnswerRunner(answers)
        self.rate_limiter = rate_limiter or RateLimiter(settings.rate_limit_per_minute)
        answers.on_answer = metrics.record_answer
        self.chat = ChatEndpoint(settings, sessions, self.runner, self.rate_limiter, questions)
        self.admin = AdminEndpoints(settings, library=library, sessions=sessions, runner=self.runner,
                                    metrics=metrics, started=self.started)
        feedback = FeedbackEndpoint(self.chat, sessions, questions)
        export = ExportEndpoint(self.chat)
        viewer = DocumentViewer(settings, library)
        documents = DocumentsAdmin(settings, library=library, jobs=jobs, require_admin=self.admin.require_admin)
        reports = ReportEndpoints(questions, self.admin.require_admin)
        openai = OpenAICompatibleAPI(settings, self.runner, self.rate_limiter, started=self.started)
        static = StaticFiles(static_dir)
        self.routes: list[tuple[str, re.Pattern[str], str, Handler]] = [
            # (method, path pattern, route name for metrics and logs, handler)
            ("GET", re.compile(r"/api/health"), "health", self.health),
            ("GET", re.compile(r"/api/ready"), "ready", self.ready),
            ("POST", re.compile(r"/api/sessions"), "sessions", self.create_session),
            ("GET", re.compile(r"/api/sessions/(?P<id>[^/]+)"), "session", self.get_session),
            ("DELETE", re.compile(r"/api/sessions/(?P<id>[^/]+)"), "session", self.delete_session),
            ("GET", re.compile(r"/api/sessions/(?P<id>[^/]+)/export"), "export", export.handle),
            ("POST", re.compile(r"/api/chat"), "chat", self.chat.handle),
            ("POST", re.compile(r"/api/feedback"), "feedback", feedback.handle),
            ("GET", re.compile(r"/api/documents/(?P<name>.+)"), "document", viewer.original),
            ("GET", re.compile(r"/v1/models"), "openai_models", openai.models),
            ("POST", re.compile(r"/v1/chat/completions"), "openai_chat", openai.chat_completions),
            ("GET", re.compile(r"/api/admin/stats"), "admin_stats", self.admin.admin_stats),
            ("GET", re.compile(r"/api/admin/documents"), "admin_documents", documents.list),
            ("POST", re.compile(re.escape(UPLOAD_PATH)), "admin_documents", documents.upload),
            ("DELETE", re.compile(r"/api/admin/documents/(?P<name>.+)"), "admin_documents", documents.delete),
            ("GET", re.compile(r"/api/admin/ingest"), "admin_ingest", documents.ingest_status),
            ("POST", re.compile(r"/api/admin/ingest"), "admin_ingest", documents.reindex),
            ("GET", re.compile(r"/api/admin/feedback"), "admin_reports", reports.feedback),
            ("GET", re.compile(r"/api/admin/questions"), "admin_reports", reports.questions),
            ("GET", re.compile(r"/metrics"), "metrics", self.admin.prometheus),
            ("GET", re.compile(r"/openapi\.json"), "openapi", self.openapi),
            ("GET", re.compile(r"/"), "page", lambda r: static.response("index.html", r)),
            ("GET", re.compile(r"/(?:admin|admin/|admin\.html)"), "page", lambda r: static.response("admin.html", r)),
            ("GET", re.compile(r"/static/(?P<path>.+)"), "static", lambda r: static.response(r.params["path"], r)),
            ("GET", re.compile(r"/favicon\.ico"), "static", lambda r: static.response("favicon.svg", r)),
        ]

    # --- routing ---------------------------------------------------------------------------------------------

    def route(self, method: str, path: str) -> tuple[str, Handler, dict[str, str]]:
        """(route name, handler, path parameters); NotFound or MethodNotAllowed (with Allow) otherwise."""
        allowed: list[str] = []
        lookup = "GET" if method == "HEAD" else method
        for route_method, pattern, name, handler in self.routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            if route_method == lookup:
                return name, handler, match.groupdict()
            allowed.append(route_method)
        if allowed:
            allow = ", ".join(sorted(set(allowed) | ({"HEAD"} if "GET" in allowed else set())))
            raise MethodNotAllowed(f"{method} is not allowed on {path}; use {allow}", headers={"Allow": allow})
        raise NotFound(f"no such path: {path}")

    # --- health ----------------------------------------------------------------------------------------------

    def health(self, request: Request) -> Response:
        return Response(body={"status": "ok", "uptime_s": round(time.time() - self.started, 1),
                              "version": __version__})

    def ready(self, request: Request) -> Response:
        """Ready when the index is loaded and the session store answers (asked on each call)."""
        index = self.library.current()
        if index is None:
            raise NotReady(f"the index is not ready: {self.library.problem}", retry_after=5)
        problem = self.sessions.store_problem()
        if problem:
            raise StoreUnavailable(problem)
        return Response(body={"status": "ready", "docs": index.documents, "chunks": len(index),
                              "generation": index.manifest.get("generation")})

    # --- sessions --------------------------------------------------------------------------------------------

    def create_session(self, request: Request) -> Response:
        request.json_object(optional=True)  # JSON only (415): a form post from another site is a CORS preflight
        client = request.client_behind(self.settings.trusted_proxies)
        self.rate_limiter.check(client)
        session = self.sessions.create(client)
        request.session_prefix = session.id[:8]
        return Response(201, {"session_id": session.id}, headers={"Location": f"/api/sessions/{session.id}"})

    def get_session(self, request: Request) -> Response:
        return Response(body=self.chat.session(request, request.params["id"]).to_json())

    def delete_session(self, request: Request) -> Response:
        session_id = request.params["id"]
        if looks_like_session_id(session_id):
            request.session_prefix = session_id[:8]
            self.sessions.delete(session_id)
        return Response(204)  # deleting what is already gone succeeds: DELETE is idempotent

    def openapi(self, request: Request) -> Response:
        return Response(body=self._openapi)

    def close(self) -> None:
        self.runner.close()
