"""The thread: the last 50 messages with one customer, labelled by source, with delivery status.

Every body, name and URL is drawn as literal `Text` after `visible`, so no
markup or escape sequence in a message can style the screen or run an action.

The thread is one line-API widget: a conversation is wrapped once into strips
(one list per message, cached by message and width), and `render_line` hands
out the visible ones. Moving from one conversation to the next changes no
widget tree and no layout but the scroll height, so the screen redraws only
the thread's own region.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import ClassVar

from rich.color import Color
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip

from convo_tui.core.rows import ThreadMessage
from convo_tui.display import ago, message_time, safe, safe_line, until
from convo_tui.session.typing_hold import TypingHold
from convo_tui.session.views import ConversationView
from convo_tui.widgets.redrawn.bar_column import BarScrollView, with_bar
from convo_tui.widgets.redrawn.strip_fit import fit
from convo_tui.widgets.screen_actions import ScreenActions

FAILED = {"failed", "undelivered"}
AUTOMATED = {"campaign", "flow", "auto_reply", "keyword_reply", "opt_out_confirmation"}
INDENT = 4
"""Columns an inbound message leaves on its right, an outbound one on its left."""
BORDER = "▌"


def outbox_status(message: ThreadMessage, zone: tzinfo, theirs: tzinfo | None) -> str:
    """A reply not sent yet says when it goes out: the recipient's time for a scheduled
    one, the second for one held for the send delay (recallable until then)."""
    if message.status == "scheduled":
        when = message.sent_at.astimezone(theirs or zone)
        return f"scheduled for {when:%a %H:%M} {'their' if theirs else 'your'} time"
    if message.status == "pending":
        return f"pending · sends at {message.sent_at.astimezone(zone):%H:%M:%S}"
    if message.status == "held":
        return "held · waits for the opt-out decision (d)"
    return message.status


def message_text(
    message: ThreadMessage, now: datetime, zone: tzinfo, *, theirs: tzinfo | None = None
) -> Text:
    """One message: a head line (time, who, status), the body, then attachments.

    `theirs` is the recipient's zone, when known (a scheduled reply's time is theirs)."""
    text = Text()
    text.append(message_time(message.sent_at, now, zone), style="dim")
    text.append("  ")
    if message.is_note:  # never sent: said in words, not only by its colour
        text.append("NOTE", style="bold reverse")
        text.append(" internal, not sent · ", style="italic")
    text.append_text(safe_line(message.label, style="bold"))
    if message.direction == "outbound":
        status = outbox_status(message, zone, theirs)
        if message.error_code:
            status += f" {message.error_code}"
        text.append(f"  · {status}", style="bold red" if message.status in FAILED else "dim")
        if message.error_message:
            text.append("  ")
            text.append_text(safe_line(message.error_message, style="red"))
    if message.attributed_to:
        text.append("  ← ", style="dim")
        text.append_text(safe_line(message.attributed_to, style="italic"))
    if message.body:
        text.append("\n")
        text.append_text(safe(message.body))
    for media in message.media:
        text.append("\n")
        text.append("attachment ", style="dim")
        text.append_text(safe_line(media.content_type or "file", style="italic"))
        text.append(" ")
        text.append_text(safe_line(media.url, style="underline"))
    return text


def header_text(view: ConversationView, now: datetime, presence: str = "") -> Text:
    """The thread's header; `presence` says who else is on it ("Bea is typing")."""
    card = view.card
    text = Text()
    text.append_text(safe_line(card.name, style="bold"))
    if card.named:
        text.append(f"  {card.phone}", style="dim")
    status = view.status
    if view.status == "snoozed":
        status += f" {until(view.snooze_until, now)}"
    text.append(f"  {status}")
    if view.unread:
        text.append(" · unread")
    if card.blocked:
        text.append(" · blocked", style="bold")
    if view.waiting_since is not None and view.status == "open":
        text.append(f" · waiting {ago(view.waiting_since, now)}")
    if view.possible_opt_out_at is not None:
        text.append(
            f"  ⚑ possible opt-out · {ago(view.possible_opt_out_at, now)} · d to decide",
            style="bold reverse",
        )
    if view.attributed_to:
        text.append("  ← ", style="dim")
        text.append_text(safe_line(view.attributed_to, style="italic"))
    if presence:
        text.append("\n")
        text.append_text(safe_line(presence, style="bold"))
    shown = len(view.messages)
    if shown < view.total_messages:
        text.append(f"\nlast {shown} of {view.total_messages} messages · h for older", style="dim")
    return text


