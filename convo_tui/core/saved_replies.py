"""The team's saved replies: a library of named texts with `{{ variables }}` filled in
for one customer (the auto-reply's template engine), what sending one also does, and
the picker's fuzzy search.

A variable with no value is never sent as a blank or a placeholder: `fill` names what
is missing, the agent supplies it (`given`), or inserting is refused when the value
cannot exist (no order to draw an order's number from)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from convo_tui.core import audit, snooze, tags
from convo_tui.core.agents import require_role
from convo_tui.core.reply_fill import VARIABLES, Context, Reply
from convo_tui.core.roles import CHANGE_SETTINGS
from convo_tui.core.settings import InboxSettings
from convo_tui.core.templates import template_variables
from convo_tui.errors import BadInput, NotFound, Refused
from convo_tui.store.models import Agent, OrderLine, Profile, SavedReply, ShopOrder

ACTIONS = ("close", "snooze", "tag", "assign")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
MAX_NAME = 80
MAX_CATEGORY = 60
MAX_BODY = 1600


def _reply(row: SavedReply) -> Reply:
    return Reply(
        int(row.id or 0), row.name, row.category, row.language, row.body, dict(row.actions or {})
    )


# -- validation -----------------------------------------------------------------------


def check_name(value: str) -> str:
    name = " ".join(value.split())
    if not name or len(name) > MAX_NAME:
        raise BadInput(
            f"a saved reply's name is 1 to {MAX_NAME} characters", "e.g. 'Where is my order'"
        )
    return name


def check_language(value: str | None) -> str:
    code = (value or "").strip().lower().replace("_", "-").split("-")[0]
    if code and not _LANGUAGE.fullmatch(code):
        raise BadInput(
            f"not a language code: {value!r}", "use two letters such as en, pt, es (or none)"
        )
    return code


def check_body(value: str) -> str:
    body = value.strip()
    if not body:
        raise BadInput("a saved reply needs a text", "write what the customer should read")
    if len(body) > MAX_BODY:
        raise BadInput(f"a saved reply is at most {MAX_BODY} characters ({len(body)} given)", "")
    for name in template_variables(body):
        if name not in VARIABLES:
            raise BadInput(f"unknown variable {{{{ {name} }}}}", f"known: {', '.join(VARIABLES)}")
    return body


def check_actions(
    *,
    close: bool = False,
    snooze_preset: str | None = None,
    tag: str | None = None,
    assign: str | None = None,
) -> dict[str, Any]:
    """The actions as stored; BadInput for one that cannot mean anything."""
    out: dict[str, Any] = {}
    if close and snooze_preset:
        raise BadInput("a saved reply closes or snoozes, not both", "choose one of them")
    if close:
        out["close"] = True
    if snooze_preset:
        if snooze_preset not in snooze.PRESETS:
            raise BadInput(
                f"no snooze preset {snooze_preset!r}", f"use {', '.join(snooze.PRESETS)}"
            )
        out["snooze"] = snooze_preset
    if tag:
        out["tag"] = tags.normalize(tag)
    if assign:
        out["assign"] = assign.strip()
    return out


# -- the library ----------------------------------------------------------------------


def listing(session: Session) -> list[Reply]:
    """Every saved reply, by category, name and language."""
    rows = session.exec(
        select(SavedReply).order_by(
            col(SavedReply.category), col(SavedReply.name), col(SavedReply.language)
        )
    )
    return [_reply(r) for r in rows]


def _row(session: Session, name: str, language: str | None) -> SavedReply:
    query = select(SavedReply).where(col(SavedReply.name) == check_name(name))
    found = list(session.exec(query))
    if language is not None:
        found = [r for r in found if r.language == check_language(language)]
    if not found:
        raise NotFound(f"no saved reply {name!r}", "see: convo replies list")
    if len(found) > 1:
        langs = ", ".join(r.language or "default" for r in found)
        raise BadInput(f"{name!r} is written in several languages ({langs})", "add --language")
    return found[0]


def add(
    session: Session,
    agent: Agent,
    *,
    name: str,
    body: str,
    category: str = "",
    language: str | None = None,
    actions: Mapping[str, Any] | None = None,
    now: datetime,
) -> Reply:
    require_role(agent, CHANGE_SETTINGS, "change saved replies")
    row = SavedReply(
        name=check_name(name),
        category=" ".join(category.split())[:MAX_CATEGORY],
        language=check_language(language),
        body=check_body(body),
        actions=dict(actions or {}),
        created_at=now,
        updated_at=now,
        updated_by_id=agent.id,
    )
    taken = session.exec(
        select(SavedReply).where(
            col(SavedReply.name) == row.name, col(SavedReply.language) == row.language
        )
    ).first()
    if taken is not None:
        lang = f" in {row.language}" if row.language else ""
        raise Refused(f"a saved reply {row.name!r}{lang} exists already", "use: convo replies edit")
    session.add(row)
    session.flush()
    audit.record(session, agent, "reply.add", now=now, detail=_detail(row))
    return _reply(row)


def edit(
    session: Session,
    agent: Agent,
    name: str,
    *,
    language: str | None = None,
    new_name: str | None = None,
    body: str | None = None,
    category: str | None = None,
    actions: Mapping[str, Any] | None = None,
    now: datetime,
) -> Reply:
    require_role(agent, CHANGE_SETTINGS, "change saved replies")
    row = _row(session, name, language)
    if new_name is not None:
        row.name = check_name(new_name)
    if body is not None:
        row.body = check_body(body)
    if category is not None:
        row.category = " ".join(category.split())[:MAX_CATEGORY]
    if actions is not None:
        row.actions = dict(actions)
    row.updated_at, row.updated_by_id = now, agent.id
    session.add(row)
    session.flush()
    audit.record(session, agent, "reply.edit", now=now, detail=_detail(row))
    return _reply(row)


def remove(
    session: Session, agent: Agent, name: str, *, language: str | None, now: datetime
) -> Reply:
    require_role(agent, CHANGE_SETTINGS, "change saved replies")
    row = _row(session, name, language)
    gone = _reply(row)
    session.delete(row)
    audit.record(session, agent, "reply.remove", now=now, detail=_detail(row))
    return gone


def _detail(row: SavedReply) -> str:
    lang = f" [{row.language}]" if row.language else ""
    return f"{row.name}{lang}: {row.body}"


# -- what fills them in -----------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFacts:
    number: str
    status: str
    total: str
    items: str
    tracking_url: str


def money(cents: int, currency: str) -> str:
    symbol = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$"}.get(currency)
    amount = f"{cents / 100:,.2f}"
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"


def latest_order(session: Session, profile_id: int) -> OrderFacts | None:
    """The customer's newest order as saved replies' variables see it."""
    order = session.exec(
        select(ShopOrder)
        .where(col(ShopOrder.profile_id) == profile_id)
        .order_by(col(ShopOrder.placed_at).desc(), col(ShopOrder.id).desc())
        .limit(1)
    ).first()
    if order is None:
        return None
    lines = session.exec(select(OrderLine).where(col(OrderLine.order_id) == order.id))
    items = ", ".join(
        f"{line.quantity} x {line.product_name}" if line.quantity != 1 else line.product_name
        for line in lines
    )
    return OrderFacts(
        number=order.number or order.external_id,
        status=order.status.replace("_", " "),
        total=money(order.total_cents, order.currency),
        items=items,
        tracking_url=order.tracking_url or "",
    )


def context(session: Session, profile: Profile, agent: Agent, settings: InboxSettings) -> Context:
    order = latest_order(session, int(profile.id or 0))
    first_agent = (agent.name or "").split()
    values = {
        "person.first_name": (profile.first_name or "").strip(),
        "person.last_name": (profile.last_name or "").strip(),
        "organization.name": settings.organization_prefix.strip(),
        "agent.first_name": first_agent[0] if first_agent else "",
    }
    if order is not None:
        values.update(
            {
                "order.number": order.number,
                "order.status": order.status,
                "order.total": order.total,
                "order.items": order.items,
                "order.tracking_url": order.tracking_url,
            }
        )
    return Context(
        values, order is not None, check_language(profile.locale or "") if profile.locale else ""
    )
