"""Conversation state: status (open / snoozed / closed), read state, blocking.

Every change records the agent who made it, on the row and in the audit log.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, update

from convo_tui.core import audit
from convo_tui.errors import Refused
from convo_tui.store.models import Agent, Conversation, Direction, Message, Profile, Status
from convo_tui.text import one_line

PREVIEW_CHARS = 200


def note_message(conversation: Conversation, message: Message) -> None:
    """Let the conversation row reflect a message (its newest one, if it is newer)."""
    note(
        conversation,
        sent_at=message.sent_at,
        body=message.body,
        direction=message.direction,
        updated_at=message.updated_at,
    )


def note(
    conversation: Conversation,
    *,
    sent_at: datetime,
    body: str,
    direction: str,
    updated_at: datetime,
) -> None:
    """`note_message` for a message known by its values (not stored as an object yet)."""
    if sent_at >= conversation.last_message_at:
        conversation.last_message_at = sent_at
        conversation.last_message_preview = preview(body, direction)
        conversation.last_message_direction = direction
    conversation.updated_at = max(conversation.updated_at, updated_at)


def preview(body: str, direction: str) -> str:
    """The inbox row's line for a message: its text on one line, or "(attachment)"."""
    text = one_line(body)
    if not text and direction == Direction.INBOUND.value:
        text = "(attachment)"
    return text[:PREVIEW_CHARS]


def _touch(conversation: Conversation, agent: Agent, now: datetime) -> None:
    conversation.updated_at = now
    conversation.updated_by_id = agent.id


def snooze(
    session: Session, conversation: Conversation, agent: Agent, until: datetime, *, now: datetime
) -> None:
    if until <= now:
        raise Refused(
            f"the snooze time {until:%Y-%m-%d %H:%M} UTC is in the past",
            "pick a time in the future",
        )
    conversation.status = Status.SNOOZED.value
    conversation.snooze_until = until
    _touch(conversation, agent, now)
    audit.record(
        session,
        agent,
        "conversation.snooze",
        now=now,
        profile_id=conversation.profile_id,
        detail=until.isoformat(),
    )


def close(session: Session, conversation: Conversation, agent: Agent, *, now: datetime) -> None:
    conversation.status = Status.CLOSED.value
    conversation.snooze_until = None
    _touch(conversation, agent, now)
    audit.record(session, agent, "conversation.close", now=now, profile_id=conversation.profile_id)


def reopen(session: Session, conversation: Conversation, agent: Agent, *, now: datetime) -> None:
    conversation.status = Status.OPEN.value
    conversation.snooze_until = None
    _touch(conversation, agent, now)
    audit.record(session, agent, "conversation.reopen", now=now, profile_id=conversation.profile_id)


def set_unread(
    session: Session, conversation: Conversation, agent: Agent, unread: bool, *, now: datetime
) -> None:
    conversation.unread = unread
    _touch(conversation, agent, now)
    audit.record(
        session,
        agent,
        "conversation.mark_unread" if unread else "conversation.mark_read",
        now=now,
        profile_id=conversation.profile_id,
    )


def block(
    session: Session,
    profile: Profile,
    conversation: Conversation | None,
    agent: Agent,
    *,
    now: datetime,
) -> None:
    """Block a profile: its conversation closes, its texts keep being stored, silently."""
    profile.blocked = True
    profile.blocked_at = now
    profile.blocked_by_id = agent.id
    profile.updated_at = now
    if conversation is not None:
        conversation.status = Status.CLOSED.value
        conversation.snooze_until = None
        conversation.unread = False
        _touch(conversation, agent, now)
    audit.record(session, agent, "profile.block", now=now, profile_id=profile.id)


def unblock(session: Session, profile: Profile, agent: Agent, *, now: datetime) -> None:
    profile.blocked = False
    profile.blocked_at = None
    profile.blocked_by_id = None
    profile.updated_at = now
    audit.record(session, agent, "profile.unblock", now=now, profile_id=profile.id)


def wake_due(session: Session, *, now: datetime) -> int:
    """Snoozed conversations whose reminder time has come are open again."""
    due = col(Conversation.snooze_until) <= now
    result = session.exec(
        update(Conversation)
        .where(col(Conversation.status) == Status.SNOOZED.value, due)
        .values(status=Status.OPEN.value, snooze_until=None, updated_at=now)
    )
    return int(result.rowcount or 0)
