"""Backups: consistent, timestamped snapshots of the index, the sessions database and the configuration, and
their restore (`python -m mygallery backup` / `restore`).

A snapshot is one folder, by default data/backups/<UTC time>/, written under a hidden name and renamed when
complete, so a half-written snapshot never looks like one:
    snapshot.json   format, time, version, what was included (or why not), every file's size and sha256
    index/          manifest.json and the one generation folder it names
    sessions.db     the SQLite sessions database, one self-contained file
    config.env      the .env file, secrets blanked unless asked for
Why it is consistent while the server runs: index generations never change once manifest.json names them, so
the manifest is copied first and then its generation (an ingest that swaps and prunes meanwhile makes the copy
fail, and it is retried with the new manifest); the database is copied with SQLite's online backup API, which
reads one committed state while the server goes on writing (WAL mode: readers and the writer do not block).
Restore verifies every checksum first, refuses while a server uses the target files, then swaps the index
generation in behind an atomic manifest replace and the database behind an atomic rename.
Collaborators: config.Settings (INDEX_DIR, SESSION_STORE, SESSION_DB), psutil (who has the database open),
deploy_intranet.sh (its pid file). Non-goals: incremental backups, remote storage, encryption, the Redis store.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..config import Settings
from ..errors import BackupError, SnapshotNotFound

SNAPSHOT_FORMAT = 1
SNAPSHOT_FILE = "snapshot.json"
INDEX_MANIFEST = "manifest.json"
DEFAULT_BACKUP_DIR = Path("data/backups")
PID_FILE = Path("mygallery.pid")  # written by scripts/deploy_intranet.sh in the install folder
SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
ENV_LINE = re.compile(r"^(\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=)(.*)$")
URL_PASSWORD = re.compile(r"(://[^/@\s:]*:)[^/@\s]*@")
BLANKED_NOTE = "  # blanked by `mygallery backup`; back up with --with-secrets to keep it"


@dataclass
class Snapshot:
    path: Path
    info: dict = field(default_factory=dict)

    @property
    def total_bytes(self) -> int:
        return sum(entry["bytes"] for entry in self.info.get("files", {}).values())


# --- taking a snapshot ----------------------------------------------------------------------------------------


def take_snapshot(settings: Settings, *, backup_dir: Path = DEFAULT_BACKUP_DIR, env_file: Path = Path(".env"),
                  with_secrets: bool = False) -> Snapshot:
    """Write a new snapshot folder inside `backup_dir` and return it."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    name, work = _claim_folder(backup_dir, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
    try:
        included: dict = {"index": _copy_index(settings.index_dir, work / "index"),
                          "sessions": _copy_sessions(settings, work / "sessions.db"),
                          "config": _copy_config(env_file, work / "config.env", with_secrets)}
        if all("skipped" in part for part in included.values()):
            raise BackupError(f"nothing to back up: no index in {settings.index_dir}, no sessions database, "
                              f"no {env_file}")
        info = {"format": SNAPSHOT_FORMAT, "mygallery_version": __version__,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "included": included,
                "files": {rel: _describe_file(work / rel) for rel in _files_under(work)}}
        (work / SNAPSHOT_FILE).write_text(json.dumps(info, indent=1, ensure_ascii=False), encoding="utf-8")
        work.rename(backup_dir / name)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Snapshot(backup_dir / name, info)


def _claim_folder(backup_dir: Path, stamp: str) -> tuple[str, Path]:
    """A snapshot name not yet taken and its hidden work folder, created atomically (two backups in the same
    second get `<time>` and `<time>-1`). Owner-only: it will hold conversations and configuration."""
    for n in range(1000):
        name = f"{stamp}-{n}" if n else stamp
        if (backup_dir / name).exists():
            continue
        work = backup_dir / f".partial-{name}"
        try:
            work.mkdir(mode=0o700)
        except FileExistsError:
            continue
        return name, work
    raise BackupError(f"no free snapshot name for {stamp} in {backup_dir}")


def _copy_index(index_dir: Path, target: Path) -> dict:
    for _attempt in range(5):
        manifest_path = index_dir / INDEX_MANIFEST
        if not manifest_path.is_file():
            return {"skipped": f"no index in {index_dir}"}
        raw = manifest_path.read_bytes()
        try:
            manifest = json.loads(raw)
        except ValueError as exc:
            raise BackupError(f"{manifest_path} is unreadable ({exc}); rebuild the index with "
                              "`python -m mygallery ingest --rebuild`") from exc
        generation = _generation_name(manifest, manifest_path)
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        (target / INDEX_MANIFEST).write_bytes(raw)  # the manifest first: it pins the generation to copy
        try:
            shutil.copytree(index_dir / generation, target / generation)
        except (FileNotFoundError, shutil.Error):
            continue  # an ingest replaced the index and pruned this generation meanwhile: copy the new one
        documents = manifest.get("documents", {})
        return {"generation": generation, "documents": len(documents),
                "chunks": sum(int(d.get("chunks", 0)) for d in documents.values() if isinstance(d, dict)),
                "embedding": manifest.get("embedding", {}).get("name")}
    raise BackupError(f"the index in {index_dir} kept changing during the backup (an ingest running?); try again")


