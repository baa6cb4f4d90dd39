"""The generative path end to end against a REAL model server: llama.cpp's OpenAI-compatible server with the
bundled Gemma 3 270M (optional extra: `scripts/setup.sh --llm`), behind a real gallery on port 0.

The model is a base model: it does not follow instructions, so these tests check the plumbing — tokens
streamed, backend "openai", citations only to sources that exist, the deadline, the fallback when the model
server dies mid-answer, the `llm-server` command — never the quality of an answer. Skipped when llama_cpp is
not installed, unless MYGALLERY_REQUIRE_LLM=1 (CI), which turns the skip into a failure. Kept short: small
context window, few sources, a few dozen tokens per answer.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from mygallery.ops.llama_server import LocalLLMServer, bundled_model, llama_cpp_installed
from tests.http_helpers import call, connect, read_events, sse_events

pytestmark = pytest.mark.llm

CITATION = re.compile(r"\[(\d+)\]")
QUESTION = "What does RUD guarantee?"
CONTEXT_TOKENS = 1024  # the server's window and the gallery's budget: a short prompt keeps each answer fast
ANSWER_TOKENS = 24


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not llama_cpp_installed():
        reason = "llama-cpp-python is not installed (optional extra: ./scripts/setup.sh --llm)"
        if os.environ.get("MYGALLERY_REQUIRE_LLM") == "1":
            pytest.fail(f"MYGALLERY_REQUIRE_LLM=1 but {reason}")
        pytest.skip(reason)
    return bundled_model(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def llama(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalLLMServer]:
    """One real llama.cpp server for the module (it starts in about a second)."""
    log = tmp_path_factory.mktemp("llm-log") / "llm-server.log"
    with LocalLLMServer(model_path, context_tokens=CONTEXT_TOKENS, log_path=log) as server:
        yield server


def llm_gallery(gallery_factory, server: LocalLLMServer, **changes):
    settings = {"openai_base_url": server.base_url, "openai_model": server.alias,
                "llm_context_tokens": CONTEXT_TOKENS, "llm_max_tokens": ANSWER_TOKENS, "top_k": 3,
                # generous: a busy 2-core machine must not turn these plumbing tests into fallbacks
                "llm_first_token_seconds": 60.0, "llm_timeout_seconds": 90.0, **changes}
    return gallery_factory(**settings)


def assert_cites_only_given_sources(answer: str, sources: list[dict]) -> None:
    assert {int(n) for n in CITATION.findall(answer)} <= {s["n"] for s in sources}


def close_llm_client(gallery) -> None:
    gallery.answers.primary.close()  # pooled connections to the model server are not the gallery's threads


def test_api_chat_streams_a_cited_answer_from_the_real_model(gallery_factory, llama: LocalLLMServer) -> None:
    gallery = llm_gallery(gallery_factory, llama)
    status, events = sse_events(gallery.url, {"message": QUESTION, "stream": True})
    close_llm_client(gallery)
    assert status == 200
    tokens = [data["text"] for name, data in events if name == "token"]
    name, done = events[-1]
    assert name == "done", events[-3:]
    assert done["backend"] == "openai" and "notice" not in done, done
    assert len(tokens) >= 5 and "".join(tokens) == done["answer"]  # streamed token by token, citations checked
    assert done["sources"] and len(done["sources"]) <= 3
    assert_cites_only_given_sources(done["answer"], done["sources"])
    session = call(gallery.url, "GET", f"/api/sessions/{done['session_id']}").json()
    assert [m["role"] for m in session["messages"]] == ["user", "assistant"]


def test_v1_chat_completions_through_the_official_client(gallery_factory, llama: LocalLLMServer) -> None:
    gallery = llm_gallery(gallery_factory, llama)
    client = openai.OpenAI(base_url=gallery.url + "/v1", api_key="unused", max_retries=0, timeout=120)
    messages = [{"role": "user", "content": QUESTION}]
    chunks = list(client.chat.completions.create(model="uec-gallery", messages=messages, stream=True))
    completion = client.chat.completions.create(model="uec-gallery", messages=messages)
    close_llm_client(gallery)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    final = chunks[-1]
    assert final.choices[0].finish_reason == "stop" and final.model_extra["backend"] == "openai"
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) >= 5 and text.strip()
    assert_cites_only_given_sources(text, final.model_extra["sources"])
    assert completion.model_extra["backend"] == "openai" and "notice" not in completion.model_extra
    assert completion.choices[0].message.content.strip() and completion.usage.completion_tokens > 0
    assert_cites_only_given_sources(completion.choices[0].message.content, completion.model_extra["sources"])


def test_an_answer_past_the_deadline_falls_back(gallery_factory, llama: LocalLLMServer) -> None:
    gallery = llm_gallery(gallery_factory, llama, llm_max_tokens=400, llm_timeout_seconds=1.0,
                          llm_first_token_seconds=1.0)
    status, events = sse_events(gallery.url, {"message": QUESTION})
    close_llm_client(gallery)
    name, done = events[-1]
    assert status == 200 and name == "done"
    assert done["backend"] == "extractive" and "1 s" in done["notice"], done.get("notice")
    assert "exactly once" in done["answer"].lower()


def chat_events(url: str, body: dict) -> Iterator[tuple[str, dict]]:
    """POST /api/chat as an event stream, yielding (event, data) as each arrives."""
    conn = connect(url, timeout=120)
    try:
        conn.request("POST", "/api/chat", body=json.dumps(body).encode(),
                     headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
        response: http.client.HTTPResponse = conn.getresponse()
        assert response.status == 200
        yield from read_events(response)
    finally:
        conn.close()


def test_killing_the_model_mid_answer_gives_the_extractive_answer_with_a_notice(
        gallery_factory, model_path: Path, tmp_path: Path) -> None:
    with LocalLLMServer(model_path, context_tokens=CONTEXT_TOKENS, log_path=tmp_path / "doomed.log") as doomed:
        gallery = llm_gallery(gallery_factory, doomed, llm_max_tokens=400)
        events: list[tuple[str, dict]] = []
        for name, data in chat_events(gallery.url, {"message": QUESTION}):
            events.append((name, data))
            if name == "token" and len(events) == 3:
                doomed.kill()  # SIGKILL: the connection to the gallery breaks mid-answer
    names = [name for name, _ in events]
    assert "error" not in names and names[-1] == "done"
    assert names.count("token") > 3  # model tokens, then the extractive answer's
    done = events[-1][1]
    assert done["backend"] == "extractive"
    assert "language model is unavailable" in done["notice"]
    assert "exactly once" in done["answer"].lower() and CITATION.search(done["answer"])
    assert_cites_only_given_sources(done["answer"], done["sources"])
    metrics = call(gallery.url, "GET", "/metrics").body.decode()
    assert re.search(r"^mygallery_answer_fallbacks_total 1\.0$", metrics, re.M)
    close_llm_client(gallery)


def test_llm_server_command_assembles_the_model_and_stops_on_sigterm(model_path: Path, tmp_path: Path) -> None:
    models = tmp_path / "data" / "models"  # the command writes into data/models/ under the working directory
    models.mkdir(parents=True)
    try:  # already assembled: the command must take it as it is
        os.link(model_path, models / model_path.name)
    except OSError:
        shutil.copyfile(model_path, models / model_path.name)
    process = subprocess.Popen([sys.executable, "-m", "mygallery", "llm-server", "--port", "0", "--ctx", "512"],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in process.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if line.startswith("Ctrl-C stops it."):
                break
        output = "".join(lines)
        assert "BASE model" in output and "OPENAI_MODEL=gemma-3-270m" in output, output
        base_url = re.search(r"OPENAI_BASE_URL=(\S+)", output).group(1)
        models_list = openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0).models.list()
        assert [m.id for m in models_list.data] == ["gemma-3-270m"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    with pytest.raises(openai.APIConnectionError):  # the child went with it
        openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=2).models.list()
