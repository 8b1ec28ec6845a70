"""Keys of a widget that run its screen's actions: `screen_action('close')`.

Textual's `screen.` namespace names the app's *active* screen, so under a modal the
list's keys would be checked against the modal (and shown enabled in the key bar).
These go to the widget's own screen, for the check and for the action.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widget import Widget

if TYPE_CHECKING:
    _Base = Widget
else:
    # A plain mixin at run time: Textual inherits default CSS along the first DOMNode
    # base only, so a Widget subclass first among the bases hid the scroll view's CSS.
    _Base = object


class ScreenActions(_Base):
    """Mixin for widgets whose bindings are their screen's actions (put it first)."""

    async def action_screen_action(self, name: str) -> None:
        await self.screen.run_action(name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "screen_action" and parameters:
            return self.screen.check_action(str(parameters[0]), ())
        return super().check_action(action, parameters)
