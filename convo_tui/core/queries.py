"""The reads behind the inbox, thread and profile: queries that fill `core.rows`' records.

List queries select only the columns a row shows and page by keyset
(last_message_at, id), so a deep page costs what the first one does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Row, Select, bindparam, func, select, tuple_
from sqlmodel import Session, col

from convo_tui.core.rows import (
    UNASSIGNED,
    EventRow,
    InboxFilter,
    InboxRow,
    OrderLineRow,
    OrderRow,
)
from convo_tui.store.models import (
    ActivityEvent,
    Agent,
    Conversation,
    ConversationTag,
    InboxTally,
    MessageSource,
    OrderLine,
    Profile,
    ShopOrder,
    Tag,
)
from convo_tui.store.types import UTCDateTime

AnySelect = Select[*tuple[Any, ...]]
AnyRow = Row[*tuple[Any, ...]]


def fetch(
    session: Session, statement: AnySelect, params: dict[str, Any] | None = None
) -> Sequence[AnyRow]:
    """Run a Core select in the session's transaction (many-column selects type-check).

    Pending ORM changes are flushed first, as `Session.exec` would, so a query
    sees what the same transaction just did.
    """
    session.flush()
    return session.connection().execute(statement, params or {}).all()


def _scalar(session: Session, statement: AnySelect) -> Any:
    session.flush()
    return session.connection().execute(statement).scalar_one()


def _filtered(query: AnySelect, flt: InboxFilter) -> AnySelect:
    if flt.status is not None:
        query = query.where(col(Conversation.status) == flt.status.value)
    if flt.unread is not None:
        query = query.where(col(Conversation.unread) == flt.unread)
    if flt.attributed_source_id is not None:
        query = query.where(col(Conversation.attributed_source_id) == flt.attributed_source_id)
    if flt.possible_opt_out:
        query = query.where(col(Conversation.possible_opt_out_at).is_not(None))
    if flt.assignee == UNASSIGNED:
        query = query.where(col(Conversation.assignee_id).is_(None))
    elif flt.assignee is not None:
        query = query.where(col(Conversation.assignee_id) == flt.assignee)
    if flt.tag is not None:
        query = query.where(col(Conversation.id).in_(_with_tag(flt.tag)))
    return query


def _with_tag(tag: Any) -> AnySelect:
    """The conversations with a tag (ix_conversation_tag_tag: the tag's rows alone)."""
    return select(col(ConversationTag.conversation_id)).where(col(ConversationTag.tag_id) == tag)


def _tags_column() -> Any:
    """A row's tags, space-separated (a few probes of conversation_tag's key per row)."""
    return (
        select(func.aggregate_strings(col(Tag.name), " "))
        .join(ConversationTag, col(ConversationTag.tag_id) == col(Tag.id))
        .where(col(ConversationTag.conversation_id) == col(Conversation.id))
        .correlate(Conversation)
        .scalar_subquery()
    )


def _inbox_select() -> AnySelect:
    return (
        select(
            col(Conversation.id),
            col(Conversation.profile_id),
            col(Profile.phone),
            col(Profile.first_name),
            col(Profile.last_name),
            col(Conversation.status),
            col(Conversation.unread),
            col(Conversation.last_message_at),
            col(Conversation.last_message_preview),
            col(Conversation.last_message_direction),
            col(Conversation.waiting_since),
            col(Conversation.snooze_until),
            col(MessageSource.name),
            col(Profile.blocked),
            col(Conversation.reply_pending_at),
            col(Conversation.possible_opt_out_at),
            col(Agent.login),
            col(Agent.name),
            _tags_column(),
        )
        .join(Profile, col(Profile.id) == col(Conversation.profile_id))
        .outerjoin(MessageSource, col(MessageSource.id) == col(Conversation.attributed_source_id))
        .outerjoin(Agent, col(Agent.id) == col(Conversation.assignee_id))
    )


def inbox_query(
    flt: InboxFilter, *, limit: int, after: tuple[datetime, int] | None = None
) -> AnySelect:
    """The inbox page with its values inline (for EXPLAIN and the CLI)."""
    query = _filtered(_inbox_select(), flt)
    if after is not None:
        query = query.where(
            tuple_(col(Conversation.last_message_at), col(Conversation.id)) < tuple_(*after)
        )
    return query.order_by(
        col(Conversation.last_message_at).desc(), col(Conversation.id).desc()
    ).limit(limit)


@lru_cache(maxsize=256)
def _window_statement(
    status: bool,
    unread: bool,
    source: bool,
    flagged: bool,
    assignee: str,
    tag: bool,
    edge: str,
    limit: int,
) -> AnySelect:
    """An inbox page's statement for one filter shape, built once: values are bound.

    Building a select costs more than running it (about 0.3 ms against 0.2),
    and the list asks for pages on every scroll. `edge` is "top" (newest
    first), "after" (below a cursor), "before" (above a cursor) or "last".
    """
    query = _inbox_select()
    if status:
        query = query.where(col(Conversation.status) == bindparam("status"))
    if unread:
        query = query.where(col(Conversation.unread) == bindparam("unread"))
    if source:
        query = query.where(col(Conversation.attributed_source_id) == bindparam("source"))
    if flagged:  # few rows, by their own index (then sorted)
        query = query.where(col(Conversation.possible_opt_out_at).is_not(None))
    if assignee == "none":
        query = query.where(col(Conversation.assignee_id).is_(None))
    elif assignee == "agent":
        query = query.where(col(Conversation.assignee_id) == bindparam("assignee"))
    if tag:
        query = query.where(col(Conversation.id).in_(_with_tag(bindparam("tag"))))
    at = bindparam("at", type_=UTCDateTime())
    cid = bindparam("cid", type_=Integer())
    key = tuple_(col(Conversation.last_message_at), col(Conversation.id))
    if edge == "after":
        query = query.where(key < tuple_(at, cid))
    elif edge == "before":
        query = query.where(key > tuple_(at, cid))
    if edge in ("before", "last"):
        return query.order_by(col(Conversation.last_message_at), col(Conversation.id)).limit(limit)
    return query.order_by(
        col(Conversation.last_message_at).desc(), col(Conversation.id).desc()
    ).limit(limit)


def _window(
    session: Session,
    flt: InboxFilter,
    edge: str,
    limit: int,
    cursor: tuple[datetime, int] | None = None,
) -> Sequence[AnyRow]:
    params: dict[str, Any] = {}
    if flt.status is not None:
        params["status"] = flt.status.value
    if flt.unread is not None:
        params["unread"] = flt.unread
    if flt.attributed_source_id is not None:
        params["source"] = flt.attributed_source_id
    assignee = "any"
    if flt.assignee == UNASSIGNED:
        assignee = "none"
    elif flt.assignee is not None:
        assignee, params["assignee"] = "agent", flt.assignee
    if flt.tag is not None:
        params["tag"] = flt.tag
    if cursor is not None:
        params["at"], params["cid"] = cursor
    statement = _window_statement(
        flt.status is not None,
        flt.unread is not None,
        flt.attributed_source_id is not None,
        flt.possible_opt_out,
        assignee,
        flt.tag is not None,
        edge,
        limit,
    )
    return fetch(session, statement, params)


def inbox_page(
    session: Session,
    flt: InboxFilter,
    *,
    limit: int = 50,
    after: tuple[datetime, int] | None = None,
) -> list[InboxRow]:
    """Newest activity first; pass the last row's `cursor` as `after` for the next page."""
    rows = _window(session, flt, "after" if after is not None else "top", limit, after)
    return [InboxRow(*row) for row in rows]


def inbox_count(session: Session, flt: InboxFilter) -> int:
    """Conversations the filter matches, summed from the tally (a few rows at any size).
    The possible opt-outs are counted from their own index (a handful at most), a tag's
    from the tag's rows (the tally has no tags)."""
    if flt.possible_opt_out or flt.tag is not None:
        return int(_scalar(session, _filtered(select(func.count(col(Conversation.id))), flt)))
    query = select(func.coalesce(func.sum(col(InboxTally.n)), 0))
    if flt.status is not None:
        query = query.where(col(InboxTally.status) == flt.status.value)
    if flt.unread is not None:
        query = query.where(col(InboxTally.unread) == flt.unread)
    if flt.attributed_source_id is not None:
        query = query.where(col(InboxTally.source_key) == flt.attributed_source_id)
    if flt.assignee is not None:
        query = query.where(col(InboxTally.assignee_key) == flt.assignee)
    return int(_scalar(session, query))


def unread_count(session: Session) -> int:
    """Profiles with unread conversations (one conversation per profile)."""
    return inbox_count(session, InboxFilter(status=None, unread=True))


@lru_cache(maxsize=1)
def _metrics_statement() -> AnySelect:
    return (
        select(col(ActivityEvent.metric))
        .distinct()
        .where(col(ActivityEvent.profile_id) == bindparam("pid", type_=Integer()))
        .order_by(col(ActivityEvent.metric))
    )


def metrics(session: Session, profile_id: int) -> tuple[str, ...]:
    """The names of the profile's activity metrics (the side panel's filter choices)."""
    return tuple(str(row[0]) for row in fetch(session, _metrics_statement(), {"pid": profile_id}))


@lru_cache(maxsize=2)
def _events_statement(by_metric: bool) -> AnySelect:
    # Statements built once, like the inbox pages': an opened conversation reads these too.
    query: AnySelect = select(
        col(ActivityEvent.metric), col(ActivityEvent.occurred_at), col(ActivityEvent.properties)
    ).where(col(ActivityEvent.profile_id) == bindparam("pid", type_=Integer()))
    if by_metric:
        query = query.where(col(ActivityEvent.metric) == bindparam("metric"))
    return query.order_by(col(ActivityEvent.occurred_at).desc()).limit(
        bindparam("limit", type_=Integer())
    )


def events(
    session: Session, profile_id: int, *, metric: str | None = None, limit: int = 50
) -> list[EventRow]:
    params: dict[str, Any] = {"pid": profile_id, "limit": limit}
    if metric:
        params["metric"] = metric
    return [EventRow(*row) for row in fetch(session, _events_statement(bool(metric)), params)]


@lru_cache(maxsize=1)
def _orders_statement() -> AnySelect:
    return (
        select(
            col(ShopOrder.id),
            col(ShopOrder.external_id),
            col(ShopOrder.placed_at),
            col(ShopOrder.status),
            col(ShopOrder.currency),
            col(ShopOrder.total_cents),
        )
        .where(col(ShopOrder.profile_id) == bindparam("pid", type_=Integer()))
        .order_by(col(ShopOrder.placed_at).desc())
        .limit(bindparam("limit", type_=Integer()))
    )


@lru_cache(maxsize=1)
def _lines_statement() -> AnySelect:
    return (
        select(
            col(OrderLine.order_id),
            col(OrderLine.product_name),
            col(OrderLine.sku),
            col(OrderLine.quantity),
            col(OrderLine.unit_price_cents),
        )
        .where(col(OrderLine.order_id).in_(bindparam("ids", expanding=True)))
        .order_by(col(OrderLine.id))
    )


def orders(session: Session, profile_id: int, *, limit: int = 20) -> list[OrderRow]:
    found = fetch(session, _orders_statement(), {"pid": profile_id, "limit": limit})
    lines: dict[int, list[OrderLineRow]] = defaultdict(list)
    if found:
        for order_id, *line in fetch(session, _lines_statement(), {"ids": [o[0] for o in found]}):
            lines[order_id].append(OrderLineRow(*line))
    return [
        OrderRow(external_id, placed_at, status, currency, total, tuple(lines.get(oid, ())))
        for oid, external_id, placed_at, status, currency, total in found
    ]


def inbox_row(session: Session, conversation_id: int) -> InboxRow | None:
    """One conversation's inbox line, whatever the filter (a primary-key read)."""
    query = _inbox_select().where(col(Conversation.id) == conversation_id)
    found = fetch(session, query)
    return InboxRow(*found[0]) if found else None


def inbox_window(
    session: Session,
    flt: InboxFilter,
    *,
    limit: int,
    after: tuple[datetime, int] | None = None,
    before: tuple[datetime, int] | None = None,
    offset: int = 0,
    last: int | None = None,
) -> list[InboxRow]:
    """One page of a virtual inbox list, however it was reached.

    `after` (the row above the page) and `before` (the row below it) page by
    keyset, as cheap deep down as at the top; `last` gives the last rows of
    the list (the end key); `offset` is for a jump (scrollbar drag) where no
    neighbouring page is known yet.
    """
    if before is not None:
        return [InboxRow(*row) for row in reversed(_window(session, flt, "before", limit, before))]
    if last is not None:
        return [InboxRow(*row) for row in reversed(_window(session, flt, "last", last))]
    if after is not None:
        return [InboxRow(*row) for row in _window(session, flt, "after", limit, after)]
    if offset:
        query = inbox_query(flt, limit=limit).offset(offset)
        return [InboxRow(*row) for row in fetch(session, query)]
    return [InboxRow(*row) for row in _window(session, flt, "top", limit)]
