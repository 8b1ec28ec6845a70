"""Sync health in the terminal UI, against the real sandbox over 127.0.0.1: the status
line says when sync is stalled or failing while it is, and the sync panel (`Y`) shows
the rounds, the streams, the errors in full (never a secret), rate-limit waits and
runs a round on "sync now"."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from convo_tui import clock
from convo_tui.app import ConvoApp
from convo_tui.config import Config, KlaviyoConfig, TwilioConfig
from convo_tui.providers.http import RetryPolicy
from convo_tui.sandbox import Sandbox
from convo_tui.session.desk import Desk
from convo_tui.store.engine import Store
from convo_tui.sync.runner import BackgroundSync

from .cli_helpers import ctrl_c_stops_it
from .sync_helpers import env_for, fast_policy
from .tui_helpers import plain, settle, started

pytestmark = pytest.mark.anyio

WRONG_TOKEN = "wrong-token-0f9e8d7c6b5a"
WRONG_KEY = "pk_wrong_1a2b3c4d5e6f"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(port=0, seed=2026, simulate=False)
    sb.start()
    yield sb
    sb.stop()  # again, when a test stopped it already: harmless


class Silent(str):
    """The base URL of a provider that accepts connections and never answers."""

    accepted: list[socket.socket]


@pytest.fixture
def silent() -> Iterator[Silent]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    done = threading.Event()
    url = Silent(f"http://127.0.0.1:{server.getsockname()[1]}")
    url.accepted = held

    def accept() -> None:
        server.settimeout(0.2)
        while not done.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)  # read nothing, answer nothing

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield url
    done.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


def config_for(sb: Sandbox, *, token: str | None = None, key: str | None = None) -> Config:
    c = sb.credentials
    return Config(
        twilio=TwilioConfig(
            base_url=sb.base_url,
            account_sid=c.account_sid,
            auth_token=token or c.auth_token,
            from_number=c.from_number,
        ),
        klaviyo=KlaviyoConfig(base_url=sb.base_url, api_key=key or c.klaviyo_api_key),
    )


def silent_config(silent: str) -> Config:
    """Twilio only, at a provider that takes connections and never answers."""
    return Config(
        twilio=TwilioConfig(
            base_url=silent, account_sid="AC" + "0" * 32, auth_token="t0ken", from_number="+1415"
        )
    )


def live_app(
    store: Store, config: Config, *, interval: float, policy: RetryPolicy | None = None
) -> tuple[ConvoApp, BackgroundSync]:
    """The inbox with a real background sync, on the wall clock, polling often."""
    app = ConvoApp(Desk(store, "ana", now=clock.utcnow), poll_seconds=0.1)
    sync = BackgroundSync(
        store, config, interval=interval, policy=policy or fast_policy(), on_news=app.poke
    )
    app.sync = sync
    return app, sync


def status_line(app: ConvoApp) -> str:
    lines = plain(app).splitlines()
    return lines[0] if lines else ""


async def shown(pilot: Any, wanted: Callable[[str], bool], read: Callable[[], str]) -> str:
    """What `read` shows once `wanted` holds (or after a generous wait, for the assert)."""
    text = read()
    for _ in range(600):
        if wanted(text):
            return text
        await asyncio.sleep(0.05)
        await pilot.pause()
        text = read()
    return text


def panel_text(app: ConvoApp) -> str:
    return plain(app)


def rounds_of(text: str) -> str:
    """The panel's table of rounds."""
    return text.partition("Last rounds")[2].partition("Streams")[0]


async def test_a_provider_gone_shows_failing_while_the_round_still_retries(store, sandbox) -> None:
    """Sandbox stopped: the first refused connection already says so, long before the
    retries run out (here they never do: the backoff waits until the test ends)."""
    release = threading.Event()
    policy = RetryPolicy(attempts=5, sleep=lambda _s: release.wait(30))
    app, sync = live_app(store, config_for(sandbox), interval=0.3, policy=policy)
    sync.start()
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            line = await shown(pilot, lambda t: "sync idle" in t, lambda: status_line(app))
            assert "sync idle" in line, line
            sandbox.stop()
            line = await shown(pilot, lambda t: "failing" in t, lambda: status_line(app))
            assert "sync failing: " in line and ("cannot connect" in line or "no answer" in line), (
                line
            )
            assert "last ok" in line, line
            assert not release.is_set()  # the round is still in its first backoff
    finally:
        release.set()
        sync.stop()


