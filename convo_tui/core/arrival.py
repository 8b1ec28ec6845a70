"""What happens when an agent starts a session on a store (the terminal UI or a CLI
command): the first agent of a new store becomes its owner, and snoozed conversations
whose time has come open again. One implementation for the Desk and the CLI."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from convo_tui.core import agents, conversations
from convo_tui.store.engine import Store
from convo_tui.store.models import Agent, Conversation, Status


def claim_first_run(store: Store, login: str, *, now: datetime) -> None:
    """On a store with no agent yet, `login` becomes its owner (audited); else nothing.

    A read decides first so that the usual case takes no write lock."""
    with store.read() as session:
        first_run = session.exec(select(Agent.id).limit(1)).first() is None
    if first_run:
        with store.write() as session:
            agents.identify(session, login, now=now)


def wake_due(store: Store, *, now: datetime) -> int:
    """Open snoozed conversations whose time has come; a cheap read when none are due."""
    with store.read() as session:
        due = session.exec(
            select(Conversation.id)
            .where(
                col(Conversation.status) == Status.SNOOZED.value,
                col(Conversation.snooze_until) <= now,
            )
            .limit(1)
        ).first()
    if due is None:
        return 0
    with store.write() as session:
        return conversations.wake_due(session, now=now)
