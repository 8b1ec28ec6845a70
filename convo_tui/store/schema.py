"""Schema versions: create a new store, upgrade an older one, refuse a newer one."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from convo_tui.errors import StoreError
from convo_tui.store.engine import Store, store_error

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def ensure_schema(store: Store) -> None:
    """Bring the store to the schema this convo knows, or refuse with a clear line."""
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    try:
        with store.engine.connect() as conn:
            if current_revision(conn) == head:
                return
        # Take the write lock before deciding, so that two processes opening a
        # new store at once do not both run the migrations.
        writer = store.engine.execution_options(convo_write=True)
        with writer.connect() as conn, conn.begin():
            current = current_revision(conn)
            if current == head:
                return
            if current is None and _foreign_tables(conn):
                raise StoreError(
                    f"{store.label} holds tables that are not a convo store",
                    "point --db / CONVO_DATABASE_URL at a new or convo file",
                )
            if current is not None and _unknown(script, current):
                raise StoreError(
                    f"the store {store.label} was written by a newer convo (schema {current})",
                    "upgrade convo on this host, or use another store",
                )
            command.upgrade(alembic_config(conn), "head")
    except DBAPIError as exc:
        raise store_error(exc, store.label) from exc


def _unknown(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is None
    except Exception:
        return True


def _foreign_tables(conn: Connection) -> bool:
    names = set(inspect(conn).get_table_names())
    return bool(names - {"alembic_version"})
