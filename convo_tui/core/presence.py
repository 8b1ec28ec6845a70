"""Who is working the inbox now: each running terminal inbox keeps one row of `presence`
(its agent, the conversation in view, whether they are typing), refreshed every
HEARTBEAT seconds and at once on a change; a row older than TTL is a session that died.

Reads cost the number of running sessions, not the size of the store."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlmodel import Session, col

from convo_tui.core.roles import INBOX_ROLES
from convo_tui.core.rows import PRESENCE_HEARTBEAT, Present
from convo_tui.store.models import Agent, Presence

HEARTBEAT = timedelta(seconds=PRESENCE_HEARTBEAT)
TTL = timedelta(seconds=15)
"""A row not refreshed for this long belongs to a session that died (three heartbeats)."""


def announce(
    session: Session,
    key: str,
    agent_id: int,
    *,
    conversation_id: int | None,
    typing: bool,
    now: datetime,
) -> None:
    """This session's row: the conversation in view and whether its agent types."""
    row = session.get(Presence, key)
    if row is None:
        session.add(
            Presence(
                session_key=key,
                agent_id=agent_id,
                conversation_id=conversation_id,
                typing=typing,
                started_at=now,
                seen_at=now,
            )
        )
    else:
        row.agent_id, row.conversation_id = agent_id, conversation_id
        row.typing, row.seen_at = typing, now
    # Sessions that died leave rows: whoever writes next clears them (a handful at most).
    session.execute(delete(Presence).where(col(Presence.seen_at) < now - TTL))


def leave(session: Session, key: str) -> None:
    """The session ends: its row goes at once (a crash leaves it to expire)."""
    session.execute(delete(Presence).where(col(Presence.session_key) == key))


def present(session: Session, *, now: datetime) -> list[Present]:
    """Every live session of an active agent with an inbox role, by login."""
    rows = session.execute(
        select(
            col(Presence.agent_id),
            col(Agent.login),
            col(Agent.name),
            col(Presence.conversation_id),
            col(Presence.typing),
        )
        .join(Agent, col(Agent.id) == col(Presence.agent_id))
        .where(
            col(Presence.seen_at) >= now - TTL,
            col(Agent.active).is_(True),
            col(Agent.role).in_(INBOX_ROLES),
        )
        .order_by(col(Agent.login), col(Presence.session_key))
    ).all()
    return [
        Present(int(a), str(login), str(name or ""), c, bool(t)) for a, login, name, c, t in rows
    ]


def others(session: Session, me_id: int, *, now: datetime) -> list[Present]:
    """`present`, without the agent `me_id` (their other sessions too), one per agent
    and conversation; a typing session wins over a viewing one."""
    seen: dict[tuple[int, int | None], Present] = {}
    for found in present(session, now=now):
        if found.agent_id == me_id:
            continue
        key = (found.agent_id, found.conversation_id)
        if key not in seen or (found.typing and not seen[key].typing):
            seen[key] = found
    return list(seen.values())
