"""Processing a customer's text: the one function used by demo loading and by sync.

Keywords change consent and record activity, and open no conversation. Any
other text opens the profile's conversation (or reopens a closed or snoozed
one), marks it unread, attributes it, and triggers the auto-reply and a
notification. A blocked profile's texts are stored and nothing else happens.
The same provider message seen twice changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from convo_tui.core import settings as settings_mod
from convo_tui.core.intake import apply
from convo_tui.core.texts import InboundResult, InboundText


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
    (result,) = apply(session, [text], now=now, settings=settings)
    assert isinstance(result, InboundResult)
    return result
