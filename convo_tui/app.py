"""The terminal inbox (Textual): CSS, app-wide keys, commands, and the live store poller.

Screens live in convo_tui.screens, widgets in convo_tui.widgets; every read
and action goes through convo_tui.session.desk in a worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker

from convo_tui.core.rows import PRESENCE_HEARTBEAT
from convo_tui.core.timezones import agent_zone_name
from convo_tui.errors import ConvoError, StoreUnreachable
from convo_tui.screens.help import HelpScreen
from convo_tui.screens.inbox import InboxScreen
from convo_tui.session.collector import COLLECTOR
from convo_tui.session.keymap import Bound, build_keymap
from convo_tui.session.views import Me
from convo_tui.sync.status import SyncSource, SyncStatus
from convo_tui.widgets.composer import Composer
from convo_tui.widgets.inbox_list import InboxList
from convo_tui.widgets.redrawn.side_tabs import SideTabs
from convo_tui.widgets.thread_view import ThreadView
from convo_tui.widgets.worker_errors import report_failure

if TYPE_CHECKING:
    from convo_tui.core.first_page import FirstPage
    from convo_tui.core.notices import Notice
    from convo_tui.session.desk import Desk

POLL_SECONDS = 0.5
"""Seconds between checks of the change stamp (a few index probes at any size): another
agent's action is on this screen within a second, the team's goal, with time to draw it."""
MAX_RETRY = 5.0
"""Seconds between checks of a store that cannot be reached, at most (the backoff's cap)."""
STORE_UNREACHABLE = "store unreachable, retrying"
OTHERS_SECONDS = 1.0
"""How often the others' presence is read (a row per running inbox)."""
ANNOUNCED = 3
"""Toasts at most for texts that arrive together (the last one counts the rest)."""

COMMANDS: list[tuple[str, str, str]] = [
    ("Reply", "Write a reply to the open conversation", "reply"),
    ("Snooze", "Hide the conversation until later today, tomorrow, next week or a time", "snooze"),
    ("Close", "Close (archive) the conversation", "close"),
    ("Reopen", "Reopen the conversation", "reopen"),
    ("Toggle unread", "Mark the conversation read or unread", "toggle_unread"),
    ("Block / unblock", "Block the customer (or undo it)", "block"),
    (
        "Decide on a possible opt-out",
        "Opt the customer out, or say why their text is not an opt-out",
        "decide_opt_out",
    ),
    ("Assign to me", "Take the conversation: it is yours", "assign_me"),
    ("Assign to…", "Give the conversation to an agent, or to nobody", "assign_to"),
    ("Unassign", "The conversation is nobody's", "unassign"),
    ("Add a note", "An internal note for the team, never sent to the customer", "note"),
    ("Next view", "All, mine, unassigned (with the filter)", "cycle_view"),
    ("Possible opt-outs", "Conversations waiting for an opt-out decision", "show_opt_outs"),
    ("Filter", "Filter the inbox by status, read state, campaign or flow", "filters"),
    ("Search", "Search the text of all messages", "search"),
    ("Side panel", "Show or hide the profile, activity and orders panel", "toggle_panel"),
    ("Full profile", "Open the customer's full profile", "profile"),
    ("Older messages", "Show older messages of the thread", "older"),
]


class ConvoApp(App[None]):
    """The inbox for one agent on one store."""

    CSS_PATH = "app.tcss"
    TITLE = "convo"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit", tooltip="Quit convo"),
        Binding("question_mark,f1", "help", "Keys", id="help", tooltip="All keys of this pane"),
        Binding(
            "Y", "sync_panel", "Sync", id="sync_panel", show=False, tooltip="Sync health, sync now"
        ),
    ]

    def __init__(
        self,
        desk: Desk,
        *,
        sync: SyncSource | None = None,
        keys: Mapping[str, str] | None = None,
        poll_seconds: float = POLL_SECONDS,
        opening: FirstPage | None = None,
        on_opened: Callable[[], None] | None = None,
    ) -> None:
        """`opening` is a first page read before the store loaded (convo_tui.opening);
        the inbox paints it at once while `desk` finishes loading; `on_opened` is
        called once that first page is on the screen (it starts the loading)."""
        super().__init__()
        self.desk = desk
        self.opening = opening
        self._on_opened = on_opened
        self.sync = sync
        self.sync_status = SyncStatus()
        self._sync_words = ""
        self.poll_seconds = poll_seconds
        self._stop_listening: Callable[[], None] | None = None
        self.session_key = uuid.uuid4().hex
        """This run's presence row (core.presence): other agents see who is on what."""
        self._announced: tuple[int | None, bool] | None = None
        self._announced_at = 0.0
        self._others_at = 0.0
        """Ends the thread that listens for the database's change notifications."""
        self.keymap_config = keymap_of(keys or {})
        self.me: Me | None = None
        self.inbox: InboxScreen | None = None
        self.bells = 0
        """Times the bell rang (for tests: headless apps make no sound)."""
        self._poke = asyncio.Event()
        self.store_trouble = ""
        """What is wrong with the store, for the status line ("" while it answers)."""

    @property
    def now(self) -> Callable[[], datetime]:
        return self.desk.now

    def on_mount(self) -> None:
        if self.keymap_config:
            self.set_keymap(self.keymap_config)
        first = self.opening
        if first is not None:
            zone = agent_zone_name(first.zone)
            me = Me(first.login, first.name, first.role, zone, first.may_change_settings)
            self.me = me
            self.inbox = InboxScreen(self.desk, me, self.now, opening=first)
            self.push_screen(self.inbox)
        self._start()

    def on_inbox_screen_painted(self, _: InboxScreen.Painted) -> None:
        """The opening page is painted: now load the rest (not before: its imports
        would hold the GIL while the first frame is drawn)."""
        if self._on_opened is not None:
            start, self._on_opened = self._on_opened, None
            start()

    @work(thread=True, exit_on_error=False, group="start")
    def _start(self) -> None:
        me = self.desk.identify()  # with an opening: waits for the store to load
        self.call_from_thread(self._started, me)
        # PostgreSQL tells of every commit: another agent's action shows at once.
        self._stop_listening = self.desk.watch_changes(self.poke)
        for line in self.desk.store_warnings():
            self.call_from_thread(
                self.notify,
                line,
                title="Store open to others",
                severity="warning",
                markup=False,
                timeout=12,
            )

    def _started(self, me: Me) -> None:
        self.me = me
        if self.inbox is None:
            self.inbox = InboxScreen(self.desk, me, self.now)
            self.inbox.sync_status, self.inbox.store_trouble = self.sync_status, self.store_trouble
            self.push_screen(self.inbox)
        elif self.inbox.me != me:
            self.inbox.set_me(me)
        self._poll()

    def on_unmount(self) -> None:
        if self._stop_listening is not None:
            self._stop_listening()
        self.desk.close_watch()

    async def action_quit(self) -> None:
        if self.inbox is not None and self.inbox.is_mounted:
            self.inbox.flush_drafts()  # what was typed in the last half second too
        if self._announced is not None:
            with contextlib.suppress(ConvoError):  # a crash leaves it to expire
                await asyncio.to_thread(self.desk.leave, self.session_key)
        await super().action_quit()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            COLLECTOR.touched()  # the collector waits for a pause
        await super().on_event(event)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "start" and isinstance(event.worker.error, ConvoError):
            self.exit(return_code=3, message=f"convo: error: {event.worker.error.line()}")
            return
        report_failure(self, event)

    # -- live ---------------------------------------------------------------------

    def poll_now(self) -> None:
        """Check the store at once instead of at the next tick."""
        self._poke.set()

    def poke(self) -> None:
        """`poll_now` from any thread (the background sync calls it after news)."""
        if not self.is_running:
            return
        if threading.get_ident() == self._thread_id:
            self.poll_now()
        else:
            with contextlib.suppress(RuntimeError):  # the app is shutting down
                self.call_from_thread(self.poll_now)

    def set_sync_status(self, status: SyncStatus) -> None:
        """Push-style sync status (thread-safe); the poller also asks `sync.status()`."""
        if threading.get_ident() == self._thread_id:
            self._show_sync(status)
        else:
            self.call_from_thread(self._show_sync, status)

    def _show_sync(self, status: SyncStatus) -> None:
        # The words too: "last ok 40s ago" moves on while the status stays the same.
        words = status.describe(self.now())
        if status != self.sync_status or words != self._sync_words:
            self.sync_status, self._sync_words = status, words
            self._status_down()

    def on_inbox_screen_reply_queued(self, _: InboxScreen.ReplyQueued) -> None:
        if self.sync is not None:
            self.run_worker(asyncio.to_thread(self.sync.wake), group="sync-wake")

    @work(group="poller", exit_on_error=False)
    async def _poll(self) -> None:
        """Watch the store (and sync) twice a second; everything blocking runs in a thread.

        While the store cannot be reached (a database server restarting, the network) the
        screen keeps what it shows, the status line says so, and the checks go on with a
        backoff; the first that succeeds shows everything again."""
        desk = self.desk
        stamp: tuple[Any, ...] | None = None
        seen: int | None = None
        noticed: int | None = None
        failures = 0
        while True:
            if stamp is not None or failures:
                wait = min(self.poll_seconds * 2**failures, max(MAX_RETRY, self.poll_seconds))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._poke.wait(), timeout=wait)
                self._poke.clear()
            try:
                if self.sync is not None:
                    self._show_sync(await asyncio.to_thread(self.sync.status))
                if seen is None:
                    seen = await asyncio.to_thread(desk.last_notification_id)
                if noticed is None:
                    noticed = await asyncio.to_thread(desk.last_notice_id)
                await asyncio.to_thread(desk.wake_due)
                await self._presence()
                fresh = await asyncio.to_thread(desk.change_stamp)
                recovered = failures > 0
                failures = 0
                if recovered:
                    self._store_back()
                elif fresh == stamp or stamp is None:
                    stamp = fresh
                    continue
                stamp = fresh
                texts = await asyncio.to_thread(desk.new_texts, seen)
                if texts:
                    seen = texts[-1].notification_id
                    await self._announce(texts)
                notices = await asyncio.to_thread(desk.notices, noticed)
                if notices:
                    noticed = notices[-1].id
                    await self._tell(notices)
            except StoreUnreachable as exc:
                failures = min(failures + 1, 16)
                self.store_unreachable(exc)
                continue
            except ConvoError as exc:
                self.log.warning("store poll failed", exc.line())
                continue
            if self.inbox is not None:
                self.inbox.store_changed()

    async def _presence(self) -> None:
        """Tell the others what this agent is on (at a change, else every heartbeat), and
        read what they are on (every second)."""
        inbox = self.inbox
        if inbox is None or not inbox.is_mounted:
            return
        state = inbox.presence_state()
        now = time.monotonic()
        if state != self._announced or now - self._announced_at >= PRESENCE_HEARTBEAT:
            await asyncio.to_thread(self.desk.announce, self.session_key, *state)
            self._announced, self._announced_at = state, now
        if now - self._others_at >= OTHERS_SECONDS:
            self._others_at = now
            inbox.show_presence(await asyncio.to_thread(self.desk.others_present))

    async def _tell(self, notices: Iterable[Notice]) -> None:
        """Mentions and assignments for this agent: a toast each (and the bell)."""
        notices = list(notices)
        if await asyncio.to_thread(self.desk.bell_on):
            self.bells += 1
            self.bell()
        for notice in notices[-ANNOUNCED:]:
            self.notify(notice.words, title="For you", markup=False, timeout=10)

    def store_unreachable(self, error: StoreUnreachable) -> None:
        """The store could not be reached (by the poller or a worker): say so on the status
        line until a check succeeds; what the screen shows stays."""
        self.log.warning("store unreachable", error.line())
        if not self.store_trouble:
            self.store_trouble = STORE_UNREACHABLE
            self._status_down()
            self.poll_now()  # the poller confirms it and takes over the retrying

    def _store_back(self) -> None:
        self.store_trouble = ""
        self._status_down()

    def _status_down(self) -> None:
        """The sync's and the store's state, handed to the inbox's status line."""
        if self.inbox is not None:
            self.inbox.sync_status = self.sync_status
            self.inbox.store_trouble = self.store_trouble
            self.inbox.show_status()

    async def _announce(self, texts: Iterable[Any]) -> None:
        texts = list(texts)
        if await asyncio.to_thread(self.desk.bell_on):
            self.bells += 1
            self.bell()
        # Three toasts at most, the count among them: three is what fits above the
        # composer at 80x24, and a burst's count must not be the toast that is cut.
        shown = texts if len(texts) <= ANNOUNCED else texts[-(ANNOUNCED - 1) :]
        for text in shown:
            self.notify(f"{text.name}: {text.preview}", title="New text", markup=False, timeout=6)
        if len(shown) < len(texts):
            self.notify(f"and {len(texts) - len(shown)} more new texts", markup=False, timeout=6)

    # -- app-wide actions ---------------------------------------------------------

    def action_settings(self) -> None:
        from convo_tui.screens.settings import SettingsModal  # its rules load the store

        if not isinstance(self.screen, SettingsModal):
            self.push_screen(SettingsModal(self.desk), lambda _: self._settings_closed())

    def _settings_closed(self) -> None:
        if self.inbox is not None:
            self.inbox.store_changed()

    def action_sync_panel(self) -> None:
        from convo_tui.screens.sync_panel import SyncPanel

        if isinstance(self.screen, SyncPanel):
            self.pop_screen()
            return
        zone = self.inbox.zone if self.inbox is not None else None
        self.push_screen(SyncPanel(self.sync, zone=zone or UTC, now=self.now))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        bindings = self.screen.active_bindings
        display = {key: self.get_key_display(active.binding) for key, active in bindings.items()}
        self.push_screen(HelpScreen(dict(bindings), display))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """convo's commands only: Textual's own (theme, maximize, screenshot, its help
        panel) mean nothing to an agent, and its "Keys" would be a second one."""
        yield SystemCommand(
            "Settings", "Inbox settings (auto-reply, links, ...)", self.action_settings
        )
        yield SystemCommand("Keys", "All keys of the focused pane", self.action_help)
        yield SystemCommand(
            "Sync health",
            "Last sync rounds, errors in full, rate-limit waits, sync now",
            self.action_sync_panel,
        )
        yield SystemCommand("Quit", "Quit convo", self.action_quit)
        inbox = self.inbox
        if inbox is None:
            return
        for title, help_text, action in COMMANDS:
            if inbox.check_action(action, ()) is True:
                yield SystemCommand(title, help_text, _runner(inbox, action))
            elif action == "older" and inbox.view is not None:
                # Listed whenever a thread is shown, as its `h` key is: saying that
                # every message is in sight beats an entry that comes and goes.
                count = len(inbox.view.messages)
                every = (
                    f"All {count} messages are shown" if count != 1 else "Its one message is shown"
                )
                yield SystemCommand(title, every, _saying(self, every))


