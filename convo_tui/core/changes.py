"""Noticing what other processes changed: a cheap change stamp, and new customer texts.

The terminal UI polls these twice a second, so both are index lookups:
on SQLite `PRAGMA data_version` moves whenever another connection commits;
everywhere, the highest ids and update times of the tables agents and sync
write to stand in for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from convo_tui.store import dialect
from convo_tui.store.kinds import Status
from convo_tui.store.models import (
    AuditEntry,
    Conversation,
    Message,
    Notification,
    OutboxItem,
    Profile,
    Setting,
    SyncCursor,
)
from convo_tui.text import one_line


def stamp(conn: Connection) -> tuple[Any, ...]:
    """A value that differs whenever messages, conversations, settings or sync state changed.

    Each part is a primary-key maximum or a max over a tiny table, so the
    whole costs a few index probes at any store size.
    """
    parts: list[Any] = [dialect.data_version(conn)]
    for statement in (
        select(func.max(Message.id)),
        select(func.max(AuditEntry.id)),
        select(func.max(Notification.id)),
        select(func.max(OutboxItem.id)),
        select(func.max(Setting.updated_at)),
        select(func.max(SyncCursor.updated_at)),
        # A wake-up (sync or another agent's poller) removes the earliest snooze; a new
        # snooze is an audited action. One probe of ix_conv_status_snooze, not a count.
        select(func.min(Conversation.snooze_until)).where(
            col(Conversation.status) == Status.SNOOZED.value
        ),
    ):
        parts.append(conn.execute(statement).scalar())
    return tuple(parts)


@dataclass(frozen=True)
class NewText:
    """A customer text worth a notification (blocked profiles never raise one)."""

    notification_id: int
    profile_id: int
    name: str
    preview: str
    sent_at: datetime


def last_notification_id(session: Session) -> int:
    found = session.connection().execute(select(func.max(Notification.id))).scalar()
    return int(found or 0)


def new_texts(session: Session, after_id: int, *, limit: int = 20) -> Sequence[NewText]:
    """Notifications after `after_id`, oldest first, for profiles that are not blocked now."""
    rows = (
        session.connection()
        .execute(
            select(
                col(Notification.id),
                col(Profile.id),
                col(Profile.first_name),
                col(Profile.last_name),
                col(Profile.phone),
                col(Message.body),
                col(Message.sent_at),
            )
            .join(Profile, col(Profile.id) == col(Notification.profile_id))
            .join(Message, col(Message.id) == col(Notification.message_id))
            .where(col(Notification.id) > after_id, col(Profile.blocked).is_(False))
            .order_by(col(Notification.id))
            .limit(limit)
        )
        .all()
    )
    found: list[NewText] = []
    for nid, pid, first, last, phone, body, sent_at in rows:
        name = " ".join(p for p in (first, last) if p) or phone
        found.append(
            NewText(int(nid or 0), int(pid or 0), one_line(name), one_line(body, 80), sent_at)
        )
    return found
