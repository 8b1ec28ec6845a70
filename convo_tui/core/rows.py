"""What the inbox, thread, side panel and search show: small frozen records.

No database import here, so the terminal UI can hold and draw them before
SQLAlchemy is loaded; `convo_tui.core.queries` fills them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from convo_tui.errors import Refused
from convo_tui.store.kinds import Status

THREAD_PAGE = 50


@dataclass(frozen=True)
class InboxFilter:
    """Filters combine; None means "any"."""

    status: Status | None = Status.OPEN
    unread: bool | None = None
    attributed_source_id: int | None = None
    possible_opt_out: bool = False
    """True: only conversations waiting for an agent's opt-out decision."""
    assignee: int | None = None
    """An agent's id: their conversations; 0 (UNASSIGNED): nobody's; None: anyone's."""
    tag: int | None = None
    """A tag's id: only conversations with it."""


def initials(name: str | None, login: str | None) -> str:
    """Two letters for an agent: of the first and last word of their name ("Bea Costa":
    BC), else their login's first two ("bea": BE); empty for nobody."""
    words = [w for w in (name or "").split() if w[:1].isalpha()]
    if len(words) >= 2:
        return (words[0][0] + words[-1][0]).upper()
    if words:
        return words[0][:2].upper()
    return (login or "")[:2].upper()


UNASSIGNED = 0
"""`InboxFilter.assignee` for conversations nobody owns (the tally's key for none)."""


@dataclass(frozen=True)
class DraftText:
    """A reply being written (see convo_tui.core.drafts)."""

    body: str
    media: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.body.strip() and not self.media


class InboxRow(NamedTuple):
    """One inbox line; a tuple because a page builds a hundred of them at a time."""

    conversation_id: int
    profile_id: int
    phone: str
    first_name: str | None
    last_name: str | None
    status: str
    unread: bool
    last_message_at: datetime
    preview: str
    last_direction: str
    waiting_since: datetime | None
    snooze_until: datetime | None
    attributed_to: str | None
    blocked: bool
    reply_pending_at: datetime | None = None
    """When an agent's reply waiting in the outbox goes out (see Conversation)."""
    possible_opt_out_at: datetime | None = None
    """A text read as a request to stop, undecided since then (core.opt_out_review)."""
    assignee_login: str | None = None
    assignee_name: str | None = None
    """The agent who owns it (None: unassigned); the row shows their initials."""
    tags: str | None = None
    """Its tags, space-separated (None: none)."""

    @property
    def tag_list(self) -> list[str]:
        return sorted((self.tags or "").split())

    @property
    def assignee_initials(self) -> str:
        return initials(self.assignee_name, self.assignee_login)

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.phone

    @property
    def cursor(self) -> tuple[datetime, int]:
        return (self.last_message_at, self.conversation_id)


class ConversationHead(NamedTuple):
    """A conversation with its profile, attribution and message count: one row, one read.

    The profile's fields keep their column names, so the rules that take a
    profile (reply refusal, recipient zone, display name) take this row too.
    """

    conversation_id: int
    profile_id: int
    status: str
    unread: bool
    snooze_until: datetime | None
    waiting_since: datetime | None
    attributed_to: str | None
    total_messages: int
    phone: str
    email: str | None
    first_name: str | None
    last_name: str | None
    address1: str | None
    address2: str | None
    city: str | None
    region: str | None
    country: str | None
    zip: str | None
    timezone: str | None
    latitude: float | None
    longitude: float | None
    resolved_timezone: str | None
    timezone_source: str | None
    timezone_basis: str | None
    sms_consent: str
    blocked: bool
    possible_opt_out_at: datetime | None
    """The conversation waits for an agent's opt-out decision since (opt_out_review)."""
    klaviyo_opt_out_pending_at: datetime | None
    klaviyo_opt_out_error: str | None
    assignee_login: str | None = None
    """The agent who owns the conversation; None: unassigned."""


@dataclass(frozen=True)
class Attachment:
    url: str
    content_type: str


