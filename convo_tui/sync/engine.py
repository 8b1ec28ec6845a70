"""One sync round: profiles, events (with orders and campaign hints), messages, the outbox.

Each stream reads from its cursor minus an overlap window, so rows at the
edge are read again; duplicates are dropped by provider id. Rows and the
cursor that covers them are committed in the same transaction, so a process
killed at any moment resumes without losing or doubling anything.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from convo_tui import clock
from convo_tui.core import conversations, opt_out_review
from convo_tui.core import settings as settings_mod
from convo_tui.providers.http import BadResponse, ProviderError
from convo_tui.providers.klaviyo import KlaviyoClient
from convo_tui.providers.twilio import TwilioClient, TwilioMedia, TwilioMessage
from convo_tui.store.dialect import in_lists
from convo_tui.store.engine import Store
from convo_tui.store.kinds import Direction
from convo_tui.store.models import Message, SyncCursor
from convo_tui.sync import doubt, ingest, quarantine, suppress
from convo_tui.sync.push import push, reconcile

log = logging.getLogger("convo.sync")

OVERLAP = timedelta(hours=1)
CHUNK = 500
MIN_REST = 0.5
"""Seconds between rounds at least, even when a reply is overdue: never a busy loop."""
FINAL = {"delivered", "undelivered", "failed", "read", "canceled", "received"}
PENDING_WINDOW = timedelta(days=2)

MESSAGES, PROFILES, EVENTS = "twilio.messages", "klaviyo.profiles", "klaviyo.events"


@dataclass
class SyncReport:
    messages: int = 0
    updates: int = 0
    profiles: int = 0
    events: int = 0
    orders: int = 0
    sent: int = 0
    failed: int = 0
    reconciled: int = 0
    in_doubt: int = 0
    """Replies maybe sent, not found at the provider yet: never sent again until a lookup
    settles them (see sync.doubt)."""
    quarantined: int = 0
    """Provider records that did not parse, set aside this round (sync.quarantine)."""
    opt_outs_written: int = 0
    """Opt-outs recorded here that Klaviyo accepted this round (sync.suppress)."""
    errors: list[str] = field(default_factory=list)
    waited: float = 0.0
    """Seconds spent waiting on rate limits and backoff in this round."""
    started: datetime = field(default_factory=clock.utcnow)
    finished: datetime | None = None
    next_due: datetime | None = None
    """When the soonest queued reply is due (held for its send delay, or scheduled)."""
    step: str = ""
    """The step running now (for sync health)."""
    done: dict[str, datetime] = field(default_factory=dict)
    """Steps that ran without error this round, and when each ended."""
    failures: dict[str, str] = field(default_factory=dict)
    """Steps that failed this round, with the error."""


def read_cursor(session: Session, stream: str) -> datetime | None:
    row = session.get(SyncCursor, stream)
    if row is None or not row.position:
        return None
    return datetime.fromisoformat(row.position)


def cursors(session: Session) -> dict[str, tuple[str, datetime]]:
    """Every stream's cursor: its position and when it last moved."""
    return {row.stream: (row.position, row.updated_at) for row in session.exec(select(SyncCursor))}


def save_cursor(session: Session, stream: str, position: datetime, *, now: datetime) -> None:
    row = session.get(SyncCursor, stream)
    value = position.isoformat()
    if row is None:
        session.add(SyncCursor(stream=stream, position=value, updated_at=now))
    elif value > row.position:
        row.position = value
        row.updated_at = now


