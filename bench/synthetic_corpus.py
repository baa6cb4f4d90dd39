"""A deterministic synthetic corpus for the retrieval benchmark: pseudo-technical English and Chinese notes.

`write_corpus(folder, chunks)` writes Markdown files that the real ingest path (loader, chunker, embedder,
hnswlib, BM25) turns into about `chunks` chunks: each file has a title and 20 sections, and every section is one
paragraph (or one small table) short enough to be one chunk. Words follow a Zipf law over a vocabulary of real
networking terms plus ~20,000 made-up ones (the long tail of identifiers a specification has); one section in
ten is Chinese (general terms of the field, with English acronyms in it, as in real study notes); some sections
define an abbreviation ("Packet Sequence Number (PSN)") or hold a table of them, as specifications do.
`questions(count)` gives English and Chinese questions built from the same vocabulary, so they match something.
The vocabulary drawn from the lexicon is frozen in synthetic_vocabulary.json (the lexicon's English words and
Chinese terms as of 2026-12-07): the lexicon grows with the answers work, and a benchmark whose corpus changed with
it would not compare like for like across commits.
Non-goals: meaningful text, or matching the statistics of the real UEC specification beyond the rough shape.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import numpy as np

FROZEN = json.loads((Path(__file__).with_name("synthetic_vocabulary.json")).read_text(encoding="utf-8"))

SECTIONS_PER_FILE = 20
FUNCTION_WORDS = ("the of and a to in is for on with that by as are be this from or at which when each it can "
                  "not an its may must all per only into than also over").split()
DOMAIN_WORDS = sorted(set(FROZEN["lexicon_words"]) | set(
    """packet transport sublayer semantic delivery congestion window credit sender receiver fabric endpoint
    retransmit timeout acknowledgement sequence context ordering reliable unordered idempotent rendezvous tagged
    untagged message buffer queue completion doorbell descriptor spray entropy path multipath trimming header
    payload switch link lane retry frame credit-based priority lossless lossy telemetry counter register memory
    address job process initiator target request response semaphore atomic collective reduction broadcast
    allreduce algorithm threshold marking notification probe rate pacing bandwidth latency jitter round-trip
    handshake key epoch rotation integrity authentication encryption tenant isolation profile optional mandatory
    hardware firmware driver provider interface library operation compliance conformance vendor implementation
    bit byte field offset length format encoding decoding checksum cyclic redundancy correction forward error
    physical serdes optics cable module port rack cluster accelerator training inference workload""".split()))
SYLLABLES = ("ka lo mi tra sen vor pel dix qua ren tor shi na bel cor ex ium ate ion ent al per sub com pro trans "
             "gra ly mo ne ta vi ro su fe ga").split()
CHINESE_TERMS = sorted(FROZEN["chinese_terms"])
CHINESE_GLUE = ("的", "在", "时", "会", "通过", "需要", "可以", "以及", "对于", "其中", "并且", "由于", "因此")


class Vocabulary:
    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        made_up = dict.fromkeys("".join(rng.choice(SYLLABLES, int(rng.integers(2, 5)))) for _ in range(40_000))
        words = list(FUNCTION_WORDS) + DOMAIN_WORDS + [w for w in made_up if w not in DOMAIN_WORDS][:20_000]
        # Function words first, then a shuffled rest: the Zipf head is "the of and", the tail is made-up terms.
        head, rest = words[: len(FUNCTION_WORDS)], words[len(FUNCTION_WORDS):]
        rng.shuffle(rest)
        self.words = head + rest
        ranks = np.arange(1, len(self.words) + 1)
        weights = 1.0 / ranks**1.07
        self.cumulative = np.cumsum(weights / weights.sum())
        self.acronyms: dict[str, str] = {}
        by_letter: dict[str, list[str]] = {}
        for word in DOMAIN_WORDS:
            if word[0] in string.ascii_lowercase and "-" not in word:
                by_letter.setdefault(word[0], []).append(word)
        letters = sorted(by_letter)
        while len(self.acronyms) < 600:
            short = "".join(rng.choice(letters, int(rng.integers(2, 5)))).upper()
            if short not in self.acronyms:
                self.acronyms[short] = " ".join(str(rng.choice(by_letter[c.lower()])).capitalize() for c in short)
        self.acronym_list = sorted(self.acronyms)

    def draw(self, rng: np.random.Generator, count: int) -> list[str]:
        return [self.words[i] for i in np.searchsorted(self.cumulative, rng.random(count))]


def english_paragraph(vocab: Vocabulary, rng: np.random.Generator) -> str:
    sentences = []
    for _ in range(int(rng.integers(3, 7))):
        words = vocab.draw(rng, int(rng.integers(8, 20)))
        for j in rng.integers(0, len(words), max(1, len(words) // 10)):
            words[j] = str(rng.choice(vocab.acronym_list))
        if rng.random() < 0.15:  # a definition, as specifications give them
            short = str(rng.choice(vocab.acronym_list))
            words.insert(int(rng.integers(0, len(words))), f"{vocab.acronyms[short]} ({short})")
        elif rng.random() < 0.1:
            words.insert(int(rng.integers(0, len(words))), f"(see {rng.choice(vocab.words)} {rng.integers(1, 99)})")
        sentence = " ".join(words)
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
    return " ".join(sentences)


def chinese_paragraph(vocab: Vocabulary, rng: np.random.Generator) -> str:
    sentences = []
    for _ in range(int(rng.integers(3, 7))):
        parts = []
        for _ in range(int(rng.integers(4, 10))):
            parts.append(str(rng.choice(CHINESE_TERMS)))
            if rng.random() < 0.5:
                parts.append(str(rng.choice(CHINESE_GLUE)))
            if rng.random() < 0.15:
                parts.append(f" {rng.choice(vocab.acronym_list)} ")
        sentences.append("".join(parts) + "。")
    return "".join(sentences)


def abbreviation_table(vocab: Vocabulary, rng: np.random.Generator) -> str:
    rows = ["| Term | Expansion | Notes |", "|---|---|---|"]
    for short in rng.choice(vocab.acronym_list, int(rng.integers(4, 9)), replace=False):
        rows.append(f"| {short} | {vocab.acronyms[str(short)]} | {' '.join(vocab.draw(rng, 6))} |")
    return "\n".join(rows)


def write_corpus(folder: Path, chunks: int, *, seed: int = 20240611) -> int:
    """Write about `chunks` one-chunk sections as Markdown files into `folder`; return the file count."""
    folder.mkdir(parents=True, exist_ok=True)
    vocab = Vocabulary(seed)
    rng = np.random.default_rng(seed + 1)
    files = max(1, -(-chunks // SECTIONS_PER_FILE))
    for number in range(files):
        sections = min(SECTIONS_PER_FILE, chunks - number * SECTIONS_PER_FILE)
        title = " ".join(vocab.draw(rng, 3)).title()
        lines = [f"# {title} ({number})", ""]
        for section in range(sections):
            lines += [f"## {section + 1}. {' '.join(vocab.draw(rng, 4)).capitalize()}", ""]
            kind = rng.random()
            if kind < 0.10:
                lines.append(chinese_paragraph(vocab, rng))
            elif kind < 0.13:
                lines.append(abbreviation_table(vocab, rng))
            else:
                lines.append(english_paragraph(vocab, rng))
            lines.append("")
        (folder / f"synthetic-{number:05d}.md").write_text("\n".join(lines), encoding="utf-8")
    return files


def questions(count: int, *, seed: int = 7) -> list[str]:
    """English (80 %) and Chinese (20 %) questions over the synthetic vocabulary."""
    vocab = Vocabulary(20240611)
    rng = np.random.default_rng(seed)
    english = ("What does {a} guarantee about {w} {x}?", "How is {w} {x} handled when the {y} times out?",
               "What is the {w} {x} of {a}?", "Why does {a} need {w} {y}?", "{a} {w} {x} {y}")
    chinese = ("{a}的{z}是什么？", "{z}和{t}有什么区别？", "{a}如何处理{z}？")
    out = []
    for i in range(count):
        domain = [w for w in vocab.draw(rng, 40) if w not in FUNCTION_WORDS][:3] or ["packet", "delivery", "mode"]
        while len(domain) < 3:
            domain.append("packet")
        fill = {"a": str(rng.choice(vocab.acronym_list)), "w": domain[0], "x": domain[1], "y": domain[2],
                "z": str(rng.choice(CHINESE_TERMS)), "t": str(rng.choice(CHINESE_TERMS))}
        templates = chinese if i % 5 == 4 else english
        out.append(templates[int(rng.integers(len(templates)))].format(**fill))
    return out
