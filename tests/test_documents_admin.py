"""Documents managed over the admin API, on a real server over a copy of the corpus: uploads checked by name and
content before anything is written, re-indexing in the background while chats go on (answer processes
included), deletes, the one-job-at-a-time rule, and the originals that citations open."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import psutil
import pytest

from mygallery.errors import BadRequest, UnsupportedMediaType
from mygallery.web.multipart import MAX_PARTS, parse_form_data
from mygallery.web.uploads import document_name
from tests.http_helpers import ask, call, raw_socket, read_response
from tests.knowledge_helpers import (
    AUTH,
    BOUNDARY,
    ChatLoad,
    form_data,
    spec_pdf,
    upload,
    wait_for_job,
)

HELIOTROPE = "How often does a heliotrope beacon announce the rack temperature?"


def folder_state(docs: Path, index_dir: Path) -> tuple[dict[str, str], bytes]:
    """Every file of the documents folder with its digest, and the index manifest's bytes."""
    files = {p.relative_to(docs).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(docs.rglob("*")) if p.is_file()}
    return files, (index_dir / "manifest.json").read_bytes()


def test_an_uploaded_pdf_is_indexed_in_the_background_and_cited_at_its_page(knowledge_gallery, tmp_path: Path) -> None:
    gallery = knowledge_gallery()
    url = gallery.url
    pdf = spec_pdf(tmp_path / "orchard-handbook.pdf")
    before = ask(url, HELIOTROPE).json()
    assert all(s["doc"] != "orchard-handbook.pdf" for s in before["sources"])

    reply = upload(url, [("orchard-handbook.pdf", pdf)])
    assert reply.status == 202, reply.body
    assert reply.json()["accepted"] == [{"name": "orchard-handbook.pdf", "type": "pdf", "size": len(pdf),
                                         "title": "Orchard Fabric Handbook", "replaced": False}]
    assert reply.json()["ingest"]["state"] in ("running", "done") and reply.json()["ingest"]["kind"] == "upload"
    status = wait_for_job(url)
    assert status["state"] == "done" and status["done"] == status["total"] == 1, status
    assert "1 added" in status["message"]

    listed = {d["name"]: d for d in call(url, "GET", "/api/admin/documents", headers=AUTH).json()["documents"]}
    entry = listed["orchard-handbook.pdf"]
    assert entry["status"] == "indexed" and entry["type"] == "pdf" and entry["pages"] == 3 and entry["chunks"] >= 3
    assert entry["size"] == len(pdf) and entry["added"] and listed["faq.txt"]["status"] == "indexed"

    answer = ask(url, HELIOTROPE).json()
    cited = [s for s in answer["sources"] if s["doc"] == "orchard-handbook.pdf"]
    assert answer["answered"] and "250 milliseconds" in answer["answer"]
    assert cited and cited[0]["page"] == 2, answer["sources"]

    original = call(url, "GET", "/api/documents/orchard-handbook.pdf")
    assert original.status == 200 and original.body == pdf
    assert original.headers["content-type"] == "application/pdf"
    assert original.headers["content-security-policy"].startswith("sandbox")
    assert original.headers["content-disposition"].startswith("inline")


def test_bad_uploads_are_refused_naming_the_file_and_nothing_changes(knowledge_gallery, tmp_path: Path) -> None:
    gallery = knowledge_gallery(max_upload_bytes=64 * 1024)
    url, settings = gallery.url, gallery.settings
    before = folder_state(settings.docs_dir, settings.index_dir)
    generation = gallery.library.current().manifest["generation"]
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(2000)
    cases = [
        ([("corrupt.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer garbage")], 422, "corrupt.pdf"),
        ([("diagram.pdf", png)], 415, "diagram.pdf"),
        ([("notes.md", b"%PDF-1.4\n" + os.urandom(500))], 415, "notes.md"),
        ([("binary.txt", b"text\x00\x01\x02" * 100)], 415, "binary.txt"),
        ([("big.md", b"# Big\n\n" + b"lorem ipsum " * 8000)], 413, "big.md"),
        ([("../escape.md", b"# Escape\n\nout of the folder")], 400, "../escape.md"),
        ([("..", b"x")], 400, ".."),
        ([(".hidden.md", b"# Hidden\n\ntext")], 400, ".hidden.md"),
        ([("C:\\Users\\me\\x.md", b"# x\n\ntext")], 400, "x.md"),
        ([("report.docx", b"PK\x03\x04" + os.urandom(100))], 415, "report.docx"),
        ([("empty.txt", b"")], 422, "empty.txt"),
        ([("scan.pdf", spec_pdf(tmp_path / "ok.pdf")[:400])], 422, "scan.pdf"),
        # one bad file refuses the whole upload: the good one is not written either
        ([("good.md", b"# Good\n\nA fine note."), ("bad.pdf", png)], 415, "bad.pdf"),
    ]
    for files, status, named in cases:
        reply = upload(url, files)
        assert reply.status == status, (files[0][0], reply.status, reply.body)
        message = reply.json()["error"]["message"]
        assert named in message and ("nothing was uploaded" in message or status == 413), message
    assert upload(url, [("a.md", b"# A\n\ntext")], field="attachment").status == 400
    assert upload(url, [("a.md", b"# A\n\ntext"), ("A.md", b"# A\n\ntext")]).status == 400
    assert call(url, "POST", "/api/admin/documents", {"file": "x"}, headers=AUTH).status == 415
    assert upload(url, [("a.md", b"# A")], headers={"Authorization": ""}).status == 401
    assert upload(url, [("a.md", b"# A")], headers={"Authorization": "Bearer wrong"}).status == 403
    assert call(url, "GET", "/api/admin/documents").status == 401
    # Content-Length as the handler reads it everywhere: "²" is isdigit() but not int() (400); 5,000 digits,
    # more than int() reads, count as too large (413) — each a JSON error, never a 500
    for length, code in ((b"\xb2", (400, "bad_request")), (b"9" * 5000, (413, "payload_too_large"))):
        with raw_socket(gallery) as sock:
            sock.sendall(b"POST /api/admin/documents HTTP/1.1\r\nHost: x\r\nAuthorization: " + AUTH["Authorization"]
                         .encode() + b"\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY.encode()
                         + b"\r\nContent-Length: " + length + b"\r\n\r\n")
            status, _, body = read_response(sock)
        assert (status, json.loads(body)["error"]["code"]) == code, (length[:8], status, body)

    assert folder_state(settings.docs_dir, settings.index_dir) == before
    assert gallery.library.current().manifest["generation"] == generation
    assert call(url, "GET", "/api/admin/ingest", headers=AUTH).json()["state"] == "done"  # only the start-up load
    assert not list(settings.docs_dir.glob(".upload-*"))


