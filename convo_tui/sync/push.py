"""Pushing the outbox: never lose a reply, never send one twice.

A reply is committed locally (queued) before any network call. Sending moves
it to `sending` in its own transaction first; only then is the provider
called. If the process dies, or the answer is lost, the item stays `sending`
and the next round looks for it in the provider's own message list before
deciding anything: found, it is marked sent with that sid; not found, it is
queued again. So a text reaches the provider at most once per reply.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from convo_tui.core import outbox, replies
from convo_tui.core import settings as settings_mod
from convo_tui.core.inbound import set_consent
from convo_tui.core.replies import Block
from convo_tui.providers.http import Ambiguous, ProviderError
from convo_tui.providers.twilio import (
    PERMANENT_SEND_ERRORS,
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
    OutboxItem,
    OutboxState,
    Profile,
)

log = logging.getLogger("convo.sync")

ALWAYS_BLOCK = (Block.BLOCKED, Block.OPTED_OUT, Block.ALPHANUMERIC_SENDER)
CLOCK_SKEW = timedelta(minutes=5)
RETRY_BASE = timedelta(seconds=30)
MAX_ATTEMPTS = 8


@dataclass
class PushReport:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    reconciled: int = 0
    next_due: datetime | None = None
    """When the soonest item still queued is due (a reply held for its send delay,
    scheduled or retried): a sync that runs rounds wakes then, not a whole interval later."""


def reconcile(store: Store, twilio: TwilioClient, *, now: datetime) -> PushReport:
    """Settle replies left `sending` by a crash or a lost answer. Sync runs this before
    it pulls messages: a pulled copy of our own text would otherwise look like a
    stranger's, and the reply would be queued again."""
    report = PushReport()
    _reconcile(store, twilio, report, now=now)
    return report


def push(store: Store, twilio: TwilioClient, *, now: datetime) -> PushReport:
    report = PushReport()
    _reconcile(store, twilio, report, now=now)
    with store.read() as session:
        due_ids = [item.id for item in outbox.due(session, now=now)]
    for item_id in due_ids:
        _send_one(store, twilio, item_id, report, now=now)
    with store.read() as session:
        report.next_due = outbox.next_due(session)
    return report


def _reconcile(store: Store, twilio: TwilioClient, report: PushReport, *, now: datetime) -> None:
    with store.read() as session:
        stuck = session.exec(
            select(OutboxItem, Message, Profile.phone)
            .join(Message, col(Message.id) == col(OutboxItem.message_id))
            .join(Profile, col(Profile.id) == col(OutboxItem.profile_id))
            .where(OutboxItem.state == OutboxState.SENDING.value)
        ).all()
    for item, message, phone in stuck:
        started = item.updated_at
        found = _find_sent(twilio, phone, message.body, started)
        with store.write() as session:
            fresh = session.get(OutboxItem, item.id)
            if fresh is None or fresh.state != OutboxState.SENDING.value:
                continue
            if found is not None and not _claimed(session, found.sid):
                outbox.mark_sent(
                    session, fresh, provider_sid=found.sid, status=found.status, now=now
                )
                report.reconciled += 1
                log.info(
                    "outbox item %s was sent before (%s); not sending again", item.id, found.sid
                )
            else:
                fresh.state = OutboxState.QUEUED.value
                fresh.updated_at = now


def _find_sent(twilio: TwilioClient, to: str, body: str, started: datetime) -> TwilioMessage | None:
    """Our text in the provider's list: same recipient and body, created after we began."""
    since = (started - CLOCK_SKEW).date()
    for page in twilio.list_pages(sent_on_or_after=since, to=to, page_size=100):
        for candidate in page:
            created = candidate.date_created or candidate.when
            if (
                candidate.direction.startswith("outbound")
                and candidate.body == body
                and created is not None
                and created >= started - CLOCK_SKEW
            ):
                return candidate
        if page and all((m.when or started) < started - CLOCK_SKEW for m in page):
            break
    return None


def _claimed(session: Session, sid: str) -> bool:
    return session.exec(select(Message.id).where(Message.provider_sid == sid)).first() is not None


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
        if block is not None and message.agent_id is None and block.reason not in ALWAYS_BLOCK:
            block = None  # an auto-reply may answer a customer without consent
        if block is not None:
            _fail(item, message, f"not sent: {block.message}", now)
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
    except Ambiguous as exc:
        log.warning("outbox item %s: %s; it is checked before any retry", item_id, exc.what)
        return  # stays `sending`: reconciled next round
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
            outbox.mark_sent(session, item, provider_sid=sent.sid, status=sent.status, now=now)
            report.sent += 1


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
