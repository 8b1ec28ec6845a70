"""Bulk loading into a migrated SQLite store: the only place the bench writes raw SQL.

Rows arrive as tuples already in SQLite's storage form (what SQLAlchemy's
types write: datetimes as "YYYY-MM-DD HH:MM:SS.ffffff" naive UTC text,
booleans as 0/1, JSON as text), so they go through `exec_driver_sql` as one
`executemany` per table per batch, with no per-value Python type processing.

While loading, the secondary indexes and the full-text triggers of the
loaded tables are dropped; `finish()` re-creates them from the exact SQL the
migrations wrote (kept from sqlite_master) and rebuilds the search indexes the
way migrations 0005 and 0008 fill them, so the result is the schema the app made.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection

from convo_tui.store import dialect
from convo_tui.store.engine import Store

Row = tuple[Any, ...]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAYS: dict[int, str] = {}


def db_time(seconds: float) -> str:
    """Epoch seconds (UTC) as the text SQLAlchemy's DateTime stores on SQLite (whole seconds)."""
    whole = int(seconds)
    day, rest = divmod(whole, 86400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")
        _DAYS[day] = prefix
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    return f"{prefix} {hour:02d}:{minute:02d}:{second:02d}.000000"


def epoch(moment: datetime) -> float:
    return (moment - _EPOCH).total_seconds()


@dataclass
class TableLoad:
    table: Table
    columns: tuple[str, ...]
    sql: str
    rows: int = 0


@dataclass
class BulkLoader:
    """Insert many rows into a few tables of `store`, fast, in one connection."""

    store: Store
    tables: Sequence[Table]
    loads: dict[str, TableLoad] = field(default_factory=dict)
    _saved: list[str] = field(default_factory=list)
    _conn: Connection | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.store.engine.dialect.name != "sqlite":
            raise NotImplementedError("the bench generator writes SQLite stores")

    def declare(self, table: Table, columns: Sequence[str]) -> None:
        """The columns (in tuple order) rows of `table` will carry; checked against the schema."""
        unknown = [name for name in columns if name not in table.c]
        if unknown:
            raise ValueError(f"{table.name} has no column {', '.join(unknown)}")
        missing = [
            c.name
            for c in table.columns
            if not c.nullable and c.name not in columns and c.default is None and not c.primary_key
        ]
        if missing:
            raise ValueError(f"{table.name} rows lack required columns {', '.join(missing)}")
        placeholders = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
        self.loads[table.name] = TableLoad(table, tuple(columns), sql)

    def __enter__(self) -> BulkLoader:
        conn = self.store.engine.connect()
        raw = conn.connection.driver_connection
        assert raw is not None
        # Before SQLAlchemy begins a transaction: these may not change inside one.
        for pragma in (
            "PRAGMA synchronous = OFF",
            "PRAGMA cache_size = -262144",
            "PRAGMA temp_store = MEMORY",
        ):
            raw.execute(pragma)
        self._conn = conn
        names = [t.name for t in self.tables]
        marks = ", ".join("?" for _ in names)
        saved = conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master "  # noqa: S608
            f"WHERE tbl_name IN ({marks}) AND type IN ('index', 'trigger') AND sql IS NOT NULL "
            "ORDER BY type, name",
            tuple(names),
        ).all()
        for kind, name, sql in saved:
            conn.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
            self._saved.append(str(sql))
        conn.commit()
        return self

    def insert(self, table: Table, rows: Iterable[Row]) -> int:
        assert self._conn is not None
        load = self.loads[table.name]
        batch = rows if isinstance(rows, list) else list(rows)
        if batch:
            self._conn.exec_driver_sql(load.sql, batch)
            load.rows += len(batch)
        return len(batch)

    def commit(self) -> None:
        assert self._conn is not None
        self._conn.commit()

    def finish(self) -> None:
        """Indexes and triggers back, and the full-text index filled as migration 0005 does."""
        conn = self._conn
        assert conn is not None
        conn.commit()
        started = time.perf_counter()
        for sql in self._saved:
            if not sql.upper().startswith("CREATE TRIGGER"):
                conn.exec_driver_sql(sql)
        conn.commit()
        self.timings["indexes"] = time.perf_counter() - started
        started = time.perf_counter()
        has_search = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = ?", (dialect.SEARCH_TABLE,)
        ).first()
        if has_search is not None:
            # Migration 0005's own statements: triggers (IF NOT EXISTS) and 'rebuild'.
            dialect.create_message_search(conn)
        has_customer_search = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = ?", (dialect.PROFILE_SEARCH_TABLE,)
        ).first()
        if has_customer_search is not None and "profile" in self.loads:
            # Migration 0008's, likewise: the customers' names and email indexed again.
            dialect.create_profile_search(conn)
        for sql in self._saved:
            if sql.upper().startswith("CREATE TRIGGER"):
                if "IF NOT EXISTS" not in sql.upper():
                    sql = "CREATE TRIGGER IF NOT EXISTS " + sql[len("CREATE TRIGGER ") :]
                conn.exec_driver_sql(sql)
        # The inbox tally's triggers were off during the load: count it again (0006).
        dialect.rebuild_inbox_tally(conn)
        conn.commit()
        self.timings["search"] = time.perf_counter() - started

    def __exit__(self, *exc: object) -> None:
        conn = self._conn
        self._conn = None
        if conn is None:
            return
        try:
            if exc[0] is None:
                conn.commit()
                raw = conn.connection.driver_connection
                assert raw is not None
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()

    @property
    def rows(self) -> int:
        return sum(load.rows for load in self.loads.values())
