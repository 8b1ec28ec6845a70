"""Formatting shared by the terminal UI's widgets: times, ages, money, and safe text.

Customer text always becomes a `rich.text.Text` through `safe`, never markup.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from rich.text import Text

from convo_tui.text import one_line, visible

WAIT_ALERT = timedelta(hours=1)
"""Customers waiting longer than this for an answer stand out."""

ZERO_DECIMAL = {"JPY", "KRW", "CLP", "VND", "ISK"}


def safe(text: str | None, style: str = "") -> Text:
    """Untrusted text, literal, with control and invisible characters made visible."""
    return Text(visible(text or ""), style=style)


def safe_line(text: str | None, style: str = "") -> Text:
    """Untrusted text on one line (newlines folded)."""
    return Text(one_line(text or ""), style=style)


def ago(moment: datetime | None, now: datetime) -> str:
    """A short relative time: "now", "5m", "3h", "2d", "6w"."""
    if moment is None:
        return ""
    seconds = max(int((now - moment).total_seconds()), 0)
    if seconds < 60:
        return "now"
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return "now"


def until(moment: datetime | None, now: datetime) -> str:
    """How long until `moment`: "in 3h"."""
    if moment is None:
        return ""
    return "in " + ago(now, moment) if moment > now else "due"


SENDING_SOON = timedelta(minutes=1)
"""A reply due within this is shown as being sent (held for the send delay), not scheduled."""


def reply_marker(pending_at: datetime | None, now: datetime) -> str:
    """How an inbox row shows an agent's reply on its way (not yet an answer): "◷ in 13h"
    when scheduled, "✎ replying" while it is held for the send delay or being sent."""
    if pending_at is None:
        return ""
    if pending_at - now > SENDING_SOON:
        return f"◷ {until(pending_at, now)}"
    return "✎ replying"


def message_time(moment: datetime, now: datetime, zone: tzinfo) -> str:
    """A message time in the agent's zone: time today, weekday this week, else the date."""
    local = moment.astimezone(zone)
    today = now.astimezone(zone).date()
    if local.date() == today:
        return local.strftime("%H:%M")
    if (today - local.date()).days < 7:
        return local.strftime("%a %H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def money(cents: int, currency: str) -> str:
    """Amounts are kept in hundredths of the unit for every currency (yen included)."""
    if currency in ZERO_DECIMAL:
        return f"{cents / 100:,.0f} {currency}"
    return f"{cents / 100:,.2f} {currency}"


def consent_words(consent: str) -> str:
    return {
        "SUBSCRIBED": "subscribed",
        "UNSUBSCRIBED": "opted out",
        "NEVER_SUBSCRIBED": "never subscribed",
    }.get(consent, consent.lower())
