"""The status line at the top: agent and role, the filter and its count, unread, sync state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from convo_tui.live import SyncStatus
from convo_tui.text import one_line


@dataclass(frozen=True)
class StatusInfo:
    """What the status line shows; the app and inbox screen replace it as things change."""

    agent: str = ""
    role: str = ""
    filter_words: str = "open"
    matching: int | None = None
    unread: int | None = None
    """None when the unread indicator setting is off."""
    sync: SyncStatus = field(default_factory=SyncStatus)


def status_text(info: StatusInfo, now: datetime) -> Text:
    text = Text()
    text.append(" convo ", style="bold reverse")
    text.append(" ")
    if info.agent:
        text.append(one_line(info.agent), style="bold")
        text.append(f" ({info.role})", style="dim")
        text.append("  ")
    text.append(f"Inbox: {info.filter_words}")
    if info.matching is not None:
        plural = "s" if info.matching != 1 else ""
        text.append(f" — {info.matching:,} conversation{plural}")
    if info.unread is not None:
        text.append("  ")
        text.append(f"● {info.unread:,} unread", style="bold")
    text.append("  ")
    text.append(info.sync.describe(now), style="bold red" if info.sync.state == "error" else "dim")
    return text


class StatusLine(Static):
    """One line: who, what is shown, how many, and how sync is doing."""

    def show_info(self, info: StatusInfo, now: datetime) -> None:
        self.update(status_text(info, now))
