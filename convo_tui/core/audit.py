"""Every state change records the agent who made it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from convo_tui.store.models import Agent, AuditEntry


def record(
    session: Session,
    agent: Agent | None,
    action: str,
    *,
    now: datetime,
    profile_id: int | None = None,
    detail: str = "",
) -> None:
    session.add(
        AuditEntry(
            at=now,
            agent_id=agent.id if agent else None,
            action=action,
            profile_id=profile_id,
            detail=detail[:500],
        )
    )
