"""Recording texts the business sent (campaigns, flows, keyword replies, past replies).

Used by the demo loader and by sync: the provider's view of a
message it sent. Idempotent by provider id; a second report updates the
delivery status (queued → sent → delivered, or failed with its error code).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from convo_tui.core.intake import apply
from convo_tui.core.texts import OutboundText
from convo_tui.store.models import Message


def record_outbound(session: Session, text: OutboundText, *, now: datetime) -> Message:
    """Store a text the business sent, or move a stored one's delivery status on.

    A batch of one of `convo_tui.core.intake.apply` (sync hands it whole pages)."""
    (result,) = apply(session, [text], now=now)
    message = session.get(Message, result.message_id)
    assert message is not None
    return message