async def test_a_provider_that_never_answers_shows_stalled(store, silent) -> None:
    app, sync = live_app(store, silent_config(silent), interval=0.3)
    sync.start()
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await started(pilot)
            # The HTTP read timeout (15 s) has not run out: only the stall shows.
            line = await shown(pilot, lambda t: "stalled" in t, lambda: status_line(app))
            assert "sync stalled since " in line, line
    finally:
        sync.stop(timeout=1)


def test_a_round_against_a_provider_that_never_answers_ends(store, silent) -> None:
    """Each provider is tried for one request only (the budget of failed tries cuts
    its retries short), not once for every stream: the round ends with the reason."""
    import httpx

    from convo_tui.providers.klaviyo import KlaviyoClient
    from convo_tui.providers.twilio import TwilioClient
    from convo_tui.sync.engine import SyncEngine

    policy = RetryPolicy(attempts=6, base=0.01, cap=0.05, budget=1.0)
    timeout = httpx.Timeout(0.4, connect=1.0)
    twilio = TwilioClient(silent, "AC" + "0" * 32, "AC" + "0" * 32, "t0ken",
                          from_number="+14155550100", policy=policy, timeout=timeout)  # fmt: skip
    klaviyo = KlaviyoClient(silent, "pk_x", policy=policy, timeout=timeout)
    try:
        report = SyncEngine(store, twilio, klaviyo).run_once()
    finally:
        twilio.close()
        klaviyo.close()
    assert len(silent.accepted) <= 2 * 3, len(silent.accepted)  # 3 tries a provider at most
    assert report.failures["profiles"].startswith("Klaviyo at ")
    assert "no answer (ReadTimeout) after " in report.failures["profiles"]
    assert "after 6 attempts" not in report.failures["profiles"]
    assert "not asked again this round" in report.failures["events"]
    assert "no answer (ReadTimeout)" in report.failures["messages"]


async def test_bad_credentials_say_failing_and_the_panel_has_the_401_not_the_secret(
    store, sandbox
) -> None:
    config = config_for(sandbox, token=WRONG_TOKEN, key=WRONG_KEY)
    app, sync = live_app(store, config, interval=0.3)
    sync.start()
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            line = await shown(pilot, lambda t: "failing" in t, lambda: status_line(app))
            assert "sync failing: " in line and "401" in line, line
            await settle(pilot)
            await pilot.press("Y")
            text = await shown(pilot, lambda t: "Authenticate" in t, lambda: panel_text(app))
            assert "Twilio answered 401 (code 20003): Authenticate" in text, text
            assert "Missing or invalid private key." in text, text
            for secret in (WRONG_TOKEN, WRONG_KEY):
                assert secret not in text
            await pilot.press("escape")
            await settle(pilot)
            assert "Authenticate" not in plain(app).split("\n", 1)[1]  # the panel closed
    finally:
        sync.stop()


async def test_a_429_with_retry_after_shows_as_a_rate_limit_wait(store, sandbox) -> None:
    sandbox.set_faults([{"kind": "429", "count": 1, "retry_after": 1, "path": "Messages.json"}])
    app, sync = live_app(store, config_for(sandbox), interval=3600)
    sync.start()
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            line = await shown(pilot, lambda t: "sync idle" in t, lambda: status_line(app))
            assert "sync idle" in line
            await pilot.press("Y")
            text = await shown(pilot, lambda t: "Retry-After" in t, lambda: panel_text(app))
            assert "Rate-limit waits" in text, text
            assert "Twilio 429 on GET" in text and "Retry-After 1s" in text, text
            assert "waited 1.0s" in text, text
            c = sandbox.credentials
            for secret in (c.auth_token, c.klaviyo_api_key, c.api_key_secret):
                assert secret not in text
    finally:
        sync.stop()


