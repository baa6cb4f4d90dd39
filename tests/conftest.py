"""Shared fixtures: temp folders for data, index and logs; one real index over the bundled corpus; a real
server on port 0 in a thread; and a check that server tests leave no thread behind."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from mygallery.config import Settings
from mygallery.engine.embeddings import make_embedder
from mygallery.engine.index import HybridIndex, LiveIndex
from mygallery.engine.ingest import ingest
from mygallery.service import GalleryService

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DOCS = ROOT / "data" / "docs"


@pytest.fixture(autouse=True)
def isolated_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing a test does may touch the repository's data/, index or logs: point them at tmp_path."""
    for name in ("INDEX_DIR", "LOG_DIR", "SESSION_DB"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.setenv("SESSION_STORE", "memory")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ADMIN_TOKEN", "ANSWER_BACKEND", "EMBEDDING_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # a stray .env in the checkout must not leak into tests


def make_settings(tmp_path: Path, **changes) -> Settings:
    base = Settings(docs_dir=BUNDLED_DOCS, index_dir=tmp_path / "index", log_dir=tmp_path / "logs",
                    session_db=tmp_path / "sessions.db", session_store="memory", host="127.0.0.1", port=0)
    return replace(base, **changes)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def bundled_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled corpus ingested once per test run (tests that modify an index copy it first)."""
    index_dir = tmp_path_factory.mktemp("bundled-index")
    settings = Settings(docs_dir=BUNDLED_DOCS, index_dir=index_dir)
    ingest(settings, make_embedder(settings))
    return index_dir


@pytest.fixture(scope="session")
def bundled_index(bundled_index_dir: Path) -> HybridIndex:
    return HybridIndex.load(bundled_index_dir, make_embedder(Settings()))


@pytest.fixture
def copied_index_dir(bundled_index_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(bundled_index_dir, target)
    return target


@pytest.fixture
def no_thread_leak() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()
                  and not t.name.startswith("asyncio_")]  # Playwright's own event-loop thread, module-scoped
        if not leaked:
            return
        time.sleep(0.05)
    pytest.fail(f"threads leaked: {[t.name for t in leaked]}")


@pytest.fixture
def gallery_factory(bundled_index: HybridIndex, tmp_path: Path, no_thread_leak: None):
    """Start real servers on port 0 (default: the shared bundled index, memory sessions); stopped at teardown."""
    started: list[GalleryService] = []

    def start(**changes) -> GalleryService:
        settings = make_settings(tmp_path, **changes)
        gallery = GalleryService(settings, library=LiveIndex(bundled_index)).start()
        started.append(gallery)
        return gallery

    yield start
    for gallery in started:
        gallery.stop(grace_seconds=5)


@pytest.fixture
def gallery(gallery_factory) -> GalleryService:
    return gallery_factory()


SMALL_CORPUS = {
    "rud.md": "# Delivery\n\n## RUD\n\nReliable unordered delivery retransmits lost packets and delivers each "
              "packet exactly once.\n",
    "llr.md": "# Link layer\n\n## LLR\n\nLink level retry replays frames that failed the CRC check between two "
              "neighbouring ports.\n",
}
TRIM_NOTE = ("trim.md", "# Congestion\n\n## Trimming\n\nA congested switch trims a packet to its header and "
                        "forwards the header to the receiver first.\n")
CHINESE_NOTE = ("zh.md", "# 学习笔记\n\n## 包裁剪\n\n交换机在拥塞时裁剪数据包，只保留报头并优先转发给接收端，"
                         "接收端据此请求重传。\n")


def small_corpus(tmp_path: Path, third: tuple[str, str] = CHINESE_NOTE) -> Path:
    """Three one-section notes in tmp_path/docs: RUD, LLR and `third` (a Chinese note on trimming by default)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in (*SMALL_CORPUS.items(), third):
        (docs / name).write_text(text, encoding="utf-8")
    return docs


@pytest.fixture
def knowledge_gallery(tmp_path: Path, copied_index_dir: Path, no_thread_leak: None):
    """Start servers with the knowledge base's settings over copies of the bundled corpus and index
    (knowledge_helpers.gallery_starter); all stopped at teardown."""
    from tests.knowledge_helpers import gallery_starter  # it imports this module

    with gallery_starter(tmp_path, copied_index_dir) as start:
        yield start


def missing_system_tool(what: str) -> None:
    """Skip a test whose Debian package is absent — but fail in CI, which installs them all
    (MYGALLERY_REQUIRE_SYSTEM_TOOLS=1), so a missing install step cannot hide behind a skip."""
    if os.environ.get("MYGALLERY_REQUIRE_SYSTEM_TOOLS") == "1" or os.environ.get("MYGALLERY_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} is required here but not installed")
    pytest.skip(f"{what} is not installed (scripts/test.sh installs it when run as root)")


@pytest.fixture
def redis_server(tmp_path: Path):
    """A real, private redis-server on a free loopback port (append-only, appendfsync always, data in
    tmp_path/redis), which a test may kill and start again."""
    from tests.cluster_helpers import RedisServer  # it imports this module

    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server) -> str:
    return redis_server.url
