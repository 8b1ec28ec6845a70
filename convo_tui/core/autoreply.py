"""The auto-responder: who gets an automatic reply to a text, and what it says."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from convo_tui import phones
from convo_tui.core import outbox, sources
from convo_tui.core.settings import InboxSettings, render_template
from convo_tui.store.models import Consent, Conversation, Message, Profile, SourceKind

STALE_AFTER = timedelta(minutes=15)
"""Texts older than this when first seen (a first sync of old history) get no auto-reply."""


def wanted(
    session: Session,
    profile: Profile,
    settings: InboxSettings,
    *,
    received_at: datetime,
    now: datetime,
) -> bool:
    """Whether a customer text received at `received_at` earns an auto-reply now."""
    if not settings.auto_reply_enabled or profile.blocked:
        return False
    if profile.sms_consent == Consent.UNSUBSCRIBED.value:
        return False  # opted out: the law forbids any further text
    if settings.auto_reply_audience == "non_consented" and (
        profile.sms_consent == Consent.SUBSCRIBED.value
    ):
        return False
    if settings.business_number and phones.is_alphanumeric_sender(settings.business_number):
        return False
    if now - received_at > STALE_AFTER:
        return False
    if settings.auto_reply_cooldown_hours:
        since = now - timedelta(hours=settings.auto_reply_cooldown_hours)
        auto = sources.fixed(session, SourceKind.AUTO_REPLY)
        recent = session.exec(
            select(Message.id)
            .where(
                Message.profile_id == profile.id,
                Message.source_id == auto.id,
                col(Message.sent_at) > since,
            )
            .limit(1)
        ).first()
        if recent is not None:
            return False
    return True


def text_for(profile: Profile, settings: InboxSettings) -> str:
    return render_template(
        settings.auto_reply_template,
        {
            "organization.prefix": settings.organization_prefix,
            "organization.email": settings.organization_email,
            "person.first_name": profile.first_name or "",
        },
    )


def queue(
    session: Session,
    profile: Profile,
    conversation: Conversation,
    settings: InboxSettings,
    *,
    now: datetime,
) -> Message:
    """Queue the auto-reply in the outbox; it shows in the thread labelled as such."""
    return outbox.enqueue(
        session,
        profile=profile,
        conversation=conversation,
        body=text_for(profile, settings),
        media=(),
        source=sources.fixed(session, SourceKind.AUTO_REPLY),
        agent=None,
        send_at=now,
        now=now,
        from_number=settings.business_number,
    )
