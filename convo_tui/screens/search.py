"""Search customers and every message: customers first, then messages; picking a customer
opens their conversation, picking a message opens its conversation at that message."""

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

from convo_tui.core.rows import CustomerHit, SearchHit, SearchResults
from convo_tui.display import message_time
from convo_tui.text import one_line
from convo_tui.widgets.worker_errors import report_failure

if TYPE_CHECKING:
    from convo_tui.session.desk import Desk

DEBOUNCE = 0.15


Hit = CustomerHit | SearchHit


def hit_text(hit: SearchHit, now: datetime, zone: tzinfo) -> Text:
    text = Text()
    text.append(f"{message_time(hit.sent_at, now, zone):>16}  ", style="dim")
    text.append(one_line(hit.name, 24), style="bold")
    if hit.direction == "note":  # the team's words, never sent: said so
        text.append("  note: ", style="bold yellow")
    else:
        text.append("  → " if hit.direction == "outbound" else "  ", style="dim")
    text.append(one_line(hit.excerpt))
    return text


def customer_text(hit: CustomerHit, now: datetime, zone: tzinfo, width: int = 0) -> Text:
    """When they last texted (or that there is no conversation), name, number, email: on
    one line, cut at `width` when given (the email and the unread mark go first)."""
    text = Text()
    when = (
        message_time(hit.last_message_at, now, zone) if hit.last_message_at else "no conversation"
    )
    text.append(f"{when:>16}  ", style="dim")
    text.append(one_line(hit.name, 30), style="bold")
    text.append(f"  {hit.phone_pretty}")
    if hit.email:
        text.append(f"  {one_line(hit.email, 40)}", style="dim")
    if hit.unread:
        text.append("  ● unread", style="dim")
    if width > 0 and text.cell_len > width:
        text.truncate(width - 1)
        text.append("…")
    return text


def _note(words: str) -> Option:
    """A line that is not a hit: the cursor passes over it."""
    return Option(Text(words, style="bold"), disabled=True)


class SearchScreen(ModalScreen[Hit | None]):
    """Type to search customers and message bodies; enter opens the highlighted hit."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="search.cancel"),
        Binding("down", "into_results", "Results", id="search.results", show=False),
    ]

    class Found(Message):
        def __init__(self, query: str, results: SearchResults) -> None:
            super().__init__()
            self.query = query
            self.results = results

    def __init__(self, desk: Desk, now: Callable[[], datetime], zone: tzinfo) -> None:
        super().__init__(classes="modal")
        self.desk = desk
        self.now = now
        self.zone = zone
        self.results = SearchResults()
        self.shown_query: str | None = None
        """The query whose results are drawn (typing is debounced, results come later)."""
        self._picks: dict[int, Hit] = {}
        """Option index to hit; headings and notes are not in it."""
        self._timer: Timer | None = None

    @property
    def customers(self) -> tuple[CustomerHit, ...]:
        return self.results.customers

    @property
    def hits(self) -> tuple[SearchHit, ...]:
        """The message hits."""
        return self.results.messages

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Text("Search customers and messages", style="bold"), classes="title")
            yield Input(
                placeholder="a name, a number, an email, or words of a message",
                id="search-input",
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
        results = self.desk.search(query) if query.strip() else SearchResults()
        self.post_message(self.Found(query, results))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)

    @on(Found)
    def _show(self, message: Found) -> None:
        if message.query != self.query_one(Input).value:
            return
        self.results = found = message.results
        self.shown_query = message.query
        now = self.now()
        results = self.query_one(OptionList)
        width = results.scrollable_content_region.width
        options: list[Option] = []
        picks: dict[int, Hit] = {}
        if found.customers:
            options.append(_note("Customers"))
            for customer in found.customers:
                picks[len(options)] = customer
                options.append(Option(customer_text(customer, now, self.zone, width)))
            if found.more_customers:
                over = "over " if found.customers_capped else ""
                options.append(
                    _note(f"{over}{found.more_customers} more customers — refine the search")
                )
        if found.messages:
            options.append(_note("Messages"))
            for hit in found.messages:
                picks[len(options)] = hit
                options.append(Option(hit_text(hit, now, self.zone)))
            if found.more_messages:
                options.append(
                    _note(
                        f"the {len(found.messages)} newest shown; more messages match — "
                        "refine the search"
                    )
                )
        self._picks = picks
        results.clear_options()
        results.add_options(options)
        if picks:
            results.highlighted = min(picks)
        self.query_one("#search-summary", Static).update(
            Text(_summary(found) if message.query.strip() else "", style="dim")
        )

    def highlighted_hit(self) -> Hit | None:
        highlighted = self.query_one(OptionList).highlighted
        return self._picks.get(highlighted) if highlighted is not None else None

    @on(Input.Submitted, "#search-input")
    def _enter(self, _event: Input.Submitted) -> None:
        hit = self.highlighted_hit()
        if hit is not None:
            self.dismiss(hit)

    def action_into_results(self) -> None:
        if self._picks:
            self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        hit = self._picks.get(event.option_index)
        if hit is not None:
            self.dismiss(hit)


def _summary(found: SearchResults) -> str:
    if not found.customers and not found.messages:
        return "No customer or message matches."
    parts = []
    if found.customers:
        n = found.customers_total
        over = "over " if found.customers_capped else ""
        parts.append(f"{over}{n} customer{'s' if n != 1 else ''}")
    if found.messages:
        n = len(found.messages)
        more = "+" if found.more_messages else ""
        parts.append(f"{n}{more} message{'s' if n != 1 else ''}, newest first")
    else:
        parts.append("no message")
    return "; ".join(parts)