class SyncEngine:
    """Pulls into `store` from the providers and pushes its outbox."""

    def __init__(
        self,
        store: Store,
        twilio: TwilioClient,
        klaviyo: KlaviyoClient | None = None,
        *,
        now: Callable[[], datetime] = clock.utcnow,
        on_progress: Callable[[SyncReport], None] | None = None,
        after_round: Callable[[Store, datetime], None] | None = None,
        before_round: Callable[[], None] | None = None,
    ) -> None:
        """`before_round` may raise to refuse a round (the sync lock is no longer held)."""
        self.store = store
        self.twilio = twilio
        self.klaviyo = klaviyo
        self.now = now
        self.on_progress = on_progress or (lambda _report: None)
        self.after_round = after_round
        self.before_round = before_round
        self._gone: set[str] = set()
        """Sids the provider answered 404 for: not asked again by this engine."""

    def run_once(self) -> SyncReport:
        if self.before_round is not None:
            self.before_round()
        report = SyncReport(started=self.now())
        transports = [self.twilio.http] + ([self.klaviyo.http] if self.klaviyo else [])
        waited_before = sum(sum(t.waits) for t in transports)
        for transport in transports:
            transport.reset()  # a provider down last round is asked again
        steps: list[tuple[str, Callable[[SyncReport], None]]] = []
        if self.klaviyo is not None:
            steps += [("profiles", self._profiles), ("events", self._events)]
        steps += [
            ("outbox", self._reconcile),
            ("messages", self._messages),
            ("deliveries", self._deliveries),
            ("outbox", self._outbox),
        ]
        if self.klaviyo is not None:
            steps.append(("opt-outs", self._opt_outs))
        for name, step in steps:
            report.step = name
            self.on_progress(report)  # which step runs, for sync health
            try:
                step(report)
            except ProviderError as exc:
                report.errors.append(f"{name}: {exc.line()}")
                report.failures[name] = exc.line()
                # The report carries it to whoever runs the round (the CLI prints it, the
                # inbox shows it); a warning here printed it a second time on stderr.
                log.info("sync %s: %s", name, exc.line())
            else:
                if name not in report.failures:  # the outbox runs twice
                    report.done[name] = self.now()
            self.on_progress(report)
        report.step = ""
        with self.store.write() as session:
            conversations.wake_due(session, now=self.now())
            # A possible opt-out nobody decided on is escalated once (audited).
            hours = settings_mod.load(session).opt_outs_escalate_after_hours
            for flag in opt_out_review.escalate_due(session, now=self.now(), hours=hours):
                log.info("possible opt-out undecided for over %s h: %s", hours, flag.phone)
            report.in_doubt = doubt.count(session)
        if self.after_round is not None:
            self.after_round(self.store, self.now())
        report.waited = sum(sum(t.waits) for t in transports) - waited_before
        report.finished = self.now()
        self.on_progress(report)
        return report

    def follow(self, interval: float, stop: threading.Event) -> Iterable[SyncReport]:
        """Rounds every `interval` seconds until `stop` is set (sooner when a reply is due)."""
        while not stop.is_set():
            report = self.run_once()
            yield report
            stop.wait(self.rest(report, interval))

    def rest(self, report: SyncReport, interval: float) -> float:
        """Seconds to wait before the next round: `interval`, or less when a queued reply
        falls due before then (a reply held a few seconds for recall must not wait a
        whole poll interval more)."""
        if report.next_due is None:
            return interval
        until = (report.next_due - self.now()).total_seconds()
        return max(MIN_REST, min(interval, until))

    # Streams ---------------------------------------------------------------

    def _profiles(self, report: SyncReport) -> None:
        assert self.klaviyo is not None
        with self.store.read() as session:
            cursor = read_cursor(session, PROFILES)
        after = cursor - OVERLAP if cursor else None
        held = quarantine.Held(PROFILES)
        for page in self.klaviyo.profile_pages(updated_after=after, on_bad=held):
            now = self.now()
            with self.store.write() as session:
                report.quarantined += held.write(session, now=now)
                newest = cursor
                for data in page:
                    if ingest.upsert_profile(session, data, now=now) is not None:
                        report.profiles += 1
                    if data.updated and (newest is None or data.updated > newest):
                        newest = data.updated
                if newest is not None:
                    save_cursor(session, PROFILES, newest, now=now)
            self.on_progress(report)

    def _events(self, report: SyncReport) -> None:
        assert self.klaviyo is not None
        with self.store.read() as session:
            cursor = read_cursor(session, EVENTS)
        after = cursor - OVERLAP if cursor else None
        held = quarantine.Held(EVENTS)
        for page in self.klaviyo.event_pages(after=after, on_bad=held):
            now = self.now()
            with self.store.write() as session:
                report.quarantined += held.write(session, now=now)
                settings = settings_mod.load(session)
                for event in page:
                    if ingest.ingest_event(session, event, settings, now=now):
                        report.events += 1
                        report.orders += event.metric == ingest.PLACED_ORDER
                if page:
                    save_cursor(session, EVENTS, max(e.at for e in page), now=now)
            self.on_progress(report)

    def _messages(self, report: SyncReport) -> None:
        with self.store.read() as session:
            cursor = read_cursor(session, MESSAGES)
        floor = cursor - OVERLAP if cursor else None
        # A first sync reads history: texts another store answered long ago (or minutes
        # ago, its auto-replies looking like any business text) earn no auto-reply here.
        history = cursor is None
        collected: dict[str, TwilioMessage] = {}
        held = quarantine.Held(MESSAGES)
        pages = self.twilio.list_pages(
            sent_on_or_after=floor.date() if floor else None, on_bad=held
        )
        for page in pages:
            for message in page:
                if floor is None or message.when is None or message.when >= floor:
                    collected[message.sid] = message  # a repeated sid keeps one entry
            dated = [m.when for m in page if m.when is not None]
            if floor is not None and dated and min(dated) < floor:
                break  # newest first: everything further is older than the window
        if held.records:  # kept first: whatever happens to the rest, they are not lost
            with self.store.write() as session:
                report.quarantined += held.write(session, now=self.now())
        ordered = sorted(
            collected.values(), key=lambda m: (m.when or self.now(), m.sid)
        )  # oldest first, so attribution sees sends before replies
        for chunk in in_lists(ordered, CHUNK):
            media = self._media_for(chunk)
            now = self.now()
            with self.store.write() as session:
                settings = settings_mod.load(session)
                # Our own replies in doubt, seen in the pull, take their sid first: they
                # are never stored again as somebody else's text (nor sent again).
                doubt.settle_pulled(session, chunk, now=now)
                outcomes = ingest.ingest_messages(
                    session,
                    [(m, media.get(m.sid, [])) for m in chunk],
                    settings,
                    now=now,
                    auto_replies=not history,
                )
                report.messages += outcomes.count("new")
                report.updates += outcomes.count("updated")
                dated = [m.when for m in chunk if m.when is not None]
                if dated:
                    save_cursor(session, MESSAGES, max(dated), now=now)
            self.on_progress(report)

    def _media_for(self, chunk: Sequence[TwilioMessage]) -> dict[str, list[TwilioMedia]]:
        wanted = [m.sid for m in chunk if m.num_media > 0]
        if not wanted:
            return {}
        with self.store.read() as session:
            known = ingest.known_sids(session, wanted)
        return {sid: self.twilio.media(sid) for sid in wanted if sid not in known}

    def _deliveries(self, report: SyncReport) -> None:
        """Delivery updates for recent business texts still on their way."""
        since = self.now() - PENDING_WINDOW
        with self.store.read() as session:
            pending = session.exec(
                select(Message.provider_sid)
                .where(
                    Message.direction == Direction.OUTBOUND.value,
                    col(Message.provider_sid).is_not(None),
                    col(Message.status).not_in(FINAL),
                    col(Message.sent_at) >= since,
                )
                .limit(200)
            ).all()
        bad: BadResponse | None = None
        for sid in pending:
            if sid is None or sid in self._gone:
                continue
            try:
                fresh = self.twilio.fetch(sid)
            except BadResponse as exc:
                bad = bad or exc  # one odd answer must not hold up the others
                continue
            except ProviderError as exc:
                if exc.status != 404:
                    raise
                # Deleted at the provider (or never there): nothing more will come of it.
                log.info("sync: the provider no longer has %s; not asking again", sid)
                self._gone.add(sid)
                continue
            with self.store.write() as session:
                settings = settings_mod.load(session)
                if ingest.ingest_message(session, fresh, [], settings, now=self.now()) == "updated":
                    report.updates += 1
        if bad is not None:
            raise bad

    def _reconcile(self, report: SyncReport) -> None:
        report.reconciled += reconcile(self.store, self.twilio, now=self.now()).reconciled

    def _opt_outs(self, report: SyncReport) -> None:
        """Opt-outs only convo saw, written to Klaviyo (sync.suppress)."""
        assert self.klaviyo is not None
        report.opt_outs_written += suppress.write_opt_outs(self.store, self.klaviyo, now=self.now())

    def _outbox(self, report: SyncReport) -> None:
        result = push(self.store, self.twilio, now=self.now())
        report.next_due = result.next_due
        report.sent += result.sent
        report.failed += result.failed
        report.reconciled += result.reconciled
        for anomaly in result.anomalies:
            report.errors.append(f"outbox: {anomaly}")
