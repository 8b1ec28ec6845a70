"""A vertical scroll bar drawn as the last column of a line-API widget's own lines.

Textual's ScrollBar is a widget of its own: whenever the scroll position changes it
renders again through Rich, and the compositor cuts every line of the screen at its
edge. A long inbox scrolls on most key presses, and its bar came to a quarter of
the strips drawn per `j` at a million conversations (203 of 772). Drawn as one more
cell of the widget's own lines (the inbox list's, the thread's), with Textual's own
glyphs (`ScrollBarRender.render_bar`) and colours (the widget's `scrollbar-*`
styles, as `ScrollBar.render` blends them), it looks the same and costs a segment
a line. The widget sets its own
`scrollbar-size-vertical` to 0, so Textual keeps scrolling it (wheel, `scroll_to`)
but draws no bar of its own.

`BarScrollView` is such a widget's base: it owns the bar and handles the mouse on it
as Textual's ScrollBar does (a click on the track pages, the thumb drags, hover and
grab colours); subclasses draw `self._bar.cells(height)` at the end of their lines.
"""

from __future__ import annotations

from math import ceil
from typing import Literal

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBarRender
from textual.strip import Strip

from convo_tui.widgets.redrawn.steady import SteadyScrollView

Part = Literal["up", "thumb", "down"]
"""What a cell of the bar is: the track above the thumb, the thumb, the track below."""

_PARTS: dict[str, Part] = {"scroll_up": "up", "grab": "thumb", "scroll_down": "down"}


def with_bar(strip: Strip, bar: Segment | None) -> Strip:
    """A line followed by the bar's cell (as it is when there is no bar)."""
    return strip if bar is None else Strip([*strip, bar], strip.cell_length + 1)


class BarColumn:
    """The bar of one widget: its cells for a frame, and what the mouse does on it."""

    def __init__(self, widget: ScrollView) -> None:
        self._widget = widget
        self.hover = False
        """The pointer is over the bar (drawn in the hover colours)."""
        self._grab: tuple[int, float] | None = None
        """Screen row and scroll offset where the thumb was grabbed."""
        self._parts: list[Part] = []
        """What each visible line's cell was, as last drawn."""

    @property
    def grabbed(self) -> bool:
        return self._grab is not None

    def cells(self, height: int) -> list[Segment] | None:
        """The bar's cell for each of `height` visible lines, in the current colours;
        None when the lines fit (no bar, as `overflow-y: auto`)."""
        widget = self._widget
        if widget.virtual_size.height <= height:
            self._parts = []
            return None
        styles = widget.styles
        if self._grab is not None:
            background, color = styles.scrollbar_background_active, styles.scrollbar_color_active
        elif self.hover:
            background, color = styles.scrollbar_background_hover, styles.scrollbar_color_hover
        else:
            background, color = styles.scrollbar_background, styles.scrollbar_color
        if background.a < 1:
            background = widget.background_colors[0] + background
        color = background + color
        virtual = widget.virtual_size.height
        window = height if height < virtual else 0
        drawn = ScrollBarRender.render_bar(
            size=height,
            virtual_size=ceil(virtual),
            window_size=ceil(window),
            position=int(widget.scroll_y * 8) / 8,  # ScrollBar.validate_position
            thickness=1,
            vertical=True,
            back_color=background.rich_color,
            bar_color=color.rich_color,
        ).segments
        cells: list[Segment] = []
        parts: list[Part] = []
        plain: dict[Style, Style] = {}
        for text, style, _ in drawn:
            assert style is not None
            # The renderer's meta names ScrollBar's actions; here the widget's own mouse
            # handlers ask `part`, so the cell is drawn without it.
            parts.append(_PARTS.get(str(style.meta.get("@mouse.down")), "down"))
            if style not in plain:
                plain[style] = Style(
                    color=style.color, bgcolor=style.bgcolor, reverse=style.reverse
                )
            cells.append(Segment(text, plain[style]))
        self._parts = parts
        return cells

    def part(self, x: int, y: int, width: int) -> Part | None:
        """What is under content offset (x, y) of a widget `width` cells wide, if the bar."""
        if x != width - 1 or not 0 <= y < len(self._parts):
            return None
        return self._parts[y]

    def grab(self, screen_y: int) -> None:
        self._grab = (screen_y, self._widget.scroll_y)
        self._widget.capture_mouse()

    def drag(self, screen_y: int) -> bool:
        """Scroll as the thumb is dragged to `screen_y`; False when it is not held."""
        if self._grab is None:
            return False
        widget = self._widget
        start_y, start_scroll = self._grab
        window = max(widget.scrollable_content_region.height, 1)
        widget.scroll_to(
            y=start_scroll + (screen_y - start_y) * widget.virtual_size.height / window,
            animate=False,
        )
        return True

    def release(self) -> bool:
        """Let the thumb go; False when it was not held."""
        if self._grab is None:
            return False
        self._grab = None
        self._widget.release_mouse()
        return True


class BarScrollView(SteadyScrollView):
    """A line-API view that draws its own vertical bar (see the module's docstring)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._bar = BarColumn(self)

    def bar_part(self, event: events.MouseEvent) -> Part | None:
        """What of the bar is under the mouse, if the bar."""
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        return self._bar.part(offset.x, offset.y, self.scrollable_content_region.width)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        part = self.bar_part(event)
        if part is None:
            return
        event.stop()
        if part == "thumb":
            self._bar.grab(event.screen_y)
            self.refresh()  # in the bar's active colours
        elif part == "up":
            self.scroll_page_up()
        else:
            self.scroll_page_down()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._bar.drag(event.screen_y):
            return
        hover = self.bar_part(event) is not None
        if hover != self._bar.hover:
            self._bar.hover = hover
            self.refresh()

    def on_mouse_up(self, _event: events.MouseUp) -> None:
        if self._bar.release():
            self.refresh()

    def on_leave(self, _event: events.Leave) -> None:
        if self._bar.hover and not self._bar.grabbed:
            self._bar.hover = False
            self.refresh()
