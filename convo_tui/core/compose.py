"""What the composer shows before a reply is sent: final text, cost, recipient time.

Pure: it reads the profile and settings and writes nothing, so the terminal UI
can call it on every keystroke.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from convo_tui.core import controls, links, recipient_time
from convo_tui.core.settings import InboxSettings
from convo_tui.core.sms_cost import Cost, cost
from convo_tui.store.models import Profile


@dataclass(frozen=True)
class Draft:
    text: str
    """The text as it will be sent (links shortened when that setting is on)."""
    cost: Cost
    quiet: recipient_time.QuietCheck
    next_window: datetime | None
    """When quiet and the zone is known: the next window start, UTC."""
    removed: str | None = None
    """What was taken out of the text as typed (control characters), in one line."""

    def cost_line(self) -> str:
        return cost_line(self.cost)

    def window_words(self) -> str | None:
        """The next window on the recipient's clock ("08:00 their time (Tue 08 Dec)")."""
        if self.next_window is None:
            return None
        return recipient_time.their_time(self.quiet.zone, self.next_window)


def cost_line(found: Cost) -> str:
    """The cost as one line ("GSM-7 · 42 characters · 1 segment"), with what forced UCS-2."""
    plural = "s" if found.segments != 1 else ""
    line = f"{found.encoding} · {found.length} characters · {found.segments} segment{plural}"
    if found.unicode_chars:
        shown = " ".join(repr(ch)[1:-1] for ch in found.unicode_chars[:8])
        line += f" · UCS-2 because of: {shown}"
    return line


def text_cost(body: str, *, shorten: bool, domain: str) -> Cost:
    """What `body` costs as sent (controls out, links shortened when that setting is on);
    pure, no store."""
    body = controls.clean(body).text
    return cost(links.preview(body, domain) if shorten else body)


def draft(profile: Profile, body: str, settings: InboxSettings, *, now: datetime) -> Draft:
    cleaned = controls.clean(body)
    body = cleaned.text
    text = links.preview(body, settings.links_domain) if settings.links_shorten else body
    zone = recipient_time.resolve(profile, now)
    quiet = recipient_time.check(
        zone, now, start=settings.quiet_hours_start, end=settings.quiet_hours_end
    )
    next_window = None
    if quiet.quiet and not quiet.unknown:
        next_window = recipient_time.next_window(
            zone, now, start=settings.quiet_hours_start, end=settings.quiet_hours_end
        )
    return Draft(text, cost(text), quiet, next_window, cleaned.notice())
