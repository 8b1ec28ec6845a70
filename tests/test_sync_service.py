"""The sync as a service: an inbox that does not sync (on PostgreSQL always; on a host
without the provider secrets too) says whether the service holding the sync lock runs,
on SQLite and on PostgreSQL, without taking the lock itself."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from convo_tui.store.engine import Store
from convo_tui.store.open import open_store
from convo_tui.sync.lock import Holder, SyncLock, current_holder
from convo_tui.sync.service_watch import ServiceWatch
from convo_tui.widgets.status_line import StatusInfo, status_text

from . import postgres_server

NOON = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    postgres_server.require_programs()
    with postgres_server.server() as url:
        yield url


def _story(store: Store) -> None:
    watch = ServiceWatch(store)
    assert watch.status().state == "absent"
    line = status_text(StatusInfo(sync=watch.status()), NOON).plain
    assert line.endswith("sync service not running")
    with SyncLock(store, Holder.me("service", "convo-sync")):
        status = watch.status()
        assert (status.state, status.by) == ("elsewhere", "sync service")
        assert status_text(StatusInfo(sync=status), NOON).plain.endswith("sync service")
        # Watching took nothing: the lock is still the service's alone.
        found = current_holder(store)
        assert found is not None and found.kind == "service"
    with SyncLock(store, Holder.me("app", "bea")):
        assert watch.status().by == "sync by bea's app"
    assert watch.status().state == "absent"


def test_on_sqlite(store: Store) -> None:
    _story(store)


def test_on_postgresql(postgres: str) -> None:
    store = open_store(postgres_server.new_database(postgres))
    try:
        _story(store)
    finally:
        store.close()


def test_an_inbox_on_postgresql_never_syncs_itself(postgres: str, tmp_path) -> None:
    """Provider secrets in the agent's config change nothing on PostgreSQL: the inbox
    watches the service; on SQLite the same config starts the inbox's own sync."""
    from convo_tui.cli.inbox_launch import inbox_sync
    from convo_tui.cli.runtime import Runtime
    from convo_tui.sandbox import Sandbox
    from convo_tui.sync.runner import BackgroundSync

    from .sync_helpers import config_for

    sandbox = Sandbox(port=0, seed=2026, simulate=False, history=False).start()
    try:
        config = config_for(sandbox)
        url = postgres_server.new_database(postgres)
        open_store(url).close()
        on_pg = Runtime(agent_login=None)
        on_pg._config = replace(config, database_url=url)
        assert isinstance(inbox_sync(on_pg, config, 60, lambda: None, demo=False), ServiceWatch)
        on_lite = Runtime(db=tmp_path / "own.sqlite3", creates=True)
        on_lite._config = config
        own = inbox_sync(on_lite, config, 60, lambda: None, demo=False)
        assert isinstance(own, BackgroundSync)
        own.stop()
    finally:
        sandbox.stop()
