"""Texts from the provider applied in order, many in one transaction.

`process_inbound` (a customer's text) and `record_outbound` (a text the business
sent) are batches of one; sync hands over a page at a time. Within a batch each
text sees the ones before it exactly as if they had been stored one by one: the
profile one created, the conversation one opened or reopened, the campaign send
one recorded, the consent one changed, the auto-reply one earned. What differs is
the cost: the lookups are made once per batch (profiles by number, conversations
by profile, stored texts by provider id, recent sends and replies for
attribution, recent auto-replies) and the new rows are written together at the
end, messages first, then what points at them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, SQLModel, col, select

from convo_tui.core import (
    assignment,
    attribution,
    audit,
    autoreply,
    conversations,
    keywords,
    opt_out_intent,
    opt_out_review,
    outbox,
    profiles,
    sources,
    templates,
)
from convo_tui.core import settings as settings_mod
from convo_tui.core.texts import (
    DELIVERY_ERRORS,
    KEYWORD_METRICS,
    InboundResult,
    InboundText,
    Media,
    OutboundText,
    set_consent,
    update_status,
)
from convo_tui.store.dialect import in_lists
from convo_tui.store.kinds import Consent, Direction, KeywordKind, SourceKind, Status
from convo_tui.store.models import (
    ActivityEvent,
    Agent,
    Conversation,
    Message,
    MessageMedia,
    MessageSource,
    Notification,
    OptOutReview,
    OutboxItem,
    Profile,
    pk,
)

"""Provider ids per IN (...) list: well under SQLite's limit on bound parameters."""

log = logging.getLogger("convo.intake")

_PENDING_RANK = 2**62
"""Sends recorded in the batch rank after every stored one at the same moment (their
ids will be higher), in the order they came."""

_MESSAGE_DEFAULTS: dict[str, Any] = {
    "provider_sid": None,
    "keyword": None,
    "attributed_source_id": None,
    "error_code": None,
    "error_message": None,
    "agent_id": None,
}
"""Every new message row carries the same columns, so they go out in one statement."""


@dataclass(frozen=True)
class OutboundResult:
    message_id: int
    new: bool
    changed: bool = False
    """A message already stored got a new delivery status or error."""


Text = InboundText | OutboundText
Result = InboundResult | OutboundResult


def apply(
    session: Session,
    texts: Sequence[Text],
    *,
    now: datetime,
    settings: settings_mod.InboxSettings | None = None,
    auto_replies: bool = True,
) -> list[Result]:
    """Apply the inbound and outbound rules to `texts`, in this order, in the caller's
    transaction; one result per text. Without `auto_replies` (a first sync's history)
    no text earns an auto-reply."""
    return _Batch(session, now, settings, auto_replies=auto_replies).run(texts)


class _Row:
    """A message to insert; `conversation` gives its conversation id once flushed."""

    __slots__ = ("conversation", "id", "values")

    def __init__(self, values: dict[str, Any], conversation: Conversation | None) -> None:
        self.values = values
        self.conversation = conversation
        self.id: int | None = None


@dataclass(frozen=True)
class _Stored:
    id: int
    profile_id: int
    conversation_id: int | None


