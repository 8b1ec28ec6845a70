"""The recipient's local time, and quiet hours.

The zone comes from, in order: the profile's IANA time zone; its latitude and
longitude (timezonefinder, and about 5 km around: near a border both sides are
possible); its phone number (core.zone_candidates: the number's place, or every
zone it could be in); else it is unknown. Where several zones are possible and
they keep different clocks at some moment of the window checked (now to three
days ahead, which holds any scheduled send), no one of them is taken for the
recipient's: a text is inside the hours for texting only if it is inside them in
every candidate zone, and the next window is the first moment it is in all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Protocol

from pytz.tzinfo import BaseTzInfo

from convo_tui.core import zone_candidates
from convo_tui.core.snooze import local_at
from convo_tui.core.timezones import canonical, is_zone, zone
from convo_tui.store.models import Profile

PROFILE, LOCATION, PHONE = "profile", "location", "phone"
SOURCE_WORDS = {PROFILE: "from profile", LOCATION: "from location", PHONE: "from phone number"}
WINDOW = timedelta(hours=72)
"""How far ahead candidate zones must agree to count as one clock: past any next window
(the third day's window start at the latest)."""
BASIS_VERSION = "2"
"""Bumped when the rule that fills the profile's zone cache changes (2: border probes)."""


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
    """IANA zone name when the recipient keeps one clock; None when unknown or several."""
    source: str | None
    """profile, location or phone; None when unknown."""
    candidates: tuple[str, ...] = ()
    """When several clocks are possible: one zone for each (name is None then)."""
    region: str = field(default="", compare=False)
    """The phone number's country (ISO code), for the words shown."""

    def __post_init__(self) -> None:
        # By its current name wherever it came from (phone-number data says Asia/Calcutta).
        if self.name is not None:
            object.__setattr__(self, "name", canonical(self.name))
        object.__setattr__(self, "candidates", tuple(canonical(n) for n in self.candidates))

    @property
    def known(self) -> bool:
        return self.name is not None or bool(self.candidates)

    @property
    def zones(self) -> tuple[str, ...]:
        return (self.name,) if self.name is not None else self.candidates

    def where(self) -> str:
        """ "Australia, 3 zones": the country (or "several zones") of an uncertain zone."""
        count = f"{len(self.candidates)} zones"
        if self.region:
            return f"{zone_candidates.country_name(self.region)}, {count}"
        return count

    def describe(self, *, every: bool = False) -> str:
        """The zone and where it came from; for an uncertain one, the candidates (the
        first four, or `every` one)."""
        if self.name is not None:
            return f"{self.name}, {SOURCE_WORDS[self.source or PROFILE]}"
        if not self.candidates:
            return "time zone unknown"
        limit = len(self.candidates) if every else 4
        shown = ", ".join(self.candidates[:limit])
        if len(self.candidates) > limit:
            shown += f" and {len(self.candidates) - limit} more"
        return f"not certain: {self.where()} ({shown}), {SOURCE_WORDS[self.source or PHONE]}"


UNKNOWN = RecipientZone(None, None)


def zone_from_coordinates(latitude: float, longitude: float) -> str | None:
    """The zone at the point when the land around it keeps the same clock, else None."""
    found = zone_candidates.from_coordinates(latitude, longitude)
    return found[0] if len(found) == 1 else None


def zone_from_phone(e164: str, now: datetime) -> str | None:
    """The zone of a number when every zone it could be in keeps one clock from now over
    the window checked; else None."""
    found = _from_phone(e164, now)
    return found.name


def _one_or_several(
    names: tuple[str, ...],
    source: str,
    now: datetime,
    *,
    region: str = "",
    prefer: tuple[str, ...] = (),
) -> RecipientZone:
    if not names:
        return UNKNOWN
    clocks = zone_candidates.distinct(names, now - timedelta(hours=1), now + WINDOW, prefer=prefer)
    if len(clocks) == 1:
        return RecipientZone(clocks[0], source, region=region)
    return RecipientZone(None, source, candidates=clocks, region=region)


def _from_phone(e164: str, now: datetime) -> RecipientZone:
    names, region, label = zone_candidates.from_phone(e164)
    return _one_or_several(names, PHONE, now, region=region, prefer=(label,) if label else ())


def _basis(profile: Located) -> str:
    return (
        f"{BASIS_VERSION}|{profile.timezone}|{profile.latitude}|{profile.longitude}|{profile.phone}"
    )


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
    if found.source in (PROFILE, LOCATION) and found.name is not None:
        profile.resolved_timezone = found.name
        profile.timezone_source = found.source
        profile.timezone_basis = _basis(profile)
    return found


def _resolve_uncached(profile: Located, now: datetime) -> RecipientZone:
    if profile.timezone and is_zone(profile.timezone):
        return RecipientZone(profile.timezone, PROFILE)
    if profile.latitude is not None and profile.longitude is not None:
        near = zone_candidates.from_coordinates(profile.latitude, profile.longitude)
        if near:
            # The point's own zone names the clock when the land around keeps it too.
            return _one_or_several(near, LOCATION, now, prefer=near[:1])
    return _from_phone(profile.phone, now)


@lru_cache(maxsize=16)
def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _inside(local: datetime, opens: time, closes: time) -> bool:
    wall = local.time().replace(tzinfo=None)
    return opens <= wall < closes if opens < closes else (wall >= opens or wall < closes)


@dataclass(frozen=True)
class QuietCheck:
    zone: RecipientZone
    local: datetime | None
    """The recipient's local time now (None when the zone is unknown or not certain)."""
    quiet: bool
    """True when a reply now would land outside the window in any zone they may be in
    (or the zone is unknown)."""
    spread: tuple[datetime, ...] = field(default=())
    """When the zone is not certain: the local time now in each candidate zone, earliest
    wall clock first."""

    @property
    def unknown(self) -> bool:
        return self.local is None and not self.spread

    def local_words(self) -> str:
        """ "Tue 07:10" or "between 06:10 and 09:10 (Australia, 3 zones)", or "unknown"."""
        if self.local is not None:
            return f"{self.local:%a %H:%M}"
        if not self.spread:
            return "unknown"
        first, last = self.spread[0], self.spread[-1]
        same_day = first.date() == last.date()
        return (
            f"between {first:%a %H:%M} and {last:{'%H:%M' if same_day else '%a %H:%M'}} "
            f"({self.zone.where()})"
        )

    def warning(self) -> str | None:
        if self.unknown:
            return "the recipient's time zone is unknown: their local time may be night"
        if not self.quiet:
            return None
        if self.local is None:
            return (
                f"it is {self.local_words()} for the recipient, whose zone is not certain: "
                "outside the hours for texting in at least one of those zones"
            )
        return (
            f"it is {self.local:%H:%M} for the recipient ({self.zone.describe()}): "
            "outside the hours for texting"
        )


def check(
    recipient: RecipientZone, now: datetime, *, start: str = "08:00", end: str = "20:00"
) -> QuietCheck:
    """Whether a text sent now reaches the recipient outside start–end, their local time
    (in every zone they may be in). Several zones with no window in common in the next
    days count as unknown: no time can be promised to be day for them."""
    opens, closes = _clock(start), _clock(end)
    if recipient.name is not None:
        local = now.astimezone(zone(recipient.name))
        return QuietCheck(recipient, local, not _inside(local, opens, closes))
    if not recipient.candidates:
        return QuietCheck(recipient, None, True)
    locals_ = sorted(
        (now.astimezone(zone(n)) for n in recipient.candidates),
        key=lambda t: t.replace(tzinfo=None),
    )
    inside = all(_inside(t, opens, closes) for t in locals_)
    if not inside and next_window(recipient, now, start=start, end=end) is None:
        return QuietCheck(recipient, None, True)
    return QuietCheck(recipient, None, not inside, tuple(locals_))


def next_window(
    recipient: RecipientZone, now: datetime, *, start: str = "08:00", end: str = "20:00"
) -> datetime | None:
    """The first moment after `now` that is inside start–end in every zone the recipient
    may be in (for one zone: the next `start` on their wall clock), as UTC; None when the
    zone is unknown or the candidates share no window in the next three days."""
    if recipient.name is not None:
        return next_window_start(recipient.name, now, start=start)
    if not recipient.candidates:
        return None
    opens, closes = _clock(start), _clock(end)
    tzs = [zone(n) for n in recipient.candidates]
    # A window common to all opens when the last of them opens: at some zone's `start`.
    moments = sorted(
        {
            local_at(tz, now.astimezone(tz).date() + timedelta(days=offset), opens)
            for tz in tzs
            for offset in range(4)
        }
    )
    for moment in moments:
        if moment > now and all(_inside(moment.astimezone(tz), opens, closes) for tz in tzs):
            return moment
    return None


def their_time(recipient: RecipientZone, moment: datetime, *, full: bool = False) -> str:
    """`moment` on the recipient's clock: "08:00 their time (Tue 08 Dec)", or for several
    possible zones "08:00–10:00 their time (Tue 08 Dec; Australia, 3 zones)". `full` adds
    the year and the zone: "Tue 2026-12-08 08:00 their time (Australia/Sydney)"."""
    if not recipient.zones:
        return f"{moment:%a %d %b %H:%M} UTC (their time zone is unknown)"
    times = sorted(
        (moment.astimezone(zone(n)) for n in recipient.zones), key=lambda t: t.replace(tzinfo=None)
    )
    first, last = times[0], times[-1]
    if recipient.name is not None:
        if full:
            return f"{first:%a %Y-%m-%d %H:%M} their time ({recipient.name})"
        return f"{first:%H:%M} their time ({first:%a %d %b})"
    span = (
        f"{first:%H:%M}–{last:%H:%M}"
        if first.date() == last.date()
        else (f"{first:%a %H:%M}–{last:%a %H:%M}")
    )
    day = f"{first:%a %Y-%m-%d}" if full else f"{first:%a %d %b}"
    return f"{span} their time ({day}; {recipient.where()})"


def next_window_start(recipient_zone: str, now: datetime, *, start: str = "08:00") -> datetime:
    """The next time it is `start` (e.g. 08:00) on the recipient's wall clock, as UTC."""
    tz: BaseTzInfo = zone(recipient_zone)
    today = now.astimezone(tz).date()
    for offset in range(3):
        candidate = local_at(tz, today + timedelta(days=offset), _clock(start))
        if candidate > now:
            return candidate
    raise AssertionError("unreachable: a window opens within three days")
