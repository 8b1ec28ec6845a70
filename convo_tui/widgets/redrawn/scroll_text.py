"""ScrollText: literal text that scrolls by itself, one widget where a VerticalScroll
around a Static took two.

The compositor works for every widget under a line of the screen each time it
paints; a side panel tab is repainted on every move down the list. This widget
wraps its text as a Static would (the same Visual, so the same look and text
selection) and draws the lines in sight; a text of another height changes its
scroll height without a layout of the screen (only its scroll bar appearing or
going lays the screen out, as it did around a Static).
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.selection import Selection
from textual.strip import Strip
from textual.visual import Visual, visualize

from convo_tui.widgets.redrawn.steady import SteadyScrollView
from convo_tui.widgets.redrawn.strip_fit import fit


class ScrollText(SteadyScrollView, can_focus=True):
    """Literal text (no markup), wrapped to the widget's width, scrolled by its lines."""

    DEFAULT_CSS = """
    ScrollText {
        /* Not 1fr: a vertical layout narrows fr widths by the side margins of its
           children (the side panel's Select has some). */
        width: 100%;
        height: 1fr;
        overflow-x: hidden;
    }
    """

    def __init__(self, text: Text, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._text = text
        self._lines: list[Strip] = []
        """The text wrapped to the widget's width, in its colours."""
        self._wrapped_for: Size | None = None
        """The size (without padding) the lines were wrapped for (None: wrap again)."""

    @property
    def text(self) -> Text:
        return self._text

    def show(self, text: Text) -> None:
        """Show `text`; nothing happens when it is what is shown already."""
        if text == self._text:
            return
        self._text = text
        self._rewrap()

    # -- drawing ---------------------------------------------------------------------

    def _rewrap(self) -> None:
        self._wrapped_for = None
        if self.is_mounted and self.content_size.width > 0:
            self._wrap()
        self.refresh()

    def _wrap(self) -> None:
        """Wrap the text at the width there is: the whole width when it fits the height,
        else beside the scroll bar (as a Static in a VerticalScroll is wrapped); then set
        the scroll height without a layout of the screen."""
        self._wrapped_for = self.content_size
        width, height = self.content_size
        visual = visualize(self, self._text, markup=False)
        lines = self._strips(visual, width)
        if len(lines) > height:
            width = max(width - self.styles.scrollbar_size_vertical, 1)
            lines = self._strips(visual, width)
        self._lines = lines
        self._quiet_virtual_size(Size(width, len(lines)))

    def _strips(self, visual: Visual, width: int) -> list[Strip]:
        return Visual.to_strips(self, visual, width, None, self.visual_style)

    def render_line(self, y: int) -> Strip:
        if self._wrapped_for != self.content_size:
            self._wrap()
        width = self.scrollable_content_region.width
        style = self.visual_style.rich_style
        index = int(self.scroll_offset.y) + y
        if index >= len(self._lines):
            return Strip.blank(width, style)
        # Padded with the background only, as a Static pads its lines.
        return fit(self._lines[index], width, Style(bgcolor=style.bgcolor))

    # -- events ----------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._wrapped_for = None  # drawn again in the new colours

    def on_resize(self, _event: events.Resize) -> None:
        # Also sent when the scroll bar came or went: the text was wrapped for it.
        if self._wrapped_for != self.content_size:
            self._rewrap()

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text (the compositor finds it by the offsets the lines carry)."""
        return selection.extract(self._text.plain), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self._rewrap()
