"""Everything that differs between SQLite and PostgreSQL lives in this module."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ClauseElement

BUSY_TIMEOUT_MS = 5000
IN_LIST = 500
"""Values per IN (...) list: well under every backend's bound-parameter limit."""

T = TypeVar("T")


def in_lists(items: Sequence[T], size: int = IN_LIST) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size` (IN lists, write batches)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


def refused_privilege(exc: BaseException) -> str | None:
    """What a database server refused this role ("permission denied for table setting"),
    or None: the grants of its group (TABLE_GRANTS) do not allow it."""
    if isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) == "42501":
        return str(exc.orig).strip().splitlines()[0]
    return None


def is_read_only(exc: BaseException) -> bool:
    """True when the store may be read but not written (file mode, read-only mount or
    transaction, a database user without write grants)."""
    if isinstance(exc, DBAPIError):
        message = str(exc.orig).lower()
        return (
            "readonly database" in message
            or "read-only" in message
            or "permission denied" in message
        )
    return False


_UNREACHABLE = (
    "connection failed",  # psycopg 3: refused, timed out, no route...
    "failed to resolve host",
    "could not connect",
    "could not translate host name",
    "connection refused",
    "timeout expired",
    "server closed the connection",
    "terminating connection",  # the server shuts down or restarts (AdminShutdown)
    "the database system is",  # ... starting up, shutting down, in recovery mode
    "consuming input failed",
    "sending query failed",
    "connection is lost",
    "the connection is closed",
    "connection already closed",
    "ssl syscall error",
    "no route to host",
    "network is unreachable",
)
_LOGIN_REFUSED = (
    "password authentication failed",
    "authentication failed",
    "no pg_hba.conf entry",
    "password is required",
)


def is_login_refused(exc: BaseException) -> bool:
    """True when the server answered but refused the user (password, pg_hba, no such role)."""
    if isinstance(exc, OperationalError):
        message = str(exc.orig).lower()
        return any(sign in message for sign in _LOGIN_REFUSED) or (
            "role" in message and "does not exist" in message
        )
    return False


def is_unreachable(exc: BaseException) -> bool:
    """True when a database server could not be reached, or the connection to it broke
    (server down or restarting, network gone): a state that can end by itself."""
    if not isinstance(exc, DBAPIError) or is_login_refused(exc):
        return False
    if exc.connection_invalidated:  # SQLAlchemy's own disconnect detection said so
        return True
    if isinstance(exc, OperationalError):
        message = str(exc.orig).lower()
        return any(sign in message for sign in _UNREACHABLE)
    return False


def is_full(exc: BaseException) -> bool:
    """True when the write was refused for want of space: SQLite's SQLITE_FULL ("database
    or disk is full", also past `max_page_count`), PostgreSQL's disk_full (53100)."""
    if isinstance(exc, DBAPIError):
        message = str(exc.orig).lower()
        code = getattr(exc.orig, "sqlstate", None)
        return (
            "database or disk is full" in message
            or code == "53100"
            or "no space left on device" in message
            or "could not extend file" in message
        )
    return False


CONNECT_TIMEOUT_S = 10
"""How long a database server may take to answer a connection (PostgreSQL)."""


def connect_args(backend: str, query: Mapping[str, Any]) -> dict[str, Any]:
    """Driver arguments: an unreachable server fails in seconds, not minutes."""
    if backend == "postgresql" and "connect_timeout" not in query:
        return {"connect_timeout": CONNECT_TIMEOUT_S}
    return {}


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


def quick_check(conn: Connection) -> list[str] | None:
    """SQLite's own check of the file (every page, every row's format and index order;
    not index-against-table contents, which `integrity_check` adds at several times the
    cost): its complaints, [] when the file is sound, None where the server checks its
    own storage (PostgreSQL)."""
    if conn.dialect.name != "sqlite":
        return None
    rows = [str(row[0]) for row in conn.exec_driver_sql("PRAGMA quick_check(20)")]
    return [] if rows == ["ok"] else rows


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


# The keepalives of the server's end of the lock session: a holder whose host died (no
# FIN, no RST) is dropped after about 15 + 3 x 5 s idle, and its lock with it, instead
# of after the kernel's two hours. tcp_user_timeout bounds unacknowledged writes the same
# way. All four are per-session settings (USERSET); on a Unix socket they do nothing.
SYNC_KEEPALIVES = {
    "tcp_keepalives_idle": "15",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
    "tcp_user_timeout": "30000",
}


def mark_sync_session(conn: Connection, name: str) -> None:
    """Name the lock's session (so others can say who syncs) and make the server notice
    a dead holder within a minute."""
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql("SELECT set_config('application_name', %(v)s, false)", {"v": name})
    for setting, value in SYNC_KEEPALIVES.items():
        conn.exec_driver_sql(f"SET {setting} = {value}")
    conn.commit()


# pg_locks shows a bigint advisory key as its high half (classid) and low half (objid),
# objsubid 1: SYNC_LOCK_KEY is 99 << 32 | 1869510255.
assert SYNC_LOCK_KEY == 99 << 32 | 1869510255
_HOLDER_QUERY = (
    "SELECT a.application_name, a.usename FROM pg_stat_activity a WHERE a.pid IN "
    "(SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted"
    " AND l.classid = 99 AND l.objid = 1869510255 AND l.objsubid = 1) LIMIT 1"
)
_HELD_QUERY = (
    "SELECT count(*) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted"
    " AND l.classid = 99 AND l.objid = 1869510255 AND l.objsubid = 1"
    " AND l.pid = pg_backend_pid()"
)


def sync_lock_holder(conn: Connection) -> tuple[str, str] | None:
    """The (application_name, database user) of the session holding the sync lock."""
    if conn.dialect.name != "postgresql":
        return None
    row = conn.exec_driver_sql(_HOLDER_QUERY).first()
    conn.commit()
    return None if row is None else (str(row[0] or ""), str(row[1] or ""))


def holds_sync_lock(conn: Connection) -> bool:
    """Whether this session still holds the sync lock (raises when the session is gone)."""
    if conn.dialect.name != "postgresql":
        return True
    held = conn.exec_driver_sql(_HELD_QUERY).scalar()
    conn.commit()
    return bool(held)


# Full-text search over message bodies. SQLite: an FTS5 table that indexes
# message.body (external content, kept in step by triggers). PostgreSQL: a GIN
# index on to_tsvector('simple', body). Neither is a SQLModel table, so schema
# comparison skips them (see `is_search_object`).

SEARCH_TABLE = "message_fts"
SEARCH_INDEX_PG = "ix_message_body_search"
_FTS_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")

_SQLITE_SEARCH_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS message_fts USING fts5("
    "body, content='message', content_rowid='id', tokenize='unicode61 remove_diacritics 2', "
    # Prefix indexes: "deliv" is one doclist, as cheap as a whole word, instead of a merge
    # of every term that starts with it (20 ms at 5M messages); about 4x the index size.
    "prefix='2 3 4 5 6 7 8')",
    "CREATE TRIGGER IF NOT EXISTS message_fts_ai AFTER INSERT ON message BEGIN "
    "INSERT INTO message_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS message_fts_ad AFTER DELETE ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, body) VALUES ('delete', old.id, old.body);"
    " END",
    "CREATE TRIGGER IF NOT EXISTS message_fts_au AFTER UPDATE OF body ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, body) VALUES ('delete', old.id, old.body);"
    " INSERT INTO message_fts(rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO message_fts(message_fts) VALUES ('rebuild')",
)
_SQLITE_SEARCH_DROP = (
    "DROP TRIGGER IF EXISTS message_fts_au",
    "DROP TRIGGER IF EXISTS message_fts_ad",
    "DROP TRIGGER IF EXISTS message_fts_ai",
    "DROP TABLE IF EXISTS message_fts",
)
_PG_SEARCH_DDL = (
    "CREATE INDEX IF NOT EXISTS ix_message_body_search ON message "
    "USING gin (to_tsvector('simple', body))",
)
_PG_SEARCH_DROP = ("DROP INDEX IF EXISTS ix_message_body_search",)


def create_message_search(conn: Connection) -> None:
    """Create the full-text index over message bodies and fill it (migration 0005)."""
    ddl = {"sqlite": _SQLITE_SEARCH_DDL, "postgresql": _PG_SEARCH_DDL}.get(conn.dialect.name, ())
    for statement in ddl:
        conn.exec_driver_sql(statement)


def drop_message_search(conn: Connection) -> None:
    ddl = {"sqlite": _SQLITE_SEARCH_DROP, "postgresql": _PG_SEARCH_DROP}.get(conn.dialect.name, ())
    for statement in ddl:
        conn.exec_driver_sql(statement)


def is_search_object(name: str | None) -> bool:
    """True for the search tables, their FTS5 shadow tables and the search indexes (none is
    a SQLModel table or index: migrations 0005 and 0008 make them)."""
    if not name:
        return False
    tables = (SEARCH_TABLE, PROFILE_SEARCH_TABLE)
    if name in (*tables, SEARCH_INDEX_PG, PROFILE_SEARCH_INDEX_PG, PHONE_TAIL_INDEX):
        return True
    return any(name == table + suffix for table in tables for suffix in _FTS_SHADOWS)


def _search_terms(text: str) -> list[str]:
    """Words of a search as the index splits them: letters and digits only."""
    return [word for word in re.findall(r"\w+", text, flags=re.UNICODE) if word][:12]


def message_search_ids(conn: Connection, text: str, *, limit: int) -> list[int]:
    """Ids of messages whose body holds every word of `text` (the last one as a prefix,
    from two letters on), or the exact phrase when `text` is in double quotes; newest
    first. Ordering by id (arrival) keeps a common term as cheap as a rare one."""
    terms = _search_terms(text)
    if not terms:
        return []
    stripped = text.strip()
    phrase = len(stripped) > 1 and stripped[0] == stripped[-1] == '"'
    prefix = not phrase and len(terms[-1]) >= 2
    if conn.dialect.name == "sqlite":
        if phrase:
            query = '"' + " ".join(terms) + '"'
        else:
            query = " ".join(f'"{term}"' for term in terms) + ("*" if prefix else "")
        rows = conn.exec_driver_sql(
            "SELECT rowid FROM message_fts WHERE message_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
            (query, limit),
        ).all()
        return [int(row[0]) for row in rows]
    if conn.dialect.name == "postgresql":
        joiner = " <-> " if phrase else " & "
        tsquery = joiner.join([*terms[:-1], f"{terms[-1]}:*" if prefix else terms[-1]])
        rows = conn.exec_driver_sql(
            "SELECT id FROM message WHERE to_tsvector('simple', body) @@ "
            "to_tsquery('simple', %(q)s) ORDER BY id DESC LIMIT %(n)s",
            {"q": tsquery, "n": limit},
        ).all()
        return [int(row[0]) for row in rows]
    raise NotImplementedError(f"no message search for {conn.dialect.name}")


# Customer search (migration 0008): names and email by word, and a number by its tail.
# Names and email: on SQLite an FTS5 table over profile.first_name, last_name and email
# (external content, triggers as for messages); on PostgreSQL a GIN index on the same
# words' tsvector. A tail ("0123"): an index on the number written backwards, so "ends
# with" is a prefix range on it; SQLite has no reverse(), so the index is on an
# expression that spells it out (a phone is at most 20 characters).

PROFILE_SEARCH_TABLE = "profile_fts"
PROFILE_SEARCH_INDEX_PG = "ix_profile_name_search"
PHONE_TAIL_INDEX = "ix_profile_phone_reversed"
_PHONE_LENGTH = 20
_SQLITE_REVERSED_PHONE = " || ".join(f"substr(phone, {n}, 1)" for n in range(_PHONE_LENGTH, 0, -1))
# Email's separators (". @ _ -") split it into words, as FTS5 splits it on SQLite.
_PG_PROFILE_WORDS = (
    "to_tsvector('simple', coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' "
    "|| regexp_replace(coalesce(email, ''), '[^[:alnum:]]+', ' ', 'g'))"
)

_SQLITE_PROFILE_SEARCH_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS profile_fts USING fts5("
    "first_name, last_name, email, content='profile', content_rowid='id', "
    # Prefix indexes as for messages: without one, "example" (in every email) merges a
    # million doclists, 120 ms at 1M profiles; with it, one doclist read from its end.
    "tokenize='unicode61 remove_diacritics 2', prefix='2 3 4 5 6 7 8')",
    "CREATE TRIGGER IF NOT EXISTS profile_fts_ai AFTER INSERT ON profile BEGIN "
    "INSERT INTO profile_fts(rowid, first_name, last_name, email) "
    "VALUES (new.id, new.first_name, new.last_name, new.email); END",
    "CREATE TRIGGER IF NOT EXISTS profile_fts_ad AFTER DELETE ON profile BEGIN "
    "INSERT INTO profile_fts(profile_fts, rowid, first_name, last_name, email) "
    "VALUES ('delete', old.id, old.first_name, old.last_name, old.email); END",
    "CREATE TRIGGER IF NOT EXISTS profile_fts_au "
    "AFTER UPDATE OF first_name, last_name, email ON profile BEGIN "
    "INSERT INTO profile_fts(profile_fts, rowid, first_name, last_name, email) "
    "VALUES ('delete', old.id, old.first_name, old.last_name, old.email); "
    "INSERT INTO profile_fts(rowid, first_name, last_name, email) "
    "VALUES (new.id, new.first_name, new.last_name, new.email); END",
    "INSERT INTO profile_fts(profile_fts) VALUES ('rebuild')",
    f"CREATE INDEX IF NOT EXISTS {PHONE_TAIL_INDEX} ON profile ({_SQLITE_REVERSED_PHONE})",
)
_SQLITE_PROFILE_SEARCH_DROP = (
    f"DROP INDEX IF EXISTS {PHONE_TAIL_INDEX}",
    "DROP TRIGGER IF EXISTS profile_fts_au",
    "DROP TRIGGER IF EXISTS profile_fts_ad",
    "DROP TRIGGER IF EXISTS profile_fts_ai",
    "DROP TABLE IF EXISTS profile_fts",
)
_PG_PROFILE_SEARCH_DDL = (
    f"CREATE INDEX IF NOT EXISTS {PROFILE_SEARCH_INDEX_PG} ON profile "
    f"USING gin ({_PG_PROFILE_WORDS})",
    f"CREATE INDEX IF NOT EXISTS {PHONE_TAIL_INDEX} ON profile (reverse(phone) text_pattern_ops)",
)
_PG_PROFILE_SEARCH_DROP = (
    f"DROP INDEX IF EXISTS {PHONE_TAIL_INDEX}",
    f"DROP INDEX IF EXISTS {PROFILE_SEARCH_INDEX_PG}",
)


def create_profile_search(conn: Connection) -> None:
    """Create the customer search indexes and fill them (migration 0008)."""
    ddl = {"sqlite": _SQLITE_PROFILE_SEARCH_DDL, "postgresql": _PG_PROFILE_SEARCH_DDL}
    for statement in ddl.get(conn.dialect.name, ()):
        conn.exec_driver_sql(statement)


def drop_profile_search(conn: Connection) -> None:
    ddl = {"sqlite": _SQLITE_PROFILE_SEARCH_DROP, "postgresql": _PG_PROFILE_SEARCH_DROP}
    for statement in ddl.get(conn.dialect.name, ()):
        conn.exec_driver_sql(statement)


def profile_search_ids(conn: Connection, text: str, *, limit: int) -> list[int]:
    """Ids of profiles whose names and email hold every word of `text` (the last one as
    a prefix, from two letters on), newest profile first."""
    terms = _search_terms(text)
    if not terms:
        return []
    prefix = len(terms[-1]) >= 2
    if conn.dialect.name == "sqlite":
        query = " ".join(f'"{term}"' for term in terms) + ("*" if prefix else "")
        rows = conn.exec_driver_sql(
            "SELECT rowid FROM profile_fts WHERE profile_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
            (query, limit),
        ).all()
        return [int(row[0]) for row in rows]
    if conn.dialect.name == "postgresql":
        tsquery = " & ".join([*terms[:-1], f"{terms[-1]}:*" if prefix else terms[-1]])
        rows = conn.exec_driver_sql(
            f"SELECT id FROM profile WHERE {_PG_PROFILE_WORDS} @@ "  # noqa: S608
            "to_tsquery('simple', %(q)s) ORDER BY id DESC LIMIT %(n)s",
            {"q": tsquery, "n": limit},
        ).all()
        return [int(row[0]) for row in rows]
    raise NotImplementedError(f"no customer search for {conn.dialect.name}")


def phone_tail_ids(conn: Connection, digits: str, *, limit: int) -> list[int]:
    """Ids of profiles whose number ends with `digits` (a prefix of the reversed number)."""
    if not digits.isdigit():
        return []
    backwards = digits[::-1]
    if conn.dialect.name == "sqlite":
        # A range, not LIKE: SQLite uses an expression index for comparisons only.
        upper = backwards[:-1] + chr(ord(backwards[-1]) + 1)
        rows = conn.exec_driver_sql(
            f"SELECT id FROM profile WHERE {_SQLITE_REVERSED_PHONE} >= ? "  # noqa: S608
            f"AND {_SQLITE_REVERSED_PHONE} < ? LIMIT ?",
            (backwards, upper, limit),
        ).all()
        return [int(row[0]) for row in rows]
    if conn.dialect.name == "postgresql":
        rows = conn.exec_driver_sql(
            "SELECT id FROM profile WHERE reverse(phone) LIKE %(p)s LIMIT %(n)s",
            {"p": backwards + "%", "n": limit},
        ).all()
        return [int(row[0]) for row in rows]
    raise NotImplementedError(f"no customer search for {conn.dialect.name}")


def data_version(conn: Connection) -> int | None:
    """A number that changes whenever another connection commits (SQLite), else None.

    It is per connection: the caller keeps one connection for watching."""
    if conn.dialect.name == "sqlite":
        value = conn.exec_driver_sql("PRAGMA data_version").scalar()
        return int(value) if value is not None else None
    return None


def add_reference_column(conn: Connection, table: str, column: str, target: str) -> None:
    """A nullable column referencing `target`.id, added in place (for a migration).

    Alembic refuses a foreign key outside batch mode on SQLite, and batch mode would
    reflect and may copy the table (a million conversations); SQLite's own ADD COLUMN
    takes an inline REFERENCES when the default is NULL."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            f'ALTER TABLE "{table}" ADD COLUMN "{column}" INTEGER REFERENCES "{target}" (id)'
        )
    else:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" INTEGER')
        conn.exec_driver_sql(
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_{column}_fkey" '
            f'FOREIGN KEY ("{column}") REFERENCES "{target}" (id)'
        )


# Inbox counts. A tally of conversations per (status, unread, attribution, assignee), kept
# by triggers on `conversation`: counting with any filter sums a few rows at any store
# size (migrations 0006, 0015). An update that changes nothing takes one and adds one back.

_TALLY_TAKE = (
    "UPDATE inbox_tally SET n = n - 1 WHERE status = {row}.status AND unread = {row}.unread "
    "AND source_key = coalesce({row}.attributed_source_id, 0) "
    "AND assignee_key = coalesce({row}.assignee_id, 0); "
)
_TALLY_ADD = (
    "INSERT INTO inbox_tally(status, unread, source_key, assignee_key, n) "
    "VALUES ({row}.status, {row}.unread, coalesce({row}.attributed_source_id, 0), "
    "coalesce({row}.assignee_id, 0), 1) "
    "ON CONFLICT(status, unread, source_key, assignee_key) DO UPDATE SET n = inbox_tally.n + 1; "
)
_SQLITE_TALLY_DDL = (
    "CREATE TRIGGER IF NOT EXISTS inbox_tally_ai AFTER INSERT ON conversation BEGIN "
    + _TALLY_ADD.format(row="new")
    + "END",
    "CREATE TRIGGER IF NOT EXISTS inbox_tally_ad AFTER DELETE ON conversation BEGIN "
    + _TALLY_TAKE.format(row="old")
    + "END",
    "CREATE TRIGGER IF NOT EXISTS inbox_tally_au "
    "AFTER UPDATE OF status, unread, attributed_source_id, assignee_id ON conversation BEGIN "
    + _TALLY_TAKE.format(row="old")
    + _TALLY_ADD.format(row="new")
    + "END",
)
_SQLITE_TALLY_DROP = (
    "DROP TRIGGER IF EXISTS inbox_tally_au",
    "DROP TRIGGER IF EXISTS inbox_tally_ad",
    "DROP TRIGGER IF EXISTS inbox_tally_ai",
)
_PG_TALLY_DDL = (
    "CREATE OR REPLACE FUNCTION inbox_tally_change() RETURNS trigger AS $$ BEGIN "
    "IF TG_OP IN ('UPDATE', 'DELETE') THEN "
    + _TALLY_TAKE.format(row="OLD")
    + "END IF; IF TG_OP IN ('UPDATE', 'INSERT') THEN "
    + _TALLY_ADD.format(row="NEW")
    + "END IF; RETURN NULL; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER inbox_tally_change AFTER INSERT OR DELETE "
    "OR UPDATE OF status, unread, attributed_source_id, assignee_id ON conversation "
    "FOR EACH ROW EXECUTE FUNCTION inbox_tally_change()",
)
_PG_TALLY_DROP = (
    "DROP TRIGGER IF EXISTS inbox_tally_change ON conversation",
    "DROP FUNCTION IF EXISTS inbox_tally_change()",
)


def create_inbox_tally_triggers(conn: Connection) -> None:
    ddl = {"sqlite": _SQLITE_TALLY_DDL, "postgresql": _PG_TALLY_DDL}.get(conn.dialect.name, ())
    for statement in ddl:
        conn.exec_driver_sql(statement)


def drop_inbox_tally_triggers(conn: Connection) -> None:
    ddl = {"sqlite": _SQLITE_TALLY_DROP, "postgresql": _PG_TALLY_DROP}.get(conn.dialect.name, ())
    for statement in ddl:
        conn.exec_driver_sql(statement)


def rebuild_inbox_tally(conn: Connection) -> None:
    """Count every conversation again (after a bulk load that bypassed the triggers)."""
    conn.exec_driver_sql("DELETE FROM inbox_tally")
    conn.exec_driver_sql(
        "INSERT INTO inbox_tally(status, unread, source_key, assignee_key, n) "
        "SELECT status, unread, coalesce(attributed_source_id, 0), coalesce(assignee_id, 0), "
        "count(*) FROM conversation GROUP BY status, unread, coalesce(attributed_source_id, 0), "
        "coalesce(assignee_id, 0)"
    )


# Change notifications (PostgreSQL). A statement-level trigger on the tables the change
# stamp watches NOTIFYs one channel, delivered at commit and coalesced per transaction;
# a running inbox LISTENs and checks the stamp at once instead of at its next poll.
# Presence is left out: heartbeats every few seconds would wake every inbox for nothing.

CHANGE_CHANNEL = "convo_changes"
NOTIFY_TABLES = (
    "message",
    "conversation",
    "audit_log",
    "notification",
    "outbox_item",
    "setting",
    "sync_cursor",
    "agent_notice",
)


def create_change_notify(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql(
        "CREATE OR REPLACE FUNCTION convo_notify_change() RETURNS trigger AS $$ BEGIN "
        f"PERFORM pg_notify('{CHANGE_CHANNEL}', TG_TABLE_NAME); RETURN NULL; END $$ "
        "LANGUAGE plpgsql"
    )
    for table in NOTIFY_TABLES:
        conn.exec_driver_sql(
            f"CREATE TRIGGER convo_notify_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION convo_notify_change()"
        )


def drop_change_notify(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in NOTIFY_TABLES:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS convo_notify_{table} ON {table}")
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS convo_notify_change()")


def notifies(conn: Connection) -> bool:
    """Whether this backend can tell of changes as they commit (LISTEN/NOTIFY)."""
    return conn.dialect.name == "postgresql"


def listen(conn: Connection) -> None:
    """Listen for change notifications on `conn` (an AUTOCOMMIT connection of its own)."""
    conn.exec_driver_sql(f"LISTEN {CHANGE_CHANNEL}")


def wait_notified(conn: Connection, timeout: float) -> bool:
    """Block until a change notification arrives on a listening `conn` (True), or
    `timeout` seconds pass (False); every notification already queued is taken."""
    driver = conn.connection.driver_connection
    assert driver is not None
    got = False
    for _ in driver.notifies(timeout=timeout, stop_after=1):
        got = True
    if got:  # several commits in a burst: one wake-up
        for _ in driver.notifies(timeout=0):
            pass
    return got


# Team roles (PostgreSQL). Each agent connects as a role of their own, a member of one
# group role per inbox role; the database refuses what a group may not do, whatever
# SQL its member sends. `TABLE_GRANTS` is every table's privileges by group (a test
# fails when a table is missing): re-apply it (`apply_team_roles`) in a migration that
# adds a table. The sync service's role is a member of `convo_sync`.

AGENT_GROUPS = {
    "owner": "convo_owner",
    "admin": "convo_admin",
    "manager": "convo_manager",
    "support": "convo_support",
}
SYNC_GROUP = "convo_sync"
READ_ONLY_GROUP = "convo_reader"
"""Analysts and viewers: they read (reports, exports), and write nothing."""

_WORK = "SELECT, INSERT, UPDATE, DELETE"
_ALL_AGENTS = ("convo_owner", "convo_admin", "convo_manager", "convo_support")
_MANAGERS = ("convo_owner", "convo_admin", "convo_manager")
_ADMINS = ("convo_owner", "convo_admin")
TABLE_GRANTS: dict[str, dict[tuple[str, ...], str]] = {
    # What agents work on all day, and the sync too.
    **{
        table: {(*_ALL_AGENTS, SYNC_GROUP): _WORK}
        for table in (
            "conversation",
            "message",
            "message_media",
            "outbox_item",
            "reply_draft",
            "short_link",
            "agent_notice",
            "presence",
            "opt_out_review",
            "profile",
            "notification",
            "activity_event",
            "message_source",
            "tag",
            "conversation_tag",
        )
    },
    # The team's saved replies: managers keep the library, everyone uses it.
    "saved_reply": {_MANAGERS: _WORK, ("convo_support", SYNC_GROUP): "SELECT"},
    # Only the sync writes these: where it read up to, what providers sent.
    **{
        table: {_ALL_AGENTS: "SELECT", (SYNC_GROUP,): _WORK}
        for table in ("sync_cursor", "send_hint", "quarantined_record", "order_line")
    },
    # A recalled reply lets go of the order its link was credited with (core.outbox).
    "shop_order": {_ALL_AGENTS: "SELECT, UPDATE (attributed_message_id)", (SYNC_GROUP,): _WORK},
    "setting": {_MANAGERS: _WORK, ("convo_support", SYNC_GROUP): "SELECT"},
    # Round robin (intake, in the sync) notes whose turn it was: that one column.
    "agent": {
        _ADMINS: "SELECT, INSERT, UPDATE",
        ("convo_manager", "convo_support"): "SELECT",
        (SYNC_GROUP,): "SELECT, UPDATE (last_assigned_at)",
    },
    "store_meta": {("convo_owner",): _WORK, (*_ALL_AGENTS[1:], SYNC_GROUP): "SELECT"},
    # Insert-only for everyone: no role may change or erase an entry.
    "audit_log": {(*_ALL_AGENTS, SYNC_GROUP): "SELECT, INSERT"},
    # Kept by triggers that run as the store's owner (SECURITY DEFINER).
    "inbox_tally": {(*_ALL_AGENTS, SYNC_GROUP): "SELECT"},
    "alembic_version": {(*_ALL_AGENTS, SYNC_GROUP): "SELECT"},
}


def _quoted(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)


def team_roles_sql(conn: Connection) -> list[str]:
    """The statements that create the group roles and grant what each may do."""
    groups = [*AGENT_GROUPS.values(), SYNC_GROUP, READ_ONLY_GROUP]
    out = [
        "DO $$ BEGIN "
        + " ".join(
            f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{g}') THEN "
            f"CREATE ROLE {g} NOLOGIN; END IF;"
            for g in groups
        )
        + " END $$",
        f"GRANT CONNECT ON DATABASE {_quoted(conn, _database(conn))} TO {', '.join(groups)}",
        f"GRANT USAGE ON SCHEMA public TO {', '.join(groups)}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {', '.join(groups)}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READ_ONLY_GROUP}",
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "
        + ", ".join([*AGENT_GROUPS.values(), SYNC_GROUP]),
        # Run as the store's owner, with the schema fixed (a definer's function must not
        # resolve names through the caller's search_path).
        "ALTER FUNCTION inbox_tally_change() SECURITY DEFINER SET search_path = public",
        "ALTER FUNCTION convo_audit_identity() SECURITY DEFINER SET search_path = public",
    ]
    # A migration before the one that adds a table grants what exists at that point.
    existing = {
        str(name)
        for (name,) in conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
    }
    for table, grants in TABLE_GRANTS.items():
        if table not in existing:
            continue
        for roles, privileges in grants.items():
            out.append(f"GRANT {privileges} ON {table} TO {', '.join(roles)}")
    return out


def _database(conn: Connection) -> str:
    return str(conn.exec_driver_sql("SELECT current_database()").scalar())


def may_create_roles(conn: Connection) -> bool:
    """Whether this connection's role may create roles (superuser or CREATEROLE)."""
    if conn.dialect.name != "postgresql":
        return False
    found = conn.exec_driver_sql(
        "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
    ).scalar()
    return bool(found)


def apply_team_roles(conn: Connection) -> bool:
    """Create the group roles and their grants when this connection may (idempotent);
    False when it may not (the database administrator runs `team_roles_sql`)."""
    if not may_create_roles(conn):
        return False
    for statement in team_roles_sql(conn):
        conn.exec_driver_sql(statement)
    return True


def session_login(conn: Connection) -> str | None:
    """The database role of this session (PostgreSQL): who the agent is there."""
    if conn.dialect.name != "postgresql":
        return None
    return str(conn.exec_driver_sql("SELECT session_user").scalar())


def agent_role_sql(conn: Connection, login: str, role: str, *, active: bool = True) -> list[str]:
    """The statements that make `login` a database role in its inbox role's group (and
    in no other), or take its login away when it is removed. A role that is no inbox
    role (analyst, viewer) reads only."""
    name = _quoted(conn, login)
    group = AGENT_GROUPS.get(role, READ_ONLY_GROUP)
    others = [g for g in [*AGENT_GROUPS.values(), READ_ONLY_GROUP] if g != group]
    if not active:
        return [f"ALTER ROLE {name} NOLOGIN", f"REVOKE {', '.join([*others, group])} FROM {name}"]
    return [
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
        f"{_literal(login)}) THEN CREATE ROLE {name} LOGIN; END IF; END $$",
        f"ALTER ROLE {name} LOGIN",
        f"REVOKE {', '.join(others)} FROM {name}",
        f"GRANT {group} TO {name}",
    ]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# The audit log takes who acted from the session, not from the row: an agent's role
# writes its own agent id whatever the INSERT says, the sync's none; the store's owner
# (set-up, the demo's stand-ins) is trusted as it writes.
_PG_AUDIT_IDENTITY = (
    "CREATE OR REPLACE FUNCTION convo_audit_identity() RETURNS trigger AS $$ "
    "DECLARE me integer; BEGIN "
    "NEW.os_login := session_user; "
    "SELECT id INTO me FROM agent WHERE login = session_user; "
    "IF me IS NOT NULL THEN NEW.agent_id := me; "
    "ELSIF EXISTS (SELECT FROM pg_roles WHERE rolname = 'convo_sync') THEN "
    "IF pg_has_role(session_user, 'convo_sync', 'MEMBER') THEN NEW.agent_id := NULL; END IF; "
    "END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER convo_audit_identity BEFORE INSERT ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION convo_audit_identity()",
)


def create_audit_identity(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        for statement in _PG_AUDIT_IDENTITY:
            conn.exec_driver_sql(statement)


def drop_audit_identity(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS convo_audit_identity ON audit_log")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS convo_audit_identity()")
