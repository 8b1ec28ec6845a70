"""Orders from the shop platform, attributed to a clicked short link when there is one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from convo_tui.core import links, profiles
from convo_tui.store.models import OrderLine, ShopOrder, pk


@dataclass(frozen=True)
class Line:
    product_name: str
    quantity: int
    unit_price_cents: int
    sku: str | None = None


@dataclass(frozen=True)
class OrderIn:
    external_id: str
    phone: str
    placed_at: datetime
    lines: Sequence[Line]
    status: str = "placed"
    currency: str = "USD"
    number: str | None = None
    """The number the customer knows ("#1042"), when the shop reports one."""
    tracking_number: str | None = None
    tracking_url: str | None = None


def _tracking(row: ShopOrder, order: OrderIn) -> None:
    """A later report (fulfilled) adds what it knows; it never blanks what is known."""
    for name in ("number", "tracking_number", "tracking_url"):
        value = getattr(order, name)
        if value:
            setattr(row, name, value)


def record_order(
    session: Session, order: OrderIn, *, window_hours: int, now: datetime
) -> ShopOrder:
    """Store an order once (by the shop's id); later reports update its status."""
    existing = session.exec(
        select(ShopOrder).where(ShopOrder.external_id == order.external_id)
    ).first()
    if existing is not None:
        existing.status = order.status
        _tracking(existing, order)
        return existing
    profile, _ = profiles.get_or_create(session, order.phone, now=now)
    source_id, message_id = links.click_attribution(
        session, pk(profile), order.placed_at, window_hours
    )
    row = ShopOrder(
        profile_id=pk(profile),
        external_id=order.external_id,
        placed_at=order.placed_at,
        status=order.status,
        currency=order.currency,
        total_cents=sum(line.quantity * line.unit_price_cents for line in order.lines),
        attributed_source_id=source_id,
        attributed_message_id=message_id,
    )
    _tracking(row, order)
    session.add(row)
    session.flush()
    for line in order.lines:
        session.add(
            OrderLine(
                order_id=pk(row),
                product_name=line.product_name,
                sku=line.sku,
                quantity=line.quantity,
                unit_price_cents=line.unit_price_cents,
            )
        )
    return row
