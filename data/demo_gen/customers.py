"""The generated customers: drawn by country weight, each with a unique name."""

from __future__ import annotations

from .context import Demo
from .geography import COUNTRIES
from .people import email_for, empty_location, full_location, location
from .records import Location

_LOCATION_KINDS = ("full",) * 60 + ("latlong",) * 8 + ("citycountry",) * 15 + ("none",) * 17
"""How much of a location a profile has, in these proportions."""


def add_random_profiles(demo: Demo, count: int) -> None:
    rng = demo.rng
    isos = list(COUNTRIES)
    weights = [COUNTRIES[i].weight for i in isos]
    names_taken = {(p["first_name"], p["last_name"]) for p in demo.people.profiles}
    for n in range(count):
        iso = rng.choices(isos, weights)[0]
        country = COUNTRIES[iso]
        while True:
            first, last = rng.choice(country.first), rng.choice(country.last)
            if (first, last) not in names_taken:
                names_taken.add((first, last))
                break
        city = rng.choice(country.cities)
        kind = rng.choice(_LOCATION_KINDS)
        where: Location | None
        if kind == "full":
            where = full_location(rng, iso, city)
        elif kind == "latlong":
            latitude = round(city.latitude + rng.uniform(-0.03, 0.03), 4)
            longitude = round(city.longitude + rng.uniform(-0.03, 0.03), 4)
            where = location(None, None, None, None, None, None, latitude, longitude)
        elif kind == "citycountry":
            where = {**empty_location(), "city": city.name, "country": country.name}
        else:
            where = None
        phone = demo.phones.new(iso, city.prefixes if kind != "none" else None)
        f: str | None = first
        la: str | None = last
        if n % 61 == 7:
            f = la = None
        elif n % 67 == 11:
            la = None
        email = email_for(rng, f, la) if rng.random() < 0.88 else None
        consent = rng.choices(["SUBSCRIBED", "NEVER_SUBSCRIBED", "UNSUBSCRIBED"], [78, 13, 9])[0]
        demo.profile(
            phone, f, la, email, consent, where, iso, city.name if kind != "none" else None
        )
