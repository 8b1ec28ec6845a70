"""Notices for one agent (a mention in a note, a conversation given to them), as their
inbox shows them: read by id, so each is shown once, and only to its agent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from convo_tui import phones
from convo_tui.store.models import Agent, AgentNotice, Conversation, Message, Profile
from convo_tui.text import one_line


@dataclass(frozen=True)
class Notice:
    id: int
    kind: str
    """"mention" or "assigned"."""
    conversation_id: int | None
    customer: str
    by: str
    """Who mentioned or assigned them ("auto-assignment" when convo did)."""
    note: str
    """The note's text on one line (mentions), else empty."""

    @property
    def words(self) -> str:
        """The toast: "Bea mentioned you on Kenji Watanabe: …"."""
        if self.kind == "mention":
            return f"{self.by} mentioned you on {self.customer}: {self.note}"
        return f"{self.by} gave you {self.customer}"


def last_id(session: Session) -> int:
    return int(session.execute(select(func.max(col(AgentNotice.id)))).scalar() or 0)


def for_login(session: Session, login: str, after_id: int, *, limit: int = 20) -> list[Notice]:
    """The notices of agent `login` after `after_id`, oldest first."""
    me = aliased(Agent)
    by = aliased(Agent)
    rows = session.execute(
        select(
            col(AgentNotice.id),
            col(AgentNotice.kind),
            col(Conversation.id),
            col(Profile.first_name),
            col(Profile.last_name),
            col(Profile.phone),
            col(by.login),
            col(by.name),
            col(Message.body),
        )
        .join(me, col(me.id) == col(AgentNotice.agent_id))
        .join(Profile, col(Profile.id) == col(AgentNotice.profile_id))
        .outerjoin(Conversation, col(Conversation.profile_id) == col(Profile.id))
        .outerjoin(by, col(by.id) == col(AgentNotice.by_agent_id))
        .outerjoin(Message, col(Message.id) == col(AgentNotice.message_id))
        .where(col(me.login) == login, col(AgentNotice.id) > after_id)
        .order_by(col(AgentNotice.id))
        .limit(limit)
    ).all()
    found: list[Notice] = []
    for nid, kind, cid, first, last, phone, by_login, by_name, body in rows:
        customer = " ".join(p for p in (first, last) if p) or phones.pretty(phone)
        who = (by_name or by_login or "").split()[0] if (by_name or by_login) else ""
        found.append(
            Notice(
                int(nid),
                str(kind),
                cid,
                one_line(customer),
                one_line(who) or "auto-assignment",
                one_line(body or "", 80),
            )
        )
    return found
