"""Search: customers by name, email or number, and every message body, newest first;
hits lead to their conversation.

Every lookup is an indexed one, so a keystroke costs the same at any store size:
the message index (FTS5 on SQLite, tsvector on PostgreSQL) is made by migration
0005, the customer indexes (names and email by word, the number reversed for a
tail) by 0008; both are queried through convo_tui.store.dialect.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from convo_tui import phones
from convo_tui.core import settings as settings_mod
from convo_tui.core.queries import AnySelect
from convo_tui.core.rows import CustomerHit, SearchHit, SearchResults
from convo_tui.store import dialect
from convo_tui.store.models import Conversation, Message, Profile
from convo_tui.text import one_line

MAX_HITS = 50
"""Messages shown, newest first."""
CUSTOMER_HITS = 8
"""Customers shown, above the messages."""
COUNT_CAP = dialect.IN_LIST
"""Matching customers counted at most: beyond it the count says "over"."""
RANKED = 100
"""Matching customers ranked by their latest text at most (the newest profiles): one
look-up each, and at 1M profiles 500 of them took 5-15 ms against 0.2 ms for 100."""
TAIL_DIGITS = 3
"""Digits from which a number-like search also looks for numbers ending with them."""
_NUMBER_LIKE = re.compile(r"\+?[\d\s().\-/]+")


def excerpt(body: str, query: str, width: int = 90) -> str:
    """The part of `body` around the first word of `query`, on one line."""
    flat = " ".join(body.split())
    words = re.findall(r"\w+", query)
    start = 0
    if words:
        found = flat.casefold().find(words[0].casefold())
        if found > width // 3:
            start = found - width // 3
    piece = flat[start : start + width]
    return one_line(("…" if start else "") + piece + ("…" if start + width < len(flat) else ""))


def find(
    session: Session,
    query: str,
    *,
    default_region: str | None = None,
    customers: int = CUSTOMER_HITS,
    messages: int = MAX_HITS,
    count_cap: int = COUNT_CAP,
) -> SearchResults:
    """Customers matching `query` (see `customer_hits`), then messages holding it."""
    if not query.strip():
        return SearchResults()
    if default_region is None:
        default_region = settings_mod.load(session).phone_default_region
    found, total, capped = customer_hits(
        session, query, default_region, limit=customers, count_cap=count_cap
    )
    hits, more = _message_hits(session, query, limit=messages)
    return SearchResults(tuple(found), total, capped, tuple(hits), more)


def customer_hits(
    session: Session, query: str, default_region: str, *, limit: int, count_cap: int
) -> tuple[list[CustomerHit], int, bool]:
    """Customers whose names and email hold every word of `query` (the last one as a
    prefix), or whose number is `query` in any common form or ends with its digits.

    Up to `count_cap` matches are gathered (each source is an indexed read bounded by
    it) and counted; the number itself comes first, then, of the newest `RANKED` others,
    those who texted, latest first, then the rest. Returns the first `limit`, the count,
    and whether it was capped.
    """
    conn = session.connection()
    exact: set[int] = set()
    ids: set[int] = set()
    capped = False
    text = query.strip()
    if _NUMBER_LIKE.fullmatch(text):
        digits = re.sub(r"\D", "", text)
        try:
            e164 = phones.normalize(text, default_region)
        except phones.BadPhoneNumber:
            e164 = None
        if e164 is not None:
            found = conn.execute(select(col(Profile.id)).where(col(Profile.phone) == e164))
            exact = {int(pid) for (pid,) in found if pid is not None}
        tails = {digits}
        if len(digits) >= 8:  # a national number's trunk 0 (or 00 before a country code)
            tails.add(digits.lstrip("0"))
        for tail in tails:
            if len(tail) >= TAIL_DIGITS:
                tail_ids = dialect.phone_tail_ids(conn, tail, limit=count_cap)
                capped = capped or len(tail_ids) >= count_cap
                ids.update(tail_ids)
    name_ids = dialect.profile_search_ids(conn, text, limit=count_cap)
    capped = capped or len(name_ids) >= count_cap
    ids.update(name_ids)
    ids -= exact
    # At most `count_cap` in all: the number itself, then the newest profiles.
    wanted = sorted(exact) + sorted(ids, reverse=True)[: max(count_cap - len(exact), 0)]
    newest = [pid for pid in wanted if pid not in exact][:RANKED]
    latest = _last_texts(conn, newest)
    # The number itself, then who texted, latest first, then the rest, newest first
    # (sorts are stable; the stored form of a time orders as the time does).
    texted = sorted((pid for pid in newest if pid in latest), key=latest.__getitem__, reverse=True)
    shown = [*sorted(exact), *texted, *(pid for pid in newest if pid not in latest)][:limit]
    rows: dict[int, Any] = {
        int(row[0] or 0): row for row in conn.execute(_customer_rows(), {"ids": shown}).all()
    }
    hits = []
    for pid in shown:
        if pid not in rows:
            continue  # deleted meanwhile
        _, cid, first, last, phone, email, when, unread = rows[pid]
        hits.append(
            CustomerHit(
                profile_id=pid,
                conversation_id=cid,
                name=one_line(" ".join(p for p in (first, last) if p) or phone),
                phone=phone,
                phone_pretty=phones.pretty(phone),
                email=one_line(email) if email else None,
                last_message_at=when,
                unread=bool(unread),
            )
        )
    return hits, len(wanted), capped


@lru_cache(maxsize=1)
def _customer_rows() -> AnySelect:
    """The shown customers' rows (built once: building it costs more than running it)."""
    return (
        select(
            col(Profile.id),
            col(Conversation.id),
            col(Profile.first_name),
            col(Profile.last_name),
            col(Profile.phone),
            col(Profile.email),
            col(Conversation.last_message_at),
            col(Conversation.unread),
        )
        .outerjoin(Conversation, col(Conversation.profile_id) == col(Profile.id))
        .where(col(Profile.id).in_(bindparam("ids", expanding=True)))
    )