@dataclass(frozen=True)
class ThreadMessage:
    id: int
    direction: str
    body: str
    sent_at: datetime
    status: str
    error_code: int | None
    error_message: str | None
    source_kind: str | None
    source_name: str | None
    agent_login: str | None
    agent_name: str | None
    keyword: str | None
    attributed_to: str | None
    provider_sid: str | None
    media: tuple[Attachment, ...] = field(default=())

    @property
    def is_note(self) -> bool:
        """An agent's internal note: never sent, drawn apart from the messages."""
        return self.direction == "note"

    @property
    def label(self) -> str:
        """Who wrote it: customer, agent (name), campaign or flow name, auto- or keyword reply."""
        kind = self.source_kind
        if self.direction == "inbound":
            return "customer (keyword)" if self.keyword else "customer"
        if self.direction == "note":
            return f"note by {self.agent_name or self.agent_login or '?'}"
        if kind == "agent_reply":
            return f"agent {self.agent_name or self.agent_login or '?'}"
        if kind in ("campaign", "flow"):
            return f"{kind} {self.source_name}"
        if kind == "auto_reply":
            return "auto-reply"
        if kind == "keyword_reply":
            return "keyword reply"
        if kind == "opt_out_confirmation":
            return "opt-out confirmation"
        return kind or "business"


@dataclass(frozen=True)
class EventRow:
    metric: str
    occurred_at: datetime
    properties: dict[str, Any]


@dataclass(frozen=True)
class OrderLineRow:
    product_name: str
    sku: str | None
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True)
class OrderRow:
    external_id: str
    placed_at: datetime
    status: str
    currency: str
    total_cents: int
    lines: tuple[OrderLineRow, ...]


@dataclass(frozen=True)
class SearchHit:
    message_id: int
    profile_id: int
    conversation_id: int | None
    name: str
    phone: str
    direction: str
    sent_at: datetime
    excerpt: str
    """A one-line piece of the body around the first matching word (made safe)."""


@dataclass(frozen=True)
class CustomerHit:
    """A customer whose name, email or number matched a search."""

    profile_id: int
    conversation_id: int | None
    """None: they never texted anything but keywords, so there is nothing to open."""
    name: str
    phone: str
    phone_pretty: str
    email: str | None
    last_message_at: datetime | None
    unread: bool


@dataclass(frozen=True)
class SearchResults:
    """What `/` shows: the customers first, then the messages, and how many more match."""

    customers: tuple[CustomerHit, ...] = ()
    customers_total: int = 0
    """Every matching customer, counted up to a cap (`customers_capped` says it was hit)."""
    customers_capped: bool = False
    messages: tuple[SearchHit, ...] = ()
    more_messages: bool = False
    """More messages match than the newest ones shown."""

    @property
    def more_customers(self) -> int:
        return self.customers_total - len(self.customers)


@dataclass(frozen=True)
class ReplyQueued:
    """A reply the agent queued: undoing it recalls it from the outbox (while the sync
    has not taken it) and puts its text back in the conversation's draft."""

    message_id: int
    conversation_id: int
    profile_id: int


PRESENCE_HEARTBEAT = 5.0
"""Seconds between a running inbox's presence updates when nothing changed."""


@dataclass(frozen=True)
class Present:
    """Another agent's running inbox, as the list and the thread header show it."""

    agent_id: int
    login: str
    name: str
    conversation_id: int | None
    typing: bool

    @property
    def who(self) -> str:
        """Their first name, else their login: "Bea is typing"."""
        first = self.name.split()[0] if self.name.strip() else ""
        return first or self.login


@dataclass(frozen=True)
class Newer:
    """A message that came after what the agent saw."""

    id: int
    kind: str
    """"customer", "reply" (another agent's) or "note"."""
    who: str
    """The customer's label is the caller's; an agent's login for a reply or a note."""
    body: str
    sent_at: datetime


class Held(Refused):
    """The reply was held: `newer` is what the agent has not seen."""

    def __init__(self, what: str, fix: str, newer: tuple[Newer, ...]) -> None:
        super().__init__(what, fix, reason="held")
        self.newer = newer
