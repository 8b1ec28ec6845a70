"""The inbox screen: list, thread, composer and side panel, and every triage action.

Reads and actions run in thread workers through the Desk; their results come
back as messages, and the handlers update the widgets (attributes down).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import pytz
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.events import Resize
from textual.lazy import Lazy
from textual.message import Message
from textual.reactive import Reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import Worker

from convo_tui.core import reply_fill
from convo_tui.core.rows import (
    THREAD_PAGE,
    UNASSIGNED,
    DraftText,
    EventRow,
    Held,
    InboxFilter,
    OrderRow,
    Present,
    ReplyQueued,
    SearchHit,
    initials,
)
from convo_tui.errors import ConvoError, NotFound, Refused
from convo_tui.screens.filters import FilterModal, filter_words
from convo_tui.session import collector
from convo_tui.session.collector import COLLECTOR
from convo_tui.session.inbox_pages import Counts
from convo_tui.session.pending_drafts import PendingDrafts
from convo_tui.session.views import (
    AgentChoice,
    ConversationView,
    Me,
    PossibleOptOut,
    SavedReplyChoices,
    Sent,
    SourceChoice,
)
from convo_tui.sync.status import SyncStatus
from convo_tui.text import one_line
from convo_tui.widgets.composer import Composer
from convo_tui.widgets.inbox_list import InboxList
from convo_tui.widgets.redrawn.key_bar import KeyBar
from convo_tui.widgets.redrawn.side_tabs import SideTabs
from convo_tui.widgets.side_panel import SidePanel
from convo_tui.widgets.status_line import StatusInfo, StatusLine
from convo_tui.widgets.thread_view import ThreadView
from convo_tui.widgets.worker_errors import report_failure

if TYPE_CHECKING:
    from convo_tui.core import compose
    from convo_tui.core.first_page import FirstPage
    from convo_tui.core.undo import Undoable
    from convo_tui.session.desk import Desk

WIDE = 120
"""From this width the side panel shows beside the thread by default."""
STACKED = 60
"""Below this width one pane shows at a time, full width: the list, then (enter) the
conversation, esc back; side by side, the thread would be a column of a few words."""
PREVIEW_DELAY = 0.08
"""Seconds the list cursor must rest on a row before its thread is loaded."""
PREVIEW_MESSAGES = 15
"""Messages a preview loads (enter loads the full page of 50)."""

ACTIONS_NEEDING_CONVERSATION = {
    "reply",
    "assign_me",
    "assign_to",
    "unassign",
    "note",
    "snooze",
    "close",
    "reopen",
    "toggle_unread",
    "block",
    "decide_opt_out",
    "profile",
    "older",
}
FOOTER_ACTIONS = ACTIONS_NEEDING_CONVERSATION - {
    "profile",
    "older",
    "assign_me",
    "assign_to",
    "unassign",
    "note",
}
"""The ones the footer shows (the others' bindings are hidden)."""
TYPING_SECONDS = 4.0
"""An agent whose draft changed this recently is "typing" to the others."""
UNDO_SECONDS = 600.0
"""How long an action can be undone."""
UNDO_KEPT = 20
"""Actions remembered for undo (the newest is undone first)."""


def presence_words(others: list[Present], conversation_id: int | None) -> str:
    """ "Bea is typing", "Bea and Cy are viewing", "Bea is typing · Cy is viewing"."""
    if conversation_id is None:
        return ""
    here = [p for p in others if p.conversation_id == conversation_id]
    typing = sorted({p.who for p in here if p.typing})
    viewing = sorted({p.who for p in here if not p.typing} - set(typing))
    parts = []
    for names, verb in ((typing, "typing"), (viewing, "viewing")):
        if names:
            who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            parts.append(f"{who} {'is' if len(names) == 1 else 'are'} {verb}")
    return " · ".join(parts)


@dataclass(frozen=True)
class Subject:
    """The conversation an action applies to, as the screen shows it."""

    conversation_id: int
    profile_id: int
    name: str
    status: str
    unread: bool
    blocked: bool
    possible_opt_out_at: datetime | None = None
    assignee: str | None = None


class InboxScreen(Screen[None]):
    """The main screen."""

    # The one-key actions are the list's (InboxList.BINDINGS): they act from the list
    # only. Undo has a modified key too, which works from the thread and the reply box.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "undo", "Undo", id="undo.anywhere", show=False, tooltip="Undo"),
        Binding("escape", "back", "Back", id="back", tooltip="Back to the inbox list"),
    ]

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    """As the Screen's, without repainting the whole screen when focus moves: the
    widgets that look different focused (`:focus`, `:focus-within`) are restyled, and
    so repainted, by the focus change itself."""

    class Painted(Message):
        """The opening page is on the screen: the app may load the rest."""

    class ReplyQueued(Message):
        """A reply is in the outbox: the app wakes the sync to send it."""

    class Loaded(Message):
        def __init__(self, view: ConversationView, focus: bool, reply: bool = False) -> None:
            super().__init__()
            self.view = view
            self.focus = focus
            self.reply = reply

    class SideDetails(Message):
        def __init__(
            self,
            conversation_id: int,
            details: tuple[tuple[str, ...], tuple[EventRow, ...], tuple[OrderRow, ...]],
        ) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.details = details

    class Done(Message):
        """An action finished: say so, and reload what it changed."""

        def __init__(self, words: str, change: Undoable | None, from_list: bool) -> None:
            super().__init__()
            self.words = words
            self.change = change
            self.from_list = from_list

    class Undone(Message):
        def __init__(
            self,
            words: str,
            conversation_id: int | None,
            ok: bool,
            draft: DraftText | None = None,
        ) -> None:
            super().__init__()
            self.words = words
            self.conversation_id = conversation_id
            self.ok = ok
            self.draft = draft
            """A recalled reply's text, back as the conversation's draft."""

    class Quiet(Message):
        def __init__(self, draft: compose.Draft, send: Composer.Send, seen: int | None) -> None:
            super().__init__()
            self.draft = draft
            self.send = send
            self.seen = seen

    class Sources(Message):
        def __init__(self, sources: list[SourceChoice], flagged: int) -> None:
            super().__init__()
            self.sources = sources
            self.flagged = flagged

    class Coupons(Message):
        def __init__(self, codes: list[str]) -> None:
            super().__init__()
            self.codes = codes

    class SavedReplies(Message):
        def __init__(self, conversation_id: int, choices: SavedReplyChoices) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.choices = choices

    class LinkSettings(Message):
        def __init__(self, shorten: bool, domain: str) -> None:
            super().__init__()
            self.shorten = shorten
            self.domain = domain

    def __init__(
        self,
        desk: Desk,
        me: Me,
        now: Callable[[], datetime],
        *,
        opening: FirstPage | None = None,
    ) -> None:
        super().__init__()
        self.desk = desk
        self.opening = opening
        self.me = me
        self.now = now
        self.zone = pytz.timezone(me.zone)
        self.view: ConversationView | None = None
        self.target: int | None = None
        """The conversation being shown (or loading)."""
        self.thread_limit: int | None = THREAD_PAGE
        self.filter = InboxFilter()
        self.source_names: dict[int, str] = {}
        self.panel_open: bool | None = None
        self.info = StatusInfo(agent=me.name, role=me.role)
        self.sync_status = SyncStatus()
        """How the sync is doing, set by the app (which watches it) before `show_status`."""
        self.store_trouble = ""
        """What is wrong with the store, set by the app ("" while it answers)."""
        self.links = (True, "cnvo.link")
        self._preview: Timer | None = None
        self._allowed: frozenset[str] | None = None
        self._previewing = False
        self._opening: tuple[int, bool] | None = None
        """A conversation opened (enter) whose load has not landed yet, and whether it
        was opened to reply: every load of it until then reads it and takes the focus,
        so no refresh or preview started meanwhile can take the open's place."""
        self._drafts = PendingDrafts()
        """Drafts handed up by the composer and not in the store yet; their writes, the
        sends and the recalls one at a time (a late write never brings back a draft that
        its send removed)."""
        self._undo: list[tuple[float, Undoable, str]] = []
        self._reply_actions: dict[int, dict[str, Any]] = {}
        """A saved reply's actions, by conversation, applied when its reply is sent."""
        """This agent's recent actions, newest last: (monotonic time, change, words)."""
        self._typed_at = 0.0
        """When the agent last changed a draft (monotonic): "is typing" to the others."""
        self.others: list[Present] = []
        """Other agents' running inboxes, as the app's poller last read them."""
        self._seen: dict[int, int] = {}
        """The newest message of each conversation the agent has looked at: set when it
        is opened, sent to, or a held reply showed what was new; a thread redrawn under
        the agent's typing does not count (reply_guard holds a reply that missed it)."""

    def compose(self) -> ComposeResult:
        # Width classes before anything mounts: set later (on the first resize) they
        # restyle every widget once more, a sixth of the time to the first frame.
        self._size_classes(self.app.size.width)
        yield StatusLine(id="status")
        with Horizontal(id="main"):
            yield InboxList(id="inbox")
            with Vertical(id="conversation"):
                yield ThreadView(id="thread")
                yield Lazy(Composer(id="composer"))
            yield Lazy(SidePanel(id="side"))
        yield KeyBar()

    @property
    def inbox(self) -> InboxList:
        return self.query_one(InboxList)

    @property
    def thread(self) -> ThreadView:
        return self.query_one(ThreadView)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    @property
    def side(self) -> SidePanel:
        return self.query_one(SidePanel)

    def on_mount(self) -> None:
        COLLECTOR.start()
        self.set_interval(collector.REST, COLLECTOR.rest)
        self.inbox.clock = self.now
        if self.opening is not None:
            first, self.opening = self.opening, None
            self.inbox.seed(first.rows, Counts(first.total, first.unread, first.show_unread))
            self.call_after_refresh(self.post_message, self.Painted())
        self.inbox.desk = self.desk
        self.inbox.reload()
        self.inbox.focus()
        self.thread.compose_empty("No conversation open.")
        self._load_link_settings()
        self.show_status()

    def on_unmount(self) -> None:
        COLLECTOR.stop()
        self.flush_drafts()

    def flush_drafts(self) -> None:
        """Write what the reply box holds and every draft not kept yet (the app ends)."""
        with contextlib.suppress(NoMatches):
            composer = self.composer
            if composer.conversation_id is not None:
                self._drafts.handed(composer.conversation_id, composer.draft)

        def save(cid: int, draft: DraftText) -> None:
            with contextlib.suppress(ConvoError):  # one failure does not stop the rest
                self._save_draft(cid, draft)

        self._drafts.flush(save)

    def _save_draft(self, conversation_id: int, draft: DraftText) -> None:
        self.desk.save_draft(conversation_id, draft.body, draft.media)

    def on_resize(self, event: Resize) -> None:
        self._size_classes(event.size.width)

    def _size_classes(self, width: int) -> None:
        wide = width >= WIDE
        self.set_class(wide, "-wide")
        self.set_class(not wide, "-narrow")
        if self.panel_open is None:
            self.panel_open = wide
        self.set_class(bool(self.panel_open), "-panel")
        self.set_class(width < STACKED, "-stacked")
        self._stack()

    def _stack(self) -> None:
        """Stacked, the list gives way to the conversation while the focus is out of it.
        Only then: a class on the screen restyles every widget, too slow for each focus
        move side by side, where nothing changes."""
        focused = self.focused
        reading = focused is not None and not isinstance(focused, InboxList)
        self.set_class(self.has_class("-stacked") and reading, "-reading")

    @on(events.DescendantFocus)
    def _focus_moved(self, event: events.DescendantFocus) -> None:
        self._stack()
        # However the list got the focus (esc, tab, a click, a pane disabled under it),
        # the thread and the box show the row under its cursor.
        if event.widget is self.inbox:
            self._follow_cursor()

    def action_back(self) -> None:
        self._opening = None  # back before it loaded: it stays a preview
        self._release_typing()
        self.inbox.focus()

    def _release_typing(self) -> str:
        """What was typed since `enter`: first what the list kept before the focus moved,
        then what the thread kept; both stop holding."""
        return self.inbox.release_typing() + self.thread.release_typing()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)

    def set_me(self, me: Me) -> None:
        """Who the store says the agent is (the opening page guessed from a quick read)."""
        self.me = me
        self.zone = pytz.timezone(me.zone)
        self.show_status()

    # -- status line --------------------------------------------------------------

    def show_status(self) -> None:
        self.info = replace(
            self.info,
            agent=self.me.name,
            role=self.me.role,
            filter_words=filter_words(self.filter, self.source_names),
            sync=self.sync_status,
            store=self.store_trouble,
        )
        # In the agent's zone: a stalled sync says since when on the agent's clock.
        self.query_one(StatusLine).show_info(self.info, self.now().astimezone(self.zone))

    @on(InboxList.Counted)
    def _counted(self, event: InboxList.Counted) -> None:
        counts = event.counts
        unread = counts.unread if counts.show_unread else None
        self.info = replace(
            self.info,
            matching=counts.total,
            unread=unread,
            flagged=counts.flagged,
            flagged_since=counts.flagged_since,
            not_at_klaviyo=counts.not_at_klaviyo,
        )
        self.show_status()

    # -- live updates -------------------------------------------------------------

    def store_changed(self) -> None:
        """Something changed in the store (another agent, sync, or us): show it."""
        self.inbox.reload()
        if self.target is not None:
            self._load(self.target, mark_read=False, focus=False, preview=self._previewing)
        self._load_link_settings()

    # -- loading a conversation ---------------------------------------------------

    @on(InboxList.Highlighted)
    def _highlighted(self, event: InboxList.Highlighted) -> None:
        if event.row is None:
            self.target = None
            self.view = None
            self.thread.compose_empty("No conversation open.")
            for side in self.query(SidePanel):
                side.clear()
            self._update_composer()
            self._refresh_keys()
            return
        if self.target is not None and (
            self.thread.has_focus_within or self.composer.has_focus_within
        ):
            # The agent is working in the open conversation: a list that moves underneath
            # (it left the unread filter when it was read, new texts arrived) must not
            # swap it for another one. Back in the list, the cursor leads again.
            return
        if event.row.conversation_id != self.target:
            self.thread_limit = THREAD_PAGE
            self.target = event.row.conversation_id
            self._release_draft()
            # Holding j or page down passes rows faster than a thread can be drawn:
            # the preview loads once the cursor rests.
            if self._preview is not None:
                self._preview.stop()
            target = event.row.conversation_id
            self._preview = self.set_timer(
                PREVIEW_DELAY,
                lambda: self._load(target, mark_read=False, focus=False, preview=True),
            )
        # The keys follow the row under the cursor at once (the same conversation after
        # a filter change loads nothing new, and the keys were worked out under the modal).
        self._refresh_keys()

    def _release_draft(self) -> None:
        """The box must not show one conversation's draft under another's row: empty it
        until the new conversation (and its own draft) is loaded."""
        for composer in self.query(Composer):
            if composer.conversation_id is not None and composer.conversation_id != self.target:
                composer.hold(None, None, DraftText(""))

    @on(InboxList.Selected)
    def _selected(self, event: InboxList.Selected) -> None:
        self._open(event.row.conversation_id)

    def _open(self, conversation_id: int, *, reply: bool = False) -> None:
        """Open a conversation (enter): read, and the reply box takes the typing once it
        is loaded. Until then the thread keeps what is typed: nothing typed right after
        `enter` can reach the list's one-key actions."""
        if self._preview is not None:
            self._preview.stop()
        if conversation_id != self.target:
            self.thread_limit = THREAD_PAGE
        self.target = conversation_id
        self._opening = (conversation_id, reply)
        self._release_draft()
        self.inbox.hold_typing()  # until the focus has moved (focus() waits a turn)
        self.thread.focus()
        self.thread.hold_typing()
        self._load(conversation_id, mark_read=True, focus=True, reply=reply)

    def _follow_cursor(self) -> None:
        """Back in the list: the thread shows the row under the cursor again."""
        row = self.inbox.current
        if row is None:
            return
        if row.conversation_id != self.target:
            self.thread_limit = THREAD_PAGE
            self.target = row.conversation_id
            self._release_draft()
            self._load(row.conversation_id, mark_read=False, focus=False, preview=True)

    def _load(
        self,
        conversation_id: int,
        *,
        mark_read: bool,
        focus: bool,
        focus_message_id: int | None = None,
        preview: bool = False,
        reply: bool = False,
    ) -> None:
        """Load a conversation; a preview (the cursor resting on a row) brings only the
        last messages a pane can show, which keeps moving down the list light."""
        opening = self._opening
        if opening is not None and not focus:
            if opening[0] == conversation_id:
                mark_read, focus, reply, preview = True, True, opening[1], False
            else:
                self._opening = None  # another conversation now: that open is over
                self._release_typing()
        self._previewing = preview
        limit = self.thread_limit
        if preview and focus_message_id is None:
            limit = min(limit or PREVIEW_MESSAGES, PREVIEW_MESSAGES)
        # A preview brings what is drawn: the activity and orders only when their tab is
        # in sight (SidePanel.DetailsWanted brings them when it comes into sight).
        side = not preview or (bool(self.query(SidePanel)) and self.side.needs_details)
        self._load_worker(conversation_id, mark_read, focus, focus_message_id, limit, side, reply)

    @work(thread=True, exclusive=True, group="conversation", exit_on_error=False)
    def _load_worker(
        self,
        conversation_id: int,
        mark_read: bool,
        focus: bool,
        focus_message_id: int | None,
        limit: int | None,
        side: bool = True,
        reply: bool = False,
    ) -> None:
        view = self.desk.conversation(
            conversation_id,
            limit=limit,
            focus_message_id=focus_message_id,
            mark_read=mark_read,
            side=side,
        )
        self.post_message(self.Loaded(view, focus, reply))

    @on(SidePanel.DetailsWanted)
    def _details_wanted(self, message: SidePanel.DetailsWanted) -> None:
        message.stop()
        if self.view is not None and self.view.conversation_id == message.conversation_id:
            self._details_worker(self.view.conversation_id, self.view.profile_id)

    @work(thread=True, exclusive=True, group="side-details", exit_on_error=False)
    def _details_worker(self, conversation_id: int, profile_id: int) -> None:
        self.post_message(self.SideDetails(conversation_id, self.desk.side_details(profile_id)))

    @on(SideDetails)
    def _side_details(self, message: SideDetails) -> None:
        view = self.view
        if view is None or view.conversation_id != message.conversation_id or view.side_loaded:
            return
        metrics, events, orders = message.details
        self.view = replace(view, metrics=metrics, events=events, orders=orders, side_loaded=True)
        self.side.show(self.view, self.now(), self.zone)

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        view = message.view
        if view.conversation_id != self.target:
            return
        self.view = view
        now = self.now()
        with self.app.batch_update():  # one repaint for thread, panel and composer
            self.thread.presence = presence_words(self.others, view.conversation_id)
            self.thread.show(view, now, self.zone)
            self.side.show(view, now, self.zone)
            self.composer.hold(
                view.conversation_id,
                view.profile_id,
                self._drafts.get(view.conversation_id, view.draft),
            )
            self._update_composer()
            self._refresh_keys()
        if message.focus:
            self._opening = None
            if view.newest_id is not None:
                self._seen[view.conversation_id] = view.newest_id
            typed = self._release_typing()
            if view.refusal is None:
                self.composer.body.focus()
                if typed:
                    self.composer.body.insert(typed)
            else:
                # Letters can change nothing in the thread; the box says why it is locked.
                self.thread.focus()
                if message.reply or typed:
                    self.notify(one_line(view.refusal.message), severity="warning", markup=False)
        if view.unread is False and self.inbox.current and self.inbox.current.unread:
            self.inbox.reload()

    def _update_composer(self) -> None:
        shorten, domain = self.links
        if not self.query(Composer):
            return
        refusal = self.view.refusal if self.view else None
        if refusal is not None and self.composer.has_focus_within:
            # Locked under the agent's fingers (blocked elsewhere, an opt-out arrived):
            # the focus goes where letters cannot change anything, not to the list. At
            # once: focus() waits a turn, disabling the box blurs it, and with nothing
            # focused meanwhile a list moving underneath would take the thread along.
            self.set_focus(self.thread)
        self.composer.set_state(
            open_conversation=self.view is not None,
            refusal=self.view.refusal if self.view else None,
            shorten=shorten,
            domain=domain,
            preview=self._previewing,
        )

    @work(thread=True, exit_on_error=False, group="link-settings")
    def _load_link_settings(self) -> None:
        shorten, domain = self.desk.link_settings()
        self.post_message(self.LinkSettings(shorten, domain))

    @on(LinkSettings)
    def _link_settings(self, message: LinkSettings) -> None:
        if self.links != (message.shorten, message.domain):
            self.links = (message.shorten, message.domain)
            self._update_composer()

    @on(ThreadView.OlderWanted)
    def action_older(self) -> None:
        if self.view is None:
            return
        self.thread_limit = (self.thread_limit or THREAD_PAGE) + THREAD_PAGE
        self._load(self.view.conversation_id, mark_read=False, focus=False)

    @on(SidePanel.MetricChosen)
    def _metric(self, message: SidePanel.MetricChosen) -> None:
        self._events_worker(message.profile_id, message.metric)

    @work(thread=True, exclusive=True, group="events", exit_on_error=False)
    def _events_worker(self, profile_id: int, metric: str | None) -> None:
        events = self.desk.events(profile_id, metric)
        self.app.call_from_thread(self.side.show_events, events, self.now())

    # -- which actions make sense now ---------------------------------------------

    def _refresh_keys(self) -> None:
        """Ask for the footer's keys again only when the set of allowed actions it shows
        changed (working them out checks every binding); hidden keys are checked when
        pressed."""
        allowed = frozenset(a for a in FOOTER_ACTIONS if self.check_action(a, ()))
        if allowed != self._allowed:
            self._allowed = allowed
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide what makes no sense now (for the conversation an action would act on)."""
        if action == "back":
            return self.focused is not None and not isinstance(self.focused, InboxList)
        if action not in ACTIONS_NEEDING_CONVERSATION:
            return True
        subject = self._subject()
        if subject is None:
            return False
        if action == "reply":
            return True  # when refused, pressing it says why (the composer shows it too)
        if action == "close":
            return subject.status != "closed"
        if action == "reopen":
            return subject.status != "open"
        if action == "decide_opt_out":
            return subject.possible_opt_out_at is not None
        if action == "unassign":
            return subject.assignee is not None
        if action == "older":
            view = self.view
            return view is not None and len(view.messages) < view.total_messages
        return True

    # -- actions ------------------------------------------------------------------

    def _subject(self) -> Subject | None:
        """The conversation an action applies to: the row under the list's cursor when
        the list has the focus (what the agent sees highlighted, even before its thread
        is loaded), else the conversation the thread shows."""
        if self.inbox.has_focus:
            row = self.inbox.current
            if row is None:
                return None
            return Subject(
                row.conversation_id,
                row.profile_id,
                one_line(row.name, 40),
                row.status,
                row.unread,
                row.blocked,
                row.possible_opt_out_at,
                row.assignee_login,
            )
        view = self.view
        if view is None:
            return None
        return Subject(
            view.conversation_id,
            view.profile_id,
            one_line(view.card.name, 40),
            view.status,
            view.unread,
            view.card.blocked,
            view.possible_opt_out_at,
            view.assignee,
        )

    def _act(self, words: str, work_fn: Callable[[], Undoable | None]) -> None:
        self._act_worker(words, work_fn, self.inbox.has_focus)

    @work(thread=True, exit_on_error=False, group="actions")
    def _act_worker(
        self, words: str, work_fn: Callable[[], Undoable | None], from_list: bool
    ) -> None:
        change = work_fn()
        self.post_message(self.Done(words, change, from_list))

    @on(Done)
    def _done(self, message: Done) -> None:
        words = message.words
        if message.change is not None:
            self._undo.append((time.monotonic(), message.change, message.words))
            del self._undo[:-UNDO_KEPT]
            words = f"{words} — {self._undo_key()} undoes"
        self.notify(words, markup=False, timeout=4)
        self.store_changed()

    def _undo_key(self) -> str:
        """The undo key from where the focus is (remapped keys included)."""
        wanted = "undo" if self.inbox.has_focus else "undo.anywhere"
        for active in self.active_bindings.values():
            if active.binding.id == wanted:
                return self.app.get_key_display(active.binding)
        return "ctrl+r"

    def _who(self) -> str:
        return one_line(self.view.card.name, 40) if self.view else ""

    @on(Composer.ReplyWanted)
    def action_reply(self) -> None:
        # The list holds what is typed from the `r` on (InboxList._open_keys): every way
        # out of here opens the conversation or ends that hold.
        subject = self._subject()
        if subject is None:
            self._release_typing()
            return
        view = self.view
        if view is None or view.conversation_id != subject.conversation_id or self._previewing:
            self._open(subject.conversation_id, reply=True)  # replying opens it
            return
        if view.refusal is not None:
            self._release_typing()
            self.notify(one_line(view.refusal.message), severity="warning", markup=False)
            return
        self.composer.body.focus()
        typed = self._release_typing()
        if typed:
            self.composer.body.insert(typed)

    def action_close(self) -> None:
        self.inbox.unpin()
        if (subject := self._subject()) is not None:
            cid = subject.conversation_id
            self._act(f"{subject.name}: closed", lambda: self.desk.close(cid))

    def action_reopen(self) -> None:
        self.inbox.unpin()
        if (subject := self._subject()) is not None:
            cid = subject.conversation_id
            self._act(f"{subject.name}: open", lambda: self.desk.reopen(cid))

    def action_toggle_unread(self) -> None:
        if (subject := self._subject()) is None:
            return
        cid, unread = subject.conversation_id, not subject.unread
        words = "marked unread" if unread else "marked read"
        if self.inbox.has_focus:
            # It stays under the cursor (even if it leaves the filter) until the agent
            # moves: a second press toggles it back instead of marking the next one.
            self.inbox.pin(cid)
        self._act(f"{subject.name}: {words}", lambda: self.desk.set_unread(cid, unread))

    def action_undo(self) -> None:
        now = time.monotonic()
        while self._undo and now - self._undo[-1][0] > UNDO_SECONDS:
            self._undo.pop()
        if not self._undo:
            self.notify("Nothing to undo.", timeout=3)
            return
        _, change, words = self._undo.pop()
        live = None
        if isinstance(change, ReplyQueued) and self.composer.conversation_id == (
            change.conversation_id
        ):
            live = self.composer.draft  # what the box holds now goes after the recalled text
        self._undo_worker(change, words, live)

    @work(thread=True, exit_on_error=False, group="actions")
    def _undo_worker(self, change: Undoable, words: str, live: DraftText | None) -> None:
        draft = None
        try:
            if isinstance(change, ReplyQueued):
                with self._drafts.replacing(change.conversation_id):
                    draft = self.desk.unsend(change, live)
            else:
                self.desk.undo(change)
        except (Refused, NotFound) as exc:
            self.post_message(self.Undone(f"Not undone: {words}: {exc.line()}", None, False))
            return
        if draft is not None:
            words = f"{words}: recalled, its text is back in the reply box"
        self.post_message(self.Undone(f"Undone: {words}", change.conversation_id, True, draft))

    @on(Undone)
    def _undone(self, message: Undone) -> None:
        self.notify(
            message.words,
            markup=False,
            timeout=4,
            severity="information" if message.ok else "warning",
        )
        if message.draft is not None and message.conversation_id is not None:
            self.composer.restore(message.conversation_id, message.draft)
        elif message.conversation_id is not None and self.inbox.has_focus:
            self.inbox.follow(message.conversation_id)  # back under the cursor
        self.store_changed()

    def action_snooze(self) -> None:
        from convo_tui.screens.snooze import SnoozeModal  # modals load when first used

        self.inbox.unpin()
        if (subject := self._subject()) is None:
            return
        cid, name = subject.conversation_id, subject.name

        def chosen(until: datetime | None) -> None:
            if until is not None:
                local = until.astimezone(self.zone)
                self._act(
                    f"{name}: snoozed until {local:%a %d %b %H:%M}",
                    lambda: self.desk.snooze(cid, until),
                )

        self.app.push_screen(SnoozeModal(self.now(), self.zone), chosen)

    def action_block(self) -> None:
        from convo_tui.screens.confirm import BlockModal

        self.inbox.unpin()
        if (subject := self._subject()) is None:
            return
        pid, name, blocked = subject.profile_id, subject.name, subject.blocked

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            if blocked:
                self._act(f"{name}: unblocked", lambda: self.desk.unblock(pid))
            else:
                self._act(
                    f"{name}: blocked; their texts are still stored, silently",
                    lambda: self.desk.block(pid),
                )

        self.app.push_screen(BlockModal(name, unblock=blocked), answered)

    def action_decide_opt_out(self) -> None:
        self.inbox.unpin()
        if (subject := self._subject()) is None:
            return
        if subject.possible_opt_out_at is None:
            self.notify(f"{subject.name}: no possible opt-out waits here.", markup=False)
            return
        self._flag_worker(subject.profile_id, subject.name)

    @work(thread=True, exit_on_error=False, group="opt-out")
    def _flag_worker(self, profile_id: int, name: str) -> None:
        flag = self.desk.open_flag(profile_id)
        self.app.call_from_thread(self._decide, profile_id, name, flag)

    def _decide(self, profile_id: int, name: str, flag: PossibleOptOut | None) -> None:
        from convo_tui.screens.opt_out import Decision, OptOutModal

        if flag is None:  # another agent decided meanwhile
            self.notify(f"{name}: already decided (no possible opt-out waits).", markup=False)
            self.store_changed()
            return

        def answered(decision: Decision | None) -> None:
            if decision is not None:
                self._resolve_worker(profile_id, name, decision.opt_out, decision.reason)

        self.app.push_screen(OptOutModal(flag, self.now()), answered)

    @work(thread=True, exit_on_error=False, group="actions")
    def _resolve_worker(self, profile_id: int, name: str, opt_out: bool, reason: str) -> None:
        try:
            done = self.desk.resolve_opt_out(profile_id, opt_out=opt_out, reason=reason)
        except (Refused, NotFound) as exc:
            self.app.call_from_thread(
                self.notify, f"{name}: {exc.line()}", severity="warning", markup=False
            )
            self.app.call_from_thread(self.store_changed)
            return
        # Not undoable on a key: an opt-out is the customer's; its reverse is their START.
        self.post_message(self.Done(one_line(done.note), None, self.inbox.has_focus))

    def action_filters(self) -> None:
        self._sources_worker()

    def action_show_opt_outs(self) -> None:
        """Every conversation waiting for an opt-out decision, whatever its status."""
        self.apply_filter(InboxFilter(status=None, possible_opt_out=True))

    @work(thread=True, exit_on_error=False, group="sources")
    def _sources_worker(self) -> None:
        self.post_message(self.Sources(self.desk.sources(), self.desk.opt_outs_waiting()[0]))

    @on(Sources)
    def _sources(self, message: Sources) -> None:
        self.source_names = {s.id: s.name for s in message.sources}

        def chosen(flt: InboxFilter | None) -> None:
            if flt is not None:
                self.apply_filter(flt)

        self.app.push_screen(FilterModal(self.filter, message.sources, message.flagged), chosen)

    def apply_filter(self, flt: InboxFilter) -> None:
        self.filter = flt
        self.inbox.set_filter(flt)
        self.show_status()
        self.inbox.focus()
        self.call_after_refresh(self._refresh_keys)

    def action_toggle_panel(self) -> None:
        self.panel_open = not self.panel_open
        self.set_class(self.panel_open, "-panel")
        if self.has_class("-reading"):  # stacked: the panel and the thread take turns
            (self.side.query_one("#side-tabs") if self.panel_open else self.thread).focus()
        elif self.panel_open and self.has_class("-narrow"):
            # The panel takes the list's place: its tabs take the keys (i hides it).
            for tabs in self.query(SideTabs):
                tabs.focus()
        elif not self.panel_open and any(t.has_focus for t in self.query(SideTabs)):
            self.inbox.focus()

    def action_profile(self) -> None:
        if self.view is None:
            return
        if self.view.side_loaded:
            self._show_profile(self.view)
        else:
            self._profile_details(self.view)

    @work(thread=True, exit_on_error=False, group="profile")
    def _profile_details(self, view: ConversationView) -> None:
        """A preview left activity and orders out: read them (off the UI thread) first."""
        metrics, events, orders = self.desk.side_details(view.profile_id)
        full = replace(view, metrics=metrics, events=events, orders=orders, side_loaded=True)
        self.app.call_from_thread(self._show_profile, full)

    def _show_profile(self, view: ConversationView) -> None:
        from convo_tui.screens.profile import ProfileScreen

        self.app.push_screen(ProfileScreen(view, self.now(), self.zone))

    def action_search(self) -> None:
        from convo_tui.core.rows import CustomerHit
        from convo_tui.screens.search import SearchScreen

        def chosen(hit: CustomerHit | SearchHit | None) -> None:
            if hit is None:
                return
            if hit.conversation_id is None:
                self.notify(
                    f"{one_line(hit.name)} has no conversation: they never texted anything but "
                    "keywords",
                    severity="warning",
                    markup=False,
                )
                return
            message_id = hit.message_id if isinstance(hit, SearchHit) else None
            self.open_message(hit.conversation_id, message_id)

        self.app.push_screen(SearchScreen(self.desk, self.now, self.zone), chosen)

    def open_message(self, conversation_id: int, message_id: int | None = None) -> None:
        """Open a conversation from search, scrolled to one of its messages (a message hit)
        or at its end (a customer): marked read, as any open is."""
        self.inbox.move_to_conversation(conversation_id)
        self.target = conversation_id
        self.thread_limit = THREAD_PAGE
        self._load(conversation_id, mark_read=True, focus=True, focus_message_id=message_id)

    # -- the team -----------------------------------------------------------------

    def presence_state(self) -> tuple[int | None, bool]:
        """What this inbox tells the others: the conversation on screen (None when none
        is) and whether the agent is writing to it (a draft changed in the last seconds)."""
        view = self.view
        if view is None or view.conversation_id != self.target:
            return None, False
        composers = self.query(Composer)
        typing = (
            time.monotonic() - self._typed_at < TYPING_SECONDS
            and bool(composers)
            and composers.first().conversation_id == view.conversation_id
            and not composers.first().draft.empty
        )
        return view.conversation_id, typing

    def show_presence(self, others: list[Present]) -> None:
        """Who else is on which conversation: marks on the rows, words on the thread."""
        if others == self.others:
            return
        self.others = others
        marks: dict[int, str] = {}
        for found in others:
            if found.conversation_id is not None:
                marks[found.conversation_id] = marks.get(found.conversation_id, "") + initials(
                    found.name, found.login
                )
        self.inbox.set_viewers(marks)
        self.thread.set_presence(presence_words(others, self.target))

    def action_assign_me(self) -> None:
        if (subject := self._subject()) is not None:
            self._assign_worker(subject.conversation_id, self.me.login, subject.name)

    def action_unassign(self) -> None:
        if (subject := self._subject()) is not None:
            self._assign_worker(subject.conversation_id, None, subject.name)

    def action_assign_to(self) -> None:
        if (subject := self._subject()) is not None:
            self._assignable_worker(subject)

    @work(thread=True, exit_on_error=False, group="assign")
    def _assignable_worker(self, subject: Subject) -> None:
        self.app.call_from_thread(self._pick_assignee, subject, self.desk.assignable())

    def _pick_assignee(self, subject: Subject, choices: list[AgentChoice]) -> None:
        from convo_tui.screens.assign import NOBODY, AssignModal

        def chosen(login: str | None) -> None:
            if login is not None:
                target = None if login == NOBODY else login
                self._assign_worker(subject.conversation_id, target, subject.name)

        modal = AssignModal(subject.name, choices, self.me.login, subject.assignee)
        self.app.push_screen(modal, chosen)

    @work(thread=True, exit_on_error=False, group="actions")
    def _assign_worker(self, conversation_id: int, login: str | None, name: str) -> None:
        change, words = self.desk.assign(conversation_id, login)
        undoable = change if change.changed else None
        self.post_message(self.Done(f"{name}: {words}", undoable, self.inbox.has_focus))

    def action_note(self) -> None:
        from convo_tui.screens.note import NoteModal

        if (subject := self._subject()) is None:
            return
        pid, name = subject.profile_id, subject.name

        def written(text: str | None) -> None:
            if text is not None:
                self._note_worker(pid, name, text)

        self.app.push_screen(NoteModal(name), written)

    @work(thread=True, exit_on_error=False, group="actions")
    def _note_worker(self, profile_id: int, name: str, text: str) -> None:
        added = self.desk.add_note(profile_id, text)
        words = f"{name}: note added (not sent to the customer)"
        if added.mentioned:
            words += f"; told {', '.join(added.mentioned)}"
        if added.unknown:
            words += f"; no agent {', '.join('@' + u for u in added.unknown)}"
        self.post_message(self.Done(words, None, self.inbox.has_focus))

    def action_cycle_view(self) -> None:
        """All → Mine → Unassigned → All: the view, combined with the filter."""
        views: list[int | None] = [None, self.me.agent_id, UNASSIGNED]
        if self.me.agent_id is None:  # the store is still loading: no "mine" yet
            return
        at = views.index(self.filter.assignee) if self.filter.assignee in views else 0
        self.apply_filter(replace(self.filter, assignee=views[(at + 1) % len(views)]))
        self._view_counts_worker(self.filter)

    @work(thread=True, exclusive=True, group="view-counts", exit_on_error=False)
    def _view_counts_worker(self, flt: InboxFilter) -> None:
        mine, nobody, every = self.desk.view_counts(flt)
        names = {None: "All", UNASSIGNED: "Unassigned"}
        shown = names.get(flt.assignee, "Mine")
        words = f"View: {shown} — Mine {mine:,} · Unassigned {nobody:,} · All {every:,}"
        self.app.call_from_thread(self.notify, words, markup=False, timeout=4)

    # -- replying -----------------------------------------------------------------

    @on(Composer.Leave)
    @on(ThreadView.Back)
    def _leave(self) -> None:
        self.inbox.focus()

    @on(Composer.Keep)
    def _keep(self, message: Composer.Keep) -> None:
        cid = message.conversation_id
        if not message.draft.empty:
            self._typed_at = time.monotonic()
        self._keep_worker(cid, message.draft, self._drafts.handed(cid, message.draft))

    @work(thread=True, exit_on_error=False, group="drafts")
    def _keep_worker(self, conversation_id: int, draft: DraftText, turn: int) -> None:
        self._drafts.write(conversation_id, draft, turn, self._save_draft)

    @on(Composer.Send)
    def _send(self, message: Composer.Send) -> None:
        view = self.view
        if view is None or view.conversation_id != message.conversation_id:
            # The box only ever holds the draft of the conversation shown: never send a
            # draft anywhere else.
            self.notify("Not sent: the reply box and the thread disagree; try again.")
            return
        self._prepare_worker(message, self._seen.get(view.conversation_id, view.newest_id))

    @work(thread=True, exit_on_error=False, group="send")
    def _prepare_worker(self, message: Composer.Send, seen: int | None) -> None:
        draft = self.desk.prepare(message.profile_id, message.body, message.media)
        if draft.quiet.quiet:
            self.post_message(self.Quiet(draft, message, seen))
            return
        self._send_now(message, None, seen)

    def _send_now(self, message: Composer.Send, send_at: datetime | None, seen: int | None) -> None:
        """In a worker: queue the reply; its draft goes with it (see PendingDrafts). Held
        (nothing written) when the thread moved on past `seen`: the agent is shown what is
        new, and sending again sends."""
        cid = message.conversation_id
        try:
            with self._drafts.replacing(cid):
                sent = self.desk.send(
                    message.profile_id,
                    message.body,
                    message.media,
                    send_at=send_at,
                    seen_id=seen if seen is not None else 0,
                )
        except Held as held:
            self.app.call_from_thread(self._held, held, cid)
            return
        self.app.call_from_thread(self._sent, sent, cid, message.profile_id)

    def _held(self, held: Held, conversation_id: int) -> None:
        """Show what came in meanwhile; the reply stays in the box and the next send goes
        (the agent has now seen it)."""
        if held.newer:
            self._seen[conversation_id] = max(n.id for n in held.newer)
        lines = [held.what[0].upper() + held.what[1:] + "."]
        for newer in held.newer[-3:]:
            who = "Customer" if newer.kind == "customer" else newer.who
            what = "note" if newer.kind == "note" else "wrote"
            lines.append(f"{who} ({what}): {one_line(newer.body, 60)}")
        lines.append("Read it; send again to send, or edit.")
        self.notify(
            "\n".join(lines), title="Reply held", severity="warning", markup=False, timeout=10
        )
        self.store_changed()

    @on(Quiet)
    def _quiet(self, message: Quiet) -> None:
        from convo_tui.screens.quiet_hours import ANYWAY, AT_WINDOW, QuietHoursModal

        draft = message.draft
        warning = draft.quiet.warning() or "outside the hours for texting"
        window = draft.window_words()
        send = message.send

        def chosen(choice: str | None) -> None:
            self.composer.body.focus()
            if choice not in (ANYWAY, AT_WINDOW):
                self.notify("Not sent; the reply is still in the composer.", timeout=3)
                return
            send_at = draft.next_window if choice == AT_WINDOW else None
            self._send_worker(send, send_at, message.seen)

        self.app.push_screen(QuietHoursModal(warning, window), chosen)

    @work(thread=True, exit_on_error=False, group="send")
    def _send_worker(
        self, message: Composer.Send, send_at: datetime | None, seen: int | None
    ) -> None:
        self._send_now(message, send_at, seen)

    def _sent(self, sent: Sent, conversation_id: int, profile_id: int) -> None:
        name = self._who() if self.view and self.view.conversation_id == conversation_id else ""
        name = name or "the customer"
        what = f"Reply #{sent.message_id} to {name}"
        if sent.send_at is not None:
            mine = sent.send_at.astimezone(self.zone)
            words = f"{what}: scheduled for {sent.their or 'a time'} ({mine:%a %H:%M} yours)"
        elif sent.recall_until is not None:
            words = f"{what}: pending, sends at {sent.recall_until.astimezone(self.zone):%H:%M:%S}"
        else:
            words = f"{what}: queued, it goes out with the next sync"
        self.composer.sent(conversation_id)
        if actions := self._reply_actions.pop(conversation_id, None):
            # What the saved reply does once sent: one change, undone on its own.
            does = reply_fill.action_words(actions)
            self._act(f"{name}: {does}", lambda: self.desk.reply_actions(conversation_id, actions))
        self._seen[conversation_id] = max(self._seen.get(conversation_id, 0), sent.message_id)
        if self.composer.conversation_id == conversation_id and self.composer.active:
            self.composer.body.focus()
        # Recallable until the sync takes it: the undo key says so.
        self._undo.append(
            (time.monotonic(), ReplyQueued(sent.message_id, conversation_id, profile_id), what)
        )
        del self._undo[:-UNDO_KEPT]
        self.notify(f"{words} — {self._undo_key()} undoes", markup=False, timeout=4)
        if sent.removed:
            notice = sent.removed[0].upper() + sent.removed[1:]
            self.notify(notice, severity="warning", markup=False, timeout=6)
        self.post_message(self.ReplyQueued())
        self.store_changed()

    @on(Composer.CouponWanted)
    def _coupon(self) -> None:
        self._coupons_worker()

    @work(thread=True, exit_on_error=False, group="coupons")
    def _coupons_worker(self) -> None:
        self.post_message(self.Coupons(self.desk.coupon_codes()))

    @on(Coupons)
    def _coupons(self, message: Coupons) -> None:
        from convo_tui.screens.coupon import CouponModal

        if not message.codes:
            self.notify(
                "No coupon codes yet: add them in Settings (,) under coupons.codes.",
                severity="warning",
                markup=False,
            )
            return

        def chosen(code: str | None) -> None:
            if code:
                self.composer.insert(code)

        self.app.push_screen(CouponModal(message.codes), chosen)

    @on(Composer.SavedReplyWanted)
    def _saved_reply(self, message: Composer.SavedReplyWanted) -> None:
        self._saved_replies_worker(message.conversation_id, message.profile_id)

    @work(thread=True, exit_on_error=False, group="saved-replies")
    def _saved_replies_worker(self, conversation_id: int, profile_id: int) -> None:
        choices = self.desk.saved_reply_choices(profile_id)
        self.post_message(self.SavedReplies(conversation_id, choices))

    @on(SavedReplies)
    def _saved_replies(self, message: SavedReplies) -> None:
        from convo_tui.screens.saved_reply import SavedReplyModal

        cid = message.conversation_id

        def chosen(picked: tuple[str, dict[str, Any], str] | None) -> None:
            if picked is None or self.composer.conversation_id != cid:
                return  # cancelled, or the box moved on to another customer meanwhile
            text, actions, name = picked
            self.composer.insert(text)
            if actions:
                self._reply_actions[cid] = actions
                self.notify(
                    f"{name}: on send, {reply_fill.action_words(actions)}",
                    markup=False,
                    timeout=4,
                )

        self.app.push_screen(SavedReplyModal(message.choices), chosen)
