"""One sync at a time per store, with a lock the operating system (or PostgreSQL)
releases when its holder dies: a killed sync never blocks the next one."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from types import TracebackType

from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError

from convo_tui import file_modes
from convo_tui.errors import ConvoError
from convo_tui.store import dialect
from convo_tui.store.engine import Store


class SyncBusy(ConvoError):
    exit_code = 5


class SyncLock:
    """`with SyncLock(store):` — raises SyncBusy when another sync holds it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._fd: int | None = None
        self._conn: Connection | None = None

    def __enter__(self) -> SyncLock:
        url = make_url(self.store.url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            self._lock_file(Path(url.database).expanduser().resolve())
        else:
            self._conn = self.store.engine.connect()
            if not dialect.try_sync_lock(self._conn):
                self._conn.close()
                self._conn = None
                raise SyncBusy("another sync is running on this store", "let it finish, or stop it")
        return self

    def _lock_file(self, database: Path) -> None:
        path = database.with_name(database.name + ".sync-lock")
        fd = file_modes.open_file(path, os.O_RDWR)  # 0600, or 0660 in a group folder
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise SyncBusy(
                f"another sync (pid {holder}) is running on this store",
                "let it finish, or stop it; a killed sync releases the lock by itself",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        if self._conn is not None:
            # A broken connection (server down) took the lock with it: nothing to release.
            with contextlib.suppress(DBAPIError):
                dialect.release_sync_lock(self._conn)
            self._conn.close()
            self._conn = None
