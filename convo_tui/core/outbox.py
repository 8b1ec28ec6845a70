"""The outbox: replies committed to the store before any network call.

An agent's reply answers the customer when the provider accepts it (`mark_sent`),
not when it is queued: only then does the conversation move up the inbox, change
its preview and stop the customer's waiting time. Until then the conversation's
`reply_pending_at` says that a reply is on its way, and when.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, delete, select

from convo_tui.core import audit, conversations, profiles
from convo_tui.errors import NotFound, Refused
from convo_tui.store.kinds import Direction, OutboxState
from convo_tui.store.models import (
    ActivityEvent,
    Agent,
    Conversation,
    Message,
    MessageMedia,
    MessageSource,
    OutboxItem,
    Profile,
    ShopOrder,
    ShortLink,
    pk,
)

WAITING = (OutboxState.QUEUED.value, OutboxState.SENDING.value, OutboxState.HELD.value)
"""States of an item that has not gone out yet."""


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
    status: str | None = None,
    expires_at: datetime | None = None,
) -> Message:
    """A queued outbound message and its outbox item, in the caller's transaction.

    `status` is the message's until it is sent (e.g. "pending" while held for the
    send delay); by default "scheduled" for a later `send_at`, else "queued"."""
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
    if status is not None:
        message.status = status
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
                expires_at=expires_at,
            )
        )
    )
    # An agent's reply is shown as on its way, not as an answer: the conversation moves
    # and its preview changes when the provider accepts it (mark_sent).
    if conversation is not None and agent is not None:
        pending = conversation.reply_pending_at
        conversation.reply_pending_at = send_at if pending is None else min(pending, send_at)
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
    expires_at: datetime | None = None,
) -> dict[str, Any]:
    """The columns of a new outbox item for a queued message."""
    return {
        "expires_at": expires_at,
        "message_id": message_id,
        "profile_id": profile_id,
        "state": OutboxState.QUEUED.value,
        "send_at": send_at,
        "agent_id": agent_id,
        "accepted": False,
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
    session: Session, item: OutboxItem, *, provider_sid: str | None, status: str, now: datetime
) -> Message:
    """Record that the provider accepted the message under `provider_sid` (None: under an
    id convo could not learn, so its delivery is not followed)."""
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
    # Only agents' replies move a conversation up the inbox and change its preview:
    # an auto-reply there would hide the customer's question behind our own words.
    if message.agent_id is not None and message.conversation_id is not None:
        conversation = session.get(Conversation, message.conversation_id)
        if conversation is not None:
            conversations.note_message(conversation, message)
            _answer(session, conversation, written_at=message.created_at)
    note_pending(session, item.profile_id)
    return message


def _answer(session: Session, conversation: Conversation, *, written_at: datetime) -> None:
    """The customer's texts up to when the reply was written are answered; one that came
    in meanwhile still waits (its time becomes the waiting time)."""
    if conversation.waiting_since is None or conversation.waiting_since > written_at:
        return
    later: datetime | None = session.exec(
        select(func.min(Message.sent_at)).where(
            Message.profile_id == conversation.profile_id,
            Message.direction == Direction.INBOUND.value,
            col(Message.keyword).is_(None),
            col(Message.sent_at) > written_at,
        )
    ).one()
    conversation.waiting_since = later


def note_pending(session: Session, profile_id: int) -> None:
    """Set the conversation's `reply_pending_at` from the outbox: the soonest send time of
    an agent's reply not gone out yet, or None. Called by every change of an item."""
    session.flush()
    soonest: datetime | None = session.exec(
        select(func.min(OutboxItem.send_at)).where(
            OutboxItem.profile_id == profile_id,
            col(OutboxItem.agent_id).is_not(None),
            col(OutboxItem.state).in_(WAITING),
        )
    ).one()
    conversation = session.exec(
        select(Conversation).where(Conversation.profile_id == profile_id)
    ).first()
    if conversation is not None and conversation.reply_pending_at != soonest:
        conversation.reply_pending_at = soonest