class _Batch:
    def __init__(
        self,
        session: Session,
        now: datetime,
        settings: settings_mod.InboxSettings | None,
        *,
        auto_replies: bool = True,
    ) -> None:
        self.session = session
        self.now = now
        self.auto_replies = auto_replies
        self._settings = settings
        self._stored: dict[str, _Stored] = {}
        self._existing: dict[str, Message] = {}
        self._profiles: dict[str, Profile] = {}
        self._conversations: dict[int, Conversation] = {}
        self._sends: dict[int, list[attribution.Send]] = defaultdict(list)
        self._replies: dict[int, list[datetime]] = defaultdict(list)
        self._auto_replied: dict[int, datetime] = {}
        self._sources: dict[tuple[SourceKind, str | None], MessageSource] = {}
        self._agents: dict[str, int | None] = {}
        self._rank = _PENDING_RANK
        self._by_sid: dict[str, _Row] = {}
        self._rows: list[_Row] = []
        self._dependents: dict[type[SQLModel], list[tuple[dict[str, Any], _Row]]] = {}
        self._round_robin: assignment.RoundRobin | None = None
        self._stopped: dict[int, datetime] = {}
        """Flagged profiles that texted a keyword opt-out: their flags close after the write."""

    @property
    def settings(self) -> settings_mod.InboxSettings:
        if self._settings is None:
            self._settings = settings_mod.load(self.session)
        return self._settings

    def run(self, texts: Sequence[Text]) -> list[Result]:
        self._prepare(texts)
        with self.session.no_autoflush:
            outcomes = [
                self._inbound(text) if isinstance(text, InboundText) else self._outbound(text)
                for text in texts
            ]
        self._write()
        for profile_id, at in self._stopped.items():
            opt_out_review.close_by_keyword(self.session, profile_id, at=at, now=self.now)
        return [outcome() for outcome in outcomes]

    # Lookups, once per batch ----------------------------------------------

    def _prepare(self, texts: Sequence[Text]) -> None:
        session = self.session
        sids = list(dict.fromkeys(text.provider_sid for text in texts))
        for part in in_lists(sids):
            rows = session.exec(
                select(
                    Message.provider_sid, Message.id, Message.profile_id, Message.conversation_id
                ).where(col(Message.provider_sid).in_(part))
            )
            for sid, message_id, profile_id, conversation_id in rows:
                if sid is not None and message_id is not None:
                    self._stored[sid] = _Stored(message_id, profile_id, conversation_id)
        updated = [
            self._stored[text.provider_sid].id
            for text in texts
            if isinstance(text, OutboundText) and text.provider_sid in self._stored
        ]
        for ids in in_lists(updated):
            messages = session.exec(select(Message).where(col(Message.id).in_(ids)))
            self._existing.update((m.provider_sid, m) for m in messages if m.provider_sid)

        seen = set(self._stored)
        fresh: list[Text] = []
        for text in texts:
            if text.provider_sid not in seen:
                seen.add(text.provider_sid)
                fresh.append(text)
        self._profiles = profiles.get_or_create_many(
            session,
            (t.from_number if isinstance(t, InboundText) else t.to_number for t in fresh),
            now=self.now,
        )
        self._conversations = profiles.conversations_of(
            session, [pk(p) for p in self._profiles.values()]
        )

        replies = [
            t for t in fresh if isinstance(t, InboundText) and keywords.classify(t.body) is None
        ]
        if not replies:
            return
        settings = self.settings
        ids = list(dict.fromkeys(pk(self._profiles[t.from_number]) for t in replies))
        start_at = min(t.sent_at for t in replies) - timedelta(
            hours=settings.attribution_window_hours
        )
        end_at = max(t.sent_at for t in replies)
        self._sends.update(attribution.sends_between(session, ids, start_at, end_at))
        self._replies.update(attribution.replies_between(session, ids, start_at, end_at))
        if settings.auto_reply_enabled and settings.auto_reply_cooldown_hours:
            since = self.now - timedelta(hours=settings.auto_reply_cooldown_hours)
            self._auto_replied = autoreply.last_auto_replies(session, ids, since=since)
            # The provider marks no text as an auto-reply: one another store sent comes in
            # as a plain business text, in this batch (even just after the customer's
            # text) or stored before. Any of them within the cooldown counts as one.
            for text in fresh:
                if (
                    isinstance(text, OutboundText)
                    and text.source_kind in autoreply.ANSWERS_LIKE_AUTO_REPLY
                    and text.sent_at > since
                ):
                    self._note_auto_reply(pk(self._profiles[text.to_number]), text.sent_at)

    def _source(self, kind: SourceKind, name: str, external_id: str | None) -> MessageSource:
        """`sources.ensure`, asked once per campaign or flow in the batch."""
        source = self._sources.get((kind, external_id))
        if source is None:
            source = sources.ensure(self.session, kind, name, external_id=external_id)
            self._sources[kind, external_id] = source
        elif name and source.name != name:
            source.name = name
        return source

    def _agent_id(self, login: str) -> int | None:
        if login not in self._agents:
            agent = self.session.exec(select(Agent).where(Agent.login == login)).first()
            self._agents[login] = agent.id if agent else None
        return self._agents[login]

    # The rules, text by text ----------------------------------------------

    def _inbound(self, text: InboundText) -> Callable[[], Result]:
        earlier = self._by_sid.get(text.provider_sid)
        if earlier is not None:  # the same provider message twice in one batch
            return lambda: InboundResult(
                message_id=_id(earlier),
                profile_id=earlier.values["profile_id"],
                duplicate=True,
                conversation_id=earlier.values["conversation_id"],
            )
        stored = self._stored.get(text.provider_sid)
        if stored is not None:
            duplicate = InboundResult(
                message_id=stored.id,
                profile_id=stored.profile_id,
                duplicate=True,
                conversation_id=stored.conversation_id,
            )
            return lambda: duplicate
        now = self.now
        profile = self._profiles[text.from_number]
        profile_id = pk(profile)
        conversation = self._conversations.get(profile_id)
        keyword = keywords.classify(text.body)
        values: dict[str, Any] = {
            "profile_id": profile_id,
            "direction": Direction.INBOUND.value,
            "body": text.body,
            "provider_sid": text.provider_sid,
            "status": text.status,
            "source_id": sources.fixed_customer(self.session).id,
            "keyword": keyword.value if keyword else None,
            "from_number": text.from_number,
            "to_number": text.to_number,
            "sent_at": text.sent_at,
            "created_at": now,
            "updated_at": now,
        }
        if keyword is not None:
            row = self._message(values, conversation, text.media)
            self._apply_keyword(profile, keyword, row, text)
            return lambda: InboundResult(
                message_id=_id(row),
                profile_id=profile_id,
                keyword=keyword,
                conversation_id=row.values["conversation_id"],
            )

        settings = self.settings
        attributed = attribution.choose(
            self._sends[profile_id],
            self._replies[profile_id],
            text.sent_at,
            settings.attribution_window_hours,
        )
        self._replies[profile_id].append(text.sent_at)
        values["attributed_source_id"] = attributed
        if profile.blocked:
            row = self._message(values, conversation, text.media)
            return lambda: InboundResult(
                message_id=_id(row),
                profile_id=profile_id,
                conversation_id=row.values["conversation_id"],
                attributed_source_id=attributed,
            )

        # A person wrote to us, so the conversation opens; a text that reads as a request
        # to stop flags it, and nothing goes to them until an agent decides.
        phrase = (
            opt_out_intent.probable_opt_out(text.body)
            if profile.sms_consent != Consent.UNSUBSCRIBED.value
            else None
        )
        opened = reopened = False
        if conversation is None:
            conversation = Conversation(
                profile_id=profile_id,
                status=Status.OPEN.value,
                unread=True,
                last_message_at=text.sent_at,
                waiting_since=text.sent_at,
                created_at=now,
                updated_at=now,
            )
            self.session.add(conversation)
            self._conversations[profile_id] = conversation
            opened = True
        elif conversation.status != Status.OPEN.value:
            conversation.status = Status.OPEN.value
            conversation.snooze_until = None
            reopened = True
        conversation.unread = True
        if conversation.waiting_since is None or text.sent_at < conversation.waiting_since:
            conversation.waiting_since = text.sent_at
        if attributed is not None:
            conversation.attributed_source_id = attributed
        if settings.team_auto_assign == "round_robin" and not profile.blocked:
            if self._round_robin is None:
                self._round_robin = assignment.RoundRobin(self.session, now)
            self._round_robin.give(conversation, profile_id)
        row = self._message(values, conversation, text.media)
        conversations.note(
            conversation,
            sent_at=text.sent_at,
            body=text.body,
            direction=Direction.INBOUND.value,
            updated_at=now,
        )

        if phrase is not None:
            opt_out_review.note_flag(conversation, text.sent_at)
            opt_out_review.hold_waiting(self.session, profile_id, now)
            self._later(
                OptOutReview, opt_out_review.flag_values(profile_id, phrase, text.sent_at), row
            )
            audit.record(
                self.session,
                None,
                "opt_out.flagged",
                now=now,
                profile_id=profile_id,
                detail=f"possible opt-out: {phrase!r}",
            )
        auto_reply: _Row | None = None
        if (
            phrase is None
            and self.auto_replies
            and autoreply.wanted(
                profile,
                settings,
                received_at=text.sent_at,
                now=now,
                last_auto_reply=self._auto_replied.get(profile_id),
            )
        ):
            missing = autoreply.empty_variables(profile, settings)
            if missing:
                self._skip_auto_reply(profile, missing)
            else:
                auto_reply = self._queue_auto_reply(profile, conversation)
        self._later(Notification, {"profile_id": profile_id, "created_at": now}, row)
        final = conversation
        return lambda: InboundResult(
            message_id=_id(row),
            profile_id=profile_id,
            conversation_id=final.id,
            opened=opened,
            reopened=reopened,
            attributed_source_id=attributed,
            auto_reply_id=_id(auto_reply) if auto_reply is not None else None,
            notified=True,
        )

    def _apply_keyword(
        self, profile: Profile, keyword: KeywordKind, row: _Row, text: InboundText
    ) -> None:
        if keyword is KeywordKind.OPT_OUT:
            was_out = profile.sms_consent == Consent.UNSUBSCRIBED.value
            set_consent(profile, Consent.UNSUBSCRIBED, text.sent_at)
            # Twilio's filter acted on a bare keyword itself (and Klaviyo, whose number
            # it is, learns it there); anything wider only convo saw.
            only_here = keywords.provider_keyword(text.body) is not KeywordKind.OPT_OUT
            if profile.consent_updated_at == text.sent_at and only_here:  # not overtaken
                opt_out_review.mark_for_klaviyo(profile, text.sent_at)
                if not was_out:
                    self._confirm(profile, text)
            conversation = self._conversations.get(pk(profile))
            if conversation is not None and conversation.possible_opt_out_at is not None:
                self._stopped[pk(profile)] = text.sent_at
        elif keyword is KeywordKind.OPT_IN:
            set_consent(profile, Consent.SUBSCRIBED, text.sent_at)
            if profile.consent_updated_at == text.sent_at:
                profile.klaviyo_opt_out_pending_at = None  # nothing to tell it any more
        elif keyword is KeywordKind.HELP:
            self._help(profile)
        event = {
            "profile_id": pk(profile),
            "metric": KEYWORD_METRICS[keyword],
            "occurred_at": text.sent_at,
            "properties": {"keyword": text.body.strip().upper(), "method": "keyword"},
        }
        self._later(ActivityEvent, event, row)

    def _confirm(self, profile: Profile, text: InboundText) -> None:
        """The single confirmation of an opt-out the provider's filter did not see: only
        live (not a first sync's history), within 5 minutes of the text, never blocked."""
        if not self.auto_replies or profile.blocked:
            return
        if opt_out_review.skip_confirmation(
            self.session, profile, self.settings, opted_out_at=text.sent_at, now=self.now
        ):
            return
        body = opt_out_review.confirmation_text(profile, self.settings)
        self._queue(
            profile,
            self._conversations.get(pk(profile)),
            body,
            SourceKind.OPT_OUT_CONFIRMATION,
            expires_at=text.sent_at + opt_out_review.CONFIRM_WITHIN,
        )
        audit.record(
            self.session, None, "opt_out.confirmation", now=self.now, profile_id=pk(profile)
        )

    def _help(self, profile: Profile) -> None:
        """HELP and INFO get convo's help reply when the provider's filter does not
        answer them (help.answered_by); never to a blocked or opted-out customer."""
        settings = self.settings
        if (
            settings.help_answered_by != "convo"
            or not self.auto_replies
            or profile.blocked
            or profile.sms_consent == Consent.UNSUBSCRIBED.value
        ):
            return
        missing = autoreply.empty_variables(profile, settings, settings.help_reply)
        if missing:
            reason = autoreply.skip_reason(missing)
            audit.record(
                self.session,
                None,
                "help.skipped",
                now=self.now,
                profile_id=pk(profile),
                detail=reason,
            )
            return
        body = templates.render_template(
            settings.help_reply, autoreply.variables(profile, settings)
        )
        self._queue(profile, self._conversations.get(pk(profile)), body, SourceKind.KEYWORD_REPLY)

    def _queue_auto_reply(self, profile: Profile, conversation: Conversation) -> _Row:
        """The auto-reply waits in the outbox (as `outbox.enqueue` would queue it)."""
        row = self._queue(
            profile, conversation, autoreply.text_for(profile, self.settings), SourceKind.AUTO_REPLY
        )
        self._note_auto_reply(pk(profile), row.values["sent_at"])
        return row

    def _queue(
        self,
        profile: Profile,
        conversation: Conversation | None,
        body: str,
        kind: SourceKind,
        *,
        expires_at: datetime | None = None,
    ) -> _Row:
        """An automatic text waits in the outbox (as `outbox.enqueue` would queue it)."""
        settings, now = self.settings, self.now
        values = outbox.queued_message_values(
            profile,
            conversation_id=None,
            body=body,
            source_id=sources.fixed(self.session, kind).id,
            agent_id=None,
            send_at=now,
            now=now,
            from_number=settings.business_number,
        )
        row = self._message(values, conversation, ())
        item = outbox.item_values(
            message_id=None,
            profile_id=pk(profile),
            send_at=now,
            agent_id=None,
            now=now,
            expires_at=expires_at,
        )
        self._later(OutboxItem, item, row)
        return row

    def _skip_auto_reply(self, profile: Profile, missing: list[str]) -> None:
        """Never half-filled: recorded (audit, log) where the team can see why none went."""
        reason = autoreply.skip_reason(missing)
        audit.record(
            self.session,
            None,
            "auto_reply.skipped",
            now=self.now,
            profile_id=pk(profile),
            detail=reason,
        )
        log.warning("auto-reply to profile %s not sent: %s", pk(profile), reason)

    def _note_auto_reply(self, profile_id: int, at: datetime) -> None:
        last = self._auto_replied.get(profile_id)
        if last is None or at > last:
            self._auto_replied[profile_id] = at

    def _outbound(self, text: OutboundText) -> Callable[[], Result]:
        now = self.now
        earlier = self._by_sid.get(text.provider_sid)
        if earlier is not None:
            # The same provider message twice in one batch: store what is pending, then
            # update it like any stored message.
            self._write()
            message = self.session.get(Message, _id(earlier))
        else:
            message = self._existing.get(text.provider_sid)
        if message is not None:
            before = (message.status, message.error_code)
            update_status(message, text.status, text.error_code, now=now)
            updated = OutboundResult(
                pk(message), new=False, changed=(message.status, message.error_code) != before
            )
            return lambda: updated

        profile = self._profiles[text.to_number]
        profile_id = pk(profile)
        if text.source_kind in (SourceKind.CAMPAIGN, SourceKind.FLOW):
            source = self._source(text.source_kind, text.source_name, text.source_external_id)
        else:
            source = sources.fixed(self.session, text.source_kind)
        conversation = self._conversations.get(profile_id)
        values: dict[str, Any] = {
            "profile_id": profile_id,
            "direction": Direction.OUTBOUND.value,
            "body": text.body,
            "provider_sid": text.provider_sid,
            "status": text.status,
            "error_code": text.error_code,
            "error_message": DELIVERY_ERRORS.get(text.error_code) if text.error_code else None,
            "source_id": source.id,
            "agent_id": self._agent_id(text.agent_login) if text.agent_login else None,
            "from_number": text.from_number,
            "to_number": text.to_number,
            "sent_at": text.sent_at,
            "created_at": now,
            "updated_at": now,
        }
        row = self._message(values, conversation, text.media)
        # Only agents' replies move a conversation up the inbox; blasts and automatic
        # texts would bury the customers' own words (see outbox.enqueue).
        if conversation is not None and text.source_kind is SourceKind.AGENT_REPLY:
            conversations.note(
                conversation,
                sent_at=text.sent_at,
                body=text.body,
                direction=Direction.OUTBOUND.value,
                updated_at=now,
            )
            if (
                conversation.waiting_since is not None
                and conversation.waiting_since <= text.sent_at
            ):
                conversation.waiting_since = None
        if source.kind in attribution.ATTRIBUTABLE:
            self._rank += 1
            self._sends[profile_id].append(attribution.Send(text.sent_at, self._rank, pk(source)))
        elif text.source_kind is SourceKind.AUTO_REPLY:
            self._note_auto_reply(profile_id, text.sent_at)
        return lambda: OutboundResult(_id(row), new=True)

    # Writing ----------------------------------------------------------------

    def _message(
        self, values: dict[str, Any], conversation: Conversation | None, media: Sequence[Media]
    ) -> _Row:
        row = _Row({**_MESSAGE_DEFAULTS, **values}, conversation)
        self._rows.append(row)
        if row.values["provider_sid"] is not None:
            self._by_sid[row.values["provider_sid"]] = row
        for item in media:
            self._later(
                MessageMedia,
                {
                    "url": item.url,
                    "content_type": item.content_type,
                    "provider_sid": item.provider_sid,
                },
                row,
            )
        return row

    def _later(self, model: type[SQLModel], values: dict[str, Any], message: _Row) -> None:
        """A row that points at `message`, inserted once the message has its id."""
        self._dependents.setdefault(model, []).append((values, message))

    def _write(self) -> None:
        session = self.session
        session.flush()  # new conversations get their ids; changed rows go out
        rows, self._rows = self._rows, []
        if rows:
            for row in rows:
                conversation = row.conversation
                row.values["conversation_id"] = conversation.id if conversation else None
            ids = session.scalars(
                insert(Message)
                .returning(col(Message.id), sort_by_parameter_order=True)
                .execution_options(render_nulls=True),
                [row.values for row in rows],
            ).all()
            for row, message_id in zip(rows, ids, strict=True):
                row.id = message_id
        dependents, self._dependents = self._dependents, {}
        for model, entries in dependents.items():
            for values, message in entries:
                values["message_id"] = _id(message)
            session.execute(
                insert(model).execution_options(render_nulls=True),
                [values for values, _message in entries],
            )


def _id(row: _Row) -> int:
    if row.id is None:
        raise ValueError("message not written yet")
    return row.id