def message_kind(message: ThreadMessage) -> str:
    """Which border a message gets: failed, automated, outbound or inbound."""
    if message.is_note:
        return "note"
    if message.status in FAILED:
        return "failed"
    if message.source_kind in AUTOMATED:
        return "automated"
    return "outbound" if message.direction == "outbound" else "inbound"


@dataclass(frozen=True)
class _Shown:
    """What the thread shows now: a conversation (header and messages) or a few words."""

    key: tuple[object, ...]
    header: Text | None
    messages: tuple[ThreadMessage, ...]
    texts: tuple[Text, ...]
    hit: int | None


@dataclass(frozen=True)
class _BoxLine:
    """A line of a message: its text (wrapped, uncoloured) and what colours its box."""

    strip: Strip
    kind: str
    outbound: bool
    hit: bool


@dataclass(frozen=True)
class _Words:
    """A line of the few words shown when no conversation is."""

    strip: Strip


@dataclass(frozen=True)
class _Styles:
    base: Style
    header: Style
    rule: Style
    empty: Style
    boxes: dict[tuple[bool, bool], Style]
    """The background of a message by (outbound, hit)."""
    borders: dict[str, Color | None]
    """The colour of a message's left border by kind."""


class ThreadView(ScreenActions, BarScrollView, can_focus=True):
    """The messages of the open conversation, oldest at the top, under a header that stays."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "thread-view--header",
        "thread-view--rule",
        "thread-view--empty",
        "thread-view--inbound",
        "thread-view--outbound",
        "thread-view--automated",
        "thread-view--failed",
        "thread-view--note",
        "thread-view--hit",
    }

    # Only keys that move and scroll (and back to the list): letters typed here by
    # mistake can change nothing. Actions that change a conversation are keys of the
    # list, or the command palette.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="thread.back", tooltip="Back to the list"),
        Binding("r", "screen_action('reply')", "Reply", id="thread.reply", tooltip="Write a reply"),
        Binding("h", "older", "Older", id="thread.older", tooltip="Show older messages"),
        Binding(
            "d",
            "screen_action('decide_opt_out')",
            "Opt-out?",
            id="thread.opt_out",
            tooltip="Decide on a possible opt-out",
        ),
        Binding("j", "scroll_down", "Scroll down", id="thread.down", show=False),
        Binding("k", "scroll_up", "Scroll up", id="thread.up", show=False),
    ]

    class OlderWanted(Message):
        """The agent asked for older messages."""

    class Back(Message):
        """The agent asked to go back to the list."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: _Shown = _Shown(("empty", ""), None, (), (), None)
        self.presence = ""
        """Who else is on the conversation shown (set by the screen from presence)."""
        self._last: tuple[ConversationView, datetime, tzinfo] | None = None
        self._header: list[Strip] = []
        """The header's lines (the rule under them is drawn apart)."""
        self._body: list[_BoxLine | _Words | None] = []
        """The lines under the header (None: a blank line between messages)."""
        self._rendered: dict[int, Strip] = {}
        """Body lines drawn in the current colours, by index."""
        self._palette: _Styles | None = None
        self._starts: dict[int, int] = {}
        """The first body line of each message, by message id."""
        self._width = -1
        """The width the strips were drawn for (-1: draw again)."""
        self._scroll_later: tuple[int | None, int | None] | None = None
        """A scroll asked for while the thread had no width (scroll_to, hit)."""
        self._boxes: LRUCache[tuple[object, ...], list[_BoxLine]] = LRUCache(256)
        self._typing = TypingHold()
        """Text typed while a conversation opens (session/typing_hold.py)."""

    # -- typing while a conversation opens -------------------------------------------

    def hold_typing(self) -> None:
        """Keep what is typed from now on (the reply box opens once the conversation is
        loaded): letters typed right after `enter` belong to the reply, not to keys."""
        self._typing.start()

    def release_typing(self) -> str:
        """What was typed while holding; holding ends."""
        return self._typing.release()

    def on_key(self, event: events.Key) -> None:
        if self._typing.take(event.key, event.character, event.is_printable):
            event.stop()
            event.prevent_default()

    # -- what is shown -------------------------------------------------------------

    @property
    def hit(self) -> ThreadMessage | None:
        """The message a search jumped to, if it is shown."""
        hit = self._shown.hit
        return next((m for m in self._shown.messages if m.id == hit), None)

    @property
    def plain(self) -> str:
        """The text of the thread (header and messages), unwrapped."""
        parts = [self._shown.header.plain] if self._shown.header is not None else []
        parts.extend(text.plain for text in self._shown.texts)
        return "\n".join(parts)

    def compose_empty(self, words: str) -> None:
        self._last = None
        if self._shown.key == ("empty", words):
            return
        self._shown = _Shown(("empty", words), None, (), (Text(words),), None)
        self._redraw(scroll_to=0)

    def set_presence(self, words: str) -> None:
        """Who else is on this conversation, under the header ("" for nobody)."""
        if words != self.presence:
            self.presence = words
            if self._last is not None:
                self.show(*self._last)

    def show(self, view: ConversationView, now: datetime, zone: tzinfo) -> None:
        """Draw `view`'s thread; unchanged content is left as it is (no flicker on polls)."""
        self._last = (view, now, zone)
        header = header_text(view, now, self.presence)
        key = (view.conversation_id, view.messages, header.plain)
        if key == self._shown.key and view.focus_message_id is None:
            return
        same_conversation = self._shown.key[0] == view.conversation_id
        at_end = self.scroll_offset.y >= self.max_scroll_y
        local = view.card.local_time
        theirs = local.tzinfo if local is not None else None
        texts = tuple(message_text(m, now, zone, theirs=theirs) for m in view.messages)
        hit = view.focus_message_id
        if hit is not None and all(m.id != hit for m in view.messages):
            hit = None
        self._shown = _Shown(key, header, view.messages, texts, hit)
        if hit is not None:
            self._redraw(hit=hit)
        elif at_end or not same_conversation:
            self._redraw(scroll_to=-1)
        else:
            self._redraw()

    # -- drawing ---------------------------------------------------------------------

    def _redraw(self, *, scroll_to: int | None = None, hit: int | None = None) -> None:
        """Wrap what is shown again, set the scroll height, and scroll (-1: the end)."""
        self._width = -1
        if not self.is_mounted or not self.scrollable_content_region.width:
            # Hidden (a stacked layout shows the list alone): scroll once in sight.
            if scroll_to is not None or hit is not None:
                self._scroll_later = (scroll_to, hit)
            self.refresh()
            return
        if scroll_to is None and hit is None and self._scroll_later is not None:
            scroll_to, hit = self._scroll_later
        self._scroll_later = None
        self._draw()
        height = (len(self._header) + 1 if self._header else 0) + len(self._body)
        width = self.scrollable_content_region.width
        self._set_virtual_size(Size(width, height))
        if hit is not None:
            scroll_to = self._starts.get(hit)
        if scroll_to is not None:
            top = self.max_scroll_y if scroll_to < 0 else min(scroll_to, self.max_scroll_y)
            self.scroll_to(y=top, animate=False, force=True)
        self.refresh()

    def _set_virtual_size(self, size: Size) -> None:
        """A new scroll height without a layout of the screen.

        Setting `virtual_size` lays the screen out (its reactive asks for a layout),
        which then repaints the thread's neighbours too; the thread's height is its
        parent's to decide (1fr), so only its scroll bar depends on it
        (`SteadyScrollView._quiet_virtual_size`)."""
        if self._quiet_virtual_size(size):
            self.refresh()

    def _wrap_width(self) -> int:
        """The text's width: the lines end with the scroll bar's cell (drawn here, see
        `render_line`); text is wrapped as if the bar were there, so the bar appearing
        or going never wraps the thread again."""
        return max(self.scrollable_content_region.width - 1, 8)

    def _draw(self) -> None:
        """Lay the thread out in lines at the current width (messages come from the
        cache when they were wrapped at this width already); colours are applied when
        a line is drawn, so a focus or theme change wraps nothing again."""
        width = self._wrap_width()
        self._width = width
        self._rendered.clear()
        console = self.app.console
        shown = self._shown
        self._header = []
        self._body = []
        self._starts = {}
        if shown.header is None:  # a few words: no conversation
            self._body = [None]
            for text in shown.texts:
                self._body.extend(_Words(line) for line in _wrap(text, width, console))
            return
        self._header = _wrap(shown.header, width, console)
        for message, text in zip(shown.messages, shown.texts, strict=True):
            self._body.append(None)
            self._starts[message.id] = len(self._body)
            self._body.extend(self._box(message, text, width, message.id == shown.hit))

    def _box(self, message: ThreadMessage, text: Text, width: int, hit: bool) -> list[_BoxLine]:
        """One message's lines, from the cache when it was wrapped at this width already."""
        key = (message, text.plain, width, hit)
        cached = self._boxes.get(key)
        if cached is not None:
            return cached
        outbound = message.direction == "outbound"
        left, right = (INDENT, 0) if outbound else (0, INDENT)
        inner = max(width - left - right - 3, 4)
        kind = message_kind(message)
        lines = [
            _BoxLine(line, kind, outbound, hit) for line in _wrap(text, inner, self.app.console)
        ]
        self._boxes[key] = lines
        return lines

    def _styles(self) -> _Styles:
        """The colours lines are drawn in (worked out again after a focus or theme change)."""
        if self._palette is None:
            base = self.rich_style
            boxes: dict[tuple[bool, bool], Style] = {}
            for outbound in (False, True):
                for hit in (False, True):
                    box = base
                    if outbound:
                        box = self.get_component_rich_style("thread-view--outbound")
                    if hit:
                        box = self.get_component_rich_style("thread-view--hit")
                    boxes[outbound, hit] = Style(
                        color=base.color, bgcolor=box.bgcolor or base.bgcolor
                    )
            borders = {
                kind: self.get_component_rich_style(f"thread-view--{kind}").color
                for kind in ("inbound", "outbound", "automated", "failed", "note")
            }
            self._palette = _Styles(
                base=base,
                header=self.get_component_rich_style("thread-view--header"),
                rule=self.get_component_rich_style("thread-view--rule"),
                empty=self.get_component_rich_style("thread-view--empty"),
                boxes=boxes,
                borders=borders,
            )
        return self._palette

    def _line(self, index: int, width: int) -> Strip:
        """Body line `index` in today's colours (kept until the thread or the colours
        change)."""
        strip = self._rendered.get(index)
        if strip is not None:
            return strip
        styles = self._styles()
        line = self._body[index]
        if line is None:
            strip = Strip.blank(width, styles.base)
        elif isinstance(line, _Words):
            strip = line.strip.apply_style(styles.empty)
        else:
            base = styles.base
            box = styles.boxes[line.outbound, line.hit]
            border = Segment(BORDER, Style(color=styles.borders[line.kind], bgcolor=box.bgcolor))
            left, right = (INDENT, 0) if line.outbound else (0, INDENT)
            segments = [
                Segment(" " * left, base),
                border,
                Segment(" ", box),
                *Segment.apply_style(line.strip, box),  # no throwaway Strip (as apply_style)
                Segment(" ", box),
                Segment(" " * right, base),
            ]
            strip = Strip(segments, width)
        self._rendered[index] = strip
        return strip

    def _header_line(self, y: int, width: int) -> Strip:
        styles = self._styles()
        if y == len(self._header):
            return Strip([Segment("─" * width, styles.rule)], width)
        return self._header[y].apply_style(styles.header)

    _bars: list[Segment] | None = None
    """The scroll bar's cells of the frame being drawn (see `render_lines`)."""

    def render_lines(self, crop: Region) -> list[Strip]:
        self._bars = self._bar.cells(self.scrollable_content_region.height)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        """The text, then the scroll bar's cell (where Textual puts its own bar)."""
        width = self.scrollable_content_region.width
        if self._width != self._wrap_width():
            self._draw()
        base = self._styles().base
        header = len(self._header) + 1 if self._header else 0
        if y < header:
            strip = self._header_line(y, self._width)
        else:
            index = int(self.scroll_offset.y) + y - header
            if index >= len(self._body):
                strip = Strip.blank(self._width, base)
            else:
                strip = self._line(index, self._width)
        bars = self._bars
        if bars is None:  # the lines fit: the bar's column is the text's
            return fit(strip, width, base)
        bar = bars[y] if y < len(bars) else Segment(" ", base)
        return with_bar(fit(strip, width - 1, base), bar)

    # -- events ----------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._restyle()

    def _restyle(self) -> None:
        """New colours (theme, focus tint): the lines are wrapped as they were."""
        self._palette = None
        self._rendered.clear()
        self._width = -1  # the scroll bar's size may have changed
        self.refresh()

    def on_resize(self, _event: events.Resize) -> None:
        self._redraw()

    def on_focus(self, _event: events.Focus) -> None:
        self._restyle()

    def on_blur(self, _event: events.Blur) -> None:
        self._restyle()

    def action_older(self) -> None:
        self.post_message(self.OlderWanted())

    def action_back(self) -> None:
        self.post_message(self.Back())


def _wrap(text: Text, width: int, console: Console) -> list[Strip]:
    """`text` wrapped to `width` cells, each line padded to the width, in the text's own
    styles (the colours underneath are applied when a line is drawn).

    Most lines of a text message fit as they are: only the others go through Rich's
    word wrap (a preview draws a dozen messages, and wrapping was most of it)."""
    strips = []
    for part in text.split("\n", allow_blank=True):
        lines = [part] if part.cell_len <= width else part.wrap(console, width, overflow="fold")
        for line in lines:
            line.rstrip()
            segments = list(line.render(console))
            pad = width - line.cell_len
            if pad > 0:  # padded here: one Strip a line, not two (as extend_cell_length)
                segments.append(Segment(" " * pad))
            strips.append(Strip(segments, max(width, line.cell_len)))
    return strips
