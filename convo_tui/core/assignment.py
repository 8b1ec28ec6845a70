"""Who owns a conversation: assigning it to an agent, to oneself or to nobody, and the
team's auto-assignment (the `team.auto_assign` setting).

Every change is audited; a conversation given to someone else leaves them a notice
(their inbox shows it; email when email notifications are on, core.email_notify)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from convo_tui.core import audit, presence
from convo_tui.core.roles import INBOX_ROLES
from convo_tui.core.rows import UNASSIGNED
from convo_tui.errors import NotFound, Refused
from convo_tui.store.models import Agent, AgentNotice, Conversation, pk

AUTO_ASSIGN = ("off", "first_reply", "round_robin")
"""`team.auto_assign`: nobody is assigned by convo; the first agent to reply to an
unassigned conversation gets it; or a customer's text on an unassigned conversation
goes to the agent present now (a running inbox) whose turn it is."""


@dataclass(frozen=True)
class Assigned:
    """What an assignment changed (for the one line the CLI and the toast say)."""

    before: str | None
    after: str | None
    """Logins; None: nobody."""

    @property
    def changed(self) -> bool:
        return self.before != self.after


def assignable(session: Session) -> list[Agent]:
    """Active agents with an inbox role, by login: the picker's choices."""
    return list(
        session.exec(
            select(Agent)
            .where(col(Agent.active).is_(True), col(Agent.role).in_(INBOX_ROLES))
            .order_by(col(Agent.login))
        ).all()
    )


def filter_key(session: Session, me: Agent, who: str) -> int:
    """`--assignee` as an InboxFilter.assignee: "me", "none", or an agent's login."""
    if who == "me":
        return pk(me)
    if who == "none":
        return UNASSIGNED
    agent = session.exec(select(Agent).where(col(Agent.login) == who)).first()
    if agent is None:
        raise NotFound(
            f"no agent {who!r} in this store", "use me, none or a login from: convo agents list"
        )
    return pk(agent)


def resolve(me: Agent, who: str) -> str | None:
    """`convo assign`'s target as a login: "me", "none" (None) or a login."""
    if who == "me":
        return me.login
    return None if who == "none" else who


def _target(session: Session, login: str) -> Agent:
    agent = session.exec(select(Agent).where(col(Agent.login) == login)).first()
    if agent is None or not agent.active:
        raise NotFound(f"no agent {login!r} in this store", "see: convo agents list")
    if agent.role not in INBOX_ROLES:
        raise Refused(
            f"{login} ({agent.role}) does not work the inbox",
            "assign it to an owner, admin, manager or support agent",
        )
    return agent


def assign(
    session: Session,
    conversation: Conversation,
    me: Agent,
    login: str | None,
    *,
    now: datetime,
) -> Assigned:
    """Give `conversation` to the agent `login` (None: to nobody), as `me`."""
    before = _login_of(session, conversation.assignee_id)
    target = _target(session, login) if login is not None else None
    if (target.id if target else None) == conversation.assignee_id:
        return Assigned(before, before)
    conversation.assignee_id = target.id if target else None
    conversation.updated_at, conversation.updated_by_id = now, me.id
    after = target.login if target else None
    detail = f"to {after or 'nobody'} (was {before or 'nobody'})"
    action = "assign" if target is not None else "unassign"
    audit.record(session, me, action, now=now, profile_id=conversation.profile_id, detail=detail)
    if target is not None and target.id != me.id:
        _notice(session, target, conversation.profile_id, by=me, now=now)
    return Assigned(before, after)


def on_reply(session: Session, conversation: Conversation, me: Agent, *, now: datetime) -> None:
    """`first_reply`: an agent replying to an unassigned conversation takes it."""
    if conversation.assignee_id is not None or me.id is None:
        return
    conversation.assignee_id = me.id
    audit.record(
        session,
        me,
        "auto_assign",
        now=now,
        profile_id=conversation.profile_id,
        detail=f"to {me.login} (first reply)",
    )


class RoundRobin:
    """`round_robin` for one batch of customer texts: agents present now take turns,
    the one given a conversation longest ago (or never) first."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now = session, now
        self._queue: list[Agent] | None = None

    def _agents(self) -> list[Agent]:
        if self._queue is None:
            ids = {p.agent_id for p in presence.present(self.session, now=self.now)}
            agents: Sequence[Agent] = (
                self.session.exec(select(Agent).where(col(Agent.id).in_(ids))).all() if ids else ()
            )
            floor = datetime.min.replace(tzinfo=self.now.tzinfo)
            self._queue = sorted(agents, key=lambda a: (a.last_assigned_at or floor, a.login))
        return self._queue

    def give(self, conversation: Conversation, profile_id: int) -> None:
        """Assign an unassigned conversation a customer just texted (no one present: none)."""
        if conversation.assignee_id is not None:
            return
        queue = self._agents()
        if not queue:
            return
        agent = queue.pop(0)
        queue.append(agent)  # the back of the line, for the next text of this batch
        agent.last_assigned_at = self.now
        conversation.assignee_id = agent.id
        audit.record(
            self.session,
            None,
            "auto_assign",
            now=self.now,
            profile_id=profile_id,
            detail=f"to {agent.login} (round robin)",
        )
        _notice(self.session, agent, profile_id, by=None, now=self.now)


def release_all(session: Session, agent: Agent, me: Agent, *, now: datetime) -> int:
    """An agent leaves the team: their conversations become unassigned (audited once)."""
    ids = list(
        session.exec(select(Conversation.id).where(col(Conversation.assignee_id) == agent.id))
    )
    count = len(ids)
    if ids:
        session.execute(
            update(Conversation)
            .where(col(Conversation.assignee_id) == agent.id)
            .values(assignee_id=None, updated_at=now, updated_by_id=me.id)
        )
        audit.record(session, me, "unassign", now=now, detail=f"{count} of {agent.login}'s")
    return count


def _notice(
    session: Session, agent: Agent, profile_id: int, *, by: Agent | None, now: datetime
) -> None:
    if agent.id is None:
        return
    session.add(
        AgentNotice(
            agent_id=agent.id,
            kind="assigned",
            profile_id=profile_id,
            by_agent_id=by.id if by else None,
            created_at=now,
        )
    )


def _login_of(session: Session, agent_id: int | None) -> str | None:
    if agent_id is None:
        return None
    agent = session.get(Agent, agent_id)
    return agent.login if agent else None
