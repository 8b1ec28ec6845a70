"""Help: every key of the focused pane (and the screen and app around it)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

NAMES = {
    "InboxList": "Inbox list",
    "ThreadView": "Thread",
    "ReplyArea": "Composer",
    "Composer": "Composer",
    "SidePanel": "Side panel",
    "SideTabs": "Side panel tabs",
    "ScrollText": "Side panel",
    "InboxScreen": "Inbox",
    "ConvoApp": "Everywhere",
}


def keys_table(bindings: dict[str, ActiveBinding], key_display: dict[str, str]) -> Table:
    """One row per action: the pane it belongs to, its keys, what it does."""
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, expand=True)
    table.add_column("where", no_wrap=True)
    table.add_column("keys", no_wrap=True)
    table.add_column("does", ratio=1)
    table.add_column("id for [keys]", no_wrap=True)
    seen: dict[tuple[str, str], list[str]] = {}
    descriptions: dict[tuple[str, str], str] = {}
    ids: dict[tuple[str, str], str] = {}
    for key, active in bindings.items():
        binding = active.binding
        if binding.system and binding.action != "command_palette":
            continue
        where = NAMES.get(type(active.node).__name__, type(active.node).__name__)
        group = (where, binding.action)
        seen.setdefault(group, []).append(key_display.get(key, key))
        descriptions[group] = binding.tooltip or binding.description or binding.action
        ids[group] = binding.id or ""
    for (where, action), keys in seen.items():
        table.add_row(
            Text(where, style="dim"),
            Text(", ".join(keys), style="bold"),
            Text(descriptions[(where, action)]),
            Text(ids[(where, action)], style="dim"),
        )
    return table


class HelpScreen(ModalScreen[None]):
    """All keys active where the focus is."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss(None)", "Close", id="help.close")
    ]

    def __init__(self, bindings: dict[str, ActiveBinding], key_display: dict[str, str]) -> None:
        super().__init__(classes="modal")
        self.bindings = bindings
        self.key_display = key_display

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Text("Keys here  (esc closes)", style="bold"), classes="title")
            with VerticalScroll():
                yield Static(keys_table(self.bindings, self.key_display))
