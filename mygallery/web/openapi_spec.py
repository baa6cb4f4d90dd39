"""The OpenAPI 3 description served at /openapi.json — what the server really does, statuses included.

Kept by hand beside the route table (app.py) — the knowledge-base part in openapi_knowledge.py — and checked
against the running server by schemathesis in the test suite: every documented status, header and body shape
must be what the server sends, and nothing it sends may be missing here. Non-goals: generating the server from this document, or this from the code.
"""

from __future__ import annotations

from .openapi_knowledge import KNOWLEDGE_SCHEMAS, knowledge_paths
from .openapi_knowledge import error_body as _error
from .openapi_knowledge import json_body as _json
from .openapi_knowledge import retry_body as _retry

_SESSION_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
               "description": "the session id (32 hex digits)"}

_SCHEMAS: dict = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message"],
                                 "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
    },
    "Health": {"type": "object", "required": ["status", "uptime_s", "version"],
               "properties": {"status": {"type": "string", "enum": ["ok"]}, "uptime_s": {"type": "number"},
                              "version": {"type": "string"}}},
    "Ready": {"type": "object", "required": ["status", "docs", "chunks"],
              "properties": {"status": {"type": "string", "enum": ["ready"]}, "docs": {"type": "integer"},
                             "chunks": {"type": "integer"},
                             "generation": {"type": "string", "nullable": True,
                                            "description": "the index generation served (INDEX_DIR/manifest.json)"}}},
    "SessionCreated": {"type": "object", "required": ["session_id"],
                       "properties": {"session_id": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}},
    "Source": {
        "type": "object", "required": ["n", "doc", "title", "section", "page", "snippet", "score"],
        "properties": {"n": {"type": "integer", "minimum": 1}, "doc": {"type": "string"}, "title": {"type": "string"},
                       "section": {"type": "string"}, "page": {"type": "integer", "nullable": True},
                       "snippet": {"type": "string"}, "score": {"type": "number"}},
    },
    "Message": {
        "type": "object", "required": ["role", "content"],
        "properties": {"role": {"type": "string", "enum": ["user", "assistant"]}, "content": {"type": "string"},
                       "answered": {"type": "boolean"},
                       "sources": {"type": "array", "items": {"$ref": "#/components/schemas/Source"}},
                       "notice": {"type": "string"},
                       "feedback": {"$ref": "#/components/schemas/Feedback"}},
    },
    "Session": {
        "type": "object", "required": ["session_id", "created_at", "last_active", "messages"],
        "properties": {"session_id": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
                       "last_active": {"type": "string", "format": "date-time"},
                       "messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}}},
    },
    "ChatRequest": {
        "type": "object", "required": ["message"],
        "properties": {"message": {"type": "string", "minLength": 1, "pattern": "\\S",
                                   "description": "the question (not blank; at most MAX_MESSAGE_CHARS, 4000)"},
                       "session_id": {"type": "string", "nullable": True,
                                      "description": "omit (or null) to start a new conversation"},
                       "stream": {"type": "boolean", "default": False,
                                  "description": "answer as server-sent events: token ... done"}},
    },
    "ChatResponse": {
        "type": "object", "required": ["session_id", "answer", "sources", "backend", "latency_ms"],
        "properties": {"session_id": {"type": "string"}, "answer": {"type": "string"},
                       "answered": {"type": "boolean",
                                    "description": "false when the documents do not contain the answer"},
                       "sources": {"type": "array", "items": {"$ref": "#/components/schemas/Source"}},
                       "backend": {"type": "string"}, "latency_ms": {"type": "number"},
                       "message_index": {"type": "integer", "description": "the answer's position in the "
                                                                           "conversation (POST /api/feedback)"},
                       "notice": {"type": "string", "description": "shown when the language model failed and the "
                                                                   "answer fell back to extractive"}},
    },
    "Stats": {
        "type": "object",
        "required": ["version", "uptime_s", "system", "sessions", "requests", "latency", "index", "backends",
                     "history"],
        "properties": {
            "version": {"type": "string"}, "uptime_s": {"type": "number"}, "time": {"type": "number"},
            "instance": {"type": "string", "description": "this instance's id, as in its X-Instance header"},
            "system": {"type": "object", "required": ["cpu_percent", "memory_percent", "disk_percent"],
                       "properties": {"cpu_percent": {"type": "number"}, "memory_percent": {"type": "number"},
                                      "memory_rss_mb": {"type": "number"}, "disk_percent": {"type": "number"},
                                      "threads": {"type": "integer"}}},
            "sessions": {"type": "object", "required": ["active", "max", "list"],
                         "properties": {"active": {"type": "integer"}, "max": {"type": "integer"},
                                        "timeout_minutes": {"type": "number"}, "store": {"type": "string"},
                                        "list": {"type": "array", "items": {"type": "object", "properties": {
                                            "id_prefix": {"type": "string"}, "age_s": {"type": "number"},
                                            "idle_s": {"type": "number"}, "messages": {"type": "integer"}}}}}},
            "requests": {"type": "object", "required": ["total", "errors", "rate_per_min", "error_rate"],
                         "properties": {"total": {"type": "integer"}, "errors": {"type": "integer"},
                                        "rate_per_min": {"type": "integer"}, "error_rate": {"type": "number"},
                                        "by_status": {"type": "object",
                                                      "additionalProperties": {"type": "integer"}}}},
            "latency": {"type": "object", "required": ["p50_ms", "p95_ms", "p99_ms"],
                        "properties": {"p50_ms": {"type": "number"}, "p95_ms": {"type": "number"},
                                       "p99_ms": {"type": "number"}, "window_s": {"type": "integer"},
                                       "count": {"type": "integer"}}},
            "index": {"type": "object", "properties": {
                "ready": {"type": "boolean"}, "problem": {"type": "string"}, "docs": {"type": "integer"},
                "chunks": {"type": "integer"}, "built_at": {"type": "string", "nullable": True},
                "generation": {"type": "string", "nullable": True},
                "embedding": {"type": "string", "nullable": True}, "tokenizer": {"type": "string", "nullable": True}}},
            "backends": {"type": "object", "properties": {
                "answer": {"type": "string"}, "embedding": {"type": "string"},
                "answer_processes": {"type": "object", "required": ["started", "alive"], "properties": {
                    "started": {"type": "integer"}, "alive": {"type": "integer"},
                    "own_memory_mb": {"type": "number"}}},
                "answers_by_backend": {"type": "object", "additionalProperties": {"type": "integer"}},
                "fallbacks": {"type": "integer"}}},
            "history": {"type": "array", "items": {"type": "object", "properties": {
                "t": {"type": "number"}, "p50_ms": {"type": "number"}, "p95_ms": {"type": "number"},
                "sessions": {"type": "integer"}, "rpm": {"type": "integer"}}}},
            "cluster": {"$ref": "#/components/schemas/Cluster"},
        },
    },
    "Cluster": {
        "type": "object", "nullable": True,
        "description": "cluster mode (SESSION_STORE=redis) only, else null: every instance from its heartbeat",
        "required": ["instance", "instances", "totals", "redis"],
        "properties": {
            "instance": {"type": "string"}, "heartbeat_s": {"type": "number"},
            "instances": {"type": "array", "items": {"type": "object", "required": ["id", "alive"], "properties": {
                "id": {"type": "string"}, "address": {"type": "string"}, "pid": {"type": "integer"},
                "version": {"type": "string"}, "started": {"type": "number"},
                "generation": {"type": "string", "nullable": True}, "ready": {"type": "boolean"},
                "requests_per_s": {"type": "number"}, "p50_ms": {"type": "number"}, "p95_ms": {"type": "number"},
                "memory_rss_mb": {"type": "number"}, "cpu_percent": {"type": "number"},
                "in_flight": {"type": "integer"}, "heartbeat_age_s": {"type": "number"},
                "alive": {"type": "boolean", "description": "a heartbeat within the last three intervals"}}}},
            "totals": {"type": "object", "properties": {
                "instances": {"type": "integer"}, "alive": {"type": "integer"}, "requests_per_s": {"type": "number"},
                "in_flight": {"type": "integer"}, "memory_rss_mb": {"type": "number"}, "p95_ms": {"type": "number"},
                "generations": {"type": "array", "items": {"type": "string"}}}},
            "redis": {"type": "object", "properties": {
                "url": {"type": "string"}, "up": {"type": "boolean"}, "problem": {"type": "string"},
                "errors": {"type": "integer"}}},
        },
    },
}