def _generation_name(manifest: dict, where: Path) -> str:
    generation = manifest.get("generation")
    if not isinstance(generation, str) or not generation or Path(generation).name != generation \
            or generation.startswith("."):
        raise BackupError(f"{where} names no valid generation folder; rebuild with `python -m mygallery ingest`")
    return generation


def _copy_sessions(settings: Settings, target: Path) -> dict:
    if settings.session_store != "sqlite":
        return {"skipped": f"SESSION_STORE={settings.session_store} keeps no database"}
    if not settings.session_db.is_file():
        return {"skipped": f"no sessions database at {settings.session_db}"}
    try:
        with closing(sqlite3.connect(str(settings.session_db), timeout=30)) as source, \
                closing(sqlite3.connect(str(target))) as copy:
            source.backup(copy)  # one step: one consistent read of the committed state
            copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
            (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
            tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            count = copy.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] if "sessions" in tables else 0
    except sqlite3.Error as exc:
        raise BackupError(f"cannot back up the sessions database {settings.session_db}: {exc}") from exc
    if verdict != "ok":
        raise BackupError(f"the copy of {settings.session_db} failed SQLite's integrity check: {verdict}")
    return {"sessions": count}


def _copy_config(env_file: Path, target: Path, with_secrets: bool) -> dict:
    if not env_file.is_file():
        return {"skipped": f"no {env_file}"}
    text = env_file.read_text(encoding="utf-8")
    blanked: list[str] = []
    if not with_secrets:
        text, blanked = blank_secrets(text)
    target.write_text(text, encoding="utf-8")
    target.chmod(0o600)
    return {"secrets": "included" if with_secrets else "blanked", "blanked": blanked}


def blank_secrets(text: str) -> tuple[str, list[str]]:
    """The .env text with the value of every secret-looking variable removed (and passwords inside URLs),
    and the names that were blanked. Comments and other lines stay as they are."""
    out: list[str] = []
    blanked: list[str] = []
    lines = iter(text.splitlines())
    for line in lines:
        match = ENV_LINE.match(line)
        if not match:
            out.append(line)
            continue
        head, name, value = match.groups()
        if SECRET_NAME.search(name):
            quote = value.strip()[:1]
            if quote in ("'", '"') and value.strip().count(quote) == 1:  # a quoted value over several lines
                for rest in lines:
                    if quote in rest:
                        break
            if value.split("#", 1)[0].strip().strip("'\""):
                blanked.append(name)
                out.append(head + BLANKED_NOTE)
            else:
                out.append(line)
            continue
        cleaned = URL_PASSWORD.sub(r"\1@", value)
        if cleaned != value:
            blanked.append(name)
        out.append(head + cleaned)
    return "\n".join(out) + ("\n" if text.endswith("\n") else ""), blanked


