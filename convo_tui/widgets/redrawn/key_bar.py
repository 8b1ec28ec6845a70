"""The key bar at the bottom: Textual's Footer drawn as one line of one widget.

Textual's `Footer` is a container of one `FooterKey` widget a key, and it
removes and mounts them all whenever the bindings may have changed (every focus
move): opening a thread spent a few dozen ms on it. This bar shows the same
keys with the same look (the Footer's theme variables, key, description, the
command palette key on the right), draws them as one strip, and repaints its
own line only when the keys it shows changed. A click on a key presses it, as
on the Footer; hovering a key highlights it and shows its tooltip.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from convo_tui.widgets.redrawn.strip_fit import fit

PINNED = frozenset({"back", "thread.back", "composer.leave", "help", "quit"})
"""Binding ids the bar keeps however narrow: back to the list (the only way out of a
stacked thread), where to find every key, and how to leave. Other keys give way from the
last one when the line is too short for all."""


@dataclass(frozen=True)
class ShownKey:
    """A key as the bar shows it."""

    key: str
    display: str
    description: str
    enabled: bool
    tooltip: str
    pinned: bool = False


class KeyBar(Widget, can_focus=False):
    """The keys that apply now (the focused widget's, its screen's and the app's)."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-bar--key",
        "key-bar--description",
        "key-bar--disabled",
        "key-bar--hover",
        "key-bar--border",
    }
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-bar--disabled {
            text-style: dim;
        }
        & > .key-bar--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        & > .key-bar--border {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys: tuple[ShownKey, ...] = ()
        self._palette: ShownKey | None = None
        self._hover: ShownKey | None = None
        self._spans: list[tuple[int, int, ShownKey]] = []
        """Where each key was drawn: (first column, end column, key)."""
        self._strip: tuple[tuple[object, ...], Strip] | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    @property
    def keys(self) -> tuple[ShownKey, ...]:
        """The keys shown on the left (the command palette's is `palette`)."""
        return self._keys

    @property
    def palette(self) -> ShownKey | None:
        return self._palette

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        app = self.app
        active = screen.active_bindings
        by_action: dict[str, ShownKey] = {}
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in by_action:
                by_action[binding.action] = ShownKey(
                    binding.key,
                    app.get_key_display(binding),
                    binding.description,
                    enabled,
                    tooltip,
                    binding.id in PINNED,
                )
        palette = None
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
            palette = ShownKey(
                binding.key,
                app.get_key_display(binding),
                binding.description,
                enabled,
                binding.tooltip or binding.description,
            )
        keys = tuple(by_action.values())
        if (keys, palette) != (self._keys, self._palette):
            self._keys, self._palette = keys, palette
            self.refresh()

    # -- drawing ---------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strip = None

    def _key_segments(self, shown: ShownKey, base: Style, *, compact: bool) -> list[Segment]:
        """As a FooterKey draws it: ` key ` bold in the key colour then `description `, or
        compact (the command palette's): `key description` and a cell of padding."""
        item = base
        if not shown.enabled:
            item += self.get_component_rich_style("key-bar--disabled", partial=True)
        if shown == self._hover:
            item += self.get_component_rich_style("key-bar--hover", partial=True)
        key = item + self.get_component_rich_style("key-bar--key")
        description = item + self.get_component_rich_style("key-bar--description")
        if compact:
            segments = [Segment(shown.display, key)]
            if shown.description:
                segments.append(Segment(f" {shown.description}", description))
            return [*segments, Segment(" ", Style(bgcolor=item.bgcolor))]
        if not shown.description:
            return [Segment(shown.display, key)]
        return [Segment(f" {shown.display} ", key), Segment(f"{shown.description} ", description)]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y:
            return Strip.blank(width, base)
        cache_key = (self._keys, self._palette, self._hover, width)
        if self._strip is not None and self._strip[0] == cache_key:
            return self._strip[1]
        spans: list[tuple[int, int, ShownKey]] = []
        drawn = [(shown, self._key_segments(shown, base, compact=False)) for shown in self._keys]
        right: list[Segment] = []
        if self._palette is not None:
            # Docked on the right after a thin rule; its word goes first when even the
            # pinned keys would not fit beside it.
            pinned = sum(_cells(segments) for shown, segments in drawn if shown.pinned)
            palette = self._palette
            right = self._palette_segments(palette, base)
            if pinned + _cells(right) > width:
                right = self._palette_segments(replace(palette, description=""), base)
        right_width = _cells(right)
        left: list[Segment] = []
        x = 0
        for shown, segments in _fitting(drawn, width - right_width):
            end = x + _cells(segments)
            spans.append((x, end, shown))
            left.extend(segments)
            x = end
        if self._palette is not None:
            spans.append((width - right_width + 1, width, self._palette))
        # What no key covers shows the bar's background only, as the Footer's does.
        blank = Style(bgcolor=base.bgcolor)
        strip = fit(Strip(left), max(width - right_width, 0), blank)
        strip = Strip.join([strip, Strip(right)]).crop(0, width)
        self._spans = spans
        self._strip = (cache_key, strip)
        return strip

    def _palette_segments(self, palette: ShownKey, base: Style) -> list[Segment]:
        return [
            Segment("▏", self.get_component_rich_style("key-bar--border")),
            *self._key_segments(palette, base, compact=True),
        ]

    # -- the mouse -------------------------------------------------------------------

    def key_at(self, x: int) -> ShownKey | None:
        """The key drawn at column `x`, if any."""
        return next((shown for start, end, shown in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        shown = self.key_at(event.x)
        if shown != self._hover:
            self._hover = shown
            self.tooltip = shown.tooltip if shown is not None and shown.tooltip else None
            self.refresh()

    def on_leave(self, _event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        shown = self.key_at(event.x)
        if shown is None:
            return
        if shown.enabled:
            self.app.simulate_key(shown.key)
        else:
            self.app.bell()


def _cells(segments: list[Segment]) -> int:
    return sum(segment.cell_length for segment in segments)


def _fitting(
    drawn: list[tuple[ShownKey, list[Segment]]], room: int
) -> list[tuple[ShownKey, list[Segment]]]:
    """The keys drawn in `room` cells: all when they fit, else the pinned ones and as many
    others as fit, leaving out the last ones whole (never a key cut from its words)."""
    widths = [_cells(segments) for _, segments in drawn]
    total = sum(widths)
    keep = [True] * len(drawn)
    for index in reversed(range(len(drawn))):
        if total <= room:
            break
        if not drawn[index][0].pinned:
            keep[index] = False
            total -= widths[index]
    return [item for item, kept in zip(drawn, keep, strict=True) if kept]
