"""Processing a customer's text: the one function used by demo loading and by sync.

Keywords change consent and record activity, and open no conversation. Any
other text opens the profile's conversation (or reopens a closed or snoozed
one), marks it unread, attributes it, and triggers the auto-reply and a
notification. A blocked profile's texts are stored and nothing else happens.
The same provider message seen twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from convo_tui.core import attribution, autoreply, conversations, keywords, profiles, sources
from convo_tui.core import settings as settings_mod
from convo_tui.store.models import (
    ActivityEvent,
    Consent,
    Conversation,
    Direction,
    KeywordKind,
    Message,
    MessageMedia,
    Notification,
    Profile,
    Status,
    pk,
)


@dataclass(frozen=True)
class Media:
    url: str
    content_type: str = ""
    provider_sid: str | None = None


@dataclass(frozen=True)
class InboundText:
    """A text from a customer, as the provider reports it."""

    provider_sid: str
    from_number: str
    """The customer, E.164."""
    to_number: str
    """The business number."""
    body: str
    sent_at: datetime
    media: Sequence[Media] = ()
    status: str = "received"


@dataclass(frozen=True)
class InboundResult:
    message_id: int
    profile_id: int
    duplicate: bool = False
    keyword: KeywordKind | None = None
    conversation_id: int | None = None
    opened: bool = False
    reopened: bool = False
    attributed_source_id: int | None = None
    auto_reply_id: int | None = None
    notified: bool = False


KEYWORD_METRICS = {
    KeywordKind.OPT_OUT: "Unsubscribed from SMS",
    KeywordKind.OPT_IN: "Consented to Receive SMS",
    KeywordKind.HELP: "Requested SMS Help",
}


def process_inbound(
    session: Session,
    text: InboundText,
    *,
    now: datetime,
    settings: settings_mod.InboxSettings | None = None,
) -> InboundResult:
    """Apply the inbound rules to one text, in the caller's transaction.

    `settings` may be passed by callers that process many texts at once.
    """
    existing = session.exec(
        select(Message).where(Message.provider_sid == text.provider_sid)
    ).first()
    if existing is not None:
        return InboundResult(
            message_id=pk(existing),
            profile_id=existing.profile_id,
            duplicate=True,
            conversation_id=existing.conversation_id,
        )
    if settings is None:
        settings = settings_mod.load(session)
    profile, _ = profiles.get_or_create(session, text.from_number, now=now)
    conversation = profiles.conversation_of(session, profile)
    keyword = keywords.classify(text.body)
    message = Message(
        profile_id=pk(profile),
        conversation_id=conversation.id if conversation else None,
        direction=Direction.INBOUND.value,
        body=text.body,
        provider_sid=text.provider_sid,
        status=text.status,
        source_id=sources.fixed_customer(session).id,
        keyword=keyword.value if keyword else None,
        from_number=text.from_number,
        to_number=text.to_number,
        sent_at=text.sent_at,
        created_at=now,
        updated_at=now,
    )
    if keyword is not None:
        session.add(message)
        session.flush()
        _store_media(session, message, text.media)
        _apply_keyword(session, profile, keyword, message, text.sent_at)
        return InboundResult(
            message_id=pk(message),
            profile_id=pk(profile),
            keyword=keyword,
            conversation_id=message.conversation_id,
        )

    attributed = attribution.attribute(
        session,
        pk(profile),
        text.sent_at,
        settings.attribution_window_hours,
    )
    message.attributed_source_id = attributed
    if profile.blocked:
        session.add(message)
        session.flush()
        _store_media(session, message, text.media)
        return InboundResult(
            message_id=pk(message),
            profile_id=pk(profile),
            conversation_id=message.conversation_id,
            attributed_source_id=attributed,
        )

    opened = reopened = False
    if conversation is None:
        conversation = Conversation(
            profile_id=pk(profile),
            status=Status.OPEN.value,
            unread=True,
            last_message_at=text.sent_at,
            waiting_since=text.sent_at,
            created_at=now,
            updated_at=now,
        )
        session.add(conversation)
        session.flush()
        opened = True
    elif conversation.status != Status.OPEN.value:
        conversation.status = Status.OPEN.value
        conversation.snooze_until = None
        reopened = True
    conversation.unread = True
    if conversation.waiting_since is None or text.sent_at < conversation.waiting_since:
        conversation.waiting_since = text.sent_at
    if attributed is not None:
        conversation.attributed_source_id = attributed
    message.conversation_id = conversation.id
    session.add(message)
    session.flush()
    _store_media(session, message, text.media)
    conversations.note_message(conversation, message)

    auto_reply_id = None
    if autoreply.wanted(session, profile, settings, received_at=text.sent_at, now=now):
        auto_reply_id = autoreply.queue(session, profile, conversation, settings, now=now).id
    session.add(Notification(profile_id=pk(profile), message_id=pk(message), created_at=now))
    return InboundResult(
        message_id=pk(message),
        profile_id=pk(profile),
        conversation_id=conversation.id,
        opened=opened,
        reopened=reopened,
        attributed_source_id=attributed,
        auto_reply_id=auto_reply_id,
        notified=True,
    )


def _store_media(session: Session, message: Message, media: Sequence[Media]) -> None:
    for item in media:
        session.add(
            MessageMedia(
                message_id=pk(message),
                url=item.url,
                content_type=item.content_type,
                provider_sid=item.provider_sid,
            )
        )


def _apply_keyword(
    session: Session, profile: Profile, keyword: KeywordKind, message: Message, at: datetime
) -> None:
    if keyword is KeywordKind.OPT_OUT:
        set_consent(profile, Consent.UNSUBSCRIBED, at)
    elif keyword is KeywordKind.OPT_IN:
        set_consent(profile, Consent.SUBSCRIBED, at)
    session.add(
        ActivityEvent(
            profile_id=pk(profile),
            metric=KEYWORD_METRICS[keyword],
            occurred_at=at,
            properties={"keyword": message.body.strip().upper(), "method": "keyword"},
            message_id=message.id,
        )
    )


def set_consent(profile: Profile, consent: Consent, at: datetime) -> None:
    # A later consent change already known (out-of-order sync) wins over this one.
    if profile.consent_updated_at is not None and profile.consent_updated_at > at:
        return
    profile.sms_consent = consent.value
    profile.consent_updated_at = at
    profile.updated_at = max(profile.updated_at, at)
