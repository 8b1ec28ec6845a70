"""The auto-responder: who gets an automatic reply to a text, and what it says."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from convo_tui import phones
from convo_tui.core.settings import InboxSettings, how_to_set
from convo_tui.core.templates import render_template, template_variables
from convo_tui.store.dialect import in_lists
from convo_tui.store.kinds import Consent, SourceKind
from convo_tui.store.models import Message, MessageSource, Profile

STALE_AFTER = timedelta(minutes=15)
"""Texts older than this when first seen (a first sync of old history) get no auto-reply."""
"""Ids per IN (...) list: well under SQLite's limit on bound parameters."""


def wanted(
    profile: Profile,
    settings: InboxSettings,
    *,
    received_at: datetime,
    now: datetime,
    last_auto_reply: datetime | None,
) -> bool:
    """Whether a customer text received at `received_at` earns an auto-reply now.

    `last_auto_reply` is when the profile's latest auto-reply was queued, if any
    (see `last_auto_replies`)."""
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
    if settings.auto_reply_cooldown_hours and last_auto_reply is not None:
        since = now - timedelta(hours=settings.auto_reply_cooldown_hours)
        if last_auto_reply > since:
            return False
    return True


ANSWERS_LIKE_AUTO_REPLY = (SourceKind.AUTO_REPLY, SourceKind.BUSINESS)
"""Texts that count as an auto-reply for the cooldown: ours, and business texts pulled
from the provider with no campaign or flow behind them (another store's auto-reply looks
like that). Campaign and flow texts do not: customers answering them are who an
auto-reply is for."""


def last_auto_replies(
    session: Session, profile_ids: Sequence[int], *, since: datetime
) -> dict[int, datetime]:
    """The newest auto-reply (or business text like one) after `since` of each of these
    profiles that has one."""
    found: dict[int, datetime] = {}
    kinds = [kind.value for kind in ANSWERS_LIKE_AUTO_REPLY]
    for part in in_lists(profile_ids):
        rows = session.exec(
            select(Message.profile_id, func.max(Message.sent_at))
            .join(MessageSource, col(MessageSource.id) == col(Message.source_id))
            .where(
                col(Message.profile_id).in_(part),
                col(MessageSource.kind).in_(kinds),
                col(MessageSource.external_id) == col(MessageSource.kind),
                col(Message.sent_at) > since,
            )
            .group_by(col(Message.profile_id))
        )
        found.update({profile_id: at for profile_id, at in rows if at is not None})
    return found


def variables(profile: Profile, settings: InboxSettings) -> dict[str, str]:
    return {
        "organization.prefix": settings.organization_prefix,
        "organization.email": settings.organization_email,
        "person.first_name": (profile.first_name or "").strip(),
    }


def empty_variables(
    profile: Profile, settings: InboxSettings, template: str | None = None
) -> list[str]:
    """The variables the template (the auto-reply's by default) uses that are empty for
    this customer: with any, it is not sent (half-filled, "For help, email ." helps nobody)."""
    filled = variables(profile, settings)
    used = template_variables(settings.auto_reply_template if template is None else template)
    return [name for name in used if not filled.get(name)]


def skip_reason(missing: Sequence[str]) -> str:
    """Why an auto-reply was not sent, and how to fix it, in one line."""
    first = missing[0]
    fix = "the customer has none" if first == "person.first_name" else how_to_set(first)
    return f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} empty ({fix})"


def text_for(profile: Profile, settings: InboxSettings) -> str:
    return render_template(settings.auto_reply_template, variables(profile, settings))
