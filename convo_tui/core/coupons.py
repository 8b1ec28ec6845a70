"""The team's coupon codes, offered by the composer for insertion into a reply.

Kept in the settings table under `coupons.codes` (a list of codes), beside the
inbox settings, and changed by the same roles, with an audit entry.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlmodel import Session

from convo_tui.core.agents import CHANGE_SETTINGS, require_role
from convo_tui.core.settings import BadSetting, store_checked
from convo_tui.store.models import Agent, Setting

KEY = "coupons.codes"
MAX_CODES = 100
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")


def check(value: Any) -> list[str]:
    """A list of coupon codes: letters, digits, - and _, at most 40 characters each."""
    if not isinstance(value, list):
        raise ValueError("use a comma-separated list of codes")
    codes: list[str] = []
    for item in value:
        if not isinstance(item, str) or not _CODE.fullmatch(item.strip()):
            raise ValueError(
                f"{item!r} is not a coupon code (letters, digits, - and _, up to 40 characters)"
            )
        if item.strip() not in codes:
            codes.append(item.strip())
    if len(codes) > MAX_CODES:
        raise ValueError(f"at most {MAX_CODES} codes")
    return codes


def parse(text: str) -> list[str]:
    """Codes as a person typed them (comma-separated), validated."""
    try:
        return check([part.strip() for part in text.split(",") if part.strip()])
    except ValueError as exc:
        raise BadSetting(f"bad value {text!r} for {KEY}: {exc}", "nothing was changed") from None


def load(session: Session) -> list[str]:
    row = session.get(Setting, KEY)
    if row is None:
        return []
    try:
        return check(row.value)
    except ValueError:
        return []


def save(session: Session, agent: Agent, codes: list[str], *, now: datetime) -> list[str]:
    require_role(agent, CHANGE_SETTINGS, "change settings")
    try:
        codes = check(codes)
    except ValueError as exc:
        raise BadSetting(f"bad value for {KEY}: {exc}", "nothing was changed") from None
    stored: list[str] = store_checked(session, agent, KEY, codes, now=now)
    return stored
