"""Reply gating and queuing: the SMS rules are law, not options.

No reply unless the profile consents now, is not blocked, and has texted
first; never from an alphanumeric sender. Each refusal names its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit

from sqlmodel import Session

from convo_tui import phones
from convo_tui.core import (
    assignment,
    audit,
    controls,
    links,
    outbox,
    profiles,
    reply_guard,
    sources,
)
from convo_tui.core.settings import InboxSettings
from convo_tui.errors import Refused
from convo_tui.store.kinds import Consent, SourceKind
from convo_tui.store.models import Agent, Conversation, Message, Profile, ShortLink, pk

MAX_BODY = 1600
MAX_MEDIA = 10


class Block(StrEnum):
    """Why a reply is not allowed."""

    NO_CONVERSATION = "no_conversation"
    NOT_CONSENTED = "not_consented"
    OPTED_OUT = "opted_out"
    BLOCKED = "blocked"
    ALPHANUMERIC_SENDER = "alphanumeric_sender"
    POSSIBLE_OPT_OUT = "possible_opt_out"


class Reachable(profiles.Named, Protocol):
    """What the rules read of a profile: a Profile, or a row read with one."""

    @property
    def blocked(self) -> bool: ...

    @property
    def sms_consent(self) -> str: ...


@dataclass(frozen=True)
class ReplyBlock:
    reason: Block
    message: str
    fix: str


def why_not(
    profile: Reachable,
    conversation: object | None,
    settings: InboxSettings,
    *,
    sender: str = "",
) -> ReplyBlock | None:
    """The reason a reply to `profile` is refused right now, or None when it is allowed.

    `conversation` is the profile's conversation (only whether there is one counts).
    """
    for number in (sender, settings.business_number):
        if number and phones.is_alphanumeric_sender(number):
            return ReplyBlock(
                Block.ALPHANUMERIC_SENDER,
                f"the business number {number!r} is an alphanumeric sender ID, "
                "which cannot receive texts or hold a conversation",
                "configure a phone number (convo settings set business.number +1...)",
            )
    if profile.blocked:
        return ReplyBlock(
            Block.BLOCKED,
            f"{profiles.display_name(profile)} is blocked",
            f"unblock first: convo unblock {profile.phone}",
        )
    if profile.sms_consent == Consent.UNSUBSCRIBED.value:
        return ReplyBlock(
            Block.OPTED_OUT,
            f"{profiles.display_name(profile)} opted out of texts",
            "they can text START to opt in again; until then, no texts",
        )
    if getattr(conversation, "possible_opt_out_at", None) is not None:
        return ReplyBlock(
            Block.POSSIBLE_OPT_OUT,
            f"{profiles.display_name(profile)} may have asked to stop texts",
            "decide first (d on the conversation, or convo opt-outs resolve): opt out, or not",
        )
    if profile.sms_consent != Consent.SUBSCRIBED.value:
        return ReplyBlock(
            Block.NOT_CONSENTED,
            f"{profiles.display_name(profile)} has not agreed to receive texts",
            "reply by email, or wait until they opt in",
        )
    if conversation is None:
        return ReplyBlock(
            Block.NO_CONVERSATION,
            f"{profiles.display_name(profile)} has not texted the business",
            "the business cannot start a conversation; wait for the customer to text first",
        )
    return None


def check_allowed(
    session: Session, profile: Profile, settings: InboxSettings, *, sender: str = ""
) -> Conversation:
    """The profile's conversation when a reply is allowed now; Refused with the reason if not."""
    conversation = profiles.conversation_of(session, profile)
    blocked = why_not(profile, conversation, settings, sender=sender)
    if blocked is not None:
        raise Refused(blocked.message, blocked.fix, reason=blocked.reason.value)
    assert conversation is not None
    return conversation


def check_content(body: str, media: Sequence[str]) -> None:
    """Refuse an empty or over-long text and bad media URLs, naming the limit.

    `body` is checked as it is sent: without control characters (core.controls)."""
    cleaned = controls.clean(body)
    body = cleaned.text
    if not body.strip() and not media:
        if cleaned.removed:
            names = ", ".join(dict.fromkeys(cleaned.removed))
            raise Refused(
                f"the reply holds nothing but control characters ({names}), which are not sent",
                "write some text or attach media with --media URL",
            )
        raise Refused("the reply is empty", "write some text or attach media with --media URL")
    if len(body) > MAX_BODY:
        raise Refused(
            f"the reply is {len(body)} characters; the limit is {MAX_BODY}",
            "shorten it or send it as several messages",
        )
    if len(media) > MAX_MEDIA:
        raise Refused(
            f"{len(media)} media URLs given; the limit is {MAX_MEDIA}",
            "send the rest in another message",
        )
    for url in media:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise Refused(
                f"{url!r} is not an http(s) URL", "media must be attached by a public URL"
            )


def queue_reply(
    session: Session,
    agent: Agent,
    profile: Profile,
    body: str,
    *,
    settings: InboxSettings,
    media: Sequence[str] = (),
    send_at: datetime | None = None,
    sender: str = "",
    seen_id: int | None = None,
    force: bool = False,
    now: datetime,
) -> Message:
    """Queue an agent's reply in the outbox, or raise Refused with the reason.

    Without `send_at` it goes out after the send delay (`replies.send_delay`). It is
    held (rows.Held) when the thread moved on after `seen_id`, the newest
    message the agent saw (without one: when another agent just replied), unless
    `force`."""
    conversation = check_allowed(session, profile, settings, sender=sender)
    check_content(body, media)
    reply_guard.check(session, pk(profile), agent, seen_id=seen_id, now=now, force=force)
    body = controls.clean(body).text  # what reaches the customer: no escapes, no controls
    shortened: tuple[ShortLink, ...] = ()
    if settings.links_shorten:
        result = links.shorten(
            session, body, profile_id=pk(profile), domain=settings.links_domain, now=now
        )
        body, shortened = result.text, result.links
    status = None
    if send_at is None:
        # A reply for "now" is held for the send delay, recallable until the sync takes it.
        send_at = now + timedelta(seconds=settings.replies_send_delay)
        status = "pending" if send_at > now else None
    message = outbox.enqueue(
        session,
        profile=profile,
        conversation=conversation,
        body=body,
        media=media,
        source=sources.fixed(session, SourceKind.AGENT_REPLY),
        agent=agent,
        send_at=send_at,
        now=now,
        from_number=sender or settings.business_number,
        status=status,
    )
    links.attach(shortened, message)
    # The agent has read it. The waiting time runs on until the provider accepts the
    # reply (outbox.mark_sent): a reply held or scheduled has reached nobody yet.
    conversation.unread = False
    conversation.updated_by_id = agent.id
    if settings.team_auto_assign == "first_reply":
        assignment.on_reply(session, conversation, agent, now=now)
    audit.record(
        session,
        agent,
        "reply.queue",
        now=now,
        profile_id=profile.id,
        detail=f"message {message.id}" + (f" at {send_at.isoformat()}" if send_at else ""),
    )
    return message
