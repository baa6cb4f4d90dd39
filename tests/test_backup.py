"""`python -m mygallery backup|restore` as real processes: a snapshot taken under load and restored into a
fresh clone, secrets blanked and --keep pruning, what restore checks before it changes anything (a snapshot
named, checksums, a running server, an open database), and `blank_secrets` line by line.
Shared helpers: tests/ops_helpers.py.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mygallery.ops.backup import blank_secrets
from tests.http_helpers import ask, call, new_session
from tests.ops_helpers import QUESTION, ROOT, admin_stats, git_clone, mygallery, ops_env, running_gallery

SECRETS_ENV = "ADMIN_TOKEN=tok-live-123\nOPENAI_API_KEY=sk-never-in-backups\nANSWER_BACKEND=extractive\n"


def history(url: str, session_id: str) -> list[dict]:
    reply = call(url, "GET", f"/api/sessions/{session_id}")
    assert reply.status == 200, (session_id, reply.body)
    return reply.json()["messages"]


def snapshot_histories(database: Path) -> dict[str, list[dict]]:
    with sqlite3.connect(database) as db:
        stored: dict[str, list[dict]] = {sid: [] for (sid,) in db.execute("SELECT id FROM sessions")}
        for sid, body in db.execute("SELECT session_id, body FROM messages ORDER BY session_id, seq"):
            stored[sid].append(json.loads(body))
    return stored


def all_answered_once(stats: dict, sessions: int) -> bool:
    """Every one of `sessions` conversations holds an answered turn (and so is in the database for sure)."""
    listed = stats["sessions"]["list"]
    return len(listed) >= sessions and all(item["messages"] >= 2 for item in listed)


def newest_snapshot(output: str) -> Path:
    return Path(output.strip().splitlines()[-1])  # `backup` prints the snapshot folder last


# --- backup and restore -------------------------------------------------------------------------------------


def test_backup_during_load_restores_into_a_fresh_clone(tmp_path: Path, copied_index_dir: Path) -> None:
    live = tmp_path / "live"  # the running installation: its .env, data/sessions.db, logs
    live.mkdir()
    (live / ".env").write_text(SECRETS_ENV + f"RATE_LIMIT_PER_MINUTE=0\nMAX_SESSIONS_PER_CLIENT=50\n"
                               f"INDEX_DIR={copied_index_dir}\n")
    with running_gallery(live, SESSION_STORE="sqlite") as source:
        known = new_session(source.url)
        for text in (QUESTION, "什么是包裁剪？"):
            assert ask(source.url, text, known).status == 200
        load = subprocess.Popen([sys.executable, str(ROOT / "test_concurrent.py"), "--users", "20", "--requests",
                                 "20", "--keep-sessions", "--url", source.url], cwd=live, env=ops_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            while not all_answered_once(admin_stats(source.url, "tok-live-123"), 21) and load.poll() is None:
                time.sleep(0.02)
            backup = mygallery("backup", "--to", str(tmp_path / "backups"), cwd=live, env=ops_env())
            load_was_running = load.poll() is None
        finally:
            out, err = load.communicate(timeout=120)
        assert backup.returncode == 0, backup.stderr
        assert load_was_running, "the load test ended before the backup did: give it more --requests"
        assert load.returncode == 0 and "Result      PASS" in out, out + err
        snapshot = newest_snapshot(backup.stdout)
        assert snapshot.parent == tmp_path / "backups" and re.fullmatch(r"\d{8}T\d{6}Z", snapshot.name)

        # the server still has its database open: restoring over it is refused and changes nothing
        before = (live / "data" / "sessions.db").stat().st_ino
        refused = mygallery("restore", str(snapshot), cwd=live, env=ops_env())
        assert refused.returncode == 1 and "refusing to restore" in refused.stderr
        assert "sessions.db open" in refused.stderr and (live / "data" / "sessions.db").stat().st_ino == before

        clone = git_clone(tmp_path / "fresh-clone")
        restored = mygallery("restore", str(snapshot), cwd=clone, env=ops_env())
        assert restored.returncode == 0, restored.stderr
        assert "sessions database (" in restored.stdout and not (clone / ".env").exists()

        stored = snapshot_histories(snapshot / "sessions.db")
        assert len(stored) == 21 and all(len(messages) % 2 == 0 for messages in stored.values())
        with running_gallery(clone) as target:
            assert history(target.url, known) == history(source.url, known)
            for session_id, messages in stored.items():
                shown = history(target.url, session_id)
                assert shown == messages  # exactly what the snapshot holds …
                assert history(source.url, session_id)[:len(shown)] == shown  # … a moment of the live history
            original, again = ask(source.url, QUESTION).json(), ask(target.url, QUESTION).json()
            assert (again["answer"], again["sources"]) == (original["answer"], original["sources"])
    # a snapshot taken mid-run holds fewer turns than the run ended with
    assert sum(map(len, stored.values())) < 4 + 20 * 20 * 2


def test_backup_blanks_secrets_and_keep_prunes(tmp_path: Path, copied_index_dir: Path) -> None:
    (tmp_path / ".env").write_text(SECRETS_ENV + f"INDEX_DIR={copied_index_dir}\nSESSION_STORE=memory\n")
    env = ops_env()
    backups = tmp_path / "backups"
    (backups / "notes").mkdir(parents=True)  # not a snapshot: --keep leaves it alone
    made = []
    for _ in range(3):
        result = mygallery("backup", "--to", str(backups), "--keep", "2", cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        made.append(newest_snapshot(result.stdout))
    assert "sessions: SESSION_STORE=memory keeps no database" in result.stdout
    assert "blanked: ADMIN_TOKEN, OPENAI_API_KEY" in result.stdout and "pruned 1 older snapshot" in result.stdout
    assert sorted(p.name for p in backups.iterdir()) == sorted([made[1].name, made[2].name, "notes"])

    config = (made[2] / "config.env").read_text()
    assert "tok-live-123" not in config and "sk-never-in-backups" not in config
    assert "ANSWER_BACKEND=extractive" in config and re.search(r"^ADMIN_TOKEN=\s+#", config, re.M)
    info = json.loads((made[2] / "snapshot.json").read_text())
    assert info["included"]["config"] == {"secrets": "blanked", "blanked": ["ADMIN_TOKEN", "OPENAI_API_KEY"]}
    assert info["included"]["index"]["documents"] >= 30 and "skipped" in info["included"]["sessions"]
    generation = info["included"]["index"]["generation"]
    assert set(info["files"]) == {"config.env", "index/manifest.json", *(f"index/{generation}/{name}" for name in
                                  ("chunks.jsonl", "vectors.npy", "hnsw.bin"))}
    assert all(re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]) for entry in info["files"].values())

    kept = mygallery("backup", "--to", str(tmp_path / "with"), "--with-secrets", cwd=tmp_path, env=env)
    assert "tok-live-123" in (newest_snapshot(kept.stdout) / "config.env").read_text()
    assert mygallery("backup", "--keep", "0", cwd=tmp_path, env=env).returncode == 2


def test_restore_checks_the_snapshot_and_refuses_a_deployed_server(tmp_path: Path, copied_index_dir: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / ".env").write_text(f"INDEX_DIR={copied_index_dir}\n")
    snapshot = source / newest_snapshot(mygallery("backup", cwd=source, env=ops_env()).stdout)
    target = tmp_path / "target"
    target.mkdir()
    (target / ".env").write_text("ADMIN_TOKEN=kept-on-restore\n")

    not_one = mygallery("restore", str(snapshot.parent), cwd=target, env=ops_env())
    assert not_one.returncode == 2 and f"name one, e.g. {snapshot}" in not_one.stderr

    with running_gallery(tmp_path / "server", copied_index_dir) as server:  # as deploy_intranet.sh records it
        (target / "mygallery.pid").write_text(f"{server.pid}\n")
        refused = mygallery("restore", str(snapshot), cwd=target, env=ops_env())
    assert refused.returncode == 1 and f"the gallery is running (pid {server.pid}" in refused.stderr
    assert not (target / "data").exists()

    damaged = tmp_path / "damaged"
    shutil.copytree(snapshot, damaged)
    with (damaged / "index" / "manifest.json").open("a") as manifest:
        manifest.write(" ")
    bad = mygallery("restore", str(damaged), cwd=target, env=ops_env())
    assert bad.returncode == 1 and "index/manifest.json does not match its checksum" in bad.stderr
    assert "nothing was restored" in bad.stderr and not (target / "data").exists()

    done = mygallery("restore", str(snapshot), "--with-config", cwd=target, env=ops_env())
    assert done.returncode == 0, done.stderr  # the pid file is stale now: its process has gone
    assert (target / "data" / "index" / "manifest.json").read_bytes() == \
        (copied_index_dir / "manifest.json").read_bytes()
    assert f"INDEX_DIR={copied_index_dir}" in (target / ".env").read_text()


# --- blank_secrets ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "expected"), [
    ("ADMIN_TOKEN=abc", "ADMIN_TOKEN=  # blanked"),
    ("export GALLERY_API_KEY='k y'  # note", "export GALLERY_API_KEY=  # blanked"),
    ("DB_PASSWORD=\"p#w\"", "DB_PASSWORD=  # blanked"),
    ("my_secret = x", "my_secret =  # blanked"),
    ("REDIS_URL=redis://user:pw@cache:6379/0", "REDIS_URL=redis://user:@cache:6379/0"),
    ("OPENAI_API_KEY=", "OPENAI_API_KEY="),
    ("PORT=8000  # the key to it all", "PORT=8000  # the key to it all"),
    ("# ADMIN_TOKEN=in-a-comment", "# ADMIN_TOKEN=in-a-comment"),
])
def test_blank_secrets(line: str, expected: str) -> None:
    text, _ = blank_secrets(line + "\n")
    assert text.startswith(expected) and text.endswith("\n")
    assert "abc" not in text and "pw@" not in text and "k y" not in text


def test_blank_secrets_skips_a_multiline_secret() -> None:
    text, names = blank_secrets('PRIVATE_KEY="-----BEGIN\nMIIE\n-----END"\nHOST=127.0.0.1\n')
    assert names == ["PRIVATE_KEY"] and "MIIE" not in text and text.endswith("HOST=127.0.0.1\n")

