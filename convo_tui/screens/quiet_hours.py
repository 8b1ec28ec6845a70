"""The quiet-hours warning: send anyway, send when the recipient's window opens, or cancel."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from convo_tui.text import visible

ANYWAY, AT_WINDOW = "anyway", "window"


class QuietHoursModal(ModalScreen[str | None]):
    """Returns "anyway", "window" or None (cancel)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="quiet.cancel"),
        Binding("a", "choose('anyway')", "Send anyway", id="quiet.anyway"),
        Binding("w", "choose('window')", "At next window", id="quiet.window"),
    ]

    def __init__(self, warning: str, window: str | None) -> None:
        super().__init__(classes="modal")
        self.warning = warning
        self.window = window
        """The next window start in words, or None when the recipient's zone is unknown."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Outside the hours for texting", style="bold"), classes="title")
            yield Static(Text(visible(self.warning)))
            if self.window is None:
                yield Static(Text("Their time zone is unknown, so no window can be picked."))
            else:
                yield Static(Text(f"The window opens at {self.window}."))
            with Horizontal(classes="buttons"):
                yield Button("Send now (a)", id=ANYWAY, variant="warning")
                yield Button(
                    "Send then (w)",
                    id=AT_WINDOW,
                    variant="primary",
                    disabled=self.window is None,
                )
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one(f"#{AT_WINDOW if self.window else 'cancel'}", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose(event.button.id or "cancel")

    def action_choose(self, choice: str) -> None:
        if choice == AT_WINDOW and self.window is None:
            return
        self.dismiss(choice if choice in (ANYWAY, AT_WINDOW) else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
