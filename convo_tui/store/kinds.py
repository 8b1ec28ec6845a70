"""The store's named values (statuses, directions, who wrote a message...).

Plain enums with no database import, so the terminal UI can name them
before SQLAlchemy is loaded.
"""

from __future__ import annotations

from enum import StrEnum


class Consent(StrEnum):
    """SMS marketing consent, as Klaviyo names it."""

    SUBSCRIBED = "SUBSCRIBED"
    UNSUBSCRIBED = "UNSUBSCRIBED"
    NEVER_SUBSCRIBED = "NEVER_SUBSCRIBED"


class Status(StrEnum):
    OPEN = "open"
    SNOOZED = "snoozed"
    CLOSED = "closed"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    NOTE = "note"
    """An agent's internal note: never sent (core.notes)."""


class SourceKind(StrEnum):
    """Who wrote a message."""

    CUSTOMER = "customer"
    CAMPAIGN = "campaign"
    FLOW = "flow"
    AUTO_REPLY = "auto_reply"
    AGENT_REPLY = "agent_reply"
    KEYWORD_REPLY = "keyword_reply"
    BUSINESS = "business"
    """Sent from the business number by something else (another tool, the console)."""
    OPT_OUT_CONFIRMATION = "opt_out_confirmation"
    """The one text 64.1200(a)(12) allows after an opt-out convo recorded: the only text
    that may go to an opted-out customer (core.opt_out_review)."""


class KeywordKind(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


class OutboxState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    HELD = "held"
    """Due while its conversation is flagged as a possible opt-out: it waits for an
    agent's decision (core.opt_out_review), then goes or fails."""
