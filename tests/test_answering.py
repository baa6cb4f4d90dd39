"""Answering: the extractive answerer on the real index, and the OpenAI path through the real `openai` client
against a local server speaking its protocol (streaming, citations check, history budget, fallback)."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest

from mygallery.config import Settings
from mygallery.engine.answer_types import AnswerResult, Turn, standalone_query
from mygallery.engine.answering import (
    AnswerService,
    check_citations,
    make_answer_service,
    with_asked_value,
    with_question_language,
)
from mygallery.engine.chunking import Chunk
from mygallery.engine.extractive import NOT_IN_DOCUMENTS, RELATED, ExtractiveAnswerer
from mygallery.engine.index import Hit, HybridIndex, LiveIndex
from mygallery.engine.lead_line import FROM_OTHER_LANGUAGE
from mygallery.engine.lexicon import translations
from mygallery.engine.openai_answerer import build_messages, trim_history
from mygallery.engine.token_count import count_tokens
from tests.fake_openai import FakeOpenAI

CITATION = re.compile(r"\[(\d+)\]")


def extractive(index: HybridIndex) -> AnswerService:
    return AnswerService(LiveIndex(index), top_k=5)


def test_extractive_answer_cites_only_real_sources(bundled_index: HybridIndex) -> None:
    result = extractive(bundled_index).answer("What does RUD guarantee?")
    assert result.backend == "extractive" and result.sources
    cited = {int(n) for n in CITATION.findall(result.answer)}
    assert cited and cited <= {s.n for s in result.sources}
    assert "exactly once" in result.answer.lower()
    for source in result.sources:
        assert source.snippet and len(source.snippet) <= 240


def test_extractive_answers_chinese_questions_in_chinese_when_sources_allow(bundled_index: HybridIndex) -> None:
    result = extractive(bundled_index).answer("LLR 在链路上是怎么重传的？")
    assert CITATION.search(result.answer)
    assert sum(1 for ch in result.answer if "\u4e00" <= ch <= "\u9fff") > 20
    assert not result.answer.startswith("资料中没有直接的答案")


def test_chinese_question_answered_from_english_sources_says_so(bundled_index: HybridIndex) -> None:
    result = extractive(bundled_index).answer("包裁剪是怎么工作的？")  # only the English files explain it
    assert "packet-trimming.md" in {s.doc for s in result.sources}
    assert result.answered and result.answer.startswith(FROM_OTHER_LANGUAGE["zh"])
    assert "trim" in result.answer.lower() and CITATION.search(result.answer)


def test_chinese_networking_words_reach_the_english_terms(bundled_index: HybridIndex) -> None:
    """远端 (remote), 误码率 (BER), 探测 (probe), 内核 (kernel): a Chinese question's everyday networking words
    find the English rows and sentences that use the terms."""
    result = extractive(bundled_index).answer("libfabric 里哪个调用对应远端内存写入？")
    assert result.answered and "fi_write" in result.answer.split("\n\n", 2)[1], result.answer
    assert {"ber", "bit", "error", "rate"} <= set(translations("误码率"))
    assert "probe" in translations("探测") and "kernel" in translations("内核")
    assert "recommend" in translations("GRD_SLT 推荐设多少")  # "… a GRD_SLT of 5 ms is RECOMMENDED"


def test_extractive_says_when_nothing_matches(bundled_index: HybridIndex) -> None:
    answer = ExtractiveAnswerer(lambda: bundled_index).compose("What is the capital of France?", [])
    assert "do not contain" in answer
    weak = extractive(bundled_index).answer("Which recipe makes the best sourdough bread?")
    assert not weak.answered and weak.answer.startswith(NOT_IN_DOCUMENTS["en"])
    assert RELATED["en"] in weak.answer  # the closest passages follow, as related reading


def test_table_rows_are_quoted_with_their_header(bundled_index: HybridIndex) -> None:
    result = extractive(bundled_index).answer("What does RUDI stand for?")
    assert "Reliable Unordered Delivery for Idempotent" in result.answer


def test_follow_up_questions_are_searched_with_context() -> None:
    history = [Turn("user", "What does RUD guarantee?"), Turn("assistant", "Exactly-once delivery [1].")]
    assert standalone_query("And what about its ordering?", history) == \
        "What does RUD guarantee? And what about its ordering?"
    assert standalone_query("How does link level retry detect a lost frame?", history) == \
        "How does link level retry detect a lost frame?"


def test_check_citations_drops_numbers_without_a_source() -> None:
    assert check_citations("A [1] B [7] C [2][3]", 2) == "A [1] B  C [2]"


def test_history_is_trimmed_to_the_budget() -> None:
    history = [Turn("user" if i % 2 == 0 else "assistant", f"turn {i} " + "word " * 50) for i in range(40)]
    kept = trim_history(history, 300)
    assert kept == history[-len(kept):] and 0 < len(kept) < 10
    assert sum(count_tokens(t.content) + 4 for t in kept) <= 300
    messages = build_messages("What is RUD?", [], history, context_tokens=2000)
    assert messages[0]["role"] == "system" and messages[-1]["content"].endswith("Question: What is RUD?")
    assert sum(count_tokens(m["content"]) for m in messages) < 2000


def openai_settings(url: str, **changes) -> Settings:
    return replace(Settings(openai_base_url=url, openai_api_key="test-key", openai_model="fake-model",
                            llm_timeout_seconds=2.0), **changes)


def test_openai_answer_streams_with_checked_citations(bundled_index: HybridIndex) -> None:
    with FakeOpenAI(reply="RUD is reliable [1] and unordered [2], see also [9].") as fake:
        service = make_answer_service(openai_settings(fake.url), LiveIndex(bundled_index))
        items = list(service.stream("What does RUD guarantee?"))
    pieces = [i for i in items if isinstance(i, str)]
    result = items[-1]
    assert isinstance(result, AnswerResult) and result.backend == "openai" and not result.notice
    assert len(pieces) > 3  # streamed token by token
    assert result.answer == "RUD is reliable [1] and unordered [2], see also ."
    request = fake.chat_requests[-1]
    assert request["stream"] is True and request["model"] == "fake-model"
    prompt = request["messages"][-1]["content"]
    assert "[1] " in prompt and "Question: What does RUD guarantee?" in prompt
    assert "cite" in request["messages"][0]["content"].lower()


@pytest.mark.parametrize("mode", ["error", "hang", "break"])
def test_llm_failure_falls_back_to_extractive_with_a_notice(bundled_index: HybridIndex, mode: str) -> None:
    with FakeOpenAI(mode=mode, reply="one two three four five six seven") as fake:
        service = make_answer_service(openai_settings(fake.url, llm_timeout_seconds=1.0), LiveIndex(bundled_index))
        reported: list[tuple[str, bool]] = []
        service.on_answer = lambda backend, fell_back, answered: reported.append((backend, fell_back))
        started = time.monotonic()
        result = service.answer("What does RUD guarantee?")
        elapsed = time.monotonic() - started
    assert result.backend == "extractive"
    assert "language model is unavailable" in result.notice
    assert CITATION.search(result.answer)
    assert elapsed < 10, "a dead model must not pin the request"
    assert reported == [("extractive", True)]  # counted once, as a fallback


def test_follow_ups_are_rewritten_by_the_model(bundled_index: HybridIndex) -> None:
    with FakeOpenAI() as fake:
        service = make_answer_service(openai_settings(fake.url), LiveIndex(bundled_index))
        history = [Turn("user", "What does RUD guarantee?"), Turn("assistant", "Exactly once [1].")]
        service.answer("and ordering?", history)
        rewrite, answer = fake.chat_requests[0], fake.chat_requests[1]
    assert rewrite["stream"] is False and "standalone" in rewrite["messages"][0]["content"]
    assert [m["role"] for m in answer["messages"]] == ["system", "user", "assistant", "user"]


def test_english_questions_about_a_chinese_note_with_an_abbreviation_table(tmp_path) -> None:
    """The general case the product is judged on: Chinese notes with English terms and a table of
    abbreviations, asked about in English."""
    from mygallery.engine.embeddings import make_embedder
    from mygallery.engine.ingest import ingest

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "zh-study.md").write_text(
        "# 学习笔记：拥塞与重传\n\n## 术语表\n\n| 缩写 | 英文全称 | 中文解释 |\n|---|---|---|\n"
        "| CCC | Congestion Control Context | 拥塞控制上下文，每个目的端维护一份 |\n"
        "| RTO | Retransmission Timeout | 重传超时，兜底机制 |\n\n"
        "## 重传机制\n\nUET 不使用 go-back-N。接收端通过 SACK 位图告诉发送端缺了哪些 PSN，发送端只重传缺失的包。"
        "如果连 SACK 都丢了，就靠 RTO 兜底，RTO 一般设置为若干倍的 base RTT。\n", encoding="utf-8")
    settings = Settings(docs_dir=docs, index_dir=tmp_path / "index")
    _, index = ingest(settings, make_embedder(settings))
    service = AnswerService(LiveIndex(index), top_k=3)

    definition = service.answer("What does CCC stand for?").answer
    assert definition.startswith("缩写: CCC; 英文全称: Congestion Control Context")
    lost_ack = service.answer("What happens when the SACK itself is lost?").answer
    assert not lost_ack.startswith(NOT_IN_DOCUMENTS["en"]) and "RTO 兜底" in lost_ack
    recovery = service.answer("How does UET recover lost packets without go-back-N?").answer
    assert "只重传缺失的包" in recovery  # the sentence after the short best match completes it


def test_the_compute_thread_runs_jobs_in_order_and_hands_back_errors(no_thread_leak) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from mygallery.errors import NotReady
    from mygallery.web.compute_thread import ComputeThread

    compute = ComputeThread()
    ran: list[int] = []
    try:
        with ThreadPoolExecutor(8) as callers:
            results = list(callers.map(lambda n: compute.run(lambda: ran.append(n) or n * n), range(40)))
        assert results == [n * n for n in range(40)] and sorted(ran) == list(range(40))
        with pytest.raises(ZeroDivisionError):
            compute.run(lambda: 1 / 0)
        assert compute.run(lambda: "still working") == "still working"
    finally:
        compute.close()
    with pytest.raises(NotReady):
        compute.run(lambda: None)


def test_a_passage_in_the_question_language_replaces_a_repeated_document() -> None:
    """A Chinese question over English hits gets the best Chinese passage among its five sources — in place of a
    second passage of an already cited document, so that no document drops out of the five."""
    def hit(doc: str, text: str, score: float) -> Hit:
        return Hit(Chunk(doc, doc, "", None, text, text, 10), score)

    english = [hit("a.md", "Link level retry replays a frame.", 0.9), hit("b.md", "The replay buffer holds frames.", 0.8),
               hit("a.md", "The replay timer is 2 us.", 0.7), hit("c.md", "Credits flow per virtual lane.", 0.6),
               hit("d.md", "Trimming cuts the payload.", 0.5)]
    chinese = hit("e.md", "链路层重传在两端之间重放帧，定时器为 2 微秒。", 0.4)
    chosen = with_question_language([*english, chinese], "链路层重传的定时器是多少？", 5)
    assert [h.chunk.doc for h in chosen] == ["a.md", "b.md", "c.md", "d.md", "e.md"]
    distinct = [hit(f"{n}.md", f"Passage number {n} about replay.", 1 - n / 10) for n in range(5)]
    assert [h.chunk.doc for h in with_question_language([*distinct, chinese], "链路层重传的定时器是多少？", 5)] \
        == ["0.md", "1.md", "2.md", "3.md", "e.md"]


def test_a_passage_holding_the_asked_value_replaces_a_repeated_document() -> None:
    """A question asking for a number of which none of the five passages holds one ("how many bits wide …",
    eight sentences about what entropy values are for) gets the best passage close behind that holds a value —
    not a passage with only the question's own numbers, not one kept for the question's language; a question
    asking for a purpose or whose passages hold a value keeps its five."""
    def hit(doc: str, text: str, score: float) -> Hit:
        return Hit(Chunk(doc, doc, "", None, text, text, 10), score)

    prose = [hit("spray.md", "Each packet carries an entropy value for the switch hash.", 0.9),
             hit("cms.md", "The sender varies the entropy value to spread packets.", 0.8),
             hit("spray.md", "Entropy values that return trims are avoided.", 0.7),
             hit("nscc.md", "Entropy values let NSCC balance paths.", 0.6),
             hit("tss.md", "The entropy value stays readable under encryption.", 0.5)]
    own_number = hit("faq.md", "With 2 paths an entropy value changes little.", 0.45)
    glossary = hit("glossary.md", "EV: 16-bit per-packet value that switches hash.", 0.4)
    hits = [*prose, own_number, glossary]
    chosen = with_asked_value(hits, prose, "How many bits wide is the entropy value with 2 paths?")
    assert [h.chunk.doc for h in chosen] == ["spray.md", "cms.md", "nscc.md", "tss.md", "glossary.md"]
    assert with_asked_value(hits, prose, "What is the entropy value used for?") == prose  # a purpose
    valued = [*prose[:4], glossary]
    assert with_asked_value([*valued, prose[4]], valued, "How wide is the entropy value?") == valued
    chinese = hit("zh.md", "熵值用于交换机哈希选路。", 0.3)  # brought in for a Chinese question: it stays
    top = [*prose[:4], chinese]
    assert [h.chunk.doc for h in with_asked_value([*prose, chinese, glossary], top, "熵值的长度是多少？")] \
        == ["spray.md", "cms.md", "nscc.md", "zh.md", "glossary.md"]
