"""Chunking (structure first, token-bounded, tables keep their header) and offline token counting."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from mygallery.engine.blocks import Block, Document
from mygallery.engine.chunking import chunk_document
from mygallery.engine.token_count import count_tokens, heuristic_count

ROOT = Path(__file__).resolve().parent.parent


def words(n: int, word: str = "congestion") -> str:
    return " ".join(f"Sentence {i} " + " ".join([word] * 7) + "." for i in range(n // 9))


def test_chunks_stay_within_budget_and_sections() -> None:
    doc = Document("a.md", "Doc", [
        Block("para", words(900), ("Intro",)),
        Block("para", "A short paragraph in another section.", ("Other",)),
    ])
    chunks = chunk_document(doc, max_tokens=120, overlap=20, count=count_tokens)
    assert len(chunks) >= 8
    for chunk in chunks:
        assert chunk.tokens <= 120 + 20, chunk.tokens
        assert chunk.section in ("Intro", "Other")
        assert chunk.search_text.startswith(f"Doc > {chunk.section}\n")
    assert chunks[-1].section == "Other" and chunks[-1].text == "A short paragraph in another section."


def test_text_without_sentence_boundaries_is_still_bounded() -> None:
    run_on = " ".join(["lowercase words with no full stop anywhere"] * 200)
    chinese = "拥塞控制在多路径喷洒下依然有效" * 120
    doc = Document("a.md", "Doc", [Block("para", run_on, ("A",)), Block("para", chinese, ("B",))])
    chunks = chunk_document(doc, max_tokens=100, overlap=10, count=count_tokens)
    assert all(c.tokens <= 110 for c in chunks), [c.tokens for c in chunks]
    assert "".join(c.text for c in chunks if c.section == "B").replace(" ", "") == chinese
    assert len([c for c in chunks if c.section == "A"]) > 5


def test_consecutive_chunks_overlap_by_whole_sentences() -> None:
    sentences = [f"Sentence number {i} talks about packet trimming in switches." for i in range(60)]
    doc = Document("a.md", "Doc", [Block("para", s, ("S",)) for s in sentences])
    chunks = chunk_document(doc, max_tokens=80, overlap=25, count=count_tokens)
    assert len(chunks) > 3
    for before, after in zip(chunks, chunks[1:], strict=False):
        last_sentence = before.text.split("\n\n")[-1]
        assert after.text.startswith(last_sentence)


def test_pdf_pages_are_never_mixed() -> None:
    doc = Document("s.pdf", "Spec", [Block("para", "page one text.", ("1 Intro",), 1),
                                     Block("para", "page two text.", ("1 Intro",), 2)])
    chunks = chunk_document(doc, max_tokens=300, overlap=0, count=count_tokens)
    assert [(c.page, c.text) for c in chunks] == [(1, "page one text."), (2, "page two text.")]


def test_long_tables_repeat_their_header_in_every_piece() -> None:
    rows = "\n".join(f"| T{i} | term number {i} with a longer explanation of what it means |" for i in range(80))
    doc = Document("g.md", "Glossary", [Block("table", rows, ("Terms",), header="| Term | Meaning |")])
    chunks = chunk_document(doc, max_tokens=100, overlap=10, count=count_tokens)
    assert len(chunks) > 3
    seen = []
    for chunk in chunks:
        lines = chunk.text.splitlines()
        assert chunk.kind == "table" and lines[0] == "| Term | Meaning |"
        seen.extend(lines[1:])
    assert seen == rows.splitlines()  # every row exactly once, in order


def test_heuristic_counts_chinese_and_english() -> None:
    assert heuristic_count("拥塞控制") == 4
    assert 4 <= heuristic_count("reliable unordered delivery mode") <= 7
    assert heuristic_count("") == 0


def test_token_counting_never_reaches_for_the_network(tmp_path: Path) -> None:
    """With an empty tiktoken cache (as on an intranet box) the counter falls back at once, no download."""
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path / "empty-cache"), "PYTHONPATH": str(ROOT),
           # any attempt to reach the internet would go to a closed local port and fail, not hang
           "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", "from mygallery.engine.token_count import token_counter, count_tokens;"
                             "print(token_counter()[0], count_tokens('RUD 可靠无序交付'))"],
                            env=env, capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    name, count = result.stdout.split()
    assert name in ("wordllama:llama2", "heuristic") and int(count) > 3
    assert elapsed < 20
    assert not (tmp_path / "empty-cache").exists() or not any((tmp_path / "empty-cache").iterdir())



def test_a_table_is_found_by_its_caption() -> None:
    """The caption just above a table ("Table 3: All-reduce bus bandwidth …") or just below it is in the table
    chunk's search text (its text still starts with the header row); prose that starts "Table 5 collects …" is
    no caption."""
    table = Block("table", "| 1 MiB | 9.8 |\n| 256 MiB | 46.3 |", ("5 Evaluation",), 4, header="| Size | PL |")
    above = Document("p.pdf", "Paper", [Block("para", "Table 3: All-reduce bus bandwidth (GB/s).", ("5 Evaluation",), 4),
                                         table])
    [_, chunk] = chunk_document(above, max_tokens=300, overlap=0, count=count_tokens)
    assert chunk.kind == "table" and chunk.text.startswith("| Size | PL |")
    assert "Table 3: All-reduce bus bandwidth (GB/s)." in chunk.search_text
    below = Document("p.pdf", "Paper", [table, Block("para", "表 2 实测带宽", ("5 Evaluation",), 4)])
    assert "表 2 实测带宽" in chunk_document(below, max_tokens=300, overlap=0, count=count_tokens)[0].search_text
    prose = Document("p.pdf", "Paper", [Block("para", "Table 5 collects the parameters.", ("4",), 4), table])
    assert "collects" not in chunk_document(prose, max_tokens=300, overlap=0, count=count_tokens)[1].search_text


def test_a_chunk_is_found_by_its_file_s_name() -> None:
    """A file's name says what it holds, often in the words users ask in: a chunk's search text carries it when
    its title lacks those words (a Chinese title over "meeting-minutes-2025-10-09.md"), and only then."""
    block = Block("para", "记录：孙磊", ("会议信息",))
    minutes = Document("notes/meeting-minutes-2025-10-09.md", "青岚网络组 周会纪要（第 9 次）", [block])
    [chunk] = chunk_document(minutes, max_tokens=300, overlap=0, count=count_tokens)
    assert chunk.search_text.startswith("青岚网络组 周会纪要（第 9 次） (Meeting minutes 2025 10 09) > 会议信息\n")
    assert chunk.title == "青岚网络组 周会纪要（第 9 次）"  # what citations show is the title alone
    for title in ("Meeting minutes 2025 10 09", "Weekly meeting minutes, 2025 10 09"):  # the name adds nothing
        [chunk] = chunk_document(Document("meeting-minutes-2025-10-09.md", title, [block]), max_tokens=300,
                                 overlap=0, count=count_tokens)
        assert chunk.search_text.startswith(f"{title} > 会议信息\n")
