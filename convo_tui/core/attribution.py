"""Which campaign or flow a customer's text answers.

A text is attributed to the campaign or flow message the profile received
last, when it arrives within the attribution window after it, and only when
it is the profile's first text since that message: later texts in the same
exchange are not attributed again.

The rule (`choose`) works on a profile's sends and replies around the text;
`sends_between` and `replies_between` read them for many profiles at once, and
a batch of texts adds its own sends and replies as it goes (core.intake).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from convo_tui.store.dialect import in_lists
from convo_tui.store.kinds import Direction, SourceKind
from convo_tui.store.models import Message, MessageSource

ATTRIBUTABLE = (SourceKind.CAMPAIGN.value, SourceKind.FLOW.value)
"""Ids per IN (...) list: well under SQLite's limit on bound parameters."""


@dataclass(frozen=True)
class Send:
    """A campaign or flow message a profile received."""

    sent_at: datetime
    rank: int
    """Breaks ties between sends at the same moment: the later stored one wins (its id)."""
    source_id: int


def choose(
    sends: Sequence[Send],
    replies: Sequence[datetime],
    received_at: datetime,
    window_hours: int,
) -> int | None:
    """The source id a customer text received at `received_at` is attributed to, or None.

    `sends` and `replies` (the times of the profile's non-keyword texts) must hold
    at least those from `received_at` minus the window up to `received_at`."""
    last: Send | None = None
    for send in sends:
        if send.sent_at <= received_at and (
            last is None or (send.sent_at, send.rank) > (last.sent_at, last.rank)
        ):
            last = send
    if last is None or received_at - last.sent_at > timedelta(hours=window_hours):
        return None
    if any(last.sent_at <= at < received_at for at in replies):
        return None  # not the first text since that send
    return last.source_id


def sends_between(
    session: Session, profile_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, list[Send]]:
    """Campaign and flow messages each profile received from `start` to `end` (inclusive)."""
    found: dict[int, list[Send]] = defaultdict(list)
    for part in in_lists(profile_ids):
        rows = session.exec(
            select(Message.profile_id, Message.sent_at, Message.id, Message.source_id)
            .join(MessageSource, col(MessageSource.id) == col(Message.source_id))
            .where(
                col(Message.profile_id).in_(part),
                Message.direction == Direction.OUTBOUND.value,
                col(MessageSource.kind).in_(ATTRIBUTABLE),
                col(Message.sent_at) >= start,
                col(Message.sent_at) <= end,
            )
        )
        for profile_id, sent_at, message_id, source_id in rows:
            if message_id is not None and source_id is not None:
                found[profile_id].append(Send(sent_at, message_id, source_id))
    return found


def replies_between(
    session: Session, profile_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, list[datetime]]:
    """When each profile texted (keywords aside) from `start` up to, not including, `end`."""
    found: dict[int, list[datetime]] = defaultdict(list)
    for part in in_lists(profile_ids):
        rows = session.exec(
            select(Message.profile_id, Message.sent_at).where(
                col(Message.profile_id).in_(part),
                Message.direction == Direction.INBOUND.value,
                col(Message.keyword).is_(None),
                col(Message.sent_at) >= start,
                col(Message.sent_at) < end,
            )
        )
        for profile_id, sent_at in rows:
            found[profile_id].append(sent_at)
    return found
