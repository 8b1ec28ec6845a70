"""Traffic Cop (as Help Scout calls it): a reply is held, not sent, when the thread
moved on since the agent last saw it: the customer texted again, another agent
replied, or someone added a note. The agent looks at what is new, then sends with
one more key (or edits); the CLI names the newest message it has seen (`--after`).

Without a "seen" mark (a CLI reply with no `--after`), a reply is held when another
agent replied in the last RECENT_REPLY, unless forced."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlmodel import Session, col

from convo_tui.core.rows import Held, Newer
from convo_tui.store.kinds import Direction
from convo_tui.store.models import Agent, Message

RECENT_REPLY = timedelta(minutes=5)
_NEWEST = 5
"""The newest messages named in a hold (the thread shows the rest)."""


def newer_than(
    session: Session, profile_id: int, seen_id: int, me: Agent, *, limit: int = _NEWEST
) -> list[Newer]:
    """Messages of the profile after `seen_id` that the agent `me` did not write: texts
    of the customer, replies of other agents, notes of anyone else; oldest first."""
    rows = session.execute(
        select(
            col(Message.id),
            col(Message.direction),
            col(Agent.login),
            col(Message.body),
            col(Message.sent_at),
        )
        .outerjoin(Agent, col(Agent.id) == col(Message.agent_id))
        .where(
            col(Message.profile_id) == profile_id,
            col(Message.id) > seen_id,
            or_(
                col(Message.direction) == Direction.INBOUND.value,
                (col(Message.agent_id).is_not(None)) & (col(Message.agent_id) != me.id),
            ),
        )
        .order_by(col(Message.id).desc())
        .limit(limit)
    ).all()
    found = [
        Newer(int(mid), _kind(direction), str(login or ""), str(body or ""), at)
        for mid, direction, login, body, at in rows
    ]
    return list(reversed(found))


def _kind(direction: str) -> str:
    if direction == Direction.INBOUND.value:
        return "customer"
    return "note" if direction == Direction.NOTE.value else "reply"


def newest_id(session: Session, profile_id: int) -> int:
    """The newest message of the profile's thread (notes too): what `--after` names."""
    found = session.execute(
        select(col(Message.id))
        .where(col(Message.profile_id) == profile_id)
        .order_by(col(Message.id).desc())
        .limit(1)
    ).scalar()
    return int(found or 0)


def check(
    session: Session,
    profile_id: int,
    me: Agent,
    *,
    seen_id: int | None,
    now: datetime,
    force: bool = False,
) -> None:
    """Raise Held when the thread moved on since `seen_id` (or, with no mark, when
    another agent replied in the last RECENT_REPLY); `force` sends anyway."""
    if force:
        return
    if seen_id is not None:
        newer = newer_than(session, profile_id, seen_id, me)
        if newer:
            raise Held(_what(newer), "read it, then send again (or edit)", tuple(newer))
        return
    recent = [
        n
        for n in newer_than(session, profile_id, 0, me, limit=20)
        if n.kind == "reply" and now - n.sent_at < RECENT_REPLY
    ]
    if recent:
        last = recent[-1]
        raise Held(
            f"{last.who} replied to this customer {_minutes(now - last.sent_at)}",
            "read the thread (convo thread), then reply with --after ID, or --force",
            tuple(recent[-_NEWEST:]),
        )


def _what(newer: list[Newer]) -> str:
    parts: list[str] = []
    customer = sum(1 for n in newer if n.kind == "customer")
    if customer:
        parts.append("the customer texted again" if customer == 1 else f"{customer} new texts")
    replied = sorted({n.who for n in newer if n.kind == "reply"})
    if replied:
        parts.append(f"{', '.join(replied)} replied")
    noted = sorted({n.who for n in newer if n.kind == "note"})
    if noted:
        parts.append(f"{', '.join(noted)} added a note")
    return "reply held: " + " and ".join(parts) + " since you last looked"


def _minutes(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    return "just now" if minutes < 1 else f"{minutes} min ago"
