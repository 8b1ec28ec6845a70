"""Full-text search over every message body, newest first; hits lead to their conversation.

The index itself (FTS5 on SQLite, tsvector on PostgreSQL) is made by
migration 0005 and queried through convo_tui.store.dialect.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlmodel import Session, col

from convo_tui.core.rows import SearchHit as SearchHit
from convo_tui.store import dialect
from convo_tui.store.models import Conversation, Message, Profile
from convo_tui.text import one_line

MAX_HITS = 50


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


def search(session: Session, query: str, *, limit: int = MAX_HITS) -> list[SearchHit]:
    """Messages holding every word of `query` (the last one as a prefix), newest first."""
    ids = dialect.message_search_ids(session.connection(), query, limit=limit)
    if not ids:
        return []
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
    return sorted(hits, key=lambda hit: (hit.sent_at, hit.message_id), reverse=True)
