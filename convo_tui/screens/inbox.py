"""The inbox screen: list, thread, composer and side panel, and every triage action.

Reads and actions run in thread workers through the Desk; their results come
back as messages, and the handlers update the widgets (attributes down).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import pytz
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.lazy import Lazy
from textual.message import Message
from textual.reactive import Reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import Worker

from convo_tui import collector
from convo_tui.collector import COLLECTOR
from convo_tui.core.rows import THREAD_PAGE, EventRow, InboxFilter, OrderRow, SearchHit
from convo_tui.screens.filters import FilterModal, filter_words
from convo_tui.text import one_line
from convo_tui.views import ConversationView, Me, Sent, SourceChoice
from convo_tui.widgets.composer import Composer
from convo_tui.widgets.inbox_list import Counts, InboxList
from convo_tui.widgets.key_bar import KeyBar
from convo_tui.widgets.side_panel import SidePanel
from convo_tui.widgets.status_line import StatusInfo, StatusLine
from convo_tui.widgets.thread_view import ThreadView
from convo_tui.widgets.worker_errors import report_failure

if TYPE_CHECKING:
    from convo_tui.app import ConvoApp
    from convo_tui.core import compose
    from convo_tui.desk import Desk
    from convo_tui.store.quickread import FirstPage

WIDE = 120
"""From this width the side panel shows beside the thread by default."""
PREVIEW_DELAY = 0.08
"""Seconds the list cursor must rest on a row before its thread is loaded."""
PREVIEW_MESSAGES = 15
"""Messages a preview loads (enter loads the full page of 50)."""

ACTIONS_NEEDING_CONVERSATION = {
    "reply",
    "snooze",
    "close",
    "reopen",
    "toggle_unread",
    "block",
    "profile",
    "older",
}
FOOTER_ACTIONS = ACTIONS_NEEDING_CONVERSATION - {"profile", "older"}
"""The ones the footer shows (the others' bindings are hidden)."""


class InboxScreen(Screen[None]):
    """The main screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="search", tooltip="Search all messages"),
        Binding("r", "reply", "Reply", id="reply", tooltip="Write a reply"),
        Binding("s", "snooze", "Snooze", id="snooze", tooltip="Snooze the conversation"),
        Binding("c", "close", "Close", id="close", tooltip="Close (archive) the conversation"),
        Binding("o", "reopen", "Reopen", id="reopen", tooltip="Reopen the conversation"),
        Binding("u", "toggle_unread", "Unread", id="toggle_unread", tooltip="Toggle unread"),
        Binding("b", "block", "Block", id="block", tooltip="Block or unblock the customer"),
        Binding("f", "filters", "Filter", id="filters", tooltip="Filter the inbox"),
        Binding("i", "toggle_panel", "Panel", id="side_panel", tooltip="Show or hide the panel"),
        Binding("v", "profile", "Profile", id="profile", show=False, tooltip="Full profile"),
        Binding("h", "older", "Older", id="older", show=False, tooltip="Older messages"),
    ]

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    """As the Screen's, without repainting the whole screen when focus moves: the
    widgets that look different focused (`:focus`, `:focus-within`) are restyled, and
    so repainted, by the focus change itself."""

    class Loaded(Message):
        def __init__(self, view: ConversationView, focus: bool) -> None:
            super().__init__()
            self.view = view
            self.focus = focus

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

        def __init__(self, words: str, *, cleared: bool = False) -> None:
            super().__init__()
            self.words = words
            self.cleared = cleared

    class Quiet(Message):
        def __init__(self, draft: compose.Draft, body: str, media: list[str]) -> None:
            super().__init__()
            self.draft = draft
            self.body = body
            self.media = media

    class Sources(Message):
        def __init__(self, sources: list[SourceChoice]) -> None:
            super().__init__()
            self.sources = sources

    class Coupons(Message):
        def __init__(self, codes: list[str]) -> None:
            super().__init__()
            self.codes = codes

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
        self.links = (True, "cnvo.link")
        self._preview: Timer | None = None
        self._allowed: frozenset[str] | None = None
        self._previewing = False
        """The conversation actions allowed when the footer was last drawn."""

    @property
    def convo_app(self) -> ConvoApp:
        from convo_tui.app import ConvoApp

        assert isinstance(self.app, ConvoApp)
        return self.app

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
            self.call_after_refresh(self.convo_app.opened)
        self.inbox.desk = self.desk
        self.inbox.reload()
        self.inbox.focus()
        self.thread.compose_empty("No conversation open.")
        self._load_link_settings()
        self.show_status()

    def on_unmount(self) -> None:
        COLLECTOR.stop()

    def on_resize(self, event: Resize) -> None:
        self._size_classes(event.size.width)

    def _size_classes(self, width: int) -> None:
        wide = width >= WIDE
        self.set_class(wide, "-wide")
        self.set_class(not wide, "-narrow")
        if self.panel_open is None:
            self.panel_open = wide
        self.set_class(bool(self.panel_open), "-panel")

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
            sync=self.convo_app.sync_status,
        )
        # In the agent's zone: a stalled sync says since when on the agent's clock.
        self.query_one(StatusLine).show_info(self.info, self.now().astimezone(self.zone))

    @on(InboxList.Counted)
    def _counted(self, event: InboxList.Counted) -> None:
        counts = event.counts
        unread = counts.unread if counts.show_unread else None
        self.info = replace(self.info, matching=counts.total, unread=unread)
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
            # Holding j or page down passes rows faster than a thread can be drawn:
            # the preview loads once the cursor rests.
            if self._preview is not None:
                self._preview.stop()
            target = event.row.conversation_id
            self._preview = self.set_timer(
                PREVIEW_DELAY,
                lambda: self._load(target, mark_read=False, focus=False, preview=True),
            )

    @on(InboxList.Selected)
    def _selected(self, event: InboxList.Selected) -> None:
        if self._preview is not None:
            self._preview.stop()
        self.target = event.row.conversation_id
        self._load(event.row.conversation_id, mark_read=True, focus=True)

    def _load(
        self,
        conversation_id: int,
        *,
        mark_read: bool,
        focus: bool,
        focus_message_id: int | None = None,
        preview: bool = False,
    ) -> None:
        """Load a conversation; a preview (the cursor resting on a row) brings only the
        last messages a pane can show, which keeps moving down the list light."""
        self._previewing = preview
        limit = self.thread_limit
        if preview and focus_message_id is None:
            limit = min(limit or PREVIEW_MESSAGES, PREVIEW_MESSAGES)
        # A preview brings what is drawn: the activity and orders only when their tab is
        # in sight (SidePanel.DetailsWanted brings them when it comes into sight).
        side = not preview or (bool(self.query(SidePanel)) and self.side.needs_details)
        self._load_worker(conversation_id, mark_read, focus, focus_message_id, limit, side)

    @work(thread=True, exclusive=True, group="conversation", exit_on_error=False)
    def _load_worker(
        self,
        conversation_id: int,
        mark_read: bool,
        focus: bool,
        focus_message_id: int | None,
        limit: int | None,
        side: bool = True,
    ) -> None:
        view = self.desk.conversation(
            conversation_id,
            limit=limit,
            focus_message_id=focus_message_id,
            mark_read=mark_read,
            side=side,
        )
        self.post_message(self.Loaded(view, focus))

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
            self.thread.show(view, now, self.zone)
            self.side.show(view, now, self.zone)
            self._update_composer()
            self._refresh_keys()
        if message.focus:
            self.thread.focus()
        if view.unread is False and self.inbox.current and self.inbox.current.unread:
            self.inbox.reload()

    def _update_composer(self) -> None:
        shorten, domain = self.links
        if not self.query(Composer):
            return
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
        """Hide what makes no sense now."""
        if action not in ACTIONS_NEEDING_CONVERSATION:
            return True
        view = self.view
        if view is None:
            return False
        if action == "reply":
            return True  # when refused, pressing it says why (the composer shows it too)
        if action == "close":
            return view.status != "closed"
        if action == "reopen":
            return view.status != "open"
        if action == "older":
            return len(view.messages) < view.total_messages
        return True

    # -- actions ------------------------------------------------------------------

    def _act(self, words: str, work_fn: Callable[[], Any]) -> None:
        self._act_worker(words, work_fn)

    @work(thread=True, exit_on_error=False, group="actions")
    def _act_worker(self, words: str, work_fn: Callable[[], Any]) -> None:
        work_fn()
        self.post_message(self.Done(words))

    @on(Done)
    def _done(self, message: Done) -> None:
        self.notify(message.words, markup=False, timeout=3)
        self.store_changed()

    def _who(self) -> str:
        return one_line(self.view.card.name, 40) if self.view else ""

    @on(Composer.ReplyWanted)
    def action_reply(self) -> None:
        if self.view is None:
            return
        if self.view.refusal is not None:
            self.notify(one_line(self.view.refusal.message), severity="warning", markup=False)
            return
        if self._previewing:  # replying opens what was previewed
            self._previewing = False
            self._update_composer()
        self.composer.body.focus()

    def action_close(self) -> None:
        if self.view is not None:
            cid = self.view.conversation_id
            self._act(f"{self._who()}: closed", lambda: self.desk.close(cid))

    def action_reopen(self) -> None:
        if self.view is not None:
            cid = self.view.conversation_id
            self._act(f"{self._who()}: open", lambda: self.desk.reopen(cid))

    def action_toggle_unread(self) -> None:
        if self.view is not None:
            cid, unread = self.view.conversation_id, not self.view.unread
            words = "marked unread" if unread else "marked read"
            self._act(f"{self._who()}: {words}", lambda: self.desk.set_unread(cid, unread))

    def action_snooze(self) -> None:
        from convo_tui.screens.snooze import SnoozeModal  # modals load when first used

        if self.view is None:
            return
        cid, name = self.view.conversation_id, self._who()

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

        if self.view is None:
            return
        pid, name, blocked = self.view.profile_id, self._who(), self.view.card.blocked

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

    def action_filters(self) -> None:
        self._sources_worker()

    @work(thread=True, exit_on_error=False, group="sources")
    def _sources_worker(self) -> None:
        self.post_message(self.Sources(self.desk.sources()))

    @on(Sources)
    def _sources(self, message: Sources) -> None:
        self.source_names = {s.id: s.name for s in message.sources}

        def chosen(flt: InboxFilter | None) -> None:
            if flt is not None:
                self.apply_filter(flt)

        self.app.push_screen(FilterModal(self.filter, message.sources), chosen)

    def apply_filter(self, flt: InboxFilter) -> None:
        self.filter = flt
        self.inbox.set_filter(flt)
        self.show_status()
        self.inbox.focus()

    def action_toggle_panel(self) -> None:
        self.panel_open = not self.panel_open
        self.set_class(self.panel_open, "-panel")

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
        from convo_tui.screens.search import SearchScreen

        def chosen(hit: SearchHit | None) -> None:
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
            self.open_message(hit.conversation_id, hit.message_id)

        self.app.push_screen(SearchScreen(self.desk, self.now, self.zone), chosen)

    def open_message(self, conversation_id: int, message_id: int) -> None:
        """Show a conversation scrolled to one of its messages (a search hit)."""
        self.inbox.move_to_conversation(conversation_id)
        self.target = conversation_id
        self.thread_limit = THREAD_PAGE
        self._load(conversation_id, mark_read=False, focus=True, focus_message_id=message_id)

    # -- replying -----------------------------------------------------------------

    @on(Composer.Leave)
    def _leave(self) -> None:
        self.inbox.focus()

    @on(Composer.Send)
    def _send(self, message: Composer.Send) -> None:
        if self.view is None:
            return
        self._prepare_worker(self.view.profile_id, message.body, message.media)

    @work(thread=True, exit_on_error=False, group="send")
    def _prepare_worker(self, profile_id: int, body: str, media: list[str]) -> None:
        draft = self.desk.prepare(profile_id, body, media)
        if draft.quiet.quiet:
            self.post_message(self.Quiet(draft, body, media))
            return
        sent = self.desk.send(profile_id, body, media)
        self.app.call_from_thread(self._sent, sent)

    @on(Quiet)
    def _quiet(self, message: Quiet) -> None:
        from convo_tui.screens.quiet_hours import ANYWAY, AT_WINDOW, QuietHoursModal

        draft = message.draft
        warning = draft.quiet.warning() or "outside the hours for texting"
        window = None
        if draft.next_window is not None and draft.quiet.zone.name:
            theirs = draft.next_window.astimezone(pytz.timezone(draft.quiet.zone.name))
            window = f"{theirs:%H:%M} their time ({theirs:%a %d %b})"
        profile_id = self.view.profile_id if self.view else None

        def chosen(choice: str | None) -> None:
            self.composer.body.focus()
            if choice is None or profile_id is None:
                self.notify("Not sent; the reply is still in the composer.", timeout=3)
                return
            send_at = draft.next_window if choice == AT_WINDOW else None
            if choice not in (ANYWAY, AT_WINDOW):
                return
            self._send_worker(profile_id, message.body, message.media, send_at)

        self.app.push_screen(QuietHoursModal(warning, window), chosen)

    @work(thread=True, exit_on_error=False, group="send")
    def _send_worker(
        self, profile_id: int, body: str, media: list[str], send_at: datetime | None
    ) -> None:
        sent = self.desk.send(profile_id, body, media, send_at=send_at)
        self.app.call_from_thread(self._sent, sent)

    def _sent(self, sent: Sent) -> None:
        name = self._who()
        if sent.send_at is None:
            words = f"Queued reply #{sent.message_id} to {name}; it goes out with the next sync."
        else:
            theirs = sent.send_at.astimezone(pytz.timezone(sent.zone or "UTC"))
            mine = sent.send_at.astimezone(self.zone)
            words = (
                f"Scheduled reply #{sent.message_id} to {name} for {theirs:%a %H:%M} their "
                f"time ({mine:%a %H:%M} yours)."
            )
        self.composer.sent()
        self.composer.body.focus()
        self.notify(words, markup=False, timeout=4)
        self.convo_app.reply_queued()
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
