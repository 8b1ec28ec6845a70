"""The recipient's local time, and quiet hours.

The zone comes from, in order: the profile's IANA time zone; its latitude and
longitude (timezonefinder); its phone number (only when the number maps to
one zone, or to zones that agree on the offset now); else it is unknown.
timezonefinder is imported lazily, once per process: its start-up is slow
and most commands never need it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any, Protocol

from phonenumbers import timezone as phone_timezones
from pytz.tzinfo import BaseTzInfo

from convo_tui import phones
from convo_tui.core.snooze import local_at
from convo_tui.core.timezones import canonical, is_zone, zone
from convo_tui.store.models import Profile

PROFILE, LOCATION, PHONE = "profile", "location", "phone"
SOURCE_WORDS = {PROFILE: "from profile", LOCATION: "from location", PHONE: "from phone number"}

_finder_lock = threading.Lock()
_finder: Any = None


def _timezone_finder() -> Any:
    """The process's one TimezoneFinder, created on first use."""
    global _finder
    with _finder_lock:
        if _finder is None:
            from timezonefinder import TimezoneFinder

            _finder = TimezoneFinder()
        return _finder


class Located(Protocol):
    """The facts a zone is resolved from: a Profile, or a row read with one."""

    @property
    def phone(self) -> str: ...

    @property
    def timezone(self) -> str | None: ...

    @property
    def latitude(self) -> float | None: ...

    @property
    def longitude(self) -> float | None: ...

    @property
    def resolved_timezone(self) -> str | None: ...

    @property
    def timezone_source(self) -> str | None: ...

    @property
    def timezone_basis(self) -> str | None: ...


@dataclass(frozen=True)
class RecipientZone:
    name: str | None
    """IANA zone name, or None when unknown."""
    source: str | None
    """profile, location or phone; None when unknown."""

    def __post_init__(self) -> None:
        # By its current name wherever it came from (phone-number data says Asia/Calcutta).
        if self.name is not None:
            object.__setattr__(self, "name", canonical(self.name))

    @property
    def known(self) -> bool:
        return self.name is not None

    def describe(self) -> str:
        if self.name is None:
            return "time zone unknown"
        return f"{self.name}, {SOURCE_WORDS[self.source or PROFILE]}"


UNKNOWN = RecipientZone(None, None)


@lru_cache(maxsize=1024)
def zone_from_coordinates(latitude: float, longitude: float) -> str | None:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    name: str | None = _timezone_finder().timezone_at(lat=latitude, lng=longitude)
    # At sea timezonefinder answers a nautical Etc/GMT±N zone: no one's wall clock
    # (a point off the coast is a bad geocode, not a ship), so the next fact decides.
    if not name or name.startswith("Etc/") or not is_zone(name):
        return None
    return name


@lru_cache(maxsize=1024)
def _phone_zones(e164: str) -> tuple[str, ...]:
    """The known zones a number may be in (the same for a number every day)."""
    number = phones.parse_e164(e164)
    if number is None:
        return ()
    return tuple(
        n
        for n in phone_timezones.time_zones_for_number(number)
        if n != "Etc/Unknown" and is_zone(n)
    )


def zone_from_phone(e164: str, now: datetime) -> str | None:
    """The zone of a number when it is unambiguous now (all candidates share an offset)."""
    names = _phone_zones(e164)
    if not names:
        return None
    if len(names) == 1:
        return names[0]
    offsets = {now.astimezone(zone(n)).utcoffset() for n in names}
    return sorted(names)[0] if len(offsets) == 1 else None


def _basis(profile: Located) -> str:
    return f"{profile.timezone}|{profile.latitude}|{profile.longitude}|{profile.phone}"


def zone_of(profile: Located, now: datetime) -> RecipientZone:
    """The profile's zone and which fact gave it, from the row's cache when it is fresh.

    The cache is used while the facts it came from are unchanged; the
    phone-number answer is not cached, since whether the candidate zones
    agree depends on the date.
    """
    if (
        profile.resolved_timezone
        and not (
            profile.timezone_source == LOCATION and profile.resolved_timezone.startswith("Etc/")
        )  # cached by an older convo that took sea zones
        and profile.timezone_source in (PROFILE, LOCATION)
        and profile.timezone_basis == _basis(profile)
    ):
        return RecipientZone(profile.resolved_timezone, profile.timezone_source)
    return _resolve_uncached(profile, now)


def resolve(profile: Profile, now: datetime) -> RecipientZone:
    """`zone_of`, kept in the profile row's cache (written when the session commits)."""
    found = zone_of(profile, now)
    if found.source in (PROFILE, LOCATION):
        profile.resolved_timezone = found.name
        profile.timezone_source = found.source
        profile.timezone_basis = _basis(profile)
    return found


def _resolve_uncached(profile: Located, now: datetime) -> RecipientZone:
    if profile.timezone and is_zone(profile.timezone):
        return RecipientZone(profile.timezone, PROFILE)
    if profile.latitude is not None and profile.longitude is not None:
        name = zone_from_coordinates(profile.latitude, profile.longitude)
        if name:
            return RecipientZone(name, LOCATION)
    name = zone_from_phone(profile.phone, now)
    if name:
        return RecipientZone(name, PHONE)
    return UNKNOWN


@lru_cache(maxsize=16)
def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class QuietCheck:
    zone: RecipientZone
    local: datetime | None
    """The recipient's local time now (None when the zone is unknown)."""
    quiet: bool
    """True when a reply now would land outside the window (or the zone is unknown)."""

    def warning(self) -> str | None:
        if self.local is None:
            return "the recipient's time zone is unknown: their local time may be night"
        if not self.quiet:
            return None
        return (
            f"it is {self.local:%H:%M} for the recipient ({self.zone.describe()}): "
            "outside the hours for texting"
        )


def check(
    recipient: RecipientZone, now: datetime, *, start: str = "08:00", end: str = "20:00"
) -> QuietCheck:
    """Whether a text sent now reaches the recipient outside start–end, their local time."""
    if recipient.name is None:
        return QuietCheck(recipient, None, True)
    local = now.astimezone(zone(recipient.name))
    opens, closes = _clock(start), _clock(end)
    wall = local.time().replace(tzinfo=None)
    inside = opens <= wall < closes if opens < closes else (wall >= opens or wall < closes)
    return QuietCheck(recipient, local, not inside)


def next_window_start(recipient_zone: str, now: datetime, *, start: str = "08:00") -> datetime:
    """The next time it is `start` (e.g. 08:00) on the recipient's wall clock, as UTC."""
    tz: BaseTzInfo = zone(recipient_zone)
    today = now.astimezone(tz).date()
    for offset in range(3):
        candidate = local_at(tz, today + timedelta(days=offset), _clock(start))
        if candidate > now:
            return candidate
    raise AssertionError("unreachable: a window opens within three days")
