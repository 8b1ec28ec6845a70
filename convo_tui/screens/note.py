"""Writing an internal note: for the team, never sent to the customer."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from convo_tui.text import one_line


class NoteModal(ModalScreen[str | None]):
    """Returns the note's text, or None (cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="note.cancel"),
        # Not a priority binding: those run when the key reaches the app, ahead of the
        # letters typed just before it that the text area has not taken yet.
        Binding("ctrl+s", "add", "Add note", id="note.add"),
    ]

    def __init__(self, customer: str) -> None:
        super().__init__(classes="modal")
        self.customer = customer

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog note"):
            title = Text("Internal note on ", style="bold")
            title.append(one_line(self.customer, 40), style="bold")
            yield Static(title, classes="title")
            yield Static(
                Text("Only the team sees it; the customer never does. @login tells an agent."),
                classes="hint",
            )
            yield TextArea(id="note-body", soft_wrap=True, show_line_numbers=False)
            yield Static("", id="note-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Add note (ctrl+s)", id="add", variant="warning")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#note-body", TextArea).focus()

    def action_add(self) -> None:
        text = self.query_one("#note-body", TextArea).text
        if not text.strip():
            self.query_one("#note-error", Static).update(Text("Write something first."))
            return
        self.dismiss(text)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "add":
            self.action_add()
        else:
            self.dismiss(None)
