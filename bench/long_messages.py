"""What one long message costs to answer: messages of up to 4,000 characters (the default max_message_chars)
made of hundreds of identifiers, measures, versions, capitalised words, made-up words, sentences or Chinese
characters, answered in-process over the bundled corpus — against an ordinary question. A message is as many
questions as its cost says: no kind should cost many ordinary ones.

    .venv/bin/python bench/long_messages.py                      # about 20 s
    .venv/bin/python bench/long_messages.py --checkout /tmp/old  # another checkout's answerer, same messages

Prints the median process time of each kind over --repeats answers (each a fresh message of the kind, so no
cache helps) and writes bench/results/long-messages-<time>.json. Non-goals: HTTP (bench_server.py), what the
answers say (probe_refusals.py).
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, machine, say, write_results  # noqa: E402

LIMIT = 4000  # characters: Settings.max_message_chars


def _letters(rng: random.Random, n: int, alphabet: str = "abcdefghij") -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


# Each kind makes a message from a random source (its repeat number): a new message every time
KINDS: dict[str, Callable[[random.Random], str]] = {
    "ordinary question": lambda r: f"What is the LLR replay timeout on leaf {r.randrange(1, 64)}?",
    "identifiers": lambda r: " ".join(f"AB-{r.randrange(10**4)}" for _ in range(600)) + "?",
    "hex values": lambda r: " ".join(f"0x{r.randrange(16**6):x}" for _ in range(400)),
    "versions": lambda r: " ".join(f"{r.randrange(9)}.{r.randrange(9)}.{r.randrange(9)}" for _ in range(600)),
    "measures": lambda r: " ".join(f"It was {r.randrange(10**4)} us." for _ in range(250)) + " What at 8 us?",
    "capitals": lambda r: " ".join(_letters(r, 4, "ABCDEFGHIJ") for _ in range(700)),
    "made-up words": lambda r: " ".join(_letters(r, 12) for _ in range(300)),
    "one long word": lambda r: _letters(r, 3000),
    "chinese": lambda r: "".join(chr(0x4E00 + r.randrange(20000)) for _ in range(3900)),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, help="run the answerer of another checkout of this repository")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    sys.path.insert(0, str((args.checkout or ROOT).resolve()))
    logging.disable(logging.WARNING)
    from mygallery.config import Settings
    from mygallery.engine.answering import AnswerService
    from mygallery.engine.embeddings import make_embedder
    from mygallery.engine.index import LiveIndex
    from mygallery.engine.ingest import ingest

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(docs_dir=ROOT / "data" / "docs", index_dir=Path(tmp))
        _, index = ingest(settings, make_embedder(settings))
        service = AnswerService(LiveIndex(index))
        service.answer("qiyun 是什么")  # what is built on first use (the pinyin table) is built before timing
        for kind, make in KINDS.items():
            times = []
            for repeat in range(args.repeats):
                message = make(random.Random(f"{kind}-{repeat}"))[:LIMIT]
                started = time.process_time()
                service.answer(message)
                times.append((time.process_time() - started) * 1000)
            results[kind] = round(statistics.median(times), 1)
            say(f"{kind:18s} {results[kind]:8.1f} ms")
    write_results("long-messages", {"machine": machine(), "checkout": str(args.checkout or ROOT),
                                    "repeats": args.repeats, "median_ms": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
