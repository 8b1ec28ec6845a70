"""Every provider call is bounded in time, size and pages (issue 14, point 10).

A hostile provider on 127.0.0.1 (a small HTTP server in this file, no mock of our
code) speaks just enough of Twilio's and Klaviyo's API for the real clients to call
it, and misbehaves one way per mode: a body at 1 byte/s, a next-page link that points
to itself, an endless chunked body, a Retry-After of 999999 s. The real `convo sync
--once` (a child process) or the real clients must end each with a clear error.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from convo_tui.providers.http import ProviderError, RetryPolicy
from convo_tui.providers.klaviyo import KlaviyoClient
from convo_tui.providers.twilio import TwilioClient
from convo_tui.store.engine import Store
from convo_tui.sync.engine import SyncEngine

ACCOUNT = "AC" + "1" * 32
TOKEN = "hostile-token-5e6f7a8b"
HUGE = 2 * 2**30  # the 2 GB body
MEMORY_BOUND = 512 * 2**20
"""Python, convo and one answer at the size limit fit well under this; a body read
whole would not."""
"""Bytes of the endless body (bounded, so that a client without a cap cannot take the
test host down with it: it only grows by a few times this)."""


def message(sid: str = "SM" + "a" * 32) -> dict[str, Any]:
    """A Twilio Message resource as the official document gives it."""
    return {
        "account_sid": ACCOUNT,
        "api_version": "2010-04-01",
        "body": "Hello",
        "date_created": "Thu, 03 Dec 2026 10:00:00 +0000",
        "date_sent": "Thu, 03 Dec 2026 10:00:01 +0000",
        "date_updated": "Thu, 03 Dec 2026 10:00:02 +0000",
        "direction": "inbound",
        "error_code": None,
        "error_message": None,
        "from": "+14155550100",
        "to": "+14155550199",
        "num_media": "0",
        "num_segments": "1",
        "sid": sid,
        "status": "received",
        "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}.json",
    }


class Hostile(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.mode = mode
        self.stopping = threading.Event()
        self.requests: list[str] = []

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Hostile

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        mode, klaviyo = self.server.mode, self.path.startswith("/api/")
        if mode == "slow":
            self._slow()
        elif mode == "loop":
            if klaviyo:
                here = self.server.base_url + self.path
                self._json(200, {"data": [], "links": {"self": here, "next": here}})
            else:
                page = {"messages": [message()], "next_page_uri": self.path, "uri": self.path}
                self._json(200, page)
        elif mode == "huge":
            self._huge()
        elif mode == "retry_after":
            if klaviyo:
                errors = [{"status": 429, "code": "throttled", "detail": "Request was throttled."}]
                self._json(429, {"errors": errors}, {"Retry-After": "999999"})
            else:
                error = {"code": 20429, "message": "Too Many Requests", "status": 429}
                self._json(429, error, {"Retry-After": "999999"})
        else:
            self._json(200, {"messages": [], "next_page_uri": None, "data": [], "links": {}})

    def _slow(self) -> None:
        """A well-formed answer at one byte a second: every read gets something."""
        body = json.dumps({"messages": [message()] * 50, "next_page_uri": None}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for byte in body:
                if self.server.stopping.wait(1.0):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
        except OSError:
            return  # the client gave up

    def _huge(self) -> None:
        """A chunked answer that does not end (well, after HUGE bytes)."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        item = (json.dumps(message()) + ",").encode()
        chunk = b'{"messages": [' + item * (2**20 // len(item))
        sent = 0
        try:
            while sent < HUGE and not self.server.stopping.is_set():
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
                chunk = item * (2**20 // len(item))
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            return


@pytest.fixture
def hostile(request: pytest.FixtureRequest) -> Iterator[Hostile]:
    server = Hostile(request.param)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.stopping.set()
    server.shutdown()
    server.server_close()


def env_for(server: Hostile) -> dict[str, str]:
    """Like tests/sync_helpers.env_for: the real configuration, pointed at the server
    (Twilio only: no Klaviyo key, so the round asks Twilio alone)."""
    return {
        "CONVO_TWILIO_BASE_URL": server.base_url,
        "CONVO_TWILIO_ACCOUNT_SID": ACCOUNT,
        "CONVO_TWILIO_AUTH_TOKEN": TOKEN,
        "CONVO_TWILIO_FROM": "+14155550199",
        "CONVO_KLAVIYO_API_KEY": "",
    }


def sync_once(db_path: Path, server: Hostile, *, timeout: float = 120) -> tuple[int, str, int]:
    """`convo sync --once` as a child process: exit code, stderr, peak memory (bytes).

    The timeout only detects a hang (the test fails); it measures no speed."""
    with (
        open(db_path.with_suffix(".out"), "w+") as out,
        open(db_path.with_suffix(".err"), "w+") as err,
    ):
        proc = subprocess.Popen(
            [sys.executable, "-m", "convo_tui", "sync", "--once", "--db", str(db_path)],
            env={**os.environ, **env_for(server)},
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
        killer = threading.Timer(timeout, proc.send_signal, (signal.SIGKILL,))
        killer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read()
    assert proc.returncode != -signal.SIGKILL, f"sync --once still running after {timeout}s"
    return proc.returncode, text, usage.ru_maxrss * 1024


def one_error_line(code: int, err: str) -> str:
    assert code != 0, err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("convo: error: "), err
    return lines[0]


# The child process, with the default bounds --------------------------------------


@pytest.mark.parametrize("hostile", ["loop"], indirect=True)
def test_a_next_page_link_to_itself_ends_the_pull_with_an_error(
    db_path: Path, store: Store, hostile: Hostile
) -> None:
    code, err, _ = sync_once(db_path, hostile)
    line = one_error_line(code, err)
    assert "messages:" in line and "page already read" in line, line
    assert len(hostile.requests) <= 3, hostile.requests[:5]


@pytest.mark.parametrize("hostile", ["huge"], indirect=True)
def test_an_endless_body_stops_at_the_size_limit_and_memory_stays_bounded(
    db_path: Path, store: Store, hostile: Hostile
) -> None:
    from convo_tui.providers import http

    code, err, peak = sync_once(db_path, hostile)
    line = one_error_line(code, err)
    limit = f"{http.MAX_ANSWER_BYTES // 2**20} MiB"
    assert "size limit" in line and limit in line, line
    # Python and convo take some 100 MiB; reading the body whole would take gigabytes.
    assert peak < MEMORY_BOUND, f"peak memory {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("hostile", ["retry_after"], indirect=True)
def test_a_huge_retry_after_is_not_waited_on_and_the_round_fails_as_retry_later(
    db_path: Path, store: Store, hostile: Hostile
) -> None:
    code, err, _ = sync_once(db_path, hostile)
    line = one_error_line(code, err)
    assert "Retry-After" in line and "999999" in line, line
    assert "next round" in line, line
    assert len(hostile.requests) == 1, hostile.requests  # asked once, not waited on


# The real clients and engine, with a short deadline --------------------------------


def short_policy() -> RetryPolicy:
    policy = RetryPolicy(attempts=2, base=0.01, cap=0.05, budget=1.0)
    policy.deadline = 2.0  # seconds for one request, connect to the last byte
    return policy


@pytest.mark.parametrize("hostile", ["slow"], indirect=True)
def test_a_body_at_one_byte_a_second_fails_at_the_request_deadline(
    store: Store, hostile: Hostile
) -> None:
    """Each read gets a byte, so no read times out: only a deadline for the whole
    request ends it. The error reaches the round's report (the panel, `convo sync`)."""
    twilio = TwilioClient(hostile.base_url, ACCOUNT, ACCOUNT, TOKEN, policy=short_policy())
    reports: list[Any] = []
    engine = SyncEngine(store, twilio)
    thread = threading.Thread(target=lambda: reports.append(engine.run_once()), daemon=True)
    thread.start()
    thread.join(60)  # a hang detector, not a speed test
    try:
        assert not thread.is_alive(), "the sync round is still reading the slow body"
    finally:
        hostile.stopping.set()
    (report,) = reports
    assert any("messages:" in e and "request deadline" in e for e in report.errors), report.errors
    twilio.close()


@pytest.mark.parametrize("hostile", ["loop"], indirect=True)
def test_klaviyo_next_link_to_itself_is_refused(hostile: Hostile) -> None:
    klaviyo = KlaviyoClient(hostile.base_url, "pk_hostile", policy=short_policy())
    with pytest.raises(ProviderError, match="page already read"):
        for _ in klaviyo.profile_pages():
            assert len(hostile.requests) < 10, "paging forever"
    klaviyo.close()


@pytest.mark.parametrize("hostile", ["retry_after"], indirect=True)
def test_klaviyo_huge_retry_after_fails_at_once_as_retry_later(hostile: Hostile) -> None:
    waits: list[float] = []
    policy = short_policy()
    policy.sleep = waits.append
    klaviyo = KlaviyoClient(hostile.base_url, "pk_hostile", policy=policy)
    with pytest.raises(ProviderError, match="Retry-After") as caught:
        klaviyo.metrics()
    assert caught.value.status == 429  # not a permanent refusal: a later round retries
    assert waits == [] and len(hostile.requests) == 1
    # The provider is not asked again this round; the next round (reset) asks again.
    with pytest.raises(ProviderError):
        klaviyo.metrics()
    assert len(hostile.requests) == 1
    klaviyo.http.reset()
    with pytest.raises(ProviderError):
        klaviyo.metrics()
    assert len(hostile.requests) == 2
    klaviyo.close()


@pytest.mark.parametrize("hostile", ["huge"], indirect=True)
def test_the_size_limit_is_the_policys(hostile: Hostile) -> None:
    policy = short_policy()
    policy.deadline = 30.0
    policy.max_bytes = 2**20
    twilio = TwilioClient(hostile.base_url, ACCOUNT, ACCOUNT, TOKEN, policy=policy)
    with pytest.raises(ProviderError, match=r"size limit \(1 MiB\)"):
        next(iter(twilio.list_pages()))
    assert urlsplit(hostile.requests[0]).path.endswith("/Messages.json")
    twilio.close()
