"""Every exception of the gallery, in one place, each with a message safe to show a user.

Every `GalleryError` carries the HTTP status and the machine-readable code the server answers with; the server
turns them into the JSON error shape of docs/API.md in one place (web/http_head.py `error_response`). The
others are for the command line and the engine: a bad configuration, an unusable index or document, a failed
language model (the answer falls back), a backup that cannot be done, a local LLM that cannot start.
Non-goal: wrapping unexpected exceptions — those are bugs, logged with a traceback and answered as a 500.
"""

from __future__ import annotations


class GalleryError(Exception):
    """An error whose message may be shown to the user as it is."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, retry_after: int | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.headers = dict(headers or {})

    @classmethod
    def with_status(cls, status: int, code: str, message: str, *, retry_after: int | None = None) -> GalleryError:
        """An error with a status and code known only at run time (from http.server, from an answer process)."""
        error = cls(message, retry_after=retry_after)
        error.status, error.code = status, code
        return error

    def to_json(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


class BadRequest(GalleryError):
    status, code = 400, "bad_request"


class Unauthorized(GalleryError):
    status, code = 401, "unauthorized"


class Forbidden(GalleryError):
    status, code = 403, "forbidden"


class NotFound(GalleryError):
    status, code = 404, "not_found"


class MethodNotAllowed(GalleryError):
    status, code = 405, "method_not_allowed"


class RequestTimeout(GalleryError):
    status, code = 408, "timeout"


class PayloadTooLarge(GalleryError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(GalleryError):
    status, code = 415, "unsupported_media_type"


class TooManyRequests(GalleryError):
    status, code = 429, "too_many_requests"


class SessionLimit(TooManyRequests):
    """MAX_SESSIONS conversations are live: the client should wait, not retry at once."""

    code = "too_many_sessions"


class RateLimited(TooManyRequests):
    code = "rate_limited"


class NotReady(GalleryError):
    status, code = 503, "not_ready"


class ServerBusy(GalleryError):
    status, code = 503, "server_busy"


class StoreUnavailable(GalleryError):
    """The shared session store (Redis, cluster mode) is down, slow or refusing writes: a temporary condition,
    answered 503 with Retry-After, never a 500. Nothing is acknowledged that the store did not take."""

    status, code = 503, "store_unavailable"


class AnswerProcessLost(GalleryError):
    """The child computing an answer exited before it replied: the caller answers in-process instead."""


class ConfigError(Exception):
    """Invalid configuration; the message names every bad variable, one per line."""


class IndexUnavailable(Exception):
    """The index on disk is missing, damaged or built with other settings; the message says what to run."""


class AnswerBackendError(Exception):
    """The generative backend failed (error, timeout, refused); the caller falls back to extractive answers."""


class DocumentError(Exception):
    """This one file cannot be loaded; the message says why."""


class BackupError(Exception):
    """The backup or restore could not be done; the message says why and what to do."""

    exit_code = 1


class SnapshotNotFound(BackupError):
    """FROM names no snapshot: bad usage."""

    exit_code = 2


class LocalLLMError(Exception):
    """The local LLM cannot be set up or started; the message says what to do."""
