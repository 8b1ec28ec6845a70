"""Schema versions: create a new store, upgrade an older one, refuse a newer one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from convo_tui.errors import StoreError
from convo_tui.store.engine import MissingStore, Store, store_error

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

from convo_tui.store.heads import MIGRATIONS, known_head


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _stored_revision(store: Store) -> str | None:
    """The store's revision by plain SQL (None: no version table yet)."""
    with store.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return str(row[0]) if row is not None else None


def ensure_schema(store: Store, *, create: bool = True) -> None:
    """Bring the store to the schema this convo knows, or refuse with a clear line;
    without `create`, a database with no convo schema yet is a MissingStore."""
    try:
        if _stored_revision(store) == known_head():
            return  # the usual case, without loading alembic
    except DBAPIError as exc:
        raise store_error(exc, store.label, store.server) from exc
    from alembic import command
    from alembic.script import ScriptDirectory

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
            if current is None and not create:
                raise MissingStore(
                    f"there is no convo store in {store.label} yet", "create it with `convo init`"
                )
            if current is not None and _unknown(script, current):
                raise StoreError(
                    f"the store {store.label} was written by a newer convo (schema {current})",
                    "upgrade convo on this host, or use another store",
                )
            command.upgrade(alembic_config(conn), "head")
    except DBAPIError as exc:
        raise store_error(exc, store.label, store.server) from exc


def _unknown(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is None
    except Exception:
        return True


def _foreign_tables(conn: Connection) -> bool:
    names = set(inspect(conn).get_table_names())
    return bool(names - {"alembic_version"})