_OPENAI_SCHEMAS: dict = {
    "Model": {"type": "object", "required": ["id", "object", "created", "owned_by"],
              "properties": {"id": {"type": "string", "enum": ["uec-gallery"]}, "object": {"type": "string", "enum": ["model"]},
                             "created": {"type": "integer"}, "owned_by": {"type": "string"}}},
    "ModelList": {"type": "object", "required": ["object", "data"],
                  "properties": {"object": {"type": "string", "enum": ["list"]},
                                 "data": {"type": "array", "items": {"$ref": "#/components/schemas/Model"}}}},
    "ChatCompletionMessage": {
        "type": "object", "required": ["role"],
        "properties": {"role": {"type": "string", "enum": ["system", "developer", "user", "assistant", "tool", "function"]},
                       "content": {"nullable": True, "oneOf": [
                           {"type": "string"},
                           {"type": "array", "items": {"type": "object", "properties": {
                               "type": {"type": "string"}, "text": {"type": "string"}}}}]}},
    },
    "ChatCompletionRequest": {
        "type": "object", "required": ["messages"],
        "description": "OpenAI's request; the last user message is the question (max 4000 chars), earlier user "
                       "and assistant messages the conversation; without a question the answer asks for one. "
                       "Sampling options are accepted and ignored.",
        "properties": {"model": {"type": "string", "enum": ["uec-gallery"], "default": "uec-gallery"},
                       "messages": {"type": "array", "minItems": 1,
                                    "items": {"$ref": "#/components/schemas/ChatCompletionMessage"}},
                       "stream": {"type": "boolean", "default": False},
                       "stream_options": {"type": "object", "nullable": True,
                                          "properties": {"include_usage": {"type": "boolean"}}}},
    },
    "ServerSentEvent": {"type": "object", "required": ["data"],
                        "description": "one event: `data` is a chat.completion.chunk as JSON, or [DONE]; `event` "
                                       "is `error` (data: an Error) if the stream fails",
                        "properties": {"event": {"type": "string"}, "data": {"type": "string"}}},
    "Usage": {"type": "object", "required": ["prompt_tokens", "completion_tokens", "total_tokens"],
              "properties": {"prompt_tokens": {"type": "integer"}, "completion_tokens": {"type": "integer"},
                             "total_tokens": {"type": "integer"}}},
    "ChatCompletion": {
        "type": "object", "required": ["id", "object", "created", "model", "choices", "usage", "sources", "backend"],
        "properties": {
            "id": {"type": "string"}, "object": {"type": "string", "enum": ["chat.completion"]},
            "created": {"type": "integer"}, "model": {"type": "string"},
            "choices": {"type": "array", "items": {"type": "object", "required": ["index", "message", "finish_reason"],
                                                   "properties": {
                "index": {"type": "integer"}, "finish_reason": {"type": "string"},
                "logprobs": {"type": "object", "nullable": True},
                "message": {"type": "object", "required": ["role", "content"],
                            "properties": {"role": {"type": "string", "enum": ["assistant"]},
                                           "content": {"type": "string"}}}}}},
            "usage": {"$ref": "#/components/schemas/Usage"},
            "sources": {"type": "array", "items": {"$ref": "#/components/schemas/Source"},
                        "description": "extra field: the sources the answer cites as [n]"},
            "backend": {"type": "string", "description": "extra field: the answerer that produced the answer"},
            "notice": {"type": "string", "description": "extra field: why the answer fell back to extractive"}},
    },
}


