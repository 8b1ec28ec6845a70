"""A store that goes away and comes back: a PostgreSQL server stopped and started again
mid-test (tests/postgres_server.py), and a SQLite store whose disk is full.

The command line (child processes) says so in one line, never a traceback nor the URL's
password; `doctor` fails its store check; `sync --follow` and the inbox (Pilot) retry
and recover by themselves, the inbox keeping what it shows meanwhile. A full SQLite store
is SQLite's own SQLITE_FULL ("database or disk is full"): `PRAGMA max_page_count` set to
the file's size on the connections of the process under test (no small filesystem needed).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import func, select

from convo_tui.app import ConvoApp
from convo_tui.core import demo
from convo_tui.sandbox import Sandbox
from convo_tui.session.desk import Desk
from convo_tui.store.engine import Store
from convo_tui.store.kinds import Status
from convo_tui.store.models import Message, OutboxItem
from convo_tui.store.open import open_store

from . import postgres_server
from .cli_helpers import Result, ctrl_c_stops_it
from .conftest import NOW
from .sync_helpers import env_for
from .tui_helpers import (
    DANA,
    KENJI,
    MARIA,
    conversation_of,
    customer_texts,
    make_app,
    notifications,
    open_conversation,
    plain,
    settle,
    started,
)

PASSWORD = "s3cret-pw"


@pytest.fixture(scope="module")
def cluster() -> Iterator[postgres_server.Cluster]:
    postgres_server.require_programs()
    with postgres_server.cluster() as found:
        yield found


@pytest.fixture
def pg_url(cluster: postgres_server.Cluster) -> Iterator[str]:
    """A fresh convo store on the server; the server runs again after the test."""
    url = postgres_server.new_database(cluster.url)
    opened = open_store(url)
    demo.load(opened, now=NOW)
    opened.close()
    try:
        yield url
    finally:
        if not (cluster.data / "postmaster.pid").exists():
            cluster.start()


def with_password(url: str) -> str:
    """The server trusts every login: a password in the URL is ignored, and must never show."""
    return url.replace("convo@", f"convo:{PASSWORD}@")


def convo(*args: str, env: dict[str, str], timeout: float = 90) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "convo_tui", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def wait_for(what: Callable[[], bool], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if what():
            return True
        time.sleep(0.1)
    return what()


# -- PostgreSQL down: the command line ---------------------------------------------------


def test_the_command_line_says_the_database_is_unreachable_in_one_line(
    cluster: postgres_server.Cluster, pg_url: str
) -> None:
    env = {"CONVO_DATABASE_URL": with_password(pg_url), "CONVO_AGENT": "ana"}
    cluster.stop()
    where = f"the database at 127.0.0.1:{cluster.port} is unreachable"
    for args in (["inbox"], ["reply", MARIA, "Your boots shipped today"]):
        result = convo(*args, env=env)
        result.assert_one_line_error(where)
        assert PASSWORD not in result.out + result.err
    doctor = convo("doctor", "--only", "store", env=env)
    doctor.assert_one_line_error("store: " + where)
    assert "✗ store: " + where in doctor.out, doctor.out
    assert PASSWORD not in doctor.out + doctor.err
    cluster.start()
    assert convo("inbox", env=env).code == 0  # back by itself: nothing to repair


# -- PostgreSQL down: sync --follow -------------------------------------------------------


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(port=0, seed=2026, simulate=False).start()
    yield sb
    sb.stop()


def test_sync_follow_retries_through_a_database_outage_and_recovers(
    cluster: postgres_server.Cluster, pg_url: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    out = tmp_path / "follow.out"
    env = {
        **os.environ,
        **env_for(sandbox),
        "CONVO_DATABASE_URL": with_password(pg_url),
        "PYTHONUNBUFFERED": "1",
        "COLUMNS": "160",
    }
    with out.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "convo_tui", "sync", "--follow", "--interval", "1"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
            text=True,
            preexec_fn=ctrl_c_stops_it,
        )
    store = open_store(pg_url, migrate=False)
    try:
        assert wait_for(lambda: " #2: " in out.read_text()), out.read_text()
        cluster.stop()
        assert wait_for(lambda: "unreachable" in out.read_text()), out.read_text()
        time.sleep(1.5)  # a few retries while the server is down
        assert proc.poll() is None, out.read_text()  # still running
        cluster.start()
        sandbox.inject_inbound(MARIA, "Are you there after the blip?")

        def stored() -> bool:
            try:
                with store.read() as session:
                    found = select(Message).where(Message.body == "Are you there after the blip?")
                    return session.exec(found).first() is not None
            except Exception:
                return False

        assert wait_for(stored, 90), out.read_text()
    finally:
        store.close()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    text = out.read_text()
    assert "Traceback" not in text, text
    assert PASSWORD not in text
    assert f"the database at 127.0.0.1:{cluster.port} is unreachable" in text, text


# -- PostgreSQL down: the inbox -----------------------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def status_line(app: ConvoApp) -> str:
    lines = plain(app).splitlines()
    return lines[0] if lines else ""


async def shown(pilot: Any, wanted: Callable[[], bool], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if wanted():
            return True
        await asyncio.sleep(0.05)
        await pilot.pause()
    return wanted()


@pytest.mark.anyio
async def test_the_inbox_keeps_its_rows_and_recovers_by_itself_after_an_outage(
    cluster: postgres_server.Cluster, pg_url: str
) -> None:
    store = open_store(pg_url, migrate=False)
    other = open_store(pg_url, migrate=False)  # another agent's process, writing later
    # Polling every 0.1 s, so its retries back off from 0.1 s to a few seconds.
    app = ConvoApp(Desk(store, "ana", now=lambda: NOW), poll_seconds=0.1)
    try:
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await started(pilot)
            assert "Maria Silva" in plain(app)
            cluster.stop("fast")  # the server shuts down: every connection is cut
            assert await shown(pilot, lambda: "store unreachable, retrying" in status_line(app)), (
                status_line(app),
                notifications(app),
            )
            assert "Maria Silva" in plain(app)  # what it showed stays
            await asyncio.sleep(1.0)  # a few retries, each failing
            await pilot.pause()
            assert "store unreachable, retrying" in status_line(app)
            cluster.start()
            customer_texts(other, KENJI, "Back online? My order?", "SMoutage0001")
            assert await shown(pilot, lambda: "Back online? My order?" in plain(app)), (
                status_line(app),
                notifications(app),
            )
            assert "unreachable" not in status_line(app)
            # And actions work again: closing a conversation.
            await settle(pilot)
            await open_conversation(pilot, MARIA)
            await pilot.press("c")
            await settle(pilot)
            assert await shown(
                pilot, lambda: conversation_of(other, MARIA).status == Status.CLOSED.value
            ), notifications(app)
            said = notifications(app)
            assert not [n for n in said if "SQL" in n or "psycopg" in n or "went wrong" in n], said
    finally:
        store.close()
        other.close()


# -- SQLite on a full disk -----------------------------------------------------------------

FULL = r"""
import sys
from sqlalchemy import event
from sqlalchemy.engine import Engine