def _saying(app: App[Any], words: str) -> Callable[[], None]:
    return lambda: app.notify(words, markup=False, timeout=3)


SCOPES: tuple[tuple[type[Any], tuple[str, ...]], ...] = (
    (ConvoApp, ("app",)),
    (InboxScreen, ("app", "inbox")),
    (InboxList, ("app", "inbox", "list")),
    (ThreadView, ("app", "inbox", "thread")),
    (Composer, ("app", "inbox", "composer")),
    (SideTabs, ("app", "inbox", "side")),
)
"""Whose bindings a `[keys]` table may remap, and where each sits in the focus chain:
the panes are siblings (one focused at a time), inside the inbox screen, inside the app."""


def remappable() -> list[Bound]:
    """Every binding a `[keys]` table may remap, with its default keys and scope."""
    found: list[Bound] = []
    for owner, chain in SCOPES:
        for binding in owner.BINDINGS:
            if isinstance(binding, Binding) and binding.id:
                keys = tuple(key.strip() for key in binding.key.split(","))
                found.append(Bound(binding.id, keys, chain))
    return found


def keymap_of(keys: Mapping[str, str]) -> dict[str, str]:
    """The keymap for a `[keys]` table; ConfigError when it names an unknown id, an empty
    key, or a key that another action active at the same time keeps."""
    return build_keymap(keys, remappable())


def _runner(screen: Screen[Any], action: str) -> Callable[[], Any]:
    async def run() -> None:
        await screen.run_action(action)

    return run


def make_app(
    desk: Desk,
    *,
    sync: SyncSource | None = None,
    keys: Mapping[str, str] | None = None,
    now: Callable[[], datetime] | None = None,
) -> ConvoApp:
    """The app for `desk` (tests pass a fixed clock through the desk)."""
    if now is not None:
        desk.now = now
    return ConvoApp(desk, sync=sync, keys=keys)
