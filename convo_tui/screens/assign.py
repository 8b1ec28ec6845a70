"""Picking who a conversation goes to: an active agent, or nobody."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from convo_tui.session.views import AgentChoice
from convo_tui.text import one_line

NOBODY = ""
"""What the picker answers for "nobody" (None is "cancelled")."""


class AssignModal(ModalScreen[str | None]):
    """Returns the chosen agent's login, NOBODY to unassign, or None (cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="assign.cancel")
    ]

    def __init__(self, customer: str, agents: list[AgentChoice], me: str, current: str | None):
        super().__init__(classes="modal")
        self.customer = customer
        self.choices = [a.login for a in agents] + [NOBODY]
        self.agents = agents
        self.me = me
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            title = Text("Assign ", style="bold")
            title.append(one_line(self.customer, 40), style="bold")
            title.append(" to", style="bold")
            yield Static(title, classes="title")
            options = []
            for agent in self.agents:
                label = Text(one_line(agent.name, 30))
                login = "" if agent.name == agent.login else f"{agent.login} · "
                label.append(f"  {login}{agent.role}", style="dim")
                if agent.login == self.me:
                    label.append("  (you)", style="dim")
                if agent.login == self.current:
                    label.append("  ← now", style="bold")
                options.append(Option(label, id=f"agent-{agent.login}"))
            nobody = Text("Nobody (unassign)")
            if self.current is None:
                nobody.append("  ← now", style="bold")
            options.append(Option(nobody, id="nobody"))
            yield OptionList(*options)

    def on_mount(self) -> None:
        picker = self.query_one(OptionList)
        picker.focus()
        if self.current in self.choices:
            picker.highlighted = self.choices.index(self.current)

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index])
