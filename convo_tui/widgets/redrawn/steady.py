"""Widgets that keep layouts of the screen to a minimum.

SteadyStatic: a Static that asks the screen for a layout only when its height changes.

`Static.update` lays out the whole screen every time; for text that is replaced
on every cursor move (the composer's cost line) a repaint of the widget's own
region is enough as long as the text keeps its number of lines.

SteadyScrollView: a line-API ScrollView that leaves its scroll bar alone when a layout
changed nothing of its own, and takes a new virtual size without a layout of the screen
(`_quiet_virtual_size`: the thread and ScrollText change their scroll height so).

Both lean on private names of Textual (listed in `widgets.textual_private`).
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.reactive import Reactive
from textual.scroll_view import ScrollView
from textual.visual import visualize
from textual.widgets import Static


class SteadyStatic(Static):
    """Literal text (no markup), repainted in place when its height stays the same."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    """Not a scrolling widget: its virtual size follows its size, which a layout has
    just set (Textual's own reactive asks for a second layout of the screen)."""

    def __init__(self, text: Text, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(text, markup=False, id=id, classes=classes)
        self._text = text

    @property
    def text(self) -> Text:
        return self._text

    def show(self, text: Text) -> None:
        """Show `text`; nothing happens when it is what is shown already."""
        old, self._text = self._text, text
        if text == old:
            return
        width, height = self.content_size
        steady = False
        if self.is_mounted and width > 0:
            before, after = self._height(old, width), self._height(text, width)
            # Equal heights, or both within a floor the styles hold it at (min-height).
            steady = before == after or (before < height and after <= height)
        self.update(text, layout=not steady)

    def _height(self, text: Text, width: int) -> int:
        # As Textual's own layout measures a widget (it passes the styles as the rules map).
        styles = self.styles
        return visualize(self, text, markup=False).get_height(styles, width)  # type: ignore[arg-type]


class SteadyScrollView(ScrollView):
    """A line-API ScrollView whose scroll bar is left alone by layouts that change
    nothing of its own.

    Textual passes a line-API widget its viewport as its "virtual size" in every layout
    of the screen, which never equals the real one, so each layout (a text of another
    height anywhere, a tab shown) updated and repainted its scroll bar. Here the bar is
    updated when the widget's size, its container or its virtual size changed since
    the last time."""

    _scroll_state: tuple[Size, Size, Size] | None = None

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        state = (size, size - self.styles.gutter.totals, self.virtual_size)
        if state == self._scroll_state and size == self._size:
            return self._container_size != container_size
        changed = super()._size_updated(size, virtual_size, container_size, layout)
        self._scroll_state = (self._size, self._container_size, self.virtual_size)
        return changed

    def _quiet_virtual_size(self, size: Size) -> bool:
        """A new virtual size without a layout of the screen (its reactive asks for one):
        the scroll bar is updated here as a layout would (`_scroll_update`); showing or
        hiding the bar still lays the screen out (`show_vertical_scrollbar` asks for a
        layout). False when the size is the same."""
        if self.virtual_size == size:
            return False
        self.set_reactive(ScrollView.virtual_size, size)
        self._scroll_update(size)
        self._scroll_state = (self._size, self._container_size, size)
        return True
