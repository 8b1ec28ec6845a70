"""Free tags on conversations: add, remove, rename across the store, count.

A tag is one word (letters, digits and - _ / . :), kept lower-case so "VIP" and "vip"
are one tag. Every change is audited, once per conversation it touched."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, update
from sqlmodel import Session, col, select

from convo_tui.core import audit
from convo_tui.errors import BadInput, NotFound
from convo_tui.store.dialect import in_lists
from convo_tui.store.models import Agent, Conversation, ConversationTag, Tag, pk

MAX_TAG = 40
_TAG = re.compile(r"[a-z0-9][a-z0-9_\-/.:]{0,39}")
TAG_HELP = "a tag is one word of up to 40 letters, digits and - _ / . : (e.g. wismo, vip)"


def normalize(name: str) -> str:
    """The tag as stored, or BadInput naming what is wrong with it."""
    value = name.strip().lstrip("#").lower()
    if not _TAG.fullmatch(value):
        shown = name if len(name) <= 60 else name[:57] + "..."
        raise BadInput(f"not a tag: {shown!r}", TAG_HELP)
    return value


@dataclass(frozen=True)
class Tagged:
    """What a tag action changed: how many conversations, of how many asked."""

    tag: str
    changed: int
    asked: int


def _find(session: Session, name: str) -> Tag | None:
    return session.exec(select(Tag).where(col(Tag.name) == name)).first()


def _profiles(session: Session, conversation_ids: Sequence[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for part in in_lists(conversation_ids):
        rows = session.exec(
            select(Conversation.id, Conversation.profile_id).where(col(Conversation.id).in_(part))
        )
        found.update({int(cid or 0): pid for cid, pid in rows})
    return found


def _tagged(session: Session, tag_id: int, conversation_ids: Sequence[int]) -> set[int]:
    have: set[int] = set()
    for part in in_lists(conversation_ids):
        have.update(
            session.exec(
                select(ConversationTag.conversation_id).where(
                    col(ConversationTag.tag_id) == tag_id,
                    col(ConversationTag.conversation_id).in_(part),
                )
            )
        )
    return have


def add(
    session: Session,
    agent: Agent,
    conversation_ids: Sequence[int],
    name: str,
    *,
    now: datetime,
) -> Tagged:
    """Put the tag on these conversations (those that have it already are left alone)."""
    tag_name = normalize(name)
    profiles = _profiles(session, conversation_ids)
    missing = [cid for cid in conversation_ids if cid not in profiles]
    if missing:
        raise NotFound(f"no conversation #{missing[0]}", "see: convo inbox")
    tag = _find(session, tag_name)
    if tag is None:
        tag = Tag(name=tag_name, created_at=now)
        session.add(tag)
        session.flush()
    have = _tagged(session, pk(tag), list(profiles))
    new = [cid for cid in dict.fromkeys(conversation_ids) if cid not in have]
    for part in in_lists(new):
        session.execute(
            insert(ConversationTag), [{"conversation_id": c, "tag_id": pk(tag)} for c in part]
        )
    for cid in new:
        audit.record(session, agent, "tag", now=now, profile_id=profiles[cid], detail=tag_name)
    return Tagged(tag_name, len(new), len(set(conversation_ids)))


def remove(
    session: Session,
    agent: Agent,
    conversation_ids: Sequence[int],
    name: str,
    *,
    now: datetime,
) -> Tagged:
    """Take the tag off these conversations (those without it are left alone)."""
    tag_name = normalize(name)
    tag = _find(session, tag_name)
    if tag is None:
        raise NotFound(f"no tag {tag_name!r} in this store", "see: convo tags")
    profiles = _profiles(session, conversation_ids)
    have = sorted(_tagged(session, pk(tag), list(profiles)))
    for part in in_lists(have):
        session.execute(
            delete(ConversationTag).where(
                col(ConversationTag.tag_id) == pk(tag),
                col(ConversationTag.conversation_id).in_(part),
            )
        )
    for cid in have:
        audit.record(session, agent, "untag", now=now, profile_id=profiles[cid], detail=tag_name)
    return Tagged(tag_name, len(have), len(set(conversation_ids)))


def rename(session: Session, agent: Agent, old: str, new: str, *, now: datetime) -> Tagged:
    """Rename a tag everywhere; renaming onto an existing tag merges the two."""
    old_name, new_name = normalize(old), normalize(new)
    tag = _find(session, old_name)
    if tag is None:
        raise NotFound(f"no tag {old_name!r} in this store", "see: convo tags")
    count = int(
        session.exec(select(func.count()).where(col(ConversationTag.tag_id) == pk(tag))).one()
    )
    if old_name == new_name:
        return Tagged(new_name, 0, count)
    target = _find(session, new_name)
    if target is None:
        tag.name = new_name
        session.add(tag)
    else:
        # Merge: move what only the old tag has, drop the rest, then the old tag.
        both = select(ConversationTag.conversation_id).where(
            col(ConversationTag.tag_id) == pk(target)
        )
        session.execute(
            delete(ConversationTag).where(
                col(ConversationTag.tag_id) == pk(tag),
                col(ConversationTag.conversation_id).in_(both),
            )
        )
        session.execute(
            update(ConversationTag)
            .where(col(ConversationTag.tag_id) == pk(tag))
            .values(tag_id=pk(target))
        )
        session.execute(delete(Tag).where(col(Tag.id) == pk(tag)))
    audit.record(
        session, agent, "tag.rename", now=now, detail=f"{old_name} -> {new_name} ({count})"
    )
    return Tagged(new_name, count, count)


def tag_id(session: Session, name: str) -> int:
    """A tag's id for a filter, or NotFound naming the tags there are."""
    tag_name = normalize(name)
    tag = _find(session, tag_name)
    if tag is None:
        known = ", ".join(n for n, _ in counts(session)[:8]) or "none yet"
        raise NotFound(f"no tag {tag_name!r} in this store", f"tags: {known}")
    return pk(tag)


def counts(session: Session) -> list[tuple[str, int]]:
    """Every tag with the number of conversations that have it, most used first."""
    rows = session.exec(
        select(Tag.name, func.count(col(ConversationTag.conversation_id)))
        .outerjoin(ConversationTag, col(ConversationTag.tag_id) == col(Tag.id))
        .group_by(col(Tag.id), col(Tag.name))
        .order_by(func.count(col(ConversationTag.conversation_id)).desc(), col(Tag.name))
    )
    return [(name, int(n)) for name, n in rows]


def of(session: Session, conversation_id: int) -> list[str]:
    """One conversation's tags, by name."""
    return list(
        session.exec(
            select(Tag.name)
            .join(ConversationTag, col(ConversationTag.tag_id) == col(Tag.id))
            .where(col(ConversationTag.conversation_id) == conversation_id)
            .order_by(col(Tag.name))
        )
    )
