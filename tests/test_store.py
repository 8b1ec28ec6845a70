"""The store: SQLite set-up, migrations, error mapping, and index use."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from convo_tui.core import profiles
from convo_tui.core.conversation_read import thread
from convo_tui.core.queries import inbox_query
from convo_tui.core.rows import InboxFilter
from convo_tui.errors import StoreError
from convo_tui.store import dialect
from convo_tui.store.engine import sqlite_url
from convo_tui.store.models import Profile, Status
from convo_tui.store.open import open_store
from convo_tui.store.schema import alembic_config, head_revision

from .conftest import NOW


def test_sqlite_runs_in_wal_with_foreign_keys_and_busy_timeout(store, db_path: Path) -> None:
    with store.read() as session:
        conn = session.connection()
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == dialect.BUSY_TIMEOUT_MS
    assert Path(f"{db_path}-wal").exists() or db_path.exists()


def test_new_store_is_at_the_head_revision(store) -> None:
    with store.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()


# The customer search's index on the reversed number is an expression, which SQLAlchemy
# cannot reflect (it says so); migration 0008 makes it by hand, like the search tables.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_build_exactly_the_models(store) -> None:
    """The migration chain and the SQLModel tables describe the same schema."""
    with store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"include_name": lambda name, *_: not dialect.is_search_object(name)},
        )
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_older_store_is_upgraded_and_keeps_its_rows(db_path: Path) -> None:
    engine = create_engine(sqlite_url(db_path))
    dialect.configure(engine)
    with engine.connect() as conn:
        command.upgrade(alembic_config(conn), "0001")
        conn.exec_driver_sql(
            "INSERT INTO profile (phone, sms_consent, blocked, created_at, updated_at) "
            "VALUES ('+14155550123', 'SUBSCRIBED', 0, '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00')"
        )
        conn.commit()
    engine.dispose()
    store = open_store(sqlite_url(db_path))
    with store.read() as session:
        found = profiles.find(session, "+14155550123", "US")
        assert found.sms_consent == "SUBSCRIBED"
        assert found.resolved_timezone is None  # the column the upgrade added
    with store.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
    store.close()


def test_newer_store_is_refused_with_a_clear_message(store, db_path: Path) -> None:
    with store.engine.connect() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        conn.commit()
    store.close()
    with pytest.raises(StoreError, match="newer convo") as caught:
        open_store(sqlite_url(db_path))
    assert "upgrade convo" in caught.value.line()


def test_a_corrupt_file_is_refused_and_left_alone(db_path: Path) -> None:
    junk = b"this is not a database" * 200
    db_path.write_bytes(junk)
    with pytest.raises(StoreError, match="not a convo database or is damaged"):
        open_store(sqlite_url(db_path))
    assert db_path.read_bytes() == junk


def test_a_foreign_database_is_refused(db_path: Path) -> None:
    raw = sqlite3.connect(db_path)
    raw.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match="not a convo store"):
        open_store(sqlite_url(db_path))


def test_a_locked_store_gives_a_store_error(store, db_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(dialect, "BUSY_TIMEOUT_MS", 100)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        short = open_store(sqlite_url(db_path), migrate=False)
        with pytest.raises(StoreError, match="locked by another process"), short.write() as s:
            s.add(Profile(phone="+14155550124", created_at=NOW, updated_at=NOW))
        short.close()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_write_transactions_wait_for_each_other_instead_of_failing(store, owner) -> None:
    """BEGIN IMMEDIATE: two writers that both read first never hit 'database is locked'."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(25):
                with store.write() as session:
                    profiles.get_or_create(session, f"+1415555{n:01d}{i:03d}", now=NOW)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with store.read() as session:
        assert len(session.connection().exec_driver_sql("SELECT id FROM profile").all()) == 100


FILTERS = [
    InboxFilter(status=None),
    InboxFilter(status=Status.OPEN),
    InboxFilter(status=Status.SNOOZED, unread=True),
    InboxFilter(status=None, unread=False),
    InboxFilter(status=None, attributed_source_id=1),
    InboxFilter(status=Status.OPEN, unread=True, attributed_source_id=1),
    InboxFilter(status=Status.CLOSED, attributed_source_id=1),
]


@pytest.mark.parametrize("flt", FILTERS, ids=repr)
@pytest.mark.parametrize("deep", [False, True], ids=["first-page", "keyset-page"])
def test_inbox_page_query_uses_an_index_and_no_sort(store, flt: InboxFilter, deep: bool) -> None:
    after = (NOW - timedelta(days=3), 12345) if deep else None
    query = inbox_query(flt, limit=50, after=after)
    with store.read() as session:
        plan = dialect.explain(session.connection(), query)
    joined = "\n".join(plan)
    conversation_steps = [step for step in plan if "conversation" in step.split(" USING")[0]]
    assert conversation_steps, joined
    assert all("USING" in step for step in conversation_steps), joined  # never a table scan
    assert "TEMP B-TREE" not in joined, joined  # the index gives the order


def test_thread_query_uses_the_profile_time_index(store, owner) -> None:
    with store.read() as session:
        conn = session.connection()
        thread(session, 1)  # runs
        plan = dialect.explain(
            conn,
            text(
                "SELECT id FROM message WHERE profile_id = :p "
                "ORDER BY sent_at DESC, id DESC LIMIT 50"
            ).bindparams(p=1),
        )
    assert any("ix_message_profile_time" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


def test_the_file_name_head_is_alembics_head() -> None:
    from convo_tui.store.schema import known_head

    assert known_head() == head_revision()


def test_opening_a_current_store_does_not_load_alembic(db_path) -> None:
    import subprocess
    import sys

    open_store(sqlite_url(db_path)).close()  # created and migrated here
    code = (
        "import sys; from convo_tui.store.engine import sqlite_url;"
        "from convo_tui.store.open import open_store;"
        f"open_store(sqlite_url({str(db_path)!r})).close();"
        "print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
