"""Opening the terminal inbox with a live sync: on the configured providers (`convo`)
or on the embedded sandbox with the demo data (`convo demo`).

Without a terminal (a pipe, a script, CI) both print the inbox instead, so the
commands stay usable from scripts.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from convo_tui.cli.runtime import Runtime
from convo_tui.config import Config, ConfigError, KlaviyoConfig, TwilioConfig

if TYPE_CHECKING:
    from collections.abc import Callable

    from convo_tui.sandbox import Credentials
    from convo_tui.store.engine import Store
    from convo_tui.sync.runner import BackgroundSync
    from convo_tui.sync.status import SyncSource

LIVE_INTERVAL = 5.0
"""Seconds between sync rounds against real providers."""
DEMO_INTERVAL = 2.0
"""Seconds between sync rounds against the in-process sandbox."""
DEMO_HAPPENINGS = 8.0
"""Seconds between simulated customer happenings in the demo (CONVO_DEMO_SIMULATE_EVERY;
0 turns the simulation off)."""


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


class ProgressLine:
    """What is loading, on one line of the terminal rewritten in place (on stderr, so
    stdout stays the command's output); silent when stderr is not a terminal."""

    def __init__(self) -> None:
        self.stream = sys.stderr
        self.on = self.stream.isatty()
        self._shown = False

    def __call__(self, words: str) -> None:
        if self.on:
            self.stream.write(f"\r\x1b[2K{words}")  # back to the start, then clear the line
            self.stream.flush()
            self._shown = True

    def done(self) -> None:
        """Clear the line (what was loaded is said by the command itself)."""
        if self._shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._shown = False


def open_inbox(rt: Runtime, *, demo: bool) -> int:
    """Run the terminal inbox with a background sync until the agent quits."""
    from convo_tui.cli.tui_cmd import build_tui

    app = build_tui(rt)  # identifies the agent first: a refused role never starts a sync
    sandbox = None
    config = rt.config
    if demo:
        from convo_tui.sandbox import Sandbox

        every = _seconds("CONVO_DEMO_SIMULATE_EVERY", DEMO_HAPPENINGS)
        sandbox = Sandbox(history=False, simulate=every > 0, interval=every or 1).start()
        config = sandbox_config(config, sandbox.base_url, sandbox.credentials)
    interval = DEMO_INTERVAL if demo else LIVE_INTERVAL
    sync = inbox_sync(rt, config, interval, app.poke, demo=demo)
    app.sync = sync
    try:
        app.run()
        return int(app.return_code or 0)
    finally:
        from convo_tui.sync.runner import BackgroundSync

        if isinstance(sync, BackgroundSync):  # its own sync, not a watch of the service
            sync.stop()
        if sandbox is not None:
            sandbox.stop()


def inbox_sync(
    rt: Runtime, config: Config, interval: float, on_news: Callable[[], None], *, demo: bool
) -> SyncSource:
    """What the inbox's status line watches: its own sync on SQLite (with the provider
    configured), else the sync service. On PostgreSQL only the service syncs: it alone
    holds the provider secrets (and the grants sync needs)."""
    from convo_tui.sync.service_watch import ServiceWatch

    if rt.store.server is None or demo:
        sync = background_sync(rt.store, config, interval, on_news, rt.login())
        if sync is not None:
            return sync
    return ServiceWatch(rt.store)


def background_sync(
    store: Store,
    config: Config,
    interval: float,
    on_news: Callable[[], None],
    login: str | None = None,
) -> BackgroundSync | None:
    """The UI's sync thread, started; None when Twilio is not configured (the inbox
    still opens, reading the store). Others see it as `login`'s app."""
    from convo_tui.providers.factory import check_twilio
    from convo_tui.sync.lock import Holder
    from convo_tui.sync.runner import BackgroundSync

    try:
        check_twilio(config.twilio)
    except ConfigError:
        return None
    holder = Holder.me("app", login)
    return BackgroundSync(store, config, interval=interval, on_news=on_news, holder=holder).start()


def _seconds(variable: str, default: float) -> float:
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{variable} must be a number of seconds, not {raw!r}", "") from None
    if value < 0:
        raise ConfigError(f"{variable} must not be negative", "")
    return value


def sandbox_config(config: Config, base_url: str, c: Credentials) -> Config:
    """The host's config with both providers pointed at a sandbox."""
    return replace(
        config,
        twilio=TwilioConfig(
            base_url=base_url,
            account_sid=c.account_sid,
            auth_token=c.auth_token,
            from_number=c.from_number,
        ),
        klaviyo=KlaviyoConfig(base_url=base_url, api_key=c.klaviyo_api_key),
    )