async def test_sync_now_in_the_panel_runs_a_round(store, sandbox) -> None:
    app, sync = live_app(store, config_for(sandbox), interval=3600)
    sync.start()
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            await shown(pilot, lambda t: "sync idle" in t, lambda: status_line(app))
            await app.run_action("command_palette")
            await pilot.press(*"Sync health")
            await settle(pilot)
            await pilot.press("enter")
            text = await shown(pilot, lambda t: "Last rounds" in t, lambda: panel_text(app))
            assert "first round" in rounds_of(text) and "sync now" not in rounds_of(text), text
            assert "twilio.messages" in text and "klaviyo.profiles" in text, text
            sandbox.inject_inbound("+14155550123", "Are you there?")
            await pilot.press("n")
            text = await shown(
                pilot, lambda t: "1 new message" in rounds_of(t), lambda: panel_text(app)
            )
            assert "sync now" in rounds_of(text) and "1 new message" in rounds_of(text), text
    finally:
        sync.stop()


def test_sync_follow_says_failing_with_the_reason_as_the_inbox_does(
    db_path, store, sandbox
) -> None:
    """`convo sync --follow` (a child process) names a failing round's reason in the
    status line's words, then the errors in full, and never the secret."""
    env = {
        **os.environ,
        **env_for(sandbox),
        "CONVO_TWILIO_AUTH_TOKEN": WRONG_TOKEN,
        "CONVO_KLAVIYO_API_KEY": WRONG_KEY,
        "COLUMNS": "120",
    }
    command = ["sync", "--follow", "--interval", "1", "--db", str(db_path)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "convo_tui", *command],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_stops_it,
    )
    try:
        for _ in range(600):  # two rounds' requests at least
            if sandbox.requests >= 8:
                break
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert "sync failing: Klaviyo answered 401: Missing or invalid private key." in out, out
    assert "Twilio answered 401 (code 20003): Authenticate" in out, out
    assert WRONG_TOKEN not in out + err and WRONG_KEY not in out + err


