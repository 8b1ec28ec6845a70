"""Agents and roles: who may use the inbox, and who manages whom."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from convo_tui.core import assignment, audit
from convo_tui.core.roles import INBOX_ROLES, KNOWN_ROLES, MANAGE_AGENTS
from convo_tui.errors import AccessDenied, ConvoError, NotFound
from convo_tui.store import dialect
from convo_tui.store.models import Agent, StoreMeta

_LOGIN = re.compile(r"[A-Za-z0-9._@-]{1,64}")


@lru_cache(maxsize=1)
def _by_login() -> SelectOfScalar[Agent]:
    # Built once: every action (opening a conversation too) identifies the agent first.
    return select(Agent).where(col(Agent.login) == bindparam("login"))


def store_kind(session: Session) -> str | None:
    """The store's kind (store_meta "kind": "demo", "bench", "test"), None for a real one."""
    mark = session.get(StoreMeta, "kind")
    return mark.value if mark is not None else None


def identify(session: Session, login: str, *, now: datetime) -> Agent:
    """The agent acting now; refuses unknown, removed or non-inbox agents.

    The very first agent to use a store becomes its owner.
    """
    check_login(login)
    agent = session.exec(_by_login(), params={"login": login}).first()
    if agent is None:
        if session.exec(select(func.count()).select_from(Agent)).one() == 0:
            agent = Agent(login=login, name=login, role="owner", created_at=now)
            session.add(agent)
            session.flush()
            audit.record(session, agent, "agent.first_owner", now=now, detail=login)
            return agent
        raise AccessDenied(
            f"agent {login!r} is not registered in this store",
            f"ask an owner or admin to run: convo agents add {login} --role support",
        )
    if not agent.active:
        raise AccessDenied(
            f"agent {login!r} has been removed from this store",
            f"ask an owner or admin to run: convo agents add {login} --role support",
        )
    require_inbox_role(agent)
    return agent


def require_inbox_role(agent: Agent) -> None:
    if agent.role not in INBOX_ROLES:
        raise AccessDenied(
            f"agent {agent.login!r} has the role {agent.role!r}, which may not use the inbox",
            "only owner, admin, manager and support may; ask an owner or admin to change it",
        )


def require_role(agent: Agent, roles: tuple[str, ...], doing: str) -> None:
    if agent.role not in roles:
        raise AccessDenied(
            f"agent {agent.login!r} ({agent.role}) may not {doing}",
            f"ask someone with the role {' or '.join(roles)}",
        )


def check_login(login: str) -> None:
    if not _LOGIN.fullmatch(login):
        raise ConvoError(
            f"{login!r} is not a valid agent login",
            "use 1-64 letters, digits, dots, dashes, underscores or @",
        )


def database_role(
    session: Session, login: str, role: str, *, active: bool = True
) -> tuple[bool, list[str]]:
    """On PostgreSQL: make `login` a database role in its group (or take its login away),
    when this session's role may; (done, the statements), so that when it may not they
    can be handed to the database administrator. On SQLite: (False, [])."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return False, []
    statements = dialect.agent_role_sql(conn, login, role, active=active)
    if not dialect.may_create_roles(conn):
        return False, statements
    for statement in statements:
        conn.exec_driver_sql(statement)
    return True, statements


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def check_email(address: str) -> None:
    """An agent's address, for their mentions and assignments."""
    if not _EMAIL.fullmatch(address.strip()) or len(address) > 320:
        raise ConvoError(f"{address!r} is not an email address", "e.g. --email bea@acme.example")


def list_agents(session: Session, *, include_removed: bool = False) -> list[Agent]:
    query = select(Agent).order_by(col(Agent.login))
    if not include_removed:
        query = query.where(col(Agent.active).is_(True))
    return list(session.exec(query))


def add_agent(
    session: Session, actor: Agent, login: str, role: str, *, name: str = "", now: datetime
) -> Agent:
    """Add an agent (or bring a removed one back, or change a role)."""
    require_role(actor, MANAGE_AGENTS, "manage agents")
    check_login(login)
    if role not in KNOWN_ROLES:
        raise ConvoError(f"unknown role {role!r}", f"use one of: {', '.join(KNOWN_ROLES)}")
    if role == "owner" and actor.role != "owner":
        raise AccessDenied("only an owner may make another owner", "ask an owner")
    agent = session.exec(select(Agent).where(Agent.login == login)).first()
    if agent is None:
        agent = Agent(login=login, name=name or login, role=role, created_at=now)
        session.add(agent)
    else:
        if agent.role == "owner" and role != "owner":
            _keep_an_owner(session, agent)
        agent.role = role
        agent.active = True
        if name:
            agent.name = name
    session.flush()
    audit.record(session, actor, "agent.add", now=now, detail=f"{login} as {role}")
    return agent


def remove_agent(session: Session, actor: Agent, login: str, *, now: datetime) -> Agent:
    """Remove an agent's access; their past actions stay attributed to them."""
    require_role(actor, MANAGE_AGENTS, "manage agents")
    agent = session.exec(select(Agent).where(Agent.login == login)).first()
    if agent is None or not agent.active:
        raise NotFound(f"no agent {login!r} in this store", "see: convo agents list")
    if agent.role == "owner":
        if actor.role != "owner":
            raise AccessDenied("only an owner may remove an owner", "ask an owner")
        _keep_an_owner(session, agent)
    agent.active = False
    audit.record(session, actor, "agent.remove", now=now, detail=login)
    # Their conversations are nobody's now: a customer's next text finds a free hand.
    assignment.release_all(session, agent, actor, now=now)
    return agent


def _keep_an_owner(session: Session, leaving: Agent) -> None:
    owners = session.exec(
        select(func.count())
        .select_from(Agent)
        .where(Agent.role == "owner", col(Agent.active).is_(True), Agent.id != leaving.id)
    ).one()
    if owners == 0:
        raise ConvoError(
            f"{leaving.login!r} is the last owner of this store",
            "make another agent owner first",
        )