def openapi_document(version: str) -> dict:
    chat_ok = {
        "description": "the answer; with stream=true or Accept: text/event-stream, server-sent events "
                       "`token` ({\"text\"}) ... `done` (the ChatResponse) or `error` (an Error)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChatResponse"}},
                    "text/event-stream": {"schema": {
                        "type": "object", "required": ["data"],
                        "description": "one server-sent event; `data` is JSON: {\"text\"} for token, the "
                                       "ChatResponse for done, an Error for error",
                        "properties": {"event": {"type": "string", "enum": ["token", "done", "error"]},
                                       "data": {"type": "string"}}}}},
    }
    paths = {
        "/api/health": {"get": {"summary": "liveness", "operationId": "health",
                                "responses": {"200": _json("Health", "the process is up")}}},
        "/api/ready": {"get": {"summary": "readiness: the index is loaded and the session store answers",
                               "operationId": "ready",
                               "responses": {"200": _json("Ready", "ready to answer"),
                                             "503": _retry("the index is not loaded, or the session store cannot "
                                                           "be reached (the message says why)")}}},
        "/api/sessions": {"post": {
            "summary": "start a conversation", "operationId": "createSession",
            "requestBody": {"required": True, "description": "an empty JSON object (any members are ignored); "
                                                             "the server also takes an empty body sent as JSON",
                            "content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"201": {**_json("SessionCreated", "created"),
                                  "headers": {"Location": {"schema": {"type": "string"}}}},
                          "400": _error("the body is not a JSON object"),
                          "413": _error("body over MAX_BODY_BYTES"),
                          "415": _error("the body is not declared JSON (Content-Type: application/json)"),
                          "429": _retry("MAX_SESSIONS conversations are live, the client address holds its share "
                                        "of them (MAX_SESSIONS_PER_CLIENT), or the client's rate limit"),
                          "503": _retry("the session store cannot be reached")}}},
        "/api/sessions/{id}": {
            "parameters": [_SESSION_ID],
            "get": {"summary": "a conversation and its messages", "operationId": "getSession",
                    "responses": {"200": _json("Session", "the conversation"),
                                  "404": _error("unknown or expired"),
                                  "503": _retry("store_unavailable: Redis (cluster mode) is unavailable")}},
            "delete": {"summary": "forget a conversation", "operationId": "deleteSession",
                       "responses": {"204": {"description": "deleted (also when it did not exist)"},
                                     "503": _retry("the session store cannot be reached (nothing was deleted)")}},
        },
        "/api/chat": {"post": {
            "summary": "ask a question", "operationId": "chat",
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChatRequest"}}}},
            "responses": {"200": chat_ok,
                          "400": _error("malformed JSON (also nested too deeply or holding a lone surrogate), "
                                        "missing or empty message, message over the limit"),
                          "404": _error("the session_id is unknown or expired"),
                          "409": _error("the conversation has MAX_TURNS_PER_SESSION turns: start a new one"),
                          "413": _error("body over MAX_BODY_BYTES"), "415": _error("the body is not JSON"),
                          "429": _retry("rate limit or session cap (MAX_SESSIONS, or the client's share)"),
                          "503": _retry("the index is not ready, the conversation is busy answering, or the "
                                        "session store cannot be reached")}}},
        "/api/admin/stats": {"get": {
            "summary": "figures for the admin panel", "operationId": "adminStats",
            "security": [{"adminToken": []}],
            "responses": {"200": _json("Stats", "system, sessions, requests, latency, index, backends, history"),
                          "401": _error("ADMIN_TOKEN is set and no token was sent"),
                          "403": _error("wrong token, or a non-local client when ADMIN_TOKEN is not set")}}},
        "/v1/models": {"get": {
            "summary": "OpenAI-compatible: the one model, uec-gallery", "operationId": "openaiModels",
            "security": [{}, {"galleryApiKey": []}],
            "responses": {"200": _json("ModelList", "the model list"),
                          "401": _error("GALLERY_API_KEY is set and the key is missing or wrong")}}},
        "/v1/chat/completions": {"post": {
            "summary": "OpenAI-compatible chat completion answered by the gallery", "operationId": "openaiChat",
            "security": [{}, {"galleryApiKey": []}],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ChatCompletionRequest"}}}},
            "responses": {"200": {"description": "a chat.completion; with stream=true, `data:` lines of "
                                                 "chat.completion.chunk objects (the last with finish_reason, "
                                                 "sources and backend; then usage if stream_options.include_usage) "
                                                 "and `data: [DONE]`",
                                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChatCompletion"}},
                                              "text/event-stream": {"schema": {"$ref": "#/components/schemas/ServerSentEvent"}}}},
                          "400": _error("malformed JSON (also nested too deeply or holding a lone surrogate), "
                                        "messages not an array of messages, a question over the limit"),
                          "401": _error("GALLERY_API_KEY is set and the key is missing or wrong"),
                          "404": _error("a model other than uec-gallery"),
                          "413": _error("body over MAX_BODY_BYTES"), "415": _error("the body is not JSON"),
                          "429": _retry("the client's rate limit"),
                          "503": _retry("the index is not ready")}}},
        "/metrics": {"get": {"summary": "Prometheus exposition (Bearer METRICS_TOKEN when that is set)",
                             "operationId": "metrics",
                             "responses": {"200": {"description": "text format 0.0.4",
                                                   "content": {"text/plain": {"schema": {"type": "string"}}}},
                                           "401": _error("METRICS_TOKEN is set and no token was sent"),
                                           "403": _error("METRICS_TOKEN is set and the token is wrong")}}},
        **knowledge_paths(),
        "/openapi.json": {"get": {"summary": "this document", "operationId": "openapi",
                                  "responses": {"200": {"description": "OpenAPI 3",
                                                        "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    }
    # The HTTP layer's own answers, possible on every path before any handler runs (handler.py, http_head.py).
    for path_item in paths.values():
        for method, operation in path_item.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            responses.setdefault("400", _error("a malformed request head (request line, header syntax, two "
                                               "Content-Lengths, a chunked body)"))
            responses.setdefault("431", _error("more than 100 header lines, or over 64 KiB of them in all"))
            if "requestBody" in operation:
                responses.setdefault("408", _error("the body stopped arriving before Content-Length bytes"))
    return {
        "openapi": "3.0.3",
        "info": {"title": "UEC Knowledge Gallery", "version": version,
                 "description": "Ask questions about the Ultra Ethernet specification; answers cite their sources. "
                                "Every error is {\"error\": {\"code\", \"message\"}}; 405 (with Allow) for a "
                                "method a path does not support, 404 for an unknown path; 400, 408 and 431 from the HTTP "
                                "layer for a malformed head, a body that stops coming and oversized headers. Every "
                                "response carries X-Instance: the id of the server instance that answered (behind "
                                "a proxy in front of several)."},
        "paths": paths,
        "components": {"schemas": {**_SCHEMAS, **_OPENAI_SCHEMAS, **KNOWLEDGE_SCHEMAS},
                       "securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer"},
                                           "galleryApiKey": {"type": "http", "scheme": "bearer"}}},
    }
