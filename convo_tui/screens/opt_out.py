"""The agent's decision on a possible opt-out: opt the customer out, or say why not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from convo_tui.display import ago
from convo_tui.session.views import PossibleOptOut
from convo_tui.text import one_line, visible


@dataclass(frozen=True)
class Decision:
    opt_out: bool
    reason: str = ""


class OptOutModal(ModalScreen[Decision | None]):
    """Shows the text that reads as a request to stop; returns the decision, or None.

    The reason box has the focus from the start, so whatever the agent types goes into
    it: no letter decides anything (a "y" in "yes it's an order question" once opted a
    customer out). Enter says "not an opt-out" with the reason typed (it is audited and
    lets held replies go, so it needs one); ctrl+o opts the customer out; esc cancels.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="opt_out.cancel"),
        Binding("ctrl+o", "opt_out", "Opt out", id="opt_out.yes", priority=True),
    ]

    def __init__(self, flag: PossibleOptOut, now: datetime) -> None:
        super().__init__(classes="modal")
        self.flag = flag
        self.now = now

    def compose(self) -> ComposeResult:
        flag = self.flag
        with Vertical(classes="dialog opt-out"):
            yield Static(
                Text(f"Possible opt-out: {one_line(flag.name, 40)}", style="bold"),
                classes="title",
            )
            age = ago(flag.flagged_at, self.now)
            said = Text("They wrote, just now:" if age == "now" else f"They wrote, {age} ago:")
            yield Static(said)
            yield Static(Text(visible(flag.body), style="italic"), classes="quoted")
            yield Static(
                Text(
                    f"It reads as a request to stop (“{one_line(flag.phrase, 40)}”). Replies "
                    "wait until you decide. Opting out removes consent at once and sends the "
                    "single confirmation when it is still allowed."
                ),
                classes="hint",
            )
            yield Input(
                placeholder="Not an opt-out? Say why, then enter",
                id="opt-out-reason",
                max_length=500,
            )
            yield Static("", id="opt-out-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Opt out (ctrl+o)", id="yes", variant="error")
                yield Button("Not an opt-out (enter)", id="no")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#opt-out-reason", Input).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes":
            self.action_opt_out()
        elif event.button.id == "no":
            self.action_not_opt_out()
        else:
            self.action_cancel()

    @on(Input.Changed, "#opt-out-reason")
    def _typed(self) -> None:
        self.query_one("#opt-out-error", Static).update("")

    @on(Input.Submitted, "#opt-out-reason")
    def _submitted(self) -> None:
        self.action_not_opt_out()

    def action_opt_out(self) -> None:
        self.dismiss(Decision(opt_out=True))

    def action_not_opt_out(self) -> None:
        reason = " ".join(self.query_one("#opt-out-reason", Input).value.split())
        if not reason:
            self.query_one("#opt-out-error", Static).update(
                Text("Say why it is not an opt-out first (it is kept in the audit log).")
            )
            self.query_one("#opt-out-reason", Input).focus()
            return
        self.dismiss(Decision(opt_out=False, reason=reason))

    def action_cancel(self) -> None:
        self.dismiss(None)
