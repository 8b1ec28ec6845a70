"""One conversation as the thread, composer and side panel read it: two statements.

`head` reads the conversation, its profile, its attribution, its message
count and the reading agent's draft as one row; `thread` reads the last
messages with their media. Each statement is built once with bound values:
building a select costs more than running it, and the inbox reads a
conversation on every cursor move.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Integer, String, bindparam, func, select, tuple_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from convo_tui.core import drafts
from convo_tui.core.queries import AnySelect, fetch
from convo_tui.core.rows import (
    THREAD_PAGE,
    Attachment,
    ConversationHead,
    DraftText,
    ThreadMessage,
)
from convo_tui.store.models import (
    Agent,
    Conversation,
    Message,
    MessageMedia,
    MessageSource,
    Profile,
    ReplyDraft,
)
from convo_tui.store.types import UTCDateTime


def _count_select(profile_id: Any) -> AnySelect:
    return select(func.count()).select_from(Message).where(col(Message.profile_id) == profile_id)


# The reading agent, by login: their draft comes in the same row as the head.
_agent_id = select(col(Agent.id)).where(col(Agent.login) == bindparam("login", type_=String()))


@lru_cache(maxsize=1)
def _head_statement() -> AnySelect:
    return (
        select(
            col(Conversation.id),
            col(Conversation.profile_id),
            col(Conversation.status),
            col(Conversation.unread),
            col(Conversation.snooze_until),
            col(Conversation.waiting_since),
            col(MessageSource.name),
            _count_select(col(Conversation.profile_id)).scalar_subquery(),
            col(Profile.phone),
            col(Profile.email),
            col(Profile.first_name),
            col(Profile.last_name),
            col(Profile.address1),
            col(Profile.address2),
            col(Profile.city),
            col(Profile.region),
            col(Profile.country),
            col(Profile.zip),
            col(Profile.timezone),
            col(Profile.latitude),
            col(Profile.longitude),
            col(Profile.resolved_timezone),
            col(Profile.timezone_source),
            col(Profile.timezone_basis),
            col(Profile.sms_consent),
            col(Profile.blocked),
            col(Conversation.possible_opt_out_at),
            col(Profile.klaviyo_opt_out_pending_at),
            col(Profile.klaviyo_opt_out_error),
            select(col(Agent.login))
            .where(col(Agent.id) == col(Conversation.assignee_id))
            .scalar_subquery(),
            col(ReplyDraft.body),
            col(ReplyDraft.media),
        )
        .join(Profile, col(Profile.id) == col(Conversation.profile_id))
        .outerjoin(MessageSource, col(MessageSource.id) == col(Conversation.attributed_source_id))
        .outerjoin(
            ReplyDraft,
            (col(ReplyDraft.conversation_id) == col(Conversation.id))
            & (col(ReplyDraft.agent_id) == _agent_id.scalar_subquery()),
        )
        .where(col(Conversation.id) == bindparam("cid", type_=Integer()))
    )


def head(
    session: Session, conversation_id: int, login: str
) -> tuple[ConversationHead, DraftText] | None:
    """The conversation with its profile, attribution and message count, and the draft
    the agent with `login` keeps for it; None if gone."""
    found = fetch(session, _head_statement(), {"cid": conversation_id, "login": login})
    if not found:
        return None
    *fields, body, media = found[0]
    return ConversationHead(*fields), drafts.text_of(body, media)


@lru_cache(maxsize=2)
def _thread_statement(limited: bool) -> AnySelect:
    """The last messages (all when not `limited`), each joined to its media, oldest first.

    A message with several attachments comes once per attachment, in their
    order; one without comes once with no URL.
    """
    source = aliased(MessageSource)
    attributed = aliased(MessageSource)
    newest: AnySelect = (
        select(
            col(Message.id),
            col(Message.direction),
            col(Message.body),
            col(Message.sent_at),
            col(Message.status),
            col(Message.error_code),
            col(Message.error_message),
            col(source.kind).label("source_kind"),
            col(source.name).label("source_name"),
            col(Agent.login),
            col(Agent.name).label("agent_name"),
            col(Message.keyword),
            col(attributed.name).label("attributed_to"),
            col(Message.provider_sid),
        )
        .outerjoin(source, col(source.id) == col(Message.source_id))
        .outerjoin(attributed, col(attributed.id) == col(Message.attributed_source_id))
        .outerjoin(Agent, col(Agent.id) == col(Message.agent_id))
        .where(col(Message.profile_id) == bindparam("pid", type_=Integer()))
        .order_by(col(Message.sent_at).desc(), col(Message.id).desc())
    )
    if limited:
        newest = newest.limit(bindparam("limit", type_=Integer()))
    page = newest.subquery("page")
    return (
        select(*page.c, col(MessageMedia.url), col(MessageMedia.content_type))
        .outerjoin(MessageMedia, col(MessageMedia.message_id) == page.c.id)
        .order_by(page.c.sent_at, page.c.id, col(MessageMedia.id))
    )


def thread(
    session: Session, profile_id: int, *, limit: int | None = THREAD_PAGE
) -> list[ThreadMessage]:
    """The profile's messages, oldest first: the last `limit`, or all when None."""
    params: dict[str, Any] = {"pid": profile_id}
    if limit is not None:
        params["limit"] = limit
    messages: list[ThreadMessage] = []
    rows = fetch(session, _thread_statement(limit is not None), params)
    for _, same in groupby(rows, key=itemgetter(0)):
        group = list(same)
        media = tuple(Attachment(r[14], r[15]) for r in group if r[14] is not None)
        messages.append(ThreadMessage(*(*group[0][:14], media)))
    return messages


@lru_cache(maxsize=1)
def _count_statement() -> AnySelect:
    return _count_select(bindparam("pid", type_=Integer()))


def message_count(session: Session, profile_id: int) -> int:
    return int(fetch(session, _count_statement(), {"pid": profile_id})[0][0])


@lru_cache(maxsize=1)
def _anchor_statement() -> AnySelect:
    return select(col(Message.sent_at)).where(col(Message.id) == bindparam("mid", type_=Integer()))


@lru_cache(maxsize=1)
def _newer_statement() -> AnySelect:
    # The anchor's time is read, then bound: stored text compares as the store writes it.
    key = tuple_(col(Message.sent_at), col(Message.id))
    at = bindparam("at", type_=UTCDateTime())
    return _count_select(bindparam("pid", type_=Integer())).where(
        key >= tuple_(at, bindparam("mid", type_=Integer()))
    )


def thread_depth(session: Session, profile_id: int, message_id: int) -> int:
    """How many of the profile's messages, newest first, it takes to reach `message_id`."""
    anchor = fetch(session, _anchor_statement(), {"mid": message_id})
    if not anchor:
        return THREAD_PAGE
    params = {"pid": profile_id, "mid": message_id, "at": anchor[0][0]}
    return int(fetch(session, _newer_statement(), params)[0][0])
