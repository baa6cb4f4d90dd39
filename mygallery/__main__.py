"""Command line: `python -m mygallery ingest|serve|ask|eval|backup|restore|llm-server` (docs/API.md).

Thin: parses arguments, loads Settings once, and calls the modules that do the work. Exit codes: 0 success,
1 the job failed, 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from . import __version__
from .config import Settings, load_settings_for_command
from .errors import EmbedderUnavailable, GalleryError, IndexUnavailable

DEFAULT_QA = Path("data/qa/uec_qa.jsonl")


class ProgressBar:
    """A one-line progress bar on stderr (redrawn in place on a terminal, a few plain lines otherwise)."""

    def __init__(self, label: str, stream=sys.stderr) -> None:
        self.label = label
        self.stream = stream
        self.tty = stream.isatty()
        self.last_print = 0.0

    def __call__(self, done: int, total: int, current: str) -> None:
        now = time.monotonic()
        if not self.tty and done not in (0, total) and now - self.last_print < 2:
            return
        self.last_print = now
        width = 30
        filled = int(width * done / total) if total else width
        line = f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {current[:40]}"
        self.stream.write(("\r" + line.ljust(100)) if self.tty else line + "\n")
        if self.tty and done == total:
            self.stream.write("\n")
        self.stream.flush()


def _setup_logging(settings: Settings) -> None:
    level = logging.DEBUG if settings.debug else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)  # bm25s sets its own logger to DEBUG; the handler level still filters it


def _settings_with(args: argparse.Namespace, settings: Settings) -> Settings:
    return settings.with_overrides(docs_dir=getattr(args, "docs", None), index_dir=getattr(args, "index", None),
                                   host=getattr(args, "host", None), port=getattr(args, "port", None))


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from .engine.embeddings import make_embedder
    from .engine.ingest import ingest

    report, _ = ingest(settings, make_embedder(settings), rebuild=args.rebuild, progress=ProgressBar("ingest"))
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(report.summary())
    return 0


def load_or_build_index(settings: Settings):
    from .engine.embeddings import make_embedder
    from .engine.index import HybridIndex

    embedder = make_embedder(settings)
    return HybridIndex.load(settings.index_dir, embedder)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from .engine.answer_types import AnswerResult
    from .engine.answering import make_answer_service
    from .engine.index import LiveIndex

    library = LiveIndex(load_or_build_index(settings))
    service = make_answer_service(settings, library)
    result: AnswerResult | None = None
    for item in service.stream(args.question):
        if isinstance(item, AnswerResult):
            result = item
        elif not args.json:
            sys.stdout.write(item)
            sys.stdout.flush()
    assert result is not None
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return 0
    print()
    if result.notice:
        print(f"\nnote: {result.notice}")
    print("\nSources:")
    for s in result.sources:
        page = f", page {s.page}" if s.page else ""
        print(f"  [{s.n}] {s.doc} — {s.section or s.title}{page}")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    import tempfile

    from .engine.evaluation import evaluate, format_report, load_questions

    questions = load_questions(args.qa)
    with tempfile.TemporaryDirectory(prefix="mygallery-eval-") as scratch:
        if args.docs is not None:  # an index of that folder: built in --index, or in a scratch folder
            from .engine.embeddings import make_embedder
            from .engine.ingest import ingest

            if args.index is None:
                settings = settings.with_overrides(index_dir=Path(scratch))
            ingest(settings, make_embedder(settings))
        index = load_or_build_index(settings)
        if not args.answers:
            report = evaluate(index, questions)
            print(json.dumps(report, indent=2) if args.json else format_report(report))
            return 0
        from .engine.answer_evaluation import evaluate_answers, format_answer_report
        from .engine.answering import AnswerService, make_answer_service
        from .engine.index import LiveIndex

        live = LiveIndex(index)
        variants = {"extractive": AnswerService(live, top_k=settings.top_k).answer}
        if settings.resolved_answer_backend == "openai":
            variants["openai"] = make_answer_service(settings, live).answer
        report = evaluate_answers(variants, questions)
        if not args.misses:
            for figures in report["variants"].values():
                figures.pop("misses")
        print(json.dumps(report, indent=2, ensure_ascii=False) if args.json
              else format_answer_report(report, show_misses=args.misses))
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from .service import serve

    return serve(settings)


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from .errors import BackupError
    from .ops.backup import describe_included, prune_snapshots, take_snapshot

    try:
        snapshot = take_snapshot(settings, backup_dir=args.to, with_secrets=args.with_secrets)
        pruned = prune_snapshots(args.to, args.keep) if args.keep else []
    except (BackupError, OSError) as exc:
        print(f"error: backup failed: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 1)
    for line in describe_included(snapshot.info):
        print(f"backup: {line}")
    if pruned:
        print(f"backup: pruned {len(pruned)} older snapshot(s): {', '.join(p.name for p in pruned)}")
    print(f"backup: {snapshot.total_bytes / 2**20:.1f} MB, {len(snapshot.info['files'])} files, checksums in "
          "snapshot.json")
    print(snapshot.path)
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from .errors import BackupError
    from .ops.backup import find_server_using, open_snapshot, restore_snapshot

    try:
        snapshot = open_snapshot(args.source)
        print(f"restore: {len(snapshot.info['files'])} files of {snapshot.info.get('created_at')} match their "
              "checksums")
        running = find_server_using(settings)
        if running:
            raise BackupError(f"refusing to restore: {running}")
        for line in restore_snapshot(snapshot, settings, with_config=args.with_config):
            print(f"restore: {line}")
    except (BackupError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 1)
    if settings.session_store != "sqlite":
        print(f"warning: SESSION_STORE={settings.session_store}: the server will not read the sessions database",
              file=sys.stderr)
    print(f"restore: done; conversations idle longer than SESSION_TIMEOUT_MINUTES "
          f"({settings.session_timeout_minutes:g}) expire when the server starts")
    return 0


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, got {text!r}")
    return int(text)


def cmd_llm_server(args: argparse.Namespace, settings: Settings) -> int:
    from .ops.llama_server import run_llm_server

    return run_llm_server(port=args.port, model=args.model, context_tokens=args.ctx, threads=args.threads,
                          log_dir=settings.log_dir)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mygallery", description="UEC Knowledge Gallery")
    parser.add_argument("--version", action="version", version=f"mygallery {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="build or update the index from the documents folder")
    p.add_argument("--docs", type=Path, help="documents folder (DOCS_DIR)")
    p.add_argument("--index", type=Path, help="index folder (INDEX_DIR)")
    p.add_argument("--rebuild", action="store_true", help="ignore the existing index and build from scratch")
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("serve", help="start the HTTP server")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--index", type=Path)
    p.set_defaults(run=cmd_serve)

    p = sub.add_parser("ask", help="answer one question with its sources, no server")
    p.add_argument("question")
    p.add_argument("--index", type=Path)
    p.add_argument("--json", action="store_true", help="print the /api/chat JSON shape")
    p.set_defaults(run=cmd_ask)

    p = sub.add_parser("eval", help="retrieval quality (recall@1, recall@5, MRR for dense, bm25, hybrid); with "
                                    "--answers, answer quality (key fact, source@5, answerability)")
    p.add_argument("--qa", type=Path, default=DEFAULT_QA)
    p.add_argument("--index", type=Path)
    p.add_argument("--docs", type=Path, help="index this folder first (into --index, else a scratch folder)")
    p.add_argument("--answers", action="store_true", help="answer-level evaluation instead of retrieval")
    p.add_argument("--misses", action="store_true", help="with --answers: list every question answered wrongly")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_eval)

    p = sub.add_parser("backup", help="consistent snapshot of index, sessions database and .env (safe while serving)")
    p.add_argument("--to", type=Path, default=Path("data/backups"), metavar="DIR",
                   help="folder of snapshots; each goes into DIR/<UTC time>/ (default data/backups)")
    p.add_argument("--keep", type=_positive_int, metavar="N", help="then delete all but the N newest snapshots")
    p.add_argument("--with-secrets", action="store_true",
                   help="keep API keys, tokens and passwords in the copied .env (blanked by default)")
    p.set_defaults(run=cmd_backup)

    p = sub.add_parser("restore", help="put a snapshot's index and sessions database back (server stopped)")
    p.add_argument("source", type=Path, metavar="FROM", help="a snapshot folder made by `backup`")
    p.add_argument("--with-config", action="store_true", help="also restore .env (blanked secrets are kept "
                   "from the current .env)")
    p.set_defaults(run=cmd_restore)
    p = sub.add_parser("llm-server", help="run a local llama.cpp OpenAI-compatible server (needs setup.sh --llm)")
    p.add_argument("--port", type=int, default=8080, help="loopback port (default 8080; 0 = any free port)")
    p.add_argument("--model", type=Path, help="a GGUF file (default: the bundled Gemma 3 270M, a base model, "
                                              "assembled once into data/models/)")
    p.add_argument("--ctx", type=int, default=4096, help="context window in tokens (default 4096)")
    p.add_argument("--threads", type=int,
                   help="CPU threads for generation and prompt processing (default: llama.cpp's choice)")
    p.set_defaults(run=cmd_llm_server)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    loaded = load_settings_for_command()
    if loaded is None:
        return 2
    settings = _settings_with(args, loaded)
    _setup_logging(settings)
    try:
        return args.run(args, settings)
    except (IndexUnavailable, EmbedderUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except GalleryError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
