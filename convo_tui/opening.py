"""Opening the inbox fast: paint the first page, then load the store behind it.

`convo` on a terminal first paints the newest open conversations read by
`core.first_page` (`store.quickread`: the standard library's sqlite3), while a thread imports
SQLAlchemy, opens the store, identifies the agent and starts the sync. Every
read or action the UI makes goes to `PendingDesk`, which hands it to the real
Desk once loaded; the UI runs those calls in thread workers, so until then
they simply wait, and the agent can already read and move through the list.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from convo_tui import clock
from convo_tui.errors import ConvoError

if TYPE_CHECKING:
    from convo_tui.app import ConvoApp
    from convo_tui.session.desk import Desk

log = logging.getLogger(__name__)


class PendingDesk:
    """Stands for the Desk until it is loaded; attribute reads wait for it (on workers)."""

    def __init__(self, now: Callable[[], datetime] = clock.utcnow) -> None:
        self.now = now
        self._ready = threading.Event()
        self._desk: Desk | None = None
        self._error: BaseException | None = None

    def resolve(self, desk: Desk) -> None:
        desk.now = self.now
        self._desk = desk
        self._ready.set()

    def fail(self, error: BaseException) -> None:
        self._error = error
        self._ready.set()

    @property
    def loaded(self) -> bool:
        return self._desk is not None

    def close_watch(self) -> None:
        """The app is closing: close the real desk's watch, or release whoever waits."""
        if self._desk is not None:
            self._desk.close_watch()
        elif not self._ready.is_set():
            self.fail(RuntimeError("the inbox closed before the store loaded"))

    def __getattr__(self, name: str) -> Any:
        self._ready.wait()
        if self._desk is None:
            raise self._error or RuntimeError("the store did not load")
        return getattr(self._desk, name)


def open_fast(db: Path | None, agent: str | None) -> int | None:
    """Run the inbox from a quick first page; None when the normal start must decide
    (no SQLite store yet, another revision, an unknown agent, a broken config...)."""
    from convo_tui.config import ConfigError, load_config
    from convo_tui.core.first_page import first_page

    try:
        config = load_config()
    except ConfigError:
        return None  # the CLI reports it
    if db is not None:
        path = db.expanduser()
    else:
        url = config.resolved_database_url()
        if not url.startswith("sqlite:///"):
            return None
        path = Path(url.removeprefix("sqlite:///"))
    from convo_tui.session.inbox_pages import PAGE

    first = first_page(path, agent, limit=PAGE)
    if first is None:
        return None

    from convo_tui.app import ConvoApp

    desk = PendingDesk()
    stop: list[Callable[[], None]] = []
    loader = threading.Thread(target=lambda: _load(app, desk, db, agent, stop), daemon=True)
    try:
        app = ConvoApp(
            desk,  # type: ignore[arg-type]
            keys=config.keys,
            opening=first,
            on_opened=loader.start,
        )
    except ConfigError:
        return None  # a bad [keys] table: the CLI reports it
    try:
        app.run()
    finally:
        if loader.is_alive():
            loader.join(timeout=10)
        for step in stop:
            step()
    return int(app.return_code or 0)


def _load(
    app: ConvoApp,
    pending: PendingDesk,
    db: Path | None,
    agent: str | None,
    stop: list[Callable[[], None]],
) -> None:
    """The normal start, on a thread: store, agent, desk, then the sync."""
    try:
        from convo_tui.cli.inbox_launch import LIVE_INTERVAL, background_sync
        from convo_tui.cli.runtime import Runtime
        from convo_tui.session.desk import Desk

        rt = Runtime(db=db, agent_login=agent)
        with rt.reading():
            pass  # identifies the agent and wakes due snoozes, as the CLI does
        stop.append(rt.store.close)
        sync = background_sync(rt.store, rt.config, LIVE_INTERVAL, app.poke)
        if sync is not None:
            stop.insert(0, sync.stop)
        app.sync = sync
        pending.resolve(Desk(rt.store, rt.login()))
        # What just loaded (SQLAlchemy, the models) lives as long as the app: keep it out
        # of the collector's full passes, as the inbox screen did for what it found.
        gc.freeze()
    except Exception as exc:  # the app's start worker meets it and exits with the line
        if not isinstance(exc, ConvoError):
            log.exception("loading the store failed")
        pending.fail(exc)
