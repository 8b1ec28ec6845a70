"""The tables of the store (SQLModel). Rules live in convo_tui.core, not here.

Every timestamp is aware UTC (`UTCDateTime`). Money is kept in minor units
(cents) as integers, exact on every backend.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

from convo_tui.store.kinds import Consent, Direction, OutboxState, Status
from convo_tui.store.types import UTCDateTime


def _fk(target: str, *, nullable: bool = True, index: bool = False) -> Any:
    """A foreign-key integer column (sa_column keeps ON DELETE explicit and portable)."""
    return Field(
        default=None,
        sa_column=Column(Integer, ForeignKey(target), nullable=nullable, index=index),
    )


def _when(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(
        default=None,
        sa_column=Column(UTCDateTime(), nullable=nullable, index=index),
    )


class Agent(SQLModel, table=True):
    """A person who works the inbox. `login` is their OS login (core.roles.os_login)."""

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    name: str = Field(default="", sa_type=String(200))
    role: str = Field(sa_type=String(32))
    timezone: str | None = Field(default=None, sa_type=String(64))
    """The agent's IANA zone for snooze presets; None means the host's zone."""
    active: bool = True
    created_at: datetime = _when()
    email: str | None = Field(default=None, sa_type=String(320))
    """Where a mention or an assignment is emailed (when email notifications are on)."""
    last_assigned_at: datetime | None = _when(nullable=True)
    """When round-robin auto-assignment last gave this agent a conversation."""


class Profile(SQLModel, table=True):
    """A customer, keyed by phone number (E.164)."""

    id: int | None = Field(default=None, primary_key=True)
    phone: str = Field(sa_column=Column(String(20), nullable=False, unique=True))
    external_id: str | None = Field(
        default=None, sa_column=Column(String(64), unique=True, nullable=True)
    )
    """The provider's profile id (Klaviyo)."""
    email: str | None = Field(default=None, sa_type=String(320))
    first_name: str | None = Field(default=None, sa_type=String(200))
    last_name: str | None = Field(default=None, sa_type=String(200))
    address1: str | None = Field(default=None, sa_type=String(300))
    address2: str | None = Field(default=None, sa_type=String(300))
    city: str | None = Field(default=None, sa_type=String(200))
    region: str | None = Field(default=None, sa_type=String(200))
    country: str | None = Field(default=None, sa_type=String(200))
    zip: str | None = Field(default=None, sa_type=String(32))
    timezone: str | None = Field(default=None, sa_type=String(64))
    locale: str | None = Field(default=None, sa_type=String(35))
    """The profile's language and region as the provider has it ("en-US", "pt-PT")."""
    latitude: float | None = None
    longitude: float | None = None
    resolved_timezone: str | None = Field(default=None, sa_type=String(64))
    """The recipient's zone as last resolved (cache; see convo_tui.core.recipient_time)."""
    timezone_source: str | None = Field(default=None, sa_type=String(16))
    """Which fact gave `resolved_timezone`: profile, location or phone."""
    timezone_basis: str | None = Field(default=None, sa_type=String(200))
    """The facts the cached zone was resolved from; a change makes it stale."""
    sms_consent: str = Field(default=Consent.NEVER_SUBSCRIBED.value, sa_type=String(20))
    consent_updated_at: datetime | None = _when(nullable=True)
    blocked: bool = False
    blocked_at: datetime | None = _when(nullable=True)
    blocked_by_id: int | None = _fk("agent.id")
    klaviyo_opt_out_pending_at: datetime | None = _when(nullable=True, index=True)
    """An opt-out convo recorded that Klaviyo has not accepted yet (convo_tui.sync.
    suppress writes it there); None when Klaviyo knows, or there is nothing to tell."""
    klaviyo_opt_out_error: str | None = Field(default=None, sa_type=String(300))
    """Why the last attempt to write it to Klaviyo failed (a read-only key...)."""
    created_at: datetime = _when()
    updated_at: datetime = _when()


