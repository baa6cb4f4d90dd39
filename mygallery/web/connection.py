"""Socket mechanics of a connection: kernel timeouts, writing without waiting, and closing gently.

- `set_kernel_timeout`: blocking sockets whose recv/send the kernel ends after a while (SO_RCVTIMEO/
  SO_SNDTIMEO) — cheaper than Python's socket timeouts, which poll() before every call.
- `send_soon`: a response written from an answering thread without ever waiting on a slow client.
- `linger`: a connection closed with input unread is closed gently (FIN, then the rest is read and dropped),
  or the kernel's reset could discard the response before the client reads it.
Non-goals: parsing HTTP (http_head.py), the request cycle (handler.py), accepting connections (server.py).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time

DRAIN_BYTES = 1 << 20  # an unread request body up to this size is read and dropped to keep the connection
# Closing a socket with unread input makes the kernel answer with a reset, which can discard our response
# before the client reads it (most clients, nginx among them, send the whole body before they read): after an
# answer that leaves input unread, the server reads and drops what keeps coming for a while (a lingering close).
LINGER_SECONDS = 2.0
LINGER_BYTES = 16 << 20
# A client that stopped reading (a send timed out: BlockingIOError, see set_kernel_timeout) or went away.
CLIENT_GONE = (BrokenPipeError, ConnectionResetError, TimeoutError, BlockingIOError)


def set_kernel_timeout(sock: socket.socket, seconds: float) -> None:
    """Let the kernel end a blocking recv or send that waits longer than `seconds` (SO_RCVTIMEO/SO_SNDTIMEO).

    Python's own socket timeouts poll() before every recv and send and cost two fcntl calls each time they
    change; with the kernel's, a keep-alive request is one recv and one send. A recv that times out returns
    no data (the request ends as if the client had closed), a send raises BlockingIOError (see CLIENT_GONE)."""
    seconds = max(seconds, 0.001)  # 0 would mean "wait forever"
    value = struct.pack("ll", int(seconds), int(seconds % 1 * 1_000_000))  # struct timeval
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)



def send_soon(sock: socket.socket, data: bytes, answered: threading.Lock, close: bool) -> None:
    """Send a response from an answering thread without ever waiting on the client: what the socket's buffer
    does not take at once (a client that stopped reading) is left to a thread of its own. Releases
    `answered` when everything is written or the client is gone; with `close`, shuts the connection after."""
    try:
        sent = sock.send(data, socket.MSG_DONTWAIT)
    except BlockingIOError:
        sent = 0
    except OSError:  # the client went away; its connection thread finds out on its next read
        answered.release()
        return
    if sent < len(data):
        threading.Thread(target=_send_rest, args=(sock, memoryview(data)[sent:], answered, close),
                         name="slow-reader", daemon=True).start()
        return
    if close:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    answered.release()


def linger(sock: socket.socket, seconds: float = LINGER_SECONDS, limit: int = LINGER_BYTES) -> None:
    """Close gently a connection whose client may still be sending: tell it we are done (FIN after the
    response), then read and drop its input until it closes, `seconds` pass or `limit` bytes came."""
    deadline = time.monotonic() + seconds
    received = 0
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)
        while received < limit and (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            chunk = sock.recv(1 << 16)
            if not chunk:
                break
            received += len(chunk)


def _send_rest(sock: socket.socket, rest: memoryview, answered: threading.Lock, close: bool) -> None:
    try:
        sock.sendall(rest)  # blocking, within the kernel's send timeout (set_kernel_timeout)
    except OSError:
        close = True  # timed out or gone: the connection cannot be used any more
    finally:
        if close:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        answered.release()

