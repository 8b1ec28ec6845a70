"""The inbox list: a virtual, line-API list of conversations that scales to any inbox size.

Only visible rows are drawn (`render_line`), from pages of rows that a thread
worker loads with keyset queries (offset only for a jump with no loaded
neighbour). Rows not loaded yet draw as a placeholder. The virtual height is
the row count, so a million conversations open and scroll like a hundred.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len, set_cell_size
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
from convo_tui.display import WAIT_ALERT, ago, reply_marker, until
from convo_tui.text import one_line
from convo_tui.widgets.bar_column import BarScrollView, with_bar
from convo_tui.widgets.screen_actions import ScreenActions
from convo_tui.widgets.strip_fit import fit

if TYPE_CHECKING:
    from convo_tui.session.desk import Desk

ROW_HEIGHT = 2
PAGE = 100
EMPTY_STORE = (
    " No conversations yet.",
    " Try convo on demo data: convo demo",
    " or configure a provider (see the README) and run convo sync.",
)
"""What an inbox with no conversation at all says (not a filter's "none match")."""
MUTED = 0.6
"""How much of the text colour the dim parts of a row keep over the background."""
KEEP_PAGES = 12
"""Pages of rows kept in memory around the viewport and the cursor."""

Cursor = tuple[datetime, int]


@dataclass(frozen=True)
class Counts:
    total: int
    unread: int
    show_unread: bool
    empty_store: bool = False
    """No conversation at all, whatever the filter: the inbox says how to get some."""
    flagged: int = 0
    """Conversations waiting for an agent's opt-out decision (whatever the filter)."""
    flagged_since: datetime | None = None
    not_at_klaviyo: int = 0
    """Opt-outs recorded here that Klaviyo refused (a read-only key)."""


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
        def __init__(
            self, generation: int, pages: dict[int, list[InboxRow]], counts: Counts | None
        ) -> None:
            super().__init__()
            self.generation = generation
            self.pages = pages
            self.counts = counts

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.desk: Desk | None = None
        """Set by the screen before the first `reload`."""
        self.filter = InboxFilter()
        self.clock: Callable[[], datetime] = clock.utcnow
        self.total = 0
        self._pages: dict[int, list[InboxRow]] = {}
        self._open_wanted = False
        """Enter was pressed before the row under the cursor had arrived: it opens then."""
        self._fresh: set[int] = set()
        """Pages loaded in the current generation (others are shown until replaced)."""
        self._inflight: set[int] = set()
        self._wanted: set[int] = set()
        self._fetch_scheduled = False
        self._generation = 0
        self._loaded_once = False
        self._empty_store = False
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
        self._generation += 1
        self._follow = True
        self._fresh.clear()
        self._inflight.clear()
        self._request(self._visible_pages(), with_counts=True)

    def seed(self, rows: list[InboxRow], counts: Counts) -> None:
        """Show a first page read before the desk was set (see convo_tui.opening);
        the next `reload` replaces it with the store's own answer."""
        self._store_pages(self._PagesLoaded(self._generation, {0: rows}, counts))

    @work(thread=True, group="inbox-row", exit_on_error=False)
    def _load_row(self, conversation_id: int) -> None:
        assert self.desk is not None
        self.post_message(self._RowLoaded(conversation_id, self.desk.inbox_row(conversation_id)))

    @on(_RowLoaded)
    def _row_loaded(self, message: _RowLoaded) -> None:
        message.stop()
        if message.conversation_id != self._pinned or message.row is None:
            return
        page = self._pages.get(self.cursor // PAGE)
        offset = self.cursor % PAGE
        if page and offset < len(page) and page[offset].conversation_id == message.conversation_id:
            page[offset] = message.row
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
        self._pages.clear()
        self._strips.clear()
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        self.reload()

    def row_at(self, index: int) -> InboxRow | None:
        page = self._pages.get(index // PAGE)
        if page is None:
            return None
        offset = index % PAGE
        return page[offset] if offset < len(page) else None

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

    def _evict(self) -> None:
        """Forget pages far from the viewport and the cursor, so memory stays flat however
        far the agent scrolls (they are loaded again if the agent comes back)."""
        if len(self._pages) <= KEEP_PAGES:
            return
        # The first and the last page stay: home and end go back to them (and the page a
        # screen beyond the viewport, asked for ahead, must not push them out).
        near = {0, (max(self.total, 1) - 1) // PAGE, *self._visible_pages()}
        far = sorted(self._pages, key=lambda p: min(abs(p - n) for n in near))[KEEP_PAGES:]
        for page in far:
            del self._pages[page]
            self._fresh.discard(page)

    def _visible_rows(self) -> tuple[int, int]:
        """The rows in sight: (first, end)."""
        first = int(self.scroll_offset.y) // ROW_HEIGHT
        return first, min(first + max(self.size.height, 1) // ROW_HEIGHT + 2, self.total)

    def _minute(self) -> int:
        """The minute rows are drawn for (their ages change with it)."""
        return int(self.clock().timestamp()) // 60

    def _visible_pages(self) -> list[int]:
        """The pages in sight and under the cursor, and the page a screen beyond them
        either way: it loads while the agent is still a screen from its edge, so the key
        that gets there finds it drawn instead of placeholders to fill."""
        screen = max(self.size.height, 1) // ROW_HEIGHT + 1
        first = int(self.scroll_offset.y) // ROW_HEIGHT
        last = first + screen
        last = max(last, self.cursor)
        pages = {first // PAGE, last // PAGE, self.cursor // PAGE}
        if self.total:
            pages.add(min(last + screen, self.total - 1) // PAGE)
            pages.add(max(min(first, self.cursor) - screen, 0) // PAGE)
        return sorted(pages)

    def _request(self, pages: list[int], *, with_counts: bool = False) -> None:
        wanted = [p for p in pages if p not in self._fresh and p not in self._inflight]
        if not wanted and not with_counts:
            return
        if self.desk is None:
            return
        anchors: dict[int, tuple[Cursor | None, Cursor | None]] = {}
        for page in wanted:
            above = self._pages.get(page - 1) if page - 1 in self._fresh else None
            below = self._pages.get(page + 1) if page + 1 in self._fresh else None
            anchors[page] = (
                above[-1].cursor if above else None,
                below[0].cursor if below else None,
            )
        self._inflight.update(wanted)
        self._load(self._generation, self.filter, wanted, anchors, with_counts, self.total)

    @work(thread=True, group="inbox-pages", exit_on_error=False)
    def _load(
        self,
        generation: int,
        flt: InboxFilter,
        pages: list[int],
        anchors: dict[int, tuple[Cursor | None, Cursor | None]],
        with_counts: bool,
        total: int,
    ) -> None:
        desk = self.desk
        assert desk is not None
        counts = None
        if with_counts:
            flagged, since, refused = desk.opt_outs_waiting()
            counts = Counts(
                *desk.counts(flt), flagged=flagged, flagged_since=since, not_at_klaviyo=refused
            )
        if counts is not None and counts.total == 0 and not desk.has_conversations():
            counts = replace(counts, empty_store=True)
        loaded: dict[int, list[InboxRow]] = {}
        for page in sorted(pages):
            after, before = anchors.get(page, (None, None))
            if loaded.get(page - 1):
                after = loaded[page - 1][-1].cursor
            if page == 0:
                rows = desk.inbox_window(flt, limit=PAGE)
            elif after is not None:
                rows = desk.inbox_window(flt, limit=PAGE, after=after)
            elif before is not None:
                rows = desk.inbox_window(flt, limit=PAGE, before=before)
            elif not with_counts and page == (total - 1) // PAGE:
                rows = desk.inbox_window(flt, limit=PAGE, last=total - page * PAGE)
            else:
                rows = desk.inbox_window(flt, limit=PAGE, offset=page * PAGE)
            loaded[page] = rows
        self.post_message(self._PagesLoaded(generation, loaded, counts))

    @on(_PagesLoaded)
    def _store_pages(self, message: _PagesLoaded) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        first, last = self._visible_rows()
        before = [self.row_at(index) for index in range(first, last)]
        for page, rows in message.pages.items():
            self._inflight.discard(page)
            self._pages[page] = rows
            self._fresh.add(page)
        self._evict()
        total = self.total
        if message.counts is not None:
            self.total = message.counts.total
            self._empty_store = message.counts.empty_store
            self._set_virtual_size()
            self.post_message(self.Counted(message.counts))
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
        if message.counts is not None and self._follow:
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
            empty = EMPTY_STORE if self._empty_store else (" No conversations match.",)
            if line < len(empty) and self._loaded_once:
                return with_bar(self._strip(Text(empty[line]), width, base), bar)
            return with_bar(Strip.blank(width, base), bar)
        if index >= self.total:
            return with_bar(Strip.blank(width, base), bar)
        row = self.row_at(index)
        selected = index == self.cursor
        style = base + self.get_component_rich_style("inbox-list--cursor") if selected else base
        if row is None:
            self._want(index // PAGE)
            dim = self._muted()
            return with_bar(
                self._strip(Text("   …" if part == 0 else "", style=dim), width, style), bar
            )
        # `style` tells the cursor row (drawn apart with and without the focus) from others;
        # the bar's cell is part of the key, so a scroll finds most lines drawn already.
        key = (row, part, width, selected, self._minute(), style, bar)
        cached = self._strips.get(key)
        if cached is None:
            cached = with_bar(self._row_strip(row, part, width, selected, style), bar)
            self._strips[key] = cached
        return cached

    def _row_strip(
        self, row: InboxRow, part: int, width: int, selected: bool, style: Style
    ) -> Strip:
        """A row's line: the cursor's bar, then the line; every part carries the bar's
        colour under its own."""
        styles = self._row_styles()
        bar = Segment("▌" if selected else " ", styles["bar"])
        line = self._line_segments(row, part, width - 1, styles)
        return fit(Strip([bar, *line]), width).apply_style(style)

    def _row_styles(self) -> dict[str, Style]:
        """The styles of a row's parts, each over the bar's (worked out once a palette)."""
        if self._styles is None:
            part = self.get_component_rich_style
            bar = part("inbox-list--bar", partial=True)
            self._styles = {
                "bar": bar,
                **{
                    name: bar + part(f"inbox-list--{name}", partial=True)
                    for name in ("dot", "unread", "late", "tag", "status")
                },
                "muted": bar + self._muted(),
            }
        return self._styles

    _styles: dict[str, Style] | None = None

    def _line_segments(
        self, row: InboxRow, part: int, width: int, styles: dict[str, Style]
    ) -> list[Segment]:
        """A row's first line (name, tag, status, age) or second (preview, wait), built
        from segments (a page down draws some forty lines, and a Rich `Text` a line
        cost most of it): the name or preview takes what the right side leaves, cut
        with an ellipsis; a pane too narrow for both is cut at its edge."""
        now = self.clock()
        bar = styles["bar"]
        right: list[Segment] = []
        if part == 0:
            if row.attributed_to and width >= 44:
                right.append(Segment(f" {one_line(row.attributed_to, 20)} ", styles["tag"]))
                right.append(Segment(" ", bar))
            status = ""
            if row.blocked:
                status = "blocked"
            elif row.status == "snoozed":
                status = f"z {until(row.snooze_until, now)}"
            elif row.status == "closed":
                status = "closed"
            if row.possible_opt_out_at is not None:
                # Replies wait for an agent's decision: it stands out as a late wait does.
                right.append(Segment("⚑ ", styles["late"]))
            if status:
                right.append(Segment(status + " ", styles["status"]))
            right.append(Segment(f"{ago(row.last_message_at, now):>4}", styles["muted"]))
            left = Segment("● ", styles["dot"]) if row.unread else Segment("  ", bar)
            main, main_style = one_line(row.name), styles["unread"] if row.unread else bar
        else:
            if row.waiting_since is not None and row.status == "open":
                wait = f"⧗{ago(row.waiting_since, now)}"
                late = now - row.waiting_since > WAIT_ALERT
                right.append(Segment(f"{wait:>5}", styles["late"] if late else styles["muted"]))
            left = Segment("  ", bar)
            arrow = "→ " if row.last_direction == "outbound" else ""
            marker = reply_marker(row.reply_pending_at, now)
            main = (f"{marker} · " if marker else "") + arrow + one_line(row.preview)
            main_style = styles["muted"]
        right_width = sum(cell_len(segment.text) for segment in right)
        main_width = max(width - 2 - right_width - 1, 4)
        main = _fit(main, main_width)
        pad = Segment(" " * (main_width - cell_len(main) + 1), bar)
        segments = [left, Segment(main, main_style), pad, *right]
        if 2 + main_width + 1 + right_width > width:  # too narrow: cut at the edge
            line = Strip(segments)
            cut = list(line.crop(width - 1, width))  # the ellipsis takes its style
            segments = [*line.crop(0, width - 1), Segment("…", cut[0].style if cut else bar)]
        return [segment for segment in segments if segment.text]

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
            self.post_message(self.Selected(row))
        elif not self._loaded_once or self.total:
            # The rows are still on their way (the first page, or a reload): an enter
            # pressed now is kept, never dropped.
            self._open_wanted = True

    def move_to_conversation(self, conversation_id: int) -> bool:
        """Put the cursor on a conversation if it is among the loaded rows."""
        for page, rows in self._pages.items():
            for offset, row in enumerate(rows):
                if row.conversation_id == conversation_id and page in self._fresh:
                    self.cursor = page * PAGE + offset
                    return True
        return False

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


def _fit(text: str, width: int) -> str:
    """`text` in `width` cells: cut with an ellipsis when longer."""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return text
