"""The team on PostgreSQL (issue 17): the same assignment, notes, hold and presence as on
SQLite, through the same Desk; and another agent's action on screen at once, told by the
database (LISTEN/NOTIFY) rather than found by the next poll."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from convo_tui import clock
from convo_tui.core import demo
from convo_tui.core.rows import UNASSIGNED, Held, InboxFilter
from convo_tui.session.desk import Desk
from convo_tui.store.engine import Store
from convo_tui.store.open import open_store

from . import postgres_server
from .conftest import NOW
from .tui_helpers import KENJI, MARIA, conversation_of, make_app, plain, settle, started


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    postgres_server.require_programs()
    with postgres_server.server() as url:
        yield url


@pytest.fixture
def pg_demo(postgres: str) -> Iterator[Store]:
    store = open_store(postgres_server.new_database(postgres))
    demo.load(store, now=NOW)
    yield store
    store.close()


def test_assignment_notes_and_the_hold_on_postgresql(pg_demo: Store) -> None:
    ana, ben = Desk(pg_demo, "ana", now=lambda: NOW), Desk(pg_demo, "ben", now=lambda: NOW)
    maria = conversation_of(pg_demo, MARIA)
    cid, pid = int(maria.id or 0), maria.profile_id
    every = ana.view_counts(InboxFilter())[2]
    change, words = ana.assign(cid, "ben")
    assert words == "assigned to ben"
    assert ben.view_counts(InboxFilter()) == (1, every - 1, every)
    assert ana.inbox_window(InboxFilter(assignee=UNASSIGNED), limit=100)
    ana.undo(change)
    assert ben.view_counts(InboxFilter()) == (0, every, every)
    seen = ana.conversation(cid).messages[-1].id
    added = ben.add_note(pid, "@ana he wants a refund")
    assert added.mentioned == ("ana",)
    assert [n.words for n in ana.notices(0)][-1].startswith("Ben mentioned you on Maria")
    with pytest.raises(Held, match="ben added a note"):
        ana.send(pid, "Hello Maria", [], seen_id=seen)
    ana.announce("ana-1", cid, True)
    assert [(p.login, p.conversation_id, p.typing) for p in ben.others_present()] == [
        ("ana", cid, True)
    ]


def test_the_database_tells_a_running_inbox_of_a_change(pg_demo: Store) -> None:
    woken = threading.Event()
    watcher = Desk(pg_demo, "ana", now=lambda: NOW)
    stop = watcher.watch_changes(woken.set)
    assert stop is not None
    try:
        time.sleep(0.5)  # listening
        woken.clear()
        Desk(pg_demo, "ben", now=lambda: NOW).add_note(
            conversation_of(pg_demo, KENJI).profile_id, "told by the database"
        )
        assert woken.wait(10)
    finally:
        stop()


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_another_agent_s_note_shows_without_a_poll(pg_demo: Store, anyio_backend) -> None:
    """The app's poll is an hour here (make_app): only the notification can show it."""
    app = make_app(pg_demo)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        assert screen.view is not None
        pid = screen.view.profile_id
        await asyncio.sleep(0.5)  # the listening thread is up
        Desk(pg_demo, "ben", now=lambda: NOW).add_note(pid, "seen at once, no poll")
        deadline = clock.utcnow().timestamp() + 10
        while "seen at once, no poll" not in plain(app):
            assert clock.utcnow().timestamp() < deadline, plain(app)
            await asyncio.sleep(0.1)
            await settle(pilot)
