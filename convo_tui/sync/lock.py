"""One sync at a time per store, with a lock the operating system (or PostgreSQL)
releases when its holder dies: a killed sync never blocks the next one.

The lock says who holds it (`Holder`), so an app that finds it taken can say who
syncs ("sync by bea's app"), and keeps trying so it takes over when the holder
stops. On PostgreSQL the lock is a session advisory lock whose session has tight
TCP keepalives: a holder whose host died is dropped by the server within a minute.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from convo_tui import file_modes
from convo_tui.core.roles import os_login
from convo_tui.errors import ConvoError
from convo_tui.store import dialect
from convo_tui.store.engine import Store

KINDS = ("app", "service", "once")
"""What holds the lock: a terminal inbox, `convo sync --follow`, `convo sync --once`."""

APP_NAME = "convo-sync"
"""The first word of the lock session's application_name on PostgreSQL."""


@dataclass(frozen=True)
class Holder:
    """Who holds (or wants) the sync lock."""

    login: str
    kind: str = "once"
    pid: int = 0
    host: str = ""

    @classmethod
    def me(cls, kind: str, login: str | None = None) -> Holder:
        return cls(login or os_login(), kind, os.getpid(), socket.gethostname())

    def words(self) -> str:
        """ "sync service", "bea's app", "bea's convo sync --once" (on another host: "… on h")."""
        if self.kind == "service":
            what = "sync service"
        elif self.kind == "app":
            what = f"{self.login}'s app"
        else:
            what = f"{self.login}'s convo sync --once"
        if self.host and self.host != socket.gethostname():
            what += f" on {self.host}"
        return what

    def status_words(self) -> str:
        """What the status line says while this holder syncs: "sync service", "sync by
        bea's app"."""
        words = self.words()
        return words if self.kind == "service" else f"sync by {words}"

    def encode(self) -> str:
        return json.dumps(
            {"login": self.login, "kind": self.kind, "pid": self.pid, "host": self.host}
        )

    @classmethod
    def decode(cls, text: str) -> Holder | None:
        """From the lock file; None for an empty or unreadable one (a plain pid, as older
        versions wrote it, gives a holder with only the pid)."""
        text = text.strip()
        if text.isdigit():
            return cls("someone", "once", int(text))
        try:
            data = json.loads(text)
            kind = str(data.get("kind", "once"))
            return cls(
                str(data.get("login") or "someone")[:64],
                kind if kind in KINDS else "once",
                int(data.get("pid") or 0),
                str(data.get("host") or "")[:64],
            )
        except (ValueError, TypeError, AttributeError):
            return None

    def app_name(self) -> str:
        """The lock session's application_name (PostgreSQL keeps 63 bytes of it)."""
        return f"{APP_NAME} {self.kind} {self.pid} {self.host[:20]} {self.login}"[:63]

    @classmethod
    def from_app_name(cls, name: str, user: str) -> Holder:
        parts = name.split(" ", 4)
        if len(parts) == 5 and parts[0] == APP_NAME and parts[1] in KINDS and parts[2].isdigit():
            return cls(parts[4] or user, parts[1], int(parts[2]), parts[3])
        return cls(user or "someone", "once")


class SyncBusy(ConvoError):
    exit_code = 5

    def __init__(self, what: str, hint: str = "", holder: Holder | None = None) -> None:
        super().__init__(what, hint)
        self.holder = holder


class SyncLost(ConvoError):
    """The lock went away under a running sync (its session ended, its file was removed):
    the sync must stop its rounds and take the lock again before going on."""


def _busy(holder: Holder | None) -> SyncBusy:
    who = f" ({holder.words()}, pid {holder.pid})" if holder is not None and holder.pid else ""
    return SyncBusy(
        f"another sync{who} is running on this store",
        "let it finish, or stop it; a killed sync releases the lock by itself",
        holder,
    )


def current_holder(store: Store) -> Holder | None:
    """Who holds the store's sync lock now (None: nobody syncs), without taking it: the
    lock session's name on PostgreSQL, the lock file's contents while it is locked."""
    url = make_url(store.url)
    if url.get_backend_name() != "sqlite":
        with store.translated(), store.engine.connect() as conn:
            found = dialect.sync_lock_holder(conn)
        return Holder.from_app_name(*found) if found else None
    if url.database in (None, "", ":memory:"):
        return None
    database = Path(url.database).expanduser().resolve()
    path = database.with_name(database.name + ".sync-lock")
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None  # no sync has ever run here, or the file is not ours to read
    try:
        try:  # a shared lock is refused while a sync holds its exclusive one
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return Holder.decode(os.pread(fd, 512, 0).decode(errors="replace")) or Holder("someone")
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


class SyncLock:
    """`with SyncLock(store, holder):` — raises SyncBusy when another sync holds it.
    `verify()` raises SyncLost when this one no longer does."""

    def __init__(self, store: Store, holder: Holder | None = None) -> None:
        self.store = store
        self.holder = holder or Holder.me("once")
        self._fd: int | None = None
        self._path: Path | None = None
        self._conn: Connection | None = None

    def __enter__(self) -> SyncLock:
        url = make_url(self.store.url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            self._lock_file(Path(url.database).expanduser().resolve())
        else:
            self._lock_session()
        return self

    def _lock_session(self) -> None:
        conn = self.store.engine.connect()
        try:
            got = dialect.try_sync_lock(conn)
            found = None if got else dialect.sync_lock_holder(conn)
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()  # back to the pool: an app asks again in a second
            raise _busy(Holder.from_app_name(*found) if found else None)
        try:
            dialect.mark_sync_session(conn, self.holder.app_name())
        except BaseException:
            # Half-set session settings must not go back to the pool.
            with contextlib.suppress(DBAPIError):
                conn.invalidate()
            conn.close()
            raise
        self._conn = conn

    def _lock_file(self, database: Path) -> None:
        path = database.with_name(database.name + ".sync-lock")
        fd = file_modes.open_file(path, os.O_RDWR)  # 0600, or 0660 in a group folder
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = Holder.decode(os.read(fd, 512).decode(errors="replace"))
            os.close(fd)
            raise _busy(holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, self.holder.encode().encode(), 0)
        self._fd, self._path = fd, path

    def verify(self) -> None:
        """Before each round: still ours? A PostgreSQL session that ended (a server
        restart, a network cut the keepalives noticed) took the lock with it, and a lock
        file someone removed no longer keeps the next sync out."""
        if self._fd is not None and self._path is not None:
            try:
                same = os.stat(self._path).st_ino == os.fstat(self._fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                raise SyncLost(
                    f"the sync lock file {self._path} was removed or replaced",
                    "the sync takes the lock again",
                )
        if self._conn is not None:
            try:
                with self.store.translated():
                    held = dialect.holds_sync_lock(self._conn)
            except BaseException:
                with contextlib.suppress(DBAPIError):
                    self._conn.invalidate()
                raise
            if not held:
                raise SyncLost(
                    "the sync lock was released under this sync",
                    "the sync takes the lock again",
                )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = self._path = None
        if self._conn is not None:
            # A broken connection (server down) took the lock with it: nothing to release.
            if not self._conn.invalidated:
                with contextlib.suppress(SQLAlchemyError):
                    dialect.release_sync_lock(self._conn)
            # Closed for good: its name and keepalives must not go back to the pool.
            with contextlib.suppress(SQLAlchemyError):
                self._conn.invalidate()
            self._conn.close()
            self._conn = None