def _move(session: Session, item_id: int, to: OutboxState, *, now: datetime) -> bool:
    """Move a queued item to `to` if it is still queued, as one conditional UPDATE: the
    sync taking it and an agent taking it back can race, and exactly one of them wins
    (on SQLite and PostgreSQL alike). False when the item was not queued any more."""
    values: dict[str, Any] = {"state": to.value, "updated_at": now}
    if to is OutboxState.SENDING:
        values["attempts"] = col(OutboxItem.attempts) + 1
        values["accepted"] = False
    # A reply held for an opt-out decision may be taken back too, never sent from there.
    takeable = [OutboxState.QUEUED.value]
    if to is OutboxState.CANCELLED:
        takeable.append(OutboxState.HELD.value)
    moved = session.exec(
        update(OutboxItem)
        .where(col(OutboxItem.id) == item_id, col(OutboxItem.state).in_(takeable))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    found = session.get(OutboxItem, item_id)
    if found is not None:
        session.refresh(found)  # the identity map's copy predates the UPDATE
    return bool(moved.rowcount)


def claim(session: Session, item_id: int, *, now: datetime) -> OutboxItem | None:
    """The sync takes a due item for sending (`sending`, in its own transaction before the
    network call); None if it is gone, not queued any more (recalled, cancelled) or not due."""
    item = session.get(OutboxItem, item_id)
    if (
        item is None
        or item.send_at > now
        or not _move(session, item_id, OutboxState.SENDING, now=now)
    ):
        return None
    return item


def due(session: Session, *, now: datetime) -> list[OutboxItem]:
    """Queued items whose send time has come (scheduled ones are released when due)."""
    return list(
        session.exec(
            select(OutboxItem)
            .where(OutboxItem.state == OutboxState.QUEUED.value, col(OutboxItem.send_at) <= now)
            .order_by(col(OutboxItem.send_at), col(OutboxItem.id))
        )
    )


def next_due(session: Session) -> datetime | None:
    """When the soonest queued item is due, or None when none is queued."""
    soonest: datetime | None = session.exec(
        select(func.min(OutboxItem.send_at)).where(OutboxItem.state == OutboxState.QUEUED.value)
    ).one()
    return soonest


def cancel(session: Session, item: OutboxItem, agent: Agent, *, now: datetime) -> None:
    """Cancel a reply that has not gone out; a reply being sent can no longer be stopped.

    It stays in the thread as cancelled; it never counted as an answer, so nothing
    of the conversation is restored but that no reply is on its way."""
    if not _move(session, pk(item), OutboxState.CANCELLED, now=now):
        raise Refused(
            f"reply #{item.message_id} is {item.state}", "only queued replies can be cancelled"
        )
    message = session.get(Message, item.message_id)
    if message is not None:
        message.status = "canceled"
        message.updated_at = now
    note_pending(session, item.profile_id)
    audit.record(
        session,
        agent,
        "outbox.cancel",
        now=now,
        profile_id=item.profile_id,
        detail=f"message {item.message_id} (item {item.id})",
    )


@dataclass(frozen=True)
class Recalled:
    """A reply taken back before it went out: what the composer needs to hold it again."""

    body: str
    media: tuple[str, ...]
    profile_id: int
    conversation_id: int | None


def recall(session: Session, message_id: int, agent: Agent, *, now: datetime) -> Recalled:
    """Take back an agent's reply the sync has not taken yet (undo send).

    The item is cancelled and the message removed, checked and done in one write
    transaction: once the sync has marked it `sending` it is refused. Refused's `reason`
    tells a front end why: "already_sent" (the sync took it), "not_queued" (cancelled or
    failed), "not_in_outbox" (not an agent's reply); NotFound when no such message."""
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound(f"there is no message {message_id}", "see: convo outbox list")
    item = session.exec(select(OutboxItem).where(OutboxItem.message_id == message_id)).first()
    if item is None or message.agent_id is None:
        raise Refused(
            f"message {message_id} is not waiting in the outbox",
            "only an agent's reply that has not gone out can be taken back",
            reason="not_in_outbox",
        )
    if not _move(session, pk(item), OutboxState.CANCELLED, now=now):
        if item.state in (OutboxState.SENDING.value, OutboxState.SENT.value):
            profile = session.get(Profile, message.profile_id)
            name = profiles.display_name(profile) if profile else message.to_number
            raise Refused(
                f"the reply to {name} already went out",
                "it can no longer be taken back; send a correction",
                reason="already_sent",
            )
        raise Refused(
            f"reply #{message_id} is {item.state}",
            "there is nothing to take back",
            reason="not_queued",
        )
    media = tuple(
        session.exec(
            select(MessageMedia.url)
            .where(MessageMedia.message_id == message_id)
            .order_by(col(MessageMedia.id))
        )
    )
    recalled = Recalled(message.body, media, message.profile_id, message.conversation_id)
    # The message never reached anyone: it leaves the thread and search; links and
    # activity that pointed at it (a short link reused from an earlier reply) let go.
    for model, column in (
        (ShortLink, ShortLink.message_id),
        (ActivityEvent, ActivityEvent.message_id),
        (ShopOrder, ShopOrder.attributed_message_id),
    ):
        session.exec(
            update(model)
            .where(col(column) == message_id)
            .values({column: None})
            .execution_options(synchronize_session=False)
        )
    session.exec(delete(MessageMedia).where(col(MessageMedia.message_id) == message_id))
    session.delete(item)
    session.flush()  # the item before its message (no ORM relationship orders them)
    session.delete(message)
    note_pending(session, recalled.profile_id)
    audit.record(
        session,
        agent,
        "outbox.recall",
        now=now,
        profile_id=recalled.profile_id,
        detail=f"message {message_id}",
    )
    return recalled


def item_for(session: Session, message: Message) -> OutboxItem:
    item = session.exec(select(OutboxItem).where(OutboxItem.message_id == message.id)).first()
    if item is None:
        raise NotFound(f"message {message.id} is not in the outbox", "")
    return item