@pytest.fixture
def sandbox_process() -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    """`convo sandbox serve` as a child process, and the variables it prints."""
    serve = subprocess.Popen(
        [sys.executable, "-m", "convo_tui", "sandbox", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert serve.stdout is not None
        exports: dict[str, str] = {}
        while len(exports) < 6:
            line = serve.stdout.readline()
            assert line, "the sandbox ended before it printed its variables"
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").strip().partition("=")
                exports[name] = value.strip("'")
        yield serve, exports
    finally:
        serve.kill()
        serve.wait(timeout=10)


def config_from(env: dict[str, str]) -> Config:
    return Config(
        twilio=TwilioConfig(
            base_url=env["CONVO_TWILIO_BASE_URL"],
            account_sid=env["CONVO_TWILIO_ACCOUNT_SID"],
            auth_token=env["CONVO_TWILIO_AUTH_TOKEN"],
            from_number=env["CONVO_TWILIO_FROM"],
        ),
        klaviyo=KlaviyoConfig(
            base_url=env["CONVO_KLAVIYO_BASE_URL"], api_key=env["CONVO_KLAVIYO_API_KEY"]
        ),
    )


async def test_a_killed_sandbox_process_shows_failing_before_the_first_retry(
    store, sandbox_process
) -> None:
    """The issue's story: the sandbox (a real process) is killed while the inbox syncs
    against it. The status line says failing, with the reason, at the first refused try:
    the round is still in its first backoff, so this is well within one interval."""
    serve, env = sandbox_process
    release = threading.Event()
    policy = RetryPolicy(attempts=5, sleep=lambda _s: release.wait(30))
    app, sync = live_app(store, config_from(env), interval=0.3, policy=policy)
    sync.start()
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            line = await shown(pilot, lambda t: "sync idle" in t, lambda: status_line(app))
            assert "sync idle" in line, line
            serve.kill()
            serve.wait(timeout=10)
            line = await shown(pilot, lambda t: "failing" in t, lambda: status_line(app))
            assert "sync failing: " in line, line
            assert "cannot connect" in line or "no answer" in line, line
            assert "last ok" in line, line
            assert "syncing" not in line, line
            assert not release.is_set()  # the round is still in its first backoff
            await pilot.press("Y")
            text = await shown(pilot, lambda t: "Last errors" in t, lambda: panel_text(app))
            assert "running" in rounds_of(text), text  # the round has not given up yet
    finally:
        release.set()
        sync.stop()


def panel_body(app: ConvoApp) -> str:
    """The panel's lines alone, without its border and the inbox around it."""
    lines = []
    for line in plain(app).splitlines():
        left, right = line.find("│"), line.rfind("│")
        if 0 <= left < right:
            lines.append(line[left + 1 : right].strip())
    return "\n".join(lines)


def section(text: str, title: str) -> list[str]:
    """The lines of one part of the panel (under its title, up to the next)."""
    titles = ("Last rounds", "Streams", "Last errors (in full)", "Rate-limit waits")
    lines, inside = [], False
    for line in text.splitlines():
        if line in titles:
            inside = line == title
        elif inside and line:
            lines.append(line)
    return lines


def stream_row(text: str, name: str) -> str:
    """The panel's line for one stream."""
    return next((line for line in section(text, "Streams") if line.startswith(name)), "")


TIME = r"\d\d:\d\d:\d\d"
DAY = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"


async def test_the_panel_shows_each_streams_cursor_and_last_success(store, sandbox) -> None:

    app, sync = live_app(store, config_for(sandbox), interval=3600)
    sync.start()
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            await shown(pilot, lambda t: "sync idle" in t, lambda: status_line(app))
            await pilot.press("Y")
            # "sync idle" can show before the first round starts: wait for its cursors.
            text = await shown(
                pilot,
                lambda t: bool(
                    re.match(rf"twilio.messages\s+{DAY}", stream_row(t, "twilio.messages"))
                ),
                lambda: panel_body(app),
            )
            for name in ("twilio.messages", "klaviyo.profiles", "klaviyo.events"):
                row = stream_row(text, name)
                # stream, cursor (a day and time), cursor moved, last ok, no error
                assert re.fullmatch(rf"{name}\s+{DAY}\s+{TIME}\s+{TIME}\s+—", row), text
            for name in ("deliveries", "outbox"):
                row = stream_row(text, name)
                assert re.fullmatch(rf"{name}\s+—\s+—\s+{TIME}\s+—", row), row
    finally:
        sync.stop()


async def test_repeated_errors_are_listed_once_with_a_count_and_streams_say_why(
    store, sandbox
) -> None:
    """Bad credentials every round: the errors stay one line each (×N), not twenty
    copies of two alternating errors; each stream has no success and its short reason."""
    config = config_for(sandbox, token=WRONG_TOKEN, key=WRONG_KEY)
    app, sync = live_app(store, config, interval=0.2)
    sync.start()
    try:
        async with app.run_test(size=(160, 60)) as pilot:
            await shown(pilot, lambda t: "failing" in t, lambda: status_line(app))
            await settle(pilot)
            await pilot.press("Y")
            text = await shown(
                pilot,
                lambda t: any(r.startswith("3 ") for r in section(t, "Last rounds")),
                lambda: panel_body(app),
            )
            errors = section(text, "Last errors (in full)")
            # One line for each step's error (profiles, events, messages), each counted.
            assert len(errors) == 3, text
            assert all(re.match(rf"{TIME} \(×\d+ since {TIME}\)  ", e) for e in errors), text
            assert sum("Missing or invalid private key." in e for e in errors) == 2, text
            assert sum("Authenticate" in e for e in errors) == 1, text
            row = stream_row(text, "klaviyo.profiles")
            assert row.startswith("klaviyo.profiles"), text
            assert "Klaviyo answered 401: Missing or invalid private key." in row, row
            # The short reason: the advice and the code are in the full error below.
            assert "check the credentials" not in row, row
            assert "code 20003" not in stream_row(text, "twilio.messages"), text
            assert re.search(r"klaviyo\.profiles\s+—\s+—\s+—\s+Klaviyo", row), row
    finally:
        sync.stop()


async def test_the_panel_names_the_step_a_stalled_round_waits_in(store, silent) -> None:
    app, sync = live_app(store, silent_config(silent), interval=0.3)
    sync.start()
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await started(pilot)
            await shown(pilot, lambda t: "stalled" in t, lambda: status_line(app))
            await pilot.press("Y")
            text = await shown(pilot, lambda t: "running (" in t, lambda: panel_text(app))
            assert "running (messages)" in rounds_of(text), text
    finally:
        sync.stop(timeout=1)