@event.listens_for(Engine, "connect")
def _full(dbapi, _record):
    # The file may not grow by one page: SQLite answers SQLITE_FULL, "database or disk
    # is full", as on a full disk.
    pages = dbapi.execute("PRAGMA page_count").fetchone()[0]
    dbapi.execute(f"PRAGMA max_page_count = {pages}")

from convo_tui.cli import main
main(sys.argv[1:])
"""


def compacted(db_path: Path) -> None:
    """No free page left in the file: the next write that needs one fails."""
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("VACUUM")
    conn.close()


def counts(db_path: Path) -> tuple[int, int, str]:
    conn = sqlite3.connect(db_path)
    try:
        messages = conn.execute("SELECT count(*) FROM message").fetchone()[0]
        outbox = conn.execute("SELECT count(*) FROM outbox_item").fetchone()[0]
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        return int(messages), int(outbox), str(integrity)
    finally:
        conn.close()


def test_a_reply_on_a_full_sqlite_store_is_one_line_and_loses_nothing(
    demo_store: Store, tmp_path: Path
) -> None:
    db_path = Path(str(demo_store.engine.url.database))
    demo_store.close()
    compacted(db_path)
    before = counts(db_path)
    argv = [
        "reply",
        MARIA,
        "Your boots shipped today",
        "--db",
        str(db_path),
        "--agent",
        "ana",
        "--anyway",
    ]
    proc = subprocess.run(
        [sys.executable, "-c", FULL, *argv],
        capture_output=True,
        text=True,
        timeout=90,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    # --anyway: whether it is night for Maria depends on when the suite runs; its
    # warning line is not the error under test.
    err = "".join(line for line in proc.stderr.splitlines(True) if not line.startswith("warning:"))
    result = Result(proc.returncode, proc.stdout, err)
    result.assert_one_line_error("is full", "database or disk is full", "free disk space")
    assert "INSERT" not in result.err and "Your boots" not in result.err
    assert counts(db_path) == before  # nothing half-written, nothing lost
    assert before[2] == "ok"
    again = convo(*argv, env={})  # space again: the same reply goes
    assert again.code == 0, again.err
    assert counts(db_path)[1] == before[1] + 1


def fill_up(store: Store) -> Callable[[], None]:
    """From now on the store's file may not grow (SQLITE_FULL); returns the undo."""

    def _full(dbapi_connection: Any, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(store.engine, "connect", _full)
    store.engine.dispose()

    def undo() -> None:
        event.remove(store.engine, "connect", _full)
        store.engine.dispose()

    return undo


def outbox_size(store: Store) -> int:
    with store.read() as session:
        return int(session.exec(select(func.count()).select_from(OutboxItem)).one())


@pytest.mark.anyio
async def test_a_reply_typed_on_a_full_store_stays_in_the_box_until_it_can_go(
    demo_store: Store,
) -> None:
    db_path = Path(str(demo_store.engine.url.database))
    demo_store.engine.dispose()
    compacted(db_path)
    queued = outbox_size(demo_store)
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, DANA)  # Chicago, 09:00 there: no quiet hours
        undo = fill_up(app.desk.store)
        await pilot.press("r", *"Your order ships today", "enter")
        await settle(pilot)
        said = [n for n in notifications(app) if "full" in n]
        assert said, notifications(app)
        assert all("\n" not in n and "INSERT" not in n for n in notifications(app))
        assert "free disk space" in said[-1] and "went wrong" not in said[-1], said
        assert screen is not None
        assert screen.composer.body.text == "Your order ships today"  # not lost
        assert outbox_size(demo_store) == queued
        undo()  # space again
        screen.composer.body.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert outbox_size(demo_store) == queued + 1, notifications(app)
        assert screen.composer.body.text == ""
