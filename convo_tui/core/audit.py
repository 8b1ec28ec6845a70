"""Every state change records the agent who made it, and the OS login that acted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pytz import BaseTzInfo
from sqlmodel import Session, col, select

from convo_tui.core.roles import os_login
from convo_tui.errors import BadInput, NotFound
from convo_tui.store.models import Agent, AuditEntry, Profile


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
            os_login=os_login(),
        )
    )


@dataclass(frozen=True)
class AuditRow:
    """One entry of the audit log, as `convo audit` shows it."""

    at: datetime
    agent_login: str | None
    """The agent it was done as (None: the system, e.g. the sync)."""
    os_login: str | None
    """The OS login that acted (None: before revision 0014)."""
    action: str
    phone: str | None
    detail: str


SINCE_HELP = "use 30m, 2h, 3d, 1w, 2026-12-01 or 2026-12-01 09:00 (your time)"
_AGO = re.compile(r"(\d{1,5})\s*([mhdw])")
_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}):(\d{2}))?")


def parse_since(text: str, now: datetime, zone: BaseTzInfo) -> datetime:
    """`--since`: a duration back from now, or a date (and time) in the agent's zone."""
    value = text.strip().lower()
    if match := _AGO.fullmatch(value):
        amount, unit = int(match.group(1)), match.group(2)
        return now - timedelta(**{_UNITS[unit]: amount})
    if match := _DAY.fullmatch(value):
        try:
            day = date.fromisoformat(match.group(1))
            at = time(int(match.group(2) or 0), int(match.group(3) or 0))
        except ValueError:
            pass
        else:
            return zone.localize(datetime.combine(day, at)).astimezone(UTC)
    raise BadInput(f"cannot read --since {text!r}", SINCE_HELP)


_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def entries(
    session: Session,
    *,
    agent_login: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[AuditRow]:
    """The newest entries first, of one agent and since a moment when given."""
    query = (
        select(AuditEntry, Agent.login, Profile.phone)
        .join(Agent, col(Agent.id) == col(AuditEntry.agent_id), isouter=True)
        .join(Profile, col(Profile.id) == col(AuditEntry.profile_id), isouter=True)
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
    )
    if agent_login is not None:
        if session.exec(select(Agent.id).where(col(Agent.login) == agent_login)).first() is None:
            raise NotFound(
                f"no agent {agent_login!r} in this store", "see the logins with: convo agents list"
            )
        query = query.where(col(Agent.login) == agent_login)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    return [
        AuditRow(entry.at, login, entry.os_login, entry.action, phone, entry.detail)
        for entry, login, phone in session.exec(query).all()
    ]
