"""The snooze picker: later today, tomorrow, next week, or a time typed in the agent's zone."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pytz.tzinfo import BaseTzInfo
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from convo_tui.core import snooze
from convo_tui.errors import ConvoError

WORDS = {"later-today": "Later today", "tomorrow": "Tomorrow", "next-week": "Next week"}


class SnoozeModal(ModalScreen[datetime | None]):
    """Returns the UTC time to snooze until, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="snooze.cancel"),
        Binding("1", "preset(0)", "Later today", id="snooze.later", show=False),
        Binding("2", "preset(1)", "Tomorrow", id="snooze.tomorrow", show=False),
        Binding("3", "preset(2)", "Next week", id="snooze.week", show=False),
        Binding("t", "pick_time", "Pick a time", id="snooze.pick", show=False),
    ]

    def __init__(self, now: datetime, zone: BaseTzInfo) -> None:
        super().__init__(classes="modal")
        self.now = now
        self.zone = zone
        self.presets = [(p, snooze.preset_time(p, now, zone)) for p in snooze.PRESETS]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Snooze until…", style="bold"), classes="title")
            options = [
                Option(
                    Text(f"{n}. {WORDS[name]:<12} {when.astimezone(self.zone):%a %d %b %H:%M}"),
                    id=name,
                )
                for n, (name, when) in enumerate(self.presets, start=1)
            ]
            yield OptionList(*options, id="snooze-presets")
            yield Static(Text("Or pick a time (t): 2h, 3d, 14:30, 2026-12-01 09:00", style="dim"))
            yield Input(placeholder=f"a time in {self.zone.zone}", id="snooze-time")
            yield Static(Text(""), id="snooze-error")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.action_preset(event.option_index)

    def action_preset(self, index: int) -> None:
        self.dismiss(self.presets[index][1])

    def action_pick_time(self) -> None:
        self.query_one("#snooze-time", Input).focus()

    @on(Input.Submitted, "#snooze-time")
    def _typed(self, event: Input.Submitted) -> None:
        try:
            when = snooze.parse(event.value, self.now, self.zone)
        except ConvoError as exc:
            self.query_one("#snooze-error", Static).update(Text(exc.line(), style="bold red"))
            return
        if when <= self.now:
            self.query_one("#snooze-error", Static).update(
                Text("That time is in the past; pick a time in the future.", style="bold red")
            )
            return
        self.dismiss(when)

    def action_cancel(self) -> None:
        self.dismiss(None)
