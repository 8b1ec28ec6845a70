"""Confirmation for blocking (or unblocking) a profile."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from convo_tui.text import one_line


class BlockModal(ModalScreen[bool]):
    """Asks before blocking or unblocking `name`; returns True to go ahead."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "Cancel", id="block.cancel"),
        Binding("y", "answer(True)", "Confirm", id="block.confirm"),
    ]

    def __init__(self, name: str, *, unblock: bool = False) -> None:
        super().__init__(classes="modal")
        self.who = one_line(name)
        self.unblock = unblock

    def compose(self) -> ComposeResult:
        verb = "Unblock" if self.unblock else "Block"
        with Vertical(classes="dialog"):
            yield Static(Text(f"{verb} {self.who}?", style="bold"), classes="title")
            if self.unblock:
                yield Static(Text("Their texts will reopen the conversation and notify again."))
            else:
                yield Static(
                    Text(
                        "The conversation closes. Their texts are still stored, but raise no "
                        "notification, reopen nothing and get no auto-reply. It can be undone."
                    )
                )
            with Horizontal(classes="buttons"):
                yield Button(f"{verb} (y)", id="yes", variant="error")
                yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
