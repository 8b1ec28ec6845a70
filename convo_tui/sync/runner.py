"""Running sync for a store from the configuration: used by `convo sync` and the TUI.

It holds the store's sync lock, builds the provider clients, runs rounds, and
sends email notifications on a background thread after each round, so a dead
SMTP server never holds up sync.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from convo_tui import clock
from convo_tui.config import Config
from convo_tui.core.email_notify import EmailNotifier
from convo_tui.errors import ConvoError, StoreUnreachable
from convo_tui.providers import factory
from convo_tui.providers.http import Attempt, RetryPolicy
from convo_tui.providers.smtp import SmtpTransport
from convo_tui.store.engine import Store
from convo_tui.sync import engine as engine_mod
from convo_tui.sync.engine import SyncEngine, SyncReport
from convo_tui.sync.lock import Holder, SyncBusy, SyncLock, SyncLost
from convo_tui.sync.status import (
    ErrorRecord,
    RateLimitWait,
    RoundRecord,
    StreamHealth,
    SyncHealth,
    SyncStatus,
    short_reason,
)

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
    observer: Callable[[Attempt], None] | None = None,
    holder: Holder | None = None,
) -> Iterator[SyncEngine]:
    """A SyncEngine for `store` under its sync lock (raises SyncBusy when held, and
    SyncLost from a round once it is no longer held); `observer` is told about every
    HTTP try (sync health); `holder` is who others see syncing."""
    twilio = factory.twilio_client(config, policy)
    klaviyo = factory.klaviyo_client(config, policy)
    twilio.http.observer = observer
    if klaviyo is not None:
        klaviyo.http.observer = observer
    mailer = mailer or Mailer(EmailNotifier(store, SmtpTransport(config.smtp)))
    try:
        with SyncLock(store, holder) as lock:
            yield SyncEngine(
                store,
                twilio,
                klaviyo,
                on_progress=on_progress,
                after_round=lambda _store, _now: mailer.kick(),
                before_round=lock.verify,
            )
            mailer.join(timeout=10)
    finally:
        twilio.close()
        if klaviyo is not None:
            klaviyo.close()


def secrets_of(config: Config) -> list[str]:
    """What must never be shown: tokens, keys, passwords."""
    values = [
        config.twilio.auth_token,
        config.twilio.api_key_secret,
        config.klaviyo.api_key,
        config.smtp.password,
    ]
    return [v for v in values if v and len(v) >= 4]


def redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "•••")
    return text


def pulled_words(report: SyncReport) -> str:
    parts = [
        (report.messages, "new message"),
        (report.updates, "delivery update"),
        (report.profiles, "profile"),
        (report.events, "event"),
        (report.orders, "order"),
    ]
    words = [f"{n} {what}{'s' * (n != 1)}" for n, what in parts if n]
    if report.quarantined:
        words.append(f"{report.quarantined} set aside (unreadable)")
    return ", ".join(words) or "nothing new"


def pushed_words(report: SyncReport) -> str:
    parts = [
        (report.sent, "sent"),
        (report.failed, "failed"),
        (report.reconciled, "found sent"),
        (report.in_doubt, "in doubt"),
        (report.opt_outs_written, "opt-outs to Klaviyo"),
    ]
    return ", ".join(f"{n} {what}" for n, what in parts if n) or "nothing"


STEPS = (
    ("profiles", engine_mod.PROFILES),
    ("events", engine_mod.EVENTS),
    ("messages", engine_mod.MESSAGES),
    ("deliveries", ""),
    ("outbox", ""),
    ("opt-outs", ""),
)
"""The steps of a round as the panel lists them, with the cursor each reads from."""

KEPT = 20
"""Rounds, errors and rate-limit waits the panel keeps (newest)."""

LOCK_RETRY = 1.0
"""Seconds between tries for the sync lock while another process holds it."""

MAX_OUTAGE_PAUSE = 30.0
"""Seconds between tries while the store is unreachable, at most (backoff from 1 s)."""


def outage_pause(last: float) -> float:
    """The wait before the next try of an unreachable store: 1 s, doubling, at most
    MAX_OUTAGE_PAUSE (`last` is the previous wait, 0 for the first)."""
    return min(MAX_OUTAGE_PAUSE, max(1.0, last * 2))


class BackgroundSync:
    """Sync rounds on a thread every `interval` seconds, for the terminal UI.

    It is the UI's `SyncSource`: `status()` tells the status line how sync is
    doing, `health()` fills the sync panel, `wake()` starts the next round now (a
    reply was queued, or "sync now"). When another process already syncs this store
    (a team's `convo sync --follow`), this one stays off and the UI simply reads
    what that one writes.

    Health is watched per HTTP try, not per round: a refused connection says
    "failing" at once, while the round still retries; a round with no answer from
    the provider for longer than `stall_after` (default: the interval) is "stalled".
    """

    def __init__(
        self,
        store: Store,
        config: Config,
        *,
        interval: float = 5.0,
        policy: RetryPolicy | None = None,
        on_news: Callable[[], None] | None = None,
        stall_after: float | None = None,
        holder: Holder | None = None,
    ) -> None:
        """`on_news` is called (on the sync thread) after a round that stored something,
        so a UI can look at the store at once instead of at its next poll; `holder` is
        who others see syncing while this one holds the lock (default: this login's app)."""
        self.store = store
        self.holder = holder or Holder.me("app")
        self.config = config
        self.interval = interval
        self.stall_after = stall_after if stall_after is not None else interval
        self._stop = threading.Event()
        # Backoff waits end early when the app quits.
        self.policy = policy or RetryPolicy(sleep=self._stop.wait)
        self.on_news = on_news
        self._secrets = secrets_of(config)
        self._status = SyncStatus(state="idle")
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._why = "interval"
        self._told = (0, 0, 0, 0)
        self._thread = threading.Thread(target=self._run, name="convo-sync", daemon=True)
        # Health, under _lock:
        self._activity = time.monotonic()
        """When the provider last answered (or the round began): stalls count from it."""
        self._activity_at = clock.utcnow()
        self._waiting_until = 0.0
        self._waiting_until_at: datetime | None = None
        self._trouble: str | None = None
        """The last failed try, until the provider answers again."""
        self._failing: str | None = None
        """The last round's first error, until a round ends without one."""
        self._rounds: deque[RoundRecord] = deque(maxlen=KEPT)
        self._errors: deque[ErrorRecord] = deque(maxlen=KEPT)
        self._waits: deque[RateLimitWait] = deque(maxlen=KEPT)
        self._steps: dict[str, StreamHealth] = {
            cursor or name: StreamHealth(name=cursor or name) for name, cursor in STEPS
        }
        self._round: RoundRecord | None = None

    def start(self) -> BackgroundSync:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def status(self) -> SyncStatus:
        with self._lock:
            status = self._status
            if status.state != "syncing":
                return status
            now = time.monotonic()
            if now < self._waiting_until:
                return replace(status, state="waiting", since=self._waiting_until_at)
            trouble = self._trouble or self._failing
            if trouble:
                return replace(status, state="failing", last_error=trouble)
            if now - self._activity > self.stall_after:
                return replace(status, state="stalled", since=self._activity_at)
            return status

    def health(self) -> SyncHealth:
        status = self.status()
        with self._lock:
            rounds = ([self._round] if self._round is not None else []) + list(self._rounds)
            return SyncHealth(
                status=status,
                interval=self.interval,
                rounds=tuple(rounds),
                streams=tuple(self._steps.values()),
                errors=tuple(reversed(self._errors)),
                waits=tuple(reversed(self._waits)),
            )

    def wake(self, why: str = "reply queued") -> None:
        self._why = why
        self._wake.set()

    def _set(self, **changes: object) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)  # type: ignore[arg-type]

    def _clean(self, text: str) -> str:
        return redact(text, self._secrets)

    def _error(self, text: str) -> None:
        text, now = self._clean(text), clock.utcnow()
        with self._lock:
            # The same error again (each round repeats it): counted and moved up, not
            # listed again, so the panel keeps room for different ones.
            same = next((e for e in self._errors if e.text == text), None)
            if same is not None:
                self._errors.remove(same)
                self._errors.append(replace(same, at=now, times=same.times + 1))
            else:
                self._errors.append(ErrorRecord(now, text, first=now))

    def _attempt(self, attempt: Attempt) -> None:
        """Every HTTP try as it ends (on the sync thread)."""
        now, at = time.monotonic(), clock.utcnow()
        with self._lock:
            self._activity, self._activity_at = now + attempt.wait, at
            if attempt.outcome == "answered":
                self._trouble = None
                return
            if attempt.outcome == "rate_limited":
                self._waiting_until = now + attempt.wait
                self._waiting_until_at = at + timedelta(seconds=attempt.wait)
                self._waits.append(
                    RateLimitWait(
                        at,
                        attempt.provider,
                        attempt.method,
                        attempt.path,
                        attempt.retry_after,
                        attempt.wait,
                    )
                )
                self._status = replace(
                    self._status, rate_limit_wait=self._status.rate_limit_wait + attempt.wait
                )
                return
            retrying = f"; retrying in {attempt.wait:.0f}s" if attempt.wait else ""
            self._trouble = self._clean(f"{attempt.provider}: {attempt.reason}{retrying}")

    def _progress(self, report: SyncReport) -> None:
        """After each step: tell the UI as soon as a step stored something new,
        not at the end of the round (deliveries and the outbox can take a while)."""
        with self._lock:
            self._activity, self._activity_at = time.monotonic(), clock.utcnow()
            if self._round is not None:
                self._round = replace(
                    self._round,
                    step=report.step,
                    pulled=pulled_words(report),
                    pushed=pushed_words(report),
                )
        seen = (report.messages, report.updates, report.sent, report.failed)
        if seen != self._told and any(seen):
            self._told = seen
            if self.on_news is not None:
                self.on_news()

    def _begin(self, why: str) -> None:
        with self._lock:
            number = self._rounds[0].number + 1 if self._rounds else 1
            self._round = RoundRecord(number=number, why=why, started=clock.utcnow())
            self._activity, self._activity_at = time.monotonic(), clock.utcnow()
            self._trouble = None
            self._waiting_until = 0.0
            self._status = replace(self._status, state="syncing", since=None, by=None)

    def _end(self, report: SyncReport, cursors: dict[str, tuple[str, datetime]]) -> None:
        errors = tuple(self._clean(e) for e in report.errors)
        for error in errors:
            self._error(error)
        with self._lock:
            if self._round is not None:
                self._rounds.appendleft(
                    replace(
                        self._round,
                        finished=report.finished or clock.utcnow(),
                        step="",
                        pulled=pulled_words(report),
                        pushed=pushed_words(report),
                        errors=errors,
                    )
                )
                self._round = None
            for name, stream in STEPS:
                key = stream or name
                step = self._steps[key]
                position, moved = cursors.get(stream, (None, None)) if stream else (None, None)
                failure = report.failures.get(name)
                self._steps[key] = replace(
                    step,
                    cursor=position or step.cursor,
                    moved=moved or step.moved,
                    last_success=report.done.get(name, step.last_success),
                    last_error=self._clean(failure) if failure else None,
                )
            self._trouble = None
            if errors:
                self._failing = short_reason(errors[0])
                self._status = replace(
                    self._status,
                    state="failing",
                    last_error=self._failing,
                    errors=self._status.errors + len(errors),
                )
            else:
                self._failing = None
                self._status = replace(
                    self._status, state="idle", last_sync=report.finished, last_error=None
                )

    def _run(self) -> None:
        """Take the lock and run rounds; while another process holds it, say who and
        ask again every `LOCK_RETRY` seconds, so this one takes over within about a
        second when that one stops or dies; while the store is unreachable, back off
        and begin again (the lock went with the session)."""
        pause = 0.0
        while not self._stop.is_set():
            try:
                with self.store.translated(), self._engine() as engine:
                    pause = 0.0
                    self._rounds_under_lock(engine)
                return
            except SyncBusy as exc:
                self._set(state="elsewhere", by=self._who(exc), last_error=None)
                self._stop.wait(min(self.interval, LOCK_RETRY))
            except (StoreUnreachable, SyncLost) as exc:
                pause = outage_pause(pause)
                self._error(exc.line())
                with self._lock:
                    self._round = None
                    self._failing = short_reason(self._clean(exc.what))
                    self._status = replace(
                        self._status,
                        state="failing",
                        by=None,
                        last_error=f"{self._failing}; retrying in {pause:g}s",
                        errors=self._status.errors + 1,
                    )
                self._stop.wait(pause)
            except ConvoError as exc:  # bad config: shown, never a crash
                self._error(exc.line())
                self._set(
                    state="failing",
                    by=None,
                    last_error=self._clean(exc.what),
                    errors=self.status().errors + 1,
                )
                return
            except Exception as exc:  # the UI must outlive a sync bug; the log has the rest
                log.exception("background sync stopped")
                self._error(f"sync stopped: {type(exc).__name__}: {exc}")
                self._set(
                    state="failing",
                    by=None,
                    last_error=f"sync stopped: {type(exc).__name__}",
                    errors=self.status().errors + 1,
                )
                return

    def _engine(self) -> AbstractContextManager[SyncEngine]:
        return sync_engine(
            self.store,
            self.config,
            policy=self.policy,
            on_progress=self._progress,
            observer=self._attempt,
            holder=self.holder,
        )

    def _who(self, busy: SyncBusy) -> str:
        holder = busy.holder
        if holder is None:
            return "sync by another process"
        if holder.kind == "app" and holder.login == self.holder.login:
            return "sync by your other app"
        return holder.status_words()

    def _rounds_under_lock(self, engine: SyncEngine) -> None:
        why = "first round" if not self._rounds else "lock taken"
        while not self._stop.is_set():
            # Rounds start every `interval` seconds, whatever a round took,
            # so a text waits at most one interval for its round.
            started = time.monotonic()
            self._begin(why)
            self._told = (0, 0, 0, 0)
            report = engine.run_once()
            with self.store.read() as session:
                cursors = engine_mod.cursors(session)
            self._end(report, cursors)
            rest = self.interval - (time.monotonic() - started)
            due = engine.rest(report, self.interval)  # a held reply falls due
            timeout_why = "reply due" if due < rest else "interval"
            rest = min(rest, due)
            woken = self._wake.wait(rest) if rest > 0 else self._wake.is_set()
            why = self._why if woken else timeout_why
            self._wake.clear()
            self._why = "interval"
