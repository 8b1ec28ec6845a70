"""A store that stops taking writes while the inbox is open: the toast is one plain line
saying so, never the SQL of the statement that failed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from convo_tui.store.engine import Store

from .tui_helpers import (
    MARIA,
    conversation_of,
    make_app,
    notifications,
    open_conversation,
    settle,
    started,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def refuse_writes(store: Store) -> None:
    """From now on every connection reads only: SQLite answers writes with SQLITE_READONLY
    ("attempt to write a readonly database"), as for a file made read-only."""

    @event.listens_for(store.engine, "connect")
    def _read_only(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA query_only = ON")

    store.engine.dispose()


async def test_a_read_only_store_is_one_plain_line_in_a_toast(demo_store: Store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await started(pilot)
        await open_conversation(pilot, MARIA)
        refuse_writes(app.desk.store)
        await pilot.press("escape")
        await pilot.press("c")
        await settle(pilot)
        said = [line for line in notifications(app) if "read-only" in line]
        assert said, notifications(app)
        assert all("\n" not in line and "SQL" not in line for line in notifications(app))
        assert "INSERT" not in " ".join(notifications(app))
    assert conversation_of(demo_store, MARIA).status == "open"
