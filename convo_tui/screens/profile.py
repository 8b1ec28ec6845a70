"""The full profile: every known fact about the customer, their activity and their orders."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from convo_tui.session.views import ConversationView
from convo_tui.widgets.side_panel import events_text, orders_text, profile_text


class ProfileScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,v", "app.pop_screen", "Back", id="profile.back")
    ]

    def __init__(self, view: ConversationView, now: datetime, zone: tzinfo) -> None:
        super().__init__()
        self.view = view
        self.now = now
        self.zone = zone

    def compose(self) -> ComposeResult:
        yield Static(Text(" Profile  (esc: back)", style="bold reverse"), id="profile-title")
        with Horizontal(id="profile-columns"):
            with VerticalScroll(classes="profile-column"):
                yield Static(profile_text(self.view.card, full=True))
            with VerticalScroll(classes="profile-column"):
                yield Static(Text("Activity", style="bold underline"))
                yield Static(events_text(self.view.events, self.now))
            with VerticalScroll(classes="profile-column"):
                yield Static(Text("Orders", style="bold underline"))
                yield Static(orders_text(self.view.orders, self.now, self.zone))
        yield Footer()
