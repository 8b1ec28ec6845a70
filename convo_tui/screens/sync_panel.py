"""The sync panel: the last rounds, each stream's cursor and last success, the last
errors in full, rate-limit waits, and "sync now".

Everything shown comes from the live sync's `health()` (secrets already removed);
provider text is shown literally (Rich Text, never markup).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from convo_tui.sync.status import SyncHealth, SyncSource, ago, short_reason
from convo_tui.text import one_line

REFRESH = 0.5
"""Seconds between looks at the sync while the panel is open."""


def _when(moment: datetime | None, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M:%S") if moment else "—"


def _position(cursor: str | None, zone: tzinfo) -> str:
    """A cursor (an ISO time at the provider) on the agent's clock."""
    if not cursor:
        return "—"
    try:
        moment = datetime.fromisoformat(cursor)
    except ValueError:
        return cursor
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def _took(start: datetime, end: datetime | None, now: datetime) -> str:
    seconds = ((end or now) - start).total_seconds()
    return f"{seconds:.1f}s" if seconds < 120 else ago(seconds)


def _table(*columns: str) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, expand=True)
    for name in columns:
        table.add_column(name, overflow="fold")
    return table


def health_view(
    health: SyncHealth | None, *, configured: bool, zone: tzinfo, now: datetime
) -> RenderableType:
    """The panel's content: plain Rich renderables built from Text (no markup)."""
    if not configured or health is None:
        return Text(
            "No live sync in this window: Twilio is not configured, so the inbox only "
            "reads the store. Set the provider credentials (see `convo doctor`) or run "
            "`convo sync --follow` elsewhere.",
        )
    status = health.status
    head = Text(status.describe(now.astimezone(zone)), style="bold")
    if status.state == "off" and status.last_error:
        head.append("\n" + one_line(status.last_error, 200), style="")
    if status.state == "elsewhere":
        head.append(
            "\nAnother process holds this store's sync lock: this window shows what it "
            "stores, and takes the sync over within a second or two when it stops.",
            style="",
        )
    every = Text(f"A round every {health.interval:g}s.", style="dim")

    rounds = _table("#", "started", "took", "why", "pulled", "pushed", "outcome")
    for r in health.rounds:
        rounds.add_row(
            Text(str(r.number)),
            Text(_when(r.started, zone)),
            Text(_took(r.started, r.finished, now)),
            Text(r.why),
            Text(r.pulled or "…"),
            Text(r.pushed or "…"),
            Text(r.outcome, style="bold red" if r.errors else ""),
        )

    streams = _table("stream", "cursor", "cursor moved", "last ok", "last error")
    for s in health.streams:
        streams.add_row(
            Text(s.name),
            Text(_position(s.cursor, zone)),
            Text(_when(s.moved, zone)),
            Text(_when(s.last_success, zone)),
            # Short here: the errors in full are listed below.
            Text(
                short_reason(s.last_error) if s.last_error else "—",
                style="red" if s.last_error else "dim",
            ),
        )

    errors: RenderableType = Text("None since the app started.", style="dim")
    if health.errors:
        lines = []
        for e in health.errors:
            again = f" (×{e.times} since {_when(e.first, zone)})" if e.times > 1 else ""
            lines.append(Text(f"{_when(e.at, zone)}{again}  {e.text}"))
        errors = Group(*lines)

    waits: RenderableType = Text("None since the app started.", style="dim")
    if health.waits:
        lines = []
        for w in health.waits:
            asked = f", Retry-After {w.retry_after:g}s" if w.retry_after is not None else ""
            lines.append(
                Text(
                    f"{_when(w.at, zone)}  {w.provider} 429 on {w.method} {w.path}{asked}, "
                    f"waited {w.waited:.1f}s"
                )
            )
        waits = Group(*lines)

    def title(words: str) -> Text:
        return Text(f"\n{words}", style="bold underline")

    return Group(
        head,
        every,
        title("Last rounds"),
        rounds if health.rounds else Text("No round yet.", style="dim"),
        title("Streams"),
        streams,
        title("Last errors (in full)"),
        errors,
        title("Rate-limit waits"),
        waits,
    )


class SyncPanel(ModalScreen[None]):
    """How sync is doing, and a way to run a round now."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,Y", "dismiss(None)", "Close", id="sync_panel.close"),
        Binding("n", "sync_now", "Sync now", id="sync_panel.now", tooltip="Run a round now"),
    ]

    DEFAULT_CSS = """
    SyncPanel {
        align: center middle;
    }
    SyncPanel > Vertical {
        width: 96%;
        max-width: 140;
        height: 94%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    SyncPanel #sync-body {
        height: 1fr;
    }
    SyncPanel #sync-keys {
        height: 1;
        color: $text-muted;
    }
    """

    def __init__(
        self,
        sync: SyncSource | None,
        *,
        zone: tzinfo = UTC,
        now: Callable[[], datetime],
    ) -> None:
        super().__init__()
        self.sync = sync
        self.zone = zone
        self.now = now
        self.health: SyncHealth | None = None
        self.note = ""

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll(id="sync-body"):
                yield Static(id="sync-health")
            yield Static(id="sync-keys")

    def on_mount(self) -> None:
        self.query_one(Vertical).border_title = "Sync health"
        self._draw()
        self.refresh_health()
        self.set_interval(REFRESH, self.refresh_health)

    @work(thread=True, exclusive=True, group="sync-health", exit_on_error=False)
    def refresh_health(self) -> None:
        if self.sync is None:
            return
        health = self.sync.health()
        self.app.call_from_thread(self._show, health)

    def _show(self, health: SyncHealth) -> None:
        if health != self.health:
            self.health = health
            self._draw()

    def _draw(self) -> None:
        view = health_view(
            self.health, configured=self.sync is not None, zone=self.zone, now=self.now()
        )
        self.query_one("#sync-health", Static).update(view)
        keys = Text("n sync now · esc close", style="")
        if self.note:
            keys.append("   " + self.note, style="bold")
        self.query_one("#sync-keys", Static).update(keys)

    def action_sync_now(self) -> None:
        if self.sync is None:
            self.note = "no live sync to run"
        else:
            running = bool(
                self.health and self.health.rounds and not self.health.rounds[0].finished
            )
            self.note = (
                "a round is running: the next starts when it ends" if running else "round started"
            )
            self._wake(self.sync)
        self._draw()

    @work(thread=True, group="sync-wake", exit_on_error=False)
    def _wake(self, sync: SyncSource) -> None:
        sync.wake("sync now")
        self.app.call_from_thread(self.refresh_health)
