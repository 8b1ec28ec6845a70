"""Full-text search over every message; picking a hit opens its conversation at that message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from convo_tui.core.rows import SearchHit
from convo_tui.display import stamp
from convo_tui.text import one_line
from convo_tui.widgets.worker_errors import report_failure

if TYPE_CHECKING:
    from convo_tui.desk import Desk

DEBOUNCE = 0.15


def hit_text(hit: SearchHit, now: datetime, zone: tzinfo) -> Text:
    text = Text()
    text.append(f"{stamp(hit.sent_at, now, zone):>16}  ", style="dim")
    text.append(one_line(hit.name, 24), style="bold")
    text.append("  → " if hit.direction == "outbound" else "  ", style="dim")
    text.append(one_line(hit.excerpt))
    return text


class SearchScreen(ModalScreen[SearchHit | None]):
    """Type to search message bodies; enter opens the highlighted hit."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="search.cancel"),
        Binding("down", "into_results", "Results", id="search.results", show=False),
    ]

    class Found(Message):
        def __init__(self, query: str, hits: list[SearchHit]) -> None:
            super().__init__()
            self.query = query
            self.hits = hits

    def __init__(self, desk: Desk, now: Callable[[], datetime], zone: tzinfo) -> None:
        super().__init__(classes="modal")
        self.desk = desk
        self.now = now
        self.zone = zone
        self.hits: list[SearchHit] = []
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Text("Search all messages", style="bold"), classes="title")
            yield Input(
                placeholder="words to find (the last one may be a prefix)", id="search-input"
            )
            yield Static(Text("", style="dim"), id="search-summary")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Changed, "#search-input")
    def _typed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        query = event.value
        self._timer = self.set_timer(DEBOUNCE, lambda: self._search(query))

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, query: str) -> None:
        hits = self.desk.search(query) if query.strip() else []
        self.post_message(self.Found(query, hits))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)

    @on(Found)
    def _show(self, message: Found) -> None:
        if message.query != self.query_one(Input).value:
            return
        self.hits = message.hits
        results = self.query_one(OptionList)
        results.clear_options()
        now = self.now()
        results.add_options(
            Option(hit_text(hit, now, self.zone), id=str(hit.message_id)) for hit in self.hits
        )
        if self.hits:
            results.highlighted = 0
        summary = (
            f"{len(self.hits)} message{'s' if len(self.hits) != 1 else ''}, newest first"
            if message.query.strip()
            else ""
        )
        if message.query.strip() and not self.hits:
            summary = "No message matches."
        self.query_one("#search-summary", Static).update(Text(summary, style="dim"))

    @on(Input.Submitted, "#search-input")
    def _enter(self, _event: Input.Submitted) -> None:
        results = self.query_one(OptionList)
        if self.hits:
            self.dismiss(self.hits[results.highlighted or 0])

    def action_into_results(self) -> None:
        if self.hits:
            self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.hits[event.option_index])
