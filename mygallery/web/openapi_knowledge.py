"""The knowledge-base part of /openapi.json: documents (admin list, upload, delete, re-index and its progress), the
originals that citations open, ratings, conversation export and the admin's reports — and the small helpers
every part of the description uses for its responses (openapi_spec.py assembles the whole document).

Kept by hand beside the routes (app.py) and checked against the running server by schemathesis in the tests.
Non-goals: generating the server from this description, or this from the code.
"""

from __future__ import annotations


def error_body(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def retry_body(description: str) -> dict:
    body = error_body(description)
    body["headers"] = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "string"}}}
    return body


def json_body(ref: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _attachment(description: str, content: dict) -> dict:
    return {"description": description, "content": content,
            "headers": {"Content-Disposition": {"description": "attachment; filename=\"…\"",
                                                "schema": {"type": "string"}}}}


_ADMIN = {"security": [{"adminToken": []}]}
_AUTH = {"401": error_body("ADMIN_TOKEN is set and no token was sent"),
         "403": error_body("wrong token, or a non-local client when ADMIN_TOKEN is not set")}
_DAYS = {"name": "days", "in": "query", "required": False, "description": "the period: the last N days",
         "schema": {"type": "integer", "minimum": 1, "maximum": 3650, "default": 30}}
_REPORT_FORMAT = {"name": "format", "in": "query", "required": False,
                  "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"},
                  "description": "csv: an attachment whose formula-like cells are neutralised"}
_CSV = {"text/csv": {"schema": {"type": "string"}}}
_TIME = {"type": "string", "nullable": True, "description": "ISO 8601 UTC"}

KNOWLEDGE_SCHEMAS: dict = {
    "IngestStatus": {
        "type": "object", "required": ["state", "done", "total", "message"],
        "properties": {"state": {"type": "string", "enum": ["idle", "running", "done", "failed"]},
                       "kind": {"type": "string", "nullable": True,
                                "description": "load, upload, delete, reindex or rebuild"},
                       "done": {"type": "integer", "minimum": 0}, "total": {"type": "integer", "minimum": 0},
                       "message": {"type": "string"}, "phase": {"type": "string"}, "current": {"type": "string"},
                       "started_at": _TIME, "finished_at": _TIME,
                       "warnings": {"type": "array", "items": {"type": "string"}}}},
    "DocumentEntry": {
        "type": "object", "required": ["name", "type", "size", "pages", "chunks", "added", "status"],
        "properties": {"name": {"type": "string"}, "type": {"type": "string", "enum": ["markdown", "text", "html", "pdf"]},
                       "size": {"type": "integer", "nullable": True}, "pages": {"type": "integer", "nullable": True},
                       "chunks": {"type": "integer"}, "added": _TIME, "title": {"type": "string"},
                       "status": {"type": "string", "enum": ["indexed", "pending", "failed", "removed"]},
                       "reason": {"type": "string"}}},
    "DocumentList": {
        "type": "object", "required": ["documents", "max_upload_bytes", "suffixes", "ingest"],
        "properties": {"documents": {"type": "array", "items": {"$ref": "#/components/schemas/DocumentEntry"}},
                       "max_upload_bytes": {"type": "integer"},
                       "suffixes": {"type": "array", "items": {"type": "string"}},
                       "ingest": {"$ref": "#/components/schemas/IngestStatus"}}},
    "UploadAccepted": {
        "type": "object", "required": ["accepted", "ingest"],
        "properties": {"accepted": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "type": {"type": "string"}, "size": {"type": "integer"},
            "title": {"type": "string"}, "replaced": {"type": "boolean"}}}},
            "ingest": {"$ref": "#/components/schemas/IngestStatus"}}},
    "DocumentDeleted": {"type": "object", "required": ["deleted", "ingest"],
                        "properties": {"deleted": {"type": "string"},
                                       "ingest": {"$ref": "#/components/schemas/IngestStatus"}}},
    "FeedbackRequest": {
        "type": "object", "required": ["session_id", "message_index", "rating"],
        "properties": {"session_id": {"type": "string"},
                       "message_index": {"type": "integer", "minimum": 0,
                                         "description": "the answer's position in the conversation's messages"},
                       "rating": {"type": "string", "enum": ["up", "down"]},
                       "comment": {"type": "string", "nullable": True, "maxLength": 2000}}},
    "Feedback": {"type": "object", "required": ["rating", "comment", "at"],
                 "properties": {"rating": {"type": "string", "enum": ["up", "down"]}, "comment": {"type": "string"},
                                "at": {"type": "string"}}},
    "FeedbackReport": {
        "type": "object", "required": ["days", "feedback"],
        "properties": {"days": {"type": "integer"}, "feedback": {"type": "array", "items": {
            "type": "object", "required": ["at", "rating", "comment", "question", "answer", "sources"],
            "properties": {"at": {"type": "string"}, "rating": {"type": "string", "enum": ["up", "down"]},
                           "comment": {"type": "string"}, "question": {"type": "string"},
                           "answer": {"type": "string"}, "answered": {"type": "boolean", "nullable": True},
                           "sources": {"type": "array", "items": {"type": "object"}},
                           "session": {"type": "string", "description": "the first 8 characters of its id"}}}}}},
    "QuestionsReport": {
        "type": "object", "required": ["kind", "days", "questions"],
        "properties": {"kind": {"type": "string", "enum": ["unanswered", "top"]}, "days": {"type": "integer"},
                       "questions": {"type": "array", "items": {
                           "type": "object", "required": ["question", "count", "unanswered", "first_asked", "last_asked"],
                           "properties": {"question": {"type": "string"}, "count": {"type": "integer"},
                                          "unanswered": {"type": "integer"}, "first_asked": {"type": "string"},
                                          "last_asked": {"type": "string"},
                                          "docs": {"type": "array", "items": {"type": "string"}}}}}}},
}