def test_delete_reindex_and_one_job_at_a_time(knowledge_gallery) -> None:
    gallery = knowledge_gallery()
    url = gallery.url
    assert any(s["doc"] == "packet-trimming.md" for s in ask(url, "What is packet trimming?").json()["sources"])
    assert call(url, "DELETE", "/api/admin/documents/packet-trimming.md", headers=AUTH).status == 202
    assert wait_for_job(url)["state"] == "done"
    assert not (gallery.settings.docs_dir / "packet-trimming.md").exists()
    listed = [d["name"] for d in call(url, "GET", "/api/admin/documents", headers=AUTH).json()["documents"]]
    assert "packet-trimming.md" not in listed
    assert all(s["doc"] != "packet-trimming.md" for s in ask(url, "What is packet trimming?").json()["sources"])
    for name in ("packet-trimming.md", "..%2F..%2FREADME.md", "nope.md", "%2Fetc%2Fpasswd"):
        assert call(url, "DELETE", f"/api/admin/documents/{name}", headers=AUTH).status == 404, name

    # While a job runs, every other change is refused with 409 and the chat still answers.
    release = threading.Event()
    gallery.jobs.start("test", lambda progress: release.wait(30) and "released")
    try:
        assert call(url, "GET", "/api/admin/ingest", headers=AUTH).json()["state"] == "running"
        assert upload(url, [("late.md", b"# Late\n\ntext")]).status == 409
        assert call(url, "DELETE", "/api/admin/documents/faq.txt", headers=AUTH).status == 409
        assert call(url, "POST", "/api/admin/ingest", headers=AUTH).status == 409
        assert ask(url, "What is RUD?").status == 200
    finally:
        release.set()
    assert wait_for_job(url)["message"] == "released"
    assert not (gallery.settings.docs_dir / "late.md").exists()

    assert call(url, "POST", "/api/admin/ingest", {"rebuild": "yes"}, headers=AUTH).status == 400
    reply = call(url, "POST", "/api/admin/ingest", {"rebuild": True}, headers=AUTH)
    assert reply.status == 202 and reply.json()["kind"] == "rebuild"
    status = wait_for_job(url)
    assert status["state"] == "done" and "30 added" in status["message"], status


def test_originals_are_served_only_for_documents_of_the_index(knowledge_gallery, tmp_path: Path) -> None:
    gallery = knowledge_gallery()
    url, docs = gallery.url, gallery.settings.docs_dir
    text = call(url, "GET", "/api/documents/faq.txt")
    assert text.status == 200 and text.headers["content-type"] == "text/plain; charset=utf-8"
    assert text.body == (docs / "faq.txt").read_bytes()
    html = call(url, "GET", "/api/documents/deployment-checklist.html")
    assert html.headers["content-type"].startswith("text/plain")  # never served as HTML
    assert "sandbox" in html.headers["content-security-policy"] and html.headers["x-content-type-options"] == "nosniff"
    assert call(url, "HEAD", "/api/documents/overview.md").status == 200

    outside = tmp_path / "secret.md"
    outside.write_text("# Secret\n\nThe vault combination is 12-34-56.\n")
    (docs / "linked.md").symlink_to(outside)  # indexed through the link, but its file lies outside the folder
    (docs / "fresh.md").write_text("# Fresh\n\nNot indexed yet.\n")
    assert call(url, "POST", "/api/admin/ingest", headers=AUTH).status == 202
    assert wait_for_job(url)["state"] == "done"
    assert "linked.md" in gallery.library.current().manifest["documents"]
    (docs / "pending.md").write_text("# Pending\n\nWritten after the re-index.\n")
    for name in ("linked.md", "pending.md", "..%2Fsecret.md", "../secret.md", "%2E%2E/secret.md", "/etc/passwd",
                 "%2Fetc%2Fpasswd", "nope.pdf", ".hidden", "faq.txt%00.pdf"):
        reply = call(url, "GET", f"/api/documents/{name}")
        assert reply.status == 404 and b"vault" not in reply.body, (name, reply.status)
    assert call(url, "GET", "/api/documents/fresh.md").status == 200


