"""What the desk hands the terminal UI: frozen records, no database import."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from convo_tui import clock
from convo_tui.core.reply_fill import Context, Reply
from convo_tui.core.rows import DraftText, EventRow, OrderRow, ThreadMessage


@dataclass(frozen=True)
class Me:
    """The agent using the UI."""

    login: str
    name: str
    role: str
    zone: str
    """The agent's IANA zone (snooze presets are on this wall clock)."""
    may_change_settings: bool
    agent_id: int | None = None
    """Their id in the store (None until the store is loaded: the opening page)."""


@dataclass(frozen=True)
class SavedReplyChoices:
    """What the saved-reply picker needs for one customer: it searches, fills in and
    counts in memory, with no store read per key."""

    replies: list[Reply]
    context: Context
    shorten: bool
    domain: str
    customer: str


@dataclass(frozen=True)
class AgentChoice:
    """An agent a conversation can be given to (the assign picker)."""

    login: str
    name: str
    role: str


@dataclass(frozen=True)
class SourceChoice:
    """A campaign or flow replies can be attributed to (for the filter)."""

    id: int
    kind: str
    name: str


@dataclass(frozen=True)
class ProfileCard:
    profile_id: int
    name: str
    phone: str
    email: str | None
    consent: str
    blocked: bool
    address: tuple[str, ...]
    place: str
    """City, region, country (what is known), or empty."""
    zone: str
    """The zone and where it came from, or "time zone unknown"."""
    local_time: datetime | None
    quiet: bool
    """True when a text now would reach them outside the hours for texting."""
    coordinates: str
    klaviyo: str = ""
    """Empty, or why an opt-out recorded here has not reached Klaviyo yet."""
    zone_every: str = ""
    """`zone` with every candidate named (the full profile shows it)."""
    local_words: str = ""
    """Their local time in words: "Tue 07:10", or "between 06:10 and 09:10 (Australia,
    3 zones)" when the zone is not certain, or "unknown"."""

    @property
    def named(self) -> bool:
        """False for an unknown number: its name is the number (shown once, not twice)."""
        return self.name != self.phone


@dataclass(frozen=True)
class PossibleOptOut:
    """A customer's text that reads as a request to stop, waiting for a decision."""

    profile_id: int
    name: str
    body: str
    phrase: str
    """What in it reads so ("stop texting")."""
    flagged_at: datetime


@dataclass(frozen=True)
class ReplyRefusal:
    reason: str
    message: str
    fix: str


@dataclass(frozen=True)
class ConversationView:
    """Everything the thread, composer and side panel show for one conversation."""

    conversation_id: int
    profile_id: int
    status: str
    unread: bool
    snooze_until: datetime | None
    waiting_since: datetime | None
    attributed_to: str | None
    card: ProfileCard
    refusal: ReplyRefusal | None
    messages: tuple[ThreadMessage, ...]
    total_messages: int
    metrics: tuple[str, ...]
    events: tuple[EventRow, ...]
    orders: tuple[OrderRow, ...]
    focus_message_id: int | None = None
    """A message to scroll to (a search hit)."""
    loaded_at: datetime = field(default_factory=clock.utcnow)
    draft: DraftText = field(default_factory=lambda: DraftText(""))
    """This agent's unsent reply to this conversation."""
    possible_opt_out_at: datetime | None = None
    """A text reads as a request to stop, undecided since then: replies wait."""
    side_loaded: bool = True
    """False for a preview that left out `metrics`, `events` and `orders` (empty here):
    the side panel showed the profile, which needs none of them."""
    assignee: str | None = None
    """The login of the agent who owns it; None: unassigned."""

    @property
    def newest_id(self) -> int | None:
        """The newest message on screen: a reply is held when the thread moved past it."""
        return max((m.id for m in self.messages), default=None)


@dataclass(frozen=True)
class Sent:
    message_id: int
    """The reply's number: the one the thread, `convo outbox list`, `outbox cancel` and
    `outbox recall` show and take (the message id; the outbox item's own id stays inside)."""
    send_at: datetime | None
    """None when queued for now; else when it is scheduled (UTC)."""
    zone: str | None
    recall_until: datetime | None = None
    """While held for the send delay: until when it can be recalled (the sync takes it then)."""
    removed: str | None = None
    """What was taken out of the text as typed (control characters), in one line."""
    their: str | None = None
    """A scheduled reply's time on the recipient's clock ("08:00 their time (Tue 08 Dec)";
    a span when their zone is not certain)."""


@dataclass(frozen=True)
class SettingsView:
    values: dict[str, Any]
    """Every setting of the table (core/settings.SPECS) by key."""
    may_change: bool
