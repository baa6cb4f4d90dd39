"""`GalleryHTTPServer`: a tuned standard-library ThreadingHTTPServer that accepts connections for `GalleryApp`.

Behaviour is set by attributes, as in CPython's http.server: a listen backlog of 1024 (SYNs dropped at the
default 5 turn into 1 s retransmit stalls), daemon connection threads, at most MAX_CONNECTIONS of them and at
most MAX_CONNECTIONS_PER_CLIENT from one address (nginx's limit_conn; the trusted proxies, which carry every
client's connections, are exempt) — one more is answered 503 and closed at once, without a thread. It counts
requests in flight (the handler reports each start and finish, measured and logged in `request_finished`) and
drains them at shutdown: `stop_accepting` closes the listening socket first, so new connections are refused
at once instead of waiting in the backlog, and marks every response from then on `Connection: close`; `drain`
waits on a Condition until no request is left or the deadline passes, then wakes idle keep-alive readers so
their threads exit.
Non-goals: the request cycle (handler.py), TLS (terminate it in the reverse proxy), HTTP/2.
"""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import threading
import time
from http.server import ThreadingHTTPServer

from ..errors import ServerBusy
from .app import GalleryApp
from .handler import GalleryRequestHandler
from .http_head import error_response, rendered
from .logs import log_access

log = logging.getLogger("mygallery.server")


class GalleryHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: GalleryApp, *, max_connections: int = 1024,
                 max_per_client: int | None = None, unlimited_clients: tuple[str, ...] = (),
                 idle_timeout: float = 30.0) -> None:
        """`max_per_client`: connections one address may hold (None: only MAX_CONNECTIONS), except the
        addresses of `unlimited_clients` (the trusted proxies)."""
        self.app = app
        self.max_connections = max_connections
        self.max_per_client = max_connections if max_per_client is None else max_per_client
        self.unlimited_clients = frozenset(unlimited_clients)
        self.idle_timeout = idle_timeout
        self.draining = False  # set by stop_accepting: every response from then on closes its connection
        self.identity = b""  # X-Instance header line on every response (http_head.instance_header), set once
        self._connections_lock = threading.Lock()  # guards _connections and _per_client
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._per_client: dict[str, int] = {}  # address -> its open connections (only those with one)
        self._in_flight = 0
        # Guards _in_flight; notified when it drops to 0, which drain() waits for.
        self._in_flight_changed = threading.Condition(threading.Lock())
        super().__init__(address, GalleryRequestHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
        return f"http://{shown}:{port}"

    # --- connection threads ----------------------------------------------------------------------------------

    def process_request(self, request: socket.socket, client_address: tuple) -> None:  # type: ignore[override]
        address = client_address[0]
        with self._connections_lock:
            held = self._per_client.get(address, 0)
            if len(self._connections) >= self.max_connections:
                refusal = "too many connections; try again shortly"
            elif held >= self.max_per_client and address not in self.unlimited_clients:
                refusal = f"too many connections from one address (at most {self.max_per_client}); try again shortly"
            else:
                refusal = ""
                thread = threading.Thread(target=self.process_request_thread, args=(request, client_address),
                                          name=f"http-{address}:{client_address[1]}", daemon=True)
                self._connections[request] = thread
                self._per_client[address] = held + 1
        if refusal:
            self._refuse(request, refusal)
            return
        thread.start()

    def process_request_thread(self, request: socket.socket, client_address: tuple) -> None:  # type: ignore[override]
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - one broken connection must not take the server down
            log.debug("connection from %s failed", client_address, exc_info=True)
        finally:
            self.shutdown_request(request)
            address = client_address[0]
            with self._connections_lock:
                self._connections.pop(request, None)
                left = self._per_client[address] - 1
                if left:
                    self._per_client[address] = left
                else:
                    del self._per_client[address]

    def _refuse(self, request: socket.socket, message: str) -> None:
        """Answer 503 on a connection over a limit, without a thread, and close it."""
        error = ServerBusy(message, retry_after=1)
        data = rendered(error_response(error), f"{random.getrandbits(64):016x}", close=True, identity=self.identity)
        with contextlib.suppress(OSError):
            request.settimeout(1.0)
            request.sendall(data)
        self.shutdown_request(request)

    def connection_count(self) -> int:
        with self._connections_lock:
            return len(self._connections)

    # --- in-flight requests and draining ---------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def request_started(self) -> None:
        with self._in_flight_changed:
            self._in_flight += 1

    def request_finished(self, route: str, method: str, path: str, status: int, started: float, request_id: str,
                         session: str, client: str) -> None:
        """A request is answered (by its connection thread or the thread its answer came on): count it out,
        measure it, write its access line."""
        with self._in_flight_changed:
            self._in_flight -= 1
            if not self._in_flight:
                self._in_flight_changed.notify_all()
        elapsed = time.perf_counter() - started
        self.app.metrics.observe(route, method, status, elapsed)
        log_access(method, path, status, elapsed * 1000, request_id, session or "-", client)

    def stop_accepting(self) -> None:
        """The first step of a graceful stop: responses from now on close their connections, the listening
        socket refuses new connections at once (rather than leaving them in the backlog to be reset later),
        serve_forever returns and the socket is closed. Call from any thread but serve_forever's own."""
        self.draining = True
        with contextlib.suppress(OSError):  # Linux: a listening socket shut down refuses connections (RST)
            self.socket.shutdown(socket.SHUT_RDWR)  # and its accept() fails, which serve_forever ignores
        self.shutdown()
        self.socket.close()

    def drain(self, deadline: float) -> bool:
        """After stop_accepting(): wait for in-flight requests until `deadline` (monotonic), then close
        connections."""
        self.draining = True
        with self._in_flight_changed:
            finished = self._in_flight_changed.wait_for(lambda: not self._in_flight,
                                                        max(0.0, deadline - time.monotonic()))
        with self._connections_lock:
            connections = list(self._connections.items())
        for sock, _ in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # idle keep-alive readers wake up with EOF and exit
        for _, thread in connections:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
        return finished

