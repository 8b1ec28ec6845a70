"""Which campaign or flow a customer's text answers.

A text is attributed to the campaign or flow message the profile received
last, when it arrives within the attribution window after it, and only when
it is the profile's first text since that message: later texts in the same
exchange are not attributed again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from convo_tui.store.models import Direction, Message, MessageSource, SourceKind

ATTRIBUTABLE = (SourceKind.CAMPAIGN.value, SourceKind.FLOW.value)


def attribute(
    session: Session, profile_id: int, received_at: datetime, window_hours: int
) -> int | None:
    """The source id a customer text received at `received_at` is attributed to, or None."""
    last_send = session.exec(
        select(Message.sent_at, Message.source_id)
        .join(MessageSource, col(MessageSource.id) == col(Message.source_id))
        .where(
            Message.profile_id == profile_id,
            Message.direction == Direction.OUTBOUND.value,
            col(MessageSource.kind).in_(ATTRIBUTABLE),
            col(Message.sent_at) <= received_at,
        )
        .order_by(col(Message.sent_at).desc(), col(Message.id).desc())
        .limit(1)
    ).first()
    if last_send is None:
        return None
    sent_at, source_id = last_send
    if received_at - sent_at > timedelta(hours=window_hours):
        return None
    earlier_reply = session.exec(
        select(Message.id)
        .where(
            Message.profile_id == profile_id,
            Message.direction == Direction.INBOUND.value,
            col(Message.keyword).is_(None),
            col(Message.sent_at) >= sent_at,
            col(Message.sent_at) < received_at,
        )
        .limit(1)
    ).first()
    return None if earlier_reply is not None else source_id
