"""The inbox list: a virtual, line-API list of conversations that scales to any inbox size.

Only visible rows are drawn (`render_line`), from pages of rows that a thread
worker loads with keyset queries (offset only for a jump with no loaded
neighbour). Rows not loaded yet draw as a placeholder. The virtual height is
the row count, so a million conversations open and scroll like a hundred.

The widget holds the cursor and the glue: which pages are held and how they are
read is `convo_tui.session.inbox_pages`, how a row looks is `widgets.inbox_rows`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, on, work
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from convo_tui import clock
from convo_tui.core.rows import InboxFilter, InboxRow
from convo_tui.session.inbox_pages import Counts, InboxPages, LoadedPages, PageRequest
from convo_tui.session.typing_hold import TypingHold
from convo_tui.widgets.inbox_rows import ROW_HEIGHT, RowStyles, row_strip
from convo_tui.widgets.redrawn.bar_column import BarScrollView, with_bar
from convo_tui.widgets.redrawn.strip_fit import fit
from convo_tui.widgets.screen_actions import ScreenActions

if TYPE_CHECKING:
    from convo_tui.session.desk import Desk

EMPTY_STORE = (
    " No conversations yet.",
    " Try convo on demo data: convo demo",
    " or configure a provider (see the README) and run convo sync.",
)
"""What an inbox with no conversation at all says (not a filter's "none match")."""
MUTED = 0.6
"""How much of the text colour the dim parts of a row keep over the background."""


class InboxList(ScreenActions, BarScrollView, can_focus=True):
    """Conversations, newest activity first; two lines a row."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "inbox-list--cursor",
        "inbox-list--bar",
        "inbox-list--dot",
        "inbox-list--unread",
        "inbox-list--dim",
        "inbox-list--late",
        "inbox-list--tag",
        "inbox-list--status",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "move(1)", "Down", id="inbox.down", show=False, tooltip="Next row"),
        Binding("up,k", "move(-1)", "Up", id="inbox.up", show=False, tooltip="Previous row"),
        Binding("pagedown", "move_page(1)", "Page down", id="inbox.page_down", show=False),
        Binding("pageup", "move_page(-1)", "Page up", id="inbox.page_up", show=False),
        Binding("home,g", "move_to(0)", "First", id="inbox.first", show=False),
        Binding("end,G", "move_to(-1)", "Last", id="inbox.last", show=False),
        Binding("enter", "open", "Open", id="inbox.open", tooltip="Open the conversation"),
        # The one-key actions act from the list only, on the row under the cursor: in the
        # thread and the reply box letters are text or scrolling, never an action.
        *(
            Binding(key, f"screen_action('{action}')", words, id=bid, tooltip=tip, show=show)
            for key, action, words, bid, tip, show in (
                ("slash", "search", "Search", "search", "Search all messages", True),
                ("r", "reply", "Reply", "reply", "Write a reply", True),
                ("s", "snooze", "Snooze", "snooze", "Snooze the conversation", True),
                ("c", "close", "Close", "close", "Close (archive) the conversation", True),
                ("o", "reopen", "Reopen", "reopen", "Reopen the conversation", True),
                ("u", "toggle_unread", "Unread", "toggle_unread", "Toggle unread", True),
                ("b", "block", "Block", "block", "Block or unblock the customer", True),
                ("d", "decide_opt_out", "Opt-out?", "opt_out", "Decide: opt out or not", True),
                ("z", "undo", "Undo", "undo", "Undo the last action", True),
                ("a", "assign_me", "Take", "assign_me", "Assign to me", False),
                ("A", "assign_to", "Assign", "assign", "Assign to an agent, or to nobody", False),
                ("n", "note", "Note", "note", "Add an internal note (never sent)", False),
                ("w", "cycle_view", "View", "view", "View: all, mine, unassigned", False),
                ("f", "filters", "Filter", "filters", "Filter the inbox", True),
                ("i", "toggle_panel", "Panel", "side_panel", "Show or hide the panel", True),
                ("v", "profile", "Profile", "profile", "Full profile", False),
                ("h", "older", "Older", "older", "Older messages", False),
            )
        ),
        Binding("comma", "app.settings", "Settings", id="settings", tooltip="Inbox settings"),
    ]

    cursor: reactive[int] = reactive(0, always_update=False, repaint=False)

    class Highlighted(Message):
        """The row under the cursor is another conversation (or none)."""

        def __init__(self, row: InboxRow | None) -> None:
            super().__init__()
            self.row = row

    class Selected(Message):
        """The agent opened the conversation under the cursor."""

        def __init__(self, row: InboxRow) -> None:
            super().__init__()
            self.row = row

    class Counted(Message):
        def __init__(self, counts: Counts) -> None:
            super().__init__()
            self.counts = counts

    class _RowLoaded(Message):
        def __init__(self, conversation_id: int, row: InboxRow | None) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.row = row

    class _PagesLoaded(Message):
        def __init__(self, loaded: LoadedPages) -> None:
            super().__init__()
            self.loaded = loaded

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.desk: Desk | None = None
        """Set by the screen before the first `reload`."""
        self.filter = InboxFilter()
        self.clock: Callable[[], datetime] = clock.utcnow
        self._window = InboxPages()
        self._open_wanted = False
        """Enter was pressed before the row under the cursor had arrived: it opens then."""
        self._wanted: set[int] = set()
        """Pages of placeholder rows just drawn, read at the next idle moment."""
        self._fetch_scheduled = False
        self._loaded_once = False
        self._announced = False
        self._follow = False
        """After a reload: keep the cursor on the conversation it was on."""
        self._announced_id: int | None = None
        self._pinned: int | None = None
        """A conversation kept under the cursor (acted on) until the cursor moves."""
        self._reload_pending = False
        self._follow_target: int | None = None
        """A conversation to put the cursor on once the next reload has it."""
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._painted_minute = -1
        """The minute of the last full repaint."""
        self._typing = TypingHold()
        """Letters typed after `enter`, before the thread takes the focus: they are the
        reply's, never the list's one-key actions (session/typing_hold.py)."""
        self._open_keys_cache: frozenset[str] | None = None
        self.viewers: dict[int, str] = {}
        """Other agents' initials by the conversation they have open (presence)."""

    # -- typing after enter ---------------------------------------------------------

    def hold_typing(self) -> None:
        self._typing.start()

    def release_typing(self) -> str:
        return self._typing.release()

    def on_key(self, event: events.Key) -> None:
        if self._typing.take(event.key, event.character, event.is_printable):
            event.stop()
            event.prevent_default()
        elif event.key in self._open_keys():
            # Its binding runs once this key has bubbled up to the app, after the keys
            # that came with it have passed through here: hold from this key on.
            self.hold_typing()

    def _open_keys(self) -> frozenset[str]:
        """The keys that open the conversation to write in it: open and reply (enter and
        r, unless remapped); the screen ends the hold either way (InboxScreen)."""
        if self._open_keys_cache is None:
            self._open_keys_cache = frozenset(
                key
                for key, active in self.screen.active_bindings.items()
                if active.node is self
                and active.binding.action in ("open", "screen_action('reply')")
            )
        return self._open_keys_cache

    # -- data -------------------------------------------------------------------

    def pin(self, conversation_id: int) -> None:
        """Keep this conversation (under the cursor) where it is until the cursor moves,
        even if it no longer matches the filter: the agent acted on it and may act again
        (a second `u` under the Read filter marks it read again, not the next one)."""
        current = self.current
        if current is not None and current.conversation_id == conversation_id:
            self._pinned = conversation_id

    def follow(self, conversation_id: int) -> None:
        """Put the cursor on this conversation once the next reload brings it."""
        self._follow_target = conversation_id
        self._pinned = None

    def reload(self) -> None:
        """Load the count and the visible rows again (filter changed, or the store did)."""
        if self._pinned is not None:
            # The list waits until the agent moves on; the pinned row itself shows
            # its new state at once.
            self._reload_pending = True
            self._load_row(self._pinned)
            return
        self._window.renew()
        self._follow = True
        self._request(self._visible_pages(), with_counts=True)

    def seed(self, rows: list[InboxRow], counts: Counts) -> None:
        """Show a first page read before the desk was set (see convo_tui.opening);
        the next `reload` replaces it with the store's own answer."""
        self._store_pages(
            self._PagesLoaded(LoadedPages(self._window.generation, {0: rows}, counts))
        )

    @work(thread=True, group="inbox-row", exit_on_error=False)
    def _load_row(self, conversation_id: int) -> None:
        assert self.desk is not None
        self.post_message(self._RowLoaded(conversation_id, self.desk.inbox_row(conversation_id)))

    @on(_RowLoaded)
    def _row_loaded(self, message: _RowLoaded) -> None:
        message.stop()
        if message.conversation_id != self._pinned or message.row is None:
            return
        if self._window.replace(self.cursor, message.row):
            self.refresh_lines(self.cursor * ROW_HEIGHT, ROW_HEIGHT)

    def unpin(self) -> None:
        """Let the list follow the store again (another action, or the cursor moved)."""
        self._pinned = None
        if self._reload_pending:
            self._reload_pending = False
            self.reload()

    def set_filter(self, flt: InboxFilter) -> None:
        self._pinned = None
        self._reload_pending = False
        self.filter = flt
        self._window.clear()
        self._strips.clear()
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        self.reload()

    def set_viewers(self, viewers: dict[int, str]) -> None:
        """Who else has which conversation open (initials by conversation id)."""
        if viewers != self.viewers:
            self.viewers = viewers
            self.refresh()

    def row_at(self, index: int) -> InboxRow | None:
        return self._window.row_at(index)

    @property
    def total(self) -> int:
        """Conversations matching the filter, as last counted."""
        return self._window.total

    @property
    def fetching(self) -> bool:
        """Rows are on their way, or placeholders just drawn will ask for theirs."""
        return self._window.fetching or self._fetch_scheduled

    @property
    def current(self) -> InboxRow | None:
        return self.row_at(self.cursor) if self.total else None

    @property
    def loaded(self) -> bool:
        """True once the first count and rows have arrived."""
        return self._loaded_once

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._muted_style = None
        self._styles = None
        self._palette_checked = False

    _palette: tuple[Style, ...] = ()
    """The styles drawn rows were drawn in."""
    _palette_checked = False

    def _check_palette(self) -> None:
        """Forget drawn rows if the styles they carry changed (a theme change). Focus
        moving in or out restyles the list, but only the cursor row changes colour, and
        its style is part of its key."""
        self._palette_checked = True
        names = sorted(self.COMPONENT_CLASSES - {"inbox-list--cursor"})  # in the rows' keys
        palette = (
            self.rich_style,
            *(self.get_component_rich_style(name) for name in names),
            *(self.get_component_rich_style(name, partial=True) for name in names),
        )
        if palette != self._palette:
            self._palette = palette
            self._strips.clear()

    _muted_style: Style | None = None

    def _muted(self) -> Style:
        """The dim colour of previews and times, blended against this widget's own
        background (a component style has none to blend with, so it would come out
        white on a light theme or undimmed on a dark one)."""
        if self._muted_style is None:
            base = self.rich_style
            if base.color is None or base.bgcolor is None:
                self._muted_style = self.get_component_rich_style("inbox-list--dim", partial=True)
            else:
                muted = Color.from_rich_color(base.bgcolor).blend(
                    Color.from_rich_color(base.color), MUTED
                )
                self._muted_style = Style(color=muted.rich_color)
        return self._muted_style

    def _visible_rows(self) -> tuple[int, int]:
        """The rows in sight: (first, end)."""
        first = int(self.scroll_offset.y) // ROW_HEIGHT
        return first, min(first + max(self.size.height, 1) // ROW_HEIGHT + 2, self.total)

    def _minute(self) -> int:
        """The minute rows are drawn for (their ages change with it)."""
        return int(self.clock().timestamp()) // 60

    def _visible_pages(self) -> list[int]:
        """The pages to hold now (see `InboxPages.in_sight`)."""
        screen = max(self.size.height, 1) // ROW_HEIGHT + 1
        first = int(self.scroll_offset.y) // ROW_HEIGHT
        return self._window.in_sight(first, screen, self.cursor)

    def _request(self, pages: list[int], *, with_counts: bool = False) -> None:
        if self.desk is None:
            return
        request = self._window.request(pages, self.filter, with_counts=with_counts)
        if request is not None:
            self._load(request)

    @work(thread=True, group="inbox-pages", exit_on_error=False)
    def _load(self, request: PageRequest) -> None:
        assert self.desk is not None
        self.post_message(self._PagesLoaded(request.read(self.desk)))

    @on(_PagesLoaded)
    def _store_pages(self, message: _PagesLoaded) -> None:
        message.stop()
        loaded = message.loaded
        if loaded.generation != self._window.generation:
            return
        first, last = self._visible_rows()
        before = [self.row_at(index) for index in range(first, last)]
        total = self.total
        self._window.store(loaded, self._visible_pages())
        if loaded.counts is not None:
            self._set_virtual_size()
            self.post_message(self.Counted(loaded.counts))
            if self.total == 0:
                self.cursor = 0
            elif self.cursor >= self.total:
                self.cursor = self.total - 1
        minute = self._minute()
        if not self._loaded_once or self.total != total or minute != self._painted_minute:
            self._painted_minute = minute
            self.refresh()  # and rows show their ages as of now
        else:
            # Drawn rows are cached by their content: repaint only the rows that changed
            # (reading a conversation changes one row, a new page fills placeholders).
            for index, old in enumerate(before, first):
                if self.row_at(index) != old:
                    self.refresh_lines(index * ROW_HEIGHT, ROW_HEIGHT)
        self._loaded_once = True
        if loaded.counts is not None and self._follow:
            self._follow = False
            if self._follow_target is not None:
                target, self._follow_target = self._follow_target, None
                if not self.move_to_conversation(target):
                    self._follow_announced()
            else:
                self._follow_announced()
        self._announce()
        if self._open_wanted and (self.current is not None or not self.total):
            self._open_wanted = False
            if self.current is not None:
                self.post_message(self.Selected(self.current))
            else:
                self.release_typing()  # nothing to open: letters are keys again
        self._request(self._visible_pages())

    def _follow_announced(self) -> None:
        """Keep the cursor on the same conversation when rows moved (new activity above it)."""
        if self._announced_id is None:
            return
        current = self.current
        if current is not None and current.conversation_id == self._announced_id:
            return
        self.move_to_conversation(self._announced_id)

    def _announce(self) -> None:
        """Tell the screen when the conversation under the cursor changed."""
        row = self.current
        if row is None and self.total:
            return  # its page is on its way
        conversation_id = row.conversation_id if row is not None else None
        if not self._announced or conversation_id != self._announced_id:
            self._announced = True
            self._announced_id = conversation_id
            self.post_message(self.Highlighted(row))

    # -- drawing ----------------------------------------------------------------

    def on_resize(self, _event: events.Resize) -> None:
        self._set_virtual_size()
        self._strips.clear()
        self._request(self._visible_pages())

    def _set_virtual_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.total * ROW_HEIGHT)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self.is_mounted:
            self._request(self._visible_pages())

    _frame: tuple[int, Style, list[Segment] | None] | None = None
    """The width, base style and scroll bar cells of the lines being drawn (see
    `render_lines`)."""

    def render_lines(self, crop: Region) -> list[Strip]:
        # Worked out once a frame rather than for each of its lines (the base style walks
        # every ancestor's background): a page down draws some forty lines.
        self._frame = self._frame_now()
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def _frame_now(self) -> tuple[int, Style, list[Segment] | None]:
        region = self.scrollable_content_region
        return (region.width, self.rich_style, self._bar.cells(region.height))

    def render_line(self, y: int) -> Strip:
        if not self._palette_checked:
            self._check_palette()
        width, base, bars = self._frame or self._frame_now()
        if bars is None:
            return self._line(y, width, base, None)
        bar = bars[y] if y < len(bars) else Segment(" ", base)
        return self._line(y, width - 1, base, bar)

    def _line(self, y: int, width: int, base: Style, bar: Segment | None) -> Strip:
        """Line `y`, `width` cells of row followed by the scroll bar's cell, if any."""
        line = int(self.scroll_offset.y) + y
        index, part = divmod(line, ROW_HEIGHT)
        if self.total == 0:
            empty = EMPTY_STORE if self._window.empty_store else (" No conversations match.",)
            if line < len(empty) and self._loaded_once:
                return with_bar(self._strip(Text(empty[line]), width, base), bar)
            return with_bar(Strip.blank(width, base), bar)
        if index >= self.total:
            return with_bar(Strip.blank(width, base), bar)
        row = self.row_at(index)
        selected = index == self.cursor
        style = base + self.get_component_rich_style("inbox-list--cursor") if selected else base
        if row is None:
            self._want(self._window.page_of(index))
            dim = self._muted()
            return with_bar(
                self._strip(Text("   …" if part == 0 else "", style=dim), width, style), bar
            )
        # `style` tells the cursor row (drawn apart with and without the focus) from others;
        # the bar's cell is part of the key, so a scroll finds most lines drawn already.
        viewers = self.viewers.get(row.conversation_id, "")
        key = (row, part, width, selected, self._minute(), style, bar, viewers)
        cached = self._strips.get(key)
        if cached is None:
            drawn = row_strip(
                row,
                part,
                width,
                selected=selected,
                style=style,
                styles=self.row_styles(),
                now=self.clock(),
                viewers=viewers,
            )
            cached = with_bar(drawn, bar)
            self._strips[key] = cached
        return cached

    def row_styles(self) -> RowStyles:
        """The styles of a row's parts in the current theme (worked out once a palette)."""
        if self._styles is None:
            part = self.get_component_rich_style
            bar = part("inbox-list--bar", partial=True)
            self._styles = RowStyles(
                bar=bar,
                dot=bar + part("inbox-list--dot", partial=True),
                unread=bar + part("inbox-list--unread", partial=True),
                late=bar + part("inbox-list--late", partial=True),
                tag=bar + part("inbox-list--tag", partial=True),
                status=bar + part("inbox-list--status", partial=True),
                muted=bar + self._muted(),
            )
        return self._styles

    _styles: RowStyles | None = None

    def _strip(self, text: Text, width: int, style: Style) -> Strip:
        text.no_wrap = True
        text.overflow = "ellipsis"
        text.truncate(width, overflow="ellipsis", pad=True)
        segments = list(text.render(self.app.console))
        return fit(Strip(segments), width).apply_style(style)

    def _want(self, page: int) -> None:
        self._wanted.add(page)
        if not self._fetch_scheduled:
            self._fetch_scheduled = True
            self.call_later(self._fetch_wanted)

    def _fetch_wanted(self) -> None:
        self._fetch_scheduled = False
        wanted, self._wanted = sorted(self._wanted), set()
        self._request(wanted)

    # -- moving -----------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        if self._pinned is not None:
            self.unpin()
        # Drawn rows are keyed by whether they are selected: repaint the two rows only
        # (a scroll repaints the rest).
        self.refresh_lines(old * ROW_HEIGHT, ROW_HEIGHT)
        self.refresh_lines(new * ROW_HEIGHT, ROW_HEIGHT)
        self._scroll_to_cursor()
        self._request(self._visible_pages())
        self._announce()

    def _scroll_to_cursor(self) -> None:
        top = self.cursor * ROW_HEIGHT
        height = max(self.scrollable_content_region.height, ROW_HEIGHT)
        scroll_y = int(self.scroll_offset.y)
        if top < scroll_y:
            self.scroll_to(y=top, animate=False)
        elif top + ROW_HEIGHT > scroll_y + height:
            self.scroll_to(y=top + ROW_HEIGHT - height, animate=False)

    def action_move(self, step: int) -> None:
        self._open_wanted = False
        if self.total:
            self.cursor = min(max(self.cursor + step, 0), self.total - 1)

    def action_move_page(self, direction: int) -> None:
        rows = max(self.scrollable_content_region.height // ROW_HEIGHT - 1, 1)
        self.action_move(direction * rows)

    def action_move_to(self, index: int) -> None:
        if self.total:
            self.cursor = self.total - 1 if index < 0 else min(index, self.total - 1)

    def action_open(self) -> None:
        row = self.current
        if row is not None:
            self.hold_typing()  # at once: the keys behind this enter are already queued
            self.post_message(self.Selected(row))
        elif not self._loaded_once or self.total:
            # The rows are still on their way (the first page, or a reload): an enter
            # pressed now is kept, never dropped.
            self.hold_typing()
            self._open_wanted = True
        else:
            self.release_typing()  # nothing to open: letters are keys again

    def move_to_conversation(self, conversation_id: int) -> bool:
        """Put the cursor on a conversation if it is among the loaded rows."""
        index = self._window.find(conversation_id)
        if index is None:
            return False
        self.cursor = index
        return True

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self.total or self.bar_part(event) is not None:
            return
        index = (int(self.scroll_offset.y) + offset.y) // ROW_HEIGHT
        if index >= self.total:
            return
        if index == self.cursor or event.chain >= 2:
            self.cursor = index
            self.action_open()
        else:
            self.cursor = index

    def on_focus(self, _event: events.Focus) -> None:
        self.refresh_lines(self.cursor * ROW_HEIGHT, ROW_HEIGHT)  # drawn by focus

    def on_blur(self, _event: events.Blur) -> None:
        self.refresh_lines(self.cursor * ROW_HEIGHT, ROW_HEIGHT)
