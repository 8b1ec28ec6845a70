"""Message sources: campaigns and flows by provider id, and the fixed kinds."""

from __future__ import annotations

from sqlmodel import Session, col, select

from convo_tui.errors import NotFound
from convo_tui.store.kinds import SourceKind
from convo_tui.store.models import MessageSource

FIXED_NAMES = {
    SourceKind.CUSTOMER: "Customer",
    SourceKind.AUTO_REPLY: "Auto-reply",
    SourceKind.AGENT_REPLY: "Agent reply",
    SourceKind.KEYWORD_REPLY: "Keyword reply",
    SourceKind.BUSINESS: "Business",
    SourceKind.OPT_OUT_CONFIRMATION: "Opt-out confirmation",
}


def fixed(session: Session, kind: SourceKind) -> MessageSource:
    """The single source row of a fixed kind (customer, auto-reply, agent or keyword reply)."""
    cache: dict[SourceKind, MessageSource] = session.info.setdefault("convo_fixed_sources", {})
    if kind in cache:
        return cache[kind]
    source = session.exec(
        select(MessageSource).where(
            MessageSource.kind == kind.value, MessageSource.external_id == kind.value
        )
    ).first()
    if source is None:
        # Not cached: if this transaction rolls back, the row is gone again.
        return ensure(session, kind, FIXED_NAMES[kind], external_id=kind.value)
    cache[kind] = source
    return source


def fixed_customer(session: Session) -> MessageSource:
    return fixed(session, SourceKind.CUSTOMER)


def ensure(
    session: Session, kind: SourceKind, name: str, *, external_id: str | None
) -> MessageSource:
    """The source with this kind and provider id, created or renamed as needed."""
    source = session.exec(
        select(MessageSource).where(
            MessageSource.kind == kind.value, MessageSource.external_id == external_id
        )
    ).first()
    if source is None:
        source = MessageSource(kind=kind.value, name=name, external_id=external_id)
        session.add(source)
        session.flush()
    elif name and source.name != name:
        source.name = name
    return source


def find_campaign_or_flow(session: Session, text: str) -> MessageSource:
    """A campaign or flow by name (any case) or provider id, for the attribution filter."""
    candidates = session.exec(
        select(MessageSource).where(
            col(MessageSource.kind).in_([SourceKind.CAMPAIGN.value, SourceKind.FLOW.value])
        )
    ).all()
    wanted = text.strip().casefold()
    for source in candidates:
        if source.external_id == text.strip() or source.name.casefold() == wanted:
            return source
    if not candidates:
        raise NotFound(f"no campaign or flow named {text!r}", "none is known yet (sync first)")
    names = sorted(repr(s.name) for s in candidates)
    shown = ", ".join(names[:KNOWN_SHOWN])
    if len(names) > KNOWN_SHOWN:
        more = len(names) - KNOWN_SHOWN
        shown += f" and {more} more (`convo sources` lists all {len(names)})"
    raise NotFound(f"no campaign or flow named {text!r}", f"known: {shown}")


KNOWN_SHOWN = 8
"""Names an unknown --attributed-to lists before pointing at `convo sources`."""


def campaigns_and_flows(session: Session) -> list[MessageSource]:
    """Every campaign and flow, by name (what --attributed-to accepts)."""
    return list(
        session.exec(
            select(MessageSource)
            .where(col(MessageSource.kind).in_([SourceKind.CAMPAIGN.value, SourceKind.FLOW.value]))
            .order_by(col(MessageSource.name))
        ).all()
    )
