"""The agent's desk: every read and action of the terminal UI, as plain blocking calls.

The UI runs each of these in a thread worker, never on its event loop. They
open a store session, call the same core functions the CLI calls, and return
small frozen dataclasses; no Textual here, so the desk is tested headless too.
Every action re-identifies the agent in its own write transaction, so a role
changed meanwhile takes effect at once and the audit log names who acted.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from convo_tui import clock, file_modes, paths, phones
from convo_tui.core import (
    agents,
    arrival,
    assignment,
    changes,
    compose,
    controls,
    conversation_read,
    conversations,
    coupons,
    drafts,
    notes,
    notices,
    opt_out_review,
    outbox,
    presence,
    profiles,
    queries,
    recipient_time,
    replies,
    saved_replies,
    search,
    snooze,
    tags,
    timezones,
    undo,
)
from convo_tui.core import settings as settings_mod
from convo_tui.core.roles import CHANGE_SETTINGS
from convo_tui.core.rows import (
    THREAD_PAGE,
    UNASSIGNED,
    ConversationHead,
    DraftText,
    EventRow,
    InboxFilter,
    InboxRow,
    OrderRow,
    Present,
    ReplyQueued,
    SearchResults,
)
from convo_tui.core.undo import Change
from convo_tui.errors import NotFound
from convo_tui.session.views import (
    AgentChoice,
    ConversationView,
    Me,
    PossibleOptOut,
    ProfileCard,
    ReplyRefusal,
    SavedReplyChoices,
    Sent,
    SettingsView,
    SourceChoice,
)
from convo_tui.store import dialect
from convo_tui.store.engine import Store
from convo_tui.store.kinds import SourceKind
from convo_tui.store.models import Agent, Conversation, MessageSource, Profile

Clock = Callable[[], datetime]


class Desk:
    """One agent's view of one store."""

    def __init__(self, store: Store, login: str, *, now: Clock = clock.utcnow) -> None:
        self.store = store
        self.login = login
        self.now = now
        self._watch_lock = threading.Lock()
        self._watch_conn: Connection | None = None

    # -- identity -----------------------------------------------------------------

    def identify(self) -> Me:
        """Who is using the UI; refused (AccessDenied) for roles without inbox access."""
        now = self.now()
        arrival.claim_first_run(self.store, self.login, now=now)
        self.wake_due()
        with self.store.read() as session:
            agent = agents.identify(session, self.login, now=now)
            return Me(
                agent.login,
                agent.name or agent.login,
                agent.role,
                timezones.agent_zone(agent).zone or "UTC",
                agent.role in CHANGE_SETTINGS,
                agent.id,
            )

    @contextmanager
    def _acting(self) -> Iterator[tuple[Session, Agent, datetime]]:
        now = self.now()
        with self.store.write() as session:
            agent = agents.identify(session, self.login, now=now)
            yield session, agent, now

    # -- inbox --------------------------------------------------------------------

    def inbox_window(
        self,
        flt: InboxFilter,
        *,
        limit: int,
        after: tuple[datetime, int] | None = None,
        before: tuple[datetime, int] | None = None,
        offset: int = 0,
        last: int | None = None,
    ) -> list[InboxRow]:
        with self.store.read() as session:
            return queries.inbox_window(
                session, flt, limit=limit, after=after, before=before, offset=offset, last=last
            )

    def inbox_row(self, conversation_id: int) -> InboxRow | None:
        with self.store.read() as session:
            return queries.inbox_row(session, conversation_id)

    def view_counts(self, flt: InboxFilter) -> tuple[int, int, int]:
        """How many conversations the filter matches in each view: mine, nobody's, all."""
        with self.store.read() as session:
            me = agents.identify(session, self.login, now=self.now())
            mine, nobody, every = (
                queries.inbox_count(session, replace(flt, assignee=who))
                for who in (int(me.id or 0), UNASSIGNED, None)
            )
            return mine, nobody, every

    def counts(self, flt: InboxFilter) -> tuple[int, int, bool]:
        """(conversations matching `flt`, unread conversations, whether to show unread)."""
        with self.store.read() as session:
            show = settings_mod.load(session).notifications_unread_indicator
            return queries.inbox_count(session, flt), queries.unread_count(session), show

    def opt_outs_waiting(self) -> tuple[int, datetime | None, int]:
        """Conversations waiting for an opt-out decision, since when the oldest has, and
        opt-outs recorded here that Klaviyo refused (its campaigns may still text them)."""
        with self.store.read() as session:
            flagged, since = opt_out_review.count_open(session)
            return flagged, since, opt_out_review.klaviyo_refused(session)

    def open_flag(self, profile_id: int) -> PossibleOptOut | None:
        """The customer's text that reads as a request to stop, if still undecided."""
        with self.store.read() as session:
            found = opt_out_review.open_flags(session, profile_id=profile_id)
        if not found:
            return None
        flag = found[0]
        return PossibleOptOut(flag.profile_id, flag.name, flag.body, flag.phrase, flag.flagged_at)

    def resolve_opt_out(
        self, profile_id: int, *, opt_out: bool, reason: str = ""
    ) -> opt_out_review.Resolved:
        """The agent's decision on a possible opt-out (audited): opt them out, or say why
        it is not one (held replies go on). Refused without a reason; NotFound if decided."""
        with self._acting() as (session, agent, now):
            return opt_out_review.resolve(
                session,
                self._profile_for(session, profile_id),
                agent,
                opt_out=opt_out,
                reason=reason,
                now=now,
            )

    def has_conversations(self) -> bool:
        """Whether the store holds any conversation at all (an empty one says what to do)."""
        with self.store.read() as session:
            return session.exec(select(Conversation.id).limit(1)).first() is not None

    def sources(self) -> list[SourceChoice]:
        with self.store.read() as session:
            rows = session.exec(
                select(MessageSource)
                .where(
                    col(MessageSource.kind).in_([SourceKind.CAMPAIGN.value, SourceKind.FLOW.value])
                )
                .order_by(col(MessageSource.name))
            ).all()
            return [SourceChoice(int(s.id or 0), s.kind, s.name) for s in rows]

    # -- one conversation ---------------------------------------------------------

    def conversation(
        self,
        conversation_id: int,
        *,
        limit: int | None = THREAD_PAGE,
        focus_message_id: int | None = None,
        mark_read: bool = False,
        side: bool = True,
    ) -> ConversationView:
        """The conversation with its thread, profile, activity and orders.

        `mark_read` (opening it) marks it read first; `focus_message_id` loads
        history back to that message. Without `side` (a preview whose panel shows
        the profile) the activity and orders are left out: `side_details` brings
        them when they are shown.
        """
        if mark_read:
            with self._acting() as (session, agent, now):
                found = session.get(Conversation, conversation_id)
                if found is not None and found.unread:
                    conversations.set_unread(session, found, agent, False, now=now)
        now = self.now()
        with self.store.read() as session:
            read = conversation_read.head(session, conversation_id, self.login)
            if read is None:
                raise NotFound(f"conversation {conversation_id} no longer exists", "")
            head, draft = read
            settings = settings_mod.load(session)
            pid = head.profile_id
            if focus_message_id is not None:
                depth = conversation_read.thread_depth(session, pid, focus_message_id)
                limit = None if limit is None else max(limit, depth)
            messages = conversation_read.thread(session, pid, limit=limit)
            metrics, events, orders = self._side(session, pid) if side else ((), (), ())
        # The head is both the profile the rules read and the conversation it has.
        block = replies.why_not(head, head, settings)
        return ConversationView(
            conversation_id=conversation_id,
            profile_id=pid,
            status=head.status,
            unread=head.unread,
            snooze_until=head.snooze_until,
            waiting_since=head.waiting_since,
            attributed_to=head.attributed_to,
            possible_opt_out_at=head.possible_opt_out_at,
            card=self._card(head, settings, now),
            refusal=None
            if block is None
            else ReplyRefusal(block.reason.value, block.message, block.fix),
            messages=tuple(messages),
            total_messages=head.total_messages,
            metrics=metrics,
            events=events,
            orders=orders,
            focus_message_id=focus_message_id,
            loaded_at=now,
            draft=draft,
            side_loaded=side,
            assignee=head.assignee_login,
        )

    def side_details(
        self, profile_id: int
    ) -> tuple[tuple[str, ...], tuple[EventRow, ...], tuple[OrderRow, ...]]:
        """The metrics, events and orders a preview without `side` left out."""
        with self.store.read() as session:
            return self._side(session, profile_id)

    def _side(
        self, session: Session, profile_id: int
    ) -> tuple[tuple[str, ...], tuple[EventRow, ...], tuple[OrderRow, ...]]:
        return (
            queries.metrics(session, profile_id),
            tuple(queries.events(session, profile_id, limit=50)),
            tuple(queries.orders(session, profile_id, limit=20)),
        )

    @staticmethod
    def _card(
        head: ConversationHead, settings: settings_mod.InboxSettings, now: datetime
    ) -> ProfileCard:
        zone = recipient_time.zone_of(head, now)
        quiet = recipient_time.check(
            zone, now, start=settings.quiet_hours_start, end=settings.quiet_hours_end
        )
        address = tuple(a for a in (head.address1, head.address2, head.zip) if a and a.strip())
        place = ", ".join(p for p in (head.city, head.region, head.country) if p)
        coordinates = ""
        if head.latitude is not None and head.longitude is not None:
            coordinates = f"{head.latitude:.4f}, {head.longitude:.4f}"
        return ProfileCard(
            profile_id=head.profile_id,
            name=profiles.display_name(head),
            phone=phones.pretty(head.phone),
            email=head.email,
            consent=head.sms_consent,
            blocked=head.blocked,
            address=address,
            place=place,
            zone=zone.describe(),
            zone_every=zone.describe(every=True),
            local_time=quiet.local,
            quiet=quiet.quiet,
            local_words=quiet.local_words(),
            coordinates=coordinates,
            klaviyo=opt_out_review.klaviyo_words(
                head.klaviyo_opt_out_pending_at, head.klaviyo_opt_out_error
            ),
        )

    def events(self, profile_id: int, metric: str | None) -> list[EventRow]:
        with self.store.read() as session:
            return queries.events(session, profile_id, metric=metric, limit=50)

    # -- actions ------------------------------------------------------------------

    def _conversation_for(self, session: Session, conversation_id: int) -> Conversation:
        found = session.get(Conversation, conversation_id)
        if found is None:
            raise NotFound(f"conversation {conversation_id} no longer exists", "")
        return found

    def _profile_for(self, session: Session, profile_id: int) -> Profile:
        found = session.get(Profile, profile_id)
        if found is None:
            raise NotFound(f"profile {profile_id} no longer exists", "")
        return found

    @contextmanager
    def _changing(
        self, action: str, conversation_id: int | None = None, profile_id: int | None = None
    ) -> Iterator[tuple[Session, Agent, datetime, Conversation | None, Profile, list[Change]]]:
        """An action's transaction, recording what it changed (the undo of it)."""
        with self._acting() as (session, agent, now):
            if conversation_id is not None:
                conv: Conversation | None = self._conversation_for(session, conversation_id)
                assert conv is not None
                profile = self._profile_for(session, conv.profile_id)
            else:
                assert profile_id is not None
                profile = self._profile_for(session, profile_id)
                conv = profiles.conversation_of(session, profile)
            before = undo.state_of(conv, profile)
            out: list[Change] = []
            yield session, agent, now, conv, profile, out
            session.flush()
            out.append(
                Change(
                    action,
                    int(conv.id or 0) if conv is not None else 0,
                    int(profile.id or 0),
                    before,
                    undo.state_of(conv, profile),
                )
            )

    def close(self, conversation_id: int) -> Change:
        with self._changing("conversation.close", conversation_id) as (s, a, now, c, _, out):
            assert c is not None
            conversations.close(s, c, a, now=now)
        return out[0]

    def reopen(self, conversation_id: int) -> Change:
        with self._changing("conversation.reopen", conversation_id) as (s, a, now, c, _, out):
            assert c is not None
            conversations.reopen(s, c, a, now=now)
        return out[0]

    def set_unread(self, conversation_id: int, unread: bool) -> Change:
        action = "conversation.mark_unread" if unread else "conversation.mark_read"
        with self._changing(action, conversation_id) as (s, a, now, c, _, out):
            assert c is not None
            conversations.set_unread(s, c, a, unread, now=now)
        return out[0]

    def snooze(self, conversation_id: int, until: datetime) -> Change:
        with self._changing("conversation.snooze", conversation_id) as (s, a, now, c, _, out):
            assert c is not None
            conversations.snooze(s, c, a, until, now=now)
        return out[0]

    def block(self, profile_id: int) -> Change:
        with self._changing("profile.block", profile_id=profile_id) as (s, a, now, c, p, out):
            conversations.block(s, p, c, a, now=now)
        return out[0]

    def unblock(self, profile_id: int) -> Change:
        with self._changing("profile.unblock", profile_id=profile_id) as (s, a, now, _, p, out):
            conversations.unblock(s, p, a, now=now)
        return out[0]

    def assign(self, conversation_id: int, login: str | None) -> tuple[Change, str]:
        """Give the conversation to `login` (None: to nobody); the change (for undo) and
        what it says ("assigned to bea")."""
        with self._changing("conversation.assign", conversation_id) as (s, a, now, c, _, out):
            assert c is not None
            done = assignment.assign(s, c, a, login, now=now)
        if done.after is None:
            words = "unassigned"
        else:
            words = "assigned to you" if done.after == self.login else f"assigned to {done.after}"
        return out[0], words if done.changed else f"already {words}"

    def assignable(self) -> list[AgentChoice]:
        """Agents a conversation can be given to (active, with an inbox role)."""
        with self.store.read() as session:
            return [
                AgentChoice(a.login, a.name or a.login, a.role)
                for a in assignment.assignable(session)
            ]

    def add_note(self, profile_id: int, body: str) -> notes.NoteAdded:
        """An internal note on the conversation (never sent); tells the @mentioned."""
        with self._acting() as (session, agent, now):
            return notes.add_note(
                session, agent, self._profile_for(session, profile_id), body, now=now
            )

    def undo(self, change: Change) -> None:
        """Put back what `change` changed; Refused (nothing written) if changed since."""
        with self._acting() as (session, agent, now):
            profile = self._profile_for(session, change.profile_id)
            conv = (
                session.get(Conversation, change.conversation_id)
                if change.conversation_id
                else None
            )
            undo.revert(session, change, conv, profile, agent, now=now)

    def unsend(self, queued: ReplyQueued, draft: DraftText | None = None) -> DraftText:
        """Recall a queued reply (audited as `outbox.recall`) and put its text back as
        the conversation's draft, before `draft` (what the box holds now; None: the stored
        draft). Returns the draft kept. Refused once the sync has taken the reply."""
        with self._acting() as (session, agent, now):
            recalled = outbox.recall(session, queued.message_id, agent, now=now)
            aid, cid = int(agent.id or 0), queued.conversation_id
            base = drafts.load(session, aid, cid) if draft is None else draft
            kept = undo.restored(recalled.body, recalled.media, base)
            drafts.save(session, aid, cid, kept.body, kept.media, now=now)
            return kept

    def store_warnings(self) -> list[str]:
        """What users other than the team can read of a SQLite store, each with its fix."""
        database = self.store.sqlite_file
        if database is None:
            return []
        return file_modes.store_warnings(database, paths.data_dir())

    def wake_due(self) -> int:
        """Open snoozed conversations whose time has come (a cheap read when none are due)."""
        return arrival.wake_due(self.store, now=self.now())

    # -- replying -----------------------------------------------------------------

    def prepare(self, profile_id: int, body: str, media: Sequence[str]) -> compose.Draft:
        """What a reply would cost and whether it lands in quiet hours; Refused if not allowed."""
        now = self.now()
        with self.store.read() as session:
            profile = self._profile_for(session, profile_id)
            settings = settings_mod.load(session)
            replies.check_allowed(session, profile, settings)
            replies.check_content(body, media)
            return compose.draft(profile, body, settings, now=now)

    def send(
        self,
        profile_id: int,
        body: str,
        media: Sequence[str],
        *,
        send_at: datetime | None = None,
        seen_id: int | None = None,
        force: bool = False,
    ) -> Sent:
        """Queue the reply in the outbox (now, or at `send_at`); Refused with the reason if not.

        `seen_id` is the newest message the agent had on screen: the reply is held
        (rows.Held, nothing written) when the thread moved on since, unless `force`."""
        with self._acting() as (session, agent, now):
            profile = self._profile_for(session, profile_id)
            settings = settings_mod.load(session)
            message = replies.queue_reply(
                session,
                agent,
                profile,
                body,
                settings=settings,
                media=list(media),
                send_at=send_at,
                seen_id=seen_id,
                force=force or seen_id is None,
                now=now,
            )
            if message.conversation_id is not None:  # sent: no longer a draft
                drafts.discard(session, int(agent.id or 0), message.conversation_id)
            recipient = recipient_time.resolve(profile, now)
            held = outbox.item_for(session, message).send_at if send_at is None else None
            return Sent(
                int(message.id or 0),
                send_at,
                recipient.name,
                held if held and held > now else None,
                controls.clean(body).notice(),
                recipient_time.their_time(recipient, send_at) if send_at else None,
            )

    def recall(self, message_id: int) -> outbox.Recalled:
        """Take back a reply the sync has not taken yet (undo send), audited as
        `outbox.recall`: its text, media and conversation, for the composer to hold again.
        Refused (reason "already_sent") once the sync has taken it; NotFound if it is gone
        (recalled already)."""
        with self._acting() as (session, agent, now):
            return outbox.recall(session, message_id, agent, now=now)

    def save_draft(self, conversation_id: int, body: str, media: Sequence[str]) -> None:
        """Keep what the agent wrote for this conversation (empty: forget it)."""
        with self._acting() as (session, agent, now):
            self._conversation_for(session, conversation_id)
            drafts.save(session, int(agent.id or 0), conversation_id, body, media, now=now)

    def draft(self, conversation_id: int) -> DraftText:
        with self.store.read() as session:
            return drafts.load_for_login(session, self.login, conversation_id)

    # -- settings -----------------------------------------------------------------

    def settings(self) -> SettingsView:
        with self.store.read() as session:
            agent = agents.identify(session, self.login, now=self.now())
            values = settings_mod.as_dict(settings_mod.load(session))
            return SettingsView(values, agent.role in CHANGE_SETTINGS)

    def set_setting(self, key: str, text: str) -> Any:
        """Validate and save one setting as typed; BadSetting (nothing changed) if wrong."""
        value = settings_mod.parse_value(key, text)
        with self._acting() as (session, agent, now):
            return settings_mod.set_value(session, agent, key, value, now=now)

    def saved_reply_choices(self, profile_id: int) -> SavedReplyChoices:
        """The saved replies and this customer's values, for the picker."""
        with self.store.read() as session:
            agent = agents.identify(session, self.login, now=self.now())
            profile = self._profile_for(session, profile_id)
            settings = settings_mod.load(session)
            return SavedReplyChoices(
                saved_replies.listing(session),
                saved_replies.context(session, profile, agent, settings),
                settings.links_shorten,
                settings.links_domain,
                profiles.display_name(profile),
            )

    def reply_actions(self, conversation_id: int, actions: dict[str, Any]) -> Change:
        """What a saved reply does once it is sent (close, snooze, tag, assign), as one
        change (undone together; a tag it added stays)."""
        with self._changing("saved_reply.actions", conversation_id) as (s, a, now, c, _, out):
            assert c is not None
            if actions.get("tag"):
                tags.add(s, a, [conversation_id], str(actions["tag"]), now=now)
            if actions.get("assign"):
                assignment.assign(s, c, a, assignment.resolve(a, str(actions["assign"])), now=now)
            if actions.get("close"):
                conversations.close(s, c, a, now=now)
            elif actions.get("snooze"):
                zone = timezones.agent_zone(a)
                until = snooze.preset_time(str(actions["snooze"]), now, zone)
                conversations.snooze(s, c, a, until, now=now)
        return out[0]

    def coupon_codes(self) -> list[str]:
        with self.store.read() as session:
            return coupons.load(session)

    def link_settings(self) -> tuple[bool, str]:
        """(links.shorten, links.domain): what the composer needs to count a draft."""
        with self.store.read() as session:
            found = settings_mod.load(session)
            return found.links_shorten, found.links_domain

    def bell_on(self) -> bool:
        with self.store.read() as session:
            return settings_mod.load(session).notifications_bell

    # -- search -------------------------------------------------------------------

    def search(self, text: str) -> SearchResults:
        """Customers (by name, email or number) first, then messages: what `/` shows."""
        with self.store.read() as session:
            return search.find(session, text)

    # -- watching for changes -----------------------------------------------------

    def change_stamp(self) -> tuple[Any, ...]:
        """Differs whenever something the UI shows may have changed (see core.changes).

        One connection is kept for this: SQLite's data_version is per connection.
        """
        with self._watch_lock, self.store.translated():
            if self._watch_conn is None:
                self._watch_conn = self.store.engine.connect()
            conn = self._watch_conn
            try:
                try:
                    return changes.stamp(conn)
                finally:
                    conn.rollback()  # never hold a read snapshot between polls
            except DBAPIError:
                # A broken connection (the server restarted) is dropped: the next poll
                # opens a new one instead of failing on the dead one for good.
                self._watch_conn = None
                with contextlib.suppress(DBAPIError):
                    conn.close()
                raise

    def last_notification_id(self) -> int:
        with self.store.read() as session:
            return changes.last_notification_id(session)

    def new_texts(self, after_id: int) -> Sequence[changes.NewText]:
        with self.store.read() as session:
            return changes.new_texts(session, after_id)

    # -- the team -----------------------------------------------------------------

    def announce(self, key: str, conversation_id: int | None, typing: bool) -> None:
        """This inbox's presence: the conversation in view, whether the agent types."""
        with self._acting() as (session, agent, now):
            presence.announce(
                session,
                key,
                int(agent.id or 0),
                conversation_id=conversation_id,
                typing=typing,
                now=now,
            )

    def leave(self, key: str) -> None:
        with self.store.write() as session:
            presence.leave(session, key)

    def others_present(self) -> list[Present]:
        """Other agents' running inboxes: who views and who types which conversation."""
        with self.store.read() as session:
            me = agents.identify(session, self.login, now=self.now())
            return presence.others(session, int(me.id or 0), now=self.now())

    def last_notice_id(self) -> int:
        with self.store.read() as session:
            return notices.last_id(session)

    def notices(self, after_id: int) -> list[notices.Notice]:
        """Mentions and assignments for this agent after `after_id`, oldest first."""
        with self.store.read() as session:
            return notices.for_login(session, self.login, after_id)

    def watch_changes(self, on_change: Callable[[], None]) -> Callable[[], None] | None:
        """On a store that tells of changes as they commit (PostgreSQL's LISTEN/NOTIFY), a
        thread calling `on_change` at each one, until the function returned is called;
        None on a store that cannot (SQLite), where the poll alone watches. A lost
        connection is opened again; meanwhile the poll goes on (and says so)."""
        with self.store.engine.connect() as probe:
            if not dialect.notifies(probe):
                return None
        stop = threading.Event()

        def listen() -> None:
            while not stop.is_set():
                try:
                    with self.store.engine.connect() as conn:
                        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                        dialect.listen(conn)
                        while not stop.is_set():
                            if dialect.wait_notified(conn, 1.0):
                                on_change()
                except Exception:  # the server went away (any driver error): try again
                    stop.wait(2.0)

        threading.Thread(target=listen, name="convo-listen", daemon=True).start()
        return stop.set

    def close_watch(self) -> None:
        with self._watch_lock:
            if self._watch_conn is not None:
                self._watch_conn.close()
                self._watch_conn = None
