"""Finding and creating profiles by phone number."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert
from sqlmodel import Session, col, select

from convo_tui import phones
from convo_tui.errors import NotFound
from convo_tui.store.dialect import in_lists
from convo_tui.store.kinds import Consent
from convo_tui.store.models import Conversation, Profile


class Named(Protocol):
    """What a profile's display name is made of: a Profile, or a row read with one."""

    @property
    def phone(self) -> str: ...

    @property
    def first_name(self) -> str | None: ...

    @property
    def last_name(self) -> str | None: ...


def get_or_create(session: Session, phone: str, *, now: datetime) -> tuple[Profile, bool]:
    """The profile for an E.164 number, created (without consent) when new."""
    profile = session.exec(select(Profile).where(Profile.phone == phone)).first()
    if profile is not None:
        return profile, False
    profile = _new(phone, now)
    session.add(profile)
    session.flush()
    return profile, True


def get_or_create_many(
    session: Session, phones: Iterable[str], *, now: datetime
) -> dict[str, Profile]:
    """`get_or_create` for many E.164 numbers at once: new profiles are made in the order
    their numbers come, with one query per few hundred numbers and one insert."""
    wanted = list(dict.fromkeys(phones))
    found: dict[str, Profile] = {}
    for part in in_lists(wanted):
        found.update(
            (p.phone, p) for p in session.exec(select(Profile).where(col(Profile.phone).in_(part)))
        )
    new = [phone for phone in wanted if phone not in found]
    if new:
        # One INSERT .. RETURNING that hands back the new rows as session objects.
        created = session.scalars(
            insert(Profile).returning(Profile, sort_by_parameter_order=True),
            [_new_values(phone, now) for phone in new],
        )
        found.update((p.phone, p) for p in created)
    return found


def _new_values(phone: str, now: datetime) -> dict[str, Any]:
    return {
        "phone": phone,
        "sms_consent": Consent.NEVER_SUBSCRIBED.value,
        "created_at": now,
        "updated_at": now,
    }


def _new(phone: str, now: datetime) -> Profile:
    return Profile(**_new_values(phone, now))


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


def conversations_of(session: Session, profile_ids: Sequence[int]) -> dict[int, Conversation]:
    """The conversations of these profiles (those that have one), by profile id."""
    found: dict[int, Conversation] = {}
    for part in in_lists(profile_ids):
        rows = session.exec(select(Conversation).where(col(Conversation.profile_id).in_(part)))
        found.update((c.profile_id, c) for c in rows)
    return found


def require_conversation(session: Session, profile: Profile) -> Conversation:
    conversation = conversation_of(session, profile)
    if conversation is None:
        raise NotFound(
            f"{profile.phone} has no conversation: they have not texted the business",
            "a conversation starts when the customer texts first",
        )
    return conversation


def display_name(profile: Named) -> str:
    name = " ".join(part for part in (profile.first_name, profile.last_name) if part)
    return name or phones.pretty(profile.phone)
