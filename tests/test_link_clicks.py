"""The short-link service faces the internet: a click counts once per link and client,
link previews are no clicks, and a flood of slow or idle connections holds neither
threads nor the service. A real server on 127.0.0.1, real sockets, a real store."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlmodel import func, select

from convo_tui.core import links
from convo_tui.serve.links import MAX_HEAD, WORKERS, LinkServer
from convo_tui.store.engine import Store
from convo_tui.store.models import ActivityEvent, ShortLink, pk

from .conftest import NOW, add_profile

PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"


@pytest.fixture
def clock() -> list[datetime]:
    return [NOW]


@pytest.fixture
def served(store: Store, clock: list[datetime]) -> Iterator[tuple[LinkServer, str]]:
    with store.write() as session:
        profile = add_profile(session)
        code = links.shorten(
            session, "https://shop.example/track/1", profile_id=pk(profile),
            domain="cnvo.link", now=NOW,
        ).links[0].code  # fmt: skip
    server = LinkServer(store, "127.0.0.1", 0, clock=lambda: clock[0], head_timeout=1.0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, code
    server.shutdown()
    server.server_close()


def _get(server: LinkServer, path: str, agent: str = PHONE_UA) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    conn.request("GET", path, headers={"User-Agent": agent})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def _clicks(store: Store) -> int:
    with store.read() as session:
        query = select(func.count()).select_from(ActivityEvent)
        return int(session.exec(query.where(ActivityEvent.metric == links.CLICKED)).one())


def test_three_hundred_gets_from_one_client_are_one_click(served, store, clock) -> None:
    server, code = served
    for _ in range(300):
        assert _get(server, f"/{code}").status == 302
    assert _clicks(store) == 1
    with store.read() as session:
        assert session.exec(select(ShortLink.clicks)).one() == 1
    assert _get(server, f"/{code}", agent="Mozilla/5.0 (Linux; Android 14)").status == 302
    assert _clicks(store) == 2  # another client
    clock[0] = NOW + links.CLICK_WINDOW + timedelta(seconds=1)
    _get(server, f"/{code}")
    assert _clicks(store) == 3  # the same client, after the window


@pytest.mark.parametrize(
    "bot",
    [
        "facebookexternalhit/1.1 Facebot Twitterbot/1.0",  # iMessage's preview
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "WhatsApp/2.23.20.0",
        "TelegramBot (like TwitterBot)",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    ],
)
def test_a_link_preview_is_redirected_and_not_counted(served, store, bot) -> None:
    server, code = served
    response = _get(server, f"/{code}", agent=bot)
    assert response.status == 302
    assert response.getheader("Location") == "https://shop.example/track/1"
    assert _clicks(store) == 0


def test_idle_and_slow_connections_hold_no_threads_and_are_closed(served, store) -> None:
    server, code = served
    before = threading.active_count()
    idle = []
    for n in range(200):
        sock = socket.create_connection(server.server_address[:2], timeout=10)
        sock.sendall(b"GET /" if n % 2 else b"")  # half a request line, or nothing
        idle.append(sock)
    time.sleep(0.3)
    assert threading.active_count() <= before + WORKERS
    # The service still answers a real client at once.
    assert _get(server, f"/{code}").status == 302
    # The server closes what sent no complete head within its timeout.
    for sock in idle:
        assert sock.recv(1) == b""
        sock.close()
    assert server.open_connections == 0
    assert threading.active_count() <= before + WORKERS


def test_a_huge_request_head_is_refused(served) -> None:
    server, code = served
    sock = socket.create_connection(server.server_address[:2], timeout=10)
    sock.sendall(b"GET /" + code.encode() + b" HTTP/1.1\r\nX-Fill: " + b"a" * (MAX_HEAD + 10))
    answer = sock.recv(200)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 431")


def test_more_connections_than_the_limit_are_closed_at_once(store, clock) -> None:
    with store.write() as session:
        add_profile(session)
    server = LinkServer(store, "127.0.0.1", 0, head_timeout=5.0, max_connections=20)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        held = [socket.create_connection(server.server_address[:2], timeout=5) for _ in range(20)]
        time.sleep(0.3)
        extra = socket.create_connection(server.server_address[:2], timeout=5)
        assert extra.recv(1) == b""  # closed without a thread or a wait
        assert server.open_connections == 20
        for sock in [*held, extra]:
            sock.close()
    finally:
        server.shutdown()
        server.server_close()
