"""Finding and creating profiles by phone number."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from convo_tui import phones
from convo_tui.errors import NotFound
from convo_tui.store.models import Consent, Conversation, Profile


def get_or_create(session: Session, phone: str, *, now: datetime) -> tuple[Profile, bool]:
    """The profile for an E.164 number, created (without consent) when new."""
    profile = session.exec(select(Profile).where(Profile.phone == phone)).first()
    if profile is not None:
        return profile, False
    profile = Profile(
        phone=phone,
        sms_consent=Consent.NEVER_SUBSCRIBED.value,
        created_at=now,
        updated_at=now,
    )
    session.add(profile)
    session.flush()
    return profile, True


def find(session: Session, raw_phone: str, default_region: str) -> Profile:
    """The profile for a number as a person typed it; NotFound names what to do."""
    phone = phones.normalize(raw_phone, default_region)
    profile = session.exec(select(Profile).where(Profile.phone == phone)).first()
    if profile is None:
        raise NotFound(
            f"no profile with the number {phone}",
            "check the number; convo inbox lists the conversations",
        )
    return profile


def conversation_of(session: Session, profile: Profile) -> Conversation | None:
    return session.exec(select(Conversation).where(Conversation.profile_id == profile.id)).first()


def require_conversation(session: Session, profile: Profile) -> Conversation:
    conversation = conversation_of(session, profile)
    if conversation is None:
        raise NotFound(
            f"{profile.phone} has no conversation: they have not texted the business",
            "a conversation starts when the customer texts first",
        )
    return conversation


def display_name(profile: Profile) -> str:
    name = " ".join(part for part in (profile.first_name, profile.last_name) if part)
    return name or phones.pretty(profile.phone)
