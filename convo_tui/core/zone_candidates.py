"""Every zone a recipient could be in, from their phone number or their coordinates.

convo never takes one zone for certain where several are possible. For a phone number
the candidates come from, in order:

1. the number's place (phonenumbers' geocoder: "Terre Haute, IN", "Brisbane",
   "Chihuahua"), through the place table `place_zones.tsv.gz` (built by
   `data/make_place_zones.py` from GeoNames' cities, each placed in its zone by
   timezonefinder's boundaries, not by GeoNames' own zone field or phonenumbers'
   zone data). The table is keyed by number prefix as the geocoder is, so the
   geocoder itself (100 MB once imported) is not needed at run time;
2. phonenumbers' own zone list, when it names several (a mobile range);
3. that list's one zone, when every inhabited zone of the number's country keeps the
   same offset all year (Germany, India: one zone means one clock);
4. else every inhabited zone of the country (zone.tab): phonenumbers lists one zone
   for many prefixes that span several offsets (America/New_York for all of +1 812,
   though Evansville keeps Central time; America/Noronha for all of Pernambuco).

Zones of another country that shares the number's plan are left out (Cocos and
Christmas Island share +61 with Australia but are not Australia); Australia's own
small zones (Lord Howe, Eucla) stay, since Australians live there.

For coordinates: the zone at the point, and at four points about 5 km around it, so
that a customer a street away from a zone border is not placed with confidence on
the wrong side of it (timezonefinder's polygons and a geocoded address both err by
that much). A nautical Etc/ zone is never a candidate: at sea is a bad geocode.
"""

from __future__ import annotations

import bisect
import gzip
import threading
import unicodedata
from datetime import datetime, timedelta
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import pytz
from phonenumbers import region_code_for_number
from phonenumbers import timezone as phone_timezones

from convo_tui import phones
from convo_tui.core.timezones import canonical, is_zone, zone

PROBE = 0.05
"""Degrees around a point that are looked at too (about 5 km)."""
PLACES = "place_zones.tsv.gz"
PEOPLE = "zone_people.tsv"

_finder_lock = threading.Lock()
_finder: Any = None


def timezone_finder() -> Any:
    """The process's one TimezoneFinder, created on first use (its start-up is slow)."""
    global _finder
    with _finder_lock:
        if _finder is None:
            from timezonefinder import TimezoneFinder

            _finder = TimezoneFinder()
        return _finder


def _usable(name: str | None) -> str | None:
    if not name or name.startswith("Etc/") or not is_zone(name):
        return None
    return canonical(name)


@lru_cache(maxsize=4096)
def from_coordinates(latitude: float, longitude: float) -> tuple[str, ...]:
    """The zones at and around the point, the point's own first; () at sea or off the map."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return ()
    finder = timezone_finder()
    found: list[str] = []
    at = _usable(finder.timezone_at(lat=latitude, lng=longitude))
    if at is None:
        return ()
    found.append(at)
    for dlat, dlng in ((PROBE, 0.0), (-PROBE, 0.0), (0.0, PROBE), (0.0, -PROBE)):
        lat, lng = latitude + dlat, longitude + dlng
        if -90 <= lat <= 90 and -180 <= lng <= 180:
            near = _usable(finder.timezone_at(lat=lat, lng=lng))
            if near is not None and near not in found:
                found.append(near)
    return tuple(found)


@cache
def region_zones(region: str) -> tuple[str, ...]:
    """The inhabited zones of a country (zone.tab), current names, in zone.tab's order."""
    names = pytz.country_timezones.get(region.upper(), [])
    return tuple(dict.fromkeys(canonical(n) for n in names if is_zone(n)))


YEAR = tuple(datetime(2026, month, 15, 12, tzinfo=pytz.UTC) for month in range(1, 13))


@cache
def one_clock(region: str) -> bool:
    """Whether every inhabited zone of the country keeps the same offset all year."""
    zones = region_zones(region)
    return len({tuple(d.astimezone(zone(z)).utcoffset() for d in YEAR) for z in zones}) <= 1


@cache
def _prefixes(country_code: str) -> dict[str, tuple[str, ...]]:
    """Number prefix → zones of its place, for one calling code (read when first asked:
    the whole table is 59,000 rows, and a store has customers in a few countries)."""
    try:
        raw = (resources.files("convo_tui.core") / PLACES).read_bytes()
    except (OSError, ModuleNotFoundError):
        return {}
    zones: dict[str, tuple[str, ...]] = {}  # one tuple per combination: rows share them
    table: dict[str, tuple[str, ...]] = {}
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        if not line.startswith(country_code) or line.startswith("#"):
            continue
        prefix, names = line.split("\t")
        if names not in zones:
            zones[names] = tuple(z for z in names.split(",") if z and is_zone(z))
        table[prefix] = zones[names]
    return table


