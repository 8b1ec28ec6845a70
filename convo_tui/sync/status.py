"""What the terminal UI shows about sync, and the hook a live sync feeds it through.

Plain Python (no Textual), so the sync side can build these without loading
the UI toolkit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from convo_tui.text import one_line


def short_reason(error: str) -> str:
    """An error's reason for a status line, short enough for 80 columns: without the
    step, the provider's URL, its error code and the advice (the sync panel has them).
    "messages: Twilio answered 401 (code 20003): Authenticate; check the credentials"
    → "Twilio answered 401: Authenticate"."""
    reason = error.split("; ", 1)[0]
    reason = re.sub(r"^[a-z]+: ", "", reason)
    reason = re.sub(r" at https?://\S+?:(?= )", ":", reason)
    return re.sub(r" \(code \d+\)", "", reason)


def ago(seconds: float) -> str:
    """A short "how long ago": 3s, 4m, 2h."""
    seconds = max(int(seconds), 0)
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h"


def clock_time(moment: datetime, now: datetime) -> str:
    """`moment` as a time of day in `now`'s zone (the agent's, on the status line)."""
    local = moment.astimezone(now.tzinfo) if now.tzinfo is not None else moment
    return local.strftime("%H:%M:%S")


@dataclass(frozen=True)
class SyncStatus:
    """The state of the sync that keeps the store up to date, as the status line shows it."""

    state: str = "off"
    """off (no live sync), absent (this inbox does not sync, and nothing else does: the
    sync service is not running), elsewhere (another process syncs this store; this one takes
    over when it stops), idle, syncing, waiting (rate limited), stalled (no answer for
    longer than a round's interval) or failing (the last tries or the last round failed)."""
    last_sync: datetime | None = None
    """When the last round finished without error."""
    last_error: str | None = None
    """The last error, one line, no secrets (failing: the short reason)."""
    errors: int = 0
    """Errors since start."""
    rate_limit_wait: float = 0.0
    """Seconds spent waiting on rate limits since start."""
    since: datetime | None = None
    """stalled: when the provider last answered (or the round began); waiting: until when."""
    by: str | None = None
    """elsewhere (another process holds the sync lock): who syncs, as the status line
    says it ("sync by bea's app", "sync service")."""

    def describe(self, now: datetime) -> str:
        """The words of the status line; the first part (before " · ") stands alone
        when the terminal is narrow, so it carries the state and its reason."""
        if self.state == "off":
            return "sync off"
        if self.state == "absent":
            return "sync service not running"
        if self.state == "elsewhere":
            return one_line(self.by or "sync by another process", 60)
        if self.state == "failing":
            reason = one_line(self.last_error or "unknown error", 60)
            parts = [f"sync failing: {reason}"]
        elif self.state == "stalled" and self.since is not None:
            parts = [f"sync stalled since {clock_time(self.since, now)}"]
        elif self.state == "waiting" and self.since is not None:
            parts = [f"sync waiting: rate limited until {clock_time(self.since, now)}"]
        else:
            parts = [f"sync {self.state}"]
        troubled = self.state in ("failing", "stalled")
        if self.last_sync is not None:
            seconds = (now - self.last_sync).total_seconds()
            parts.append(f"last ok {ago(seconds)} ago" if troubled else f"last {ago(seconds)} ago")
        elif troubled:
            parts.append("no round has succeeded yet")
        if self.rate_limit_wait >= 1:
            parts.append(f"rate-limited {self.rate_limit_wait:.0f}s")
        if self.errors:
            parts.append(f"{self.errors} error{'s' if self.errors != 1 else ''}")
        return " · ".join(parts)


@dataclass(frozen=True)
class RoundRecord:
    """One sync round, for the sync panel."""

    number: int
    why: str
    """first round, interval, sync now, reply queued."""
    started: datetime
    finished: datetime | None = None
    """None while it runs."""
    step: str = ""
    """The step running now."""
    pulled: str = ""
    pushed: str = ""
    errors: tuple[str, ...] = ()

    @property
    def outcome(self) -> str:
        if self.finished is None:
            return f"running ({self.step})" if self.step else "running"
        if self.errors:
            return f"{len(self.errors)} error{'s' * (len(self.errors) != 1)}"
        return "ok"


@dataclass(frozen=True)
class StreamHealth:
    """One step of a round (a stream with a cursor, or the deliveries or the outbox)."""

    name: str
    cursor: str | None = None
    """Where the stream reads from next (its cursor position), when it has one."""
    moved: datetime | None = None
    """When the cursor last moved."""
    last_success: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class ErrorRecord:
    at: datetime
    """When it last happened."""
    text: str
    """In full, secrets removed."""
    times: int = 1
    """How many times since the first (a round every few seconds repeats the same errors)."""
    first: datetime | None = None
    """When a repeated error first happened."""


@dataclass(frozen=True)
class RateLimitWait:
    """A 429 the provider answered, and how long the client waited for it."""

    at: datetime
    provider: str
    method: str
    path: str
    retry_after: float | None
    waited: float


@dataclass(frozen=True)
class SyncHealth:
    """Everything the sync panel shows, newest first."""

    status: SyncStatus = field(default_factory=SyncStatus)
    interval: float = 0.0
    rounds: tuple[RoundRecord, ...] = ()
    streams: tuple[StreamHealth, ...] = ()
    errors: tuple[ErrorRecord, ...] = ()
    waits: tuple[RateLimitWait, ...] = ()


@runtime_checkable
class SyncSource(Protocol):
    """A live sync the app can watch. The app calls `status()` from a worker thread
    about once a second, and `wake()` after queueing a reply so it goes out soon;
    the sync panel calls `health()` and `wake("sync now")`."""

    def status(self) -> SyncStatus: ...

    def wake(self, why: str = "reply queued") -> None: ...

    def health(self) -> SyncHealth: ...
