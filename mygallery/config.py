"""Settings: read once from `.env` and the environment into a frozen dataclass, validated at start-up.

Order: the real environment wins over `.env`, which wins over the defaults below (docs/API.md, "Environment"). Every invalid
variable is reported on its own line naming the variable. Nothing else in the package reads `os.environ`.
Non-goal: live reloading — a changed setting takes effect at the next start.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from .errors import ConfigError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Settings:
    host: str = "0.0.0.0"
    port: int = 8000
    docs_dir: Path = Path("data/docs")
    index_dir: Path = Path("data/index")
    openai_api_key: str = ""
    openai_base_url: str = ""
    openai_model: str = "gpt-4o-mini"
    embedding_backend: str = "local"
    embedding_model: str = ""
    answer_backend: str = "auto"
    max_sessions: int = 50
    max_sessions_per_client: int | None = None  # None = auto: see sessions_per_client
    max_turns_per_session: int = 200
    session_timeout_minutes: float = 30.0
    cleanup_interval_seconds: float = 300.0
    admin_token: str = ""
    metrics_token: str = ""
    gallery_api_key: str = ""
    max_body_bytes: int = 65536
    max_message_chars: int = 4000
    rate_limit_per_minute: int = 60
    session_store: str = "sqlite"
    session_db: Path = Path("data/sessions.db")
    redis_url: str = ""
    # cluster mode (SESSION_STORE=redis): see sessions/cluster.py and docs/API.md
    redis_timeout_seconds: float = 2.0  # a Redis command slower than this is answered 503 store_unavailable
    turn_lock_seconds: float = 60.0  # a conversation's turn lock in Redis expires after this (a crashed holder)
    heartbeat_seconds: float = 5.0  # each instance registers itself in Redis this often
    instance_id: str = ""  # empty: <host name>:<port>; sent as X-Instance on every response
    index_watch_seconds: float = 1.0  # how often the index manifest is checked for a new generation; 0 = never
    log_dir: Path = Path(".")
    debug: bool = False
    chunk_tokens: int = 350
    chunk_overlap: int = 50
    top_k: int = 5
    llm_timeout_seconds: float = 30.0
    llm_first_token_seconds: float = 15.0
    llm_max_tokens: int = 800
    llm_context_tokens: int = 6000
    max_connections: int = 1024
    max_connections_per_client: int | None = None  # None = auto: see connections_per_client
    cpu_affinity: str = "auto"  # auto | off | CPU numbers, e.g. "1" or "2,3" (see server.pin_to_cpus)
    answer_processes: str = "auto"  # auto | a number; 0 answers in the server process (see web/answer_processes.py)
    trusted_proxies: tuple[str, ...] = ()
    request_timeout_seconds: float = 30.0
    max_upload_bytes: int = 50 * 2**20  # one document upload (POST /api/admin/documents), all its files together
    questions_db: Path = Path("data/questions.db")  # the record of questions asked and feedback, for the reports
    questions_keep_days: float = 90.0
    questions_max_rows: int = 100_000  # of questions, and again of feedback: the oldest go first
    # read by monitor.py
    monitor_server_url: str = "http://localhost:8000"
    monitor_interval: float = 30.0
    alert_cpu_percent: float = 80.0
    alert_memory_percent: float = 85.0
    alert_disk_percent: float = 90.0
    alert_sessions: int = 40
    alert_response_seconds: float = 5.0
    alert_webhook_url: str = ""
    alert_repeat_minutes: float = 15.0

    @property
    def resolved_answer_backend(self) -> str:
        """`auto` means openai when a key or base URL is configured, else the offline extractive answerer."""
        if self.answer_backend != "auto":
            return self.answer_backend
        return "openai" if (self.openai_api_key or self.openai_base_url) else "extractive"

    @property
    def sessions_per_client(self) -> int:
        """Live conversations one client address may hold: MAX_SESSIONS_PER_CLIENT, or `auto` — a fifth of
        MAX_SESSIONS, but at least 5 (a person keeps a few conversations going), never more than MAX_SESSIONS."""
        share = self.max_sessions_per_client or max(5, self.max_sessions // 5)
        return min(share, self.max_sessions)

    @property
    def connections_per_client(self) -> int:
        """Open connections one client address may hold: MAX_CONNECTIONS_PER_CLIENT, or `auto` — a quarter of
        MAX_CONNECTIONS, but at least 16 (a browser opens six per site), never more than MAX_CONNECTIONS."""
        share = self.max_connections_per_client or max(16, self.max_connections // 4)
        return min(share, self.max_connections)

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _integer(raw: str) -> int:
    """An integer written in ASCII digits: int() alone also takes "１２", "١٢", "1_000" and surrounding blanks."""
    text = raw.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError("is not a valid value")
    return int(text)


def _number(raw: str) -> float:
    """A number in ASCII (float() alone also takes other scripts' digits, "1_0", "nan" and "inf")."""
    text = raw.strip()
    if not text.isascii() or "_" in text:
        raise ValueError("is not a valid value")
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("is not a valid value")
    return value


def _positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(raw: str) -> Any:
        value = kind(raw)
        if value <= 0:
            raise ValueError("must be greater than 0")
        return value

    return parse


def _auto_or_positive(raw: str) -> int | None:
    if raw.strip().lower() == "auto":
        return None
    value = _integer(raw)
    if value <= 0:
        raise ValueError("must be auto or a number greater than 0")
    return value


def _non_negative_int(raw: str) -> int:
    value = _integer(raw)
    if value < 0:
        raise ValueError("must be 0 or more")
    return value


def _port(raw: str) -> int:
    value = _integer(raw)
    if not 0 <= value <= 65535:
        raise ValueError("must be a port number from 0 to 65535")
    return value


def _address(raw: str) -> str:
    import ipaddress

    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        raise ValueError(f"must be IP addresses separated by commas ({raw.strip()!r} is not one)") from None


def _bool(raw: str) -> bool:
    low = raw.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError("must be true or false")


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    return parse


def _cpu_affinity(raw: str) -> str:
    value = raw.strip().lower()
    if value in ("auto", "off"):
        return value
    numbers = [part.strip() for part in value.split(",")]
    if not numbers or not all(n.isascii() and n.isdigit() for n in numbers):
        raise ValueError("must be auto, off or CPU numbers separated by commas (e.g. 1 or 2,3)")
    return ",".join(str(n) for n in sorted({int(n) for n in numbers}))


def _answer_processes(raw: str) -> str:
    value = raw.strip().lower()
    if value == "auto" or (value.isascii() and value.isdigit() and int(value) <= 64):
        return value if value == "auto" else str(int(value))
    raise ValueError("must be auto or a number of processes from 0 to 64")


def _text(raw: str) -> str:
    return raw.strip()


def _instance_id(raw: str) -> str:
    value = raw.strip()
    if len(value) > 64 or not all(c.isascii() and (c.isalnum() or c in "._:-") for c in value):
        raise ValueError("must be at most 64 letters, digits, '.', '_', ':' or '-'")
    return value


def _non_negative(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(raw: str) -> Any:
        value = kind(raw)
        if not value >= 0:  # also NaN
            raise ValueError("must be 0 or more")
        return value

    return parse


_PARSERS: dict[str, Callable[[str], Any]] = {
    "host": _text,
    "port": _port,
    "docs_dir": Path,
    "index_dir": Path,
    "openai_api_key": _text,
    "openai_base_url": _text,
    "openai_model": _text,
    "embedding_backend": _choice("local", "openai"),
    "embedding_model": _text,
    "answer_backend": _choice("auto", "openai", "extractive"),
    "max_sessions": _positive(_integer),
    "max_sessions_per_client": _auto_or_positive,
    "max_turns_per_session": _positive(_integer),
    "session_timeout_minutes": _positive(_number),
    "cleanup_interval_seconds": _positive(_number),
    "admin_token": _text,
    "metrics_token": _text,
    "gallery_api_key": _text,
    "max_body_bytes": _positive(_integer),
    "max_message_chars": _positive(_integer),
    "rate_limit_per_minute": _non_negative_int,
    "session_store": _choice("memory", "sqlite", "redis"),
    "session_db": Path,
    "redis_url": _text,
    "redis_timeout_seconds": _positive(float),
    "turn_lock_seconds": _positive(float),
    "heartbeat_seconds": _positive(float),
    "instance_id": _instance_id,
    "index_watch_seconds": _non_negative(float),
    "log_dir": Path,
    "debug": _bool,
    "chunk_tokens": _positive(_integer),
    "chunk_overlap": _non_negative_int,
    "top_k": _positive(_integer),
    "llm_timeout_seconds": _positive(_number),
    "llm_first_token_seconds": _positive(_number),
    "llm_max_tokens": _positive(_integer),
    "llm_context_tokens": _positive(_integer),
    "max_connections": _positive(_integer),
    "max_connections_per_client": _auto_or_positive,
    "cpu_affinity": _cpu_affinity,
    "answer_processes": _answer_processes,
    "trusted_proxies": lambda raw: tuple(_address(a) for a in raw.split(",") if a.strip()),
    "request_timeout_seconds": _positive(_number),
    "max_upload_bytes": _positive(_integer),
    "questions_db": Path,
    "questions_keep_days": _positive(_number),
    "questions_max_rows": _positive(_integer),
    "monitor_server_url": _text,
    "monitor_interval": _positive(_number),
    "alert_cpu_percent": _positive(_number),
    "alert_memory_percent": _positive(_number),
    "alert_disk_percent": _positive(_number),
    "alert_sessions": _positive(_integer),
    "alert_response_seconds": _positive(_number),
    "alert_webhook_url": _text,
    "alert_repeat_minutes": _positive(_number),
}


def load_settings(environ: Mapping[str, str] | None = None, *, dotenv_path: str | Path | None = ".env") -> Settings:
    """Build Settings from `.env` and `environ` (default: os.environ); raise ConfigError naming each bad variable."""
    values: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        values.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    parsed: dict[str, Any] = {}
    problems: list[str] = []
    for field in fields(Settings):
        name = field.name.upper()
        if name not in values:
            continue
        raw = values[name]
        try:
            parsed[field.name] = _PARSERS[field.name](raw)
        except ValueError as exc:
            reason = str(exc) if "must" in str(exc) else "is not a valid value"
            problems.append(f"{name}={raw!r} {reason}")
    settings = Settings(**parsed)
    if settings.chunk_overlap >= settings.chunk_tokens:
        problems.append("CHUNK_OVERLAP must be smaller than CHUNK_TOKENS")
    if settings.session_store == "redis" and not settings.redis_url:
        problems.append("SESSION_STORE=redis needs REDIS_URL")
    if settings.session_store == "redis" and settings.turn_lock_seconds <= settings.llm_timeout_seconds:
        problems.append(f"TURN_LOCK_SECONDS={settings.turn_lock_seconds:g} must be longer than "
                        f"LLM_TIMEOUT_SECONDS={settings.llm_timeout_seconds:g} (a turn may last that long)")
    if problems:
        raise ConfigError("\n".join(f"configuration error: {line}" for line in problems))
    return settings


def load_settings_for_command() -> Settings | None:
    """Settings for a command-line tool, or None after printing each bad variable's line to stderr (the
    tool then exits 2, bad usage)."""
    try:
        return load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return None
