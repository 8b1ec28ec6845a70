"""Phone numbers for the demo's people: valid for `phonenumbers`, fictional, never reused."""

from __future__ import annotations

import random

import phonenumbers

from .business import BUSINESS
from .geography import COUNTRIES

_ATTEMPTS = 2000


def valid_for(number: str, iso: str) -> bool:
    """A valid mobile number of country `iso`, in E.164."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(
        phonenumbers.is_valid_number(parsed)
        and phonenumbers.region_code_for_number(parsed) == iso
        and phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number
        and phonenumbers.number_type(parsed)
        in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    )


class PhoneBook:
    """The numbers handed out so far (the business's own from the start)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = {BUSINESS}

    def new(self, iso: str, prefixes: tuple[str, ...] | None = None) -> str:
        """A free number of country `iso`, starting with one of `prefixes` when given."""
        rng = self.rng
        country = COUNTRIES[iso]
        if country.mobile is None:  # the NANP: the fictional 555-01XX range
            codes = prefixes or tuple(p for c in country.cities for p in c.prefixes)
            for _ in range(_ATTEMPTS):
                number = f"+1{rng.choice(codes)}55501{rng.randrange(100):02d}"
                if number not in self.used and valid_for(number, iso):
                    self.used.add(number)
                    return number
            raise AssertionError(f"no free fictional number for {iso} {codes}")
        starts = prefixes or country.mobile.starts
        length = country.mobile.length
        cc = str(phonenumbers.country_code_for_region(iso))
        for _ in range(_ATTEMPTS):
            head = rng.choice(starts)
            digits = "".join(str(rng.randrange(10)) for _ in range(length - len(head)))
            number = f"+{cc}{head}{digits}"
            if number not in self.used and valid_for(number, iso):
                self.used.add(number)
                return number
        raise AssertionError(f"no valid mobile number for {iso}")

    def claim(self, number: str, iso: str) -> str:
        """A hand-picked number: it must be valid for `iso` and unused."""
        parsed = phonenumbers.parse(number, None)
        assert phonenumbers.is_valid_number(parsed), number
        assert phonenumbers.region_code_for_number(parsed) == iso, (number, iso)
        assert number not in self.used, number
        self.used.add(number)
        return number