def _place_zones(number: Any) -> tuple[str, ...] | None:
    """The zones of the number's place (its longest prefix in the table); () for a place
    convo cannot place; None when the table knows no prefix of it."""
    code = str(number.country_code)
    digits = code + str(number.national_number)
    table = _prefixes(code)
    for n in range(len(digits), len(code) - 1, -1):
        found = table.get(digits[:n])
        if found is not None:
            return found
    return None


@cache
def people() -> dict[str, int]:
    """People living in each zone's cities (to name a clock several zones keep)."""
    try:
        text = (resources.files("convo_tui.core") / PEOPLE).read_text("utf-8")
    except (OSError, ModuleNotFoundError):
        return {}
    found: dict[str, int] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, count = line.split("\t")
            found[canonical(name)] = found.get(canonical(name), 0) + int(count)
    return found


def fold(text: str) -> str:
    """A place name as the table keys it: no accents, case or punctuation."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in plain.casefold()).split())


@lru_cache(maxsize=4096)
def from_phone(e164: str) -> tuple[tuple[str, ...], str, str]:
    """(the zones the number could be in, its country, the zone its place names first),
    () when nothing is known."""
    number = phones.parse_e164(e164)
    if number is None:
        return (), "", ""
    region = region_code_for_number(number) or ""
    own = region_zones(region) if region else ()
    listed = tuple(
        dict.fromkeys(
            canonical(n)
            for n in phone_timezones.time_zones_for_number(number)
            if n != "Etc/Unknown" and is_zone(n)
        )
    )
    if own:  # zones of other countries on the same plan are not this one's
        listed = tuple(n for n in listed if n in own) or listed
    if region and not one_clock(region):
        placed = _place_zones(number)
        if placed:
            # A place by a border probes the neighbour too: its own country's zones
            # name the clocks when they keep the same ones (Rondônia is not La Paz).
            named = tuple(n for n in placed if n in own) or placed
            return named, region, placed[0]
        if len(listed) > 1:
            return listed, region, ""
        return own, region, ""
    return listed or own, region, ""


def signature(name: str, start: datetime, end: datetime) -> tuple[object, ...]:
    """The zone's clock from `start` to `end`: its UTC offset at `start` and each change
    of it until `end` (two zones with the same signature are one clock over that time).
    Read from the zone's own transitions, so no change between samples is missed."""
    tz = zone(name)
    first = start.astimezone(tz).utcoffset()
    times: list[datetime] | None = getattr(tz, "_utc_transition_times", None)
    if not times:
        return (first,)
    infos = tz._transition_info  # type: ignore[attr-defined]
    naive_start, naive_end = (
        start.astimezone(pytz.UTC).replace(tzinfo=None),
        end.astimezone(pytz.UTC).replace(tzinfo=None),
    )
    changes: list[object] = [first]
    offset = first
    index = bisect.bisect_right(times, naive_start)
    while index < len(times) and times[index] <= naive_end:
        new = infos[index][0]
        if new != offset:
            changes.append((times[index], new))
            offset = new
        index += 1
    return tuple(changes)


def distinct(
    names: tuple[str, ...], start: datetime, end: datetime, *, prefer: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """One zone per clock among `names` over `start`–`end`, the representative of each
    being the first of `prefer` it contains (else the first of `names`)."""
    groups: dict[tuple[object, ...], list[str]] = {}
    for name in names:
        groups.setdefault(signature(name, start, end), []).append(name)
    chosen = []
    counts = people()
    for members in groups.values():
        # The zone the number names itself, else the most populous (London for the
        # Channel Islands' clock, Sydney for Lord Howe's), else the first.
        named = [p for p in prefer if p in members]
        best = named[0] if named else max(members, key=lambda m: counts.get(m, 0))
        chosen.append(best)
    # West to east (by the offset at `start`): the order the spread is read in.
    return tuple(sorted(chosen, key=lambda n: start.astimezone(zone(n)).utcoffset() or timedelta()))


@cache
def country_names() -> dict[str, str]:
    """ISO code → country name, from the tz database's iso3166.tab."""
    try:
        text = (resources.files("tzdata") / "zoneinfo" / "iso3166.tab").read_text("utf-8")
    except (OSError, ModuleNotFoundError):
        return {}
    names = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and "\t" in line:
            code, name = line.split("\t", 1)
            names[code] = name.strip()
    return names


def country_name(region: str) -> str:
    return country_names().get(region.upper(), region.upper())
