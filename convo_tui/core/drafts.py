"""Reply drafts: what an agent wrote for one conversation and has not sent yet.

A draft belongs to one agent and one conversation, never to the composer: moving
to another customer shows that customer's draft (or none), and a send takes the
draft of the conversation it was written in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, delete, select

from convo_tui.core.rows import DraftText
from convo_tui.store.models import Agent, ReplyDraft

NONE = DraftText("")


def text_of(body: str | None, media: str | None) -> DraftText:
    """A draft from its stored columns (None when there is no draft)."""
    if body is None:
        return NONE
    return DraftText(body, tuple(u for u in (media or "").splitlines() if u))


def load(session: Session, agent_id: int, conversation_id: int) -> DraftText:
    found = session.get(ReplyDraft, (agent_id, conversation_id))
    if found is None:
        return NONE
    return text_of(found.body, found.media)


def load_for_login(session: Session, login: str, conversation_id: int) -> DraftText:
    """The draft of the agent with `login` (one indexed read, no agent row needed)."""
    row = session.exec(
        select(ReplyDraft.body, ReplyDraft.media)
        .join(Agent, col(Agent.id) == col(ReplyDraft.agent_id))
        .where(col(Agent.login) == login, col(ReplyDraft.conversation_id) == conversation_id)
    ).first()
    return NONE if row is None else text_of(*row)


def save(
    session: Session,
    agent_id: int,
    conversation_id: int,
    body: str,
    media: Sequence[str],
    *,
    now: datetime,
) -> None:
    """Keep the draft (an empty one is removed)."""
    draft = DraftText(body, tuple(media))
    found = session.get(ReplyDraft, (agent_id, conversation_id))
    if draft.empty:
        if found is not None:
            session.delete(found)
        return
    if found is None:
        found = ReplyDraft(agent_id=agent_id, conversation_id=conversation_id, updated_at=now)
        session.add(found)
    found.body = body
    found.media = "\n".join(media)
    found.updated_at = now


def discard(session: Session, agent_id: int, conversation_id: int) -> None:
    session.exec(
        delete(ReplyDraft).where(
            col(ReplyDraft.agent_id) == agent_id,
            col(ReplyDraft.conversation_id) == conversation_id,
        )
    )
