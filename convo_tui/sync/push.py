"""Pushing the outbox: never lose a reply, never send one twice.

A reply is committed locally (queued) before any network call. Sending moves
it to `sending` in its own transaction first; only then is the provider
called. If the process dies, or the answer is lost or unreadable, the item
stays `sending`: in doubt, until the provider's own records settle it (see
`doubt`). So a text reaches the provider at most once per reply.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, select

from convo_tui.core import opt_out_review, outbox, replies
from convo_tui.core import settings as settings_mod
from convo_tui.core.replies import Block
from convo_tui.core.texts import set_consent
from convo_tui.providers.http import Ambiguous, ProviderError
from convo_tui.providers.twilio import (
    PERMANENT_SEND_ERRORS,
    Accepted,
    TwilioClient,
    TwilioMessage,
    is_permanent,
)
from convo_tui.store.engine import Store
from convo_tui.store.models import (
    Consent,
    Conversation,
    Message,
    MessageMedia,
    MessageSource,
    OutboxItem,
    OutboxState,
    Profile,
    SourceKind,
)
from convo_tui.sync import doubt, ingest

log = logging.getLogger("convo.sync")

ALWAYS_BLOCK = (Block.BLOCKED, Block.OPTED_OUT, Block.ALPHANUMERIC_SENDER)
RETRY_BASE = timedelta(seconds=30)
MAX_ATTEMPTS = 8
LOST = "the answer was lost; it is looked up at the provider before any retry"
UNREAD = "the provider accepted it; its answer could not be read, so its id is looked up"


@dataclass
class PushReport:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    reconciled: int = 0
    anomalies: list[str] = field(default_factory=list)
    """What the provider said that cannot be true (one id for two texts)."""
    next_due: datetime | None = None
    """When the soonest item still queued is due (a reply held for its send delay,
    scheduled or retried), or a reply in doubt may be judged: a sync that runs rounds
    wakes then, not a whole interval later."""

    def wake(self, at: datetime | None) -> None:
        if at is not None and (self.next_due is None or at < self.next_due):
            self.next_due = at


def reconcile(store: Store, twilio: TwilioClient, *, now: datetime) -> PushReport:
    """Settle replies in doubt. Sync runs this before it pulls messages (and the pull
    settles any it sees, see `doubt.settle_pulled`)."""
    report = PushReport()
    _reconcile(store, twilio, report, now=now)
    return report


def push(store: Store, twilio: TwilioClient, *, now: datetime) -> PushReport:
    """Send the due replies. Replies in doubt are not among them (they are `sending`):
    `reconcile` settles those, once a round, before the pull."""
    report = PushReport()
    with store.read() as session:
        due_ids = [item.id for item in outbox.due(session, now=now)]
    for item_id in due_ids:
        _send_one(store, twilio, item_id, report, now=now)
    with store.read() as session:
        report.wake(outbox.next_due(session))
        report.wake(doubt.next_judgement(session))
    return report


def _reconcile(store: Store, twilio: TwilioClient, report: PushReport, *, now: datetime) -> None:
    with store.read() as session:
        doubts = doubt.in_doubt(session)
    by_recipient: dict[str, list[doubt.Doubt]] = defaultdict(list)
    for item in doubts:
        by_recipient[item.to].append(item)
    failure: ProviderError | None = None
    for to, group in by_recipient.items():
        try:
            listed = _listed(twilio, to, min(d.oldest for d in group))
        except ProviderError as exc:
            # No proof either way: every reply of the group stays in doubt.
            failure = failure or exc
            continue
        with store.write() as session:
            matches = doubt.match(group, doubt.unclaimed(session, listed))
            for item in group:
                found = matches.get(item.item_id)
                if found is not None:
                    if doubt.settle(session, item.item_id, found, now=now):
                        report.reconciled += 1
                        log.info("outbox item %s was sent (%s); not sending again",
                                 item.item_id, found.sid)  # fmt: skip
                elif item.due_for_resend(now):
                    _resend(session, item.item_id, now)
                elif item.accepted and now - item.since >= doubt.GIVE_UP:
                    _sent_unseen(session, item.item_id, now)
    if failure is not None:
        raise failure


def _listed(twilio: TwilioClient, to: str, oldest: datetime) -> list[TwilioMessage]:
    """The provider's texts to `to` since `oldest` (its list is newest first)."""
    found: list[TwilioMessage] = []
    for page in twilio.list_pages(sent_on_or_after=oldest.date(), to=to, page_size=100):
        found.extend(page)
        if page and all((m.when or oldest) < oldest for m in page):
            break
    return found


def _resend(session: Session, item_id: int, now: datetime) -> None:
    """Not at the provider well after its answer was lost: it never got there."""
    item = session.get(OutboxItem, item_id)
    if item is not None and item.state == OutboxState.SENDING.value:
        item.state = OutboxState.QUEUED.value
        item.last_error = "not found at the provider after its answer was lost; sent again"
        item.updated_at = now
        log.info("outbox item %s: not at the provider; sending it again", item_id)


def _sent_unseen(session: Session, item_id: int, now: datetime) -> None:
    item = session.get(OutboxItem, item_id)
    if item is None or item.state != OutboxState.SENDING.value:
        return
    message = outbox.mark_sent(session, item, provider_sid=None, status="sent", now=now)
    message.error_message = "accepted by the provider, which never listed it: delivery unknown"


