"""The side panel: Profile, Activity (filterable by metric) and Orders of the open conversation."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Select, Static, TabbedContent, TabPane

from convo_tui.core.rows import EventRow, OrderRow
from convo_tui.display import ago, consent_words, money, safe_line, stamp
from convo_tui.views import ConversationView, ProfileCard

ALL_METRICS = "__all__"


def profile_text(card: ProfileCard, *, full: bool = False) -> Text:
    text = Text()
    text.append_text(safe_line(card.name, style="bold"))
    text.append("\n")
    text.append(card.phone)
    text.append("\n")
    text.append_text(safe_line(card.email or "no email", style="" if card.email else "dim"))
    text.append("\n\nSMS consent: ", style="dim")
    text.append(consent_words(card.consent), style="bold")
    if card.blocked:
        text.append("\nBLOCKED", style="bold reverse")
        text.append(" (b to unblock)", style="dim")
    text.append("\n\nLocation: ", style="dim")
    text.append_text(safe_line(card.place or "unknown"))
    if full:
        for line in card.address:
            text.append("\n  ")
            text.append_text(safe_line(line))
        if card.coordinates:
            text.append(f"\n  {card.coordinates}", style="dim")
    text.append("\nLocal time: ", style="dim")
    if card.local_time is not None:
        text.append(card.local_time.strftime("%a %H:%M"), style="bold")
        if card.quiet:
            text.append(" (quiet hours)", style="bold")
    else:
        text.append("unknown")
    text.append("\n")
    text.append_text(safe_line(card.zone, style="dim"))
    if not full:
        text.append("\n\nv: full profile", style="dim")
    return text


def events_text(events: list[EventRow] | tuple[EventRow, ...], now: datetime) -> Text:
    if not events:
        return Text("No activity.", style="dim")
    text = Text()
    for index, event in enumerate(events):
        if index:
            text.append("\n")
        text.append(f"{ago(event.occurred_at, now):>4}  ", style="dim")
        text.append_text(safe_line(event.metric))
        detail = _event_detail(event)
        if detail:
            text.append("\n      ")
            text.append_text(safe_line(detail[:120], style="dim"))
    return text


def _event_detail(event: EventRow) -> str:
    props = event.properties or {}
    for key in ("Campaign Name", "Flow Name", "campaign", "flow", "ProductName", "url", "$value"):
        value = props.get(key)
        if value not in (None, ""):
            return f"{key}: {value}"
    return ""


def orders_text(orders: tuple[OrderRow, ...], now: datetime, zone: tzinfo) -> Text:
    if not orders:
        return Text("No orders.", style="dim")
    text = Text()
    for index, order in enumerate(orders):
        if index:
            text.append("\n\n")
        text.append_text(safe_line(order.external_id, style="bold"))
        text.append(f"  {stamp(order.placed_at, now, zone)}  ", style="dim")
        text.append_text(safe_line(order.status))
        for line in order.lines:
            text.append(f"\n  {line.quantity} × ")
            text.append_text(safe_line(line.product_name))
            text.append(f"  {money(line.unit_price_cents, order.currency)}", style="dim")
        text.append(f"\n  total {money(order.total_cents, order.currency)}", style="bold")
    return text


class SidePanel(Vertical):
    """Profile / Activity / Orders tabs for the open conversation."""

    class MetricChosen(Message):
        def __init__(self, profile_id: int, metric: str | None) -> None:
            super().__init__()
            self.profile_id = profile_id
            self.metric = metric

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.profile_id: int | None = None
        self._metrics: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        with TabbedContent(id="side-tabs"):
            with TabPane("Profile", id="tab-profile"), VerticalScroll():
                yield Static(Text("No conversation open.", style="dim"), id="side-profile")
            with TabPane("Activity", id="tab-activity"), Vertical():
                yield Select[str](
                    [], prompt="All activity", id="side-metric", compact=True, allow_blank=True
                )
                with VerticalScroll():
                    yield Static(Text(""), id="side-activity")
            with TabPane("Orders", id="tab-orders"), VerticalScroll():
                yield Static(Text(""), id="side-orders")

    def show(self, view: ConversationView, now: datetime, zone: tzinfo) -> None:
        self.query_one("#side-profile", Static).update(profile_text(view.card))
        self.query_one("#side-orders", Static).update(orders_text(view.orders, now, zone))
        if view.profile_id != self.profile_id or view.metrics != self._metrics:
            self.profile_id = view.profile_id
            self._metrics = view.metrics
            select = self.query_one("#side-metric", Select)
            with select.prevent(Select.Changed):
                select.set_options((Text(m), m) for m in view.metrics)
            self.query_one("#side-activity", Static).update(events_text(view.events, now))
        elif self.query_one("#side-metric", Select).is_blank():
            self.query_one("#side-activity", Static).update(events_text(view.events, now))

    def show_events(self, events: list[EventRow], now: datetime) -> None:
        self.query_one("#side-activity", Static).update(events_text(events, now))

    def clear(self) -> None:
        self.profile_id = None
        self.query_one("#side-profile", Static).update(Text("No conversation open.", style="dim"))
        self.query_one("#side-activity", Static).update(Text(""))
        self.query_one("#side-orders", Static).update(Text(""))

    @on(Select.Changed, "#side-metric")
    def _metric_changed(self, event: Select.Changed) -> None:
        event.stop()
        if self.profile_id is None:
            return
        metric = None if event.value is Select.NULL else str(event.value)
        self.post_message(self.MetricChosen(self.profile_id, metric))
