"""Inbox pages reached every way (top, below, above, last, jump) agree with one ordered
read of the whole filter, for every filter shape; and datetimes come back aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from convo_bench import figures
from convo_bench.generate import generate
from convo_tui.core import queries
from convo_tui.core.rows import InboxFilter, InboxRow
from convo_tui.store.engine import sqlite_url
from convo_tui.store.open import open_store

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path: Path = tmp_path_factory.mktemp("window") / "window.sqlite3"
    generate(path, conversations=260, messages=900, seed=11, now=NOW)
    opened = open_store(sqlite_url(path), migrate=False)
    yield opened
    opened.close()


def _everything(store: Any, flt: InboxFilter) -> list[InboxRow]:
    with store.read() as session:
        rows = queries.fetch(session, queries.inbox_query(flt, limit=10_000))
    return [InboxRow(*row) for row in rows]


def _filters(store: Any) -> dict[str, InboxFilter]:
    found = figures._filters(store)
    assert "attributed" in found, "the generated store should have an attributed source"
    return found


def test_every_way_to_a_page_agrees_with_one_ordered_read(store: Any) -> None:
    for name, flt in _filters(store).items():
        whole = _everything(store, flt)
        assert whole, name
        with store.read() as session:
            down: list[InboxRow] = queries.inbox_window(session, flt, limit=7)
            while len(down) < len(whole):
                page = queries.inbox_window(session, flt, limit=7, after=down[-1].cursor)
                assert page, name
                down.extend(page)
            assert down == whole, name

            up = queries.inbox_window(session, flt, limit=7, last=7)
            assert up == whole[-7:], name
            while len(up) < len(whole):
                page = queries.inbox_window(session, flt, limit=7, before=up[0].cursor)
                assert page, name
                up = page + up
            assert up == whole, name

            middle = len(whole) // 2
            jump = queries.inbox_window(session, flt, limit=5, offset=middle)
            assert jump == whole[middle : middle + 5], name
            assert queries.inbox_page(session, flt, limit=5) == whole[:5], name
            assert queries.inbox_count(session, flt) == len(whole), name


def test_page_datetimes_are_aware_utc(store: Any) -> None:
    with store.read() as session:
        rows = queries.inbox_window(session, InboxFilter(status=None), limit=100)
    moments = [r.last_message_at for r in rows] + [r.waiting_since for r in rows if r.waiting_since]
    assert moments
    assert all(m.utcoffset() == timedelta(0) for m in moments)
    assert rows == sorted(rows, key=lambda r: r.cursor, reverse=True)


def test_stored_text_with_an_offset_still_reads_as_utc(store: Any) -> None:
    with store.write() as session:
        first = queries.inbox_window(session, InboxFilter(status=None), limit=1)[0]
        session.connection().execute(
            text("UPDATE conversation SET snooze_until = :v WHERE id = :id"),
            {"v": "2026-11-21 09:30:00+02:00", "id": first.conversation_id},
        )
        again = queries.inbox_window(session, InboxFilter(status=None), limit=1)[0]
        session.rollback()
    assert again.snooze_until == datetime(2026, 11, 21, 7, 30, tzinfo=UTC)
