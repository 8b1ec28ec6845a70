"""Internal notes: a word between agents on a conversation, never sent to the customer.

A note is a `message` row of direction "note" written by an agent: it takes its place
in the thread in time order and in the search, and moves the change stamp; it has no
outbox row, so nothing can send it. It does not answer the customer: the wait, the
preview and the inbox order stay as they were. `@login` in a note leaves that agent a
notice (their inbox shows it; email when email notifications are on)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from convo_tui.core import audit, controls, profiles
from convo_tui.errors import Refused
from convo_tui.store.kinds import Direction
from convo_tui.store.models import Agent, AgentNotice, Message, Profile, pk

MAX_NOTE = 4000
# Not inside a word or an address: "ana@acme.example" mentions nobody.
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9][A-Za-z0-9._-]{0,63})")


@dataclass(frozen=True)
class NoteAdded:
    message_id: int
    mentioned: tuple[str, ...]
    """Logins of the agents told (active, with an inbox open or not)."""
    unknown: tuple[str, ...]
    """`@names` that are no agent of this store (said back, so a typo is noticed)."""


def mentions(body: str) -> list[str]:
    """The logins `@`-named in `body`, in order, once each (a final full stop is not
    part of the name)."""
    found: list[str] = []
    for match in _MENTION.finditer(body):
        login = match.group(1).rstrip(".-")
        if login and login not in found:
            found.append(login)
    return found


def add_note(
    session: Session, agent: Agent, profile: Profile, body: str, *, now: datetime
) -> NoteAdded:
    """Add `body` as a note on the profile's conversation, as `agent`."""
    conversation = profiles.require_conversation(session, profile)
    text = controls.clean(body).text.strip()
    if not text:
        raise Refused("the note is empty", "write what your colleagues should know")
    if len(text) > MAX_NOTE:
        raise Refused(f"the note is {len(text)} characters; the limit is {MAX_NOTE}", "shorten it")
    note = Message(
        profile_id=pk(profile),
        conversation_id=conversation.id,
        direction=Direction.NOTE.value,
        body=text,
        status="note",
        agent_id=agent.id,
        sent_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(note)
    conversation.updated_at, conversation.updated_by_id = now, agent.id
    session.flush()
    names = mentions(text)
    agents = (
        {
            a.login: a
            for a in session.exec(
                select(Agent).where(col(Agent.login).in_(names), col(Agent.active).is_(True))
            ).all()
        }
        if names
        else {}
    )
    told: list[str] = []
    for login in names:
        found = agents.get(login)
        if found is None or found.id is None or found.id == agent.id:
            continue
        session.add(
            AgentNotice(
                agent_id=found.id,
                kind="mention",
                profile_id=pk(profile),
                message_id=note.id,
                by_agent_id=agent.id,
                created_at=now,
            )
        )
        told.append(login)
    unknown = tuple(n for n in names if n not in agents)
    detail = f"note {note.id}" + (f", mentions {', '.join(told)}" if told else "")
    audit.record(session, agent, "note.add", now=now, profile_id=profile.id, detail=detail)
    return NoteAdded(pk(note), tuple(told), unknown)
