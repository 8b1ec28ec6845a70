"""Opening the inbox fast: the first page read with sqlite3 alone is the store's own first
page, the quick path steps aside whenever the normal start must decide, and the app paints
that page before the store has loaded, then works as usual once it has."""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlmodel import select

from convo_bench.ptyrun import PtyProgram
from convo_tui.app import ConvoApp
from convo_tui.core import first_page, queries
from convo_tui.core.rows import InboxFilter
from convo_tui.launch import inbox_options
from convo_tui.opening import PendingDesk
from convo_tui.session.desk import Desk
from convo_tui.store.engine import Store
from convo_tui.store.models import Agent, Setting
from convo_tui.widgets.inbox_list import PAGE

from .conftest import NOW
from .tui_helpers import plain, settle, started

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _path(store: Store) -> Path:
    return Path(store.engine.url.database or "")


def test_the_quick_first_page_is_the_stores_first_page(demo_store: Store) -> None:
    first = first_page.first_page(_path(demo_store), "ana", limit=PAGE)
    assert first is not None
    with demo_store.read() as session:
        rows = queries.inbox_window(session, InboxFilter(), limit=PAGE)
        total = queries.inbox_count(session, InboxFilter())
        unread = queries.unread_count(session)
    assert first.rows == rows and first.total == total and first.unread == unread
    assert first.rows and all(r.last_message_at.utcoffset() is not None for r in first.rows)
    assert (first.login, first.role, first.show_unread) == ("ana", "owner", True)


def test_the_quick_path_steps_aside_when_the_normal_start_must_decide(
    demo_store: Store, tmp_path: Path
) -> None:
    path = _path(demo_store)
    assert first_page.first_page(tmp_path / "none.sqlite3", "ana", limit=10) is None
    assert first_page.first_page(path, "nobody", limit=10) is None  # unknown agent
    with demo_store.write() as session:
        session.add(Agent(login="vic", name="Vic", role="viewer", created_at=NOW))
        session.add(Agent(login="gone", name="Gone", role="support", created_at=NOW, active=False))
        indicator = session.get(Setting, "notifications.unread_indicator")
        if indicator is None:
            session.add(Setting(key="notifications.unread_indicator", value=False, updated_at=NOW))
        else:
            indicator.value = False
    assert first_page.first_page(path, "vic", limit=10) is None  # no inbox role
    assert first_page.first_page(path, "gone", limit=10) is None  # removed
    shown = first_page.first_page(path, "ana", limit=10)
    assert shown is not None and shown.show_unread is False
    with demo_store.write() as session:
        session.connection().exec_driver_sql("UPDATE alembic_version SET version_num = '0005'")
    assert first_page.first_page(path, "ana", limit=10) is None  # an upgrade is due


def test_only_the_inbox_itself_takes_the_quick_path() -> None:
    assert inbox_options([]) == (None, None)
    assert inbox_options(["--db", "x.db", "--agent=ana"]) == (Path("x.db"), "ana")
    assert inbox_options(["--db=x.db"]) == (Path("x.db"), None)
    for argv in (["list"], ["--db"], ["--db", "--agent", "a"], ["--help"], ["--agent="], ["demo"]):
        assert inbox_options(argv) is None, argv


async def test_the_first_page_paints_before_the_store_loads(demo_store: Store) -> None:
    first = first_page.first_page(_path(demo_store), "ana", limit=PAGE)
    assert first is not None
    pending = PendingDesk(now=lambda: NOW)
    release = threading.Event()
    opened = threading.Event()

    def load() -> None:
        opened.set()
        release.wait(30)
        pending.resolve(Desk(demo_store, "ana"))

    app = ConvoApp(
        pending,  # type: ignore[arg-type]
        poll_seconds=3600.0,
        opening=first,
        on_opened=lambda: threading.Thread(target=load, daemon=True).start(),
    )
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(200):
            await pilot.pause()
            if opened.is_set():
                break
        assert opened.is_set() and not pending.loaded
        screen = app.inbox
        assert screen is not None and screen.inbox.total == first.total
        name = first.rows[0].first_name or first.rows[0].phone
        assert name in plain(app) and f"{first.total} conversations" in plain(app)
        await pilot.press("j")  # moving works before the store is there
        await pilot.pause()
        assert screen.inbox.cursor == 1 and screen.view is None
        release.set()
        await started(pilot)
        await settle(pilot)
        assert screen.view is not None
        assert screen.view.conversation_id == first.rows[1].conversation_id
        await pilot.press("enter")
        await settle(pilot)
        with demo_store.read() as session:
            row = first.rows[1]
            assert not session.exec(
                select(queries.Conversation.unread).where(
                    queries.Conversation.id == row.conversation_id
                )
            ).one()


async def test_closing_before_the_store_loads_releases_the_waiting_workers(
    demo_store: Store,
) -> None:
    first = first_page.first_page(_path(demo_store), "ana", limit=PAGE)
    pending = PendingDesk(now=lambda: NOW)
    app = ConvoApp(pending, poll_seconds=3600.0, opening=first)  # type: ignore[arg-type]
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("q")
    assert pending._ready.is_set() and not pending.loaded


def test_convo_on_a_terminal_opens_the_store_and_quits(demo_store: Store, tmp_path: Path) -> None:
    """The real command on a real pty: rows first, then the store loads; `q` exits 0."""
    path = tmp_path / "copy.sqlite3"
    demo_store.close()
    shutil.copy(_path(demo_store), path)
    first = first_page.first_page(path, "ana", limit=PAGE)
    assert first is not None
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TEXTUAL")}
    env.update(TERM="xterm-256color", LANG="C.UTF-8")
    argv = [sys.executable, "-m", "convo_tui", "--db", str(path), "--agent", "ana"]
    program = PtyProgram(argv, env, rows=30, cols=110).start()
    try:
        name = first.rows[0].first_name or first.rows[0].phone
        assert program.wait_for(name, timeout=60) is not None
        assert program.wait_for("Ana Souza (owner)", timeout=60) is not None
        program.drain(quiet=1.0, limit=10)  # the store loads behind the first page
        program.send(b"q")
        deadline = time.monotonic() + 30
        assert program.process is not None
        while program.process.poll() is None and time.monotonic() < deadline:
            program.read(0.1)
        assert program.process.returncode == 0
    finally:
        program.stop()
