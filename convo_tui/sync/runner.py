"""Running sync for a store from the configuration: used by `convo sync` and the TUI.

It holds the store's sync lock, builds the provider clients, runs rounds, and
sends email notifications on a background thread after each round, so a dead
SMTP server never holds up sync.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from convo_tui import clock
from convo_tui.config import Config
from convo_tui.core.email_notify import EmailNotifier
from convo_tui.errors import ConvoError
from convo_tui.live import SyncStatus
from convo_tui.providers import factory
from convo_tui.providers.http import RetryPolicy
from convo_tui.store.engine import Store
from convo_tui.sync.engine import SyncEngine, SyncReport
from convo_tui.sync.lock import SyncBusy, SyncLock

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


class BackgroundSync:
    """Sync rounds on a thread every `interval` seconds, for the terminal UI.

    It is the UI's `SyncSource`: `status()` tells the status line how sync is
    doing, `wake()` starts the next round now (a reply was queued). When another
    process already syncs this store (a team's `convo sync --follow`), this one
    stays off and the UI simply reads what that one writes.
    """

    def __init__(
        self,
        store: Store,
        config: Config,
        *,
        interval: float = 5.0,
        policy: RetryPolicy | None = None,
        on_news: Callable[[], None] | None = None,
    ) -> None:
        """`on_news` is called (on the sync thread) after a round that stored something,
        so a UI can look at the store at once instead of at its next poll."""
        self.store = store
        self.config = config
        self.interval = interval
        self.policy = policy
        self.on_news = on_news
        self._status = SyncStatus(state="idle")
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._told = (0, 0, 0, 0)
        self._thread = threading.Thread(target=self._run, name="convo-sync", daemon=True)

    def start(self) -> BackgroundSync:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def wake(self) -> None:
        self._wake.set()

    def _set(self, **changes: object) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)  # type: ignore[arg-type]

    def _news(self, report: SyncReport) -> None:
        """After each step: tell the UI as soon as a step stored something new,
        not at the end of the round (deliveries and the outbox can take a while)."""
        seen = (report.messages, report.updates, report.sent, report.failed)
        if seen != self._told and any(seen):
            self._told = seen
            if self.on_news is not None:
                self.on_news()

    def _run(self) -> None:
        try:
            with sync_engine(
                self.store, self.config, policy=self.policy, on_progress=self._news
            ) as engine:
                waited = 0.0
                while not self._stop.is_set():
                    # Rounds start every `interval` seconds, whatever a round took,
                    # so a text waits at most one interval for its round.
                    started = time.monotonic()
                    self._set(state="syncing")
                    self._told = (0, 0, 0, 0)
                    report = engine.run_once()
                    waited += report.waited
                    if report.errors:
                        self._set(
                            state="error",
                            last_error=report.errors[-1],
                            errors=self.status().errors + len(report.errors),
                            rate_limit_wait=waited,
                        )
                    else:
                        self._set(
                            state="idle",
                            last_sync=report.finished,
                            last_error=None,
                            rate_limit_wait=waited,
                        )
                    rest = self.interval - (time.monotonic() - started)
                    rest = min(rest, engine.rest(report, self.interval))  # a reply falls due
                    if rest > 0:
                        self._wake.wait(rest)
                    self._wake.clear()
        except SyncBusy as exc:
            self._set(state="off", last_error=exc.what)
        except ConvoError as exc:  # bad config: shown, never a crash
            self._set(state="error", last_error=exc.line(), errors=self.status().errors + 1)
        except Exception as exc:  # the UI must outlive a sync bug; the log has the rest
            log.exception("background sync stopped")
            self._set(
                state="error",
                last_error=f"sync stopped: {type(exc).__name__}",
                errors=self.status().errors + 1,
            )
