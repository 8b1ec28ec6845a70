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

from sqlmodel import Session

from convo_tui.core import settings as settings_mod
from convo_tui.store.models import Consent, KeywordKind, Profile


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

    `settings` may be passed by callers that process many texts at once; those
    hand them all to `convo_tui.core.intake.apply`, which this is a batch of one of.
    """
    from convo_tui.core.intake import apply  # intake builds on this module

    (result,) = apply(session, [text], now=now, settings=settings)
    assert isinstance(result, InboundResult)
    return result


def set_consent(profile: Profile, consent: Consent, at: datetime) -> None:
    # A later consent change already known (out-of-order sync) wins over this one.
    if profile.consent_updated_at is not None and profile.consent_updated_at > at:
        return
    profile.sms_consent = consent.value
    profile.consent_updated_at = at
    profile.updated_at = max(profile.updated_at, at)
