"""Team mode: one PostgreSQL database behind every agent. The same demo data, loaded
into a real PostgreSQL server and into SQLite, must read the same through the
Desk (the one implementation the TUI and the CLI use), and the same actions must
leave both in the same state. The server is started by `tests/postgres_server.py`."""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event, text

from convo_tui.core import demo, links
from convo_tui.core.rows import InboxFilter
from convo_tui.errors import Refused
from convo_tui.sandbox import Sandbox
from convo_tui.session.desk import Desk
from convo_tui.store import dialect
from convo_tui.store.engine import Store, sqlite_url
from convo_tui.store.kinds import Status
from convo_tui.store.open import open_store
from convo_tui.sync.lock import SyncBusy, SyncLock

from . import postgres_server
from .conftest import NOW
from .sync_helpers import engine_for

FILTERS = {
    "open": InboxFilter(),
    "open, unread": InboxFilter(unread=True),
    "open, read": InboxFilter(unread=False),
    "all": InboxFilter(status=None),
    "all, unread": InboxFilter(status=None, unread=True),
    "closed": InboxFilter(status=Status.CLOSED),
    "snoozed": InboxFilter(status=Status.SNOOZED),
}
SHORT_LINK = re.compile(r"(https://cnvo\.link/)\w+")
SEARCHES = [
    "boots",
    "black friday",
    "deliv",
    "order",
    "+1 801-555-0193",
    "size",
    '"true to size"',
    '"size true"',
    '"black friday early"',
    # Customers: by name, number in any form, a tail of it, email.
    "Watanabe",
    "kenji",
    "Kenji Wat",
    "4155550123",
    "+14155550123",
    "(415) 555-0123",
    "0123",
    "maria",
    "ja",
    "ma",
    "maria.silva@example.com",
    "Lucas Pereira",
]


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    postgres_server.require_programs()
    with postgres_server.server() as url:
        yield url


@pytest.fixture
def pg_store(postgres: str) -> Iterator[Store]:
    store = open_store(postgres_server.new_database(postgres))
    yield store
    store.close()


