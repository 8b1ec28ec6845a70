"""Snooze presets, in the agent's own time zone.

- later today: three hours from now, rounded up to the next quarter hour;
- tomorrow: 09:00 tomorrow;
- next week: 09:00 seven days from today;
- an explicit time: "YYYY-MM-DD HH:MM", "HH:MM" (today, or tomorrow if passed),
  or a duration such as "45m", "2h", "3d".
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytz
from pytz.tzinfo import BaseTzInfo

from convo_tui.errors import ConvoError

PRESETS = ("later-today", "tomorrow", "next-week")
MORNING = time(9, 0)

_DURATION = re.compile(r"(\d{1,4})\s*([mhd])")
_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2})[ T]([01]?\d|2[0-3]):([0-5]\d)")


class BadSnoozeTime(ConvoError):
    exit_code = 2


def local_at(zone: BaseTzInfo, day: date, at: time) -> datetime:
    """`day` at wall time `at` in `zone`, as UTC. A time skipped by DST moves forward; a
    time that happens twice (the night clocks go back) is its first occurrence, by the
    wall clock (fold 0), whatever the zone calls DST: pytz's `is_dst` picks different
    instants in London and in Dublin, whose data counts winter as the negative DST."""
    naive = datetime.combine(day, at)
    try:
        aware = zone.localize(naive, is_dst=None)
    except pytz.AmbiguousTimeError:
        return min(zone.localize(naive, is_dst=flag).astimezone(UTC) for flag in (True, False))
    except pytz.NonExistentTimeError:
        aware = zone.normalize(zone.localize(naive, is_dst=False))
    return aware.astimezone(UTC)


def preset_time(preset: str, now: datetime, zone: BaseTzInfo) -> datetime:
    """The UTC time a preset stands for, computed on the agent's wall clock."""
    local_now = now.astimezone(zone)
    if preset == "later-today":
        later = now + timedelta(hours=3)
        return _round_up(later, minutes=15)
    if preset == "tomorrow":
        return local_at(zone, local_now.date() + timedelta(days=1), MORNING)
    if preset == "next-week":
        return local_at(zone, local_now.date() + timedelta(days=7), MORNING)
    raise BadSnoozeTime(f"unknown snooze preset {preset!r}", f"use one of: {', '.join(PRESETS)}")


def parse(text: str, now: datetime, zone: BaseTzInfo) -> datetime:
    """A preset, duration, clock time or date and time, as an aware UTC datetime."""
    value = text.strip().lower().replace("_", "-")
    if value in PRESETS:
        return preset_time(value, now, zone)
    if match := _DURATION.fullmatch(value):
        amount, unit = int(match.group(1)), match.group(2)
        delta = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount)}.get(
            unit, timedelta(days=amount)
        )
        return now + delta
    if match := _CLOCK.fullmatch(value):
        at = time(int(match.group(1)), int(match.group(2)))
        today = now.astimezone(zone).date()
        when = local_at(zone, today, at)
        return when if when > now else local_at(zone, today + timedelta(days=1), at)
    if match := _DATETIME.fullmatch(value):
        try:
            day = date.fromisoformat(match.group(1))
        except ValueError:
            day = None
        if day is not None:
            return local_at(zone, day, time(int(match.group(2)), int(match.group(3))))
    raise BadSnoozeTime(
        f"cannot read the snooze time {text!r}",
        "use later-today, tomorrow, next-week, 2h, 3d, 14:30 or 2026-12-01 09:00",
    )


def _round_up(moment: datetime, *, minutes: int) -> datetime:
    step = minutes * 60
    seconds = moment.timestamp()
    rounded = -(-int(seconds) // step) * step
    return datetime.fromtimestamp(rounded, UTC)
