"""Undo of an agent's own action: the state it changed goes back, if nobody changed it since.

An action records what it changed (`Change`: the conversation's status, snooze,
read state and the profile's block, before and after). Undoing puts back only
those fields, and only while each still holds what the action left: a customer
who texted, a colleague who acted or a snooze that woke up since makes the undo
refuse with the reason instead of overwriting their change. Consent is never part
of a change: an opt-out is the customer's, and no agent action undoes it. A queued
reply is undone by recalling it (`ReplyQueued`, see core/outbox.recall).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlmodel import Session

from convo_tui.core import audit
from convo_tui.core.rows import DraftText, ReplyQueued
from convo_tui.errors import Refused
from convo_tui.store.models import Agent, Conversation, Profile
from convo_tui.text import one_line


@dataclass(frozen=True)
class State:
    """What an agent's triage action can change."""

    status: str
    snooze_until: datetime | None
    unread: bool
    blocked: bool
    assignee_id: int | None = None


def state_of(conversation: Conversation | None, profile: Profile) -> State:
    if conversation is None:
        return State("", None, False, profile.blocked)
    return State(
        conversation.status,
        conversation.snooze_until,
        conversation.unread,
        profile.blocked,
        conversation.assignee_id,
    )


@dataclass(frozen=True)
class Change:
    """One action's change, enough to undo it."""

    action: str
    """The audited action, e.g. conversation.close."""
    conversation_id: int
    profile_id: int
    before: State
    after: State

    @property
    def changed(self) -> tuple[str, ...]:
        return tuple(
            f.name
            for f in fields(State)
            if getattr(self.before, f.name) != getattr(self.after, f.name)
        )


Undoable = Change | ReplyQueued
"""What the TUI's undo stack holds."""


def restored(recalled_body: str, media: tuple[str, ...], draft: DraftText) -> DraftText:
    """The recalled reply back in the box, before whatever the agent has written since."""
    if not draft.body.strip() and not draft.media:
        return DraftText(recalled_body, media)
    return DraftText(f"{recalled_body}\n{draft.body}", media + draft.media)


_WORDS = {
    "status": "its status",
    "snooze_until": "its snooze",
    "unread": "its read state",
    "blocked": "the block",
    "assignee_id": "its assignee",
}


def revert(
    session: Session,
    change: Change,
    conversation: Conversation | None,
    profile: Profile,
    agent: Agent,
    *,
    now: datetime,
) -> None:
    """Put back what `change` changed, or refuse (nothing written) when someone or
    something changed it since."""
    current = state_of(conversation, profile)
    moved = [
        name for name in change.changed if getattr(current, name) != getattr(change.after, name)
    ]
    if moved:
        what = " and ".join(_WORDS[name] for name in moved)
        raise Refused(
            f"{what} changed since (now {_describe(current)}); not undone",
            "look at the conversation and act again if needed",
            reason="changed_since",
        )
    for name in change.changed:
        value = getattr(change.before, name)
        if name == "blocked":
            profile.blocked = value
            profile.blocked_at = None if not value else now
            profile.blocked_by_id = agent.id if value else None
            profile.updated_at = now
        elif conversation is not None:
            setattr(conversation, name, value)
    if conversation is not None:
        conversation.updated_at = now
        conversation.updated_by_id = agent.id
    audit.record(
        session,
        agent,
        "undo",
        now=now,
        profile_id=change.profile_id,
        detail=one_line(f"{change.action}: back to {_describe(change.before)}"),
    )


def _describe(state: State) -> str:
    parts = [state.status or "no conversation"]
    if state.snooze_until is not None:
        parts.append(f"snoozed until {state.snooze_until:%Y-%m-%d %H:%M} UTC")
    parts.append("unread" if state.unread else "read")
    if state.blocked:
        parts.append("blocked")
    return ", ".join(parts)
