"""The demo's profiles: who they are, where they live, what consent they start with."""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

from .geography import COUNTRIES, City
from .records import Location, Profile


@dataclass(frozen=True)
class Meta:
    """What the generator knows of a profile that the files do not say."""

    iso: str
    currency: str
    city: str | None


class People:
    """The profiles in the order written (story profiles first), by phone as well."""

    def __init__(self) -> None:
        self.profiles: list[Profile] = []
        self.by_phone: dict[str, Profile] = {}
        self.meta: dict[str, Meta] = {}
        self.initial: dict[str, str] = {}
        """phone -> consent before the timeline."""
        self.fixed: set[str] = set()
        """Story and fixture profiles: their timelines are hand-written only."""

    def add(self, profile: Profile, iso: str, city: str | None, *, fixed: bool = False) -> None:
        phone = profile["phone"]
        assert phone not in self.by_phone
        self.profiles.append(profile)
        self.by_phone[phone] = profile
        self.meta[phone] = Meta(iso, COUNTRIES[iso].currency, city)
        self.initial[phone] = profile["consent"]
        if fixed:
            self.fixed.add(phone)

    def generated(self) -> list[str]:
        """The phones of the generated profiles, in file order."""
        return [p["phone"] for p in self.profiles if p["phone"] not in self.fixed]

    def names(self, phone: str) -> dict[str, str]:
        """Template values: {first} ("Hi {first}!") and {comma_first} ("Sorry{comma_first}!")."""
        first = self.by_phone[phone]["first_name"]
        return {"first": first or "there", "comma_first": f", {first}" if first else ""}

    def comma_first(self, phone: str) -> str:
        return self.names(phone)["comma_first"]


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", plain.lower())


def email_for(rng: random.Random, first: str | None, last: str | None) -> str:
    domain = rng.choice(["example.com", "example.net", "example.org", "mail.example"])
    if not first or not last:
        return f"customer{rng.randrange(1000, 9999)}@{domain}"
    f, la = ascii_slug(first), ascii_slug(last)
    style = rng.randrange(4)
    local = [f"{f}.{la}", f"{f}{la}{rng.randrange(10, 99)}", f"{f[0]}.{la}", f"{f}_{la}"][style]
    return f"{local}@{domain}"


def location(
    address1: str | None,
    city: str | None,
    region: str | None,
    country: str | None,
    zip_code: str | None,
    zone: str | None,
    latitude: float | None,
    longitude: float | None,
) -> Location:
    return {
        "address1": address1,
        "address2": None,
        "city": city,
        "region": region,
        "country": country,
        "zip": zip_code,
        "timezone": zone,
        "latitude": latitude,
        "longitude": longitude,
    }


def full_location(
    rng: random.Random, iso: str, city: City, address1: str | None = None
) -> Location:
    """Every field, coordinates a little off the city centre."""
    country = COUNTRIES[iso]
    if address1 is None:
        address1 = country.address.format(n=rng.randrange(1, 240), s=rng.choice(country.streets))
    latitude = round(city.latitude + rng.uniform(-0.03, 0.03), 4)
    longitude = round(city.longitude + rng.uniform(-0.03, 0.03), 4)
    return location(
        address1, city.name, city.region, country.name, city.zip, city.zone, latitude, longitude
    )


def empty_location() -> Location:
    return location(None, None, None, None, None, None, None, None)
