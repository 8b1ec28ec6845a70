"""The outbox: replies committed to the store before any network call."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from convo_tui.core import audit, conversations
from convo_tui.errors import NotFound, Refused
from convo_tui.store.models import (
    Agent,
    Conversation,
    Direction,
    Message,
    MessageMedia,
    MessageSource,
    OutboxItem,
    OutboxState,
    Profile,
    pk,
)


def enqueue(
    session: Session,
    *,
    profile: Profile,
    conversation: Conversation | None,
    body: str,
    media: Sequence[str],
    source: MessageSource,
    agent: Agent | None,
    send_at: datetime,
    now: datetime,
    from_number: str = "",
) -> Message:
    """A queued outbound message and its outbox item, in the caller's transaction."""
    agent_id = agent.id if agent else None
    message = Message(
        **queued_message_values(
            profile,
            conversation_id=conversation.id if conversation else None,
            body=body,
            source_id=source.id,
            agent_id=agent_id,
            send_at=send_at,
            now=now,
            from_number=from_number,
        )
    )
    session.add(message)
    session.flush()
    for url in media:
        session.add(MessageMedia(message_id=pk(message), url=url, content_type=""))
    session.add(
        OutboxItem(
            **item_values(
                message_id=pk(message),
                profile_id=pk(profile),
                send_at=send_at,
                agent_id=agent_id,
                now=now,
            )
        )
    )
    # Only agents' replies move a conversation up the inbox and change its preview:
    # an auto-reply there would hide the customer's question behind our own words.
    if conversation is not None and agent is not None:
        conversations.note_message(conversation, message)
    return message


def queued_message_values(
    profile: Profile,
    *,
    conversation_id: int | None,
    body: str,
    source_id: int | None,
    agent_id: int | None,
    send_at: datetime,
    now: datetime,
    from_number: str,
) -> dict[str, Any]:
    """The columns of a message waiting in the outbox (also written in bulk by intake)."""
    return {
        "profile_id": pk(profile),
        "conversation_id": conversation_id,
        "direction": Direction.OUTBOUND.value,
        "body": body,
        "status": "scheduled" if send_at > now else "queued",
        "source_id": source_id,
        "agent_id": agent_id,
        "from_number": from_number,
        "to_number": profile.phone,
        "sent_at": send_at if send_at > now else now,
        "created_at": now,
        "updated_at": now,
    }


def item_values(
    *,
    message_id: int | None,
    profile_id: int,
    send_at: datetime,
    agent_id: int | None,
    now: datetime,
) -> dict[str, Any]:
    """The columns of a new outbox item for a queued message."""
    return {
        "message_id": message_id,
        "profile_id": profile_id,
        "state": OutboxState.QUEUED.value,
        "send_at": send_at,
        "agent_id": agent_id,
        "created_at": now,
        "updated_at": now,
    }


def pending(session: Session) -> list[OutboxItem]:
    """Items not sent yet, oldest due first."""
    return list(
        session.exec(
            select(OutboxItem)
            .where(col(OutboxItem.state).in_([OutboxState.QUEUED.value, OutboxState.SENDING.value]))
            .order_by(col(OutboxItem.send_at), col(OutboxItem.id))
        )
    )


def mark_sent(
    session: Session, item: OutboxItem, *, provider_sid: str, status: str, now: datetime
) -> Message:
    """Record that the provider accepted the message under `provider_sid`."""
    message = session.get(Message, item.message_id)
    if message is None:
        raise NotFound(f"outbox item {item.id} has no message", "")
    item.state = OutboxState.SENT.value
    item.updated_at = now
    item.attempts += 1
    message.provider_sid = provider_sid
    message.status = status
    message.sent_at = now
    message.updated_at = now
    return message


def due(session: Session, *, now: datetime) -> list[OutboxItem]:
    """Queued items whose send time has come (scheduled ones are released when due)."""
    return list(
        session.exec(
            select(OutboxItem)
            .where(OutboxItem.state == OutboxState.QUEUED.value, col(OutboxItem.send_at) <= now)
            .order_by(col(OutboxItem.send_at), col(OutboxItem.id))
        )
    )


def cancel(session: Session, item: OutboxItem, agent: Agent, *, now: datetime) -> None:
    """Cancel a reply that has not gone out; a reply being sent can no longer be stopped."""
    if item.state not in (OutboxState.QUEUED.value,):
        raise Refused(
            f"outbox item {item.id} is {item.state}", "only queued items can be cancelled"
        )
    item.state = OutboxState.CANCELLED.value
    item.updated_at = now
    message = session.get(Message, item.message_id)
    if message is not None:
        message.status = "canceled"
        message.updated_at = now
    audit.record(
        session,
        agent,
        "outbox.cancel",
        now=now,
        profile_id=item.profile_id,
        detail=f"item {item.id}",
    )


def item_for(session: Session, message: Message) -> OutboxItem:
    item = session.exec(select(OutboxItem).where(OutboxItem.message_id == message.id)).first()
    if item is None:
        raise NotFound(f"message {message.id} is not in the outbox", "")
    return item