def _plain(value: Any) -> Any:
    """`value` without its ids (the two stores number rows their own way) and short-link
    codes (drawn at random)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    elif isinstance(value, tuple) and hasattr(value, "_asdict"):  # a NamedTuple
        fields = value._asdict()
    elif isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    elif isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    elif isinstance(value, str):
        return SHORT_LINK.sub(r"\1<code>", value)  # short-link codes are random
    else:
        return value
    return {
        key: _plain(item)
        for key, item in fields.items()
        if key != "id" and not key.endswith("_id") and key not in ("loaded_at", "provider_sid")
    }


def _desks(sqlite: Store, pg: Store) -> tuple[Desk, Desk]:
    demo.load(pg, now=NOW)
    return Desk(sqlite, "ana", now=lambda: NOW), Desk(pg, "ana", now=lambda: NOW)


def _inbox(desk: Desk, flt: InboxFilter) -> list[Any]:
    """Every row of a filter, read in pages of 7 the way the list reads them."""
    rows: list[Any] = []
    while True:
        after = (rows[-1].last_message_at, rows[-1].conversation_id) if rows else None
        page = desk.inbox_window(flt, limit=7, after=after)
        rows.extend(page)
        if len(page) < 7:
            return rows


def _by_phone(desk: Desk) -> dict[str, int]:
    return {row.phone: row.conversation_id for row in _inbox(desk, InboxFilter(status=None))}


def _same_link_codes(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    """Load the demo into `store` drawing short-link codes from a fixed sequence: the codes
    are words to the search index, and random ones made a two-letter prefix ("ma") match
    a link in one store and not in the other."""
    draw = random.Random(2026)
    monkeypatch.setattr(links, "secrets", SimpleNamespace(choice=draw.choice))
    demo.load(store, now=NOW)


def test_the_demo_reads_the_same_on_postgresql(
    tmp_path: Path, pg_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    lite_store = open_store(sqlite_url(tmp_path / "demo.sqlite3"))
    for store in (lite_store, pg_store):
        _same_link_codes(monkeypatch, store)
    lite, pg = Desk(lite_store, "ana", now=lambda: NOW), Desk(pg_store, "ana", now=lambda: NOW)
    assert lite.identify() == pg.identify()
    sources = {s.name: s.id for s in pg.sources()}
    filters = dict(FILTERS)
    for source in lite.sources():
        filters[f"attributed to {source.name}"] = InboxFilter(
            status=None, attributed_source_id=source.id
        )
    for name, flt in filters.items():
        pg_flt = flt
        if flt.attributed_source_id is not None:
            source_name = name.removeprefix("attributed to ")
            pg_flt = dataclasses.replace(flt, attributed_source_id=sources[source_name])
        expected = _inbox(lite, flt)
        got = _inbox(pg, pg_flt)
        assert lite.counts(flt) == pg.counts(pg_flt), name
        assert len(got) == lite.counts(flt)[0], name  # the pages add up to the count
        # Newest first in both; rows at the same minute may come in either store's id order.
        assert [r.last_message_at for r in got] == [r.last_message_at for r in expected], name
        key = sorted(map(repr, _plain(expected)))
        assert sorted(map(repr, _plain(got))) == key, name
    assert len(_by_phone(lite)) > 40  # the whole demo, compared conversation by conversation
    pg_ids = _by_phone(pg)
    for phone, lite_id in _by_phone(lite).items():
        for limit in (None, 3):
            want_view = lite.conversation(lite_id, limit=limit, mark_read=False, side=True)
            got_view = pg.conversation(pg_ids[phone], limit=limit, mark_read=False, side=True)
            assert _plain(got_view) == _plain(want_view), phone
    for words in SEARCHES:
        assert _plain(pg.search(words)) == _plain(lite.search(words)), words
    assert pg.settings() == lite.settings()
    assert pg.coupon_codes() == lite.coupon_codes()
    lite_store.close()


def test_customer_search_on_postgresql_finds_and_uses_its_indexes(pg_store: Store) -> None:
    demo.load(pg_store, now=NOW)
    pg = Desk(pg_store, "ana", now=lambda: NOW)
    for query in ("Watanabe", "kenji", "kenji.watanabe@example.com", "+81 90-1234-5678"):
        assert [hit.name for hit in pg.search(query).customers] == ["Kenji Watanabe"], query
    for query in ("4155550123", "+14155550123", "415-555-0123", "415 555 0123"):
        assert [hit.name for hit in pg.search(query).customers][:1] == ["Maria Silva"], query
    assert [hit.name for hit in pg.search("0123").customers] == ["Maria Silva", "Mateo Rodriguez"]
    with pg_store.read() as session:
        conn = session.connection()
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table: force the choice
        seen: list[str] = []

        def capture(_c: Any, _cur: Any, sql: str, params: Any, *_: Any) -> None:
            seen.append(sql)

        event.listen(conn, "before_cursor_execute", capture)
        dialect.profile_search_ids(conn, "kenji wat", limit=5)
        dialect.phone_tail_ids(conn, "0123", limit=5)
        event.remove(conn, "before_cursor_execute", capture)
        indexes = (dialect.PROFILE_SEARCH_INDEX_PG, dialect.PHONE_TAIL_INDEX)
        for sql, index in zip(seen, indexes, strict=True):
            plan = conn.exec_driver_sql(
                "EXPLAIN " + sql, {"q": "kenji & wat:*", "p": "3210%", "n": 5}
            ).all()
            words = " ".join(str(row[0]) for row in plan)
            assert "Seq Scan" not in words and index in words, (sql, words)


def test_actions_leave_postgresql_as_they_leave_sqlite(demo_store: Store, pg_store: Store) -> None:
    lite, pg = _desks(demo_store, pg_store)
    lite_ids, pg_ids = _by_phone(lite), _by_phone(pg)
    phones = sorted(lite_ids)
    for desk, ids in ((lite, lite_ids), (pg, pg_ids)):
        desk.close(ids[phones[0]])
        desk.snooze(ids[phones[1]], NOW + timedelta(hours=3))
        desk.set_unread(ids[phones[2]], True)
        desk.conversation(ids[phones[3]], mark_read=True)
        view = desk.conversation(ids[phones[4]], mark_read=False)
        desk.block(view.profile_id)
        desk.set_setting("quiet_hours.start", "21:00")
    for flt in FILTERS.values():
        assert _plain(_inbox(pg, flt)) == _plain(_inbox(lite, flt)) or sorted(
            map(repr, _plain(_inbox(pg, flt)))
        ) == sorted(map(repr, _plain(_inbox(lite, flt))))
        assert pg.counts(flt) == lite.counts(flt)
    # A reply is queued the same way, or refused for the same reason.
    for phone in phones[5:15]:
        outcomes: list[tuple[object, ...]] = []
        for desk, ids in ((lite, lite_ids), (pg, pg_ids)):
            view = desk.conversation(ids[phone], mark_read=False)
            try:
                sent = desk.send(view.profile_id, "Thanks, we're on it.", [])
                outcomes.append(("queued", sent.send_at, sent.zone))
            except Refused as refused:
                outcomes.append(("refused", str(refused)))
        assert outcomes[0] == outcomes[1], phone
    with demo_store.read() as lite_session, pg_store.read() as pg_session:
        query = text("SELECT count(*) FROM outbox_item")
        assert pg_session.execute(query).scalar() == lite_session.execute(query).scalar()


def test_reopening_a_postgresql_store_keeps_it_at_the_current_revision(
    postgres: str,
) -> None:
    url = postgres_server.new_database(postgres)
    first = open_store(url)
    demo.load(first, now=NOW)
    with first.read() as session:
        revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    counts = Desk(first, "ana", now=lambda: NOW).counts(InboxFilter(status=None))
    first.close()
    again = open_store(url)  # an up-to-date store opens as it is, its data kept
    try:
        with again.read() as session:
            assert session.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
                revision
            )
        assert Desk(again, "ana", now=lambda: NOW).counts(InboxFilter(status=None)) == counts
        assert counts[0] > 40
    finally:
        again.close()


def test_a_sync_from_the_sandbox_stores_the_same_on_postgresql(
    store: Store, pg_store: Store
) -> None:
    """The sync's batch ingest (bulk inserts with RETURNING, conflict rules) on both,
    each from a sandbox of its own with the same seed (a sync writes back to it)."""
    reports = []
    for target in (store, pg_store):
        sandbox = Sandbox(port=0, seed=2026, simulate=False).start()
        try:
            with engine_for(target, sandbox) as engine:
                first = engine.run_once()
            sandbox.inject_inbound("+14155550123", "Any news on my boots?")
            with engine_for(target, sandbox) as engine:
                reports.append((first, engine.run_once()))
        finally:
            sandbox.stop()
    (lite_first, lite_then), (pg_first, pg_then) = reports
    assert lite_first.errors == pg_first.errors == []
    assert (pg_first.messages, pg_first.profiles, pg_first.events, pg_first.orders) == (
        lite_first.messages,
        lite_first.profiles,
        lite_first.events,
        lite_first.orders,
    )
    assert pg_first.messages > 100
    assert lite_then.messages == pg_then.messages == 1
    tables = ["message", "profile", "conversation", "activity_event", "shop_order", "outbox_item"]
    with store.read() as lite, pg_store.read() as pg:
        for table in tables:
            query = text(f"SELECT count(*) FROM {table}")
            assert pg.execute(query).scalar() == lite.execute(query).scalar(), table
    lite_desk = Desk(store, "ana", now=lambda: NOW)
    pg_desk = Desk(pg_store, "ana", now=lambda: NOW)

    def undated(desk: Desk, flt: InboxFilter) -> list[str]:
        # Each sandbox dates its texts from when it started: compare all but the times.
        rows = _plain(_inbox(desk, flt))
        return sorted(
            repr({k: v for k, v in row.items() if not k.endswith(("_at", "_since", "_until"))})
            for row in rows
        )

    for flt in FILTERS.values():
        assert pg_desk.counts(flt) == lite_desk.counts(flt)
        assert undated(pg_desk, flt) == undated(lite_desk, flt)


def test_one_sync_at_a_time_on_postgresql(postgres: str) -> None:
    url = postgres_server.new_database(postgres)
    first, second = open_store(url), open_store(url)
    try:
        with SyncLock(first), pytest.raises(SyncBusy):
            SyncLock(second).__enter__()
        with SyncLock(second):  # released by the first's exit
            pass
        holder = SyncLock(first).__enter__()
        assert holder._conn is not None
        holder._conn.invalidate()  # its session ends without a word, as a killed sync's would
        holder._conn = None
        with SyncLock(second):  # the server released the lock with the session
            pass
    finally:
        first.close()
        second.close()
