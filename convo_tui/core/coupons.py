"""The team's coupon codes, offered by the composer for insertion into a reply.

An ordinary row of the settings table (`coupons.codes`, a list of codes, checked
there): shown and changed like every setting, by the same roles, with an audit entry.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from convo_tui.core import settings as settings_mod
from convo_tui.store.models import Agent

KEY = "coupons.codes"


def load(session: Session) -> list[str]:
    return settings_mod.load(session).coupons_codes


def save(session: Session, agent: Agent, codes: list[str], *, now: datetime) -> list[str]:
    stored: list[str] = settings_mod.set_value(session, agent, KEY, codes, now=now)
    return stored
