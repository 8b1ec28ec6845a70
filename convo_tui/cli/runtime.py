"""What every command needs: config, the store, the acting agent, and output."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text
from sqlmodel import Session

from convo_tui import clock, file_modes, paths
from convo_tui.config import Config, load_config
from convo_tui.core import agents, arrival, conversations, roles
from convo_tui.core import settings as settings_mod
from convo_tui.store import dialect
from convo_tui.store.engine import MissingStore, Store, sqlite_url
from convo_tui.store.models import Agent
from convo_tui.store.open import open_store


@dataclass
class Runtime:
    """Per-invocation state, built lazily so `--help` touches nothing."""

    db: Path | None = None
    agent_login: str | None = None
    creates: bool = False
    """Whether opening the store may create it (`convo init`, `convo demo`); elsewhere a
    missing store is an error that says how to create one."""
    warns: bool = True
    """Whether opening a SQLite store that others can read says so on stderr (doctor
    lists it among its checks instead)."""
    _config: Config | None = None
    _store: Store | None = None
    _login: str | None = None
    now: datetime = field(default_factory=lambda: clock.utcnow())
    out: Console = field(
        default_factory=lambda: Console(highlight=False, soft_wrap=True, emoji=False)
    )
    err: Console = field(
        default_factory=lambda: Console(highlight=False, soft_wrap=True, emoji=False, stderr=True)
    )

    @property
    def config(self) -> Config:
        if self._config is None:
            config = load_config()
            if config.keys:
                # The terminal UI's bindings decide what [keys] may say: loaded only when the
                # file has that table, so a broken one is reported by every command alike.
                from convo_tui.app import keymap_of

                keymap_of(config.keys)
            self._config = config
        return self._config

    def database_url(self) -> str:
        config = self.config  # read even with --db: a broken config file is reported
        if self.db is not None:
            return sqlite_url(self.db.expanduser().resolve())
        return config.resolved_database_url()

    @property
    def store(self) -> Store:
        if self._store is None:
            try:
                self._store = open_store(self.database_url(), create=self.creates)
            except MissingStore as exc:
                raise MissingStore(exc.what, self.create_hint()) from None
            database = self._store.sqlite_file
            if self.warns and database is not None:
                for line in file_modes.store_warnings(database, paths.data_dir()):
                    self.err.print(Text(f"convo: warning: {line}"))
        return self._store

    def create_hint(self) -> str:
        """How to create the store this invocation points at."""
        where = f" --db {shlex.quote(str(self.db))}" if self.db is not None else ""
        return f"create it with `convo init{where}`, or try convo with `convo demo{where}`"

    def login(self) -> str:
        """The acting agent: the OS login, or on PostgreSQL the session's database role;
        `--agent` may name another agent only on a stand-in store (demo, bench, test:
        core.roles.acting_login)."""
        if self._login is None:
            self._login = self._acting_login()
        return self._login

    def _acting_login(self) -> str:
        if self.store.server is None:
            me = roles.os_login()
            if self.agent_login is None or self.agent_login == me:
                return me  # the usual case on a shared host: no read of the store
        with self.store.read() as session:
            kind = agents.store_kind(session)
            database_role = dialect.session_login(session.connection())
        return roles.acting_login(self.agent_login, kind, database_role=database_role)

    @contextmanager
    def acting(self) -> Iterator[tuple[Session, Agent]]:
        """A write transaction and the agent doing it (refused if their role may not)."""
        with self.store.write() as session:
            agent = agents.identify(session, self.login(), now=self.now)
            conversations.wake_due(session, now=self.now)
            yield session, agent

    @contextmanager
    def reading(self) -> Iterator[tuple[Session, Agent]]:
        """A read session for an identified agent; wakes due snoozes first."""
        arrival.claim_first_run(self.store, self.login(), now=self.now)
        arrival.wake_due(self.store, now=self.now)
        with self.store.read() as session:
            yield session, agents.identify(session, self.login(), now=self.now)

    def settings(self, session: Session) -> settings_mod.InboxSettings:
        return settings_mod.load(session)

    def print_json(self, data: Any) -> None:
        # ASCII-only: no control or bidi character from customer text reaches the terminal.
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=True, default=str) + "\n")

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
