"""`python -m mygallery ingest|ask|eval` as real processes on the bundled corpus, offline, without an API key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env_extra: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "mygallery", *args], env=env, capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def test_ingest_ask_and_eval(tmp_path: Path) -> None:
    index = str(tmp_path / "index")
    first = run("ingest", "--index", index)
    assert first.returncode == 0, first.stderr
    summary = first.stdout.strip().splitlines()[-1]
    assert summary.startswith("ingest: ") and " documents, " in summary and " chunks, " in summary
    assert "ingest [" in first.stderr  # the progress bar
    again = run("ingest", "--index", index)
    assert "nothing to do" in again.stdout

    asked = run("ask", "What does RUD guarantee?", "--index", index)
    assert asked.returncode == 0, asked.stderr
    assert "[1]" in asked.stdout and "Sources:" in asked.stdout and "delivery-modes.md" in asked.stdout

    as_json = run("ask", "什么是包裁剪？", "--index", index, "--json")
    body = json.loads(as_json.stdout)
    assert set(body) >= {"answer", "sources", "backend"} and body["backend"] == "extractive"
    assert body["sources"][0]["n"] == 1

    report = run("eval", "--index", index, "--json", "--qa", str(ROOT / "data" / "qa" / "uec_qa.jsonl"))
    assert report.returncode == 0, report.stderr
    scores = json.loads(report.stdout)
    assert scores["questions"] >= 60
    assert set(scores["methods"]) == {"dense", "bm25", "hybrid"}
    for method in scores["methods"].values():
        assert set(method) == {"recall@1", "recall@5", "mrr"}
    table = run("eval", "--index", index)
    header = table.stdout.splitlines()[1].split()
    assert header == ["method", "recall@1", "recall@5", "MRR"]


def test_ask_without_an_index_says_what_to_run(tmp_path: Path) -> None:
    result = run("ask", "What is RUD?", "--index", str(tmp_path / "nothing"))
    assert result.returncode == 1
    assert "run `python -m mygallery ingest`" in result.stderr and "Traceback" not in result.stderr


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    assert run("frobnicate").returncode == 2
    bad = run("ask", "x", env_extra={"EMBEDDING_BACKEND": "magic"})
    assert bad.returncode == 2 and "EMBEDDING_BACKEND" in bad.stderr


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MAX_SESSIONS=abc\nPORT=1234\n", encoding="utf-8")
    result = run("ask", "x", cwd=tmp_path)
    assert result.returncode == 2 and "MAX_SESSIONS='abc'" in result.stderr
    fixed = run("ask", "x", "--index", str(tmp_path / "none"), cwd=tmp_path, env_extra={"MAX_SESSIONS": "5"})
    assert fixed.returncode == 1  # configuration accepted; fails only for the missing index
