"""The short-link redirect service: `GET /{code}` answers 302 to the original URL.

A click is recorded as a "Clicked SMS" activity on the profile, once per link and
client within `links.CLICK_WINDOW`; link-preview bots are redirected and not
recorded (core.links). Unknown codes answer 404.

It faces the internet, so everything it holds is bounded: one thread reads the
request heads of all connections (a selector: a client that sends slowly costs a
socket, not a thread), complete requests go to WORKERS threads, at most
MAX_CONNECTIONS are open (more are closed at once), a head must arrive within
HEAD_TIMEOUT and fit in MAX_HEAD bytes, and every connection serves one request.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import selectors
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus

from convo_tui.clock import utcnow
from convo_tui.core import links
from convo_tui.store.engine import Store

_CODE = re.compile(r"/([A-Za-z0-9]{1,16})/?")

MAX_CONNECTIONS = 256
WORKERS = 4
"""Threads that answer complete requests: each is one small write transaction."""
HEAD_TIMEOUT = 10.0
"""Seconds a connection may take to send its request head."""
MAX_HEAD = 8192
WRITE_TIMEOUT = 10.0


@dataclass
class _Connection:
    address: str
    opened: float
    head: bytearray = field(default_factory=bytearray)


class LinkServer:
    """`serve_forever()` until `shutdown()`, then `server_close()` (as socketserver's)."""

    def __init__(
        self,
        store: Store,
        host: str,
        port: int,
        *,
        clock: Callable[[], datetime] = utcnow,
        head_timeout: float = HEAD_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.store = store
        self.clock = clock
        self.head_timeout = head_timeout
        self.max_connections = max_connections
        self._listener = socket.create_server((host, port), backlog=128)
        self._listener.setblocking(False)
        self.server_address = self._listener.getsockname()
        self._selector = selectors.DefaultSelector()
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="convo-links")
        self._open: dict[socket.socket, _Connection] = {}
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._wake_read, self._wake_write = socket.socketpair()

    @property
    def open_connections(self) -> int:
        return len(self._open)

    def serve_forever(self) -> None:
        self._stopped.clear()
        self._selector.register(self._listener, selectors.EVENT_READ, "accept")
        self._selector.register(self._wake_read, selectors.EVENT_READ, "wake")
        try:
            while not self._stop.is_set():
                for key, _mask in self._selector.select(timeout=0.5):
                    if key.data == "accept":
                        self._accept()
                    elif key.data == "wake":
                        self._wake_read.recv(64)
                    else:
                        self._read(key.fileobj)  # type: ignore[arg-type]
                self._close_slow(time.monotonic())
        finally:
            for sock in list(self._open):
                self._drop(sock)
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(self._listener)
                self._selector.unregister(self._wake_read)
            self._stopped.set()

    def shutdown(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._wake_write.send(b"x")
        self._stopped.wait(5)

    def server_close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        for sock in (self._listener, self._wake_read, self._wake_write):
            sock.close()
        self._selector.close()

    # Reading heads, in the selector thread ------------------------------------

    def _accept(self) -> None:
        while True:
            try:
                sock, address = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # out of descriptors or the like: the next select tries again
            if len(self._open) >= self.max_connections:
                sock.close()  # full: a client retries, a flood costs nothing
                continue
            sock.setblocking(False)
            self._open[sock] = _Connection(str(address[0]), time.monotonic())
            self._selector.register(sock, selectors.EVENT_READ, "read")

    def _read(self, sock: socket.socket) -> None:
        connection = self._open.get(sock)
        if connection is None:
            return
        try:
            data = sock.recv(4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(sock)
            return
        connection.head += data
        end = connection.head.find(b"\r\n\r\n")
        if end < 0 and len(connection.head) <= MAX_HEAD:
            return
        self._selector.unregister(sock)
        del self._open[sock]
        head = bytes(connection.head[:end]) if 0 <= end <= MAX_HEAD else None
        self._pool.submit(self._answer, sock, head, connection.address)

    def _close_slow(self, now: float) -> None:
        for sock, connection in list(self._open.items()):
            if now - connection.opened > self.head_timeout:
                self._drop(sock)

    def _drop(self, sock: socket.socket) -> None:
        self._open.pop(sock, None)
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(sock)
        sock.close()

    # Answering, in a worker ----------------------------------------------------

    def _answer(self, sock: socket.socket, head: bytes | None, address: str) -> None:
        try:
            sock.setblocking(True)
            sock.settimeout(WRITE_TIMEOUT)
            sock.sendall(self._response(head, address))
        except OSError:
            pass  # the client went away
        finally:
            sock.close()

    def _response(self, head: bytes | None, address: str) -> bytes:
        if head is None:
            return _plain(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request head too large\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            return _plain(HTTPStatus.BAD_REQUEST, "bad request\n")
        method, target = parts[0], parts[1]
        if method not in ("GET", "HEAD"):
            return _plain(HTTPStatus.METHOD_NOT_ALLOWED, "only GET and HEAD\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        match = _CODE.fullmatch(target.split("?", 1)[0])
        url = None
        if match is not None:
            url = self._target(match.group(1), method, headers, address)
        if url is None:
            return _plain(HTTPStatus.NOT_FOUND, "unknown link\n", head_only=method == "HEAD")
        return (
            "HTTP/1.1 302 Found\r\n"
            f"Location: {url}\r\n"
            "Cache-Control: no-store\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ).encode("latin-1", "replace")

    def _target(self, code: str, method: str, headers: dict[str, str], address: str) -> str | None:
        agent = headers.get("user-agent", "")
        with self.store.write() as session:
            if method == "HEAD":
                return links.target(session, code)
            return links.record_click(
                session, code, now=self.clock(), client=agent, visitor=_visitor(address, headers)
            )


def _visitor(address: str, headers: dict[str, str]) -> str:
    """Who clicked, as a digest (no address is stored): the client's address and user
    agent. Behind a proxy on this host, the address the proxy was asked from."""
    forwarded = headers.get("x-forwarded-for", "")
    if forwarded and address in ("127.0.0.1", "::1"):
        address = forwarded.split(",")[0].strip()
    raw = f"{address}\n{headers.get('user-agent', '')}".encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def _plain(status: HTTPStatus, body: str, *, head_only: bool = False) -> bytes:
    data = body.encode()
    head = (
        f"HTTP/1.1 {status.value} {status.phrase}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    ).encode()
    return head if head_only else head + data


def make_server(
    store: Store, host: str, port: int, *, clock: Callable[[], datetime] = utcnow
) -> LinkServer:
    return LinkServer(store, host, port, clock=clock)