def _files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _describe_file(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def describe_included(info: dict) -> list[str]:
    """One line per part of a snapshot: what it holds, or why it was left out."""
    included = info.get("included", {})
    index, sessions, config = (included.get(k, {}) for k in ("index", "sessions", "config"))
    lines = [f"index: {index['skipped']}" if "skipped" in index else
             f"index: {index.get('generation')} ({index.get('documents')} documents, {index.get('chunks')} chunks, "
             f"embedder {index.get('embedding')})",
             f"sessions: {sessions['skipped']}" if "skipped" in sessions else
             f"sessions: {sessions.get('sessions')} conversations (SQLite online backup)"]
    if "skipped" in config:
        lines.append(f"configuration: {config['skipped']}")
    else:
        blanked = config.get("blanked") or []
        lines.append("configuration: .env" + (f", blanked: {', '.join(blanked)}" if blanked else "")
                     + (" (with secrets)" if config.get("secrets") == "included" else ""))
    return lines


def _age_order(path: Path) -> tuple[str, int]:
    """Oldest first: by time stamp, then by the -N of snapshots taken in the same second (-2 before -10)."""
    stamp, _, number = path.name.partition("-")
    return stamp, int(number) if number.isdigit() else 0


def prune_snapshots(backup_dir: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest snapshots in `backup_dir`; folders without snapshot.json are left alone."""
    snapshots = sorted((p for p in backup_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
                        and (p / SNAPSHOT_FILE).is_file()), key=_age_order)
    doomed = snapshots[:-keep] if keep > 0 else snapshots
    for path in doomed:
        shutil.rmtree(path)
    return doomed


# --- restoring ------------------------------------------------------------------------------------------------


def open_snapshot(path: Path) -> Snapshot:
    """The snapshot in folder `path`, its checksums verified; SnapshotNotFound or BackupError otherwise."""
    info_path = path / SNAPSHOT_FILE
    if not info_path.is_file():
        inside = sorted(p.parent.name for p in path.glob(f"*/{SNAPSHOT_FILE}")) if path.is_dir() else []
        hint = f"; it holds snapshots, name one, e.g. {path / inside[-1]}" if inside else ""
        raise SnapshotNotFound(f"{path} is not a snapshot folder (no {SNAPSHOT_FILE}){hint}")
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
        files = info["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{info_path} is unreadable ({exc}); the snapshot is damaged") from exc
    if info.get("format") != SNAPSHOT_FORMAT:
        raise BackupError(f"{path} has snapshot format {info.get('format')}; this version reads {SNAPSHOT_FORMAT}")
    problems = []
    for rel, expected in sorted(files.items()):
        file = path / rel
        if ".." in Path(rel).parts or not file.is_file():
            problems.append(f"{rel} is missing")
        elif _describe_file(file) != {"bytes": expected["bytes"], "sha256": expected["sha256"]}:
            problems.append(f"{rel} does not match its checksum")
    if problems:
        raise BackupError(f"snapshot {path} is damaged, nothing was restored: " + "; ".join(problems))
    return Snapshot(path, info)


def find_server_using(settings: Settings, *, pid_file: Path = PID_FILE) -> str:
    """Describe a running server that uses these files ("" when none is found): the pid file of
    deploy_intranet.sh, a process holding the sessions database open, or `mygallery serve` started here."""
    import psutil

    if pid_file.is_file():
        text = pid_file.read_text().strip()
        if text.isdigit() and _is_gallery_server(psutil, int(text)):
            return f"the gallery is running (pid {text}, from {pid_file}); stop it first " \
                   "(./scripts/deploy_intranet.sh --stop or systemctl stop mygallery)"
    database = settings.session_db.resolve()
    watched = {str(database), f"{database}-wal", f"{database}-shm"}
    here = str(Path.cwd().resolve())
    for process in psutil.process_iter(["pid", "name"]):
        if process.pid == os.getpid():
            continue
        try:
            if any(f.path in watched for f in process.open_files()):
                return f"process {process.pid} ({process.info['name']}) has {database} open; stop it first"
            if _is_gallery_server(psutil, process.pid) and process.cwd() == here:
                return f"a gallery server (pid {process.pid}) runs from {here}; stop it first"
        except (psutil.Error, OSError):
            continue  # gone meanwhile, or another user's process we may not inspect
    return ""


def _is_gallery_server(psutil, pid: int) -> bool:  # noqa: ANN001 - the lazily imported module
    try:
        command = psutil.Process(pid).cmdline()
    except (psutil.Error, OSError):
        return False
    return any("mygallery" in part for part in command) and "serve" in command


def restore_snapshot(snapshot: Snapshot, settings: Settings, *, env_file: Path = Path(".env"),
                     with_config: bool = False) -> list[str]:
    """Put the snapshot's index and sessions database (and .env with `with_config`) in place; return what was
    done, one line each. The caller has checked that no server uses the files."""
    done: list[str] = []
    included = snapshot.info.get("included", {})
    if "generation" in included.get("index", {}):
        _restore_index(snapshot.path / "index", settings.index_dir, included["index"]["generation"])
        done.append(f"index ({included['index'].get('documents', '?')} documents) -> {settings.index_dir}")
    if "sessions" in included.get("sessions", {}):
        _restore_file(snapshot.path / "sessions.db", settings.session_db, sqlite_sidecars=True)
        done.append(f"sessions database ({included['sessions']['sessions']} conversations) -> {settings.session_db}")
    if with_config and "secrets" in included.get("config", {}):
        text = (snapshot.path / "config.env").read_text(encoding="utf-8")
        blanked = included["config"].get("blanked", [])
        if blanked and env_file.is_file():
            text = _carry_over(text, blanked, env_file.read_text(encoding="utf-8"))
        _write_atomically(env_file, text)
        env_file.chmod(0o600)
        done.append(f"configuration -> {env_file}"
                    + (f" (blanked in the snapshot, kept from the current file: {', '.join(blanked)})"
                       if blanked else ""))
    return done


def _restore_index(source: Path, index_dir: Path, generation: str) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    staging = index_dir / f".restoring-{generation}"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source / generation, staging)
    if (index_dir / generation).exists():
        shutil.rmtree(index_dir / generation)
    staging.rename(index_dir / generation)
    _write_atomically(index_dir / INDEX_MANIFEST, (source / INDEX_MANIFEST).read_text(encoding="utf-8"))
    for old in index_dir.glob("gen-*"):  # what the restored manifest does not name is unused now
        if old.name != generation and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def _restore_file(source: Path, target: Path, *, sqlite_sidecars: bool = False) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(source, staging)
    if sqlite_sidecars:  # a write-ahead log left from the old database must never be replayed onto the new one
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(staging, target)


def _carry_over(snapshot_text: str, names: list[str], current_text: str) -> str:
    """Fill the blanked secrets from the current .env, so restoring configuration does not lose them."""
    current = {}
    for line in current_text.splitlines():
        match = ENV_LINE.match(line)
        if match and match.group(2) in names:
            current[match.group(2)] = line
    out = []
    for line in snapshot_text.splitlines():
        match = ENV_LINE.match(line)
        out.append(current.get(match.group(2), line) if match and match.group(2) in names else line)
    return "\n".join(out) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
