"""The short-link redirect service: `GET /{code}` answers 302 to the original URL.

Each click is recorded as a "Clicked SMS" activity on the profile. Unknown
codes answer 404. A plain threading HTTP server: the work per request is one
small write transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from convo_tui.clock import utcnow
from convo_tui.core import links
from convo_tui.store.engine import Store

_CODE = re.compile(r"/([A-Za-z0-9]{1,16})/?")


def make_server(
    store: Store, host: str, port: int, *, clock: Callable[[], datetime] = utcnow
) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        server_version = "convo-links"
        sys_version = ""

        def do_GET(self) -> None:
            self._answer(record=True)

        def do_HEAD(self) -> None:
            self._answer(record=False)

        def _answer(self, *, record: bool) -> None:
            match = _CODE.fullmatch(self.path.split("?", 1)[0])
            target = None
            if match:
                code = match.group(1)
                agent = self.headers.get("User-Agent", "")
                with store.write() as session:
                    if record:
                        target = links.record_click(session, code, now=clock(), client=agent)
                    else:
                        target = links.target(session, code)
            if target is None:
                self._plain(HTTPStatus.NOT_FOUND, "unknown link\n")
                return
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", target)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _plain(self, status: HTTPStatus, body: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass  # no per-request noise; clicks are in the store

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
