"""The side panel: Profile, Activity (filterable by metric) and Orders of the open conversation."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Select

from convo_tui.core.rows import EventRow, OrderRow
from convo_tui.display import ago, consent_words, money, safe_line, stamp
from convo_tui.session import event_words
from convo_tui.session.views import ConversationView, ProfileCard
from convo_tui.text import one_line
from convo_tui.widgets.scroll_text import ScrollText
from convo_tui.widgets.side_tabs import SideTabs

ALL_METRICS = "__all__"


def profile_text(card: ProfileCard, *, full: bool = False) -> Text:
    text = Text()
    text.append_text(safe_line(card.name, style="bold"))
    text.append("\n")
    if card.named:
        text.append(card.phone)
        text.append("\n")
    text.append_text(safe_line(card.email or "no email", style="" if card.email else "dim"))
    text.append("\n\nSMS consent: ", style="dim")
    text.append(consent_words(card.consent), style="bold")
    if card.klaviyo:
        text.append("\n")
        text.append_text(safe_line(card.klaviyo, style="bold"))
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
    words = card.local_words or (card.local_time.strftime("%a %H:%M") if card.local_time else "")
    if words and words != "unknown":
        text.append(words, style="bold")
        if card.quiet:
            several = card.local_time is None  # not certain: a span of local times
            quiet = " (quiet hours in at least one)" if several else " (quiet hours)"
            text.append(quiet, style="bold")
    else:
        text.append("unknown")
    text.append("\n")
    text.append_text(
        safe_line(card.zone_every if full and card.zone_every else card.zone, style="dim")
    )
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
        detail = event_words.detail(event.properties)
        if detail:
            text.append("\n      ")
            text.append(one_line(detail, 120), style="dim")  # literal, as safe_line
    return text


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


TABS = (("tab-profile", "Profile"), ("tab-activity", "Activity"), ("tab-orders", "Orders"))
"""The panel's tabs: (id, label)."""


class SidePanel(Vertical):
    """Profile / Activity / Orders tabs for the open conversation.

    A tab row (`SideTabs`) over the text of the tab in sight (a `ScrollText`, under
    the metric choice on Activity); the other tabs' widgets are not displayed. So
    the compositor sees three widgets under the panel's lines where Textual's
    TabbedContent put up to fourteen. Only the tab in sight is drawn: the others
    are drawn when they are shown, so moving down the list costs one tab's text,
    and no layout unless its scroll bar comes or goes."""

    class MetricChosen(Message):
        def __init__(self, profile_id: int, metric: str | None) -> None:
            super().__init__()
            self.profile_id = profile_id
            self.metric = metric

    class DetailsWanted(Message):
        """A tab needs the activity and orders a preview left out."""

        def __init__(self, conversation_id: int) -> None:
            super().__init__()
            self.conversation_id = conversation_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.profile_id: int | None = None
        self._metrics: tuple[str, ...] = ()
        self._shown: tuple[ConversationView, datetime, tzinfo] | None = None
        self._stale: set[str] = set()
        """Tabs whose text is not the open conversation's yet."""
        self._events: tuple[list[EventRow], datetime] | None = None
        """Events of the chosen metric, when one is chosen."""
        self._bodies: dict[str, tuple[Widget, ...]] = {}
        """The widgets each tab shows under the tab row, by tab id."""

    def compose(self) -> ComposeResult:
        yield SideTabs(TABS, id="side-tabs")
        metric = Select[str](
            [], prompt="All activity", id="side-metric", compact=True, allow_blank=True
        )
        profile = ScrollText(Text("No conversation open.", style="dim"), id="side-profile")
        activity = ScrollText(Text(""), id="side-activity")
        orders = ScrollText(Text(""), id="side-orders")
        self._bodies = {
            "tab-profile": (profile,),
            "tab-activity": (metric, activity),
            "tab-orders": (orders,),
        }
        for tab, widgets in self._bodies.items():
            for widget in widgets:
                widget.display = tab == "tab-profile"
                yield widget

    def _body(self, name: str) -> ScrollText:
        return self.query_one(f"#side-{name}", ScrollText)

    @property
    def active_tab(self) -> str:
        return self.query_one("#side-tabs", SideTabs).active

    @property
    def needs_details(self) -> bool:
        """True when the tab in sight shows activity or orders (a preview must bring them)."""
        return self.active_tab != "tab-profile"

    def show(self, view: ConversationView, now: datetime, zone: tzinfo) -> None:
        if view.profile_id != self.profile_id:
            self._events = None  # a metric chosen for someone else does not apply
        self.profile_id = view.profile_id
        self._shown = (view, now, zone)
        self._stale = {"tab-profile", "tab-activity", "tab-orders"}
        self._draw_active()

    def clear(self) -> None:
        self.profile_id = None
        self._shown = None
        self._events = None
        self._stale = {"tab-profile", "tab-activity", "tab-orders"}
        self._draw_active()

    def _draw_active(self) -> None:
        tab = self.active_tab
        if tab not in self._stale:
            return
        if tab != "tab-profile" and self._shown is not None and not self._shown[0].side_loaded:
            # Drawn when they come (`show` again).
            name = "activity" if tab == "tab-activity" else "orders"
            self._body(name).show(Text("Loading…", style="dim"))
            self.post_message(self.DetailsWanted(self._shown[0].conversation_id))
            return
        self._stale.discard(tab)
        if tab == "tab-profile":
            self._draw_profile()
        elif tab == "tab-activity":
            self._draw_activity()
        elif tab == "tab-orders":
            self._draw_orders()

    def _draw_profile(self) -> None:
        if self._shown is None:
            self._body("profile").show(Text("No conversation open.", style="dim"))
            return
        self._body("profile").show(profile_text(self._shown[0].card))

    def _draw_orders(self) -> None:
        if self._shown is None:
            self._body("orders").show(Text(""))
            return
        view, now, zone = self._shown
        self._body("orders").show(orders_text(view.orders, now, zone))

    def _draw_activity(self) -> None:
        metrics = self._shown[0].metrics if self._shown is not None else ()
        select = self.query_one("#side-metric", Select)
        if metrics != self._metrics:
            self._metrics = metrics
            with select.prevent(Select.Changed):
                select.set_options((safe_line(m), m) for m in metrics)  # provider text
        elif self._events is None and not select.is_blank():
            with select.prevent(Select.Changed):
                select.clear()
        if self._shown is None:
            self._body("activity").show(Text(""))
        elif self._events is not None:
            self._body("activity").show(events_text(*self._events))
        else:
            self._body("activity").show(events_text(self._shown[0].events, self._shown[1]))

    def show_events(self, events: list[EventRow], now: datetime) -> None:
        """The events of the metric the agent chose."""
        self._events = (events, now)
        self._body("activity").show(events_text(events, now))

    @on(SideTabs.Changed, "#side-tabs")
    def _tab_shown(self, event: SideTabs.Changed) -> None:
        """The chosen tab's body in sight, its text drawn before the screen lays it out
        (one layout for both)."""
        event.stop()
        for tab, widgets in self._bodies.items():
            for widget in widgets:
                widget.display = tab == event.active
        self._draw_active()

    @on(Select.Changed, "#side-metric")
    def _metric_changed(self, event: Select.Changed) -> None:
        event.stop()
        if self.profile_id is None:
            return
        metric = None if event.value is Select.NULL else str(event.value)
        if metric is None:
            self._events = None
        self.post_message(self.MetricChosen(self.profile_id, metric))
