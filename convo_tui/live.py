"""What the terminal UI shows about sync, and the hook a live sync feeds it through.

Plain Python (no Textual), so the sync side can build these without loading
the UI toolkit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from convo_tui.text import one_line


@dataclass(frozen=True)
class SyncStatus:
    """The state of the sync that keeps the store up to date, as the status line shows it."""

    state: str = "off"
    """off (no live sync), idle, syncing, waiting (rate limited) or error."""
    last_sync: datetime | None = None
    """When the last round finished without error."""
    last_error: str | None = None
    """The last error, one line, no secrets."""
    errors: int = 0
    """Errors since start."""
    rate_limit_wait: float = 0.0
    """Seconds spent waiting on rate limits since start."""

    def describe(self, now: datetime) -> str:
        if self.state == "off":
            return "sync off"
        parts = [f"sync {self.state}"]
        if self.last_sync is not None:
            seconds = max(int((now - self.last_sync).total_seconds()), 0)
            parts.append(f"last {seconds}s ago" if seconds < 120 else f"last {seconds // 60}m ago")
        if self.rate_limit_wait >= 1:
            parts.append(f"rate-limited {self.rate_limit_wait:.0f}s")
        if self.errors:
            parts.append(f"{self.errors} error{'s' if self.errors != 1 else ''}")
        if self.state == "error" and self.last_error:
            parts.append(one_line(self.last_error, 60))
        return " · ".join(parts)


@runtime_checkable
class SyncSource(Protocol):
    """A live sync the app can watch. The app calls `status()` from a worker thread
    about once a second, and `wake()` after queueing a reply so it goes out soon."""

    def status(self) -> SyncStatus: ...

    def wake(self) -> None: ...
