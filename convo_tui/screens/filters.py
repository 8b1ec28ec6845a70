"""Inbox filters: status, read state, the campaign or flow replies are attributed to, and
the possible opt-outs waiting for a decision."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, RadioButton, RadioSet, Select, Static

from convo_tui.core.rows import UNASSIGNED, InboxFilter
from convo_tui.session.views import SourceChoice
from convo_tui.store.kinds import Status
from convo_tui.text import one_line

STATUSES = ("open", "snoozed", "closed", "all")
READ_STATES = ("any", "unread", "read")


def filter_words(flt: InboxFilter, sources: dict[int, str] | None = None) -> str:
    """The filter in words for the status line: "open, unread, attributed to Winter Sale"."""
    parts = [flt.status.value if flt.status else "all"]
    if flt.assignee is not None:  # the view: the agent's own, or nobody's
        parts.insert(0, "unassigned" if flt.assignee == UNASSIGNED else "mine")
    if flt.unread is not None:
        parts.append("unread" if flt.unread else "read")
    if flt.attributed_source_id is not None:
        name = (sources or {}).get(flt.attributed_source_id, f"#{flt.attributed_source_id}")
        parts.append(f"attributed to {one_line(name, 30)}")
    if flt.possible_opt_out:
        parts = (
            ["possible opt-outs", *parts[1:]]
            if flt.status is None
            else [*parts, "possible opt-outs"]
        )
    return ", ".join(parts)


class FilterModal(ModalScreen[InboxFilter | None]):
    """Returns the new filter, or None to keep the current one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="filters.cancel"),
        Binding("ctrl+s", "apply", "Apply", id="filters.apply"),
        Binding("x", "clear", "Reset", id="filters.reset"),
    ]

    def __init__(self, current: InboxFilter, sources: list[SourceChoice], flagged: int = 0) -> None:
        super().__init__(classes="modal")
        self.current = current
        self.sources = sources
        self.flagged = flagged
        """Conversations waiting for an opt-out decision (shown beside the choice)."""

    def compose(self) -> ComposeResult:
        status = self.current.status.value if self.current.status else "all"
        read = {None: "any", True: "unread", False: "read"}[self.current.unread]
        with Vertical(classes="dialog"):
            yield Static(Text("Filters", style="bold"), classes="title")
            with Horizontal(classes="filter-row"):
                with RadioSet(id="filter-status"):
                    for name in STATUSES:
                        yield RadioButton(name.capitalize(), value=name == status, name=name)
                with RadioSet(id="filter-read"):
                    for name in READ_STATES:
                        label = "Read or unread" if name == "any" else name.capitalize()
                        yield RadioButton(label, value=name == read, name=name)
            options = [(Text(f"{one_line(s.name, 40)} ({s.kind})"), s.id) for s in self.sources]
            yield Select[int](
                options,
                prompt="Attributed to any campaign or flow",
                value=self.current.attributed_source_id
                if self.current.attributed_source_id in {s.id for s in self.sources}
                else Select.NULL,
                id="filter-source",
            )
            yield Checkbox(
                f"Only possible opt-outs ({self.flagged:,} waiting for a decision)",
                value=self.current.possible_opt_out,
                id="filter-opt-out",
            )
            with Horizontal(classes="buttons"):
                yield Button("Apply", id="apply", variant="primary")
                yield Button("Reset (x)", id="reset")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#filter-status", RadioSet).focus()

    def _chosen(self, set_id: str) -> str:
        pressed = self.query_one(set_id, RadioSet).pressed_button
        return pressed.name if pressed is not None and pressed.name else ""

    def build(self) -> InboxFilter:
        status = self._chosen("#filter-status") or "open"
        read = self._chosen("#filter-read") or "any"
        source = self.query_one("#filter-source", Select).value
        only_flagged = self.query_one("#filter-opt-out", Checkbox).value
        return InboxFilter(
            # Possible opt-outs wait whatever their status (one closed is still undecided):
            # the view shows them all, as its count says.
            status=None if status == "all" or only_flagged else Status(status),
            unread={"any": None, "unread": True, "read": False}[read],
            attributed_source_id=None if source is Select.NULL else int(str(source)),
            possible_opt_out=only_flagged,
            assignee=self.current.assignee,  # the view is kept (w changes it)
        )

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self.action_apply()
        elif event.button.id == "reset":
            self.action_clear()
        else:
            self.action_cancel()

    def action_apply(self) -> None:
        self.dismiss(self.build())

    def action_clear(self) -> None:
        self.dismiss(InboxFilter(assignee=self.current.assignee))

    def action_cancel(self) -> None:
        self.dismiss(None)