def test_uploads_and_reindexes_under_load_fail_no_chat_and_answer_processes_follow(knowledge_gallery,
                                                                                   tmp_path: Path) -> None:
    """50 users chat all along (at least 5 chats each) while a PDF is uploaded, the index re-indexed and a
    document deleted: no chat fails, each generation is answered from as soon as its job is done — also by the
    answer processes, which are forked anew from it — and the children of the old index are gone."""
    gallery = knowledge_gallery(answer_processes="2", max_sessions=200, max_sessions_per_client=200)  # one address
    url = gallery.url
    first_pool = gallery.app.runner.pool
    assert first_pool is not None and first_pool.alive() == 2
    old_children = [child.pid for child in first_pool.children]
    questions = ["What does RUD guarantee?", "什么是 LLR？", HELIOTROPE, "How does NSCC differ from RCCC?",
                 "What is packet trimming?"]
    with ChatLoad(url, questions, users=50, minimum=5) as load:
        assert upload(url, [("orchard-handbook.pdf", spec_pdf(tmp_path / "o.pdf"))]).status == 202
        assert wait_for_job(url)["state"] == "done"
        assert "250 milliseconds" in ask(url, HELIOTROPE).json()["answer"]  # the new generation, at once
        assert call(url, "POST", "/api/admin/ingest", headers=AUTH).status == 202
        assert wait_for_job(url)["state"] == "done"
        assert call(url, "DELETE", "/api/admin/documents/orchard-handbook.pdf", headers=AUTH).status == 202
        assert wait_for_job(url)["state"] == "done"
    assert load.failures == [] and load.done >= 250, (load.done, load.failures[:5])
    pool = gallery.app.runner.pool
    assert pool is not None and pool is not first_pool and pool.alive() == 2
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
                   for pid in old_children)
    # The answer processes answer from the latest generation: the deleted handbook is gone from the answers.
    answers = [ask(url, HELIOTROPE).json() for _ in range(8)]
    assert all(s["doc"] != "orchard-handbook.pdf" for a in answers for s in a["sources"])
    stats = call(url, "GET", "/api/admin/stats", headers=AUTH).json()
    assert stats["backends"]["answer_processes"]["alive"] == 2


@pytest.mark.parametrize("name", ["../a.md", "a/b.md", "a\\b.md", "..", ".", ".env", ".hidden.md", "a..b.md",
                                  "x\x00.md", "x\n.md", "bad\u202egpj.md", "a:b.md", 'q".md', " lead.md",
                                  "trail.md ", "dot.md.", "", None, "x" * 200 + ".md"])
def test_unsafe_names_are_refused(name: str | None) -> None:
    with pytest.raises(BadRequest):
        document_name(name)


def test_names_and_suffixes() -> None:
    assert document_name("UEC Spec 1.0 (final).PDF") == "UEC Spec 1.0 (final).PDF"
    assert document_name("传输层笔记.md") == "传输层笔记.md"
    with pytest.raises(UnsupportedMediaType):
        document_name("slides.pptx")


def test_the_multipart_parser_is_strict() -> None:
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    parts = parse_form_data(form_data([("a.md", b"# A\r\n\r\n--not a boundary"), ("b.txt", b"")]), content_type)
    assert [(p.name, p.filename, p.data) for p in parts] == [("file", "a.md", b"# A\r\n\r\n--not a boundary"),
                                                             ("file", "b.txt", b"")]
    extended = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.md\"; "
                f"filename*=UTF-8''%E7%AC%94%E8%AE%B0.md\r\n\r\n# N\r\n--{BOUNDARY}--\r\n").encode()
    assert parse_form_data(extended, content_type)[0].filename == "笔记.md"
    bad_bodies = [b"", form_data([("a.md", b"x")])[:-10], b"--other\r\n\r\n",
                  f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
                  f"--{BOUNDARY}\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
                  form_data([(f"f{i}.md", b"x") for i in range(MAX_PARTS + 1)])]
    for body in bad_bodies:
        with pytest.raises(BadRequest):
            parse_form_data(body, content_type)
    with pytest.raises(BadRequest):
        parse_form_data(form_data([("a.md", b"x")]), "multipart/form-data")
    with pytest.raises(UnsupportedMediaType):
        parse_form_data(form_data([("a.md", b"x")]), "application/json")
