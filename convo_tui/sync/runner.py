"""Running sync for a store from the configuration: used by `convo sync` and the TUI.

It holds the store's sync lock, builds the provider clients, runs rounds, and
sends email notifications on a background thread after each round, so a dead
SMTP server never holds up sync.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from convo_tui import clock
from convo_tui.config import Config
from convo_tui.core.email_notify import EmailNotifier
from convo_tui.providers import factory
from convo_tui.providers.http import RetryPolicy
from convo_tui.store.engine import Store
from convo_tui.sync.engine import SyncEngine, SyncReport
from convo_tui.sync.lock import SyncLock

log = logging.getLogger("convo.sync")


@dataclass
class Mailer:
    """Email notifications off the sync thread: at most one send in flight."""

    notifier: EmailNotifier
    _thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def kick(self) -> None:
        if self.busy:
            return  # still busy with the last batch (a slow server): try after the next round
        self._thread = threading.Thread(target=self._send, name="convo-email", daemon=True)
        self._thread.start()

    def _send(self) -> None:
        try:
            self.notifier.send_pending(now=clock.utcnow())
        except Exception:  # a store error: logged, sync goes on
            log.exception("email notifications failed")

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)


@contextmanager
def sync_engine(
    store: Store,
    config: Config,
    *,
    on_progress: Callable[[SyncReport], None] | None = None,
    policy: RetryPolicy | None = None,
    mailer: Mailer | None = None,
) -> Iterator[SyncEngine]:
    """A SyncEngine for `store` under its sync lock (raises SyncBusy when held)."""
    twilio = factory.twilio_client(config, policy)
    klaviyo = factory.klaviyo_client(config, policy)
    mailer = mailer or Mailer(EmailNotifier(store, config.smtp))
    try:
        with SyncLock(store):
            yield SyncEngine(
                store,
                twilio,
                klaviyo,
                on_progress=on_progress,
                after_round=lambda _store, _now: mailer.kick(),
            )
            mailer.join(timeout=10)
    finally:
        twilio.close()
        if klaviyo is not None:
            klaviyo.close()
