"""The store handle: URL resolution, engine, sessions, error mapping.

Opening one (with its schema brought up to date) is `convo_tui.store.open`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlmodel import Session

from convo_tui import file_modes
from convo_tui.errors import StoreError, StoreFull, StoreUnreachable
from convo_tui.store import dialect


class MissingStore(StoreError):
    """There is no convo store where the URL points (only `convo init` and `convo demo`
    create one: a mistyped path is not an empty inbox)."""

    exit_code = 5


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@dataclass
class Store:
    """An open store: one engine, and sessions that read or write."""

    engine: Engine
    url: str

    @property
    def label(self) -> str:
        """The store's location for messages, without any password."""
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def sqlite_file(self) -> Path | None:
        """The store's file when it is a SQLite file, else None."""
        parsed = make_url(self.url)
        if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
            return None
        return Path(parsed.database).expanduser().absolute()

    @property
    def server(self) -> str | None:
        """host:port of a database server (None for a SQLite file)."""
        return server_of(self.url)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reads; it never takes the write lock."""
        with self.translated(), Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that takes the write lock first and commits on success."""
        writer = self.engine.execution_options(convo_write=True)
        with (
            self.translated(),
            Session(writer, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def translated(self) -> Iterator[None]:
        """Database errors a user can act on, as one-line StoreErrors (for code that uses
        a connection of its own rather than `read` or `write`)."""
        try:
            yield
        except DBAPIError as exc:
            raise store_error(exc, self.label, self.server) from exc

    def close(self) -> None:
        self.engine.dispose()


def store_error(exc: DBAPIError, label: str, server: str | None = None) -> StoreError | DBAPIError:
    """The one classifier of database failures: a one-line StoreError for those a user can
    act on (StoreUnreachable and StoreFull for the ones that end by themselves or by freeing
    space, so the inbox and the sync retry them); others pass through. `server` is the
    host:port the message names (never the URL: it may hold a password)."""
    where = server or label
    if dialect.is_unreachable(exc):
        return StoreUnreachable(
            f"the database at {where} is unreachable ({_reason(exc)})",
            "check that the server runs and that CONVO_DATABASE_URL names it, then try again",
        )
    if dialect.is_full(exc):
        return StoreFull(
            f"the store {label} is full (database or disk is full); nothing was saved",
            "free disk space where the store lives, then try again (what is stored is intact)",
        )
    if dialect.is_login_refused(exc):
        return StoreError(
            f"the database at {where} refused the login ({_reason(exc)})",
            "check the user and password in CONVO_DATABASE_URL",
        )
    if dialect.is_locked(exc):
        return StoreError(
            f"the store {label} is locked by another process",
            "wait for it to finish (or stop it) and try again",
        )
    if dialect.is_corrupt(exc):
        return StoreError(
            f"the store {label} is not a convo database or is damaged",
            "restore it from a backup, or point --db / CONVO_DATABASE_URL at another file",
        )
    if (refused := dialect.refused_privilege(exc)) is not None:
        return StoreError(
            f"the database does not let this role do that ({refused})",
            "ask its administrator; `convo agents roles` prints the grants each role has",
        )
    if dialect.is_read_only(exc):
        return read_only(label)
    if "unable to open" in str(exc.orig).lower():
        return StoreError(
            f"cannot open the store {label}",
            "check that the directory exists and is writable",
        )
    return exc


def server_of(url: str) -> str | None:
    """host:port of a server database URL, else None (SQLite)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() == "sqlite":
        return None
    host = parsed.host or "localhost"
    return f"{host}:{parsed.port}" if parsed.port else host


def read_only(label: str) -> StoreError:
    return StoreError(
        f"the store {label} is read-only",
        "make it writable for your user (e.g. chmod u+w on the file), or use another store",
    )


def _first_line(exc: DBAPIError) -> str:
    """The driver's own first line (never the SQL or the URL, so never a password)."""
    lines = str(exc.orig).strip().splitlines()
    return lines[0][:160] if lines else type(exc.orig).__name__


def _reason(exc: DBAPIError) -> str:
    """Why, in the driver's last words: 'connection failed: connection to server at "h",
    port 5432 failed: Connection refused' → 'Connection refused'."""
    return _first_line(exc).rsplit("failed: ", 1)[-1].strip() or "no answer"


def make_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for `url`, configured for convo (no connection is made yet).

    A SQLite file's directory is created only with `create`; without it a file
    that does not exist is a MissingStore, and one this user may not write is refused."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"{url!r} is not a database URL",
            "use a path with --db, or a URL such as sqlite:///inbox.db or postgresql+psycopg://...",
        ) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database).expanduser()
        if create:
            # Made before SQLite first opens it: its -wal and -shm files take its mode.
            file_modes.make_dir(path.parent)
            file_modes.create_file(path)
        elif not path.exists():
            where = "" if path.parent.is_dir() else f" (the folder {path.parent} does not exist)"
            raise MissingStore(f"there is no store at {path}{where}", "create it with `convo init`")
        if path.exists() and not os.access(path, os.W_OK):
            raise read_only(str(path))
    try:
        engine = create_engine(
            parsed, connect_args=dialect.connect_args(parsed.get_backend_name(), parsed.query)
        )
    except Exception as exc:  # an unknown driver or a missing DBAPI module
        raise StoreError(
            f"cannot use the database URL {parsed.render_as_string(hide_password=True)} ({exc})",
            "install the database driver or fix the URL",
        ) from None
    dialect.configure(engine)
    return engine