def _send_one(
    store: Store, twilio: TwilioClient, item_id: int | None, report: PushReport, *, now: datetime
) -> None:
    with store.write() as session:
        item = session.get(OutboxItem, item_id)
        if item is None or item.state != OutboxState.QUEUED.value or item.send_at > now:
            return
        message = session.get(Message, item.message_id)
        profile = session.get(Profile, item.profile_id)
        assert message is not None and profile is not None
        # The rules are checked again: the customer may have texted STOP since.
        conversation = session.exec(
            select(Conversation).where(Conversation.profile_id == profile.id)
        ).first()
        block = replies.why_not(profile, conversation, settings_mod.load(session))
        source = session.get(MessageSource, message.source_id)
        refusal: str | None = f"not sent: {block.message}" if block is not None else None
        if source is not None and source.kind == SourceKind.OPT_OUT_CONFIRMATION.value:
            # The one text an opted-out customer may get, and only them.
            refusal = opt_out_review.confirmation_refusal(
                profile, blocked_as=block.reason.value if block is not None else None
            )
        elif block is not None and block.reason is Block.POSSIBLE_OPT_OUT:
            # Neither sent nor failed: it waits for an agent's decision.
            opt_out_review.hold(item, message, now)
            outbox.note_pending(session, item.profile_id)
            return
        elif block is not None and message.agent_id is None and block.reason not in ALWAYS_BLOCK:
            refusal = None  # an auto-reply may answer a customer without consent
        if refusal is None and item.expires_at is not None and now > item.expires_at:
            refusal = "not sent: its time passed (an opt-out is confirmed within 5 minutes)"
        if refusal is not None:
            _fail(item, message, refusal, now)
            outbox.note_pending(session, item.profile_id)
            report.failed += 1
            return
        media = list(
            session.exec(select(MessageMedia.url).where(MessageMedia.message_id == message.id))
        )
        to, body = profile.phone, message.body
        # `sending` only if still queued: an agent may have recalled it since it was listed.
        if outbox.claim(session, item.id or 0, now=now) is None:
            return
    try:
        sent = twilio.create(to, body, media_urls=media)
    except Accepted as exc:
        _accepted(store, item_id, exc, report, now=now)
        return
    except Ambiguous as exc:
        log.warning("outbox item %s: %s; it is checked before any retry", item_id, exc.what)
        with store.write() as session:
            item = session.get(OutboxItem, item_id)
            if item is not None and item.state == OutboxState.SENDING.value:
                item.last_error = LOST
        return  # stays `sending`: in doubt until the provider's list settles it
    except ProviderError as exc:
        with store.write() as session:
            item = session.get(OutboxItem, item_id)
            message = session.get(Message, item.message_id) if item else None
            if item is None or message is None:
                return
            if is_permanent(exc):
                reason = PERMANENT_SEND_ERRORS.get(exc.code or 0, exc.what)
                _fail(item, message, reason, now, code=exc.code)
                if exc.code == 21610:
                    profile = session.get(Profile, item.profile_id)
                    if profile is not None:
                        set_consent(profile, Consent.UNSUBSCRIBED, now)
                report.failed += 1
            else:
                _retry_later(item, str(exc.what), now)
                report.retried += 1
            outbox.note_pending(session, item.profile_id)
        return
    with store.write() as session:
        item = session.get(OutboxItem, item_id)
        if item is not None:
            _record_sent(session, item, sent.sid, sent.status, report, now=now)


def _record_sent(
    session: Session, item: OutboxItem, sid: str, status: str, report: PushReport, *, now: datetime
) -> None:
    """The provider took the reply under `sid`. A sid another message holds already is the
    provider's mistake: the reply still went out (it is sent, with no id to follow it by),
    the other message keeps its own, and the anomaly is reported."""
    if not ingest.known_sids(session, [sid]):
        outbox.mark_sent(session, item, provider_sid=sid, status=status, now=now)
    else:
        message = outbox.mark_sent(session, item, provider_sid=None, status=status, now=now)
        message.error_message = f"the provider gave it the id of another message ({sid})"
        report.anomalies.append(
            f"the provider answered the send of outbox item {item.id} with {sid}, the id of "
            "another message; both are kept, its delivery is not followed"
        )
        log.warning("outbox item %s: %s is another message's id", item.id, sid)
    report.sent += 1


def _accepted(
    store: Store, item_id: int | None, exc: Accepted, report: PushReport, *, now: datetime
) -> None:
    """A 2xx that cannot be read: sent, never retried. With its id it is settled now;
    without, it stays in doubt (accepted) until the provider's list shows it."""
    log.warning("outbox item %s: %s", item_id, exc.what)
    with store.write() as session:
        item = session.get(OutboxItem, item_id)
        if item is None or item.state != OutboxState.SENDING.value:
            return
        if exc.sid is not None:
            _record_sent(session, item, exc.sid, exc.accepted_status, report, now=now)
            return
        item.accepted = True
        item.last_error = UNREAD


def _fail(
    item: OutboxItem, message: Message, reason: str, now: datetime, *, code: int | None = None
) -> None:
    item.state = OutboxState.FAILED.value
    item.last_error = reason[:500]
    item.updated_at = now
    message.status = "failed"
    message.error_code = code
    message.error_message = reason[:500]
    message.updated_at = now


def _retry_later(item: OutboxItem, reason: str, now: datetime) -> None:
    if item.attempts >= MAX_ATTEMPTS:
        item.state = OutboxState.FAILED.value
        item.last_error = f"gave up after {item.attempts} attempts: {reason}"[:500]
    else:
        item.state = OutboxState.QUEUED.value
        item.send_at = now + RETRY_BASE * 2 ** (item.attempts - 1)
        item.last_error = reason[:500]
    item.updated_at = now
