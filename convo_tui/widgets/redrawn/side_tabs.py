"""The side panel's tab row: the tabs of Textual's TabbedContent drawn as two lines of one widget.

Textual's `TabbedContent` shows three words with some fourteen widgets (the
tabs' scroll container, a Vertical, a Horizontal, a `ContentTab` a tab, the
`Underline`, the `ContentSwitcher`, a `TabPane` a tab...), and the compositor
works for every widget under a line each time it paints the screen: moving down
the list paid for all of them. This row shows the same tabs with the same look
(the labels padded by a cell, dimmed but for the active one, the bar under it,
the block cursor on the active tab when the row has the focus), draws them as
two strips, and repaints only when what it shows changed. A click on a tab, or
on the bar under it, activates it (the mouse cursor is a pointer over the row,
as over a Tab); left and right move between the tabs when the row has the focus,
as on Textual's Tabs. The panel shows the tab's body on `SideTabs.Changed`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from convo_tui.widgets.redrawn.strip_fit import fit
from convo_tui.widgets.screen_actions import ScreenActions

BAR = "━"
BAR_END = "╸"
"""Where the bar stops before the highlight (Textual's `Bar` draws half cells so)."""
BAR_START = "╺"
"""Where it starts again after it."""


class SideTabs(ScreenActions, Widget, can_focus=True):
    """A row of tabs, one of them active (`active` is its id)."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "side-tabs--tab",
        "side-tabs--active",
        "side-tabs--hover",
        "side-tabs--bar",
    }
    # As Textual's Tab, Tabs and Underline style themselves.
    DEFAULT_CSS = """
    SideTabs {
        height: 2;
        pointer: pointer;  /* as over a Tab: the row is there to be clicked */
        & > .side-tabs--tab {
            color: $foreground 50%;
        }
        & > .side-tabs--active {
            color: $foreground;
        }
        & > .side-tabs--hover {
            color: $foreground;
        }
        & > .side-tabs--bar {
            color: $block-cursor-background;
            background: $foreground 10%;
        }
        &:focus {
            & > .side-tabs--active {
                text-style: $block-cursor-text-style;
                color: $block-cursor-foreground;
                background: $block-cursor-background;
            }
            & > .side-tabs--bar {
                background: $foreground 30%;
            }
        }
        &:ansi {
            & > .side-tabs--tab {
                text-style: dim;
            }
            & > .side-tabs--active {
                text-style: not dim bold;
            }
            & > .side-tabs--bar {
                color: $block-cursor-background;
                background: $border-blurred;
            }
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "left",
            "previous_tab",
            "Previous tab",
            id="side.previous_tab",
            show=False,
            tooltip="Show the tab on the left",
        ),
        Binding(
            "right",
            "next_tab",
            "Next tab",
            id="side.next_tab",
            show=False,
            tooltip="Show the tab on the right",
        ),
        Binding(
            "i,escape",
            "screen_action('toggle_panel')",
            "Panel",
            id="side.toggle_panel",
            tooltip="Hide the panel",
        ),
    ]

    active: reactive[str] = reactive("", init=False)
    """The id of the active tab."""

    class Changed(Message):
        """Another tab is active."""

        def __init__(self, tabs: SideTabs, active: str) -> None:
            super().__init__()
            self.tabs = tabs
            self.active = active
            """The id of the tab now active."""

        @property
        def control(self) -> SideTabs:
            return self.tabs

    def __init__(self, tabs: Iterable[tuple[str, str]], *, id: str | None = None) -> None:
        """`tabs`: (id, label) of each tab, left to right; the first is active."""
        super().__init__(id=id)
        self._tabs = tuple(tabs)
        self._hover: str | None = None
        self._spans: list[tuple[int, int, str]] = []
        """Where each tab is drawn: (first column, end column, id)."""
        x = 0
        for tab_id, label in self._tabs:
            end = x + cell_len(label) + 2
            self._spans.append((x, end, tab_id))
            x = end
        self._strips: tuple[tuple[object, ...], tuple[Strip, Strip]] | None = None
        self.set_reactive(SideTabs.active, self._tabs[0][0])

    @property
    def tab_ids(self) -> tuple[str, ...]:
        return tuple(tab_id for tab_id, _label in self._tabs)

    def validate_active(self, active: str) -> str:
        if active not in self.tab_ids:
            raise ValueError(f"No tab with id {active!r}")
        return active

    def watch_active(self, active: str) -> None:
        self.refresh()
        self.post_message(self.Changed(self, active))

    def action_previous_tab(self) -> None:
        self._move(-1)

    def action_next_tab(self) -> None:
        self._move(+1)

    def _move(self, step: int) -> None:
        """The next tab in that direction (from the last, the first)."""
        ids = self.tab_ids
        self.active = ids[(ids.index(self.active) + step) % len(ids)]

    # -- drawing ---------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips = None

    def _draw(self, width: int) -> tuple[Strip, Strip]:
        base = self.rich_style
        blank = Style(bgcolor=base.bgcolor)
        tabs: list[Segment] = []
        for tab_id, label in self._tabs:
            if tab_id == self.active:
                style = base + self.get_component_rich_style("side-tabs--tab", "side-tabs--active")
            else:
                style = base + self.get_component_rich_style("side-tabs--tab")
                if tab_id == self._hover:
                    style += self.get_component_rich_style("side-tabs--hover", partial=True)
            pad = Segment(" ", Style(bgcolor=style.bgcolor))  # as a Tab's padding
            tabs.extend((pad, Segment(label, style), pad))
        row = fit(Strip(tabs), width, blank)
        return row, self._bar(width, blank)

    def _bar(self, width: int, blank: Style) -> Strip:
        """The line under the tabs, in the bar's colour under the active tab's label."""
        colours = self.get_component_rich_style("side-tabs--bar")
        highlight = blank + Style(color=colours.color)
        rest = blank + Style(color=colours.bgcolor)
        if colours.bgcolor is None or colours.bgcolor.is_default:
            bar = end_mark = start_mark = " "  # nothing to draw the bar in (ANSI default)
        else:
            bar, end_mark, start_mark = BAR, BAR_END, BAR_START
        start, end, _id = next(span for span in self._spans if span[2] == self.active)
        start, end = min(start + 1, width), min(end - 1, width)  # the label, not its padding
        segments = []
        if start > 0:
            segments.append(Segment(bar * (start - 1) + end_mark, rest))
        segments.append(Segment(BAR * (end - start), highlight))
        if end < width:
            segments.append(Segment(start_mark + bar * (width - end - 1), rest))
        return fit(Strip(segments), width, blank)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y > 1:
            return Strip.blank(width, self.rich_style)
        key = (self.active, self._hover, self.has_focus, width)
        if self._strips is None or self._strips[0] != key:
            self._strips = (key, self._draw(width))
        return self._strips[1][y]

    # -- the mouse -------------------------------------------------------------------

    def tab_at(self, x: int) -> str | None:
        """The id of the tab drawn at column `x` (or above it, on the bar), if any."""
        return next((tab_id for start, end, tab_id in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        tab_id = self.tab_at(event.x) if event.y == 0 else None
        if tab_id != self._hover:
            self._hover = tab_id
            self.refresh()

    def on_leave(self, _event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()

    def on_click(self, event: events.Click) -> None:
        tab_id = self.tab_at(event.x)
        if tab_id is not None:
            event.stop()
            self.active = tab_id