def knowledge_paths() -> dict:
    busy = error_body("an index job is running (an upload, a delete, a re-index); one at a time")
    return {
        "/api/feedback": {"post": {
            "summary": "rate an answer (thumbs up or down, optional comment)", "operationId": "feedback",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/FeedbackRequest"}}}},
            "responses": {"204": {"description": "kept with the conversation and in the feedback report"},
                          "400": error_body("malformed JSON or fields, or the index of a question"),
                          "404": error_body("unknown or expired session, or no such message"),
                          "413": error_body("body over MAX_BODY_BYTES"), "415": error_body("the body is not JSON"),
                          "503": retry_body("the conversation is still answering after 60 s")}}},
        "/api/sessions/{id}/export": {"get": {
            "summary": "the conversation with its sources, as an attachment", "operationId": "exportSession",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                           {"name": "format", "in": "query", "required": False,
                            "schema": {"type": "string", "enum": ["md", "json"], "default": "md"}}],
            "responses": {"200": _attachment("Markdown (questions, answers, sources, ratings) or JSON", {
                "text/markdown": {"schema": {"type": "string"}},
                "application/json": {"schema": {"$ref": "#/components/schemas/Session"}}}),
                "400": error_body("format other than md or json"), "404": error_body("unknown or expired")}}},
        "/api/documents/{name}": {"get": {
            "summary": "the original of an indexed document, inline (a PDF opens at #page=N)",
            "operationId": "document",
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"},
                            "description": "the document's path relative to DOCS_DIR, URL-encoded"}],
            "responses": {"200": {"description": "PDF as application/pdf; Markdown, text and HTML decoded, as "
                                                 "text/plain; with Content-Security-Policy: sandbox",
                                  "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}},
                                              "text/plain": {"schema": {"type": "string"}}}},
                          "404": error_body("not a document of the index")}}},
        "/api/admin/documents": {
            "get": {"summary": "the documents folder against the index", "operationId": "adminDocuments", **_ADMIN,
                    "responses": {"200": json_body("DocumentList", "documents, the upload limit, the index job"),
                                  **_AUTH}},
            "post": {"summary": "upload documents (all checked first), then re-index in the background",
                     "operationId": "uploadDocuments", **_ADMIN,
                     "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                         "type": "object", "required": ["file"], "additionalProperties": False,
                         "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"},
                                                 "description": ".pdf .md .markdown .txt .html .htm files"}}}}}},
                     "responses": {"202": json_body("UploadAccepted", "written; the re-index has started"),
                                   "400": error_body("a bad file name (folders, '..', hidden, control characters), "
                                                     "a malformed multipart body or another form field"),
                                   **_AUTH, "409": busy,
                                   "413": error_body("the upload is over MAX_UPLOAD_BYTES (the message names the file)"),
                                   "415": error_body("not multipart/form-data, an unsupported suffix, or content "
                                                     "that is not what the name says (a binary renamed .pdf)"),
                                   "422": error_body("the loader cannot read it (a corrupt PDF, no text)"),
                                   "503": retry_body("the server is shutting down")}}},
        "/api/admin/documents/{name}": {"delete": {
            "summary": "delete a document, then re-index in the background", "operationId": "deleteDocument",
            **_ADMIN, "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"202": json_body("DocumentDeleted", "deleted; the re-index has started"), **_AUTH,
                          "404": error_body("no such document in the documents folder"), "409": busy,
                          "503": retry_body("the server is shutting down")}}},
        "/api/admin/ingest": {
            "get": {"summary": "the index job's progress", "operationId": "ingestStatus", **_ADMIN,
                    "responses": {"200": json_body("IngestStatus", "state, done/total, message"), **_AUTH}},
            "post": {"summary": "re-index now (rebuild: from scratch)", "operationId": "reindex", **_ADMIN,
                     "requestBody": {"required": False, "content": {"application/json": {"schema": {
                         "type": "object", "properties": {"rebuild": {"type": "boolean", "default": False}}}}}},
                     "responses": {"202": json_body("IngestStatus", "started"),
                                   "400": error_body("malformed JSON, or rebuild not a boolean"), **_AUTH,
                                   "409": busy, "413": error_body("body over MAX_BODY_BYTES"),
                                   "415": error_body("a body that is not JSON"),
                                   "503": retry_body("the server is shutting down")}}},
        "/api/admin/feedback": {"get": {
            "summary": "ratings with their question, answer, sources and comment", "operationId": "adminFeedback",
            **_ADMIN, "parameters": [_REPORT_FORMAT, _DAYS, {"name": "rating", "in": "query", "required": False,
                                                             "schema": {"type": "string", "enum": ["up", "down"]}}],
            "responses": {"200": _attachment("JSON, or with format=csv a CSV attachment", {
                "application/json": {"schema": {"$ref": "#/components/schemas/FeedbackReport"}}, **_CSV}),
                "400": error_body("a bad format, days or rating"), **_AUTH}}},
        "/api/admin/questions": {"get": {
            "summary": "the questions the documents could not answer, or the most asked ones",
            "operationId": "adminQuestions", **_ADMIN,
            "parameters": [{"name": "kind", "in": "query", "required": True,
                            "schema": {"type": "string", "enum": ["unanswered", "top"]}}, _REPORT_FORMAT, _DAYS],
            "responses": {"200": _attachment("JSON, or with format=csv a CSV attachment", {
                "application/json": {"schema": {"$ref": "#/components/schemas/QuestionsReport"}}, **_CSV}),
                "400": error_body("a missing or bad kind, a bad format or days"), **_AUTH}}},
    }