def _last_texts(conn: Any, profile_ids: list[int]) -> dict[int, Any]:
    """When each profile's conversation last moved, in the stored form (ranking only):
    one indexed look-up per profile, without the cost of typed rows."""
    found: dict[int, Any] = {}
    marks = "?" if conn.dialect.name == "sqlite" else "%s"
    for chunk in dialect.in_lists([int(pid) for pid in profile_ids]):
        rows = conn.exec_driver_sql(
            "SELECT profile_id, last_message_at FROM conversation "  # noqa: S608
            f"WHERE profile_id IN ({', '.join(marks for _ in chunk)})",
            tuple(chunk),
        )
        found.update((int(pid), when) for pid, when in rows if when is not None)
    return found


def search(session: Session, query: str, *, limit: int = MAX_HITS) -> list[SearchHit]:
    """Messages holding every word of `query` (the last one as a prefix), newest first."""
    return _message_hits(session, query, limit=limit)[0]


def _message_hits(session: Session, query: str, *, limit: int) -> tuple[list[SearchHit], bool]:
    """The newest `limit` messages holding `query`, and whether more do."""
    ids = dialect.message_search_ids(session.connection(), query, limit=limit + 1)
    more = len(ids) > limit
    ids = ids[:limit]
    if not ids:
        return [], more
    rows = (
        session.connection()
        .execute(
            select(
                col(Message.id),
                col(Message.profile_id),
                col(Conversation.id),
                col(Profile.first_name),
                col(Profile.last_name),
                col(Profile.phone),
                col(Message.direction),
                col(Message.sent_at),
                col(Message.body),
            )
            .join(Profile, col(Profile.id) == col(Message.profile_id))
            .outerjoin(Conversation, col(Conversation.profile_id) == col(Message.profile_id))
            .where(col(Message.id).in_(ids))
        )
        .all()
    )
    hits = [
        SearchHit(
            message_id=int(mid or 0),
            profile_id=int(pid or 0),
            conversation_id=cid,
            name=one_line(" ".join(p for p in (first, last) if p) or phone),
            phone=phone,
            direction=direction,
            sent_at=sent_at,
            excerpt=excerpt(body, query),
        )
        for mid, pid, cid, first, last, phone, direction, sent_at, body in rows
    ]
    hits.sort(key=lambda hit: (hit.sent_at, hit.message_id), reverse=True)
    return hits, more
