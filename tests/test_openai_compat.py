"""The gallery as an OpenAI-compatible model: a real server on port 0 driven by the official `openai` client
(plain and streaming, the API key, errors, the extra `sources` field), and the generative path behind it
against the stand-in remote model (history, citations checked while streaming, timeouts, fallback, metrics)."""

from __future__ import annotations

import json
import random
import re
import time

import openai
import pytest

from mygallery.engine.answering import check_citations
from mygallery.engine.openai_answerer import CitationFilter
from mygallery.web.openai_api import NO_QUESTION
from tests.fake_openai import FakeOpenAI
from tests.http_helpers import call, connect

CITATION = re.compile(r"\[(\d+)\]")
QUESTION = "What does RUD guarantee?"


def client(gallery, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=gallery.url + "/v1", api_key=key, max_retries=0, timeout=30)


def ask(gallery, **options):
    return client(gallery).chat.completions.create(model="uec-gallery",
                                                   messages=[{"role": "user", "content": QUESTION}], **options)


def test_models_lists_the_gallery(gallery) -> None:
    models = client(gallery).models.list()
    assert [m.id for m in models.data] == ["uec-gallery"]
    assert models.data[0].owned_by == "mygallery"


def test_chat_completion_answers_with_cited_sources(gallery) -> None:
    completion = ask(gallery)
    assert completion.object == "chat.completion" and completion.model == "uec-gallery"
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    assert "exactly once" in choice.message.content.lower()
    sources = completion.model_extra["sources"]
    assert completion.model_extra["backend"] == "extractive"
    cited = {int(n) for n in CITATION.findall(choice.message.content)}
    assert cited and cited <= {s["n"] for s in sources}
    assert {"doc", "title", "section", "page", "snippet", "score"} <= set(sources[0])
    usage = completion.usage
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_streaming_sends_chunks_then_sources_then_done(gallery) -> None:
    whole = ask(gallery).choices[0].message.content
    chunks = list(ask(gallery, stream=True, stream_options={"include_usage": True}))
    assert all(c.object == "chat.completion.chunk" and c.model == "uec-gallery" for c in chunks)
    assert len({c.id for c in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole and len(chunks) > 10  # streamed piece by piece, same answer as without streaming
    final = next(c for c in chunks if c.choices and c.choices[0].finish_reason)
    assert final.choices[0].finish_reason == "stop" and final.model_extra["sources"]
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0

    conn = connect(gallery.url)  # the wire format itself: bare data lines, ending with [DONE]
    conn.request("POST", "/v1/chat/completions", body=json.dumps(
        {"model": "uec-gallery", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}),
        headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    raw = response.read().decode()
    conn.close()
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/event-stream")
    events = [e for e in raw.split("\n\n") if e.strip()]
    assert all(e.startswith("data: ") for e in events) and events[-1] == "data: [DONE]"


def test_api_key_is_required_when_set(gallery_factory) -> None:
    gallery = gallery_factory(gallery_api_key="s3cret-key")
    for key in ("unused", "s3cret-key-but-longer", "s3cret-ke"):
        with pytest.raises(openai.AuthenticationError) as caught:
            client(gallery, key).models.list()
        assert caught.value.status_code == 401
        with pytest.raises(openai.AuthenticationError):
            client(gallery, key).chat.completions.create(model="uec-gallery",
                                                         messages=[{"role": "user", "content": QUESTION}])
    reply = call(gallery.url, "GET", "/v1/models")
    assert reply.status == 401 and reply.error_code == "unauthorized" and "www-authenticate" in reply.headers
    assert [m.id for m in client(gallery, "s3cret-key").models.list().data] == ["uec-gallery"]
    completion = client(gallery, "s3cret-key").chat.completions.create(
        model="uec-gallery", messages=[{"role": "user", "content": QUESTION}])
    assert completion.model_extra["sources"]


def test_errors_keep_their_statuses(gallery_factory) -> None:
    gallery = gallery_factory(rate_limit_per_minute=2)
    with pytest.raises(openai.NotFoundError):
        client(gallery).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    for body, status in (({"messages": "What is RUD?"}, 400), ({"messages": []}, 400),
                         ({"messages": [{"role": "wizard", "content": "x"}]}, 400),
                         ({"messages": [{"role": "user", "content": 7}]}, 400),
                         ({"messages": [{"role": "user", "content": "x"}], "stream": "yes"}, 400)):
        reply = call(gallery.url, "POST", "/v1/chat/completions", body)
        assert reply.status == status, (body, reply.body)
        assert set(reply.json()["error"]) == {"code", "message"}
    assert call(gallery.url, "POST", "/v1/chat/completions", raw=b"{}", headers={}).status == 415
    assert call(gallery.url, "GET", "/v1/chat/completions").status == 405
    ask(gallery)
    ask(gallery)
    with pytest.raises(openai.RateLimitError) as caught:
        ask(gallery)
    assert int(caught.value.response.headers["Retry-After"]) >= 1


def test_content_parts_history_and_a_missing_question(gallery) -> None:
    completion = client(gallery).chat.completions.create(model="uec-gallery", messages=[
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": QUESTION}]}])
    assert "exactly once" in completion.choices[0].message.content.lower()
    empty = client(gallery).chat.completions.create(model="uec-gallery",
                                                    messages=[{"role": "system", "content": "ping"}])
    assert empty.choices[0].message.content == NO_QUESTION and empty.model_extra["sources"] == []


# --- the generative path behind it (the stand-in remote model) ----------------------------------------------

def test_llm_answers_stream_with_history_and_checked_citations(gallery_factory) -> None:
    reply = "RUD delivers each packet exactly once [1] in any order [2], see [9]."
    with FakeOpenAI(reply=reply) as fake:
        gallery = gallery_factory(openai_base_url=fake.url, openai_model="fake-model")
        messages = [{"role": "system", "content": "ignored"}, {"role": "user", "content": QUESTION},
                    {"role": "assistant", "content": "Exactly once [1]."},
                    {"role": "user", "content": "And its ordering?"}]
        chunks = list(client(gallery).chat.completions.create(model="uec-gallery", messages=messages, stream=True))
        sent = fake.chat_requests
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == check_citations(reply, 5) == "RUD delivers each packet exactly once [1] in any order [2], see ."
    final = chunks[-1]
    assert final.model_extra["backend"] == "openai" and "notice" not in final.model_extra
    rewrite, answer = sent[0], sent[-1]  # a follow-up: rewritten for retrieval first, then answered
    assert rewrite["stream"] is False and "standalone" in rewrite["messages"][0]["content"]
    assert [m["role"] for m in answer["messages"]] == ["system", "user", "assistant", "user"]
    assert answer["messages"][0]["content"] != "ignored"  # the gallery's own instructions
    assert answer["messages"][-1]["content"].endswith("Question: And its ordering?")


def test_standalone_questions_are_not_rewritten(gallery_factory) -> None:
    with FakeOpenAI() as fake:
        gallery = gallery_factory(openai_base_url=fake.url)
        client(gallery).chat.completions.create(model="uec-gallery", messages=[
            {"role": "user", "content": QUESTION}, {"role": "assistant", "content": "Exactly once [1]."},
            {"role": "user", "content": "How does link level retry detect a lost frame on the link?"}])
        assert len(fake.chat_requests) == 1 and fake.chat_requests[0]["stream"] is True


@pytest.mark.parametrize("mode", ["break", "hang", "error"])
def test_model_failure_falls_back_with_a_visible_notice_and_is_counted(gallery_factory, mode: str) -> None:
    with FakeOpenAI(mode=mode, reply="one two three four five six seven") as fake:
        gallery = gallery_factory(openai_base_url=fake.url, llm_first_token_seconds=1.0)
        started = time.monotonic()
        chunks = list(ask(gallery, stream=True))
        elapsed = time.monotonic() - started
        requests = len(fake.chat_requests)
        metrics = call(gallery.url, "GET", "/metrics").body.decode()
        gallery.answers.primary.close()  # its kept-alive connection would hold a thread of the stand-in open
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    final = chunks[-1]
    assert final.model_extra["backend"] == "extractive"
    assert "language model is unavailable" in final.model_extra["notice"]
    assert "> Note: The language model is unavailable" in text and CITATION.search(text)
    assert elapsed < 8, "a failing model must not pin the request"
    assert requests == (2 if mode == "error" else 1)  # a 5xx is retried once; a timeout is not
    if mode == "hang":
        assert "no answer within 1 s" in final.model_extra["notice"]
    assert re.search(r"^mygallery_answer_fallbacks_total 1\.0$", metrics, re.M)


def test_citation_filter_streams_what_check_citations_makes_of_the_whole() -> None:
    rng = random.Random(7)
    pieces = ["a", " ", "[", "]", "1", "2", "9", "0", "x", "[1]", "[3]", "[12", "[[", "。"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        cuts = sorted(rng.sample(range(len(text) + 1), k=min(len(text) + 1, rng.randint(0, 6))))
        citations, out, previous = CitationFilter(2), [], 0
        for cut in [*cuts, len(text)]:
            out.append(citations.feed(text[previous:cut]))
            previous = cut
        out.append(citations.flush())
        assert "".join(out) == check_citations(text, 2), text
