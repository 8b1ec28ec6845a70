"""The records of a text as a provider reports it, in and out, and the two rules on
stored rows every path applies the same way (a consent change, a delivery status).

Kept apart from `inbound`/`outbound` (the batch-of-one entry points) and `intake`
(the rules applied to a page of texts), so each of those imports these records and
none imports another's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from convo_tui.store.models import Consent, KeywordKind, Message, Profile, SourceKind


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


DELIVERY_ERRORS = {
    30003: "unreachable destination handset",
    30004: "message blocked",
    30005: "unknown destination handset",
    30006: "landline or unreachable carrier",
    30007: "message filtered by the carrier",
    30008: "unknown error",
    21610: "recipient has opted out (STOP)",
    21211: "invalid 'To' phone number",
    21612: "cannot route between these numbers",
}


@dataclass(frozen=True)
class OutboundText:
    provider_sid: str
    to_number: str
    from_number: str
    body: str
    sent_at: datetime
    source_kind: SourceKind
    source_name: str = ""
    source_external_id: str | None = None
    status: str = "sent"
    error_code: int | None = None
    media: Sequence[Media] = ()
    agent_login: str | None = None


def set_consent(profile: Profile, consent: Consent, at: datetime) -> None:
    # A later consent change already known (out-of-order sync) wins over this one.
    if profile.consent_updated_at is not None and profile.consent_updated_at > at:
        return
    profile.sms_consent = consent.value
    profile.consent_updated_at = at
    profile.updated_at = max(profile.updated_at, at)


_ORDER = {"queued": 0, "scheduled": 0, "accepted": 1, "sending": 2, "sent": 3}
_FINAL = {"delivered", "undelivered", "failed", "read", "canceled"}


def update_status(message: Message, status: str, error_code: int | None, *, now: datetime) -> None:
    """Move a message's delivery status forward; a final status is never undone."""
    if message.status == status and message.error_code == error_code:
        return
    if message.status in _FINAL and status not in _FINAL:
        return
    if status not in _FINAL and _ORDER.get(status, 0) < _ORDER.get(message.status, 0):
        return
    message.status = status
    message.error_code = error_code
    message.error_message = DELIVERY_ERRORS.get(error_code) if error_code else None
    message.updated_at = now
