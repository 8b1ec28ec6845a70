"""The status line at the top: agent and role, the filter and its count, unread, sync state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from convo_tui.display import ago
from convo_tui.sync.status import SyncStatus
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
    store: str = ""
    """What is wrong with the store ("store unreachable, retrying"), when something is:
    it stands in the place of the sync state, which means nothing while it lasts."""
    flagged: int = 0
    """Conversations waiting for an agent's opt-out decision."""
    flagged_since: datetime | None = None
    """Since when the oldest of them has waited."""
    not_at_klaviyo: int = 0
    """Opt-outs recorded here that Klaviyo refused: its campaigns may still text them."""


COMPACT_STEPS = 7
"""How many ever shorter forms the line has (see `_status`)."""


def status_text(info: StatusInfo, now: datetime, width: int = 0) -> Text:
    """The line, as long as it fits in `width` (0: no limit): on a narrow terminal the
    agent's role, then the words, the agent, the filter and the name of the app give way;
    the count, unread and sync state (or the store's trouble) stay, since those are what an
    agent glances at."""
    for compact in range(COMPACT_STEPS):
        text = _status(info, now, compact)
        if not width or text.cell_len <= width:
            return text
    text.truncate(width)
    return text


def _status(info: StatusInfo, now: datetime, compact: int) -> Text:
    """`compact` 0: everything; 1: no role; 2: short words, the sync state alone;
    3: no agent; 4: no filter; 5: unread as "●20"; 6: no app name, "idle" for "sync idle",
    one space between the parts."""
    text = Text()
    gap = "  " if compact < 6 else " "
    if compact < 6:
        text.append(" convo ", style="bold reverse")
        text.append(" ")
    if info.agent and compact < 3:
        text.append(one_line(info.agent), style="bold")
        if compact < 1:
            text.append(f" ({info.role})", style="dim")
        text.append(gap)
    if compact < 4:
        text.append(f"Inbox: {info.filter_words}" if compact < 2 else info.filter_words)
    if info.matching is not None:
        plural = "s" if info.matching != 1 else ""
        words = f" conversation{plural}" if compact < 2 else ""
        text.append(f" — {info.matching:,}{words}" if compact < 4 else f"{info.matching:,}")
    if info.unread is not None:
        text.append(gap)
        unread = f"● {info.unread:,} unread" if compact < 5 else f"●{info.unread:,}"
        text.append(unread, style="bold")
    if info.flagged:
        text.append(gap)
        text.append(_flagged_words(info, now, compact), style="bold red")
    if info.not_at_klaviyo:
        text.append(gap)
        n = info.not_at_klaviyo
        words = (
            f"{n} opted out here, not yet at Klaviyo"
            if compact < 2
            else (f"{n} not at Klaviyo" if compact < 5 else f"✗Klaviyo {n}")
        )
        text.append(words, style="bold red")
    text.append(gap)
    if info.store:
        text.append(info.store, style="bold red")
    else:
        text.append(_sync_words(info.sync, now, compact), style=_sync_style(info.sync))
    return text


def _flagged_words(info: StatusInfo, now: datetime, compact: int) -> str:
    """ "⚑ 2 possible opt-outs (oldest 3h)", shorter as the line narrows: replies to them
    wait for a decision, so it stays as long as the unread count does."""
    if compact >= 5:
        return f"⚑{info.flagged}"
    if compact >= 2:
        return f"⚑ {info.flagged} opt-out?"
    plural = "s" if info.flagged != 1 else ""
    words = f"⚑ {info.flagged} possible opt-out{plural}"
    if info.flagged_since is not None:
        words += f" (oldest {ago(info.flagged_since, now)})"
    return words


def _sync_words(sync: SyncStatus, now: datetime, compact: int) -> str:
    words = sync.describe(now)
    if compact >= 2:
        words = words.split(" · ")[0]  # "sync idle", "sync failing: <why>"...
    if compact >= 6:
        words = words.removeprefix("sync ")  # "idle", "failing: <why>"
    return words


def _sync_style(sync: SyncStatus) -> str:
    return "bold red" if sync.state in ("failing", "stalled", "absent") else "dim"


class StatusLine(Static):
    """One line: who, what is shown, how many, and how sync is doing."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
    }
    """

    _shown: tuple[StatusInfo, datetime] | None = None

    def show_info(self, info: StatusInfo, now: datetime) -> None:
        self._shown = (info, now)
        # One line, always (`height: 1`): a repaint, not a layout of the whole screen,
        # which `Static.update` would do each time a count changes.
        self.update(status_text(info, now, self.size.width), layout=False)

    def on_resize(self) -> None:
        if self._shown is not None:
            self.update(status_text(*self._shown, self.size.width), layout=False)