class MessageSource(SQLModel, table=True):
    """A campaign or flow (with the provider's id), or one of the fixed kinds."""

    __tablename__ = "message_source"
    __table_args__ = (UniqueConstraint("kind", "external_id", name="uq_source_kind_external"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=String(20))
    name: str = Field(sa_type=String(300))
    external_id: str | None = Field(default=None, sa_type=String(64))


class Conversation(SQLModel, table=True):
    """One per profile, opened by the profile's first non-keyword text.

    `last_message_at` and the preview live on the row so the inbox page is one
    indexed read; every filter combination has an index ending in
    (last_message_at, id), the keyset the inbox pages by.
    """

    __table_args__ = (
        Index("ix_conv_recent", "last_message_at", "id"),
        Index("ix_conv_status_recent", "status", "last_message_at", "id"),
        Index("ix_conv_unread_recent", "unread", "last_message_at", "id"),
        Index("ix_conv_status_unread_recent", "status", "unread", "last_message_at", "id"),
        Index("ix_conv_attr_recent", "attributed_source_id", "last_message_at", "id"),
        Index(
            "ix_conv_attr_status_unread_recent",
            "attributed_source_id",
            "status",
            "unread",
            "last_message_at",
            "id",
        ),
        Index("ix_conv_status_snooze", "status", "snooze_until"),
        Index("ix_conv_assignee_status_recent", "assignee_id", "status", "last_message_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(
        sa_column=Column(Integer, ForeignKey("profile.id"), nullable=False, unique=True)
    )
    status: str = Field(default=Status.OPEN.value, sa_type=String(10))
    snooze_until: datetime | None = _when(nullable=True)
    unread: bool = True
    last_message_at: datetime = _when()
    last_message_preview: str = Field(default="", sa_type=String(200))
    last_message_direction: str = Field(default=Direction.INBOUND.value, sa_type=String(10))
    waiting_since: datetime | None = _when(nullable=True)
    """Time of the oldest customer text that no reply the provider accepted has answered."""
    possible_opt_out_at: datetime | None = _when(nullable=True, index=True)
    """When the oldest customer text that reads as a request to stop, and that no agent
    has decided on yet, was written (see convo_tui.core.opt_out_review); None when none
    waits. Replies wait while it is set."""
    reply_pending_at: datetime | None = _when(nullable=True)
    """When the soonest agent reply still in the outbox goes out (a reply held for its
    send delay, scheduled, or being sent); None when none waits. Kept in step by
    convo_tui.core.outbox, so the inbox row shows it without a look at the outbox."""
    attributed_source_id: int | None = _fk("message_source.id")
    """The campaign or flow the latest attributed customer text answered."""
    assignee_id: int | None = _fk("agent.id")
    """The agent who owns the conversation (core.assignment); None: unassigned."""
    created_at: datetime = _when()
    updated_at: datetime = _when()
    updated_by_id: int | None = _fk("agent.id")


class Message(SQLModel, table=True):
    """One SMS or MMS, either way. Outbound ones without `provider_sid` are not sent yet.

    An agent's internal note is a row here too (direction "note", core.notes), so it
    takes its place in the thread, the search and the change stamp; it has no outbox
    row, and nothing sends a message that has none."""

    __table_args__ = (Index("ix_message_profile_time", "profile_id", "sent_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(sa_column=Column(Integer, ForeignKey("profile.id"), nullable=False))
    conversation_id: int | None = _fk("conversation.id")
    direction: str = Field(sa_type=String(10))
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    provider_sid: str | None = Field(
        default=None, sa_column=Column(String(64), unique=True, nullable=True)
    )
    status: str = Field(default="received", sa_type=String(24))
    error_code: int | None = None
    error_message: str | None = Field(default=None, sa_type=String(500))
    source_id: int | None = _fk("message_source.id")
    agent_id: int | None = _fk("agent.id")
    keyword: str | None = Field(default=None, sa_type=String(10))
    """The keyword kind when the whole text was a compliance keyword."""
    attributed_source_id: int | None = _fk("message_source.id")
    from_number: str = Field(default="", sa_type=String(20))
    to_number: str = Field(default="", sa_type=String(20))
    num_segments: int | None = None
    sent_at: datetime = _when()
    created_at: datetime = _when()
    updated_at: datetime = _when()


class MessageMedia(SQLModel, table=True):
    """An MMS attachment, shown as its type and URL."""

    __tablename__ = "message_media"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(
        sa_column=Column(Integer, ForeignKey("message.id"), nullable=False, index=True)
    )
    url: str = Field(sa_type=String(2048))
    content_type: str = Field(default="", sa_type=String(100))
    provider_sid: str | None = Field(default=None, sa_type=String(64))


class ActivityEvent(SQLModel, table=True):
    """Something that happened to a profile (Klaviyo metric names)."""

    __tablename__ = "activity_event"
    __table_args__ = (
        Index("ix_event_profile_time", "profile_id", "occurred_at"),
        Index("ix_event_profile_metric_time", "profile_id", "metric", "occurred_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(sa_column=Column(Integer, ForeignKey("profile.id"), nullable=False))
    metric: str = Field(sa_type=String(100))
    occurred_at: datetime = _when()
    properties: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    external_id: str | None = Field(
        default=None, sa_column=Column(String(64), unique=True, nullable=True)
    )
    message_id: int | None = _fk("message.id")
    agent_id: int | None = _fk("agent.id")


class ShopOrder(SQLModel, table=True):
    """An order from the shop platform, with its lines."""

    __tablename__ = "shop_order"
    __table_args__ = (Index("ix_order_profile_time", "profile_id", "placed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(sa_column=Column(Integer, ForeignKey("profile.id"), nullable=False))
    external_id: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    placed_at: datetime = _when()
    status: str = Field(default="placed", sa_type=String(30))
    currency: str = Field(default="USD", sa_type=String(3))
    total_cents: int = 0
    attributed_source_id: int | None = _fk("message_source.id")
    attributed_message_id: int | None = _fk("message.id")
    """The message whose short link was clicked before this order, if any."""
    number: str | None = Field(default=None, sa_type=String(64))
    """The order number the customer knows ("#1042"); None: the shop's id stands in."""
    tracking_number: str | None = Field(default=None, sa_type=String(100))
    tracking_url: str | None = Field(default=None, sa_type=String(500))
    """From the shop's fulfillment report, when the order has shipped."""


class OrderLine(SQLModel, table=True):
    __tablename__ = "order_line"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(
        sa_column=Column(Integer, ForeignKey("shop_order.id"), nullable=False, index=True)
    )
    product_name: str = Field(sa_type=String(300))
    sku: str | None = Field(default=None, sa_type=String(64))
    quantity: int = 1
    unit_price_cents: int = 0


class Setting(SQLModel, table=True):
    """One inbox setting; values are JSON, validated by convo_tui.core.settings."""

    key: str = Field(sa_column=Column(String(64), primary_key=True))
    value: Any = Field(default=None, sa_type=JSON)
    updated_at: datetime = _when()
    updated_by_id: int | None = _fk("agent.id")


class OutboxItem(SQLModel, table=True):
    """A reply waiting to be sent: committed here before any network call."""

    __tablename__ = "outbox_item"
    __table_args__ = (Index("ix_outbox_state_due", "state", "send_at"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(
        sa_column=Column(Integer, ForeignKey("message.id"), nullable=False, unique=True)
    )
    profile_id: int = Field(sa_column=Column(Integer, ForeignKey("profile.id"), nullable=False))
    state: str = Field(default=OutboxState.QUEUED.value, sa_type=String(12))
    send_at: datetime = _when()
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=String(500))
    agent_id: int | None = _fk("agent.id")
    created_at: datetime = _when()
    updated_at: datetime = _when()
    """For a `sending` item: when the send began (a reply in doubt is judged from it)."""
    accepted: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    """`sending` and accepted: the provider answered 2xx, unreadably; it is never sent again."""
    expires_at: datetime | None = _when(nullable=True)
    """Never sent after this: an opt-out confirmation is due within 5 minutes of the
    customer's text (64.1200(a)(12)), later it fails instead."""


class ReplyDraft(SQLModel, table=True):
    """A reply an agent started and has not sent: one per agent and conversation, so
    it stays with the customer it was written for (across moves and restarts)."""

    __tablename__ = "reply_draft"

    agent_id: int = Field(
        sa_column=Column(Integer, ForeignKey("agent.id"), primary_key=True, nullable=False)
    )
    conversation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("conversation.id"), primary_key=True, nullable=False)
    )
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    media: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    """Media URLs, one per line."""
    updated_at: datetime = _when()


class Notification(SQLModel, table=True):
    """A new customer text worth telling agents about (bell, email)."""

    __table_args__ = (Index("ix_notification_time", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(sa_column=Column(Integer, ForeignKey("profile.id"), nullable=False))
    message_id: int = Field(
        sa_column=Column(Integer, ForeignKey("message.id"), nullable=False, unique=True)
    )
    created_at: datetime = _when()
    emailed_at: datetime | None = _when(nullable=True)


class OptOutReview(SQLModel, table=True):
    """A customer text that reads as a request to stop texting (core.opt_out_intent),
    and what an agent decided about it: "opt_out" or "not_opt_out" with the reason."""

    __tablename__ = "opt_out_review"
    __table_args__ = (Index("ix_opt_out_review_open", "resolved_at", "flagged_at"),)

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(
        sa_column=Column(Integer, ForeignKey("profile.id"), nullable=False, index=True)
    )
    message_id: int = Field(
        sa_column=Column(Integer, ForeignKey("message.id"), nullable=False, unique=True)
    )
    phrase: str = Field(sa_type=String(200))
    """The words that read as the request (untrusted: shown literally)."""
    flagged_at: datetime = _when()
    """When the customer wrote it (the provider's time): the flag's age counts from it."""
    escalated_at: datetime | None = _when(nullable=True)
    escalation_emailed_at: datetime | None = _when(nullable=True)
    """When the escalation was emailed to the team (claimed by one process; see
    core.email_notify)."""
    resolved_at: datetime | None = _when(nullable=True)
    resolution: str | None = Field(default=None, sa_type=String(16))
    reason: str | None = Field(default=None, sa_type=String(500))
    resolved_by_id: int | None = _fk("agent.id")


class AuditEntry(SQLModel, table=True):
    """Who changed what: every state change an agent makes is recorded here."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_profile_time", "profile_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when()
    agent_id: int | None = _fk("agent.id")
    action: str = Field(sa_type=String(40))
    profile_id: int | None = _fk("profile.id")
    detail: str = Field(default="", sa_type=String(500))
    os_login: str | None = Field(default=None, sa_type=String(64))
    """The OS login of the process that acted (None: written before revision 0014). It is
    the agent's own login except on a demo, bench or test store (core.roles)."""


class AgentNotice(SQLModel, table=True):
    """Something for one agent: a mention in a note, a conversation given to them.
    Their TUI shows it once (by id); it is emailed when email notifications are on."""

    __tablename__ = "agent_notice"
    __table_args__ = (Index("ix_agent_notice_agent", "agent_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(sa_column=Column(Integer, ForeignKey("agent.id"), nullable=False))
    kind: str = Field(sa_type=String(16))
    """"mention" or "assigned"."""
    profile_id: int = Field(sa_column=Column(Integer, ForeignKey("profile.id"), nullable=False))
    message_id: int | None = _fk("message.id")
    """The note that mentions them."""
    by_agent_id: int | None = _fk("agent.id")
    """Who mentioned or assigned; None: auto-assignment."""
    created_at: datetime = _when()
    emailed_at: datetime | None = _when(nullable=True)


class Presence(SQLModel, table=True):
    """A running terminal inbox: whose it is, the conversation in view, whether they
    are typing. Refreshed every few seconds; a row not refreshed for PRESENCE_TTL is a
    session that died (core.presence)."""

    session_key: str = Field(sa_column=Column(String(40), primary_key=True))
    agent_id: int = Field(
        sa_column=Column(Integer, ForeignKey("agent.id"), nullable=False, index=True)
    )
    conversation_id: int | None = _fk("conversation.id")
    typing: bool = False
    started_at: datetime = _when()
    seen_at: datetime = _when(index=True)


class SavedReply(SQLModel, table=True):
    """A team's saved reply: a named text with `{{ variables }}` filled in per customer,
    and what sending it also does (core.saved_replies)."""

    __tablename__ = "saved_reply"
    __table_args__ = (UniqueConstraint("name", "language", name="uq_saved_reply_name_language"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(80))
    category: str = Field(default="", sa_type=String(60))
    language: str = Field(default="", sa_type=String(16))
    """A language code ("pt", "en"); "" is the default, for customers of any language."""
    body: str = Field(sa_type=String(1600))
    actions: Any = Field(default_factory=dict, sa_type=JSON)
    """Applied after a send: {"close": true, "snooze": "tomorrow", "tag": "wismo",
    "assign": "me"}; any of them, or none."""
    created_at: datetime = _when()
    updated_at: datetime = _when()
    updated_by_id: int | None = _fk("agent.id")


class Tag(SQLModel, table=True):
    """A free tag agents put on conversations ("wismo", "vip")."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(40), nullable=False, unique=True))
    created_at: datetime = _when()


class ConversationTag(SQLModel, table=True):
    """A tag on a conversation; (tag, conversation) is the index a tag filter reads."""

    __tablename__ = "conversation_tag"
    __table_args__ = (Index("ix_conversation_tag_tag", "tag_id", "conversation_id"),)

    conversation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("conversation.id"), primary_key=True)
    )
    tag_id: int = Field(sa_column=Column(Integer, ForeignKey("tag.id"), primary_key=True))


class ShortLink(SQLModel, table=True):
    """A short link code for a URL sent to one profile."""

    __tablename__ = "short_link"
    __table_args__ = (UniqueConstraint("profile_id", "url", name="uq_short_link_profile_url"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(16), nullable=False, unique=True))
    url: str = Field(sa_column=Column(Text, nullable=False))
    profile_id: int = Field(sa_column=Column(Integer, ForeignKey("profile.id"), nullable=False))
    message_id: int | None = _fk("message.id")
    """The message the link was last sent in."""
    clicks: int = 0
    created_at: datetime = _when()


class InboxTally(SQLModel, table=True):
    """How many conversations have each (status, unread, attribution, assignee): the
    inbox counts.

    Kept in step by triggers on `conversation` (convo_tui/store/dialect.py), so a count
    with any filter sums a handful of rows instead of walking an index of every
    conversation. `source_key` is the attributed source's id, `assignee_key` the
    assignee's, 0 for none.
    """

    __tablename__ = "inbox_tally"

    status: str = Field(sa_column=Column(String(10), primary_key=True))
    unread: bool = Field(sa_column=Column(Boolean, primary_key=True))
    source_key: int = Field(sa_column=Column(Integer, primary_key=True))
    assignee_key: int = Field(sa_column=Column(Integer, primary_key=True))
    n: int = Field(default=0, sa_column=Column(Integer, nullable=False))


class QuarantinedRecord(SQLModel, table=True):
    """A provider record that did not parse, kept raw (untrusted: shown literally) so
    the rest of its stream goes on and someone can look at it."""

    __tablename__ = "quarantined_record"
    __table_args__ = (UniqueConstraint("stream", "digest", name="uq_quarantine_record"),)

    id: int | None = Field(default=None, primary_key=True)
    stream: str = Field(sa_type=String(40))
    digest: str = Field(sa_type=String(64))
    """sha256 of `raw`: the same record seen again is counted, not stored again."""
    raw: str = Field(sa_type=Text)
    reason: str = Field(sa_type=String(500))
    seen: int = 1
    first_seen: datetime = _when()
    last_seen: datetime = _when()


class SyncCursor(SQLModel, table=True):
    """How far one provider stream has been read; saved with the rows it covers."""

    __tablename__ = "sync_cursor"

    stream: str = Field(sa_column=Column(String(40), primary_key=True))
    position: str = Field(default="", sa_type=String(200))
    updated_at: datetime = _when()


class SendHint(SQLModel, table=True):
    """Which campaign or flow a business text belongs to, learnt from the provider's
    "Received SMS" event (Twilio's message list does not say)."""

    __tablename__ = "send_hint"

    message_sid: str = Field(sa_column=Column(String(64), primary_key=True))
    kind: str = Field(sa_type=String(20))
    name: str = Field(sa_type=String(300))
    external_id: str | None = Field(default=None, sa_type=String(64))


class StoreMeta(SQLModel, table=True):
    """Facts about the store itself (e.g. that it holds demo data)."""

    __tablename__ = "store_meta"

    key: str = Field(sa_column=Column(String(64), primary_key=True))
    value: str = Field(default="", sa_type=String(500))


def pk(row: SQLModel) -> int:
    """The primary key of a row that has been flushed (ids exist from then on)."""
    value = getattr(row, "id", None)
    if value is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush the session first")
    return int(value)
