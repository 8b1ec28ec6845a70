"""Recording texts the business sent (campaigns, flows, keyword replies, past replies).

Used by the demo loader now and by sync later: the provider's view of a
message it sent. Idempotent by provider id; a second report updates the
delivery status (queued → sent → delivered, or failed with its error code).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from convo_tui.core import conversations, profiles, sources
from convo_tui.core.inbound import Media
from convo_tui.store.models import Agent, Direction, Message, MessageMedia, SourceKind, pk

DELIVERY_ERRORS = {
    30003: "unreachable destination handset",
    30004: "message blocked",
    30005: "unknown destination handset",
    30006: "landline or unreachable carrier",
    30007: "message filtered by the carrier",
    30008: "unknown error",
    21610: "recipient has opted out (STOP)",
    21211: "invalid 'To' phone number",
    21612: "cannot route between these numbers",
}


@dataclass(frozen=True)
class OutboundText:
    provider_sid: str
    to_number: str
    from_number: str
    body: str
    sent_at: datetime
    source_kind: SourceKind
    source_name: str = ""
    source_external_id: str | None = None
    status: str = "sent"
    error_code: int | None = None
    media: Sequence[Media] = ()
    agent_login: str | None = None


def record_outbound(session: Session, text: OutboundText, *, now: datetime) -> Message:
    message = session.exec(select(Message).where(Message.provider_sid == text.provider_sid)).first()
    if message is not None:
        update_status(message, text.status, text.error_code, now=now)
        return message
    profile, _ = profiles.get_or_create(session, text.to_number, now=now)
    if text.source_kind in (SourceKind.CAMPAIGN, SourceKind.FLOW):
        source = sources.ensure(
            session, text.source_kind, text.source_name, external_id=text.source_external_id
        )
    else:
        source = sources.fixed(session, text.source_kind)
    agent_id = None
    if text.agent_login:
        agent = session.exec(select(Agent).where(Agent.login == text.agent_login)).first()
        agent_id = agent.id if agent else None
    conversation = profiles.conversation_of(session, profile)
    message = Message(
        profile_id=pk(profile),
        conversation_id=conversation.id if conversation else None,
        direction=Direction.OUTBOUND.value,
        body=text.body,
        provider_sid=text.provider_sid,
        status=text.status,
        error_code=text.error_code,
        error_message=DELIVERY_ERRORS.get(text.error_code) if text.error_code else None,
        source_id=source.id,
        agent_id=agent_id,
        from_number=text.from_number,
        to_number=text.to_number,
        sent_at=text.sent_at,
        created_at=now,
        updated_at=now,
    )
    session.add(message)
    session.flush()
    for item in text.media:
        session.add(
            MessageMedia(
                message_id=pk(message),
                url=item.url,
                content_type=item.content_type,
                provider_sid=item.provider_sid,
            )
        )
    # Only agents' replies move a conversation up the inbox; blasts and automatic
    # texts would bury the customers' own words (see outbox.enqueue).
    if conversation is not None and text.source_kind is SourceKind.AGENT_REPLY:
        conversations.note_message(conversation, message)
        if conversation.waiting_since is not None and conversation.waiting_since <= text.sent_at:
            conversation.waiting_since = None
    return message


_ORDER = {"queued": 0, "scheduled": 0, "accepted": 1, "sending": 2, "sent": 3}
_FINAL = {"delivered", "undelivered", "failed", "read", "canceled"}


def update_status(message: Message, status: str, error_code: int | None, *, now: datetime) -> None:
    """Move a message's delivery status forward; a final status is never undone."""
    if message.status == status and message.error_code == error_code:
        return
    if message.status in _FINAL and status not in _FINAL:
        return
    if status not in _FINAL and _ORDER.get(status, 0) < _ORDER.get(message.status, 0):
        return
    message.status = status
    message.error_code = error_code
    message.error_message = DELIVERY_ERRORS.get(error_code) if error_code else None
    message.updated_at = now
