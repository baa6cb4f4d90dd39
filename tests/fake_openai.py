"""A stand-in for a remote OpenAI-compatible server — the one part that cannot run here — speaking the real
wire protocol (JSON and SSE chunks) so the tests drive the real `openai` client against it.

Behaviour is chosen per instance: `reply` (the text to stream), `mode` = "ok" | "error" (HTTP 500) |
"hang" (never answers) | "break" (streams a few chunks, then drops the connection). Requests are recorded.

/v1/embeddings answers every input with `fake_embedding(text)`, listed last first (each item carries its
`index`, which is all the API promises about order).
"""

from __future__ import annotations

import json
import re
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EMBEDDING_DIM = 64


def fake_embedding(text: str) -> list[float]:
    """A deterministic, unnormalised vector: the counts of the text's words, each word in the slot its CRC-32
    picks. Texts that share words point alike, so a dense search over them finds what it should."""
    vector = [0.0] * EMBEDDING_DIM
    for word in re.findall(r"\w+", text.lower()):
        vector[zlib.crc32(word.encode("utf-8")) % EMBEDDING_DIM] += 1.0
    return vector


class FakeOpenAI:
    def __init__(self, reply: str = "RUD delivers every packet exactly once [1] but not in order [2].",
                 mode: str = "ok", delay: float = 0.0) -> None:
        self.reply = reply
        self.mode = mode
        self.delay = delay  # seconds between streamed chunks, as a real model takes time per token
        self.requests: list[dict] = []
        self._release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append({"path": self.path, "body": body,
                                       "authorization": self.headers.get("Authorization", "")})
                if owner.mode == "hang":
                    owner._release.wait(30)
                    return
                if owner.mode == "error":
                    data = json.dumps({"error": {"message": "model overloaded", "type": "server_error"}}).encode()
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    # and hang up: a client that gives up (and is dropped unclosed) must not keep a thread here
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(data)
                    self.close_connection = True
                    return
                if self.path.endswith("/embeddings"):
                    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    data = [{"object": "embedding", "index": i, "embedding": fake_embedding(t)}
                            for i, t in reversed(list(enumerate(inputs)))]
                    self._json({"object": "list", "data": data, "model": body["model"],
                                "usage": {"prompt_tokens": 1, "total_tokens": 1}})
                elif body.get("stream"):
                    self._stream(body)
                else:
                    text = owner.reply if "standalone" not in json.dumps(body) else "standalone rewritten query"
                    self._json({"id": "c1", "object": "chat.completion", "created": int(time.time()),
                                "model": body["model"], "choices": [{"index": 0, "finish_reason": "stop",
                                "message": {"role": "assistant", "content": text}}]})

            def _json(self, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                words = owner.reply.split(" ")
                for number, word in enumerate(words):
                    if owner.mode == "break" and number == 3:
                        self.wfile.flush()
                        self.connection.shutdown(2)  # the model server dies mid-answer
                        return
                    chunk = {"id": "c1", "object": "chat.completion.chunk", "created": int(time.time()),
                             "model": body["model"], "choices": [{"index": 0, "finish_reason": None,
                             "delta": {"content": word + (" " if number < len(words) - 1 else "")}}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    if owner.delay:
                        owner._release.wait(owner.delay)
                last = {"id": "c1", "object": "chat.completion.chunk", "created": int(time.time()),
                        "model": body["model"], "choices": [{"index": 0, "finish_reason": "stop", "delta": {}}]}
                self.wfile.write(f"data: {json.dumps(last)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()

    @property
    def chat_requests(self) -> list[dict]:
        return [r["body"] for r in self.requests if r["path"].endswith("/chat/completions")]

    @property
    def embedding_requests(self) -> list[dict]:
        return [r["body"] for r in self.requests if r["path"].endswith("/embeddings")]
