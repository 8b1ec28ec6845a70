"""Everything that differs between SQLite and PostgreSQL lives in this module."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ClauseElement

BUSY_TIMEOUT_MS = 5000


def configure(engine: Engine) -> None:
    """Per-connection set-up. On SQLite: WAL, foreign keys, a busy timeout, and
    transactions that take the write lock up front when asked to.

    pysqlite's own transaction handling is switched off so that our BEGIN is
    the one that runs: a deferred transaction that reads, then writes after
    another connection committed, fails at once with "database is locked"
    whatever the busy timeout; BEGIN IMMEDIATE waits instead.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if engine.url.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("convo_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def insert_ignore(table: Table, dialect_name: str) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING for the given dialect."""
    if dialect_name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    if dialect_name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"no insert-ignore for {dialect_name}")


def is_locked(exc: BaseException) -> bool:
    """True when the database refused because another process holds a lock."""
    if isinstance(exc, OperationalError):
        message = str(exc.orig).lower()
        return "locked" in message or "busy" in message
    return False


def is_corrupt(exc: BaseException) -> bool:
    """True when the file is not a database or its pages are damaged."""
    if isinstance(exc, DBAPIError):
        message = str(exc.orig).lower()
        return "not a database" in message or "malformed" in message or "corrupt" in message
    return False


class _Explain(Executable, ClauseElement):
    """EXPLAIN around any statement, with its parameters bound as usual."""

    inherit_cache = False

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement


@compiles(_Explain, "sqlite")
def _explain_sqlite(element: _Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN QUERY PLAN " + str(compiler.process(element.statement, **kw))


@compiles(_Explain)
def _explain_default(element: _Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN " + str(compiler.process(element.statement, **kw))


def explain(conn: Connection, statement: ClauseElement) -> list[str]:
    """The query plan of `statement`, one line per step."""
    rows = conn.execute(_Explain(statement)).all()
    if conn.dialect.name == "sqlite":
        return [str(row[-1]) for row in rows]
    return [str(row[0]) for row in rows]


SYNC_LOCK_KEY = 0x636F6E766F  # "convo"


def try_sync_lock(conn: Connection) -> bool:
    """Take the session-level sync lock on a server database (released if the holder dies)."""
    if conn.dialect.name == "postgresql":
        got = conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({SYNC_LOCK_KEY})").scalar()
        conn.commit()
        return bool(got)
    return True  # in-memory SQLite: one process by definition


def release_sync_lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_unlock({SYNC_LOCK_KEY})")
        conn.commit()
