"""Recording texts the business sent (campaigns, flows, keyword replies, past replies).

Used by the demo loader now and by sync later: the provider's view of a
message it sent. Idempotent by provider id; a second report updates the
delivery status (queued → sent → delivered, or failed with its error code).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from convo_tui.core.inbound import Media
from convo_tui.store.models import Message, SourceKind

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


def record_outbound(session: Session, text: OutboundText, *, now: datetime) -> Message:
    """Store a text the business sent, or move a stored one's delivery status on.

    A batch of one of `convo_tui.core.intake.apply` (sync hands it whole pages)."""
    from convo_tui.core.intake import apply  # intake builds on this module

    (result,) = apply(session, [text], now=now)
    message = session.get(Message, result.message_id)
    assert message is not None
    return message


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
